"""Reports: per-day rollup tables kept by statement triggers; staging.claim by received_at.

The rollups (backend/reports/models.py) are signed deltas appended by AFTER ... FOR EACH
STATEMENT triggers with transition tables: one grouped INSERT per statement, whatever wrote the
claims (intake COPY, the pipeline's transfer, a decision, a payment update), and no row lock that
concurrent writers would queue on. `backend.reports.rollups.compact_rollups` folds the deltas.

ix_staging_claim_received serves the claims list (newest first) without sorting a million
rows; received_at is never updated, so status updates stay HOT. ix_production_claim_decision
serves the list filtered by decision, newest first.

Revision ID: 0012
Revises: 0009
Create Date: 2026-12-06 03:10:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"  # re-chained on the portal branch after merging h-pay and h-reports
branch_labels = None
depends_on = None

UTC_DAY = "(({0}) AT TIME ZONE 'UTC')::date"
DECIDED_ON = UTC_DAY.format("coalesce(reviewed_at, adjudicated_at)")

# What each watched table adds to the rollups, from `changed` (its rows with `sign` +1 or -1).
ROLLUP_SQL = {
    "staging_claim": f"""
        INSERT INTO report_received (day, channel, claims)
        SELECT {UTC_DAY.format("received_at")}, channel, sum(sign) FROM changed
        GROUP BY 1, 2""",
    "production_claim": f"""
        , decided AS (
            SELECT sign, decision, reviewed_by_id IS NOT NULL AS reviewed, billed_cents,
                   paid_cents, billing_provider_id, {DECIDED_ON} AS day,
                   {UTC_DAY.format("received_at")} AS received_day
            FROM changed
        ), by_decision AS (
            INSERT INTO report_decision (day, decision, reviewed, claims, billed_cents, paid_cents)
            SELECT day, decision, reviewed, sum(sign), sum(sign * billed_cents),
                   sum(sign * paid_cents)
            FROM decided GROUP BY 1, 2, 3
            HAVING sum(sign) <> 0 OR sum(sign * billed_cents) <> 0 OR sum(sign * paid_cents) <> 0
        ), by_lag AS (
            INSERT INTO report_payment_lag (day, lag_days, claims)
            SELECT day, day - received_day, sum(sign) FROM decided WHERE decision = 'paid'
            GROUP BY 1, 2 HAVING sum(sign) <> 0
        )
        INSERT INTO report_provider_paid (day, billing_provider_id, claims, paid_cents)
        SELECT day, billing_provider_id, sum(sign), sum(sign * paid_cents)
        FROM decided WHERE decision = 'paid'
        GROUP BY 1, 2 HAVING sum(sign) <> 0 OR sum(sign * paid_cents) <> 0""",
    "production_failed_claim": f"""
        INSERT INTO report_decision (day, decision, reviewed, claims, billed_cents, paid_cents)
        SELECT {UTC_DAY.format("failed_at")}, 'rejected', false, sum(sign), 0, 0 FROM changed
        GROUP BY 1""",
    "production_claim_line": f"""
        INSERT INTO report_denial_carc (day, carc, lines)
        SELECT {UTC_DAY.format("now()")}, denial_carc, sum(sign) FROM changed
        WHERE denial_carc IS NOT NULL GROUP BY 1, 2 HAVING sum(sign) <> 0""",
}
WATCHED = {  # trigger name suffix: (table, operations)
    "staging_claim": ("staging.claim", ("INSERT", "DELETE")),  # received_at never changes
    "production_claim": ("production.claim", ("INSERT", "UPDATE", "DELETE")),
    "production_failed_claim": ("production.failed_claim", ("INSERT", "DELETE")),
    "production_claim_line": ("production.claim_line", ("INSERT", "UPDATE", "DELETE")),
}
SIGNED = {
    "INSERT": "SELECT 1 AS sign, * FROM new_rows",
    "DELETE": "SELECT -1 AS sign, * FROM old_rows",
    "UPDATE": "SELECT 1 AS sign, * FROM new_rows UNION ALL SELECT -1, * FROM old_rows",
}
TRANSITIONS = {
    "INSERT": "NEW TABLE AS new_rows",
    "DELETE": "OLD TABLE AS old_rows",
    "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
}


def _rollup_function(name: str, operation: str) -> str:
    rollup = ROLLUP_SQL[name]
    statement = f"WITH changed AS ({SIGNED[operation]}) {rollup}"
    return f"""
    CREATE FUNCTION report_{name}_{operation.lower()}() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        {statement};
        RETURN NULL;
    END $$"""


def _tables() -> None:
    def rollup(name: str, *columns: sa.Column) -> None:
        op.create_table(
            name,
            sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
            sa.Column("day", sa.Date(), nullable=False),
            *columns,
        )
        op.create_index(f"ix_{name}_day", name, ["day"])

    rollup("report_received", sa.Column("channel", sa.String(6, collation="C"), nullable=False),
           sa.Column("claims", sa.BigInteger(), nullable=False))  # fmt: skip
    rollup(
        "report_decision",
        sa.Column("decision", sa.String(8, collation="C"), nullable=False),
        sa.Column("reviewed", sa.Boolean(), nullable=False),
        sa.Column("claims", sa.BigInteger(), nullable=False),
        sa.Column("billed_cents", sa.BigInteger(), nullable=False),
        sa.Column("paid_cents", sa.BigInteger(), nullable=False),
    )
    rollup("report_payment_lag", sa.Column("lag_days", sa.Integer(), nullable=False),
           sa.Column("claims", sa.BigInteger(), nullable=False))  # fmt: skip
    rollup(
        "report_provider_paid",
        sa.Column("billing_provider_id", sa.BigInteger(), nullable=False),
        sa.Column("claims", sa.BigInteger(), nullable=False),
        sa.Column("paid_cents", sa.BigInteger(), nullable=False),
    )
    rollup("report_denial_carc", sa.Column("carc", sa.String(3, collation="C"), nullable=False),
           sa.Column("lines", sa.BigInteger(), nullable=False))  # fmt: skip


def upgrade() -> None:
    _tables()
    for name, (table, operations) in WATCHED.items():
        for operation in operations:
            op.execute(_rollup_function(name, operation))
            op.execute(
                f"CREATE TRIGGER report_{name}_{operation.lower()} AFTER {operation} ON {table} "
                f"REFERENCING {TRANSITIONS[operation]} FOR EACH STATEMENT "
                f"EXECUTE FUNCTION report_{name}_{operation.lower()}()"
            )
    _backfill()
    op.create_index("ix_staging_claim_received", "claim", ["received_at", "id"], schema="staging")
    op.create_index(
        "ix_production_claim_decision",
        "claim",
        ["decision", "received_at", "id"],
        schema="production",
    )


BACKFILL_DENIED_LINES = f"""
INSERT INTO report_denial_carc (day, carc, lines)
SELECT {UTC_DAY.format("coalesce(c.reviewed_at, c.adjudicated_at)")}, l.denial_carc, count(*)
FROM production.claim_line l
JOIN production.claim c ON c.id = l.claim_id AND c.service_month = l.service_month
WHERE l.denial_carc IS NOT NULL GROUP BY 1, 2"""


def _backfill() -> None:
    """Claims already in the database, as one delta row per group; denied lines on their
    claim's decision day (the triggers use the writing transaction's, which is the same)."""
    for name, (table, _operations) in WATCHED.items():
        if name != "production_claim_line":
            op.execute(f"WITH changed AS (SELECT 1 AS sign, * FROM {table}) {ROLLUP_SQL[name]}")
    op.execute(BACKFILL_DENIED_LINES)


def downgrade() -> None:
    op.drop_index("ix_production_claim_decision", "claim", schema="production")
    op.drop_index("ix_staging_claim_received", "claim", schema="staging")
    for name, (table, operations) in WATCHED.items():
        for operation in operations:
            op.execute(f"DROP TRIGGER report_{name}_{operation.lower()} ON {table}")
            op.execute(f"DROP FUNCTION report_{name}_{operation.lower()}()")
    for name in ("received", "decision", "payment_lag", "provider_paid", "denial_carc"):
        op.drop_table(f"report_{name}")
