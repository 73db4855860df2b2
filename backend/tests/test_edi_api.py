"""EDI gateway through the API: upload an 837, read its 999 and 277CA, duplicates, bad input,
scoping, 834 maintenance and an 835 after adjudication — every X12 answer validated by pyx12."""

import hashlib
import io
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from backend.auth.tokens import issue_token
from backend.claims.models import AdjudicatedClaimLine, FailedClaim, FailedClaimReason, StagedClaim
from backend.edi.models import MemberChange
from backend.intake.models import ReceivedDocument
from backend.members.models import Member
from edi import pyx12_check
from edi.claims_out import write_837
from edi.enrollment import MemberMaintenance, write_834
from edi.interchange import Parties
from edi.tests.helpers import CORPUS, professional_claim
from edi.validation import is_clean


@pytest.fixture(autouse=True)
def edi_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("ASKES_EDI_DIR", str(tmp_path))
    return tmp_path


def _claims_for(world, count=2, **overrides):
    subscriber, provider = world.subscriber, world.provider_a
    return [
        professional_claim(
            n,
            billing_provider_npi=provider.npi,
            subscriber_member_number=subscriber.member_number,
            patient_member_number=subscriber.member_number,
            **overrides,
        )
        for n in range(1, count + 1)
    ]


def _upload(client, text: str, number: int = 1):
    return client.post(
        "/api/v1/edi/files",
        data=text.encode("latin-1"),
        headers={"Content-Type": "application/edi-x12", "X-Filename": "c.837"},
    )


def _file_text(claims, number=1):
    parties = Parties(sender_id=f"SUBMIT{number}", receiver_id="ASKES")
    return "".join(write_837(claims, "professional", parties, interchange_number=number))


def test_provider_uploads_837_and_fetches_999_and_277ca(world, as_user, db, edi_folder):
    client = as_user("provider_a")
    response = _upload(client, _file_text(_claims_for(world)))
    assert response.status_code == 201, response.json
    body = response.json
    assert (body["status"], body["transaction"], body["claims_staged"]) == ("accepted", "837P", 2)
    staged = db.scalars(
        select(StagedClaim)
        .where(StagedClaim.source_file_id == body["id"])
        .order_by(StagedClaim.source_position)
    ).all()
    assert [c.patient_control_number for c in staged] == ["PCN1", "PCN2"]
    assert staged[0].channel == "edi" and staged[0].source_control_number == "0001"
    assert staged[0].member_id == world.subscriber.id
    assert staged[0].billing_provider_id == world.provider_a.id
    assert staged[0].lines[1].ndc_code == "00009004701"
    ack = client.get(f"/api/v1/edi/files/{body['id']}/999")
    assert ack.status_code == 200 and "AK9*A*1*1*1~" in ack.text
    assert is_clean(pyx12_check.validate(ack.text))
    status = client.get(f"/api/v1/edi/files/{body['id']}/277ca")
    assert status.text.count("STC*A2:20*") == 2 and f"REF*1K*{staged[0].id}~" in status.text
    assert is_clean(pyx12_check.validate(status.text))
    assert sorted(p.suffix for p in (edi_folder / "outbound").iterdir()) == [
        ".277ca",
        ".277ca",
        ".999",
    ]
    other = as_user("provider_b").get(f"/api/v1/edi/files/{body['id']}")
    assert other.status_code == 404


def test_277ca_reports_validation_rejections(world, as_user, db):
    client = as_user("provider_a")
    file_id = _upload(client, _file_text(_claims_for(world, 1))).json["id"]
    claim = db.scalar(select(StagedClaim).where(StagedClaim.source_file_id == file_id))
    claim.status = "rejected"
    db.add(FailedClaim(claim_id=claim.id))
    db.add(
        FailedClaimReason(
            claim_id=claim.id, edit_code="V010", field="diagnosis_codes", message="bad"
        )
    )
    db.flush()
    text = client.get(f"/api/v1/edi/files/{file_id}/277ca").text
    assert "STC*A7:255*" in text and "REF*1K" not in text
    assert is_clean(pyx12_check.validate(text))


