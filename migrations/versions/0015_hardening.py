"""Production hardening: server-side portal sessions (logout ends them), idempotency keys,
webhook subscriptions and deliveries.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 03:00:00.000000
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def code(length):
    return sa.String(length=length, collation="C")


def upgrade() -> None:
    op.create_table(
        "user_session",
        sa.Column("id", code(64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_user_session_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_session")),
    )  # fmt: skip
    op.create_index(op.f("ix_user_session_user_id"), "user_session", ["user_id"])
    op.create_table(
        "idempotency_key",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("caller", code(40), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("request_hash", code(64), nullable=False),
        sa.Column("locked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("response_headers", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("response_body", sa.LargeBinary(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_key")),
        sa.UniqueConstraint("caller", "key", name="uq_idempotency_key_caller_key"),
    )  # fmt: skip
    op.create_index(op.f("ix_idempotency_key_created_at"), "idempotency_key", ["created_at"])

    _webhooks()


def _webhooks() -> None:
    def created_at():
        return sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
            nullable=False,
        )  # fmt: skip

    op.create_table(
        "webhook_subscription",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("owner_user_id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.BigInteger(), nullable=True),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("secret", sa.String(length=200), nullable=False),
        sa.Column("events", postgresql.ARRAY(sa.String(length=40)), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        created_at(),
        sa.ForeignKeyConstraint(["owner_user_id"], ["app_user.id"],
                                name=op.f("fk_webhook_subscription_owner_user_id_app_user")),
        sa.ForeignKeyConstraint(["provider_id"], ["provider.id"],
                                name=op.f("fk_webhook_subscription_provider_id_provider")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_subscription")),
    )  # fmt: skip
    op.create_index(op.f("ix_webhook_subscription_owner_user_id"), "webhook_subscription",
                    ["owner_user_id"])  # fmt: skip
    op.create_index(op.f("ix_webhook_subscription_provider_id"), "webhook_subscription",
                    ["provider_id"])  # fmt: skip
    op.create_table(
        "webhook_delivery",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("subscription_id", sa.BigInteger(), nullable=False),
        sa.Column("event", code(40), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("status", code(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        created_at(),
        sa.ForeignKeyConstraint(["subscription_id"], ["webhook_subscription.id"],
                                name=op.f("fk_webhook_delivery_subscription_id_webhook_subscription")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_delivery")),
    )  # fmt: skip
    op.create_index(op.f("ix_webhook_delivery_subscription_id"), "webhook_delivery",
                    ["subscription_id"])  # fmt: skip


def downgrade() -> None:
    op.drop_table("webhook_delivery")
    op.drop_table("webhook_subscription")
    op.drop_table("idempotency_key")
    op.drop_table("user_session")
