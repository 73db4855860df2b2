"""Bearer tokens remembered by each web process, so that an API call does not read its token, user
and role from PostgreSQL every time (that read was the largest fixed cost of a GET).

An entry is reused while it is younger than `token_cache_seconds` and the credentials generation
in Redis is still the one it was read under. Whatever can stop a token working or change what it
may do (revoking a token, changing, deactivating or re-passwording a user) bumps the generation
after its commit (`credentials_changed`), so every process reads the rows again on its next call:
a revoked token is refused as promptly as without the cache. The generation is read before the
rows, so a change committed in between is never remembered under the newer generation. Without
Redis nothing is reused. The secret, the expiry and the revocation are checked on every call,
against the remembered row.

An entry also remembers its user's data scope when that scope is a provider organization's (the
organization, its practitioners and their NPIs, which every claim submitted over REST or FHIR is
checked against) or everything: read once per entry, not on every call. Whatever changes an
organization's providers or their NPIs must call `credentials_changed` (or `bump_generation`)
after its commit, as a user change does; the entry's age bounds what a direct database edit
leaves remembered. A member's scope (minor dependents: enrolment and birthdays move it) is read
on every call.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from flask import current_app, g, has_request_context
from redis.exceptions import RedisError
from sqlalchemy.orm import Session

from backend.auth.models import ApiToken

log = logging.getLogger("askes.auth")

GENERATION_KEY = "askes:auth:generation"
MAX_ENTRIES = 10_000  # a process serving more live tokens than this starts over


@dataclass
class _Entry:
    token: ApiToken  # detached, with its user and role loaded
    generation: bytes
    loaded_at: float
    scope: object | None = None  # the user's DataScope, when remembered (see the module's doc)


class TokenCache:
    def __init__(self, redis, seconds: float):
        self.redis = redis
        self.seconds = seconds
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()

    def generation(self) -> bytes | None:
        """The credentials generation now; None (remember nothing) when it cannot be read.
        Read once a request: the rate limiter reads it with its count (`generation_read`)."""
        if self.seconds <= 0:
            return None
        if has_request_context() and "generation_read" in g:
            return g.pop("generation_read")
        try:
            return self.redis.get(GENERATION_KEY) or b"0"
        except RedisError as error:
            log.warning("token cache bypassed: %s", type(error).__name__)
            return None

    def knows(self, prefix: str) -> bool:
        """Whether a token of this prefix was checked and remembered here (current or not)."""
        return prefix in self._entries

    def lookup(self, prefix: str, generation: bytes | None) -> ApiToken | None:
        entry = self._entries.get(prefix)
        return entry.token if still_current(entry, generation, self.seconds) else None

    def remembered(self, token: ApiToken) -> _Entry | None:
        """The entry `token` was served from or just stored in during this call (the generation
        checked), else None: a token read because nothing could be remembered has no entry."""
        entry = self._entries.get(token.prefix)
        return entry if entry is not None and entry.token is token else None

    def keep(self, session: Session, prefix: str, token: ApiToken, generation: bytes | None):
        """Remember `token` (just read under `generation`), detached from the request's session
        so that no rollback or later request can expire what other threads read."""
        if generation is None:
            return
        for row in (token.user.role, token.user, token):
            if row in session:
                session.expunge(row)
        with self._lock:
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            self._entries[prefix] = _Entry(token, generation, time.monotonic())

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def still_current(entry, generation: bytes | None, seconds: float) -> bool:
    """Whether `entry` (anything with the `generation` it was read under and its `loaded_at`,
    monotonic) may still be used under `generation` now: not None, same generation, younger
    than `seconds`. What every per-process memory kept under the generation asks."""
    return (
        entry is not None
        and generation is not None
        and entry.generation == generation
        and time.monotonic() - entry.loaded_at < seconds
    )


def generation_read(value: bytes | None) -> None:
    """The generation as another Redis round trip of this request just read it (None: the key
    does not exist yet, generation 0), for the token check that follows."""
    g.generation_read = value or b"0"


def checked_generation() -> bytes | None:
    """The generation this request's bearer token was checked under (the entry it came from or
    was stored in), or None: no token, or nothing could be remembered."""
    return g.get("credentials_generation") if has_request_context() else None


def credentials_changed() -> None:
    """After committing a change to a token, a user, an organization's providers or NPIs, or a
    webhook subscription: every process forgets its tokens, the data scopes remembered with
    them, and the events it knew nobody listens for (backend/webhooks/listeners.py)."""
    cache: TokenCache = current_app.extensions["token_cache"]
    cache.clear()
    bump_generation(cache.redis)


def bump_generation(redis) -> None:
    """`credentials_changed` outside a web request (a command or job with its own Redis)."""
    try:
        redis.incr(GENERATION_KEY)
    except RedisError as error:  # the other processes catch up within token_cache_seconds
        log.warning("token cache generation not bumped: %s", type(error).__name__)


def init_app(app) -> None:
    seconds = app.config["ASKES"].token_cache_seconds
    app.extensions["token_cache"] = TokenCache(app.extensions["redis"], seconds)
