"""Parsers for the CMS physician fee schedule files, in the layouts CMS publishes them.

Pure functions: the text of one CSV in, dataclass rows out; no database. RVUs, GPCIs and
conversion factors are `Decimal`, exactly as written in the file (never float).

- PPRRVU (`PPRRVU25_JAN.csv`, `PPRRVU2026_Jan_nonQPP.csv`): title lines, then a header split
  over two or more rows ("WORK" above "RVU"), then one row per HCPCS code + modifier.
- GPCI (`GPCI2025.csv`): title lines, a header row naming `Locality Number` and the GPCIs
  (`2025 PW GPCI (with 1.0 Floor)`, `2025 PE GPCI`, `2025 MP GPCI`), then footnotes.
- Locality/county crosswalk (`25LOCCO.csv`): title lines, a header row (`Medicare Adminstrative
  Contractor`, `Locality Number`, `State`, `Fee Schedule Area`, `Counties`), state names written
  out and left blank on a state's continuation rows.

Columns are found by header name, not position, since CMS inserts columns between releases.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from pathlib import Path

from backend.reference.cms_csv import (
    cell_at,
    column_index,
    csv_rows,
    decimal_cell,
    find_header_row,
    header_key,
    required_columns,
)
from backend.reference.states import state_code


@dataclass(frozen=True)
class RvuRow:
    """One PPRRVU row. RVUs are Decimal relative value units; `conversion_factor` is in dollars
    per RVU, or None when the file has no CONV FACTOR column."""

    hcpcs_code: str
    modifier: str
    effective_from: date
    description: str
    status_code: str
    work_rvu: Decimal
    nonfacility_pe_rvu: Decimal
    facility_pe_rvu: Decimal
    mp_rvu: Decimal
    pctc_indicator: str
    global_days: str
    multiple_procedure_indicator: str
    bilateral_indicator: str
    assistant_surgery_indicator: str
    co_surgery_indicator: str
    team_surgery_indicator: str
    conversion_factor: Decimal | None


@dataclass(frozen=True)
class GpciRow:
    """The three GPCIs (Decimal indices, 1.000 = national average) of one locality."""

    locality_code: str  # "MMMMM-LL"
    effective_from: date
    mac: str
    locality_number: str
    state: str
    name: str
    work_gpci: Decimal  # with the statutory floor, as paid
    pe_gpci: Decimal
    mp_gpci: Decimal


@dataclass(frozen=True)
class LocalityRow:
    """A payment locality and the counties it covers."""

    code: str  # "MMMMM-LL"
    mac: str
    locality_number: str
    state: str
    name: str
    counties: str


# Header names after `_header_key` (upper case, letters and digits only), per field.
PPRRVU_COLUMNS = {
    "hcpcs_code": {"HCPCS", "HCPCSCODE", "CPTHCPCS"},
    "modifier": {"MOD", "MODIFIER"},
    "description": {"DESCRIPTION", "DESC"},
    "status_code": {"STATUSCODE", "STATUS"},
    "work_rvu": {"WORKRVU", "WORKRVUS"},
    "nonfacility_pe_rvu": {"NONFACPERVU", "NONFACILITYPERVU", "FULLYIMPLEMENTEDNONFACPERVU"},
    "facility_pe_rvu": {"FACILITYPERVU", "FACPERVU", "FULLYIMPLEMENTEDFACILITYPERVU"},
    "mp_rvu": {"MPRVU", "MALPRACTICERVU", "PLIRVU"},
    "pctc_indicator": {"PCTCIND", "PCTC", "PCTCINDICATOR"},
    "global_days": {"GLOBDAYS", "GLOBALDAYS", "GLOBAL"},
    "multiple_procedure_indicator": {"MULTPROC", "MULTIPLEPROCEDURE", "MULTSURG"},
    "bilateral_indicator": {"BILATSURG", "BILTSURG", "BILATERALSURGERY"},
    "assistant_surgery_indicator": {"ASSTSURG", "ASSISTANTSURGERY"},
    "co_surgery_indicator": {"COSURG", "COSURGERY"},
    "team_surgery_indicator": {"TEAMSURG", "TEAMSURGERY"},
    "conversion_factor": {"CONVFACTOR", "CONVERSIONFACTOR"},
}
PPRRVU_OPTIONAL = {
    "description",
    "assistant_surgery_indicator",
    "co_surgery_indicator",
    "team_surgery_indicator",
    "conversion_factor",
}
HCPCS_PATTERN = re.compile(r"^[A-Z0-9]{5}$")


def parse_pprrvu(text: str, effective_from: date) -> list[RvuRow]:
    """Rows of a PPRRVU CSV (RVUs as Decimal), one per HCPCS code + modifier (a later
    duplicate wins), in force from `effective_from`."""
    rows = csv_rows(text)
    header_at = find_header_row(rows, lambda keys: keys[:1] in (["HCPCS"], ["HCPCSCODE"]), "HCPCS")
    columns = _locate(_stacked_header(rows, header_at), PPRRVU_COLUMNS, PPRRVU_OPTIONAL)
    parsed = {}
    for cells in rows[header_at + 1 :]:
        hcpcs_code = cell_at(cells, columns["hcpcs_code"]).upper()
        if HCPCS_PATTERN.match(hcpcs_code):
            row = _rvu_row(cells, columns, hcpcs_code, effective_from)
            parsed[hcpcs_code, row.modifier] = row
    return list(parsed.values())


def conversion_factor_of(rows: list[RvuRow]) -> Decimal | None:
    """The file's conversion factor (dollars per RVU): the most common non-zero CONV FACTOR."""
    factors = Counter(row.conversion_factor for row in rows if row.conversion_factor)
    return factors.most_common(1)[0][0] if factors else None


