"""Vectorized lookups: membership of codes in sorted code lists, rows in force on a date in
effective-dated tables, and per-claim reductions over lines grouped by claim."""

from __future__ import annotations

import numpy as np

from workers.pipeline.arrays import NO_DATE, date_key


def find_code(sorted_codes: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Index of each code in `sorted_codes` (int64), -1 where absent."""
    if len(sorted_codes) == 0:
        return np.full(len(codes), -1, np.int64)
    position = np.searchsorted(sorted_codes, codes)
    clipped = np.minimum(position, len(sorted_codes) - 1)
    return np.where(sorted_codes[clipped] == codes, clipped, -1).astype(np.int64)


def row_in_force(
    sorted_keys: np.ndarray, effective_to: np.ndarray, major: np.ndarray, day: np.ndarray
) -> np.ndarray:
    """Row of an effective-dated table (keys from `date_key(major, effective_from)`, sorted) in
    force on `day` for `major`: the latest row starting on or before the day and not ended
    before it. -1 where there is none (or `major` or `day` is unknown)."""
    if len(sorted_keys) == 0:
        return np.full(len(day), -1, np.int64)
    known = (major >= 0) & (day != NO_DATE)
    key = date_key(np.maximum(major, 0), day)
    position = np.searchsorted(sorted_keys, key, side="right") - 1
    clipped = np.maximum(position, 0)
    same_major = (sorted_keys[clipped] >> 32) == np.maximum(major, 0)
    in_force = known & (position >= 0) & same_major & (effective_to[clipped] >= day)
    return np.where(in_force, clipped, -1).astype(np.int64)


def latest_started(sorted_keys: np.ndarray, major: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Row of the latest span of `major` starting on or before `day` (ended or not), or -1."""
    if len(sorted_keys) == 0:
        return np.full(len(day), -1, np.int64)
    key = date_key(np.maximum(major, 0), day)
    position = np.searchsorted(sorted_keys, key, side="right") - 1
    clipped = np.maximum(position, 0)
    found = (major >= 0) & (position >= 0) & ((sorted_keys[clipped] >> 32) == major)
    return np.where(found & (day != NO_DATE), clipped, -1).astype(np.int64)


def dense_ids(known_ids: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Dense indexes for int64 ids: (index of each known id, index of each queried id or -1),
    both into the sorted unique known ids."""
    unique = np.unique(known_ids)
    return np.searchsorted(unique, known_ids), find_code(unique, ids)


def claim_starts(line_claim: np.ndarray, claim_count: int) -> np.ndarray:
    """Offset of each claim's first line (lines grouped by claim); len = claim_count + 1."""
    counts = np.bincount(line_claim, minlength=claim_count)
    return np.concatenate(([0], np.cumsum(counts))).astype(np.int64)


def per_claim(ufunc, values: np.ndarray, starts: np.ndarray, empty) -> np.ndarray:
    """ufunc.reduceat of line values per claim; `empty` for claims without lines."""
    result = np.full(len(starts) - 1, empty, dtype=np.result_type(values, np.asarray(empty)))
    has_lines = starts[1:] > starts[:-1]
    if has_lines.any():
        # Only the claims with lines: each reduces up to the next such claim's first line (claims
        # without lines in between have no lines to skip), the last one to the end. Clipping the
        # starts of trailing claims without lines instead cut the last claim's final line off.
        result[has_lines] = ufunc.reduceat(values, starts[:-1][has_lines])
    return result


def group_cumsum(values: np.ndarray, group_start: np.ndarray) -> np.ndarray:
    """Inclusive running sum of `values` restarting at each True of `group_start` (sorted
    rows, first row a start)."""
    total = np.cumsum(values)
    group = np.cumsum(group_start) - 1
    return total - (total - values)[group_start][group]
