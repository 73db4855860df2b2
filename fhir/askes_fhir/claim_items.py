"""FHIR Claim.item -> canonical ClaimLine (docs/claim-model.md, `staging.claim_line`)."""

from __future__ import annotations

import re
from decimal import Decimal

from askes_fhir import codes
from askes_fhir.outcome import edit_issue
from askes_fhir.values import Reader, codings, first_code, parse_decimal
from backend.canonical.claim import ClaimLine

PROCEDURE = re.compile(r"^[0-9A-Z]{5}$")
MODIFIER = re.compile(r"^[0-9A-Z]{2}$")
PLACE = re.compile(r"^[0-9]{2}$")
REVENUE = re.compile(r"^[0-9]{3,4}$")
MAX_UNITS = Decimal("9999999.999")
PROCEDURE_SYSTEMS = (codes.CPT, codes.HCPCS, None)
MAX_POINTERS = 4
MAX_MODIFIERS = 4


def read_items(reader: Reader, resource: dict, diagnosis_positions: dict, header: dict) -> list:
    """The claim's lines; also sets header["place_of_service"] from the first line."""
    lines, places = [], []
    rendering_member = reader.claim_rendering_member(resource)
    items = resource.get("item") or []
    if not items:
        reader.add(edit_issue("V002", "the claim has no item (service line)", "Claim.item"))
    for index, item in enumerate(items):
        at = f"Claim.item[{index}]"
        line, place = _line(reader, item, at, diagnosis_positions, rendering_member)
        if line is not None:
            lines.append(line)
            places.append(place)
    header["place_of_service"] = places[0] if places else None
    for line, place in zip(lines, places, strict=True):
        line.place_of_service = place if place != header["place_of_service"] else None
    numbers = [line.line_number for line in lines]
    if len(set(numbers)) != len(numbers):
        reader.add(edit_issue("V003", "two items have the same sequence", "Claim.item"))
    return lines


def _line(reader, item, at, diagnosis_positions, rendering_member):
    procedure, ndc = _product(reader, item, at)
    service_from, service_to = _service_dates(reader, item, at)
    units, basis = _quantity(reader, item.get("quantity"), f"{at}.quantity")
    charge = _charge(reader, item, units, at)
    line = ClaimLine(
        line_number=item.get("sequence"),
        charge_cents=charge,
        units=units,
        unit_basis=basis,
        procedure_code=procedure,
        modifiers=_modifiers(reader, item, at),
        revenue_code=_revenue(reader, item, at),
        service_from=service_from,
        service_to=service_to,
        diagnosis_pointers=_pointers(reader, item, at, diagnosis_positions),
        rendering_provider_npi=_line_rendering(reader, item, rendering_member),
        line_control_number=_line_control_number(reader, item, at),
        ndc_code=ndc,
    )
    return line, _place(reader, item, at)


def _product(reader: Reader, item: dict, at: str) -> tuple[str | None, str | None]:
    concept = item.get("productOrService")
    ndc = first_code(concept, (codes.NDC,))
    for detail in item.get("detail") or []:
        ndc = first_code(detail.get("productOrService"), (codes.NDC,)) or ndc
    ndc = _ndc(reader, ndc, at) if ndc else None
    if first_code(concept, (codes.DATA_ABSENT,)):
        return None, ndc
    code = first_code(concept, PROCEDURE_SYSTEMS)
    if code is None or not PROCEDURE.fullmatch(code):
        shown = code or [c.get("code") for c in codings(concept)]
        reader.add(
            edit_issue(
                "V020",
                f"{at}.productOrService: {shown!r} is not a CPT or HCPCS code",
                f"{at}.productOrService",
            )
        )
        return None, ndc
    return code, ndc


def _ndc(reader: Reader, code: str, at: str) -> str | None:
    """NDC as 11 digits (5-4-2); a hyphenated 10-digit NDC (4-4-2, 5-3-2, 5-4-1) is padded."""
    parts = code.split("-")
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        return parts[0].rjust(5, "0") + parts[1].rjust(4, "0") + parts[2].rjust(2, "0")
    if code.isdigit() and len(code) == 11:
        return code
    reader.add(edit_issue("V003", f"{at}: NDC {code!r} is not an 11-digit or hyphenated NDC", at))
    return None


