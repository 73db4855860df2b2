"""The risk features of the member's recent history and of the patient against the code,
computed per chunk at adjudication time. Pure numpy; `workers/tests/test_risk_member_history.py`
holds the per-claim reference the vectorized columns must equal.

History is what was processed before the claim: the tables as of the chunk (`PatientHistory`,
empty for a new population) plus the chunk's earlier scored claims in processing order (claim
id order, as `fetch_chunk` returns them). A batch puts all of a member's claims in one chunk
(chunks are split by a hash of the member), so without its own chunk a member would have no
history within a batch at all.

- **Same service:** the days since the member's most recent earlier claim billing one of this
  claim's procedure codes (any line; lines without a procedure code do not count), / 365,
  between 0 and 1; 1 when there is none. An earlier-processed claim serviced later gives 0.
- **Providers seen:** the distinct billing providers of the member's earlier claims, and
  whether this claim's billing provider is not one of them ("new"; true for an unknown member
  or provider).
- **Sex and age against the code:** per procedure code, the lines of female and male patients
  and the patients' ages (history plus the whole chunk's scored claims, the claim included, as
  the provider figures are). The sex column is the lowest, over the claim's coded lines, of
  log(share of the code's lines with the patient's sex / that sex's share over all the codes
  read); the age column the highest |age - the code's mean age| / its standard deviation (at
  least a year). Both are smoothed towards all the codes' figures with PRIOR_LINES pseudo
  lines, like the provider rates; 0 when the sex or the birth date is unknown.

Never labels, never the claim's own edits.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from workers.pipeline.arrays import NO_DATE
from workers.pipeline.lookup import find_code, per_claim

FEATURES = (
    "member_days_since_same_service",  # days since an earlier claim with one of its codes /365
    "member_providers_seen_log",  # log(1 + distinct billing providers of earlier claims)
    "member_provider_new",  # the billing provider is not among them
    "code_sex_typicality",  # lowest log(code's smoothed share of the sex / overall share)
    "code_age_z",  # highest |age - code's smoothed mean age| / its standard deviation
)
PRIOR_LINES = 20.0
FEMALE, MALE, UNKNOWN_SEX = 0, 1, -1  # RiskFeatures.sex
_NONE = -1  # no earlier service (a day + 1 is >= 1 for any day since 1970)


@dataclass
class PatientHistory:
    """The tables as of the chunk, rows for its members and codes (`procedure` keys are
    risk_codes.code_key of the code). Sorted by (member, procedure), (member, provider), code."""

    service_member: np.ndarray  # int64 (S,)
    service_procedure: np.ndarray  # uint64
    service_last_day: np.ndarray  # int32 date
    pair_member: np.ndarray  # int64 (Q,)
    pair_provider: np.ndarray  # int64
    procedure: np.ndarray  # uint64 (K,)
    female_lines: np.ndarray  # int64
    male_lines: np.ndarray  # int64
    aged_lines: np.ndarray  # int64 lines with the patient's age known
    age_sum: np.ndarray  # float64 years
    age_square_sum: np.ndarray  # float64

    @classmethod
    def empty(cls) -> PatientHistory:
        i, u, f = np.zeros(0, np.int64), np.zeros(0, np.uint64), np.zeros(0, np.float64)
        return cls(i, u, np.zeros(0, np.int32), i, i, u, i, i, i, f, f)


@dataclass
class PatientUpdate:
    """What the chunk's scored claims add (the same layout, each sorted as in the tables)."""

    service_member: np.ndarray
    service_procedure: np.ndarray
    service_last_day: np.ndarray
    pair_member: np.ndarray  # pairs new to the history
    pair_provider: np.ndarray
    procedure: np.ndarray
    female_lines: np.ndarray
    male_lines: np.ndarray
    aged_lines: np.ndarray
    age_sum: np.ndarray
    age_square_sum: np.ndarray


