"""Corrected (frequency 7) and voided (8) claims: the original named by its claim control
number is reversed (payment and accumulators) and the replacement adjudicated in its place; a
void only reverses; the chain shows on both claims and the next 835 carries the reversal as
CLP02 22 (issue 14 item 3)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from backend.claims.models import AdjudicatedClaim, ClaimReversal
from backend.db import Session
from backend.edi.models import EdiDocument
from backend.intake.staging import insert_claims
from backend.members.models import Accumulator
from backend.payments.models import Payment
from backend.payments.service import close_cycle
from backend.tests.fhir_helpers import bearer, world_claim
from backend.tests.test_edi_journey import cents, segments
from backend.tests.test_submit import claim_body
from edi import pyx12_check
from edi.validation import is_clean


def submit(client, world, **overrides):
    response = client.post("/api/v1/claims", json=claim_body(world, **overrides))
    assert response.status_code == 201, response.json
    return response.json


def replacement_of(world, original: dict, charge: int = 15_000, **overrides) -> dict:
    """The original's line again (a duplicate of it, were it not its replacement)."""
    line = {"line_number": 1, "charge_cents": charge, "units": "1", "procedure_code": "99213",
            "service_from": "2026-02-02", "diagnosis_pointers": [1]}  # fmt: skip
    values = {"frequency_code": "7", "original_claim_id": str(original["id"]),
              "total_charge_cents": charge, "lines": [line], **overrides}  # fmt: skip
    return values


def oop(db, member) -> int:
    total = db.scalar(
        select(func.sum(Accumulator.oop_cents)).where(Accumulator.member_id == member.id)
    )
    return int(total or 0)


def replayed_oop(db, member) -> int:
    """The member's out-of-pocket as the claims that stand make it: every adjudicated claim's
    patient responsibility plus every reversal's (negative)."""
    claims = db.scalar(
        select(func.sum(AdjudicatedClaim.patient_responsibility_cents)).where(
            AdjudicatedClaim.member_id == member.id
        )
    )
    reversals = db.scalar(
        select(func.sum(ClaimReversal.patient_responsibility_cents)).where(
            ClaimReversal.member_id == member.id
        )
    )
    return int(claims or 0) + int(reversals or 0)


def reasons(claim: dict) -> set[str]:
    return {reason["edit_code"] for reason in claim["failure_reasons"]}


def test_a_replacement_reverses_its_original_and_is_adjudicated_in_its_place(
    priced_world, as_user, db, app
):
    provider, member = as_user("provider_a"), priced_world.subscriber
    baseline = oop(db, member), replayed_oop(db, member)  # the world's claims, no accumulators
    original = submit(provider, priced_world)
    assert original["decision"] == "paid" and oop(db, member) > 0
    replacement = submit(provider, priced_world, **replacement_of(priced_world, original))
    assert replacement["status"] == "processed", replacement["failure_reasons"]
    assert replacement["decision"] == "paid", replacement  # not a duplicate of its original
    reversal = db.scalars(
        select(ClaimReversal).where(ClaimReversal.original_claim_id == original["id"])
    ).one()
    first = original["adjudication"]
    assert reversal.replacement_claim_id == replacement["id"] and reversal.frequency_code == "7"
    assert reversal.paid_cents == -first["paid_cents"]
    assert reversal.patient_responsibility_cents == -first["patient_responsibility_cents"]
    assert reversal.remitted_document_id is None  # for the next 835
    second = replacement["adjudication"]
    moved = oop(db, member) - baseline[0], replayed_oop(db, member) - baseline[1]
    assert moved == (second["patient_responsibility_cents"],) * 2

    detail = provider.get(f"/api/v1/claims/{original['id']}").json
    assert detail["replaced_by"]["replacement_claim_id"] == replacement["id"]
    assert replacement["reverses"]["original_claim_id"] == original["id"]

    fhir = bearer(app, db, priced_world.users["provider_a"])
    shown = fhir.get(f"/fhir/Claim/{original['id']}").json
    assert shown["status"] == "cancelled"
    assert shown["related"][-1]["claim"]["reference"] == f"Claim/{replacement['id']}"
    shown = fhir.get(f"/fhir/Claim/{replacement['id']}").json
    assert shown["related"][0]["claim"]["identifier"]["value"] == str(original["id"])

    again = submit(provider, priced_world, **replacement_of(priced_world, original, 21_000))
    assert again["status"] == "rejected" and reasons(again) == {"V071"}


