"""Alembic, driven from Python: `askes db upgrade` and the tests use this, not alembic.ini."""

import click
from alembic import command
from alembic.config import Config

from backend.cli_context import Context, pass_context
from backend.settings import PROJECT_ROOT


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "heads") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)


@click.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="heads", show_default=True)
@pass_context
def db_upgrade(context: Context, revision: str) -> None:
    """Apply migrations up to REVISION, then sync the built-in roles."""
    from backend.auth.roles import sync_roles
    from backend.db import Session

    upgrade(context.settings.database_url, revision)
    context.engine  # noqa: B018 - binds the session
    sync_roles(Session())
    Session.commit()
    click.echo(f"database at {revision}")


@db.command("downgrade")
@click.argument("revision")
@pass_context
def db_downgrade(context: Context, revision: str) -> None:
    """Revert migrations down to REVISION."""
    downgrade(context.settings.database_url, revision)
    click.echo(f"database at {revision}")
