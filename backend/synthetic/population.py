"""The synthetic population of a run: plans, providers and their networks, members and their
coverage, all drawn from the seed (the same spec always gives the same population).

Several runs can share one population: its key names it, its tag (four letters derived from the
key) prefixes plan codes, member numbers and claim numbers, so populations never collide.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from backend.synthetic import names
from backend.synthetic.members import Members, make_members
from backend.synthetic.plan_designs import (
    ENROLMENT_SHARE,
    NETWORK_BREADTH,
    PlanDesign,
    design_plans,
)
from backend.synthetic.providers import NPI_BLOCK, Network, Providers, make_network, make_providers
from backend.synthetic.reference import Reference

MARKET_LOCALITIES = 8  # a regional insurer: members and providers live in a few localities
POPULATION_STREAM = 0  # SeedSequence spawn keys: 0 for the population, (1, chunk) for claims


@dataclass(frozen=True)
class PopulationSpec:
    seed: int
    members: int = 10_000
    providers: int = 250
    plans: int = 6
    name: str = ""  # a named population (the demo's) never shares a key with a seeded one

    @classmethod
    def for_claims(cls, seed: int, claims: int, members=None, providers=None, plans=None):
        """Sizes that suit `claims` claims over the service window unless given."""
        members = members or int(np.clip(claims // 5, 1_000, 200_000))
        providers = providers or int(np.clip(members // 40, 50, 20_000))
        return cls(seed=seed, members=members, providers=providers, plans=plans or 6)

    @property
    def key(self) -> str:
        sizes = f"plans={self.plans};providers={self.providers};members={self.members}"
        return f"{self.name};" * bool(self.name) + f"seed={self.seed};{sizes}"

    @property
    def tag(self) -> str:
        digest = int.from_bytes(hashlib.sha256(self.key.encode()).digest()[:8], "big")
        return "".join(chr(ord("A") + digest // 26**i % 26) for i in range(4))

    @property
    def npi_offset(self) -> int:
        return (
            int.from_bytes(hashlib.sha256(b"npi" + self.key.encode()).digest()[:8], "big")
            % NPI_BLOCK
        )


@dataclass
class Population:
    spec: PopulationSpec
    window: tuple[int, int]  # first and last service day (day numbers)
    plans: list[PlanDesign]
    providers: Providers
    network: Network
    members: Members

    @property
    def tag(self) -> str:
        return self.spec.tag


def build_population(reference: Reference, spec: PopulationSpec) -> Population:
    """Draw the whole population of `spec` (no database; ids are filled in when stored)."""
    rng = np.random.default_rng(np.random.SeedSequence(spec.seed, spawn_key=(POPULATION_STREAM,)))
    window = (reference.window_start, reference.window_end)
    market = Market(rng, reference)
    plans = design_plans(rng, spec.plans, spec.tag)
    shares = np.array([ENROLMENT_SHARE[p.plan_type] for p in plans])
    providers = make_providers(rng, spec.providers, spec.npi_offset, market.addresses, market.draw)
    network = make_network(rng, providers, [p.plan_type for p in plans], NETWORK_BREADTH, window)
    members = make_members(
        rng, spec.members, spec.tag, window, shares / shares.sum(),
        lambda rng, count: market.addresses(rng, market.draw(rng, count)),
    )  # fmt: skip
    return Population(spec, window, plans, providers, network, members)


class Market:
    """The localities of a population, with weights, and street addresses in them."""

    def __init__(self, rng: np.random.Generator, reference: Reference):
        count = len(reference.locality_codes)
        self.localities = np.sort(rng.choice(count, min(MARKET_LOCALITIES, count), replace=False))
        self.weights = rng.dirichlet(np.full(len(self.localities), 2.0))
        self.states = reference.locality_states
        self.cities = np.array([_city_of(name) for name in reference.locality_names])

    def draw(self, rng: np.random.Generator, count: int) -> np.ndarray:
        return self.localities[rng.choice(len(self.localities), count, p=self.weights)]

    def addresses(self, rng: np.random.Generator, locality: np.ndarray):
        """(address_line1, city, state, postal_code) arrays for these locality indices."""
        count = len(locality)
        number = rng.integers(1, 9999, count).astype("U4")
        street = names.STREETS[rng.integers(0, len(names.STREETS), count)]
        kind = names.STREET_TYPES[rng.integers(0, len(names.STREET_TYPES), count)]
        line1 = np.strings.add(np.strings.add(np.strings.add(number, " "), street), " ")
        town = names.TOWNS[rng.integers(0, len(names.TOWNS), count)]
        city = np.where((self.cities[locality] != "") & (rng.random(count) < 0.7),
                        self.cities[locality], town)  # fmt: skip
        state = self.states[locality]
        states, which = np.unique(state, return_inverse=True)
        low, high = np.array([names.ZIP3.get(s.decode(), (100, 999)) for s in states])[which].T
        zip3 = low + (rng.random(count) * (high - low + 1)).astype(int)
        postal = (zip3 * 100 + rng.integers(0, 100, count)).astype("U5")
        return np.strings.add(line1, kind), city, state, np.strings.zfill(postal, 5).astype("S5")


def _city_of(locality_name: str) -> str:
    """A locality named after a city lends its name; "REST OF ..." and "STATEWIDE" do not."""
    generic = locality_name.startswith(("REST OF", "STATEWIDE")) or "/" in locality_name
    return "" if generic or not locality_name.replace(" ", "").isalpha() else locality_name
