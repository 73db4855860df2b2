"""Alembic environment: the only thing that creates schema."""

from alembic import context
from sqlalchemy import create_engine, pool

from backend.db import Base, import_models

import_models()
target_metadata = Base.metadata
SCHEMAS = ("staging", "production", "ground_truth")


def include_object(obj, name, type_, reflected, compare_to):
    # Partitions of production tables are created by production.ensure_service_month_partition(),
    # not by the models; comparing models with the database ignores them.
    if type_ == "table" and reflected and compare_to is None:
        return obj.schema != "production" or name in target_metadata.tables
    return True


def run_migrations_online() -> None:
    url = context.config.get_main_option("sqlalchemy.url")
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            include_schemas=True,
            include_object=include_object,
            include_name=lambda name, type_, parent: (
                type_ != "schema" or name in (None, "public", *SCHEMAS)
            ),
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
