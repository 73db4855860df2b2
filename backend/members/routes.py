"""Members: list, search and read with coverage and accumulators, scoped; the member views:
accumulators with their limits, and each claim's explanation of benefits."""

from flask import abort
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import Select, String, and_, cast, or_, select

from backend.api import PageArgs, page_schema, paginate
from backend.audit.models import AuditEvent
from backend.audit.service import audited
from backend.auth.permissions import EOB_READ, MEMBERS_READ
from backend.auth.principal import DataScope, current_principal, permission_required
from backend.claims.models import StagedClaim
from backend.db import Session
from backend.members.accumulators import member_accumulators
from backend.members.eob import claim_eob
from backend.members.models import Accumulator, Member
from backend.members.schemas import (
    AccessLogEntrySchema,
    AccumulatorQuerySchema,
    EobSchema,
    MemberAccumulatorsSchema,
    MemberDetailSchema,
    MemberQuerySchema,
    MemberSchema,
)

blp = Blueprint("members", __name__, url_prefix="/api/v1/members", description="Members")
eob_blp = Blueprint(
    "eob", __name__, url_prefix="/api/v1/claims", description="Explanation of benefits"
)


def members_in_scope(scope: DataScope, query: dict) -> Select:
    statement = select(Member).where(scope.rows(Member.id)).order_by(Member.last_name, Member.id)
    for name in ("member_number", "birth_date", "subscriber_id"):
        if name in query:
            statement = statement.where(getattr(Member, name) == query[name])
    for name in ("last_name", "first_name"):
        if name in query:
            statement = statement.where(getattr(Member, name).ilike(f"{query[name]}%"))
    return statement


def member_detail(scope: DataScope, member_id: int) -> dict | None:
    member = Session.scalar(members_in_scope(scope, {}).where(Member.id == member_id))
    if member is None:
        return None
    detail = {column.key: getattr(member, column.key) for column in Member.__table__.columns}
    detail["coverage_spans"] = member.coverage_spans
    detail["accumulators"] = Session.scalars(
        select(Accumulator)
        .where(Accumulator.member_id == member_id)
        .order_by(Accumulator.plan_year.desc())
    ).all()
    return detail


@blp.route("")
class Members(MethodView):
    @blp.response(200, page_schema(MemberSchema))
    @audited("search", "member")
    @permission_required(MEMBERS_READ)
    @blp.arguments(MemberQuerySchema, location="query")
    @blp.arguments(PageArgs, location="query", as_kwargs=True)
    def get(self, query, page, page_size):
        """List and search members"""
        principal = current_principal()
        return paginate(members_in_scope(principal.scope(Session()), query), page, page_size)


@blp.route("/<int:member_id>")
class MemberById(MethodView):
    @blp.response(200, MemberDetailSchema)
    @audited("read", "member", "member_id")
    @permission_required(MEMBERS_READ)
    def get(self, member_id):
        """Read a member with coverage spans and accumulators"""
        principal = current_principal()
        return member_detail(principal.scope(Session()), member_id) or abort(404, "no such member")


@blp.route("/<int:member_id>/accumulators")
class MemberAccumulators(MethodView):
    @blp.response(200, MemberAccumulatorsSchema)
    @audited("read", "member_accumulators", "member_id")
    @permission_required(MEMBERS_READ)
    @blp.arguments(AccumulatorQuerySchema, location="query")
    def get(self, query, member_id):
        """Deductible and out-of-pocket met of the plan's limits, for the member and the family"""
        scope = current_principal().scope(Session())
        member = Session.scalar(members_in_scope(scope, {}).where(Member.id == member_id))
        if member is None:
            abort(404, "no such member")
        return member_accumulators(member, query.get("plan_year"))


MEMBER_RESOURCES = ("member", "member_accumulators")
CLAIM_RESOURCES = ("claim", "eob")


def access_log(member_id: int) -> Select:
    """The audit rows about one member's own record and claims (single-resource rows; a list's
    rows name many people's ids and are not the member's to read), newest first."""
    claim_ids = select(cast(StagedClaim.id, String)).where(StagedClaim.member_id == member_id)
    about_member = and_(
        AuditEvent.resource_type.in_(MEMBER_RESOURCES), AuditEvent.resource_id == str(member_id)
    )
    about_claims = and_(
        AuditEvent.resource_type.in_(CLAIM_RESOURCES), AuditEvent.resource_id.in_(claim_ids)
    )
    return (
        select(
            AuditEvent.occurred_at,
            AuditEvent.username,
            AuditEvent.role,
            AuditEvent.action,
            AuditEvent.resource_type,
            AuditEvent.resource_id,
            AuditEvent.outcome,
        )
        .where(or_(about_member, about_claims))
        .order_by(AuditEvent.id.desc())
    )


def _entry(row) -> dict:
    entry = dict(row._mapping)
    resource_id = entry.pop("resource_id")
    entry["claim_id"] = int(resource_id) if entry["resource_type"] in CLAIM_RESOURCES else None
    return entry


@blp.route("/<int:member_id>/access-log")
class MemberAccessLog(MethodView):
    @blp.response(200, page_schema(AccessLogEntrySchema))
    @audited("read", "member_access_log", "member_id")
    @permission_required(MEMBERS_READ)
    @blp.arguments(PageArgs, location="query", as_kwargs=True)
    def get(self, member_id, page, page_size):
        """Who has looked at a member's records and claims (from the audit trail), newest first"""
        scope = current_principal().scope(Session())
        if Session.scalar(members_in_scope(scope, {}).where(Member.id == member_id)) is None:
            abort(404, "no such member")
        result = paginate(access_log(member_id), page, page_size, scalars=False)
        result["items"] = [_entry(row) for row in result["items"]]
        return result


@eob_blp.route("/<int:claim_id>/eob")
class ClaimEob(MethodView):
    @eob_blp.response(200, EobSchema)
    @audited("read", "eob", "claim_id")
    @permission_required(EOB_READ)
    def get(self, claim_id):
        """The member's explanation of benefits of a claim, in plain terms"""
        scope = current_principal().scope(Session())
        return claim_eob(scope, claim_id) or abort(404, "no such claim")
