"""One claim submitted through the API (`POST /api/v1/claims`): the body is kept as received,
parsed into the canonical claim, staged, and adjudicated at once through the same pipeline as
batches (a chunk of one); the response carries the decision."""

from __future__ import annotations

from datetime import date

from flask import abort, current_app, g, request
from flask.views import MethodView
from flask_smorest import Blueprint
from flask_smorest import abort as api_abort
from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema
from sqlalchemy import select

from backend.api import CENTS
from backend.audit.service import audited
from backend.auth.permissions import CLAIMS_SUBMIT
from backend.auth.principal import current_principal, permission_required
from backend.canonical.claim import Claim, ClaimLine
from backend.claims.models import CLAIM_TYPES, StagedClaim
from backend.claims.read import claim_detail
from backend.claims.schemas import ClaimDetailSchema
from backend.db import Session
from backend.idempotency.keys import idempotent
from backend.intake.parties import allowed_npis, refusal, refused_npi
from backend.intake.received import keep_committed, record_outcome
from backend.intake.staging import insert_claims
from backend.protection.json_shape import JsonShapeError, loads_checked
from backend.protection.limits import json_limits
from backend.webhooks.service import emit_submitted_claim

blp = Blueprint(
    "claims_submit", __name__, url_prefix="/api/v1/claims", description="Claims submission"
)
CHANNEL = "api"
MAX_DIAGNOSES = 99  # an 837I carries at most 25 in its HI segments; pointers are smallint
UNITS = validate.Range(min=0, max=9_999_999.999)  # numeric(10, 3)
Code = fields.String


class OtherPayerAdjustmentBody(Schema):
    """An adjustment the other payer made (its 835 CAS): group, CARC, cents."""

    group = Code(required=True, validate=validate.OneOf(("CO", "CR", "OA", "PI", "PR")))
    carc = Code(required=True, validate=validate.Length(min=1, max=5))
    amount_cents = fields.Integer(required=True, validate=validate.Range(-(10**12), 10**12))


OTHER_PAYER_ADJUSTMENTS = validate.Length(max=99)


class ClaimLineBody(Schema):
    line_number = fields.Integer(required=True, validate=validate.Range(min=1, max=999))
    charge_cents = fields.Integer(required=True, validate=CENTS)
    units = fields.Decimal(required=True, places=3, validate=UNITS)
    unit_basis = Code(load_default="UN", validate=validate.Length(max=2))
    procedure_code = Code(allow_none=True, validate=validate.Length(max=5))
    modifiers = fields.List(Code(validate=validate.Length(max=2)), validate=validate.Length(max=4))
    revenue_code = Code(allow_none=True, validate=validate.Length(max=4))
    service_from = fields.Date(allow_none=True)
    service_to = fields.Date(allow_none=True)
    place_of_service = Code(allow_none=True, validate=validate.Length(max=2))
    diagnosis_pointers = fields.List(
        fields.Integer(validate=validate.Range(min=1, max=MAX_DIAGNOSES)),
        validate=validate.Length(max=12),
    )
    rendering_provider_npi = Code(allow_none=True, validate=validate.Length(max=10))
    line_control_number = Code(allow_none=True, validate=validate.Length(max=50))
    ndc_code = Code(allow_none=True, validate=validate.Length(max=11))
    other_payer_paid_cents = fields.Integer(
        allow_none=True, validate=CENTS, metadata={"description": "what the other payer paid"}
    )
    other_payer_adjustments = fields.List(
        fields.Nested(OtherPayerAdjustmentBody), allow_none=True, validate=OTHER_PAYER_ADJUSTMENTS
    )
    other_payer_paid_date = fields.Date(allow_none=True)

    @post_load
    def make(self, data, **_kwargs) -> ClaimLine:
        return ClaimLine(**data)


