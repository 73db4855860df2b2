"""A worker killed with SIGKILL in the middle of a chunk loses its lease; another worker redoes
the chunk, and every claim ends processed exactly once (real RQ worker processes, real
PostgreSQL and Redis). Chunks last longer than the lease: the live workers' heartbeats keep
theirs, and the dead one's chunk is taken over seconds after its last renewal."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from backend.batches.service import batch_progress, start_batch
from workers.queues import live_workers
from workers.tests import factories as wf

ASKES = str(Path(sys.executable).parent / "askes")
CLAIMS, MEMBERS = 1_200, 120
LEASE_SECONDS = 3  # each chunk takes longer (SLOW_SCORER_SECONDS): only heartbeats keep it
POPULATION = f"""
INSERT INTO plan (code, name, plan_type, individual_deductible_cents, family_deductible_cents,
    individual_oop_max_cents, family_oop_max_cents, coinsurance_bp, out_of_network_covered,
    out_of_network_deductible_cents, out_of_network_oop_max_cents, out_of_network_coinsurance_bp)
VALUES ('KILLTEST', 'Kill test PPO', 'PPO', 20000, 40000, 90000000, 90000000, 2000, true,
        40000, 90000000, 4000);
INSERT INTO provider (npi, entity_type, organization_name, taxonomy_code, pricing_locality_code)
VALUES ('1999999992', 2, 'Kill Test Clinic', '207Q00000X', '99999-01');
INSERT INTO provider_network (provider_id, plan_id, effective_date)
SELECT p.id, plan.id, '2025-01-01' FROM provider p, plan
WHERE p.npi = '1999999992' AND plan.code = 'KILLTEST';
INSERT INTO member (member_number, relationship_code, first_name, last_name, birth_date, sex)
SELECT 'KILL' || n, '18', 'Kay', 'Ill', '1970-01-01', 'F' FROM generate_series(1, {MEMBERS}) n;
INSERT INTO coverage_span (member_id, plan_id, effective_date)
SELECT m.id, plan.id, '2025-01-01' FROM member m, plan
WHERE m.member_number LIKE 'KILL%' AND plan.code = 'KILLTEST';
INSERT INTO staging.claim (status, priority, channel, claim_type, patient_control_number,
    frequency_code, relationship_code, subscriber_member_number, member_id, billing_provider_npi,
    place_of_service, statement_from, statement_to, diagnosis_codes, total_charge_cents)
SELECT 'pending', 0, 'api', 'professional', 'KILL-PCN-' || n, '1', '18',
       'KILL' || (n % {MEMBERS} + 1),
       (SELECT id FROM member WHERE member_number = 'KILL' || (n % {MEMBERS} + 1)),
       '1999999992', '11', DATE '2026-01-01' + (n % 50), DATE '2026-01-01' + (n % 50),
       ARRAY['E119'], 15000 + n
FROM generate_series(1, {CLAIMS}) n;
INSERT INTO staging.claim_line (claim_id, line_number, procedure_code, service_from, service_to,
    units, unit_basis, charge_cents, diagnosis_pointers)
SELECT id, 1, '99213', statement_from, statement_to, 1, 'UN', total_charge_cents, ARRAY[1]
FROM staging.claim WHERE patient_control_number LIKE 'KILL-PCN-%';
"""
CLEANUP = """
DELETE FROM production.claim_line WHERE claim_id IN (SELECT id FROM staging.claim
    WHERE patient_control_number LIKE 'KILL-PCN-%');
DELETE FROM production.claim WHERE patient_control_number LIKE 'KILL-PCN-%';
DELETE FROM production.failed_claim_reason WHERE claim_id IN (SELECT id FROM staging.claim
    WHERE patient_control_number LIKE 'KILL-PCN-%');
DELETE FROM production.failed_claim WHERE claim_id IN (SELECT id FROM staging.claim
    WHERE patient_control_number LIKE 'KILL-PCN-%');
DELETE FROM staging.claim WHERE patient_control_number LIKE 'KILL-PCN-%';
DELETE FROM batch_chunk;
DELETE FROM batch;
DELETE FROM accumulator WHERE member_id IN (SELECT id FROM member WHERE member_number LIKE 'KILL%');
DELETE FROM coverage_span WHERE member_id IN (
    SELECT id FROM member WHERE member_number LIKE 'KILL%');