@dataclass
class PatientFacts:
    """Per-claim member history and per-code totals (history plus chunk), and the update."""

    last_same_day: np.ndarray  # int64 (C): day + 1 of the latest earlier same service, or _NONE
    providers_seen: np.ndarray  # int64 (C)
    provider_new: np.ndarray  # bool (C)
    totals: np.ndarray  # float64 (codes, 5): female, male, aged, age sum, age square sum
    coded: np.ndarray  # bool (L): the line has a procedure code
    age: np.ndarray  # float64 (C): years, NaN when not known
    update: PatientUpdate


def patient_facts(f, scored: np.ndarray, keys: np.ndarray, code: np.ndarray, starts: np.ndarray,
                  providers: np.ndarray, provider_of: np.ndarray,
                  history: PatientHistory) -> PatientFacts:  # fmt: skip
    """`f` is a risk.RiskFeatures. What risk_features.chunk_facts already has: `keys`, the
    sorted code_key of the chunk's procedure codes, `code` each line's index among them,
    `providers` the sorted billing provider ids and `provider_of` each claim's index among
    them. Everything here is keyed by those dense indexes."""
    coded = np.ones(len(code), bool)
    if len(keys) and keys[0] == 0:  # key 0: lines without a procedure code (b"")
        coded = code != 0
    age = patient_age(f)
    last, service = _same_service(f, scored, keys, code, coded, starts, history)
    seen, new, pairs = _providers_seen(f, scored, providers, provider_of, history)
    totals, counted = _code_totals(f, scored, keys, code, coded, age, history)
    present = counted.any(axis=1)
    update = PatientUpdate(
        *service,
        *pairs,
        keys[present],
        *(counted[present, column].astype(np.int64) for column in range(3)),
        counted[present, 3],
        counted[present, 4],
    )
    return PatientFacts(last, seen, new, totals, coded, age, update)


def _bits(count: int) -> int:
    """Bits that hold 0 .. count - 1."""
    return max(int(count - 1).bit_length(), 1)


def _grouped(major: np.ndarray, minor: np.ndarray, shift: int):
    """(order of the rows by (major, minor, row), the sorted keys major << shift | minor):
    one np.sort of the key and the row packed in an int64 when they fit (ids below 2**30 with
    this chunk's sizes), else a stable argsort."""
    count = len(major)
    if count and int(major.max()).bit_length() + shift > 62:
        raise ValueError("a member id too large for the member history's int64 keys")
    key = (major.astype(np.int64) << shift) | minor
    row_bits = _bits(count)
    if not count or int(key.max()).bit_length() + row_bits <= 63:
        packed = np.sort((key << row_bits) | np.arange(count, dtype=np.int64))
        return packed & ((1 << row_bits) - 1), packed >> row_bits
    order = np.argsort(key, kind="stable")
    return order, key[order]


def _key_starts(key: np.ndarray) -> np.ndarray:
    """bool per row of sorted `key`: the first row of its key."""
    starts = np.ones(len(key), bool)
    starts[1:] = key[1:] != key[:-1]
    return starts