def test_repeated_file_and_reused_control_number_are_not_processed_twice(world, as_user, db):
    client = as_user("insurer")
    text = _file_text(_claims_for(world), number=7)
    first = _upload(client, text).json
    again = _upload(client, text)
    assert again.status_code == 201 and again.json["status"] == "duplicate"
    assert again.json["outcome"]["duplicate_of"] == first["id"]
    reused = _upload(client, _file_text(_claims_for(world, 1), number=7))
    assert reused.json["status"] == "duplicate"
    ta1 = client.get(f"/api/v1/edi/files/{reused.json['id']}/ta1").text
    assert "*R*025~" in ta1
    staged = db.scalars(select(StagedClaim.source_file_id).where(StagedClaim.channel == "edi"))
    assert set(staged) == {first["id"]}


def test_provider_may_not_submit_for_another_provider(world, as_user, db):
    claims = _claims_for(world, 1)
    claims[0].billing_provider_npi = world.provider_b.npi
    response = _upload(as_user("provider_a"), _file_text(claims))
    assert response.status_code == 403
    assert db.scalar(select(StagedClaim).where(StagedClaim.channel == "edi")) is None


def _kept(db, data: bytes) -> ReceivedDocument:
    digest = hashlib.sha256(data).hexdigest()
    (document,) = db.scalars(select(ReceivedDocument).where(ReceivedDocument.sha256 == digest))
    assert bytes(document.body) == data and document.size_bytes == len(data)
    return document


@pytest.mark.parametrize(
    ("data", "reason"),
    [(b"not x12", "not an X12 interchange"), (b"\x00\x01" * 300, "binary")],
    ids=["text", "binary"],
)
def test_junk_is_kept_and_answered(world, as_user, db, data, reason):
    response = as_user("provider_a").post("/api/v1/edi/files", data=data)
    assert response.status_code == 422 and reason in response.json["message"]
    assert _kept(db, data).status == "rejected"


def test_oversized_file_gets_413_and_is_kept(world, as_user, monkeypatch, db):
    monkeypatch.setenv("ASKES_EDI_MAX_BYTES", "100")
    text = _file_text(_claims_for(world, 1))
    response = _upload(as_user("provider_a"), text)
    assert response.status_code == 413 and "kept" in response.json["message"]
    assert _kept(db, text.encode("latin-1")).status == "rejected"
    assert db.scalar(select(StagedClaim).where(StagedClaim.channel == "edi")) is None


def test_provider_token_uploads_multipart_for_its_own_providers_only(world, client, db):
    token = issue_token(db, world.users["provider_a"], "billing system", ["edi:submit"])
    headers = {"Authorization": f"Bearer {token.plaintext}"}

    def post(text: str):
        upload = {"file": (io.BytesIO(text.encode("latin-1")), "claims.837")}
        return client.post("/api/v1/edi/files", data=upload, headers=headers,
                           content_type="multipart/form-data")  # fmt: skip

    accepted = post(_file_text(_claims_for(world), number=31))
    assert accepted.status_code == 201, accepted.json
    assert (accepted.json["filename"], accepted.json["claims_staged"]) == ("claims.837", 2)
    other = _claims_for(world, 1)
    other[0].billing_provider_npi = world.provider_b.npi
    refused_text = _file_text(other, number=32)
    refused = post(refused_text)
    assert refused.status_code == 403 and world.provider_b.npi in refused.json["message"]
    assert _kept(db, refused_text.encode("latin-1")).outcome["refusal"] == "forbidden"
    staged = db.scalars(select(StagedClaim.source_file_id).where(StagedClaim.channel == "edi"))
    assert set(staged) == {accepted.json["id"]}


def test_partially_accepted_file_stages_only_good_sets(world, as_user, db):
    claims = _claims_for(world, 2)
    text = "".join(write_837(claims, "professional", Parties(sender_id="S9"), 9, claims_per_set=1))
    text = text.replace("SE*", "SE*9", 1)
    body = _upload(as_user("insurer"), text).json
    assert body["status"] == "partially_accepted" and body["claims_staged"] == 1
    ack = as_user("insurer").get(f"/api/v1/edi/files/{body['id']}/999").text
    assert "AK9*P*2*2*1~" in ack
    assert is_clean(pyx12_check.validate(ack))


