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
        # Values the converter gives back unchanged: None where it dumps None as None, and
        # values of the one type the field dumps as themselves (an int for an Integer, ...).
        keeps_none = convert is not None and _dumps_none_as_none(convert)
        parts.append((key, attr, convert, field, keeps_none, _kept_type(field)))

    def dump(obj) -> dict:
        out = {}
        is_dict = isinstance(obj, dict)
        for key, attr, convert, field, keeps_none, kept_type in parts:
            value = obj.get(attr, _ABSENT) if is_dict else getattr(obj, attr, _ABSENT)
            if convert is None or value is _ABSENT:
                value = field.serialize(attr, obj, accessor=schema.get_attribute)
                if value is missing:
                    continue
                out[key] = value
            elif value.__class__ is kept_type or (value is None and keeps_none):
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
    if type(field) in (fields.DateTime, fields.Date) and field.format in (None, "iso", "iso8601"):
        iso = field.SERIALIZATION_FUNCS["iso"]  # what _serialize calls, without the lookups
        return lambda value: None if value is None else iso(value)
    if isinstance(field, VALUE_FIELDS):
        serialize = field._serialize
        return lambda value: serialize(value, attr, None)
    return None


class _Never:
    """The class of no value: a field whose values all go through its converter."""


def _kept_type(field) -> type:
    """The type whose values `field` dumps unchanged (its _serialize returns them as they are:
    int(v), float(v), str(v) and the booleans' own values), else _Never."""
    kind = type(field)
    if kind in (fields.Integer, fields.Float) and not field.as_string:
        return field.num_type
    if kind is fields.Boolean and True in field.truthy and False in field.falsy:
        return bool
    if kind is fields.String:
        return str
    return _Never


def _dumps_none_as_none(convert) -> bool:
    try:
        return convert(None) is None
    except Exception:  # noqa: BLE001 - then None goes through the converter as before
        return False


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
