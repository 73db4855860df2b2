"""Compiled passes over a chunk's lines for the risk features (numba): the per-claim and
per-group reductions that numpy made in some twenty array operations (each a pass over about
100,000 lines, with its temporaries) are made here in three loops over the lines.

Every value is the one numpy gave, bit for bit: sums run in numpy's order (np.bincount adds in
line order; np.add.reduceat adds a claim's first line to numpy's pairwise sum of the others,
`_reduceat_sum`), and the logarithms stay in numpy (np.log, vectorized), between
`line_quotients` and `line_reductions`.

The model's input, drift bins and reasons have kernels of their own (risk_model_kernels).
Imported on first use (risk_features.kernels). Each kernel is compiled once per process, and
cached on disk (numba's NUMBA_CACHE_DIR, which the worker sets
from the settings' kernel_cache_dir, see workers/risk_plan.warm_kernels; without it beside this
file); a worker, and a web process (which adjudicates a claim submitted alone in its request),
compiles or loads them when it starts, not in a batch or a request."""

from __future__ import annotations

import numpy as np
from numba import njit


def compiled(function):
    """njit with its machine code cached on disk; compiled per process when no cache
    directory is writable."""
    try:
        return njit(cache=True, nogil=True)(function)
    except RuntimeError:  # numba finds no writable cache directory
        return njit(nogil=True)(function)


@compiled
def line_quotients(charge, fee, priced, units, line_claim, claim_count, code, code_count):
    """Per line: whether it has a charge ratio (bool: priced, with a fee and a charge); charge
    over fee schedule amount (float64, 1 where it has none, so that its logarithm is 0: a NaN
    costs numpy's vectorized log a slow path); charge over units (at least 1) where the line
    has a charge (NaN elsewhere). Their logarithms are the line's log charge ratio and log
    charge per unit. In the same pass, counted for line_reductions: each claim's first line
    (starts, int64, C + 1; lines grouped by claim, `line_claim` < claim_count) and the lines
    of each code id (int64, `code` < code_count)."""
    count = len(charge)
    has_ratio, ratio, per_unit = np.empty(count, np.bool_), np.empty(count), np.empty(count)
    starts = np.zeros(claim_count + 1, np.int64)
    code_lines = np.zeros(code_count, np.int64)
    for line in range(count):
        amount = float(charge[line])
        per_unit[line] = amount / float(max(units[line], 1)) if charge[line] > 0 else np.nan
        has_ratio[line] = priced[line] and fee[line] > 0 and charge[line] > 0
        ratio[line] = amount / float(fee[line]) if has_ratio[line] else 1.0
        starts[line_claim[line] + 1] += 1
        code_lines[code[line]] += 1
    for claim in range(claim_count):
        starts[claim + 1] += starts[claim]
    return has_ratio, ratio, per_unit, starts, code_lines


@compiled
def _pairwise_sum(values, start, count):
    """numpy's pairwise summation of values[start:start + count] (float64), in its order."""
    if count < 8:
        total = 0.0
        for index in range(start, start + count):
            total += values[index]
        return total
    if count <= 128:
        r0, r1 = values[start], values[start + 1]
        r2, r3 = values[start + 2], values[start + 3]
        r4, r5 = values[start + 4], values[start + 5]
        r6, r7 = values[start + 6], values[start + 7]
        index = 8
        while index < count - count % 8:
            at = start + index
            r0 += values[at]
            r1 += values[at + 1]
            r2 += values[at + 2]
            r3 += values[at + 3]
            r4 += values[at + 4]
            r5 += values[at + 5]
            r6 += values[at + 6]
            r7 += values[at + 7]
            index += 8
        total = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
        while index < count:
            total += values[start + index]
            index += 1
        return total
    half = count // 2
    half -= half % 8
    return _pairwise_sum(values, start, half) + _pairwise_sum(values, start + half, count - half)


