"""Risk model: registry, provider and member history, pended claims' reasons, A/B arm and shadow
score on adjudicated claims, generator version of each generation run.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 03:10:00.000000
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

CODE = "C"


def _code(length: int):
    return sa.String(length, collation=CODE)


def _updated_at():
    return sa.Column(
        "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "risk_model",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("version", sa.String(40), nullable=False, unique=True),
        sa.Column("status", _code(10), nullable=False),
        sa.Column("artifact", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", _code(64), nullable=False),
        sa.Column("feature_schema", postgresql.JSONB(), nullable=False),
        sa.Column("feature_schema_hash", _code(64), nullable=False),
        sa.Column("training_seeds", postgresql.ARRAY(sa.BigInteger()), nullable=False),
        sa.Column("holdout_seeds", postgresql.ARRAY(sa.BigInteger()), nullable=False),
        sa.Column("data_version", sa.Integer(), nullable=False),
        sa.Column("preprocessing", postgresql.JSONB(), nullable=False),
        sa.Column("metrics", postgresql.JSONB(), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "status_changed_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.CheckConstraint(
            "status IN ('candidate', 'shadow', 'champion', 'retired')", name="status"
        ),
        schema="production",
    )
    op.create_table(
        "risk_provider_history",
        sa.Column("provider_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        *(sa.Column(name, sa.BigInteger(), nullable=False)
          for name in ("claims", "em_claims", "em_top_claims", "pair_claims", "priced_lines")),
        sa.Column("log_ratio_sum", sa.Float(), nullable=False),
        _updated_at(),
        schema="production",
    )  # fmt: skip
    op.create_table(
        "risk_member_history",
        sa.Column("member_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("claims", sa.BigInteger(), nullable=False),
        sa.Column("last_service_day", sa.Date(), nullable=False),
        _updated_at(),
        schema="production",
    )
    op.create_table(
        "claim_risk_reason",
        sa.Column("claim_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("model_version", sa.String(40), nullable=False),
        sa.Column("reasons", postgresql.JSONB(), nullable=False),
        schema="production",
    )
    op.add_column("claim", sa.Column("risk_arm", sa.String(1)), schema="production")
    op.add_column("claim", sa.Column("risk_shadow_score", sa.Float()), schema="production")
    op.add_column("claim", sa.Column("risk_shadow_version", sa.String(40)), schema="production")
    op.add_column(
        "generation_run",
        sa.Column("generator_version", sa.Integer(), server_default="1", nullable=False),
        schema="ground_truth",
    )


def downgrade() -> None:
    op.drop_column("generation_run", "generator_version", schema="ground_truth")
    for column in ("risk_shadow_version", "risk_shadow_score", "risk_arm"):
        op.drop_column("claim", column, schema="production")
    tables = ("claim_risk_reason", "risk_member_history", "risk_provider_history", "risk_model")
    for table in tables:
        op.drop_table(table, schema="production")
