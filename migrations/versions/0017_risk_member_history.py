"""Risk features of the member's recent history and of the patient against the code: per member
the last day of each procedure and the billing providers seen, and per procedure code the
patients' sex and age. Kept as of each chunk and added to in its transfer
transaction, like risk_provider_history (docs/risk-model.md "Features").

Procedure codes are keyed by `procedure_key`, the code's bytes as a big-endian integer
(workers.pipeline.risk_codes.code_key): what the workers search. No updated_at column: these
rows are written by the tens of thousands per chunk.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 09:10:00.000000
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

TABLES = ("risk_member_seen", "risk_code_patient")


def upgrade() -> None:
    # One row per member with arrays, not one per (member, code) and (member, provider): a
    # batch of 100,000 claims wrote about 280,000 such rows (2.3 s in its transfers).
    op.create_table(
        "risk_member_seen",
        sa.Column("member_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("procedure_keys", postgresql.ARRAY(sa.BigInteger()), nullable=False),
        sa.Column("service_days", postgresql.ARRAY(sa.Date()), nullable=False),
        sa.Column("provider_ids", postgresql.ARRAY(sa.BigInteger()), nullable=False),
        schema="production",
    )
    op.create_table(
        "risk_code_patient",
        sa.Column("procedure_key", sa.BigInteger(), primary_key=True, autoincrement=False),
        *(sa.Column(name, sa.BigInteger(), nullable=False)
          for name in ("female_lines", "male_lines", "aged_lines")),
        sa.Column("age_sum", sa.Float(), nullable=False),
        sa.Column("age_square_sum", sa.Float(), nullable=False),
        schema="production",
    )  # fmt: skip


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table, schema="production")
