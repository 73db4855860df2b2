"""POST /api/v1/claims: one claim in, adjudicated through the pipeline, decision out."""

from datetime import date

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


def test_a_professional_claim_is_listed_and_found_by_its_dates_of_service(priced_world, as_user):
    """A professional claim carries its dates on the lines only: the list shows the first and
    last, and the service-date filter finds it by them (it looked at the statement period)."""
    body = claim_body(priced_world, patient_control_number="PCN-DATES", total_charge_cents=15_000)
    del body["statement_from"], body["statement_to"]
    second = {**body["lines"][0], "line_number": 2, "charge_cents": 5_000,
              "service_from": "2026-02-05", "service_to": "2026-02-06"}  # fmt: skip
    body["lines"] = [{**body["lines"][0], "charge_cents": 10_000}, second]
    assert as_user("provider_a").post("/api/v1/claims", json=body).status_code == 201
    client = as_user("insurer")

    def listed(**dates):
        query = {"patient_control_number": "PCN-DATES", **dates}
        return client.get("/api/v1/claims", query_string=query).json["items"]

    [claim] = listed()
    assert (claim["service_from"], claim["service_to"]) == ("2026-02-02", "2026-02-06")
    assert len(listed(service_from="2026-02-01", service_to="2026-02-02")) == 1
    assert listed(service_from="2026-02-03") == []
    assert listed(service_to="2026-02-01") == []
    for month, total in (("2026-02", 1), ("2026-03", 0)):  # FHIR search reads the same dates
        query = {"identifier": "PCN-DATES", "service-date": month}
        assert client.get("/fhir/Claim", query_string=query).json["total"] == total


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


def test_the_submit_benchmark_claims_are_valid_and_distinct(priced_world, as_user):
    """`askes bench submit` formats its claim template in wrk's Lua with the request number n:
    (n, total, line 1, line 2) with both lines moved by n div M cents (M members; one here).
    Successive numbers are adjudicated claims of their own; the same number again is a
    duplicate, which is why every request gets a number of its own."""
    from backend.claims.bench import _template

    member = priced_world.subscriber
    template = _template(priced_world.provider_a.npi, {
        "member_number": member.member_number, "first_name": member.first_name,
        "last_name": member.last_name, "birth_date": member.birth_date, "sex": member.sex,
        "service_date": date(2026, 2, 2),
    })  # fmt: skip
    client = as_user("provider_a")

    def submit(n: int) -> dict:
        body = template % (n, 16500 + 2 * n, 12500 + n, 4000 + n)
        response = client.post("/api/v1/claims", data=body, content_type="application/json")
        assert response.status_code == 201, response.json
        return response.json

    first, second, again = submit(1), submit(2), submit(2)
    assert first["patient_control_number"] == "BENCHSUBMIT1"
    assert [line["charge_cents"] for line in second["lines"]] == [12_502, 4_002]
    assert first["decision"] == "paid" and second["decision"] == "paid"
    carcs = {a["carc"] for line in again["adjudication"]["lines"] for a in line["adjustments"]}
    assert again["decision"] == "denied" and "18" in carcs
