"""The review queue and decisions on pended claims: the decision matrix, four eyes, decided
again, assignments, accumulators held until the decision, audit rows, claim detail and FHIR."""

import pytest
from sqlalchemy import select, text

from backend.audit.models import AuditEvent
from backend.members.models import CoverageSpan
from backend.reference.loaders import load_code_lists
from backend.tests.review_helpers import (
    FEE_99213,
    PENDING_CHARGE,
    accumulator,
    balanced,
    claim_body,
    set_accumulator,
)


@pytest.fixture
def review(priced_world, as_user, db, app):
    load_code_lists(db.connection())
    plan_id = db.scalar(
        select(CoverageSpan.plan_id).where(CoverageSpan.member_id == priced_world.subscriber.id)
    )
    provider = as_user("provider_a")
    count = iter(range(1, 1000))

    def pend(charges=(PENDING_CHARGE,), **options) -> int:
        body = claim_body(priced_world, next(count), charges, **options)
        response = provider.post("/api/v1/claims", json=body)
        assert response.status_code == 201, response.json
        assert response.json["decision"] == "pended", response.json
        return response.json["id"]

    return {"pend": pend, "plan_id": plan_id, "world": priced_world, "app": app}


def decide(client, claim_id, **body):
    return client.post(f"/api/v1/claims/{claim_id}/decision", json={"note": "checked", **body})


def production(db, claim_id):
    claim = db.execute(
        text("SELECT * FROM production.claim WHERE id = :id"), {"id": claim_id}
    ).mappings().one()  # fmt: skip
    lines = db.execute(
        text("SELECT * FROM production.claim_line WHERE claim_id = :id ORDER BY line_number"),
        {"id": claim_id},
    ).mappings().all()  # fmt: skip
    return claim, lines


def test_a_pended_claim_holds_its_cost_share_out_of_the_accumulators(review, db):
    member = review["world"].subscriber.id
    claim_id = review["pend"]()
    claim, lines = production(db, claim_id)
    assert accumulator(db, member) == (0, 0)  # held until decided
    # the pended claim shows an estimate from the accumulators as they are
    assert claim["allowed_cents"] == FEE_99213 and claim["deductible_cents"] == FEE_99213
    assert balanced(claim)


def test_the_queue_lists_pended_claims_with_why_and_their_money(review, as_user):
    claim_id = review["pend"]()
    response = as_user("insurer").get("/api/v1/review/claims")
    assert response.status_code == 200, response.json
    assert response.json["total"] == 1
    item = response.json["items"][0]
    assert item["id"] == claim_id and item["billed_cents"] == PENDING_CHARGE
    assert item["allowed_cents"] == FEE_99213 and item["days_in_queue"] == 0
    assert item["risk_model_version"] == "rules-1" and item["risk_score"] == pytest.approx(
        0.644, abs=1e-3
    )
    assert "review threshold" in item["pend_reason"]
    assert item["risk_reasons"][0]["rule"] == "charge_ratio"
    assert item["risk_reasons"][0]["line_number"] == 1
    assert item["provider"]["id"] == review["world"].provider_a.id
    assert item["provider"]["name"] == review["world"].provider_a.display_name == "Alpha Clinic"
    assert item["provider"]["npi"] == review["world"].provider_a.npi
    subscriber = review["world"].subscriber
    assert item["member"]["id"] == subscriber.id
    assert item["member"]["name"] == f"{subscriber.first_name} {subscriber.last_name}"
    assert item["member"]["member_number"] == subscriber.member_number
    assert item["assignment"] is None


def test_the_queue_shows_the_reasons_a_model_stored(review, as_user, db):
    from backend.risk.models import ClaimRiskReason

    claim_id = review["pend"]()
    stored = {"feature": "bundled_pair", "value": 1.0, "typical": 0.0, "score_drop": 0.61}
    db.add(ClaimRiskReason(claim_id=claim_id, model_version="risk-mlp-1", reasons=[stored]))
    db.flush()
    (item,) = as_user("insurer").get("/api/v1/review/claims").json["items"]
    assert item["risk_reasons"] == [
        {
            "line_number": None,
            "rule": "bundled_pair",
            "score": 0.61,
            "detail": "both codes of a bundled pair on the claim (1 yes, 0 no): 1 (typical 0)",
        }
    ]


