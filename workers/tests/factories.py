"""Small database factories for pipeline tests: a reference data set of a few codes, a plan
with copays, providers in network, members with coverage, staged claims."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.orm import Session

from backend.claims.models import StagedClaim, StagedClaimLine
from backend.members.models import CoverageSpan
from backend.plans.models import PlanCopay
from backend.providers.models import ProviderNetwork
from backend.tests import factories as f

REFERENCE_SQL = """
INSERT INTO pricing_locality (code, mac, locality_number, state, name, counties)
VALUES ('99999-01', '99999', '01', 'ZZ', 'Test area', '') ON CONFLICT DO NOTHING;
INSERT INTO gpci (locality_code, effective_from, effective_to, work_gpci, pe_gpci, mp_gpci)
VALUES ('99999-01', '2025-01-01', NULL, 1.000, 1.100, 0.500);
INSERT INTO conversion_factor (effective_from, effective_to, amount)
VALUES ('2025-01-01', '2025-12-31', 32.3465), ('2026-01-01', NULL, 33.4009);
INSERT INTO fee_schedule_rvu (hcpcs_code, modifier, effective_from, effective_to, description,
    status_code, work_rvu, nonfacility_pe_rvu, facility_pe_rvu, mp_rvu, pctc_indicator,
    global_days, multiple_procedure_indicator, bilateral_indicator, assistant_surgery_indicator,
    co_surgery_indicator, team_surgery_indicator)
VALUES ('99213', '', '2025-01-01', NULL, 'Office visit', 'A', 1.30, 1.31, 0.55, 0.10,
        '0', 'XXX', '0', '0', '0', '0', '0'),
       ('20610', '', '2025-01-01', NULL, 'Joint injection', 'A', 0.79, 1.03, 0.39, 0.09,
        '0', '000', '2', '1', '0', '0', '0'),
       ('36415', '', '2025-01-01', NULL, 'Venipuncture', 'X', 0, 0, 0, 0,
        '0', 'XXX', '0', '0', '0', '0', '0');
INSERT INTO icd10cm_code (code, description, is_billable, chapter)
VALUES ('E119', 'Type 2 diabetes', true, '04'), ('I10', 'Hypertension', true, '09');
INSERT INTO place_of_service (code, name, is_facility) VALUES ('11', 'Office', false),
       ('22', 'Outpatient hospital', true);
INSERT INTO modifier (code, description, pricing_rule) VALUES ('50', 'Bilateral', 'bilateral'),
       ('51', 'Multiple', 'multiple_procedure'), ('25', 'E/M', 'none');
"""


def make_reference(connection) -> None:
    """The test reference data (replacing any in the test's transaction)."""
    for table in (
        "fee_schedule_rvu",
        "gpci",
        "conversion_factor",
        "icd10cm_code",
        "place_of_service",
        "modifier",
    ):
        connection.execute(text(f"DELETE FROM {table}"))
    connection.exec_driver_sql(REFERENCE_SQL)


def make_covered_member(session: Session, plan, provider, **overrides):
    member = f.make_member(session, **overrides)
    session.add(CoverageSpan(member_id=member.id, plan_id=plan.id, effective_date=date(2025, 1, 1)))
    session.flush()
    return member


def make_network(session: Session, plan, provider) -> None:
    session.add(
        ProviderNetwork(provider_id=provider.id, plan_id=plan.id, effective_date=date(2025, 1, 1))
    )
    session.flush()


def make_plan(session: Session, **overrides):
    plan = f.make_plan(session, **overrides)
    session.add(
        PlanCopay(
            plan_id=plan.id,
            service_category="office_visit",
            copay_cents=4_000,
            applies_before_deductible=True,
        )
    )
    session.flush()
    return plan


def make_claim(
    session: Session,
    member,
    provider,
    lines=(("99213", 15_000, ()),),
    day=date(2026, 2, 2),
    **overrides,
) -> StagedClaim:
    """A pending professional claim; lines are (procedure, charge cents, modifiers)."""
    values = dict(
        channel="api",
        claim_type="professional",
        patient_control_number=f"PCN{f.next_npi()}",
        subscriber_member_number=member.member_number,
        member_id=member.id,
        billing_provider_npi=provider.npi,
        billing_provider_id=provider.id,
        place_of_service="11",
        statement_from=day,
        statement_to=day,
        diagnosis_codes=["E119"],
        total_charge_cents=sum(line[1] for line in lines),
    )
    claim = StagedClaim(**{**values, **overrides})
    session.add(claim)
    session.flush()
    for number, (code, charge, modifiers) in enumerate(lines, start=1):
        padded = (list(modifiers) + [None] * 4)[:4]
        session.add(
            StagedClaimLine(
                claim_id=claim.id,
                line_number=number,
                procedure_code=code,
                service_from=day,
                service_to=day,
                units=Decimal(1),
                charge_cents=charge,
                diagnosis_pointers=[1],
                modifier_1=padded[0],
                modifier_2=padded[1],
                modifier_3=padded[2],
                modifier_4=padded[3],
            )
        )
    session.flush()
    return claim
