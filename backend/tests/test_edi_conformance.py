"""Conformance through the intake: every 834 and 837 of ../shared/corpus/x12 (real files nobody
here wrote, read in place) stored, validated and answered as a submitted file is. Accepted 837s
are staged with the values the file carries (read off the file by hand, several per file),
accepted 834s applied to members and coverage with history, defective files answered with a
999 that rejects them and nothing staged or applied."""

from datetime import date

import pytest
from sqlalchemy import select

from backend.claims.models import StagedClaim
from backend.edi import service
from backend.edi.drop_folder import EVERYONE
from backend.edi.models import EdiDocument, MemberChange
from backend.members.models import CoverageSpan, Member
from backend.tests import factories as f
from edi import pyx12_check
from edi.tests.helpers import CORPUS
from edi.validation import is_clean

pytestmark = pytest.mark.skipif(
    not CORPUS.is_dir(), reason=f"conformance corpus not found at {CORPUS} (shared/ beside repo)"
)
FILES_837 = sorted(CORPUS.glob("837_*/*")) if CORPUS.is_dir() else []

# What each accepted 837 says (CLM, NM1*85, REF*EI, 2010BA, 2010CA/PAT, HI, SV1, DTP*472).
STAGED = {
    "demo.autoaccident.837": dict(
        patient_control_number="900000032", total_charge_cents=18500,
        billing_provider_npi="1253695747", billing_provider_tax_id="579999999",
        subscriber_member_number="B99977791G", relationship_code="21",
        patient=("DJ", "DIMPSON", date(1948, 6, 1)), diagnosis_codes=["8540"],
        procedures=["99201", "26010"], charges=[15000, 3500], first_day=date(2005, 10, 31),
    ),
    "demo.cob.example3.B.837": dict(
        patient_control_number="26407789", total_charge_cents=7904,
        billing_provider_npi="1999996666", billing_provider_tax_id="123456789",
        subscriber_member_number="222334444", relationship_code="19",
        patient=("TED", "SMITH", date(1973, 5, 1)),
        diagnosis_codes=["4779", "2724", "2780", "53081"],
        procedures=["99213", "90782", "J3301"], charges=[4300, 1500, 2104],
        first_day=date(2005, 10, 3),
    ),
    "demo.cob.example3.C.837": dict(
        patient_control_number="26407789", total_charge_cents=7904,
        billing_provider_npi="1999996666", billing_provider_tax_id="123456789",
        subscriber_member_number="22233444", relationship_code="19",
        patient=("TED", "SMITH", date(1973, 5, 1)),
        diagnosis_codes=["4779", "2724", "2780", "53081"],
        procedures=["99213", "90782", "J3301"], charges=[4300, 1500, 2104],
        first_day=date(2005, 10, 3),
    ),
    "demo.drug.example10.1.837": dict(
        patient_control_number="CLMNO12345", total_charge_cents=10337,
        billing_provider_npi="1234567893", billing_provider_tax_id="587654321",
        subscriber_member_number="MBRID12345", relationship_code="18",
        patient=("Steve", "Vaughn", date(1943, 5, 1)), diagnosis_codes=["03591"],
        procedures=["90782", "J1550"], charges=[5000, 5337], first_day=date(2004, 7, 11),
    ),
    "demo.drug.example10.2.837": dict(
        patient_control_number="CLMNO12345", total_charge_cents=223293,
        billing_provider_npi="1234567893", billing_provider_tax_id="101234567",
        subscriber_member_number="MBRID01234", relationship_code="18", place_of_service="12",
        patient=("Steve", "Smith", date(1943, 5, 1)),
        diagnosis_codes=["4659"], procedures=["S9500", "S5001", "S5000", "S5000", "S5000", "S5000"],
        charges=[140000, 68250, 1512, 6769, 5712, 1050], first_day=date(2004, 2, 1),
        last_day=date(2004, 2, 7), units=[7, 7, 14, 7, 14, 7],
    ),
    "demo.drug.example10.3.837": dict(
        patient_control_number="CLMNO12345", total_charge_cents=223293,
        billing_provider_npi="1234567893", billing_provider_tax_id="101234567",
        subscriber_member_number="MBRID01234", relationship_code="18", place_of_service="12",
        patient=("Steve", "Smith", date(1943, 5, 1)),
        diagnosis_codes=["4659"], procedures=["S9500", "J0696", "J7051", "J3490", "J3490", "J3490"],
        charges=[140000, 68250, 1512, 6769, 5712, 1050], first_day=date(2004, 2, 1),
        last_day=date(2004, 2, 7), units=[7, 56, 28, 7, 14, 7],
    ),
    "demo.example1.837": dict(
        patient_control_number="26463774", total_charge_cents=10000,
        billing_provider_npi="1912301953", billing_provider_tax_id="587654321",
        subscriber_member_number="JS00111223333", relationship_code="19",
        patient=("TED", "SMITH", date(1973, 5, 1)), diagnosis_codes=["0340", "V7389"],
        procedures=["99213", "87070", "99214", "86663"], charges=[4000, 1500, 3500, 1000],
        first_day=date(2006, 10, 3),
    ),
    "demo.example2.837": dict(
        patient_control_number="26462967", total_charge_cents=10000,
        billing_provider_npi="9876543210", billing_provider_tax_id="587654321",
        subscriber_member_number="00221111",
        relationship_code="18", patient=("TED", "SMITH", date(1943, 5, 1)),
        diagnosis_codes=["0340", "V7389"], procedures=["99213", "87072", "99214", "86663"],
        charges=[4000, 1500, 3500, 1000], first_day=date(2006, 10, 3),
    ),
    "demo.example7.837": dict(
        patient_control_number="R03996273 #01", total_charge_cents=52024,
        billing_provider_npi="9992233334", billing_provider_tax_id="389999999",
        subscriber_member_number="111222333A", relationship_code="18",
        patient=("TERRY", "SMITH", date(1938, 1, 5)), diagnosis_codes=["496", "51881", "2859"],
        procedures=["E1390", "E0431"], charges=[46110, 5914], first_day=date(2005, 3, 21),
        modifiers=[["RR"], ["RR"]],
    ),
    "demo.example8.837": dict(
        patient_control_number="SMI123", total_charge_cents=7500,
        billing_provider_npi="7778889999", billing_provider_tax_id="123567989",
        subscriber_member_number="987654321A",
        relationship_code="18", patient=("JAMES", "SMITH", date(1920, 10, 23)),
        diagnosis_codes=["436", "3449"], procedures=["K0001"], charges=[7500],
        first_day=date(2005, 3, 21), modifiers=[["RR", "KH", "BR"]], place_of_service="12",
    ),
}  # fmt: skip
CLAIM_FIELDS = (
    "patient_control_number",
    "total_charge_cents",
    "billing_provider_npi",
    "billing_provider_tax_id",
    "subscriber_member_number",
    "relationship_code",
    "diagnosis_codes",
    "place_of_service",
)


