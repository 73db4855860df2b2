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
import threading
from dataclasses import dataclass, field

import numpy as np

from workers.pipeline import risk_member_history as member_risk
from workers.pipeline.arrays import NO_DATE
from workers.pipeline.lookup import find_code
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


# Procedure codes are grouped by a small integer id per distinct code, found in a per-process
# table by a multiplicative hash of the code's bytes: bincount over ids instead of sorting the
# chunk's lines (np.unique over 100,000 codes cost about 9 ms a chunk). A code whose hash slot
# is taken by another code is grouped per chunk by np.unique over its lines alone.
_CODE_BITS = 14  # 16,384 slots: the table stays in the CPU's cache
_HASH = np.uint64(0x9E3779B97F4A7C15)
_EMPTY_SLOT = np.uint64(2**64 - 1)  # no code of 7 bytes or fewer has this key
_code_lock = threading.Lock()


@dataclass
class _CodeTable:
    slot_key: np.ndarray  # uint64 (2**_CODE_BITS,) the key in each slot, _EMPTY_SLOT if none
    slot_id: np.ndarray  # int32 id of the code in each slot, -1 if none
    codes: np.ndarray  # S<width> code of each id
    level: np.ndarray  # float64 level of each id's code in its family (0..1), -1 when none
    pair: np.ndarray  # int64 index of each id's code in PAIR_KEYS, -1 when none


_tables: dict[int, _CodeTable] = {}  # code width -> table (replaced whole, never mutated)


def _byte_key(codes: np.ndarray) -> np.ndarray:
    """uint64 key of each fixed-width byte code (up to 7 bytes): its bytes, little-endian (an
    identity, not an order; code_key keeps the order)."""
    codes = np.ascontiguousarray(codes)
    width = codes.dtype.itemsize
    if width == 5 and len(codes):  # procedure codes: one unaligned 4-byte read and one byte each
        raw = codes.view(np.uint8)
        low = np.ndarray(len(codes), "<u4", raw, 0, (5,)).astype(np.uint64)
        high = np.ndarray(len(codes), np.uint8, raw, 4, (5,)).astype(np.uint64)
        return low | (high << np.uint64(32))
    padded = np.zeros((len(codes), 8), np.uint8)
    padded[:, :width] = codes.view(np.uint8).reshape(len(codes), width)
    return padded.view("<u8").reshape(-1)


def _slot(key: np.ndarray) -> np.ndarray:
    return ((key * _HASH) >> np.uint64(64 - _CODE_BITS)).astype(np.intp)


def _describe(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(level, pair index) of each code, from the coding tables (risk_codes)."""
    keys = code_key(codes)
    found = find_code(LEVEL_KEYS, keys)
    level = np.where(found >= 0, LEVEL_OF_CODE[np.maximum(found, 0)], -1.0)
    return level, find_code(PAIR_KEYS, keys)


def _table(width: int) -> _CodeTable:
    table = _tables.get(width)
    if table is None:
        size = 2**_CODE_BITS
        empty = np.zeros(0, f"S{width}")
        table = _CodeTable(np.full(size, _EMPTY_SLOT), np.full(size, -1, np.int32), empty,
                           np.zeros(0), np.zeros(0, np.int64))  # fmt: skip
    return table


def _learn(width: int, table: _CodeTable, codes: np.ndarray) -> None:
    """Add new distinct codes to the process's table (a new table: readers keep the one they
    hold), each in the first free slot of its own and the next ones (risk_kernels.code_slots'
    probes); a code without one is left out, and the table stays at most half full."""
    from workers.pipeline.risk_kernels import CODE_PROBES

    if not len(codes) or len(table.codes) + len(codes) > 2 ** (_CODE_BITS - 1):
        return
    key, home = _byte_key(codes), _slot(_byte_key(codes))
    with _code_lock:
        if _tables.get(width, table) is not table:
            return  # another thread learnt first; these codes come back next chunk
        slot_key, slot_id = table.slot_key.copy(), table.slot_id.copy()
        placed: list[int] = []
        for index, first in enumerate(home.tolist()):  # a few new codes a chunk at most
            free = [(first + p) % len(slot_id) for p in range(CODE_PROBES)]
            free = [at for at in free if slot_id[at] < 0]
            if free:
                slot_key[free[0]], slot_id[free[0]] = key[index], len(table.codes) + len(placed)
                placed.append(index)
        if not placed:
            return
        new = np.array(placed)
        level, pair = _describe(codes[new])
        _tables[width] = _CodeTable(slot_key, slot_id, np.concatenate((table.codes, codes[new])),
                                    np.concatenate((table.level, level)),
                                    np.concatenate((table.pair, pair)))  # fmt: skip


def code_ids(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(id of each line's code, code of each id, level of each id, pair index of each id): equal
    codes get equal ids, ids are dense from 0 (not in code order)."""
    width = codes.dtype.itemsize
    table = _table(width)
    raw = np.ascontiguousarray(codes).view(np.uint8).reshape(len(codes), width)
    ids = kernels().code_slots(raw, table.slot_key, table.slot_id, _CODE_BITS, _HASH)
    known_codes, level, pair = table.codes, table.level, table.pair
    missing = np.flatnonzero(ids < 0)
    if missing.size:
        key = _byte_key(codes[missing])
        extra, first, which = np.unique(key, return_index=True, return_inverse=True)
        extra_codes = codes[missing[first]]
        ids[missing] = len(known_codes) + which.reshape(-1)
        extra_level, extra_pair = _describe(extra_codes)
        known_codes = np.concatenate((known_codes, extra_codes))
        level, pair = np.concatenate((level, extra_level)), np.concatenate((pair, extra_pair))
        _learn(width, table, extra_codes)
    return ids, known_codes, level, pair