class ClaimBody(Schema):
    """The canonical claim (backend/canonical/claim.py; docs/claim-model.md); money in cents."""

    claim_type = Code(required=True, validate=validate.OneOf(CLAIM_TYPES))
    patient_control_number = Code(required=True, validate=validate.Length(min=1, max=38))
    subscriber_member_number = Code(required=True, validate=validate.Length(min=1, max=80))
    billing_provider_npi = Code(required=True, validate=validate.Length(min=1, max=10))
    total_charge_cents = fields.Integer(required=True, validate=CENTS)
    diagnosis_codes = fields.List(
        Code(validate=validate.Length(max=7)),
        required=True,
        validate=validate.Length(max=MAX_DIAGNOSES),
    )
    lines = fields.List(
        fields.Nested(ClaimLineBody), required=True, validate=validate.Length(max=999)
    )
    frequency_code = Code(load_default="1", validate=validate.Length(max=1))
    original_claim_id = Code(allow_none=True, validate=validate.Length(max=50))
    prior_authorization = Code(allow_none=True, validate=validate.Length(max=50))
    patient_member_number = Code(allow_none=True, validate=validate.Length(max=80))
    relationship_code = Code(load_default="18", validate=validate.Length(max=2))
    patient_first_name = fields.String(allow_none=True, validate=validate.Length(max=60))
    patient_last_name = fields.String(allow_none=True, validate=validate.Length(max=60))
    patient_birth_date = fields.Date(allow_none=True)
    patient_sex = Code(allow_none=True, validate=validate.Length(max=1))
    billing_provider_tax_id = Code(allow_none=True, validate=validate.Length(max=9))
    rendering_provider_npi = Code(allow_none=True, validate=validate.Length(max=10))
    referring_provider_npi = Code(allow_none=True, validate=validate.Length(max=10))
    attending_provider_npi = Code(allow_none=True, validate=validate.Length(max=10))
    operating_provider_npi = Code(allow_none=True, validate=validate.Length(max=10))
    service_facility_npi = Code(allow_none=True, validate=validate.Length(max=10))
    place_of_service = Code(allow_none=True, validate=validate.Length(max=2))
    bill_type = Code(allow_none=True, validate=validate.Length(max=4))
    admission_date = fields.Date(allow_none=True)
    admission_type_code = Code(allow_none=True, validate=validate.Length(max=1))
    discharge_status = Code(allow_none=True, validate=validate.Length(max=2))
    statement_from = fields.Date(allow_none=True)
    statement_to = fields.Date(allow_none=True)
    other_payer_paid_cents = fields.Integer(
        allow_none=True,
        validate=CENTS,
        metadata={
            "description": "a secondary claim: what the other payer(s) paid in all (0 when they "
            "paid nothing); absent when we are the primary payer (docs/pipeline.md, COB)"
        },
    )
    other_payer_adjustments = fields.List(
        fields.Nested(OtherPayerAdjustmentBody), allow_none=True, validate=OTHER_PAYER_ADJUSTMENTS
    )

    @validates_schema(skip_on_field_errors=True)
    def unique_line_numbers(self, data, **_kwargs) -> None:
        numbers = [line.line_number for line in data["lines"]]
        if len(set(numbers)) != len(numbers):
            raise ValidationError({"lines": ["each line needs a line_number of its own"]})

    @post_load
    def make(self, data, **_kwargs) -> Claim:
        claim = Claim(**data)
        line_paid = [line.other_payer_paid_cents for line in claim.lines]
        if claim.other_payer_paid_cents is None and any(p is not None for p in line_paid):
            claim.other_payer_paid_cents = sum(p for p in line_paid if p is not None)  # as 2430
        return claim


CLAIM_BODY = ClaimBody()  # one instance: making a schema deep-copies every declared field


