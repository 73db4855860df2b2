"""EDI gateway: received X12 files, documents written back (999, TA1, 277CA, 835), 834 history,
and the sequence of outbound interchange control numbers.

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-22 15:00:00.000000
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def code(length):
    return sa.String(length=length, collation="C")


def upgrade() -> None:
    op.execute("CREATE SEQUENCE IF NOT EXISTS edi_control_number_seq MAXVALUE 999999999 CYCLE")
    op.create_table(
        "edi_file",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("transaction", code(8), nullable=True),
        sa.Column("sender_qualifier", code(2), nullable=True),
        sa.Column("sender_id", code(15), nullable=True),
        sa.Column("interchange_control_number", code(9), nullable=True),
        sa.Column("submitter_provider_id", sa.BigInteger(), nullable=True),
        sa.Column("transaction_sets", sa.Integer(), nullable=False),
        sa.Column("transaction_sets_accepted", sa.Integer(), nullable=False),
        sa.Column("claims_received", sa.Integer(), nullable=False),
        sa.Column("claims_staged", sa.Integer(), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["id"], ["received_document.id"], name=op.f("fk_edi_file_id_received_document")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_edi_file")),
    )
    op.create_index(
        "ix_edi_file_interchange",
        "edi_file",
        ["sender_qualifier", "sender_id", "interchange_control_number"],
    )
    op.create_index("ix_edi_file_submitter_provider", "edi_file", ["submitter_provider_id"])
    op.create_table(
        "edi_document",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("kind", code(5), nullable=False),
        sa.Column("edi_file_id", sa.BigInteger(), nullable=True),
        sa.Column("payee_provider_id", sa.BigInteger(), nullable=True),
        sa.Column("batch_id", sa.BigInteger(), nullable=True),
        sa.Column("control_number", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=120), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),  # fmt: skip
        sa.ForeignKeyConstraint(
            ["edi_file_id"], ["edi_file.id"], name=op.f("fk_edi_document_edi_file_id_edi_file")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_edi_document")),
    )
    op.create_index("ix_edi_document_file", "edi_document", ["edi_file_id", "kind"])
    op.create_index("ix_edi_document_payee", "edi_document", ["payee_provider_id", "created_at"])
    op.create_table(
        "member_change",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=True),
        sa.Column("member_number", code(80), nullable=False),
        sa.Column("edi_file_id", sa.BigInteger(), nullable=True),
        sa.Column("maintenance_type", code(3), nullable=False),
        sa.Column("reason_code", code(3), nullable=True),
        sa.Column("outcome", code(12), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=True),
        sa.Column("before", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("after", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("message", sa.String(length=200), nullable=True),
        sa.Column(
            "applied_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),  # fmt: skip
        sa.ForeignKeyConstraint(
            ["edi_file_id"], ["edi_file.id"], name=op.f("fk_member_change_edi_file_id_edi_file")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member_change")),
    )
    op.create_index("ix_member_change_member", "member_change", ["member_id", "applied_at"])


def downgrade() -> None:
    op.drop_index("ix_member_change_member", table_name="member_change")
    op.drop_table("member_change")
    op.drop_index("ix_edi_document_payee", table_name="edi_document")
    op.drop_index("ix_edi_document_file", table_name="edi_document")
    op.drop_table("edi_document")
    op.drop_index("ix_edi_file_submitter_provider", table_name="edi_file")
    op.drop_index("ix_edi_file_interchange", table_name="edi_file")
    op.drop_table("edi_file")
    op.execute("DROP SEQUENCE IF EXISTS edi_control_number_seq")
