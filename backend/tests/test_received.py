"""Request bodies kept before they are parsed (backend/intake/received.py)."""

from sqlalchemy import text

from backend.intake.received import keep_committed

BODY = {"channel": "fhir", "body": b'{"resourceType": "Claim"}', "media_type": "application/json"}
STORED = text("SELECT count(*) FROM received_document WHERE id = :id")


def test_a_body_kept_outside_a_transaction_is_committed_alone(engine):
    """One autocommitted statement: another connection sees the row before the caller
    commits anything, and the connection is transactional again afterwards."""
    with engine.connect() as connection:
        document_id = keep_committed(connection, **BODY)
        driver = connection.connection.driver_connection
        assert driver.autocommit is False
        with engine.connect() as other:
            assert other.execute(STORED, {"id": document_id}).scalar() == 1
        connection.execute(text("CREATE TEMP TABLE kept_then_rolled_back (x int)"))
        connection.rollback()  # what follows is a transaction again: undone
        assert (
            connection.execute(text("SELECT to_regclass('kept_then_rolled_back')")).scalar() is None
        )
    with engine.begin() as cleanup:
        cleanup.execute(text("DELETE FROM received_document WHERE id = :id"), {"id": document_id})


def test_a_body_kept_inside_a_transaction_is_the_callers_to_commit(engine):
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))  # a transaction is open
        document_id = keep_committed(connection, **BODY)
        with engine.connect() as other:
            assert other.execute(STORED, {"id": document_id}).scalar() == 0
        connection.rollback()
        assert connection.execute(STORED, {"id": document_id}).scalar() == 0
