"""The pool tests a connection that has been idle before handing it out, and replaces one the
server closed; a connection returned moments ago is handed out untested."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy import exc

from backend.db import make_engine

PID = sa.text("SELECT pg_backend_pid()")


def _terminate(database_url: str, pid: int) -> None:
    """Close a backend from a connection outside the pool under test (as a server restart
    would)."""
    other = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    with other.connect() as connection:
        connection.execute(sa.text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})
    other.dispose()


def _pool_engine(database_url: str, ping_after_idle: float):
    return make_engine(database_url, ping_after_idle=ping_after_idle, pool_size=1, max_overflow=1)


def test_an_idle_connection_the_server_closed_is_replaced(database_url):
    engine = _pool_engine(database_url, ping_after_idle=0.0)
    with engine.connect() as connection:
        closed = connection.scalar(PID)
    _terminate(database_url, closed)
    with engine.connect() as connection:
        assert connection.scalar(PID) != closed
    engine.dispose()


def test_a_connection_returned_moments_ago_is_not_pinged(database_url):
    engine = _pool_engine(database_url, ping_after_idle=3600.0)
    with engine.connect() as connection:
        closed = connection.scalar(PID)
    _terminate(database_url, closed)
    with pytest.raises(exc.OperationalError), engine.connect() as connection:
        connection.scalar(PID)  # the untested connection was closed by the server
    with engine.connect() as connection:  # the pool was discarded: a new connection
        assert connection.scalar(PID) != closed
    engine.dispose()
