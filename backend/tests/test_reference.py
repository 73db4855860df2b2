"""Reference data: CMS file parsers on the shipped demo files and on files in the real CMS
layouts, and the loaders against PostgreSQL."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date
from decimal import Decimal

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, text

from backend.cli_context import Context
from backend.reference import cms, codesets
from backend.reference.cli import reference
from backend.reference.cms_csv import read_cms_text
from backend.reference.loaders import (
    DEMO_DIR,
    REFERENCE_TABLES,
    load_gpci,
    load_pprrvu,
    load_reference,
)
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

JAN_2025 = date(2025, 1, 1)


def codes(spaced: str) -> set[str]:
    return set(spaced.split())


FACILITY_PLACES_OF_SERVICE = codes("19 21 22 23 24 26 31 34 41 42 51 52 53 56 61")
REQUIRED_CARCS = codes(
    "1 2 3 4 5 11 16 18 22 23 26 27 29 31 45 50 96 97 109 119 151 167 170 181 182 185 197 204 "
    "242 253"
)
REQUIRED_RARCS = codes(
    "M15 M20 M51 M76 M77 M80 M86 MA01 MA04 MA130 N19 N20 N30 N130 N362 N381 N519 N657"
)

# The CY 2026 layout: title lines, a header split over two rows, a PRIC IND column ahead of
# ENDO BASE and CONV FACTOR, a NON-FAC NA indicator, footnotes after the data.
PPRRVU_2026_LAYOUT = "\n".join(
    [
        ",,2026 National Physician Fee Schedule Relative Value File January Release,,,,,,",
        ",,CPT codes and descriptions only are copyright 2025 American Medical Association.,,",
        ",,,,,,,,,,,,,,,,,,,,,,,,,",
        ",,,STATUS,NOT USED FOR MEDICARE,WORK,NON-FAC,NON-FAC NA,FACILITY,FACILITY NA,MP,"
        "NON-FACILITY,FACILITY,PCTC,GLOB,PRE,INTRA,POST,MULT,BILAT,ASST,CO-,TEAM,PRIC,ENDO,CONV",
        "HCPCS,MOD,DESCRIPTION,CODE,PAYMENT,RVU,PE RVU,INDICATOR,PE RVU,INDICATOR,RVU,TOTAL,"
        "TOTAL,IND,DAYS,OP,OP,OP,PROC,SURG,SURG,SURG,SURG,IND,BASE,FACTOR",
        '99213,,"Office visit, established",A,,1.30,1.31,,0.55,,0.10,2.71,1.95,'
        "0,XXX,0.00,0.00,0.00,0,0,0,0,0,0,,33.4009",
        "27447,,Total knee arthroplasty,A,,19.11,NA,NA,10.61,,3.97,0.00,33.69,"
        "0,90,0.10,0.69,0.21,2,1,2,1,0,0,,33.4009",
        "71046,26,Chest x-ray pro component,A,,0.21,0.09,,0.09,,0.01,0.31,0.31,"
        "1,XXX,0.00,0.00,0.00,0,0,0,0,0,0,,33.4009",
        "71046,TC,Chest x-ray tech component,A,,0.00,0.66,,0.66,,0.01,0.67,0.67,"
        "1,XXX,0.00,0.00,0.00,0,0,0,0,0,0,,33.4009",
        '"NOTE: RVUs are not payment amounts",,,,,,,,,,,,,,,,,,,,,,,,,',
    ]
)

GPCI_2026_LAYOUT = "\n".join(
    [
        '"ADDENDUM E. FINAL CY 2026 GEOGRAPHIC PRACTICE COST INDICES (GPCIs) BY STATE AND '
        'MEDICARE LOCALITY",,,,,,,',
        ",,,,,,,",
        "Medicare Administrative Contractor (MAC),State,Locality Number,Locality Name,"
        "2026 PW GPCI (without 1.0 Floor),2026 PW GPCI (with 1.0 Floor)*,2026 PE GPCI,2026 MP GPCI",
        "1112,CA,05,SAN FRANCISCO,1.136,1.136,1.421,0.515",
        "10112,AL,00,ALABAMA,0.966,1.000,0.870,0.611",
        "2102,AK,01,ALASKA**,1.214,1.500,1.087,0.660",
        ",,,,,,,",
        '"* Work GPCI reflects a 1.0 floor",,,,,,,',
    ]
)

LOCCO_LAYOUT = "\n".join(
    [
        '"Locality and County Crosswalk, 2026",,,,',
        ",,,,",
        "Medicare Adminstrative Contractor ,Locality Number ,State ,Fee Schedule Area ,Counties",
        "1112,5,CALIFORNIA ,SAN FRANCISCO ,SAN FRANCISCO",
        "1182,18,,LOS ANGELES ,LOS ANGELES",
        "5302,99,IOWA,REST OF IOWA,ALL COUNTIES EXCEPT POLK",
        "5302,99,,REST OF IOWA,POTTAWATTAMIE",
    ]
)


def write(directory, name: str, content: str, encoding: str = "utf-8"):
    path = directory / name
    path.write_text(content, encoding=encoding, newline="")
    return path


def by_key(rows):
    return {(row.hcpcs_code, row.modifier): row for row in rows}


# -- parsers -------------------------------------------------------------------------------


def test_demo_pprrvu_has_the_codes_and_indicators_pricing_needs():
    rows = cms.parse_pprrvu(read_cms_text(DEMO_DIR / "PPRRVU25_JAN_DEMO.csv"), JAN_2025)
    rvus = by_key(rows)

    assert 150 <= len(rows) <= 300
    assert rvus["99213", ""].work_rvu == Decimal("1.30")
    assert rvus["99213", ""].nonfacility_pe_rvu == Decimal("1.26")
    assert rvus["99213", ""].facility_pe_rvu == Decimal("0.55")
    assert rvus["99213", ""].mp_rvu == Decimal("0.10")
    assert cms.conversion_factor_of(rows) == Decimal("32.3465")
    for code in ("71046", "73030", "70450", "72148", "74177", "88305"):
        assert {rvus[code, m].pctc_indicator for m in ("", "26", "TC")} == {"1"}, code
        assert rvus[code, "TC"].work_rvu == 0
        assert rvus[code, ""].work_rvu == rvus[code, "26"].work_rvu
    for code in ("20610", "27447", "29881", "64483", "69210"):
        assert rvus[code, ""].bilateral_indicator == "1", code
    for code in ("20610", "27447", "29881", "64483", "11042", "17000", "69210"):
        assert rvus[code, ""].multiple_procedure_indicator == "2", code
    assert rvus["27447", ""].global_days == "090"
    assert rvus["17000", ""].global_days == "010"
    assert rvus["80053", ""].status_code == "X"  # clinical lab fee schedule, not the PFS


def test_parse_pprrvu_reads_the_real_layout_by_header_name(tmp_path):
    # CMS files are Windows-1252, not UTF-8: "\xe9" below is not valid UTF-8.
    path = write(
        tmp_path,
        "PPRRVU2026_Jan_nonQPP.csv",
        PPRRVU_2026_LAYOUT.replace("Total", "Tot\xe9l"),
        "cp1252",
    )

    rvus = by_key(cms.parse_pprrvu(read_cms_text(path), date(2026, 1, 1)))

    assert set(rvus) == {("99213", ""), ("27447", ""), ("71046", "26"), ("71046", "TC")}
    knee = rvus["27447", ""]
    assert knee.description == "Tot\xe9l knee arthroplasty"
    assert knee.work_rvu == Decimal("19.11")
    assert knee.nonfacility_pe_rvu == Decimal("0")  # NA: not priced in a non-facility setting
    assert knee.facility_pe_rvu == Decimal("10.61")
    assert knee.global_days == "090"  # a spreadsheet round trip had dropped the zero
    assert (knee.multiple_procedure_indicator, knee.bilateral_indicator) == ("2", "1")
    assert (knee.assistant_surgery_indicator, knee.co_surgery_indicator) == ("2", "1")
    assert knee.conversion_factor == Decimal("33.4009")  # not the PRIC IND column before it
    assert rvus["99213", ""].description == "Office visit, established"
    assert rvus["71046", "TC"].effective_from == date(2026, 1, 1)


def test_parse_pprrvu_reads_a_one_row_header_without_optional_columns():
    content = (
        "Relative value file\n"
        "HCPCS,MOD,DESCRIPTION,STATUS CODE,WORK RVU,NON-FACILITY PE RVU,FACILITY PE RVU,MP RVU,"
        "PCTC IND,GLOB DAYS,MULT PROC,BILAT SURG\n"
        "99214,,Office visit,A,1.92,1.66,0.80,0.13,0,XXX,0,0\n"
    )
    (row,) = cms.parse_pprrvu(content, JAN_2025)

    assert (row.work_rvu, row.nonfacility_pe_rvu) == (Decimal("1.92"), Decimal("1.66"))
    assert row.conversion_factor is None
    assert row.assistant_surgery_indicator == ""


def test_parse_pprrvu_names_a_missing_column():
    content = "HCPCS,MOD,DESCRIPTION,STATUS CODE,WORK RVU\n99213,,x,A,1.30\n"
    with pytest.raises(ValueError, match="nonfacility_pe_rvu"):
        cms.parse_pprrvu(content, JAN_2025)


def test_parse_gpci_takes_the_floored_work_gpci_and_pads_codes():
    rows = {row.locality_code: row for row in cms.parse_gpci(GPCI_2026_LAYOUT, date(2026, 1, 1))}

    assert list(rows) == ["01112-05", "10112-00", "02102-01"]
    alaska = rows["02102-01"]
    assert (alaska.state, alaska.name, alaska.mac, alaska.locality_number) == (
        "AK",
        "ALASKA",
        "02102",
        "01",
    )
    assert alaska.work_gpci == Decimal("1.500")
    assert rows["10112-00"].work_gpci == Decimal("1.000")
    assert (rows["01112-05"].pe_gpci, rows["01112-05"].mp_gpci) == (
        Decimal("1.421"),
        Decimal("0.515"),
    )


def test_parse_localities_fills_states_down_and_merges_repeated_localities():
    rows = {row.code: row for row in cms.parse_localities(LOCCO_LAYOUT)}

    assert list(rows) == ["01112-05", "01182-18", "05302-99"]
    assert rows["01182-18"].state == "CA"  # state left blank on a continuation row
    assert rows["01182-18"].name == "LOS ANGELES"
    assert rows["05302-99"].state == "IA"
    assert rows["05302-99"].counties == "ALL COUNTIES EXCEPT POLK; POTTAWATTAMIE"


def test_demo_gpci_and_localities_cover_the_same_localities():
    gpcis = cms.parse_gpci(read_cms_text(DEMO_DIR / "GPCI2025_DEMO.csv"), JAN_2025)
    localities = cms.parse_localities(read_cms_text(DEMO_DIR / "25LOCCO_DEMO.csv"))

    assert {row.locality_code for row in gpcis} == {row.code for row in localities}
    assert {row.state for row in localities} >= {"NY", "CA", "TX", "FL", "IL"}
    manhattan = next(row for row in gpcis if row.locality_code == "13202-01")
    assert manhattan.name == "MANHATTAN"
    assert manhattan.work_gpci == Decimal("1.072")


@pytest.mark.parametrize(
    "name,expected",
    [
        ("PPRRVU25_JAN.csv", date(2025, 1, 1)),
        ("PPRRVU25_OCT.csv", date(2025, 10, 1)),
        ("PPRRVU2026_Apr_nonQPP.csv", date(2026, 4, 1)),
        ("GPCI2025.csv", date(2025, 1, 1)),
        ("25LOCCO.csv", None),
    ],
)
def test_effective_date_from_file_name(name, expected):
    assert cms.effective_date_from_file_name(name) == expected


def test_parse_modifiers_rejects_an_unknown_pricing_rule():
    with pytest.raises(ValueError, match="half_price"):
        codesets.parse_modifiers("code,description,pricing_rule\n26,Pro,half_price\n")


# -- loaders -------------------------------------------------------------------------------


def rvu(connection, code: str, modifier: str = "", effective_from: date = JAN_2025):
    return connection.execute(
        select(FeeScheduleRvu).where(
            FeeScheduleRvu.hcpcs_code == code,
            FeeScheduleRvu.modifier == modifier,
            FeeScheduleRvu.effective_from == effective_from,
        )
    ).one()


def test_load_reference_loads_the_demo_fee_schedule(connection):
    load_reference(connection)

    assert rvu(connection, "99213").work_rvu == Decimal("1.30")
    knee_2025, knee_2026 = (rvu(connection, "27447", "", d) for d in (JAN_2025, date(2026, 1, 1)))
    assert (knee_2025.work_rvu, knee_2025.effective_to) == (Decimal("19.60"), date(2025, 12, 31))
    assert (knee_2026.work_rvu, knee_2026.effective_to) == (Decimal("19.11"), None)
    assert {rvu(connection, "71046", m).pctc_indicator for m in ("", "26", "TC")} == {"1"}

    gpci = connection.execute(select(Gpci).where(Gpci.locality_code == "13202-01")).one()
    assert (gpci.work_gpci, gpci.pe_gpci, gpci.mp_gpci) == (
        Decimal("1.072"),
        Decimal("1.288"),
        Decimal("1.629"),
    )
    locality = connection.execute(
        select(PricingLocality).where(PricingLocality.code == "13202-01")
    ).one()
    assert (locality.state, locality.name, locality.counties) == ("NY", "MANHATTAN", "NEW YORK")
    factors = connection.execute(select(ConversionFactor).order_by("effective_from")).all()
    assert [(f.effective_from, f.effective_to, f.amount) for f in factors] == [
        (JAN_2025, date(2025, 12, 31), Decimal("32.3465")),
        (date(2026, 1, 1), None, Decimal("33.4009")),
    ]


def test_load_reference_loads_the_code_lists(connection):
    load_reference(connection)

    facility = connection.scalars(
        select(PlaceOfService.code).where(PlaceOfService.is_facility)
    ).all()
    assert set(facility) == FACILITY_PLACES_OF_SERVICE
    assert (
        connection.scalar(select(PlaceOfService.is_facility).where(PlaceOfService.code == "11"))
        is False
    )
    rules = dict(connection.execute(select(Modifier.code, Modifier.pricing_rule)).all())
    assert {code: rules[code] for code in ("26", "TC", "50", "51", "80", "AS", "25", "59")} == {
        "26": "professional_component",
        "TC": "technical_component",
        "50": "bilateral",
        "51": "multiple_procedure",
        "80": "assistant_surgeon",
        "AS": "assistant_surgeon",
        "25": "none",
        "59": "none",
    }
    carcs = dict(connection.execute(select(CarcCode.code, CarcCode.description)).all())
    assert set(carcs) >= REQUIRED_CARCS
    assert carcs["45"].startswith("Charge exceeds fee schedule/maximum allowable")
    rarcs = set(connection.scalars(select(RarcCode.code)).all())
    assert rarcs >= REQUIRED_RARCS


def test_load_reference_loads_icd10cm(connection):
    load_reference(connection)

    count = connection.scalar(text("SELECT count(*) FROM icd10cm_code"))
    assert 70_000 <= count <= 100_000
    codes = {
        row.code: row
        for row in connection.execute(
            select(Icd10CmCode).where(Icd10CmCode.code.in_(["E11", "E119", "S72001A", "U071"]))
        )
    }
    assert (codes["E119"].is_billable, codes["E119"].chapter) == (True, "04")
    assert codes["E119"].description == "Type 2 diabetes mellitus without complications"
    assert codes["E11"].is_billable is False
    assert codes["S72001A"].chapter == "19"
    assert codes["U071"].chapter == "22"


def reference_rows(connection) -> dict[str, list]:
    return {
        model.__tablename__: connection.execute(
            select(model).order_by(*model.__table__.primary_key.columns)
        ).all()
        for model in REFERENCE_TABLES
    }


def test_load_reference_twice_leaves_the_same_rows(connection):
    first_counts = load_reference(connection)
    first = reference_rows(connection)
    second_counts = load_reference(connection)

    assert second_counts == first_counts
    assert reference_rows(connection) == first
    assert first_counts["fee_schedule_rvu"] == 2 * 251


def test_a_quarterly_pprrvu_file_ends_the_previous_quarter(connection, tmp_path):
    load_reference(connection)
    april = date(2025, 4, 1)
    path = write(tmp_path, "PPRRVU25_APR.csv", PPRRVU_2026_LAYOUT)

    assert load_pprrvu(connection, path, april) == 4
    assert load_pprrvu(connection, path, april) == 4  # a reload replaces, never duplicates

    assert rvu(connection, "99213").effective_to == date(2025, 3, 31)
    assert rvu(connection, "99213", "", april).effective_to == date(2025, 12, 31)
    # 99214 is not in the April file: the fee schedule no longer lists it from April
    assert rvu(connection, "99214").effective_to == date(2025, 3, 31)
    count = connection.scalar(
        select(func.count())
        .select_from(FeeScheduleRvu)
        .where(FeeScheduleRvu.effective_from == april)
    )
    assert count == 4
    factor = connection.scalar(
        select(ConversionFactor.amount).where(ConversionFactor.effective_from == april)
    )
    assert factor == Decimal("33.4009")  # the CONV FACTOR column of the April file


def test_load_gpci_adds_localities_it_names(connection, tmp_path):
    path = write(tmp_path, "GPCI2026.csv", GPCI_2026_LAYOUT)

    assert load_gpci(connection, path, date(2026, 1, 1)) == 3

    alaska = connection.execute(
        select(PricingLocality).where(PricingLocality.code == "02102-01")
    ).one()
    assert (alaska.mac, alaska.locality_number, alaska.state, alaska.name) == (
        "02102",
        "01",
        "AK",
        "ALASKA",
    )


def test_load_reference_reads_a_directory_of_cms_files(connection, tmp_path):
    write(tmp_path, "PPRRVU2026_Jan_nonQPP.csv", PPRRVU_2026_LAYOUT)
    write(tmp_path, "PPRRVU2026_Jan_QPP.csv", PPRRVU_2026_LAYOUT.replace("33.4009", "33.5675"))
    write(tmp_path, "GPCI2026.csv", GPCI_2026_LAYOUT)
    write(tmp_path, "26LOCCO.csv", LOCCO_LAYOUT)
    write(tmp_path, "ANES2026.csv", "not a fee schedule file\n")

    counts = load_reference(connection, tmp_path)

    assert counts["fee_schedule_rvu"] == 4
    assert counts["gpci"] == 3
    assert counts["pricing_locality"] == 5  # 3 from the crosswalk, Alabama and Alaska from GPCIs
    assert connection.scalar(select(ConversionFactor.amount)) == Decimal("33.4009")
    assert counts["place_of_service"] > 40  # code lists fall back to the shipped ones


def test_effective_from_is_refused_for_a_directory_of_several_releases(connection):
    with pytest.raises(ValueError, match="several releases"):
        load_reference(connection, DEMO_DIR, date(2025, 1, 1))


class EngineOnTestConnection:
    """Stands in for the CLI's engine: its transactions are savepoints of the test's."""

    def __init__(self, connection):
        self.connection = connection

    @contextmanager
    def begin(self):
        with self.connection.begin_nested():
            yield self.connection


def test_cli_reference_load_reports_row_counts(connection):
    context = Context()
    context._engine = EngineOnTestConnection(connection)

    result = CliRunner().invoke(reference, ["load"], obj=context)

    assert result.exit_code == 0, result.output
    assert "fee_schedule_rvu       502 rows" in result.output
    assert connection.scalar(text("SELECT count(*) FROM gpci")) == 20
