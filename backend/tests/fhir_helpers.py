"""Helpers for the FHIR API tests: bearer clients and Claims that belong to the test world."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from askes_fhir import MEDIA_TYPE
from askes_fhir.claim_out import claim_to_fhir

from backend.auth.tokens import issue_token
from backend.canonical.claim import Claim, ClaimLine


def bearer(app, db, user, scopes: list[str] | None = None):
    """A test client sending a bearer token of `user` (default: all of its role's permissions)."""
    issued = issue_token(db, user, "fhir test", scopes or list(user.role.permissions))
    db.flush()
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {issued.plaintext}"
    return client


def post_json(client, url: str, resource, **kwargs):
    return client.post(url, json=resource, content_type=MEDIA_TYPE, **kwargs)


def world_claim(world, member=None, provider=None, **overrides) -> Claim:
    """A professional claim by provider A (or `provider`) for the subscriber (or `member`)."""
    member = member or world.subscriber
    provider = provider or world.provider_a
    lines = [
        ClaimLine(line_number=1, charge_cents=12_500, units=Decimal(1), procedure_code="99213",
                  service_from=date(2026, 3, 2), service_to=date(2026, 3, 2),
                  diagnosis_pointers=[1]),
        ClaimLine(line_number=2, charge_cents=4_000, units=Decimal(1), procedure_code="36415",
                  service_from=date(2026, 3, 2), service_to=date(2026, 3, 2),
                  diagnosis_pointers=[1]),
    ]  # fmt: skip
    claim = Claim(
        claim_type="professional", patient_control_number="FHIR-PCN-1",
        subscriber_member_number=member.member_number, billing_provider_npi=provider.npi,
        total_charge_cents=16_500, diagnosis_codes=["E119"], lines=lines,
        patient_member_number=member.member_number, relationship_code="18",
        patient_first_name=member.first_name, patient_last_name=member.last_name,
        patient_birth_date=member.birth_date, patient_sex=member.sex, place_of_service="11",
    )  # fmt: skip
    return replace(claim, **overrides)


def world_claim_resource(world, **overrides) -> dict:
    return claim_to_fhir(world_claim(world, **overrides))