def unique_ids(ids: np.ndarray) -> np.ndarray:
    """np.unique(ids) of int64 ids; those within a span of a few times their count through a
    presence table instead of a sort (dense_ids)."""
    if not len(ids):
        return ids[:0].astype(np.int64)
    low, high = int(ids.min()), int(ids.max())
    span = high - low + 1
    if span > max(4 * len(ids), 1 << 16):
        return np.unique(ids).astype(np.int64, copy=False)
    seen = np.zeros(span, bool)
    seen[ids - low] = True
    return np.flatnonzero(seen).astype(np.int64) + low


def dense_ids(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sorted unique ids, index of each id among them), as np.unique(return_inverse=True) gives
    them; ids within a span of a few times their count (a chunk's providers and members in a
    young database) through a presence table instead of a sort."""
    if not len(ids):
        return ids[:0].astype(np.int64), np.zeros(0, np.int64)
    low, high = int(ids.min()), int(ids.max())
    span = high - low + 1
    if span > max(4 * len(ids), 1 << 16):
        unique, inverse = np.unique(ids, return_inverse=True)
        return unique, inverse.reshape(-1)
    offset = ids - low
    seen = np.zeros(span, bool)
    seen[offset] = True
    rank = np.cumsum(seen) - 1
    return np.flatnonzero(seen).astype(np.int64) + low, rank[offset]


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
    level: np.ndarray  # float64 highest level of a levelled code (0..1, 1 the top), -1 when none
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


def kernels():
    """The compiled line passes (risk_kernels), imported on first use: numba loads only in the
    processes that compute features."""
    from workers.pipeline import risk_kernels

    return risk_kernels


def model_kernels():
    """The compiled passes over the feature matrix (risk_model_kernels: the model's int8 input,
    the drift bins, the reasons), imported on first use as `kernels` is."""
    from workers.pipeline import risk_model_kernels

    return risk_model_kernels


@dataclass
class LineFigures:
    """What a claim's lines give its features (C rows), from risk_kernels.line_reductions."""

    high: np.ndarray  # float64 highest line log charge ratio, NaN without priced lines
    low: np.ndarray  # float64 lowest ..., NaN without priced lines
    over_procedure: np.ndarray  # float64 highest ... over its code's chunk mean, NaN likewise
    against_code: np.ndarray  # float64 charge_vs_code_provider, 0 without charged lines
    rarest: np.ndarray  # int64 id of its code with the fewest chunk lines, -1 without lines
    most_units: np.ndarray  # int64 milli-units of its line with the most, 0 without lines
    office: np.ndarray  # bool a line in an office
    emergency: np.ndarray  # bool a line in an emergency department
    modifiers: np.ndarray  # int64 modifiers on its lines


def line_figures(f, line_claim: np.ndarray, code: np.ndarray, codes: np.ndarray,
                 level_of: np.ndarray, pair_of: np.ndarray, provider_of: np.ndarray,
                 providers: int):  # fmt: skip
    """(starts, code_lines, ClaimFacts, LineFigures) of the chunk's lines (grouped by claim,
    in claim order): compiled passes over them (risk_kernels), the logarithms in numpy's
    vectorized np.log between (the same values, bit for bit, as the numpy code had)."""
    kernel = kernels()
    charge = np.asarray(f.charge, np.int64)
    has_ratio, ratio, per_unit, starts, code_lines = kernel.line_quotients(
        charge,
        np.asarray(f.fee, np.int64),
        np.asarray(f.priced_by_rvu, np.bool_),
        np.asarray(f.units_milli, np.int64),
        line_claim,
        f.claim_count,
        code,
        len(codes),
    )
    np.log(ratio, out=ratio)
    np.log(per_unit, out=per_unit)  # NaN stays NaN: the lines without a charge
    group, groups = _billing_code(f, code, codes)
    # A line's four modifiers (b"" when absent: two zero bytes) as one 64-bit integer.
    modifiers = np.ascontiguousarray(f.modifiers).view(np.uint64).reshape(-1)
    (starts, code_lines, priced, log_sum, level, paired, high, low, over_procedure,
     against_code, rarest, most_units, office, emergency, modifier_count) = (
        kernel.line_reductions(starts, code_lines, f.claim_count, has_ratio, ratio, per_unit,
                               code, len(codes), level_of, pair_of, PAIR_INDEX[:, 0].copy(),
                               PAIR_INDEX[:, 1].copy(), group, groups,
                               np.asarray(f.units_milli, np.int64),
                               np.asarray(f.place_of_service, np.int16), modifiers,
                               provider_of, providers, OFFICE, EMERGENCY)
    )  # fmt: skip
    facts = ClaimFacts(f.billing_provider_id, priced, log_sum, level, paired)
    figures = LineFigures(high, low, over_procedure, against_code, rarest, most_units, office,
                          emergency, modifier_count)  # fmt: skip
    return starts, code_lines, facts, figures


