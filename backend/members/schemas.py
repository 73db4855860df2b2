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
