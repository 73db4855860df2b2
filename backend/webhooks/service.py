"""emit(): record an event for every subscription that wants it and may see it, then queue
its delivery once the caller's transaction commits. Deliveries run on RQ workers (queue
`webhooks`), signed the way Stripe signs them, retried with exponential back-off, recorded,
and a subscription whose deliveries keep failing is disabled.

emit() never raises and never waits on a subscriber: a webhook cannot block or fail the
adjudication that caused it. Payloads carry ids only (no PHI); subscribers fetch details
with their own token.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import socket
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from urllib.parse import urlsplit

from psycopg.pq import TransactionStatus
from sqlalchemy import any_, insert, literal, or_, select, text
from sqlalchemy import event as sa_event

from backend.db import Session
from backend.webhooks.listeners import may_be_heard
from backend.webhooks.models import EVENTS, WebhookDelivery, WebhookSubscription

log = logging.getLogger("askes.webhooks")
SIGNATURE_HEADER = "Askes-Signature"
TIMEOUT_SECONDS = 5
PENDING_KEY = "askes_webhook_deliveries"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """`t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: receivers recompute it and
    refuse an old t (a replay)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def emit(event: str, data: dict, provider_ids: Iterable[int] = ()) -> None:
    """Queue `event` (one of EVENTS) with `data` (ids only) for each active subscription to it
    that covers every claim (provider_id None) or one of `provider_ids`. Rows are written in the
    caller's transaction (a rolled-back adjudication announces nothing) inside a savepoint, and
    the jobs are enqueued after its commit."""
    try:
        with Session.begin_nested():
            _record(event, data, tuple(provider_ids))
    except Exception as error:  # noqa: BLE001 - a webhook must never fail the caller's work
        log.error("webhook event %s not recorded: %s", event, type(error).__name__)


def _record(event: str, data: dict, provider_ids: tuple[int, ...]) -> None:
    if event not in EVENTS:
        raise ValueError(f"unknown event {event}")
    subscriptions = WebhookSubscription.__table__
    payload = {"id": str(uuid.uuid4()), "event": event, "created": int(time.time()), "data": data}
    wanted = select(
        subscriptions.c.id, literal(event), literal(payload, WebhookDelivery.payload.type),
        literal("pending"), literal(0),
    ).where(
        subscriptions.c.is_active,
        literal(event) == any_(subscriptions.c.events),
        or_(subscriptions.c.provider_id.is_(None), subscriptions.c.provider_id.in_(provider_ids)),
    )  # fmt: skip
    deliveries = WebhookDelivery.__table__
    ids = Session.scalars(
        insert(deliveries)
        .from_select(["subscription_id", "event", "payload", "status", "attempts"], wanted)
        .returning(deliveries.c.id)
    ).all()
    if ids:
        _enqueue_after_commit(ids)


def _enqueue_after_commit(delivery_ids: list[int]) -> None:
    session = Session()
    if not sa_event.contains(session, "after_commit", _flush_pending):
        sa_event.listen(session, "after_commit", _flush_pending)
        sa_event.listen(session, "after_rollback", _forget_pending)
    session.info.setdefault(PENDING_KEY, []).extend(delivery_ids)


def _forget_pending(session) -> None:
    if not session.in_nested_transaction():  # the whole transaction, not a savepoint
        session.info.pop(PENDING_KEY, None)


def _flush_pending(session) -> None:
    if session.in_nested_transaction():  # a savepoint was released: nothing committed yet
        return
    delivery_ids = session.info.pop(PENDING_KEY, [])
    if not delivery_ids:
        return
    try:
        _queue(*_settings_and_redis(), delivery_ids)  # one Redis pipeline, not a call each
    except Exception as error:  # noqa: BLE001 - replayable from the recorded delivery
        log.error("webhook deliveries not queued: %s", type(error).__name__)


def enqueue_delivery(delivery_id: int) -> None:
    """Queue one delivery, from a web request (the app's settings and Redis) or from a worker
    or command (the environment's)."""
    _queue(*_settings_and_redis(), [delivery_id])


def _settings_and_redis():
    from flask import current_app, has_app_context
    from redis import Redis

    from backend.settings import Settings

    if has_app_context():
        return current_app.config["ASKES"], current_app.extensions["redis"]
    settings = Settings.from_env()
    return settings, Redis.from_url(settings.redis_url)


def _queue(settings, redis, delivery_ids: list[int]) -> None:
    """One delivery job per id, retried on the settings' back-off, in one Redis pipeline."""
    from rq import Retry

    from workers.queues import DELIVER_WEBHOOK, WEBHOOKS, enqueue_many

    backoff = settings.webhook_backoff_seconds
    jobs = [(delivery_id, settings.webhook_disable_after) for delivery_id in delivery_ids]
    enqueue_many(redis, WEBHOOKS, DELIVER_WEBHOOK, jobs,
                 retry=Retry(max=len(backoff), interval=list(backoff)))  # fmt: skip


class DeliveryFailed(Exception):
    """Raised so RQ retries the job after its back-off interval."""


def deliver(delivery_id: int, disable_after: int = 5) -> str:
    """POST one delivery, signed; record the attempt. Raises DeliveryFailed on a failure so
    that RQ retries the job (workers.jobs.deliver_webhook); after the last retry the delivery
    stays `failed`."""
    from backend.db import import_models

    import_models()  # the worker may not have loaded the tables these rows refer to
    try:
        return _deliver(delivery_id, disable_after)
    finally:
        Session.remove()


def _deliver(delivery_id: int, disable_after: int) -> str:
    delivery = Session.get(WebhookDelivery, delivery_id)
    subscription = Session.get(WebhookSubscription, delivery.subscription_id)
    if delivery.status == "delivered" or not subscription.is_active:
        return delivery.status
    body = json.dumps(delivery.payload, separators=(",", ":")).encode()
    status, error = _post(subscription.url, subscription.secret, body, delivery.event)
    now = datetime.now(UTC)
    delivery.attempts += 1
    delivery.last_attempt_at, delivery.last_status_code, delivery.last_error = now, status, error
    if status is not None and 200 <= status < 300:
        delivery.status, delivery.delivered_at = "delivered", now
        subscription.consecutive_failures = 0
        Session.commit()
        return "delivered"
    delivery.status = "failed"
    subscription.consecutive_failures += 1
    if subscription.consecutive_failures >= disable_after:
        subscription.is_active, subscription.disabled_at = False, now
    Session.commit()
    if subscription.is_active:
        raise DeliveryFailed(f"delivery {delivery_id}: {status or error}")
    return "failed"


def _post(url: str, secret: str, body: bytes, event: str) -> tuple[int | None, str | None]:
    timestamp = int(time.time())
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json", "User-Agent": "askes-webhooks",
        SIGNATURE_HEADER: sign(secret, timestamp, body), "Askes-Event": event,
    })  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            return response.status, None
    except urllib.error.HTTPError as refused:
        return refused.code, None
    except (urllib.error.URLError, OSError) as error:
        return None, type(error).__name__[:200]


def url_problem(url: str, allow_private: bool) -> str | None:
    """Why a subscriber URL is refused: not http(s), or (unless allowed) an address inside
    the platform's own network, which would let a subscriber probe it (SSRF)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "the url must be http:// or https:// with a host"
    if allow_private:
        return None
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, parts.port or 443)}
    except OSError:
        return f"the host {parts.hostname} does not resolve"
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved:
            return f"the host {parts.hostname} is on a private network"
    return None


def claim_providers(claim_id: int) -> tuple[int, ...]:
    """The claim's billing provider and that provider's organization: whose subscriptions hear."""
    from backend.claims.models import StagedClaim
    from backend.providers.models import Provider

    row = Session.execute(
        select(Provider.id, Provider.organization_id)
        .join(StagedClaim, StagedClaim.billing_provider_id == Provider.id)
        .where(StagedClaim.id == claim_id)
    ).first()
    return tuple(i for i in (row or ()) if i is not None)


# Claims received (a Bundle's, or one), set-based: one statement for all of them instead of four
# a claim (a 1,000-claim Bundle spent three of its four seconds here, one claim at a time, with
# no subscription).
# With no active subscription to the event the EXISTS is a one-time filter and nothing is read.
CLAIMS_RECEIVED = """
WITH subs AS MATERIALIZED (
    SELECT id, provider_id FROM webhook_subscription
    WHERE is_active AND 'claim.received' = ANY(events)
), received AS (
    SELECT c.id, c.billing_provider_id, p.organization_id
    FROM staging.claim c LEFT JOIN provider p ON p.id = c.billing_provider_id
    WHERE c.id = ANY(CAST(%(ids)s AS bigint[])) AND EXISTS (SELECT 1 FROM subs)
)
INSERT INTO webhook_delivery (subscription_id, event, payload, status, attempts)
SELECT s.id, 'claim.received',
       jsonb_build_object('id', gen_random_uuid()::text, 'event', 'claim.received',
                          'created', floor(extract(epoch FROM now()))::bigint,
                          'data', jsonb_build_object('claim_id', r.id,
                                                  'channel', CAST(%(channel)s AS text))),
       'pending', 0
FROM received r JOIN subs s
     ON s.provider_id IS NULL OR s.provider_id IN (r.billing_provider_id, r.organization_id)
ORDER BY r.id, s.id
RETURNING id
"""


def emit_claims_received(claim_ids: list[int], channel: str) -> None:
    """claim.received for each of `claim_ids` (staged in the caller's transaction), in one
    statement inside a savepoint; the deliveries are queued after the commit. Never raises."""
    if not claim_ids:
        return
    try:
        if not may_be_heard("claim.received"):
            return
        ids = _insert_deliveries(CLAIMS_RECEIVED, {"ids": list(claim_ids), "channel": channel})
        if ids:
            _enqueue_after_commit(ids)
    except Exception as error:  # noqa: BLE001 - never fail the claims' own work
        log.error("claim events not recorded: %s", type(error).__name__)


EVENTS_SAVEPOINT = "webhook_events"


def _insert_deliveries(statement: str, parameters: dict) -> list[int]:
    """Run `statement` (an INSERT of webhook_delivery rows RETURNING id, with psycopg
    parameters) in a savepoint of its own in the caller's transaction: the savepoint, the
    statement and its release sent in one round trip (a psycopg pipeline; through the ORM's
    begin_nested they were three, for every claim submitted alone). On an error the savepoint
    is rolled back, so the caller's transaction goes on, and the error raised."""
    Session.flush()  # as begin_nested did
    raw = Session.connection().connection.driver_connection
    try:
        with raw.pipeline():
            raw.execute(f"SAVEPOINT {EVENTS_SAVEPOINT}")
            cursor = raw.execute(statement, parameters)
            raw.execute(f"RELEASE SAVEPOINT {EVENTS_SAVEPOINT}")
        return [row[0] for row in cursor.fetchall()]
    except Exception:
        if raw.info.transaction_status == TransactionStatus.INERROR:
            raw.execute(f"ROLLBACK TO SAVEPOINT {EVENTS_SAVEPOINT}")
            raw.execute(f"RELEASE SAVEPOINT {EVENTS_SAVEPOINT}")
        raise


# A claim submitted alone and adjudicated in the request: claim.received and its decision
# (claim.adjudicated or claim.pended) in one statement, the same rows the two emits made apart
# (those read the decision back and the claim's providers: five more round trips a claim).
SUBMITTED_CLAIM_EVENTS = """
WITH subs AS MATERIALIZED (
    SELECT id, provider_id, events FROM webhook_subscription
    WHERE is_active AND events && CAST(ARRAY['claim.received', %(decision_event)s] AS varchar[])
), claim AS (
    SELECT c.id, c.billing_provider_id, p.organization_id
    FROM staging.claim c LEFT JOIN provider p ON p.id = c.billing_provider_id
    WHERE c.id = %(claim_id)s AND EXISTS (SELECT 1 FROM subs)
), events (position, event, data) AS (
    SELECT 1, 'claim.received',
           jsonb_build_object('claim_id', id, 'channel', CAST(%(channel)s AS text)) FROM claim
    UNION ALL
    SELECT 2, CAST(%(decision_event)s AS text),
           jsonb_build_object('claim_id', id, 'decision', CAST(%(decision)s AS text))
    FROM claim WHERE CAST(%(decision)s AS text) IS NOT NULL
)
INSERT INTO webhook_delivery (subscription_id, event, payload, status, attempts)
SELECT s.id, e.event,
       jsonb_build_object('id', gen_random_uuid()::text, 'event', e.event,
                          'created', floor(extract(epoch FROM now()))::bigint, 'data', e.data),
       'pending', 0
FROM claim c CROSS JOIN events e JOIN subs s ON e.event = ANY(s.events)
     AND (s.provider_id IS NULL OR s.provider_id IN (c.billing_provider_id, c.organization_id))
ORDER BY e.position, s.id
RETURNING id
"""


def emit_submitted_claim(claim_id: int, channel: str, decision: str | None) -> None:
    """claim.received for a claim staged in the caller's transaction and, when it was
    adjudicated there (`decision`: paid, denied or pended), claim.adjudicated or claim.pended:
    one statement inside a savepoint (one round trip); the deliveries are queued after the
    commit. Never raises."""
    decision_event = None
    if decision is not None:
        decision_event = "claim.pended" if decision == "pended" else "claim.adjudicated"
    parameters = {"claim_id": claim_id, "channel": channel, "decision": decision,
                  "decision_event": decision_event}  # fmt: skip
    try:
        if not may_be_heard("claim.received", *filter(None, [decision_event])):
            return
        ids = _insert_deliveries(SUBMITTED_CLAIM_EVENTS, parameters)
        if ids:
            _enqueue_after_commit(ids)
    except Exception as error:  # noqa: BLE001 - never fail the claim's own work
        log.error("claim events not recorded: %s", type(error).__name__)


def emit_claim_decision(claim_id: int) -> None:
    """claim.adjudicated, or claim.pended, for a claim just adjudicated. Never raises."""
    from backend.claims.models import AdjudicatedClaim

    try:
        decision = Session.scalar(
            select(AdjudicatedClaim.decision).where(AdjudicatedClaim.id == claim_id)
        )
        if decision is not None:
            event = "claim.pended" if decision == "pended" else "claim.adjudicated"
            emit(event, {"claim_id": claim_id, "decision": decision}, claim_providers(claim_id))
    except Exception as error:  # noqa: BLE001 - never fail the claim's own work
        log.error("claim event not recorded: %s", type(error).__name__)


# A batch chunk's decisions, set-based: one statement in the chunk's transaction (a rolled-back
# chunk announces nothing; a chunk is written once, so it never announces twice). It reads the
# chunk's claims from the transfer's temporary table; with no active subscription to either
# event the EXISTS is a one-time filter and nothing else is read.
CHUNK_DECISIONS = """
WITH subs AS MATERIALIZED (
    SELECT id, provider_id, events FROM webhook_subscription
    WHERE is_active AND events && CAST(ARRAY['claim.adjudicated', 'claim.pended'] AS varchar[])
), decided AS (
    SELECT t.id, t.billing_provider_id, p.organization_id,
           (ARRAY['paid', 'denied', 'pended'])[t.decision + 1] AS decision
    FROM pg_temp.chunk_claim t LEFT JOIN provider p ON p.id = t.billing_provider_id
    WHERE t.status = 1 AND EXISTS (SELECT 1 FROM subs)
), events AS (
    SELECT d.*, CASE WHEN d.decision = 'pended' THEN 'claim.pended'
                     ELSE 'claim.adjudicated' END AS event
    FROM decided d
)
INSERT INTO webhook_delivery (subscription_id, event, payload, status, attempts)
SELECT s.id, e.event,
       jsonb_build_object('id', gen_random_uuid()::text, 'event', e.event,
                          'created', floor(extract(epoch FROM now()))::bigint,
                          'data', jsonb_build_object('claim_id', e.id, 'decision', e.decision)),
       'pending', 0
FROM events e JOIN subs s ON e.event = ANY(s.events)
     AND (s.provider_id IS NULL OR s.provider_id IN (e.billing_provider_id, e.organization_id))
RETURNING id
"""


def record_chunk_decisions(connection) -> list[int]:
    """claim.adjudicated / claim.pended for every claim of the batch chunk being written (its
    rows in pg_temp.chunk_claim), in the caller's transaction, inside a savepoint: never
    raises. Returns the delivery ids, to enqueue (enqueue_deliveries) after the commit."""
    try:
        with connection.begin_nested():
            return list(connection.execute(text(CHUNK_DECISIONS)).scalars())
    except Exception as error:  # noqa: BLE001 - a webhook must never fail the chunk
        log.error("chunk events not recorded: %s", type(error).__name__)
        return []


def enqueue_deliveries(redis, delivery_ids: list[int]) -> None:
    """Queue deliveries recorded by a worker, after its commit. Never raises: a delivery left
    `pending` is replayable."""
    if not delivery_ids:
        return
    from backend.settings import Settings

    try:
        _queue(Settings.from_env(), redis, delivery_ids)
    except Exception as error:  # noqa: BLE001 - replayable from the recorded delivery
        log.error("webhook deliveries not queued: %s", type(error).__name__)
