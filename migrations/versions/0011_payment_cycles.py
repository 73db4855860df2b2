"""Payment cycles: the cycle, one payment (835) per payee, and the remitted-claim ledger whose
primary key (claim_id, entry) lets the database refuse a second remittance of any claim.

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-06 03:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"  # re-chained on the portal branch after merging h-review and h-pay
branch_labels = None
depends_on = None


def code(length):
    return sa.String(length=length, collation="C")


def now():
    return sa.Column(
        "created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "payment_cycle",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("status", code(8), nullable=False),
        sa.Column("payment_date", sa.Date(), nullable=False),
        sa.Column("batch_id", sa.BigInteger(), nullable=True),
        sa.Column("started_by_id", sa.Integer(), nullable=True),
        sa.Column("claim_count", sa.Integer(), nullable=False),
        sa.Column("payee_count", sa.Integer(), nullable=False),
        sa.Column("billed_cents", sa.BigInteger(), nullable=False),
        sa.Column("paid_cents", sa.BigInteger(), nullable=False),
        now(),
        sa.CheckConstraint("status IN ('closed', 'empty')", name=op.f("ck_payment_cycle_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_cycle")),
    )
    op.create_table(
        "payment",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("payment_cycle_id", sa.BigInteger(), nullable=False),
        sa.Column("payee_provider_id", sa.BigInteger(), nullable=False),
        sa.Column("edi_document_id", sa.BigInteger(), nullable=False),
        sa.Column("trace_number", code(50), nullable=False),
        sa.Column("payment_method", code(3), nullable=False),
        sa.Column("claim_count", sa.Integer(), nullable=False),
        sa.Column("paid_cents", sa.BigInteger(), nullable=False),
        sa.Column("balance_forward_cents", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "payment_method IN ('CHK', 'NON')", name=op.f("ck_payment_payment_method")
        ),
        sa.ForeignKeyConstraint(
            ["payment_cycle_id"],
            ["payment_cycle.id"],
            name=op.f("fk_payment_payment_cycle_id_payment_cycle"),
        ),
        sa.ForeignKeyConstraint(
            ["edi_document_id"],
            ["edi_document.id"],
            name=op.f("fk_payment_edi_document_id_edi_document"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment")),
        sa.UniqueConstraint("edi_document_id", name=op.f("uq_payment_edi_document_id")),
        sa.UniqueConstraint("trace_number", name=op.f("uq_payment_trace_number")),
    )
    op.create_index("ix_payment_cycle", "payment", ["payment_cycle_id"])
    op.create_index("ix_payment_payee", "payment", ["payee_provider_id"])
    op.create_table(
        "remitted_claim",
        sa.Column("claim_id", sa.BigInteger(), nullable=False),
        sa.Column("entry", code(8), nullable=False),
        sa.Column("service_month", sa.Date(), nullable=False),
        sa.Column("payment_cycle_id", sa.BigInteger(), nullable=False),
        sa.Column("payment_id", sa.BigInteger(), nullable=True),
        sa.Column("payee_provider_id", sa.BigInteger(), nullable=False),
        sa.Column("paid_cents", sa.BigInteger(), nullable=False),
        sa.Column(
            "remitted_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "entry IN ('payment', 'reversal')", name=op.f("ck_remitted_claim_entry")
        ),
        sa.ForeignKeyConstraint(
            ["payment_cycle_id"],
            ["payment_cycle.id"],
            name=op.f("fk_remitted_claim_payment_cycle_id_payment_cycle"),
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payment.id"], name=op.f("fk_remitted_claim_payment_id_payment")
        ),
        sa.PrimaryKeyConstraint("claim_id", "entry", name=op.f("pk_remitted_claim")),
    )
    op.create_index("ix_remitted_claim_cycle", "remitted_claim", ["payment_cycle_id"])


def downgrade() -> None:
    op.drop_table("remitted_claim")
    op.drop_table("payment")
    op.drop_table("payment_cycle")
