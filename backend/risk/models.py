"""The risk model's tables: the registry of trained models, the provider and member history the
features read (kept as of each batch, updated in the transfer transaction), and the reasons of
each pended claim (what the review queue shows).

History holds only what adjudication saw (codes, charges, fee schedule amounts, dates), never
labels or anything from `ground_truth`.
"""

from datetime import date, datetime

from sqlalchemy import (
    ARRAY,
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    Integer,
    LargeBinary,
    String,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base
from backend.reference.models import code_column

PRODUCTION = "production"
MODEL_STATUSES = ("candidate", "shadow", "champion", "retired")


class RiskModel(Base):
    """A trained model: its int8 LiteRT artifact and everything needed to trust and use it."""

    __tablename__ = "risk_model"
    __table_args__ = (
        CheckConstraint(f"status IN {MODEL_STATUSES}", name="status"),
        {"schema": PRODUCTION},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[str] = mapped_column(String(40), unique=True)
    status: Mapped[str] = code_column(10)
    artifact: Mapped[bytes] = mapped_column(LargeBinary)  # the .tflite flatbuffer
    sha256: Mapped[str] = code_column(64)
    feature_schema: Mapped[list] = mapped_column(JSONB)  # feature names in input order
    feature_schema_hash: Mapped[str] = code_column(64)
    training_seeds: Mapped[list[int]] = mapped_column(ARRAY(BigInteger))
    holdout_seeds: Mapped[list[int]] = mapped_column(ARRAY(BigInteger))
    data_version: Mapped[int] = mapped_column(Integer)  # generator version of the training data
    preprocessing: Mapped[dict] = mapped_column(JSONB)  # centre, scale, clip, decile edges
    metrics: Mapped[dict] = mapped_column(JSONB)  # holdout figures
    threshold: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    status_changed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class ProviderHistory(Base):
    """What the billing provider billed in earlier chunks: counts and the sum of line log charge
    ratios (charge over fee schedule amount)."""

    __tablename__ = "risk_provider_history"
    __table_args__ = {"schema": PRODUCTION}

    provider_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    claims: Mapped[int] = mapped_column(BigInteger)
    em_claims: Mapped[int] = mapped_column(BigInteger)  # claims with an E/M or therapy level
    em_top_claims: Mapped[int] = mapped_column(BigInteger)  # ... at the top of its family
    pair_claims: Mapped[int] = mapped_column(BigInteger)  # claims with a bundled code pair
    priced_lines: Mapped[int] = mapped_column(BigInteger)
    log_ratio_sum: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class MemberHistory(Base):
    """The member's earlier claims: how many, and the last service day."""

    __tablename__ = "risk_member_history"
    __table_args__ = {"schema": PRODUCTION}

    member_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    claims: Mapped[int] = mapped_column(BigInteger)
    last_service_day: Mapped[date]
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class MemberSeen(Base):
    """What the member's earlier claims billed: each procedure's last service day (parallel
    arrays sorted by key; `procedure_keys` are the codes' bytes as big-endian integers,
    workers.pipeline.risk_codes.code_key) and the billing providers (sorted)."""

    __tablename__ = "risk_member_seen"
    __table_args__ = {"schema": PRODUCTION}

    member_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    procedure_keys: Mapped[list] = mapped_column(ARRAY(BigInteger))
    service_days: Mapped[list] = mapped_column(ARRAY(Date))
    provider_ids: Mapped[list] = mapped_column(ARRAY(BigInteger))


class CodePatient(Base):
    """The patients of a procedure code's lines (earlier chunks): female and male lines, and
    the lines with a known age with their ages' sum and sum of squares (years)."""

    __tablename__ = "risk_code_patient"
    __table_args__ = {"schema": PRODUCTION}

    procedure_key: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    female_lines: Mapped[int] = mapped_column(BigInteger)
    male_lines: Mapped[int] = mapped_column(BigInteger)
    aged_lines: Mapped[int] = mapped_column(BigInteger)
    age_sum: Mapped[float] = mapped_column(Float)
    age_square_sum: Mapped[float] = mapped_column(Float)


class ClaimRiskReason(Base):
    """Why a claim was pended for risk: the features that drove its score, each with the claim's
    value and the typical value. Keyed by claim id (production.claim is partitioned)."""

    __tablename__ = "claim_risk_reason"
    __table_args__ = {"schema": PRODUCTION}

    claim_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    model_version: Mapped[str] = mapped_column(String(40))
    reasons: Mapped[list] = mapped_column(JSONB)
