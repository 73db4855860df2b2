"""Adjudicating a set of claims end to end: fetch, the pure pipeline, transfer. The same code
serves a batch chunk on a worker and a single claim submitted through the API (a chunk of one).

Batch chunks are leased from batch_chunk rows (FOR UPDATE SKIP LOCKED); the write transaction
first confirms the lease and marks the chunk done, so a worker that lost its lease (killed, or
too slow) never commits, and a chunk is written exactly once.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
from dataclasses import dataclass
from datetime import date

import numpy as np
from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError

from backend.batches.metrics import CLAIMS, STAGE_SECONDS
from backend.batches.service import family_key
from backend.webhooks.service import enqueue_deliveries, record_chunk_decisions
from workers.fetch import fetch_chunk
from workers.pipeline import run_pipeline
from workers.pipeline.codes import DENIED, PAID, PENDED
from workers.pipeline.run import ChunkResult
from workers.recovery import (
    database_outage,
    lease_heartbeat,
    release_lease,
    wait_for_database,
)
from workers.reference_cache import reference_arrays
from workers.reversals import ANY_REPLACEMENT, reverse_originals
from workers.risk_metrics import risk_gauges
from workers.risk_plan import plan_for, reads_member_history
from workers.transfer import (
    ConcurrentChange,
    encode,
    ensure_partitions,
    service_months,
    transfer,
)

log = logging.getLogger("askes.pipeline")
CONCURRENCY_RETRIES = 5


class LeaseLost(Exception):
    """Another worker holds this chunk now (ours expired)."""


@dataclass
class Lease:
    batch_id: int
    chunk_number: int
    claim_ids: list[int]
    attempts: int
    depth: int
    worker: str
    lease_seconds: float = 120.0


def today_days() -> int:
    return (date.today() - date(1970, 1, 1)).days


def adjudicate(connection, redis, claim_ids: list[int], batch_id: int | None = None, scorer=None):
    """Fetch, adjudicate and write these claims inside the caller's transaction; returns the
    ChunkResult. Raises ConcurrentChange when another transaction got there first."""
    started = time.perf_counter()
    months, replacements = connection.execute(text(CHUNK_FACTS), {"ids": claim_ids}).one()
    create_missing_partitions(connection, months)
    reference = reference_arrays(connection, redis)
    if replacements:  # before the accumulators are read
        reverse_originals(connection, claim_ids, batch_id, probed=True)
    scorer = scorer or plan_for(connection)
    member_history = reads_member_history(scorer)
    chunk = fetch_chunk(
        connection,
        claim_ids,
        today_days(),
        replacements=replacements,
        member_history=member_history,
    )
    fetched = time.perf_counter()
    result = run_pipeline(chunk, reference, scorer)
    payload = encode(result)
    ensure_partitions(connection, service_months(result))
    steps = transfer(connection, result, batch_id, result.risk.version, payload)
    result.stage_seconds.update(_transfer_seconds(steps), fetch=fetched - started)
    figures = chunk_figures(result, len(claim_ids))
    record_metrics(redis, result.stage_seconds, figures, risk_gauges(result))
    return result


MISSING_MONTHS = """
SELECT m FROM (
    SELECT DISTINCT date_trunc('month', d)::date AS m FROM (
        SELECT statement_from FROM staging.claim WHERE id = ANY(:ids)
        UNION ALL SELECT service_from FROM staging.claim_line WHERE claim_id = ANY(:ids)) x(d)
    WHERE d IS NOT NULL) months
WHERE to_regclass('production.claim_' || to_char(m, 'YYYY_MM')) IS NULL
   OR to_regclass('production.claim_line_' || to_char(m, 'YYYY_MM')) IS NULL
"""
# What a chunk needs before its fetch, in one round trip (a claim submitted alone pays per
# statement): the service months without partitions, and whether a replacement or void is
# pending among its claims (workers/reversals.py).
CHUNK_FACTS = f"""
SELECT ARRAY({MISSING_MONTHS}) AS months, ({ANY_REPLACEMENT}) AS replacements
"""
PARTITION_LOCK_KEY = 7_311_201_516
HOLDS_PARTITIONED = """
SELECT EXISTS (SELECT 1 FROM pg_locks WHERE pid = pg_backend_pid() AND relation IN
               ('production.claim'::regclass, 'production.claim_line'::regclass))
