"""Webhooks (issue 15, item 4): subscriptions scoped to a provider organization (or all claims
with data:all), events recorded with the claim's own transaction and queued after its commit,
deliveries by a real RQ worker process to a real HTTP receiver on 127.0.0.1, signed like
Stripe, retried, recorded, disabled after repeated failure, replayable."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import sqlalchemy as sa
from rq import Queue
from sqlalchemy import select

from backend.tests.test_submit import claim_body
from backend.webhooks.models import WebhookDelivery, WebhookSubscription
from backend.webhooks.service import enqueue_delivery, sign

ASKES = str(Path(sys.executable).parent / "askes")
SECRET = "whsec_0123456789abcdef"


class Receiver:
    """An HTTP server on 127.0.0.1 answering each POST with the next of `statuses`."""

    def __init__(self, statuses):
        self.statuses, self.received = list(statuses), []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                status = (
                    receiver.statuses.pop(0) if len(receiver.statuses) > 1 else receiver.statuses[0]
                )
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


def _subscribe(client, url, events=("claim.adjudicated", "claim.received")):
    return client.post("/api/v1/webhooks", json={"url": url, "secret": SECRET,
                                                 "events": list(events)})  # fmt: skip


@pytest.fixture
def private_urls(app):
    app.config["ASKES"].webhook_allow_private = True


def test_a_subscriber_url_on_a_private_network_is_refused_by_default(as_user, world):
    response = _subscribe(as_user("provider_a"), "http://127.0.0.1:9/hooks")
    assert response.status_code == 422 and "private network" in response.json["message"]


def test_events_reach_the_claims_organization_and_admins_only(
    priced_world, as_user, private_urls, db, redis_client
):
    ids = {name: _subscribe(as_user(name), f"http://127.0.0.1:9/{name}").json["id"]
           for name in ("provider_a", "provider_b", "admin")}  # fmt: skip
    member = _subscribe(as_user("member"), "http://127.0.0.1:9/member")
    assert member.status_code == 403
    queued_before = Queue("webhooks", connection=redis_client).count
    claim = as_user("provider_a").post("/api/v1/claims", json=claim_body(priced_world))
    assert claim.status_code == 201
    deliveries = db.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)).all()
    heard = {(d.subscription_id, d.event) for d in deliveries}
    assert heard == {(ids[n], e) for n in ("provider_a", "admin")
                     for e in ("claim.received", "claim.adjudicated")}  # fmt: skip
    adjudicated = next(d for d in deliveries if d.event == "claim.adjudicated")
    assert adjudicated.payload["data"] == {"claim_id": claim.json["id"], "decision": "paid"}
    assert "Family" not in json.dumps([d.payload for d in deliveries])  # ids, no PHI
    assert Queue("webhooks", connection=redis_client).count == queued_before + 4


def test_a_provider_sees_and_replays_only_its_own_deliveries(
    priced_world, as_user, private_urls, db, redis_client
):
    _subscribe(as_user("provider_a"), "http://127.0.0.1:9/a")
    as_user("provider_a").post("/api/v1/claims", json=claim_body(priced_world))
    own = as_user("provider_a").get("/api/v1/webhooks/deliveries").json
    assert own["total"] == 2
    delivery_id = own["items"][0]["id"]
    assert (
        as_user("provider_b").post(f"/api/v1/webhooks/deliveries/{delivery_id}/replay").status_code
        == 404
    )
    replayed = as_user("provider_a").post(f"/api/v1/webhooks/deliveries/{delivery_id}/replay")
    assert replayed.status_code == 202 and replayed.json["status"] == "pending"


def test_the_signature_is_stripes_scheme():
    body = b'{"id":"x"}'
    expected = hmac.new(SECRET.encode(), b"1700000000." + body, hashlib.sha256).hexdigest()
    assert sign(SECRET, 1700000000, body) == f"t=1700000000,v1={expected}"


@pytest.fixture
def committed(engine):
    """Rows a worker process can see: committed through their own connection, then removed."""
    created = []

    def make(statement):
        with engine.begin() as connection:
            row_id = connection.execute(statement).scalar_one()
        created.append((statement.table, row_id))
        return row_id

    yield make
    with engine.begin() as connection:
        for table, row_id in reversed(created):
            connection.execute(sa.delete(table).where(table.c.id == row_id))


def _owner(engine, committed) -> int:
    with engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO role (name, description, permissions) VALUES "
                                   "('admin', 'admin', '{}') ON CONFLICT DO NOTHING"))  # fmt: skip
    users = sa.table("app_user", *(sa.column(c) for c in (
        "id", "username", "display_name", "password_hash", "role_name", "is_active",
        "failed_login_count")))  # fmt: skip
    return committed(sa.insert(users).values(
        username=f"hook{os.getpid()}{id(committed)}", display_name="hooks", password_hash="x",
        role_name="admin", is_active=True, failed_login_count=0).returning(users.c.id))  # fmt: skip


def _delivery(engine, committed, url) -> tuple[int, int]:
    owner = _owner(engine, committed)
    subscriptions, deliveries = WebhookSubscription.__table__, WebhookDelivery.__table__
    subscription_id = committed(sa.insert(subscriptions).values(
        owner_user_id=owner, url=url, secret=SECRET, events=["claim.adjudicated"],
        is_active=True, consecutive_failures=0).returning(subscriptions.c.id))  # fmt: skip
    payload = {"id": "evt-1", "event": "claim.adjudicated", "created": 1, "data": {"claim_id": 7}}
    delivery_id = committed(sa.insert(deliveries).values(
        subscription_id=subscription_id, event="claim.adjudicated", payload=payload,
        status="pending", attempts=0).returning(deliveries.c.id))  # fmt: skip
    return subscription_id, delivery_id


def _enqueue_outside_a_request(monkeypatch, redis_url, delivery_id, backoff):
    """As a worker or command emits: settings from the environment. Back-off 0: retried at
    once, no waiting in tests. (No `app` fixture: its transaction locks the role rows.)"""
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("ASKES_WEBHOOK_BACKOFF", backoff)
    enqueue_delivery(delivery_id)


def _work_webhooks(database_url, redis_url):
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url}
    subprocess.run([ASKES, "worker", "--queue", "webhooks", "--burst"], env=env, timeout=120,
                   check=True)  # fmt: skip


def test_a_real_worker_delivers_signed_retrying_a_failure(
    engine, committed, database_url, redis_url, monkeypatch
):
    receiver = Receiver([500, 200])
    try:
        subscription_id, delivery_id = _delivery(engine, committed, receiver.url)
        _enqueue_outside_a_request(monkeypatch, redis_url, delivery_id, "0,0,0")
        _work_webhooks(database_url, redis_url)
    finally:
        receiver.close()
    assert len(receiver.received) == 2
    headers, body = receiver.received[-1]
    timestamp = headers["Askes-Signature"].split(",")[0].removeprefix("t=")
    assert headers["Askes-Signature"] == sign(SECRET, int(timestamp), body)
    assert json.loads(body)["data"] == {"claim_id": 7}
    with engine.connect() as connection:
        row = connection.execute(select(WebhookDelivery.__table__).where(
            WebhookDelivery.id == delivery_id)).one()  # fmt: skip
    assert (row.status, row.attempts, row.last_status_code) == ("delivered", 2, 200)


def test_a_delivery_waiting_under_the_previous_releases_job_path_is_delivered(
    engine, committed, database_url, redis_url, redis_client
):
    """Upgrading with deliveries still queued: the old path is an alias of workers.jobs."""
    receiver = Receiver([200])
    try:
        subscription_id, delivery_id = _delivery(engine, committed, receiver.url)
        Queue("webhooks", connection=redis_client).enqueue(
            "backend.webhooks.service.deliver", delivery_id, 5)  # fmt: skip
        _work_webhooks(database_url, redis_url)
    finally:
        receiver.close()
    assert [json.loads(body)["data"] for _, body in receiver.received] == [{"claim_id": 7}]


def test_a_subscription_failing_again_and_again_is_disabled(
    engine, committed, database_url, redis_url, monkeypatch
):
    receiver = Receiver([503])
    try:
        subscription_id, delivery_id = _delivery(engine, committed, receiver.url)
        monkeypatch.setenv("ASKES_WEBHOOK_DISABLE_AFTER", "3")
        _enqueue_outside_a_request(monkeypatch, redis_url, delivery_id, "0,0,0,0")
        _work_webhooks(database_url, redis_url)
    finally:
        receiver.close()
    assert len(receiver.received) == 3
    with engine.connect() as connection:
        subscription = connection.execute(select(WebhookSubscription.__table__).where(
            WebhookSubscription.id == subscription_id)).one()  # fmt: skip
        delivery = connection.execute(select(WebhookDelivery.__table__).where(
            WebhookDelivery.id == delivery_id)).one()  # fmt: skip
    assert not subscription.is_active and subscription.disabled_at is not None
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("failed", 3, 503)


def test_a_bundles_claims_are_each_announced_once_to_those_who_may_see_them(
    app, world, as_user, private_urls, db, redis_client
):
    from backend.tests.fhir_helpers import bearer, post_json, world_claim_resource
    from backend.tests.test_fhir_api import _bundle

    ids = {name: _subscribe(as_user(name), f"http://127.0.0.1:9/{name}").json["id"]
           for name in ("provider_a", "provider_b", "admin")}  # fmt: skip
    queued_before = Queue("webhooks", connection=redis_client).count
    client = bearer(app, db, world.users["provider_a"])
    good, unreadable = world_claim_resource(world), world_claim_resource(world)
    unreadable["item"][0]["colour"] = "blue"
    staged = []
    for kind, resources in (("transaction", [good, good]), ("batch", [good, unreadable])):
        response = post_json(client, "/fhir", _bundle(kind, resources))
        assert response.status_code == 200, response.json
        locations = [entry["response"].get("location") for entry in response.json["entry"]]
        staged += [int(location.split("/")[1]) for location in locations if location]
    assert len(staged) == 3
    deliveries = db.scalars(
        select(WebhookDelivery).where(WebhookDelivery.event == "claim.received")
    ).all()
    heard = sorted((d.subscription_id, d.payload["data"]["claim_id"]) for d in deliveries)
    assert heard == sorted((ids[n], c) for n in ("provider_a", "admin") for c in staged)
    assert {d.payload["data"]["channel"] for d in deliveries} == {"fhir"}
    assert len({d.payload["id"] for d in deliveries}) == 6  # an event id per delivery
    assert Queue("webhooks", connection=redis_client).count == queued_before + 6


def _submitted_events(db, claim_id):
    deliveries = db.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)).all()
    return [(d.subscription_id, d.event, d.payload) for d in deliveries
            if d.payload["data"]["claim_id"] == claim_id]  # fmt: skip


def test_a_submitted_claim_is_announced_once_received_then_decided(
    priced_world, as_user, private_urls, db, redis_client
):
    """One statement records a REST claim's claim.received and its decision: each event once
    per subscription that may see it, received first, the payloads as the events' own."""
    from backend.reference.loaders import load_code_lists
    from backend.tests import review_helpers

    load_code_lists(db.connection())
    events = ("claim.received", "claim.adjudicated", "claim.pended")
    ids = {name: _subscribe(as_user(name), f"http://127.0.0.1:9/{name}", events).json["id"]
           for name in ("provider_a", "provider_b", "admin")}  # fmt: skip
    provider = as_user("provider_a")
    paid = provider.post("/api/v1/claims", json=claim_body(priced_world)).json
    pended_body = review_helpers.claim_body(priced_world, 1, (review_helpers.PENDING_CHARGE,))
    pended = provider.post("/api/v1/claims", json=pended_body).json
    rejected_body = claim_body(priced_world, patient_control_number="PCN-API-2",
                               diagnosis_codes=["NOPE"], total_charge_cents=1)  # fmt: skip
    rejected = provider.post("/api/v1/claims", json=rejected_body).json
    assert (paid["decision"], pended["decision"], rejected["status"]) == (
        "paid", "pended", "rejected")  # fmt: skip
    for claim, decided in ((paid, ("claim.adjudicated", "paid")),
                           (pended, ("claim.pended", "pended")), (rejected, None)):  # fmt: skip
        heard = _submitted_events(db, claim["id"])
        expected = [(ids[n], "claim.received", {"claim_id": claim["id"], "channel": "api"})
                    for n in ("provider_a", "admin")]  # fmt: skip
        if decided:
            event, decision = decided
            expected += [(ids[n], event, {"claim_id": claim["id"], "decision": decision})
                         for n in ("provider_a", "admin")]  # fmt: skip
        assert [(s, e, p["data"]) for s, e, p in heard] == expected
        assert all(p["event"] == e and set(p) == {"id", "event", "created", "data"}
                   for _s, e, p in heard)  # fmt: skip
        assert len({p["id"] for _s, _e, p in heard}) == len(heard)  # an event id per delivery


