"""`askes worker`: an RQ worker on the platform's queues.

SimpleWorker runs jobs in the worker process itself: the process stays warm between jobs (imports,
database pool, cached reference arrays), which the claims pipeline depends on for its speed. A job
that kills its process is recovered by RQ's abandoned-job handling, and the launcher restarts the
worker.
"""

from __future__ import annotations

from redis import Redis
from rq import Queue, SimpleWorker

from backend.db import bind_engine, make_engine
from workers.queues import QUEUE_NAMES


def run_worker(
    database_url: str,
    redis_url: str,
    queues: tuple[str, ...] = QUEUE_NAMES,
    burst: bool = False,
    name: str | None = None,
) -> bool:
    """Work the queues until stopped (or until empty with `burst`)."""
    bind_engine(make_engine(database_url, pool_size=2, max_overflow=2))
    redis = Redis.from_url(redis_url)
    worker = SimpleWorker(
        [Queue(queue, connection=redis) for queue in queues], connection=redis, name=name
    )
    # The scheduler (one worker holds its lock) re-queues jobs retried after a back-off, as
    # webhook deliveries are.
    return worker.work(burst=burst, logging_level="WARNING", with_scheduler=True)
