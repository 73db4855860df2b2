"""The FHIR API: create, $submit, Bundles, errors as OperationOutcome."""

from __future__ import annotations

import gc

from askes_fhir.outcome import edit_codes
from sqlalchemy import func, select

from backend.audit.models import AuditEvent
from backend.claims.models import StagedClaim
from backend.intake.models import ReceivedDocument
from backend.tests.fhir_helpers import bearer, post_json, world_claim_resource


def test_create_claim_stages_it_pending_and_answers_201_with_location(app, db, world):
    client = bearer(app, db, world.users["provider_a"], ["system/Claim.write"])
    response = post_json(client, "/fhir/Claim", world_claim_resource(world))
    assert response.status_code == 201, response.json
    assert response.content_type == "application/fhir+json"
    claim_id = int(response.json["id"])
    assert response.headers["Location"].endswith(f"/fhir/Claim/{claim_id}")
    staged = db.get(StagedClaim, claim_id)
    assert (staged.channel, staged.status, staged.member_id, staged.billing_provider_id) == (
        "fhir",
        "pending",
        world.subscriber.id,
        world.provider_a.id,
    )
    assert [line.charge_cents for line in staged.lines] == [12_500, 4_000]
    document = db.scalars(select(ReceivedDocument).order_by(ReceivedDocument.id.desc())).first()
    assert (document.channel, document.status) == ("fhir", "accepted")
    assert document.outcome["claim_ids"] == [claim_id]


def test_create_and_its_refusal_are_audited_with_the_ids(app, db, world):
    client = bearer(app, db, world.users["provider_a"], ["system/Claim.write"])
    response = post_json(client, "/fhir/Claim", world_claim_resource(world))
    claim_id = response.json["id"]
    refused = post_json(client, "/fhir/Claim", {"resourceType": "Claim"})
    assert refused.status_code == 400
    events = db.scalars(
        select(AuditEvent)
        .where(AuditEvent.user_id == world.users["provider_a"].id)
        .order_by(AuditEvent.id)
    ).all()
    assert [(e.action, e.resource_type, e.outcome) for e in events] == [
        ("create", "claim", "allowed"),
        ("create", "claim", "refused"),
    ]
    assert events[0].details["ids"] == [f"Claim/{claim_id}"]
    assert events[0].request_id == response.headers["X-Request-ID"]
    assert events[1].details["status"] == 400


def test_rejected_claim_stages_nothing_and_lists_every_issue(app, db, world):
    client = bearer(app, db, world.users["provider_a"])
    resource = world_claim_resource(world)
    resource["status"] = "bogus"
    resource["unknownThing"] = 1
    resource["created"] = "2026-02-30"
    del resource["use"]
    del resource["item"][0]["sequence"]
    before = db.scalar(select(func.count()).select_from(StagedClaim))
    response = post_json(client, "/fhir/Claim", resource)
    assert response.status_code == 400
    outcome = response.json
    assert outcome["resourceType"] == "OperationOutcome"
    expressions = {issue["expression"][0] for issue in outcome["issue"]}
    assert {"Claim.status", "Claim.unknownThing", "Claim.created", "Claim.use",
            "Claim.item[0].sequence"} <= expressions  # fmt: skip
    assert db.scalar(select(func.count()).select_from(StagedClaim)) == before
    document = db.scalars(select(ReceivedDocument).order_by(ReceivedDocument.id.desc())).first()
    assert document.status == "rejected" and b'"unknownThing"' in document.body


def test_claim_breaking_edits_is_422_with_the_edit_codes(app, db, world):
    client = bearer(app, db, world.users["provider_a"])
    resource = world_claim_resource(world)
    resource["diagnosis"][0]["diagnosisCodeableConcept"]["coding"][0]["code"] = "E1"
    resource["item"][0]["productOrService"]["coding"][0]["code"] = "exam"
    resource["item"][1]["locationCodeableConcept"]["coding"][0]["code"] = "X1"
    resource["patient"] = {"reference": "Patient/999999999"}
    response = post_json(client, "/fhir/Claim", resource)
    assert response.status_code == 422
    assert set(edit_codes(response.json)) >= {"V010", "V020", "V023", "V053"}


def test_malformed_json_wrong_type_and_media_type(app, db, world):
    client = bearer(app, db, world.users["provider_a"])
    response = client.post("/fhir/Claim", data=b"{not json", content_type="application/fhir+json")
    assert response.status_code == 400 and response.json["issue"][0]["code"] == "structure"
    response = post_json(client, "/fhir/Claim", {"resourceType": "Patient"})
    assert (
        response.status_code == 400 and "resourceType" in response.json["issue"][0]["diagnostics"]
    )
    response = client.post("/fhir/Claim", data=b"<Claim/>", content_type="application/fhir+xml")
    assert response.status_code == 415 and response.json["resourceType"] == "OperationOutcome"


