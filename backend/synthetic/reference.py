"""Reference tables as arrays: the fee schedule (RVUs, GPCIs, conversion factors, effective-dated),
ICD-10-CM, places of service and modifiers, read once per run from the database.

Dates are day numbers counted from 1970-01-01 (int). Codes are numpy byte strings.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy import text

from backend.synthetic import catalog, rules
from backend.synthetic.diagnoses import DiagnosisPools

WINDOW_MONTHS = 18  # default span of service dates, from the first day all pricing data exists
INVALID_PROCEDURES = (b"99199", b"99499", b"G9999", b"80050", b"36410")
VARIANTS = ("", "26", "TC")  # global service, professional and technical component


class MissingReferenceData(RuntimeError):
    """The reference tables are empty or do not cover a common period; load them first."""


@dataclass
class Reference:
    """Arrays over the procedure vocabulary (P codes: the fee schedule's, then a few invalid
    ones), pricing snapshots, localities and code lists."""

    window_start: int
    window_end: int
    procedure_codes: np.ndarray  # S5 (P,)
    procedure_known: np.ndarray  # bool (P,): in the fee schedule
    procedure_category: np.ndarray  # int16 (P,) index into categories, -1 none
    procedure_weight: np.ndarray  # float (P,) relative frequency; 0 = never drawn
    procedure_per_unit: np.ndarray  # bool (P,): "each ..." codes billed in several units
    procedure_minor: np.ndarray  # bool (P,): global period 000/010 (takes modifier 25 on E/M)
    procedure_sided: np.ndarray  # bool (P,): takes LT/RT
    procedure_limits: np.ndarray  # int16 (P, 3): sex (0 any, 1 F, 2 M), min age, max age
    lab_fee_cents: np.ndarray  # int64 (P,): clinical lab fee when the PFS does not price it
    categories: list[str]
    rvu_from: np.ndarray  # int (S,) first day of each fee schedule snapshot
    rvu: np.ndarray  # float (S, P, 3 variants, 4: work, non-facility PE, facility PE, MP)
    cf_from: np.ndarray  # int (C,)
    cf_dollars: np.ndarray  # float (C,) dollars per RVU
    gpci_from: np.ndarray  # int (G,)
    gpci: np.ndarray  # float (G, localities, 3: work, PE, MP)
    locality_codes: np.ndarray  # S8 (localities,), only those with GPCIs
    locality_states: np.ndarray  # S2
    locality_names: np.ndarray  # U
    places: np.ndarray  # S2 place-of-service codes
    place_is_facility: np.ndarray  # bool
    modifiers: np.ndarray  # S2 modifier codes
    diagnoses: DiagnosisPools

    def procedure(self, code: str) -> int:
        """Index of a procedure code in the vocabulary, -1 if absent."""
        return _index_of(self.procedure_codes, code)

    def place(self, code: str) -> int:
        return _index_of(self.places, code)

    def modifier(self, code: str) -> int:
        return _index_of(self.modifiers, code)

    def category(self, name: str) -> int:
        return self.categories.index(name) if name in self.categories else -1

    def allowed_cents(self, procedure, variant, facility, locality, day) -> np.ndarray:
        """Medicare PFS allowed amount of one unit, in cents: (work RVU x work GPCI + PE RVU x
        PE GPCI + MP RVU x MP GPCI) x conversion factor, with the RVUs, GPCIs and factor in
        force on `day`; facility PE RVUs where `facility`. Lab codes take their lab fee."""
        snapshot = _in_force(self.rvu_from, day)
        rvu = self.rvu[snapshot, procedure, variant]
        pe = np.where(facility, rvu[:, 2], rvu[:, 1])
        gpci = self.gpci[_in_force(self.gpci_from, day), locality]
        total = rvu[:, 0] * gpci[:, 0] + pe * gpci[:, 1] + rvu[:, 3] * gpci[:, 2]
        cents = np.rint(total * self.cf_dollars[_in_force(self.cf_from, day)] * 100)
        fee = self.lab_fee_cents[procedure]
        return np.where(fee > 0, fee, np.nan_to_num(cents)).astype(np.int64)


def load_reference_arrays(connection) -> Reference:
    """Read the reference tables into a Reference; MissingReferenceData if they are empty."""
    rows = connection.execute(
        text(
            "SELECT hcpcs_code, modifier, effective_from, effective_to, status_code, work_rvu,"
            " nonfacility_pe_rvu, facility_pe_rvu, mp_rvu, global_days, bilateral_indicator,"
            " description FROM fee_schedule_rvu ORDER BY effective_from, hcpcs_code, modifier"
        )
    ).all()
    factors = connection.execute(
        text("SELECT effective_from, effective_to, amount FROM conversion_factor ORDER BY 1")
    ).all()
    gpcis = connection.execute(
        text(
            "SELECT g.locality_code, g.effective_from, g.effective_to, g.work_gpci, g.pe_gpci,"
            " g.mp_gpci, l.state, l.name FROM gpci g"
            " JOIN pricing_locality l ON l.code = g.locality_code ORDER BY 2, 1"
        )
    ).all()
    if not (rows and factors and gpcis):
        raise MissingReferenceData(
            "fee schedule, conversion factors or GPCIs are empty: load the reference data first"
        )
    window_start, window_end = _service_window(rows, factors, gpcis)
    places = connection.execute(text("SELECT code, is_facility FROM place_of_service")).all()
    modifiers = connection.execute(text("SELECT code FROM modifier ORDER BY code")).scalars()
    return Reference(
        window_start=window_start,
        window_end=window_end,
        **_procedures(rows),
        **_conversion_factors(factors),
        **_gpcis(gpcis),
        places=np.array(sorted(code for code, _ in places), dtype="S2"),
        place_is_facility=np.array([facility for _, facility in sorted(places)]),
        modifiers=np.array(list(modifiers), dtype="S2"),
        diagnoses=DiagnosisPools.load(connection),
    )


def _service_window(rows, factors, gpcis) -> tuple[int, int]:
    """From the first day every pricing table is in force, WINDOW_MONTHS long or less."""
    start = max(min(r.effective_from for r in table) for table in (rows, factors, gpcis))
    ends = [_last_day(table) for table in (rows, factors, gpcis)]
    month = start.month - 1 + WINDOW_MONTHS
    limit = np.datetime64(f"{start.year + month // 12}-{month % 12 + 1:02d}-01") - 1
    end = min([limit, *[e for e in ends if e is not None]])
    first = np.datetime64(start, "D")
    if end < first:
        raise MissingReferenceData("no period in which fee schedule, GPCIs and factors all apply")
    return _day(first), _day(end)


def _last_day(table):
    ends = [r.effective_to for r in table]
    return None if any(e is None for e in ends) else np.datetime64(max(ends), "D")


def _procedures(rows) -> dict:
    global_rows = {r.hcpcs_code: r for r in rows if r.modifier == ""}  # the latest snapshot wins
    known = sorted(global_rows)
    invalid = [c.decode() for c in INVALID_PROCEDURES if c.decode() not in global_rows][:3]
    codes = known + invalid
    position = {code: i for i, code in enumerate(codes)}
    snapshots = sorted({r.effective_from for r in rows})
    rvu = np.full((len(snapshots), len(codes), len(VARIANTS), 4), np.nan)
    for r in rows:
        if r.modifier in VARIANTS and r.hcpcs_code in position:
            values = (r.work_rvu, r.nonfacility_pe_rvu, r.facility_pe_rvu, r.mp_rvu)
            rvu[
                snapshots.index(r.effective_from),
                position[r.hcpcs_code],
                VARIANTS.index(r.modifier),
            ] = values
    categories = sorted(
        {c for *_, c in catalog.CATEGORY_RANGES} | set(catalog.CODE_CATEGORIES.values())
    )
    category = np.array([_category_of(code, categories) for code in codes], dtype=np.int16)
    lab_fees = np.array([catalog.LAB_FEES.get(code, 0) for code in codes], dtype=np.int64)
    drawn = np.array(
        [code in global_rows and _drawn(global_rows[code], rvu[-1, i, 0], lab_fees[i])
         for i, code in enumerate(codes)]
    )  # fmt: skip
    weight = np.array([catalog.FREQUENCY.get(c, catalog.DEFAULT_FREQUENCY) for c in codes]) * drawn
    described = [global_rows[c].description.lower() if c in global_rows else "" for c in codes]
    return dict(
        procedure_codes=np.array(codes, dtype="S5"),
        procedure_known=np.array([c in global_rows for c in codes]),
        procedure_category=np.where(weight > 0, category, -1).astype(np.int16),
        procedure_weight=weight,
        procedure_per_unit=np.array([" each " in f" {d} " for d in described]),
        procedure_minor=np.array(
            [_global_days(global_rows.get(c)) in ("000", "010") for c in codes]
        ),
        procedure_sided=np.array([_sided(global_rows.get(c)) for c in codes]),
        procedure_limits=np.array([_limits(c) for c in codes], dtype=np.int16).reshape(-1, 3),
        lab_fee_cents=lab_fees,
        categories=categories,
        rvu_from=np.array([_day(np.datetime64(s, "D")) for s in snapshots]),
        rvu=rvu,
    )


def _drawn(row, global_rvu, lab_fee) -> bool:
    """Drawn: payable status with RVUs, or a lab code with a lab fee."""
    return lab_fee > 0 or (row.status_code in catalog.DRAWN_STATUSES and np.nansum(global_rvu) > 0)


def _category_of(code: str, categories: list[str]) -> int:
    name = catalog.CODE_CATEGORIES.get(code)
    if name is None and code.isdigit():
        number = int(code)
        name = next((c for low, high, c in catalog.CATEGORY_RANGES if low <= number <= high), None)
    return categories.index(name) if name else -1


def _global_days(row) -> str:
    return row.global_days if row is not None else ""


def _sided(row) -> bool:
    """Extremity imaging and bilateral-eligible musculoskeletal procedures name their side."""
    if row is None:
        return False
    code = row.hcpcs_code
    return code.startswith("73") or (code.startswith("2") and row.bilateral_indicator == "1")


def _limits(code: str) -> tuple[int, int, int]:
    sex, low, high = rules.PROCEDURE_LIMITS.get(code, ("", 0, rules.ANY_AGE))
    return {"": 0, "F": 1, "M": 2}[sex], low, high


def _conversion_factors(factors) -> dict:
    return dict(
        cf_from=np.array([_day(np.datetime64(f.effective_from, "D")) for f in factors]),
        cf_dollars=np.array([float(f.amount) for f in factors]),
    )


def _gpcis(gpcis) -> dict:
    snapshots = sorted({g.effective_from for g in gpcis})
    latest = {g.locality_code: g for g in gpcis}
    codes = sorted(latest)
    values = np.full((len(snapshots), len(codes), 3), np.nan)
    for g in gpcis:
        values[snapshots.index(g.effective_from), codes.index(g.locality_code)] = (
            g.work_gpci, g.pe_gpci, g.mp_gpci,
        )  # fmt: skip
    # A locality missing from a later snapshot keeps its earlier indices.
    for s in range(1, len(snapshots)):
        values[s] = np.where(np.isnan(values[s]), values[s - 1], values[s])
    return dict(
        gpci_from=np.array([_day(np.datetime64(s, "D")) for s in snapshots]),
        gpci=values,
        locality_codes=np.array(codes, dtype="S8"),
        locality_states=np.array([latest[c].state for c in codes], dtype="S2"),
        locality_names=np.array([latest[c].name for c in codes]),
    )


def _in_force(starts: np.ndarray, day: np.ndarray) -> np.ndarray:
    return np.clip(np.searchsorted(starts, day, side="right") - 1, 0, len(starts) - 1)


def _index_of(vocabulary: np.ndarray, code: str) -> int:
    found = np.flatnonzero(vocabulary == code.encode())
    return int(found[0]) if found.size else -1


def _day(value: np.datetime64) -> int:
    return int((value - np.datetime64("1970-01-01", "D")).astype(np.int64))