@pytest.fixture(autouse=True)
def edi_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("ASKES_EDI_DIR", str(tmp_path))
    return tmp_path


def _submit(db, path):
    edi_file = service.submit(db, path.read_bytes(), "edi-folder", path.name, None, EVERYONE)
    return service.file_summary(db, *service.file_in_scope(db, EVERYONE, 0, edi_file.id))


def _document(db, file_id: int, kind: str) -> str:
    return db.scalar(
        select(EdiDocument.body).where(EdiDocument.edi_file_id == file_id, EdiDocument.kind == kind)
    )


@pytest.mark.parametrize("path", FILES_837, ids=lambda path: path.name)
def test_every_837_is_staged_or_answered_with_its_rejection(db, path):
    summary = _submit(db, path)
    ack = _document(db, summary["id"], "999")
    assert is_clean(pyx12_check.validate(ack))
    staged = db.scalars(
        select(StagedClaim).where(StagedClaim.source_file_id == summary["id"])
    ).all()
    expected = STAGED.get(path.name)
    if expected is None:
        assert (summary["status"], summary["claims_staged"], staged) == ("rejected", 0, [])
        assert "IK5*R*5~" in ack and "AK9*R*1*1*0~" in ack and "IK3*" in ack
        assert _document(db, summary["id"], "277CA") is None
        return
    assert (summary["status"], summary["transaction"], summary["claims_staged"]) == (
        "accepted",
        "837P",
        1,
    )
    assert "AK9*A*1*1*1~" in ack
    (claim,) = staged
    for name in CLAIM_FIELDS:
        assert getattr(claim, name) == expected.get(name, "11"), name  # CLM05-1: 11, or given
    first, last, born = expected["patient"]
    assert (claim.patient_first_name, claim.patient_last_name) == (first, last)
    assert claim.patient_birth_date == born
    lines = sorted(claim.lines, key=lambda line: line.line_number)
    assert [line.procedure_code for line in lines] == expected["procedures"]
    assert [line.charge_cents for line in lines] == expected["charges"]
    assert sum(expected["charges"]) == claim.total_charge_cents
    assert lines[0].service_from == expected["first_day"]
    assert lines[0].service_to == expected.get("last_day", expected["first_day"])
    if "units" in expected:
        assert [line.units for line in lines] == expected["units"]
    if "modifiers" in expected:
        modifiers = [[m for m in (line.modifier_1, line.modifier_2, line.modifier_3) if m]
                     for line in lines]  # fmt: skip
        assert modifiers == expected["modifiers"]
    answer = _document(db, summary["id"], "277CA")
    assert f"TRN*2*{claim.patient_control_number}~" in answer and "STC*A2:20*" in answer


