"""Bulk database access for generated rows: COPY through psycopg 3 on the SQLAlchemy
connection's driver connection (same transaction), and blocks of ids from a table's sequence."""

from __future__ import annotations

import numpy as np

COPY_BLOCK = 8 << 20  # bytes per write: keeps the driver's buffers small


def copy_into(connection, table: str, columns: list[str], payload: bytes) -> None:
    """COPY `payload` (PostgreSQL text format) into table(columns), in the caller's transaction."""
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with _driver(connection).cursor() as cursor, cursor.copy(statement) as copy:
        view = memoryview(payload)
        for start in range(0, len(view), COPY_BLOCK):
            copy.write(view[start : start + COPY_BLOCK])


def reserve_ids(connection, table: str, count: int) -> np.ndarray:
    """`count` fresh ids (int64) from the sequence of table.id, as `count` inserts would get."""
    if count == 0:
        return np.zeros(0, dtype=np.int64)
    driver = _driver(connection)
    sequence = driver.execute("SELECT pg_get_serial_sequence(%s, 'id')", (table,)).fetchone()[0]
    statement = (  # one array value: a single message instead of one per id
        f"COPY (SELECT array_agg(nextval('{sequence}')) FROM generate_series(1, {int(count)}))"
        " TO STDOUT"
    )
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        data = b"".join(bytes(block) for block in copy)
    return np.array(data.strip().strip(b"{}").split(b",")).astype(np.int64)


def _driver(connection):
    """The psycopg connection under a SQLAlchemy Connection, inside its transaction."""
    if not connection.in_transaction():
        connection.begin()
    return connection.connection.driver_connection