def _billing_code(f, code: np.ndarray, codes: np.ndarray) -> tuple[np.ndarray, int]:
    """(each line's group: its procedure code id, else its revenue code; how many groups)."""
    empty = np.flatnonzero(codes == b"")
    if f.revenue_code is None:
        revenue = np.zeros(len(code), np.uint32)
    else:
        revenue = np.ascontiguousarray(f.revenue_code, "S4").view(np.uint32)
    return kernels().billing_groups(code, int(empty[0]) if empty.size else -1, revenue,
                                    len(codes))  # fmt: skip


def history_update(f, facts: ClaimFacts, scored: np.ndarray, service_day,
                   providers: tuple | None = None) -> HistoryUpdate:  # fmt: skip
    """The chunk's scored claims summed per billing provider and per member; `providers` is
    dense_ids(facts.provider) when the caller has it."""
    ids, which = providers or dense_ids(facts.provider)
    counted = scored & (facts.provider > 0)
    sums = kernels().provider_sums(which, counted, len(ids), facts.level, facts.paired,
                                   facts.priced_lines, facts.log_ratio_sum)  # fmt: skip
    present = sums[0] > 0
    members = scored & (f.member_id > 0)
    member_ids, member_claims, last, dense = kernels().member_sums(
        np.asarray(f.member_id, np.int64), members, np.asarray(service_day, np.int32), NO_DATE
    )
    if not dense:  # ids spread far beyond their count: sorted instead
        member_ids, member_claims, last = _per_member(f.member_id[members], service_day[members])
    return HistoryUpdate(ids[present], *(total[present] for total in sums), member_ids,
                         member_claims, last)  # fmt: skip


def _per_member(member: np.ndarray, day: np.ndarray):
    """(sorted unique member ids, claims of each, latest day of each); no sort when the ids
    are dense (dense_ids)."""
    ids, which = dense_ids(member)
    last = np.full(len(ids), NO_DATE, np.int32)
    np.maximum.at(last, which, day.astype(np.int32))
    return ids, np.bincount(which, minlength=len(ids)).astype(np.int64), last


@dataclass
class ChunkFacts:
    """Line figures, claim facts and the history update: computed for every chunk (the history
    grows whatever scores the claims); the matrix only when a model needs it."""

    starts: np.ndarray
    lines: LineFigures
    facts: ClaimFacts
    update: HistoryUpdate
    code: np.ndarray  # int32 (L): id of the line's procedure code (code_ids, not in code order)
    code_lines: np.ndarray  # int64: lines of each of those codes in the chunk
    provider_of: np.ndarray  # int64 (C): index of the claim's billing provider in `providers`
    providers: np.ndarray  # int64 sorted unique billing provider ids of the chunk
    codes: np.ndarray  # S5 code of each code id
    line_claim: np.ndarray  # intp (L): f.line_claim as an index (converted once, not per use)
    patients: member_risk.PatientFacts | None = None  # None: no model in use reads them
    patient_code: np.ndarray | None = None  # intp (L): sorted_codes' index of the line's code


def chunk_facts(f, scored: np.ndarray) -> ChunkFacts:
    """`f` is a risk.RiskFeatures, `scored` (bool per claim) the claims the history counts."""
    line_claim = f.line_claim.astype(np.intp)
    code, codes, level_of, pair_of = code_ids(f.procedure_code)
    providers, provider_of = dense_ids(f.billing_provider_id)
    starts, code_lines, facts, lines = line_figures(
        f, line_claim, code, codes, level_of, pair_of, provider_of, len(providers)
    )
    update = history_update(f, facts, scored, f.service_day, (providers, provider_of))
    patient, in_order = None, None
    if f.history.patients is not None:
        keys, in_order = sorted_codes(codes, code, code_lines)
        patient = member_risk.patient_facts(
            f, scored, keys, in_order, starts, providers, provider_of, f.history.patients
        )
        update.patients = patient.update
    return ChunkFacts(starts, lines, facts, update, code, code_lines, provider_of, providers,
                      codes, line_claim, patient, in_order)  # fmt: skip


