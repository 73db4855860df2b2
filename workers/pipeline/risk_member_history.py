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

import logging
from dataclasses import dataclass, replace

import numpy as np

from workers.pipeline.arrays import NO_DATE
from workers.pipeline.lookup import find_code, per_claim

log = logging.getLogger("askes.pipeline.risk")
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
_SHIFT = np.int64(32)


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
    update: PatientUpdate


def _pair_key(major: np.ndarray, minor: np.ndarray) -> np.ndarray:
    """int64 key ordering (major, minor); both non-negative, major < 2**31, minor < 2**32."""
    return (major.astype(np.int64) << _SHIFT) | minor.astype(np.int64)


def _fits(*ids: np.ndarray) -> bool:
    return all(not len(i) or (int(i.max()) < 2**31 and int(i.min()) >= 0) for i in ids)


def patient_facts(f, scored: np.ndarray, keys: np.ndarray, code: np.ndarray, starts: np.ndarray,
                  history: PatientHistory) -> PatientFacts:  # fmt: skip
    """`f` is a risk.RiskFeatures; `keys` the sorted code_key of the chunk's procedure codes and
    `code` each line's index among them (risk_features.chunk_facts' shared np.unique)."""
    member, provider = f.member_id, f.billing_provider_id
    if not _fits(member, provider, history.service_member, history.pair_member,
                 history.pair_provider):  # fmt: skip
        # Keys pack two ids in 64 bits. Never seen; judged without member history, not stopped.
        log.warning("member or provider id above 2**31: no member history for this chunk")
        history, scored = PatientHistory.empty(), np.zeros(f.claim_count, bool)
        member = np.zeros_like(member)
        f = replace(f, member_id=member)
    last, service = _same_service(f, scored, keys, code, starts, history)
    seen, new, pairs = _providers_seen(member, provider, scored, history)
    totals, counted = _code_totals(f, scored, keys, code, history)
    present = counted.any(axis=1)
    update = PatientUpdate(
        *service,
        *pairs,
        keys[present],
        *(counted[present, column].astype(np.int64) for column in range(3)),
        counted[present, 3],
        counted[present, 4],
    )
    return PatientFacts(last, seen, new, totals, keys[code] != 0, update)


def _key_starts(key: np.ndarray) -> np.ndarray:
    """bool per row of sorted `key`: the first row of its key."""
    starts = np.ones(len(key), bool)
    starts[1:] = key[1:] != key[:-1]
    return starts


def _same_service(f, scored, keys, code, starts, history):
    """Per claim the latest earlier same service (day + 1, or _NONE), and the latest day of
    each (member, code) among the chunk's scored claims (the update)."""
    member = f.member_id[f.line_claim]
    day = f.service_day[f.line_claim]
    usable = (member > 0) & (keys[code] != 0)  # key 0: no procedure code (b"")
    rows = np.flatnonzero(usable)
    key = _pair_key(member[rows], code[rows])
    order = np.argsort(key, kind="stable")  # lines stay in processing order within a key
    rows, key = rows[order], key[order]
    counts = scored[f.line_claim[rows]] & (day[rows] != NO_DATE)
    value = np.where(counts, day[rows].astype(np.int64) + 1, 0)
    group = _key_starts(key)
    claim = f.line_claim[rows]
    run = group.copy()  # a run: one claim's lines of one key
    run[1:] |= claim[1:] != claim[:-1]
    # A running maximum within each key: each key's values are offset above the earlier keys'.
    offset = (np.cumsum(group) - 1).astype(np.int64) << _SHIFT
    running = np.maximum.accumulate(value + offset) - offset if len(key) else value
    run_start = np.flatnonzero(run)
    prior = np.where(group[run_start], 0, running[np.maximum(run_start - 1, 0)])
    before = np.where(prior > 0, prior, _NONE)[np.cumsum(run) - 1]
    line_last = np.full(len(f.line_claim), _NONE, np.int64)
    line_last[rows] = np.maximum(before, _past_service(history, keys, member[rows], code[rows]))
    last = per_claim(np.maximum, line_last, starts, np.int64(_NONE))
    group_start = np.flatnonzero(group)
    latest = running[np.r_[group_start[1:], len(key)] - 1] if len(key) else value
    keep = latest > 0
    first = rows[group_start[keep]]
    update = (member[first], keys[code[first]], (latest[keep] - 1).astype(np.int32))
    return last, update


def _past_service(history: PatientHistory, keys, member, code) -> np.ndarray:
    """day + 1 of the history's last service of (member, code) per row, else _NONE."""
    if not len(history.service_member):
        return np.full(len(member), _NONE, np.int64)
    index = find_code(keys, history.service_procedure)
    found = index >= 0
    # Sorted: the history is by (member, code key), and `index` follows the key.
    past_key = _pair_key(history.service_member[found], index[found])
    where = find_code(past_key, _pair_key(member, code))
    days = history.service_last_day[found].astype(np.int64) + 1
    return np.where(where >= 0, days[np.maximum(where, 0)], _NONE)


