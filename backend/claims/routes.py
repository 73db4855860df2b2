"""Claims: list, search and read, scoped to what the caller may see."""

from flask import abort
from flask.views import MethodView
from flask_smorest import Blueprint

from backend.api import PageArgs, count_total, page_schema
from backend.audit.service import audited
from backend.auth.permissions import CLAIMS_READ
from backend.auth.principal import current_principal, permission_required
from backend.claims.read import claim_detail, count_claims, page_of_claims, rollup_total
from backend.claims.schemas import ClaimDetailSchema, ClaimQuerySchema, ClaimSummarySchema
from backend.db import Session

blp = Blueprint("claims", __name__, url_prefix="/api/v1/claims", description="Claims")


@blp.route("")
class Claims(MethodView):
    @blp.response(200, page_schema(ClaimSummarySchema))
    @audited("search", "claim")
    @permission_required(CLAIMS_READ)
    @blp.arguments(ClaimQuerySchema, location="query")
    @blp.arguments(PageArgs, location="query", as_kwargs=True)
    def get(self, query, page, page_size):
        """List and search claims, newest first"""
        principal = current_principal()
        scope = principal.scope(Session())
        total, estimated = rollup_total(scope, query), False
        if total is None:
            key = ("claims", scope, tuple(sorted(query.items())))
            total, estimated = count_total(count_claims(scope, query), key)
        items = page_of_claims(scope, query, page, page_size)
        return {"items": items, "total": total, "total_is_estimate": estimated,
                "page": page, "page_size": page_size}  # fmt: skip


@blp.route("/<int:claim_id>")
class ClaimById(MethodView):
    @blp.response(200, ClaimDetailSchema)
    @audited("read", "claim", "claim_id")
    @permission_required(CLAIMS_READ)
    def get(self, claim_id):
        """Read a claim: as received, its adjudication with the pricing trace, or why it failed"""
        principal = current_principal()
        return claim_detail(principal.scope(Session()), claim_id) or abort(404, "no such claim")