def test_one_pended_claim_reads_as_the_queue_shows_it(review, as_user):
    """The workbench's view of one claim: why it pended and who holds it, as in the queue; a
    claim that is not pended, or not in the caller's scope, is not found."""
    claim_id = review["pend"]()
    insurer = as_user("insurer")
    assert insurer.post(f"/api/v1/review/claims/{claim_id}/assign").status_code == 200
    response = insurer.get(f"/api/v1/review/claims/{claim_id}")
    assert response.status_code == 200, response.json
    (listed,) = insurer.get("/api/v1/review/claims").json["items"]
    assert response.json == listed
    assert response.json["assignment"]["reviewer_id"] is not None
    assert response.json["risk_reasons"][0]["rule"] == "charge_ratio"
    assert insurer.get("/api/v1/review/claims/999999999").status_code == 404
    assert as_user("provider_a").get(f"/api/v1/review/claims/{claim_id}").status_code == 403
    assert decide(insurer, claim_id, action="approve").status_code == 200
    assert insurer.get(f"/api/v1/review/claims/{claim_id}").status_code == 404


def test_queue_filters_sort_and_assignee(review, as_user):
    small = review["pend"]()
    big = review["pend"]((PENDING_CHARGE, PENDING_CHARGE))
    insurer = as_user("insurer")
    listed = insurer.get("/api/v1/review/claims?sort=-billed").json
    assert [i["id"] for i in listed["items"]] == [big, small] and listed["total"] == 2
    ranged = insurer.get("/api/v1/review/claims?min_billed_cents=100000").json
    assert [i["id"] for i in ranged["items"]] == [big]
    assert insurer.get("/api/v1/review/claims?min_days=1").json["total"] == 0
    provider_id = review["world"].provider_b.id
    assert (
        insurer.get(f"/api/v1/review/claims?billing_provider_id={provider_id}").json["total"] == 0
    )
    assert insurer.post(f"/api/v1/review/claims/{small}/assign").status_code == 200
    mine = insurer.get("/api/v1/review/claims?assignee=mine").json
    assert [i["id"] for i in mine["items"]] == [small]
    unassigned = insurer.get("/api/v1/review/claims?assignee=unassigned").json
    assert [i["id"] for i in unassigned["items"]] == [big]
    assert insurer.get("/api/v1/review/claims?pend_reason=threshold").json["total"] == 2
    paged = insurer.get("/api/v1/review/claims?page_size=1&page=2&sort=-billed").json
    assert paged["total"] == 2 and [i["id"] for i in paged["items"]] == [small]
    assert insurer.get("/api/v1/review/claims?sort=bogus").status_code == 422


def test_approve_moves_the_accumulators_and_finalizes_the_claim(review, as_user, db):
    member = review["world"].subscriber.id
    claim_id = review["pend"]()
    insurer = as_user("insurer")
    response = decide(insurer, claim_id, action="approve")
    assert response.status_code == 200, response.json
    decision = response.json
    assert decision["status"] == "final" and decision["outcome"] == "paid"
    claim, lines = production(db, claim_id)
    assert claim["decision"] == "paid" and lines[0]["decision"] == "paid"
    assert claim["reviewed_by_id"] == review["world"].users["insurer"].id and claim["reviewed_at"]
    assert accumulator(db, member) == (FEE_99213, FEE_99213)
    assert balanced(claim) and all(balanced(line) for line in lines)
    assert decision["after"]["paid_cents"] == claim["paid_cents"]


def test_deny_whole_claim_with_carc_and_rarc(review, as_user, db):
    member = review["world"].subscriber.id
    claim_id = review["pend"]((PENDING_CHARGE, PENDING_CHARGE))
    response = decide(as_user("insurer"), claim_id, action="deny", carc="50", rarc=["N115"])
    assert response.status_code == 200, response.json
    claim, lines = production(db, claim_id)
    assert claim["decision"] == "denied" and claim["paid_cents"] == 0
    assert claim["noncovered_cents"] == claim["billed_cents"] == 2 * PENDING_CHARGE
    assert [(line["decision"], line["denial_carc"], line["rarc_codes"]) for line in lines] == [
        ("denied", "50", ["N115"])
    ] * 2
    assert accumulator(db, member) == (0, 0)
    assert balanced(claim)


def test_deny_one_line_pays_the_other(review, as_user, db):
    member = review["world"].subscriber.id
    claim_id = review["pend"]((PENDING_CHARGE, PENDING_CHARGE))
    response = decide(
        as_user("insurer"), claim_id, action="deny", lines=[{"line_number": 2, "carc": "96"}]
    )
    assert response.status_code == 200, response.json
    claim, lines = production(db, claim_id)
    assert claim["decision"] == "paid"
    assert [line["decision"] for line in lines] == ["paid", "denied"]
    assert lines[1]["denial_carc"] == "96" and lines[1]["noncovered_cents"] == PENDING_CHARGE
    assert claim["allowed_cents"] == FEE_99213
    assert accumulator(db, member) == (FEE_99213, FEE_99213)
    assert balanced(claim) and all(balanced(line) for line in lines)


