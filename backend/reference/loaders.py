"""Loading reference data into the database: the fee schedule (CMS PPRRVU, GPCI and
locality/county files, conversion factors), places of service, modifiers, CARC and RARC codes,
and ICD-10-CM.

Every loader takes a SQLAlchemy Connection and writes inside the caller's transaction; running
one twice leaves the same rows. RVUs and GPCIs are stored as Decimal exactly as CMS writes them;
conversion factors are Decimal dollars per RVU.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import Connection

from backend.reference import cms, codesets
from backend.reference.bulk import close_superseded_snapshots, replace_snapshot, upsert_rows
from backend.reference.cms_csv import read_cms_text
from backend.reference.models import (
    CarcCode,
    ConversionFactor,
    FeeScheduleRvu,
    Gpci,
    Icd10CmCode,
    Modifier,
    PlaceOfService,
    PricingLocality,
    RarcCode,
)

DEMO_DIR = Path(__file__).parent / "data"
CONVERSION_FACTOR_FILE = "conversion_factor.csv"
REFERENCE_TABLES = (
    PlaceOfService,
    Modifier,
    CarcCode,
    RarcCode,
    Icd10CmCode,
    PricingLocality,
    Gpci,
    FeeScheduleRvu,
    ConversionFactor,
)


def load_reference(
    connection: Connection, data_dir: str | Path | None = None, effective_from: date | None = None
) -> dict[str, int]:
    """Load all reference data: the fee schedule files of `data_dir` (default: the demo files
    shipped in backend/reference/data), the code lists and ICD-10-CM. `effective_from`
    overrides the dates read from the CMS file names. Returns the row count of each table."""
    directory = Path(data_dir) if data_dir else DEMO_DIR
    load_fee_schedule(connection, directory, effective_from)  # first: it checks the directory
    load_code_lists(connection, directory)
    load_icd10cm(connection)
    return {
        model.__tablename__: connection.scalar(select(func.count()).select_from(model))
        for model in REFERENCE_TABLES
    }


def load_code_lists(connection: Connection, directory: Path = DEMO_DIR) -> None:
    """Places of service, modifiers, CARC and RARC codes, each from `directory` when it has the
    file (place_of_service.csv, modifier.csv, carc_code.csv, rarc_code.csv), else the demo one."""
    load_places_of_service(connection, _code_list(directory, "place_of_service.csv"))
    load_modifiers(connection, _code_list(directory, "modifier.csv"))
    load_carc_codes(connection, _code_list(directory, "carc_code.csv"))
    load_rarc_codes(connection, _code_list(directory, "rarc_code.csv"))


def load_fee_schedule(
    connection: Connection, directory: Path, effective_from: date | None = None
) -> None:
    """The CMS files of `directory`: *LOCCO*.csv, GPCI*.csv, PPRRVU*.csv (the QPP variant is
    skipped), then conversion_factor.csv if present, which overrides the PPRRVU CONV FACTOR."""
    files = FeeScheduleFiles.find(directory)
    if effective_from and max(len(files.gpci), len(files.pprrvu)) > 1:
        raise ValueError(f"{directory} holds several releases; effective_from would merge them")
    for path in files.localities:
        load_localities(connection, path)
    for path in files.gpci:
        load_gpci(connection, path, effective_from or _effective_date(path))
    for path in files.pprrvu:
        load_pprrvu(connection, path, effective_from or _effective_date(path))
    if files.conversion_factors:
        load_conversion_factors(connection, files.conversion_factors)


def load_pprrvu(connection: Connection, path: str | Path, effective_from: date) -> int:
    """Make a PPRRVU file the fee schedule (Decimal RVUs) from `effective_from`, replacing a
    previous load of that date; the file's conversion factor, if it has one, is recorded for
    the same date. Returns the number of code + modifier rows."""
    rows = cms.parse_pprrvu(read_cms_text(path), effective_from)
    replace_snapshot(connection, FeeScheduleRvu.__table__, effective_from, rows)
    factor = cms.conversion_factor_of(rows)
    if factor is not None:
        _upsert_conversion_factors(
            connection, [codesets.ConversionFactorRow(effective_from, factor)]
        )
    return len(rows)


def load_gpci(connection: Connection, path: str | Path, effective_from: date) -> int:
    """Make a GPCI file the GPCIs (Decimal indices) from `effective_from`. Localities it names
    that are not loaded yet are added from it. Returns the number of localities."""
    rows = cms.parse_gpci(read_cms_text(path), effective_from)
    _add_missing_localities(connection, rows)
    replace_snapshot(connection, Gpci.__table__, effective_from, rows)
    return len(rows)


def load_localities(connection: Connection, path: str | Path) -> int:
    """Upsert the localities of a locality/county file (25LOCCO.csv). Returns their number."""
    rows = cms.parse_localities(read_cms_text(path))
    upsert_rows(connection, PricingLocality.__table__, rows)
    return len(rows)


def load_conversion_factors(connection: Connection, path: str | Path) -> int:
    """Upsert conversion factors (Decimal dollars per RVU) from a conversion_factor.csv."""
    rows = codesets.parse_conversion_factors(Path(path).read_text(encoding="utf-8"))
    _upsert_conversion_factors(connection, rows)
    return len(rows)


def load_places_of_service(connection: Connection, path: str | Path) -> int:
    """Upsert place-of-service codes from a place_of_service.csv."""
    rows = codesets.parse_places_of_service(Path(path).read_text(encoding="utf-8"))
    upsert_rows(connection, PlaceOfService.__table__, rows)
    return len(rows)


def load_modifiers(connection: Connection, path: str | Path) -> int:
    """Upsert procedure modifiers and their pricing rules from a modifier.csv."""
    rows = codesets.parse_modifiers(Path(path).read_text(encoding="utf-8"))
    upsert_rows(connection, Modifier.__table__, rows)
    return len(rows)


def load_carc_codes(connection: Connection, path: str | Path) -> int:
    """Upsert Claim Adjustment Reason Codes from a carc_code.csv."""
    rows = codesets.parse_remittance_codes(Path(path).read_text(encoding="utf-8"))
    upsert_rows(connection, CarcCode.__table__, rows)
    return len(rows)


def load_rarc_codes(connection: Connection, path: str | Path) -> int:
    """Upsert Remittance Advice Remark Codes from a rarc_code.csv."""
    rows = codesets.parse_remittance_codes(Path(path).read_text(encoding="utf-8"))
    upsert_rows(connection, RarcCode.__table__, rows)
    return len(rows)


def load_icd10cm(connection: Connection) -> int:
    """Upsert every ICD-10-CM code of the installed simple-icd-10-cm release. A code dropped
    from a later release stays, since claims of earlier dates of service may carry it."""
    rows = list(codesets.icd10cm_codes())
    upsert_rows(connection, Icd10CmCode.__table__, rows)
    return len(rows)


@dataclass
class FeeScheduleFiles:
    """The CMS fee schedule files found in a directory (as unzipped from the RVU release)."""

    localities: list[Path] = field(default_factory=list)
    gpci: list[Path] = field(default_factory=list)
    pprrvu: list[Path] = field(default_factory=list)
    conversion_factors: Path | None = None

    @classmethod
    def find(cls, directory: Path) -> FeeScheduleFiles:
        files = cls()
        for path in sorted(Path(directory).iterdir()):
            name = path.name.upper()
            if not name.endswith(".CSV"):
                continue
            if "LOCCO" in name:
                files.localities.append(path)
            elif name.startswith("GPCI"):
                files.gpci.append(path)
            elif name.startswith("PPRRVU") and "_QPP" not in name:
                files.pprrvu.append(path)  # the QPP variant prices qualifying APM participants
            elif name == CONVERSION_FACTOR_FILE.upper():
                files.conversion_factors = path
        if not (files.localities or files.gpci or files.pprrvu):
            raise ValueError(f"no CMS PPRRVU, GPCI or LOCCO csv file in {directory}")
        return files


def _upsert_conversion_factors(connection: Connection, rows: list) -> None:
    upsert_rows(connection, ConversionFactor.__table__, rows)
    close_superseded_snapshots(connection, ConversionFactor.__table__)


def _add_missing_localities(connection: Connection, rows: list[cms.GpciRow]) -> None:
    localities = {
        row.locality_code: {
            "code": row.locality_code,
            "mac": row.mac,
            "locality_number": row.locality_number,
            "state": row.state,
            "name": row.name,
            "counties": "",
        }
        for row in rows
    }
    if localities:
        statement = insert(PricingLocality).on_conflict_do_nothing(index_elements=["code"])
        connection.execute(statement, list(localities.values()))


def _effective_date(path: Path) -> date:
    effective_from = cms.effective_date_from_file_name(path.name)
    if effective_from is None:
        raise ValueError(f"{path.name}: no date in the file name; give effective_from")
    return effective_from


def _code_list(directory: Path, name: str) -> Path:
    return directory / name if (directory / name).exists() else DEMO_DIR / name
