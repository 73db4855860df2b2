"""One intake seam (staging.claim.patient_match) and claim reversals (production.claim_reversal).

Intake resolves the member a claim is for once (backend/intake/parties.py) and the pipeline
adjudicates that member (staging.claim.member_id) instead of looking one up again by number.
When no member is found, patient_match says why, so the claim is rejected with its own edit:
0 an unknown member number (V053), -1 a patient who is not of the subscriber's family (V055),
-2 a patient matching more than one member (V056). NULL: matched.

A replacement (frequency 7) or void (8) reverses the adjudicated claim it names: the reversal
row holds the original's amounts negated, once per original (unique), and which 835 carried it.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 03:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


CODE = "C"
AMOUNTS = (
    "billed_cents", "allowed_cents", "paid_cents", "patient_responsibility_cents",
    "deductible_cents", "coinsurance_cents", "copay_cents", "contractual_adjustment_cents",
    "noncovered_cents",
)  # fmt: skip


def upgrade() -> None:
    op.add_column("claim", sa.Column("patient_match", sa.SmallInteger()), schema="staging")
    op.create_table(
        "claim_reversal",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("original_claim_id", sa.BigInteger(), nullable=False, unique=True),
        sa.Column("original_service_month", sa.Date(), nullable=False),
        sa.Column("replacement_claim_id", sa.BigInteger(), nullable=False),
        sa.Column("frequency_code", sa.String(1, collation=CODE), nullable=False),
        sa.Column("batch_id", sa.BigInteger()),
        sa.Column("billing_provider_id", sa.BigInteger(), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("patient_control_number", sa.String(38, collation=CODE), nullable=False),
        *(sa.Column(name, sa.BigInteger(), nullable=False) for name in AMOUNTS),
        sa.Column(
            "reversed_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),  # fmt: skip
        sa.Column("remitted_document_id", sa.BigInteger()),
        schema="production",
    )
    op.create_index(
        "ix_claim_reversal_unremitted", "claim_reversal", ["billing_provider_id"],
        schema="production", postgresql_where=sa.text("remitted_document_id IS NULL"),
    )  # fmt: skip
    op.create_index(
        "ix_claim_reversal_replacement", "claim_reversal", ["replacement_claim_id"],
        schema="production",
    )  # fmt: skip
    op.create_index("ix_claim_reversal_batch", "claim_reversal", ["batch_id"], schema="production")


def downgrade() -> None:
    op.drop_table("claim_reversal", schema="production")
    op.drop_column("claim", "patient_match", schema="staging")
