"""A chunk's risk figures for /metrics: per model, the PSI of the score and of each feature
against the training deciles, the pend rate and the share of scored claims at or above the
model's threshold. Each chunk overwrites the previous one's gauges (a gauge, not a sum: drift is
judged chunk by chunk; docs/risk-model.md has the alert rule)."""

from __future__ import annotations

import numpy as np

from backend.risk.observability import PSI, RATES


def risk_gauges(result) -> dict[str, dict]:
    """The gauges of `result` (a pipeline ChunkResult) to set: {Redis hash: {field: value}}.
    workers/chunks.py sends them with the chunk's counters, in one round trip."""
    risk, scored = result.risk, ~result.rejected
    counted = max(int(scored.sum()), 1)
    rates = {}
    for position, version in enumerate(risk.versions):
        limit = risk.thresholds[position] if position < len(risk.thresholds) else 0.5
        mine = scored & (risk.claim_version == position)
        rates[f"{version}|pend_rate"] = float((risk.pended & mine).sum() / max(mine.sum(), 1))
        above = np.nan_to_num(risk.score, nan=-1.0) >= limit
        rates[f"{version}|share_above_threshold"] = float((above & mine).sum() / max(mine.sum(), 1))
    if risk.shadow_score is not None:
        above = np.nan_to_num(risk.shadow_score, nan=-1.0) >= 0.5
        rates[f"{risk.shadow_version}|share_above_threshold"] = float(
            (above & scored).sum() / counted
        )
    gauges = {}
    if risk.drift:
        gauges[PSI] = {key.replace(":", "|", 1): value for key, value in risk.drift.items()}
    if rates:
        gauges[RATES] = rates
    return gauges
