"""Structural validation of FHIR JSON against the R4B models of `fhir.resources`, collecting
every problem in one pass.

Two checkers share the models' metadata. `walk` is compiled from it (known elements, JSON types
and formats of primitives, cardinality, required elements and choices, code enumerations) and
is fast enough for Bundles of thousands of Claims. pydantic (the R4B model itself) runs on every
resource the walker flags, to add its own findings: it reports required primitives and choices
only once the rest of an element is valid, and does not check enumerations, so neither checker
alone lists every issue. Tests hold the walker to the models (tests/test_conformance.py).
"""

from __future__ import annotations

import re
import typing
from datetime import date
from functools import cache

import orjson
from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from askes_fhir.outcome import Issue

MALFORMED = "V003"
MISSING = "V001"
_CHOICE_MISSING = "Expect any of field value from this list"


def parse_json(body: bytes) -> tuple[object | None, list[Issue]]:
    """The decoded JSON document, or None and a `structure` issue when it is not JSON."""
    try:
        return orjson.loads(body), []
    except orjson.JSONDecodeError as error:
        return None, [Issue("structure", f"the body is not valid JSON: {error}", None, MALFORMED)]


def resource_issues(resource: object, expected: tuple[str, ...]) -> list[Issue]:
    """Every structural problem of `resource`, which must be one of the `expected` types."""
    if not isinstance(resource, dict):
        return [Issue("structure", "the resource is not a JSON object", None, MALFORMED)]
    resource_type = resource.get("resourceType")
    if resource_type not in expected:
        wanted = " or ".join(expected)
        message = f"resourceType is {resource_type!r}; this interaction takes {wanted}"
        return [Issue("invalid", message, "resourceType", MALFORMED)]
    issues = walk(_model(resource_type), resource, resource_type)
    if issues:
        issues = _merge(issues, validation_issues(resource_type, resource))
    return issues


def prepare(resource_types: tuple[str, ...]) -> None:
    """Build the walker's shapes of these resources and of every element type below them now:
    importing the R4B models behind them takes a few tenths of a second, which would otherwise
    fall on the first request of each web process that meets them."""
    pending, seen = [_model(name) for name in resource_types], set()
    while pending:
        model = pending.pop()
        if model not in seen:
            seen.add(model)
            pending += [spec.model for spec in _shape(model).fields.values() if spec.model]


def validation_issues(resource_type: str, resource: dict) -> list[Issue]:
    """The R4B model's own findings (pydantic)."""
    try:
        _model(resource_type).model_validate(resource)
    except ValidationError as error:
        issues = (_from_pydantic(resource_type, detail) for detail in error.errors())
        return [issue for issue in issues if issue is not None]
    except (ValueError, TypeError) as error:  # raised outside pydantic's error collection
        return [Issue("structure", str(error), resource_type, MALFORMED)]
    return []


def _merge(walked: list[Issue], validated: list[Issue]) -> list[Issue]:
    at = {issue.expression for issue in walked}
    return walked + [issue for issue in validated if issue.expression not in at]


def _from_pydantic(resource_type: str, detail: dict) -> Issue | None:
    path = fhirpath(resource_type, detail["loc"])
    kind = detail["type"]
    if kind == "extra_forbidden":
        return Issue("structure", f"unknown element {path}", path, MALFORMED)
    if kind == "missing" or kind.endswith(".missing"):
        return Issue("required", f"{path} is required", path, MISSING)
    message = detail["msg"].removeprefix("Value error, ")
    if message.startswith(_CHOICE_MISSING):
        return None  # the walker reports it with the choice's name
    return Issue("value", f"{path}: {message}", path, MALFORMED)


def fhirpath(resource_type: str, location: tuple) -> str:
    """('item', 0, 'net') -> Claim.item[0].net"""
    path = resource_type
    for step in location:
        path += f"[{step}]" if isinstance(step, int) else f".{step}"
    return path


def walk(model, node: dict, path: str) -> list[Issue]:
    """Every problem of `node` (an element or resource of class `model`) and below it."""
    shape = _shape(model)
    issues = []
    for name, value in node.items():
        spec = shape.fields.get(name)
        if spec is None:
            if name != "resourceType" or not shape.is_resource:
                issues.append(
                    Issue(
                        "structure", f"unknown element {path}.{name}", f"{path}.{name}", MALFORMED
                    )
                )
            continue
        issues += _check_field(spec, value, f"{path}.{name}")
    for name in shape.required:
        if node.get(name) is None and node.get(f"_{name}") is None:
            issues.append(
                Issue("required", f"{path}.{name} is required", f"{path}.{name}", MISSING)
            )
    for prefix, names in shape.choices:
        if not any(node.get(name) is not None for name in names):
            message = f"{path}.{prefix}[x] is required (one of {', '.join(names)})"
            issues.append(Issue("required", message, f"{path}.{prefix}[x]", MISSING))
    return issues


