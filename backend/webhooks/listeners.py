"""Which claim events some active subscription listens for, remembered per web process, so that
a claim nobody listens for skips its event statement (a savepoint, an INSERT .. SELECT over the
subscriptions and the release: on most installations nobody subscribes, and it ran for every
claim submitted).

Remembered under the credentials generation the request's bearer token was checked under
(backend/auth/token_cache.py) and for at most `token_cache_seconds`: creating or re-enabling a
subscription bumps that generation after its commit (`credentials_changed`), so every process
reads the listeners again on its next call. A request without a checked generation (a portal
session, Redis unreachable, the cache off) runs the statement, which decides alone. A claim
staged while a subscription is being created, in a process that checked the generation just
before the bump, is not announced to it: the two happened at the same moment.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from flask import current_app, has_app_context
from sqlalchemy import text

from backend.auth.token_cache import checked_generation, still_current
from backend.db import Session

LISTENED_EVENTS = text("SELECT DISTINCT unnest(events) FROM webhook_subscription WHERE is_active")


@dataclass(frozen=True)
class _Listened:
    generation: bytes
    events: frozenset[str]
    loaded_at: float


class Listeners:
    def __init__(self, seconds: float):
        self.seconds = seconds
        self._listened: _Listened | None = None

    def any_of(self, events: tuple[str, ...], generation: bytes | None) -> bool:
        """Whether an active subscription listens for one of `events` (True when unsure)."""
        if generation is None or self.seconds <= 0:
            return True
        listened = self._listened
        if not still_current(listened, generation, self.seconds):
            listened = _Listened(generation, _read_listened(), time.monotonic())
            self._listened = listened
        return not listened.events.isdisjoint(events)


def _read_listened() -> frozenset[str]:
    """In a savepoint: a failure here must not end the claim's transaction."""
    with Session.begin_nested():
        return frozenset(Session.scalars(LISTENED_EVENTS))


def may_be_heard(*events: str) -> bool:
    """Whether the caller must run the statement that records `events` (False: nobody
    listens for any of them, as this process knows under the request's generation)."""
    if not has_app_context() or "webhook_listeners" not in current_app.extensions:
        return True
    return current_app.extensions["webhook_listeners"].any_of(events, checked_generation())


def init_app(app) -> None:
    app.extensions["webhook_listeners"] = Listeners(app.config["ASKES"].token_cache_seconds)
