"""Faults survived with nobody watching: PostgreSQL restarted and Redis down in the middle of a
batch, and a batch left open or without a job. Every claim ends processed exactly once, the
batch closes with a balanced reconciliation, /ready recovers by itself, and the API answers 503
in the error shape meanwhile, never a 500 or a hang.

These tests stop and start servers, so they run on an embedded PostgreSQL and Redis of their own
(a separate var/ directory), never on the servers the rest of the suite shares. The Redis outage
lasts REDIS_OUTAGE_SECONDS (5 s here; `askes bench chaos` runs the 30 s one)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis as redis_lib
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from backend import create_app
from backend.auth.roles import sync_roles
from backend.auth.service import create_user
from backend.batches.service import batch_progress, create_batch, start_batch
from backend.db import Session, make_engine
from backend.embedded import EmbeddedServices
from backend.migrations import upgrade
from backend.settings import Settings
from workers.chunks import claim_chunk, run_chunk
from workers.queues import live_workers
from workers.recovery import batch_job_waiting, sweep
from workers.tests import factories as wf
from workers.tests.test_worker_kill import (
    ASKES,
    CLEANUP,
    POPULATION,
    assert_processed_exactly_once,
    run_statements,
)

REDIS_OUTAGE_SECONDS = float(os.environ.get("ASKES_TEST_REDIS_OUTAGE_SECONDS", "5"))
PASSWORD = "outage-test-pw"


@pytest.fixture(scope="module")
def servers():
    # Under the project's var/ (see test_launcher: pytest's tmp root is 0700 to postgres).
    root = Settings.from_env().var_dir / f"outage-test-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    services = EmbeddedServices(root / "var", postgres=True, redis=True)
    services.acquire()
    try:
        upgrade(services.postgres.url)
        yield services
    finally:
        services.release()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def engine(servers):
    engine = make_engine(servers.postgres.url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def redis(servers):
    return redis_lib.Redis.from_url(servers.redis.url)


@pytest.fixture(scope="module")
def app(servers, engine):
    shared = Session.session_factory.kw.get("bind")  # create_app binds the Session to ours
    app = create_app(
        {"database_url": servers.postgres.url, "redis_url": servers.redis.url, "testing": True}
    )
    with app.app_context():
        sync_roles(Session())
        create_user(Session(), "outage-admin", PASSWORD, "admin")
        Session.commit()
    yield app
    Session.remove()
    Session.configure(bind=shared)


@pytest.fixture
def population(engine, redis):
    with engine.begin() as connection:
        wf.make_reference(connection)
    run_statements(engine, POPULATION)
    yield
    redis.flushdb()
    run_statements(engine, CLEANUP)


@pytest.fixture
def workers(servers, redis, population):
    env = {**os.environ, "DATABASE_URL": servers.postgres.url, "REDIS_URL": servers.redis.url,
           "ASKES_SWEEP_SECONDS": "1", "SLOW_SCORER_SECONDS": "1.5",
           "ASKES_RISK_SCORER": "workers.tests.slow_scorer:SlowRules"}  # fmt: skip
    processes = [
        subprocess.Popen([ASKES, "worker", "--queue", "claims-batch"], env=env) for _ in range(2)
    ]
    assert wait_until(lambda: live_workers(redis) >= 2, 30)
    yield processes
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        process.wait(timeout=30)


def wait_until(condition, timeout: float, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return True
        except (DBAPIError, redis_lib.RedisError):
            pass  # the server is still coming back
        time.sleep(interval)
    return False


def progress_of(engine, batch_id: int) -> dict:
    with engine.connect() as connection:
        return batch_progress(connection, batch_id)


def chunk_running(engine, batch_id: int) -> bool:
    with engine.connect() as connection:
        return bool(
            connection.execute(
                text("SELECT count(*) FROM batch_chunk WHERE batch_id = :b AND status = 'running'"),
                {"b": batch_id},
            ).scalar_one()
        )


def started_batch(engine, redis) -> int:
    with engine.begin() as connection:
        batch_id = start_batch(connection, redis, {}, claims_per_chunk=300)
    assert wait_until(lambda: chunk_running(engine, batch_id), 60), "no chunk ever ran"
    return batch_id


def finished(engine, batch_id: int) -> dict:
    assert wait_until(lambda: progress_of(engine, batch_id)["status"] != "running", 180)
    progress = progress_of(engine, batch_id)
    assert progress["status"] == "done", progress
    return progress


def logged_in(app, username: str = "outage-admin"):
    client = app.test_client()
    response = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.json
    client.environ_base["HTTP_X_CSRFTOKEN"] = response.json["csrf_token"]
    return client


def assert_unavailable(response, service: str) -> None:
    assert response.status_code == 503, (response.status_code, response.get_data()[:300])
    assert response.json["code"] == "service_unavailable"
    assert response.json["details"] == {"service": service}
    assert "request_id" in response.json and response.headers["Retry-After"]


def test_postgres_restarted_mid_batch(servers, engine, redis, app, workers):
    client = logged_in(app)
    batch_id = started_batch(engine, redis)
    servers.postgres.stop()  # fast shutdown: every session of every worker is cut
    try:
        assert_unavailable(client.get("/api/v1/claims"), "postgres")
        assert_unavailable(
            app.test_client().post("/api/v1/auth/login", json={"username": "x", "password": "y"}),
            "postgres",
        )
        ready = app.test_client().get("/ready")
        assert ready.status_code == 503 and not ready.json["checks"]["postgres"]["ok"]
        time.sleep(2)
    finally:
        servers.postgres.start()

    assert_processed_exactly_once(engine, finished(engine, batch_id))
    assert client.get("/api/v1/claims").status_code == 200
    assert wait_until(lambda: app.test_client().get("/ready").status_code == 200, 30)


def test_redis_down_for_seconds_mid_batch(servers, engine, redis, app, workers):
    client = logged_in(app)
    batch_id = started_batch(engine, redis)
    servers.redis.stop()
    try:
        ready = app.test_client().get("/ready")
        assert ready.status_code == 503 and not ready.json["checks"]["redis"]["ok"]
        assert client.get("/api/v1/claims").status_code == 200  # reads need no Redis
        time.sleep(REDIS_OUTAGE_SECONDS)
        assert all(worker.poll() is None for worker in workers), "a worker gave up"
    finally:
        servers.redis.start()

    assert_processed_exactly_once(engine, finished(engine, batch_id))
    assert wait_until(lambda: app.test_client().get("/ready").status_code == 200, 60)


def test_the_sweeper_gives_a_stranded_batch_a_job_and_closes_a_finished_one(
    engine, redis, population
):
    with engine.begin() as connection:
        batch_id = create_batch(connection, {}, claims_per_chunk=300)  # no job: as if lost
    assert sweep(engine, redis) == {"closed": [], "enqueued": [batch_id]}
    assert batch_job_waiting(redis, batch_id)
    assert sweep(engine, redis) == {"closed": [], "enqueued": []}  # one job is enough
    redis.flushdb()

    # A worker that dies between its last chunk's commit and the batch's end leaves it open.
    while (lease := claim_chunk(engine, batch_id, "gone:1")) is not None:
        assert run_chunk(engine, None, lease) is not None
    assert progress_of(engine, batch_id)["status"] == "running"
    assert sweep(engine, redis) == {"closed": [batch_id], "enqueued": []}
    progress = progress_of(engine, batch_id)
    assert progress["status"] == "done" and progress["finished_at"] is not None
    assert_processed_exactly_once(engine, progress)
    assert sweep(engine, redis) == {"closed": [], "enqueued": []}  # closing is done once


@pytest.fixture
def provider_user(app, population):
    yield "outage-provider"
    with app.app_context():
        user = "(SELECT id FROM app_user WHERE username = 'outage-provider')"
        Session.execute(text(f"DELETE FROM user_session WHERE user_id IN {user}"))
        Session.execute(text("DELETE FROM app_user WHERE username = 'outage-provider'"))
        Session.commit()


def test_ten_identical_claims_at_once_for_a_month_with_no_partition(engine, app, provider_user):
    """Each request creates the month's partitions if missing; at once they deadlocked (500)."""
    with app.app_context():
        provider_id = Session.execute(text("SELECT id FROM provider WHERE npi = '1999999992'"))
        create_user(
            Session(), "outage-provider", PASSWORD, "provider", provider_id=provider_id.scalar()
        )
        Session.commit()
    with engine.connect() as connection:
        missing = "SELECT to_regclass('production.claim_2025_10') IS NULL"
        assert connection.execute(text(missing)).scalar_one()
    body = {
        "claim_type": "professional", "patient_control_number": "KILL-PCN-RACE",
        "frequency_code": "1", "relationship_code": "18", "subscriber_member_number": "KILL7",
        "billing_provider_npi": "1999999992", "place_of_service": "11",
        "statement_from": "2025-10-15", "statement_to": "2025-10-15",
        "diagnosis_codes": ["E119"], "total_charge_cents": 15_000,
        "lines": [{"line_number": 1, "procedure_code": "99213", "service_from": "2025-10-15",
                   "service_to": "2025-10-15", "units": "1", "charge_cents": 15_000,
                   "diagnosis_pointers": [1]}],
    }  # fmt: skip
    clients = [logged_in(app, "outage-provider") for _ in range(10)]
    start = threading.Barrier(len(clients))

    def submit(client):
        start.wait()
        response = client.post("/api/v1/claims", json=body)
        return response.status_code, (response.json or {}).get("status")

    with ThreadPoolExecutor(len(clients)) as pool:
        answers = list(pool.map(submit, clients))
    assert all(status == 201 for status, _ in answers), answers
    with engine.connect() as connection:
        assert not connection.execute(text(missing)).scalar_one()
        written = connection.execute(text(
            "SELECT count(*) FROM production.claim WHERE patient_control_number = 'KILL-PCN-RACE'"
        )).scalar_one()  # fmt: skip
    assert written == sum(status == "processed" for _, status in answers) >= 1


