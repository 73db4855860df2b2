"""Everything the claim draws need, computed once per run from the reference data and the
population: cumulative weights to draw members, provider kinds, organizations, places of
service, procedure categories, codes and diagnosis groups."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from backend.synthetic import catalog, rules
from backend.synthetic.diagnoses import BANDS, CELLS
from backend.synthetic.population import Population
from backend.synthetic.reference import Reference


@dataclass
class Distribution:
    """Values with cumulative weights: draw(rng, n) picks values in proportion to weight."""

    values: np.ndarray
    cumulative: np.ndarray

    @classmethod
    def of(cls, values, weights) -> Distribution:
        values, weights = np.asarray(values), np.asarray(weights, dtype=float)
        keep = weights > 0
        return cls(values[keep], np.cumsum(weights[keep]))

    def __bool__(self) -> bool:
        return bool(self.values.size)

    def draw(self, rng: np.random.Generator, count: int) -> np.ndarray:
        picks = np.searchsorted(self.cumulative, rng.random(count) * self.cumulative[-1], "right")
        return self.values[np.minimum(picks, len(self.values) - 1)]


@dataclass
class ClaimContext:
    reference: Reference
    population: Population
    members: Distribution  # member rows by utilization
    gap_members: Distribution  # members with an uncovered stretch inside the window
    cover_from: np.ndarray  # int32 (members,) first covered day inside the window
    cover_to: np.ndarray  # int32 (members,) last covered day inside the window
    kind_by_cell: list[Distribution]  # (CELLS,) provider kind by patient cell
    places: list[Distribution]  # (kinds,) place of service indices
    anchor: list[Distribution]  # (kinds,) category of a claim's first line
    ancillary: list[Distribution]  # (kinds,) category of further lines
    codes: list[Distribution]  # (categories,) procedure indices by frequency
    dx_groups: list[Distribution]  # (categories,) primary diagnosis group
    secondary_groups: Distribution
    referrers: np.ndarray  # practitioner rows of primary care (referring providers)

    def organizations(self, kind: int) -> np.ndarray:
        providers = self.population.providers
        return np.flatnonzero(providers.is_organization & (providers.kind == kind))


def prepare(reference: Reference, population: Population) -> ClaimContext:
    members = population.members
    start, end = population.window
    cover_from = np.maximum(members.effective, start)
    cover_to = np.minimum(members.termination, end)
    gap = (members.termination < end - 14) | (members.effective > start + 14)
    rows = np.arange(len(members))
    providers = population.providers
    categories = [_category_codes(reference, c) for c in range(len(reference.categories))]
    has_codes = np.array([bool(d) for d in categories])
    return ClaimContext(
        reference=reference,
        population=population,
        members=Distribution.of(rows, members.utilization),
        gap_members=Distribution.of(rows, members.utilization * gap),
        cover_from=cover_from.astype(np.int32),
        cover_to=cover_to.astype(np.int32),
        kind_by_cell=[_kinds_for(cell, providers) for cell in range(CELLS)],
        places=[_places(reference, kind) for kind in catalog.KINDS],
        anchor=[_categories(reference, kind.anchor, has_codes) for kind in catalog.KINDS],
        ancillary=[_categories(reference, kind.ancillary, has_codes) for kind in catalog.KINDS],
        codes=categories,
        dx_groups=[_dx_groups(reference, name) for name in reference.categories],
        secondary_groups=_groups(reference, catalog.SECONDARY_DX),
        referrers=np.flatnonzero(~providers.is_organization & (providers.kind == 0)),
    )


def _category_codes(reference: Reference, category: int) -> Distribution:
    mine = reference.procedure_category == category
    return Distribution.of(np.flatnonzero(mine), reference.procedure_weight[mine])


def _kinds_for(cell: int, providers) -> Distribution:
    """Claim volume by provider kind for one patient cell: organizations of the kind times
    the kind's demographic factors (KIND_DEMOGRAPHICS)."""
    sex = "F" if cell < BANDS else "M"
    low = rules.AGE_BANDS[cell % BANDS]
    high = rules.AGE_BANDS[cell % BANDS + 1] - 1 if cell % BANDS + 1 < BANDS else rules.ANY_AGE
    organizations = np.bincount(
        providers.kind[providers.is_organization], minlength=len(catalog.KINDS)
    )
    weights = np.array([k.share for k in catalog.KINDS]) * (organizations > 0)
    for name, who, young, old, factor in rules.KIND_DEMOGRAPHICS:
        if who in ("", sex) and young <= low and high <= old:
            weights[catalog.KIND_INDEX[name]] *= factor
    weights[catalog.KIND_INDEX["hospital"]] *= 1.2  # institutional claims: about 12 % of all
    return Distribution.of(np.arange(len(catalog.KINDS)), weights)


def _places(reference: Reference, kind: catalog.ProviderKind) -> Distribution:
    indices = [reference.place(code) for code in kind.places]
    weights = [w if i >= 0 else 0 for i, w in zip(indices, kind.places.values(), strict=True)]
    return Distribution.of(np.array(indices or [-1]), np.array(weights or [1]))


def _categories(reference: Reference, weights: dict, has_codes: np.ndarray) -> Distribution:
    indices = np.array([reference.category(name) for name in weights])
    usable = (indices >= 0) & has_codes[np.maximum(indices, 0)]
    if not usable.any():  # a fee schedule without this kind's work: office visits
        return Distribution.of(np.array([reference.category("em_office")]), np.array([1.0]))
    return Distribution.of(indices, np.array(list(weights.values())) * usable)


def _dx_groups(reference: Reference, category: str) -> Distribution:
    return _groups(reference, catalog.CATEGORY_DX.get(category, {"symptoms": 1}))


def _groups(reference: Reference, weights: dict) -> Distribution:
    groups = [reference.diagnoses.group(name) for name in weights]
    return Distribution.of(np.array(groups), np.array(list(weights.values())))


def groups(*columns):
    """Yield (values, rows) for each distinct combination of the integer columns, rows
    ascending: lets a draw loop over a few groups instead of over claims."""
    columns = [np.asarray(c, dtype=np.int64) for c in columns]
    if not columns[0].size:
        return
    lows = [int(c.min()) for c in columns]
    spans = [int(c.max()) - low + 1 for c, low in zip(columns, lows, strict=True)]
    key = np.zeros(len(columns[0]), dtype=np.int64)
    for column, low, span in zip(columns, lows, spans, strict=True):
        key = key * span + (column - low)
    order = np.argsort(key, kind="stable")
    ordered = key[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    for begin, end in zip(starts, np.r_[starts[1:], len(key)], strict=True):
        combined, values = int(ordered[begin]), []
        for low, span in zip(reversed(lows), reversed(spans), strict=True):
            combined, digit = divmod(combined, span)
            values.append(digit + low)
        yield tuple(reversed(values)), order[begin:end]
