"""production.ensure_service_month_partition: a partition another session created first is
not an error.

Two workers whose chunks reach a new service month at the same moment both saw the partition
missing and both ran CREATE TABLE; the second waited for the first to commit and then failed
with DuplicateTable (or a unique violation in pg_type), which split its chunk for nothing. Now
the second finds the table made and goes on.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 05:20:00.000000
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

FUNCTION = """
CREATE OR REPLACE FUNCTION production.ensure_service_month_partition(month date) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    first_day date := date_trunc('month', month)::date;
    suffix text := to_char(first_day, 'YYYY_MM');
    parent text;
BEGIN
    FOREACH parent IN ARRAY ARRAY['claim', 'claim_line'] LOOP
        IF to_regclass(format('production.%s_%s', parent, suffix)) IS NULL THEN
            BEGIN
                EXECUTE format(
                    'CREATE TABLE production.%I PARTITION OF production.%I '
                    'FOR VALUES FROM (%L) TO (%L)',
                    parent || '_' || suffix, parent, first_day,
                    (first_day + interval '1 month')::date
                );
            EXCEPTION WHEN duplicate_table OR unique_violation THEN
                NULL;  -- another session created it first
            END;
        END IF;
    END LOOP;
END $$;
"""

PREVIOUS = """
CREATE OR REPLACE FUNCTION production.ensure_service_month_partition(month date) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    first_day date := date_trunc('month', month)::date;
    suffix text := to_char(first_day, 'YYYY_MM');
    parent text;
BEGIN
    FOREACH parent IN ARRAY ARRAY['claim', 'claim_line'] LOOP
        IF to_regclass(format('production.%s_%s', parent, suffix)) IS NULL THEN
            EXECUTE format(
                'CREATE TABLE production.%I PARTITION OF production.%I '
                'FOR VALUES FROM (%L) TO (%L)',
                parent || '_' || suffix, parent, first_day, (first_day + interval '1 month')::date
            );
        END IF;
    END LOOP;
END $$;
"""


def upgrade() -> None:
    op.execute(FUNCTION)


def downgrade() -> None:
    op.execute(PREVIOUS)
