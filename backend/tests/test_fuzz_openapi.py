"""Property-based fuzzing of the whole OpenAPI surface (schemathesis), as admin, provider and
member: no answer is a 5xx, and every answer matches the spec (status, content type, body).

Bounded for `make test`: a fixed number of examples per operation (ASKES_FUZZ_EXAMPLES,
default 5), derandomized so a failure reproduces; each failure it found is now a plain test in
test_request_limits.py.
"""

from __future__ import annotations

import json
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from backend import create_app
from backend.auth.tokens import issue_token

EXAMPLES = int(os.environ.get("ASKES_FUZZ_EXAMPLES", "5"))
ROLES = ("admin", "provider_a", "member")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]  # fmt: skip


def _spec() -> dict:
    """The app's OpenAPI document; building it needs no database (nothing connects)."""
    app = create_app({"database_url": "postgresql://unused/unused", "redis_url": "redis://unused",
                      "testing": True})  # fmt: skip
    spec = app.extensions["smorest_api"].spec.to_dict()
    return json.loads(json.dumps(spec, default=float))  # Decimal bounds of Range validators


@pytest.fixture
def role_headers(world, db):
    headers = {}
    for role in ROLES:
        user = world.users[role]
        token = issue_token(db, user, "fuzz", list(user.role.permissions))
        headers[role] = {"Authorization": f"Bearer {token.plaintext}"}
    db.flush()
    return headers


schema = schemathesis.openapi.from_dict(_spec())


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))  # fmt: skip
def test_no_5xx_and_answers_match_the_spec(case, app, role_headers):
    # The coverage phase (boundaries and every kind of wrong value: many cases) as admin, who
    # reaches the most code; the random examples as each role.
    roles = ROLES if case.meta is None or case.meta.phase.name.value != "coverage" else ROLES[:1]
    for role in roles:
        response = case.call(app=app, headers=role_headers[role])
        case.validate_response(response, checks=CHECKS, headers=role_headers[role])
