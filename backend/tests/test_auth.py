"""Login, logout, CSRF, lockout, and bearer tokens."""

from datetime import UTC, datetime, timedelta

import pytest

from backend.auth.models import ApiToken
from backend.auth.tokens import issue_token
from backend.tests.conftest import login
from backend.tests.factories import PASSWORD


def test_login_sets_httponly_samesite_cookie_and_me_answers(client, world):
    user = world.users["provider_a"]
    response = login(client, user.username)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    me = client.get("/api/v1/auth/me").json
    assert me["username"] == user.username
    assert me["role"] == "provider"
    assert me["provider_id"] == world.provider_a.id
    assert "claims:submit" in me["permissions"] and "data:all" not in me["permissions"]


def test_wrong_password_is_401_without_saying_which_part(client, world):
    wrong = client.post(
        "/api/v1/auth/login",
        json={"username": world.users["insurer"].username, "password": "nope"},
    )
    unknown = client.post("/api/v1/auth/login", json={"username": "ghost", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json["message"] == unknown.json["message"] == "wrong username or password"


def test_login_requires_json_fields(client):
    response = client.post("/api/v1/auth/login", data={"username": "a", "password": "b"})
    assert response.status_code == 422
    assert response.json["code"] == "unprocessable_entity"


def test_logout_ends_the_session(client, world):
    login(client, world.users["insurer"].username)
    assert client.post("/api/v1/auth/logout").status_code == 204
    assert client.get("/api/v1/auth/me").status_code == 401


def test_session_write_without_csrf_token_is_refused(app, world):
    client = app.test_client()
    login(client, world.users["admin"].username)
    del client.environ_base["HTTP_X_CSRFTOKEN"]
    body = {"username": "clerk1", "password": "long enough pw", "role_name": "insurer"}
    refused = client.post("/api/v1/users", json=body)
    assert refused.status_code == 400
    assert "CSRF" in refused.json["message"]
    token = client.get("/api/v1/auth/me").json["csrf_token"]
    accepted = client.post("/api/v1/users", json=body, headers={"X-CSRFToken": token})
    assert accepted.status_code == 201


def test_lockout_after_repeated_failures_then_admin_unlock(app, world, as_user):
    username = world.users["insurer"].username
    client = app.test_client()
    for _ in range(5):
        client.post("/api/v1/auth/login", json={"username": username, "password": "bad"})
    locked = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) > 800
    admin = as_user("admin")
    unlock = admin.patch(f"/api/v1/users/{world.users['insurer'].id}", json={"unlock": True})
    assert unlock.status_code == 200 and unlock.json["locked_until"] is None
    assert login(client, username).status_code == 200


def test_inactive_user_cannot_log_in(client, world, db):
    world.users["insurer"].is_active = False
    db.flush()
    response = client.post(
        "/api/v1/auth/login",
        json={"username": world.users["insurer"].username, "password": PASSWORD},
    )
    assert response.status_code == 401


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_admin_creates_token_shown_once_and_it_works_without_csrf(client, world, as_user, db):
    admin = as_user("admin")
    created = admin.post(
        "/api/v1/tokens",
        json={"user_id": world.users["insurer"].id, "name": "etl", "scopes": ["claims:read"]},
    )
    assert created.status_code == 201
    plaintext = created.json["token"]
    assert plaintext.startswith("askes_")
    stored = db.get(ApiToken, created.json["id"])
    assert plaintext.split("_", 2)[2] not in stored.secret_hash  # only a hash is kept
    listed = admin.get("/api/v1/tokens").json["items"]
    assert all("token" not in item for item in listed)
    claims = client.get("/api/v1/claims", headers=bearer(plaintext))
    assert claims.status_code == 200 and claims.json["total"] >= 4
    db.refresh(stored)
    assert stored.last_used_at is not None and stored.last_used_ip == "127.0.0.1"


def test_token_lacking_a_scope_is_refused(client, world, db):
    issued = issue_token(db, world.users["insurer"], "narrow", ["providers:read"])
    assert client.get("/api/v1/providers", headers=bearer(issued.plaintext)).status_code == 200
    refused = client.get("/api/v1/claims", headers=bearer(issued.plaintext))
    assert refused.status_code == 403
    assert "claims:read" in refused.json["message"]


def test_token_scope_beyond_role_cannot_be_issued(world, as_user):
    response = as_user("admin").post(
        "/api/v1/tokens",
        json={"user_id": world.users["provider_a"].id, "name": "x", "scopes": ["audit:read"]},
    )
    assert response.status_code == 422


def test_revoked_and_expired_tokens_are_refused(client, world, as_user, db):
    issued = issue_token(db, world.users["insurer"], "soon revoked", ["claims:read"])
    assert as_user("admin").delete(f"/api/v1/tokens/{issued.token.id}").status_code == 204
    assert client.get("/api/v1/claims", headers=bearer(issued.plaintext)).status_code == 401
    expired = issue_token(
        db, world.users["insurer"], "old", ["claims:read"],
        expires_at=datetime.now(UTC) - timedelta(minutes=1),
    )  # fmt: skip
    assert client.get("/api/v1/claims", headers=bearer(expired.plaintext)).status_code == 401


@pytest.mark.parametrize("value", ["askes_nope_nope", "garbage", "askes_"])
def test_malformed_tokens_are_401(client, world, value):
    response = client.get("/api/v1/claims", headers=bearer(value))
    assert response.status_code == 401
    assert response.json["code"] == "unauthorized"


def test_provider_token_is_scoped_to_its_organization(client, world, db):
    issued = issue_token(db, world.users["provider_b"], "billing system", ["claims:read"])
    items = client.get("/api/v1/claims", headers=bearer(issued.plaintext)).json["items"]
    assert {item["billing_provider_id"] for item in items} == {world.provider_b.id}


def test_token_last_use_is_written_at_most_once_a_minute(client, world, db):
    issued = issue_token(db, world.users["insurer"], "busy", ["claims:read"])
    client.get("/api/v1/claims", headers=bearer(issued.plaintext))
    db.refresh(issued.token)
    first = issued.token.last_used_at
    client.get("/api/v1/claims", headers=bearer(issued.plaintext))
    db.refresh(issued.token)
    assert issued.token.last_used_at == first
    issued.token.last_used_at = first - timedelta(minutes=2)
    db.flush()
    # As if the minute had passed for the web process too: it remembers the row it last wrote
    # (backend/auth/token_cache.py) for up to token_cache_seconds.
    client.application.extensions["token_cache"].clear()
    client.get("/api/v1/claims", headers=bearer(issued.plaintext))
    db.refresh(issued.token)
    assert issued.token.last_used_at > first
