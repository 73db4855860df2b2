"""Payment cycles: every finalized claim from any channel is remitted exactly once (also by two
cycles started together), one 835 per payee, valid under pyx12, its amounts those of the
adjudication."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.audit.models import AuditEvent
from backend.claims.models import AdjudicatedClaim, AdjudicatedClaimLine
from backend.edi.models import EdiDocument
from backend.payments.models import RemittedClaim
from backend.payments.service import close_cycle
from backend.reference.models import PricingLocality
from backend.tests import factories as f
from backend.tests.fhir_helpers import bearer, post_json, world_claim_resource
from backend.tests.test_submit import claim_body
from edi import pyx12_check
from edi.validation import is_clean


@pytest.fixture(autouse=True)
def edi_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("ASKES_EDI_DIR", str(tmp_path))
    return tmp_path


def segments(body: str) -> list[list[str]]:
    return [s.strip().split("*") for s in body.split("~") if s.strip()]


def cents(amount: str) -> int:
    return int(Decimal(amount) * 100)


def remittance(body: str) -> dict:
    """An 835 read back: BPR, TRN and per claim (CLP07) its CLP and each SVC with its CAS."""
    found = {"claims": {}}
    claim = line = None
    for fields in segments(body):
        kind = fields[0]
        if kind in ("BPR", "TRN", "PLB"):
            found.setdefault(kind, fields)
        elif kind == "CLP":
            claim = found["claims"][int(fields[7])] = {"clp": fields, "cas": [], "lines": []}
            line = None
        elif kind == "SVC":
            line = {"svc": fields, "cas": []}
            claim["lines"].append(line)
        elif kind == "CAS":
            triplets = fields[2:]
            target = line["cas"] if line else claim["cas"]
            target += [(fields[1], triplets[i], cents(triplets[i + 1]))
                       for i in range(0, len(triplets), 3) if triplets[i]]  # fmt: skip
    return found


def assert_matches_adjudication(db, found: dict) -> None:
    """Every CLP, SVC and CAS of the 835 says what production recorded, cent for cent."""
    for claim_id, claim in found["claims"].items():
        row = db.scalar(select(AdjudicatedClaim).where(AdjudicatedClaim.id == claim_id))
        clp = claim["clp"]
        assert clp[2] == {"paid": "1", "denied": "4"}[row.decision]
        assert [cents(v) for v in clp[3:6]] == [
            row.billed_cents, row.paid_cents, row.patient_responsibility_cents
        ]  # fmt: skip
        lines = db.scalars(
            select(AdjudicatedClaimLine)
            .where(AdjudicatedClaimLine.claim_id == claim_id)
            .order_by(AdjudicatedClaimLine.line_number)
        ).all()
        assert len(claim["lines"]) == len(lines)
        for written, line in zip(claim["lines"], lines, strict=True):
            assert [cents(v) for v in written["svc"][2:4]] == [line.billed_cents, line.paid_cents]
            expected = [(a["group"], a["carc"], a["amount_cents"]) for a in line.adjustments]
            assert written["cas"] == expected


def bodies(db, cycle_id: int) -> list[str]:
    from backend.payments.models import Payment

    return list(
        db.scalars(
            select(EdiDocument.body)
            .join(Payment, Payment.edi_document_id == EdiDocument.id)
            .where(Payment.payment_cycle_id == cycle_id)
        )
    )


def denied_claim(db, world):
    """Provider B's claim, denied line by line with CO-204 and a remark."""
    staged = world.claims["b_other"]
    claim = f.make_adjudicated(
        db, staged, decision="denied", allowed_cents=0, paid_cents=0,
        patient_responsibility_cents=0, coinsurance_cents=0, contractual_adjustment_cents=0,
        noncovered_cents=staged.total_charge_cents,
    )  # fmt: skip
    for line in staged.lines:
        db.add(
            AdjudicatedClaimLine(
                claim_id=claim.id, line_number=line.line_number,
                service_month=claim.service_month, procedure_code=line.procedure_code,
                service_from=claim.service_from, service_to=claim.service_to, units=line.units,
                decision="denied", denial_carc="204", billed_cents=line.charge_cents,
                noncovered_cents=line.charge_cents, rarc_codes=["N130"],
            )
        )  # fmt: skip
    db.flush()
    return claim


