from marshmallow import Schema, fields, validate

from backend.api import ROW_ID, DecimalString
from backend.claims.models import CHANNELS, CLAIM_TYPES, DECISIONS, STAGING_STATUSES
from backend.fast_dump import FastDumpSchema


class ClaimQuerySchema(Schema):
    status = fields.String(validate=validate.OneOf(STAGING_STATUSES))
    decision = fields.String(validate=validate.OneOf(DECISIONS))
    claim_type = fields.String(validate=validate.OneOf(CLAIM_TYPES))
    channel = fields.String(validate=validate.OneOf(CHANNELS))
    member_id = fields.Integer(validate=ROW_ID)
    billing_provider_id = fields.Integer(validate=ROW_ID)
    patient_control_number = fields.String()
    patient_name = fields.String(
        validate=validate.Length(min=1, max=120),
        metadata={
            "description": "case-insensitive prefix of the patient's last or first name; "
            "several words: each must match one of them"
        },
    )
    service_from = fields.Date(metadata={"description": "service starts on or after"})
    service_to = fields.Date(metadata={"description": "service starts on or before"})
    received_from = fields.DateTime()
    received_to = fields.DateTime()


class ClaimSummarySchema(Schema):
    id = fields.Integer()
    status = fields.String()
    decision = fields.String(allow_none=True)
    claim_type = fields.String()
    channel = fields.String()
    patient_control_number = fields.String()
    member_id = fields.Integer(allow_none=True)
    billing_provider_id = fields.Integer(allow_none=True)
    billing_provider_npi = fields.String()
    service_from = fields.Date(allow_none=True)
    service_to = fields.Date(allow_none=True)
    total_charge_cents = fields.Integer()
    allowed_cents = fields.Integer(allow_none=True)
    paid_cents = fields.Integer(allow_none=True)
    patient_responsibility_cents = fields.Integer(allow_none=True)
    received_at = fields.DateTime()
    adjudicated_at = fields.DateTime(allow_none=True)


class StagedLineSchema(Schema):
    line_number = fields.Integer()
    line_control_number = fields.String(allow_none=True)
    procedure_code = fields.String(allow_none=True)
    modifiers = fields.List(fields.String())
    revenue_code = fields.String(allow_none=True)
    service_from = fields.Date(allow_none=True)
    service_to = fields.Date(allow_none=True)
    units = DecimalString()
    unit_basis = fields.String()
    charge_cents = fields.Integer()
    place_of_service = fields.String(allow_none=True)
    diagnosis_pointers = fields.List(fields.Integer())
    rendering_provider_npi = fields.String(allow_none=True)
    ndc_code = fields.String(allow_none=True)
    other_payer_paid_cents = fields.Integer(allow_none=True)
    other_payer_adjustments = fields.List(fields.Dict(), allow_none=True)
    other_payer_paid_date = fields.Date(allow_none=True)


class AdjustmentSchema(Schema):
    group = fields.String()
    carc = fields.String()
    amount_cents = fields.Integer()


class AmountsSchema(Schema):
    billed_cents = fields.Integer()
    allowed_cents = fields.Integer()
    paid_cents = fields.Integer()
    patient_responsibility_cents = fields.Integer()
    deductible_cents = fields.Integer()
    coinsurance_cents = fields.Integer()
    copay_cents = fields.Integer()
    contractual_adjustment_cents = fields.Integer()
    noncovered_cents = fields.Integer()
    prior_payer_cents = fields.Integer(
        allow_none=True,
        metadata={"description": "a secondary claim: the prior payers' share (OA-23)"},
    )


class AdjudicatedLineSchema(AmountsSchema):
    line_number = fields.Integer()
    decision = fields.String()
    work_rvu = DecimalString(allow_none=True)
    pe_rvu = DecimalString(allow_none=True)
    mp_rvu = DecimalString(allow_none=True)
    work_gpci = DecimalString(allow_none=True)
    pe_gpci = DecimalString(allow_none=True)
    mp_gpci = DecimalString(allow_none=True)
    conversion_factor = DecimalString(allow_none=True)
    adjustments = fields.List(fields.Nested(AdjustmentSchema))
    rarc_codes = fields.List(fields.String())
    pricing_trace = fields.Dict()
    deductible_credit_cents = fields.Integer(allow_none=True)
    oop_credit_cents = fields.Integer(allow_none=True)