def test_834_adds_then_terminates_with_history(world, as_user, db):
    add = MemberMaintenance(
        "021",
        "E834001",
        "E834001",
        True,
        "18",
        first_name="NINA",
        last_name="NEW",
        birth_date=date(1990, 4, 5),
        sex="F",
        coverage_start=date(2026, 1, 1),
        effective_date=date(2026, 1, 1),
    )
    term = MemberMaintenance(
        "024",
        "E834001",
        "E834001",
        True,
        "18",
        reason_code="07",
        last_name="NEW",
        first_name="NINA",
        coverage_end=date(2026, 6, 30),
        effective_date=date(2026, 6, 30),
    )
    client = as_user("insurer")
    first = _upload(client, write_834([add], Parties(sender_id="HR1"), 11))
    assert first.json["status"] == "accepted", first.json
    second = _upload(client, write_834([term], Parties(sender_id="HR1"), 12))
    assert second.json["status"] == "accepted", second.json
    member = db.scalar(select(Member).where(Member.member_number == "E834001"))
    assert (member.first_name, member.birth_date) == ("NINA", date(1990, 4, 5))
    assert [(s.effective_date, s.termination_date) for s in member.coverage_spans] == [
        (date(2026, 1, 1), date(2026, 6, 30))
    ]
    changes = db.scalars(
        select(MemberChange).where(MemberChange.member_id == member.id).order_by(MemberChange.id)
    ).all()
    assert [c.maintenance_type for c in changes] == ["021", "024"]
    assert changes[1].before["coverage_spans"] == [["2026-01-01", None]]


def test_834_audit_file_adds_what_is_missing_and_corrects_the_rest(world, as_user, db):
    def audit(number, first_name, birth_date):
        return MemberMaintenance(
            "030", number, number, True, "18", first_name=first_name, last_name="AUDIT",
            birth_date=birth_date, sex="M", coverage_start=date(2026, 1, 1),
        )  # fmt: skip

    known = world.subscriber.member_number
    records = [audit(known, "SAMUEL", date(1970, 1, 2)), audit("E834900", "AL", date(1999, 9, 9))]
    response = _upload(as_user("insurer"), write_834(records, Parties(sender_id="HR9"), 13))
    assert response.json["status"] == "accepted", response.json
    db.expire_all()
    corrected = db.get(Member, world.subscriber.id)
    assert (corrected.first_name, corrected.birth_date) == ("SAMUEL", date(1970, 1, 2))
    assert len(corrected.coverage_spans) == 1  # already covered: no second span
    added = db.scalar(select(Member).where(Member.member_number == "E834900"))
    assert (added.first_name, added.last_name, added.relationship_code) == ("AL", "AUDIT", "18")
    assert [(s.effective_date, s.termination_date) for s in added.coverage_spans] == [
        (date(2026, 1, 1), None)
    ]
    changes = db.scalars(
        select(MemberChange).where(MemberChange.edi_file_id == response.json["id"])
    )
    assert {(c.member_number, c.maintenance_type, c.outcome) for c in changes} == {
        (known, "030", "applied"),
        ("E834900", "030", "applied"),
    }


def test_835_after_adjudication(world, as_user, db):
    staged = world.claims["a_subscriber"]
    adjudicated = db.get(type(db.scalar(select(StagedClaim).limit(0)) or staged), staged.id)
    from backend.claims.models import AdjudicatedClaim

    claim = db.scalar(select(AdjudicatedClaim).where(AdjudicatedClaim.id == staged.id))
    claim.batch_id = 42
    for line in staged.lines:
        db.add(
            AdjudicatedClaimLine(
                claim_id=claim.id,
                line_number=line.line_number,
                service_month=claim.service_month,
                procedure_code="99213",
                service_from=claim.service_from,
                service_to=claim.service_to,
                units=Decimal("1"),
                decision="paid",
                billed_cents=12_500,
                allowed_cents=9_000,
                paid_cents=7_200,
                patient_responsibility_cents=1_800,
                coinsurance_cents=1_800,
                contractual_adjustment_cents=3_500,
                rarc_codes=["N130"],
            )
        )
    db.flush()
    del adjudicated
    created = as_user("insurer").post("/api/v1/edi/remittances", json={"batch_id": 42})
    assert created.status_code == 201, created.json
    (item,) = created.json["items"]
    text = as_user("provider_a").get(f"/api/v1/edi/remittances/{item['id']}").text
    assert "BPR*I*144*C*CHK" in text and f"*{claim.id}*11*1~" in text
    assert text.count("CAS*CO*45*35~") == 2 and "LQ*HE*N130~" in text
    assert is_clean(pyx12_check.validate(text))
    assert as_user("provider_b").get(f"/api/v1/edi/remittances/{item['id']}").status_code == 404


