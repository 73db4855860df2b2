"""What arrived, stored before anything parses it, for every channel: one row of
received_document per file or request body (models.py), its outcome recorded when answered."""

from __future__ import annotations

import hashlib

from psycopg.pq import TransactionStatus
from psycopg.types.json import Jsonb

from backend.intake.models import ReceivedDocument

KEEP = """
INSERT INTO received_document (channel, media_type, filename, sha256, size_bytes, body,
    submitter_user_id, request_id, status)
VALUES (%(channel)s, %(media_type)s, %(filename)s, %(sha256)s, %(size_bytes)s, %(body)s,
    %(submitter_user_id)s, %(request_id)s, 'received')
RETURNING id
"""
RECORD_OUTCOME = """
UPDATE received_document SET status = %(status)s, outcome = %(outcome)s WHERE id = %(document_id)s
"""


def document_values(
    channel: str,
    body: bytes,
    media_type: str,
    filename: str | None = None,
    user_id: int | None = None,
    request_id: str | None = None,
) -> dict:
    """The received_document columns of a body as received (hash, size, who, which request)."""
    return {
        "channel": channel,
        "media_type": media_type[:100],
        "filename": (filename or "")[:255] or None,
        "sha256": hashlib.sha256(body).hexdigest(),
        "size_bytes": len(body),
        "body": body,
        "submitter_user_id": user_id,
        "request_id": request_id,
    }


def keep(connection, **values) -> int:
    """Store a request body (`document_values` arguments) in the connection's transaction; its
    id. Request channels commit at once, before parsing. On the driver's cursor: it runs on
    every submission."""
    cursor = connection.connection.driver_connection.cursor()
    try:
        return cursor.execute(KEEP, document_values(**values)).fetchone()[0]
    finally:
        cursor.close()


def keep_committed(connection, **values) -> int:
    """`keep`, committed before the caller goes on (request channels commit the body before
    parsing it). When no transaction is open on the connection, the INSERT runs autocommitted:
    one round trip, not three (BEGIN, INSERT, COMMIT: a tenth of a single claim's statements);
    the caller's commit then has nothing to send. Inside an open transaction (what the caller
    read first, or a test's outer transaction) it is written there, for the caller's commit."""
    driver = connection.connection.driver_connection
    if driver.autocommit or driver.info.transaction_status != TransactionStatus.IDLE:
        return keep(connection, **values)
    driver.autocommit = True
    try:
        return keep(connection, **values)
    finally:
        driver.autocommit = False


def new_document(**values) -> ReceivedDocument:
    """The same row as an ORM object (`document_values` arguments), for channels that answer
    through it (X12): the caller adds and flushes it."""
    return ReceivedDocument(**document_values(**values), status="received")


def record_outcome(connection, document_id: int, status: str, outcome: dict) -> None:
    """accepted | partially_accepted | rejected | duplicate, with counts, claim ids and errors; in
    the caller's transaction."""
    cursor = connection.connection.driver_connection.cursor()
    try:
        values = {"document_id": document_id, "status": status, "outcome": Jsonb(outcome)}
        cursor.execute(RECORD_OUTCOME, values)
    finally:
        cursor.close()
