"""`POST /api/v1/claims/validate` gives exactly the pipeline validation's findings, on the
corpus 837 claims and on generated broken claims, and leaves nothing behind."""

from __future__ import annotations

import dataclasses
import random
from datetime import date, timedelta

import pytest
from flask import json
from sqlalchemy import select, text

from backend.canonical.claim import Claim, ClaimLine
from backend.claims.models import FailedClaimReason, StagedClaim
from backend.claims.submit import CLAIM_BODY, stage
from backend.intake.models import ReceivedDocument
from edi.fast_validation import fast_validator
from edi.tests.helpers import CORPUS, claims_of, read


def corpus_claims() -> list[Claim]:
    claims = []
    for directory in ("837_005010X222A2", "837_005010X223A3"):
        for path in sorted((CORPUS / directory).glob("*")):
            _reading, results = read(path.read_bytes(), fast_validator)
            claims += claims_of(results)
    return claims


def body(claim: Claim) -> dict:
    """The API body of a canonical claim (as a client would send it)."""
    return json.loads(json.dumps(CLAIM_BODY.dump(claim)))


def pipeline_findings(app, connection, claim: Claim, billing_provider_id) -> list[dict]:
    """What a submission gets: staged, through the pipeline, its failed_claim_reason rows."""
    from backend.db import Session
    from workers.chunks import adjudicate

    with app.test_request_context():
        claim_id = stage(claim, billing_provider_id, None)
        Session.flush()
        adjudicate(connection, app.extensions["redis"], [claim_id])
        reasons = Session.scalars(
            select(FailedClaimReason)
            .where(FailedClaimReason.claim_id == claim_id)
            .order_by(FailedClaimReason.id)
        ).all()
    return [
        {"line_number": r.line_number, "edit_code": r.edit_code, "field": r.field,
         "message": r.message}
        for r in reasons
    ]  # fmt: skip


def good_claim(world, day=date(2026, 3, 2)) -> Claim:
    return Claim(
        claim_type="professional", patient_control_number="PCN-VALID-1",
        subscriber_member_number=world.subscriber.member_number,
        billing_provider_npi=world.provider_a.npi, total_charge_cents=27_000,
        diagnosis_codes=["E119", "I10"], place_of_service="11",
        statement_from=day, statement_to=day,
        lines=[
            ClaimLine(1, 15_000, units=1, procedure_code="99213", service_from=day,
                      service_to=day, diagnosis_pointers=[1]),
            ClaimLine(2, 12_000, units=1, procedure_code="20610", modifiers=["25"],
                      service_from=day, service_to=day, diagnosis_pointers=[2]),
        ],
    )  # fmt: skip


def _total(claim: Claim) -> Claim:
    return dataclasses.replace(claim, total_charge_cents=sum(x.charge_cents for x in claim.lines))


def _line(claim: Claim, **changes) -> Claim:
    if not claim.lines:
        return claim
    lines = [dataclasses.replace(claim.lines[0], **changes), *claim.lines[1:]]
    return dataclasses.replace(claim, lines=lines)


def _bad_check_digit(npi: str) -> str:
    return npi[:9] + str((int(npi[9]) + 1) % 10)


MUTATIONS = {
    "bad billing NPI check digit": lambda c: dataclasses.replace(
        c, billing_provider_npi=_bad_check_digit(c.billing_provider_npi)),
    "unknown member": lambda c: dataclasses.replace(c, subscriber_member_number="NOBODY-1"),
    "no diagnosis": lambda c: dataclasses.replace(c, diagnosis_codes=[]),
    "unknown diagnosis": lambda c: dataclasses.replace(c, diagnosis_codes=["Q999", "I10"]),
    "total differs": lambda c: dataclasses.replace(c, total_charge_cents=c.total_charge_cents + 1),
    "dates reversed": lambda c: dataclasses.replace(
        c, statement_to=c.statement_from - timedelta(days=3)),
    "unknown procedure": lambda c: _line(c, procedure_code="0000X"),
    "unknown place of service": lambda c: dataclasses.replace(c, place_of_service="98"),
    "bad rendering NPI": lambda c: dataclasses.replace(c, rendering_provider_npi="1234567890"),
    "diagnosis pointer past the list": lambda c: _line(c, diagnosis_pointers=[9]),
    "zero units": lambda c: _line(c, units=0),
    "no lines": lambda c: dataclasses.replace(c, lines=[], total_charge_cents=0),
}  # fmt: skip


