"""What brings batch work back after a dead worker or a server outage, with nobody watching.

- Lease heartbeats: while a worker works a chunk, a thread renews the chunk's lease every fifth
  of the batch's lease_seconds; a chunk whose worker died is taken over once its last renewal
  runs out (seconds), however long the chunk itself takes.
- The database outage wait: a worker that loses PostgreSQL mid-batch waits for it with back-off,
  hands its chunk back (pending) and goes on, instead of failing the job.
- The sweeper: a thread in every worker process (one of them at a time does the work, under an
  advisory lock) closes every running batch whose chunks are all finished, with its
  reconciliation (a worker that died between its last commit and the batch's end left it open),
  and enqueues one more job for a running batch with a pending chunk or an expired lease and no
  job waiting in the queue (jobs lost in a Redis outage, or failed in a PostgreSQL one).
  Every ASKES_IDEMPOTENCY_PURGE_SECONDS (600) one of them, whichever takes a Redis key first,
  also deletes the Idempotency-Keys past their lifetime.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time

from redis import Redis
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

log = logging.getLogger("askes.recovery")

SWEEP_LOCK_KEY = 7_311_201_515  # pg advisory lock: one sweeper at a time
PURGE_TURN_KEY = "askes:idempotency:purged"  # held for one interval by the last purger
DATABASE_WAIT_SECONDS = 900.0
BACKOFF_MAX_SECONDS = 10.0

RENEW = """
UPDATE batch_chunk c SET lease_until = now() + make_interval(secs => b.lease_seconds)
FROM batch b
WHERE b.id = c.batch_id AND c.batch_id = :b AND c.chunk_number = :c AND c.status = 'running'
  AND c.worker = :w AND c.attempts = :a
"""
RELEASE = """
UPDATE batch_chunk SET status = 'pending', lease_until = NULL
WHERE batch_id = :b AND chunk_number = :c AND status = 'running' AND worker = :w AND attempts = :a
"""
RUNNING_BATCHES = """
SELECT b.id,
       count(c.*) FILTER (WHERE c.status = 'pending'
                          OR (c.status = 'running' AND c.lease_until < now())) AS stranded
FROM batch b LEFT JOIN batch_chunk c ON c.batch_id = b.id
WHERE b.status = 'running' GROUP BY b.id ORDER BY b.id
"""


def _lease_params(lease) -> dict:
    return {"b": lease.batch_id, "c": lease.chunk_number, "w": lease.worker, "a": lease.attempts}


class LeaseKeeper(threading.Thread):
    """Renews one chunk's lease until stopped, or until the chunk is no longer ours."""

    def __init__(self, engine, lease, interval: float):
        super().__init__(name=f"lease-{lease.batch_id}-{lease.chunk_number}", daemon=True)
        self.engine, self.lease, self.interval = engine, lease, interval
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                with self.engine.begin() as connection:
                    # Our own write transaction may hold the row while it commits: skip a beat.
                    connection.execute(text("SET LOCAL lock_timeout = '1s'"))
                    if connection.execute(text(RENEW), _lease_params(self.lease)).rowcount == 0:
                        return  # done, or taken over after we lost it
            except DBAPIError as error:
                log.warning("lease renewal skipped: %s", type(error).__name__)


@contextlib.contextmanager
def lease_heartbeat(engine, lease):
    """Renew `lease` every fifth of its length while the block runs. The renewals need a
    connection of their own: a stand-in for an engine that is one connection (tests run a batch
    inside their transaction that way) gets none."""
    if not isinstance(engine, Engine):
        yield None
        return
    keeper = LeaseKeeper(engine, lease, max(0.2, lease.lease_seconds / 5))
    keeper.start()
    try:
        yield keeper
    finally:
        keeper.stopped.set()
        keeper.join(timeout=5)


def release_lease(engine, lease) -> None:
    """Hand a chunk we stopped working back as pending (no wait for its lease to run out)."""
    with engine.begin() as connection:
        connection.execute(text(RELEASE), _lease_params(lease))


def database_answers(engine) -> bool:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except DBAPIError:
        return False
    return True