def test_a_cycle_remits_every_finalized_claim_once_and_matches_the_adjudication(
    app, priced_world, as_user, db
):
    world, insurer = priced_world, as_user("insurer")
    submitted = [
        as_user("provider_a").post("/api/v1/claims", json=claim_body(
            world, patient_control_number=f"PCN-PAY-{n}", total_charge_cents=15_000 + n,
            lines=[{"line_number": 1, "charge_cents": 15_000 + n, "units": "1",
                    "procedure_code": "99213", "service_from": "2026-02-02",
                    "diagnosis_pointers": [1]}],
        )).json
        for n in range(2)
    ]  # fmt: skip
    assert [claim["decision"] for claim in submitted] == ["paid", "paid"], submitted
    fhir = bearer(app, db, world.users["provider_a"], ["system/Claim.write"])
    answer = post_json(fhir, "/fhir/Claim/$submit", world_claim_resource(world)).json
    assert answer["outcome"] == "complete", answer
    fhir_claim_id = int(answer["request"]["reference"].split("/")[1])
    denied = denied_claim(db, world)
    pended = f.make_adjudicated(db, world.claims["b_spouse"], decision="pended")

    created = insurer.post("/api/v1/payment-cycles", json={"payment_date": "2026-04-01"})
    assert created.status_code == 201, created.json
    cycle = created.json
    remitted = {world.claims["a_subscriber"].id, denied.id, fhir_claim_id}
    remitted |= {claim["id"] for claim in submitted}
    ledger = set(db.scalars(select(RemittedClaim.claim_id).where(
        RemittedClaim.payment_cycle_id == cycle["id"])))  # fmt: skip
    assert ledger == remitted and pended.id not in ledger
    assert (cycle["status"], cycle["claim_count"], cycle["payee_count"]) == ("closed", 5, 2)

    files = {file["payee_provider_id"]: file for file in cycle["files"]}
    assert set(files) == {world.provider_a.id, world.provider_b.id}
    assert len({file["trace_number"] for file in cycle["files"]}) == 2
    texts = bodies(db, cycle["id"])
    assert len(texts) == 2
    fhir_paid = db.scalar(
        select(AdjudicatedClaim.paid_cents).where(AdjudicatedClaim.id == fhir_claim_id)
    )
    paid_a = sum(c["paid_cents"] for c in submitted) + fhir_paid + 14_400  # + the world's claim
    for body in texts:
        assert is_clean(pyx12_check.validate(body))
        found = remittance(body)
        assert_matches_adjudication(db, found)
        payee = files[
            world.provider_a.id if denied.id not in found["claims"] else world.provider_b.id
        ]
        assert found["TRN"][2] == payee["trace_number"]
        assert cents(found["BPR"][2]) == payee["paid_cents"]
    assert files[world.provider_a.id]["paid_cents"] == paid_a == cycle["paid_cents"]
    assert files[world.provider_a.id]["payment_method"] == "CHK"
    assert files[world.provider_b.id]["payment_method"] == "NON"  # only a denied claim: no money
    assert files[world.provider_b.id]["claim_count"] == 1

    again = insurer.post("/api/v1/payment-cycles", json={}).json
    assert (again["status"], again["claim_count"], again["files"]) == ("empty", 0, [])

    pended.decision, pended.reviewed_by_id = "paid", world.users["insurer"].id  # as review does
    db.flush()
    after_review = insurer.post("/api/v1/payment-cycles", json={}).json
    assert after_review["claim_count"] == 1
    (body,) = bodies(db, after_review["id"])
    assert set(remittance(body)["claims"]) == {pended.id}


def test_the_batch_835_is_a_cycle_scoped_to_the_batch(world, as_user, db):
    batch_claim = f.make_staged_claim(db, world.subscriber, world.provider_a)
    f.make_adjudicated(db, batch_claim, batch_id=77)
    insurer = as_user("insurer")
    first = insurer.post("/api/v1/edi/remittances", json={"batch_id": 77})
    assert first.status_code == 201 and len(first.json["items"]) == 1
    body = db.get(EdiDocument, first.json["items"][0]["id"]).body
    assert set(remittance(body)["claims"]) == {batch_claim.id}  # not the world's claim
    assert insurer.post("/api/v1/edi/remittances", json={"batch_id": 77}).json["items"] == []
    cycle = insurer.post("/api/v1/payment-cycles", json={}).json
    assert cycle["claim_count"] == 1  # the world's unbatched claim; the batch's was remitted
    listed = insurer.get("/api/v1/edi/remittances").json
    assert listed["total"] == 2  # the batch's 835 and the cycle's, both downloadable
    provider = as_user("provider_a")
    for item in listed["items"]:
        assert provider.get(f"/api/v1/edi/remittances/{item['id']}").status_code == 200