def test_errors_under_fhir_are_operation_outcomes(app, db, world):
    anonymous = app.test_client()
    for method, url, status in (
        ("get", "/fhir/Claim", 401), ("post", "/fhir/Claim", 401),
        ("get", "/fhir/Nonsense", 404), ("get", "/fhir/Claim/1/_history/2", 404),
        ("delete", "/fhir/Claim/1", 405), ("put", "/fhir/metadata", 405),
    ):  # fmt: skip
        response = getattr(anonymous, method)(url)
        assert response.status_code == status, (method, url)
        assert response.json["resourceType"] == "OperationOutcome", (method, url)
    assert "GET" in anonymous.delete("/fhir/Claim/1").headers["Allow"]
    member = bearer(app, db, world.users["member"])
    response = post_json(member, "/fhir/Claim", world_claim_resource(world))
    assert response.status_code == 403 and response.json["issue"][0]["code"] == "forbidden"
    assert post_json(member, "/fhir/Patient", {}).status_code in (403, 405)


def _bundle(kind: str, resources: list[dict]) -> dict:
    return {
        "resourceType": "Bundle",
        "type": kind,
        "entry": [
            {"fullUrl": f"urn:uuid:00000000-0000-0000-0000-{n:012d}", "resource": r,
             "request": {"method": "POST", "url": "Claim"}}
            for n, r in enumerate(resources)
        ],
    }  # fmt: skip


def test_transaction_is_all_or_nothing(app, db, world):
    client = bearer(app, db, world.users["provider_a"])
    good = world_claim_resource(world)
    bad = world_claim_resource(world, patient_control_number="BAD")
    bad["item"][0]["net"]["value"] = 1.234
    before = db.scalar(select(func.count()).select_from(StagedClaim))
    response = post_json(client, "/fhir", _bundle("transaction", [good, bad, good]))
    assert response.status_code == 422
    assert response.json["issue"][0]["expression"] == ["Bundle.entry[1].resource.item[0].net"]
    assert db.scalar(select(func.count()).select_from(StagedClaim)) == before
    response = post_json(client, "/fhir", _bundle("transaction", [good, good]))
    assert response.status_code == 200
    assert response.json["type"] == "transaction-response"
    locations = [e["response"]["location"] for e in response.json["entry"]]
    ids = [int(location.split("/")[1]) for location in locations]
    staged = db.scalars(select(StagedClaim).where(StagedClaim.id.in_(ids))).all()
    assert sorted(claim.source_position for claim in staged) == [1, 2]


def test_batch_answers_each_entry(app, db, world):
    client = bearer(app, db, world.users["provider_a"])
    good = world_claim_resource(world)
    unknown_element = world_claim_resource(world)
    unknown_element["item"][0]["colour"] = "blue"
    unresolved = world_claim_resource(world)
    unresolved["provider"] = {"reference": "Organization/0"}
    response = post_json(client, "/fhir", _bundle("batch", [good, unknown_element, unresolved]))
    assert response.status_code == 200
    statuses = [entry["response"]["status"] for entry in response.json["entry"]]
    assert statuses == ["201 Created", "400 Bad Request", "422 Unprocessable Entity"]
    outcome = response.json["entry"][2]["response"]["outcome"]
    assert edit_codes(outcome) == ["V052"]
    assert gc.isenabled()  # paused while the Bundle was read (backend/intake/bulk.py), resumed
    assert post_json(client, "/fhir", _bundle("transaction", [good, unresolved])).status_code == 422
    assert gc.isenabled()  # and after a refusal


def test_bundle_too_large_is_413(app, db, world):
    app.config["FHIR_MAX_BUNDLE_ENTRIES"] = 2
    client = bearer(app, db, world.users["provider_a"])
    resource = world_claim_resource(world)
    response = post_json(client, "/fhir", _bundle("batch", [resource] * 3))
    assert response.status_code == 413
    assert response.json["issue"][0]["code"] == "too-costly"


def test_capability_statement_lists_what_is_served(client):
    response = client.get("/fhir/metadata")
    assert response.status_code == 200
    statement = response.json
    assert statement["fhirVersion"] == "4.0.1"
    served = {r["type"]: r for r in statement["rest"][0]["resource"]}
    assert set(served) == {"Claim", "ClaimResponse", "ExplanationOfBenefit", "Coverage",
                           "Patient", "Practitioner", "Organization"}  # fmt: skip
    assert [i["code"] for i in served["Claim"]["interaction"]] == ["create", "read", "search-type"]
    assert served["ExplanationOfBenefit"]["searchInclude"] == [
        "ExplanationOfBenefit:patient",
        "ExplanationOfBenefit:provider",
    ]
