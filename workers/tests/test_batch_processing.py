"""A batch end to end on committed data: chunks by member, leased and worked, reconciled."""

from datetime import date

import pytest
from rq import Queue
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


@pytest.fixture
def subscribers(engine, committed_claims):
    """Four subscriptions of one admin: every claim; the batch's billing provider; the
    organization it belongs to; a stranger organization (hears nothing)."""
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO role (name, description, permissions) VALUES "
                                "('admin', 'admin', '{}') ON CONFLICT DO NOTHING"))  # fmt: skip
        owner = connection.execute(text(
            "INSERT INTO app_user (username, display_name, password_hash, role_name, is_active, "
            "failed_login_count) VALUES ('batch-hooks', 'hooks', 'x', 'admin', true, 0) "
            "RETURNING id")).scalar_one()  # fmt: skip
        session = Session(bind=connection)
        organization = wf.f.make_provider(session, organization_name="Parent Org")
        stranger = wf.f.make_provider(session, organization_name="Stranger Org")
        billing = connection.execute(
            text("SELECT billing_provider_id FROM staging.claim WHERE id = :id"),
            {"id": committed_claims[0]},
        ).scalar_one()
        connection.execute(text("UPDATE provider SET organization_id = :o WHERE id = :p"),
                           {"o": organization.id, "p": billing})  # fmt: skip
        scopes = {"all": None, "billing": billing, "organization": organization.id,
                  "stranger": stranger.id}  # fmt: skip
        subscriptions = {
            name: connection.execute(
                text(
                    "INSERT INTO webhook_subscription (owner_user_id, provider_id, url, secret, "
                    "events, is_active, consecutive_failures) VALUES (:owner, :provider, "
                    "'http://127.0.0.1:9/hooks', 'whsec_x', "
                    "ARRAY['claim.adjudicated', 'claim.pended'], true, 0) RETURNING id"
                ),
                {"owner": owner, "provider": provider},
            ).scalar_one()  # fmt: skip
            for name, provider in scopes.items()
        }
        providers = [organization.id, stranger.id]
    yield subscriptions
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM webhook_delivery WHERE subscription_id = ANY(:s)"),
                           {"s": list(subscriptions.values())})  # fmt: skip
        connection.execute(text("DELETE FROM webhook_subscription WHERE owner_user_id = :o"),
                           {"o": owner})  # fmt: skip
        connection.execute(text("DELETE FROM app_user WHERE id = :o"), {"o": owner})
        connection.execute(text("UPDATE provider SET organization_id = NULL WHERE id = :p"),
                           {"p": billing})  # fmt: skip
        connection.execute(text("DELETE FROM provider WHERE id = ANY(:p)"), {"p": providers})


DELIVERED_EVENTS = """
SELECT d.subscription_id, d.event, (d.payload -> 'data' ->> 'claim_id')::int8 AS claim_id,
       d.payload -> 'data' ->> 'decision' AS decision, c.decision AS written, d.status
FROM webhook_delivery d LEFT JOIN production.claim c
     ON c.id = (d.payload -> 'data' ->> 'claim_id')::int8
WHERE d.subscription_id = ANY(:s)
"""


def _deliveries(engine, subscriptions):
    with engine.connect() as connection:
        rows = connection.execute(text(DELIVERED_EVENTS), {"s": list(subscriptions.values())}).all()
    return {name: sorted((r.claim_id, r.event, r.decision, r.written, r.status) for r in rows
                         if r.subscription_id == subscription_id)
            for name, subscription_id in subscriptions.items()}  # fmt: skip


def test_a_batch_announces_each_decision_once_to_those_who_may_hear(
    engine, redis_client, committed_claims, subscribers
):
    with engine.begin() as connection:
        batch_id = create_batch(connection, {"claim_ids": committed_claims}, claims_per_chunk=10)
    work_batch_chunks(engine, redis_client, batch_id)
    work_batch_chunks(engine, redis_client, batch_id)  # nothing left: announces nothing more
    deliveries = _deliveries(engine, subscribers)
    adjudicated = sorted(committed_claims[:-1])  # the last one is rejected: no decision
    for name in ("all", "billing", "organization"):
        rows = deliveries[name]
        assert [row[0] for row in rows] == adjudicated  # each claim exactly once
        for _claim, event, decision, written, status in rows:
            assert decision == written and status == "pending"
            assert event == ("claim.pended" if written == "pended" else "claim.adjudicated")
    assert deliveries["stranger"] == []
    assert Queue("webhooks", connection=redis_client).count == 3 * len(adjudicated)


def test_a_chunk_rolled_back_announces_nothing(
    engine, redis_client, committed_claims, one_claim_refused_by_the_database, subscribers
):
    with engine.begin() as connection:
        batch_id = create_batch(connection, {"claim_ids": committed_claims}, claims_per_chunk=50)
    work_batch_chunks(engine, redis_client, batch_id)
    with engine.connect() as connection:
        written = (
            connection.execute(
                text("SELECT id FROM production.claim WHERE batch_id = :b"), {"b": batch_id}
            )
            .scalars()
            .all()
        )
    announced = [row[0] for row in _deliveries(engine, subscribers)["all"]]
    assert one_claim_refused_by_the_database not in announced
    assert announced == sorted(written) and len(written) == 35
