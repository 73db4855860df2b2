"""Every RQ job, in one module: thin functions that take ids (the rest is in the database) and
hand over to the domain code. They are enqueued by dotted path from workers/queues.py, so the
web process never imports them.

A dotted path is a wire contract: a job waits in Redis under it across an upgrade. The paths
earlier releases enqueued (queues.LEGACY_JOB_PATHS) stay importable as aliases of these jobs:
workers/batch_jobs.py, backend/edi/jobs.py, and backend.webhooks.service.deliver, which is still
the delivery itself.
"""

from __future__ import annotations

import time

from redis import Redis
from rq import get_current_job

from backend.db import Session
from backend.edi import intake, service
from backend.edi.drop_folder import scan_drop_folder
from backend.webhooks.service import deliver
from workers.chunks import work_batch_chunks
from workers.reference_cache import reference_arrays


def ping(value: str) -> str:
    """Round-trips a value through a worker: proves a worker is consuming the queues."""
    return f"pong:{value}"


def work_batch(batch_id: int) -> int:
    """Work the batch's chunks until all are finished; returns the chunks this job did."""
    engine = Session.get_bind()
    job = get_current_job()
    redis = job.connection if job else Redis()
    return work_batch_chunks(engine, redis, batch_id)


def warm(pause_seconds: float = 0.0) -> str:
    """Load the reference arrays and open a database connection (before a benchmark; the risk
    kernels were compiled when the worker started, run_worker); the pause lets every worker of
    the host take one warm job."""
    engine = Session.get_bind()
    job = get_current_job()
    with engine.connect() as connection:
        reference = reference_arrays(connection, job.connection if job else None)
    time.sleep(pause_seconds)
    return reference.version


def deliver_webhook(delivery_id: int, disable_after: int = 5) -> str:
    """POST one webhook delivery; raises so that RQ retries it (backend/webhooks/service.py)."""
    return deliver(delivery_id, disable_after)


def process_edi_file(
    document_id: int,
    allowed_npis: list[str] | None = None,
    submitter_provider_id: int | None = None,
) -> str:
    """Process an X12 file stored by the API; returns its status."""
    session = Session()
    try:
        npis = None if allowed_npis is None else frozenset(allowed_npis)
        intake.process(session, document_id, npis, submitter_provider_id)
        session.commit()
        return service.file_status(session, document_id)
    finally:
        Session.remove()


def scan_edi_drop_folder() -> list[int]:
    """Take every complete file from the EDI drop folder; returns the stored file ids."""
    return scan_drop_folder()