def parse_gpci(text: str, effective_from: date) -> list[GpciRow]:
    """Locality rows of a GPCI CSV, GPCIs as Decimal. The work GPCI is the one with the floor."""
    rows = csv_rows(text)
    header_at = find_header_row(rows, _is_gpci_header, "Locality Number ... GPCI")
    header = [header_key(cell) for cell in rows[header_at]]
    columns = _gpci_columns(header)
    parsed = []
    for cells in rows[header_at + 1 :]:
        key = _locality_key(cells, columns)  # None on footnote and blank rows
        if key:
            parsed.append(_gpci_row(cells, columns, key, effective_from))
    return parsed


def parse_localities(text: str) -> list[LocalityRow]:
    """Localities of a locality/county crosswalk CSV (25LOCCO). A state name left blank means
    the state of the row above; rows repeating a MAC + locality add their counties to it."""
    rows = csv_rows(text)
    header_at = find_header_row(rows, _is_locco_header, "Locality Number ... Counties")
    columns = _locco_columns([header_key(cell) for cell in rows[header_at]])
    localities: dict[str, LocalityRow] = {}
    state = ""
    for cells in rows[header_at + 1 :]:
        key = _locality_key(cells, columns)
        if not key:
            continue
        state = state_code(cell_at(cells, columns["state"])) or state
        locality = _locco_row(cells, columns, key, state)
        previous = localities.get(locality.code)
        localities[locality.code] = _merged(previous, locality) if previous else locality
    return list(localities.values())


def effective_date_from_file_name(name: str) -> date | None:
    """The first day a CMS file applies, from its name: PPRRVU25_APR.csv -> 2025-04-01,
    PPRRVU2026_Jan_nonQPP.csv -> 2026-01-01, GPCI2025.csv -> 2025-01-01; None if unknown."""
    upper = Path(name).name.upper()
    release = re.search(r"PPRRVU(\d{4}|\d{2})(?:_(JAN|APR|JUL|OCT))?", upper)
    if release:
        year = int(release.group(1)) % 100 + 2000
        month = {"JAN": 1, "APR": 4, "JUL": 7, "OCT": 10}[release.group(2) or "JAN"]
        return date(year, month, 1)
    gpci = re.search(r"GPCI(\d{4})", upper)
    return date(int(gpci.group(1)), 1, 1) if gpci else None


def _rvu_row(cells: list[str], columns: dict, hcpcs_code: str, effective_from: date) -> RvuRow:
    def text(field: str) -> str:
        return cell_at(cells, columns.get(field)).upper()

    def rvu(field: str) -> Decimal:
        return decimal_cell(cell_at(cells, columns[field]))

    factor = cell_at(cells, columns.get("conversion_factor"))
    return RvuRow(
        hcpcs_code=hcpcs_code,
        modifier=text("modifier"),
        effective_from=effective_from,
        description=cell_at(cells, columns.get("description"))[:100],
        status_code=text("status_code"),
        work_rvu=rvu("work_rvu"),
        nonfacility_pe_rvu=rvu("nonfacility_pe_rvu"),
        facility_pe_rvu=rvu("facility_pe_rvu"),
        mp_rvu=rvu("mp_rvu"),
        pctc_indicator=text("pctc_indicator"),
        global_days=_global_days(text("global_days")),
        multiple_procedure_indicator=text("multiple_procedure_indicator"),
        bilateral_indicator=text("bilateral_indicator"),
        assistant_surgery_indicator=text("assistant_surgery_indicator"),
        co_surgery_indicator=text("co_surgery_indicator"),
        team_surgery_indicator=text("team_surgery_indicator"),
        conversion_factor=decimal_cell(factor) if factor else None,
    )


def _global_days(value: str) -> str:
    # A spreadsheet round trip turns "090" into "90".
    return value.zfill(3) if value.isdigit() else value