def broken_claims(world, count: int = 25) -> list[tuple[str, Claim]]:
    """Valid claims with one to three mutations each (seeded), and the valid claim itself."""
    rng = random.Random(20261206)
    claims = [("valid", good_claim(world))]
    for number in range(count):
        names = rng.sample(sorted(MUTATIONS), rng.randint(1, 3))
        claim = dataclasses.replace(
            good_claim(world), patient_control_number=f"PCN-BROKEN-{number}"
        )
        for name in names:
            claim = MUTATIONS[name](claim)
        claims.append((" + ".join(names), claim))
    return claims


def _provider_id(connection, npi):
    return connection.execute(text("SELECT id FROM provider WHERE npi = :n"), {"n": npi}).scalar()


def _check_equal(app, connection, client, label: str, claim: Claim) -> list[dict]:
    response = client.post("/api/v1/claims/validate", json=body(claim))
    assert response.status_code == 200, (label, response.json)
    expected = pipeline_findings(
        app, connection, claim, _provider_id(connection, claim.billing_provider_npi)
    )
    assert response.json["findings"] == expected, label
    assert response.json["valid"] is (not expected)
    return expected


def test_generated_claims_get_the_pipelines_findings(priced_world, app, connection, as_user):
    client = as_user("admin")
    seen_codes = set()
    for label, claim in broken_claims(priced_world):
        findings = _check_equal(app, connection, client, label, claim)
        seen_codes |= {finding["edit_code"] for finding in findings}
        assert bool(findings) is (label != "valid"), label
    assert len(seen_codes) >= 8  # the mutations reach many different edits


@pytest.mark.skipif(not CORPUS.is_dir(), reason="conformance corpus not found")
def test_corpus_claims_get_the_pipelines_findings(priced_world, app, connection, as_user):
    client = as_user("admin")
    claims = corpus_claims()
    assert len(claims) >= 10
    for claim in claims:
        _check_equal(app, connection, client, claim.patient_control_number, claim)


def test_validate_stages_stores_and_counts_nothing(priced_world, app, connection, as_user, db):
    staged = db.scalar(select(StagedClaim.id).order_by(StagedClaim.id.desc()).limit(1))
    documents = db.scalar(select(ReceivedDocument.id).order_by(ReceivedDocument.id.desc()).limit(1))
    received = connection.execute(
        text("SELECT coalesce(sum(claims), 0) FROM report_received")
    ).scalar()
    response = as_user("provider_a").post(
        "/api/v1/claims/validate", json=body(good_claim(priced_world))
    )
    assert response.status_code == 200 and response.json == {"valid": True, "findings": []}
    assert db.scalar(select(StagedClaim.id).order_by(StagedClaim.id.desc()).limit(1)) == staged
    assert (
        db.scalar(select(ReceivedDocument.id).order_by(ReceivedDocument.id.desc()).limit(1))
        == documents
    )
    assert (
        connection.execute(text("SELECT coalesce(sum(claims), 0) FROM report_received")).scalar()
        == received
    )


@pytest.mark.parametrize("payload", [None, {"claim_type": "dental"}, [1, 2]])
def test_a_body_that_is_not_a_claim_is_a_422(world, as_user, payload):
    client = as_user("provider_a")
    if payload is None:
        response = client.post(
            "/api/v1/claims/validate", data="{not json", content_type="application/json"
        )
    else:
        response = client.post("/api/v1/claims/validate", json=payload)
    assert response.status_code == 422
    assert response.json["details"]


def test_a_provider_validates_only_its_own_billing_npis(world, as_user):
    claim = dataclasses.replace(good_claim(world), billing_provider_npi=world.provider_b.npi)
    response = as_user("provider_a").post("/api/v1/claims/validate", json=body(claim))
    assert response.status_code == 403