@compiled
def _reduceat_sum(values, start, end):
    """np.add.reduceat's sum of values[start:end] (end > start): the first value plus numpy's
    pairwise sum of the others (a plain loop below 9 values)."""
    if end - start <= 8:
        rest = 0.0
        for index in range(start + 1, end):
            rest += values[index]
        return values[start] + rest
    return values[start] + _pairwise_sum(values, start + 1, end - start - 1)


@compiled
def line_reductions(starts, code_lines, claim_count, has_ratio, ratio, per_unit, code,
                    code_count, level_of, pair_of, pair_first, pair_second, group, group_count,
                    units, place, modifiers, provider_of, provider_count, office,
                    emergency):  # fmt: skip
    """The chunk's per-claim figures from its lines (grouped by claim, in claim order).

    starts and code_lines are line_quotients'. Lines (L): has_ratio (bool), ratio (log
    charge ratio, 0 where it has none), per_unit (log charge per unit, NaN where not
    charged), code (procedure code id, < code_count), group (billing group: the code id, or a
    revenue code's group for a line without one, < group_count), units (int64 milli-units),
    place (place of service), modifiers (uint64: a line's four 16-bit modifiers, 0 where
    absent). Code ids: level_of (level in its family, -1 when none), pair_of (index among the
    bundled pair codes, -1 when none; pairs of them in pair_first, pair_second). Claims (C):
    provider_of (index of the billing provider, < provider_count).

    Returns starts and code_lines as given, then per claim:
    priced lines (int64), sum of their log ratios (float64, np.add.reduceat's), highest level
    (float64, -1 when none), bundled pair (bool), highest and lowest log ratio and highest log
    ratio over its code's chunk mean (float64, NaN without priced lines), highest charge per
    unit against its group's and provider's means (float64, 0 without charged lines), the id
    of its code with the fewest lines in the chunk (-1 without lines), most units (int64, 0
    without lines), a line in an office and in an emergency department (bool), modifiers
    (int64)."""
    # Every claim's figures are written below: no zeroing first.
    priced, log_sum, level = (
        np.empty(claim_count, np.int64),
        np.empty(claim_count),
        np.empty(claim_count),
    )
    paired = np.empty(claim_count, np.bool_)
    high, low = np.empty(claim_count), np.empty(claim_count)
    rarest, most_units = np.empty(claim_count, np.int64), np.empty(claim_count, np.int64)
    in_office, in_emergency = np.empty(claim_count, np.bool_), np.empty(claim_count, np.bool_)
    modifier_count = np.empty(claim_count, np.int64)
    code_sum, code_priced = np.zeros(code_count), np.zeros(code_count, np.int64)
    group_sum, group_lines = np.zeros(group_count), np.zeros(group_count, np.int64)
    for claim in range(claim_count):
        start, end = starts[claim], starts[claim + 1]
        count, highest, lowest, top_level, rest = 0, -np.inf, np.inf, -1.0, 0.0
        bits, fewest, rarest_code, most = np.uint32(0), 2**62, -1, -(2**62)
        offices, emergencies, modified = 0, 0, 0
        for line in range(start, end):
            which = code[line]
            value = ratio[line]
            if has_ratio[line]:
                if line > start:  # np.add.reduceat: the first line plus the others' sum
                    rest += value
                count += 1
                highest = max(highest, value)
                lowest = min(lowest, value)
                code_sum[which] += value
                code_priced[which] += 1
            top_level = max(top_level, level_of[which])
            if pair_of[which] >= 0:
                bits |= np.uint32(1) << np.uint32(pair_of[which])
            if code_lines[which] < fewest:
                fewest, rarest_code = code_lines[which], which
            most = max(most, units[line])
            offices += place[line] == office
            emergencies += place[line] == emergency
            flags = modifiers[line]
            for shift in range(0, 64, 16):
                modified += (flags >> np.uint64(shift)) & np.uint64(0xFFFF) != 0
            if not np.isnan(per_unit[line]):
                group_sum[group[line]] += per_unit[line]
                group_lines[group[line]] += 1
        priced[claim] = count
        high[claim] = highest if count else np.nan
        low[claim] = lowest if count else np.nan
        level[claim] = top_level
        if end - start > 8:  # numpy's pairwise order from 9 lines
            log_sum[claim] = _reduceat_sum(ratio, start, end)
        elif end > start:
            log_sum[claim] = ratio[start] + rest
        else:
            log_sum[claim] = 0.0
        rarest[claim] = rarest_code  # -1 without lines
        most_units[claim] = most if end > start else 0
        in_office[claim], in_emergency[claim] = offices > 0, emergencies > 0
        modifier_count[claim] = modified
        paired[claim] = False
        if bits:
            for pair in range(len(pair_first)):
                both = (np.uint32(1) << np.uint32(pair_first[pair])) | (
                    np.uint32(1) << np.uint32(pair_second[pair])
                )
                paired[claim] |= bits & both == both

    # Each line's charge per unit against its group's mean, then against its provider's mean
    # of that (charged lines only). A mean is divided once per group, the same value per line.
    # Subtracting the provider's mean rounds monotonically, so the claim's highest deviation
    # minus that mean is its highest line's, bit for bit.
    code_mean = code_sum / np.maximum(code_priced, 1)
    group_mean = group_sum / np.maximum(group_lines, 1)
    over_procedure = np.empty(claim_count)
    against_code = np.zeros(claim_count)
    provider_sum = np.zeros(provider_count)
    provider_lines = np.zeros(provider_count, np.int64)
    for claim in range(claim_count):
        provider, highest, deviates = provider_of[claim], -np.inf, -np.inf
        for line in range(starts[claim], starts[claim + 1]):
            if has_ratio[line]:
                highest = max(highest, ratio[line] - code_mean[code[line]])
            deviation = per_unit[line] - group_mean[group[line]]
            if not np.isnan(deviation):
                provider_sum[provider] += deviation
                provider_lines[provider] += 1
                deviates = max(deviates, deviation)
        over_procedure[claim] = highest if priced[claim] else np.nan
        against_code[claim] = deviates
    provider_mean = provider_sum / np.maximum(provider_lines, 1)
    for claim in range(claim_count):
        if against_code[claim] == -np.inf:
            against_code[claim] = 0.0
        else:
            against_code[claim] -= provider_mean[provider_of[claim]]
    return (starts, code_lines, priced, log_sum, level, paired, high, low, over_procedure,
            against_code, rarest, most_units, in_office, in_emergency, modifier_count)  # fmt: skip


