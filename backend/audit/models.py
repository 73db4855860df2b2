"""The audit trail of PHI access. Rows are append-only: a trigger in the migration refuses
UPDATE, DELETE and TRUNCATE for every database role, the application's included."""

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Index, Integer, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base
from backend.reference.models import code_column


class AuditEvent(Base):
    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_resource", "resource_type", "resource_id"),
        Index("ix_audit_event_user_time", "user_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), index=True
    )
    user_id: Mapped[int | None] = mapped_column(Integer)
    username: Mapped[str | None] = mapped_column(String(60))
    role: Mapped[str | None] = mapped_column(String(20))
    action: Mapped[str] = code_column(20)
    resource_type: Mapped[str] = code_column(40)
    resource_id: Mapped[str | None] = code_column(64)
    outcome: Mapped[str] = code_column(20)
    client_ip: Mapped[str | None] = mapped_column(String(45))
    request_id: Mapped[str | None] = code_column(64)
    details: Mapped[dict | None] = mapped_column(JSONB)
