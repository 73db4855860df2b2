"""Idempotency keys on every create (issue 15, item 1): a retry with the same key gets the
first answer and no second claim, file or batch; another body with the key is a 422; while the
first runs, a second is a 409; concurrent claims of one key: exactly one wins."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from backend.claims.models import StagedClaim
from backend.idempotency.keys import claim_key
from backend.idempotency.models import IdempotencyKey
from backend.tests.fhir_helpers import bearer, post_json, world_claim_resource
from backend.tests.test_edi_api import _claims_for, _file_text
from backend.tests.test_submit import claim_body


def _key() -> dict:
    return {"Idempotency-Key": f"retry-{uuid.uuid4()}"}


def _claims_with(db, pcn: str) -> int:
    return db.scalar(
        select(func.count())
        .select_from(StagedClaim)
        .where(StagedClaim.patient_control_number == pcn)
    )


def test_a_retried_claim_gets_the_first_answer_and_stays_one_claim(priced_world, as_user, db):
    client, key = as_user("provider_a"), _key()
    body = claim_body(priced_world, patient_control_number="PCN-RETRY")
    first = client.post("/api/v1/claims", json=body, headers=key)
    again = client.post("/api/v1/claims", json=body, headers=key)
    assert first.status_code == again.status_code == 201
    assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
    assert _claims_with(db, "PCN-RETRY") == 1
    without_key = client.post("/api/v1/claims", json=body)
    assert without_key.json["id"] != first.json["id"]  # no key: a new claim (the duplicate edit)


def test_the_same_key_with_another_body_is_422(priced_world, as_user):
    client, key = as_user("provider_a"), _key()
    client.post("/api/v1/claims", json=claim_body(priced_world), headers=key)
    other = claim_body(priced_world, total_charge_cents=20_000)
    response = client.post("/api/v1/claims", json=other, headers=key)
    assert response.status_code == 422 and "different request" in response.json["message"]


def test_keys_belong_to_their_caller(priced_world, as_user, app, db):
    key = _key()
    body = claim_body(priced_world, patient_control_number="PCN-TWO-CALLERS")
    as_user("provider_a").post("/api/v1/claims", json=body, headers=key)
    token_client = bearer(app, db, priced_world.users["provider_a"])
    second = token_client.post("/api/v1/claims", json=body, headers=key)
    assert second.status_code == 201 and "Idempotent-Replayed" not in second.headers
    assert _claims_with(db, "PCN-TWO-CALLERS") == 2


def test_a_request_while_the_first_runs_is_409_and_a_dead_one_is_taken_over(
    priced_world, as_user, app, engine, db
):
    client, key = as_user("provider_a"), _key()
    body = claim_body(priced_world, patient_control_number="PCN-IN-FLIGHT")
    caller = f"user:{priced_world.users['provider_a'].id}"
    with app.test_request_context("/api/v1/claims", method="POST", json=body):
        from backend.idempotency.keys import _request_hash

        request_hash = _request_hash()
        assert isinstance(claim_key(caller, key["Idempotency-Key"], request_hash), int)
    busy = client.post("/api/v1/claims", json=body, headers=key)
    assert busy.status_code == 409 and busy.headers["Retry-After"] == "1"
    assert _claims_with(db, "PCN-IN-FLIGHT") == 0
    with engine.begin() as connection:  # the first request's process died ten minutes ago
        connection.execute(
            update(IdempotencyKey)
            .where(IdempotencyKey.key == key["Idempotency-Key"])
            .values(locked_at=datetime.now(UTC) - timedelta(minutes=11))
        )
    taken_over = client.post("/api/v1/claims", json=body, headers=key)
    assert taken_over.status_code == 201 and _claims_with(db, "PCN-IN-FLIGHT") == 1


def test_concurrent_claims_of_one_key_have_exactly_one_winner(app):
    key, results, start = f"race-{uuid.uuid4()}", [], threading.Barrier(8)

    def contend():
        with app.app_context():
            start.wait()
            try:
                results.append(("won", claim_key("user:1", key, "a" * 64)))
            except Exception as refused:  # the 409 of the losers
                results.append(("lost", getattr(refused, "code", refused)))

    threads = [threading.Thread(target=contend) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcome for outcome, _ in results) == ["lost"] * 7 + ["won"]
    assert {code for outcome, code in results if outcome == "lost"} == {409}


def test_fhir_create_submit_and_bundle_replay(world, app, db):
    client = bearer(app, db, world.users["provider_a"])
    resource = world_claim_resource(world, patient_control_number="FHIR-RETRY")
    key = _key()
    first = post_json(client, "/fhir/Claim", resource, headers=key)
    again = post_json(client, "/fhir/Claim", resource, headers=key)
    assert first.status_code == again.status_code == 201
    assert again.headers["Location"] == first.headers["Location"] and again.json == first.json
    assert _claims_with(db, "FHIR-RETRY") == 1
    bundle = {"resourceType": "Bundle", "type": "batch",
              "entry": [{"resource": world_claim_resource(world, patient_control_number="B-RETRY"),
                         "request": {"method": "POST", "url": "Claim"}}]}  # fmt: skip
    key = _key()
    assert post_json(client, "/fhir", bundle, headers=key).json == (
        post_json(client, "/fhir", bundle, headers=key).json
    )
    assert _claims_with(db, "B-RETRY") == 1
    refused = world_claim_resource(world)
    refused["total"]["value"] = "not money"
    key = _key()
    outcomes = [post_json(client, "/fhir/Claim", refused, headers=key) for _ in range(2)]
    assert outcomes[0].json == outcomes[1].json
    assert outcomes[0].json["resourceType"] == "OperationOutcome"
    assert outcomes[1].headers["Idempotent-Replayed"] == "true"


def test_edi_upload_and_batch_start_replay(world, as_user, tmp_path, monkeypatch):
    monkeypatch.setenv("ASKES_EDI_DIR", str(tmp_path))
    client, key = as_user("provider_a"), _key()
    text = _file_text(_claims_for(world, 1), number=77).encode("latin-1")
    headers = {"Content-Type": "application/edi-x12", **key}
    first = client.post("/api/v1/edi/files", data=text, headers=headers)
    again = client.post("/api/v1/edi/files", data=text, headers=headers)
    assert first.status_code == again.status_code == 201 and again.json == first.json
    admin, key = as_user("admin"), _key()
    batches = [admin.post("/api/v1/batches", json={"claim_ids": [-1]}, headers=key) for _ in "12"]
    assert batches[0].status_code == 202 and batches[0].json["id"] == batches[1].json["id"]