def _modifiers(reader: Reader, item: dict, at: str) -> list[str]:
    found = []
    for index, concept in enumerate(item.get("modifier") or []):
        code = first_code(concept, None)
        if code is None or not MODIFIER.fullmatch(code) or index >= MAX_MODIFIERS:
            reader.add(
                edit_issue(
                    "V021",
                    f"{at}.modifier[{index}]: {code!r} is not a usable "
                    "modifier (two characters, at most four)",
                    f"{at}.modifier[{index}]",
                )
            )
        else:
            found.append(code)
    return found


def _revenue(reader: Reader, item: dict, at: str) -> str | None:
    code = first_code(item.get("revenue"), None)
    if code is None:
        return None
    if not REVENUE.fullmatch(code):
        reader.add(
            edit_issue(
                "V003", f"{at}.revenue: {code!r} is not a NUBC revenue code", f"{at}.revenue"
            )
        )
        return None
    return code.rjust(4, "0")


def _service_dates(reader: Reader, item: dict, at: str):
    if "servicedDate" in item:
        day = reader.day(item["servicedDate"], f"{at}.servicedDate")
        return day, day
    period = item.get("servicedPeriod") or {}
    return (
        reader.day(period.get("start"), f"{at}.servicedPeriod.start"),
        reader.day(period.get("end"), f"{at}.servicedPeriod.end"),
    )


def _quantity(reader: Reader, quantity: dict | None, at: str) -> tuple[Decimal, str]:
    """Units as sent (default 1) and the X12 unit basis the quantity's unit names."""
    if not quantity or quantity.get("value") is None:
        return Decimal(1), "UN"
    units = parse_decimal(quantity["value"])
    if abs(units) > MAX_UNITS or units != units.quantize(Decimal("0.001")):
        reader.add(
            edit_issue(
                "V003", f"{at}.value {units} needs at most 3 decimals and 7 digits", f"{at}.value"
            )
        )
        units = Decimal(1)
    unit = quantity.get("code") or quantity.get("unit")
    if unit in codes.UCUM_TO_BASIS:
        return units, codes.UCUM_TO_BASIS[unit]
    if unit and len(unit) == 2 and unit.isalnum() and unit.isupper():
        return units, unit
    return units, "UN"


def _charge(reader: Reader, item: dict, units: Decimal, at: str) -> int | None:
    if item.get("net") is not None:
        return reader.cents(item["net"], f"{at}.net")
    if item.get("unitPrice") is not None:
        price = reader.cents(item["unitPrice"], f"{at}.unitPrice")
        factor = parse_decimal(item.get("factor", 1))
        return None if price is None else int((price * units * factor).to_integral_value())
    reader.add(edit_issue("V002", f"{at}: the line charge (net or unitPrice) is required", at))
    return None


def _place(reader: Reader, item: dict, at: str) -> str | None:
    code = first_code(item.get("locationCodeableConcept"), None)
    if code is not None and not PLACE.fullmatch(code):
        reader.add(
            edit_issue(
                "V023",
                f"{at}.locationCodeableConcept: {code!r} is not a CMS place-of-service code",
                f"{at}.locationCodeableConcept",
            )
        )
        return None
    return code


def _pointers(reader: Reader, item: dict, at: str, positions: dict) -> list[int]:
    pointers = []
    for sequence in item.get("diagnosisSequence") or []:
        if sequence not in positions:
            reader.add(
                edit_issue(
                    "V012",
                    f"{at}.diagnosisSequence {sequence} names no diagnosis of the claim",
                    f"{at}.diagnosisSequence",
                )
            )
        else:
            pointers.append(positions[sequence])
    if len(pointers) > MAX_POINTERS:
        reader.add(
            edit_issue(
                "V012",
                f"{at}: at most {MAX_POINTERS} diagnosis pointers",
                f"{at}.diagnosisSequence",
            )
        )
    return pointers


def _line_rendering(reader: Reader, item: dict, claim_member: int | None) -> str | None:
    team = reader.care_team_members()
    for sequence in item.get("careTeamSequence") or []:
        role, npi = team.get(sequence, (None, None))
        if sequence != claim_member and role in codes.RENDERING_ROLES and npi:
            return npi
    return None


def _line_control_number(reader: Reader, item: dict, at: str) -> str | None:
    for extension in item.get("extension") or []:
        if extension.get("url") == codes.LINE_CONTROL_EXTENSION:
            return reader.text(extension.get("valueString"), 50, f"{at}.extension")
    return None
