from marshmallow import Schema, fields, validate

from backend.api import BIGINT, ROW_ID
from backend.claims.models import CHANNELS, CLAIM_TYPES


class BatchRequestSchema(Schema):
    """Which pending claims to process; all of them when empty."""

    channel = fields.String(validate=validate.OneOf(CHANNELS))
    claim_type = fields.String(validate=validate.OneOf(CLAIM_TYPES))
    billing_provider_id = fields.Integer(validate=ROW_ID)
    received_from = fields.DateTime()
    received_to = fields.DateTime()
    claim_ids = fields.List(fields.Integer(validate=BIGINT), validate=validate.Length(max=100_000))
    limit = fields.Integer(validate=validate.Range(min=1, max=2**63 - 1))
    claims_per_chunk = fields.Integer(
        load_default=25_000, validate=validate.Range(min=1, max=200_000)
    )


class ReconciliationSchema(Schema):
    claims_in = fields.Integer()
    completed = fields.Integer()
    paid = fields.Integer()
    denied = fields.Integer()
    pended = fields.Integer()
    failed = fields.Integer()
    skipped = fields.Integer()
    unprocessed = fields.Integer()
    billed_cents = fields.Integer()
    allowed_cents = fields.Integer()
    paid_cents = fields.Integer()
    patient_responsibility_cents = fields.Integer()
    contractual_adjustment_cents = fields.Integer()
    noncovered_cents = fields.Integer()
    deductible_cents = fields.Integer()
    coinsurance_cents = fields.Integer()
    copay_cents = fields.Integer()
    prior_payer_cents = fields.Integer(
        metadata={"description": "secondary claims: the prior payers' share of allowed (OA-23)"}
    )
    claims_balance = fields.Boolean()
    billed_balance = fields.Boolean()
    allowed_balance = fields.Boolean()
    balanced = fields.Boolean()
    after_review = fields.Dict(
        allow_none=True,
        metadata={"description": "the same figures with reviewers' later decisions counted"},
    )


class BatchSchema(Schema):
    id = fields.Integer()
    status = fields.String()
    filter = fields.Dict()
    created_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)
    claims_total = fields.Integer()
    claims_done = fields.Integer()
    claims_paid = fields.Integer()
    claims_denied = fields.Integer()
    claims_pended = fields.Integer()
    claims_failed = fields.Integer()
    claims_skipped = fields.Integer()
    lines_done = fields.Integer()
    chunks_total = fields.Integer()
    chunks_done = fields.Integer()
    chunks_failed = fields.Integer()
    elapsed_seconds = fields.Float()
    claims_per_second = fields.Float(allow_none=True)
    stage_seconds = fields.Dict(keys=fields.String(), values=fields.Float())
    reconciliation = fields.Nested(ReconciliationSchema, allow_none=True)
    error = fields.String(allow_none=True)
