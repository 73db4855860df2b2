"""RQ jobs of batch processing. Jobs take ids: the batch is in the database."""

from __future__ import annotations

from redis import Redis
from rq import get_current_job

from backend.db import Session
from workers.chunks import work_batch_chunks


def work_batch(batch_id: int) -> int:
    """Work the batch's chunks until all are finished; returns the chunks this job did."""
    engine = Session.get_bind()
    job = get_current_job()
    redis = job.connection if job else Redis()
    return work_batch_chunks(engine, redis, batch_id)


def warm(pause_seconds: float = 0.0) -> str:
    """Load the reference arrays and open a database connection (before a benchmark); the
    pause lets every worker of the host take one warm job."""
    import time

    from workers.reference_cache import reference_arrays

    engine = Session.get_bind()
    job = get_current_job()
    with engine.connect() as connection:
        reference = reference_arrays(connection, job.connection if job else None)
    time.sleep(pause_seconds)
    return reference.version
