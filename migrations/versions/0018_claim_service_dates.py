"""A staged claim's dates of service: the statement period of an institutional claim, the first
and last line dates of a professional one (`Claim.service_span`), set at intake. The claims list
showed and filtered on the statement period only, so a professional claim had no service date
there and a service-date filter left every professional claim out.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 09:20:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

# The claims already staged, as intake now sets them: one pass over the lines.
BACKFILL = """
UPDATE staging.claim c
SET service_from = CASE WHEN c.statement_from IS NOT NULL AND c.statement_to IS NOT NULL
                        THEN c.statement_from ELSE l.first_day END,
    service_to = CASE WHEN c.statement_from IS NOT NULL AND c.statement_to IS NOT NULL
                      THEN c.statement_to ELSE l.last_day END
FROM (
    SELECT claim_id, min(service_from) AS first_day,
           max(coalesce(service_to, service_from)) AS last_day
    FROM staging.claim_line GROUP BY claim_id
) l
WHERE l.claim_id = c.id
"""


def upgrade() -> None:
    op.add_column("claim", sa.Column("service_from", sa.Date()), schema="staging")
    op.add_column("claim", sa.Column("service_to", sa.Date()), schema="staging")
    op.execute(BACKFILL)
    op.execute(
        "UPDATE staging.claim SET service_from = statement_from, service_to = statement_to "
        "WHERE service_from IS NULL AND statement_from IS NOT NULL AND statement_to IS NOT NULL"
    )


def downgrade() -> None:
    op.drop_column("claim", "service_to", schema="staging")
    op.drop_column("claim", "service_from", schema="staging")
