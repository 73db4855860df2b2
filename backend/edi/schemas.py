from marshmallow import Schema, fields

from backend.api import ROW_ID


class EdiDocumentRefSchema(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"description": "999, TA1, 277CA or 835"})
    filename = fields.String()


class EdiFileSchema(Schema):
    id = fields.Integer()
    status = fields.String(
        metadata={"description": "accepted, partially_accepted, rejected or duplicate"}
    )
    transaction = fields.String(allow_none=True)
    filename = fields.String(allow_none=True)
    size_bytes = fields.Integer()
    sha256 = fields.String()
    received_at = fields.DateTime()
    interchange_control_number = fields.String(allow_none=True)
    transaction_sets = fields.Integer()
    transaction_sets_accepted = fields.Integer()
    claims_received = fields.Integer()
    claims_staged = fields.Integer()
    outcome = fields.Dict()
    documents = fields.List(fields.Nested(EdiDocumentRefSchema))


class RemittanceRequestSchema(Schema):
    batch_id = fields.Integer(allow_none=True, load_default=None, validate=ROW_ID)
    payment_date = fields.Date(load_default=None)


class RemittanceSchema(Schema):
    id = fields.Integer()
    batch_id = fields.Integer(allow_none=True)
    payee_provider_id = fields.Integer(allow_none=True)
    filename = fields.String()
    created_at = fields.DateTime()


class RemittanceListSchema(Schema):
    items = fields.List(fields.Nested(RemittanceSchema))