"""


def create_missing_partitions(connection, months: list[date]) -> None:
    """Create the partitions of the claims' service months, if missing, in a short transaction
    of its own and one creator at a time. Created inside the caller's transaction, after it had
    read production.claim, ten requests for a new month at once deadlocked on the partitioned
    tables' locks (500s). If the creator cannot get the locks in time, the caller's own
    ensure_partitions creates them as before, and so it does when the caller's transaction
    already holds a lock on the partitioned tables. `months`: the chunk's service months
    without partitions (CHUNK_FACTS)."""
    if not months or connection.execute(text(HOLDS_PARTITIONED)).scalar_one():
        return  # a creator apart would wait for this very transaction
    try:
        with connection.engine.connect() as creator, creator.begin():
            creator.execute(text("SET LOCAL lock_timeout = '10s'"))
            creator.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PARTITION_LOCK_KEY})
            ensure_partitions(creator, months)
    except DBAPIError as error:
        log.warning("partitions not created apart: %s", type(error).__name__)


def _transfer_seconds(steps: dict[str, float]) -> dict[str, float]:
    """ "encode" (building the COPY data), "transfer" (the writes) and each write step."""
    writes = {f"transfer.{name}": value for name, value in steps.items() if name != "encode"}
    return {"encode": steps["encode"], "transfer": sum(writes.values()), **writes}


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


CLAIM_NEXT = """
UPDATE batch_chunk SET status = 'running', attempts = attempts + 1, worker = :worker,
       lease_until = now() + make_interval(secs => :lease), started_at = now()
WHERE (batch_id, chunk_number) = (
    SELECT batch_id, chunk_number FROM batch_chunk
    WHERE batch_id = :batch_id
      AND (status = 'pending' OR (status = 'running' AND lease_until < now()))
    ORDER BY chunk_number LIMIT 1 FOR UPDATE SKIP LOCKED)
RETURNING chunk_number, claim_ids, attempts, depth
"""
COMPLETE = """
UPDATE batch_chunk SET status = 'done', finished_at = now(), lease_until = NULL,
       claims_done = :claims_done, claims_paid = :claims_paid, claims_denied = :claims_denied,
       claims_pended = :claims_pended, claims_failed = :claims_failed,
       claims_skipped = :claims_skipped, lines_done = :lines_done,
       billed_cents = :billed_cents, allowed_cents = :allowed_cents, paid_cents = :paid_cents,
       patient_responsibility_cents = :patient_responsibility_cents,
       contractual_adjustment_cents = :contractual_adjustment_cents,
       noncovered_cents = :noncovered_cents, deductible_cents = :deductible_cents,
       coinsurance_cents = :coinsurance_cents, copay_cents = :copay_cents,
       prior_payer_cents = :prior_payer_cents, stage_seconds = :stage_seconds,
       peak_rss_mb = :peak_rss_mb
WHERE batch_id = :batch_id AND chunk_number = :chunk_number AND status = 'running'
  AND worker = :worker AND attempts = :attempts
"""
SPLIT = f"""
WITH halves AS (
    SELECT (hashtext({family_key("s")} || '\\:split') >> :depth) & 1 AS half, id
    FROM staging.claim s WHERE id = ANY(:claim_ids))
INSERT INTO batch_chunk (batch_id, chunk_number, status, claim_ids, claims, depth, attempts,
                         stage_seconds)
SELECT :batch_id, :next + half, 'pending', array_agg(id ORDER BY id), count(*), :depth + 1, 0,
       '{{}}'::jsonb
