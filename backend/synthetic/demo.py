"""The demo data set: a small generated population with claims, the same on every machine.

seed_demo(connection) is idempotent: the first call generates (in the caller's transaction),
later calls find the run and return the same handles. One primary care organization bills
about a fifth of the claims, and one household (a subscriber, dependents including a minor
child) has claims there, so demo users linked to them see a bit of everything: clean claims,
claims that fail validation, duplicates, services outside coverage, upcoding and the rest.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy import select

from backend.synthetic.dates import NEVER
from backend.synthetic.generate import Spotlight
from backend.synthetic.models import GenerationRun
from backend.synthetic.population import Population, build_population
from backend.synthetic.reference import load_reference_arrays
from backend.synthetic.run import GenerationSpec, generate
from backend.synthetic.store import store_or_attach

DEMO_SPEC = GenerationSpec(
    seed=2026,
    claims=5_000,
    members=1_000,
    providers=50,
    plans=4,
    population_name="demo",
    # more of the situations a demo should show than a production-like mix
    rates={"duplicate": 0.03, "outside_coverage": 0.02, "invalid_claim": 0.03},
)
DEMO_ORGANIZATION = 0  # population row: the first organization, primary care, in every network
DEMO_ORGANIZATION_SHARE = 0.2
DEMO_HOUSEHOLD_CLAIMS = 40


@dataclass(frozen=True)
class DemoData:
    provider_organization_id: int  # provider.id of the demo organization
    subscriber_member_id: int  # member.id of the demo subscriber (with dependents)
    dependent_member_ids: tuple[int, ...]
    run_id: int
    claims: int


def seed_demo(connection) -> DemoData:
    """Generate the demo population and its claims once; return the demo handles."""
    key = DEMO_SPEC.population_spec().key
    run = connection.execute(
        select(GenerationRun.id, GenerationRun.claims)
        .where(GenerationRun.population_key == key)
        .order_by(GenerationRun.id)
        .limit(1)
    ).first()
    if run is None:
        spec = GenerationSpec(**{**vars(DEMO_SPEC), "spotlight": _spotlight})
        result = generate(connection, spec)
        run = (result.run_id, result.claims)
    reference = load_reference_arrays(connection)
    population = build_population(reference, DEMO_SPEC.population_spec())
    store_or_attach(connection, population, reference)  # attaches: fills the ids
    household = demo_household(population)
    members = population.members
    return DemoData(
        provider_organization_id=int(population.providers.id[DEMO_ORGANIZATION]),
        subscriber_member_id=int(members.id[household[0]]),
        dependent_member_ids=tuple(int(i) for i in members.id[household[1:]]),
        run_id=run[0],
        claims=run[1],
    )


def demo_household(population: Population) -> np.ndarray:
    """Member rows of the first household covered throughout the window, with a spouse and
    a child under 18: the subscriber first."""
    members = population.members
    start, end = population.window
    age = members.age_on(np.full(len(members), end), np.arange(len(members)))
    steady = (members.effective <= start) & (members.termination == NEVER)
    steady &= members.change_day == NEVER
    minor = (members.relationship == b"19") & (age < 18)
    spouse = members.relationship == b"01"
    households = np.unique(members.household[minor & steady])
    with_spouse = np.intersect1d(households, members.household[spouse & steady])
    chosen = (with_spouse if with_spouse.size else households)[0]
    return np.flatnonzero(members.household == chosen)


def _spotlight(population: Population) -> Spotlight:
    return Spotlight(
        organization=DEMO_ORGANIZATION,
        share=DEMO_ORGANIZATION_SHARE,
        members=demo_household(population),
        member_claims=DEMO_HOUSEHOLD_CLAIMS,
    )