# The columns claim_columns writes, in the order of its `at` (their rows in the matrix).
CLAIM_COLUMNS = (
    "charge_ratio_log_max", "charge_ratio_vs_provider", "charge_ratio_vs_procedure",
    "charge_ratio_spread", "charge_vs_code_provider", "em_level", "em_top",
    "provider_em_top_share", "provider_em_top_vs_peers", "bundled_pair", "provider_pair_rate",
    "procedure_rarity", "lines", "place_office", "place_emergency", "modifiers_per_line",
    "provider_claims_log", "age_years", "institutional",
)  # fmt: skip


@compiled
def claim_columns(matrix, at, starts, provider_of, per_provider, rarity_of, priced, level,
                  paired, high, low, over_procedure, against_code, rarest, office, emergency,
                  modifiers, service_day, birth_day, no_date, institutional):  # fmt: skip
    """Write the CLAIM_COLUMNS of each claim into `matrix` (features x C, float32), column
    CLAIM_COLUMNS[i] into row at[i], from line_reductions' figures, `per_provider` (float64,
    5 x providers: mean log charge ratio, share of levelled claims at the top, the same
    minus the peers', bundled pair rate, log(1 + claims)), and `rarity_of` (float64 per code
    id: -log of its share of the chunk's lines), the claims' service and birth days (int32
    dates, birth `no_date` when unknown: age 40) and whether they are institutional (bool).
    Each value is the float64 numpy computed for it, rounded to float32 as numpy assigns it."""
    for claim in range(len(provider_of)):
        provider = provider_of[claim]
        lines = starts[claim + 1] - starts[claim]
        has_ratio = priced[claim] > 0
        matrix[at[0], claim] = high[claim] if has_ratio else 0.0
        matrix[at[1], claim] = high[claim] - per_provider[0, provider] if has_ratio else 0.0
        matrix[at[2], claim] = over_procedure[claim] if has_ratio else 0.0
        matrix[at[3], claim] = high[claim] - low[claim] if has_ratio else 0.0
        matrix[at[4], claim] = against_code[claim]
        matrix[at[5], claim] = max(level[claim], 0.0)
        matrix[at[6], claim] = 1.0 if level[claim] >= 1.0 else 0.0
        matrix[at[7], claim] = per_provider[1, provider]
        matrix[at[8], claim] = per_provider[2, provider]
        matrix[at[9], claim] = 1.0 if paired[claim] else 0.0
        matrix[at[10], claim] = per_provider[3, provider]
        matrix[at[11], claim] = rarity_of[rarest[claim]] if rarest[claim] >= 0 else 0.0
        matrix[at[12], claim] = lines
        matrix[at[13], claim] = 1.0 if office[claim] else 0.0
        matrix[at[14], claim] = 1.0 if emergency[claim] else 0.0
        matrix[at[15], claim] = modifiers[claim] / max(lines, 1)
        matrix[at[16], claim] = per_provider[4, provider]
        if birth_day[claim] != no_date:  # numpy's int32 difference (wrapping), in years
            days = np.int32(np.int64(service_day[claim]) - np.int64(birth_day[claim]))
            matrix[at[17], claim] = np.float64(days) / 365.25
        else:
            matrix[at[17], claim] = 40.0
        matrix[at[18], claim] = 1.0 if institutional[claim] else 0.0