DELETE FROM member WHERE member_number LIKE 'KILL%';
DELETE FROM provider_network
WHERE provider_id IN (SELECT id FROM provider WHERE npi = '1999999992');
DELETE FROM provider WHERE npi = '1999999992';
DELETE FROM plan WHERE code = 'KILLTEST';
DELETE FROM fee_schedule_rvu;
DELETE FROM gpci;
DELETE FROM conversion_factor;
DELETE FROM icd10cm_code;
DELETE FROM place_of_service;
DELETE FROM modifier
"""


def run_statements(engine, script: str) -> None:
    with engine.begin() as connection:
        for statement in filter(str.strip, script.split(";\n")):
            connection.execute(text(statement))


@pytest.fixture
def population(engine):
    with engine.begin() as connection:
        wf.make_reference(connection)
    run_statements(engine, POPULATION)
    yield
    run_statements(engine, CLEANUP)


@pytest.fixture
def workers(database_url, redis_url, redis_client):
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url,
           "ASKES_RISK_SCORER": "workers.tests.slow_scorer:SlowRules",
           "SLOW_SCORER_SECONDS": str(LEASE_SECONDS + 2)}  # fmt: skip
    processes = [
        subprocess.Popen([ASKES, "worker", "--queue", "claims-batch"], env=env) for _ in range(2)
    ]
    deadline = time.monotonic() + 30
    while live_workers(redis_client) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    yield processes
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        process.wait(timeout=30)


def chunk_rows(engine, batch_id):
    with engine.connect() as connection:
        return connection.execute(
            text("SELECT chunk_number, status, worker, attempts, started_at FROM batch_chunk "
                 "WHERE batch_id = :b ORDER BY chunk_number"), {"b": batch_id},
        ).all()  # fmt: skip


def database_now(engine):
    with engine.connect() as connection:
        return connection.execute(text("SELECT now()")).scalar_one()


def test_a_worker_killed_mid_chunk_loses_its_lease_and_nothing_is_lost_or_doubled(
    engine, redis_client, population, workers
):
    with engine.begin() as connection:
        batch_id = start_batch(
            connection, redis_client, {}, claims_per_chunk=300, lease_seconds=LEASE_SECONDS
        )
    pids = {process.pid: process for process in workers}
    victim = None
    deadline = time.monotonic() + 60
    while victim is None and time.monotonic() < deadline:
        for number, status, worker, _attempts, _started in chunk_rows(engine, batch_id):
            pid = int(worker.rsplit(":", 1)[1]) if worker else None
            if status == "running" and pid in pids:
                os.kill(pid, signal.SIGKILL)
                pids[pid].wait(timeout=10)
                victim = (number, worker, database_now(engine))
                break
        time.sleep(0.02)
    assert victim, "no chunk was ever seen running"

    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        with engine.connect() as connection:
            progress = batch_progress(connection, batch_id)
        if progress["status"] != "running":
            break
        time.sleep(0.5)
    assert progress["status"] == "done", progress

    chunks = {row[0]: row for row in chunk_rows(engine, batch_id)}
    taken_over = chunks.pop(victim[0])
    assert taken_over.status == "done" and taken_over.worker != victim[1]
    assert taken_over.attempts >= 2
    # Before heartbeats the dead worker's chunk waited out the whole lease (120 s by default).
    assert (taken_over.started_at - victim[2]).total_seconds() < 60
    # Every chunk outlived its lease; renewed, none but the dead worker's was taken over.
    assert all(row.status == "done" and row.attempts == 1 for row in chunks.values()), chunks
    assert_processed_exactly_once(engine, progress)


def assert_processed_exactly_once(engine, progress) -> None:
    """Every claim of the population written once, out-of-pocket counted once, balanced."""
    with engine.connect() as connection:
        staged = connection.execute(text(
            "SELECT count(*) FILTER (WHERE status = 'pending'), count(*) FROM staging.claim "
            "WHERE patient_control_number LIKE 'KILL-PCN-%'")).one()  # fmt: skip
        written = connection.execute(text(
            "SELECT count(*), count(DISTINCT id) FROM production.claim "
            "WHERE patient_control_number LIKE 'KILL-PCN-%'")).one()  # fmt: skip
        doubled = connection.execute(text("""
            SELECT count(*) FROM accumulator a JOIN member m ON m.id = a.member_id
            WHERE m.member_number LIKE 'KILL%' AND a.oop_cents <> (
                SELECT coalesce(sum(c.patient_responsibility_cents), 0) FROM production.claim c
                WHERE c.member_id = a.member_id AND c.plan_id = a.plan_id
                  AND extract(year FROM c.service_from) = a.plan_year)""")).scalar()  # fmt: skip
    assert staged == (0, CLAIMS)
    assert written == (CLAIMS, CLAIMS)
    assert doubled == 0  # each member's out-of-pocket counts each claim once
    assert progress["reconciliation"]["balanced"]
    assert progress["claims_paid"] + progress["claims_pended"] + progress["claims_denied"] == CLAIMS
