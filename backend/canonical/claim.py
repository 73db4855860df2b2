"""Canonical claim records: what every intake channel produces and what staging stores.

Field names are the columns of staging.claim / staging.claim_line (docs/claim-model.md maps each
to its 837P, 837I and FHIR location). Money is integer cents; units are Decimal, as sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass
class ClaimLine:
    line_number: int
    charge_cents: int
    units: Decimal
    unit_basis: str = "UN"
    procedure_code: str | None = None
    modifiers: list[str] = field(default_factory=list)  # up to 4, in order
    revenue_code: str | None = None
    service_from: date | None = None
    service_to: date | None = None
    place_of_service: str | None = None
    diagnosis_pointers: list[int] = field(default_factory=list)  # 1-based into diagnosis_codes
    rendering_provider_npi: str | None = None
    line_control_number: str | None = None
    ndc_code: str | None = None
    # Coordination of benefits: what the prior payer paid on this line, its adjustments
    # ({"group", "carc", "amount_cents"}) and when (837 2430); None when not sent.
    other_payer_paid_cents: int | None = None
    other_payer_adjustments: list[dict] | None = None
    other_payer_paid_date: date | None = None


@dataclass
class Claim:
    claim_type: str  # "professional" | "institutional"
    patient_control_number: str
    subscriber_member_number: str
    billing_provider_npi: str
    total_charge_cents: int
    diagnosis_codes: list[str]  # ICD-10-CM without the dot, principal first
    lines: list[ClaimLine]
    frequency_code: str = "1"
    original_claim_id: str | None = None
    prior_authorization: str | None = None
    patient_member_number: str | None = None
    relationship_code: str = "18"
    patient_first_name: str | None = None
    patient_last_name: str | None = None
    patient_birth_date: date | None = None
    patient_sex: str | None = None
    billing_provider_tax_id: str | None = None
    rendering_provider_npi: str | None = None
    referring_provider_npi: str | None = None
    attending_provider_npi: str | None = None
    operating_provider_npi: str | None = None
    service_facility_npi: str | None = None
    place_of_service: str | None = None
    bill_type: str | None = None
    admission_date: date | None = None
    admission_type_code: str | None = None
    discharge_status: str | None = None
    statement_from: date | None = None
    statement_to: date | None = None
    # Coordination of benefits: set when another payer adjudicated the claim first (we are
    # secondary): what it paid in all, and its claim-level adjustments. None: we are primary.
    other_payer_paid_cents: int | None = None
    other_payer_adjustments: list[dict] | None = None

    def service_span(self) -> tuple[date | None, date | None]:
        """The statement period, or for a professional claim the span of its line dates."""
        if self.statement_from and self.statement_to:
            return self.statement_from, self.statement_to
        starts = [line.service_from for line in self.lines if line.service_from]
        ends = [line.service_to or line.service_from for line in self.lines if line.service_from]
        return (min(starts) if starts else None, max(ends) if ends else None)
