"""Canonical claims that use every field, for mapping and round-trip tests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from backend.canonical.claim import Claim, ClaimLine


def professional_claim(**overrides) -> Claim:
    lines = [
        ClaimLine(
            line_number=1, charge_cents=12_500, units=Decimal("1"), procedure_code="99213",
            modifiers=["25"], service_from=date(2026, 3, 2), service_to=date(2026, 3, 2),
            diagnosis_pointers=[1, 2], line_control_number="LCN-1",
        ),
        ClaimLine(
            line_number=2, charge_cents=4_321, units=Decimal("2.5"), unit_basis="MJ",
            procedure_code="J1100", modifiers=["59", "XU", "76", "77"],
            service_from=date(2026, 3, 2), service_to=date(2026, 3, 4), place_of_service="22",
            diagnosis_pointers=[2], rendering_provider_npi="1234567893", ndc_code="00409488801",
        ),
    ]  # fmt: skip
    values = dict(
        claim_type="professional", patient_control_number="PCN-0001",
        subscriber_member_number="M000000001", billing_provider_npi="1999999984",
        total_charge_cents=16_821, diagnosis_codes=["E119", "I10"], lines=lines,
        frequency_code="7", original_claim_id="9001", prior_authorization="PA-77",
        patient_member_number="M000000002", relationship_code="19", patient_first_name="Kid",
        patient_last_name="Family", patient_birth_date=date(2018, 1, 31), patient_sex="M",
        billing_provider_tax_id="123456789", rendering_provider_npi="1111111112",
        referring_provider_npi="1222222220", service_facility_npi="1333333338",
        place_of_service="11", admission_date=date(2026, 3, 1),
    )  # fmt: skip
    return Claim(**{**values, **overrides})


def institutional_claim(**overrides) -> Claim:
    lines = [
        ClaimLine(
            line_number=1, charge_cents=250_000, units=Decimal("3"), unit_basis="DA",
            revenue_code="0120", service_from=date(2026, 2, 1), service_to=date(2026, 2, 3),
        ),
        ClaimLine(
            line_number=2, charge_cents=7_550, units=Decimal("1"), revenue_code="0300",
            procedure_code="80053", service_from=date(2026, 2, 1), service_to=date(2026, 2, 1),
        ),
        ClaimLine(line_number=3, charge_cents=1, units=Decimal("0.125"), unit_basis="UN",
                  revenue_code="0250"),
    ]  # fmt: skip
    values = dict(
        claim_type="institutional", patient_control_number="HOSP-42",
        subscriber_member_number="M000000003", billing_provider_npi="1999999984",
        total_charge_cents=257_551, diagnosis_codes=["S0600XA", "R51"], lines=lines,
        frequency_code="1", relationship_code="18", patient_member_number="M000000003",
        patient_first_name="Sam", patient_last_name="Self", patient_birth_date=date(1970, 7, 4),
        patient_sex="F", billing_provider_tax_id="987654321",
        attending_provider_npi="1444444446", operating_provider_npi="1555555553",
        bill_type="0111", admission_date=date(2026, 2, 1), admission_type_code="1",
        discharge_status="01", statement_from=date(2026, 2, 1), statement_to=date(2026, 2, 3),
    )  # fmt: skip
    return Claim(**{**values, **overrides})
