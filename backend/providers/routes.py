"""Providers: directory data (not PHI), readable by every role that holds providers:read."""

from flask import abort
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import or_, select

from backend.api import PageArgs, page_schema, paginate
from backend.auth.permissions import PROVIDERS_READ
from backend.auth.principal import permission_required
from backend.db import Session
from backend.providers.models import Provider
from backend.providers.schemas import ProviderQuerySchema, ProviderSchema

blp = Blueprint("providers", __name__, url_prefix="/api/v1/providers", description="Providers")


@blp.route("")
class Providers(MethodView):
    @blp.response(200, page_schema(ProviderSchema))
    @permission_required(PROVIDERS_READ)
    @blp.arguments(ProviderQuerySchema, location="query")
    @blp.arguments(PageArgs, location="query", as_kwargs=True)
    def get(self, query, page, page_size):
        """List and search providers"""
        statement = select(Provider).order_by(Provider.id)
        for name in ("npi", "state", "entity_type", "organization_id"):
            if name in query:
                statement = statement.where(getattr(Provider, name) == query[name])
        if "name" in query:
            prefix = f"{query['name']}%"
            statement = statement.where(
                or_(Provider.organization_name.ilike(prefix), Provider.last_name.ilike(prefix))
            )
        return paginate(statement, page, page_size)


@blp.route("/<int:provider_id>")
class ProviderById(MethodView):
    @blp.response(200, ProviderSchema)
    @permission_required(PROVIDERS_READ)
    def get(self, provider_id):
        """Read a provider"""
        return Session.get(Provider, provider_id) or abort(404, "no such provider")
