"""Review of pended claims: assignments (who works a claim, until when) and decisions (with the
money before and after, the four-eyes approval).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 03:10:00.000000
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def code(length):
    return sa.String(length=length, collation="C")


def upgrade() -> None:
    op.create_table(
        "review_assignment",
        sa.Column("claim_id", sa.BigInteger(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column(
            "assigned_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),  # fmt: skip
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("claim_id", name=op.f("pk_review_assignment")),
    )
    op.create_table(
        "review_decision",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("claim_id", sa.BigInteger(), nullable=False),
        sa.Column("service_month", sa.Date(), nullable=False),
        sa.Column("batch_id", sa.BigInteger(), nullable=True),
        sa.Column("action", code(8), nullable=False),
        sa.Column("status", code(18), nullable=False),
        sa.Column("outcome", code(8), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=False),
        sa.Column(
            "decided_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),  # fmt: skip
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("request", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("before", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("after", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("paid_cents", sa.BigInteger(), nullable=False),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approval_note", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "action IN ('approve', 'deny', 'adjust')", name=op.f("ck_review_decision_action")
        ),
        sa.CheckConstraint(
            "status IN ('awaiting_approval', 'final', 'rejected')",
            name=op.f("ck_review_decision_status"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_decision")),
    )
    op.create_index("ix_review_decision_claim", "review_decision", ["claim_id", "id"])
    op.create_index(
        "ux_review_decision_awaiting", "review_decision", ["claim_id"], unique=True,
        postgresql_where=sa.text("status = 'awaiting_approval'"),
    )  # fmt: skip
    op.create_index(
        "ix_review_decision_batch", "review_decision", ["batch_id"],
        postgresql_where=sa.text("status = 'final'"),
    )  # fmt: skip


def downgrade() -> None:
    op.drop_table("review_decision")
    op.drop_table("review_assignment")