# Codes whose slots collide take the next free ones (open addressing): a code that collided in
# every chunk was grouped by np.unique each time (a tenth of a millisecond a chunk).
CODE_PROBES = 4


@compiled
def code_slots(codes, slot_key, slot_id, bits, multiplier):
    """Each code's id in a process's code table (risk_features.code_ids), -1 when it is not
    there. `codes`: uint8, codes x width, each code's bytes (width up to 7); its key is those
    bytes as a little-endian integer, its slot the top `bits` of key times `multiplier`
    (uint64, wrapping), and its id slot_id[at] where slot_key[at] is its key, `at` that slot
    or one of the CODE_PROBES - 1 after it (wrapping; the search ends at a free slot, whose
    id is -1)."""
    ids = np.empty(codes.shape[0], np.int32)
    shift = np.uint64(64 - bits)
    last_slot = np.uint64(len(slot_key) - 1)
    width = codes.shape[1]
    for row in range(codes.shape[0]):
        key = np.uint64(0)
        if width == 5:  # procedure codes: the bytes' loop unrolled (a third of the time)
            key = (np.uint64(codes[row, 0]) | np.uint64(codes[row, 1]) << np.uint64(8)
                   | np.uint64(codes[row, 2]) << np.uint64(16)
                   | np.uint64(codes[row, 3]) << np.uint64(24)
                   | np.uint64(codes[row, 4]) << np.uint64(32))  # fmt: skip
        else:
            for byte in range(width):
                key |= np.uint64(codes[row, byte]) << np.uint64(8 * byte)
        slot = (key * multiplier) >> shift
        found = -1
        for probe in range(CODE_PROBES):
            at = (slot + np.uint64(probe)) & last_slot
            if slot_key[at] == key:
                found = slot_id[at]
                break
            if slot_id[at] < 0:
                break
        ids[row] = found
    return ids


