"""A batch end to end on committed data: chunks by member, leased and worked, reconciled."""

from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from backend.batches.service import batch_progress, create_batch
from workers import chunks
from workers.chunks import work_batch_chunks
from workers.reference_cache import forget
from workers.tests import factories as wf

CLEANUP = """
DELETE FROM production.failed_claim_reason WHERE claim_id = ANY(:ids);
DELETE FROM production.failed_claim WHERE claim_id = ANY(:ids);
DELETE FROM production.claim_line WHERE claim_id = ANY(:ids);
DELETE FROM production.claim WHERE id = ANY(:ids);
DELETE FROM staging.claim_line WHERE claim_id = ANY(:ids);
DELETE FROM staging.claim WHERE id = ANY(:ids);
DELETE FROM batch_chunk; DELETE FROM batch;
DELETE FROM accumulator WHERE member_id = ANY(:members);
DELETE FROM coverage_span WHERE member_id = ANY(:members);
DELETE FROM member WHERE id = ANY(:members);
DELETE FROM provider_network WHERE provider_id = :provider;
DELETE FROM provider WHERE id = :provider;
DELETE FROM plan_copay WHERE plan_id = :plan; DELETE FROM plan WHERE id = :plan;
DELETE FROM fee_schedule_rvu; DELETE FROM gpci; DELETE FROM conversion_factor;
DELETE FROM icd10cm_code; DELETE FROM place_of_service; DELETE FROM modifier;
"""


@pytest.fixture
def committed_claims(engine):
    """Forty claims of eight members, committed (workers see them), removed afterwards."""
    forget()
    with engine.begin() as connection:
        wf.make_reference(connection)
        session = Session(bind=connection)
        plan = wf.make_plan(session, individual_deductible_cents=5_000)
        provider = wf.f.make_provider(session, organization_name="Batch Clinic")
        wf.make_network(session, plan, provider)
        members = [wf.make_covered_member(session, plan, provider) for _ in range(8)]
        claims = [
            wf.make_claim(
                session,
                members[n % 8],
                provider,
                day=date(2026, 1, 5 + n % 20),
                lines=(("99213", 15_000 + n, ()), ("36415", 2_000, ())),
            )
            for n in range(40)
        ]
        claims.append(wf.make_claim(session, members[0], provider, diagnosis_codes=["BAD"]))
        ids = [c.id for c in claims]
        keys = {
            "ids": ids,
            "members": [m.id for m in members],
            "provider": provider.id,
            "plan": plan.id,
        }
    yield ids
    with engine.begin() as connection:
        for statement in filter(str.strip, CLEANUP.replace("; ", ";\n").split(";\n")):
            connection.execute(text(statement.strip().rstrip(";")), keys)
    forget()


def test_a_batch_is_worked_in_chunks_and_reconciles(engine, redis_client, committed_claims):
    with engine.begin() as connection:
        batch_id = create_batch(connection, {"claim_ids": committed_claims}, claims_per_chunk=10)
    with engine.connect() as connection:
        chunks = connection.execute(
            text("SELECT count(*) FROM batch_chunk WHERE batch_id = :b"), {"b": batch_id}
        ).scalar()
    assert 2 <= chunks <= 5  # eight members hashed into five chunks: some may stay empty
    assert work_batch_chunks(engine, redis_client, batch_id) == chunks
    with engine.connect() as connection:
        progress = batch_progress(connection, batch_id)
        production = connection.execute(
            text(
                "SELECT count(*), sum(paid_cents), sum(allowed_cents) FROM production.claim "
                "WHERE batch_id = :b"
            ),
            {"b": batch_id},
        ).one()
    reconciliation = progress["reconciliation"]
    assert progress["status"] == "done" and progress["claims_done"] == 41
    assert reconciliation["claims_in"] == 41 and reconciliation["failed"] == 1
    assert reconciliation["completed"] + reconciliation["pended"] == 40 == production[0]
    assert (
        reconciliation["paid_cents"] == production[1]
        and reconciliation["allowed_cents"] == production[2]
    )
    assert reconciliation["balanced"] is True
    assert set(progress["stage_seconds"]) >= {"fetch", "validation", "cost_share", "transfer"}


