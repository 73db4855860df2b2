"""Test infrastructure shared by backend/, edi/ and workers/ tests: real PostgreSQL and Redis.

Embedded servers under var/ by default; DATABASE_URL / REDIS_URL when set. Each test run gets a
database of its own (created, migrated, dropped), so runs in parallel never meet, and each test
runs inside an outer transaction that is rolled back.
"""

from __future__ import annotations

import os
import uuid
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
import redis as redis_lib
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from backend.db import Session, bind_engine
from backend.embedded import EmbeddedServices
from backend.migrations import upgrade
from backend.settings import Settings


@pytest.fixture(scope="session")
def services():
    settings = Settings.from_env()
    embedded = EmbeddedServices(
        settings.var_dir,
        postgres=settings.database_url is None,
        redis=settings.redis_url is None,
    )
    embedded.acquire()
    yield {
        "database_url": settings.database_url or embedded.postgres.url,
        "redis_url": settings.redis_url or embedded.redis.url,
    }
    embedded.release()


def create_database(server_url: str, name: str) -> str:
    """Create an empty database on the server of `server_url`; return its URL."""
    admin = sa.create_engine(
        make_url(server_url).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def drop_database(server_url: str, name: str) -> None:
    admin = sa.create_engine(
        make_url(server_url).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def empty_database(services):
    """A factory of fresh, empty databases (for migration tests); all dropped at the end."""
    created = []

    def make() -> str:
        name = f"askes_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        created.append(name)
        return create_database(services["database_url"], name)

    yield make
    for name in created:
        drop_database(services["database_url"], name)


@pytest.fixture(scope="session")
def database_url(empty_database):
    """This run's database, migrated to head."""
    url = empty_database()
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def engine(database_url):
    engine = sa.create_engine(database_url)
    bind_engine(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine):
    """A connection inside an outer transaction that is rolled back after the test."""
    with engine.connect() as connection:
        outer = connection.begin()
        yield connection
        if outer.is_active:
            outer.rollback()


@pytest.fixture
def db(connection):
    """The scoped Session bound to the test's connection: commits become savepoints."""
    Session.remove()
    Session.configure(bind=connection, join_transaction_mode="create_savepoint")
    yield Session()
    Session.remove()


@pytest.fixture(scope="session")
def redis_url(services):
    """A Redis database number of this run's own (1-15), flushed before use."""
    base = services["redis_url"]
    claims = redis_lib.Redis.from_url(base)
    for number in range(1, 16):
        if claims.set(f"askes:test-db:{number}", os.getpid(), nx=True, ex=3600):
            break
    else:
        pytest.fail("no free Redis database for this test run")
    url = redis_url_with_db(base, number)
    client = redis_lib.Redis.from_url(url)
    client.flushdb()
    yield url
    client.flushdb()
    claims.delete(f"askes:test-db:{number}")


def redis_url_with_db(url: str, number: int) -> str:
    parts = urlsplit(url)
    if parts.scheme == "unix":  # unix:///path?db=N (urlunsplit would drop the empty host)
        query = [(k, v) for k, v in parse_qsl(parts.query) if k != "db"] + [("db", str(number))]
        return f"unix://{parts.path}?{urlencode(query)}"
    return urlunsplit(parts._replace(path=f"/{number}"))


@pytest.fixture
def redis_client(redis_url):
    client = redis_lib.Redis.from_url(redis_url)
    yield client
    client.flushdb()
