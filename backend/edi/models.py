"""EDI files and what we wrote back: the envelope facts of each received file (for duplicate
interchange detection and scoping), every outbound document (999, TA1, 277CA, 835), and the
history of 834 maintenance applied to members."""

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base
from backend.reference.models import code_column


class EdiFile(Base):
    """One received X12 file (its bytes are in received_document, same id)."""

    __tablename__ = "edi_file"
    __table_args__ = (
        Index(
            "ix_edi_file_interchange",
            "sender_qualifier",
            "sender_id",
            "interchange_control_number",
        ),
        Index("ix_edi_file_submitter_provider", "submitter_provider_id"),
    )

    id: Mapped[int] = mapped_column(ForeignKey("received_document.id"), primary_key=True)
    transaction: Mapped[str | None] = code_column(8)  # 837P, 837I, 834 when known
    sender_qualifier: Mapped[str | None] = code_column(2)
    sender_id: Mapped[str | None] = code_column(15)
    interchange_control_number: Mapped[str | None] = code_column(9)
    submitter_provider_id: Mapped[int | None] = mapped_column(BigInteger)
    transaction_sets: Mapped[int] = mapped_column(Integer, default=0)
    transaction_sets_accepted: Mapped[int] = mapped_column(Integer, default=0)
    claims_received: Mapped[int] = mapped_column(Integer, default=0)
    claims_staged: Mapped[int] = mapped_column(Integer, default=0)
    processed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class EdiDocument(Base):
    """An X12 document we wrote: the acknowledgments of a received file, or an 835."""

    __tablename__ = "edi_document"
    __table_args__ = (
        Index("ix_edi_document_file", "edi_file_id", "kind"),
        Index("ix_edi_document_payee", "payee_provider_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = code_column(5)  # 999, TA1, 277CA, 835
    edi_file_id: Mapped[int | None] = mapped_column(ForeignKey("edi_file.id"))
    payee_provider_id: Mapped[int | None] = mapped_column(BigInteger)
    batch_id: Mapped[int | None] = mapped_column(BigInteger)
    control_number: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class MemberChange(Base):
    """One 834 maintenance applied to a member: what it was before and after (history kept)."""

    __tablename__ = "member_change"
    __table_args__ = (Index("ix_member_change_member", "member_id", "applied_at"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    member_id: Mapped[int | None] = mapped_column(BigInteger)
    member_number: Mapped[str] = code_column(80)
    edi_file_id: Mapped[int | None] = mapped_column(ForeignKey("edi_file.id"))
    maintenance_type: Mapped[str] = code_column(3)  # INS03: 001 change, 021 add, 024 cancel...
    reason_code: Mapped[str | None] = code_column(3)  # INS04
    outcome: Mapped[str] = code_column(12)  # applied, skipped
    effective_date: Mapped[date | None]
    before: Mapped[dict | None] = mapped_column(JSONB)
    after: Mapped[dict | None] = mapped_column(JSONB)
    message: Mapped[str | None] = mapped_column(String(200))
    applied_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
