"""Bulk writes of reference rows through PostgreSQL COPY, inside the caller's transaction.

Two ways a reference table is refreshed, both idempotent:
- a versioned table (fee schedule RVUs, GPCIs, conversion factors) holds complete snapshots, one
  per `effective_from`: loading a file replaces its snapshot, and every snapshot ends
  (`effective_to`, inclusive) the day before the next one starts;
- a code list is upserted by key and never loses a code, since claims may still carry it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import fields
from datetime import date

from psycopg import sql
from sqlalchemy import Table, delete, text
from sqlalchemy.engine import Connection


def replace_snapshot(
    connection: Connection, table: Table, effective_from: date, rows: Sequence
) -> None:
    """Make `rows` the whole snapshot of `table` starting `effective_from`."""
    connection.execute(delete(table).where(table.c.effective_from == effective_from))
    if rows:
        columns = _columns(table, rows)
        copy_rows(connection, table.name, columns, _values(rows, columns))
    close_superseded_snapshots(connection, table)


def close_superseded_snapshots(connection: Connection, table: Table) -> None:
    """Set effective_to of every snapshot to the day before the next snapshot starts."""
    connection.execute(
        text(
            f"""
            UPDATE {table.name} AS versioned SET effective_to = snapshot.next_from - 1
            FROM (
                SELECT effective_from, lead(effective_from) OVER (ORDER BY effective_from)
                    AS next_from
                FROM (SELECT DISTINCT effective_from FROM {table.name}) AS starts
            ) AS snapshot
            WHERE versioned.effective_from = snapshot.effective_from
              AND versioned.effective_to IS DISTINCT FROM snapshot.next_from - 1
            """
        )
    )


def upsert_rows(connection: Connection, table: Table, rows: Sequence) -> None:
    """Insert `rows` into `table`, updating the rows whose primary key already exists."""
    if not rows:
        return
    columns = _columns(table, rows)
    keys = [column.name for column in table.primary_key.columns]
    staging = f"{table.name}_staging"
    connection.execute(text(f"CREATE TEMPORARY TABLE {staging} (LIKE {table.name})"))
    copy_rows(connection, staging, columns, _values(rows, columns))
    connection.execute(text(_upsert_from(staging, table.name, columns, keys)))
    connection.execute(text(f"DROP TABLE {staging}"))


def copy_rows(
    connection: Connection, table_name: str, columns: list[str], rows: Iterable[tuple]
) -> None:
    """COPY `rows` (tuples in `columns` order) into `table_name` on the caller's transaction."""
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table_name), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    cursor = connection.connection.driver_connection.cursor()
    with cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def _upsert_from(staging: str, target: str, columns: list[str], keys: list[str]) -> str:
    values = [column for column in columns if column not in keys]
    listed = ", ".join(columns)
    assignments = ", ".join(f"{column} = EXCLUDED.{column}" for column in values)
    current = ", ".join(f"{target}.{column}" for column in values)
    incoming = ", ".join(f"EXCLUDED.{column}" for column in values)
    return (
        f"INSERT INTO {target} ({listed}) SELECT {listed} FROM {staging} "
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {assignments} "
        f"WHERE ({current}) IS DISTINCT FROM ({incoming})"
    )


def _columns(table: Table, rows: Sequence) -> list[str]:
    """The fields of the row dataclass that are columns of `table` (rows may carry more)."""
    return [field.name for field in fields(rows[0]) if field.name in table.c]


def _values(rows: Iterable, columns: list[str]) -> Iterable[tuple]:
    return (tuple(getattr(row, column) for column in columns) for row in rows)
