"""Liveness, readiness and Prometheus metrics. No PHI here, and no authentication: these are
meant for the load balancer and the scraper on the internal network."""

from __future__ import annotations

from flask import Blueprint, Response, current_app
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import text

from backend.batches.metrics import PipelineCollector
from backend.observability import multiprocess_dir
from backend.risk.observability import RiskCollector
from workers.queues import live_workers, queue_depths

blp = Blueprint("health", __name__)


@blp.get("/health")
def health():
    """Liveness: the web process answers."""
    return {"status": "ok"}


@blp.get("/ready")
def ready():
    """Readiness: PostgreSQL, Redis and at least one live worker; 503 naming what is missing."""
    checks = {"postgres": _check_postgres(), "redis": _check_redis(), "workers": _check_workers()}
    ok = all(check["ok"] for check in checks.values())
    return {"status": "ready" if ok else "not_ready", "checks": checks}, 200 if ok else 503


def _check_postgres() -> dict:
    try:
        with current_app.extensions["db_engine"].connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # any failure means not ready; the type says why
        return {"ok": False, "error": type(error).__name__}
    return {"ok": True}


def _check_redis() -> dict:
    try:
        current_app.extensions["redis"].ping()
    except Exception as error:
        return {"ok": False, "error": type(error).__name__}
    return {"ok": True}


def _check_workers() -> dict:
    try:
        count = live_workers(current_app.extensions["redis"])
    except Exception as error:
        return {"ok": False, "error": type(error).__name__}
    return {"ok": count > 0, "live": count}


class QueueCollector:
    """Queue depths and live workers, read from Redis at scrape time."""

    def __init__(self, redis):
        self.redis = redis

    def collect(self):
        depth = GaugeMetricFamily("askes_queue_depth", "Jobs waiting per queue", labels=["queue"])
        workers = GaugeMetricFamily("askes_live_workers", "RQ workers with a live heartbeat")
        try:
            for name, count in queue_depths(self.redis).items():
                depth.add_metric([name], count)
            workers.add_metric([], live_workers(self.redis))
        except Exception:  # Redis down: /ready says so; metrics omit the samples
            pass
        yield depth
        yield workers


@blp.get("/metrics")
def metrics():
    """Prometheus text: HTTP requests and latency by route and status, queues, workers."""
    if multiprocess_dir():
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        http = generate_latest(registry)
    else:
        http = generate_latest(REGISTRY)
    queues = CollectorRegistry()
    queues.register(QueueCollector(current_app.extensions["redis"]))
    queues.register(PipelineCollector(current_app.extensions["redis"]))
    queues.register(RiskCollector(current_app.extensions["redis"]))
    return Response(http + generate_latest(queues), mimetype=CONTENT_TYPE_LATEST)
