"""Batches: starting one (split into chunks by member, jobs enqueued), its progress, and its
end with a reconciliation. Shared by the API route, the RQ job and `askes process`."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import text

from backend.batches.models import CHUNK_COUNTERS, CHUNK_MONEY

CLAIMS_PER_CHUNK = 25_000  # ~four chunks per 100,000 claims kept two workers busy
# A chunk's lease is renewed by its worker's heartbeat every fifth of this (workers/recovery.py):
# a dead worker's chunk is taken over this long after its last renewal, not after the chunk.
LEASE_SECONDS = 20
JOB_RETRIES = 3
FILTERS = {
    "channel": "channel = :channel",
    "claim_type": "claim_type = :claim_type",
    "billing_provider_id": "billing_provider_id = :billing_provider_id",
    "received_from": "received_at >= :received_from",
    "received_to": "received_at <= :received_to",
    "claim_ids": "id = ANY(:claim_ids)",
    "id_from": "id >= :id_from",
    "id_to": "id <= :id_to",
}
MEMBER_KEY = "coalesce(patient_member_number, subscriber_member_number)"


def family_key(claim: str) -> str:
    """What keeps a staging row `claim` in its family's chunk: the family (the subscriber's
    member id) of the member intake resolved, else the member number (a claim without a
    member is rejected). Family limits (docs/pipeline.md) need a family's claims in one chunk,
    in processing order, as cost share needs a member's."""
    return (
        f"coalesce((SELECT coalesce(f.subscriber_id, f.id) FROM member f "
        f"WHERE f.id = {claim}.member_id)::text, "
        f"{claim}.patient_member_number, {claim}.subscriber_member_number)"
    )


