"""Keeping the report rollups small: fold the triggers' delta rows, or rebuild from the claims.

The triggers of migration 0012 append one delta row per group and statement; a batch of a
million claims adds a few thousand, a claim submitted alone one to three. `compact_rollups`
(after every batch, and `askes reports compact` for a cron) folds them to one row per key.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import text

# table: (key columns, summed columns)
ROLLUPS = {
    "report_received": (("day", "channel"), ("claims",)),
    "report_decision": (
        ("day", "decision", "reviewed"), ("claims", "billed_cents", "paid_cents"),
    ),
    "report_payment_lag": (("day", "lag_days"), ("claims",)),
    "report_provider_paid": (("day", "billing_provider_id"), ("claims", "paid_cents")),
    "report_denial_carc": (("day", "carc"), ("lines",)),
}  # fmt: skip
COMPACT_LOCK = 0x5245504F  # "REPO": one compaction at a time

REBUILD_SQL = """
INSERT INTO report_received (day, channel, claims)
SELECT (received_at AT TIME ZONE 'UTC')::date, channel, count(*) FROM staging.claim GROUP BY 1, 2;
INSERT INTO report_decision (day, decision, reviewed, claims, billed_cents, paid_cents)
SELECT (coalesce(reviewed_at, adjudicated_at) AT TIME ZONE 'UTC')::date, decision,
       reviewed_by_id IS NOT NULL, count(*), sum(billed_cents), sum(paid_cents)
FROM production.claim GROUP BY 1, 2, 3;
INSERT INTO report_decision (day, decision, reviewed, claims, billed_cents, paid_cents)
SELECT (failed_at AT TIME ZONE 'UTC')::date, 'rejected', false, count(*), 0, 0
FROM production.failed_claim GROUP BY 1;
INSERT INTO report_payment_lag (day, lag_days, claims)
SELECT d, d - (received_at AT TIME ZONE 'UTC')::date, count(*)
FROM (SELECT (coalesce(reviewed_at, adjudicated_at) AT TIME ZONE 'UTC')::date AS d, received_at
      FROM production.claim WHERE decision = 'paid') paid
GROUP BY 1, 2;
INSERT INTO report_provider_paid (day, billing_provider_id, claims, paid_cents)
SELECT (coalesce(reviewed_at, adjudicated_at) AT TIME ZONE 'UTC')::date, billing_provider_id,
       count(*), sum(paid_cents)
FROM production.claim WHERE decision = 'paid' GROUP BY 1, 2;
INSERT INTO report_denial_carc (day, carc, lines)
SELECT (coalesce(c.reviewed_at, c.adjudicated_at) AT TIME ZONE 'UTC')::date, l.denial_carc,
       count(*)
FROM production.claim_line l
JOIN production.claim c ON c.id = l.claim_id AND c.service_month = l.service_month
WHERE l.denial_carc IS NOT NULL GROUP BY 1, 2;
"""


def compact_rollups(connection, since: date | None = None) -> int:
    """Fold every rollup's deltas (of the days from `since`, else all) into one row per key,
    dropping keys that sum to zero; returns the rows written. Deltas committed meanwhile are not
    seen by the DELETE and stay for the next compaction, so nothing is counted twice or lost."""
    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": COMPACT_LOCK})
    days = "day >= :since" if since else "true"
    written = 0
    for table, (keys, sums) in ROLLUPS.items():
        key_list, sum_list = ", ".join(keys), ", ".join(f"sum({s})" for s in sums)
        nonzero = " OR ".join(f"sum({s}) <> 0" for s in sums)
        written += connection.execute(
            text(
                f"WITH moved AS (DELETE FROM {table} WHERE {days} RETURNING *) "
                f"INSERT INTO {table} ({key_list}, {', '.join(sums)}) "
                f"SELECT {key_list}, {sum_list} FROM moved GROUP BY {key_list} HAVING {nonzero}"
            ),
            {"since": since},
        ).rowcount
    return written


def compact_after_batch(engine) -> None:
    """A batch's deltas land on today (its decision day) and yesterday (across midnight):
    fold those; older days change only by reviewers' decisions, one delta each, and are
    folded by `askes reports compact` (daily)."""
    with engine.begin() as connection:
        compact_rollups(connection, since=datetime.now(UTC).date() - timedelta(days=1))


def rebuild_rollups(connection) -> None:
    """Recompute every rollup from the claims (after a TRUNCATE, which fires no trigger)."""
    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": COMPACT_LOCK})
    connection.execute(text(f"TRUNCATE {', '.join(ROLLUPS)}"))
    for statement in REBUILD_SQL.split(";"):
        if statement.strip():
            connection.execute(text(statement))


# Exact totals of whole sets of claims, from the rollups: the triggers write them in the
# transaction that changes the claims, so in every snapshot they agree with a count(*) of the
# claims, at the cost of summing a few hundred rows. (After a TRUNCATE or a restore, rebuild.)
DECIDED_TOTAL = text(
    "SELECT coalesce(sum(claims), 0)::bigint FROM report_decision WHERE decision = :decision"
)
RECEIVED_TOTAL = text("SELECT coalesce(sum(claims), 0)::bigint FROM report_received")
RECEIVED_BY_CHANNEL_TOTAL = text(
    "SELECT coalesce(sum(claims), 0)::bigint FROM report_received WHERE channel = :channel"
)


def decided_total(connection, decision: str) -> int:
    """Adjudicated claims (production.claim) whose current decision is `decision` (paid,
    denied or pended)."""
    return connection.execute(DECIDED_TOTAL, {"decision": decision}).scalar_one()


def received_total(connection, channel: str | None = None) -> int:
    """Claims received (staging.claim), or those received through `channel`."""
    if channel is None:
        return connection.execute(RECEIVED_TOTAL).scalar_one()
    return connection.execute(RECEIVED_BY_CHANNEL_TOTAL, {"channel": channel}).scalar_one()
