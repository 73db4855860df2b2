"""Searching the audit trail (admin)."""

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from backend.api import PageArgs, page_schema, paginate
from backend.audit.models import AuditEvent
from backend.audit.schemas import AuditEventSchema, AuditQuerySchema
from backend.audit.service import audited
from backend.auth.permissions import AUDIT_READ
from backend.auth.principal import permission_required

blp = Blueprint("audit", __name__, url_prefix="/api/v1/audit", description="Audit trail (admin)")

EXACT = ("user_id", "username", "action", "resource_type", "resource_id", "outcome", "request_id")


@blp.route("")
class AuditEvents(MethodView):
    @blp.response(200, page_schema(AuditEventSchema))
    @audited("search", "audit_event")
    @permission_required(AUDIT_READ)
    @blp.arguments(AuditQuerySchema, location="query")
    @blp.arguments(PageArgs, location="query", as_kwargs=True)
    def get(self, query, page, page_size):
        """Search audit events, newest first"""
        statement = select(AuditEvent).order_by(AuditEvent.id.desc())
        for name in EXACT:
            if name in query:
                statement = statement.where(getattr(AuditEvent, name) == query[name])
        if "since" in query:
            statement = statement.where(AuditEvent.occurred_at >= query["since"])
        if "until" in query:
            statement = statement.where(AuditEvent.occurred_at <= query["until"])
        return paginate(statement, page, page_size)
