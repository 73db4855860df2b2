"""Claims: the canonical claim as received (schema `staging`) and as adjudicated (schema
`production`, partitioned by service month). docs/claim-model.md maps every staging field to
its 837P/837I location and FHIR R4 Claim path.

Money is integer cents everywhere. Staging keeps what the submitter sent (member number, NPIs)
plus the ids we could resolve at intake (member_id, billing_provider_id) for scoping; the pipeline
re-validates everything.
"""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.db import Base
from backend.reference.models import code_column

CHANNELS = ("portal", "api", "edi", "fhir")
CLAIM_TYPES = ("professional", "institutional")
STAGING_STATUSES = ("pending", "processing", "processed", "rejected")
DECISIONS = ("paid", "denied", "pended")

STAGING = "staging"
PRODUCTION = "production"


def cents():
    return mapped_column(BigInteger, default=0)


class StagedClaim(Base):
    """A claim header as received through any channel, waiting for or done with processing."""

    __tablename__ = "claim"
    __table_args__ = (
        CheckConstraint(f"channel IN {CHANNELS}", name="channel"),
        CheckConstraint(f"claim_type IN {CLAIM_TYPES}", name="claim_type"),
        CheckConstraint(f"status IN {STAGING_STATUSES}", name="status"),
        # No index on status, not even a partial one (its predicate reads status): status
        # updates stay HOT (fillfactor below) during processing. Migration 0003 dropped
        # ix_staging_claim_pending for that reason.
        Index("ix_staging_claim_batch", "batch_id"),
        Index("ix_staging_claim_billing_provider", "billing_provider_id", "received_at"),
        Index("ix_staging_claim_member", "member_id"),
        # The claims of one received file (277CA, file status): a scan of all staging without it.
        Index(
            "ix_staging_claim_source_file",
            "source_file_id",
            postgresql_where=text("source_file_id IS NOT NULL"),
        ),
        # The claims list, newest first, without sorting every claim (migration 0012).
        Index("ix_staging_claim_received", "received_at", "id"),
        {"schema": STAGING, "postgresql_with": {"fillfactor": 50}},  # migration 0009
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    status: Mapped[str] = code_column(12, default="pending")
    batch_id: Mapped[int | None] = mapped_column(BigInteger)
    priority: Mapped[int] = mapped_column(SmallInteger, default=0)
    channel: Mapped[str] = code_column(6)
    source_file_id: Mapped[int | None] = mapped_column(BigInteger)
    source_control_number: Mapped[str | None] = code_column(30)
    source_position: Mapped[int | None] = mapped_column(Integer)
    source_request_id: Mapped[str | None] = code_column(64)
    received_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

    claim_type: Mapped[str] = code_column(13)
    patient_control_number: Mapped[str] = code_column(38)
    frequency_code: Mapped[str] = code_column(1, default="1")
    original_claim_id: Mapped[str | None] = code_column(50)
    prior_authorization: Mapped[str | None] = code_column(50)

    subscriber_member_number: Mapped[str] = code_column(80)
    patient_member_number: Mapped[str | None] = code_column(80)
    relationship_code: Mapped[str] = code_column(2, default="18")
    patient_first_name: Mapped[str | None] = mapped_column(String(60))
    patient_last_name: Mapped[str | None] = mapped_column(String(60))
    patient_birth_date: Mapped[date | None]
    patient_sex: Mapped[str | None] = code_column(1)
    member_id: Mapped[int | None] = mapped_column(BigInteger)  # the member adjudicated
    # Why no member was found (backend/intake/parties.py: 0 unknown number, -1 not of the
    # subscriber's family, -2 ambiguous); NULL when member_id is set.
    patient_match: Mapped[int | None] = mapped_column(SmallInteger)

    billing_provider_npi: Mapped[str] = code_column(10)
    billing_provider_tax_id: Mapped[str | None] = code_column(9)
    billing_provider_id: Mapped[int | None] = mapped_column(BigInteger)
    rendering_provider_npi: Mapped[str | None] = code_column(10)
    referring_provider_npi: Mapped[str | None] = code_column(10)
    attending_provider_npi: Mapped[str | None] = code_column(10)
    operating_provider_npi: Mapped[str | None] = code_column(10)
    service_facility_npi: Mapped[str | None] = code_column(10)

    place_of_service: Mapped[str | None] = code_column(2)
    bill_type: Mapped[str | None] = code_column(4)
    admission_date: Mapped[date | None]
    admission_type_code: Mapped[str | None] = code_column(1)
    discharge_status: Mapped[str | None] = code_column(2)
    statement_from: Mapped[date | None]
    statement_to: Mapped[date | None]
    # Dates of service (migration 0018), set at intake: the statement period, else the first and
    # last line dates (Claim.service_span). The claims list shows and filters them.
    service_from: Mapped[date | None]
    service_to: Mapped[date | None]
    diagnosis_codes: Mapped[list[str]] = mapped_column(ARRAY(String(7, collation="C")))
    total_charge_cents: Mapped[int] = mapped_column(BigInteger)
    # A secondary claim (coordination of benefits, migration 0016): what the prior payer(s)
    # paid (837 2320 AMT*D, FHIR Claim.insurance, REST) and their claim-level adjustments as
    # [{"group", "carc", "amount_cents"}]; NULL when we are the primary payer.
    other_payer_paid_cents: Mapped[int | None] = mapped_column(BigInteger)
    other_payer_adjustments: Mapped[list | None] = mapped_column(JSONB)

    lines: Mapped[list["StagedClaimLine"]] = relationship(
        back_populates="claim", order_by="StagedClaimLine.line_number"
    )


class StagedClaimLine(Base):
    """A service line as received (837 loop 2400, FHIR Claim.item)."""

    __tablename__ = "claim_line"
    __table_args__ = {"schema": STAGING}

    claim_id: Mapped[int] = mapped_column(
        ForeignKey(f"{STAGING}.claim.id", ondelete="CASCADE"), primary_key=True
    )
    line_number: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    line_control_number: Mapped[str | None] = code_column(50)  # echoed in the 835 (REF*6R)
    procedure_code: Mapped[str | None] = code_column(5)
    modifier_1: Mapped[str | None] = code_column(2)
    modifier_2: Mapped[str | None] = code_column(2)
    modifier_3: Mapped[str | None] = code_column(2)
    modifier_4: Mapped[str | None] = code_column(2)
    revenue_code: Mapped[str | None] = code_column(4)
    service_from: Mapped[date | None]
    service_to: Mapped[date | None]
    units: Mapped[Decimal] = mapped_column(Numeric(10, 3))
    unit_basis: Mapped[str] = code_column(2, default="UN")  # UN units, MJ minutes, DA days
    charge_cents: Mapped[int] = mapped_column(BigInteger)
    place_of_service: Mapped[str | None] = code_column(2)
    diagnosis_pointers: Mapped[list[int]] = mapped_column(ARRAY(SmallInteger), default=list)
    rendering_provider_npi: Mapped[str | None] = code_column(10)
    ndc_code: Mapped[str | None] = code_column(11)
    # What the prior payer paid on this line, its adjustments and when (837 2430 SVD02, CAS,
    # DTP*573); NULL when not sent. Pricing uses the claim's amount (docs/pipeline.md, COB).
    other_payer_paid_cents: Mapped[int | None] = mapped_column(BigInteger)
    other_payer_adjustments: Mapped[list | None] = mapped_column(JSONB)
    other_payer_paid_date: Mapped[date | None]

    claim: Mapped[StagedClaim] = relationship(back_populates="lines")


class AdjudicatedAmounts:
    """The money of a decision, in cents: billed = allowed + contractual adjustment + non-covered;
    allowed = paid + patient responsibility; patient responsibility = deductible + coinsurance +
    copay."""

    billed_cents: Mapped[int] = cents()
    allowed_cents: Mapped[int] = cents()
    paid_cents: Mapped[int] = cents()
    patient_responsibility_cents: Mapped[int] = cents()
    deductible_cents: Mapped[int] = cents()
    coinsurance_cents: Mapped[int] = cents()
    copay_cents: Mapped[int] = cents()
    contractual_adjustment_cents: Mapped[int] = cents()
    noncovered_cents: Mapped[int] = cents()
    # A secondary claim: the prior payer's share of allowed (OA-23), so that allowed = paid +
    # patient responsibility + prior payer; NULL when we are the primary payer (migration 0016).
    prior_payer_cents: Mapped[int | None] = mapped_column(BigInteger)


class AdjudicatedClaim(AdjudicatedAmounts, Base):
    """The decision on a claim; its id is the staging claim's id. Partitioned by service month."""

    __tablename__ = "claim"
    __table_args__ = (
        CheckConstraint(f"decision IN {DECISIONS}", name="decision"),
        Index("ix_production_claim_member", "member_id", "service_from"),
        Index("ix_production_claim_billing_provider", "billing_provider_id", "service_from"),
        Index(
            "ix_production_claim_pended", "adjudicated_at", postgresql_where="decision = 'pended'"
        ),
        # The claims list filtered by decision, newest first, and its total, from the index
        # alone with the other filters production answers (migration 0012).
        Index(
            "ix_production_claim_decision",
            "decision",
            "received_at",
            "id",
            postgresql_include=["claim_type", "channel"],
        ),
        {"schema": PRODUCTION, "postgresql_partition_by": "RANGE (service_month)"},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    service_month: Mapped[date] = mapped_column(primary_key=True)
    claim_type: Mapped[str] = code_column(13)
    channel: Mapped[str] = code_column(6)
    patient_control_number: Mapped[str] = code_column(38)
    frequency_code: Mapped[str] = code_column(1)
    batch_id: Mapped[int | None] = mapped_column(BigInteger)
    member_id: Mapped[int] = mapped_column(BigInteger)
    plan_id: Mapped[int | None] = mapped_column(Integer)
    coverage_span_id: Mapped[int | None] = mapped_column(BigInteger)
    billing_provider_id: Mapped[int] = mapped_column(BigInteger)
    rendering_provider_id: Mapped[int | None] = mapped_column(BigInteger)
    network: Mapped[str] = code_column(3)
    service_from: Mapped[date]
    service_to: Mapped[date]
    place_of_service: Mapped[str | None] = code_column(2)
    bill_type: Mapped[str | None] = code_column(4)
    diagnosis_codes: Mapped[list[str]] = mapped_column(ARRAY(String(7, collation="C")))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    adjudicated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decision: Mapped[str] = code_column(8)
    pend_reason: Mapped[str | None] = mapped_column(String(200))
    risk_score: Mapped[float | None] = mapped_column(Float)
    risk_model_version: Mapped[str | None] = mapped_column(String(40))
    risk_scoring_failed: Mapped[bool] = mapped_column(Boolean, default=False)
    risk_arm: Mapped[str | None] = mapped_column(String(1))  # A/B arm (A: champion)
    risk_shadow_score: Mapped[float | None] = mapped_column(Float)  # a shadow model's, never pends
    risk_shadow_version: Mapped[str | None] = mapped_column(String(40))
    reviewed_by_id: Mapped[int | None] = mapped_column(Integer)
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    other_payer_paid_cents: Mapped[int | None] = mapped_column(BigInteger)  # as the claim said


class AdjudicatedClaimLine(AdjudicatedAmounts, Base):
    """A line's pricing and cost share, with the trace that explains every cent.

    No foreign key to production.claim: both are written by the same transaction of the
    transfer stage, and the key check would cost an index probe per line on the hot path.
    """

    __tablename__ = "claim_line"
    __table_args__ = (
        CheckConstraint(f"decision IN {DECISIONS}", name="decision"),
        {"schema": PRODUCTION, "postgresql_partition_by": "RANGE (service_month)"},
    )

    claim_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    line_number: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    service_month: Mapped[date] = mapped_column(primary_key=True)
    procedure_code: Mapped[str | None] = code_column(5)
    modifier_1: Mapped[str | None] = code_column(2)
    modifier_2: Mapped[str | None] = code_column(2)
    modifier_3: Mapped[str | None] = code_column(2)
    modifier_4: Mapped[str | None] = code_column(2)
    revenue_code: Mapped[str | None] = code_column(4)
    service_from: Mapped[date]
    service_to: Mapped[date]
    units: Mapped[Decimal] = mapped_column(Numeric(10, 3))
    place_of_service: Mapped[str | None] = code_column(2)
    decision: Mapped[str] = code_column(8)
    work_rvu: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    pe_rvu: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    mp_rvu: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    work_gpci: Mapped[Decimal | None] = mapped_column(Numeric(5, 3))
    pe_gpci: Mapped[Decimal | None] = mapped_column(Numeric(5, 3))
    mp_gpci: Mapped[Decimal | None] = mapped_column(Numeric(5, 3))
    conversion_factor: Mapped[Decimal | None] = mapped_column(Numeric(8, 4))
    # The CARC of a denied line (group CO), NULL otherwise. With the amount columns it gives
    # the line's adjustments (`adjustments`); lines written before revision 0007 have it NULL
    # and keep their adjustments as jsonb in `stored_adjustments`.
    denial_carc: Mapped[str | None] = code_column(3)
    stored_adjustments: Mapped[list | None] = mapped_column("adjustments", JSONB)
    rarc_codes: Mapped[list[str]] = mapped_column(ARRAY(String(6)), default=list)
    # How the fee was set and where the cost share started from, as typed columns (parsing a
    # jsonb trace per line was a third of the cost of writing lines); `pricing_trace` shows
    # them as the JSON object the API returns. Lines written before revision 0005 have these
    # NULL and keep their trace in `stored_pricing_trace`.
    pricing_method: Mapped[str | None] = code_column(20)
    fee_cents: Mapped[int | None] = mapped_column(BigInteger)
    facility_pe: Mapped[bool | None] = mapped_column(Boolean)
    modifier_factor_bp: Mapped[int | None] = mapped_column(Integer)
    percent_of_charges_bp: Mapped[int | None] = mapped_column(Integer)
    allowed_from: Mapped[str | None] = code_column(6)
    network: Mapped[str | None] = code_column(3)
    service_category: Mapped[str | None] = code_column(20)
    deductible_met_before_cents: Mapped[int | None] = mapped_column(BigInteger)
    oop_met_before_cents: Mapped[int | None] = mapped_column(BigInteger)
    coinsurance_bp: Mapped[int | None] = mapped_column(Integer)
    stored_pricing_trace: Mapped[dict | None] = mapped_column("pricing_trace", JSONB)
    # A secondary claim's line moved the accumulators by its cost share as if we were primary
    # (docs/pipeline.md, COB): these credits, not its own deductible and patient responsibility.
    # NULL on a primary claim's lines (they moved them by their own).
    deductible_credit_cents: Mapped[int | None] = mapped_column(BigInteger)
    oop_credit_cents: Mapped[int | None] = mapped_column(BigInteger)

    @property
    def adjustments(self) -> list[dict]:
        """[{"group": "CO", "carc": "45", "amount_cents": 1234}, ...] in 835 CAS order."""
        columns = {name: getattr(self, name) for name in ADJUSTMENT_COLUMNS}
        return line_adjustments({**columns, "adjustments": self.stored_adjustments})

    @property
    def pricing_trace(self) -> dict:
        """method, fee_cents, facility_pe, modifier_factor_bp, percent_of_charges_bp,
        allowed_from, network, service_category, deductible_met_before_cents,
        oop_met_before_cents, coinsurance_bp (those that apply to the line)."""
        if self.pricing_method is None:
            return self.stored_pricing_trace or {}
        columns = (*TRACE_COLUMNS, *COORDINATION_COLUMNS)
        return line_pricing_trace({name: getattr(self, name) for name in columns})


TRACE_COLUMNS = (
    "pricing_method", "fee_cents", "facility_pe", "modifier_factor_bp", "percent_of_charges_bp",
    "allowed_from", "network", "service_category", "deductible_met_before_cents",
    "oop_met_before_cents", "coinsurance_bp",
)  # fmt: skip


# A secondary claim's line (workers/pipeline/cob.py): the trace adds how COB set its payment.
COORDINATION_COLUMNS = (
    "allowed_cents", "paid_cents", "prior_payer_cents", "deductible_credit_cents",
    "oop_credit_cents",
)  # fmt: skip
ADJUSTMENT_COLUMNS = (
    "decision", "denial_carc", "noncovered_cents", "contractual_adjustment_cents",
    "deductible_cents", "coinsurance_cents", "copay_cents", "prior_payer_cents",
)  # fmt: skip
# What is not paid of a line that is not denied, in 835 CAS order (OA-23: the impact of the
# prior payer's adjudication, on a secondary claim).
COST_ADJUSTMENTS = (
    ("CO", "45", "contractual_adjustment_cents"),
    ("OA", "23", "prior_payer_cents"),
    ("PR", "1", "deductible_cents"),
    ("PR", "2", "coinsurance_cents"),
    ("PR", "3", "copay_cents"),
)


def line_adjustments(row) -> list[dict]:
    """The adjustments of a production line row (a mapping of ADJUSTMENT_COLUMNS and the jsonb
    column `adjustments`): a denied line's charge under CO-<its CARC>; otherwise contractual
    (CO-45), deductible (PR-1), coinsurance (PR-2) and copay (PR-3), those that are not zero."""
    stored = row.get("adjustments")
    if row["denial_carc"] is None and stored is not None:
        return stored  # written before revision 0007
    if row["denial_carc"] is not None:
        return [
            {"group": "CO", "carc": row["denial_carc"], "amount_cents": row["noncovered_cents"]}
        ]
    return [
        {"group": group, "carc": carc, "amount_cents": row.get(column)}
        for group, carc, column in COST_ADJUSTMENTS
        if row.get(column)
    ]


def line_pricing_trace(row) -> dict:
    """The pricing trace of a production line row (a mapping of its columns), as JSON: the
    typed trace columns that apply (not NULL), `pricing_method` as "method"."""
    if row["pricing_method"] is None:
        return row.get("pricing_trace") or {}
    trace = {name: row[name] for name in TRACE_COLUMNS if row[name] is not None}
    trace["method"] = trace.pop("pricing_method")
    if row.get("prior_payer_cents") is not None:
        trace["coordination_of_benefits"] = coordination_trace(row)
    return trace


def coordination_trace(row) -> dict:
    """How a secondary claim's line was paid: our normal benefit (what we pay as primary), the
    prior payer's share (OA-23), our payment, and the accumulator credits (as if primary)."""
    return {
        "method": "lesser_of",  # docs/pipeline.md, "Secondary claims"
        "normal_benefit_cents": row["allowed_cents"] - row["oop_credit_cents"],
        "prior_payer_cents": row["prior_payer_cents"],
        "paid_cents": row["paid_cents"],
        "deductible_credit_cents": row["deductible_credit_cents"],
        "oop_credit_cents": row["oop_credit_cents"],
    }


class FailedClaim(Base):
    """A claim rejected by validation: not adjudicated; its reasons are in FailedClaimReason."""

    __tablename__ = "failed_claim"
    __table_args__ = {"schema": PRODUCTION}

    claim_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    batch_id: Mapped[int | None] = mapped_column(BigInteger)
    failed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    reasons: Mapped[list["FailedClaimReason"]] = relationship(
        back_populates="failed_claim", order_by="FailedClaimReason.id"
    )


class FailedClaimReason(Base):
    """One edit a failed claim broke; line_number is null for a header-level edit."""

    __tablename__ = "failed_claim_reason"
    __table_args__ = {"schema": PRODUCTION}

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    claim_id: Mapped[int] = mapped_column(
        ForeignKey(f"{PRODUCTION}.failed_claim.claim_id", ondelete="CASCADE"), index=True
    )
    line_number: Mapped[int | None] = mapped_column(SmallInteger)
    edit_code: Mapped[str] = code_column(12)
    field: Mapped[str | None] = mapped_column(String(60))
    message: Mapped[str] = mapped_column(Text)

    failed_claim: Mapped[FailedClaim] = relationship(back_populates="reasons")


class ClaimReversal(Base):
    """An adjudicated claim taken back by a replacement (frequency 7) or a void (8) that named it
    by its claim control number (its id). The amounts are the original's, negated, so the sum of
    production.claim and production.claim_reversal is what stands (the accumulator replay, the
    payment totals). One reversal per original: a second replacement of it is refused (V071).

    A remittance carries a reversal once, as CLP02 22 (edi/remittance.py): those not yet remitted
    have remitted_document_id NULL; the 835 that carries one sets it (docs/claim-model.md)."""

    __tablename__ = "claim_reversal"
    __table_args__ = (
        Index(
            "ix_claim_reversal_unremitted",
            "billing_provider_id",
            postgresql_where=text("remitted_document_id IS NULL"),
        ),
        Index("ix_claim_reversal_replacement", "replacement_claim_id"),
        Index("ix_claim_reversal_batch", "batch_id"),
        {"schema": PRODUCTION},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    original_claim_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    original_service_month: Mapped[date]
    replacement_claim_id: Mapped[int] = mapped_column(BigInteger)  # the 7 or 8 claim's id
    frequency_code: Mapped[str] = code_column(1)  # 7 replacement, 8 void
    batch_id: Mapped[int | None] = mapped_column(BigInteger)  # the replacement's batch
    billing_provider_id: Mapped[int] = mapped_column(BigInteger)  # the payee
    member_id: Mapped[int] = mapped_column(BigInteger)
    patient_control_number: Mapped[str] = code_column(38)
    billed_cents: Mapped[int] = mapped_column(BigInteger)  # each amount: minus the original's
    allowed_cents: Mapped[int] = mapped_column(BigInteger)
    paid_cents: Mapped[int] = mapped_column(BigInteger)
    patient_responsibility_cents: Mapped[int] = mapped_column(BigInteger)
    deductible_cents: Mapped[int] = mapped_column(BigInteger)
    coinsurance_cents: Mapped[int] = mapped_column(BigInteger)
    copay_cents: Mapped[int] = mapped_column(BigInteger)
    contractual_adjustment_cents: Mapped[int] = mapped_column(BigInteger)
    noncovered_cents: Mapped[int] = mapped_column(BigInteger)
    prior_payer_cents: Mapped[int | None] = mapped_column(BigInteger)
    reversed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    remitted_document_id: Mapped[int | None] = mapped_column(BigInteger)  # edi_document (835)
