"""Official FHIR R4 examples (../shared/corpus/fhir-r4, read in place) are read by the gateway's
parser, the structure walker agrees with the R4B models, and our own output validates."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime
from pathlib import Path

import orjson
import pytest

from askes_fhir.adjudication import claim_response, explanation_of_benefit
from askes_fhir.claim_in import claim_from_fhir
from askes_fhir.outcome import edit_codes, operation_outcome
from askes_fhir.structure import resource_issues, validation_issues
from askes_fhir.tests.samples import institutional_claim, professional_claim

CORPUS = Path(__file__).resolve().parents[3].parent / "shared" / "corpus" / "fhir-r4"
TYPES = ("Claim", "ClaimResponse", "ExplanationOfBenefit", "Coverage", "Patient",
         "Organization", "Practitioner")  # fmt: skip
EXAMPLES = sorted(CORPUS.glob("*.json")) if CORPUS.is_dir() else []
pytestmark = pytest.mark.skipif(
    not EXAMPLES, reason=f"FHIR R4 example corpus not found at {CORPUS} (shared/ beside the repo)"
)


def _load(path: Path) -> dict:
    return orjson.loads(path.read_bytes())


def _ours(paths) -> list[Path]:
    return [path for path in paths if _load(path)["resourceType"] in TYPES]


@pytest.mark.parametrize("path", _ours(EXAMPLES), ids=lambda path: path.name)
def test_every_example_is_read_without_issue(path):
    resource = _load(path)
    assert resource_issues(resource, TYPES) == []
    assert validation_issues(resource["resourceType"], resource) == []


# Each professional / institutional example and the exact edits it breaks here, and why.
CLAIM_EXAMPLES = {
    # Illustrative codes (diagnosis 654456 and product "exam" of ex-serviceproduct) and a
    # coverage id (9876B1) that is not a coverage of this server.
    "claim-example-professional.json": {"V020", "V053"},
    "claim-example-institutional.json": {"V020", "V053"},
    # As above, its only diagnosis is typed admitting (not stored: V011), and the billing
    # provider is named by a non-NPI identifier NJ12345 (V050).
    "claim-example-institutional-rich.json": {"V011", "V020", "V050", "V053"},
    # Real codes; the contained Coverage has no subscriberId (the member number): V001.
    "claim-example-cms1500-medical.json": {"V001"},
}


@pytest.mark.parametrize("name", sorted(CLAIM_EXAMPLES))
def test_professional_and_institutional_examples_map_with_named_edits(name):
    claim, issues = claim_from_fhir(_load(CORPUS / name))
    codes = set(edit_codes(operation_outcome(issues)))
    expected = CLAIM_EXAMPLES[name]
    assert expected <= codes, [i.message for i in issues]
    assert codes <= expected | {"V052", "V054"}  # references to Organization/1, Practitioner/...


def test_cms1500_example_maps_once_its_coverage_names_the_member():
    resource = _load(CORPUS / "claim-example-cms1500-medical.json")
    resource["contained"][1]["subscriberId"] = "M000000009"
    npi = {"identifier": {"system": "http://hl7.org/fhir/sid/us-npi", "value": "1999999984"}}
    resource["provider"] = npi
    resource["careTeam"][0]["provider"] = npi
    claim, issues = claim_from_fhir(resource)
    assert issues == []
    assert (claim.claim_type, claim.patient_control_number) == ("institutional", "MED-00050")
    assert claim.diagnosis_codes == ["M961", "G894", "M5388", "M47816"]
    assert claim.lines[0].diagnosis_pointers == [2, 4]
    assert (claim.lines[0].procedure_code, claim.place_of_service) == ("62264", "24")
    assert (claim.total_charge_cents, claim.discharge_status) == (1_250_000, "01")
    assert (claim.patient_last_name, claim.patient_birth_date) == ("Ashcraft", date(1954, 6, 11))
    assert (claim.relationship_code, claim.patient_member_number) == ("18", "M000000009")


@pytest.mark.parametrize("name", ["claim-example.json", "claim-example-pharmacy.json",
                                  "claim-example-vision.json"])  # fmt: skip
def test_oral_pharmacy_and_vision_claims_are_not_supported(name):
    _claim, issues = claim_from_fhir(_load(CORPUS / name))
    assert "V004" in edit_codes(operation_outcome(issues))


MUTATIONS = [
    lambda r: r.update(status="bogus"),
    lambda r: r.update(created="2014-02-30"),
    lambda r: r.update(extra=1),
    lambda r: r.pop("use"),
    lambda r: r["item"][0].update(sequence="1"),
    lambda r: r["item"][0].update(net={"value": "12.00"}),
    lambda r: r["item"][0].pop("productOrService"),
    lambda r: r["diagnosis"][0].pop("diagnosisCodeableConcept"),
    lambda r: r.update(identifier={"value": "x"}),
    lambda r: r["careTeam"][0].update(sequence=0),
    lambda r: r["careTeam"][0]["provider"].update(reference=7),
]


@pytest.mark.parametrize("mutate", MUTATIONS)
def test_walker_finds_what_the_r4b_model_refuses(mutate):
    resource = _load(CORPUS / "claim-example-professional.json")
    broken = copy.deepcopy(resource)
    mutate(broken)
    assert validation_issues("Claim", resource) == []
    walked = {issue.expression for issue in resource_issues(broken, ("Claim",))}
    refused_by_model = {issue.expression for issue in validation_issues("Claim", broken)}
    # The walker reports all the model does, and more: value sets, and JSON types the model
    # coerces in lax mode ("1" for an integer, "12.00" for a decimal).
    assert walked and refused_by_model <= walked


ADJUDICATED = dict(
    member_id=7, billing_provider_id=3, coverage_span_id=11, decision="paid", network="in",
    service_from=date(2026, 3, 2), service_to=date(2026, 3, 4), pend_reason=None,
    adjudicated_at=datetime(2026, 3, 6, 12, 0, tzinfo=UTC), billed_cents=16_821,
    allowed_cents=12_000, paid_cents=9_000, patient_responsibility_cents=3_000,
    deductible_cents=1_000, coinsurance_cents=1_500, copay_cents=500,
    contractual_adjustment_cents=4_821, noncovered_cents=0,
)  # fmt: skip
LINES = [
    dict(line_number=1, decision="paid", billed_cents=12_500, allowed_cents=9_000,
         paid_cents=6_500, patient_responsibility_cents=2_500, deductible_cents=1_000,
         coinsurance_cents=1_000, copay_cents=500, contractual_adjustment_cents=3_500,
         noncovered_cents=0, rarc_codes=["N130"],
         adjustments=[{"group": "CO", "carc": "45", "amount_cents": 3_500},
                      {"group": "PR", "carc": "1", "amount_cents": 1_000}]),
    dict(line_number=2, decision="denied", billed_cents=4_321, allowed_cents=0, paid_cents=0,
         patient_responsibility_cents=0, deductible_cents=0, coinsurance_cents=0, copay_cents=0,
         contractual_adjustment_cents=4_321, noncovered_cents=0, rarc_codes=[],
         adjustments=[{"group": "CO", "carc": "27", "amount_cents": 4_321}]),
]  # fmt: skip


@pytest.mark.parametrize("claim", [professional_claim(), institutional_claim()],
                         ids=["professional", "institutional"])  # fmt: skip
def test_our_claim_response_and_eob_validate_against_r4b(claim):
    lines = LINES if claim.claim_type == "professional" else [
        {**LINES[0], "line_number": n} for n in (1, 2, 3)
    ]  # fmt: skip
    response = orjson.loads(orjson.dumps(claim_response(5, claim, ADJUDICATED, lines)))
    eob = orjson.loads(orjson.dumps(
        explanation_of_benefit(5, claim, ADJUDICATED, lines, ADJUDICATED["adjudicated_at"])
    ))  # fmt: skip
    for resource in (response, eob):
        assert resource_issues(resource, (resource["resourceType"],)) == []
        assert validation_issues(resource["resourceType"], resource) == []
    first = eob["item"][0]["adjudication"]
    amounts = {a["category"]["coding"][0]["code"]: a.get("amount", {}).get("value") for a in first}
    assert (amounts["submitted"], amounts["eligible"], amounts["benefit"]) == (125.0, 90.0, 65.0)
    assert (amounts["deductible"], amounts["copay"], amounts["coinsurance"]) == (10.0, 5.0, 10.0)
    reasons = [a["reason"]["text"] for a in first if "reason" in a]
    assert reasons == ["CO-45", "PR-1"]
    assert eob["processNote"][0]["text"].endswith("N130") and eob["item"][0]["noteNumber"] == [1]


def test_denied_line_carries_its_denial_reason():
    response = claim_response(5, professional_claim(), ADJUDICATED, LINES)
    denial = [a for a in response["item"][1]["adjudication"]
              if a["category"]["coding"][0]["code"] == "denialreason"]  # fmt: skip
    assert denial[0]["reason"]["coding"][0]["code"] == "27"
    assert response["payment"]["amount"]["value"] == 90.0 and response["outcome"] == "complete"