def test_the_database_refuses_a_second_remittance_of_a_claim(world, db):
    cycle = close_cycle(db, date(2026, 4, 1))
    claim_id = world.claims["a_subscriber"].id
    assert cycle.claim_count == 1
    with pytest.raises(IntegrityError), db.begin_nested():
        db.execute(
            text(
                "INSERT INTO remitted_claim (claim_id, entry, service_month, "
                "payment_cycle_id, payee_provider_id, paid_cents) "
                "VALUES (:id, 'payment', '2026-03-01', :cycle, 1, 0)"
            ),
            {"id": claim_id, "cycle": cycle.id},
        )


def test_cycles_are_listed_with_totals_and_read_with_their_files(world, as_user, db):
    insurer = as_user("insurer")
    made = [insurer.post("/api/v1/payment-cycles", json={}).json for _ in range(3)]
    page = insurer.get("/api/v1/payment-cycles?page_size=2").json
    assert page["total"] == 3 and [c["id"] for c in page["items"]] == [
        made[2]["id"], made[1]["id"]
    ]  # fmt: skip
    first = insurer.get(f"/api/v1/payment-cycles/{made[0]['id']}").json
    assert first["claim_count"] == 1 and first["paid_cents"] == 14_400
    (file,) = first["files"]
    assert file["payee_npi"] == world.provider_a.npi and file["payee_name"] == "Alpha Clinic"
    download = insurer.get(f"/api/v1/edi/remittances/{file['edi_document_id']}")
    assert f"TRN*1*{file['trace_number']}*" in download.text
    audited = db.scalars(
        select(AuditEvent.resource_id).where(
            AuditEvent.resource_type == "payment_cycle",
            AuditEvent.action == "create",
            AuditEvent.user_id == world.users["insurer"].id,
        )
    ).all()
    assert set(audited) == {str(cycle["id"]) for cycle in made}


def test_askes_pay_closes_a_cycle(world, app, db):
    from click.testing import CliRunner

    from backend.cli_context import Context
    from backend.payments.cli import pay

    context = Context()
    context._settings = app.config["ASKES"]
    context._engine = db.get_bind()  # the session is already bound to the test's transaction
    result = CliRunner().invoke(pay, ["--payment-date", "2026-04-01"], obj=context)
    assert result.exit_code == 0, result.output
    assert "1 claims, 1 payees, paid 144.00" in result.output
    (event,) = db.scalars(
        select(AuditEvent).where(
            AuditEvent.resource_type == "payment_cycle", AuditEvent.username == "askes pay"
        )
    ).all()
    assert result.output.startswith(f"payment cycle {event.resource_id} closed")


# Two cycles started at the same moment, on committed data and connections of their own.

CLEANUP = """
DELETE FROM remitted_claim WHERE payment_cycle_id > :before;
CREATE TEMPORARY TABLE written ON COMMIT DROP AS
  SELECT edi_document_id AS id FROM payment WHERE payment_cycle_id > :before;
DELETE FROM payment WHERE payment_cycle_id > :before;
DELETE FROM payment_cycle WHERE id > :before;
DELETE FROM edi_document WHERE id IN (SELECT id FROM written);
DELETE FROM production.claim WHERE id = ANY(:claims);
DELETE FROM staging.claim_line WHERE claim_id = ANY(:claims);
DELETE FROM staging.claim WHERE id = ANY(:claims);
DELETE FROM coverage_span WHERE member_id = :member;
DELETE FROM member WHERE id = :member;
DELETE FROM provider WHERE id = ANY(:providers);
DELETE FROM plan WHERE id = :plan;
DELETE FROM pricing_locality WHERE code = :locality AND NOT :locality_existed
"""


