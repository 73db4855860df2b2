"""Figures of a risk score against labels, in numpy: average precision, precision and recall in
the top k% by score, recall per pattern, expected calibration error, population stability.

Ties: average precision steps at each distinct score (as scikit-learn does), so a scorer with
coarse scores gains nothing from the order within a tie; the top k% breaks ties by a hash of
the row number, the same for every scorer."""

from __future__ import annotations

import numpy as np

POSITIVE_PATTERNS = ("upcoding", "unbundling", "charge_outlier")


def average_precision(positive: np.ndarray, score: np.ndarray) -> float:
    order = np.argsort(-score, kind="stable")
    hits, ordered = positive[order].astype(np.int64), score[order]
    last_of_tie = np.r_[ordered[1:] != ordered[:-1], True]
    true_positives = np.cumsum(hits)[last_of_tie]
    taken = (np.flatnonzero(last_of_tie) + 1).astype(np.float64)
    total = max(int(positive.sum()), 1)
    recall = true_positives / total
    precision = true_positives / taken
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def top_share(score: np.ndarray, share: float) -> np.ndarray:
    """bool: the `share` of rows with the highest scores (ties broken by a fixed hash)."""
    count = int(round(share * len(score)))
    tiebreak = (
        np.arange(len(score), dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    ) >> np.uint64(11)
    order = np.lexsort((tiebreak, -score))
    chosen = np.zeros(len(score), bool)
    chosen[order[:count]] = True
    return chosen


def expected_calibration_error(positive: np.ndarray, probability: np.ndarray, bins=10) -> float:
    """Weighted mean |observed rate - mean probability| over equal-width probability bins."""
    which = np.minimum((probability * bins).astype(np.int64), bins - 1)
    observed = np.bincount(which, weights=positive.astype(np.float64), minlength=bins)
    predicted = np.bincount(which, weights=probability, minlength=bins)
    return float(np.abs(observed - predicted).sum() / max(len(probability), 1))


def figures(pattern: np.ndarray, score: np.ndarray) -> dict:
    """The issue's targets for one scorer on one population (`pattern`: label text per claim,
    "" when clean)."""
    positive = np.isin(pattern, POSITIVE_PATTERNS)
    top2, top4 = top_share(score, 0.02), top_share(score, 0.04)
    result = {
        "claims": int(len(score)),
        "positives": int(positive.sum()),
        "average_precision": average_precision(positive, score),
        "precision_at_2pct": float(positive[top2].mean()) if top2.any() else 0.0,
        "recall_at_4pct": float(positive[top4].sum() / max(positive.sum(), 1)),
    }
    for name in POSITIVE_PATTERNS:
        mine = pattern == name
        result[f"recall_at_2pct_{name}"] = float((mine & top2).sum() / max(mine.sum(), 1))
        result[f"recall_at_4pct_{name}"] = float((mine & top4).sum() / max(mine.sum(), 1))
    if np.all((score >= 0) & (score <= 1)):
        result["ece"] = expected_calibration_error(positive, score)
    return result


def decile_edges(values: np.ndarray) -> np.ndarray:
    """The 9 inner decile edges of each column (columns x 9), frozen at training."""
    return np.quantile(values, np.linspace(0.1, 0.9, 9), axis=0).T


def bin_shares(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Share of rows in each of the 10 bins of each column (columns x 10); `values` rows x
    columns, `edges` columns x 9 (sorted). A value on an edge goes to the bin above it."""
    return column_bin_shares(np.ascontiguousarray(np.asarray(values).T), edges)


def column_bin_shares(columns: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """bin_shares of `columns` given column by column (columns x rows). A value's bin is the
    number of edges not above it, as searchsorted side="right" counts it (NaN after every
    edge): all columns at once, one comparison per edge, one bincount."""
    count, rows = columns.shape
    bins = edges.shape[1] + 1
    which = np.zeros((count, rows), np.uint8)
    for edge in edges.T:
        which += ~(columns < edge[:, None])
    index = which + (np.arange(count) * bins)[:, None]
    shares = np.bincount(index.reshape(-1), minlength=count * bins).reshape(count, bins)
    return shares / max(rows, 1)


def psi(expected: np.ndarray, actual: np.ndarray, floor: float = 1e-4) -> np.ndarray:
    """Population stability index per row of shares: sum (a - e) ln(a / e), shares floored."""
    e, a = np.maximum(expected, floor), np.maximum(actual, floor)
    return ((a - e) * np.log(a / e)).sum(axis=1)
