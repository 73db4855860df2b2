"""Exact integer money arithmetic on arrays: every amount is int64 cents, every rounding is
half-up (away from zero for the non-negative amounts the pipeline handles), done once."""

from __future__ import annotations

import numpy as np


def divide_half_up(numerator: np.ndarray, denominator) -> np.ndarray:
    """round_half_up(numerator / denominator) for non-negative int64 numerators."""
    return _half_up(np.asarray(numerator, np.int64), np.asarray(denominator, np.int64))


def _half_up(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    quotient, remainder = np.divmod(numerator, denominator)
    return quotient + (2 * remainder >= denominator)


def scale_half_up(base: np.ndarray, numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """round_half_up(base * numerator / denominator) exactly, for non-negative int64 `base` and
    positive `numerator` and `denominator` whose product stays below 2**63, without forming
    base * numerator: base * n / d = q * n + r * n / d with q, r = divmod(base, d)."""
    quotient, remainder = np.divmod(np.asarray(base, np.int64), np.asarray(denominator, np.int64))
    return quotient * numerator + _half_up(remainder * numerator, np.asarray(denominator, np.int64))


def percent_of(amount: np.ndarray, basis_points) -> np.ndarray:
    """round_half_up(amount * basis_points / 10000): a percentage of an amount in cents."""
    return scale_half_up(amount, np.asarray(basis_points, np.int64), np.int64(10_000))
