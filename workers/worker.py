"""`askes worker`: an RQ worker on the platform's queues.

SimpleWorker runs jobs in the worker process itself: the process stays warm between jobs (imports,
database pool, cached reference arrays), which the claims pipeline depends on for its speed. A job
that kills its process is recovered by RQ's abandoned-job handling, and the launcher restarts the
worker.

The process outlives its servers: RQ's work loop gives up ("quitting") on a Redis error outside
its dequeue, so `run_worker` builds a new RQ worker after a pause that doubles up to
RECONNECT_MAX_SECONDS, until Redis answers again. A sweeper thread (workers/recovery.py) brings
back batches a PostgreSQL or Redis outage left without a job.
"""

from __future__ import annotations

import logging
import signal
import threading

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, SimpleWorker

from backend.db import bind_engine, make_engine
from workers.queues import QUEUE_NAMES

log = logging.getLogger("askes.worker")
RECONNECT_FIRST_SECONDS = 0.5
RECONNECT_MAX_SECONDS = 10.0


def run_worker(
    database_url: str,
    redis_url: str,
    queues: tuple[str, ...] = QUEUE_NAMES,
    burst: bool = False,
    name: str | None = None,
) -> bool:
    """Work the queues until stopped (or until empty with `burst`)."""
    from workers.recovery import start_sweeper

    engine = make_engine(database_url, pool_size=2, max_overflow=3)
    bind_engine(engine)
    redis = Redis.from_url(redis_url)
    if burst:
        return _worker(redis, queues, name).work(burst=True, logging_level="WARNING")
    stop = threading.Event()
    start_sweeper(engine, redis_url, stop)
    pause = RECONNECT_FIRST_SECONDS
    try:
        while True:
            worker = None
            try:
                worker = _worker(redis, queues, name)
                worker.work(logging_level="WARNING")
            except RedisError as error:
                log.warning("Redis unreachable (%s)", type(error).__name__)
            if worker is not None and worker._shutdown_requested_date is not None:
                return True  # SIGTERM or Ctrl-C (RQ's handlers note when)
            if _redis_answers(redis):
                pause = RECONNECT_FIRST_SECONDS
            if _wait_or_stop(pause):
                return True
            log.warning("worker restarting its RQ loop after %.1f s", pause)
            pause = min(pause * 2, RECONNECT_MAX_SECONDS)
    finally:
        stop.set()


def _worker(redis: Redis, queues: tuple[str, ...], name: str | None) -> SimpleWorker:
    return SimpleWorker(
        [Queue(queue, connection=redis) for queue in queues], connection=redis, name=name
    )


def _redis_answers(redis: Redis) -> bool:
    try:
        return bool(redis.ping())
    except RedisError:
        return False


def _wait_or_stop(seconds: float) -> bool:
    """Sleep, unless SIGTERM or SIGINT arrives meanwhile (then True): RQ's own handlers belong
    to the worker that just gave up."""
    stopped = threading.Event()
    previous = {
        signum: signal.signal(signum, lambda *_: stopped.set())
        for signum in (signal.SIGTERM, signal.SIGINT)
    }
    try:
        return stopped.wait(seconds)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
