"""Every job is in workers/jobs.py under the path it is enqueued by, and the paths earlier
releases enqueued still lead to the same job (a wire contract: jobs wait in Redis across an
upgrade)."""

import inspect

import pytest
from rq.utils import import_attribute

from workers import jobs, queues
from workers.queues import BATCH, JOB_PATHS, enqueue, enqueue_many


def test_every_job_has_a_path_and_every_path_a_job():
    defined = {f"workers.jobs.{name}" for name, value in vars(jobs).items()
               if inspect.isfunction(value) and value.__module__ == "workers.jobs"}  # fmt: skip
    assert set(JOB_PATHS) == defined


def test_every_legacy_path_is_an_alias_with_the_same_signature():
    assert set(queues.LEGACY_JOB_PATHS.values()) <= set(JOB_PATHS)
    for old, new in queues.LEGACY_JOB_PATHS.items():
        old_job, new_job = import_attribute(old), import_attribute(new)
        old_parameters = list(inspect.signature(old_job).parameters)
        new_parameters = list(inspect.signature(new_job).parameters)
        assert old_parameters[: len(new_parameters)] == new_parameters, old


def test_only_the_jobs_of_workers_jobs_are_enqueued_and_only_on_known_queues():
    with pytest.raises(ValueError, match="not a job"):
        enqueue(None, BATCH, "workers.batch_jobs.work_batch", 1)
    with pytest.raises(ValueError, match="not a job"):
        enqueue_many(None, BATCH, "os.system", [("true",)])
    with pytest.raises(ValueError, match="unknown queue"):
        enqueue(None, "intake", queues.PING, "x")
