"""Staging file claims (X12) by COPY: every canonical field lands in its column, text longer
than its column is cut, other-payer adjustments are stored as JSON where sent, positions run on
across COPY blocks, and member and billing provider resolve by the intake's one rule."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import date

from sqlalchemy import select

from backend.canonical.claim import Claim, ClaimLine
from backend.claims.models import StagedClaim, StagedClaimLine
from backend.db import Session
from backend.intake import staging
from backend.intake.parties import UNMATCHED
from backend.tests.fhir_helpers import world_claim
from backend.tests.test_fhir_staging import _institutional

LAST_NAME_LENGTH = StagedClaim.__table__.c.patient_last_name.type.length


def _secondary(world) -> Claim:
    """A claim another payer adjudicated first, with a name too long for its column, more
    modifiers and pointers than staging keeps, and codes no clean file would hold."""
    codes = ["E119", 'A"B\\C{}', "NULL", "", "X, Y", "TOOLONGCODE"]
    claim = world_claim(world, patient_last_name="FAMILY" * 20, diagnosis_codes=codes)
    adjustments = [{"group": "CO", "carc": "45", "amount_cents": 2_500}]
    first = replace(
        claim.lines[0], modifiers=["25", "59", "XS", "GT", "95"],
        diagnosis_pointers=[1, 2, 3, 4, 5], other_payer_paid_cents=8_000,
        other_payer_adjustments=adjustments, other_payer_paid_date=date(2026, 3, 20),
    )  # fmt: skip
    return replace(
        claim, lines=[first, claim.lines[1]], other_payer_paid_cents=8_000,
        other_payer_adjustments=[{"group": "PR", "carc": "1", "amount_cents": 500}],
    )  # fmt: skip


def _staged_lines(db, claim_id: int) -> list[StagedClaimLine]:
    return db.scalars(
        select(StagedClaimLine)
        .where(StagedClaimLine.claim_id == claim_id)
        .order_by(StagedClaimLine.line_number)
    ).all()


def test_copy_stages_every_field_across_blocks(app, db, world, monkeypatch):
    monkeypatch.setattr(staging, "COPY_BLOCK", 2)  # five claims: three blocks
    dependent = world_claim(
        world, member=world.child, patient_member_number=None, relationship_code="19",
        subscriber_member_number=world.subscriber.member_number, diagnosis_codes=[],
    )  # fmt: skip
    unmatched = replace(dependent, patient_birth_date=date(2001, 1, 1))
    claims = [world_claim(world), dependent, _secondary(world), unmatched, _institutional(world)]
    staged_count = staging.copy_claims(Session.connection(), claims, "edi", None, "0042", 7)
    assert staged_count == 5
    staged = db.scalars(
        select(StagedClaim).where(StagedClaim.source_control_number == "0042")
        .order_by(StagedClaim.id)
    ).all()  # fmt: skip
    assert [claim.source_position for claim in staged] == [7, 8, 9, 10, 11]
    assert [claim.member_id for claim in staged] == [
        world.subscriber.id, world.child.id, world.subscriber.id, None, world.subscriber.id
    ]  # fmt: skip
    assert [claim.patient_match for claim in staged] == [None, None, None, UNMATCHED, None]
    assert {claim.billing_provider_id for claim in staged} == {world.provider_a.id}
    for row, claim in zip(staged, claims, strict=True):
        assert (row.channel, row.status, row.priority) == ("edi", "pending", 0)
        assert (row.service_from, row.service_to) == claim.service_span()
        for field in fields(Claim):
            if field.name not in ("lines", "patient_last_name", "diagnosis_codes"):
                assert getattr(row, field.name) == getattr(claim, field.name), field.name
        assert row.patient_last_name == claim.patient_last_name[:LAST_NAME_LENGTH]
        assert row.diagnosis_codes == [code[:7] for code in claim.diagnosis_codes]
        lines = _staged_lines(db, row.id)
        assert len(lines) == len(claim.lines)
        for staged_line, line in zip(lines, claim.lines, strict=True):
            for field in fields(ClaimLine):
                if field.name not in ("modifiers", "diagnosis_pointers"):
                    assert getattr(staged_line, field.name) == getattr(line, field.name)
            assert staged_line.diagnosis_pointers == line.diagnosis_pointers[:4]
            modifiers = [staged_line.modifier_1, staged_line.modifier_2, staged_line.modifier_3,
                         staged_line.modifier_4]  # fmt: skip
            assert modifiers == (line.modifiers + [None] * 4)[:4]
    assert len(claims[2].patient_last_name) > LAST_NAME_LENGTH  # the cut was needed
    assert staged[2].diagnosis_codes == ["E119", 'A"B\\C{}', "NULL", "", "X, Y", "TOOLONG"]
    assert staged[1].diagnosis_codes == []
    assert staged[2].other_payer_adjustments == [{"group": "PR", "carc": "1", "amount_cents": 500}]
    assert staged[0].other_payer_adjustments is None
