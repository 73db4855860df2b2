"""Expired Idempotency-Keys are deleted by the workers' sweeper, once per interval across every
worker, on real PostgreSQL and Redis."""

from __future__ import annotations

import os
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, insert, select

from backend.idempotency.models import IdempotencyKey
from workers.recovery import PURGE_TURN_KEY, purge_idempotency_keys, start_sweeper

TABLE = IdempotencyKey.__table__
CALLER = f"user:purge-test-{os.getpid()}"


@pytest.fixture
def keys(engine, redis_client):
    """Make keys of one test caller, `age` old; removed afterwards."""
    redis_client.delete(PURGE_TURN_KEY)

    def make(key: str, age: timedelta) -> None:
        with engine.begin() as connection:
            connection.execute(insert(TABLE).values(
                caller=CALLER, key=key, request_hash="0" * 64,
                created_at=datetime.now(UTC) - age))  # fmt: skip

    yield make
    with engine.begin() as connection:
        connection.execute(delete(TABLE).where(TABLE.c.caller == CALLER))


def _left(engine) -> set[str]:
    with engine.connect() as connection:
        return set(connection.scalars(select(TABLE.c.key).where(TABLE.c.caller == CALLER)))


def test_expired_keys_are_purged_once_per_interval(engine, redis_client, keys):
    keys("expired", timedelta(hours=25))
    keys("fresh", timedelta(hours=1))
    assert purge_idempotency_keys(engine, redis_client) >= 1
    assert _left(engine) == {"fresh"}
    keys("expired-later", timedelta(hours=30))
    assert purge_idempotency_keys(engine, redis_client) is None  # not its turn yet
    assert _left(engine) == {"fresh", "expired-later"}


def test_the_running_sweeper_purges(engine, redis_client, redis_url, keys, monkeypatch):
    monkeypatch.setenv("ASKES_SWEEP_SECONDS", "0.05")
    keys("expired", timedelta(days=3))
    keys("fresh", timedelta(minutes=5))
    stop = threading.Event()
    thread = start_sweeper(engine, redis_url, stop)
    try:
        deadline = time.monotonic() + 20
        while "expired" in _left(engine) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(timeout=10)
    assert _left(engine) == {"fresh"}
    assert redis_client.exists(PURGE_TURN_KEY)  # the next purge waits out the interval
