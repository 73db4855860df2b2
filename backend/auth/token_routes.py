"""API tokens (admin): created for a user, shown once, revocable."""

from datetime import UTC, datetime

from flask import abort
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from backend.api import PageArgs, page_schema, paginate
from backend.audit.service import audited
from backend.auth.models import ApiToken, User
from backend.auth.permissions import TOKENS_MANAGE
from backend.auth.principal import current_principal, permission_required
from backend.auth.schemas import IssuedTokenSchema, TokenQuerySchema, TokenSchema
from backend.auth.token_cache import credentials_changed
from backend.auth.tokens import issue_token
from backend.db import Session

blp = Blueprint("tokens", __name__, url_prefix="/api/v1/tokens", description="API tokens (admin)")


@blp.route("")
class Tokens(MethodView):
    @blp.response(200, page_schema(TokenSchema))
    @audited("search", "api_token")
    @permission_required(TOKENS_MANAGE)
    @blp.arguments(TokenQuerySchema, location="query")
    @blp.arguments(PageArgs, location="query", as_kwargs=True)
    def get(self, query, page, page_size):
        """List tokens (never their secrets)"""
        statement = select(ApiToken).order_by(ApiToken.id)
        if "user_id" in query:
            statement = statement.where(ApiToken.user_id == query["user_id"])
        if not query["include_revoked"]:
            statement = statement.where(ApiToken.revoked_at.is_(None))
        return paginate(statement, page, page_size)

    @blp.response(201, IssuedTokenSchema)
    @audited("create", "api_token")
    @permission_required(TOKENS_MANAGE)
    @blp.arguments(TokenSchema)
    def post(self, request_token):
        """Create a token for a user; the response carries the secret, this once"""
        principal = current_principal()
        user = Session.get(User, request_token["user_id"]) or abort(422, "no such user")
        try:
            issued = issue_token(
                Session(), user, request_token["name"], request_token["scopes"],
                created_by=principal.user, expires_at=request_token["expires_at"],
            )  # fmt: skip
        except ValueError as refused:
            abort(422, str(refused))
        Session.commit()
        columns = {name: getattr(issued.token, name) for name in TokenSchema().fields}
        return {**columns, "token": issued.plaintext}


@blp.route("/<int:token_id>")
class TokenById(MethodView):
    @blp.response(204)
    @audited("revoke", "api_token", "token_id")
    @permission_required(TOKENS_MANAGE)
    def delete(self, token_id):
        """Revoke a token"""
        token = Session.get(ApiToken, token_id) or abort(404, "no such token")
        token.revoked_at = token.revoked_at or datetime.now(UTC)
        Session.commit()
        credentials_changed()
