"""FHIR read and search: scoped by the caller's rights, SMART scopes, paging, _include, audit."""

from __future__ import annotations

from datetime import UTC, datetime

from fhir.resources.R4B.claimresponse import ClaimResponse
from fhir.resources.R4B.explanationofbenefit import ExplanationOfBenefit
from sqlalchemy import select

from backend.audit.models import AuditEvent
from backend.tests import factories as f
from backend.tests.fhir_helpers import bearer, post_json, world_claim_resource


def _ids(bundle: dict, mode: str = "match") -> list[str]:
    return [e["resource"]["id"] for e in bundle["entry"] if e["search"]["mode"] == mode]


def test_member_token_lists_only_its_own_eobs(app, db, world, engine):
    other = f.make_adjudicated(db, world.claims["b_other"])
    client = bearer(app, db, world.users["member"], ["patient/ExplanationOfBenefit.read"])
    response = client.get("/fhir/ExplanationOfBenefit")
    assert response.status_code == 200, response.json
    assert _ids(response.json) == [str(world.claims["a_subscriber"].id)]
    eob = response.json["entry"][0]["resource"]
    ExplanationOfBenefit.model_validate(eob)
    assert eob["patient"] == {"reference": f"Patient/{world.subscriber.id}"}
    totals = {t["category"]["coding"][0]["code"]: t["amount"]["value"] for t in eob["total"]}
    assert (totals["submitted"], totals["eligible"], totals["benefit"]) == (250.0, 180.0, 144.0)
    assert client.get(f"/fhir/ExplanationOfBenefit/{other.id}").status_code == 404
    assert client.get("/fhir/Claim").status_code == 403  # the token has no Claim scope
    with engine.connect() as connection:
        event = connection.execute(
            select(AuditEvent)
            .where(AuditEvent.resource_type == "eob")
            .order_by(AuditEvent.id.desc())
        ).first()
    assert event.outcome == "not_found" and event.resource_id == str(other.id)


def test_patient_scope_excludes_minor_dependents_but_member_role_includes_them(app, db, world):
    f.make_adjudicated(db, world.claims["a_child"])
    session_client = bearer(app, db, world.users["member"], ["user/ExplanationOfBenefit.read"])
    assert len(_ids(session_client.get("/fhir/ExplanationOfBenefit").json)) == 2
    patient_client = bearer(app, db, world.users["member"], ["patient/*.read"])
    assert _ids(patient_client.get("/fhir/ExplanationOfBenefit").json) == [
        str(world.claims["a_subscriber"].id)
    ]
    assert _ids(patient_client.get("/fhir/Patient").json) == [str(world.subscriber.id)]


def test_eob_include_patient_and_provider(app, db, world):
    client = bearer(app, db, world.users["insurer"], ["user/*.read"])
    url = "/fhir/ExplanationOfBenefit?_include=ExplanationOfBenefit:patient"
    response = client.get(url + "&_include=ExplanationOfBenefit:provider")
    included = {(e["resource"]["resourceType"], e["resource"]["id"])
                for e in response.json["entry"] if e["search"]["mode"] == "include"}  # fmt: skip
    assert included == {("Patient", str(world.subscriber.id)),
                        ("Organization", str(world.provider_a.id))}  # fmt: skip


