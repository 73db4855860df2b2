"""One intake seam: staging.claim.patient_match keeps why intake found no member for a claim.

Intake resolves the member a claim is for once (backend/intake/parties.py) and the pipeline
adjudicates that member (staging.claim.member_id) instead of looking one up again by number.
When no member is found, patient_match says why, so the claim is rejected with its own edit:
0 an unknown member number (V053), -1 a patient who is not of the subscriber's family (V055),
-2 a patient matching more than one member (V056). NULL: matched.

Revision ID: 0014
Revises: 0009
Create Date: 2026-12-06 03:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("claim", sa.Column("patient_match", sa.SmallInteger()), schema="staging")


def downgrade() -> None:
    op.drop_column("claim", "patient_match", schema="staging")
