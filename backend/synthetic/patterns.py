"""Labelled patterns injected into generated claims, at configurable rates (share of all claims).

Each claim carries at most one pattern, chosen before it is drawn so that the draw can honour
it (a member with a coverage gap, an out-of-network organization, extra unbundled lines);
patterns that need a suitable claim (an E/M level to upcode) move to one that has it.
"""

from __future__ import annotations

from functools import reduce

import numpy as np

PATTERNS = (
    "upcoding",
    "unbundling",
    "duplicate",
    "outside_coverage",
    "out_of_network",
    "charge_outlier",
    "impossible_combination",
    "invalid_claim",
)
(
    UPCODING,
    UNBUNDLING,
    DUPLICATE,
    OUTSIDE_COVERAGE,
    OUT_OF_NETWORK,
    CHARGE_OUTLIER,
    IMPOSSIBLE,
    INVALID,
) = range(len(PATTERNS))
NONE = -1
DEFAULT_RATES = {
    "upcoding": 0.02,
    "unbundling": 0.01,
    "duplicate": 0.02,
    "outside_coverage": 0.01,
    "out_of_network": 0.03,
    "charge_outlier": 0.01,
    "impossible_combination": 0.005,
    "invalid_claim": 0.01,
}
MAX_TOTAL_RATE = 0.9
# Generator version, recorded with each run: 2 made upcoding and unbundling habits of a minority
# of providers and kept the bundled code pairs out of clean claims (1 drew them per claim).
GENERATOR_VERSION = 2
HABIT_STREAM = 2  # SeedSequence spawn key of the providers' habits (0 population, 1 claims)
HABITUAL_PROVIDER_SHARE = 0.08  # share of providers in the habit of upcoding (or unbundling)
HABITUAL_CLAIM_SHARE = 0.85  # share of a habit pattern's claims billed by those providers


def checked_rates(rates: dict[str, float] | None) -> dict[str, float]:
    """DEFAULT_RATES updated with `rates`; ValueError for an unknown pattern or a bad rate."""
    merged = dict(DEFAULT_RATES)
    for name, rate in (rates or {}).items():
        if name not in merged:
            raise ValueError(f"unknown pattern {name!r}; patterns: {', '.join(PATTERNS)}")
        if not 0 <= float(rate) <= 1:
            raise ValueError(f"rate of {name} must be between 0 and 1, not {rate}")
        merged[name] = float(rate)
    if sum(merged.values()) > MAX_TOTAL_RATE:
        raise ValueError(f"pattern rates add up to more than {MAX_TOTAL_RATE}")
    return merged


def duplicate_count(rng, claims: int, rates: dict[str, float]) -> int:
    """How many of `claims` are duplicates of others in the chunk."""
    return int(rng.binomial(claims, rates["duplicate"])) if claims > 1 else 0


def assign(rng, base: int, total: int, rates: dict[str, float]) -> np.ndarray:
    """int8 pattern of each of `base` original claims (duplicates are added after), so that
    each pattern's share of all `total` claims is its rate."""
    scale = total / max(base, 1)
    shares = np.array(
        [0.0 if i == DUPLICATE else rates[name] * scale for i, name in enumerate(PATTERNS)]
    )
    shares = np.append(shares, max(0.0, 1.0 - shares.sum()))
    drawn = rng.choice(len(shares), base, p=shares / shares.sum())
    return np.where(drawn == len(PATTERNS), NONE, drawn).astype(np.int8)


def habitual_providers(population_seed: int, providers: int) -> tuple[np.ndarray, np.ndarray]:
    """(upcoders, unbundlers): bool per provider, fixed by the population's seed."""
    rng = np.random.default_rng(np.random.SeedSequence(population_seed, spawn_key=(HABIT_STREAM,)))
    drawn = rng.random((2, providers))
    return drawn[0] < HABITUAL_PROVIDER_SHARE, drawn[1] < HABITUAL_PROVIDER_SHARE


def concentrate(rng, pattern: np.ndarray, which: int, eligible: np.ndarray, habitual: np.ndarray):
    """Re-deal the claims carrying `which` among eligible clean claims so that about
    HABITUAL_CLAIM_SHARE of them are billed by habitual providers (`habitual`, bool per claim),
    the rest by anyone else. In place; as many claims as before where enough are eligible."""
    count = int((pattern == which).sum())
    pattern[pattern == which] = NONE
    free = (pattern == NONE) & eligible
    wanted = int(rng.binomial(count, HABITUAL_CLAIM_SHARE)) if count else 0
    for pool, size in ((free & habitual, wanted), (free & ~habitual, None)):
        size = count - int((pattern == which).sum()) if size is None else size
        rows = np.flatnonzero(pool)
        taken = rng.choice(rows, min(size, rows.size), replace=False) if rows.size else rows
        pattern[taken] = which


def say(*parts) -> np.ndarray:
    """Vectorized concatenation of byte-string arrays and constants into an 'S' array."""
    arrays = [p if isinstance(p, np.ndarray) else np.asarray(p, dtype="S") for p in parts]
    return reduce(np.strings.add, arrays).astype("S")


def dollars(cents: np.ndarray) -> np.ndarray:
    """Whole dollars of cents, as text."""
    return (np.asarray(cents) // 100).astype("S")
