from marshmallow import Schema, fields

from backend.api import SMALL_ROW_ID


class AuditQuerySchema(Schema):
    user_id = fields.Integer(validate=SMALL_ROW_ID)
    username = fields.String()
    action = fields.String()
    resource_type = fields.String()
    resource_id = fields.String()
    outcome = fields.String()
    request_id = fields.String()
    since = fields.DateTime()
    until = fields.DateTime()


class AuditEventSchema(Schema):
    id = fields.Integer()
    occurred_at = fields.DateTime()
    user_id = fields.Integer(allow_none=True)
    username = fields.String(allow_none=True)
    role = fields.String(allow_none=True)
    action = fields.String()
    resource_type = fields.String()
    resource_id = fields.String(allow_none=True)
    outcome = fields.String()
    client_ip = fields.String(allow_none=True)
    request_id = fields.String(allow_none=True)
    details = fields.Dict(allow_none=True)
