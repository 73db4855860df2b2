"""The EDI journey of issue 5 end to end: a provider uploads an 837, gets its 999 and 277CA,
the insurer runs a batch through the real pipeline, and the provider's 835 (validated by pyx12)
pays exactly what production recorded."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from backend.canonical.claim import ClaimLine
from backend.claims.models import AdjudicatedClaim, StagedClaim
from backend.members.models import Accumulator, CoverageSpan
from backend.plans.models import Plan
from backend.tests.test_batches import TransactionEngine
from backend.tests.test_edi_api import _file_text, _upload
from edi import pyx12_check
from edi.tests.helpers import professional_claim
from edi.validation import is_clean
from workers.chunks import work_batch_chunks


@pytest.fixture(autouse=True)
def edi_folder(tmp_path, monkeypatch):
    """The answers go to a folder of the test's own, not var/edi/outbound."""
    monkeypatch.setenv("ASKES_EDI_DIR", str(tmp_path))
    return tmp_path


def office_visit_claims(world, count: int):
    day = date(2026, 3, 2)
    return [
        professional_claim(
            n, billing_provider_npi=world.provider_a.npi, diagnosis_codes=["E119"],
            subscriber_member_number=world.subscriber.member_number,
            patient_member_number=world.subscriber.member_number,
            total_charge_cents=15_000 + n,  # distinct charges: not duplicates of each other
            lines=[ClaimLine(1, 15_000 + n, Decimal("1"), procedure_code="99213",
                             service_from=day, service_to=day, diagnosis_pointers=[1])],
        )
        for n in range(1, count + 1)
    ]  # fmt: skip


def test_837_upload_then_batch_then_835(priced_world, as_user, db, connection, redis_client):
    provider, insurer = as_user("provider_a"), as_user("insurer")
    uploaded = _upload(provider, _file_text(office_visit_claims(priced_world, 3)))
    assert uploaded.status_code == 201 and uploaded.json["claims_staged"] == 3, uploaded.json
    file_id = uploaded.json["id"]
    assert "AK9*A*1*1*1~" in provider.get(f"/api/v1/edi/files/{file_id}/999").text
    assert provider.get(f"/api/v1/edi/files/{file_id}/277ca").text.count("STC*A2:20*") == 3

    claim_ids = list(
        db.scalars(select(StagedClaim.id).where(StagedClaim.source_file_id == file_id))
    )
    deductible_met(db, priced_world.subscriber)
    batch = insurer.post("/api/v1/batches", json={"claim_ids": claim_ids}).json
    work_batch_chunks(TransactionEngine(connection), redis_client, batch["id"])
    done = insurer.get(f"/api/v1/batches/{batch['id']}").json
    assert done["status"] == "done" and done["reconciliation"]["balanced"], done

    created = insurer.post("/api/v1/edi/remittances", json={"batch_id": batch["id"]})
    assert created.status_code == 201, created.json
    (remittance,) = created.json["items"]
    text = provider.get(f"/api/v1/edi/remittances/{remittance['id']}").text
    assert is_clean(pyx12_check.validate(text))

    production = db.execute(
        select(AdjudicatedClaim.patient_control_number, AdjudicatedClaim.billed_cents,
               AdjudicatedClaim.paid_cents, AdjudicatedClaim.patient_responsibility_cents)
        .where(AdjudicatedClaim.id.in_(claim_ids))
    ).all()  # fmt: skip
    assert len(production) == 3 and all(row.paid_cents > 0 for row in production)
    clp = {fields[1]: [cents(v) for v in fields[3:6]] for fields in segments(text, "CLP")}
    assert clp == {row[0]: list(row[1:]) for row in production}
    (bpr,) = segments(text, "BPR")
    assert cents(bpr[2]) == sum(row.paid_cents for row in production)


def segments(text: str, segment_id: str) -> list[list[str]]:
    found = (s.strip().split("*") for s in text.split("~"))
    return [fields for fields in found if fields[0] == segment_id]


def cents(amount: str) -> int:
    return int(Decimal(amount) * 100)


def deductible_met(db, member) -> None:
    plan_id = db.scalar(select(CoverageSpan.plan_id).where(CoverageSpan.member_id == member.id))
    plan = db.get(Plan, plan_id)
    db.add(Accumulator(member_id=member.id, plan_id=plan_id, plan_year=2026, network="in",
                       deductible_cents=plan.individual_deductible_cents, oop_cents=plan.individual_deductible_cents))  # fmt: skip  # noqa: E501
    db.flush()
