"""`askes process`: start a batch and follow it; `askes bench pipeline`: generate claims into
staging and time their processing by warm worker processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import click

from backend.benchmarks import emit, machine_description, record_benchmark
from backend.cli_context import Context, pass_context

ASKES = str(Path(sys.executable).parent / "askes")


@click.command("process")
@click.option("--wait", is_flag=True, help="follow the batch with a progress bar until it ends")
@click.option("--inline", is_flag=True, help="work the batch in this process (no workers needed)")
@click.option("--channel", type=click.Choice(["portal", "api", "edi", "fhir"]))
@click.option("--claim-type", type=click.Choice(["professional", "institutional"]))
@click.option("--limit", type=int, help="at most this many pending claims (lowest ids first)")
@click.option("--claims-per-chunk", default=25_000, show_default=True)
@pass_context
def process(context: Context, wait, inline, channel, claim_type, limit, claims_per_chunk) -> None:
    """Adjudicate the pending claims (or those matching the options) as one batch."""
    from backend.batches.service import start_batch
    from workers.queues import live_workers

    engine = context.engine
    redis = _redis(context)
    with engine.begin() as connection:
        batch_id = start_batch(
            connection, redis, {"channel": channel, "claim_type": claim_type},
            jobs=0 if inline else None, limit=limit, claims_per_chunk=claims_per_chunk,
        )  # fmt: skip
    click.echo(f"batch {batch_id} started")
    if inline:
        from workers.chunks import work_batch_chunks

        work_batch_chunks(engine, redis, batch_id)
    elif wait and live_workers(redis) == 0:
        click.echo("no live worker: start one with `askes worker` (or use --inline)", err=True)
    if wait or inline:
        _follow(engine, redis, batch_id)


def _follow(engine, redis, batch_id: int) -> dict:
    from tqdm import tqdm

    from backend.batches.service import batch_progress, rescue_expired

    with engine.connect() as connection:
        progress = batch_progress(connection, batch_id)
    with tqdm(total=progress["claims_total"], unit="claim", desc=f"batch {batch_id}") as bar:
        while True:
            with engine.begin() as connection:
                progress = batch_progress(connection, batch_id)
                rescue_expired(connection, redis, batch_id)
            bar.update(progress["claims_done"] - bar.n)
            if progress["status"] != "running":
                break
            time.sleep(0.5)
    for name in ("claims_paid", "claims_denied", "claims_pended", "claims_failed",
                 "claims_per_second", "stage_seconds", "reconciliation"):  # fmt: skip
        click.echo(f"{name}: {progress[name]}")
    return progress


def _redis(context: Context):
    from redis import Redis

    return Redis.from_url(context.settings.redis_url)


@click.command("pipeline")
@click.option("--claims", default=100_000, show_default=True)
@click.option("--workers", "worker_count", default=2, show_default=True)
@click.option("--claims-per-chunk", default=25_000, show_default=True)
@click.option("--seed", type=int, help="default: one not used before (a fresh population)")
@click.option(
    "--reference-claims",
    default=10_000,
    show_default=True,
    help="claims timed through the row-by-row reference implementation, 0 to skip",
)
@click.option("--json", "as_json", is_flag=True, help="print one JSON object as the last line")
@click.option("--record", is_flag=True, help="rewrite the section in docs/benchmarks.md")
@pass_context
def bench_pipeline(context: Context, claims, worker_count, claims_per_chunk, seed,
                   reference_claims, as_json, record) -> None:  # fmt: skip
    """Generate CLAIMS claims into staging, then time their adjudication by warm workers."""
    from sqlalchemy import text

    from backend.seed import prepare_for_benchmark

    prepare_for_benchmark(context)

    engine = context.engine
    redis = _redis(context)
    first_id = _generate(context, claims, seed, as_json)
    with engine.connect() as connection:
        last_id = connection.execute(text("SELECT max(id) FROM staging.claim")).scalar_one()
    comparison = _reference_input(engine, redis, first_id, reference_claims)
    workers = _start_workers(context, worker_count)
    try:
        settle_seconds = _settle(engine)
        figures = _timed_batch(engine, redis, first_id, last_id, claims_per_chunk, worker_count)
    finally:
        _stop_workers(workers)
    figures["settle_seconds"] = settle_seconds
    figures.update(_reference_timing(comparison))
    with engine.connect() as connection:
        figures["postgres"] = machine_description(connection).split("; ", 1)[-1]
        if record:
            command = "askes " + " ".join(sys.argv[1:])
            name = f"pipeline: {claims:,} claims, {worker_count} workers"
            path = record_benchmark(name, figures, command, connection)
            click.echo(f"recorded in {path}", err=True)
    emit(figures, as_json)


def _generate(context: Context, claims: int, seed: int, quiet: bool) -> int:
    from sqlalchemy import func, select, text

    from backend.reference.loaders import load_reference
    from backend.reference.models import FeeScheduleRvu
    from backend.synthetic.run import GenerationSpec, generate

    with context.engine.begin() as connection:
        if connection.execute(select(func.count()).select_from(FeeScheduleRvu)).scalar() == 0:
            load_reference(connection)
        first_id = connection.execute(
            text("SELECT coalesce(max(id), 0) + 1 FROM staging.claim")
        ).scalar_one()
        if seed is None:
            seed = connection.execute(
                text("SELECT coalesce(max(seed), 0) + 1 FROM ground_truth.generation_run")
            ).scalar_one()
        generate(connection, GenerationSpec(seed=seed, claims=claims), progress=not quiet)
    return first_id


SETTLE = (
    "VACUUM (ANALYZE) staging.claim, staging.claim_line, production.claim, production.claim_line"
)
AUTOVACUUM_RUNNING = (
    "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'"
)


def _settle(engine, timeout: float = 180.0) -> float:
    """Before the timer starts, the database as a quiet system has it: the claims just loaded
    vacuumed and analyzed (as a bulk load should end), the maintenance an earlier batch left
    (every month partition it wrote) done, and no autovacuum worker running (at most
    `timeout`). Otherwise autovacuum took one of the two cores from the timed batch whenever
    its launcher happened to wake: three consecutive 100,000-claim runs took 4.8-5.4 s. The
    autovacuum this batch's own writes start is timed with it. Returns the seconds taken."""
    from sqlalchemy import text

    started = time.monotonic()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(SETTLE))
    while time.monotonic() - started < timeout:
        with engine.connect() as connection:
            if not connection.execute(text(AUTOVACUUM_RUNNING)).scalar_one():
                break
        time.sleep(0.5)
    return round(time.monotonic() - started, 1)


