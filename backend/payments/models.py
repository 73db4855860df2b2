"""Payment cycles: each run remits every finalized claim not yet remitted, one 835 per payee.

`remitted_claim` is the ledger that makes remittance exactly-once: its primary key is
(claim_id, entry), so the database refuses a second 'payment' entry for a claim whatever the
code does; a corrected or voided claim's reversal (CLP02 = 22) is its one 'reversal' entry.
Money is integer cents.
"""

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base
from backend.reference.models import code_column

CYCLE_STATUSES = ("closed", "empty")
PAYMENT_METHODS = ("CHK", "NON")  # BPR04: a check; no payment (nothing to pay)
ENTRIES = ("payment", "reversal")


class PaymentCycle(Base):
    """One run of `askes pay` / POST /api/v1/payment-cycles, with its totals."""

    __tablename__ = "payment_cycle"
    __table_args__ = (CheckConstraint(f"status IN {CYCLE_STATUSES}", name="status"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    status: Mapped[str] = code_column(8)
    payment_date: Mapped[date]
    batch_id: Mapped[int | None] = mapped_column(BigInteger)  # a cycle scoped to one batch
    started_by_id: Mapped[int | None] = mapped_column(Integer)
    claim_count: Mapped[int] = mapped_column(Integer, default=0)
    payee_count: Mapped[int] = mapped_column(Integer, default=0)
    billed_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    paid_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Payment(Base):
    """One payee's payment in a cycle: one 835 (edi_document), its BPR method and TRN trace."""

    __tablename__ = "payment"
    __table_args__ = (
        CheckConstraint(f"payment_method IN {PAYMENT_METHODS}", name="payment_method"),
        Index("ix_payment_cycle", "payment_cycle_id"),
        Index("ix_payment_payee", "payee_provider_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    payment_cycle_id: Mapped[int] = mapped_column(ForeignKey("payment_cycle.id"))
    payee_provider_id: Mapped[int] = mapped_column(BigInteger)
    edi_document_id: Mapped[int] = mapped_column(ForeignKey("edi_document.id"), unique=True)
    trace_number: Mapped[str] = code_column(50, unique=True)  # TRN02
    payment_method: Mapped[str] = code_column(3)
    claim_count: Mapped[int] = mapped_column(Integer)
    paid_cents: Mapped[int] = mapped_column(BigInteger)  # BPR02
    # What the payer still has to recover from the payee after this payment (reversals that
    # outweighed its claims), carried into its next 835 as a PLB forward balance; >= 0.
    balance_forward_cents: Mapped[int] = mapped_column(BigInteger, default=0)


class RemittedClaim(Base):
    """A claim's entry in an 835: at most one payment and one reversal per claim, ever."""

    __tablename__ = "remitted_claim"
    __table_args__ = (
        CheckConstraint(f"entry IN {ENTRIES}", name="entry"),
        Index("ix_remitted_claim_cycle", "payment_cycle_id"),
    )

    claim_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    entry: Mapped[str] = code_column(8, primary_key=True)
    service_month: Mapped[date]
    payment_cycle_id: Mapped[int] = mapped_column(ForeignKey("payment_cycle.id"))
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payment.id"))
    payee_provider_id: Mapped[int] = mapped_column(BigInteger)
    paid_cents: Mapped[int] = mapped_column(BigInteger)
    remitted_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
