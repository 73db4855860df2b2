from marshmallow import Schema, fields

from backend.api import ROW_ID


class MemberQuerySchema(Schema):
    member_number = fields.String()
    last_name = fields.String()
    first_name = fields.String()
    birth_date = fields.Date()
    subscriber_id = fields.Integer(validate=ROW_ID)


class CoverageSpanSchema(Schema):
    id = fields.Integer()
    plan_id = fields.Integer()
    group_number = fields.String(allow_none=True)
    effective_date = fields.Date()
    termination_date = fields.Date(allow_none=True)


class AccumulatorSchema(Schema):
    plan_id = fields.Integer()
    plan_year = fields.Integer()
    network = fields.String()
    deductible_cents = fields.Integer()
    oop_cents = fields.Integer()


class MemberSchema(Schema):
    id = fields.Integer()
    member_number = fields.String()
    subscriber_id = fields.Integer(allow_none=True)
    relationship_code = fields.String()
    first_name = fields.String()
    middle_name = fields.String(allow_none=True)
    last_name = fields.String()
    birth_date = fields.Date()
    sex = fields.String()


class MemberDetailSchema(MemberSchema):
    address_line1 = fields.String(allow_none=True)
    address_line2 = fields.String(allow_none=True)
    city = fields.String(allow_none=True)
    state = fields.String(allow_none=True)
    postal_code = fields.String(allow_none=True)
    coverage_spans = fields.List(fields.Nested(CoverageSpanSchema))
    accumulators = fields.List(fields.Nested(AccumulatorSchema))


class AccumulatorQuerySchema(Schema):
    plan_year = fields.Integer(
        metadata={"description": "calendar year; default: the latest with accumulators"}
    )


class ProgressSchema(Schema):
    met_cents = fields.Integer()
    limit_cents = fields.Integer()
    remaining_cents = fields.Integer(
        metadata={
            "description": "what can still be charged toward the limit; for a member, also "
            "capped by what the family has left of the family limit"
        }
    )


class LimitsSchema(Schema):
    deductible = fields.Nested(ProgressSchema)
    out_of_pocket = fields.Nested(ProgressSchema)


class FamilyLimitsSchema(LimitsSchema):
    members = fields.Integer(metadata={"description": "family members the plan covers"})


class NetworkAccumulatorsSchema(Schema):
    network = fields.String(metadata={"description": "in or out (of network)"})
    individual = fields.Nested(LimitsSchema)
    family = fields.Nested(
        FamilyLimitsSchema,
        allow_none=True,
        metadata={"description": "the family's totals, where the plan has family limits"},
    )


class PlanAccumulatorsSchema(Schema):
    plan_id = fields.Integer()
    plan_code = fields.String()
    plan_name = fields.String()
    plan_type = fields.String()
    networks = fields.List(fields.Nested(NetworkAccumulatorsSchema))


class MemberAccumulatorsSchema(Schema):
    member_id = fields.Integer()
    plan_year = fields.Integer()
    plans = fields.List(fields.Nested(PlanAccumulatorsSchema))


class EobAmountsSchema(Schema):
    billed_cents = fields.Integer()
    plan_discount_cents = fields.Integer(metadata={"description": "contractual adjustment"})
    not_covered_cents = fields.Integer()
    allowed_cents = fields.Integer()
    plan_paid_cents = fields.Integer()
    you_owe_cents = fields.Integer(metadata={"description": "deductible + coinsurance + copay"})
    deductible_cents = fields.Integer()
    coinsurance_cents = fields.Integer()
    copay_cents = fields.Integer()
    paid_by_other_plan_cents = fields.Integer(
        allow_none=True,
        metadata={"description": "what your other plan paid of the allowed amount (OA-23); null "
                  "when no other plan paid first"},
    )  # fmt: skip


class YouOweReasonSchema(Schema):
    reason = fields.String(metadata={"description": "deductible, coinsurance or copay"})
    amount_cents = fields.Integer()
    explanation = fields.String()


class EobAdjustmentSchema(Schema):
    group = fields.String(metadata={"description": "CAS group: CO, PR, OA, PI"})
    group_description = fields.String(allow_none=True)
    carc = fields.String()
    description = fields.String(allow_none=True, metadata={"description": "the CARC's text"})
    amount_cents = fields.Integer()
    you_owe = fields.Boolean(metadata={"description": "patient responsibility (group PR)"})


class EobRemarkSchema(Schema):
    code = fields.String(metadata={"description": "RARC"})
    description = fields.String(allow_none=True)


class EobLineSchema(EobAmountsSchema):
    line_number = fields.Integer()
    procedure_code = fields.String(allow_none=True)
    procedure_description = fields.String(allow_none=True)
    revenue_code = fields.String(allow_none=True)
    service_from = fields.Date()
    service_to = fields.Date()
    decision = fields.String()
    you_owe_reasons = fields.List(fields.Nested(YouOweReasonSchema))
    adjustments = fields.List(fields.Nested(EobAdjustmentSchema))
    remarks = fields.List(fields.Nested(EobRemarkSchema))


class EobPatientSchema(Schema):
    member_id = fields.Integer()
    first_name = fields.String()
    last_name = fields.String()


class EobProviderSchema(Schema):
    provider_id = fields.Integer(allow_none=True)
    npi = fields.String()
    name = fields.String(allow_none=True)


class EobSchema(Schema):
    claim_id = fields.Integer()
    patient = fields.Nested(EobPatientSchema, allow_none=True)
    provider = fields.Nested(EobProviderSchema)
    service_from = fields.Date(allow_none=True)
    service_to = fields.Date(allow_none=True)
    received_at = fields.DateTime()
    decision = fields.String(allow_none=True, metadata={"description": "paid, denied, pended"})
    final = fields.Boolean(metadata={"description": "paid or denied: the amounts are final"})
    message = fields.String()
    billed_cents = fields.Integer()
    totals = fields.Nested(EobAmountsSchema, allow_none=True)
    you_owe_reasons = fields.List(fields.Nested(YouOweReasonSchema))
    lines = fields.List(fields.Nested(EobLineSchema))
    claim_adjustments = fields.List(
        fields.Nested(EobAdjustmentSchema),
        metadata={"description": "for a claim adjudicated without line detail"},
    )
    remitted_at = fields.DateTime(
        allow_none=True, metadata={"description": "when the provider's 835 included the claim"}
    )
    other_plan_message = fields.String(
        allow_none=True,
        metadata={"description": "a secondary claim: how your other plan's payment counted"},
    )


class AccessLogEntrySchema(Schema):
    """Who looked at or changed a member's records: the actor's username and role, never the
    internal ids of users or of other people's records."""

    occurred_at = fields.DateTime()
    username = fields.String(allow_none=True)
    role = fields.String(allow_none=True)
    action = fields.String(metadata={"description": "read, search, decide, approve_decision, ..."})
    resource_type = fields.String(
        metadata={"description": "member, member_accumulators, claim, eob"}
    )
    claim_id = fields.Integer(
        allow_none=True, metadata={"description": "the member's claim, if any"}
    )
    outcome = fields.String()