def _same_service(f, scored, keys, code, coded, starts, history):
    """Per claim the latest earlier same service (day + 1, or _NONE), and the latest day of
    each (member, code) among the chunk's scored claims (the update)."""
    shift = _bits(len(keys))
    member = f.member_id[f.line_claim]
    rows = np.flatnonzero(coded & (member > 0))
    order, key = _grouped(member[rows], code[rows], shift)  # lines in processing order
    rows = rows[order]  # within a key
    claim = f.line_claim[rows]
    day = f.service_day[claim]
    value = np.where(scored[claim] & (day != NO_DATE), day.astype(np.int64) + 1, 0)
    group = _key_starts(key)
    group_of_row = np.cumsum(group) - 1
    run = group.copy()  # a run: one claim's lines of one key
    run[1:] |= claim[1:] != claim[:-1]
    # A running maximum within each key: each key's values are offset above the earlier keys'.
    offset = group_of_row << 32
    running = np.maximum.accumulate(value + offset) - offset if len(key) else value
    run_start = np.flatnonzero(run)
    prior = np.where(group[run_start], 0, running[np.maximum(run_start - 1, 0)])
    before = np.where(prior > 0, prior, _NONE)[np.cumsum(run) - 1]
    group_start = np.flatnonzero(group)
    past = _past_service(history, keys, key[group_start], shift)[group_of_row]
    line_last = np.full(len(f.line_claim), _NONE, np.int64)
    line_last[rows] = np.maximum(before, past)
    last = per_claim(np.maximum, line_last, starts, np.int64(_NONE))
    latest = running[np.r_[group_start[1:], len(key)] - 1] if len(key) else value
    keep = latest > 0
    first = rows[group_start[keep]]
    update = (member[first], keys[code[first]], (latest[keep] - 1).astype(np.int32))
    return last, update


def _past_service(history: PatientHistory, keys, wanted, shift) -> np.ndarray:
    """day + 1 of the history's last service of each (member, code) key, else _NONE."""
    if not len(history.service_member):
        return np.full(len(wanted), _NONE, np.int64)
    index = find_code(keys, history.service_procedure)
    found = index >= 0
    # Sorted: the history is by (member, code key), and `index` follows the key.
    past_key = (history.service_member[found] << shift) | index[found]
    where = find_code(past_key, wanted)
    days = history.service_last_day[found].astype(np.int64) + 1
    return np.where(where >= 0, days[np.maximum(where, 0)], _NONE)


def _providers_seen(f, scored, providers, provider_of, history: PatientHistory):
    """Distinct billing providers of each claim's earlier claims, whether its provider is new,
    and the (member, provider) pairs new to the history that the chunk's scored claims add."""
    member, provider, claims = f.member_id, f.billing_provider_id, f.claim_count
    shift = _bits(len(providers))
    rows = np.flatnonzero(member > 0)
    order, key = _grouped(member[rows], provider_of[rows], shift)
    rows = rows[order]  # by member, provider, processing order
    group = _key_starts(key)
    group_start = np.flatnonzero(group)
    group_of_row = np.cumsum(group) - 1
    first_scored = np.where(scored[rows], rows, claims)
    if len(rows):
        first_scored = np.minimum.reduceat(first_scored, group_start)
    index = find_code(providers, history.pair_provider)
    found = index >= 0  # a pair of a provider not in the chunk is seen, never matched
    past_key = (history.pair_member[found] << shift) | index[found]
    known = find_code(past_key, key[group_start]) >= 0
    real = provider[rows[group_start]] > 0
    # A pair new to the history is seen from its first scored claim on.
    fresh = ~known & real & (first_scored < claims)
    added = rows[group_start[fresh]]
    position_bits = _bits(claims + 1)
    event = np.sort((member[added] << position_bits) | first_scored[fresh])
    mine = member[rows] << position_bits  # sorted
    from_chunk = np.searchsorted(event, mine | rows) - np.searchsorted(event, mine)
    in_past = np.searchsorted(history.pair_member, member[rows], "right") - np.searchsorted(
        history.pair_member, member[rows], "left"
    )
    seen = np.zeros(claims, np.int64)
    seen[rows] = in_past + from_chunk
    new = np.ones(claims, bool)
    # New: no provider, or a pair neither in the history nor billed by an earlier scored claim.
    new[rows] = ~real[group_of_row] | (~known[group_of_row] & (first_scored[group_of_row] >= rows))
    return seen, new, (member[added], provider[added])


def patient_age(f) -> np.ndarray:
    """Age in years at the first service (float64), NaN when the birth date is not known."""
    known = (f.birth_day != NO_DATE) & (f.service_day != NO_DATE)
    return np.where(known, (f.service_day - f.birth_day.astype(np.int64)) / 365.25, np.nan)


