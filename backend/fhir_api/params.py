"""FHIR search parameter values -> SQL conditions: dates with prefixes, references, tokens."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ColumnElement, and_, false

from backend.fhir_api.http import fail

DATE_VALUE = re.compile(
    r"^(eq|ne|gt|lt|ge|le|sa|eb)?(\d{4}(-\d{2}(-\d{2})?)?)(T[0-9:.]+(Z|[+-]\d{2}:\d{2})?)?$"
)
MAX_COUNT = 200
DEFAULT_COUNT = 50
MAX_OFFSET = 10_000_000  # deeper pages: narrow the search instead
MAX_ID = 2**63 - 1


def parse_date(value: str, name: str):
    """`ge2026-01` -> ("ge", 2026-01-01, 2026-02-01): prefix and the half-open range."""
    match = DATE_VALUE.match(value)
    if not match:
        fail(400, f"search parameter {name}: {value!r} is not a FHIR date", "value", name)
    return (match.group(1) or "eq", *_date_range(match.group(2), match.group(5)))


def period_condition(start_column, end_column, value: str, name: str) -> ColumnElement[bool]:
    """A date parameter on a period (service-date): eq means the period overlaps the date."""
    prefix, start, end = parse_date(value, name)
    conditions = {
        "eq": and_(start_column < end, end_column >= start),
        "ne": ~and_(start_column < end, end_column >= start),
        "ge": end_column >= start,
        "gt": end_column >= end,
        "sa": start_column >= end,
        "le": start_column < end,
        "lt": start_column < start,
        "eb": end_column < start,
    }
    return conditions[prefix]


def date_condition(column, value: str, name: str, is_timestamp: bool) -> ColumnElement[bool]:
    """`created=ge2026-01-01`: a condition on `column` for one FHIR date parameter value."""
    prefix, start, end = parse_date(value, name)
    if is_timestamp:
        start, end = (
            datetime.combine(d, time(), UTC)
            if isinstance(d, date) and not isinstance(d, datetime)
            else d
            for d in (start, end)
        )
    conditions = {
        "eq": and_(column >= start, column < end),
        "ne": ~and_(column >= start, column < end),
        "ge": column >= start,
        "gt": column >= end,
        "sa": column >= end,
        "le": column < end,
        "lt": column < start,
        "eb": column < start,
    }
    return conditions[prefix]


def _date_range(day_text: str, time_text: str | None):
    """The half-open interval [start, end) a FHIR date value denotes, at its precision."""
    try:
        if time_text:
            instant = datetime.fromisoformat(day_text + time_text.replace("Z", "+00:00"))
            instant = instant if instant.tzinfo else instant.replace(tzinfo=UTC)
            return instant, instant + timedelta(seconds=1)
        parts = [int(p) for p in day_text.split("-")]
        if len(parts) == 1:
            return date(parts[0], 1, 1), date(parts[0] + 1, 1, 1)
        if len(parts) == 2:
            start = date(parts[0], parts[1], 1)
            return start, (start + timedelta(days=32)).replace(day=1)
        start = date(*parts)
        return start, start + timedelta(days=1)
    except ValueError:
        fail(400, f"{day_text!r} is not a calendar date", "value")
    except OverflowError:  # the day after 9999-12-31
        fail(400, f"{day_text!r} is beyond the last date searchable (9999-12-30)", "value")


def reference_id(value: str, resource_types: tuple[str, ...], name: str) -> int | None:
    """`patient=12`, `patient=Patient/12` or a full URL -> 12; None when it names another type
    or a non-numeric id (which matches nothing here)."""
    parts = value.rstrip("/").split("/")
    if len(parts) >= 2 and parts[-2] not in resource_types:
        return None
    text = parts[-1]
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_ID:
        return None  # "²" is a digit to isdigit(); an id beyond bigint names no row
    return int(text)


def id_condition(column, value: str, resource_types: tuple[str, ...], name: str):
    ids = [reference_id(v, resource_types, name) for v in value.split(",")]
    ids = [i for i in ids if i is not None]
    return column.in_(ids) if ids else false()


def token_value(value: str) -> tuple[str | None, str]:
    """`system|code` -> (system, code); `code` -> (None, code)."""
    if "|" in value:
        system, code = value.split("|", 1)
        return system or None, code
    return None, value


def page_arguments(args) -> tuple[int, int]:
    try:
        count = int(args.get("_count", DEFAULT_COUNT))
        offset = int(args.get("_offset", 0))
    except ValueError:
        fail(400, "_count and _offset must be integers", "value")
    if count < 0 or offset < 0:
        fail(400, "_count and _offset must not be negative", "value")
    if offset > MAX_OFFSET:
        fail(400, f"_offset must be at most {MAX_OFFSET}", "value")
    return min(count, MAX_COUNT), offset