def create_batch(
    connection,
    filters: dict | None = None,
    created_by_id: int | None = None,
    claims_per_chunk: int = CLAIMS_PER_CHUNK,
    lease_seconds: int = LEASE_SECONDS,
    limit: int | None = None,
) -> int:
    """A batch of the pending claims matching `filters`, split into chunks of about
    `claims_per_chunk` claims; all claims of one family (a member and the subscriber's other
    dependents) go to the same chunk."""
    filters = {k: v for k, v in (filters or {}).items() if v is not None and k in FILTERS}
    where = " AND ".join(["status = 'pending'", *(FILTERS[k] for k in filters)])
    limited = f"ORDER BY id LIMIT {int(limit)}" if limit else ""
    pending = (  # family_key as a join: a hash of the members, not a lookup per claim
        "SELECT p.id, coalesce(coalesce(f.subscriber_id, f.id)::text, p.patient_member_number, "
        "p.subscriber_member_number) AS member_key FROM (SELECT id, member_id, "
        f"patient_member_number, subscriber_member_number FROM staging.claim WHERE {where} "
        f"{limited}) p LEFT JOIN member f ON f.id = p.member_id"
    )
    total = connection.execute(text(f"SELECT count(*) FROM ({pending}) p"), filters).scalar_one()
    chunks = max(1, -(-total // max(claims_per_chunk, 1)))
    batch_id = connection.execute(
        text(
            "INSERT INTO batch (status, filter, created_by_id, claims_total, chunk_count, "
            "lease_seconds) VALUES ('running', :filter, :user, :total, :chunks, :lease) "
            "RETURNING id"
        ),
        {
            "filter": json.dumps(filters, default=str),
            "user": created_by_id,
            "total": total,
            "chunks": chunks,
            "lease": lease_seconds,
        },
    ).scalar_one()
    connection.execute(
        text(f"""
        INSERT INTO batch_chunk (batch_id, chunk_number, status, claim_ids, claims, depth,
                                 attempts, stage_seconds)
        SELECT :batch_id, part, 'pending', array_agg(id ORDER BY id), count(*), 0, 0, '{{}}'::jsonb
        FROM (SELECT id, (hashtext(member_key) & 2147483647) % :chunks AS part FROM ({pending}) p) x
        GROUP BY part"""),
        {**filters, "batch_id": batch_id, "chunks": chunks},
    )
    connection.execute(
        text("UPDATE batch SET chunk_count = "
             "(SELECT count(*) FROM batch_chunk WHERE batch_id = :b) WHERE id = :b"),
        {"b": batch_id},
    )  # fmt: skip
    if total == 0:
        finish_batch(connection, batch_id)
    return batch_id


def start_batch(
    connection, redis, filters=None, created_by_id=None, jobs: int | None = None, **options
) -> int:
    """Create a batch and enqueue the jobs that work it (one per chunk unless `jobs`); the
    jobs run after the caller commits (they wait for the batch row)."""
    batch_id = create_batch(connection, filters, created_by_id, **options)
    chunks = connection.execute(
        text("SELECT count(*) FROM batch_chunk WHERE batch_id = :b"), {"b": batch_id}
    ).scalar_one()
    for _ in range(jobs or chunks):
        enqueue_batch_job(redis, batch_id)
    return batch_id


def enqueue_batch_job(redis, batch_id: int):
    """One job that works the batch's chunks; RQ runs it again if it fails (the sweeper in
    workers/recovery.py catches what retries do not)."""
    from rq import Retry

    from workers.queues import BATCH, WORK_BATCH, enqueue

    return enqueue(
        redis, BATCH, WORK_BATCH, batch_id, job_timeout=3600, result_ttl=3600,
        retry=Retry(max=JOB_RETRIES),
    )  # fmt: skip


def finish_batch(connection, batch_id: int) -> bool:
    """If no chunk is pending or running, close the batch with its reconciliation."""
    status = connection.execute(
        text("SELECT status FROM batch WHERE id = :b FOR UPDATE"), {"b": batch_id}
    ).scalar_one()
    if status != "running":
        return False
    figures = chunk_totals(connection, batch_id)
    if figures["chunks_pending"] or figures["chunks_running"]:
        return False
    total = connection.execute(
        text("SELECT claims_total FROM batch WHERE id = :b"), {"b": batch_id}
    ).scalar_one()
    reconciliation = reconcile(total, figures)
    connection.execute(
        text(
            "UPDATE batch SET status = :s, finished_at = now(), reconciliation = :r, error = :e "
            "WHERE id = :b"
        ),
        {
            "s": "failed" if figures["chunks_failed"] else "done",
            "r": json.dumps(reconciliation),
            "e": figures["errors"],
            "b": batch_id,
        },
    )
    return True


def chunk_totals(connection, batch_id: int) -> dict:
    counters = ", ".join(
        f"coalesce(sum({c}) FILTER (WHERE status = 'done'), 0) AS {c}"
        for c in (*CHUNK_COUNTERS, *CHUNK_MONEY)
    )
    row = (
        connection.execute(
            text(f"""
        SELECT {counters},
               count(*) FILTER (WHERE status = 'pending') AS chunks_pending,
               count(*) FILTER (WHERE status = 'running') AS chunks_running,
               count(*) FILTER (WHERE status = 'done') AS chunks_done,
               count(*) FILTER (WHERE status = 'failed') AS chunks_failed,
               coalesce(sum(claims) FILTER (WHERE status = 'failed'), 0) AS claims_unprocessed,
               string_agg(error, '; ') FILTER (WHERE status = 'failed') AS errors,
               min(started_at) AS started_at, max(finished_at) AS finished_at
        FROM batch_chunk WHERE batch_id = :b"""),
            {"b": batch_id},
        )
        .mappings()
        .one()
    )
    figures = {
        k: (int(v) if k not in ("errors", "started_at", "finished_at") and v is not None else v)
        for k, v in row.items()
    }
    figures["stage_seconds"] = stage_seconds(connection, batch_id)
    return figures


def stage_seconds(connection, batch_id: int) -> dict[str, float]:
    rows = connection.execute(
        text(
            "SELECT key, sum(value::float8) FROM batch_chunk, jsonb_each_text(stage_seconds) "
            "WHERE batch_id = :b AND status = 'done' GROUP BY key"
        ),
        {"b": batch_id},
    ).all()
    return {key: round(value, 3) for key, value in rows}


def reconcile(claims_in: int, f: dict) -> dict:
    """The batch's balance: claims in = completed + failed + pended (+ skipped: no longer
    pending when their chunk ran; + unprocessed: in chunks that failed); billed = allowed +
    contractual adjustment + non-covered; paid + patient responsibility + prior payer (a
    secondary claim's OA-23) = allowed."""
    completed = f["claims_paid"] + f["claims_denied"]
    accounted = (
        completed
        + f["claims_failed"]
        + f["claims_pended"]
        + f["claims_skipped"]
        + f["claims_unprocessed"]
    )
    money = {name: f[name] for name in CHUNK_MONEY}
    checks = {
        "claims_balance": claims_in == accounted,
        "billed_balance": f["billed_cents"]
        == f["allowed_cents"] + f["contractual_adjustment_cents"] + f["noncovered_cents"],
        "allowed_balance": f["paid_cents"]
        + f["patient_responsibility_cents"]
        + f["prior_payer_cents"]
        == f["allowed_cents"],
    }
    return {
        "claims_in": claims_in,
        "completed": completed,
        "paid": f["claims_paid"],
        "denied": f["claims_denied"],
        "pended": f["claims_pended"],
        "failed": f["claims_failed"],
        "skipped": f["claims_skipped"],
        "unprocessed": f["claims_unprocessed"],
        **money,
        **checks,
        "balanced": all(checks.values()),
    }


def after_review(connection, batch_id: int, claims_in: int, f: dict) -> dict:
    """The reconciliation once reviewers' decisions on the batch's pended claims are counted:
    each decided claim moves from pended to paid or denied, and its money from the amounts it
    pended with to the decided ones (review_decision keeps both)."""
    deltas = ", ".join(
        f"coalesce(sum((after->>'{name}')::int8 - (before->>'{name}')::int8), 0) AS {name}"
        for name in CHUNK_MONEY
    )
    row = connection.execute(
        text(f"""
        SELECT count(*) FILTER (WHERE outcome = 'paid') AS paid,
               count(*) FILTER (WHERE outcome = 'denied') AS denied, {deltas}
        FROM review_decision WHERE batch_id = :b AND status = 'final'"""),
        {"b": batch_id},
    ).mappings().one()  # fmt: skip
    figures = dict(f)
    figures["claims_paid"] += row["paid"]
    figures["claims_denied"] += row["denied"]
    figures["claims_pended"] -= row["paid"] + row["denied"]
    for name in CHUNK_MONEY:
        figures[name] += int(row[name])
    return reconcile(claims_in, figures)


def batch_progress(connection, batch_id: int) -> dict | None:
    """A batch's state for the API and `askes process`: counts, throughput, stage seconds."""
    batch = (
        connection.execute(text("SELECT * FROM batch WHERE id = :b"), {"b": batch_id})
        .mappings()
        .first()
    )
    if batch is None:
        return None
    f = chunk_totals(connection, batch_id)
    started, finished = f["started_at"], batch["finished_at"] or f["finished_at"]
    elapsed = (
        (
            (finished if batch["status"] != "running" else datetime.now(UTC)) - started
        ).total_seconds()
        if started
        else 0.0
    )
    done = f["claims_done"] + f["claims_skipped"]
    return {
        "id": batch["id"],
        "status": batch["status"],
        "filter": batch["filter"],
        "created_at": batch["created_at"],
        "finished_at": batch["finished_at"],
        "claims_total": batch["claims_total"],
        "claims_done": done,
        "claims_paid": f["claims_paid"],
        "claims_denied": f["claims_denied"],
        "claims_pended": f["claims_pended"],
        "claims_failed": f["claims_failed"],
        "claims_skipped": f["claims_skipped"],
        "lines_done": f["lines_done"],
        "chunks_total": f["chunks_pending"]
        + f["chunks_running"]
        + f["chunks_done"]
        + f["chunks_failed"],
        "chunks_done": f["chunks_done"],
        "chunks_failed": f["chunks_failed"],
        "elapsed_seconds": round(elapsed, 3),
        "claims_per_second": round(done / elapsed, 1) if elapsed > 0 else None,
        "stage_seconds": f["stage_seconds"],
        "reconciliation": batch["reconciliation"]
        and {
            **batch["reconciliation"],
            "after_review": after_review(connection, batch_id, batch["claims_total"], f),
        },
        "error": batch["error"],
    }


def rescue_expired(connection, redis, batch_id: int) -> bool:
    """Enqueue one more job for a batch that has a chunk whose lease expired (its worker died)
    and no job waiting in the queue; True if it did."""
    from rq import Queue

    from workers.queues import BATCH

    expired = connection.execute(
        text("SELECT count(*) FROM batch_chunk WHERE batch_id = :b AND status = 'running' "
             "AND lease_until < now()"), {"b": batch_id},
    ).scalar_one()  # fmt: skip
    if not expired or Queue(BATCH, connection=redis).count:
        return False
    enqueue_batch_job(redis, batch_id)
    return True
