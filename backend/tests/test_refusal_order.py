"""Who is asking comes before what they ask: on every /api/v1 endpoint that parses a query or a
body, an invalid request gets 401 from an anonymous caller, 403 from a caller without the
permission (both audited as refusals), and 422 only from a caller who may use the endpoint.

`test_every_endpoint_that_parses_input_has_a_case` fails when such an endpoint has no row here.
"""

import re

import pytest
import sqlalchemy as sa

from backend.audit.models import AuditEvent
from backend.auth import permissions as p
from backend.auth.tokens import issue_token

MISSING = 999_999_999
PUBLIC = {("/api/v1/auth/login", "POST")}  # open by design; its validation is in test_auth.py
OPEN_AUTH = {"/api/v1/auth/login", "/api/v1/auth/logout", "/api/v1/auth/me"}

# (url, method, invalid body, the audit row's (action, resource_type); None: not audited)
INVALID = [
    ("/api/v1/claims?page_size=0", "get", None, ("search", "claim")),
    ("/api/v1/members?page=0", "get", None, ("search", "member")),
    ("/api/v1/providers?page_size=201", "get", None, None),  # directory data, not PHI
    ("/api/v1/batches", "post", {"claims_per_chunk": 0}, ("create", "batch")),
    ("/api/v1/edi/remittances?page_size=0", "get", None, ("search", "edi_835")),
    ("/api/v1/edi/remittances", "post", {"batch_id": "forty-two"}, ("create", "edi_835")),
    ("/api/v1/payment-cycles?page_size=0", "get", None, ("search", "payment_cycle")),
    ("/api/v1/payment-cycles", "post", {"payment_date": "soon"}, ("create", "payment_cycle")),
    (
        f"/api/v1/members/{MISSING}/accumulators?plan_year=x",
        "get",
        None,
        ("read", "member_accumulators"),
    ),
    (f"/api/v1/members/{MISSING}/access-log?page=0", "get", None, ("read", "member_access_log")),
    ("/api/v1/users?page=0", "get", None, ("search", "user")),
    ("/api/v1/users", "post", {"username": "x"}, ("create", "user")),
    (f"/api/v1/users/{MISSING}", "patch", {"is_active": "perhaps"}, ("update", "user")),
    ("/api/v1/tokens?user_id=abc", "get", None, ("search", "api_token")),
    ("/api/v1/tokens", "post", {"name": ""}, ("create", "api_token")),
    ("/api/v1/audit?since=yesterday", "get", None, ("search", "audit_event")),
    ("/api/v1/review/claims?sort=bogus", "get", None, ("search", "review_queue")),
    ("/api/v1/review/decisions", "post", {"action": "maybe"}, ("decide_bulk", "claim")),
    (f"/api/v1/claims/{MISSING}/decision", "post", {"action": "maybe"}, ("decide", "claim")),
    (
        f"/api/v1/claims/{MISSING}/decision/approval",
        "post",
        {"approve": "perhaps"},
        ("approve_decision", "claim"),
    ),
    *(
        (f"/api/v1/reports/{name}?from=yesterday", "get", None, ("read", "report"))
        for name in (
            "claims-received",
            "decisions",
            "auto-adjudication",
            "denials",
            "days-to-payment",
            "paid-by-provider",
            "batch-throughput",
        )
    ),
    *(
        (f"/api/v1/reference/{name}?limit=0", "get", None, None)
        for name in (  # public code lists
            "procedures",
            "diagnoses",
            "places-of-service",
            "modifiers",
            "carc",
            "rarc",
        )
    ),
    ("/api/v1/webhooks?page=0", "get", None, ("search", "webhook")),
    ("/api/v1/webhooks", "post", {"url": ""}, ("create", "webhook")),
    ("/api/v1/webhooks/deliveries?status=lost", "get", None, ("search", "webhook_delivery")),
]
CASE_IDS = [f"{method} {url}" for url, method, _, _ in INVALID]


def view_method(app, endpoint: str, method: str):
    return getattr(app.view_functions[endpoint].view_class, method.lower())


def endpoint_of(app, url: str, method: str) -> str:
    endpoint, _ = app.url_map.bind("localhost").match(url.split("?")[0], method.upper())
    return endpoint