def _check_field(spec, value, path: str) -> list[Issue]:
    if value is None:
        return [Issue("structure", f"{path} is null (omit the element instead)", path, MALFORMED)]
    if isinstance(value, list) != spec.repeats:
        shape = "an array" if spec.repeats else "a single value, not an array"
        return [Issue("structure", f"{path} must be {shape}", path, MALFORMED)]
    if spec.repeats and not value:
        return [Issue("structure", f"{path} is an empty array (omit it)", path, MALFORMED)]
    items = enumerate(value) if spec.repeats else ((None, value),)
    issues = []
    for index, item in items:
        at = path if index is None else f"{path}[{index}]"
        if spec.check is not None:
            problem = None if (item is None and spec.sibling) else spec.check(item)
            if problem is None and spec.enum and item not in spec.enum:
                problem = f"{item!r} is not one of {', '.join(spec.enum)}"
                issues.append(Issue("code-invalid", f"{at}: {problem}", at, MALFORMED))
            elif problem:
                issues.append(Issue("value", f"{at}: {problem}", at, MALFORMED))
        elif not isinstance(item, dict):
            issues.append(Issue("structure", f"{at} must be a JSON object", at, MALFORMED))
        else:
            model = spec.model or _resource_model(item.get("resourceType"))
            if model is None:
                issues.append(
                    Issue("structure", f"{at} has an unknown resourceType", at, MALFORMED)
                )
            else:
                issues += walk(model, item, at)
    return issues


class _Field(typing.NamedTuple):
    repeats: bool
    check: typing.Callable | None  # primitive: value -> problem text or None
    model: type | None  # complex element (None with check None: any resource)
    enum: tuple[str, ...] | None
    sibling: bool = False  # the `_name` extension sibling of a primitive array


class _Shape(typing.NamedTuple):
    fields: dict[str, _Field]
    required: tuple[str, ...]
    choices: tuple[tuple[str, tuple[str, ...]], ...]
    is_resource: bool


@cache
def _shape(model) -> _Shape:
    fields, required, choices = {}, [], {}
    for field in model.model_fields.values():
        extra = field.json_schema_extra or {}
        name = field.alias
        if name is None or name == "resource_type":
            continue
        if extra.get("element_required") or (field.is_required() and name != "resourceType"):
            required.append(name)
        if extra.get("one_of_many") and extra.get("one_of_many_required"):
            choices.setdefault(extra["one_of_many"], []).append(name)
        fields[name] = _field(field.annotation, extra.get("enum_values"), name.startswith("_"))
    is_resource = "resourceType" in model.model_fields or hasattr(model, "get_resource_type")
    fields.pop("resourceType", None)
    pairs = tuple((prefix, tuple(names)) for prefix, names in choices.items())
    return _Shape(fields, tuple(required), pairs, is_resource)


def _field(annotation, enum, sibling: bool) -> _Field:
    repeats = False
    while True:
        origin = typing.get_origin(annotation)
        if origin is list:
            repeats = True
        if origin in (typing.Union, list) or type(annotation).__name__ == "UnionType":
            annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
            continue
        break
    if typing.get_origin(annotation) is typing.Annotated:
        base, *meta = typing.get_args(annotation)
        return _Field(repeats, _primitive_check(base, type(meta[0]).__name__), None, enum, sibling)
    name = getattr(annotation, "__name__", "")
    if getattr(annotation, "__module__", "") == "abc" and name.endswith("Type"):
        type_name = name.removesuffix("Type")
        model = None if type_name == "Resource" else _model(type_name)
        return _Field(repeats, None, model, None, sibling)
    if annotation is bool:
        return _Field(repeats, _boolean, None, enum, sibling)
    return _Field(repeats, _string, None, enum, sibling)


DATE = (
    r"([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)"
    r"(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1]))?)?"
)
TIME = r"([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?"
ZONE = r"(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))"
PATTERNS = {
    "Date": re.compile(f"^{DATE}$"),
    "DateTime": re.compile(f"^{DATE}(T{TIME}{ZONE})?$"),
    "Instant": re.compile(f"^{DATE}T{TIME}{ZONE}$"),
    "Time": re.compile(f"^{TIME}$"),
    "Code": re.compile(r"^[^\s]+(\s[^\s]+)*$"),
    "Id": re.compile(r"^[A-Za-z0-9\-.]{1,64}$"),
    "Uri": re.compile(r"^\S*$"),
}


def _primitive_check(base, kind: str):
    if kind in ("Date", "DateTime", "Instant"):
        return _dated(PATTERNS[kind], kind)
    if base is int:
        minimum = {"PositiveInt": 1, "UnsignedInt": 0}.get(kind)
        return lambda value: _integer(value, minimum)
    if base.__name__ == "Decimal":
        return _decimal
    pattern = PATTERNS.get(kind) or (
        PATTERNS["Uri"] if kind in ("Canonical", "Oid", "Url") else None
    )
    return (lambda value: _patterned(value, pattern, kind)) if pattern else _string


def _string(value) -> str | None:
    if not isinstance(value, str):
        return "must be a string"
    return None if value.strip() else "must not be empty"


def _boolean(value) -> str | None:
    return None if isinstance(value, bool) else "must be true or false"


def _integer(value, minimum) -> str | None:
    if not isinstance(value, int) or isinstance(value, bool):
        return "must be an integer"
    return None if minimum is None or value >= minimum else f"must be {minimum} or more"


def _decimal(value) -> str | None:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    return None if ok else "must be a JSON number"


def _patterned(value, pattern, kind: str) -> str | None:
    if not isinstance(value, str) or not pattern.match(value):
        return f"is not a valid {kind.lower()}"
    return None


def _dated(pattern, kind: str):
    def check(value) -> str | None:
        if not isinstance(value, str) or not pattern.match(value):
            return f"{value!r} is not a valid FHIR {kind[0].lower()}{kind[1:]}"
        if len(value) >= 10:
            try:
                date.fromisoformat(value[:10])
            except ValueError:
                return f"{value!r} is not a calendar date"
        return None

    return check


def _model(type_name: str):
    return get_fhir_model_class(type_name)


def _resource_model(resource_type):
    if not isinstance(resource_type, str):
        return None
    try:
        return get_fhir_model_class(resource_type)
    except ValueError:
        return None