def _member(db, number: str, subscriber=None, spans=(), **values) -> Member:
    member = f.make_member(db, subscriber, member_number=number, **values)
    plan = f.make_plan(db)
    for start, end in spans:
        db.add(CoverageSpan(member_id=member.id, plan_id=plan.id, effective_date=start,
                            termination_date=end))  # fmt: skip
    db.flush()
    db.expire(member, ["coverage_spans"])
    return member


def _spans(member: Member) -> list:
    return [(span.effective_date, span.termination_date) for span in member.coverage_spans]


def _added_dependent(db):
    subscriber = _member(db, "123456789", spans=[(date(1996, 6, 1), None)])
    return lambda: _check(
        db, "103229876", "021", ("JOHN", "P", "DOE", date(1977, 8, 16), "M"),
        [(date(1996, 6, 1), None)], subscriber_id=subscriber.id, relationship_code="19",
    )  # fmt: skip


def _added_coverage(db):
    _member(db, "2024433307", first_name="WILLIAM", last_name="SMITH")
    return lambda: _check(db, "2024433307", "001", None, [(date(2002, 7, 1), None)])


def _cancelled_dependent(db):
    subscriber = _member(db, "123456789")
    _member(db, "103229876", subscriber, spans=[(date(1996, 6, 1), None)])
    return lambda: _check(
        db, "103229876", "024", ("JAMES", "E", "DOE", date(1977, 8, 16), "M"),
        [(date(1996, 6, 1), date(1996, 8, 1))], before=[["1996-06-01", None]],
    )  # fmt: skip


def _changed_subscriber(db):
    _member(db, "103229876", first_name="JIM", birth_date=date(1950, 1, 1), sex="M",
            spans=[(date(1996, 6, 1), None)])  # fmt: skip
    # 2100B (NM1*70) carries the old, wrong name and birth date (1950-04-16): not applied
    return lambda: _check(
        db, "103229876", "001", ("JAMES", None, "DOE", date(1950, 4, 15), "M"),
        [(date(1996, 6, 1), None)],
    )  # fmt: skip


def _enrolled_with_two_products(db):
    f.make_plan(db)
    return lambda: _check(
        db, "123456789", "021", ("JOHN", "P", "DOE", date(1940, 8, 16), "M"),
        [(date(1996, 6, 1), None)], address_line1="100 MARKET ST", city="CAMP HILL",
        state="PA", postal_code="17011",
    )  # fmt: skip


