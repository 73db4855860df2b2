"""The review queue, assignments and decisions on pended claims (permission claims:review)."""

from flask import abort, current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from backend.api import PageArgs, count_total, page_schema
from backend.audit.service import audited, record
from backend.auth.permissions import CLAIMS_REVIEW
from backend.auth.principal import current_principal, permission_required
from backend.claims.models import AdjudicatedClaim
from backend.db import Session
from backend.idempotency.keys import idempotent
from backend.review import assignments, service
from backend.review.queue import queue_page, queue_statement, queue_total
from backend.review.schemas import (
    ApprovalRequestSchema,
    AssignmentSchema,
    BulkDecisionRequestSchema,
    BulkResponseSchema,
    DecisionRequestSchema,
    DecisionSchema,
    QueueItemSchema,
    QueueQuerySchema,
)
from backend.webhooks.service import claim_providers, emit

blp = Blueprint("review", __name__, url_prefix="/api/v1/review", description="Review queue")
decisions_blp = Blueprint(
    "claim_decisions", __name__, url_prefix="/api/v1/claims", description="Claim decisions"
)


@blp.route("/claims")
class ReviewQueue(MethodView):
    @blp.response(200, page_schema(QueueItemSchema))
    @audited("search", "review_queue")
    @permission_required(CLAIMS_REVIEW)
    @blp.arguments(QueueQuerySchema, location="query")
    @blp.arguments(PageArgs, location="query", as_kwargs=True)
    def get(self, query, page, page_size):
        """List pended claims: why they pended, their money, who works them"""
        principal = current_principal()
        scope, reviewer_id = principal.scope(Session()), principal.user.id
        total, estimated = queue_total(scope, query), False
        if total is None:
            mine = reviewer_id if query.get("assignee") == "mine" else None
            filters = tuple(sorted(item for item in query.items() if item[0] != "sort"))
            statement = queue_statement(scope, query, reviewer_id)
            total, estimated = count_total(statement, ("review_queue", scope, mine, filters))
        items = queue_page(scope, query, reviewer_id, page, page_size)
        return {"items": items, "total": total, "total_is_estimate": estimated,
                "page": page, "page_size": page_size}  # fmt: skip


@blp.route("/claims/<int:claim_id>")
class ReviewItem(MethodView):
    @blp.response(200, QueueItemSchema)
    @audited("read", "claim", "claim_id")
    @permission_required(CLAIMS_REVIEW)
    def get(self, claim_id):
        """One pended claim as the queue shows it: why it pended, its money, who holds it"""
        principal = current_principal()
        scope = principal.scope(Session())
        query = {"sort": "age", "claim_id": claim_id}
        items = queue_page(scope, query, principal.user.id, 1, 1)
        if not items:
            abort(404, "no such pended claim")
        return items[0]


@blp.route("/claims/<int:claim_id>/assign")
class Assignment(MethodView):
    @blp.response(200, AssignmentSchema)
    @audited("assign", "claim", "claim_id")
    @permission_required(CLAIMS_REVIEW)
    def post(self, claim_id):
        """Take a pended claim (or renew your hold on it); 409 if another reviewer holds it"""
        principal = _visible(claim_id)
        minutes = current_app.config["ASKES"].review_assignment_minutes
        assignment = _call(assignments.take, claim_id, principal.user.id, minutes)
        Session.commit()
        return assignment

    @blp.response(204)
    @audited("release", "claim", "claim_id")
    @permission_required(CLAIMS_REVIEW)
    def delete(self, claim_id):
        """Give a claim you hold back to the queue"""
        principal = _visible(claim_id)
        _call(assignments.release, claim_id, principal.user.id)
        Session.commit()


@decisions_blp.route("/<int:claim_id>/decision")
class Decision(MethodView):
    @idempotent
    @decisions_blp.response(200, DecisionSchema)
    @decisions_blp.alt_response(202, schema=DecisionSchema, description="awaits a second reviewer")
    @audited("decide", "claim", "claim_id")
    @permission_required(CLAIMS_REVIEW)
    @decisions_blp.arguments(DecisionRequestSchema)
    def post(self, request, claim_id):
        """Decide a pended claim: approve, deny (CARC/RARC, whole claim or lines) or adjust"""
        principal = _visible(claim_id)
        threshold = current_app.config["ASKES"].review_second_approval_cents
        decision, status = _call(service.decide, claim_id, principal.user.id, request, threshold)
        _audit_decision(decision)
        _emit_decided(decision)
        Session.commit()
        return decision, status


