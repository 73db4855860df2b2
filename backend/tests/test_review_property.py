"""Accumulators under review, as a property: after the pipeline pends some claims and reviewers
decide them in any order (approve, deny the claim or a line, lower a line), every member's
accumulators equal a replay by the per-claim reference (workers/tests/reference.py) of the
finalized claims in the order they were finalized: the pipeline's paid and denied claims in
processing order, then each decided claim when it was decided, family limits included (the
worlds have families). The decision's money is computed by backend/review/money.py, the code
the decision endpoint runs."""

import copy
from datetime import date, timedelta

import numpy as np
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from backend.review import money
from workers.pipeline import run_pipeline
from workers.pipeline.arrays import Accumulators
from workers.pipeline.codes import DECISIONS, SERVICE_CATEGORIES
from workers.pipeline.risk import ChargeRatioRules
from workers.tests import reference
from workers.tests.compare import accumulators_of
from workers.tests.generators import worlds
from workers.tests.worlds import to_chunk, to_reference

EPOCH = date(1970, 1, 1)
ACTIONS = ("approve", "deny", "deny_line", "adjust")


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds(), st.data())
def test_accumulators_equal_a_replay_of_the_finalized_claims(world, data):
    _replay(world, data)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds(secondary=True), st.data())
def test_decided_secondary_claims_are_coordinated_as_the_reference_does(world, data):
    """The same, with secondary claims among the pended: a decision recomputes the cost share,
    coordinates it with the other payer (COB) and moves the accumulators as if primary."""
    _replay(world, data)


def _replay(world, data):
    chunk = to_chunk(world)
    result = run_pipeline(chunk, to_reference(world), ChargeRatioRules())
    expected, replayed = reference.adjudicate(world)
    held = accumulators_of(result, world.accumulators)
    assert held == replayed  # the pipeline left the pended claims out
    pended = [c for c in world.claims if expected[c.claim_id].decision == "pended"]
    event(f"{min(len(pended), 3)} pended claims")
    accumulators = dict(held)
    for claim in data.draw(st.permutations(pended)):
        lines = _lines(result, chunk, claim.claim_id)
        request = _request(data, lines)
        event(request["action"] + (" with lines" if request.get("lines") else ""))
        decided = money.apply_request(lines, request)
        decided, change = money.share(
            claim.member_id, decided, chunk.plans, _arrays(accumulators, chunk), chunk.families,
            claim.other_payer_paid,
        )  # fmt: skip
        accumulators = _moved(accumulators, change)
        outcome = _reference_decision(expected[claim.claim_id], request)
        reference.share_claim_costs(world, claim, outcome, replayed)
        reference.coordinate_benefits(claim, outcome)
        if claim.other_payer_paid is not None:
            event("secondary claim decided")
        for line in decided:
            mine = outcome.lines[line.line_number]
            assert line.decision == mine.decision
            assert (line.amounts["deductible_cents"], line.amounts["coinsurance_cents"],
                    line.amounts["copay_cents"], line.amounts["paid_cents"],
                    line.amounts.get("prior_payer_cents") or 0) == (
                    mine.deductible, mine.coinsurance, mine.copay, mine.paid,
                    mine.prior_payer)  # fmt: skip
            assert money.balanced(line.amounts)
        assert money.balanced(money.claim_totals(decided))
    assert accumulators == replayed


def _request(data, lines) -> dict:
    open_lines = [line.line_number for line in lines if line.decision != "denied"]
    action = data.draw(st.sampled_from(ACTIONS if open_lines else ("approve", "deny")))
    if action == "deny":
        return {"action": "deny", "carc": "50", "note": "n"}
    if action == "approve":
        return {"action": "approve", "note": "n"}
    number = data.draw(st.sampled_from(open_lines))
    if action == "deny_line":
        return {"action": "deny", "lines": [{"line_number": number, "carc": "96"}], "note": "n"}
    allowed = next(line for line in lines if line.line_number == number).amounts["allowed_cents"]
    if allowed == 0:
        return {"action": "approve", "note": "n"}
    lowered = data.draw(st.integers(0, allowed - 1))
    item = {"line_number": number, "allowed_cents": lowered, "carc": "59"}
    return {"action": "adjust", "lines": [item], "note": "n"}


def _reference_decision(outcome, request) -> reference.ClaimOutcome:
    """The reference's outcome of the claim with the reviewer's decision applied."""
    outcome = copy.deepcopy(outcome)
    asked = {item["line_number"]: item for item in request.get("lines") or []}
    for number, line in outcome.lines.items():
        if line.decision == "denied":
            continue
        line.deductible = line.coinsurance = line.copay = line.patient = line.paid = 0
        line.prior_payer = 0
        line.decision = "paid"
        if request["action"] == "deny" and (request.get("carc") or number in asked):
            line.decision, line.allowed = "denied", 0
        elif request["action"] == "adjust" and number in asked:
            line.allowed = asked[number]["allowed_cents"]
    return outcome


def _lines(result, chunk, claim_id) -> list[money.Line]:
    """The pended claim's lines as production holds them (from the pipeline's arrays)."""
    index = (chunk.claims.claim_id[chunk.lines.line_claim] == claim_id).nonzero()[0]
    lines = []
    for i in index:
        plan_row = result.eligibility.plan[i]
        category = int(result.category[i])
        amounts = dict.fromkeys(money.AMOUNTS, 0) | {
            "billed_cents": int(chunk.lines.charge[i]),
            "allowed_cents": int(result.lines.allowed[i]),
            "contractual_adjustment_cents": int(result.lines.contractual[i]),
            "noncovered_cents": int(result.lines.noncovered[i]),
        }
        lines.append(money.Line(
            line_number=int(chunk.lines.line_number[i]),
            decision=DECISIONS[result.lines.decision[i]],
            amounts=amounts,
            service_from=EPOCH + timedelta(days=int(result.facts.service_from[i])),
            out_of_network=bool(result.eligibility.out_of_network[i]),
            category=SERVICE_CATEGORIES[category] if category >= 0 else None,
            plan_id=int(chunk.plans.plan_id[plan_row]) if plan_row >= 0 else None,
        ))  # fmt: skip
    return lines


def _arrays(accumulators: dict, chunk) -> Accumulators:
    keys = sorted(accumulators)
    return Accumulators(
        np.array([k[0] for k in keys], np.int64),
        np.array([k[1] for k in keys], np.int64),
        np.array([k[2] for k in keys], np.int16),
        np.array([k[3] for k in keys], bool),
        np.array([accumulators[k][0] for k in keys], np.int64),
        np.array([accumulators[k][1] for k in keys], np.int64),
    )


def _moved(accumulators: dict, change) -> dict:
    after = dict(accumulators)
    for i in range(len(change.member_id)):
        key = (int(change.member_id[i]), int(change.plan_id[i]), int(change.plan_year[i]),
               bool(change.out_of_network[i]))  # fmt: skip
        assert accumulators.get(key, (0, 0)) == (
            int(change.deductible_before[i]), int(change.oop_before[i]))  # fmt: skip
        after[key] = (int(change.deductible_after[i]), int(change.oop_after[i]))
    return after
