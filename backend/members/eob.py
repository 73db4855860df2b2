"""The member's explanation of benefits for one claim, in plain terms: what the provider billed,
the plan discount, what is not covered, what the plan paid and what you owe and why, with each
line's adjustment (CARC) and remark (RARC) codes and their descriptions. Amounts in cents."""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy import select

from backend.auth.principal import DataScope
from backend.claims.models import AdjudicatedClaim, AdjudicatedClaimLine, StagedClaim
from backend.claims.read import search_claims
from backend.db import Session
from backend.edi.remittances import derived_adjustments
from backend.members.models import Member
from backend.payments.models import RemittedClaim
from backend.providers.models import Provider
from backend.reference.models import CarcCode, FeeScheduleRvu, RarcCode

FINAL = ("paid", "denied")
GROUPS = {
    "CO": "Contractual obligation: the provider may not bill you for this amount",
    "PR": "Patient responsibility: you owe this amount",
    "OA": "Other adjustment",
    "PI": "Payer-initiated reduction: the provider may not bill you for this amount",
}
YOU_OWE = (
    ("deductible", "deductible_cents", "The part of the allowed amount you pay before the plan "
     "starts to pay, until your deductible is met (or, on a family plan, your family's)."),
    ("coinsurance", "coinsurance_cents", "Your share, as a percentage, of the allowed amount "
     "after the deductible."),
    ("copay", "copay_cents", "The fixed amount you pay for this kind of service."),
)  # fmt: skip
# CARC 23 on a secondary claim (coordination of benefits), in the member's terms
PAID_BY_OTHER_PLAN = (
    "Paid by your other plan: your other coverage paid this part first, so neither this plan nor "
    "you pay it"
)
OTHER_PLAN_MESSAGE = (
    "Your other plan paid first. This plan paid the lesser of what it would normally pay and "
    "what your other plan left of the allowed amount; your deductible and out-of-pocket totals "
    "are credited as if this plan had paid first."
)
STATUS_MESSAGE = {
    "paid": "Your plan processed this claim. Any amount you owe is shown below.",
    "denied": "Your plan did not pay this claim; the reasons are shown for each service.",
    "pended": "This claim is being reviewed; nothing has been paid yet.",
    None: "This claim has not been processed yet.",
    "rejected": "This claim could not be processed as sent; the provider has been told why.",
}


def claim_eob(scope: DataScope, claim_id: int) -> dict | None:
    """The EOB of a claim in `scope`, or None when it is absent or outside the scope."""
    row = Session.execute(
        search_claims(scope, {}).where(StagedClaim.id == claim_id).order_by(None)
    ).first()
    if row is None:
        return None
    staged, claim = row
    final = claim is not None and claim.decision in FINAL
    status = claim.decision if claim else ("rejected" if staged.status == "rejected" else None)
    eob = {
        "claim_id": staged.id,
        "patient": _patient(staged.member_id),
        "provider": _provider(staged.billing_provider_id, staged.billing_provider_npi),
        "service_from": claim.service_from if claim else staged.service_from,
        "service_to": claim.service_to if claim else staged.service_to,
        "received_at": staged.received_at,
        "decision": claim.decision if claim else None,
        "final": final,
        "message": STATUS_MESSAGE[status],
        "billed_cents": staged.total_charge_cents,
        "totals": None,
        "you_owe_reasons": [],
        "lines": [],
        "remitted_at": None,
    }
    if final:
        eob.update(_finalized(claim))
    eob["other_plan_message"] = (
        OTHER_PLAN_MESSAGE if claim is not None and claim.prior_payer_cents is not None else None
    )
    return eob


def _patient(member_id: int | None) -> dict | None:
    member = Session.get(Member, member_id) if member_id is not None else None
    if member is None:
        return None
    return {"member_id": member.id, "first_name": member.first_name, "last_name": member.last_name}


def _provider(provider_id: int | None, npi: str) -> dict:
    provider = Session.get(Provider, provider_id) if provider_id is not None else None
    return {
        "provider_id": provider_id,
        "npi": npi,
        "name": provider.display_name if provider else None,
    }


