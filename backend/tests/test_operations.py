"""Health, readiness with a real RQ worker process, Prometheus metrics."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rq import Queue

from workers.queues import BATCH, live_workers

ASKES = str(Path(sys.executable).parent / "askes")


def wait_until(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


@pytest.fixture
def worker_process(database_url, redis_url, redis_client):
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url}
    process = subprocess.Popen([ASKES, "worker"], env=env)
    assert wait_until(lambda: live_workers(redis_client) > 0), "worker did not register"
    yield process
    process.send_signal(signal.SIGTERM)
    try:  # a clean stop is test_worker_stops_on_sigterm_and_deregisters' to assert
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def test_health_is_always_ok(client):
    response = client.get("/health")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_ready_is_503_without_a_worker_and_names_it(client):
    response = client.get("/ready")
    assert response.status_code == 503
    checks = response.json["checks"]
    assert checks["postgres"]["ok"] and checks["redis"]["ok"]
    assert checks["workers"] == {"ok": False, "live": 0}


def test_ready_with_a_live_worker_that_runs_jobs(client, worker_process, redis_client):
    response = client.get("/ready")
    assert response.status_code == 200, response.json
    assert response.json["checks"]["workers"]["live"] == 1
    job = Queue(BATCH, connection=redis_client).enqueue("workers.jobs.ping", "abc")
    assert wait_until(lambda: job.get_status(refresh=True) == "finished", timeout=20)
    assert job.return_value() == "pong:abc"


def test_a_batch_job_waiting_under_the_previous_releases_path_runs(worker_process, redis_client):
    """Upgrading with jobs still queued: workers.batch_jobs is an alias of workers.jobs."""
    job = Queue(BATCH, connection=redis_client).enqueue("workers.batch_jobs.warm", 0.0)
    assert wait_until(lambda: job.get_status(refresh=True) == "finished", timeout=30)
    assert job.return_value()  # the reference version the worker loaded


def test_worker_stops_on_sigterm_and_deregisters(worker_process, redis_client):
    worker_process.send_signal(signal.SIGTERM)
    assert worker_process.wait(timeout=30) == 0
    assert wait_until(lambda: live_workers(redis_client) == 0, timeout=10)


def test_metrics_count_requests_by_route_and_show_queues(client):
    client.get("/health")
    client.get("/api/v1/claims/12345")  # 401: counted under its route template, not its path
    text = client.get("/metrics").get_data(as_text=True)
    assert 'askes_http_requests_total{method="GET",route="/health",status="200"}' in text
    assert 'route="/api/v1/claims/<int:claim_id>",status="401"' in text
    assert "/api/v1/claims/12345" not in text
    assert (
        'askes_http_request_duration_seconds_bucket{le="0.005",method="GET",route="/health"}'
        in text
    )
    assert 'askes_queue_depth{queue="claims-batch"} 0.0' in text
    assert "askes_live_workers 0.0" in text


def test_root_leads_to_the_api_docs_until_the_portal_is_built(client, monkeypatch, tmp_path):
    monkeypatch.setattr("backend.portal.PORTAL_DIST", tmp_path / "dist")  # nothing built there
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"] == "/api/docs"
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and b"swagger-ui" in docs.data
    assert client.get("/api/swagger-ui/swagger-ui-bundle.js").status_code == 200
    assert client.get("/api/v1/nothing-here").status_code == 404


def test_the_built_portal_is_served_and_its_routes_survive_a_reload(client, monkeypatch, tmp_path):
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<div id=root></div>")
    (tmp_path / "assets" / "app.js").write_text("console.log(1)")
    monkeypatch.setattr("backend.portal.PORTAL_DIST", tmp_path)
    assert client.get("/").data == b"<div id=root></div>"
    assert client.get("/claims/12").data == b"<div id=root></div>"  # a client-side route
    assert client.get("/assets/app.js").data == b"console.log(1)"
    assert client.get("/api/v1/nothing-here").status_code == 404  # the API never gets the app
