"""Review of pended claims: who holds a claim (an assignment that expires) and every decision
a reviewer made, with the money before and after, for the audit trail and the claim timeline."""

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, DateTime, Index, Integer, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base
from backend.reference.models import code_column

ACTIONS = ("approve", "deny", "adjust")
# awaiting_approval: above the four-eyes threshold, waiting for a second reviewer;
# final: applied to the claim; rejected: the second reviewer turned it down (claim still pended).
DECISION_STATUSES = ("awaiting_approval", "final", "rejected")


class ReviewAssignment(Base):
    """The reviewer working a pended claim, until `expires_at`; one row per claim at most."""

    __tablename__ = "review_assignment"

    claim_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    reviewer_id: Mapped[int] = mapped_column(Integer)
    assigned_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ReviewDecision(Base):
    """A reviewer's decision on a pended claim. `before` and `after` hold the claim's and its
    lines' money (integer cents) before the decision and as decided; `request` what was asked
    (CARC, RARC, lines)."""

    __tablename__ = "review_decision"
    __table_args__ = (
        CheckConstraint(f"action IN {ACTIONS}", name="action"),
        CheckConstraint(f"status IN {DECISION_STATUSES}", name="status"),
        Index("ix_review_decision_claim", "claim_id", "id"),
        # At most one decision waits for a second reviewer per claim.
        Index(
            "ux_review_decision_awaiting",
            "claim_id",
            unique=True,
            postgresql_where="status = 'awaiting_approval'",
        ),
        # Batch reconciliation: the claims of a batch decided after it closed.
        Index("ix_review_decision_batch", "batch_id", postgresql_where="status = 'final'"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    claim_id: Mapped[int] = mapped_column(BigInteger)
    service_month: Mapped[date]
    batch_id: Mapped[int | None] = mapped_column(BigInteger)
    action: Mapped[str] = code_column(8)
    status: Mapped[str] = code_column(18)
    outcome: Mapped[str | None] = code_column(8)  # paid / denied once final
    decided_by_id: Mapped[int] = mapped_column(Integer)
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    note: Mapped[str] = mapped_column(Text)
    request: Mapped[dict] = mapped_column(JSONB)
    before: Mapped[dict] = mapped_column(JSONB)
    after: Mapped[dict] = mapped_column(JSONB)
    paid_cents: Mapped[int] = mapped_column(BigInteger)
    approved_by_id: Mapped[int | None] = mapped_column(Integer)
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    approval_note: Mapped[str | None] = mapped_column(Text)