def _providers_seen(member, provider, scored, history: PatientHistory):
    """Distinct billing providers of each claim's earlier claims, whether its provider is new,
    and the (member, provider) pairs new to the history that the chunk's scored claims add."""
    claims = len(member)
    position = np.arange(claims, dtype=np.int64)
    in_past = np.searchsorted(history.pair_member, member, "right") - np.searchsorted(
        history.pair_member, member, "left"
    )
    rows = np.flatnonzero((member > 0) & (provider > 0))
    key = _pair_key(member[rows], provider[rows])
    order = np.argsort(key, kind="stable")
    rows, key = rows[order], key[order]
    group_start = np.flatnonzero(_key_starts(key))
    first_scored = np.where(scored[rows], position[rows], claims)
    if len(key):
        first_scored = np.minimum.reduceat(first_scored, group_start)
    known = find_code(_pair_key(history.pair_member, history.pair_provider),
                      key[group_start]) >= 0  # fmt: skip
    # A pair new to the history is seen from its first scored claim on.
    fresh = ~known & (first_scored < claims)
    added = rows[group_start[fresh]]
    event = np.sort(_pair_key(member[added], first_scored[fresh]))
    owner = np.maximum(member, 0)
    from_chunk = np.searchsorted(event, _pair_key(owner, position), "left") - np.searchsorted(
        event, _pair_key(owner, np.zeros(claims, np.int64)), "left"
    )
    seen = np.where(member > 0, in_past + from_chunk, 0).astype(np.int64)
    new = np.ones(claims, bool)
    group_of_row = np.cumsum(_key_starts(key)) - 1
    new[rows] = ~known[group_of_row] & (first_scored[group_of_row] >= position[rows])
    return seen, new, (member[added], provider[added])


def patient_age(f) -> np.ndarray:
    """Age in years at the first service (float64), NaN when the birth date is not known."""
    known = (f.birth_day != NO_DATE) & (f.service_day != NO_DATE)
    return np.where(known, (f.service_day - f.birth_day.astype(np.int64)) / 365.25, np.nan)


def _code_totals(f, scored, keys, code, history: PatientHistory):
    """(history plus chunk, chunk alone) per code, float64 (codes, 5): female, male and aged
    lines, age sum, age square sum. A line counts when its claim is scored and it has a
    procedure code."""
    sex = _sex(f)[f.line_claim]
    age = patient_age(f)[f.line_claim]
    counts = scored[f.line_claim] & (keys[code] != 0)
    aged = counts & ~np.isnan(age)
    age = np.where(aged, age, 0.0)
    chunk = np.stack(
        [
            np.bincount(code, weights=counts & (sex == FEMALE), minlength=len(keys)),
            np.bincount(code, weights=counts & (sex == MALE), minlength=len(keys)),
            np.bincount(code, weights=aged, minlength=len(keys)),
            np.bincount(code, weights=age, minlength=len(keys)),
            np.bincount(code, weights=age * age, minlength=len(keys)),
        ],
        axis=1,
    ).reshape(len(keys), 5)
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
    """The columns of FEATURES (per claim)."""
    last = facts.last_same_day
    since = np.clip((f.service_day - (last - 1)) / 365.0, 0.0, 1.0)
    since = np.where((last != _NONE) & (f.service_day != NO_DATE), since, 1.0)
    totals = facts.totals
    overall = totals.sum(axis=0)
    coded = facts.coded
    # Sex: Laplace-smoothed overall shares, so that a sex no line has had yet is not log(0).
    share = (overall[[FEMALE, MALE]] + 1.0) / (overall[FEMALE] + overall[MALE] + 2.0)
    sex = _sex(f)
    line_sex = np.maximum(sex, 0)[f.line_claim]
    of_sex = totals[code, line_sex]
    both = totals[code, FEMALE] + totals[code, MALE]
    typical = np.log((of_sex + PRIOR_LINES * share[line_sex]) / (both + PRIOR_LINES)
                     / share[line_sex])  # fmt: skip
    typical = per_claim(np.fmin, np.where(coded, typical, np.nan), starts, np.nan)
    typical = np.where(sex != UNKNOWN_SEX, np.nan_to_num(typical), 0.0)
    # Age: mean and mean square smoothed towards all the codes'; a year's spread at least.
    aged = max(overall[2], 1.0)
    code_mean = (totals[:, 3] + PRIOR_LINES * overall[3] / aged) / (totals[:, 2] + PRIOR_LINES)
    code_square = (totals[:, 4] + PRIOR_LINES * overall[4] / aged) / (totals[:, 2] + PRIOR_LINES)
    spread = np.sqrt(np.maximum(code_square - code_mean * code_mean, 1.0))
    age = patient_age(f)[f.line_claim]
    z = np.abs(age - code_mean[code]) / spread[code]
    z = np.nan_to_num(per_claim(np.fmax, np.where(coded, z, np.nan), starts, np.nan))
    return {
        "member_days_since_same_service": since,
        "member_providers_seen_log": np.log1p(facts.providers_seen),
        "member_provider_new": facts.provider_new,
        "code_sex_typicality": typical,
        "code_age_z": z,
    }
