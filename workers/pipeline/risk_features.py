"""The risk model's features, computed per chunk at adjudication time from what the pipeline
already holds: lines, fee schedule amounts, and the provider and member history kept as of the
previous chunks (`RiskHistory`, empty for a new population). Never labels, never the claim's
own edits. Pure numpy; `workers/tests/test_risk_features.py` holds the per-claim reference.

A provider's figures combine its history with this chunk's claims (the claim included); the
peers' figures are everyone's. Rates are smoothed towards the peers' with PRIOR_CLAIMS pseudo
claims, so a provider with a handful of claims looks typical.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

import numpy as np

from workers.pipeline import risk_member_history as member_risk
from workers.pipeline.arrays import NO_DATE
from workers.pipeline.lookup import claim_starts, find_code, per_claim
from workers.pipeline.risk_codes import LEVEL_KEYS, LEVEL_OF_CODE, PAIR_INDEX, PAIR_KEYS, code_key

FEATURES = (
    "charge_ratio_log_max",  # highest line log(charge / fee schedule amount)
    "charge_ratio_vs_provider",  # ... minus the provider's mean line log ratio
    "charge_ratio_vs_procedure",  # highest line log ratio minus its procedure's mean in chunk
    "charge_ratio_spread",  # highest minus lowest line log ratio of the claim
    "charge_vs_code_provider",  # highest line's log charge per unit over its code's chunk mean,
    # minus the provider's mean of the same over its chunk lines (every line, priced or not)
    "em_level",  # highest level of a levelled code (0..1), 0 when none
    "em_top",  # a levelled code at the top of its family
    "provider_em_top_share",  # provider's share of levelled claims at the top (smoothed)
    "provider_em_top_vs_peers",  # ... minus the peers' share
    "bundled_pair",  # both codes of a bundled pair on the claim
    "provider_pair_rate",  # provider's share of claims with a bundled pair (smoothed)
    "procedure_rarity",  # -log share of the claim's rarest procedure among the chunk's lines
    "lines",
    "units_max_log",
    "age_years",
    "institutional",
    "place_office",  # any line in an office (11)
    "place_emergency",  # any line in an emergency department (23)
    "modifiers_per_line",
    "provider_claims_log",  # log(1 + claims of the provider seen so far, this chunk included)
    "member_claims_log",  # log(1 + the member's earlier claims)
    "member_days_since_last",  # days since the member's last service, /365, capped at 1
    *member_risk.FEATURES,  # the member's recent history, sex and age against the code
)
# A model records the feature names it was trained on and their hash; a worker refuses a model
# whose names are not the start of FEATURES (risk_scoring.input_width): only ever append.
FEATURE_SCHEMA_HASH = hashlib.sha256(json.dumps(FEATURES).encode()).hexdigest()
PRIOR_CLAIMS = 20.0
OFFICE, EMERGENCY = 11, 23


@dataclass
class RiskHistory:
    """Provider and member history as of the chunk (rows sorted by id)."""

    provider_id: np.ndarray  # int64 (P,)
    provider_claims: np.ndarray  # int64
    provider_em: np.ndarray  # int64 claims with a levelled code
    provider_em_top: np.ndarray  # int64 ... at the top of its family
    provider_pairs: np.ndarray  # int64 claims with a bundled pair
    provider_priced: np.ndarray  # int64 priced lines
    provider_log_ratio: np.ndarray  # float64 sum of priced lines' log charge ratios
    member_id: np.ndarray  # int64 (M,)
    member_claims: np.ndarray  # int64
    member_last_day: np.ndarray  # int32 date
    # None: no model in use reads the member history features; they are not computed (zeros)
    # and the chunk adds nothing to their tables.
    patients: member_risk.PatientHistory | None = field(
        default_factory=member_risk.PatientHistory.empty
    )

    @classmethod
    def empty(cls) -> RiskHistory:
        i, f, d = np.zeros(0, np.int64), np.zeros(0, np.float64), np.zeros(0, np.int32)
        return cls(i, i, i, i, i, i, f, i, i, d)


@dataclass
class ClaimFacts:
    """Per-claim facts the features and the history update share (C rows)."""

    provider: np.ndarray  # int64 billing provider id
    priced_lines: np.ndarray  # int64
    log_ratio_sum: np.ndarray  # float64
    level: np.ndarray  # float64 highest level of a levelled code (0..1), -1 when none
    levelled: np.ndarray  # bool
    top: np.ndarray  # bool
    paired: np.ndarray  # bool


@dataclass
class HistoryUpdate:
    """What the chunk adds to the history (only scored claims count)."""

    provider_id: np.ndarray  # int64 sorted unique
    claims: np.ndarray
    em: np.ndarray
    em_top: np.ndarray
    pairs: np.ndarray
    priced: np.ndarray
    log_ratio: np.ndarray  # float64
    member_id: np.ndarray  # int64 sorted unique
    member_claims: np.ndarray
    member_last_day: np.ndarray  # int32 date
    patients: member_risk.PatientUpdate | None = None


def line_log_ratio(charge, fee, priced) -> np.ndarray:
    """log(charge / fee) of priced lines with a fee and a charge, NaN elsewhere (float64)."""
    usable = priced & (fee > 0) & (charge > 0)
    return np.where(usable, np.log(np.maximum(charge, 1) / np.maximum(fee, 1)), np.nan)


def claim_facts(f, ratio: np.ndarray, starts: np.ndarray, keys: np.ndarray, code: np.ndarray):
    """ClaimFacts; `f` is a risk.RiskFeatures, `keys` the sorted code_key of the chunk's
    procedure codes and `code` each line's index among them (the coding tables are searched
    once per distinct code, not once per line)."""
    has_ratio = ~np.isnan(ratio)
    priced = per_claim(np.add, has_ratio.astype(np.int64), starts, 0)
    log_sum = per_claim(np.add, np.where(has_ratio, ratio, 0.0), starts, 0.0)
    level = _line_level(keys)[code]
    highest = per_claim(np.maximum, level, starts, -1.0)
    return ClaimFacts(
        f.billing_provider_id,
        priced,
        log_sum,
        highest,
        highest >= 0,
        highest >= 1.0,
        _paired(f, find_code(PAIR_KEYS, keys)[code]),
    )


def _line_level(key: np.ndarray) -> np.ndarray:
    found = find_code(LEVEL_KEYS, key)
    return np.where(found >= 0, LEVEL_OF_CODE[np.maximum(found, 0)], -1.0)


def _paired(f, found: np.ndarray) -> np.ndarray:
    """Claims billing both codes of any bundled pair (`found`: each line's index in PAIR_KEYS)."""
    rows = found >= 0
    has = np.zeros((f.claim_count, len(PAIR_KEYS)), bool)
    has[f.line_claim[rows], found[rows]] = True
    return (has[:, PAIR_INDEX[:, 0]] & has[:, PAIR_INDEX[:, 1]]).any(axis=1)


def history_update(f, facts: ClaimFacts, scored: np.ndarray, service_day,
                   providers: tuple | None = None) -> HistoryUpdate:  # fmt: skip
    """The chunk's scored claims summed per billing provider and per member; `providers` is
    np.unique(facts.provider, return_inverse=True) when the caller has it."""
    counted = scored & (facts.provider > 0)
    ids, which = providers or np.unique(facts.provider, return_inverse=True)
    which = which.reshape(-1)[counted]
    claims = np.bincount(which, minlength=len(ids))
    present = claims > 0

    def total(values):
        return np.bincount(which, weights=values[counted], minlength=len(ids))[present]

    members = scored & (f.member_id > 0)
    member_ids, member_claims, last = _per_member(f.member_id[members], service_day[members])
    return HistoryUpdate(
        ids[present],
        claims[present].astype(np.int64),
        total(facts.levelled.astype(float)).astype(np.int64),
        total(facts.top.astype(float)).astype(np.int64),
        total(facts.paired.astype(float)).astype(np.int64),
        total(facts.priced_lines.astype(float)).astype(np.int64),
        total(facts.log_ratio_sum),
        member_ids,
        member_claims,
        last,
    )


def _per_member(member: np.ndarray, day: np.ndarray):
    """(sorted unique member ids, claims of each, latest day of each); one sort, no ufunc.at."""
    order = np.argsort(member, kind="stable")
    member, day = member[order], day[order]
    first = np.flatnonzero(np.r_[True, member[1:] != member[:-1]]) if len(member) else order
    claims = np.diff(np.r_[first, len(member)]).astype(np.int64)
    last = np.maximum.reduceat(day, first) if len(member) else day
    return member[first], claims, last.astype(np.int32)


@dataclass
class ChunkFacts:
    """Line ratios, claim facts and the history update: computed for every chunk (the history
    grows whatever scores the claims); the matrix only when a model needs it."""

    starts: np.ndarray
    ratio: np.ndarray
    facts: ClaimFacts
    update: HistoryUpdate
    code: np.ndarray  # int64 (L): index of the line's procedure code among the chunk's codes
    code_lines: np.ndarray  # int64: lines of each of those codes
    provider_of: np.ndarray  # int64 (C): index of the claim's billing provider in the chunk's
    patients: member_risk.PatientFacts | None = None


def chunk_facts(f, scored: np.ndarray) -> ChunkFacts:
    """`f` is a risk.RiskFeatures, `scored` (bool per claim) the claims the history counts."""
    starts = claim_starts(f.line_claim, f.claim_count)
    ratio = line_log_ratio(f.charge, f.fee, f.priced_by_rvu)
    keys, code, code_lines = np.unique(
        code_key(f.procedure_code), return_inverse=True, return_counts=True
    )
    code = code.reshape(-1)
    facts = claim_facts(f, ratio, starts, keys, code)
    providers, provider_of = np.unique(facts.provider, return_inverse=True)
    provider_of = provider_of.reshape(-1)
    update = history_update(f, facts, scored, f.service_day, (providers, provider_of))
    patient = None
    if f.history.patients is not None:
        patient = member_risk.patient_facts(
            f, scored, keys, code, starts, providers, provider_of, f.history.patients
        )
        update.patients = patient.update
    return ChunkFacts(starts, ratio, facts, update, code, code_lines, provider_of, patient)


def feature_matrix(f, history: RiskHistory, prepared: ChunkFacts) -> np.ndarray:
    """float32 matrix C x len(FEATURES) of the chunk's claims."""
    provider = _provider_totals(history, prepared.update, prepared.facts.provider)
    columns = {
        **_charge_columns(f, prepared, provider),
        **_habit_columns(prepared.facts, provider),
        **_claim_columns(f, prepared),
        **_member_columns(f, history, provider),
    }
    if prepared.patients is None:  # no model in use reads them
        columns.update(dict.fromkeys(member_risk.FEATURES, 0.0))
    else:
        columns.update(
            member_risk.patient_columns(f, prepared.patients, prepared.code, prepared.starts)
        )
    matrix = np.empty((f.claim_count, len(FEATURES)), np.float32)
    for position, name in enumerate(FEATURES):
        matrix[:, position] = columns[name]
    return matrix


def _provider_totals(history: RiskHistory, update: HistoryUpdate, provider: np.ndarray) -> dict:
    """History plus this chunk, per claim's provider (float64); peers' rates over everyone."""
    before = find_code(history.provider_id, provider)
    now = find_code(update.provider_id, provider)
    past = {
        "claims": history.provider_claims, "em": history.provider_em,
        "em_top": history.provider_em_top, "pairs": history.provider_pairs,
        "priced": history.provider_priced, "log_ratio": history.provider_log_ratio,
    }  # fmt: skip
    present = {
        "claims": update.claims, "em": update.em, "em_top": update.em_top,
        "pairs": update.pairs, "priced": update.priced, "log_ratio": update.log_ratio,
    }  # fmt: skip
    totals = {name: _at(past[name], before) + _at(present[name], now) for name in past}
    peers = {name: float(past[name].sum()) + float(present[name].sum()) for name in past}
    totals["peer_top_share"] = peers["em_top"] / max(peers["em"], 1.0)
    totals["peer_pair_rate"] = peers["pairs"] / max(peers["claims"], 1.0)
    return totals


def _at(values: np.ndarray, index: np.ndarray) -> np.ndarray:
    """values[index] as float64, 0 where index is -1."""
    if not len(values):
        return np.zeros(len(index))
    return np.where(index >= 0, values[np.maximum(index, 0)], 0).astype(np.float64)


def _charge_columns(f, prepared: ChunkFacts, provider) -> dict:
    ratio, starts, which = prepared.ratio, prepared.starts, prepared.code
    has = ~np.isnan(ratio)
    high = per_claim(np.fmax, ratio, starts, np.nan)
    low = per_claim(np.fmin, ratio, starts, np.nan)
    provider_mean = provider["log_ratio"] / np.maximum(provider["priced"], 1)
    sums = np.bincount(which, weights=np.where(has, ratio, 0.0))
    counts = np.bincount(which, weights=has.astype(float))
    procedure_mean = (sums / np.maximum(counts, 1))[which]
    over_procedure = per_claim(np.fmax, ratio - procedure_mean, starts, np.nan)
    return {
        "charge_vs_code_provider": _charge_vs_code(f, _billing_code(f, prepared), prepared),
        "charge_ratio_log_max": np.nan_to_num(high),
        "charge_ratio_vs_provider": np.nan_to_num(high - provider_mean),
        "charge_ratio_vs_procedure": np.nan_to_num(over_procedure),
        "charge_ratio_spread": np.nan_to_num(high - low),
    }


def _billing_code(f, prepared: ChunkFacts) -> np.ndarray:
    """Each line's group: its procedure code, else its revenue code (int64 index)."""
    which = prepared.code.astype(np.int64, copy=True)
    bare = f.procedure_code == b""
    if bare.any():
        _, revenue = np.unique(f.revenue_code[bare], return_inverse=True)
        which[bare] = len(prepared.code_lines) + revenue.reshape(-1)
    return which


def _charge_vs_code(f, which: np.ndarray, prepared: ChunkFacts) -> np.ndarray:
    charged = f.charge > 0
    per_unit = np.log(np.maximum(f.charge, 1) / np.maximum(f.units_milli, 1))
    sums = np.bincount(which, weights=np.where(charged, per_unit, 0.0))
    counts = np.bincount(which, weights=charged.astype(float))
    deviation = np.where(charged, per_unit - (sums / np.maximum(counts, 1))[which], np.nan)
    mine = prepared.provider_of[f.line_claim]
    provider_sum = np.bincount(mine, weights=np.nan_to_num(deviation))
    provider_count = np.bincount(mine, weights=charged.astype(float))
    typical = (provider_sum / np.maximum(provider_count, 1))[mine]
    return np.nan_to_num(per_claim(np.fmax, deviation - typical, prepared.starts, np.nan))


def _habit_columns(facts: ClaimFacts, provider: dict) -> dict:
    peer_top, peer_pairs = provider["peer_top_share"], provider["peer_pair_rate"]
    top_share = (provider["em_top"] + PRIOR_CLAIMS * peer_top) / (provider["em"] + PRIOR_CLAIMS)
    pair_rate = (provider["pairs"] + PRIOR_CLAIMS * peer_pairs) / (
        provider["claims"] + PRIOR_CLAIMS
    )
    return {
        "em_level": np.maximum(facts.level, 0.0),
        "em_top": facts.top,
        "provider_em_top_share": top_share,
        "provider_em_top_vs_peers": top_share - peer_top,
        "bundled_pair": facts.paired,
        "provider_pair_rate": pair_rate,
    }


def _claim_columns(f, prepared: ChunkFacts) -> dict:
    starts = prepared.starts
    # The rarest code is the one with the fewest lines: one log per claim, not per line.
    fewest = per_claim(np.minimum, prepared.code_lines[prepared.code], starts, 0)
    rarity = -np.log(np.maximum(fewest, 1) / max(len(f.procedure_code), 1))
    lines = np.diff(starts)
    units = per_claim(np.maximum, f.units_milli, starts, 0) / 1000.0
    place = f.place_of_service
    # Places as bit flags (1 office, 2 emergency): one reduction for both.
    places = (place == OFFICE).astype(np.uint8) | ((place == EMERGENCY).astype(np.uint8) << 1)
    places = per_claim(np.bitwise_or, places, starts, np.uint8(0))
    # An absent modifier is b"" (two zero bytes): compare 16-bit integers, not byte strings.
    present = np.ascontiguousarray(f.modifiers).view(np.uint16) != 0
    modifiers = per_claim(np.add, present.sum(axis=1), starts, 0)
    age = np.where(f.birth_day != NO_DATE, (f.service_day - f.birth_day) / 365.25, 40.0)
    return {
        "procedure_rarity": np.where(fewest > 0, rarity, 0.0),
        "lines": lines,
        "units_max_log": np.log1p(units),
        "age_years": age,
        "institutional": f.institutional,
        "place_office": (places & 1) > 0,
        "place_emergency": (places & 2) > 0,
        "modifiers_per_line": modifiers / np.maximum(lines, 1),
    }


def _member_columns(f, history: RiskHistory, provider: dict) -> dict:
    found = find_code(history.member_id, f.member_id)
    claims = _at(history.member_claims, found)
    last = _at(history.member_last_day, found)
    days = np.where(found >= 0, np.clip((f.service_day - last) / 365.0, 0.0, 1.0), 1.0)
    return {
        "provider_claims_log": np.log1p(provider["claims"]),
        "member_claims_log": np.log1p(claims),
        "member_days_since_last": days,
    }
