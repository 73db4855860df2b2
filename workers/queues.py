"""The RQ queues, named by workload, and the one place jobs are enqueued from."""

from __future__ import annotations

from redis import Redis
from rq import Queue, Worker

# Listened to in this order: telling subscribers about claims comes after adjudicating them.
# A claim submitted alone is adjudicated in its own request, not queued.
BATCH = "claims-batch"
WEBHOOKS = "webhooks"
QUEUE_NAMES = (BATCH, WEBHOOKS)

# The jobs (workers/jobs.py), by the dotted path they are enqueued under.
PING = "workers.jobs.ping"
WORK_BATCH = "workers.jobs.work_batch"
WARM = "workers.jobs.warm"
DELIVER_WEBHOOK = "workers.jobs.deliver_webhook"
PROCESS_EDI_FILE = "workers.jobs.process_edi_file"
SCAN_EDI_DROP_FOLDER = "workers.jobs.scan_edi_drop_folder"
JOB_PATHS = (PING, WORK_BATCH, WARM, DELIVER_WEBHOOK, PROCESS_EDI_FILE, SCAN_EDI_DROP_FOLDER)
# Paths earlier releases enqueued (or documented), and the job each is an alias of: a job
# waiting in Redis under one of them when the release changes still runs.
LEGACY_JOB_PATHS = {
    "workers.batch_jobs.work_batch": WORK_BATCH,
    "workers.batch_jobs.warm": WARM,
    "backend.webhooks.service.deliver": DELIVER_WEBHOOK,
    "backend.edi.jobs.process_file": PROCESS_EDI_FILE,
    "backend.edi.jobs.scan_drop_folder": SCAN_EDI_DROP_FOLDER,
}


def enqueue(redis: Redis, queue: str, function_path: str, *args, **options):
    """Enqueue `function_path` (a dotted path: workers import it, the web process need not)."""
    _check(queue, function_path)
    return Queue(queue, connection=redis).enqueue(function_path, *args, **options)


def enqueue_many(redis: Redis, queue: str, function_path: str, arguments: list[tuple], **options):
    """One job per tuple of `arguments`, enqueued in one Redis pipeline."""
    _check(queue, function_path)
    jobs = [Queue.prepare_data(function_path, args, **options) for args in arguments]
    return Queue(queue, connection=redis).enqueue_many(jobs)


def _check(queue: str, function_path: str) -> None:
    if queue not in QUEUE_NAMES:
        raise ValueError(f"unknown queue {queue}")
    if function_path not in JOB_PATHS:  # old paths are for jobs already waiting, not new ones
        raise ValueError(f"not a job of workers/jobs.py: {function_path}")


def queue_depths(redis: Redis) -> dict[str, int]:
    return {name: Queue(name, connection=redis).count for name in QUEUE_NAMES}


def live_workers(redis: Redis) -> int:
    return Worker.count(connection=redis)
