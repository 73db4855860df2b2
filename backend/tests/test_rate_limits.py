"""Rate limits (issue 15, item 2): per user and per token, in Redis (so shared by every web
process), separate budgets for logins, reads, writes and bulk uploads; 429 with Retry-After
and RateLimit-* headers; a login flood from one address throttled before any lockout."""

from __future__ import annotations

from redis import Redis

from backend import create_app
from backend.auth.lockout import LoginPolicy, LoginThrottle
from backend.db import Session
from backend.tests.factories import PASSWORD
from backend.tests.fhir_helpers import bearer


def _budgets(app, **budgets):
    app.config["ASKES"].rate_limits = {"login": 100, "read": 100, "write": 100, "bulk": 100,
                                       **budgets}  # fmt: skip


def test_reads_beyond_the_budget_are_429_with_retry_after(app, as_user):
    client = as_user("insurer")
    _budgets(app, read=3)
    answers = [client.get("/api/v1/claims") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers["RateLimit-Remaining"] for a in answers] == ["2", "1", "0", "0"]
    assert answers[0].headers["RateLimit-Limit"] == "3"
    assert 0 < int(answers[3].headers["Retry-After"]) <= 60
    assert answers[3].json["code"] == "too_many_requests"
    assert client.post("/api/v1/batches", json={"claim_ids": [-1]}).status_code != 429  # bulk


def test_a_token_has_a_budget_of_its_own(app, world, db, as_user):
    session_client = as_user("insurer")
    token_client = bearer(app, db, world.users["insurer"])
    _budgets(app, read=2)
    for _ in range(2):
        session_client.get("/api/v1/claims")
    assert session_client.get("/api/v1/claims").status_code == 429
    assert token_client.get("/api/v1/claims").status_code == 200


def test_web_processes_share_one_budget(
    app, engine, database_url, redis_url, world, db, connection
):
    other_process = create_app({"database_url": database_url, "redis_url": redis_url,
                                "testing": True, "ENGINE": engine})  # fmt: skip
    Session.remove()
    Session.configure(bind=connection, join_transaction_mode="create_savepoint")
    for instance in (app, other_process):
        _budgets(instance, read=2)
    token = bearer(app, db, world.users["insurer"]).environ_base["HTTP_AUTHORIZATION"]
    first, second = app.test_client(), other_process.test_client()
    for client in (first, second):
        client.environ_base["HTTP_AUTHORIZATION"] = token
    assert first.get("/api/v1/claims").status_code == 200
    assert second.get("/api/v1/claims").status_code == 200
    assert second.get("/api/v1/claims").status_code == 429


def test_bulk_uploads_have_their_own_budget(app, as_user, tmp_path, monkeypatch):
    monkeypatch.setenv("ASKES_EDI_DIR", str(tmp_path))
    client = as_user("provider_a")
    _budgets(app, bulk=1)
    edi = {"Content-Type": "application/edi-x12"}
    assert client.post("/api/v1/edi/files", data=b"junk 1", headers=edi).status_code == 422
    assert client.post("/api/v1/edi/files", data=b"junk 2", headers=edi).status_code == 429
    assert client.post("/api/v1/claims", json={}).status_code == 422  # writes: not bulk


def test_a_login_flood_from_one_address_is_throttled_before_any_lockout(app, world, redis_client):
    _budgets(app, login=3)  # under the lockout's 5 failures
    username = world.users["insurer"].username
    client = app.test_client()
    flood = [
        client.post("/api/v1/auth/login", json={"username": username, "password": f"guess {n}"},
                    environ_base={"REMOTE_ADDR": "203.0.113.50"})
        for n in range(30)
    ]  # fmt: skip
    assert [answer.status_code for answer in flood] == [401] * 3 + [429] * 27
    assert all("a minute" in answer.json["message"] for answer in flood[3:])
    flooder = LoginThrottle(redis_client, "203.0.113.50", username, LoginPolicy(5, 900))
    assert flooder.retry_after() is None  # no account lock was ever reached
    owner = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD},
                        environ_base={"REMOTE_ADDR": "198.51.100.1"})  # fmt: skip
    assert owner.status_code == 200


def test_a_budget_of_zero_means_no_limit(app, as_user):
    _budgets(app, read=0)
    client = as_user("insurer")
    assert all(client.get("/api/v1/claims").status_code == 200 for _ in range(5))
    assert "RateLimit-Limit" not in client.get("/api/v1/claims").headers


class CountingRedis(Redis):
    """The app's Redis, counting round trips: commands sent alone and pipelines."""

    round_trips = 0

    def execute_command(self, *args, **options):
        CountingRedis.round_trips += 1
        return super().execute_command(*args, **options)

    def pipeline(self, transaction=True, shard_hint=None):
        pipe = super().pipeline(transaction, shard_hint)
        execute = pipe.execute

        def counted(*args, **kwargs):
            CountingRedis.round_trips += 1
            return execute(*args, **kwargs)

        pipe.execute = counted
        return pipe


def test_a_remembered_tokens_call_costs_one_redis_round_trip(app, world, db):
    """The count and the credentials generation the token check needs are read together."""
    counting = CountingRedis(connection_pool=app.extensions["redis"].connection_pool)
    app.extensions["redis"] = app.extensions["token_cache"].redis = counting
    client = bearer(app, db, world.users["insurer"])
    assert client.get("/api/v1/claims").status_code == 200  # the token read and remembered
    CountingRedis.round_trips = 0
    for _ in range(3):
        answer = client.get("/api/v1/claims")
        assert answer.status_code == 200 and answer.headers["RateLimit-Limit"]
    assert CountingRedis.round_trips == 3


def test_made_up_tokens_count_against_their_address_not_a_budget_each(app, world, db):
    """A prefix counts as a token's own budget only once this process has checked the token:
    inventing a new prefix for every call buys no fresh budget."""
    _budgets(app, read=3)
    client = app.test_client()
    answers = [
        client.get("/api/v1/claims", headers={"Authorization": f"Bearer askes_{n:012x}_guess"})
        for n in range(4)
    ]
    assert [a.status_code for a in answers] == [401, 401, 401, 429]
    assert answers[3].headers["Retry-After"]
    genuine = bearer(app, db, world.users["insurer"])  # same address: a budget of its own
    assert [genuine.get("/api/v1/claims").status_code for _ in range(4)] == [200, 200, 200, 429]
