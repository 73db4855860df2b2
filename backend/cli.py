"""`askes`: the admin command. Every subcommand runs against DATABASE_URL / REDIS_URL, or against
the embedded servers under var/ (started if they are not running) when those are unset."""

from __future__ import annotations

import atexit
import os

import click

from backend.settings import Settings


class Context:
    """What a subcommand needs: settings with service URLs resolved, and an engine on demand."""

    def __init__(self):
        self._settings: Settings | None = None
        self._embedded = None
        self._engine = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = self._resolve(Settings.from_env())
        return self._settings

    def _resolve(self, settings: Settings) -> Settings:
        from backend.embedded import EmbeddedServices

        if settings.database_url and settings.redis_url:
            return settings
        self._embedded = EmbeddedServices(
            settings.var_dir,
            postgres=settings.database_url is None,
            redis=settings.redis_url is None,
        )
        self._embedded.acquire()
        atexit.register(self._embedded.release)
        return settings.updated(
            {
                "database_url": settings.database_url or self._embedded.postgres.url,
                "redis_url": settings.redis_url or self._embedded.redis.url,
            }
        )

    @property
    def engine(self):
        if self._engine is None:
            from backend.db import bind_engine, import_models, make_engine

            import_models()  # every mapper known before any ORM query
            self._engine = make_engine(self.settings.database_url)
            bind_engine(self._engine)
        return self._engine

    def child_environment(self) -> dict[str, str]:
        """Environment for child processes: the resolved service URLs and secret."""
        env = dict(os.environ)
        env["DATABASE_URL"] = self.settings.database_url
        env["REDIS_URL"] = self.settings.redis_url
        env["ASKES_SECRET_KEY"] = self.settings.secret_key
        return env


pass_context = click.make_pass_decorator(Context, ensure=True)


@click.group()
@click.pass_context
def main(ctx: click.Context) -> None:
    """Askes claims platform administration."""
    ctx.obj = Context()


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="heads", show_default=True)
@pass_context
def db_upgrade(context: Context, revision: str) -> None:
    """Apply migrations up to REVISION, then sync the built-in roles."""
    from backend.auth.roles import sync_roles
    from backend.db import Session
    from backend.migrations import upgrade

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
    from backend.migrations import downgrade

    downgrade(context.settings.database_url, revision)
    click.echo(f"database at {revision}")


@main.group()
def user() -> None:
    """Users."""


@user.command("create")
@click.argument("username")
@click.option("--role", "role_name", required=True, help="admin, insurer, provider or member")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--display-name")
@click.option("--provider-npi", help="the provider organization a provider user belongs to")
@click.option("--member-number", help="the member a member user is")
@pass_context
def user_create(context: Context, username, role_name, password, display_name, provider_npi,
                member_number) -> None:  # fmt: skip
    """Create a user."""
    from backend.auth.service import create_user
    from backend.db import Session
    from backend.members.models import Member
    from backend.providers.models import Provider

    context.engine  # noqa: B018 - binds the session
    session = Session()
    provider = session.query(Provider).filter_by(npi=provider_npi).one_or_none()
    member = session.query(Member).filter_by(member_number=member_number).one_or_none()
    if provider_npi and provider is None:
        raise click.UsageError(f"no provider with NPI {provider_npi}")
    if member_number and member is None:
        raise click.UsageError(f"no member {member_number}")
    try:
        created = create_user(
            session, username, password, role_name, display_name,
            provider_id=provider.id if provider else None, member_id=member.id if member else None,
        )  # fmt: skip
    except ValueError as refused:
        raise click.UsageError(str(refused)) from None
    session.commit()
    click.echo(f"user {created.username} ({created.role_name}) created, id {created.id}")


@main.group()
def token() -> None:
    """API tokens."""


@token.command("create")
@click.option("--user", "username", required=True)
@click.option("--name", required=True, help="what the token is for")
@click.option("--scope", "scopes", multiple=True, help="a permission; default: all of the role's")
@pass_context
def token_create(context: Context, username: str, name: str, scopes: tuple[str, ...]) -> None:
    """Create an API token; it is printed this once."""
    from backend.auth.models import User
    from backend.auth.tokens import issue_token
    from backend.db import Session

    context.engine  # noqa: B018 - binds the session
    session = Session()
    owner = session.query(User).filter_by(username=username.lower()).one_or_none()
    if owner is None:
        raise click.UsageError(f"no user {username}")
    try:
        issued = issue_token(session, owner, name, list(scopes or owner.role.permissions))
    except ValueError as refused:
        raise click.UsageError(str(refused)) from None
    session.commit()
    click.echo(issued.plaintext)


@main.command()
@click.option("--queue", "queues", multiple=True, help="queues to work (default: all, by priority)")
@click.option("--burst", is_flag=True, help="stop when the queues are empty")
@pass_context
def worker(context: Context, queues: tuple[str, ...], burst: bool) -> None:
    """Run an RQ worker on the processing queues."""
    from backend.observability import configure_logging
    from workers.queues import QUEUE_NAMES
    from workers.worker import run_worker

    configure_logging(context.settings.log_level)
    run_worker(
        context.settings.database_url, context.settings.redis_url, queues or QUEUE_NAMES, burst
    )


@main.group()
def seed() -> None:
    """Demo and reference data."""


@seed.command("demo")
@pass_context
def seed_demo_command(context: Context) -> None:
    """Load reference data, a generated demo population and the demo users (idempotent); the
    first time, queue most demo claims for the workers to adjudicate."""
    from redis import Redis

    from backend.seed import seed_demo

    redis = Redis.from_url(context.settings.redis_url)
    with context.engine.begin() as connection:
        logins = seed_demo(connection, context.settings.demo_password, redis)
    for line in logins:
        click.echo(line)


@main.command()
@pass_context
def run(context: Context) -> None:
    """Set up and start the whole system: web server and workers. Ctrl-C stops everything."""
    from backend.launcher import Launcher

    raise SystemExit(Launcher(context).run())


# Subcommands live with their domains; they import `main`'s helpers, hence the late imports.
# Benchmark commands attach themselves to the `bench` group when their module is imported.
from backend.batches.cli import process  # noqa: E402
from backend.benchmarks import bench  # noqa: E402
from backend.claims import bench as _submit_bench  # noqa: E402, F401
from backend.edi.cli import edi  # noqa: E402
from backend.fhir_api import bench as _fhir_bench  # noqa: E402, F401
from backend.payments.cli import pay  # noqa: E402
from backend.reference.cli import reference  # noqa: E402
from backend.reports import bench as _api_bench  # noqa: E402, F401
from backend.reports.cli import reports  # noqa: E402
from backend.synthetic.cli import generate  # noqa: E402

for command in (reference, generate, process, edi, bench, pay, reports):
    main.add_command(command)
