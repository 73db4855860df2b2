"""Closing a payment cycle (shared by POST /api/v1/payment-cycles, the batch-scoped POST
/api/v1/edi/remittances and `askes pay`).

Exactly once, in two layers: cycles take a transaction-scoped advisory lock, so two cycles
started together run one after the other and the second sees what the first remitted; and every
remitted claim is a row of `remitted_claim`, whose primary key refuses a second payment entry
for a claim even if the lock were bypassed. The claims, their ledger rows and the 835s are
written in the caller's transaction: a cycle that fails leaves nothing behind.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from backend.edi.models import EdiDocument
from backend.edi.remittances import REMITTED, payments_for_claims, write_remittance
from backend.payments.models import Payment, PaymentCycle, RemittedClaim
from backend.providers.models import Provider
from edi.remittance import Payment as RemittancePayment
from edi.remittance import ProviderAdjustment

CYCLE_LOCK_KEY = 835_835  # pg_advisory_xact_lock: one payment cycle closes at a time

TAKE_UNREMITTED = """
INSERT INTO remitted_claim (claim_id, entry, service_month, payment_cycle_id, payee_provider_id,
  paid_cents)
SELECT c.id, 'payment', c.service_month, :cycle_id, c.billing_provider_id, c.paid_cents
FROM production.claim c
WHERE c.decision IN {finalized} {batch_filter}
  AND NOT EXISTS (
    SELECT 1 FROM remitted_claim r WHERE r.claim_id = c.id AND r.entry = 'payment'
  )
"""


def close_cycle(
    session: Session,
    payment_date: date | None = None,
    batch_id: int | None = None,
    started_by_id: int | None = None,
) -> PaymentCycle:
    """Remit every finalized claim (paid or denied, from any channel) not yet remitted, or only
    those of `batch_id`: one 835 per payee. An empty cycle is kept too (status 'empty')."""
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CYCLE_LOCK_KEY})
    cycle = PaymentCycle(
        status="empty",
        payment_date=payment_date or date.today(),
        batch_id=batch_id,
        started_by_id=started_by_id,
        claim_count=0,
        payee_count=0,
        billed_cents=0,
        paid_cents=0,
    )
    session.add(cycle)
    session.flush()
    cycle.claim_count = _take_unremitted(session, cycle)
    for payee_id in _payees(session, cycle.id):
        _pay(session, cycle, payee_id)
    if cycle.claim_count:
        cycle.status = "closed"
    session.flush()
    return cycle


def _take_unremitted(session: Session, cycle: PaymentCycle) -> int:
    batch_filter = "AND c.batch_id = :batch_id" if cycle.batch_id is not None else ""
    sql = TAKE_UNREMITTED.format(finalized=REMITTED, batch_filter=batch_filter)
    statement = text(sql).bindparams(cycle_id=cycle.id)
    if cycle.batch_id is not None:
        statement = statement.bindparams(batch_id=cycle.batch_id)
    return session.execute(statement).rowcount


def _payees(session: Session, cycle_id: int) -> list[int]:
    return list(
        session.scalars(
            select(RemittedClaim.payee_provider_id)
            .where(RemittedClaim.payment_cycle_id == cycle_id)
            .group_by(RemittedClaim.payee_provider_id)
            .order_by(RemittedClaim.payee_provider_id)
        )
    )


def trace_number(cycle_id: int, payee_provider_id: int) -> str:
    """TRN02, unique per 835: the cycle and the payee (one 835 per payee and cycle)."""
    return f"{cycle_id}-{payee_provider_id}"


def _pay(session: Session, cycle: PaymentCycle, payee_id: int) -> None:
    """One payee's 835 (one payee at a time: memory grows with a payee's claims, not the
    cycle's), its payment row, and its claims' ledger rows pointed at it."""
    claim_ids = select(RemittedClaim.claim_id).where(
        RemittedClaim.payment_cycle_id == cycle.id,
        RemittedClaim.payee_provider_id == payee_id,
        RemittedClaim.entry == "payment",
    )
    trace = trace_number(cycle.id, payee_id)
    ((_, remittance),) = payments_for_claims(
        session, claim_ids, cycle.payment_date, lambda _: trace
    )
    balance = _carry_balance(session, payee_id, remittance)
    document = write_remittance(session, remittance, payee_id, cycle.batch_id)
    payment = Payment(
        payment_cycle_id=cycle.id,
        payee_provider_id=payee_id,
        edi_document_id=document.id,
        trace_number=trace,
        payment_method="CHK" if remittance.total_cents > 0 else "NON",
        claim_count=len(remittance.claims),
        paid_cents=remittance.total_cents,
        balance_forward_cents=balance,
    )
    session.add(payment)
    session.flush()
    session.execute(
        update(RemittedClaim)
        .where(RemittedClaim.payment_cycle_id == cycle.id)
        .where(RemittedClaim.payee_provider_id == payee_id)
        .values(payment_id=payment.id)
    )
    cycle.payee_count += 1
    cycle.paid_cents += remittance.total_cents
    cycle.billed_cents += sum(claim.billed_cents for claim in remittance.claims)


def _carry_balance(session: Session, payee_id: int, remittance: RemittancePayment) -> int:
    """Settle what the payer still has to recover from the payee against this payment's claims
    with a PLB forward balance (FB), so BPR02 is never negative: a balance owed is taken from
    the claims' payment up to its amount; claims that pay less than nothing (reversals) leave
    the rest owed. Returns the balance carried forward after this payment (>= 0)."""
    previous = session.execute(
        select(Payment.trace_number, Payment.balance_forward_cents)
        .where(Payment.payee_provider_id == payee_id)
        .order_by(Payment.id.desc())
        .limit(1)
    ).first()
    owed = previous.balance_forward_cents if previous else 0
    claims_paid = remittance.claims_paid_cents
    recovered = claims_paid - max(0, claims_paid - owed)
    if recovered:
        reference = previous.trace_number if owed else remittance.trace_number
        remittance.provider_adjustments.append(ProviderAdjustment("FB", reference, recovered))
    return owed - recovered


def cycle_detail(session: Session, cycle_id: int) -> dict | None:
    """A cycle with its totals and its 835s (payee, amount, trace number), by payee."""
    cycle = session.get(PaymentCycle, cycle_id)
    if cycle is None:
        return None
    rows = session.execute(
        select(Payment, EdiDocument.filename, Provider)
        .join(EdiDocument, EdiDocument.id == Payment.edi_document_id)
        .join(Provider, Provider.id == Payment.payee_provider_id)
        .where(Payment.payment_cycle_id == cycle_id)
        .order_by(Payment.payee_provider_id)
    ).all()
    detail = {column.key: getattr(cycle, column.key) for column in PaymentCycle.__table__.columns}
    detail["files"] = [_file(payment, filename, payee) for payment, filename, payee in rows]
    return detail


def _file(payment: Payment, filename: str, payee: Provider) -> dict:
    return {
        "payment_id": payment.id,
        "edi_document_id": payment.edi_document_id,
        "filename": filename,
        "payee_provider_id": payment.payee_provider_id,
        "payee_npi": payee.npi,
        "payee_name": payee.display_name,
        "trace_number": payment.trace_number,
        "payment_method": payment.payment_method,
        "claim_count": payment.claim_count,
        "paid_cents": payment.paid_cents,
        "balance_forward_cents": payment.balance_forward_cents,
    }