def _stacked_header(rows: list[list[str]], header_at: int) -> list[str]:
    """Column names of a header split over rows: the HCPCS row joined with the rows just above it
    that leave the HCPCS, MOD and DESCRIPTION cells empty (title lines fill one of those)."""
    start = header_at
    while start > 0 and any(rows[start - 1]) and not any(rows[start - 1][:3]):
        start -= 1
    width = max(len(row) for row in rows[start : header_at + 1])
    return [" ".join(cell_at(row, i) for row in rows[start : header_at + 1]) for i in range(width)]


def _locate(header: list[str], names: dict[str, set[str]], optional: set[str]) -> dict[str, int]:
    keys = [header_key(cell) for cell in header]
    columns = {}
    for field, aliases in names.items():
        index = next((i for i, key in enumerate(keys) if key in aliases), None)
        if index is not None:
            columns[field] = index
        elif field not in optional:
            raise ValueError(f"no {field} column (one of {sorted(aliases)}) in header {header}")
    return columns


def _is_gpci_header(keys: list[str]) -> bool:
    return any(key.startswith("LOCALITY") for key in keys) and any("GPCI" in key for key in keys)


def _gpci_columns(header: list[str]) -> dict[str, int]:
    work = [i for i, key in enumerate(header) if "PWGPCI" in key or "WORKGPCI" in key]
    floored = [i for i in work if "WITHOUT" not in header[i]]
    columns = {
        "mac": column_index(header, _is_mac_header),
        "state": column_index(header, lambda key: key in ("STATE", "ST")),
        "locality": column_index(header, lambda key: key in ("LOCALITYNUMBER", "LOCALITY")),
        "name": column_index(header, lambda key: key == "LOCALITYNAME"),
        "work": (floored or work or [None])[0],
        "pe": column_index(header, lambda key: "PEGPCI" in key),
        "mp": column_index(header, lambda key: "MPGPCI" in key or "MALPRACTICEGPCI" in key),
    }
    return required_columns(columns, header)


def _gpci_row(
    cells: list[str], columns: dict, key: tuple[str, str], effective_from: date
) -> GpciRow:
    mac, number = key
    return GpciRow(
        locality_code=f"{mac}-{number}",
        effective_from=effective_from,
        mac=mac,
        locality_number=number,
        state=state_code(cell_at(cells, columns["state"])),
        name=_locality_name(cell_at(cells, columns["name"])),
        work_gpci=decimal_cell(cell_at(cells, columns["work"])),
        pe_gpci=decimal_cell(cell_at(cells, columns["pe"])),
        mp_gpci=decimal_cell(cell_at(cells, columns["mp"])),
    )


def _is_locco_header(keys: list[str]) -> bool:
    return any(key.startswith("LOCALITY") for key in keys) and "COUNTIES" in keys


def _locco_columns(header: list[str]) -> dict[str, int]:
    columns = {
        "mac": column_index(header, _is_mac_header),
        "locality": column_index(header, lambda key: key in ("LOCALITYNUMBER", "LOCALITY")),
        "state": column_index(header, lambda key: key == "STATE"),
        "name": column_index(header, lambda key: key in ("FEESCHEDULEAREA", "LOCALITYNAME")),
        "counties": column_index(header, lambda key: key == "COUNTIES"),
    }
    return required_columns(columns, header)


def _locco_row(cells: list[str], columns: dict, key: tuple[str, str], state: str) -> LocalityRow:
    mac, number = key
    return LocalityRow(
        code=f"{mac}-{number}",
        mac=mac,
        locality_number=number,
        state=state,
        name=_locality_name(cell_at(cells, columns["name"])),
        counties=" ".join(cell_at(cells, columns["counties"]).split()),
    )


def _merged(first: LocalityRow, more: LocalityRow) -> LocalityRow:
    if not more.counties or more.counties in first.counties:
        return first
    counties = f"{first.counties}; {more.counties}" if first.counties else more.counties
    return replace(first, counties=counties)


def _locality_key(cells: list[str], columns: dict) -> tuple[str, str] | None:
    """(MAC, locality number) zero-padded, or None for title, blank and footnote rows."""
    mac = cell_at(cells, columns["mac"])
    number = cell_at(cells, columns["locality"])
    if re.fullmatch(r"\d{4,5}", mac) and re.fullmatch(r"\d{1,2}", number):
        return mac.zfill(5), number.zfill(2)
    return None


def _locality_name(value: str) -> str:
    # CMS marks footnotes with trailing asterisks: "ALASKA**".
    return " ".join(value.rstrip("*").split())[:120]


def _is_mac_header(key: str) -> bool:
    # The locality file spells it "Medicare Adminstrative Contractor".
    return key.startswith("MEDICAREADMIN") or key in ("MAC", "CARRIER", "CARRIERNUMBER")
