"""Batches of claims processing: a batch is split into chunks that workers lease and adjudicate;
each chunk records its counts, money and per-stage seconds in the transaction that writes its
claims, so a batch's progress and reconciliation are sums over its chunks."""

from datetime import datetime

from sqlalchemy import (
    ARRAY,
    BigInteger,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.db import Base
from backend.reference.models import code_column

BATCH_STATUSES = ("running", "done", "failed")
CHUNK_STATUSES = ("pending", "running", "done", "split", "failed")
CHUNK_COUNTERS = (
    "claims_done",
    "claims_paid",
    "claims_denied",
    "claims_pended",
    "claims_failed",
    "claims_skipped",
    "lines_done",
)
CHUNK_MONEY = (
    "billed_cents",
    "allowed_cents",
    "paid_cents",
    "patient_responsibility_cents",
    "contractual_adjustment_cents",
    "noncovered_cents",
    "deductible_cents",
    "coinsurance_cents",
    "copay_cents",
    "prior_payer_cents",
)


def counter():
    return mapped_column(BigInteger, default=0, server_default="0")


class Batch(Base):
    __tablename__ = "batch"
    __table_args__ = (CheckConstraint(f"status IN {BATCH_STATUSES}", name="status"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    status: Mapped[str] = code_column(10, default="running")
    filter: Mapped[dict] = mapped_column(JSONB, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    claims_total: Mapped[int] = counter()
    chunk_count: Mapped[int] = mapped_column(Integer, default=0)
    lease_seconds: Mapped[int] = mapped_column(Integer, default=120)
    reconciliation: Mapped[dict | None] = mapped_column(JSONB)
    error: Mapped[str | None] = mapped_column(Text)

    chunks: Mapped[list["BatchChunk"]] = relationship(order_by="BatchChunk.chunk_number")


class BatchChunk(Base):
    """A set of claims leased and processed as a unit. Claims of one member are always in the
    same chunk, so cost share runs in service-date order and two workers never race on one
    member within a batch."""

    __tablename__ = "batch_chunk"
    __table_args__ = (CheckConstraint(f"status IN {CHUNK_STATUSES}", name="status"),)

    batch_id: Mapped[int] = mapped_column(ForeignKey("batch.id"), primary_key=True)
    chunk_number: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = code_column(10, default="pending")
    claim_ids: Mapped[list[int]] = mapped_column(ARRAY(BigInteger))
    claims: Mapped[int] = mapped_column(Integer)
    depth: Mapped[int] = mapped_column(SmallInteger, default=0)  # halvings after a DB error
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    worker: Mapped[str | None] = mapped_column(String(120))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    claims_done: Mapped[int] = counter()
    claims_paid: Mapped[int] = counter()
    claims_denied: Mapped[int] = counter()
    claims_pended: Mapped[int] = counter()
    claims_failed: Mapped[int] = counter()
    claims_skipped: Mapped[int] = counter()
    lines_done: Mapped[int] = counter()
    billed_cents: Mapped[int] = counter()
    allowed_cents: Mapped[int] = counter()
    paid_cents: Mapped[int] = counter()
    patient_responsibility_cents: Mapped[int] = counter()
    contractual_adjustment_cents: Mapped[int] = counter()
    noncovered_cents: Mapped[int] = counter()
    deductible_cents: Mapped[int] = counter()
    coinsurance_cents: Mapped[int] = counter()
    copay_cents: Mapped[int] = counter()
    prior_payer_cents: Mapped[int] = counter()  # secondary claims' OA-23 (migration 0016)
    stage_seconds: Mapped[dict] = mapped_column(JSONB, default=dict)
    peak_rss_mb: Mapped[float | None] = mapped_column(Float)
    error: Mapped[str | None] = mapped_column(Text)
