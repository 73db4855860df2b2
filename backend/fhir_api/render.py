"""Database rows -> FHIR resources, through the pure builders of `askes_fhir`."""

from __future__ import annotations

from askes_fhir import adjudication, resources
from askes_fhir.claim_out import claim_to_fhir
from sqlalchemy import select

from backend.canonical.claim import Claim, ClaimLine
from backend.claims.models import (
    AdjudicatedClaim,
    AdjudicatedClaimLine,
    ClaimReversal,
    FailedClaimReason,
    StagedClaim,
)
from backend.db import Session
from backend.members.models import CoverageSpan, Member
from backend.plans.models import Plan
from backend.providers.models import ENTITY_ORGANIZATION, Provider

LINE_COLUMNS = (
    "line_number",
    "charge_cents",
    "units",
    "unit_basis",
    "procedure_code",
    "revenue_code",
    "service_from",
    "service_to",
    "place_of_service",
    "diagnosis_pointers",
    "rendering_provider_npi",
    "line_control_number",
    "ndc_code",
    "other_payer_paid_cents",
    "other_payer_adjustments",
    "other_payer_paid_date",
)
CLAIM_COLUMNS = tuple(name for name in Claim.__dataclass_fields__ if name != "lines")


def row_dict(row) -> dict:
    return {column.key: getattr(row, column.key) for column in row.__table__.columns}


def canonical_claim(staged: StagedClaim) -> Claim:
    """The canonical record of a staged claim (what its channel received)."""
    lines = [
        ClaimLine(
            **{name: getattr(line, name) for name in LINE_COLUMNS},
            modifiers=[
                m for m in (line.modifier_1, line.modifier_2, line.modifier_3, line.modifier_4) if m
            ],
        )
        for line in staged.lines
    ]
    values = {name: getattr(staged, name) for name in CLAIM_COLUMNS}
    values["diagnosis_codes"] = list(values["diagnosis_codes"] or [])
    for line in lines:
        line.diagnosis_pointers = list(line.diagnosis_pointers or [])
    return Claim(**values, lines=lines)


def claim_resource(staged: StagedClaim) -> dict:
    """The Claim as received; a replacement or void names its original in `related` (prior), and
    an original taken back by one is `cancelled`, with the one that replaced it in `related`."""
    resource = claim_to_fhir(canonical_claim(staged), staged.id, staged.received_at.date())
    resource["meta"] = {"lastUpdated": staged.received_at.isoformat()}
    if staged.status == "processed":
        replaced_by = Session.scalar(
            select(ClaimReversal.replacement_claim_id).where(
                ClaimReversal.original_claim_id == staged.id
            )
        )
        if replaced_by is not None:
            resource["status"] = "cancelled"
            resource.setdefault("related", []).append(
                {"claim": {"reference": f"Claim/{replaced_by}"},
                 "relationship": {"text": "replaced or voided by"}}
            )  # fmt: skip
    return resource


def production_lines(adjudicated: AdjudicatedClaim) -> list[dict]:
    lines = Session.scalars(
        select(AdjudicatedClaimLine)
        .where(
            AdjudicatedClaimLine.claim_id == adjudicated.id,
            AdjudicatedClaimLine.service_month == adjudicated.service_month,
        )
        .order_by(AdjudicatedClaimLine.line_number)
    )
    return [row_dict(line) for line in lines]


def claim_response_resource(staged: StagedClaim, adjudicated: AdjudicatedClaim | None) -> dict:
    """Adjudicated: the decision; rejected by validation: the edits; otherwise queued."""
    claim = canonical_claim(staged)
    if adjudicated is not None:
        values = row_dict(adjudicated)
        resource = adjudication.claim_response(
            staged.id, claim, values, production_lines(adjudicated)
        )
        updated = adjudicated.adjudicated_at
    elif staged.status == "rejected":
        reasons = Session.scalars(
            select(FailedClaimReason)
            .where(FailedClaimReason.claim_id == staged.id)
            .order_by(FailedClaimReason.id)
        )
        reasons = [row_dict(reason) for reason in reasons]
        resource = adjudication.rejected_claim_response(
            staged.id, claim, staged.member_id, staged.received_at, reasons
        )
        updated = staged.received_at
    else:
        resource = adjudication.pending_claim_response(
            staged.id, claim, staged.member_id, staged.received_at
        )
        updated = staged.received_at
    resource["meta"] = {"lastUpdated": updated.isoformat()}
    return resource


def eob_resource(staged: StagedClaim, adjudicated: AdjudicatedClaim) -> dict:
    resource = adjudication.explanation_of_benefit(
        staged.id,
        canonical_claim(staged),
        row_dict(adjudicated),
        production_lines(adjudicated),
        staged.received_at,
    )
    provider = Session.get(Provider, adjudicated.billing_provider_id)
    if provider is not None and provider.entity_type != ENTITY_ORGANIZATION:
        resource["provider"] = {"reference": f"Practitioner/{provider.id}"}
    resource["meta"]["lastUpdated"] = adjudicated.adjudicated_at.isoformat()
    return resource


def patient_resource(member: Member) -> dict:
    resource = resources.patient(row_dict(member))
    resource["meta"] = {"lastUpdated": member.updated_at.isoformat()}
    return resource


def coverage_resource(span: CoverageSpan) -> dict:
    member = span.member
    subscriber = member.subscriber or member
    plan = Session.get(Plan, span.plan_id)
    resource = resources.coverage(
        row_dict(span), row_dict(member), row_dict(subscriber), row_dict(plan)
    )
    resource["meta"] = {"lastUpdated": span.created_at.isoformat()}
    return resource


def provider_resource(provider: Provider) -> dict:
    build = (
        resources.organization
        if provider.entity_type == ENTITY_ORGANIZATION
        else (resources.practitioner)
    )
    resource = build(row_dict(provider))
    resource["meta"] = {"lastUpdated": provider.created_at.isoformat()}
    return resource
