"""Migrations: from empty to head, one step down and up, models equal migrations, one head."""

import time
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from backend.claims.models import line_adjustments
from backend.db import Base, import_models
from backend.migrations import alembic_config, downgrade, upgrade

EXPECTED_TABLES = {
    "audit_event", "app_user", "api_token", "role", "member", "coverage_span", "accumulator",
    "plan", "plan_copay", "provider", "provider_network", "fee_schedule_rvu", "gpci",
    "pricing_locality", "conversion_factor", "icd10cm_code", "place_of_service", "modifier",
    "carc_code", "rarc_code",
}  # fmt: skip


def test_single_head():
    heads = ScriptDirectory.from_config(alembic_config("postgresql://unused")).get_heads()
    assert len(heads) == 1


def test_upgrade_from_empty_then_down_one_step_and_up(empty_database):
    url = empty_database()
    upgrade(url)
    engine = sa.create_engine(url)
    inspector = sa.inspect(engine)
    assert set(inspector.get_table_names()) >= EXPECTED_TABLES
    assert {"claim", "claim_line"} <= set(inspector.get_table_names(schema="staging"))
    assert {"claim", "claim_line", "failed_claim"} <= set(
        inspector.get_table_names(schema="production")
    )
    script = ScriptDirectory.from_config(alembic_config(url))
    head = script.get_current_head()
    previous = script.get_revision(head).down_revision or "base"
    downgrade(url, previous)
    upgrade(url)
    with engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == head
    engine.dispose()


def test_models_equal_migrations(engine):
    import_models()
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "include_schemas": True,
                "compare_type": True,
                "include_object": _ignore_partitions,
                "include_name": _our_schemas,
            },
        )
        assert compare_metadata(context, Base.metadata) == []


def test_service_month_partitions_route_rows(engine):
    with engine.begin() as connection:
        connection.execute(
            sa.text("SELECT production.ensure_service_month_partition('2031-07-15')")
        )
        connection.execute(
            sa.text("SELECT production.ensure_service_month_partition('2031-07-01')")
        )
        names = sa.inspect(connection).get_table_names(schema="production")
        assert "claim_2031_07" in names and "claim_line_2031_07" in names
        connection.rollback()


def _our_schemas(name, type_, parent_names):
    return type_ != "schema" or name in (None, "public", "staging", "production", "ground_truth")


def _ignore_partitions(obj, name, type_, reflected, compare_to):
    if type_ == "table" and reflected and compare_to is None and obj.schema == "production":
        return name in Base.metadata.tables
    return True


def test_two_sessions_creating_one_partition_do_not_collide(engine):
    """Two workers reaching a new service month at once: the second waits for the first's
    partition instead of failing with DuplicateTable."""
    create = sa.text("SELECT production.ensure_service_month_partition('2032-03-10')")
    first = engine.connect()
    try:
        first.execute(create)  # created, not committed: the lock is held
        with ThreadPoolExecutor(1) as pool:
            second = pool.submit(_create_in_own_transaction, engine, create)
            time.sleep(0.3)
            assert not second.done()  # waiting for the first session to commit
            first.commit()
            second.result(timeout=10)
    finally:
        first.close()
        with engine.begin() as connection:
            connection.execute(sa.text("DROP TABLE IF EXISTS production.claim_line_2032_03"))
            connection.execute(sa.text("DROP TABLE IF EXISTS production.claim_2032_03"))


def _create_in_own_transaction(engine, statement):
    with engine.begin() as connection:
        connection.execute(statement)


LINE = """
INSERT INTO production.claim_line (claim_id, line_number, service_month, service_from,
    service_to, units, decision, billed_cents, allowed_cents, paid_cents,
    patient_responsibility_cents, deductible_cents, coinsurance_cents, copay_cents,
    contractual_adjustment_cents, noncovered_cents, rarc_codes, denial_carc)
VALUES (1, 1, '2026-03-01', '2026-03-02', '2026-03-02', 1, 'paid', 20000, 12000, 7000, 5000,
        3000, 2000, 0, 8000, 0, '{}', NULL),
       (1, 2, '2026-03-01', '2026-03-02', '2026-03-02', 1, 'denied', 4321, 0, 0, 0, 0, 0, 0,
        0, 4321, '{N130}', '27')
"""


def test_adjustments_derived_from_columns_equal_the_json_written_on_downgrade(empty_database):
    """The 835 adjustments of a line, derived from its columns (revision 0007), are what the
    downgrade stores back as jsonb, so both readings of a line tell the same story."""
    url = empty_database()
    upgrade(url)
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            sa.text("SELECT production.ensure_service_month_partition('2026-03-01')")
        )
        connection.execute(sa.text(LINE))
        derived = [
            line_adjustments(row)
            for row in connection.execute(
                sa.text("SELECT * FROM production.claim_line ORDER BY line_number")
            ).mappings()
        ]
    assert derived == [
        [{"group": "CO", "carc": "45", "amount_cents": 8000},
         {"group": "PR", "carc": "1", "amount_cents": 3000},
         {"group": "PR", "carc": "2", "amount_cents": 2000}],
        [{"group": "CO", "carc": "27", "amount_cents": 4321}],
    ]  # fmt: skip
    downgrade(url, "0006")
    with engine.connect() as connection:
        stored = connection.execute(
            sa.text("SELECT adjustments FROM production.claim_line ORDER BY line_number")
        ).scalars()
        assert list(stored) == derived
    upgrade(url)
    with engine.connect() as connection:  # lines from before 0007 keep their stored JSON
        rows = connection.execute(sa.text("SELECT * FROM production.claim_line")).mappings()
        assert sorted((line_adjustments(row) for row in rows), key=len) == sorted(derived, key=len)
    engine.dispose()


STAGED = """
INSERT INTO staging.claim (id, channel, status, priority, claim_type, patient_control_number,
    frequency_code, subscriber_member_number, relationship_code, billing_provider_npi,
    diagnosis_codes, total_charge_cents, received_at, statement_from, statement_to)
VALUES (1, 'api', 'pending', 0, 'professional', 'PRO', '1', 'M1', '18', '1234567893', '{E119}',
        300, now(), NULL, NULL),
       (2, 'edi', 'pending', 0, 'institutional', 'INST', '1', 'M1', '18', '1234567893', '{E119}',
        100, now(), '2026-01-05', '2026-01-09');
INSERT INTO staging.claim_line (claim_id, line_number, procedure_code, service_from, service_to,
    units, unit_basis, charge_cents, diagnosis_pointers)
VALUES (1, 1, '99213', '2026-02-04', NULL, 1, 'UN', 100, '{1}'),
       (1, 2, '99213', '2026-02-02', '2026-02-03', 1, 'UN', 100, '{1}'),
       (1, 3, '99213', '2026-02-06', NULL, 1, 'UN', 100, '{1}'),
       (2, 1, NULL, '2026-01-06', '2026-01-06', 1, 'UN', 100, '{1}');
"""


def test_claims_staged_before_the_service_dates_get_them(empty_database):
    """Revision 0018 gives every staged claim its dates of service as intake now sets them: the
    statement period, else its lines' first and last dates (Claim.service_span)."""
    url = empty_database()
    upgrade(url, "0017")
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text(STAGED))
    upgrade(url, "0018")
    with engine.connect() as connection:
        dates = "SELECT id, service_from::text, service_to::text FROM staging.claim ORDER BY id"
        rows = connection.execute(sa.text(dates)).all()
    assert [tuple(row) for row in rows] == [
        (1, "2026-02-02", "2026-02-06"), (2, "2026-01-05", "2026-01-09"),
    ]  # fmt: skip
    engine.dispose()
