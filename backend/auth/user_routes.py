"""Users (admin)."""

from flask import abort, current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from backend.api import PageArgs, page_schema, paginate
from backend.audit.service import audited
from backend.auth.lockout import unlock_username
from backend.auth.models import Role, User
from backend.auth.passwords import hash_password
from backend.auth.permissions import USERS_MANAGE
from backend.auth.principal import permission_required
from backend.auth.schemas import UserQuerySchema, UserSchema, UserUpdateSchema
from backend.auth.service import create_user
from backend.auth.sessions import end_user_sessions
from backend.auth.token_cache import credentials_changed
from backend.db import Session

blp = Blueprint("users", __name__, url_prefix="/api/v1/users", description="Users (admin)")


@blp.route("")
class Users(MethodView):
    @blp.response(200, page_schema(UserSchema))
    @audited("search", "user")
    @permission_required(USERS_MANAGE)
    @blp.arguments(UserQuerySchema, location="query")
    @blp.arguments(PageArgs, location="query", as_kwargs=True)
    def get(self, query, page, page_size):
        """List users"""
        statement = select(User).order_by(User.id)
        if "role_name" in query:
            statement = statement.where(User.role_name == query["role_name"])
        if "username" in query:
            statement = statement.where(User.username.contains(query["username"].lower()))
        return paginate(statement, page, page_size)

    @blp.response(201, UserSchema)
    @audited("create", "user")
    @permission_required(USERS_MANAGE)
    @blp.arguments(UserSchema)
    def post(self, new_user):
        """Create a user"""
        try:
            user = create_user(Session(), **new_user)
        except ValueError as refused:
            abort(422, str(refused))
        Session.commit()
        return user


@blp.route("/<int:user_id>")
class UserById(MethodView):
    @blp.response(200, UserSchema)
    @audited("read", "user", "user_id")
    @permission_required(USERS_MANAGE)
    def get(self, user_id):
        """Read a user"""
        return Session.get(User, user_id) or abort(404, "no such user")

    @blp.response(200, UserSchema)
    @audited("update", "user", "user_id")
    @permission_required(USERS_MANAGE)
    @blp.arguments(UserUpdateSchema)
    def patch(self, changes, user_id):
        """Change a user: name, role, active flag, password, or clear a lockout"""
        user = Session.get(User, user_id) or abort(404, "no such user")
        apply_user_changes(user, changes)
        Session.commit()
        credentials_changed()
        return user


def apply_user_changes(user: User, changes: dict) -> None:
    if "role_name" in changes and Session.get(Role, changes["role_name"]) is None:
        abort(422, f"unknown role {changes['role_name']}")
    for field in ("display_name", "role_name", "is_active"):
        if field in changes:
            setattr(user, field, changes[field])
    if "password" in changes:
        user.password_hash = hash_password(changes["password"])
    if "password" in changes or changes.get("is_active") is False:
        end_user_sessions(Session(), user.id)
    if changes.get("unlock"):
        user.locked_until = None
        user.failed_login_count = 0
        unlock_username(current_app.extensions["redis"], user.username)
