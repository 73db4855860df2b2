"""staging.claim: fillfactor 50, so marking a claim processed stays a HOT update.

A batch's chunks are grouped by member, so each chunk marks about a quarter of the claims on
every staging page, and each HOT update needs room for a new copy of the row on its page.
At fillfactor 80 a page had room for about four copies; the rest went to other pages
(non-HOT: a new entry in each of the table's five indexes). Measured on a 100,000-claim
batch: 36 % of the status updates were non-HOT at 80, none at 50. Applies to pages written
from now on; the table is about 1.6 times larger for the same claims.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 09:20:00.000000
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE staging.claim SET (fillfactor = 50)")


def downgrade() -> None:
    op.execute("ALTER TABLE staging.claim SET (fillfactor = 80)")