def _reinstated_coverage(db):
    _member(db, "202443307", spans=[(date(2001, 1, 1), date(2002, 6, 30))])
    spans = [(date(2001, 1, 1), date(2002, 6, 30)), (date(2002, 7, 1), None)]
    return lambda: _check(db, "202443307", "025", None, spans)


def _reinstated_employee(db):
    _member(db, "103229876", spans=[(date(1996, 6, 1), date(1996, 8, 1))])
    spans = [(date(1996, 6, 1), date(1996, 8, 1)), (date(1996, 10, 1), None)]
    return lambda: _check(db, "103229876", "025", None, spans)


def _reinstated_without_dates(db):
    _member(db, "202443307", spans=[(date(2001, 1, 1), date(2002, 6, 30))])
    # the file gives no date: coverage resumes the day it is applied
    spans = [(date(2001, 1, 1), date(2002, 6, 30)), (date.today(), None)]
    return lambda: _check(db, "202443307", "025", None, spans)


def _terminated_subscriber(db):
    _member(db, "103229876", spans=[(date(1996, 6, 1), None)])
    return lambda: _check(db, "103229876", "024", None, [(date(1996, 6, 1), date(1996, 8, 1))])


def _rejected(db):
    def check():
        assert db.scalar(select(Member).where(Member.member_number == "202443307")) is None
        assert db.scalar(select(MemberChange)) is None

    return check


APPLIED_834 = {
    "add-dependent.834": _added_dependent,
    "add-subscriber-coverage.834": _added_coverage,
    "cancel-dependent.834": _cancelled_dependent,
    "change-subscriber-information.834": _changed_subscriber,
    "enroll-employee-managed-care.834": _rejected,  # DTP*358 is not a 2000 date: IK3, rejected
    "enroll-employee-multiple-products.834": _enrolled_with_two_products,
    "reinstate-employee-coverage-level.834": _reinstated_coverage,
    "reinstate-employee.834": _reinstated_employee,
    "reinstate-member-eligiblity-ins.834": _reinstated_without_dates,
    "terminate-subscriber-eligibility.834": _terminated_subscriber,
}


def _check(db, number, maintenance, person, spans, before=None, **values):
    member = db.scalar(select(Member).where(Member.member_number == number))
    db.refresh(member)
    if person is not None:
        first, middle, last, born, sex = person
        assert (member.first_name, member.middle_name, member.last_name) == (first, middle, last)
        assert (member.birth_date, member.sex) == (born, sex)
    for name, value in values.items():
        assert getattr(member, name) == value, name
    assert _spans(member) == spans
    (change,) = db.scalars(select(MemberChange).where(MemberChange.member_number == number))
    assert (change.maintenance_type, change.outcome, change.member_id) == (
        maintenance,
        "applied",
        member.id,
    )
    assert change.after["coverage_spans"] == [
        [start.isoformat(), end.isoformat() if end else None] for start, end in spans
    ]
    if before is not None:
        assert change.before["coverage_spans"] == before


def test_every_834_of_the_corpus_is_checked():
    assert sorted(path.name for path in CORPUS.glob("834_*/*")) == sorted(APPLIED_834)


@pytest.mark.parametrize("name", sorted(APPLIED_834))
def test_every_834_is_applied_with_history_or_answered_with_its_rejection(db, name):
    check = APPLIED_834[name](db)
    (path,) = CORPUS.glob(f"834_*/{name}")
    summary = _submit(db, path)
    ack = _document(db, summary["id"], "999")
    assert is_clean(pyx12_check.validate(ack))
    rejected = APPLIED_834[name] is _rejected
    assert summary["status"] == ("rejected" if rejected else "accepted")
    assert ("AK9*R*1*1*0~" if rejected else "AK9*A*1*1*1~") in ack
    assert summary["transaction"] == "834" and summary["claims_staged"] == 0
    check()
