"""Conformance on real files nobody here wrote (../shared/corpus/x12, read in place): every 837
and 834 gets the verdict pyx12 gives it; accepted 837s yield the right canonical values."""

from datetime import date

import pytest

from edi import pyx12_check
from edi.fast_validation import fast_validator
from edi.tests.helpers import CORPUS, claims_of, comparable, read

pytestmark = pytest.mark.skipif(
    not CORPUS.is_dir(), reason=f"conformance corpus not found at {CORPUS} (shared/ beside repo)"
)
FILES = sorted(CORPUS.glob("83[47]_*/*")) if CORPUS.is_dir() else []
ACCEPTED_837 = {
    "demo.autoaccident.837",
    "demo.cob.example3.B.837",
    "demo.cob.example3.C.837",
    "demo.drug.example10.1.837",
    "demo.drug.example10.2.837",
    "demo.drug.example10.3.837",
    "demo.example1.837",
    "demo.example2.837",
    "demo.example7.837",
    "demo.example8.837",
}


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.name)
def test_every_file_gets_pyx12s_verdict(path):
    reading, results = read(path.read_bytes())
    reference = pyx12_check.validate(path.read_text("latin-1"))
    assert reading.interchange.ta1_code is None
    assert results, "no transaction set read"
    for result in results:
        expected = reference.verdicts[result.transaction_set.control_number]
        assert result.verdict.status == expected.status
        assert result.verdict.segments == expected.segments
        if not result.accepted:
            assert result.claims == []
    answers = reading.group_answers()
    assert [answer.status for answer in answers] == [
        "A" if all(r.accepted for r in results) else "R"
    ]
    _, fast = read(path.read_bytes(), fast_validator)  # the fast validator: pyx12's verdict
    assert [comparable(r.verdict) for r in fast] == [comparable(r.verdict) for r in results]


def test_which_837s_are_accepted():
    accepted = set()
    for path in FILES:
        if path.parent.name.startswith("837"):
            _, results = read(path.read_bytes())
            if all(result.accepted for result in results):
                accepted.add(path.name)
    assert accepted == ACCEPTED_837


def _claims(name: str):
    (path,) = CORPUS.glob(f"837_*/{name}")
    _, results = read(path.read_bytes())
    return claims_of(results)


def test_example1_dependent_claim_under_the_patient_loop():
    (claim,) = _claims("demo.example1.837")
    assert claim.claim_type == "professional"
    assert (claim.patient_control_number, claim.total_charge_cents) == ("26463774", 10000)
    assert claim.subscriber_member_number == "JS00111223333"
    assert (claim.relationship_code, claim.patient_member_number) == ("19", None)
    assert (claim.patient_first_name, claim.patient_last_name) == ("TED", "SMITH")
    assert claim.patient_birth_date == date(1973, 5, 1) and claim.patient_sex == "M"
    assert claim.billing_provider_npi == "1912301953"
    assert claim.billing_provider_tax_id == "587654321"
    assert claim.diagnosis_codes == ["0340", "V7389"]
    assert claim.place_of_service == "11" and claim.frequency_code == "1"
    assert [line.procedure_code for line in claim.lines] == ["99213", "87070", "99214", "86663"]
    assert [line.charge_cents for line in claim.lines] == [4000, 1500, 3500, 1000]
    assert [line.diagnosis_pointers for line in claim.lines] == [[1], [1], [2], [2]]
    assert claim.lines[2].service_from == date(2006, 10, 10)


def test_example2_subscriber_is_the_patient():
    (claim,) = _claims("demo.example2.837")
    assert (claim.relationship_code, claim.patient_member_number) == ("18", "00221111")
    assert claim.subscriber_member_number == "00221111"
    assert claim.billing_provider_npi == "9876543210"
    assert sum(line.charge_cents for line in claim.lines) == claim.total_charge_cents == 10000