REFUSING_FUNCTION = """
CREATE FUNCTION public.askes_test_refuse_claim() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.id = {claim_id} THEN
        RAISE EXCEPTION 'refused by the test' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$
"""
REFUSING_TRIGGER = """
CREATE TRIGGER askes_test_refuse_claim BEFORE INSERT ON production.claim
    FOR EACH ROW EXECUTE FUNCTION public.askes_test_refuse_claim()
"""


@pytest.fixture
def one_claim_refused_by_the_database(engine, committed_claims):
    """A trigger that makes PostgreSQL refuse one claim's production row: a database error
    that only that claim causes."""
    refused = committed_claims[7]
    with engine.begin() as connection:
        connection.execute(text(REFUSING_FUNCTION.format(claim_id=refused)))
        connection.execute(text(REFUSING_TRIGGER))
    yield refused
    with engine.begin() as connection:
        connection.execute(text("DROP TRIGGER askes_test_refuse_claim ON production.claim"))
        connection.execute(text("DROP FUNCTION public.askes_test_refuse_claim()"))


def test_a_database_error_splits_the_chunk_down_to_the_member_it_comes_from(
    engine, redis_client, committed_claims, one_claim_refused_by_the_database
):
    refused = one_claim_refused_by_the_database
    with engine.begin() as connection:
        batch_id = create_batch(connection, {"claim_ids": committed_claims}, claims_per_chunk=50)
    work_batch_chunks(engine, redis_client, batch_id)
    with engine.connect() as connection:
        progress = batch_progress(connection, batch_id)
        chunks = connection.execute(
            text(
                "SELECT status, claims, error FROM batch_chunk WHERE batch_id = :b "
                "ORDER BY chunk_number"
            ),
            {"b": batch_id},
        ).all()
        written = connection.execute(
            text("SELECT id FROM production.claim WHERE batch_id = :b"), {"b": batch_id}
        ).scalars()
        staged = connection.execute(
            text("SELECT status FROM staging.claim WHERE id = :id"), {"id": refused}
        ).scalar_one()
    failed_chunks = [chunk for chunk in chunks if chunk.status == "failed"]
    # Halved down to the claims of the refused claim's member (a member's claims stay
    # together: cost share runs in service-date order), five of the forty; the others went
    # through.
    culprits = set(committed_claims[7:40:8])
    assert refused in culprits and [chunk.claims for chunk in failed_chunks] == [5]
    assert "refused by the test" in failed_chunks[0].error
    assert {chunk.status for chunk in chunks} <= {"split", "done", "failed"}
    assert sorted(written) == sorted(set(committed_claims[:-1]) - culprits)
    assert staged == "pending"  # not lost: a later batch takes it again
    reconciliation = progress["reconciliation"]
    assert reconciliation["unprocessed"] == 5 and reconciliation["failed"] == 1
    assert reconciliation["claims_in"] == 41 and reconciliation["balanced"] is True


def test_a_job_for_a_batch_this_database_never_made_ends_at_once(engine, redis_client, monkeypatch):
    """A job left in Redis from another database (one recreated, say) names a batch id the
    batch sequence never reached: the worker drops it instead of polling for the row for a
    minute (as it does for a batch whose creating transaction has not committed yet)."""
    with engine.connect() as connection:
        unallocated = connection.execute(
            text("SELECT coalesce(max(id), 0) + 1000000 FROM batch")
        ).scalar_one()

    def no_polling(_seconds):
        raise AssertionError("the worker waited for a batch that cannot appear")

    monkeypatch.setattr(chunks.time, "sleep", no_polling)
    assert work_batch_chunks(engine, redis_client, unallocated) == 0
