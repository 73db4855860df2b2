"""Code lists: places of service, modifiers, CARC and RARC codes, conversion factors (the CSV
files in backend/reference/data, one header row then one code a row), and ICD-10-CM.

Pure functions: text in, dataclass rows out.
"""

from __future__ import annotations

import csv
import io
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

PRICING_RULES = frozenset(
    {
        "professional_component",
        "technical_component",
        "bilateral",
        "multiple_procedure",
        "assistant_surgeon",
        "none",
    }
)


@dataclass(frozen=True)
class PlaceOfServiceRow:
    code: str
    name: str
    is_facility: bool  # priced with facility practice-expense RVUs


@dataclass(frozen=True)
class ModifierRow:
    code: str
    description: str
    pricing_rule: str  # one of PRICING_RULES


@dataclass(frozen=True)
class RemittanceCodeRow:
    """A CARC or RARC code and its description."""

    code: str
    description: str


@dataclass(frozen=True)
class ConversionFactorRow:
    effective_from: date
    amount: Decimal  # dollars per RVU


@dataclass(frozen=True)
class Icd10CmRow:
    code: str  # without the dot: "E119"
    description: str
    is_billable: bool
    chapter: str  # "01" .. "22"


def parse_places_of_service(text: str) -> list[PlaceOfServiceRow]:
    """Rows of place_of_service.csv (code, name, is_facility)."""
    return [
        PlaceOfServiceRow(row["code"].zfill(2), row["name"], _boolean(row["is_facility"]))
        for row in _records(text)
    ]


def parse_modifiers(text: str) -> list[ModifierRow]:
    """Rows of modifier.csv (code, description, pricing_rule); an unknown rule is an error."""
    rows = [
        ModifierRow(r["code"].upper(), r["description"], r["pricing_rule"]) for r in _records(text)
    ]
    unknown = {row.pricing_rule for row in rows} - PRICING_RULES
    if unknown:
        raise ValueError(f"unknown pricing_rule {sorted(unknown)}; known: {sorted(PRICING_RULES)}")
    return rows


def parse_remittance_codes(text: str) -> list[RemittanceCodeRow]:
    """Rows of carc_code.csv or rarc_code.csv (code, description)."""
    return [RemittanceCodeRow(row["code"].upper(), row["description"]) for row in _records(text)]


def parse_conversion_factors(text: str) -> list[ConversionFactorRow]:
    """Rows of conversion_factor.csv (effective_from as YYYY-MM-DD, amount in dollars per RVU)."""
    return [
        ConversionFactorRow(date.fromisoformat(row["effective_from"]), Decimal(row["amount"]))
        for row in _records(text)
    ]


def icd10cm_codes() -> Iterator[Icd10CmRow]:
    """Every ICD-10-CM category, subcategory and code of the installed simple-icd-10-cm release,
    in tabular order; chapters and blocks (A00-A09) are not codes and are left out."""
    # Imported here: building the code tree takes over a second, paid only when loading. The
    # package reads its data with importlib.resources calls deprecated since Python 3.11.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import simple_icd_10_cm as icd

    chapter = ""
    seen = set()
    # Dotted codes are the package's own keys: twice as fast to look up as undotted ones.
    for code in icd.get_all_codes(with_dots=True):
        if icd.is_chapter(code):
            chapter = code.zfill(2)
        # A block holding a single category shares its name (B20): list that code once.
        elif code not in seen and icd.is_category_or_subcategory(code):
            seen.add(code)
            description = icd.get_description(code)
            yield Icd10CmRow(code.replace(".", ""), description, icd.is_leaf(code), chapter)


def _records(text: str) -> Iterator[dict[str, str]]:
    for row in csv.DictReader(io.StringIO(text)):
        yield {key.strip(): (value or "").strip() for key, value in row.items()}


def _boolean(value: str) -> bool:
    if value.lower() in ("true", "t", "yes", "y", "1"):
        return True
    if value.lower() in ("false", "f", "no", "n", "0"):
        return False
    raise ValueError(f"not a boolean: {value!r}")
