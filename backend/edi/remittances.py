"""835s from adjudicated claims: one per payment cycle and payee (the billing provider); which
claims a cycle remits, and that each is remitted once, is backend/payments' business.

CAS come from each line's `adjustments` as the pipeline wrote them; a line without them gets
the adjustments its amount columns imply (CO-45 contractual, PR-1/2/3 cost share, CO-96
non-covered), and a claim without lines is remitted at the claim level."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from backend.claims.models import (
    AdjudicatedClaim,
    AdjudicatedClaimLine,
    StagedClaim,
    StagedClaimLine,
)
from backend.edi import outbound
from backend.edi.models import EdiDocument
from backend.providers.models import Provider
from edi.interchange import Parties
from edi.remittance import (
    Adjustment,
    Payment,
    RemittanceClaim,
    RemittanceLine,
    reversal_of,
    write_835,
)

REMITTED = ("paid", "denied")  # finalized decisions: what a payment cycle remits


def derived_adjustments(row) -> list[Adjustment]:
    """The adjustments the amount columns imply, when the pipeline wrote none."""
    candidates = [
        ("CO", "45", row.contractual_adjustment_cents),
        ("OA", "23", getattr(row, "prior_payer_cents", None) or 0),  # a secondary claim's
        ("CO", "96", row.noncovered_cents),
        ("PR", "1", row.deductible_cents),
        ("PR", "2", row.coinsurance_cents),
        ("PR", "3", row.copay_cents),
    ]
    adjustments = [Adjustment(g, carc, amount) for g, carc, amount in candidates if amount]
    residual = row.billed_cents - row.paid_cents - sum(a.amount_cents for a in adjustments)
    if residual:
        adjustments.append(Adjustment("CO", "45" if row.decision == "paid" else "96", residual))
    return adjustments


def _adjustments(line: AdjudicatedClaimLine) -> list[Adjustment]:
    if line.adjustments:
        return [
            Adjustment(a["group"], str(a["carc"]), int(a["amount_cents"])) for a in line.adjustments
        ]
    return derived_adjustments(line)


def _line(line: AdjudicatedClaimLine, line_control_number: str | None) -> RemittanceLine:
    modifiers = [
        m for m in (line.modifier_1, line.modifier_2, line.modifier_3, line.modifier_4) if m
    ]
    return RemittanceLine(
        line.line_number,
        line.billed_cents,
        line.paid_cents,
        line.units,
        line.service_from,
        line.service_to,
        line.procedure_code,
        modifiers,
        line.revenue_code,
        line.allowed_cents,
        _adjustments(line),
        list(line.rarc_codes or []),
        line_control_number,
    )


def _claim(claim: AdjudicatedClaim, staged, lines, control_numbers: dict) -> RemittanceClaim:
    facility = claim.place_of_service or (claim.bill_type or "0110")[1:3]
    record = RemittanceClaim(
        claim.id,
        claim.patient_control_number,
        claim.decision,
        claim.claim_type,
        claim.frequency_code,
        facility,
        staged.subscriber_member_number,
        staged.patient_last_name or "",
        staged.patient_first_name,
        claim.service_from,
        claim.service_to,
        [_line(line, control_numbers.get((claim.id, line.line_number))) for line in lines],
        secondary=claim.other_payer_paid_cents is not None,
    )
    if not lines:
        record.claim_billed_cents, record.claim_paid_cents = claim.billed_cents, claim.paid_cents
        record.adjustments = derived_adjustments(claim)
    return record


def payments_for_claims(
    session: Session,
    claim_ids: Select,
    payment_date: date,
    trace_number: Callable[[int], str],
    reversed_ids: Select | None = None,
) -> list[tuple[int, Payment]]:
    """The claims `claim_ids` selects (a subquery of production claim ids) as one Payment per
    payee (billing provider), with the payee's provider id, by payee id;
    `trace_number(provider_id)` gives each its TRN02. `reversed_ids` selects originals whose
    reversal (a replacement's or a void's, CLP02 22 with every amount negated) the payments
    carry, before the payee's claims. Every query selects the claims by a subquery, never by a
    list of their ids (a cycle can hold more claims than a statement can carry parameters)."""
    by_payee: dict[int, list[RemittanceClaim]] = {}
    if reversed_ids is not None:
        for claim, record in _records(session, reversed_ids):
            by_payee.setdefault(claim.billing_provider_id, []).append(reversal_of(record))
    for claim, record in _records(session, claim_ids):
        by_payee.setdefault(claim.billing_provider_id, []).append(record)
    payments = []
    for provider_id in sorted(by_payee):
        provider = session.get(Provider, provider_id)
        payment = Payment(
            provider.display_name or "PAYEE",
            provider.npi,
            provider.tax_id,
            payment_date,
            trace_number(provider_id),
            by_payee[provider_id],
        )
        payments.append((provider_id, payment))
    return payments


def _records(session: Session, claim_ids: Select) -> list[tuple[AdjudicatedClaim, RemittanceClaim]]:
    """(claim, its remittance record) of the production claims `claim_ids` selects, by payee
    then id."""
    claims = session.scalars(
        select(AdjudicatedClaim)
        .where(AdjudicatedClaim.id.in_(claim_ids))
        .order_by(AdjudicatedClaim.billing_provider_id, AdjudicatedClaim.id)
    ).all()
    staged = {
        row.id: row
        for row in session.execute(
            select(
                StagedClaim.id,
                StagedClaim.subscriber_member_number,
                StagedClaim.patient_last_name,
                StagedClaim.patient_first_name,
            ).where(StagedClaim.id.in_(claim_ids))
        )
    }
    control_numbers = {
        (claim_id, line_number): number
        for claim_id, line_number, number in session.execute(
            select(
                StagedClaimLine.claim_id,
                StagedClaimLine.line_number,
                StagedClaimLine.line_control_number,
            ).where(StagedClaimLine.claim_id.in_(claim_ids))
        )
    }
    lines: dict[int, list] = {}
    for line in session.scalars(
        select(AdjudicatedClaimLine)
        .where(AdjudicatedClaimLine.claim_id.in_(claim_ids))
        .order_by(AdjudicatedClaimLine.claim_id, AdjudicatedClaimLine.line_number)
    ):
        lines.setdefault(line.claim_id, []).append(line)
    return [
        (claim, _claim(claim, staged[claim.id], lines.get(claim.id, []), control_numbers))
        for claim in claims
    ]


def write_remittance(
    session: Session, payment: Payment, payee_provider_id: int, batch_id: int | None = None
) -> EdiDocument:
    """Write (and store, and drop in the outbound folder) the 835 of one payment."""
    number = outbound.next_control_number(session)
    parties = Parties(receiver_id=payment.payee_npi, receiver_name=payment.payee_name[:60])
    body = write_835([payment], parties, number)
    return outbound.save(
        session, "835", body, number, None, payee_provider_id=payee_provider_id, batch_id=batch_id
    )
