from marshmallow import Schema, fields


class PaymentCycleRequestSchema(Schema):
    payment_date = fields.Date(
        load_default=None, metadata={"description": "BPR16 and DTM*405; today by default"}
    )
    batch_id = fields.Integer(
        load_default=None,
        allow_none=True,
        metadata={"description": "remit only this batch's claims (default: every channel)"},
    )


class PaymentCycleSchema(Schema):
    id = fields.Integer()
    status = fields.String(metadata={"description": "closed, or empty (nothing to remit)"})
    payment_date = fields.Date()
    batch_id = fields.Integer(allow_none=True)
    started_by_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    claim_count = fields.Integer(metadata={"description": "claims remitted by this cycle"})
    payee_count = fields.Integer(metadata={"description": "payees paid: one 835 each"})
    billed_cents = fields.Integer()
    paid_cents = fields.Integer(metadata={"description": "sum of the 835s' BPR02"})


class RemittanceFileSchema(Schema):
    payment_id = fields.Integer()
    edi_document_id = fields.Integer(
        metadata={"description": "download at GET /api/v1/edi/remittances/{edi_document_id}"}
    )
    filename = fields.String()
    payee_provider_id = fields.Integer()
    payee_npi = fields.String()
    payee_name = fields.String()
    trace_number = fields.String(metadata={"description": "TRN02, unique per 835"})
    payment_method = fields.String(metadata={"description": "BPR04: CHK, or NON for zero"})
    claim_count = fields.Integer()
    paid_cents = fields.Integer(metadata={"description": "BPR02"})
    balance_forward_cents = fields.Integer(
        metadata={"description": "still to recover from the payee (PLB FB in its next 835)"}
    )


class PaymentCycleDetailSchema(PaymentCycleSchema):
    files = fields.List(fields.Nested(RemittanceFileSchema))
