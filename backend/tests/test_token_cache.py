"""Bearer tokens remembered per web process (backend/auth/token_cache.py): reused without reading
PostgreSQL, and forgotten by every process as soon as a token is revoked or its user changed."""

from contextlib import contextmanager

from sqlalchemy import event

from backend.auth.token_cache import bump_generation
from backend.auth.tokens import issue_token
from backend.tests import factories as f
from backend.tests.conftest import another_app
from backend.tests.fhir_helpers import bearer as fhir_bearer
from backend.tests.fhir_helpers import post_json, world_claim_resource


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@contextmanager
def statements_reading(connection, *fragments):
    """The statements that hold every one of `fragments` while the block runs."""
    seen = []

    def note(_conn, _cursor, statement, *_args):
        if all(fragment in statement for fragment in fragments):
            seen.append(statement)

    event.listen(connection, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(connection, "before_cursor_execute", note)


def token_reads(connection):
    """The statements that read api_token while the block runs."""
    return statements_reading(connection, "FROM api_token")


def test_a_token_is_read_once_then_remembered(client, world, db, connection):
    issued = issue_token(db, world.users["insurer"], "busy", ["claims:read"])
    db.flush()
    with token_reads(connection) as reads:
        for _ in range(3):
            assert client.get("/api/v1/claims", headers=bearer(issued.plaintext)).status_code == 200
    assert len(reads) == 1


def test_a_remembered_token_with_a_wrong_secret_is_refused(client, world, db):
    issued = issue_token(db, world.users["insurer"], "busy", ["claims:read"])
    assert client.get("/api/v1/claims", headers=bearer(issued.plaintext)).status_code == 200
    forged = issued.plaintext[:-4] + ("AAAA" if not issued.plaintext.endswith("AAAA") else "BBBB")
    assert client.get("/api/v1/claims", headers=bearer(forged)).status_code == 401


def test_revocation_reaches_every_process_at_once(client, other_process, world, db, as_user):
    issued = issue_token(db, world.users["insurer"], "soon revoked", ["claims:read"])
    for process in (client, other_process):  # both remember it
        assert process.get("/api/v1/claims", headers=bearer(issued.plaintext)).status_code == 200
    assert as_user("admin").delete(f"/api/v1/tokens/{issued.token.id}").status_code == 204
    for process in (client, other_process):
        assert process.get("/api/v1/claims", headers=bearer(issued.plaintext)).status_code == 401


def test_deactivating_the_user_refuses_their_token_everywhere(
    client, other_process, world, db, as_user
):
    issued = issue_token(db, world.users["insurer"], "etl", ["claims:read"])
    assert other_process.get("/api/v1/claims", headers=bearer(issued.plaintext)).status_code == 200
    user_id = world.users["insurer"].id
    changed = as_user("admin").patch(f"/api/v1/users/{user_id}", json={"is_active": False})
    assert changed.status_code == 200
    assert other_process.get("/api/v1/claims", headers=bearer(issued.plaintext)).status_code == 401


def test_a_role_change_takes_effect_on_a_remembered_token(
    client, other_process, world, db, as_user
):
    issued = issue_token(db, world.users["admin"], "auditor", ["claims:read", "audit:read"])
    assert other_process.get("/api/v1/audit", headers=bearer(issued.plaintext)).status_code == 200
    admin_id = world.users["admin"].id
    changed = as_user("admin").patch(f"/api/v1/users/{admin_id}", json={"role_name": "insurer"})
    assert changed.status_code == 200
    refused = other_process.get("/api/v1/audit", headers=bearer(issued.plaintext))
    assert refused.status_code == 403 and "audit:read" in refused.json["message"]
    assert other_process.get("/api/v1/claims", headers=bearer(issued.plaintext)).status_code == 200


def test_nothing_is_remembered_when_the_cache_is_off(
    engine, database_url, redis_url, world, db, connection
):
    app = another_app(connection, engine, database_url, redis_url, token_cache_seconds=0)
    issued = issue_token(db, world.users["insurer"], "busy", ["claims:read"])
    db.flush()
    client = app.test_client()
    with token_reads(connection) as reads:
        for _ in range(2):
            assert client.get("/api/v1/claims", headers=bearer(issued.plaintext)).status_code == 200
    assert len(reads) == 2


def scope_reads(connection):
    """The statements that read a provider organization's scope while the block runs."""
    return statements_reading(connection, "provider.organization_id =", "provider.npi")


def test_a_provider_organizations_scope_is_read_once_then_remembered(app, world, db, connection):
    client = fhir_bearer(app, db, world.users["provider_a"])
    with scope_reads(connection) as reads:
        for _ in range(3):
            created = post_json(client, "/fhir/Claim", world_claim_resource(world))
            assert created.status_code == 201, created.json
    assert len(reads) == 1


def test_a_practitioner_moved_into_the_organization_reaches_a_remembered_scope(
    app, other_process, world, db
):
    """Billing under another organization's practitioner is refused; once the practitioner is
    moved into the caller's organization and the change announced, every process accepts it."""
    practitioner = f.make_provider(db, organization=world.provider_b)
    issued = issue_token(db, world.users["provider_a"], "billing", ["claims:submit"])
    db.flush()
    headers = bearer(issued.plaintext)
    claim = world_claim_resource(world, billing_provider_npi=practitioner.npi)
    for process in (app.test_client(), other_process):  # both remember organization A's scope
        refused = post_json(process, "/fhir/Claim", claim, headers=headers)
        assert refused.status_code == 403, refused.json
    practitioner.organization_id = world.provider_a.id
    db.flush()
    bump_generation(app.extensions["redis"])
    for process in (app.test_client(), other_process):
        accepted = post_json(process, "/fhir/Claim", claim, headers=headers)
        assert accepted.status_code == 201, accepted.json


def test_a_members_scope_is_read_on_every_call(app, world, db, connection):
    """Enrolment and birthdays move a member's dependents: nothing of it is remembered."""
    issued = issue_token(db, world.users["member"], "app", ["claims:read"])
    db.flush()
    dependents = []

    def note(_conn, _cursor, statement, *_args):
        if "member.subscriber_id =" in statement:
            dependents.append(statement)

    event.listen(connection, "before_cursor_execute", note)
    try:
        for _ in range(2):
            assert (
                app.test_client()
                .get("/api/v1/claims", headers=bearer(issued.plaintext))
                .status_code
                == 200
            )
    finally:
        event.remove(connection, "before_cursor_execute", note)
    assert len(dependents) == 2