def test_a_replacement_staged_from_a_file_reverses_its_original_in_the_batch(
    priced_world, as_user, db, connection, redis_client
):
    """The path of an 837 or a FHIR Bundle: the replacement is staged, then a batch worker
    adjudicates it (not the request). It reversed nothing there before: its original was
    never reversed, so the replacement was rejected as naming an unknown claim (V070)."""
    from backend.tests.test_batches import TransactionEngine
    from workers.chunks import work_batch_chunks

    provider, member = as_user("provider_a"), priced_world.subscriber
    baseline = oop(db, member), replayed_oop(db, member)
    original = submit(provider, priced_world)
    corrected = world_claim(priced_world, patient_control_number="PCN-API-1",
                            frequency_code="7", original_claim_id=str(original["id"]))  # fmt: skip
    (staged_id,) = insert_claims(Session.connection(), [(corrected, None)], "edi", None, None)
    insurer = as_user("insurer")
    batch = insurer.post("/api/v1/batches", json={"claim_ids": [staged_id]}).json
    work_batch_chunks(TransactionEngine(connection), redis_client, batch["id"])
    done = insurer.get(f"/api/v1/batches/{batch['id']}").json
    assert done["status"] == "done" and done["reconciliation"]["balanced"], done

    replacement = insurer.get(f"/api/v1/claims/{staged_id}").json
    assert replacement["status"] == "processed", replacement["failure_reasons"]
    assert replacement["decision"] == "paid"
    assert replacement["reverses"]["original_claim_id"] == original["id"]
    reversal = db.scalars(
        select(ClaimReversal).where(ClaimReversal.original_claim_id == original["id"])
    ).one()
    assert reversal.replacement_claim_id == staged_id and reversal.batch_id == batch["id"]
    assert reversal.paid_cents == -original["adjudication"]["paid_cents"]
    moved = oop(db, member) - baseline[0], replayed_oop(db, member) - baseline[1]
    assert moved == (replacement["adjudication"]["patient_responsibility_cents"],) * 2


def test_a_void_reverses_only(priced_world, as_user, db):
    provider, member = as_user("provider_a"), priced_world.subscriber
    before = oop(db, member), replayed_oop(db, member)
    original = submit(provider, priced_world)
    void = submit(provider, priced_world, frequency_code="8", original_claim_id=str(original["id"]))
    assert void["status"] == "processed" and void["decision"] == "denied"
    assert void["adjudication"]["paid_cents"] == 0
    lines = void["adjudication"]["lines"]
    assert {(a["group"], a["carc"]) for line in lines for a in line["adjustments"]} == {
        ("CO", "129")  # E008: the void's own lines pay nothing
    }
    assert (oop(db, member), replayed_oop(db, member)) == before
    reversal = db.scalars(
        select(ClaimReversal).where(ClaimReversal.original_claim_id == original["id"])
    ).one()
    assert reversal.frequency_code == "8" and reversal.replacement_claim_id == void["id"]


def test_replacements_of_unknown_foreign_or_pending_originals_are_rejected(
    priced_world, as_user, db
):
    provider = as_user("provider_a")
    unknown = submit(provider, priced_world, frequency_code="7", original_claim_id="999999999")
    assert unknown["status"] == "rejected" and reasons(unknown) == {"V070"}
    garbled = submit(provider, priced_world, frequency_code="8", original_claim_id="ABC")
    assert reasons(garbled) == {"V070"}
    foreign = submit(
        as_user("admin"), priced_world, npi=priced_world.provider_b.npi, patient_control_number="B"
    )
    theirs = submit(
        provider, priced_world, frequency_code="8", original_claim_id=str(foreign["id"])
    )
    assert reasons(theirs) == {"V070"}  # another provider's claim is not one to replace
    pending = world_claim(priced_world, patient_control_number="PENDING-1")
    (pending_id,) = insert_claims(Session.connection(), [(pending, None)], "api", None, None)
    racing = submit(provider, priced_world, frequency_code="7", original_claim_id=str(pending_id))
    assert reasons(racing) == {"V072"}  # the original's batch has not adjudicated it yet


