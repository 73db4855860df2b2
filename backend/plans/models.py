"""Benefit plans: deductibles, coinsurance, copays by service category, out-of-pocket maximum.

Money is integer cents; coinsurance is the member's share in basis points (2000 = 20 %).
"""

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.db import Base
from backend.reference.models import code_column


class Plan(Base):
    __tablename__ = "plan"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = code_column(20, unique=True)
    name: Mapped[str] = mapped_column(String(120))
    plan_type: Mapped[str] = mapped_column(String(10))  # HMO, PPO, EPO, POS, HDHP
    individual_deductible_cents: Mapped[int] = mapped_column(BigInteger)
    family_deductible_cents: Mapped[int] = mapped_column(BigInteger)
    individual_oop_max_cents: Mapped[int] = mapped_column(BigInteger)
    family_oop_max_cents: Mapped[int] = mapped_column(BigInteger)
    coinsurance_bp: Mapped[int] = mapped_column(SmallInteger)
    out_of_network_covered: Mapped[bool] = mapped_column(Boolean, default=True)
    out_of_network_deductible_cents: Mapped[int] = mapped_column(BigInteger)
    out_of_network_oop_max_cents: Mapped[int] = mapped_column(BigInteger)
    out_of_network_coinsurance_bp: Mapped[int] = mapped_column(SmallInteger)

    copays: Mapped[list["PlanCopay"]] = relationship(back_populates="plan")


class PlanCopay(Base):
    """A fixed copay for a service category (office_visit, specialist, emergency, ...)."""

    __tablename__ = "plan_copay"

    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), primary_key=True)
    service_category: Mapped[str] = code_column(30, primary_key=True)
    copay_cents: Mapped[int] = mapped_column(BigInteger)
    applies_before_deductible: Mapped[bool] = mapped_column(Boolean, default=True)

    plan: Mapped[Plan] = relationship(back_populates="copays")
