"""staging.claim: an index on the received file a claim came from.

The 277CA of a file and its status read the file's claims; without an index each read scanned
all of staging (47 ms at 225,000 claims, growing with the table). Partial: claims from the API
and FHIR have no file. It reads no column the pipeline updates, so status updates stay HOT.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 06:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_staging_claim_source_file",
        "claim",
        ["source_file_id"],
        schema="staging",
        postgresql_where=sa.text("source_file_id IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_staging_claim_source_file", table_name="claim", schema="staging")
