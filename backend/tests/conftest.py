"""Backend fixtures: the app on the test transaction, and a small world of two provider
organizations, a family and another member, with a user for each role."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from backend import create_app
from backend.auth.passwords import use_hasher
from backend.auth.roles import sync_roles
from backend.db import Session
from backend.members.models import CoverageSpan
from backend.providers.models import ProviderNetwork
from backend.tests import factories as f


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing():
    """Argon2 at production cost takes ~0.1 s a hash; tests create many users."""
    use_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def app(engine, database_url, redis_url, connection, db):
    app = create_app(
        {"database_url": database_url, "redis_url": redis_url, "testing": True, "ENGINE": engine}
    )
    Session.remove()
    Session.configure(bind=connection, join_transaction_mode="create_savepoint")
    _fresh_rate_limits(app.extensions["redis"])
    sync_roles(db)
    db.flush()
    return app


def _fresh_rate_limits(redis) -> None:
    """Each test starts with full budgets: the default ones are sized for people and
    integrations, and the whole suite makes its requests from one address within minutes."""
    keys = list(redis.scan_iter(match="askes:rl:*", count=1000))
    if keys:
        redis.delete(*keys)


@pytest.fixture
def client(app):
    return app.test_client()


def login(client, username: str, password: str = f.PASSWORD):
    response = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.json
    client.environ_base["HTTP_X_CSRFTOKEN"] = response.json["csrf_token"]
    return response


@dataclass
class World:
    provider_a: object
    provider_b: object
    subscriber: object
    child: object
    spouse: object
    other_member: object
    claims: dict
    users: dict


@pytest.fixture
def world(app, db) -> World:
    plan = f.make_plan(db)
    provider_a = f.make_provider(db, organization_name="Alpha Clinic")
    practitioner_a = f.make_provider(db, organization=provider_a)
    provider_b = f.make_provider(db, organization_name="Beta Hospital")
    subscriber = f.make_member(db, first_name="Sam", last_name="Family")
    child = f.make_member(
        db,
        subscriber,
        first_name="Kid",
        birth_date=date.today().replace(year=date.today().year - 8),
    )
    spouse = f.make_member(
        db, subscriber, relationship_code="01", first_name="Pat", birth_date=date(1979, 2, 3)
    )
    other = f.make_member(db, first_name="Olly", last_name="Other")
    for member in (subscriber, child, spouse, other):
        f.make_coverage(db, member, plan)
    claims = {
        "a_subscriber": f.make_staged_claim(db, subscriber, provider_a),
        "a_child": f.make_staged_claim(db, child, practitioner_a),
        "b_spouse": f.make_staged_claim(db, spouse, provider_b),
        "b_other": f.make_staged_claim(db, other, provider_b),
    }
    f.make_adjudicated(db, claims["a_subscriber"])
    users = {
        "admin": f.make_user(db, "admin"),
        "insurer": f.make_user(db, "insurer"),
        "provider_a": f.make_user(db, "provider", provider_id=provider_a.id),
        "provider_b": f.make_user(db, "provider", provider_id=provider_b.id),
        "member": f.make_user(db, "member", member_id=subscriber.id),
        "other_member": f.make_user(db, "member", member_id=other.id),
    }
    db.flush()
    return World(provider_a, provider_b, subscriber, child, spouse, other, claims, users)


@pytest.fixture
def as_user(app, world):
    """A test client logged in as one of the world's users: as_user('provider_a')."""

    def make(name: str):
        client = app.test_client()
        login(client, world.users[name].username)
        return client

    return make


@pytest.fixture
def priced_world(world, db, connection):
    """The world with fee schedule, GPCIs and code sets loaded and provider A in network."""
    from workers.reference_cache import forget
    from workers.tests import factories as wf

    forget()
    wf.make_reference(connection)
    plan_id = db.execute(
        select(CoverageSpan.plan_id).where(CoverageSpan.member_id == world.subscriber.id)
    ).scalar()
    db.add(ProviderNetwork(provider_id=world.provider_a.id, plan_id=plan_id,
                              effective_date=date(2025, 1, 1)))  # fmt: skip
    db.flush()
    yield world
    forget()


def another_app(connection, engine, database_url, redis_url, **settings):
    """Another web process: an app of its own (its own token cache), the same Redis and the
    test's database transaction (create_app binds the session to the engine: bound back)."""
    app = create_app({"database_url": database_url, "redis_url": redis_url, "testing": True,
                      "ENGINE": engine, **settings})  # fmt: skip
    Session.remove()
    Session.configure(bind=connection, join_transaction_mode="create_savepoint")
    return app


@pytest.fixture
def other_process(app, connection, engine, database_url, redis_url):
    return another_app(connection, engine, database_url, redis_url).test_client()
