"""Fetch, pipeline and transfer against real PostgreSQL: what lands in production, staging,
failed claims and accumulators."""

from datetime import date

import pytest
from sqlalchemy import text

from backend.claims.models import line_adjustments, line_pricing_trace
from workers.chunks import adjudicate, today_days
from workers.fetch import fetch_chunk
from workers.pipeline import run_pipeline
from workers.pipeline.risk import default_scorer
from workers.reference_cache import forget, reference_arrays
from workers.tests import factories as wf
from workers.transfer import ConcurrentChange, ensure_partitions, service_months, transfer


@pytest.fixture
def setting(db, connection):
    forget()
    wf.make_reference(connection)
    plan = wf.make_plan(db, individual_deductible_cents=10_000, coinsurance_bp=2000)
    provider = wf.f.make_provider(db, organization_name="Clinic")
    wf.make_network(db, plan, provider)
    member = wf.make_covered_member(db, plan, provider)
    yield plan, provider, member
    forget()


def production(connection, claim_id):
    claim = (
        connection.execute(text("SELECT * FROM production.claim WHERE id = :i"), {"i": claim_id})
        .mappings()
        .one()
    )
    lines = (
        connection.execute(
            text("SELECT * FROM production.claim_line WHERE claim_id = :i ORDER BY line_number"),
            {"i": claim_id},
        )
        .mappings()
        .all()
    )
    return claim, [
        {**line, "pricing_trace": line_pricing_trace(line), "adjustments": line_adjustments(line)}
        for line in lines
    ]


def test_a_claim_is_priced_cost_shared_and_written_with_its_trace(
    db, connection, redis_client, setting
):
    plan, provider, member = setting
    claim = wf.make_claim(
        db, member, provider, lines=(("99213", 15_000, ()), ("20610", 30_000, ("50",)))
    )
    adjudicate(connection, redis_client, [claim.id])
    header, lines = production(connection, claim.id)
    # 99213 non-facility: (1.30*1.000 + 1.31*1.100 + 0.10*0.500) x 33.4009
    #   = 2.791 x 33.4009 = $93.22
    assert lines[0]["allowed_cents"] == 9_322
    # 20610 bilateral 150 %: (0.79 + 1.03*1.1 + 0.09*0.5) x 33.4009 x 1.5
    #   = 1.968 x 50.10135 = $98.60
    assert lines[1]["allowed_cents"] == 9_860
    assert (
        str(lines[1]["work_rvu"]) == "0.79"
        and lines[1]["pricing_trace"]["modifier_factor_bp"] == 15_000
    )
    # The trace columns read back as the JSON object the API shows: every step of the fee and
    # where the cost share started from, nothing that did not apply (no percentage of charges).
    trace = lines[0]["pricing_trace"]
    assert {k: trace[k] for k in ("method", "fee_cents", "facility_pe", "modifier_factor_bp",
                                  "allowed_from", "network", "deductible_met_before_cents",
                                  "oop_met_before_cents")} == {
        "method": "rvu", "fee_cents": 9_322, "facility_pe": False, "modifier_factor_bp": 10_000,
        "allowed_from": "fee", "network": "in", "deductible_met_before_cents": 0,
        "oop_met_before_cents": 0,
    }  # fmt: skip
    assert "percent_of_charges_bp" not in trace and "service_category" in trace
    # The primary-care office visit has a $40 copay before the deductible; the injection goes
    # to the $100 deductible, which it does not exhaust, so no coinsurance.
    assert (lines[0]["copay_cents"], lines[0]["deductible_cents"]) == (4_000, 0)
    assert lines[1]["deductible_cents"] == 9_860 and lines[1]["coinsurance_cents"] == 0
    assert header["decision"] == "paid"
    assert header["paid_cents"] + header["patient_responsibility_cents"] == header["allowed_cents"]
    assert (
        header["billed_cents"] == header["allowed_cents"] + header["contractual_adjustment_cents"]
    )
    assert lines[0]["adjustments"] == [
        {"group": "CO", "carc": "45", "amount_cents": 15_000 - 9_322},
        {"group": "PR", "carc": "3", "amount_cents": 4_000},
    ]
    accumulator = connection.execute(
        text("SELECT deductible_cents, oop_cents FROM accumulator WHERE member_id = :m"),
        {"m": member.id},
    ).one()
    assert tuple(accumulator) == (9_860, 13_860)
    status = connection.execute(
        text("SELECT status FROM staging.claim WHERE id = :i"), {"i": claim.id}
    ).scalar()
    assert status == "processed"


