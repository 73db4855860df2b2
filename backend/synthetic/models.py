"""Ground truth of generated data, in schema `ground_truth`, which the processing pipeline never
reads: each generation run, and which claims carry an injected pattern (upcoding, duplicate, ...).
"""

from datetime import datetime

from sqlalchemy import ARRAY, BigInteger, DateTime, ForeignKey, Integer, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base
from backend.reference.models import code_column

GROUND_TRUTH = "ground_truth"


class GenerationRun(Base):
    """One `askes generate` (or seed_demo) run: its population, seed, rates and output size."""

    __tablename__ = "generation_run"
    __table_args__ = {"schema": GROUND_TRUTH}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Runs with the same population key share plans, providers and members (created by the first).
    population_key: Mapped[str] = code_column(120, index=True)
    population_tag: Mapped[str] = code_column(4)  # prefix of member numbers, plan codes, PCNs
    seed: Mapped[int] = mapped_column(BigInteger)
    claims: Mapped[int] = mapped_column(BigInteger, default=0)
    lines: Mapped[int] = mapped_column(BigInteger, default=0)
    rates: Mapped[dict] = mapped_column(JSONB, default=dict)  # pattern -> share of claims
    formats: Mapped[list[str]] = mapped_column(ARRAY(String(20)), default=list)
    generator_version: Mapped[int] = mapped_column(Integer, server_default="1")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ClaimLabel(Base):
    """A generated claim (staging.claim id) that carries an injected pattern, and how."""

    __tablename__ = "claim_label"
    __table_args__ = {"schema": GROUND_TRUTH}

    # No foreign key to staging.claim: labels outlive staging rows (production keeps the id).
    claim_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    pattern: Mapped[str] = code_column(30, primary_key=True)
    run_id: Mapped[int] = mapped_column(
        ForeignKey(f"{GROUND_TRUTH}.generation_run.id", ondelete="CASCADE"), index=True
    )
    detail: Mapped[str] = mapped_column(Text, default="")
