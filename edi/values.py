"""X12 element values <-> Python values: amounts in cents, dates, quantities, versions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

PROFESSIONAL_VERSIONS = ("005010X222A1", "005010X222A2")
INSTITUTIONAL_VERSIONS = ("005010X223A2", "005010X223A3")
ENROLLMENT_VERSIONS = ("005010X220A1",)
# The errata labels name the same structures; pyx12 knows them by the first label.
CANONICAL_VERSION = {
    "005010X222A2": "005010X222A1",
    "005010X223A3": "005010X223A2",
}


def canonical_version(label: str) -> str:
    return CANONICAL_VERSION.get(label, label)


def claim_type_of(version: str) -> str | None:
    if version in PROFESSIONAL_VERSIONS:
        return "professional"
    if version in INSTITUTIONAL_VERSIONS:
        return "institutional"
    return None


def cents(value: str) -> int:
    """Decimal dollars as sent ("100", "100.5", "-12.25") to integer cents, exactly."""
    return int((Decimal(value) * 100).to_integral_value())


def dollars(amount_cents: int) -> str:
    """Integer cents to the shortest X12 decimal: 10000 -> "100", 10050 -> "100.5"."""
    sign = "-" if amount_cents < 0 else ""
    whole, part = divmod(abs(amount_cents), 100)
    if part == 0:
        return f"{sign}{whole}"
    return f"{sign}{whole}.{part:02d}".rstrip("0")


def quantity(value: str) -> Decimal:
    return Decimal(value)


def quantity_text(value: Decimal) -> str:
    text = format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def parse_d8(value: str) -> date:
    return date(int(value[0:4]), int(value[4:6]), int(value[6:8]))


def d8(day: date) -> str:
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


def parse_period(qualifier: str, value: str) -> tuple[date, date]:
    """DTP02/DTP03 to (from, to): D8 one day, RD8 a range, DT a date-time (date kept)."""
    if qualifier == "RD8":
        start, _, end = value.partition("-")
        return parse_d8(start), parse_d8(end)
    day = parse_d8(value[:8])
    return day, day


def safe_decimal(value: str) -> Decimal | None:
    try:
        return Decimal(value)
    except (InvalidOperation, ValueError):
        return None
