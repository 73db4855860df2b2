"""Aliases of the batch jobs under the dotted paths earlier releases enqueued them by, so that
jobs still waiting in Redis after an upgrade run. The jobs are in workers/jobs.py; enqueue those."""

from workers.jobs import warm, work_batch

__all__ = ["warm", "work_batch"]