def test_adjust_lowers_a_line_with_its_carc_and_recomputes_cost_share(review, as_user, db):
    world = review["world"]
    set_accumulator(db, world.subscriber.id, review["plan_id"], 150_000, 150_000)  # deductible met
    claim_id = review["pend"]()
    response = decide(
        as_user("insurer"), claim_id, action="adjust",
        lines=[{"line_number": 1, "allowed_cents": 5_000, "carc": "59", "rarc": ["M80"]}],
    )  # fmt: skip
    assert response.status_code == 200, response.json
    claim, lines = production(db, claim_id)
    line = lines[0]
    assert line["allowed_cents"] == 5_000 and line["coinsurance_cents"] == 1_000  # 20 %
    assert line["paid_cents"] == 4_000 and line["deductible_cents"] == 0
    assert line["noncovered_cents"] == FEE_99213 - 5_000
    assert line["contractual_adjustment_cents"] == PENDING_CHARGE - FEE_99213
    assert line["rarc_codes"] == ["M80"]
    assert response.json["after"]["lines"][0]["adjustments"] == [
        {"group": "CO", "carc": "45", "amount_cents": PENDING_CHARGE - FEE_99213},
        {"group": "CO", "carc": "59", "amount_cents": FEE_99213 - 5_000},
        {"group": "PR", "carc": "2", "amount_cents": 1_000},
    ]
    assert accumulator(db, world.subscriber.id) == (150_000, 151_000)
    assert balanced(claim) and balanced(line)


def test_adjust_cannot_raise_the_allowed_amount(review, as_user):
    claim_id = review["pend"]()
    body = {"action": "adjust", "lines": [{"line_number": 1, "allowed_cents": 99_999,
                                           "carc": "59"}]}  # fmt: skip
    response = decide(as_user("insurer"), claim_id, **body)
    assert response.status_code == 422 and "lowers" in response.json["message"]


@pytest.mark.parametrize(
    "body",
    [
        {"action": "deny", "carc": "ZZZ"},
        {"action": "deny", "carc": "50", "rarc": ["NOPE1"]},
        {"action": "deny", "lines": [{"line_number": 7, "carc": "50"}]},
        {"action": "deny"},
        {"action": "approve", "carc": "50"},
        {"action": "adjust", "lines": [{"line_number": 1, "carc": "59"}]},
    ],
)
def test_bad_decisions_are_refused_and_change_nothing(review, as_user, db, body):
    claim_id = review["pend"]()
    response = decide(as_user("insurer"), claim_id, **body)
    assert response.status_code == 422, response.json
    assert production(db, claim_id)[0]["decision"] == "pended"


def test_deciding_again_is_409(review, as_user):
    claim_id = review["pend"]()
    insurer = as_user("insurer")
    assert decide(insurer, claim_id, action="approve").status_code == 200
    again = decide(insurer, claim_id, action="deny", carc="50")
    assert again.status_code == 409 and "already decided" in again.json["message"]


def test_four_eyes_above_the_threshold(review, as_user, db):
    world = review["world"]
    review["app"].config["ASKES"].review_second_approval_cents = 1_000
    set_accumulator(db, world.subscriber.id, review["plan_id"], 150_000, 150_000)
    claim_id = review["pend"]()
    insurer, admin = as_user("insurer"), as_user("admin")
    first = decide(insurer, claim_id, action="approve")
    assert first.status_code == 202 and first.json["status"] == "awaiting_approval"
    assert production(db, claim_id)[0]["decision"] == "pended"
    assert accumulator(db, world.subscriber.id) == (150_000, 150_000)
    assert decide(admin, claim_id, action="deny", carc="50").status_code == 409
    approval = f"/api/v1/claims/{claim_id}/decision/approval"
    same = insurer.post(approval, json={"approve": True, "note": "me again"})
    assert same.status_code == 403
    second = admin.post(approval, json={"approve": True, "note": "agreed"})
    assert second.status_code == 200, second.json
    assert (
        second.json["status"] == "final"
        and second.json["approved_by_id"] == world.users["admin"].id
    )
    claim, _lines = production(db, claim_id)
    assert claim["decision"] == "paid" and claim["paid_cents"] == FEE_99213 - 1_864
    assert accumulator(db, world.subscriber.id) == (150_000, 151_864)
    assert admin.post(approval, json={"approve": True, "note": "x"}).status_code == 409


