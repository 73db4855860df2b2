"""Staging request claims (FHIR, REST) in one statement: every canonical field lands in its
column, and member and billing provider ids resolve as docs/claim-model.md says."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from backend.canonical.claim import Claim, ClaimLine
from backend.claims.models import StagedClaim, StagedClaimLine
from backend.db import Session
from backend.intake.parties import UNKNOWN, UNMATCHED
from backend.intake.staging import insert_claims
from backend.tests.fhir_helpers import world_claim


def _institutional(world) -> Claim:
    line = ClaimLine(
        line_number=1, charge_cents=98_765, units=Decimal("2.5"), unit_basis="DA",
        procedure_code="99223", modifiers=["25", "59", "XS"], revenue_code="0120",
        service_from=date(2026, 3, 1), service_to=date(2026, 3, 3), place_of_service="21",
        diagnosis_pointers=[2, 1], rendering_provider_npi="1234567893",
        line_control_number="LCN-7", ndc_code="00002143380",
    )  # fmt: skip
    return world_claim(
        world, claim_type="institutional", lines=[line], total_charge_cents=98_765,
        diagnosis_codes=["I214", "E119"], bill_type="0111", admission_date=date(2026, 3, 1),
        admission_type_code="1", discharge_status="01", statement_from=date(2026, 3, 1),
        statement_to=date(2026, 3, 3), frequency_code="7", original_claim_id="ORIG-1",
        prior_authorization="PA-9", billing_provider_tax_id="123456789",
        attending_provider_npi="1234567893", operating_provider_npi="1245319599",
        referring_provider_npi="1003000126", service_facility_npi="1538170021",
    )  # fmt: skip


def test_every_field_of_the_canonical_claim_is_staged(app, db, world):
    claims = [world_claim(world), _institutional(world)]
    pairs = [(claims[0], 1), (claims[1], 2)]
    ids = insert_claims(Session.connection(), pairs, "fhir", None, "req-staging-1")
    assert len(ids) == 2 and ids[0] < ids[1]
    for claim_id, claim, position in zip(ids, claims, (1, 2), strict=True):
        staged = db.get(StagedClaim, claim_id)
        for field in fields(Claim):
            if field.name != "lines":
                assert getattr(staged, field.name) == getattr(claim, field.name), field.name
        assert (staged.channel, staged.status, staged.priority) == ("fhir", "pending", 0)
        assert (staged.source_position, staged.source_request_id) == (position, "req-staging-1")
        assert staged.member_id == world.subscriber.id
        assert staged.billing_provider_id == world.provider_a.id
        lines = db.scalars(
            select(StagedClaimLine)
            .where(StagedClaimLine.claim_id == claim_id)
            .order_by(StagedClaimLine.line_number)
        ).all()
        assert len(lines) == len(claim.lines)
        for staged_line, line in zip(lines, claim.lines, strict=True):
            for field in fields(ClaimLine):
                if field.name != "modifiers":
                    assert getattr(staged_line, field.name) == getattr(line, field.name)
            modifiers = [staged_line.modifier_1, staged_line.modifier_2, staged_line.modifier_3,
                         staged_line.modifier_4]  # fmt: skip
            assert modifiers == (line.modifiers + [None] * 4)[:4]


def test_member_and_provider_ids_resolve_or_stay_null(app, db, world):
    dependent = world_claim(
        world, member=world.child, patient_member_number=None, relationship_code="19",
        subscriber_member_number=world.subscriber.member_number, patient_first_name="KID",
    )  # fmt: skip
    wrong_birth_date = replace(dependent, patient_birth_date=date(2001, 1, 1))
    unknown_member = world_claim(world, patient_member_number="NOSUCHMEMBER")
    unknown_provider = world_claim(world, billing_provider_npi="1999999992")
    claims = [dependent, wrong_birth_date, unknown_member, unknown_provider]
    ids = insert_claims(Session.connection(), [(c, None) for c in claims], "fhir", None, None)
    staged = [db.get(StagedClaim, claim_id) for claim_id in ids]
    expected_members = [world.child.id, None, None, world.subscriber.id]
    assert [claim.member_id for claim in staged] == expected_members
    assert [claim.patient_match for claim in staged] == [None, UNMATCHED, UNKNOWN, None]
    assert [claim.billing_provider_id for claim in staged] == [world.provider_a.id] * 3 + [None]
    assert [claim.patient_control_number for claim in staged] == ["FHIR-PCN-1"] * 4
