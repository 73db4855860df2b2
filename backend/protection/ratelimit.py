"""Rate limits in Redis, shared by every web process and host: fixed one-minute windows of
requests per budget and subject.

Budgets: `login` per client address (checked before the password and the lockout, so a flood
from one address is throttled without touching any account), and `read`, `write` and `bulk`
(X12 uploads, FHIR Bundles, batch and remittance starts) per caller: the API token when one
is used, else the user, else the client address. Every counted answer carries RateLimit-Limit,
RateLimit-Remaining and RateLimit-Reset; a refusal is a 429 with Retry-After. When Redis cannot
be reached the request is let through: throttling is not worth an outage.
"""

from __future__ import annotations

import logging
import time

from flask import current_app, g, request
from flask_login import current_user
from redis.exceptions import RedisError
from werkzeug.exceptions import TooManyRequests, Unauthorized

from backend.auth.token_cache import GENERATION_KEY, generation_read
from backend.auth.tokens import bearer_prefix

log = logging.getLogger("askes.ratelimit")

BULK_ENDPOINTS = {"edi.EdiFiles", "fhir.bundle", "batches.Batches", "edi.Remittances"}
LOGIN_ENDPOINTS = {"auth.Login"}
UNCOUNTED_PREFIXES = ("/health", "/ready", "/metrics", "/assets/", "/api/swagger-ui/")
SAFE_METHODS = {"GET", "HEAD"}


def budget_of(endpoint: str | None, method: str) -> str:
    if endpoint in LOGIN_ENDPOINTS:
        return "login"
    if method in SAFE_METHODS:
        return "read"
    return "bulk" if endpoint in BULK_ENDPOINTS else "write"


def _subject(budget: str) -> tuple[str, bool]:
    """Who a request counts against, and whether its bearer token is still to be checked.

    A bearer token this process has already checked (its prefix is in the token cache) counts
    by that prefix before it is checked again, so the same Redis round trip can read the
    credentials generation the check needs (backend/auth/token_cache.py). Any other request is
    authenticated first: a token by its prefix, a session by its user, anyone else by address; a
    made-up or revoked token is refused there (401), counted against its address by the caller,
    so inventing prefixes buys no fresh budget."""
    if budget == "login":
        return _address(), False
    prefix = bearer_prefix(request.headers.get("Authorization", ""))
    if prefix is not None and current_app.extensions["token_cache"].knows(prefix):
        return f"t{prefix}", True
    if current_user.is_authenticated:
        principal = current_user._get_current_object()
        if principal.token is not None:
            return f"t{principal.token.prefix}", False
        return f"u{principal.user.id}", False
    return _address(), False


def _address() -> str:
    return f"a{request.remote_addr or '-'}"


def take(
    redis, budget: str, subject: str, limit: int, window: int, now: float, read: str | None = None
) -> tuple[int, int, bytes | None]:
    """Count one request; (requests in this window so far, seconds until the window ends, the
    value of the key `read`, read in the same round trip, or None)."""
    number = int(now // window)
    key = f"askes:rl:{budget}:{subject}:{number}"
    pipe = redis.pipeline()
    pipe.incr(key)
    pipe.expire(key, window + 1)
    if read is not None:
        pipe.get(read)
    used, _, *value = pipe.execute()
    return used, window * (number + 1) - int(now), value[0] if value else None


def check_rate_limit() -> None:
    settings = current_app.config["ASKES"]
    if request.method == "OPTIONS" or request.path.startswith(UNCOUNTED_PREFIXES):
        return
    budget = budget_of(request.endpoint, request.method)
    limit = settings.rate_limits.get(budget, 0)
    if not settings.rate_limits_enabled or limit <= 0:
        return
    try:
        subject, unchecked = _subject(budget)
    except Unauthorized:  # a bad credential counts against its address, and may be a 429
        _count(settings, budget, limit, _address(), None)
        raise
    _count(settings, budget, limit, subject, GENERATION_KEY if unchecked else None)


def _count(settings, budget: str, limit: int, subject: str, generation: str | None) -> None:
    try:
        used, reset, read = take(current_app.extensions["redis"], budget, subject, limit,
                                 settings.rate_limit_window_seconds, time.time(),
                                 generation)  # fmt: skip
    except RedisError as error:
        log.warning("rate limit not applied: %s", type(error).__name__)
        return
    if generation is not None:
        generation_read(read)
    g.rate_limit = (limit, max(limit - used, 0), reset)
    if used > limit:
        refusal = TooManyRequests(f"more than {limit} {budget} requests a minute; slow down")
        refusal.data = {"headers": {"Retry-After": str(reset)}}
        raise refusal


def add_rate_limit_headers(response):
    if "rate_limit" in g:
        limit, remaining, reset = g.rate_limit
        response.headers["RateLimit-Limit"] = str(limit)
        response.headers["RateLimit-Remaining"] = str(remaining)
        response.headers["RateLimit-Reset"] = str(reset)
    return response


def init_app(app) -> None:
    """After login.init_app: the caller is known (a bearer token is loaded on first use)."""
    app.before_request(check_rate_limit)
    app.after_request(add_rate_limit_headers)
