"""What arrived, kept as it arrived: every file or request body that matters is stored here
before anything parses it, so bad input is never lost and can always be answered or replayed."""

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Index, Integer, LargeBinary, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base
from backend.reference.models import code_column


class ReceivedDocument(Base):
    __tablename__ = "received_document"
    __table_args__ = (Index("ix_received_document_sha256", "sha256"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    channel: Mapped[str] = code_column(12)  # edi-upload, edi-folder, fhir, api, portal
    media_type: Mapped[str] = mapped_column(String(100))
    filename: Mapped[str | None] = mapped_column(String(255))
    sha256: Mapped[str] = code_column(64)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    submitter_user_id: Mapped[int | None] = mapped_column(Integer)
    request_id: Mapped[str | None] = code_column(64)
    received_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    # received -> accepted | partially_accepted | rejected | duplicate (set by the channel)
    status: Mapped[str] = code_column(20, default="received")
    outcome: Mapped[dict | None] = mapped_column(JSONB)  # counts, control numbers, errors