@decisions_blp.route("/<int:claim_id>/decision/approval")
class Approval(MethodView):
    @idempotent
    @decisions_blp.response(200, DecisionSchema)
    @audited("approve_decision", "claim", "claim_id")
    @permission_required(CLAIMS_REVIEW)
    @decisions_blp.arguments(ApprovalRequestSchema)
    def post(self, request, claim_id):
        """Second reviewer: approve (apply) or reject a decision awaiting approval"""
        principal = _visible(claim_id)
        decision = _call(
            service.approve_pending, claim_id, principal.user.id, request["approve"],
            request["note"],
        )  # fmt: skip
        _audit_decision(decision)
        _emit_decided(decision)
        Session.commit()
        return decision


@blp.route("/decisions")
class BulkDecisions(MethodView):
    @idempotent
    @blp.response(200, BulkResponseSchema)
    @audited("decide_bulk", "claim")
    @permission_required(CLAIMS_REVIEW)
    @blp.arguments(BulkDecisionRequestSchema)
    def post(self, request):
        """Approve or deny many pended claims, each decided on its own (per-claim results)"""
        principal = current_principal()
        scope = principal.scope(Session())
        threshold = current_app.config["ASKES"].review_second_approval_cents
        claim_ids = request.pop("claim_ids")
        results = [_decide_one(scope, claim_id, principal.user.id, request, threshold)
                   for claim_id in dict.fromkeys(claim_ids)]  # fmt: skip
        Session.commit()
        statuses = [result["status"] for result in results]
        return {
            "results": results,
            "decided": statuses.count(200),
            "awaiting_approval": statuses.count(202),
            "failed": len(statuses) - statuses.count(200) - statuses.count(202),
        }


def _decide_one(scope, claim_id, reviewer_id, request, threshold) -> dict:
    """One claim of a bulk request in a savepoint of its own: its failure undoes only itself."""
    savepoint = Session.begin_nested()
    try:
        if not _in_scope(scope, claim_id):
            raise service.ReviewError(404, "no such adjudicated claim")
        decision, status = service.decide(
            Session.connection(), claim_id, reviewer_id, request, threshold
        )
        _audit_decision(decision)
        _emit_decided(decision)
        savepoint.commit()
        return {"claim_id": claim_id, "status": status, "decision": decision, "error": None}
    except service.ReviewError as refused:
        savepoint.rollback()
        error = {"code": str(refused.status), "message": refused.message}
        return {"claim_id": claim_id, "status": refused.status, "decision": None, "error": error}


def _visible(claim_id: int):
    """The caller, once the claim is known to be in their scope (404 otherwise)."""
    principal = current_principal()
    if not _in_scope(principal.scope(Session()), claim_id):
        abort(404, "no such adjudicated claim")
    return principal


def _in_scope(scope, claim_id: int) -> bool:
    return (
        Session.scalar(
            select(AdjudicatedClaim.id).where(
                AdjudicatedClaim.id == claim_id,
                scope.rows(AdjudicatedClaim.member_id, AdjudicatedClaim.billing_provider_id),
            )
        )
        is not None
    )


def _call(function, claim_id, *args):
    try:
        return function(Session.connection(), claim_id, *args)
    except service.ReviewError as refused:
        abort(refused.status, refused.message)


def _audit_decision(decision: dict) -> None:
    """The decision in the audit trail, in the decision's transaction: reviewer, action, note,
    the claim's money before and after."""
    totals = {key: {k: v for k, v in decision[key].items() if k != "lines"}
              for key in ("before", "after")}  # fmt: skip
    record(
        "decision",
        "claim",
        decision["claim_id"],
        details={
            "decision_id": decision["id"],
            "action": decision["action"],
            "status": decision["status"],
            "outcome": decision["outcome"],
            "decided_by_id": decision["decided_by_id"],
            "approved_by_id": decision["approved_by_id"],
            "note": decision["note"],
            "approval_note": decision["approval_note"],
            **totals,
        },
        connection=Session.connection(),
    )


def _emit_decided(decision: dict) -> None:
    """claim.decided for a decision that took effect (not one awaiting a second reviewer),
    recorded in the decision's transaction and delivered after its commit."""
    if decision["status"] == "final":
        data = {"claim_id": decision["claim_id"], "decision": decision["outcome"],
                "decision_id": decision["id"]}  # fmt: skip
        emit("claim.decided", data, claim_providers(decision["claim_id"]))
