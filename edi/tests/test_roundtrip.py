"""837 and 834 writers and parsers are inverses, and what the writers produce passes pyx12."""

from dataclasses import replace
from datetime import date

import pytest

from edi import pyx12_check
from edi.claims_out import write_837
from edi.enrollment import ADD, CANCEL, CHANGE, MemberMaintenance, parse_834, write_834
from edi.interchange import Parties
from edi.tests.helpers import claims_of, institutional_claim, professional_claim, read


def _variety(kind: str) -> list:
    if kind == "professional":
        return [
            professional_claim(1),
            professional_claim(
                2,
                relationship_code="19",
                patient_member_number=None,
                patient_first_name="KID",
                frequency_code="7",
                original_claim_id="12345",
                prior_authorization=None,
            ),
            professional_claim(
                3,
                billing_provider_npi="1861234567",
                diagnosis_codes=["Z0000"],
                rendering_provider_npi=None,
                referring_provider_npi=None,
                service_facility_npi=None,
                place_of_service="21",
            ),
        ]
    return [
        institutional_claim(1),
        institutional_claim(
            2,
            relationship_code="18",
            patient_member_number="M000000002",
            bill_type="0131",
            frequency_code="1",
            admission_date=None,
            diagnosis_codes=["J189"] + [f"E11{i}" for i in range(14)],
        ),
    ]


@pytest.mark.parametrize("kind", ["professional", "institutional"])
def test_parse_of_write_equals_claims(kind):
    claims = _variety(kind)
    text = "".join(write_837(claims, kind, claims_per_set=2))
    reading, results = read(text)
    assert {result.verdict.status for result in results} == {"A"}
    assert claims_of(results) == claims
    assert reading.interchange.ta1_code is None


@pytest.mark.parametrize("kind", ["professional", "institutional"])
def test_written_837_passes_pyx12_whole(kind):
    text = "".join(write_837(_variety(kind), kind))
    result = pyx12_check.validate(text)
    assert result.valid, result.problems
    assert {verdict.status for verdict in result.verdicts.values()} == {"A"}


def test_positions_and_control_numbers_follow_the_file():
    claims = [professional_claim(n) for n in range(1, 6)]
    _, results = read("".join(write_837(claims, "professional", claims_per_set=2)))
    assert [r.transaction_set.control_number for r in results] == ["0001", "0002", "0003"]
    assert [len(r.claims) for r in results] == [2, 2, 1]
    first = results[0].claims[0]
    assert results[0].transaction_set.segments[first.set_position - 1][0] == "CLM"


def test_amounts_are_exact_cents():
    claim = professional_claim(1, total_charge_cents=1)
    claim.lines = [replace(claim.lines[0], charge_cents=1)]
    _, results = read("".join(write_837([claim], "professional")))
    assert claims_of(results)[0].total_charge_cents == 1
    assert claims_of(results)[0].lines[0].service_from == date(2026, 3, 2)


def test_errata_labels_are_read_as_the_same_structures():
    for kind, label, errata in [
        ("professional", "005010X222A1", "005010X222A2"),
        ("institutional", "005010X223A2", "005010X223A3"),
    ]:
        claims = _variety(kind)
        text = "".join(write_837(claims, kind)).replace(label, errata)
        _, results = read(text)
        assert [r.transaction_set.version for r in results] == [errata]
        assert {r.verdict.status for r in results} == {"A"}
        assert claims_of(results) == claims


def _maintenance() -> list[MemberMaintenance]:
    subscriber = MemberMaintenance(
        ADD, "E1", "E1", True, "18", "28", first_name="NINA", last_name="NEW", middle_name="Q",
        birth_date=date(1980, 4, 5), sex="F", address_line1="1 MAIN ST", city="TOWN",
        state="PA", postal_code="17011", group_number="G1", plan_code="PPO1",
        coverage_start=date(2026, 1, 1), effective_date=date(2026, 1, 1),
    )  # fmt: skip
    child = MemberMaintenance(
        CHANGE, "E1", "E2", False, "19", first_name="KIM", last_name="NEW",
        birth_date=date(2015, 6, 7), sex="M", plan_code="PPO1", coverage_start=date(2026, 1, 1),
        effective_date=date(2026, 2, 1), coverage_maintenance_type=ADD,
    )  # fmt: skip
    ended = MemberMaintenance(
        CANCEL, "E3", "E3", True, "18", "07", last_name="OLD",
        coverage_start=date(2025, 1, 1), coverage_end=date(2026, 3, 31),
        effective_date=date(2026, 3, 31),
    )  # fmt: skip
    return [subscriber, child, ended]


def test_parse_of_written_834_equals_the_records():
    records = _maintenance()
    text = write_834(records, Parties(), 5)
    _, (result,) = read(text)
    assert result.verdict.status == "A"
    parsed = list(parse_834(result.transaction_set.segments))
    assert [replace(record, dates={}) for record in parsed] == records
