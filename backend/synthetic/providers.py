"""Synthetic providers: billing organizations of each kind (catalog.KINDS) and the practitioners
who render for them, with valid NPIs, taxonomies, pricing localities, addresses and the
network status of each for each plan.

Rows: organizations first, then practitioners grouped by organization. Dates are day numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from backend.providers.npi import npi_check_digit
from backend.synthetic import catalog, names
from backend.synthetic.dates import NEVER, month_start

NPI_BLOCK = 200_000_000  # first digit 1 or 2, as NPPES issues them
NPI_STRIDE = 48_271  # coprime with NPI_BLOCK: scatters consecutive providers over the block
ORGANIZATION_SHARE = 0.25
NETWORK_TERMINATIONS = 0.04  # share of contracts that end inside the service window


@dataclass
class Providers:
    is_organization: np.ndarray  # bool
    kind: np.ndarray  # int8 index into catalog.KINDS (a practitioner's is its organization's)
    organization: np.ndarray  # int32 row of the organization, -1 for organizations
    npi: np.ndarray  # S10, Luhn-valid
    tax_id: np.ndarray  # S9, b"" for practitioners
    organization_name: np.ndarray  # U, "" for practitioners
    first_name: np.ndarray  # U, "" for organizations
    last_name: np.ndarray  # U
    credential: np.ndarray  # U
    taxonomy: np.ndarray  # S10 NUCC code
    address_line1: np.ndarray  # U
    city: np.ndarray  # U
    state: np.ndarray  # S2
    postal_code: np.ndarray  # S5
    locality: np.ndarray  # int16 index into Reference.locality_codes
    markup: np.ndarray  # float billed charge / allowed amount
    first_practitioner: np.ndarray  # int32 (organizations) row of the first practitioner
    practitioners: np.ndarray  # int32 (organizations) how many practitioners
    id: np.ndarray  # int64 provider.id once stored

    @property
    def organizations(self) -> int:
        return int(self.is_organization.sum())


@dataclass
class Network:
    """Per plan and provider: first and last in-network day (NEVER, NEVER when out)."""

    first_day: np.ndarray  # int32 (plans, providers)
    last_day: np.ndarray  # int32 (plans, providers)

    def covers(self, plan: np.ndarray, provider: np.ndarray, day: np.ndarray) -> np.ndarray:
        return (self.first_day[plan, provider] <= day) & (day <= self.last_day[plan, provider])


def make_providers(rng, count: int, npi_offset: int, localities, locality_rows) -> Providers:
    """`count` providers; `locality_rows(rng, n)` draws locality indices and `localities(rng,
    rows)` gives (address_line1, city, state, postal_code) for them."""
    organizations = min(count, max(len(catalog.KINDS), round(count * ORGANIZATION_SHARE)))
    kind = _organization_kinds(rng, organizations)
    employer = _employers(rng, kind, count - organizations)
    kind_all = np.concatenate([kind, kind[employer]]).astype(np.int8)
    organization = np.concatenate([np.full(organizations, -1), employer]).astype(np.int32)
    org_locality = locality_rows(rng, organizations)
    locality = np.concatenate([org_locality, org_locality[employer]]).astype(np.int16)
    line1, city, state, postal = localities(rng, org_locality)
    spread = np.concatenate([np.arange(organizations), employer])
    practitioners = np.bincount(employer, minlength=organizations)
    markup = np.array([k.markup for k in catalog.KINDS])[kind] * rng.lognormal(
        0, 0.2, organizations
    )
    is_org = organization < 0
    people = count - organizations
    first_names, last_names = _person_names(rng, people)
    return Providers(
        is_organization=is_org,
        kind=kind_all,
        organization=organization,
        npi=make_npis(npi_offset, count),
        tax_id=np.concatenate([_tax_ids(rng, organizations), np.full(people, b"", dtype="S9")]),
        organization_name=np.concatenate([_organization_names(rng, kind), np.full(people, "")]),
        first_name=np.concatenate([np.full(organizations, ""), first_names]),
        last_name=np.concatenate([np.full(organizations, ""), last_names]),
        credential=np.concatenate([np.full(organizations, ""), _credentials(rng, people)]),
        taxonomy=_taxonomies(rng, kind_all, is_org),
        address_line1=line1[spread],
        city=city[spread],
        state=state[spread],
        postal_code=postal[spread],
        locality=locality,
        markup=np.concatenate([markup, markup[employer]]),
        first_practitioner=(organizations + np.cumsum(practitioners) - practitioners).astype(
            np.int32
        ),
        practitioners=practitioners.astype(np.int32),
        id=np.zeros(count, dtype=np.int64),
    )


def make_network(
    rng, providers: Providers, plan_types: list[str], breadth: dict, window
) -> Network:
    """In-network contracts of organizations (their practitioners follow): each plan covers its
    breadth of organizations, at least one of every kind, and leaves at least one out.
    Organization 0 (the demo's) is in every network for the whole window."""
    start, end = window
    organizations = providers.organizations
    kinds = providers.kind[:organizations]
    first = np.full((len(plan_types), organizations), NEVER, dtype=np.int32)
    last = np.full((len(plan_types), organizations), NEVER, dtype=np.int32)
    for plan, plan_type in enumerate(plan_types):
        member = rng.random(organizations) < breadth[plan_type]
        for kind in np.unique(kinds):  # one of each kind in network
            member[rng.choice(np.flatnonzero(kinds == kind))] = True
        if organizations > 2 and member.all():
            member[rng.integers(1, organizations)] = False
        member[0] = True
        since = month_start(start - rng.integers(0, 5 * 365, organizations))
        ends = rng.random(organizations) < NETWORK_TERMINATIONS
        until = month_start(start + 60 + rng.integers(0, max(end - start - 60, 1), organizations))
        ends[0] = False
        first[plan] = np.where(member, since, NEVER)
        last[plan] = np.where(member, np.where(ends, until - 1, NEVER), NEVER)
    columns = np.concatenate([np.arange(organizations), providers.organization[organizations:]])
    return Network(first_day=first[:, columns], last_day=last[:, columns])


def _organization_kinds(rng, organizations: int) -> np.ndarray:
    """One of every kind first (organization 0 is primary care), then by catalog share."""
    shares = np.array([k.share for k in catalog.KINDS])
    rest = rng.choice(len(shares), max(organizations - len(shares), 0), p=shares / shares.sum())
    return np.concatenate([np.arange(len(shares)), rest])[:organizations]


def _employers(rng, kind: np.ndarray, people: int) -> np.ndarray:
    """Organization of each practitioner: one for each that employs any, the rest by size."""
    employs = np.flatnonzero([bool(catalog.KINDS[k].practitioner_taxonomies) for k in kind])
    size = rng.lognormal(0, 0.8, len(employs)) * np.where(kind[employs] == 0, 3.0, 1.0)
    extra = rng.choice(employs, max(people - len(employs), 0), p=size / size.sum())
    return np.sort(np.concatenate([employs, extra])[:people]).astype(np.int32)


def make_npis(offset: int, count: int) -> np.ndarray:
    """Luhn-valid NPIs scattered over a block; distinct populations use distinct offsets."""
    nine = 100_000_000 + (offset + np.arange(count, dtype=np.int64)) * NPI_STRIDE % NPI_BLOCK
    return np.array([f"{n}{npi_check_digit(str(n))}" for n in nine], dtype="S10")


def _tax_ids(rng, count: int) -> np.ndarray:
    numbers = rng.integers(10_000_000, 999_999_999, count).astype("U9")
    return np.strings.zfill(numbers, 9).astype("S9")  # an EIN is 9 digits, leading 0 kept


def _organization_names(rng, kind: np.ndarray) -> np.ndarray:
    word = names.ORGANIZATION_WORDS[rng.integers(0, len(names.ORGANIZATION_WORDS), len(kind))]
    suffix = np.array([names.ORGANIZATION_SUFFIXES[catalog.KINDS[k].name] for k in kind])
    return np.strings.add(np.strings.add(word, " "), suffix)


def _person_names(rng, count: int) -> tuple[np.ndarray, np.ndarray]:
    first = np.where(
        rng.random(count) < 0.5,
        names.FEMALE_FIRST[rng.integers(0, len(names.FEMALE_FIRST), count)],
        names.MALE_FIRST[rng.integers(0, len(names.MALE_FIRST), count)],
    )
    return first, names.LAST[rng.integers(0, len(names.LAST), count)]


def _credentials(rng, count: int) -> np.ndarray:
    options = list(names.PRACTITIONER_CREDENTIALS)
    return np.array(options)[
        rng.choice(len(options), count, p=list(names.PRACTITIONER_CREDENTIALS.values()))
    ]


def _taxonomies(rng, kind: np.ndarray, is_org: np.ndarray) -> np.ndarray:
    taxonomy = np.empty(len(kind), dtype="S10")
    for k, spec in enumerate(catalog.KINDS):
        rows = np.flatnonzero((kind == k) & is_org)
        taxonomy[rows] = spec.org_taxonomy
        rows = np.flatnonzero((kind == k) & ~is_org)
        if rows.size:
            options = np.array(spec.practitioner_taxonomies, dtype="S10")
            taxonomy[rows] = options[rng.integers(0, len(options), rows.size)]
    return taxonomy
