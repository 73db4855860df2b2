"""Issue 15, findings 6, 8 and 11: body sizes refused before the body is read, JSON shape
limits, text PostgreSQL cannot store, and integers beyond their column: each a 4xx."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import select

from backend.intake.models import ReceivedDocument
from backend.tests.fhir_helpers import bearer, post_json, world_claim_resource
from backend.tests.test_submit import claim_body


class CountingStream(io.RawIOBase):
    """An endless request body that counts what the server read of it."""

    def __init__(self):
        self.read_bytes = 0

    def readable(self):
        return True

    def seekable(self):
        return True

    def tell(self):  # the test client measures the stream; the headers below say its length
        return 0

    def seek(self, offset, whence=0):
        return 0

    def readinto(self, buffer):
        self.read_bytes += len(buffer)
        buffer[:] = b"x" * len(buffer)
        return len(buffer)


def _latest_document(db):
    return db.scalars(select(ReceivedDocument).order_by(ReceivedDocument.id.desc())).first()


@pytest.mark.parametrize(
    ("path", "setting", "content_type"),
    [("/api/v1/claims", "max_body_api", "application/json"),
     ("/api/v1/edi/files", "max_body_x12", "application/edi-x12"),
     ("/fhir/Claim", "max_body_fhir", "application/fhir+json")],
)  # fmt: skip
def test_a_declared_length_over_the_limit_is_refused_before_reading(
    app, world, as_user, path, setting, content_type
):
    setattr(app.config["ASKES"], setting, 10_000)
    stream = CountingStream()
    response = as_user("provider_a").post(
        path,
        input_stream=stream,
        content_type=content_type,
        environ_overrides={"CONTENT_LENGTH": str(200 << 20)},
    )
    assert response.status_code == 413
    assert stream.read_bytes == 0
    if path.startswith("/fhir"):
        assert response.json["resourceType"] == "OperationOutcome"
        assert response.json["issue"][0]["code"] == "too-costly"
    else:
        assert response.json["code"] == "request_entity_too_large"


def test_a_chunked_body_is_read_only_up_to_the_limit(app, world, as_user):
    app.config["ASKES"].max_body_x12 = 100_000
    stream = CountingStream()
    response = as_user("provider_a").post(
        "/api/v1/edi/files",
        input_stream=stream,
        content_type="application/edi-x12",
        headers={"Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},  # what gunicorn sets for chunked
    )
    assert response.status_code == 413, (response.json, stream.read_bytes)
    assert 100_000 <= stream.read_bytes <= 100_000 + (64 << 10)


def _deep(levels: int) -> str:
    return "[" * levels + "]" * levels


def test_json_nested_100000_deep_is_a_400_on_every_channel(world, as_user, app, db):
    admin = as_user("admin")
    refused = admin.post("/api/v1/users", data=_deep(100_000), content_type="application/json")
    assert refused.status_code == 400 and "nesting deeper" in refused.json["message"]
    provider = as_user("provider_a")
    body = json.dumps(claim_body(world, prior_authorization=None) | {"x": json.loads(_deep(200))})
    submitted = provider.post("/api/v1/claims", data=body, content_type="application/json")
    assert submitted.status_code == 400
    assert _latest_document(db).status == "rejected"  # kept, as every received body
    fhir = bearer(app, db, world.users["provider_a"]).post(
        "/fhir/Claim", data=_deep(100_000), content_type="application/fhir+json"
    )
    assert fhir.status_code == 400 and fhir.json["resourceType"] == "OperationOutcome"


def test_nul_and_lone_surrogates_are_refused_before_postgresql(world, as_user, app, db, client):
    login = client.post("/api/v1/auth/login", json={"username": "admin\u0000", "password": "x"})
    assert login.status_code == 400 and "NUL" in login.json["message"]
    surrogate = client.post(
        "/api/v1/auth/login",
        data='{"username": "\\ud800", "password": "x"}',
        content_type="application/json",
    )
    assert surrogate.status_code == 400 and "surrogate" in surrogate.json["message"]
    query = as_user("insurer").get("/api/v1/members?last_name=Fam%00ily")
    assert query.status_code == 400
    resource = world_claim_resource(world)
    resource["contained"][0]["name"] = [{"family": "Family\u0000", "given": ["Sam"]}]
    fhir = post_json(bearer(app, db, world.users["provider_a"]), "/fhir/Claim", resource)
    assert fhir.status_code == 400 and fhir.json["resourceType"] == "OperationOutcome"
    kept = _latest_document(db)
    assert kept.status == "rejected" and "Family" not in json.dumps(kept.outcome)


@pytest.mark.parametrize(
    "path",
    ["/api/v1/claims?page=1000000000000", "/api/v1/providers?entity_type=99999999999",
     "/api/v1/audit?user_id=99999999999", "/api/v1/tokens?user_id=99999999999",
     "/api/v1/claims?member_id=99999999999999999999", "/api/v1/members?subscriber_id=-1"],
)  # fmt: skip
def test_query_integers_beyond_their_column_are_422(as_user, world, path):
    response = as_user("admin").get(path)
    assert response.status_code == 422, response.json
    assert response.json["code"] == "unprocessable_entity"


@pytest.mark.parametrize(
    "change",
    [{"lines": [{"line_number": 1, "charge_cents": 100, "units": "99999999999",
                 "procedure_code": "99213", "diagnosis_pointers": [1]}]},
     {"total_charge_cents": 10**18},
     {"diagnosis_codes": ["E119"] * 40_000}],
)  # fmt: skip
def test_claim_numbers_beyond_their_column_are_422(world, as_user, change):
    response = as_user("provider_a").post("/api/v1/claims", json=claim_body(world, **change))
    assert response.status_code == 422, response.json


def test_two_lines_with_one_line_number_are_422_not_a_unique_violation(world, as_user):
    line = {"line_number": 1, "charge_cents": 100, "units": "1", "procedure_code": "99213",
            "diagnosis_pointers": [1]}  # fmt: skip
    body = claim_body(world, lines=[line, dict(line)], total_charge_cents=200)
    response = as_user("provider_a").post("/api/v1/claims", json=body)
    assert response.status_code == 422, response.json
    assert "line_number of its own" in json.dumps(response.json)


def test_a_user_for_an_unknown_provider_is_422(as_user, world):
    body = {"username": "clerk9", "password": "long enough pw", "role_name": "provider",
            "provider_id": 987_654_321}  # fmt: skip
    response = as_user("admin").post("/api/v1/users", json=body)
    assert response.status_code == 422 and "no provider organization" in response.json["message"]


def test_a_fhir_amount_of_1e20_is_refused_with_an_outcome(world, app, db):
    resource = world_claim_resource(world)
    resource["total"]["value"] = 1e20
    response = post_json(bearer(app, db, world.users["provider_a"]), "/fhir/Claim", resource)
    assert 400 <= response.status_code < 500
    assert response.json["resourceType"] == "OperationOutcome"


@pytest.mark.parametrize(
    "query",
    ["Claim?created=le9999-12-31", "Claim?created=ge9999-12", "Claim?_offset=" + "9" * 30,
     "ExplanationOfBenefit?created=lt9999-12-31T23:59:59Z", "Claim?patient=Patient/%C2%B2"],
)  # fmt: skip
def test_fhir_search_values_beyond_range_are_4xx(world, app, db, query):
    response = bearer(app, db, world.users["insurer"]).get(f"/fhir/{query}")
    assert response.status_code in (200, 400), response.json
    assert response.json["resourceType"] in ("OperationOutcome", "Bundle")


def test_fhir_read_of_a_unicode_digit_id_is_404(world, app, db):
    response = bearer(app, db, world.users["insurer"]).get("/fhir/Claim/%C2%B2")
    assert response.status_code == 404