def database_outage(engine, error: DBAPIError) -> bool:
    """The error came from losing the server (not from the statement)."""
    return bool(error.connection_invalidated) or not database_answers(engine)


def wait_for_database(engine, timeout: float = DATABASE_WAIT_SECONDS) -> None:
    """Back off (0.5 s doubling to 10 s) until PostgreSQL answers; TimeoutError after
    `timeout` seconds."""
    deadline, pause = time.monotonic() + timeout, 0.5
    while not database_answers(engine):
        if time.monotonic() > deadline:
            raise TimeoutError("PostgreSQL did not come back")
        time.sleep(pause)
        pause = min(pause * 2, BACKOFF_MAX_SECONDS)


def sweep(engine, redis: Redis) -> dict[str, list[int]]:
    """One pass over the running batches: close the finished, enqueue work for the stranded.
    Returns the batch ids it closed and those it enqueued a job for."""
    from backend.batches.service import enqueue_batch_job, finish_batch

    closed, enqueued = [], []
    with engine.begin() as connection:
        locked = connection.execute(
            text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": SWEEP_LOCK_KEY}
        ).scalar_one()
        if not locked:
            return {"closed": closed, "enqueued": enqueued}
        for batch_id, stranded in connection.execute(text(RUNNING_BATCHES)).all():
            if finish_batch(connection, batch_id):
                closed.append(batch_id)
            elif stranded and not batch_job_waiting(redis, batch_id):
                enqueue_batch_job(redis, batch_id)
                enqueued.append(batch_id)
    if closed or enqueued:
        log.warning("sweeper: closed batches %s, enqueued work for %s", closed, enqueued)
    return {"closed": closed, "enqueued": enqueued}


def batch_job_waiting(redis: Redis, batch_id: int) -> bool:
    """A job for this batch is in the batch queue, not yet taken by a worker."""
    from rq import Queue

    from workers.queues import BATCH, LEGACY_JOB_PATHS, WORK_BATCH

    paths = {WORK_BATCH} | {old for old, new in LEGACY_JOB_PATHS.items() if new == WORK_BATCH}
    for job in Queue(BATCH, connection=redis).get_jobs():
        with contextlib.suppress(Exception):  # a job we cannot read is not ours
            if job.func_name in paths and job.args and job.args[0] == batch_id:
                return True
    return False


def sweep_seconds() -> float:
    from backend.settings import Settings

    return Settings.from_env().sweep_seconds


def purge_idempotency_keys(engine, redis: Redis) -> int | None:
    """Delete expired Idempotency-Keys, at most once per interval across every worker (the
    first to set PURGE_TURN_KEY does it). Returns the number deleted, None when not its turn."""
    from backend.idempotency.keys import purge_expired
    from backend.settings import Settings

    settings = Settings.from_env()
    interval = settings.idempotency_purge_seconds
    if not redis.set(PURGE_TURN_KEY, os.getpid(), nx=True, px=max(int(interval * 1000), 1)):
        return None
    try:
        with engine.begin() as connection:
            purged = purge_expired(connection, settings.idempotency_ttl_seconds)
    except Exception:
        redis.delete(PURGE_TURN_KEY)  # not done: the next pass may try again
        raise
    if purged:
        log.info("sweeper: purged %s expired idempotency keys", purged)
    return purged


def start_sweeper(engine, redis_url: str, stop: threading.Event) -> threading.Thread:
    """Sweep (and purge, in turn) every ASKES_SWEEP_SECONDS (5) until `stop` is set; failures
    (a server still down) are logged by type and the next pass tries again."""
    redis = Redis.from_url(redis_url)

    def loop() -> None:
        while not stop.wait(sweep_seconds()):
            try:
                sweep(engine, redis)
            except Exception as error:  # noqa: BLE001 - an outage must not end the sweeper
                log.warning("sweep skipped: %s", type(error).__name__)
            try:
                purge_idempotency_keys(engine, redis)
            except Exception as error:  # noqa: BLE001 - the next turn tries again
                log.warning("idempotency purge skipped: %s", type(error).__name__)

    thread = threading.Thread(target=loop, name="batch-sweeper", daemon=True)
    thread.start()
    return thread