FROM halves GROUP BY half
"""


MEMBERS_IN_CHUNK = f"""
SELECT count(DISTINCT {family_key("s")})
FROM staging.claim s WHERE id = ANY(:claim_ids)
"""


def claim_chunk(engine, batch_id: int, worker: str) -> Lease | None:
    """Lease the next pending (or abandoned) chunk of the batch."""
    with engine.begin() as connection:
        lease = connection.execute(
            text("SELECT lease_seconds FROM batch WHERE id = :id"), {"id": batch_id}
        ).scalar()
        if lease is None:
            return None
        row = connection.execute(
            text(CLAIM_NEXT), {"batch_id": batch_id, "worker": worker, "lease": lease}
        ).first()
    if row is None:
        return None
    return Lease(
        batch_id, row.chunk_number, list(row.claim_ids), row.attempts, row.depth, worker, lease
    )


def run_chunk(engine, redis, lease: Lease, scorer=None) -> ChunkResult | None:
    """Process a leased chunk: read, compute with no transaction open, write in one
    transaction that first confirms the lease. Retries lost races; a database error splits
    the chunk in halves (see split_chunk). Returns None when the lease was lost."""
    with lease_heartbeat(engine, lease):
        return _run_with_retries(engine, redis, lease, scorer)


def _run_with_retries(engine, redis, lease: Lease, scorer) -> ChunkResult | None:
    for _attempt in range(CONCURRENCY_RETRIES):
        with engine.connect() as connection:
            try:
                return _run_once(connection, redis, lease, scorer)
            except ConcurrentChange as change:
                log.info("chunk %s/%s: %s; recomputing", lease.batch_id, lease.chunk_number, change)
            except LeaseLost:
                log.warning("chunk %s/%s: lease lost", lease.batch_id, lease.chunk_number)
                return None
    raise ConcurrentChange(f"chunk {lease.chunk_number} kept losing races")


def _run_once(connection, redis, lease: Lease, scorer) -> ChunkResult:
    started = time.perf_counter()
    with connection.begin():
        reference = reference_arrays(connection, redis)
        # Replacements and voids reverse their originals before the accumulators are read,
        # committed with this read: a retry of the chunk finds them reversed by the same claims.
        reverse_originals(connection, lease.claim_ids, lease.batch_id)
        scorer = scorer or plan_for(connection)
        member_history = reads_member_history(scorer)
        chunk = fetch_chunk(
            connection, lease.claim_ids, today_days(), member_history=member_history
        )
    fetched = time.perf_counter()
    result = run_pipeline(chunk, reference, scorer)
    payload = encode(result)
    with connection.begin():
        ensure_partitions(connection, service_months(result))
    with connection.begin():
        figures = chunk_figures(result, len(lease.claim_ids))
        params = {
            **figures,
            "batch_id": lease.batch_id,
            "chunk_number": lease.chunk_number,
            "worker": lease.worker,
            "attempts": lease.attempts,
            "stage_seconds": "{}",
            "peak_rss_mb": peak_rss_mb(),
        }
        if connection.execute(text(COMPLETE), params).rowcount != 1:
            raise LeaseLost()
        steps = transfer(connection, result, lease.batch_id, result.risk.version, payload)
        deliveries = record_chunk_decisions(connection)  # webhooks: in the chunk's transaction
        seconds = {**result.stage_seconds, "fetch": fetched - started, **_transfer_seconds(steps)}
        connection.execute(
            text(
                "UPDATE batch_chunk SET stage_seconds = :s "
                "WHERE batch_id = :b AND chunk_number = :c"
            ),
            {"s": json.dumps(seconds), "b": lease.batch_id, "c": lease.chunk_number},
        )
    result.stage_seconds = seconds
    enqueue_deliveries(redis, deliveries)
    record_metrics(redis, seconds, figures, risk_gauges(result))
    return result


def split_chunk(engine, lease: Lease, error: Exception) -> bool:
    """After a database error: replace the chunk by two halves (claims of one family stay
    together, so cost share and the family limits stay in service-date order). A chunk of one
    family's claims cannot be halved: it is marked failed, its claims stay pending. True if
    split."""
    message = f"{type(error).__name__}: {str(error).splitlines()[0][:300]}"
    with engine.begin() as connection:
        connection.execute(
            text("SELECT 1 FROM batch WHERE id = :id FOR UPDATE"), {"id": lease.batch_id}
        )
        members = connection.execute(text(MEMBERS_IN_CHUNK), {"claim_ids": lease.claim_ids})
        if members.scalar_one() <= 1 or lease.depth >= 24:
            connection.execute(
                text(
                    "UPDATE batch_chunk SET status = 'failed', error = :e, lease_until = NULL "
                    "WHERE batch_id = :b AND chunk_number = :c AND worker = :w AND attempts = :a"
                ),
                {
                    "e": message,
                    "b": lease.batch_id,
                    "c": lease.chunk_number,
                    "w": lease.worker,
                    "a": lease.attempts,
                },
            )
            return False
        next_number = connection.execute(
            text("SELECT max(chunk_number) + 1 FROM batch_chunk WHERE batch_id = :b"),
            {"b": lease.batch_id},
        ).scalar_one()
        done = connection.execute(
            text(
                "UPDATE batch_chunk SET status = 'split', error = :e, lease_until = NULL "
                "WHERE batch_id = :b AND chunk_number = :c AND worker = :w AND attempts = :a"
            ),
            {
                "e": message,
                "b": lease.batch_id,
                "c": lease.chunk_number,
                "w": lease.worker,
                "a": lease.attempts,
            },
        ).rowcount
        if done:
            connection.execute(
                text(SPLIT),
                {
                    "batch_id": lease.batch_id,
                    "next": next_number,
                    "depth": lease.depth,
                    "claim_ids": lease.claim_ids,
                },
            )
    return True


def work_batch_chunks(engine, redis, batch_id: int, scorer=None, poll_seconds: float = 0.5) -> int:
    """Lease and process chunks of the batch until every chunk is finished, waiting on chunks
    other workers hold (and taking them over when their lease expires). Returns chunks done."""
    worker, done = worker_name(), 0
    while True:
        try:
            if not _wait_for_batch(engine, batch_id):
                log.warning("batch %s does not exist; job dropped", batch_id)
                return 0
            break
        except DBAPIError as error:
            _outlast_outage(engine, error, None)
    while True:
        lease = None
        try:
            lease = claim_chunk(engine, batch_id, worker)
            if lease is None:
                if not _unfinished(engine, batch_id):
                    return done
                time.sleep(poll_seconds)
                continue
            done += _work_chunk(engine, redis, lease, scorer)
            finish_if_complete(engine, batch_id)
        except DBAPIError as error:
            _outlast_outage(engine, error, lease)


def _work_chunk(engine, redis, lease: Lease, scorer) -> int:
    """1 if this worker wrote the chunk; a database error of the chunk's own splits it."""
    try:
        return int(run_chunk(engine, redis, lease, scorer) is not None)
    except DBAPIError as error:
        if isinstance(error, OperationalError) or error.connection_invalidated:
            raise  # the server, not the chunk: see _outlast_outage
        log.warning(
            "chunk %s/%s failed: %s; splitting", lease.batch_id, lease.chunk_number,
            type(error).__name__,
        )  # fmt: skip
        split_chunk(engine, lease, error)
        return 0