def test_an_invalid_claim_is_rejected_with_every_reason(db, connection, redis_client, setting):
    plan, provider, member = setting
    claim = wf.make_claim(
        db,
        member,
        provider,
        lines=(("99999", 100, ("ZZ",)),),
        diagnosis_codes=["XYZ"],
        total_charge_cents=5,
    )
    adjudicate(connection, redis_client, [claim.id])
    reasons = connection.execute(
        text(
            "SELECT line_number, edit_code, message FROM production.failed_claim_reason "
            "WHERE claim_id = :i "
            "ORDER BY id"
        ),
        {"i": claim.id},
    ).all()
    codes = {(line, code) for line, code, _ in reasons}
    assert codes == {(None, "V010"), (None, "V041"), (1, "V020"), (1, "V021")}
    assert any("99999" in message for _, code, message in reasons if code == "V020")
    status = connection.execute(
        text("SELECT status FROM staging.claim WHERE id = :i"), {"i": claim.id}
    ).scalar()
    assert status == "rejected"
    assert (
        connection.execute(
            text("SELECT count(*) FROM production.claim WHERE id = :i"), {"i": claim.id}
        ).scalar()
        == 0
    )


def test_running_a_chunk_twice_writes_nothing_twice(db, connection, redis_client, setting):
    plan, provider, member = setting
    first = wf.make_claim(db, member, provider)
    adjudicate(connection, redis_client, [first.id])
    again = adjudicate(connection, redis_client, [first.id])
    assert len(again.chunk.claims.claim_id) == 0
    assert (
        connection.execute(
            text("SELECT count(*) FROM production.claim_line WHERE claim_id = :i"), {"i": first.id}
        ).scalar()
        == 1
    )


def test_a_claim_processed_meanwhile_makes_the_write_lose_the_race(
    db, connection, redis_client, setting
):
    """Optimistic concurrency: a claim that another transaction processed between the chunk's
    read and its write makes the write raise ConcurrentChange (the caller rolls back and
    recomputes), before any of the chunk's claims counts as written."""
    plan, provider, member = setting
    ids = [wf.make_claim(db, member, provider).id for _ in range(2)]
    chunk = fetch_chunk(connection, ids, today_days())
    result = run_pipeline(chunk, reference_arrays(connection, redis_client), default_scorer())
    ensure_partitions(connection, service_months(result))
    connection.execute(
        text("UPDATE staging.claim SET status = 'processed' WHERE id = :i"), {"i": ids[1]}
    )
    savepoint = connection.begin_nested()
    with pytest.raises(ConcurrentChange, match="no longer pending"):
        transfer(connection, result, None, "test")
    savepoint.rollback()
    written = connection.execute(
        text("SELECT count(*) FROM production.claim WHERE id = ANY(:ids)"), {"ids": ids}
    )
    assert written.scalar() == 0
    statuses = connection.execute(
        text("SELECT status FROM staging.claim WHERE id = ANY(:ids) ORDER BY id"), {"ids": ids}
    )
    assert statuses.scalars().all() == ["pending", "processed"]


@pytest.mark.parametrize("meanwhile", [False, True])
def test_a_family_members_first_row_created_after_the_read_makes_the_write_lose_the_race(
    db, connection, redis_client, setting, meanwhile
):
    """The family limits read every member's rows: another writer creating a family member's
    first row of the year between the chunk's read and its write (a claim submitted alone, a
    decision) makes the write raise ConcurrentChange once it holds the family's lock; the
    optimistic check of the rows read cannot see a row that did not exist."""
    plan, provider, member = setting
    spouse = wf.f.make_member(db, member, first_name="Spouse", relationship_code="01")
    wf.f.make_coverage(db, spouse, plan)
    ids = [wf.make_claim(db, member, provider).id]
    chunk = fetch_chunk(connection, ids, today_days())
    assert sorted(chunk.families.member_id.tolist()) == sorted([member.id, spouse.id])
    result = run_pipeline(chunk, reference_arrays(connection, redis_client), default_scorer())
    ensure_partitions(connection, service_months(result))
    if meanwhile:  # the spouse's first claim of the year, written by another transaction
        connection.execute(
            text("INSERT INTO accumulator (member_id, plan_id, plan_year, network, "
                 "deductible_cents, oop_cents) VALUES (:m, :p, 2026, 'in', 5000, 5000)"),
            {"m": spouse.id, "p": plan.id},
        )  # fmt: skip
    savepoint = connection.begin_nested()
    if meanwhile:
        with pytest.raises(ConcurrentChange, match="family member"):
            transfer(connection, result, None, "test")
        savepoint.rollback()
    else:
        transfer(connection, result, None, "test")
        savepoint.commit()
    written = connection.execute(
        text("SELECT count(*) FROM production.claim WHERE id = ANY(:ids)"), {"ids": ids}
    )
    assert written.scalar() == (0 if meanwhile else 1)


