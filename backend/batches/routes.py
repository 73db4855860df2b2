"""Batches of claims processing: start one, follow its progress and reconciliation."""

from flask import abort, current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from backend.audit.service import audited
from backend.auth.permissions import BATCHES_RUN
from backend.auth.principal import current_principal, permission_required
from backend.batches.schemas import BatchRequestSchema, BatchSchema
from backend.batches.service import batch_progress, start_batch
from backend.db import Session
from backend.idempotency.keys import idempotent

blp = Blueprint("batches", __name__, url_prefix="/api/v1/batches", description="Batches")


@blp.route("")
class Batches(MethodView):
    @idempotent
    @blp.response(202, BatchSchema)
    @audited("create", "batch")
    @permission_required(BATCHES_RUN)
    @blp.arguments(BatchRequestSchema)
    def post(self, request):
        """Start processing the pending claims (all, or those matching the filter)"""
        principal = current_principal()
        options = {"claims_per_chunk": request.pop("claims_per_chunk")}
        limit = request.pop("limit", None)
        connection = Session.connection()
        batch_id = start_batch(
            connection, current_app.extensions["redis"], request, principal.user.id,
            limit=limit, **options,
        )  # fmt: skip
        progress = batch_progress(connection, batch_id)
        Session.commit()
        return progress


@blp.route("/<int:batch_id>")
class BatchById(MethodView):
    @blp.response(200, BatchSchema)
    @audited("read", "batch", "batch_id")
    @permission_required(BATCHES_RUN)
    def get(self, batch_id):
        """A batch's progress: claims done, failed, pended, throughput, seconds per stage"""
        return batch_progress(Session.connection(), batch_id) or abort(404, "no such batch")
