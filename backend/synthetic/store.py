"""Writing a population to the database (plans, copays, providers, network, members, coverage
spans) by COPY, or finding it there when an earlier run stored it; either way fills the ids."""

from __future__ import annotations

import numpy as np
from sqlalchemy import insert, select

from backend.plans.models import Plan, PlanCopay
from backend.providers.models import ENTITY_ORGANIZATION, ENTITY_PERSON
from backend.synthetic import records as r
from backend.synthetic.bulk import copy_into, reserve_ids
from backend.synthetic.dates import NEVER
from backend.synthetic.population import Population
from backend.synthetic.reference import Reference


class PopulationConflict(RuntimeError):
    """Part of a population is in the database, or its tag is taken by another one."""


def store_or_attach(connection, population: Population, reference: Reference) -> bool:
    """Store the population, or attach to the stored one; True when it was stored now."""
    codes = [plan.code for plan in population.plans]
    stored = dict(connection.execute(select(Plan.code, Plan.id).where(Plan.code.in_(codes))).all())
    if len(stored) == len(codes):
        _attach(connection, population, stored)
        return False
    if stored:
        raise PopulationConflict(f"plans {sorted(stored)} exist but not all of {codes}")
    _store(connection, population, reference)
    return True


def _store(connection, population: Population, reference: Reference) -> None:
    for plan in population.plans:
        plan.id = connection.execute(insert(Plan).values(plan.row()).returning(Plan.id)).scalar()
        copays = [
            dict(plan_id=plan.id, service_category=category, copay_cents=cents,
                 applies_before_deductible=before)
            for category, (cents, before) in plan.copays.items()
        ]  # fmt: skip
        connection.execute(insert(PlanCopay), copays)
    _store_providers(connection, population, reference)
    _store_network(connection, population)
    _store_members(connection, population)


def _store_providers(connection, population: Population, reference: Reference) -> None:
    providers = population.providers
    providers.id = reserve_ids(connection, "provider", len(providers.npi))
    person = ~providers.is_organization
    organization = np.where(person, providers.id[np.maximum(providers.organization, 0)], 0)
    fields = [
        r.number("id", providers.id),
        r.field("npi", providers.npi),
        r.number("entity_type", np.where(person, ENTITY_PERSON, ENTITY_ORGANIZATION)),
        r.field("organization_name", providers.organization_name, null=person),
        r.field("first_name", providers.first_name, null=~person),
        r.field("last_name", providers.last_name, null=~person),
        r.field("credential", providers.credential, null=~person),
        r.field("taxonomy_code", providers.taxonomy),
        r.field("tax_id", providers.tax_id, null=person),
        r.field("address_line1", providers.address_line1),
        r.field("city", providers.city),
        r.field("state", providers.state),
        r.field("postal_code", providers.postal_code),
        r.field("pricing_locality_code", reference.locality_codes[providers.locality]),
        r.number("organization_id", organization, null=~person),
    ]
    _copy(connection, "provider", fields)


def _store_network(connection, population: Population) -> None:
    network = population.network
    plan, provider = np.nonzero(network.first_day < NEVER)
    last = network.last_day[plan, provider]
    plan_ids = np.array([p.id for p in population.plans])
    fields = [
        r.number("provider_id", population.providers.id[provider]),
        r.number("plan_id", plan_ids[plan]),
        r.date("effective_date", network.first_day[plan, provider]),
        r.date("termination_date", last, null=last == NEVER),
    ]
    _copy(connection, "provider_network", fields)


def _store_members(connection, population: Population) -> None:
    members = population.members
    members.id = reserve_ids(connection, "member", len(members))
    is_subscriber = members.subscriber < 0
    fields = [
        r.number("id", members.id),
        r.field("member_number", members.member_number),
        r.number("subscriber_id", members.id[np.maximum(members.subscriber, 0)], is_subscriber),
        r.field("relationship_code", members.relationship),
        r.field("first_name", members.first_name),
        r.field("middle_name", members.middle_name, null=members.middle_name == ""),
        r.field("last_name", members.last_name),
        r.date("birth_date", members.birth_day),
        r.field("sex", np.where(members.sex == 1, b"M", b"F")),
        r.field("address_line1", members.address_line1),
        r.field("city", members.city),
        r.field("state", members.state),
        r.field("postal_code", members.postal_code),
    ]
    _copy(connection, "member", fields)
    _store_coverage(connection, population)


def _store_coverage(connection, population: Population) -> None:
    """One span per member, two for a plan change (the first ends the day before)."""
    members = population.members
    changed = np.flatnonzero(members.change_day < NEVER)
    rows = np.concatenate([np.arange(len(members)), changed])
    second = np.arange(len(rows)) >= len(members)
    plan = np.where(second, members.next_plan[rows], members.plan[rows])
    effective = np.where(second, members.change_day[rows], members.effective[rows])
    first_of_two = ~second & (members.change_day[rows] < NEVER)
    termination = np.where(first_of_two, members.change_day[rows] - 1, members.termination[rows])
    plan_ids = np.array([p.id for p in population.plans])
    fields = [
        r.number("member_id", members.id[rows]),
        r.number("plan_id", plan_ids[plan]),
        r.field("group_number", members.group_number[rows]),
        r.date("effective_date", np.minimum(effective, termination)),
        r.date("termination_date", termination, null=termination == NEVER),
    ]
    _copy(connection, "coverage_span", fields)


def _attach(connection, population: Population, plan_ids: dict[str, int]) -> None:
    for plan in population.plans:
        plan.id = plan_ids[plan.code]
    providers, members = population.providers, population.members
    providers.id = _ids_by_key(connection, "provider", "npi", providers.npi)
    members.id = _ids_by_key(connection, "member", "member_number", members.member_number)


def _ids_by_key(connection, table: str, key: str, values: np.ndarray) -> np.ndarray:
    rows = connection.exec_driver_sql(
        f"SELECT {key}, id FROM {table} WHERE {key} = ANY(%(keys)s)",
        {"keys": [v.decode() for v in values]},
    ).all()
    if len(rows) != len(values):
        raise PopulationConflict(f"{table}: {len(rows)} of {len(values)} rows found")
    found = dict(rows)
    return np.array([found[v.decode()] for v in values], dtype=np.int64)


def _copy(connection, table: str, fields: list) -> None:
    r.check(fields)
    copy_into(connection, table, [f.name for f in fields], r.copy_text(fields))
