"""835s from adjudicated claims: one per payment cycle (a processing batch) and payee (the billing
provider). CAS come from each line's `adjustments` JSON as the pipeline wrote them; a line
without them gets the adjustments its amount columns imply (CO-45 contractual, PR-1/2/3 cost
share, CO-96 non-covered), and a claim without lines is remitted at the claim level."""

from __future__ import annotations

from datetime import date
from itertools import groupby

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backend.claims.models import (
    AdjudicatedClaim,
    AdjudicatedClaimLine,
    ClaimReversal,
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

REMITTED = ("paid", "denied")


def derived_adjustments(row) -> list[Adjustment]:
    """The adjustments the amount columns imply, when the pipeline wrote none."""
    candidates = [
        ("CO", "45", row.contractual_adjustment_cents),
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
    )
    if not lines:
        record.claim_billed_cents, record.claim_paid_cents = claim.billed_cents, claim.paid_cents
        record.adjustments = derived_adjustments(claim)
    return record


def payments_for_batch(session: Session, batch_id: int | None, payment_date: date) -> list[Payment]:
    """The batch's paid and denied claims by payee, and the reversals its replacements and voids
    made that no 835 carried yet (CLP02 22, before the claims). A void is not remitted itself:
    its reversal is. Every query selects the batch's claims by a subquery, never by a list of
    their ids (a batch can hold more claims than a statement can carry parameters)."""
    in_batch = (
        AdjudicatedClaim.batch_id.is_(None) if batch_id is None
        else AdjudicatedClaim.batch_id == batch_id,
        AdjudicatedClaim.decision.in_(REMITTED),
        AdjudicatedClaim.frequency_code != "8",
    )  # fmt: skip
    claims = _records(session, select(AdjudicatedClaim.id).where(*in_batch), *in_batch)
    by_payee = {
        provider_id: [record for _claim, record in group]
        for provider_id, group in groupby(claims, key=lambda pair: pair[0].billing_provider_id)
    }
    for provider_id, records in unremitted_reversals(session, batch_id).items():
        by_payee[provider_id] = records + by_payee.get(provider_id, [])
    payments = []
    for provider_id in sorted(by_payee):
        provider = session.get(Provider, provider_id)
        payments.append(
            Payment(
                provider.display_name or "PAYEE",
                provider.npi,
                provider.tax_id,
                payment_date,
                f"{batch_id or 0}-{provider_id}",
                by_payee[provider_id],
            )
        )
    return payments


def unremitted_reversals(session: Session, batch_id: int | None) -> dict[int, list]:
    """The reversals of the batch's replacements and voids no 835 carried yet, by payee (the
    original's billing provider), as CLP02 22 records (each one's `claim_id` is the original's)."""
    reversals = select(ClaimReversal.original_claim_id).where(
        ClaimReversal.remitted_document_id.is_(None),
        ClaimReversal.batch_id.is_(None) if batch_id is None
        else ClaimReversal.batch_id == batch_id,
    )  # fmt: skip
    originals = _records(session, reversals, AdjudicatedClaim.id.in_(reversals))
    found: dict[int, list] = {}
    for claim, record in originals:
        found.setdefault(claim.billing_provider_id, []).append(reversal_of(record))
    return found


def _records(session: Session, claim_ids, *where) -> list[tuple[AdjudicatedClaim, RemittanceClaim]]:
    """(claim, its remittance record) of the production claims matching `where` (`claim_ids`:
    a select of their ids), by payee then id."""
    claims = session.scalars(
        select(AdjudicatedClaim)
        .where(*where)
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


def mark_reversals_remitted(session: Session, payment: Payment, document_id: int) -> None:
    """The reversals this 835 carried are remitted: no later 835 carries them again."""
    originals = [claim.claim_id for claim in payment.claims if claim.decision == "reversed"]
    if originals:
        session.execute(
            update(ClaimReversal)
            .where(ClaimReversal.original_claim_id.in_(originals))
            .values(remitted_document_id=document_id)
        )


def create_remittances(
    session: Session, batch_id: int | None, payment_date: date | None = None
) -> list[EdiDocument]:
    """Write (and store) one 835 per payee for the claims of `batch_id`."""
    documents = []
    for payment in payments_for_batch(session, batch_id, payment_date or date.today()):
        number = outbound.next_control_number(session)
        provider_id = session.scalar(select(Provider.id).where(Provider.npi == payment.payee_npi))
        parties = Parties(receiver_id=payment.payee_npi, receiver_name=payment.payee_name[:60])
        body = write_835([payment], parties, number)
        document = outbound.save(
            session, "835", body, number, None, payee_provider_id=provider_id, batch_id=batch_id
        )
        mark_reversals_remitted(session, payment, document.id)
        documents.append(document)
    return documents
