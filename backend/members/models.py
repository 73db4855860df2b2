"""Members (subscribers and dependents), their coverage spans and accumulators. All PHI."""

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.db import Base
from backend.reference.models import code_column

# X12 individual relationship codes (834 INS02 / 837 SBR02, PAT01) we use for members.
RELATIONSHIP_SELF = "18"
RELATIONSHIPS = {"18": "self", "01": "spouse", "19": "child", "G8": "other"}


class Member(Base):
    __tablename__ = "member"
    __table_args__ = (
        CheckConstraint("sex IN ('F', 'M', 'U')", name="sex"),
        CheckConstraint(
            "(relationship_code = '18') = (subscriber_id IS NULL)", name="subscriber_is_self"
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    member_number: Mapped[str] = code_column(20, unique=True)
    subscriber_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"), index=True)
    relationship_code: Mapped[str] = code_column(2)
    first_name: Mapped[str] = mapped_column(String(60))
    middle_name: Mapped[str | None] = mapped_column(String(60))
    last_name: Mapped[str] = mapped_column(String(60))
    birth_date: Mapped[date]
    sex: Mapped[str] = code_column(1)
    address_line1: Mapped[str | None] = mapped_column(String(100))
    address_line2: Mapped[str | None] = mapped_column(String(100))
    city: Mapped[str | None] = mapped_column(String(60))
    state: Mapped[str | None] = code_column(2)
    postal_code: Mapped[str | None] = code_column(10)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    subscriber: Mapped["Member | None"] = relationship(
        remote_side=[id], back_populates="dependents"
    )
    dependents: Mapped[list["Member"]] = relationship(back_populates="subscriber")
    coverage_spans: Mapped[list["CoverageSpan"]] = relationship(
        back_populates="member", order_by="CoverageSpan.effective_date"
    )


class CoverageSpan(Base):
    """A member's enrolment in a plan from effective_date to termination_date (inclusive)."""

    __tablename__ = "coverage_span"
    __table_args__ = (
        CheckConstraint(
            "termination_date IS NULL OR termination_date >= effective_date", name="dates"
        ),
        Index("ix_coverage_span_member_dates", "member_id", "effective_date"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"))
    group_number: Mapped[str | None] = code_column(30)
    effective_date: Mapped[date]
    termination_date: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    member: Mapped[Member] = relationship(back_populates="coverage_spans")


class Accumulator(Base):
    """Deductible and out-of-pocket met so far, per member, plan, plan year and network tier."""

    __tablename__ = "accumulator"
    __table_args__ = (CheckConstraint("network IN ('in', 'out')", name="network"),)

    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), primary_key=True)
    plan_year: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    network: Mapped[str] = code_column(3, primary_key=True)
    deductible_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    oop_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