def test_search_parameters_and_paging(app, db, world):
    client = bearer(app, db, world.users["insurer"], ["user/*.read"])
    all_claims = client.get("/fhir/Claim?_count=2").json
    assert all_claims["total"] == 4 and len(_ids(all_claims)) == 2
    next_link = next(link["url"] for link in all_claims["link"] if link["relation"] == "next")
    second = client.get(next_link.split("localhost")[1]).json
    assert len(_ids(second)) == 2 and not set(_ids(second)) & set(_ids(all_claims))
    spouse = client.get(f"/fhir/Claim?patient=Patient/{world.spouse.id}").json
    assert _ids(spouse) == [str(world.claims["b_spouse"].id)]
    pcn = world.claims["b_other"].patient_control_number
    assert _ids(client.get(f"/fhir/Claim?identifier={pcn}").json) == [
        str(world.claims["b_other"].id)
    ]
    today = datetime.now(UTC).date().isoformat()
    assert client.get(f"/fhir/Claim?_lastUpdated=ge{today}").json["total"] == 4
    assert client.get("/fhir/Claim?created=lt2000-01-01").json["total"] == 0
    assert client.get("/fhir/ExplanationOfBenefit?service-date=2026-03-02").json["total"] == 1
    assert client.get("/fhir/ExplanationOfBenefit?service-date=2026-04").json["total"] == 0
    assert client.get("/fhir/Claim?created=notadate").status_code == 400
    member_number = world.other_member.member_number
    assert _ids(client.get(f"/fhir/Patient?identifier={member_number}").json) == [
        str(world.other_member.id)
    ]
    npi = world.provider_b.npi
    assert _ids(client.get(f"/fhir/Organization?identifier={npi}").json) == [
        str(world.provider_b.id)
    ]
    coverage = client.get(f"/fhir/Coverage?patient={world.child.id}").json
    assert coverage["entry"][0]["resource"]["subscriberId"] == world.subscriber.member_number


def test_provider_sees_its_own_claims_only(app, db, world):
    client = bearer(app, db, world.users["provider_b"], ["user/Claim.read"])
    ids = set(_ids(client.get("/fhir/Claim").json))
    assert ids == {str(world.claims["b_spouse"].id), str(world.claims["b_other"].id)}
    assert client.get(f"/fhir/Claim/{world.claims['a_subscriber'].id}").status_code == 404


def test_provider_submit_answers_an_adjudicated_claim_response(app, db, priced_world):
    world = priced_world
    client = bearer(app, db, world.users["provider_a"], ["system/Claim.write", "user/Claim.read"])
    response = post_json(client, "/fhir/Claim/$submit", world_claim_resource(world))
    assert response.status_code == 200, response.json
    claim_response = response.json
    ClaimResponse.model_validate(claim_response)
    assert claim_response["request"]["reference"].startswith("Claim/")
    assert claim_response["outcome"] == "complete"
    claim_id = int(claim_response["request"]["reference"].split("/")[1])
    api = client.get(f"/fhir/ClaimResponse/{claim_id}").json
    assert api["outcome"] == "complete" and api["total"] == claim_response["total"]


def test_claim_response_of_adjudicated_claim_carries_the_decision(app, db, world):
    claim = world.claims["a_subscriber"]
    client = bearer(app, db, world.users["provider_a"], ["user/ClaimResponse.read"])
    response = client.get(f"/fhir/ClaimResponse/{claim.id}")
    assert response.status_code == 200
    assert response.json["outcome"] == "complete"
    assert response.json["payment"]["amount"]["value"] == 144.0
    ClaimResponse.model_validate(response.json)


def test_smart_scopes_map_onto_permissions_and_are_checked_at_issue(db, world):
    import pytest

    from backend.auth.principal import Principal
    from backend.auth.tokens import issue_token, scope_permissions

    assert scope_permissions(["system/Claim.write"]) == {"claims:submit"}
    assert scope_permissions(["user/*.read"]) == {
        "claims:read",
        "eob:read",
        "members:read",
        "providers:read",
    }
    assert scope_permissions(["patient/ExplanationOfBenefit.rs", "nonsense"]) == {"eob:read"}
    provider = world.users["provider_a"]
    with pytest.raises(ValueError, match="not allowed"):
        issue_token(db, provider, "x", ["patient/ExplanationOfBenefit.read"])  # no eob:read
    with pytest.raises(ValueError, match="not allowed"):
        issue_token(db, provider, "x", ["user/Unknown.read"])
    token = issue_token(db, provider, "x", ["system/Claim.write", "user/*.read"]).token
    assert Principal(provider, token).permissions == {
        "claims:submit",
        "claims:read",
        "providers:read",
    }