def test_the_next_835_carries_the_reversal_and_the_replacement(priced_world, as_user, db):
    provider = as_user("provider_a")
    original = submit(provider, priced_world)
    replacement = submit(provider, priced_world, **replacement_of(priced_world, original))
    (document,) = cycle_documents(db, close_cycle(db))
    assert is_clean(pyx12_check.validate(document.body))
    clp = {(fields[2], fields[7]): fields for fields in segments(document.body, "CLP")}
    reversed_ = clp[("22", str(original["id"]))]
    assert cents(reversed_[4]) == -original["adjudication"]["paid_cents"]
    assert cents(reversed_[3]) == -original["adjudication"]["billed_cents"]
    new = clp[("1", str(replacement["id"]))]
    assert cents(new[4]) == replacement["adjudication"]["paid_cents"]
    (bpr,) = segments(document.body, "BPR")
    paid = sum(cents(fields[4]) for fields in clp.values())
    assert cents(bpr[2]) == paid
    reversal = db.scalars(
        select(ClaimReversal).where(ClaimReversal.original_claim_id == original["id"])
    ).one()
    assert reversal.remitted_document_id == document.id
    assert not cycle_documents(db, close_cycle(db))  # carried once: the next cycle is empty


def cycle_documents(db, cycle) -> list:
    return db.scalars(
        select(EdiDocument)
        .join(Payment, Payment.edi_document_id == EdiDocument.id)
        .where(Payment.payment_cycle_id == cycle.id)
    ).all()


OPERATIONS = st.lists(
    st.tuples(st.sampled_from(("new", "new", "replace", "void")), st.integers(0, 5)),
    min_size=1, max_size=6,
)  # fmt: skip
_charges = iter(range(15_000, 10_000_000, 7))  # a charge of its own: no claim is a duplicate


@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(operations=OPERATIONS)
def test_random_chains_of_originals_replacements_and_voids_keep_the_books(
    priced_world, as_user, db, operations
):
    """Against a per-claim reference of the chain (which claim stands, what each answer is):
    every refusal is the reference's, and the member's out-of-pocket accumulator moves exactly
    by the patient responsibility of the claims that stand (the accumulator replay)."""
    provider, member = as_user("provider_a"), priced_world.subscriber
    start = oop(db, member), replayed_oop(db, member)
    claims: list[dict] = []  # this example's answers, in order
    standing: dict[int, bool] = {}  # reference: adjudicated claim id -> not reversed
    for kind, index in operations:
        charge = next(_charges)
        line = {"line_number": 1, "charge_cents": charge, "units": "1",
                "procedure_code": "99213", "service_from": "2026-02-02",
                "diagnosis_pointers": [1]}  # fmt: skip
        body = {"total_charge_cents": charge, "lines": [line]}
        target = claims[index % len(claims)] if claims and kind != "new" else None
        if kind != "new":
            original = str(target["id"]) if target else "999999999"
            body |= {"frequency_code": "7" if kind == "replace" else "8",
                     "original_claim_id": original}  # fmt: skip
        answer = submit(provider, priced_world, **body)
        expected = _reference_answer(kind, target, standing)
        assert (answer["status"], reasons(answer)) == expected, (kind, answer)
        if answer["status"] == "processed":
            standing[answer["id"]] = True
            if target is not None:
                standing[target["id"]] = False
        claims.append(answer)
    stands = sum(
        c["adjudication"]["patient_responsibility_cents"] for c in claims if standing.get(c["id"])
    )
    assert oop(db, member) - start[0] == stands == replayed_oop(db, member) - start[1]


def _reference_answer(kind: str, target: dict | None, standing: dict) -> tuple[str, set]:
    if kind == "new":
        return "processed", set()
    if target is None or target["id"] not in standing:
        return "rejected", {"V070"}  # no such adjudicated claim (or it was rejected)
    if not standing[target["id"]]:
        return "rejected", {"V071"}
    return "processed", set()
