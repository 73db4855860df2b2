"""Claims for the edi tests, and the corpus location (never copied into the repository)."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from pathlib import Path

from backend.canonical.claim import Claim, ClaimLine
from backend.settings import PROJECT_ROOT
from edi.inbound import InboundReading
from edi.validation import pyx12_validator

CORPUS = Path(PROJECT_ROOT).parent / "shared" / "corpus" / "x12"


def professional_claim(number: int = 1, **overrides) -> Claim:
    lines = [
        ClaimLine(
            1,
            10000,
            Decimal("1"),
            procedure_code="99213",
            modifiers=["25"],
            service_from=date(2026, 3, 2),
            service_to=date(2026, 3, 2),
            diagnosis_pointers=[1, 2],
            line_control_number=f"L{number}-1",
        ),
        ClaimLine(
            2,
            5050,
            Decimal("2.5"),
            procedure_code="J1100",
            service_from=date(2026, 3, 2),
            service_to=date(2026, 3, 4),
            diagnosis_pointers=[1],
            ndc_code="00009004701",
            rendering_provider_npi="1234567891",
            place_of_service="22",
        ),
    ]
    values = dict(
        claim_type="professional",
        patient_control_number=f"PCN{number}",
        subscriber_member_number="M000000001",
        billing_provider_npi="1234567893",
        total_charge_cents=15050,
        diagnosis_codes=["E119", "I10"],
        lines=lines,
        patient_member_number="M000000001",
        patient_first_name="ANN",
        patient_last_name="LEE",
        patient_birth_date=date(1980, 1, 2),
        patient_sex="F",
        billing_provider_tax_id="123456789",
        rendering_provider_npi="1999999992",
        referring_provider_npi="1588667638",
        service_facility_npi="1497758544",
        place_of_service="11",
        prior_authorization="PA1",
    )
    return Claim(**{**values, **overrides})


def institutional_claim(number: int = 1, **overrides) -> Claim:
    lines = [
        ClaimLine(
            1,
            20000,
            Decimal("3"),
            unit_basis="DA",
            revenue_code="0120",
            service_from=date(2026, 3, 2),
            service_to=date(2026, 3, 4),
        ),
        ClaimLine(
            2,
            4500,
            Decimal("1"),
            revenue_code="0305",
            procedure_code="85025",
            service_from=date(2026, 3, 3),
            service_to=date(2026, 3, 3),
        ),
    ]
    values = dict(
        claim_type="institutional",
        patient_control_number=f"I{number}",
        subscriber_member_number="M000000002",
        billing_provider_npi="1234567893",
        total_charge_cents=24500,
        diagnosis_codes=["J189", "E119"],
        lines=lines,
        relationship_code="19",
        patient_first_name="KID",
        patient_last_name="LEE",
        patient_birth_date=date(2015, 1, 2),
        patient_sex="M",
        billing_provider_tax_id="123456789",
        attending_provider_npi="1999999992",
        operating_provider_npi="1588667638",
        bill_type="0111",
        admission_date=date(2026, 3, 2),
        admission_type_code="1",
        discharge_status="01",
        statement_from=date(2026, 3, 2),
        statement_to=date(2026, 3, 4),
        frequency_code="1",
    )
    return Claim(**{**values, **overrides})


def read(data: bytes | str, validator=pyx12_validator):
    """(reading, [SetResult]) for an interchange's bytes."""
    raw = data.encode("latin-1") if isinstance(data, str) else data
    reading = InboundReading(io.BytesIO(raw), validator)
    return reading, list(reading.transaction_sets())


def claims_of(results) -> list[Claim]:
    return [parsed.claim for result in results for parsed in result.claims]


def comparable(verdict) -> tuple:
    """A SetVerdict's status, IK5 codes and findings, the IK3 codes pyx12 files on one segment
    node in a fixed order (pyx12 writes those in hash-seeded set order)."""

    def first_of(finding):
        return next(
            i
            for i, s in enumerate(verdict.segments)
            if (s.segment_id, s.position) == (finding.segment_id, finding.position)
        )

    segments = sorted(verdict.segments, key=lambda s: (first_of(s), s.code))
    return verdict.status, verdict.syntax_codes, segments
