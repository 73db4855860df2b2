"""Response schemas that dump fast: the same output as marshmallow's `Schema.dump`, without its
per-field machinery (attribute lookup through accessors, nested schema dumps), which was the
largest Python cost of a 50-row page or a year-long report.

Each schema instance is compiled once into (output key, attribute, converter) triples: a
field's own `_serialize` as its converter (so formats, Decimal strings and None handling are
marshmallow's), nested schemas and lists of them compiled the same way. Whatever this cannot
take apart (dump hooks, fields that read the whole object, dotted attributes, a missing value)
goes through marshmallow itself, so the output is always the schema's.
"""

from __future__ import annotations

from marshmallow import Schema, fields, utils
from marshmallow.schema import POST_DUMP, PRE_DUMP
from marshmallow.utils import missing

# Fields whose _serialize depends on the value alone.
VALUE_FIELDS = (
    fields.String, fields.Integer, fields.Float, fields.Decimal, fields.Boolean,
    fields.DateTime, fields.Date, fields.Time, fields.UUID, fields.Dict, fields.Raw,
)  # fmt: skip
_ABSENT = object()


def compile_dump(schema: Schema):
    """A function of one object giving what `schema.dump(obj)` gives (many=False)."""
    if schema._hooks[PRE_DUMP] or schema._hooks[POST_DUMP]:
        return lambda obj: Schema.dump(schema, obj, many=False)
    parts = []
    for name, field in schema.dump_fields.items():
        key = field.data_key if field.data_key is not None else name
        attr = field.attribute or name
        convert = None if "." in attr else _converter(field, attr)
        parts.append((key, attr, convert, field))

    def dump(obj) -> dict:
        out = {}
        is_dict = isinstance(obj, dict)
        for key, attr, convert, field in parts:
            value = obj.get(attr, _ABSENT) if is_dict else getattr(obj, attr, _ABSENT)
            if convert is None or value is _ABSENT:
                value = field.serialize(attr, obj, accessor=schema.get_attribute)
                if value is missing:
                    continue
                out[key] = value
            else:
                out[key] = convert(value)
        return out

    return dump


def _converter(field, attr: str):
    """A function of the field's value giving its dumped form, or None: dump it through
    marshmallow."""
    if isinstance(field, fields.Pluck):
        return None
    if isinstance(field, fields.Nested):
        inner = compile_dump(field.schema)
        if field.many:
            return lambda value: None if value is None else [inner(item) for item in value]
        return lambda value: None if value is None else inner(value)
    if isinstance(field, fields.List):
        inner = _converter(field.inner, attr)
        if inner is None:
            return None
        return lambda value: None if value is None else [inner(item) for item in value]
    if isinstance(field, fields.Dict) and field.value_field is None:
        if field.key_field is None:
            return lambda value: None if value is None else dict(value)
        if type(field.key_field) is fields.String:
            return lambda value: None if value is None else {_text(k): v for k, v in value.items()}
    if isinstance(field, VALUE_FIELDS):
        serialize = field._serialize
        return lambda value: serialize(value, attr, None)
    return None


def _text(key) -> str:
    return key if key.__class__ is str else utils.ensure_text_type(key)


class FastDumpSchema(Schema):
    """A response schema whose dump is compiled (see the module docstring)."""

    def dump(self, obj, *, many: bool | None = None):
        dumper = self.__dict__.get("_compiled_dump")
        if dumper is None:
            dumper = self._compiled_dump = compile_dump(self)
        many = self.many if many is None else bool(many)
        return [dumper(item) for item in obj] if many else dumper(obj)