@pytest.fixture
def committed_claims(engine):
    """Twelve paid claims of three payees, committed, removed afterwards with what paid them."""
    with Session(bind=engine) as session:
        locality_existed = session.get(PricingLocality, f.TEST_LOCALITY) is not None
        plan = f.make_plan(session)
        member = f.make_member(session)
        f.make_coverage(session, member, plan)
        providers = [f.make_provider(session) for _ in range(3)]
        claims = []
        for n in range(12):
            staged = f.make_staged_claim(session, member, providers[n % 3])
            f.make_adjudicated(session, staged, batch_id=None)
            claims.append(staged.id)
        keys = {"claims": claims, "member": member.id, "plan": plan.id,
                "providers": [p.id for p in providers], "locality": f.TEST_LOCALITY,
                "locality_existed": locality_existed}  # fmt: skip
        session.commit()
        keys["before"] = session.scalar(text("SELECT coalesce(max(id), 0) FROM payment_cycle"))
    yield claims
    with engine.begin() as connection:  # the cycles started since, empty ones included
        for statement in CLEANUP.strip().split(";\n"):
            connection.execute(text(statement), keys)


def test_two_cycles_started_together_remit_each_claim_once(engine, committed_claims):
    start = threading.Barrier(2)
    outcomes = []

    def run_cycle():
        with Session(bind=engine) as session:
            start.wait()
            cycle = close_cycle(session, date(2026, 4, 1))
            session.commit()
            outcomes.append((cycle.id, cycle.claim_count, bodies(session, cycle.id)))

    threads = [threading.Thread(target=run_cycle) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(outcomes) == 2
    remitted = [
        claim_id
        for _, _, texts in outcomes
        for body in texts
        for claim_id in remittance(body)["claims"]
    ]
    mine = [claim_id for claim_id in remitted if claim_id in committed_claims]
    assert sorted(mine) == sorted(committed_claims)  # each exactly once, across both cycles
    assert sorted(count for _, count, _ in outcomes)[0] == 0  # the second found nothing left
    for _, _, texts in outcomes:
        assert all(is_clean(pyx12_check.validate(body)) for body in texts)


def test_a_balance_owed_by_the_payee_is_settled_by_plb_forward_balances(world, db):
    """Reversals (corrected and voided claims) can leave a payee owing the payer; here that
    balance is set by hand on the payee's last payment. The next 835s take it back with PLB FB
    until it is gone, and BPR02 never goes below zero."""
    from backend.payments.models import Payment

    first = close_cycle(db, date(2026, 4, 1))
    last = db.scalar(select(Payment).where(Payment.payment_cycle_id == first.id))
    last.balance_forward_cents = 20_000
    paid = []
    for _ in range(2):
        claim = f.make_staged_claim(db, world.subscriber, world.provider_a)
        f.make_adjudicated(db, claim)  # pays 144.00
        cycle = close_cycle(db, date(2026, 4, 8))
        payment = db.scalar(select(Payment).where(Payment.payment_cycle_id == cycle.id))
        (body,) = bodies(db, cycle.id)
        assert is_clean(pyx12_check.validate(body)), body
        paid.append((payment, remittance(body)))
    (short, short_835), (settled, settled_835) = paid
    assert (short.paid_cents, short.payment_method, short.balance_forward_cents) == (
        0,
        "NON",
        5_600,
    )
    assert short_835["BPR"][1:5] == ["H", "0", "C", "NON"]
    assert short_835["PLB"][3:5] == [f"FB:{last.trace_number}", "144"]
    assert (settled.paid_cents, settled.payment_method, settled.balance_forward_cents) == (
        14_400 - 5_600, "CHK", 0
    )  # fmt: skip
    assert settled_835["PLB"][3:5] == [f"FB:{short.trace_number}", "56"]
    assert cents(settled_835["BPR"][2]) == 8_800


def test_claim_detail_names_the_835_that_carried_the_claim(world, as_user, db):
    claim = f.make_staged_claim(db, world.subscriber, world.provider_a)
    f.make_adjudicated(db, claim, batch_id=78)
    provider = as_user("provider_a")
    assert provider.get(f"/api/v1/claims/{claim.id}").json["remittances"] == []
    cycle = as_user("insurer").post("/api/v1/edi/remittances", json={"batch_id": 78}).json
    (document,) = cycle["items"]
    (entry,) = provider.get(f"/api/v1/claims/{claim.id}").json["remittances"]
    assert entry["entry"] == "payment" and entry["edi_document_id"] == document["id"]
    assert entry["trace_number"].endswith(f"-{world.provider_a.id}")
