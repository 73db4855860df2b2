"""`askes seed demo`: reference data, a generated demo population, the four demo users, and a
batch that adjudicates most of the demo claims (the rest stay pending), so that the demo users
see claims in every state: paid, denied, pended, rejected and not yet processed."""

from __future__ import annotations

import click
from sqlalchemy import select, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from backend.auth.models import User
from backend.auth.passwords import hash_password, verify_password
from backend.auth.roles import sync_roles
from backend.auth.service import create_user
from backend.cli_context import Context, pass_context

DEMO_PROCESSED_SHARE = 0.85  # of the demo claims, lowest ids first; the rest stay pending


def seed_demo(connection: Connection, password: str, redis=None) -> list[str]:
    """Idempotent: a second run changes nothing but a demo password that no longer matches.

    With `redis`, the run that generates the demo claims also queues the batch that adjudicates
    most of them; the workers run it once the caller's transaction commits."""
    from backend.reference.loaders import load_reference
    from backend.risk.registry import ensure_shipped_champion
    from backend.synthetic.demo import seed_demo as seed_demo_population

    session = Session(bind=connection, join_transaction_mode="create_savepoint")
    sync_roles(session)
    session.flush()
    if not connection.execute(select(1).select_from(_fee_schedule()).limit(1)).first():
        load_reference(connection)
    demo = seed_demo_population(connection)
    bindings = {
        "admin": {},
        "insurer": {},
        "provider": {"provider_id": demo.provider_organization_id},
        "member": {"member_id": demo.subscriber_member_id},
    }
    for role_name, binding in bindings.items():
        ensure_demo_user(session, role_name, password, binding)
    session.commit()
    ensure_shipped_champion(connection)  # before the demo batch: the workers score with it
    if redis is not None and demo.created:
        process_demo_claims(connection, redis, demo.run_id)
    return [f"  {name:<9} password: {password}" for name in bindings]


def ensure_demo_user(session: Session, role_name: str, password: str, binding: dict) -> User:
    """The demo user named like its role, created or brought back to the demo password."""
    user = session.scalar(select(User).where(User.username == role_name))
    if user is None:
        display = f"Demo {role_name}"
        return create_user(session, role_name, password, role_name, display, **binding)
    if not verify_password(user.password_hash, password):
        user.password_hash = hash_password(password)
    for field, value in binding.items():
        setattr(user, field, value)
    user.is_active = True
    return user


def process_demo_claims(connection: Connection, redis, run_id: int) -> int:
    """Queue a batch over the first DEMO_PROCESSED_SHARE of the demo run's claims (lowest ids
    first); its id. The demo claims are one COPY, so their ids are one range."""
    from backend.batches.service import start_batch

    claims = f"SELECT id FROM staging.claim WHERE source_request_id = 'synthetic-run-{run_id}'"
    first, count = connection.execute(text(f"SELECT min(id), count(*) FROM ({claims}) c")).one()
    last = connection.execute(
        text(f"SELECT id FROM ({claims}) c ORDER BY id OFFSET :n LIMIT 1"),
        {"n": max(int(count * DEMO_PROCESSED_SHARE) - 1, 0)},
    ).scalar()
    return start_batch(connection, redis, {"id_from": first, "id_to": last})


def _fee_schedule():
    from backend.reference.models import FeeScheduleRvu

    return FeeScheduleRvu.__table__


def prepare_for_benchmark(context) -> None:
    """What `make run` sets up, for a benchmark on a machine where it never ran: the schema at
    head, reference and demo data, and the demo batch the first seed queues worked here (no
    worker may be running), so the benchmark's own workers never pick it up mid-measurement."""
    from redis import Redis

    from backend.migrations import upgrade
    from workers.chunks import work_batch_chunks

    upgrade(context.settings.database_url)
    redis = Redis.from_url(context.settings.redis_url)
    with context.engine.begin() as connection:
        seed_demo(connection, context.settings.demo_password, redis)
    with context.engine.connect() as connection:
        running = connection.execute(text("SELECT id FROM batch WHERE status = 'running'"))
        batch_ids = running.scalars().all()
    for batch_id in batch_ids:
        work_batch_chunks(context.engine, redis, batch_id)


@click.group()
def seed() -> None:
    """Demo and reference data."""


@seed.command("demo")
@pass_context
def seed_demo_command(context: Context) -> None:
    """Load reference data, a generated demo population and the demo users (idempotent); the
    first time, queue most demo claims for the workers to adjudicate."""
    from redis import Redis

    redis = Redis.from_url(context.settings.redis_url)
    with context.engine.begin() as connection:
        logins = seed_demo(connection, context.settings.demo_password, redis)
    for line in logins:
        click.echo(line)