def send(client, url, method, body, request_id, headers=None):
    headers = {"X-Request-ID": request_id, **(headers or {})}
    return getattr(client, method)(url, json=body, headers=headers)


def request_id_for(caller: str, url: str, method: str) -> str:
    """One X-Request-ID per case, in the characters the header accepts."""
    return re.sub(r"[^A-Za-z0-9]+", "-", f"{caller}-{method}-{url}")[:64]


def audit_rows(connection, request_id):
    statement = sa.select(AuditEvent).where(AuditEvent.request_id == request_id)
    return connection.execute(statement).all()


def assert_audited(connection, request_id, audit, outcome, status, username=None):
    rows = audit_rows(connection, request_id)
    if audit is None:
        assert rows == []
        return
    (row,) = rows
    assert (row.action, row.resource_type) == audit
    assert (row.outcome, row.details, row.username) == (outcome, {"status": status}, username)


@pytest.mark.parametrize("url,method,body,audit", INVALID, ids=CASE_IDS)
def test_anonymous_invalid_request_is_401_and_audited(client, connection, url, method, body, audit):
    request_id = request_id_for("anon", url, method)
    response = send(client, url, method, body, request_id)
    assert response.status_code == 401, response.json
    assert response.json["code"] == "unauthorized" and response.json["details"] is None
    assert_audited(connection, request_id, audit, "unauthenticated", 401)


@pytest.mark.parametrize("url,method,body,audit", INVALID, ids=CASE_IDS)
def test_caller_without_the_permission_gets_403_not_422(
    app, client, world, db, connection, url, method, body, audit
):
    """An admin token scoped to every permission but the endpoint's: the permission decides."""
    needed = view_method(app, endpoint_of(app, url, method), method).required_permission
    scopes = [permission for permission in p.ALL if permission != needed]
    token = issue_token(db, world.users["admin"], "narrow", scopes).plaintext
    request_id = request_id_for("narrow", url, method)
    response = send(client, url, method, body, request_id, {"Authorization": f"Bearer {token}"})
    assert response.status_code == 403, response.json
    assert response.json["message"] == f"missing permission {needed}"
    assert_audited(connection, request_id, audit, "denied", 403, world.users["admin"].username)


@pytest.mark.parametrize("url,method,body,audit", INVALID, ids=CASE_IDS)
def test_caller_with_the_permission_gets_422_with_details(
    world, as_user, connection, url, method, body, audit
):
    request_id = request_id_for("admin", url, method)
    response = send(as_user("admin"), url, method, body, request_id)
    assert response.status_code == 422, response.json
    assert response.json["details"], "a 422 names each problem"
    assert_audited(connection, request_id, audit, "refused", 422, world.users["admin"].username)


def test_insurer_creating_a_user_with_a_bad_body_is_403(world, as_user, connection):
    response = send(as_user("insurer"), "/api/v1/users", "post", {"username": "x"}, "ins-user")
    assert response.status_code == 403
    assert response.json["message"] == "missing permission users:manage"
    assert_audited(
        connection, "ins-user", ("create", "user"), "denied", 403, world.users["insurer"].username
    )


def test_every_endpoint_that_parses_input_has_a_case(app):
    """Endpoints whose view has flask-smorest `arguments` (a query or body schema)."""
    covered = set()
    for url, method, _, _ in INVALID:
        rule, _ = app.url_map.bind("localhost").match(
            url.split("?")[0], method.upper(), return_rule=True
        )
        covered.add((rule.rule, method.upper()))
    parsing = {
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
        if "arguments" in getattr(view_method(app, rule.endpoint, method), "_apidoc", {})
    }
    assert parsing - PUBLIC == covered


def test_every_api_endpoint_declares_its_permission(app):
    """Each /api/v1 view but login, logout and me declares one permission with
    `permission_required`, checked before its input is parsed."""
    undeclared = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.rule in OPEN_AUTH:
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            view = view_method(app, rule.endpoint, method)
            declared = getattr(view, "required_permission", None)
            if declared not in p.ALL:
                undeclared.append((rule.rule, method))
    assert undeclared == []
