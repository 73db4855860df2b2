"""SQLAlchemy 2.0 engine and session for the app, the CLI and the workers."""

from __future__ import annotations

import math
import time

from sqlalchemy import MetaData, create_engine, event, exc
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, scoped_session, sessionmaker

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# One thread-local session registry; bound to an engine by init_app / bind_engine.
Session = scoped_session(sessionmaker(expire_on_commit=False))


# A pooled connection idle for longer than this is tested before use (see make_engine).
PING_AFTER_IDLE_SECONDS = 1.0


def make_engine(url: str, ping_after_idle: float = PING_AFTER_IDLE_SECONDS, **kwargs) -> Engine:
    """An engine whose pool tests a connection (the dialect's ping) before handing it out when
    it has been idle for more than `ping_after_idle` seconds, and replaces it if the server has
    closed it. SQLAlchemy's pool_pre_ping tests on every checkout instead, and a web request
    checks out twice (its commit before parsing returns the connection): that was a tenth of a
    FHIR POST's wall time. A connection returned within the last second was working then; if
    the server went away meanwhile the statement fails, and SQLAlchemy discards the pool."""
    engine = create_engine(url, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        _ping_when_idle(engine, ping_after_idle)
    return engine


def _ping_when_idle(engine: Engine, seconds: float) -> None:
    @event.listens_for(engine, "checkin")
    def note_checkin(_dbapi_connection, record) -> None:
        record.info["checked_in_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def ping_if_idle(dbapi_connection, record, _proxy) -> None:
        if time.monotonic() - record.info.get("checked_in_at", -math.inf) <= seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise exc.DisconnectionError("the pooled connection was closed") from error


def bind_engine(engine: Engine) -> None:
    Session.remove()
    Session.configure(bind=engine)


def init_app(app, engine: Engine) -> None:
    bind_engine(engine)
    app.extensions["db_engine"] = engine

    @app.teardown_appcontext
    def remove_session(_exc=None):
        Session.remove()


def import_models() -> None:
    """Import every model module so Base.metadata knows all tables (Alembic, tests)."""
    from backend.audit import models as _audit  # noqa: F401
    from backend.auth import models as _auth  # noqa: F401
    from backend.batches import models as _batches  # noqa: F401
    from backend.claims import models as _claims  # noqa: F401
    from backend.edi import models as _edi  # noqa: F401
    from backend.intake import models as _intake  # noqa: F401
    from backend.members import models as _members  # noqa: F401
    from backend.payments import models as _payments  # noqa: F401
    from backend.plans import models as _plans  # noqa: F401
    from backend.providers import models as _providers  # noqa: F401
    from backend.reference import models as _reference  # noqa: F401
    from backend.reports import models as _reports  # noqa: F401
    from backend.review import models as _review  # noqa: F401
    from backend.synthetic import models as _synthetic  # noqa: F401
