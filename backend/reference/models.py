"""Reference data: fee schedule RVUs, GPCIs and localities, conversion factors, code sets.

RVUs, GPCIs and conversion factors are kept exactly as CMS publishes them (Numeric), effective-dated
so a claim is priced with the values in force on its date of service.
"""

from datetime import date
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base

CODE = "C"  # byte-order collation: faster comparisons and indexes on codes and ids


def code_column(length: int, *args, **kwargs):
    """A short code or identifier column in the "C" collation."""
    return mapped_column(String(length, collation=CODE), *args, **kwargs)


class FeeScheduleRvu(Base):
    """One row of the CMS PPRRVU file: RVUs and payment indicators for a HCPCS code + modifier."""

    __tablename__ = "fee_schedule_rvu"

    hcpcs_code: Mapped[str] = code_column(5, primary_key=True)
    modifier: Mapped[str] = code_column(2, primary_key=True, default="")  # '' = global service
    effective_from: Mapped[date] = mapped_column(primary_key=True)
    effective_to: Mapped[date | None]
    description: Mapped[str] = mapped_column(String(100))
    status_code: Mapped[str] = code_column(1)
    work_rvu: Mapped[Decimal] = mapped_column(Numeric(7, 2))
    nonfacility_pe_rvu: Mapped[Decimal] = mapped_column(Numeric(7, 2))
    facility_pe_rvu: Mapped[Decimal] = mapped_column(Numeric(7, 2))
    mp_rvu: Mapped[Decimal] = mapped_column(Numeric(7, 2))
    pctc_indicator: Mapped[str] = code_column(1)
    global_days: Mapped[str] = code_column(3)
    multiple_procedure_indicator: Mapped[str] = code_column(1)
    bilateral_indicator: Mapped[str] = code_column(1)
    assistant_surgery_indicator: Mapped[str] = code_column(1, default="")
    co_surgery_indicator: Mapped[str] = code_column(1, default="")
    team_surgery_indicator: Mapped[str] = code_column(1, default="")


class PricingLocality(Base):
    """A Medicare payment locality: MAC + locality number (CMS locality/county file)."""

    __tablename__ = "pricing_locality"

    code: Mapped[str] = code_column(8, primary_key=True)  # "MMMMM-LL", e.g. "01112-05"
    mac: Mapped[str] = code_column(5)
    locality_number: Mapped[str] = code_column(2)
    state: Mapped[str] = code_column(2)
    name: Mapped[str] = mapped_column(String(120))
    counties: Mapped[str] = mapped_column(Text, default="")


class Gpci(Base):
    """Geographic practice cost indices of one locality, effective-dated (CMS GPCI file)."""

    __tablename__ = "gpci"

    locality_code: Mapped[str] = code_column(
        8, ForeignKey("pricing_locality.code"), primary_key=True
    )
    effective_from: Mapped[date] = mapped_column(primary_key=True)
    effective_to: Mapped[date | None]
    work_gpci: Mapped[Decimal] = mapped_column(Numeric(5, 3))
    pe_gpci: Mapped[Decimal] = mapped_column(Numeric(5, 3))
    mp_gpci: Mapped[Decimal] = mapped_column(Numeric(5, 3))


class ConversionFactor(Base):
    """Dollars per RVU of the physician fee schedule, effective-dated."""

    __tablename__ = "conversion_factor"

    effective_from: Mapped[date] = mapped_column(primary_key=True)
    effective_to: Mapped[date | None]
    amount: Mapped[Decimal] = mapped_column(Numeric(8, 4))


class Icd10CmCode(Base):
    """ICD-10-CM codes (without the dot), from the official code list."""

    __tablename__ = "icd10cm_code"

    code: Mapped[str] = code_column(7, primary_key=True)
    description: Mapped[str] = mapped_column(Text)
    is_billable: Mapped[bool] = mapped_column(Boolean)
    chapter: Mapped[str] = code_column(2)


class PlaceOfService(Base):
    """CMS place-of-service codes; `is_facility` selects facility practice-expense RVUs."""

    __tablename__ = "place_of_service"

    code: Mapped[str] = code_column(2, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    is_facility: Mapped[bool] = mapped_column(Boolean)


class Modifier(Base):
    """Procedure modifiers we recognise, with the pricing rule each one triggers."""

    __tablename__ = "modifier"

    code: Mapped[str] = code_column(2, primary_key=True)
    description: Mapped[str] = mapped_column(String(200))
    pricing_rule: Mapped[str] = mapped_column(String(30), default="none")


class CarcCode(Base):
    """Claim Adjustment Reason Codes (X12 external code list 139)."""

    __tablename__ = "carc_code"

    code: Mapped[str] = code_column(5, primary_key=True)
    description: Mapped[str] = mapped_column(Text)


class RarcCode(Base):
    """Remittance Advice Remark Codes (X12 external code list 411)."""

    __tablename__ = "rarc_code"

    code: Mapped[str] = code_column(6, primary_key=True)
    description: Mapped[str] = mapped_column(Text)
