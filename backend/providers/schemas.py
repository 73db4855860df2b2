from marshmallow import Schema, fields, validate

from backend.api import ROW_ID


class ProviderQuerySchema(Schema):
    npi = fields.String()
    name = fields.String(metadata={"description": "organization or last name, prefix"})
    state = fields.String()
    entity_type = fields.Integer(validate=validate.OneOf((1, 2)))
    organization_id = fields.Integer(validate=ROW_ID)


class ProviderSchema(Schema):
    id = fields.Integer()
    npi = fields.String()
    entity_type = fields.Integer()
    display_name = fields.String()
    organization_name = fields.String(allow_none=True)
    first_name = fields.String(allow_none=True)
    last_name = fields.String(allow_none=True)
    credential = fields.String(allow_none=True)
    taxonomy_code = fields.String()
    city = fields.String(allow_none=True)
    state = fields.String(allow_none=True)
    postal_code = fields.String(allow_none=True)
    pricing_locality_code = fields.String()
    organization_id = fields.Integer(allow_none=True)
