"""production.claim_line: the pricing trace as typed columns instead of jsonb.

Parsing a jsonb trace per line was about a third of the cost of writing the lines. The trace
columns are NULL on lines written before this revision, which keep their jsonb trace in
`pricing_trace` (now nullable; new lines leave it NULL). Readers build the same JSON from either
(`backend.claims.models.AdjudicatedClaimLine.pricing_trace`).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 15:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def code(length):
    return sa.String(length=length, collation="C")


COLUMNS = (
    ("pricing_method", code(20)),
    ("fee_cents", sa.BigInteger()),
    ("facility_pe", sa.Boolean()),
    ("modifier_factor_bp", sa.Integer()),
    ("percent_of_charges_bp", sa.Integer()),
    ("allowed_from", code(6)),
    ("network", code(3)),
    ("service_category", code(20)),
    ("deductible_met_before_cents", sa.BigInteger()),
    ("oop_met_before_cents", sa.BigInteger()),
    ("coinsurance_bp", sa.Integer()),
)


def upgrade() -> None:
    for name, type_ in COLUMNS:
        op.add_column("claim_line", sa.Column(name, type_, nullable=True), schema="production")
    op.alter_column("claim_line", "pricing_trace", nullable=True, schema="production")


def downgrade() -> None:
    trace = ", ".join(
        f"'{'method' if name == 'pricing_method' else name}', {name}" for name, _ in COLUMNS
    )
    op.execute(
        "UPDATE production.claim_line "
        f"SET pricing_trace = jsonb_strip_nulls(jsonb_build_object({trace})) "
        "WHERE pricing_trace IS NULL"
    )
    op.alter_column("claim_line", "pricing_trace", nullable=False, schema="production")
    for name, _type in reversed(COLUMNS):
        op.drop_column("claim_line", name, schema="production")