def test_coverage_ending_and_duplicates_deny_lines_with_their_carc(
    db, connection, redis_client, setting
):
    plan, provider, member = setting
    connection.execute(
        text("UPDATE coverage_span SET termination_date = '2026-01-31' WHERE member_id = :m"),
        {"m": member.id},
    )
    late = wf.make_claim(db, member, provider, day=date(2026, 2, 3))
    early = wf.make_claim(db, member, provider, day=date(2026, 1, 5))
    duplicate = wf.make_claim(db, member, provider, day=date(2026, 1, 5))
    adjudicate(connection, redis_client, [late.id, early.id, duplicate.id])
    assert production(connection, late.id)[1][0]["adjustments"][0]["carc"] == "27"
    assert production(connection, early.id)[0]["decision"] == "paid"
    denied = production(connection, duplicate.id)
    assert denied[0]["decision"] == "denied" and denied[1][0]["adjustments"][0]["carc"] == "18"


def test_a_line_already_in_production_is_a_duplicate(db, connection, redis_client, setting):
    plan, provider, member = setting
    first = wf.make_claim(db, member, provider, day=date(2026, 1, 7))
    adjudicate(connection, redis_client, [first.id])
    again = wf.make_claim(db, member, provider, day=date(2026, 1, 7))
    adjudicate(connection, redis_client, [again.id])
    claim, lines = production(connection, again.id)
    assert claim["decision"] == "denied"
    assert lines[0]["adjustments"] == [{"group": "CO", "carc": "18", "amount_cents": 15_000}]


def test_a_dependent_pays_deductible_only_up_to_what_the_family_has_left(
    db, connection, redis_client
):
    """Family limits through fetch, pipeline and transfer: the subscriber (no claim in the
    chunk) met 10,000 of the 11,000 family deductible, so the child's first claim pays 1,000 of
    deductible and the next none, though the child's own 10,000 is far from met. A chunk whose
    family row moved between its read and its write loses the race."""
    forget()
    wf.make_reference(connection)
    plan = wf.make_plan(
        db, individual_deductible_cents=10_000, family_deductible_cents=11_000, coinsurance_bp=0
    )
    provider = wf.f.make_provider(db, organization_name="Family Clinic")
    wf.make_network(db, plan, provider)
    subscriber = wf.make_covered_member(db, plan, provider)
    child = wf.f.make_member(db, subscriber, first_name="Kid", birth_date=date(2015, 3, 4))
    wf.f.make_coverage(db, child, plan)
    connection.execute(
        text("INSERT INTO accumulator (member_id, plan_id, plan_year, network, deductible_cents, "
             "oop_cents) VALUES (:m, :p, 2026, 'in', 10000, 10000)"),
        {"m": subscriber.id, "p": plan.id},
    )  # fmt: skip
    ids = [
        wf.make_claim(db, child, provider, lines=(("20610", 20_000, ()),), day=date(2026, 2, d)).id
        for d in (2, 3)
    ]
    chunk = fetch_chunk(connection, ids, today_days())
    result = run_pipeline(chunk, reference_arrays(connection, redis_client), default_scorer())
    ensure_partitions(connection, service_months(result))
    moved = "UPDATE accumulator SET oop_cents = oop_cents + :d WHERE member_id = :m"
    connection.execute(text(moved), {"m": subscriber.id, "d": 1})
    savepoint = connection.begin_nested()
    with pytest.raises(ConcurrentChange, match="accumulators"):
        transfer(connection, result, None, "test")
    savepoint.rollback()
    connection.execute(text(moved), {"m": subscriber.id, "d": -1})

    adjudicate(connection, redis_client, ids)
    deductibles = [line["deductible_cents"] for i in ids for line in production(connection, i)[1]]
    assert deductibles == [1_000, 0]
    rows = connection.execute(
        text("SELECT member_id, deductible_cents FROM accumulator WHERE plan_id = :p "
             "ORDER BY member_id"), {"p": plan.id},
    ).all()  # fmt: skip
    assert [tuple(r) for r in rows] == [(subscriber.id, 10_000), (child.id, 1_000)]
    forget()
