"""POST /api/v1/claims: one claim in, adjudicated through the pipeline, decision out."""

from sqlalchemy import select

from backend.intake.models import ReceivedDocument


def claim_body(world, npi=None, **overrides):
    body = {
        "claim_type": "professional", "patient_control_number": "PCN-API-1",
        "subscriber_member_number": world.subscriber.member_number,
        "billing_provider_npi": npi or world.provider_a.npi, "total_charge_cents": 15_000,
        "diagnosis_codes": ["E119"], "place_of_service": "11",
        "statement_from": "2026-02-02", "statement_to": "2026-02-02",
        "lines": [{"line_number": 1, "charge_cents": 15_000, "units": "1",
                   "procedure_code": "99213", "service_from": "2026-02-02",
                   "diagnosis_pointers": [1]}],
    }  # fmt: skip
    return {**body, **overrides}


def test_a_provider_submits_a_claim_and_gets_its_decision(priced_world, as_user, db):
    response = as_user("provider_a").post("/api/v1/claims", json=claim_body(priced_world))
    assert response.status_code == 201, response.json
    claim = response.json
    assert claim["status"] == "processed" and claim["decision"] == "paid"
    line = claim["adjudication"]["lines"][0]
    assert line["allowed_cents"] == 9_322  # 2.791 RVU-dollars x 33.4009, see workers tests
    assert line["pricing_trace"]["method"] == "rvu" and line["conversion_factor"] == "33.4009"
    assert line["paid_cents"] + line["patient_responsibility_cents"] == 9_322
    document = db.scalars(select(ReceivedDocument).order_by(ReceivedDocument.id.desc())).first()
    assert document.channel == "api" and document.status == "accepted"
    assert document.outcome["claim_id"] == claim["id"]
    assert b"PCN-API-1" in document.body


def test_a_provider_may_not_submit_for_another_organization(priced_world, as_user, db):
    body = claim_body(priced_world, npi=priced_world.provider_b.npi)
    response = as_user("provider_a").post("/api/v1/claims", json=body)
    assert response.status_code == 403
    document = db.scalars(select(ReceivedDocument).order_by(ReceivedDocument.id.desc())).first()
    assert document.status == "rejected"


def test_a_member_may_not_submit(priced_world, as_user):
    response = as_user("member").post("/api/v1/claims", json=claim_body(priced_world))
    assert response.status_code == 403


def test_an_invalid_body_is_kept_and_refused_with_each_problem(priced_world, as_user, db):
    body = claim_body(priced_world)
    del body["lines"]
    response = as_user("provider_a").post("/api/v1/claims", json=body)
    assert response.status_code == 422
    assert "lines" in response.json["details"]
    document = db.scalars(select(ReceivedDocument).order_by(ReceivedDocument.id.desc())).first()
    assert document.status == "rejected" and b"PCN-API-1" in document.body


def test_a_claim_that_fails_validation_answers_with_every_reason(priced_world, as_user):
    body = claim_body(priced_world, diagnosis_codes=["NOPE"], total_charge_cents=1)
    response = as_user("provider_a").post("/api/v1/claims", json=body)
    assert response.status_code == 201
    assert response.json["status"] == "rejected" and response.json["adjudication"] is None
    codes = {reason["edit_code"] for reason in response.json["failure_reasons"]}
    assert codes == {"V010", "V041"}
