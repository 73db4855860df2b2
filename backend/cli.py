"""`askes`: the admin command. Every subcommand runs against DATABASE_URL / REDIS_URL, or against
the embedded servers under var/ (started if they are not running) when those are unset."""

from __future__ import annotations

import click

from backend.batches.cli import bench_pipeline, process
from backend.benchmarks import bench
from backend.claims.bench import bench_submit
from backend.cli_context import Context, pass_context
from backend.edi.cli import bench_edi, edi
from backend.fhir_api.bench import bench_fhir
from backend.load_bench import bench_load
from backend.payments.cli import pay
from backend.reference.cli import reference
from backend.reports.bench import bench_api
from backend.reports.cli import reports
from backend.risk.cli import bench_risk_scoring, model
from backend.synthetic.cli import bench_generate, generate


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


# Subcommands live with their domains, each module owning its group; here they are only added.
for command in (reference, generate, process, edi, bench, reports, pay, model):
    main.add_command(command)
for command in (bench_generate, bench_pipeline, bench_edi, bench_submit, bench_fhir, bench_api,
                bench_load, bench_risk_scoring):  # fmt: skip
    bench.add_command(command)
