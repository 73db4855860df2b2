"""Session login for the portal."""

from flask import abort, current_app, request, session
from flask.views import MethodView
from flask_login import current_user, login_user, logout_user
from flask_smorest import Blueprint
from flask_wtf.csrf import generate_csrf

from backend.audit.service import record
from backend.auth.lockout import LoginPolicy, LoginThrottle
from backend.auth.principal import Principal
from backend.auth.schemas import LoginSchema, MeSchema
from backend.auth.service import LoginRefused, authenticate
from backend.auth.sessions import SESSION_KEY, end_session, start_session
from backend.db import Session

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Login and session")


def _me(principal: Principal) -> dict:
    user = principal.user
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role_name,
        "permissions": sorted(principal.permissions),
        "provider_id": user.provider_id,
        "member_id": user.member_id,
        "csrf_token": generate_csrf(),
    }


@blp.route("/login")
class Login(MethodView):
    @blp.arguments(LoginSchema)
    @blp.response(200, MeSchema)
    @blp.alt_response(401, description="wrong username or password")
    @blp.alt_response(429, description="locked after repeated failures; see Retry-After")
    def post(self, credentials):
        """Log in and start a session (HttpOnly cookie)"""
        settings = current_app.config["ASKES"]
        policy = LoginPolicy(settings.login_max_failures, settings.login_lockout_seconds)
        username, password = credentials["username"], credentials["password"]
        throttle = LoginThrottle(
            current_app.extensions["redis"], request.remote_addr, username, policy
        )
        try:
            user = authenticate(Session(), username, password, throttle)
        except LoginRefused as refused:
            Session.commit()  # keep the failure count
            record("login", "session", outcome=refused.reason, details=_attempt(credentials))
            if refused.reason == "locked":
                abort_locked(refused.retry_after)
            abort(401, "wrong username or password")
        session.clear()  # a fresh cookie: nothing of an earlier session carries over
        session[SESSION_KEY] = start_session(
            Session(), user, current_app.permanent_session_lifetime
        )
        Session.commit()
        principal = Principal(user)
        login_user(principal)
        record("login", "session", user.id)
        return _me(principal)


def _attempt(credentials: dict) -> dict:
    return {"username": credentials["username"][:60]}


def abort_locked(retry_after: int):
    from werkzeug.exceptions import TooManyRequests

    error = TooManyRequests("too many failed logins; try again later")
    error.data = {"headers": {"Retry-After": str(retry_after)}}
    raise error


@blp.route("/logout")
class Logout(MethodView):
    @blp.response(204)
    def post(self):
        """End the session, server-side: the cookie no longer logs anyone in"""
        if current_user.is_authenticated:
            record("logout", "session", current_user.user.id)
        end_session(Session(), session.get(SESSION_KEY))
        Session.commit()
        logout_user()
        session.clear()


@blp.route("/me")
class Me(MethodView):
    @blp.response(200, MeSchema)
    def get(self):
        """Who am I: user, role, permissions and a CSRF token for session writes"""
        if not current_user.is_authenticated:
            abort(401, "authentication required")
        return _me(current_user)