@blp.route("")
class SubmitClaim(MethodView):
    @idempotent
    @blp.doc(requestBody={"content": {"application/json": {"schema": ClaimBody}}})
    @blp.response(201, ClaimDetailSchema)
    @audited("submit", "claim")
    @permission_required(CLAIMS_SUBMIT)
    def post(self):
        """Submit one claim and get its adjudication back"""
        principal = current_principal()
        body = request.get_data()
        document_id = keep_body(body, request.content_type, principal.user.id)
        claim = parse(body, document_id)
        scope = principal.scope(Session())
        npi = refused_npi(allowed_npis(Session(), scope), [claim.billing_provider_npi])
        if npi is not None:
            _record(document_id, "rejected", {"error": refusal(npi)})
            abort(403, refusal(npi))
        (claim_id,) = insert_claims(
            Session.connection(), [(claim, None)], CHANNEL, document_id, g.get("request_id")
        )
        status, service_month, decision = adjudicate_in_transaction(claim_id)
        emit_submitted_claim(claim_id, CHANNEL, decision)
        # One commit for the staged claim, its adjudication, its events and the outcome.
        _record(document_id, "accepted", {"claim_id": claim_id, "status": status})
        detail = claim_detail(scope, claim_id, service_month)
        # Its reads end in a COMMIT, not the teardown's ROLLBACK: psycopg forgets its prepared
        # statements on a ROLLBACK, so the pipeline's were parsed and planned on every request.
        Session.commit()
        return detail


def keep_body(body: bytes, content_type: str | None, user_id: int) -> int:
    """The request body as received, committed before anything parses it."""
    document_id = keep_committed(
        Session.connection(), channel=CHANNEL, body=body,
        media_type=content_type or "application/json", user_id=user_id,
        request_id=g.get("request_id"),
    )  # fmt: skip
    Session.commit()
    return document_id


def parse(body: bytes, document_id: int) -> Claim:
    """The canonical claim from the body just kept (the same bytes: not read back)."""
    try:
        document = loads_checked(body, *json_limits(current_app.config["ASKES"]))
        return CLAIM_BODY.load(document)
    except JsonShapeError as error:
        messages = {"body": [f"{error.message} at {error.path}"]}
        _record(document_id, "rejected", {"errors": messages})
        api_abort(400, message=f"the JSON body has {error.message}", messages=messages)
    except (ValueError, ValidationError) as error:
        messages = getattr(error, "messages", None) or {"body": ["not JSON"]}
        _record(document_id, "rejected", {"errors": messages})
        api_abort(422, messages=messages)


def adjudicate_now(claim_id: int) -> None:
    """The claim through the pipeline as a chunk of one, committed with its staging row."""
    adjudicate_in_transaction(claim_id)
    Session.commit()


def adjudicate_in_transaction(claim_id: int) -> tuple[str, date | None, str | None]:
    """The claim through the pipeline as a chunk of one, in the open transaction (the caller
    commits); returns its staging status (processed, rejected, or what a batch that got there
    first left) and, when this call adjudicated it, its service month and decision (paid,
    denied or pended). Web processes import
    the worker pipeline here, lazily, to adjudicate in-line (a round trip through a busy queue
    would miss the latency target)."""
    from workers.chunks import adjudicate
    from workers.pipeline.codes import DECISIONS
    from workers.transfer import ConcurrentChange, service_months

    try:
        with Session.begin_nested():
            result = adjudicate(Session.connection(), current_app.extensions["redis"], [claim_id])
    except ConcurrentChange:  # processed by a batch meanwhile, or left pending for the next one
        result = None
    if result is None or len(result.rejected) == 0:  # not adjudicated by this call
        status = Session.scalar(select(StagedClaim.status).where(StagedClaim.id == claim_id))
        return status, None, None
    if result.rejected[0]:
        return "rejected", None, None
    return "processed", service_months(result)[0], DECISIONS[result.claims.decision[0]]


def _record(document_id: int, status: str, outcome: dict) -> None:
    record_outcome(Session.connection(), document_id, status, outcome)
    Session.commit()