def _finalized(claim: AdjudicatedClaim) -> dict:
    lines = Session.scalars(
        select(AdjudicatedClaimLine)
        .where(
            AdjudicatedClaimLine.claim_id == claim.id,
            AdjudicatedClaimLine.service_month == claim.service_month,
        )
        .order_by(AdjudicatedClaimLine.line_number)
    ).all()
    adjustments = {line.line_number: line.adjustments for line in lines}
    claim_level = [] if lines else [asdict(a) for a in derived_adjustments(claim)]
    codes = _descriptions(adjustments, claim_level, lines)
    return {
        "billed_cents": claim.billed_cents,
        "totals": _amounts(claim),
        "you_owe_reasons": _you_owe(claim),
        "lines": [_line(line, adjustments[line.line_number], codes) for line in lines],
        "claim_adjustments": [_adjustment(a, codes) for a in claim_level],
        "remitted_at": Session.scalar(
            select(RemittedClaim.remitted_at).where(
                RemittedClaim.claim_id == claim.id, RemittedClaim.entry == "payment"
            )
        ),
    }


def _amounts(row) -> dict:
    """The money of a claim or line in plain terms (cents)."""
    return {
        "billed_cents": row.billed_cents,
        "plan_discount_cents": row.contractual_adjustment_cents,
        "not_covered_cents": row.noncovered_cents,
        "allowed_cents": row.allowed_cents,
        "plan_paid_cents": row.paid_cents,
        "you_owe_cents": row.patient_responsibility_cents,
        "deductible_cents": row.deductible_cents,
        "coinsurance_cents": row.coinsurance_cents,
        "copay_cents": row.copay_cents,
        "paid_by_other_plan_cents": row.prior_payer_cents,  # None: no other plan paid first
    }


def _you_owe(row) -> list[dict]:
    return [
        {"reason": reason, "amount_cents": getattr(row, column), "explanation": explanation}
        for reason, column, explanation in YOU_OWE
        if getattr(row, column)
    ]


def _descriptions(adjustments: dict, claim_level: list, lines) -> dict:
    """CARC and RARC descriptions of every code the claim uses, from the reference tables."""
    carcs = {a["carc"] for found in adjustments.values() for a in found}
    carcs |= {a["carc"] for a in claim_level}
    rarcs = {code for line in lines for code in line.rarc_codes or ()}
    found = {("carc", c.code): c.description for c in _lookup(CarcCode, carcs)}
    found |= {("rarc", r.code): r.description for r in _lookup(RarcCode, rarcs)}
    procedures = {line.procedure_code for line in lines if line.procedure_code}
    found |= {  # the newest fee schedule's description wins (rows come oldest first)
        ("procedure", code): description
        for code, description in Session.execute(
            select(FeeScheduleRvu.hcpcs_code, FeeScheduleRvu.description)
            .where(FeeScheduleRvu.hcpcs_code.in_(procedures), FeeScheduleRvu.modifier == "")
            .order_by(FeeScheduleRvu.effective_from)
        )
    }
    return found


def _lookup(model, codes: set[str]):
    return Session.scalars(select(model).where(model.code.in_(codes))).all() if codes else []


def _line(line: AdjudicatedClaimLine, adjustments: list[dict], codes: dict) -> dict:
    return {
        "line_number": line.line_number,
        "procedure_code": line.procedure_code,
        "procedure_description": codes.get(("procedure", line.procedure_code)),
        "revenue_code": line.revenue_code,
        "service_from": line.service_from,
        "service_to": line.service_to,
        "decision": line.decision,
        **_amounts(line),
        "you_owe_reasons": _you_owe(line),
        "adjustments": [_adjustment(a, codes) for a in adjustments],
        "remarks": [
            {"code": code, "description": codes.get(("rarc", code))}
            for code in line.rarc_codes or ()
        ],
    }


def _adjustment(adjustment: dict, codes: dict) -> dict:
    group, carc = adjustment["group"], str(adjustment["carc"])
    other_plan = (group, carc) == ("OA", "23")
    return {
        "group": group,
        "group_description": PAID_BY_OTHER_PLAN if other_plan else GROUPS.get(group),
        "carc": carc,
        "description": codes.get(("carc", carc)),
        "amount_cents": int(adjustment["amount_cents"]),
        "you_owe": group == "PR",
    }