def test_drug_claim_keeps_ndc_and_units():
    (claim,) = _claims("demo.drug.example10.1.837")
    assert claim.patient_control_number == "CLMNO12345"
    assert claim.lines[1].procedure_code == "J1550"
    assert claim.lines[1].ndc_code == "00026063512"
    assert claim.total_charge_cents == 10337


def test_modifiers_in_order():
    (claim,) = _claims("demo.example8.837")
    assert claim.lines[0].modifiers == ["RR", "KH", "BR"]
    assert claim.place_of_service == "12"


def test_cob_loops_do_not_overwrite_the_claim():
    (claim,) = _claims("demo.cob.example3.B.837")
    assert claim.subscriber_member_number == "222334444"
    assert claim.billing_provider_npi == "1999996666"
    assert claim.diagnosis_codes == ["4779", "2724", "2780", "53081"]
    assert len(claim.lines) == 3


def test_defective_institutional_file_is_answered_with_its_errors():
    (path,) = CORPUS.glob("837_*/institutional-claim.837i")
    _, (result,) = read(path.read_bytes())
    assert result.verdict.status == "R" and result.verdict.syntax_codes == ["5"]
    found = {(s.segment_id, s.position) for s in result.verdict.segments}
    assert {("N4", 10), ("CLM", 20), ("DTP", 21)} <= found


def _parsed_set(name: str):
    """The claims of a file's first transaction set read by the mapping alone (no validation)."""
    from edi.claims_in import parse_claims
    from edi.segments import Delimiters

    (path,) = CORPUS.glob(f"837_*/{name}")
    found = [s.strip().split("*") for s in path.read_text("latin-1").split("~") if s.strip()]
    start = next(i for i, segment in enumerate(found) if segment[0] == "ST")
    end = next(i for i, segment in enumerate(found) if segment[0] == "SE")
    version = found[start][3]
    return [parsed.claim for parsed in parse_claims(found[start : end + 1], version, Delimiters())]


def test_cob_loops_give_the_other_payers_paid_amounts_and_adjustments():
    (claim,) = _claims("demo.cob.example3.B.837")  # SBR*S: we are the secondary payer
    assert claim.other_payer_paid_cents == 3_915  # 2320 AMT*D
    assert claim.other_payer_adjustments == [
        {"group": "PR", "carc": "1", "amount_cents": 2_189},
        {"group": "PR", "carc": "2", "amount_cents": 1_500},
    ]
    assert [line.other_payer_paid_cents for line in claim.lines] == [4_000, 1_500, 2_104]
    assert [line.other_payer_adjustments for line in claim.lines] == [
        [{"group": "CO", "carc": "42", "amount_cents": 300}],
        None,
        None,
    ]
    assert {line.other_payer_paid_date for line in claim.lines} == {date(2005, 10, 15)}
    assert claim.lines[0].procedure_code == "99213"  # the SVD's procedure is not the line's


def test_cob_example4_is_refused_by_pyx12_but_its_cob_loops_map():
    """pyx12 refuses example 4 (2320 AMT*F2 is not a 5010 qualifier), so it is answered with a
    999 and never staged; the mapping still reads its Medicare-secondary COB loops."""
    (claim,) = _parsed_set("demo.cob.example4.837")
    assert claim.other_payer_paid_cents == 8_000  # AMT*D 80.00; AMT*F2 is not a paid amount
    assert claim.other_payer_adjustments is None  # its CAS are at the line (2430)
    (line,) = claim.lines
    assert line.other_payer_paid_cents == 8_000
    assert line.other_payer_adjustments == [
        {"group": "CO", "carc": "42", "amount_cents": 2_500},
        {"group": "PR", "carc": "2", "amount_cents": 1_500},
    ]


def test_a_primary_claims_other_payer_loops_are_not_a_payment():
    (claim,) = _claims("demo.example1.837")
    assert claim.other_payer_paid_cents is None
    assert all(line.other_payer_paid_cents is None for line in claim.lines)
