"""One row per (caller, Idempotency-Key): in progress, then the answer to replay."""

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Integer, LargeBinary, String, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base
from backend.reference.models import code_column


class IdempotencyKey(Base):
    __tablename__ = "idempotency_key"
    __table_args__ = (UniqueConstraint("caller", "key", name="uq_idempotency_key_caller_key"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    caller: Mapped[str] = code_column(40)  # "user:<id>" (session) or "token:<id>"
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = code_column(64)  # SHA-256 of method, path, query, type, body
    locked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # in progress
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_headers: Mapped[dict | None] = mapped_column(JSONB)
    response_body: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), index=True
    )
