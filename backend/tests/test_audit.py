"""Audit rows for PHI access; the database refuses to change or remove them."""

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from backend.audit.models import AuditEvent


def events(connection, request_id):
    rows = connection.execute(
        sa.select(AuditEvent).where(AuditEvent.request_id == request_id).order_by(AuditEvent.id)
    )
    return rows.all()


def test_reading_a_claim_writes_an_audit_row(world, as_user, connection):
    user = world.users["provider_a"]
    claim_id = world.claims["a_subscriber"].id
    response = as_user("provider_a").get(
        f"/api/v1/claims/{claim_id}", headers={"X-Request-ID": "req-read-1"}
    )
    assert response.status_code == 200
    assert response.headers["X-Request-ID"] == "req-read-1"
    (event,) = events(connection, "req-read-1")
    assert (event.user_id, event.username, event.role) == (user.id, user.username, "provider")
    assert (event.action, event.resource_type, event.resource_id) == (
        "read",
        "claim",
        str(claim_id),
    )
    assert event.outcome == "allowed"
    assert event.client_ip == "127.0.0.1"
    assert event.occurred_at is not None


def test_out_of_scope_read_is_audited_as_not_found(world, as_user, connection):
    claim_id = world.claims["a_subscriber"].id
    as_user("provider_b").get(f"/api/v1/claims/{claim_id}", headers={"X-Request-ID": "req-nf"})
    (event,) = events(connection, "req-nf")
    assert event.outcome == "not_found" and event.resource_id == str(claim_id)


def test_forbidden_member_list_is_audited_as_denied(world, as_user, connection):
    as_user("provider_a").get("/api/v1/members", headers={"X-Request-ID": "req-denied"})
    (event,) = events(connection, "req-denied")
    assert (event.action, event.resource_type, event.outcome) == ("search", "member", "denied")


def test_list_audit_names_the_ids_returned(world, as_user, connection):
    as_user("member").get("/api/v1/claims", headers={"X-Request-ID": "req-list"})
    (event,) = events(connection, "req-list")
    expected = {world.claims["a_subscriber"].id, world.claims["a_child"].id}
    assert set(event.details["ids"]) == expected and event.details["total"] == 2


def test_admin_searches_the_audit_log(world, as_user):
    as_user("member").get(
        f"/api/v1/members/{world.subscriber.id}", headers={"X-Request-ID": "req-find-me"}
    )
    found = as_user("admin").get("/api/v1/audit?request_id=req-find-me").json
    assert found["total"] == 1
    assert found["items"][0]["resource_type"] == "member"
    assert found["items"][0]["resource_id"] == str(world.subscriber.id)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_event SET outcome = 'allowed'",
        "DELETE FROM audit_event",
        "TRUNCATE audit_event",
    ],
)
def test_database_refuses_to_change_audit_rows(world, as_user, engine, statement):
    # At least one committed row exists: a refusal's event is committed on a connection of its
    # own (an allowed read's is written in the request's transaction, here the test's, whose lock
    # would keep the statement below waiting).
    assert as_user("member").get("/api/v1/audit").status_code == 403
    with engine.connect() as connection, pytest.raises(DBAPIError) as refused:
        connection.execute(sa.text(statement))
    assert "append-only" in str(refused.value)
    with engine.connect() as connection:
        assert connection.scalar(sa.text("SELECT count(*) FROM audit_event")) > 0


def test_a_submitted_claim_is_audited_with_its_new_id(priced_world, as_user, connection):
    from backend.tests.test_submit import claim_body

    response = as_user("provider_a").post(
        "/api/v1/claims", json=claim_body(priced_world), headers={"X-Request-ID": "req-submit"}
    )
    assert response.status_code == 201, response.json
    (event,) = events(connection, "req-submit")
    assert (event.action, event.resource_type, event.outcome) == ("submit", "claim", "allowed")
    assert event.resource_id == str(response.json["id"])


def test_a_created_user_and_token_are_audited_with_their_ids(world, as_user, connection):
    admin = as_user("admin")
    user = admin.post(
        "/api/v1/users",
        json={"username": "clerk9", "password": "long enough pw", "role_name": "insurer"},
        headers={"X-Request-ID": "req-new-user"},
    ).json
    token = admin.post(
        "/api/v1/tokens",
        json={"user_id": user["id"], "name": "etl", "scopes": ["claims:read"]},
        headers={"X-Request-ID": "req-new-token"},
    ).json
    (created_user,) = events(connection, "req-new-user")
    (created_token,) = events(connection, "req-new-token")
    assert (created_user.resource_type, created_user.resource_id) == ("user", str(user["id"]))
    assert (created_token.resource_type, created_token.resource_id) == (
        "api_token",
        str(token["id"]),
    )
    assert token["token"] not in str(created_token.details)  # the secret is never kept
