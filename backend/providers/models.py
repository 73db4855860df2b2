"""Providers: organizations (billing) and practitioners (rendering), with network participation."""

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    SmallInteger,
    String,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.db import Base
from backend.reference.models import code_column

ENTITY_PERSON = 1  # NPPES entity type codes
ENTITY_ORGANIZATION = 2


class Provider(Base):
    __tablename__ = "provider"
    __table_args__ = (
        CheckConstraint("npi ~ '^[0-9]{10}$'", name="npi_digits"),
        CheckConstraint("entity_type IN (1, 2)", name="entity_type"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    npi: Mapped[str] = code_column(10, unique=True)
    entity_type: Mapped[int] = mapped_column(SmallInteger)
    organization_name: Mapped[str | None] = mapped_column(String(120))
    first_name: Mapped[str | None] = mapped_column(String(60))
    last_name: Mapped[str | None] = mapped_column(String(60))
    credential: Mapped[str | None] = mapped_column(String(20))
    taxonomy_code: Mapped[str] = code_column(10)
    tax_id: Mapped[str | None] = code_column(9)
    address_line1: Mapped[str | None] = mapped_column(String(100))
    city: Mapped[str | None] = mapped_column(String(60))
    state: Mapped[str | None] = code_column(2)
    postal_code: Mapped[str | None] = code_column(10)
    pricing_locality_code: Mapped[str] = code_column(8, ForeignKey("pricing_locality.code"))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("provider.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    organization: Mapped["Provider | None"] = relationship(remote_side=[id])

    @property
    def display_name(self) -> str:
        if self.entity_type == ENTITY_ORGANIZATION:
            return self.organization_name or ""
        return " ".join(p for p in (self.first_name, self.last_name, self.credential) if p)


class ProviderNetwork(Base):
    """A provider is in network for a plan between these dates (inclusive); otherwise out."""

    __tablename__ = "provider_network"

    provider_id: Mapped[int] = mapped_column(ForeignKey("provider.id"), primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), primary_key=True)
    effective_date: Mapped[date] = mapped_column(primary_key=True)
    termination_date: Mapped[date | None]
