"""Who a claim is for, decided once at intake for every channel (backend/intake/parties.py):
a dependent's claim is adjudicated as the dependent (their coverage, their accumulators, their
EOB), and a patient that matches no member, or more than one, is rejected with its own edit
instead of being adjudicated as someone else (issue 14; issue 15 finding 5)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from askes_fhir.claim_out import claim_to_fhir
from sqlalchemy import select

from backend.canonical.claim import ClaimLine
from backend.claims.models import AdjudicatedClaim, FailedClaimReason, StagedClaim
from backend.claims.submit import adjudicate_now
from backend.members.models import Accumulator
from backend.tests import factories as f
from backend.tests.fhir_helpers import bearer, post_json, world_claim
from backend.tests.test_batches import TransactionEngine
from backend.tests.test_edi_api import _file_text, _upload
from backend.tests.test_submit import claim_body
from edi.tests.helpers import professional_claim
from workers.chunks import work_batch_chunks


@pytest.fixture(autouse=True)
def edi_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("ASKES_EDI_DIR", str(tmp_path))
    return tmp_path


def accumulators(db) -> dict[int, tuple[int, int]]:
    """(deductible, out-of-pocket) cents by member, in network, 2026."""
    rows = db.execute(
        select(Accumulator.member_id, Accumulator.deductible_cents, Accumulator.oop_cents).where(
            Accumulator.plan_year == 2026, Accumulator.network == "in"
        )
    ).all()
    return {member_id: (deductible, oop) for member_id, deductible, oop in rows}


def adjudicated(db, claim_id: int) -> AdjudicatedClaim:
    return db.scalars(select(AdjudicatedClaim).where(AdjudicatedClaim.id == claim_id)).one()


def dependent_body(world, **overrides):
    """The child's office visit as a REST body: no member number of their own (as an 837 loop
    2000C sends it), found by relationship, name and birth date under the subscriber."""
    child = world.child
    patient = {
        "patient_control_number": "PCN-KID-1", "relationship_code": "19",
        "patient_first_name": child.first_name.upper(), "patient_last_name": child.last_name,
        "patient_birth_date": child.birth_date.isoformat(),
    }  # fmt: skip
    return claim_body(world, **{**patient, **overrides})


def reasons(response) -> set[str]:
    return {reason["edit_code"] for reason in response.json["failure_reasons"]}


def test_a_dependents_rest_claim_moves_the_dependents_accumulators_only(priced_world, as_user, db):
    before = accumulators(db)
    response = as_user("provider_a").post("/api/v1/claims", json=dependent_body(priced_world))
    assert response.status_code == 201, response.json
    assert response.json["status"] == "processed" and response.json["decision"] == "paid"
    production = adjudicated(db, response.json["id"])
    assert production.member_id == priced_world.child.id
    after = accumulators(db)
    responsibility = production.patient_responsibility_cents
    assert responsibility > 0 and after[priced_world.child.id][1] == responsibility
    assert after.get(priced_world.subscriber.id) == before.get(priced_world.subscriber.id)


def test_a_dependent_named_by_member_number_is_adjudicated_as_the_dependent(
    priced_world, as_user, db
):
    body = claim_body(
        priced_world, patient_member_number=priced_world.child.member_number,
        relationship_code="19",
    )  # fmt: skip
    response = as_user("provider_a").post("/api/v1/claims", json=body)
    assert response.status_code == 201 and response.json["status"] == "processed"
    assert adjudicated(db, response.json["id"]).member_id == priced_world.child.id


def test_an_unknown_member_number_is_a_rejection_with_its_edit_not_a_500(priced_world, as_user):
    """Issue 15 finding 5: the chunk of one had no coverage at all (IndexError)."""
    body = claim_body(priced_world, subscriber_member_number="NOSUCHMEMBER")
    response = as_user("provider_a").post("/api/v1/claims", json=body)
    assert response.status_code == 201, response.json
    assert response.json["status"] == "rejected" and reasons(response) == {"V053"}


def test_a_dependent_who_is_not_of_the_family_is_rejected_with_v055(priced_world, as_user, db):
    before = accumulators(db)
    body = dependent_body(priced_world, patient_birth_date="2001-01-01")
    response = as_user("provider_a").post("/api/v1/claims", json=body)
    assert response.json["status"] == "rejected" and reasons(response) == {"V055"}
    # a member number of another family is not this subscriber's patient either
    other = claim_body(priced_world, patient_member_number=priced_world.other_member.member_number)
    response = as_user("provider_a").post("/api/v1/claims", json=other)
    assert response.json["status"] == "rejected" and reasons(response) == {"V055"}
    assert accumulators(db) == before  # nobody's totals moved


def test_a_patient_matching_two_members_is_rejected_with_v056(priced_world, as_user, db):
    child = priced_world.child
    twin = f.make_member(db, priced_world.subscriber, first_name=child.first_name.lower(),
                         last_name=child.last_name, birth_date=child.birth_date)  # fmt: skip
    assert twin.id != child.id
    response = as_user("provider_a").post("/api/v1/claims", json=dependent_body(priced_world))
    assert response.json["status"] == "rejected" and reasons(response) == {"V056"}


def test_a_dependents_837_claim_is_adjudicated_as_the_dependent_and_answered_as_sent(
    priced_world, as_user, db, connection, redis_client
):
    child, day = priced_world.child, date(2026, 3, 2)
    claims = [
        professional_claim(
            n, billing_provider_npi=priced_world.provider_a.npi, diagnosis_codes=["E119"],
            subscriber_member_number=priced_world.subscriber.member_number,
            patient_member_number=None, relationship_code="19",
            patient_first_name=first, patient_last_name=child.last_name.upper(),
            patient_birth_date=born, total_charge_cents=15_000,
            lines=[ClaimLine(1, 15_000, Decimal("1"), procedure_code="99213",
                             service_from=day, service_to=day, diagnosis_pointers=[1])],
        )
        for n, first, born in ((1, "KID", child.birth_date), (2, "NOBODY", child.birth_date))
    ]  # fmt: skip
    provider, insurer = as_user("provider_a"), as_user("insurer")
    uploaded = _upload(provider, _file_text(claims))
    assert uploaded.status_code == 201 and uploaded.json["claims_staged"] == 2, uploaded.json
    staged = db.scalars(
        select(StagedClaim)
        .where(StagedClaim.source_file_id == uploaded.json["id"])
        .order_by(StagedClaim.source_position)
    ).all()
    assert [claim.member_id for claim in staged] == [child.id, None]
    before = accumulators(db)
    batch = insurer.post("/api/v1/batches", json={"claim_ids": [c.id for c in staged]}).json
    work_batch_chunks(TransactionEngine(connection), redis_client, batch["id"])
    done = insurer.get(f"/api/v1/batches/{batch['id']}").json
    assert done["status"] == "done" and done["reconciliation"]["balanced"], done

    production = adjudicated(db, staged[0].id)
    assert production.member_id == child.id and production.decision == "paid"
    after = accumulators(db)
    assert after[child.id][1] == production.patient_responsibility_cents
    assert after.get(priced_world.subscriber.id) == before.get(priced_world.subscriber.id)

    answer = provider.get(f"/api/v1/edi/files/{uploaded.json['id']}/277ca").text
    assert f"NM1*QC*1*{child.last_name.upper()}*KID" in answer  # the patient as sent
    assert "STC*A7:125:QC" in answer  # the unmatched patient, with its own status
    remittance = insurer.post("/api/v1/edi/remittances", json={"batch_id": batch["id"]})
    (item,) = remittance.json["items"]
    text = provider.get(f"/api/v1/edi/remittances/{item['id']}").text
    assert f"NM1*QC*1*{child.last_name.upper()}*KID" in text


@pytest.mark.parametrize("with_member_number", [True, False])
def test_a_fhir_claim_whose_patient_is_a_dependent_is_adjudicated_as_the_dependent(
    priced_world, app, db, with_member_number
):
    child = priced_world.child
    claim = world_claim(
        priced_world, member=child, relationship_code="19",
        subscriber_member_number=priced_world.subscriber.member_number,
        patient_member_number=child.member_number if with_member_number else None,
    )  # fmt: skip
    client = bearer(app, db, priced_world.users["provider_a"], ["system/Claim.write"])
    response = post_json(client, "/fhir/Claim", claim_to_fhir(claim))
    assert response.status_code == 201, response.json
    claim_id = int(response.json["id"])
    assert db.get(StagedClaim, claim_id).member_id == child.id
    with app.app_context():
        adjudicate_now(claim_id)
    assert adjudicated(db, claim_id).member_id == child.id


def test_a_fhir_claim_for_an_unknown_patient_is_rejected_with_v055(priced_world, app, db):
    claim = world_claim(
        priced_world, member=priced_world.child, relationship_code="19",
        subscriber_member_number=priced_world.subscriber.member_number,
        patient_member_number=None, patient_first_name="Nobody",
    )  # fmt: skip
    client = bearer(app, db, priced_world.users["provider_a"], ["system/Claim.write"])
    response = post_json(client, "/fhir/Claim", claim_to_fhir(claim))
    claim_id = int(response.json["id"])
    with app.app_context():
        adjudicate_now(claim_id)
    assert db.get(StagedClaim, claim_id).status == "rejected"
    codes = db.scalars(
        select(FailedClaimReason.edit_code).where(FailedClaimReason.claim_id == claim_id)
    ).all()
    assert codes == ["V055"]


@pytest.mark.parametrize(
    ("overrides", "edit_code"),
    [
        ({"subscriber_member_number": "NOSUCHMEMBER", "patient_member_number": "NOSUCHMEMBER"},
         "V053"),
        ({"patient_member_number": None, "relationship_code": "19", "patient_first_name": "Nobody"},
         "V055"),
    ],
)  # fmt: skip
def test_fhir_submit_for_an_unmatched_patient_answers_its_edit_not_a_500(
    priced_world, app, db, overrides, edit_code
):
    """Issue 15 finding 5 on the FHIR channel: $submit adjudicates at once; a patient no member
    matches is a ClaimResponse with the edit, never a 500 or someone else's adjudication."""
    claim = world_claim(priced_world, member=priced_world.child, **overrides)
    claim.subscriber_member_number = overrides.get(
        "subscriber_member_number", priced_world.subscriber.member_number
    )
    client = bearer(app, db, priced_world.users["provider_a"])
    response = post_json(client, "/fhir/Claim/$submit", claim_to_fhir(claim))
    assert response.status_code == 200, response.json
    assert response.json["resourceType"] == "ClaimResponse"
    assert response.json["outcome"] == "error"
    assert [e["code"]["coding"][0]["code"] for e in response.json["error"]] == [edit_code]
