"""The vectorized pipeline equals the per-claim reference implementation on random claim sets.

`scenarios` names what an example exercises; run with --hypothesis-show-statistics to see that
the examples do cross deductibles mid-claim, reach out-of-pocket maximums mid-batch, put several
claims of one member together, carry bilateral and multiple-procedure modifiers and see coverage
end in the middle of a claim.
"""

from collections import Counter
from dataclasses import replace

from hypothesis import HealthCheck, event, given, settings

from workers.pipeline import run_pipeline
from workers.pipeline.risk import ChargeRatioRules
from workers.tests import reference
from workers.tests.compare import accumulators_of, outcomes_of, reference_outcomes
from workers.tests.generators import worlds
from workers.tests.worlds import to_chunk, to_reference


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds())
def test_vectorized_pipeline_equals_reference(world):
    _assert_pipeline_equals_reference(world)


def _assert_pipeline_equals_reference(world) -> dict:
    """Runs the vectorized pipeline on `world` and asserts its outcomes and accumulators equal
    the per-claim reference's; returns the reference's outcomes by claim id."""
    expected, expected_accumulators = reference.adjudicate(world)
    result = run_pipeline(to_chunk(world), to_reference(world), ChargeRatioRules())
    for name in scenarios(world, expected):
        event(name)
    assert outcomes_of(result) == reference_outcomes(expected)
    assert accumulators_of(result, world.accumulators) == expected_accumulators
    return expected


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds(secondary=True))
def test_secondary_claims_equal_the_reference(world):
    """Coordination of benefits (workers/pipeline/cob.py) against the reference, on worlds
    where some claims say another payer paid nothing, part, all or more than the charge."""
    expected = _assert_pipeline_equals_reference(world)
    for claim in world.claims:  # every line balances with the prior payer's share
        outcome = expected[claim.claim_id]
        for line in outcome.lines.values():
            assert line.allowed == line.paid + line.patient + line.prior_payer
            assert line.paid >= 0 and line.patient >= 0


def scenarios(world, outcomes) -> set[str]:
    found = set()
    members = Counter(c.member_id for c in world.claims if not outcomes[c.claim_id].rejected)
    if any(count > 1 for count in members.values()):
        found.add("several claims of one member")
    for claim in world.claims:
        outcome = outcomes[claim.claim_id]
        if outcome.rejected:
            found.add("rejected claim")
            continue
        lines = [outcome.lines[line.line_number] for line in claim.lines]
        if any(r.deductible for r in lines) and any(r.allowed > r.deductible for r in lines):
            found.add("deductible crossed within a claim")
        denials = {r.denial for r in lines}
        if {"E027"} <= denials and None in denials:
            found.add("coverage ended mid-claim")
        if "D018" in denials:
            found.add("duplicate")
        modifiers = {m for line in claim.lines for m in line.modifiers}
        if "50" in modifiers:
            found.add("bilateral modifier")
        if "51" in modifiers:
            found.add("multiple-procedure modifier")
        if outcome.decision == "pended":
            found.add("pended")
        if claim.other_payer_paid is not None:
            owed = sum(r.paid + r.prior_payer for r in lines)
            paid = sum(r.paid for r in lines)
            found.add("secondary: we pay 0" if owed and not paid else "secondary claim")
            if any(r.prior_payer and r.patient for r in lines):
                found.add("secondary: member still owes part")
    return found | _oop_reached(world, outcomes) | _family_limits_bind(world, outcomes)


def _family_limits_bind(world, outcomes) -> set[str]:
    """Does a family limit change some line's cost share (the same world without them)?"""
    found = set()
    if len(set(world.families.values())) < len(world.families):
        found.add("a family of several members")
    plans = {
        pid: replace(p, family_deductible=0, family_oop_max=0) for pid, p in world.plans.items()
    }
    alone, _ = reference.adjudicate(replace(world, plans=plans, families={}))
    for claim_id, outcome in outcomes.items():
        for number, line in outcome.lines.items():
            other = alone[claim_id].lines[number]
            if line.deductible != other.deductible:
                found.add("family deductible reached")
            if line.patient != other.patient and line.deductible == other.deductible:
                found.add("family out-of-pocket maximum reached")
    return found


def _oop_reached(world, outcomes) -> set[str]:
    for claim in world.claims:
        outcome = outcomes[claim.claim_id]
        for line in claim.lines:
            result = outcome.lines.get(line.line_number) if not outcome.rejected else None
            owed = result and result.decision != "denied" and result.allowed
            if owed and result.patient == 0 and result.plan and result.plan.coinsurance_in_bp:
                return {"out-of-pocket maximum reached"}
    return set()
