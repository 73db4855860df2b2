"""Issue 15, findings 8-10: logout ends the session server-side; lockout per client address and
username with back-off, the same answer for unknown users; security headers; CORS closed."""

from __future__ import annotations

import base64
import hashlib
import re

from backend import create_app
from backend.auth.lockout import LoginPolicy, LoginThrottle
from backend.tests.conftest import login
from backend.tests.factories import PASSWORD


def _attempt(client, username, password="wrong password", address="10.0.0.1"):
    return client.post(
        "/api/v1/auth/login",
        json={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def test_a_cookie_captured_before_logout_is_refused_after_it(app, world):
    victim = app.test_client()
    login(victim, world.users["insurer"].username)
    captured = victim.get_cookie("session").value
    thief = app.test_client()
    thief.set_cookie("session", captured)
    assert thief.get("/api/v1/claims").status_code == 200
    assert victim.post("/api/v1/auth/logout").status_code == 204
    assert thief.get("/api/v1/claims").status_code == 401
    assert thief.get("/api/v1/auth/me").status_code == 401


def test_deactivating_a_user_ends_their_sessions(app, world, as_user):
    clerk = app.test_client()
    login(clerk, world.users["insurer"].username)
    admin = as_user("admin")
    admin.patch(f"/api/v1/users/{world.users['insurer'].id}", json={"is_active": False})
    assert clerk.get("/api/v1/claims").status_code == 401


def test_an_attacker_cannot_lock_a_user_out_from_another_address(app, world):
    username = world.users["insurer"].username
    attacker = app.test_client()
    for _ in range(5):
        assert _attempt(attacker, username, address="203.0.113.9").status_code == 401
    locked = _attempt(attacker, username, PASSWORD, address="203.0.113.9")
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 800
    owner = app.test_client()
    assert _attempt(owner, username, PASSWORD, address="198.51.100.7").status_code == 200


def test_unknown_and_known_usernames_get_the_same_answers(app, world):
    client = app.test_client()
    known = [_attempt(client, world.users["insurer"].username) for _ in range(6)]
    unknown = [_attempt(client, "nobody-by-this-name") for _ in range(6)]
    assert [r.status_code for r in known] == [r.status_code for r in unknown] == [401] * 5 + [429]
    assert known[-1].json["message"] == unknown[-1].json["message"]
    assert abs(int(known[-1].headers["Retry-After"]) - int(unknown[-1].headers["Retry-After"])) < 3


def test_each_further_lock_of_the_same_pair_lasts_twice_as_long(redis_client):
    throttle = LoginThrottle(redis_client, "10.1.1.1", "Someone", LoginPolicy(3, 60))
    for _ in range(3):
        throttle.failed()
    first = throttle.retry_after()
    redis_client.delete(f"{throttle.key}:lock")  # the first lock has run out
    assert throttle.retry_after() is None
    for _ in range(3):
        throttle.failed()
    assert 55 <= first <= 60 and 115 <= throttle.retry_after() <= 120


def test_security_headers_on_api_fhir_error_and_portal_responses(client, world):
    for path in ("/api/v1/claims", "/fhir/metadata", "/fhir/Claim/1", "/no/such/page", "/health"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp.split("style-src")[0]
        assert "frame-ancestors 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "no-referrer"
        assert "Strict-Transport-Security" not in headers
        assert "Access-Control-Allow-Origin" not in headers


def test_hsts_only_with_secure_cookies(engine, database_url, redis_url, db):
    app = create_app({"database_url": database_url, "redis_url": redis_url, "testing": True,
                      "ENGINE": engine, "session_cookie_secure": True})  # fmt: skip
    hsts = app.test_client().get("/health").headers["Strict-Transport-Security"]
    assert hsts.startswith("max-age=31536000")


def test_swagger_ui_inline_script_is_allowed_by_its_hash_only(client):
    response = client.get("/api/docs")
    (script,) = re.findall(rb"<script>(.*?)</script>", response.data, re.S)
    digest = base64.b64encode(hashlib.sha256(script).digest()).decode()
    assert f"'sha256-{digest}'" in response.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"].split(";")[1]


def test_cors_answers_only_configured_origins(engine, database_url, redis_url, db):
    app = create_app({"database_url": database_url, "redis_url": redis_url, "testing": True,
                      "ENGINE": engine, "cors_origins": ("https://partner.example",)})  # fmt: skip
    client = app.test_client()
    allowed = client.options(
        "/api/v1/claims",
        headers={"Origin": "https://partner.example", "Access-Control-Request-Method": "GET"},
    )
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://partner.example"
    assert "Idempotency-Key" in allowed.headers["Access-Control-Allow-Headers"]
    other = client.get("/api/v1/claims", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers


def test_gunicorn_does_not_name_itself():
    import importlib

    import gunicorn.http.wsgi

    importlib.import_module("backend.gunicorn_conf")
    assert gunicorn.http.wsgi.SERVER == "askes"
