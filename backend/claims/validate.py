"""`POST /api/v1/claims/validate`: the edit findings a claim would get, without submitting it.

The body is the one `POST /api/v1/claims` takes. The claim is staged inside a savepoint, read
back by the pipeline's own fetch, checked by the pipeline's validation stage (the same arrays
and code as a batch), and the savepoint is rolled back: nothing is staged, adjudicated or
counted. The findings are rendered as the transfer renders production.failed_claim_reason rows.

The body is not kept in received_document: a validation is a question about a draft, not a
submission (nothing is accepted, nothing later refers to it), and keeping every draft a
claim-entry screen checks would store PHI for no purpose. The call itself is audited.
"""

from __future__ import annotations

import json

from flask import abort, current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint
from flask_smorest import abort as api_abort
from marshmallow import Schema, ValidationError, fields
from sqlalchemy import select

from backend.audit.service import audited
from backend.auth.permissions import CLAIMS_SUBMIT
from backend.auth.principal import current_principal, permission_required
from backend.canonical.claim import Claim
from backend.canonical.edits import EDITS
from backend.claims.submit import CLAIM_BODY, ClaimBody, stage
from backend.db import Session
from backend.providers.models import Provider

blp = Blueprint("claims_validate", __name__, url_prefix="/api/v1/claims", description="Claims")


class FindingSchema(Schema):
    line_number = fields.Integer(allow_none=True)
    edit_code = fields.String()
    field = fields.String(allow_none=True)
    message = fields.String()


class ValidationResultSchema(Schema):
    valid = fields.Boolean()
    findings = fields.List(fields.Nested(FindingSchema))


@blp.route("/validate")
class ValidateClaim(MethodView):
    @blp.doc(requestBody={"content": {"application/json": {"schema": ClaimBody}}})
    @blp.response(200, ValidationResultSchema)
    @audited("validate", "claim")
    @permission_required(CLAIMS_SUBMIT)
    def post(self):
        """Check a claim as the pipeline would, without submitting it"""
        try:
            claim = CLAIM_BODY.load(json.loads(request.get_data()))
        except (ValueError, ValidationError) as error:
            api_abort(422, messages=getattr(error, "messages", None) or {"body": ["not JSON"]})
        scope = current_principal().scope(Session())
        billing_provider_id = Session.scalar(
            select(Provider.id).where(Provider.npi == claim.billing_provider_npi)
        )
        if not scope.everything and billing_provider_id not in scope.provider_ids:
            abort(403, "you may submit claims only for your organization's billing NPIs")
        findings = validation_findings(claim, billing_provider_id)
        return {"valid": not findings, "findings": findings}


def validation_findings(claim: Claim, billing_provider_id: int | None) -> list[dict]:
    """The pipeline validation's findings for `claim`, staged in a savepoint rolled back."""
    from workers.chunks import today_days
    from workers.fetch import fetch_chunk
    from workers.pipeline.run import derive_line_facts
    from workers.pipeline.validation import validate
    from workers.reference_cache import reference_arrays

    savepoint = Session.begin_nested()
    try:
        claim_id = stage(claim, billing_provider_id, None)
        connection = Session.connection()
        reference = reference_arrays(connection, current_app.extensions["redis"])
        chunk = fetch_chunk(connection, [claim_id], today_days())
        found, _rejected = validate(chunk, reference, derive_line_facts(chunk, reference))
    finally:
        savepoint.rollback()
    return [render(line, edit, detail) for line, edit, detail in
            zip(found.line_number, found.edit, found.detail, strict=True)]  # fmt: skip


EDIT_LIST = tuple(EDITS.values())


def render(line_number, edit_index, detail: bytes) -> dict:
    """One finding as the transfer writes it (workers/transfer.py, INSERT_REASONS)."""
    edit = EDIT_LIST[int(edit_index)]
    shown = bytes(detail).split(b"\0")[0].decode("latin-1")
    return {
        "line_number": int(line_number) or None,
        "edit_code": edit.code,
        "field": edit.field,
        "message": edit.summary + (f": {shown}" if shown else ""),
    }