def sorted_codes(codes: np.ndarray, code: np.ndarray, code_lines: np.ndarray):
    """The chunk's procedure codes as the member history keys them: (sorted code keys of the
    codes the chunk bills, each line's index among them), what np.unique(code_key(lines' codes),
    return_inverse=True) gives, from the code ids (a sort of the chunk's distinct codes only)."""
    present = np.flatnonzero(code_lines)
    key = code_key(codes[present])
    order = np.argsort(key, kind="stable")
    rank = np.full(len(codes), -1, np.intp)
    rank[present[order]] = np.arange(len(present))
    return key[order], rank[code]


def feature_matrix(f, history: RiskHistory, prepared: ChunkFacts) -> np.ndarray:
    """float32 matrix C x len(FEATURES) of the chunk's claims."""
    provider = _provider_totals(history, prepared.update, prepared.providers)
    # Row by row of a features x C buffer (contiguous writes; the model's quantization then
    # runs along the columns too): the same C x features matrix, Fortran-ordered.
    matrix = np.empty((len(FEATURES), f.claim_count), np.float32)
    _line_columns(matrix, f, prepared, provider)
    columns = {**_claim_columns(f, prepared), **_member_columns(f, history)}
    if prepared.patients is None:  # no model in use reads them
        columns.update(dict.fromkeys(member_risk.FEATURES, 0.0))
    else:
        columns.update(
            member_risk.patient_columns(
                f, prepared.patients, prepared.patient_code, prepared.starts
            )
        )
    for name, column in columns.items():
        matrix[FEATURES.index(name)] = column
    return matrix.T


def _provider_totals(history: RiskHistory, update: HistoryUpdate, providers: np.ndarray) -> dict:
    """History plus this chunk, per provider of the chunk (`providers`, float64; a claim's are
    at its `provider_of`); peers' rates over everyone."""
    before = find_code(history.provider_id, providers)
    now = find_code(update.provider_id, providers)
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


def _line_columns(matrix: np.ndarray, f, prepared: ChunkFacts, provider: dict) -> None:
    """The columns from the claims' lines and their providers' figures (risk_kernels.
    CLAIM_COLUMNS), written in one compiled pass over the claims."""
    kernel = kernels()
    peer_top, peer_pairs = provider["peer_top_share"], provider["peer_pair_rate"]
    # Rates smoothed towards the peers' with PRIOR_CLAIMS pseudo claims.
    top_share = (provider["em_top"] + PRIOR_CLAIMS * peer_top) / (provider["em"] + PRIOR_CLAIMS)
    pair_rate = (provider["pairs"] + PRIOR_CLAIMS * peer_pairs) / (
        provider["claims"] + PRIOR_CLAIMS
    )
    per_provider = np.array([
        provider["log_ratio"] / np.maximum(provider["priced"], 1), top_share,
        top_share - peer_top, pair_rate, np.log1p(provider["claims"]),
    ]).reshape(5, len(prepared.providers))  # fmt: skip
    # The rarest code is the one with the fewest lines: one log per code, not per line.
    rarity_of = -np.log(np.maximum(prepared.code_lines, 1) / max(len(f.procedure_code), 1))
    at = np.array([FEATURES.index(name) for name in kernel.CLAIM_COLUMNS])
    facts, lines = prepared.facts, prepared.lines
    kernel.claim_columns(matrix, at, prepared.starts, prepared.provider_of, per_provider,
                         rarity_of, facts.priced_lines, facts.level, facts.paired, lines.high,
                         lines.low, lines.over_procedure, lines.against_code, lines.rarest,
                         lines.office, lines.emergency, lines.modifiers,
                         np.asarray(f.service_day, np.int32), np.asarray(f.birth_day, np.int32),
                         NO_DATE, np.asarray(f.institutional, np.bool_))  # fmt: skip


def _claim_columns(f, prepared: ChunkFacts) -> dict:
    # The claims' age and kind are written by claim_columns (_line_columns); this logarithm
    # stays numpy's.
    return {"units_max_log": np.log1p(prepared.lines.most_units / 1000.0)}


def _member_columns(f, history: RiskHistory) -> dict:
    claims, days = kernels().member_history_columns(
        history.member_id, history.member_claims, history.member_last_day,
        np.asarray(f.member_id, np.int64), np.asarray(f.service_day, np.int32),
    )  # fmt: skip
    return {"member_claims_log": np.log1p(claims), "member_days_since_last": days}
