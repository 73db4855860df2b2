"""Small factories for domain objects; each returns a flushed ORM object."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.orm import Session

from backend.auth.service import create_user
from backend.claims.models import AdjudicatedClaim, StagedClaim, StagedClaimLine
from backend.members.models import CoverageSpan, Member
from backend.plans.models import Plan
from backend.providers.models import ENTITY_ORGANIZATION, ENTITY_PERSON, Provider
from backend.providers.npi import npi_check_digit
from backend.reference.models import PricingLocality

_sequence = itertools.count(1)
PASSWORD = "correct horse battery"
TEST_LOCALITY = "99999-01"


def next_npi() -> str:
    first_nine = f"1{next(_sequence) + 10_000_000:08d}"
    return first_nine + str(npi_check_digit(first_nine))


def make_locality(session: Session) -> PricingLocality:
    locality = session.get(PricingLocality, TEST_LOCALITY)
    if locality is None:
        locality = PricingLocality(
            code=TEST_LOCALITY, mac="99999", locality_number="01", state="ZZ", name="Test area"
        )
        session.add(locality)
        session.flush()
    return locality


def make_plan(session: Session, **overrides) -> Plan:
    values = dict(
        code=f"PLAN{next(_sequence)}", name="Test PPO", plan_type="PPO",
        individual_deductible_cents=150_000, family_deductible_cents=300_000,
        individual_oop_max_cents=600_000, family_oop_max_cents=1_200_000, coinsurance_bp=2000,
        out_of_network_deductible_cents=300_000, out_of_network_oop_max_cents=1_200_000,
        out_of_network_coinsurance_bp=4000,
    )  # fmt: skip
    plan = Plan(**{**values, **overrides})
    session.add(plan)
    session.flush()
    return plan


def make_provider(session: Session, organization: Provider | None = None, **overrides) -> Provider:
    make_locality(session)
    if organization is None and overrides.get("entity_type", ENTITY_ORGANIZATION) == 2:
        values = dict(entity_type=ENTITY_ORGANIZATION, organization_name="Test Clinic")
    else:
        values = dict(entity_type=ENTITY_PERSON, first_name="Pat", last_name="Doctor")
    provider = Provider(
        npi=next_npi(), taxonomy_code="207Q00000X", pricing_locality_code=TEST_LOCALITY,
        organization_id=organization.id if organization else None, **{**values, **overrides},
    )  # fmt: skip
    session.add(provider)
    session.flush()
    return provider


def make_member(session: Session, subscriber: Member | None = None, **overrides) -> Member:
    values = dict(
        member_number=f"M{next(_sequence):09d}", first_name="Alex", last_name="Member",
        birth_date=date(1980, 5, 17), sex="F",
        relationship_code="18" if subscriber is None else "19",
        subscriber_id=subscriber.id if subscriber else None,
    )  # fmt: skip
    member = Member(**{**values, **overrides})
    session.add(member)
    session.flush()
    return member


def make_coverage(session: Session, member: Member, plan: Plan, **overrides) -> CoverageSpan:
    span = CoverageSpan(
        member_id=member.id, plan_id=plan.id, effective_date=date(2025, 1, 1), **overrides
    )
    session.add(span)
    session.flush()
    return span


def make_staged_claim(
    session: Session, member: Member, billing_provider: Provider, lines: int = 2, **overrides
) -> StagedClaim:
    values = dict(
        channel="api", claim_type="professional", patient_control_number=f"PCN{next(_sequence)}",
        subscriber_member_number=member.member_number, member_id=member.id,
        billing_provider_npi=billing_provider.npi, billing_provider_id=billing_provider.id,
        place_of_service="11", statement_from=date(2026, 3, 2), statement_to=date(2026, 3, 2),
        diagnosis_codes=["E119"], total_charge_cents=12_500 * lines,
    )  # fmt: skip
    values = {**values, **overrides}
    # the dates of service as intake sets them (Claim.service_span): here, the statement period
    values.setdefault("service_from", values["statement_from"])
    values.setdefault("service_to", values["statement_to"])
    claim = StagedClaim(**values)
    session.add(claim)
    session.flush()
    for number in range(1, lines + 1):
        session.add(
            StagedClaimLine(
                claim_id=claim.id,
                line_number=number,
                procedure_code="99213",
                service_from=claim.statement_from,
                service_to=claim.statement_to,
                units=Decimal("1"),
                charge_cents=12_500,
                diagnosis_pointers=[1],
            )  # fmt: skip
        )
    session.flush()
    return claim


def make_adjudicated(session: Session, staged: StagedClaim, **overrides) -> AdjudicatedClaim:
    values = dict(
        id=staged.id, service_month=staged.statement_from.replace(day=1),
        claim_type=staged.claim_type, channel=staged.channel,
        patient_control_number=staged.patient_control_number, frequency_code="1",
        member_id=staged.member_id, billing_provider_id=staged.billing_provider_id,
        network="in", service_from=staged.statement_from, service_to=staged.statement_to,
        diagnosis_codes=staged.diagnosis_codes, received_at=staged.received_at,
        adjudicated_at=staged.received_at, decision="paid",
        billed_cents=staged.total_charge_cents, allowed_cents=18_000, paid_cents=14_400,
        patient_responsibility_cents=3_600, coinsurance_cents=3_600,
        contractual_adjustment_cents=staged.total_charge_cents - 18_000,
    )  # fmt: skip
    # As the pipeline does: a row in the DEFAULT partition would block its month's partition.
    session.execute(
        text("SELECT production.ensure_service_month_partition(:month)"),
        {"month": values["service_month"]},
    )
    claim = AdjudicatedClaim(**{**values, **overrides})
    session.add(claim)
    staged.status = "processed"
    session.flush()
    return claim


def make_user(session: Session, role_name: str, **binding):
    username = f"{role_name}{next(_sequence)}"
    return create_user(session, username, PASSWORD, role_name, **binding)
