"""Stage 7, risk score: one score per claim in [0, 1] and the version of the model that gave it.
Claims at or above the review threshold are pended for the insurer's review queue.

Scorers are pluggable: any object with a `version` string and `score(features) -> float64[C]`.
`ASKES_RISK_SCORER` names one by dotted path ("package.module:attribute"); the model-training
work drops a trained model in that way. A scorer that raises does not stop processing: the
claims get no score, are not pended for risk, and are marked risk_scoring_failed.
"""

from __future__ import annotations

import importlib
import logging
import os
from dataclasses import dataclass

import numpy as np

from workers.pipeline.lookup import claim_starts, per_claim

log = logging.getLogger("askes.pipeline.risk")
REVIEW_THRESHOLD = 0.5


@dataclass
class RiskFeatures:
    """What a scorer may look at: per line (L) and the line's claim index."""

    line_claim: np.ndarray  # int32
    claim_count: int
    procedure_code: np.ndarray  # S5
    units_milli: np.ndarray  # int64
    charge: np.ndarray  # int64 cents
    fee: np.ndarray  # int64 cents, fee schedule amount (0 when not priced)
    priced_by_rvu: np.ndarray  # bool
    billing_provider_id: np.ndarray  # int64 per claim (C)
    member_id: np.ndarray  # int64 per claim (C)


@dataclass
class RiskScores:
    score: np.ndarray  # float64 per claim, NaN when scoring failed
    version: str
    failed: bool
    pended: np.ndarray  # bool per claim


class ChargeRatioRules:
    """Rule set "rules-1": a line billed at more than 5x its fee schedule amount for that
    procedure and locality (score = ratio / 10, capped at 1), or an office E/M code billed with
    more than one unit (score 1). A claim's score is its highest line's."""

    version = "rules-1"
    ratio_cap = 10.0

    def score(self, features: RiskFeatures) -> np.ndarray:
        priced = features.priced_by_rvu & (features.fee > 0)
        ratio = np.where(priced, features.charge / np.maximum(features.fee, 1), 0.0)
        line_score = np.minimum(ratio / self.ratio_cap, 1.0)
        evaluation = (features.procedure_code >= b"99202") & (features.procedure_code <= b"99215")
        line_score = np.where(evaluation & (features.units_milli > 1000), 1.0, line_score)
        starts = claim_starts(features.line_claim, features.claim_count)
        return per_claim(np.maximum, line_score, starts, 0.0)


def default_scorer():
    """The scorer named by ASKES_RISK_SCORER, else the rule set."""
    path = os.environ.get("ASKES_RISK_SCORER")
    if not path:
        return ChargeRatioRules()
    module, _, attribute = path.partition(":")
    return getattr(importlib.import_module(module), attribute)()


def score_claims(
    scorer, features: RiskFeatures, scored: np.ndarray, threshold: float = REVIEW_THRESHOLD
) -> RiskScores:
    """Score the claims; `scored` (bool per claim) limits pending to adjudicated claims."""
    try:
        score = np.asarray(scorer.score(features), dtype=np.float64)
        if score.shape != (features.claim_count,):
            raise ValueError(f"scorer returned shape {score.shape}")
    except Exception:  # any scorer failure: carry on without it, and say so on the claims
        log.exception("risk scorer %s failed; claims marked risk_scoring_failed", _name(scorer))
        missing = np.full(features.claim_count, np.nan)
        return RiskScores(missing, _name(scorer), True, np.zeros(features.claim_count, bool))
    return RiskScores(score, scorer.version, False, scored & (score >= threshold))


def _name(scorer) -> str:
    return str(getattr(scorer, "version", type(scorer).__name__))[:40]
