"""The member's views: a claim's explanation of benefits in plain terms (amounts that add up to
the adjudication, each code with its description) and accumulators with their limits, for the
member and the family; scoped (the RBAC matrix has the 403s and 404s) and audited."""

from sqlalchemy import select

from backend.audit.models import AuditEvent
from backend.claims.models import AdjudicatedClaim
from backend.members.models import Accumulator, CoverageSpan
from backend.plans.models import Plan
from backend.reference.loaders import DEMO_DIR, load_carc_codes, load_rarc_codes
from backend.tests.test_payment_cycles import denied_claim
from backend.tests.test_submit import claim_body


def load_codes(connection) -> None:
    load_carc_codes(connection, DEMO_DIR / "carc_code.csv")
    load_rarc_codes(connection, DEMO_DIR / "rarc_code.csv")


def test_the_eob_of_a_paid_claim_adds_up_and_says_why_you_owe(
    priced_world, as_user, db, connection
):
    load_codes(connection)
    submitted = as_user("provider_a").post("/api/v1/claims", json=claim_body(priced_world)).json
    assert submitted["decision"] == "paid", submitted
    member = as_user("member")
    eob = member.get(f"/api/v1/claims/{submitted['id']}/eob").json
    claim = db.scalar(select(AdjudicatedClaim).where(AdjudicatedClaim.id == submitted["id"]))
    totals = eob["totals"]
    assert eob["final"] and eob["decision"] == "paid"
    assert (totals["billed_cents"], totals["allowed_cents"]) == (15_000, 9_322)
    assert totals["plan_paid_cents"] == claim.paid_cents
    assert totals["you_owe_cents"] == claim.patient_responsibility_cents > 0
    assert totals["plan_discount_cents"] == claim.contractual_adjustment_cents == 15_000 - 9_322
    assert (
        totals["billed_cents"]
        == totals["plan_discount_cents"] + totals["not_covered_cents"] + totals["allowed_cents"]
    )
    assert totals["allowed_cents"] == totals["plan_paid_cents"] + totals["you_owe_cents"]
    # The plan's deductible is not met: the whole allowed amount is the member's, as deductible.
    (reason,) = eob["you_owe_reasons"]
    assert (reason["reason"], reason["amount_cents"]) == ("deductible", 9_322)
    assert "until your deductible is met" in reason["explanation"]
    (line,) = eob["lines"]
    assert line["procedure_code"] == "99213" and line["procedure_description"]
    adjustments = line["adjustments"]
    assert [(a["group"], a["carc"], a["amount_cents"], a["you_owe"]) for a in adjustments] == [
        ("CO", "45", 5_678, False), ("PR", "1", 9_322, True),
    ]  # fmt: skip
    assert line["adjustments"][1]["description"] == "Deductible Amount"
    assert line["adjustments"][0]["description"].startswith("Charge exceeds fee schedule")
    assert eob["provider"]["name"] == "Alpha Clinic" and eob["remitted_at"] is None

    as_user("insurer").post("/api/v1/payment-cycles", json={})
    assert member.get(f"/api/v1/claims/{submitted['id']}/eob").json["remitted_at"]

    # The accumulators moved by what the EOB says the member paid toward the deductible.
    year = member.get(f"/api/v1/members/{priced_world.subscriber.id}/accumulators").json
    assert year["plan_year"] == 2026
    individual = year["plans"][0]["networks"][0]["individual"]
    assert individual["deductible"]["met_cents"] == 9_322
    assert individual["deductible"]["limit_cents"] == 150_000
    assert individual["deductible"]["remaining_cents"] == 150_000 - 9_322

    events = db.scalars(
        select(AuditEvent).where(
            AuditEvent.resource_type.in_(("eob", "member_accumulators")),
            AuditEvent.user_id == priced_world.users["member"].id,
        )
    ).all()
    assert [(e.resource_type, e.resource_id, e.outcome) for e in events] == [
        ("eob", str(submitted["id"]), "allowed"), ("eob", str(submitted["id"]), "allowed"),
        ("member_accumulators", str(priced_world.subscriber.id), "allowed"),
    ]  # fmt: skip


