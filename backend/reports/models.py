"""Report rollups: small per-day aggregates that database triggers keep in step with the claims.

Every statement that inserts, updates or deletes claims (intake into staging, the pipeline's
transfer, a reviewer's decision, a payment helper's update) adds signed delta rows here in its own
transaction (migration 0012 defines the triggers), so the reports read thousands of rows instead of
a million claims, and no writer has to remember to call anything. Rows are deltas, never updated in
place (concurrent writers would queue on one hot row per day): `compact_rollups` folds them.

The day of a decision is the UTC date of `coalesce(reviewed_at, adjudicated_at)` for adjudicated
claims (a claim counts once, under its current decision) and of `failed_at` for rejected ones;
the day a claim was received is the UTC date of staging `received_at`. Money is integer cents.
"""

from datetime import date

from sqlalchemy import BigInteger, Boolean, Identity, Index, Integer
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base
from backend.reference.models import code_column


def count():
    return mapped_column(BigInteger, default=0)


class ReceivedRollup(Base):
    """Claims received per day and channel (staging.claim inserts and deletes)."""

    __tablename__ = "report_received"
    __table_args__ = (Index("ix_report_received_day", "day"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    day: Mapped[date]
    channel: Mapped[str] = code_column(6)
    claims: Mapped[int] = count()


class DecisionRollup(Base):
    """Claims per decision day, decision (paid, denied, pended, rejected) and whether a human
    decided it, with their billed and paid cents."""

    __tablename__ = "report_decision"
    __table_args__ = (Index("ix_report_decision_day", "day"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    day: Mapped[date]
    decision: Mapped[str] = code_column(8)
    reviewed: Mapped[bool] = mapped_column(Boolean)
    claims: Mapped[int] = count()
    billed_cents: Mapped[int] = count()
    paid_cents: Mapped[int] = count()


class PaymentLagRollup(Base):
    """Paid claims per payment day and whole days from receipt to payment (a histogram, so the
    median and p90 are exact). Payment is the decision time until remittance is recorded."""

    __tablename__ = "report_payment_lag"
    __table_args__ = (Index("ix_report_payment_lag_day", "day"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    day: Mapped[date]
    lag_days: Mapped[int] = mapped_column(Integer)
    claims: Mapped[int] = count()


class ProviderPaidRollup(Base):
    """Paid claims and paid cents per payment day and billing provider."""

    __tablename__ = "report_provider_paid"
    __table_args__ = (Index("ix_report_provider_paid_day", "day"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    day: Mapped[date]
    billing_provider_id: Mapped[int] = mapped_column(BigInteger)
    claims: Mapped[int] = count()
    paid_cents: Mapped[int] = count()


class DenialCarcRollup(Base):
    """Denied lines per day and CARC. A line carries no decision time, so its day is the UTC
    date of the transaction that wrote it, which is its claim's decision day: the transfer and
    a reviewer's decision write the claim and its lines in one transaction."""

    __tablename__ = "report_denial_carc"
    __table_args__ = (Index("ix_report_denial_carc_day", "day"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    day: Mapped[date]
    carc: Mapped[str] = code_column(3)
    lines: Mapped[int] = count()
