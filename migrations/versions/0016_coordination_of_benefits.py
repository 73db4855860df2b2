"""Coordination of benefits: what another payer paid on a claim we adjudicate as secondary
(837 loops 2320/2430, FHIR Claim.insurance, REST), and the prior payer's share of each decision
(CARC 23, group OA) with the accumulator credit of a secondary claim's lines.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 06:10:00.000000
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

# Nullable, no default: adding them rewrites no table (NULL: not a secondary claim).
COLUMNS = {
    ("staging", "claim"): (
        ("other_payer_paid_cents", sa.BigInteger()),
        ("other_payer_adjustments", postgresql.JSONB()),
    ),
    ("staging", "claim_line"): (
        ("other_payer_paid_cents", sa.BigInteger()),
        ("other_payer_adjustments", postgresql.JSONB()),
        ("other_payer_paid_date", sa.Date()),
    ),
    ("production", "claim"): (
        ("other_payer_paid_cents", sa.BigInteger()),
        ("prior_payer_cents", sa.BigInteger()),
    ),
    ("production", "claim_line"): (
        ("prior_payer_cents", sa.BigInteger()),
        ("deductible_credit_cents", sa.BigInteger()),
        ("oop_credit_cents", sa.BigInteger()),
    ),
    ("production", "claim_reversal"): (("prior_payer_cents", sa.BigInteger()),),
}


def upgrade() -> None:
    for (schema, table), columns in COLUMNS.items():
        for name, column_type in columns:
            op.add_column(table, sa.Column(name, column_type, nullable=True), schema=schema)
    op.add_column(  # the batch reconciliation's new bucket: allowed = paid + patient + prior payer
        "batch_chunk",
        sa.Column("prior_payer_cents", sa.BigInteger(), server_default="0", nullable=False),
    )


def downgrade() -> None:
    op.drop_column("batch_chunk", "prior_payer_cents")
    for (schema, table), columns in COLUMNS.items():
        for name, _type in reversed(columns):
            op.drop_column(table, name, schema=schema)
