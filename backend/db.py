"""SQLAlchemy 2.0 engine and session for the app, the CLI and the workers."""

from __future__ import annotations

from sqlalchemy import MetaData, create_engine
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


def make_engine(url: str, **kwargs) -> Engine:
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


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
    from backend.plans import models as _plans  # noqa: F401
    from backend.providers import models as _providers  # noqa: F401
    from backend.reference import models as _reference  # noqa: F401
    from backend.synthetic import models as _synthetic  # noqa: F401
