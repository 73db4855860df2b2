"""The model's logit to a probability: Platt scaling, sigmoid(slope * logit + intercept), fitted
in numpy on the training populations only. Monotone, so it never changes the ranking; it keeps
the threshold a probability when training weighted some patterns above others."""

from __future__ import annotations

import numpy as np

IDENTITY = {"slope": 1.0, "intercept": 0.0}


def probability(logit: np.ndarray, calibration: dict | None) -> np.ndarray:
    """float64 probability of each logit (the identity calibration when None)."""
    c = calibration or IDENTITY
    z = np.asarray(logit, np.float64) * c["slope"] + c["intercept"]
    return 1.0 / (1.0 + np.exp(-z))


def fit_platt(logit: np.ndarray, positive: np.ndarray, iterations: int = 50) -> dict:
    """Slope and intercept maximizing the likelihood of the labels (Newton's method)."""
    x = np.column_stack([np.asarray(logit, np.float64), np.ones(len(logit))])
    y = positive.astype(np.float64)
    w = np.array([1.0, 0.0])
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(x @ w)))
        gradient = x.T @ (p - y)
        hessian = (x * (p * (1 - p))[:, None]).T @ x + 1e-9 * np.eye(2)
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-10:
            break
    return {"slope": float(w[0]), "intercept": float(w[1])}