def test_the_eob_of_a_denied_claim_gives_each_code_its_description(world, as_user, db, connection):
    load_codes(connection)
    denied = denied_claim(db, world)
    eob = as_user("insurer").get(f"/api/v1/claims/{denied.id}/eob").json
    assert eob["decision"] == "denied" and eob["totals"]["plan_paid_cents"] == 0
    assert eob["totals"]["not_covered_cents"] == eob["billed_cents"] == 25_000
    assert eob["totals"]["you_owe_cents"] == 0 and eob["you_owe_reasons"] == []
    for line in eob["lines"]:
        (adjustment,) = line["adjustments"]
        assert (adjustment["group"], adjustment["carc"], adjustment["you_owe"]) == (
            "CO",
            "204",
            False,
        )
        assert "not covered under the patient's current benefit plan" in adjustment["description"]
        assert adjustment["group_description"].endswith("may not bill you for this amount")
        assert line["remarks"][0]["code"] == "N130"
        assert line["remarks"][0]["description"].startswith("Consult plan benefit documents")


def test_a_claim_without_a_final_decision_has_no_amounts_yet(world, as_user, db):
    from backend.tests import factories as f

    pended = f.make_adjudicated(db, world.claims["b_spouse"], decision="pended")
    insurer = as_user("insurer")
    in_review = insurer.get(f"/api/v1/claims/{pended.id}/eob").json
    assert (in_review["decision"], in_review["final"], in_review["totals"]) == (
        "pended",
        False,
        None,
    )
    assert "being reviewed" in in_review["message"]
    pending = as_user("member").get(f"/api/v1/claims/{world.claims['a_child'].id}/eob").json
    assert (pending["decision"], pending["final"], pending["lines"]) == (None, False, [])
    assert pending["billed_cents"] == world.claims["a_child"].total_charge_cents


def test_a_claim_adjudicated_without_lines_is_explained_at_the_claim_level(world, as_user):
    eob = as_user("member").get(f"/api/v1/claims/{world.claims['a_subscriber'].id}/eob").json
    assert eob["lines"] == [] and eob["totals"]["plan_paid_cents"] == 14_400
    assert [(a["group"], a["carc"], a["amount_cents"]) for a in eob["claim_adjustments"]] == [
        ("CO", "45", 7_000), ("PR", "2", 3_600),
    ]  # fmt: skip
    assert eob["you_owe_reasons"][0]["reason"] == "coinsurance"


def accumulate(db, member, plan_id, deductible, oop, network="in", year=2026):
    db.add(Accumulator(member_id=member.id, plan_id=plan_id, plan_year=year, network=network,
                       deductible_cents=deductible, oop_cents=oop))  # fmt: skip
    db.flush()