@compiled
def provider_sums(provider_of, counted, provider_count, level, paired, priced, log_sum):
    """What the counted claims (bool per claim) add to each provider's history (index
    provider_of, < provider_count), in claim order: claims, claims with a levelled code
    (level >= 0), with one at the top of its family (level >= 1), with a bundled pair, priced
    lines (int64), and the sum of their log ratios (float64, np.bincount's order)."""
    claims, em = np.zeros(provider_count, np.int64), np.zeros(provider_count, np.int64)
    top, pairs = np.zeros(provider_count, np.int64), np.zeros(provider_count, np.int64)
    lines, log_ratio = np.zeros(provider_count, np.int64), np.zeros(provider_count)
    for claim in range(len(provider_of)):
        if counted[claim]:
            provider = provider_of[claim]
            claims[provider] += 1
            em[provider] += level[claim] >= 0
            top[provider] += level[claim] >= 1.0
            pairs[provider] += paired[claim]
            lines[provider] += priced[claim]
            log_ratio[provider] += log_sum[claim]
    return claims, em, top, pairs, lines, log_ratio


@compiled
def billing_groups(code, bare, revenue, code_count):
    """Each line's billing group (int32) and how many there are: its procedure code id (<
    code_count), or for a line whose code id is `bare` (the empty code's, -1 when the chunk
    has none) one group per distinct revenue code (uint32: its bytes), numbered from
    code_count in order of first appearance."""
    group = code.copy()
    if bare < 0:
        return group, code_count
    seen = {np.uint32(0): np.int32(0)}  # revenue code -> group (typed by this first entry)
    seen.clear()
    count = code_count
    for line in range(len(code)):
        if code[line] == bare:
            key = revenue[line]
            if key not in seen:
                seen[key] = np.int32(count)
                count += 1
            group[line] = seen[key]
    return group, count


@compiled
def member_sums(member, counted, day, no_date):
    """The counted claims (bool per claim) summed per member id (int64): (sorted unique ids,
    claims of each (int64), latest `day` of each (int32, at least `no_date`), True), through
    a presence table over the ids' span; empty arrays and False when that span is more than
    a few times their count (the caller sorts them instead, as dense_ids does)."""
    low, high, total = 2**62, -(2**62), 0
    for claim in range(len(member)):
        if counted[claim]:
            low, high, total = min(low, member[claim]), max(high, member[claim]), total + 1
    span = high - low + 1 if total else 0
    if span > max(4 * total, 1 << 16):
        empty = np.zeros(0, np.int64)
        return empty, empty, np.zeros(0, np.int32), False
    rank = np.zeros(span, np.int32)  # 1 + the id's index among the ids, 0 when absent
    for claim in range(len(member)):
        if counted[claim]:
            rank[member[claim] - low] = 1
    count = 0
    for offset in range(span):
        if rank[offset]:
            count += 1
            rank[offset] = count
    ids = np.empty(count, np.int64)
    for offset in range(span):
        if rank[offset]:
            ids[rank[offset] - 1] = offset + low
    claims, last = np.zeros(count, np.int64), np.full(count, no_date, np.int32)
    for claim in range(len(member)):
        if counted[claim]:
            at = rank[member[claim] - low] - 1
            claims[at] += 1
            last[at] = max(last[at], day[claim])
    return ids, claims, last, True


@compiled
def member_history_columns(history_member, history_claims, history_last, member, service_day):
    """Per claim, from the member history (rows sorted by member id): the member's earlier
    claims (float64, 0 without a row) and the days since its last service over 365, clipped
    to [0, 1] (1 without a row), each the float64 feature_matrix's numpy computed."""
    count, rows = len(member), len(history_member)
    claims, days = np.zeros(count), np.ones(count)
    if rows == 0:
        return claims, days
    for claim in range(count):
        at = np.searchsorted(history_member, member[claim])
        if at < rows and history_member[at] == member[claim]:
            claims[claim] = np.float64(history_claims[at])
            since = (np.float64(service_day[claim]) - np.float64(history_last[at])) / 365.0
            days[claim] = min(max(since, 0.0), 1.0)
    return claims, days
