"""837 writers and parser are inverses, and what the writers produce passes pyx12."""

from dataclasses import replace
from datetime import date

import pytest

from edi import pyx12_check
from edi.claims_out import write_837
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