def _code_totals(f, scored, keys, code, coded, age, history: PatientHistory):
    """(history plus chunk, chunk alone) per code, float64 (codes, 5): female, male and aged
    lines, age sum, age square sum. A line counts when its claim is scored and it has a
    procedure code."""
    codes = len(keys)
    counts = scored[f.line_claim] & coded
    sex = np.where(counts, _sex(f)[f.line_claim], UNKNOWN_SEX)  # -1: not counted
    by_sex = np.bincount(code * 3 + (sex + 1), minlength=3 * codes).reshape(codes, 3)
    age = age[f.line_claim]
    aged = counts & ~np.isnan(age)
    age = np.where(aged, age, 0.0)
    chunk = np.empty((codes, 5))
    chunk[:, FEMALE], chunk[:, MALE] = by_sex[:, 1 + FEMALE], by_sex[:, 1 + MALE]
    chunk[:, 2] = np.bincount(code, weights=aged, minlength=codes)
    chunk[:, 3] = np.bincount(code, weights=age, minlength=codes)
    chunk[:, 4] = np.bincount(code, weights=age * age, minlength=codes)
    totals = chunk.copy()
    index = find_code(keys, history.procedure)
    found = index >= 0
    past = np.stack([history.female_lines, history.male_lines, history.aged_lines,
                     history.age_sum, history.age_square_sum], axis=1)  # fmt: skip
    totals[index[found]] += past[found]
    return totals, chunk


def _sex(f) -> np.ndarray:
    if f.sex is None:
        return np.full(f.claim_count, UNKNOWN_SEX, np.int16)
    return f.sex


def patient_columns(f, facts: PatientFacts, code: np.ndarray, starts: np.ndarray) -> dict:
    """The columns of FEATURES (per claim); per-code figures first, then one gather per line."""
    last = facts.last_same_day
    since = np.clip((f.service_day - (last - 1)) / 365.0, 0.0, 1.0)
    since = np.where((last != _NONE) & (f.service_day != NO_DATE), since, 1.0)
    totals = facts.totals
    overall = totals.sum(axis=0)
    # Sex: Laplace-smoothed overall shares, so that a sex no line has had yet is not log(0).
    share = (overall[[FEMALE, MALE]] + 1.0) / (overall[FEMALE] + overall[MALE] + 2.0)
    both = (totals[:, FEMALE] + totals[:, MALE])[:, None]
    typical_of = np.log((totals[:, [FEMALE, MALE]] + PRIOR_LINES * share)
                        / (both + PRIOR_LINES) / share)  # fmt: skip
    sex = _sex(f)
    line = np.where(facts.coded, typical_of[code, np.maximum(sex, 0)[f.line_claim]], np.nan)
    typical = np.nan_to_num(per_claim(np.fmin, line, starts, np.nan))
    typical = np.where(sex != UNKNOWN_SEX, typical, 0.0)
    # Age: mean and mean square smoothed towards all the codes'; a year's spread at least.
    aged = max(overall[2], 1.0)
    code_mean = (totals[:, 3] + PRIOR_LINES * overall[3] / aged) / (totals[:, 2] + PRIOR_LINES)
    code_square = (totals[:, 4] + PRIOR_LINES * overall[4] / aged) / (totals[:, 2] + PRIOR_LINES)
    spread = np.sqrt(np.maximum(code_square - code_mean * code_mean, 1.0))
    z = np.abs(facts.age[f.line_claim] - code_mean[code]) / spread[code]
    z = np.nan_to_num(per_claim(np.fmax, np.where(facts.coded, z, np.nan), starts, np.nan))
    return {
        "member_days_since_same_service": since,
        "member_providers_seen_log": np.log1p(facts.providers_seen),
        "member_provider_new": facts.provider_new,
        "code_sex_typicality": typical,
        "code_age_z": z,
    }
