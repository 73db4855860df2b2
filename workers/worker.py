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

import contextlib
import logging
import signal
import threading
from pathlib import Path

import click
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, SimpleWorker

from backend.cli_context import Context, pass_context
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
    kernel_cache_dir: Path | None = None,
) -> bool:
    """Work the queues until stopped (or until empty with `burst`). The risk features' kernels
    are compiled (or loaded from `kernel_cache_dir`) first: no batch waits for them."""
    from workers.recovery import start_sweeper
    from workers.risk_plan import warm_kernels

    warm_kernels(kernel_cache_dir)

    engine = make_engine(database_url, pool_size=2, max_overflow=3)
    bind_engine(engine)
    redis = Redis.from_url(redis_url)
    stop = threading.Event()
    if burst:
        return _worker(redis, queues, name, stop).work(
            burst=True, logging_level="WARNING", with_scheduler=True
        )
    start_sweeper(engine, redis_url, stop)
    pause = RECONNECT_FIRST_SECONDS
    try:
        while not stop.is_set():
            _stop_on_signals(stop)  # between RQ loops the signals are ours
            try:
                _worker(redis, queues, name, stop).work(
                    logging_level="WARNING", with_scheduler=True
                )
            except RedisError as error:
                log.warning("Redis unreachable (%s)", type(error).__name__)
            _stop_on_signals(stop)
            if stop.is_set():
                break
            if _redis_answers(redis):
                pause = RECONNECT_FIRST_SECONDS
            if stop.wait(pause):
                break
            log.warning("worker restarting its RQ loop after %.1f s", pause)
            pause = min(pause * 2, RECONNECT_MAX_SECONDS)
        return True
    finally:
        stop.set()


class _Worker(SimpleWorker):
    """RQ's worker, told about a stop requested before its loop installed its handlers, and
    telling run_worker about one requested during it (SIGTERM or Ctrl-C)."""

    stop_event: threading.Event

    def _install_signal_handlers(self) -> None:
        super()._install_signal_handlers()
        if self.stop_event.is_set():
            self._stop_requested = True  # the loop checks it before dequeuing

    def request_stop(self, signum, frame) -> None:
        self.stop_event.set()
        super().request_stop(signum, frame)

    def unsubscribe(self) -> None:
        """RQ stops its command listener and joins it; with redis-py 8 that thread, once
        unsubscribed, waits out RQ's 60 s poll before it notices, so a SIGTERM took up to a
        minute. Tell it to stop and let it close its connection when it wakes (a daemon)."""
        if self.pubsub_thread:
            self.pubsub_thread._running.clear()
            with contextlib.suppress(RedisError):
                self.pubsub.unsubscribe()


def _worker(redis: Redis, queues: tuple[str, ...], name: str | None, stop) -> SimpleWorker:
    worker = _Worker(
        [Queue(queue, connection=redis) for queue in queues], connection=redis, name=name
    )
    worker.stop_event = stop
    return worker


def _redis_answers(redis: Redis) -> bool:
    try:
        return bool(redis.ping())
    except RedisError:
        return False


def _stop_on_signals(stop: threading.Event) -> None:
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())


@click.command()
@click.option("--queue", "queues", multiple=True, help="queues to work (default: all, by priority)")
@click.option("--burst", is_flag=True, help="stop when the queues are empty")
@pass_context
def worker(context: Context, queues: tuple[str, ...], burst: bool) -> None:
    """Run an RQ worker on the processing queues."""
    from backend.observability import configure_logging

    configure_logging(context.settings.log_level)
    settings = context.settings
    run_worker(settings.database_url, settings.redis_url, queues or QUEUE_NAMES, burst,
               kernel_cache_dir=settings.kernel_cache_dir)  # fmt: skip