def _outlast_outage(engine, error: DBAPIError, lease: Lease | None) -> None:
    """PostgreSQL went away (restart, outage): wait for it with back-off and hand our chunk
    back, so the job goes on instead of failing. Any other error is raised (RQ retries)."""
    if not database_outage(engine, error):
        raise error
    log.warning("database unreachable (%s); waiting for it", type(error).__name__)
    wait_for_database(engine)
    if lease is not None:
        release_lease(engine, lease)


BATCH_STATE = """
SELECT EXISTS (SELECT 1 FROM batch WHERE id = :b),
       coalesce(:b <= (SELECT coalesce(last_value, 0) FROM pg_sequences
                       WHERE schemaname || '.' || sequencename
                             = pg_get_serial_sequence('batch', 'id')), true)
"""  # allocated: unknown (the sequence not visible) counts as allocated


def _wait_for_batch(engine, batch_id: int, timeout: float = 60.0) -> bool:
    """A job may start before the transaction that created its batch commits: wait for the
    batch row. An id the batch sequence never reached was not made by this database (a job
    left in Redis from another one, e.g. after the database was recreated): no wait for it,
    it would hold the worker for the whole timeout. True if the batch exists."""
    deadline = time.monotonic() + timeout
    while True:
        with engine.connect() as connection:
            found, allocated = connection.execute(text(BATCH_STATE), {"b": batch_id}).one()
        if found or not allocated or time.monotonic() > deadline:
            return bool(found)
        time.sleep(0.05)


