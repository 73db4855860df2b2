"""A batch end to end on committed data: chunks by member, leased and worked, reconciled."""

from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from backend.batches.service import batch_progress, create_batch
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