def test_a_rejected_four_eyes_decision_sends_the_claim_back_to_the_queue(review, as_user, db):
    review["app"].config["ASKES"].review_second_approval_cents = -1  # every decision
    claim_id = review["pend"]()
    insurer, admin = as_user("insurer"), as_user("admin")
    assert decide(insurer, claim_id, action="approve").status_code == 202
    queue = insurer.get("/api/v1/review/claims?awaiting_approval=true").json
    assert [item["id"] for item in queue["items"]] == [claim_id]
    approval = f"/api/v1/claims/{claim_id}/decision/approval"
    rejected = admin.post(approval, json={"approve": False, "note": "deny it instead"})
    assert rejected.status_code == 200 and rejected.json["status"] == "rejected"
    assert production(db, claim_id)[0]["decision"] == "pended"
    assert decide(admin, claim_id, action="deny", carc="50").status_code == 202


def test_assignment_conflict_release_and_expiry(review, as_user, db):
    claim_id = review["pend"]()
    insurer, admin = as_user("insurer"), as_user("admin")
    url = f"/api/v1/review/claims/{claim_id}/assign"
    taken = insurer.post(url)
    assert (
        taken.status_code == 200
        and taken.json["reviewer_id"] == review["world"].users["insurer"].id
    )
    assert insurer.post(url).status_code == 200  # renewing one's own hold
    assert admin.post(url).status_code == 409
    assert decide(admin, claim_id, action="approve").status_code == 409
    assert admin.delete(url).status_code == 409
    db.execute(text("UPDATE review_assignment SET expires_at = now() - interval '1 second'"))
    assert admin.post(url).status_code == 200  # expired: anyone may take it
    assert admin.delete(url).status_code == 204
    assert admin.delete(url).status_code == 404
    assert decide(admin, claim_id, action="approve").status_code == 200
    assert insurer.post(url).status_code == 409  # decided claims are not taken


def test_every_decision_is_audited_with_reviewer_amounts_and_note(review, as_user, db):
    claim_id = review["pend"]()
    decide(as_user("insurer"), claim_id, action="deny", carc="50", note="upcoded visit")
    event = db.scalars(
        select(AuditEvent).where(AuditEvent.action == "decision",
                                 AuditEvent.resource_id == str(claim_id))
    ).one()  # fmt: skip
    assert event.user_id == review["world"].users["insurer"].id
    assert event.details["note"] == "upcoded visit" and event.details["outcome"] == "denied"
    assert event.details["before"]["allowed_cents"] == FEE_99213
    assert event.details["after"]["allowed_cents"] == 0


def test_claim_detail_and_fhir_show_the_decision(review, as_user):
    claim_id = review["pend"]()
    insurer = as_user("insurer")
    decide(insurer, claim_id, action="deny", carc="50", note="not necessary")
    detail = insurer.get(f"/api/v1/claims/{claim_id}").json
    assert detail["decision"] == "denied" and detail["adjudication"]["reviewed_at"]
    history = detail["decisions"]
    assert [(d["action"], d["status"], d["note"]) for d in history] == [
        ("deny", "final", "not necessary")
    ]
    assert history[0]["decided_by"]
    line = detail["adjudication"]["lines"][0]
    assert line["adjustments"] == [{"group": "CO", "carc": "50", "amount_cents": PENDING_CHARGE}]
    member = as_user("member")
    assert member.get(f"/api/v1/claims/{claim_id}").json["decision"] == "denied"


def test_bulk_decisions_are_independent(review, as_user, db):
    first, second = review["pend"](), review["pend"](day="2026-02-03")
    insurer = as_user("insurer")
    decide(insurer, second, action="approve")
    response = insurer.post(
        "/api/v1/review/decisions",
        json={"claim_ids": [first, second, 999_999_999], "action": "deny", "carc": "50",
              "note": "bulk"},
    )  # fmt: skip
    assert response.status_code == 200, response.json
    statuses = {r["claim_id"]: r["status"] for r in response.json["results"]}
    assert statuses == {first: 200, second: 409, 999_999_999: 404}
    assert response.json["decided"] == 1 and response.json["failed"] == 2
    assert production(db, first)[0]["decision"] == "denied"
    assert production(db, second)[0]["decision"] == "paid"


def test_fhir_claim_response_and_eob_show_the_decision(review, as_user, app, db):
    from fhir.resources.R4B.claimresponse import ClaimResponse

    from backend.tests.fhir_helpers import bearer

    claim_id = review["pend"]()
    client = bearer(app, db, review["world"].users["provider_a"], ["user/ClaimResponse.read"])
    assert client.get(f"/fhir/ClaimResponse/{claim_id}").json["outcome"] == "queued"
    decide(as_user("insurer"), claim_id, action="deny", carc="50")
    response = client.get(f"/fhir/ClaimResponse/{claim_id}").json
    ClaimResponse.model_validate(response)
    assert response["outcome"] == "complete"
    assert response["payment"]["amount"]["value"] == 0.0
    assert "50" in str(response["item"][0]["adjudication"])