def test_an_event_statement_that_fails_is_rolled_back_alone(app, db):
    """The events' savepoint is sent with their statement in one round trip; when the statement
    fails, only the savepoint is rolled back and the claim's transaction goes on."""
    import psycopg

    from backend.db import Session
    from backend.webhooks.service import _insert_deliveries

    with app.app_context():
        Session.execute(sa.text("CREATE TEMP TABLE kept_by_the_claim (v int)"))
        Session.execute(sa.text("INSERT INTO kept_by_the_claim VALUES (1)"))
        with pytest.raises(psycopg.errors.DivisionByZero):
            _insert_deliveries("SELECT 1 / %(zero)s", {"zero": 0})
        assert _insert_deliveries("SELECT %(seven)s::int", {"seven": 7}) == [7]
        assert Session.execute(sa.text("SELECT v FROM kept_by_the_claim")).scalars().all() == [1]


def _subscription_reads(db) -> int:
    """Scans of webhook_subscription in this (the test's) transaction so far."""
    row = db.execute(
        sa.text("SELECT coalesce(seq_scan, 0) + coalesce(idx_scan, 0) FROM "
                "pg_stat_xact_user_tables WHERE relname = 'webhook_subscription'")
    ).scalar()  # fmt: skip
    return row or 0


def test_a_claim_nobody_listens_for_is_staged_without_the_event_statement(app, world, db):
    from backend.tests.fhir_helpers import bearer, post_json, world_claim_resource

    client = bearer(app, db, world.users["provider_a"])
    assert post_json(client, "/fhir/Claim", world_claim_resource(world)).status_code == 201
    before = _subscription_reads(db)
    for _ in range(2):
        assert post_json(client, "/fhir/Claim", world_claim_resource(world)).status_code == 201
    assert _subscription_reads(db) == before


def test_a_subscription_reaches_a_process_that_knew_nobody_listened(
    app, other_process, world, db, as_user, private_urls
):
    """Another web process remembered that nobody listens; a subscription made in this one is
    heard there on the next claim."""
    from backend.auth.tokens import issue_token
    from backend.tests.fhir_helpers import post_json, world_claim_resource

    issued = issue_token(db, world.users["provider_a"], "billing", ["claims:submit"])
    db.flush()
    headers = {"Authorization": f"Bearer {issued.plaintext}"}
    unheard = post_json(other_process, "/fhir/Claim", world_claim_resource(world), headers=headers)
    assert unheard.status_code == 201
    subscription = _subscribe(as_user("provider_a"), "http://127.0.0.1:9/hooks").json["id"]
    heard = post_json(other_process, "/fhir/Claim", world_claim_resource(world), headers=headers)
    assert heard.status_code == 201
    deliveries = db.scalars(
        select(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription)
    ).all()
    assert [d.payload["data"]["claim_id"] for d in deliveries] == [int(heard.json["id"])]
