"""No PHI in logs: a member's name, birth date and member id sent in requests never appear in
what the application logs, including when a request fails with an unexpected error."""

import io
import json
import logging

import pytest

from backend.observability import configure_logging


@pytest.fixture
def log_output():
    stream = io.StringIO()
    previous = logging.getLogger().handlers[:], logging.getLogger().level
    configure_logging("DEBUG", stream)
    yield stream
    logging.getLogger().handlers[:], level = previous
    logging.getLogger().setLevel(level)


def test_member_identifiers_never_reach_the_logs(app, world, as_user, log_output):
    member = world.subscriber
    secrets = [
        member.first_name,
        member.last_name,
        member.birth_date.isoformat(),
        member.member_number,
    ]

    @app.get("/boom/<name>")
    def boom(name):  # an unexpected error whose message carries PHI
        raise RuntimeError(f"could not file claim for {name} born {member.birth_date}")

    insurer = as_user("insurer")
    insurer.get(f"/api/v1/members?last_name={member.last_name}&birth_date={member.birth_date}")
    insurer.get(f"/api/v1/members?member_number={member.member_number}")
    insurer.get(f"/api/v1/claims?patient_control_number={member.member_number}")
    insurer.post(
        "/api/v1/auth/login",
        json={"username": member.member_number, "password": member.birth_date.isoformat()},
    )
    assert insurer.get(f"/boom/{member.first_name}").status_code == 500

    output = log_output.getvalue()
    lines = [json.loads(line) for line in output.splitlines()]
    routes = {line.get("route") for line in lines}
    assert {"/api/v1/members", "/api/v1/claims", "/boom/<name>"} <= routes
    assert any(line["message"].startswith("unhandled RuntimeError") for line in lines)
    assert all(line.get("request_id") for line in lines if line["logger"] == "askes.access")
    for secret in secrets:
        assert secret not in output, secret


def test_unexpected_error_is_a_500_in_the_error_shape(app, client):
    @app.get("/explode")
    def explode():
        raise ValueError("boom")

    response = client.get("/explode")
    assert response.status_code == 500
    assert response.json["code"] == "internal_error"
    assert response.json["request_id"]
    assert "boom" not in response.get_data(as_text=True)
