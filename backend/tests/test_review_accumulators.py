"""Accumulators under review, end to end: claims submitted through POST /api/v1/claims (some
pended by their risk score, the others finalized by the pipeline) and reviewers' decisions
through POST /api/v1/claims/{id}/decision, interleaved at random. After every sequence, each
member's accumulator rows equal the per-claim reference (workers/tests/reference.py) replayed
over the finalized claims in the order they were finalized, and every finalized line's cost
share equals the reference's. Subscriber and child are one family, and the spouse's row (no
claims) brings the family near the plan's family limits, so they bind too."""

from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from backend.db import Session
from backend.members.models import CoverageSpan
from backend.plans.models import Plan
from backend.reference.loaders import load_code_lists
from backend.tests.review_helpers import PENDING_CHARGE, claim_body
from workers.tests import reference

PAID_CHARGE = 15_000  # 1.6 times the fee: not pended
ACTIONS = ("approve", "deny", "deny_line", "adjust")


@pytest.fixture
def setup(priced_world, as_user, db):
    load_code_lists(db.connection())
    plan_id = db.scalar(
        select(CoverageSpan.plan_id).where(CoverageSpan.member_id == priced_world.subscriber.id)
    )
    return {
        "world": priced_world,
        "plan": db.get(Plan, plan_id),
        "provider": as_user("provider_a"),
        "insurer": as_user("insurer"),
    }


event = st.one_of(
    st.tuples(st.just("submit"), st.sampled_from(("subscriber", "child")),
              st.lists(st.booleans(), min_size=1, max_size=2)),
    st.tuples(st.just("decide"), st.integers(0, 5), st.sampled_from(ACTIONS)),
)  # fmt: skip


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    events=st.lists(event, min_size=1, max_size=8),
    met=st.tuples(st.integers(0, 20_000), st.integers(0, 20_000)),
    lowered=st.integers(0, 9_321),
    spouse=st.tuples(st.integers(0, 40_000), st.integers(0, 60_000)),
)  # fmt: skip
def test_accumulators_equal_a_replay_of_the_finalized_claims(
    setup, connection, events, met, lowered, spouse
):
    savepoint = connection.begin_nested()
    try:
        _run(setup, connection, events, met, lowered, spouse)
    finally:
        savepoint.rollback()
        Session.remove()


def _run(setup, connection, events, met, lowered, spouse):
    world, plan = setup["world"], setup["plan"]
    members = {"subscriber": world.subscriber, "child": world.child}
    start = {(world.spouse.id, plan.id, 2026, False): spouse}
    for member in members.values():  # near the deductible and the out-of-pocket maximum
        start[(member.id, plan.id, 2026, False)] = (
            plan.individual_deductible_cents - met[0],
            plan.individual_oop_max_cents - met[1] - 15_000,
        )
    for key in start:
        connection.execute(
            text("INSERT INTO accumulator (member_id, plan_id, plan_year, network, "
                 "deductible_cents, oop_cents) VALUES (:m, :p, 2026, 'in', :d, :o)"),
            {"m": key[0], "p": plan.id, "d": start[key][0], "o": start[key][1]},
        )  # fmt: skip
    finalized, pended, day = [], [], date(2026, 2, 1)
    for kind, first, second in events:
        if kind == "submit":
            charges = [PENDING_CHARGE if pend else PAID_CHARGE for pend in second]
            day += timedelta(days=1)  # one claim a day: no duplicate denials
            body = claim_body(world, day.toordinal(), charges, members[first], day.isoformat())
            claim = setup["provider"].post("/api/v1/claims", json=body).json
            (pended if claim["decision"] == "pended" else finalized).append(claim["id"])
        elif pended:
            claim_id = pended.pop(first % len(pended))
            body = _decision(second, lowered)
            response = setup["insurer"].post(f"/api/v1/claims/{claim_id}/decision", json=body)
            assert response.status_code == 200, response.json
            finalized.append(claim_id)
    replay = dict(start)
    family = {m.id: world.subscriber.id for m in (world.subscriber, world.child, world.spouse)}
    for claim_id in finalized:
        claim, outcome, stored = _reference_claim(connection, claim_id, plan)
        reference.share_claim_costs(SimpleNamespace(families=family), claim, outcome, replay)
        for number, line in stored.items():
            mine = outcome.lines[number]
            assert line == (mine.deductible, mine.coinsurance, mine.copay, mine.paid), claim_id
    rows = connection.execute(
        text("SELECT member_id, plan_id, plan_year, deductible_cents, oop_cents FROM accumulator "
             "WHERE member_id = ANY(:m)"), {"m": list(family)},
    ).all()  # fmt: skip
    assert {(m, p, y, False): (d, o) for m, p, y, d, o in rows} == replay


def _decision(action: str, lowered: int) -> dict:
    body = {"note": "property"}
    if action == "approve":
        return {**body, "action": "approve"}
    if action == "deny":
        return {**body, "action": "deny", "carc": "50"}
    if action == "deny_line":
        return {**body, "action": "deny", "lines": [{"line_number": 1, "carc": "96"}]}
    item = {"line_number": 1, "allowed_cents": lowered, "carc": "59"}
    return {**body, "action": "adjust", "lines": [item]}


def _reference_claim(connection, claim_id: int, plan: Plan):
    """The finalized claim as the reference sees it (lines as decided), and each line's stored
    (deductible, coinsurance, copay, paid)."""
    header = connection.execute(
        text("SELECT member_id, network FROM production.claim WHERE id = :id"), {"id": claim_id}
    ).one()
    rows = connection.execute(
        text("SELECT line_number, decision, allowed_cents, billed_cents, service_from, "
             "procedure_code, deductible_cents, coinsurance_cents, copay_cents, paid_cents "
             "FROM production.claim_line WHERE claim_id = :id ORDER BY line_number"),
        {"id": claim_id},
    ).all()  # fmt: skip
    reference_plan = reference.Plan(
        plan.id, plan.individual_deductible_cents, plan.out_of_network_deductible_cents,
        plan.individual_oop_max_cents, plan.out_of_network_oop_max_cents, plan.coinsurance_bp,
        plan.out_of_network_coinsurance_bp, plan.out_of_network_covered, {},
        plan.family_deductible_cents, plan.family_oop_max_cents,
    )  # fmt: skip
    lines = [
        reference.Line(row.line_number, row.billed_cents, Decimal(1), row.procedure_code,
                       service_from=row.service_from)
        for row in rows
    ]  # fmt: skip
    claim = reference.Claim(claim_id, 0, lines, sum(r.billed_cents for r in rows), ["E119"],
                            member_id=header.member_id, place_of_service="11")  # fmt: skip
    outcome = reference.ClaimOutcome(False, [])
    for row in rows:
        line = reference.LineOutcome(decision=row.decision, allowed=row.allowed_cents)
        line.plan, line.out, line.day = reference_plan, header.network == "out", row.service_from
        outcome.lines[row.line_number] = line
    stored = {r.line_number: (r.deductible_cents, r.coinsurance_cents, r.copay_cents,
                              r.paid_cents) for r in rows}  # fmt: skip
    return claim, outcome, stored
