"""The risk history's read and write run on psycopg itself, prepared, with binary array
parameters: against the SQLAlchemy text() statements with text array literals they replaced,
the tables end the same and the read returns the same arrays."""

from __future__ import annotations

import numpy as np
from sqlalchemy import text

from workers import risk_history
from workers.binary import array_literal, read_array
from workers.pipeline.arrays import NO_DATE
from workers.pipeline.risk_features import HistoryUpdate

TABLES = (
    "SELECT array_send(coalesce(array_agg(provider_id ORDER BY provider_id), '{}')), "
    "array_send(coalesce(array_agg(claims ORDER BY provider_id), '{}')), "
    "array_send(coalesce(array_agg(log_ratio_sum ORDER BY provider_id), '{}')) "
    "FROM production.risk_provider_history WHERE provider_id >= 1000000000",  # the test's
    "SELECT array_send(coalesce(array_agg(member_id ORDER BY member_id), '{}')), "
    "array_send(coalesce(array_agg(claims ORDER BY member_id), '{}')), "
    "array_send(coalesce(array_agg(last_service_day - DATE '1970-01-01' ORDER BY member_id),"
    " '{}')) FROM production.risk_member_history",
)


def _update(generator, providers: np.ndarray, members: np.ndarray) -> HistoryUpdate:
    count = len(providers)
    counts = [generator.integers(0, 50, count).astype(np.int64) for _ in range(5)]
    days = generator.integers(19_000, 20_000, len(members)).astype(np.int32)
    days[::7] = NO_DATE  # a member without a dated claim is not written
    return HistoryUpdate(
        providers, *counts, generator.normal(0.3, 1.2, count), members,
        generator.integers(1, 9, len(members)).astype(np.int64), days,
    )  # fmt: skip


def _write_as_before(connection, update: HistoryUpdate) -> None:
    """write_history as it was: text() statements, the arrays as text literals."""
    counts = (update.claims, update.em, update.em_top, update.pairs, update.priced)
    connection.execute(text(risk_history.UPSERT_PROVIDERS), {
        "ids": array_literal(update.provider_id),
        **{c: array_literal(v) for c, v in zip(risk_history.PROVIDER_COUNTS, counts, strict=True)},
        "log_ratio": "{" + ",".join(np.char.mod("%.17g", update.log_ratio)) + "}",
    })  # fmt: skip
    dated = update.member_last_day != NO_DATE
    connection.execute(text(risk_history.UPSERT_MEMBERS), {
        "ids": array_literal(update.member_id[dated]),
        "claims": array_literal(update.member_claims[dated]),
        "days": array_literal(update.member_last_day[dated]),
    })  # fmt: skip


def _tables(connection) -> list[bytes]:
    return [bytes(value) for sql in TABLES for value in connection.execute(text(sql)).one()]


def _history(connection, providers, members) -> list[bytes]:
    history = risk_history.fetch_history(connection, providers, members)
    return [np.asarray(value).tobytes() for value in vars(history).values() if value is not None]


def test_the_history_written_and_read_equals_what_the_text_statements_gave(connection):
    generator = np.random.default_rng(5)
    providers = np.sort(generator.choice(np.arange(10**9, 10**9 + 5_000), 400, replace=False))
    members = np.sort(generator.choice(np.arange(1, 200_000), 3_000, replace=False))
    # Two chunks: the second adds to rows the first wrote (ON CONFLICT), and brings new ones.
    first = _update(generator, providers[:300], members[:2_000])
    second = _update(generator, providers[100:], members[1_000:])
    asked = np.concatenate((providers[::3], [0, -4, providers[0]])), members[::2]

    outcome = []
    for write in (_write_as_before, risk_history.write_history):
        savepoint = connection.begin_nested()
        write(connection, first)
        write(connection, second)
        outcome.append((_tables(connection), _history(connection, *asked)))
        savepoint.rollback()
    assert outcome[0] == outcome[1]
    ids, claims, log_ratio = outcome[1][0][:3]
    assert len(read_array(ids, ">i8")) == 400
    assert read_array(log_ratio, ">f8").std() > 0  # the floats are there, not zeros
    assert read_array(claims, ">i8").sum() == first.claims.sum() + second.claims.sum()
