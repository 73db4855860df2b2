"""production.claim_line: the denial CARC as a column; the 835 adjustments derived from it and
the amount columns instead of stored as jsonb.

The adjustments JSON (about 250 bytes a line) repeated the amount columns (CO-45 contractual,
PR-1/2/3 deductible, coinsurance, copay, or the denied charge under CO-<CARC>) and PostgreSQL
parsing it was the largest part of writing the lines. New lines store `denial_carc` and leave
`adjustments` NULL; lines written before keep their jsonb. Readers get the same list from
either (`backend.claims.models.line_adjustments`).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 05:40:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

DERIVED = """
UPDATE production.claim_line SET adjustments = CASE
    WHEN denial_carc IS NOT NULL THEN jsonb_build_array(jsonb_build_object(
        'group', 'CO', 'carc', denial_carc, 'amount_cents', noncovered_cents))
    ELSE (SELECT coalesce(jsonb_agg(jsonb_build_object(
                 'group', a.grp, 'carc', a.carc, 'amount_cents', a.amount) ORDER BY a.n),
                 '[]'::jsonb)
          FROM (VALUES (1, 'CO', '45', contractual_adjustment_cents),
                       (2, 'PR', '1', deductible_cents),
                       (3, 'PR', '2', coinsurance_cents),
                       (4, 'PR', '3', copay_cents)) AS a(n, grp, carc, amount)
          WHERE a.amount <> 0)
    END
WHERE adjustments IS NULL
"""


def upgrade() -> None:
    op.add_column(
        "claim_line",
        sa.Column("denial_carc", sa.String(length=3, collation="C"), nullable=True),
        schema="production",
    )
    op.alter_column("claim_line", "adjustments", nullable=True, schema="production")


def downgrade() -> None:
    op.execute(DERIVED)
    op.alter_column("claim_line", "adjustments", nullable=False, schema="production")
    op.drop_column("claim_line", "denial_carc", schema="production")