UPLOADED_CLAIMS = 40


def _837_for_the_population() -> bytes:
    from dataclasses import replace

    from edi.claims_out import write_837
    from edi.tests.helpers import professional_claim

    claims = [
        replace(
            professional_claim(n), billing_provider_npi="1999999992",
            patient_control_number=f"KILL-PCN-UP{n}", subscriber_member_number=f"KILL{n + 1}",
            patient_member_number=f"KILL{n + 1}",
        )
        for n in range(UPLOADED_CLAIMS)
    ]  # fmt: skip
    return "".join(write_837(claims, "professional", interchange_number=4242)).encode()


def _received_documents(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM received_document")).scalar_one()


def test_the_web_server_killed_during_an_upload(servers, engine, redis, app, workers):
    """The web worker dies while the body arrives: the client sees the connection cut (no 500),
    nothing half-stored; gunicorn starts a new worker, the retry is accepted, and the batch
    processes each uploaded claim once."""
    import http.client
    from urllib.parse import urlsplit

    import psutil

    from backend.auth.models import User
    from backend.auth.tokens import issue_token
    from backend.loadtest import serve

    with app.app_context():
        admin = Session.scalars(select(User).where(User.username == "outage-admin")).one()
        token = issue_token(Session(), admin, "upload test", ["edi:submit"]).plaintext
        Session.commit()
    body, before = _837_for_the_population(), _received_documents(engine)
    environment = {**os.environ, "DATABASE_URL": servers.postgres.url,
                   "REDIS_URL": servers.redis.url}  # fmt: skip
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/edi-x12",
               "X-Filename": "cut.x12", "Content-Length": str(len(body))}  # fmt: skip
    started = []
    with serve(environment, 1, started=started) as base:
        address = urlsplit(base)
        upload = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
        upload.putrequest("POST", "/api/v1/edi/files")
        for name, value in headers.items():
            upload.putheader(name, value)
        upload.endheaders()
        upload.send(body[: len(body) // 2])
        time.sleep(0.5)  # the worker is reading the body
        for worker in psutil.Process(started[0].pid).children():
            worker.kill()
        with pytest.raises((ConnectionError, http.client.HTTPException, OSError)):
            upload.send(body[len(body) // 2 :])
            upload.getresponse().read()
        assert _received_documents(engine) == before  # nothing half-stored

        retry = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
        assert wait_until(lambda: _health(address), 30)
        retry.request("POST", "/api/v1/edi/files", body=body, headers=headers)
        answer = retry.getresponse()
        assert answer.status == 201, answer.read()[:500]
    assert _received_documents(engine) == before + 1

    with engine.begin() as connection:
        batch_id = start_batch(connection, redis, {}, claims_per_chunk=300)
    finished(engine, batch_id)
    with engine.connect() as connection:
        staged, pending, written = connection.execute(
            text("""
            SELECT count(*), count(*) FILTER (WHERE s.status = 'pending'),
                   (SELECT count(*) FROM production.claim c
                    WHERE c.patient_control_number LIKE 'KILL-PCN-UP%')
                   + (SELECT count(*) FROM production.failed_claim f JOIN staging.claim x
                      ON x.id = f.claim_id WHERE x.patient_control_number LIKE 'KILL-PCN-UP%')
            FROM staging.claim s WHERE s.patient_control_number LIKE 'KILL-PCN-UP%'""")
        ).one()
    assert (staged, pending, written) == (UPLOADED_CLAIMS, 0, UPLOADED_CLAIMS)


def _health(address) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://{address.hostname}:{address.port}/health", timeout=2):
            return True
    except OSError:
        return False