def _start_workers(context: Context, count: int) -> list[subprocess.Popen]:
    from workers.queues import BATCH, WARM, enqueue, live_workers

    redis = _redis(context)
    before = live_workers(redis)
    env = context.child_environment()
    processes = [
        subprocess.Popen([ASKES, "worker", "--queue", BATCH], env=env, start_new_session=True)
        for _ in range(count)
    ]
    deadline = time.monotonic() + 60
    while live_workers(redis) < before + count and time.monotonic() < deadline:
        time.sleep(0.1)
    jobs = [enqueue(redis, BATCH, WARM, 1.0) for _ in range(count)]
    while not all(job.get_status(refresh=True) in ("finished", "failed") for job in jobs):
        time.sleep(0.1)
    return processes


def _stop_workers(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def _timed_batch(engine, redis, first_id, last_id, claims_per_chunk, worker_count) -> dict:
    from sqlalchemy import text

    from backend.batches.service import batch_progress, start_batch

    started = time.perf_counter()
    with engine.begin() as connection:
        batch_id = start_batch(
            connection, redis, {"id_from": first_id, "id_to": last_id},
            claims_per_chunk=claims_per_chunk,
        )  # fmt: skip
    from backend.batches.service import rescue_expired

    deadline = started + 120 + claims_per_chunk  # generous: a stuck batch must not hang
    # Polling is itself load on the two cores the batch runs on: the status every 50 ms
    # (which bounds the timing error), expired leases once a second.
    rescued_at = started
    while True:
        with engine.connect() as connection:
            status = connection.execute(
                text("SELECT status FROM batch WHERE id = :b"), {"b": batch_id}
            ).scalar_one()
        if status != "running":
            break
        if time.perf_counter() > deadline:
            raise click.ClickException(f"batch {batch_id} did not finish; see batch_chunk")
        if time.perf_counter() - rescued_at > 1.0:
            with engine.begin() as connection:
                rescue_expired(connection, redis, batch_id)
            rescued_at = time.perf_counter()
        time.sleep(0.05)
    seconds = time.perf_counter() - started
    with engine.connect() as connection:
        progress = batch_progress(connection, batch_id)
        rss = connection.execute(
            text("SELECT worker, max(peak_rss_mb) FROM batch_chunk WHERE batch_id = :b "
                 "AND status = 'done' GROUP BY worker"), {"b": batch_id},
        ).all()  # fmt: skip
    done = progress["claims_done"]
    return {
        "batch": batch_id, "claims": done, "lines": progress["lines_done"],
        "workers": worker_count, "chunks": progress["chunks_total"],
        "seconds": round(seconds, 3), "claims_per_s": round(done / seconds),
        "peak_rss_mb": max((r[1] or 0 for r in rss), default=None),
        "peak_rss_mb_per_worker": {r[0]: r[1] for r in rss},
        "stage_seconds": progress["stage_seconds"],
        "paid": progress["claims_paid"], "denied": progress["claims_denied"],
        "pended": progress["claims_pended"], "failed": progress["claims_failed"],
        "balanced": (progress["reconciliation"] or {}).get("balanced"),
    }  # fmt: skip


def _reference_input(engine, redis, first_id: int, count: int):
    """The first `count` generated claims as the reference implementation's input, read
    before the batch processes them."""
    if not count:
        return None
    from sqlalchemy import text

    from workers.chunks import today_days
    from workers.fetch import fetch_chunk
    from workers.reference_cache import reference_arrays
    from workers.tests.worlds import to_world

    with engine.connect() as connection:
        reference = reference_arrays(connection, redis)
        ids = connection.execute(
            text("SELECT id FROM staging.claim WHERE id >= :first AND status = 'pending' "
                 "ORDER BY id LIMIT :n"), {"first": first_id, "n": count},
        ).scalars().all()  # fmt: skip
        chunk = fetch_chunk(connection, list(ids), today_days())
    return to_world(chunk, reference)


def _reference_timing(world) -> dict:
    if world is None:
        return {}
    from workers.tests.reference import adjudicate

    started = time.perf_counter()
    adjudicate(world)
    seconds = time.perf_counter() - started
    claims = len(world.claims)
    return {"reference_claims": claims, "reference_seconds": round(seconds, 3),
            "reference_claims_per_s": round(claims / seconds)}  # fmt: skip