@pytest.mark.skipif(not CORPUS.is_dir(), reason="conformance corpus not found")
def test_corpus_file_through_the_api(world, as_user, db):
    (path,) = CORPUS.glob("837_*/demo.example1.837")
    body = _upload(as_user("insurer"), path.read_text("latin-1")).json
    assert (body["status"], body["claims_staged"]) == ("accepted", 1)
    claim = db.scalar(select(StagedClaim).where(StagedClaim.source_file_id == body["id"]))
    assert (claim.patient_first_name, claim.relationship_code) == ("TED", "19")
    assert claim.source_position == 1 and claim.member_id is None
    (same_icn,) = CORPUS.glob("837_*/demo.example2.837")  # the corpus reuses ISA13 000000907
    assert _upload(as_user("insurer"), same_icn.read_text("latin-1")).json["status"] == "duplicate"


@pytest.mark.skipif(not CORPUS.is_dir(), reason="conformance corpus not found")
def test_defective_corpus_file_through_the_api(world, as_user, db):
    (bad,) = CORPUS.glob("837_*/institutional-claim.837i")
    rejected = _upload(as_user("insurer"), bad.read_text("latin-1"))
    assert rejected.json["status"] == "rejected" and rejected.json["claims_staged"] == 0
    ack = as_user("insurer").get(f"/api/v1/edi/files/{rejected.json['id']}/999").text
    assert "IK3*N4*10**8~" in ack and "AK9*R*1*1*0~" in ack


def test_drop_folder_archives_and_answers(world, db, edi_folder):
    from backend.edi.drop_folder import scan_drop_folder
    from backend.intake.models import ReceivedDocument

    inbound = edi_folder / "inbound"
    inbound.mkdir()
    (inbound / "claims.837").write_text(_file_text(_claims_for(world, 1), number=21))
    (file_id,) = scan_drop_folder()
    assert list(inbound.iterdir()) == []
    assert [p.name.endswith("-claims.837") for p in (edi_folder / "archive").iterdir()] == [True]
    assert db.get(ReceivedDocument, file_id).status == "accepted"
    answers = sorted(p.suffix for p in (edi_folder / "outbound").iterdir())
    assert answers == [".277ca", ".999"]


def test_a_dropped_file_announces_its_answer_to_subscribers_of_every_claim(
    world, db, edi_folder, redis_client, redis_url, monkeypatch
):
    from rq import Queue

    from backend.edi.drop_folder import scan_drop_folder
    from backend.webhooks.models import WebhookDelivery, WebhookSubscription

    monkeypatch.setenv("REDIS_URL", redis_url)  # a job: settings from the environment
    scopes = {"all": None, "provider_a": world.provider_a.id}
    subscriptions = {name: WebhookSubscription(
        owner_user_id=world.users["admin"].id, provider_id=provider, url="http://127.0.0.1:9/h",
        secret="whsec_x", events=["edi.file.answered"], is_active=True, consecutive_failures=0,
    ) for name, provider in scopes.items()}  # fmt: skip
    db.add_all(subscriptions.values())
    db.flush()
    queued_before = Queue("webhooks", connection=redis_client).count
    inbound = edi_folder / "inbound"
    inbound.mkdir()
    (inbound / "claims.837").write_text(_file_text(_claims_for(world, 1), number=22))
    (file_id,) = scan_drop_folder()
    deliveries = db.scalars(
        select(WebhookDelivery).where(WebhookDelivery.event == "edi.file.answered")
    ).all()
    assert [d.subscription_id for d in deliveries] == [subscriptions["all"].id]
    assert deliveries[0].payload["data"] == {"edi_file_id": file_id, "status": "accepted"}
    assert Queue("webhooks", connection=redis_client).count == queued_before + 1


def test_dropped_junk_and_repeats_are_answered_in_outbound(world, db, edi_folder):
    import json

    from backend.edi.drop_folder import scan_drop_folder

    inbound, outbound = edi_folder / "inbound", edi_folder / "outbound"
    inbound.mkdir()
    (inbound / "notes.txt").write_text("this is not X12")
    (junk_id,) = scan_drop_folder()
    (note_path,) = outbound.glob("*notes.txt.*.json")
    note = json.loads(note_path.read_text())
    assert note["stored_as"] == junk_id and note["status"] == "rejected" and note["outcome"]
    (inbound / "again.txt").write_text("this is not X12")
    scan_drop_folder()
    assert len(list(outbound.glob("*again.txt.*.json"))) == 1