def test_accumulators_for_the_member_and_the_family(world, as_user, db):
    plan_id = db.scalar(
        select(CoverageSpan.plan_id).where(CoverageSpan.member_id == world.subscriber.id)
    )
    plan = db.get(Plan, plan_id)
    accumulate(db, world.subscriber, plan_id, 50_000, 60_000)
    accumulate(db, world.child, plan_id, 20_000, 25_000)
    accumulate(db, world.spouse, plan_id, 10_000, 10_000)
    accumulate(db, world.subscriber, plan_id, 5_000, 5_000, network="out")
    accumulate(db, world.other_member, plan_id, 1_000, 1_000)

    body = as_user("member").get(f"/api/v1/members/{world.subscriber.id}/accumulators").json
    assert body["plan_year"] == 2026
    (found,) = body["plans"]
    assert (found["plan_id"], found["plan_code"]) == (plan.id, plan.code)
    in_network, out_of_network = found["networks"]
    assert in_network["individual"] == {
        "deductible": {"met_cents": 50_000, "limit_cents": 150_000, "remaining_cents": 100_000},
        "out_of_pocket": {"met_cents": 60_000, "limit_cents": 600_000, "remaining_cents": 540_000},
    }
    assert in_network["family"] == {
        "members": 3,
        "deductible": {"met_cents": 80_000, "limit_cents": 300_000, "remaining_cents": 220_000},
        "out_of_pocket": {"met_cents": 95_000, "limit_cents": 1_200_000,
                          "remaining_cents": 1_105_000},
    }  # fmt: skip
    assert out_of_network["network"] == "out" and out_of_network["family"] is None
    assert out_of_network["individual"]["deductible"] == {
        "met_cents": 5_000, "limit_cents": 300_000, "remaining_cents": 295_000,
    }  # fmt: skip

    child = as_user("member").get(f"/api/v1/members/{world.child.id}/accumulators").json
    assert child["plans"][0]["networks"][0]["individual"]["deductible"]["met_cents"] == 20_000
    assert child["plans"][0]["networks"][0]["family"]["deductible"]["met_cents"] == 80_000

    alone = as_user("insurer").get(f"/api/v1/members/{world.other_member.id}/accumulators").json
    assert alone["plans"][0]["networks"][0]["family"] is None  # no family to count
    earlier = (
        as_user("insurer")
        .get(f"/api/v1/members/{world.subscriber.id}/accumulators?plan_year=2025")
        .json
    )  # covered since 2025, nothing met that year
    assert earlier["plans"][0]["networks"][0]["individual"]["deductible"]["met_cents"] == 0


def test_the_access_log_shows_who_read_the_members_records_and_claims(world, as_user):
    claim_id = world.claims["a_subscriber"].id
    assert as_user("provider_a").get(f"/api/v1/claims/{claim_id}").status_code == 200
    assert as_user("insurer").get(f"/api/v1/members/{world.subscriber.id}").status_code == 200
    other_claim = world.claims["b_other"].id
    assert as_user("insurer").get(f"/api/v1/claims/{other_claim}").status_code == 200

    log = as_user("member").get(f"/api/v1/members/{world.subscriber.id}/access-log").json
    rows = [(i["username"], i["role"], i["action"], i["resource_type"], i["claim_id"])
            for i in log["items"]]  # fmt: skip
    insurer, provider = world.users["insurer"].username, world.users["provider_a"].username
    assert rows == [
        (insurer, "insurer", "read", "member", None),
        (provider, "provider", "read", "claim", claim_id),
    ]  # newest first; the other member's claim is not in it
    assert log["total"] == 2
    assert set(log["items"][0]) == {
        "occurred_at", "username", "role", "action", "resource_type", "claim_id", "outcome"
    }  # fmt: skip
    paged = (
        as_user("member")
        .get(f"/api/v1/members/{world.subscriber.id}/access-log?page=2&page_size=1")
        .json
    )
    assert [i["claim_id"] for i in paged["items"]] == [claim_id]
    child_log = as_user("member").get(f"/api/v1/members/{world.child.id}/access-log").json
    assert child_log["items"] == []  # nobody has looked at the child's records yet


def test_a_member_owes_no_more_deductible_once_the_family_met_it(world, as_user, db):
    """Embedded family limits: the family's met reaches the family deductible (300,000) before
    the child's own (150,000), so the child has nothing left to pay toward it."""
    plan_id = db.scalar(
        select(CoverageSpan.plan_id).where(CoverageSpan.member_id == world.subscriber.id)
    )
    accumulate(db, world.subscriber, plan_id, 150_000, 200_000)
    accumulate(db, world.spouse, plan_id, 140_000, 150_000)
    accumulate(db, world.child, plan_id, 10_000, 10_000)
    body = as_user("member").get(f"/api/v1/members/{world.child.id}/accumulators").json
    network = body["plans"][0]["networks"][0]
    assert network["individual"]["deductible"] == {
        "met_cents": 10_000, "limit_cents": 150_000, "remaining_cents": 0,
    }  # fmt: skip
    assert network["individual"]["out_of_pocket"]["remaining_cents"] == 590_000
    assert network["family"]["deductible"] == {
        "met_cents": 300_000, "limit_cents": 300_000, "remaining_cents": 0,
    }  # fmt: skip