def _unfinished(engine, batch_id: int) -> int:
    with engine.connect() as connection:
        return connection.execute(
            text(
                "SELECT count(*) FROM batch_chunk "
                "WHERE batch_id = :b AND status IN ('pending', 'running')"
            ),
            {"b": batch_id},
        ).scalar_one()


def finish_if_complete(engine, batch_id: int) -> None:
    from backend.batches.service import finish_batch
    from backend.reports.rollups import compact_after_batch

    with engine.begin() as connection:
        finished = finish_batch(connection, batch_id)
    if finished:
        compact_after_batch(engine)


def chunk_figures(result: ChunkResult, leased: int) -> dict:
    """Counts and money of a chunk for batch_chunk (adjudicated claims only for money)."""
    decided = result.claims
    adjudicated = ~result.rejected
    decision = decided.decision
    figures = {
        "claims_paid": int((adjudicated & (decision == PAID)).sum()),
        "claims_denied": int((adjudicated & (decision == DENIED)).sum()),
        "claims_pended": int((adjudicated & (decision == PENDED)).sum()),
        "claims_failed": int(result.rejected.sum()),
        "claims_skipped": leased - len(result.rejected),
        "lines_done": int(adjudicated[result.chunk.lines.line_claim].sum()),
    }
    figures["claims_done"] = len(result.rejected)
    sums = {
        "billed_cents": decided.billed,
        "allowed_cents": decided.allowed,
        "paid_cents": decided.paid,
        "patient_responsibility_cents": decided.patient,
        "contractual_adjustment_cents": decided.contractual,
        "noncovered_cents": decided.noncovered,
        "deductible_cents": decided.deductible,
        "coinsurance_cents": decided.coinsurance,
        "copay_cents": decided.copay,
        "prior_payer_cents": _prior_payer(decided),
    }
    figures.update({name: int(values[adjudicated].sum()) for name, values in sums.items()})
    return figures


def _prior_payer(decided) -> np.ndarray:
    prior = decided.prior_payer
    return np.zeros(len(decided.decision), np.int64) if prior is None else prior


def peak_rss_mb() -> float:
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


# One command for all of a chunk's counters and gauges (a pipeline of one HINCRBYFLOAT per
# stage cost a claim submitted alone half a millisecond of Python; the risk gauges apart, one
# more round trip): (key number, field, value) triples, the first two keys added to, the
# others (gauges) set.
ADD_COUNTERS = """
for i = 1, #ARGV, 3 do
  local key = tonumber(ARGV[i])
  if key <= 2 then
    redis.call('HINCRBYFLOAT', KEYS[key], ARGV[i + 1], ARGV[i + 2])
  else
    redis.call('HSET', KEYS[key], ARGV[i + 1], ARGV[i + 2])
  end
end
"""


def record_metrics(redis, seconds: dict, figures: dict, gauges: dict | None = None) -> None:
    """Add a chunk's stage seconds and claim counts to the counters /metrics exposes, and set
    its gauges ({Redis hash: {field: value}}, workers/risk_metrics.py)."""
    if redis is None:
        return
    try:
        _add_counters(redis, seconds, figures, gauges or {})
    except RedisError as error:  # counters are not worth losing a committed chunk's bookkeeping
        log.warning("stage counters not recorded: Redis unreachable (%s)", type(error).__name__)


def _add_counters(redis, seconds: dict, figures: dict, gauges: dict) -> None:
    arguments = []
    for stage, value in seconds.items():
        arguments += [1, stage, repr(float(value))]
    for name in ("claims_paid", "claims_denied", "claims_pended", "claims_failed"):
        arguments += [2, name.removeprefix("claims_"), figures[name]]
    keys = [STAGE_SECONDS, CLAIMS, *gauges]
    for number, mapping in enumerate(gauges.values(), start=3):
        for field, value in mapping.items():
            arguments += [number, field, repr(float(value))]
    redis.register_script(ADD_COUNTERS)(keys=keys, args=arguments)