class AdjudicationSchema(AmountsSchema):
    decision = fields.String()
    pend_reason = fields.String(allow_none=True)
    network = fields.String()
    plan_id = fields.Integer(allow_none=True)
    adjudicated_at = fields.DateTime()
    risk_score = fields.Float(allow_none=True)
    risk_model_version = fields.String(allow_none=True)
    risk_scoring_failed = fields.Boolean()
    reviewed_by_id = fields.Integer(allow_none=True)
    reviewed_at = fields.DateTime(allow_none=True)
    other_payer_paid_cents = fields.Integer(allow_none=True)
    lines = fields.List(fields.Nested(AdjudicatedLineSchema))


class RemittanceEntrySchema(Schema):
    """An 835 that carried the claim: its payment, or the reversal of it (CLP02 22)."""

    entry = fields.String(metadata={"description": "payment or reversal"})
    payment_cycle_id = fields.Integer()
    edi_document_id = fields.Integer(allow_none=True)
    trace_number = fields.String(allow_none=True)
    paid_cents = fields.Integer()
    remitted_at = fields.DateTime()


class ReviewEntrySchema(Schema):
    """One review decision on the claim (the claim timeline); money in cents."""

    id = fields.Integer()
    action = fields.String(metadata={"description": "approve, deny or adjust"})
    status = fields.String(metadata={"description": "awaiting_approval, final or rejected"})
    outcome = fields.String(allow_none=True, metadata={"description": "paid or denied"})
    note = fields.String()
    decided_by_id = fields.Integer()
    decided_by = fields.String(allow_none=True)
    decided_at = fields.DateTime()
    approved_by_id = fields.Integer(allow_none=True)
    approved_by = fields.String(allow_none=True)
    approved_at = fields.DateTime(allow_none=True)
    approval_note = fields.String(allow_none=True)
    paid_cents = fields.Integer()


class FailureReasonSchema(Schema):
    line_number = fields.Integer(allow_none=True)
    edit_code = fields.String()
    field = fields.String(allow_none=True)
    message = fields.String()


class ReversalSchema(Schema):
    """An adjudicated claim taken back by a replacement (frequency 7) or a void (8); amounts in
    cents, the original's negated."""

    original_claim_id = fields.Integer()
    replacement_claim_id = fields.Integer()
    frequency_code = fields.String()
    reversed_at = fields.DateTime()
    paid_cents = fields.Integer()
    patient_responsibility_cents = fields.Integer()
    billed_cents = fields.Integer()
    remitted_document_id = fields.Integer(allow_none=True)


class ClaimDetailSchema(ClaimSummarySchema, FastDumpSchema):
    frequency_code = fields.String()
    original_claim_id = fields.String(allow_none=True)
    prior_authorization = fields.String(allow_none=True)
    subscriber_member_number = fields.String()
    patient_member_number = fields.String(allow_none=True)
    relationship_code = fields.String()
    patient_first_name = fields.String(allow_none=True)
    patient_last_name = fields.String(allow_none=True)
    patient_birth_date = fields.Date(allow_none=True)
    patient_sex = fields.String(allow_none=True)
    billing_provider_tax_id = fields.String(allow_none=True)
    rendering_provider_npi = fields.String(allow_none=True)
    referring_provider_npi = fields.String(allow_none=True)
    attending_provider_npi = fields.String(allow_none=True)
    operating_provider_npi = fields.String(allow_none=True)
    service_facility_npi = fields.String(allow_none=True)
    place_of_service = fields.String(allow_none=True)
    bill_type = fields.String(allow_none=True)
    admission_date = fields.Date(allow_none=True)
    admission_type_code = fields.String(allow_none=True)
    discharge_status = fields.String(allow_none=True)
    diagnosis_codes = fields.List(fields.String())
    source_file_id = fields.Integer(allow_none=True)
    source_control_number = fields.String(allow_none=True)
    source_position = fields.Integer(allow_none=True)
    source_request_id = fields.String(allow_none=True)
    batch_id = fields.Integer(allow_none=True)
    other_payer_paid_cents = fields.Integer(
        allow_none=True,
        metadata={"description": "a secondary claim: what the other payer(s) said they paid"},
    )
    other_payer_adjustments = fields.List(fields.Dict(), allow_none=True)
    lines = fields.List(fields.Nested(StagedLineSchema))
    adjudication = fields.Nested(AdjudicationSchema, allow_none=True)
    failure_reasons = fields.List(fields.Nested(FailureReasonSchema))
    decisions = fields.List(fields.Nested(ReviewEntrySchema))
    remittances = fields.List(fields.Nested(RemittanceEntrySchema))
    replaced_by = fields.Nested(ReversalSchema, allow_none=True)  # this claim, taken back
    reverses = fields.Nested(ReversalSchema, allow_none=True)  # its original, taken back by it
