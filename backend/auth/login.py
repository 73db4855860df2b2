"""flask-login sessions for the portal, bearer tokens for integrations, CSRF for session writes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import abort, current_app, g, request, session
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from backend.auth import token_cache
from backend.auth.models import ApiToken
from backend.auth.principal import Principal
from backend.auth.sessions import SESSION_KEY, session_user
from backend.auth.tokens import find_active_token
from backend.db import Session

login_manager = LoginManager()
csrf = CSRFProtect()

TOKEN_USE_RESOLUTION = timedelta(minutes=1)
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
CSRF_EXEMPT_ENDPOINTS = {"auth.Login"}  # no session yet; JSON-only, so no cross-site form post


@login_manager.user_loader
def load_session_user(user_id: str) -> Principal | None:
    user = session_user(Session(), session.get(SESSION_KEY), int(user_id))
    return Principal(user) if user else None


@login_manager.request_loader
def load_token_user(req) -> Principal | None:
    header = req.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    cache = current_app.extensions["token_cache"]
    token = find_active_token(Session(), header.removeprefix("Bearer ").strip(), cache)
    if token is None:
        abort(401, "the bearer token is unknown, revoked or expired")
    note_token_use(token, req.remote_addr, datetime.now(UTC))
    remembered = cache.remembered(token)
    if remembered is not None:  # what else is remembered under it is current too
        g.credentials_generation = remembered.generation
    return Principal(token.user, token, remembered=remembered)


def note_token_use(token, client_ip: str | None, now: datetime) -> None:
    """Record the token's last use, at most once a minute per token and address: a write and a
    commit on every API call would double the cost of a busy integration's requests. The row
    may be a remembered one (token_cache), detached: written by its id."""
    recent = token.last_used_at and now - token.last_used_at < TOKEN_USE_RESOLUTION
    if recent and token.last_used_ip == client_ip:
        return
    Session.execute(
        update(ApiToken)
        .where(ApiToken.id == token.id)
        .values(last_used_at=now, last_used_ip=client_ip)
        .execution_options(synchronize_session=False)
    )
    Session.commit()
    set_committed_value(token, "last_used_at", now)
    set_committed_value(token, "last_used_ip", client_ip)


@login_manager.unauthorized_handler
def unauthorized():
    abort(401, "authentication required")


def protect_session_writes() -> None:
    """CSRF check for unsafe requests authenticated by the session cookie (not by a token)."""
    if request.method not in UNSAFE_METHODS or request.endpoint in CSRF_EXEMPT_ENDPOINTS:
        return
    if request.headers.get("Authorization", "").startswith("Bearer "):
        return
    if current_user.is_authenticated:
        csrf.protect()


def init_app(app) -> None:
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # valid for the session's life
    token_cache.init_app(app)
    login_manager.init_app(app)
    csrf.init_app(app)
    app.before_request(protect_session_writes)
