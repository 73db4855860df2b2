"""ground truth of generated data: generation runs and the injected pattern of each claim, in a
schema of its own (`ground_truth`) that the processing pipeline never reads.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 14:05:00.000000
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE SCHEMA IF NOT EXISTS ground_truth")
    op.create_table(
        "generation_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("population_key", sa.String(length=120, collation="C"), nullable=False),
        sa.Column("population_tag", sa.String(length=4, collation="C"), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("claims", sa.BigInteger(), nullable=False),
        sa.Column("lines", sa.BigInteger(), nullable=False),
        sa.Column("rates", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("formats", sa.ARRAY(sa.String(length=20)), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_generation_run")),
        schema="ground_truth",
    )
    op.create_index(
        op.f("ix_ground_truth_generation_run_population_key"),
        "generation_run",
        ["population_key"],
        unique=False,
        schema="ground_truth",
    )
    op.create_table(
        "claim_label",
        sa.Column("claim_id", sa.BigInteger(), nullable=False),
        sa.Column("pattern", sa.String(length=30, collation="C"), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["ground_truth.generation_run.id"],
            name=op.f("fk_claim_label_run_id_generation_run"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("claim_id", "pattern", name=op.f("pk_claim_label")),
        schema="ground_truth",
    )
    op.create_index(
        op.f("ix_ground_truth_claim_label_run_id"),
        "claim_label",
        ["run_id"],
        unique=False,
        schema="ground_truth",
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_ground_truth_claim_label_run_id"), table_name="claim_label", schema="ground_truth"
    )
    op.drop_table("claim_label", schema="ground_truth")
    op.drop_index(
        op.f("ix_ground_truth_generation_run_population_key"),
        table_name="generation_run",
        schema="ground_truth",
    )
    op.drop_table("generation_run", schema="ground_truth")
    op.execute("DROP SCHEMA ground_truth")
