from marshmallow import Schema, fields, validate

from backend.api import ROW_ID, SMALL_ROW_ID


class LoginSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=60))
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=200))


class MeSchema(Schema):
    id = fields.Integer()
    username = fields.String()
    display_name = fields.String()
    role = fields.String()
    permissions = fields.List(fields.String())
    provider_id = fields.Integer(allow_none=True)
    member_id = fields.Integer(allow_none=True)
    csrf_token = fields.String(metadata={"description": "send as X-CSRFToken on session writes"})


class UserSchema(Schema):
    id = fields.Integer(dump_only=True)
    username = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9._@-]{2,60}$"))
    display_name = fields.String(load_default=None)
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=8))
    role_name = fields.String(required=True)
    provider_id = fields.Integer(load_default=None, allow_none=True, validate=ROW_ID)
    member_id = fields.Integer(load_default=None, allow_none=True, validate=ROW_ID)
    is_active = fields.Boolean(dump_only=True)
    locked_until = fields.DateTime(dump_only=True, allow_none=True)
    last_login_at = fields.DateTime(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)


class UserUpdateSchema(Schema):
    display_name = fields.String()
    role_name = fields.String()
    is_active = fields.Boolean()
    password = fields.String(load_only=True, validate=validate.Length(min=8))
    unlock = fields.Boolean(load_only=True, metadata={"description": "clear a login lockout"})


class TokenSchema(Schema):
    id = fields.Integer(dump_only=True)
    user_id = fields.Integer(required=True, validate=SMALL_ROW_ID)
    name = fields.String(required=True, validate=validate.Length(min=1, max=80))
    scopes = fields.List(fields.String(), required=True, validate=validate.Length(min=1))
    expires_at = fields.DateTime(load_default=None, allow_none=True)
    prefix = fields.String(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    revoked_at = fields.DateTime(dump_only=True, allow_none=True)
    last_used_at = fields.DateTime(dump_only=True, allow_none=True)
    last_used_ip = fields.String(dump_only=True, allow_none=True)


class IssuedTokenSchema(TokenSchema):
    token = fields.String(
        dump_only=True, metadata={"description": "the bearer token; shown this once only"}
    )


class UserQuerySchema(Schema):
    role_name = fields.String()
    username = fields.String()


class TokenQuerySchema(Schema):
    user_id = fields.Integer(validate=SMALL_ROW_ID)
    include_revoked = fields.Boolean(load_default=False)
