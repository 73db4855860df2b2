"""Request and response shapes of the review queue and decisions. Money is integer cents."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from backend.claims.schemas import AmountsSchema

ASSIGNEE_HELP = '"unassigned", "mine", or a user id'
QUEUE_SORTS = (
    "age", "-age", "billed", "-billed", "allowed", "-allowed", "risk_score", "-risk_score",
    "received_at", "-received_at",
)  # fmt: skip


class QueueQuerySchema(Schema):
    pend_reason = fields.String(metadata={"description": "words the pend reason contains"})
    billing_provider_id = fields.Integer()
    member_id = fields.Integer()
    min_billed_cents = fields.Integer(validate=validate.Range(min=0))
    max_billed_cents = fields.Integer(validate=validate.Range(min=0))
    min_allowed_cents = fields.Integer(validate=validate.Range(min=0))
    max_allowed_cents = fields.Integer(validate=validate.Range(min=0))
    min_days = fields.Integer(validate=validate.Range(min=0), metadata={"description": "in queue"})
    max_days = fields.Integer(validate=validate.Range(min=0))
    min_risk_score = fields.Float(validate=validate.Range(min=0, max=1))
    assignee = fields.String(
        validate=validate.Regexp(r"^(unassigned|mine|[0-9]+)$"),
        metadata={"description": ASSIGNEE_HELP},
    )
    awaiting_approval = fields.Boolean(
        metadata={"description": "only claims whose decision waits for a second reviewer"}
    )
    sort = fields.String(load_default="age", validate=validate.OneOf(QUEUE_SORTS))


class PartySchema(Schema):
    id = fields.Integer(allow_none=True)
    name = fields.String(allow_none=True)
    npi = fields.String(allow_none=True)
    member_number = fields.String(allow_none=True)


class AssignmentSchema(Schema):
    claim_id = fields.Integer()
    reviewer_id = fields.Integer()
    reviewer = fields.String(allow_none=True)
    assigned_at = fields.DateTime()
    expires_at = fields.DateTime()


class RiskReasonSchema(Schema):
    line_number = fields.Integer(allow_none=True)
    rule = fields.String(metadata={"description": "charge_ratio, em_units, or a model's feature"})
    score = fields.Float()
    detail = fields.String()


class PendingDecisionSchema(Schema):
    id = fields.Integer()
    action = fields.String()
    decided_by_id = fields.Integer()
    decided_by = fields.String(allow_none=True)
    decided_at = fields.DateTime()
    paid_cents = fields.Integer()


class QueueItemSchema(Schema):
    id = fields.Integer()
    patient_control_number = fields.String()
    claim_type = fields.String()
    channel = fields.String()
    service_from = fields.Date()
    service_to = fields.Date()
    received_at = fields.DateTime()
    pended_at = fields.DateTime()
    days_in_queue = fields.Integer()
    pend_reason = fields.String(allow_none=True)
    risk_score = fields.Float(allow_none=True)
    risk_model_version = fields.String(allow_none=True)
    risk_scoring_failed = fields.Boolean()
    risk_reasons = fields.List(fields.Nested(RiskReasonSchema))
    billed_cents = fields.Integer()
    allowed_cents = fields.Integer()
    paid_cents = fields.Integer(metadata={"description": "estimate; cost share is set at decision"})
    provider = fields.Nested(PartySchema)
    member = fields.Nested(PartySchema)
    assignment = fields.Nested(AssignmentSchema, allow_none=True)
    awaiting_approval = fields.Nested(PendingDecisionSchema, allow_none=True)


class LineDecisionSchema(Schema):
    line_number = fields.Integer(required=True, validate=validate.Range(min=1))
    carc = fields.String(validate=validate.Length(min=1, max=5))
    rarc = fields.List(fields.String(validate=validate.Length(min=1, max=6)), load_default=list)
    allowed_cents = fields.Integer(
        validate=validate.Range(min=0), metadata={"description": "adjust: the new allowed amount"}
    )


class DecisionRequestSchema(Schema):
    action = fields.String(required=True, validate=validate.OneOf(("approve", "deny", "adjust")))
    note = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    carc = fields.String(
        validate=validate.Length(min=1, max=5),
        metadata={"description": "deny: the CARC for the whole claim"},
    )
    rarc = fields.List(fields.String(validate=validate.Length(min=1, max=6)), load_default=list)
    lines = fields.List(
        fields.Nested(LineDecisionSchema),
        load_default=list,
        metadata={"description": "deny: lines to deny (the rest are paid); adjust: new amounts"},
    )

    @validates_schema
    def check_action(self, data, **_):
        action, lines = data["action"], data.get("lines") or []
        if action == "approve" and (lines or data.get("carc")):
            raise ValidationError("approve takes no carc and no lines", "action")
        if action == "deny" and bool(data.get("carc")) == bool(lines):
            raise ValidationError("deny takes a carc for the whole claim or lines", "carc")
        if action == "deny" and any(not line.get("carc") for line in lines):
            raise ValidationError("every denied line needs a carc", "lines")
        if action == "adjust" and not lines:
            raise ValidationError("adjust needs the lines to adjust", "lines")
        if action == "adjust" and any(
            "allowed_cents" not in line or not line.get("carc") for line in lines
        ):
            raise ValidationError("every adjusted line needs allowed_cents and a carc", "lines")
        numbers = [line["line_number"] for line in lines]
        if len(numbers) != len(set(numbers)):
            raise ValidationError("a line appears twice", "lines")


class ApprovalRequestSchema(Schema):
    approve = fields.Boolean(required=True)
    note = fields.String(required=True, validate=validate.Length(min=1, max=4000))


class DecidedLineSchema(AmountsSchema):
    line_number = fields.Integer()
    decision = fields.String()
    denial_carc = fields.String(allow_none=True)
    rarc_codes = fields.List(fields.String())
    adjustments = fields.List(fields.Dict())


class DecidedMoneySchema(AmountsSchema):
    decision = fields.String()
    lines = fields.List(fields.Nested(DecidedLineSchema))


class DecisionSchema(Schema):
    id = fields.Integer()
    claim_id = fields.Integer()
    action = fields.String()
    status = fields.String(metadata={"description": "awaiting_approval, final or rejected"})
    outcome = fields.String(allow_none=True, metadata={"description": "paid or denied"})
    note = fields.String()
    request = fields.Dict()
    decided_by_id = fields.Integer()
    decided_by = fields.String(allow_none=True)
    decided_at = fields.DateTime()
    approved_by_id = fields.Integer(allow_none=True)
    approved_by = fields.String(allow_none=True)
    approved_at = fields.DateTime(allow_none=True)
    approval_note = fields.String(allow_none=True)
    paid_cents = fields.Integer()
    before = fields.Nested(DecidedMoneySchema)
    after = fields.Nested(DecidedMoneySchema)


class BulkDecisionRequestSchema(Schema):
    claim_ids = fields.List(
        fields.Integer(), required=True, validate=validate.Length(min=1, max=200)
    )
    action = fields.String(required=True, validate=validate.OneOf(("approve", "deny")))
    note = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    carc = fields.String(validate=validate.Length(min=1, max=5))
    rarc = fields.List(fields.String(validate=validate.Length(min=1, max=6)), load_default=list)

    @validates_schema
    def check_carc(self, data, **_):
        if (data["action"] == "deny") != bool(data.get("carc")):
            raise ValidationError("deny needs a carc; approve takes none", "carc")


class BulkResultSchema(Schema):
    claim_id = fields.Integer()
    status = fields.Integer(metadata={"description": "HTTP status this claim alone would get"})
    decision = fields.Nested(DecisionSchema, allow_none=True)
    error = fields.Dict(allow_none=True, metadata={"description": "{code, message} on failure"})


class BulkResponseSchema(Schema):
    results = fields.List(fields.Nested(BulkResultSchema))
    decided = fields.Integer()
    awaiting_approval = fields.Integer()
    failed = fields.Integer()
