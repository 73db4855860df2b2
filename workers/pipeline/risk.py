"""Stage 7, risk score: one score per claim in [0, 1], the version of the model that gave it,
and the claims at or above that model's threshold pended for the insurer's review queue.

Scorers are pluggable. A rule scorer has a `version` and `score(features) -> float64[C]`; a
model scorer also has `uses_matrix = True`, `threshold`, and `score_matrix(matrix)` over the
feature matrix of `risk_features` (computed once per chunk, with the history update), plus
`explain` and `drift(matrix, score, rows)`. `ScoringPlan` names the champion, an optional
shadow model (scores every claim, never pends) and the share of claims (by a hash of the
claim id) whose decision the shadow model makes instead: the A/B split, arm recorded on the
claim.

A model that fails does not stop processing: the chunk is scored by the rule set and its claims
say so (`risk_model_version` names the rule set, `risk_scoring_failed` is true). When the rule
set fails too, the claims get no score and are not pended for risk.
"""

from __future__ import annotations

import importlib
import logging
import time
from dataclasses import dataclass, field

import numpy as np

from workers.pipeline.lookup import claim_starts, per_claim
from workers.pipeline.risk_features import (
    HistoryUpdate,
    RiskHistory,
    chunk_facts,
    feature_matrix,
)

log = logging.getLogger("askes.pipeline.risk")
REVIEW_THRESHOLD = 0.5
ARM_BUCKETS = 10_000
# Drift is judged on every DRIFT_STRIDE-th scored claim (about 5,000 of a 25,000-claim chunk)
# for a sixth of the cost: PSI within 0.001 of the whole chunk's at the median, 0.056 at most
# (a per-provider feature already far above the 0.25 alert level); docs/risk-model.md.
DRIFT_STRIDE = 5


@dataclass
class RiskFeatures:
    """What a scorer may look at: per line (L) and per claim (C)."""

    line_claim: np.ndarray  # int32
    claim_count: int
    procedure_code: np.ndarray  # S5
    units_milli: np.ndarray  # int64
    charge: np.ndarray  # int64 cents
    fee: np.ndarray  # int64 cents, fee schedule amount (0 when not priced)
    priced_by_rvu: np.ndarray  # bool
    billing_provider_id: np.ndarray  # int64 per claim (C)
    member_id: np.ndarray  # int64 per claim (C)
    claim_id: np.ndarray | None = None  # int64 (C), for the A/B split
    modifiers: np.ndarray | None = None  # S2 (L, 4)
    revenue_code: np.ndarray | None = None  # S4 (L), b"" when absent
    place_of_service: np.ndarray | None = None  # int16 (L)
    service_day: np.ndarray | None = None  # int32 date (C), the claim's first service day
    birth_day: np.ndarray | None = None  # int32 date (C)
    institutional: np.ndarray | None = None  # bool (C)
    sex: np.ndarray | None = None  # int16 (C): the patient's, 0 female, 1 male, -1 not known
    history: RiskHistory = field(default_factory=RiskHistory.empty)


@dataclass
class RiskScores:
    score: np.ndarray  # float64 per claim, NaN when no scorer could score it
    version: str  # the champion's (or the rule set's after a failure)
    failed: bool
    pended: np.ndarray  # bool per claim
    claim_version: np.ndarray | None = None  # int8 index into `versions` per claim
    versions: tuple = ()
    thresholds: tuple = ()  # review threshold of each of `versions`
    arm: np.ndarray | None = None  # S1 per claim: b"A" champion, b"B" challenger, b"" none
    shadow_score: np.ndarray | None = None  # float64, NaN where not scored
    shadow_version: str | None = None
    shadow_threshold: float = REVIEW_THRESHOLD
    reasons: dict = field(default_factory=dict)  # claim index -> JSON text of its reasons
    history: HistoryUpdate | None = None
    drift: dict = field(default_factory=dict)  # "model:feature" -> PSI of this chunk
    matrix: np.ndarray | None = None  # the feature matrix (C x features)

    def __post_init__(self):
        if self.claim_version is None:
            self.claim_version = np.zeros(len(self.score), np.int8)
            self.versions = (self.version,)


class ChargeRatioRules:
    """Rule set "rules-1": a line billed at more than 5x its fee schedule amount for that
    procedure and locality (score = ratio / 10, capped at 1), or an office E/M code billed with
    more than one unit (score 1). A claim's score is its highest line's."""

    version = "rules-1"
    ratio_cap = 10.0
    threshold = REVIEW_THRESHOLD

    def score(self, features: RiskFeatures) -> np.ndarray:
        priced = features.priced_by_rvu & (features.fee > 0)
        ratio = np.where(priced, features.charge / np.maximum(features.fee, 1), 0.0)
        line_score = np.minimum(ratio / self.ratio_cap, 1.0)
        evaluation = (features.procedure_code >= b"99202") & (features.procedure_code <= b"99215")
        line_score = np.where(evaluation & (features.units_milli > 1000), 1.0, line_score)
        starts = claim_starts(features.line_claim, features.claim_count)
        return per_claim(np.maximum, line_score, starts, 0.0)


class ProviderRelativeRules:
    """Rule set "rules-2", the baseline the model is judged against: a claim whose highest line
    is charged a multiple of what its provider usually charges (its fee schedule ratio over the
    provider's mean, or its charge per unit over the code's chunk mean beyond the provider's
    usual), score = multiple / 10 capped at 1; 5 times is the threshold. Markups differ from
    provider to provider, so a fixed ratio (rules-1) pends honest providers and misses the rest.
    It reads the feature matrix (the provider's history included)."""

    version = "rules-2"
    uses_matrix = True
    ratio_cap = 10.0
    threshold = REVIEW_THRESHOLD

    def score_matrix(self, matrix: np.ndarray) -> np.ndarray:
        from workers.pipeline.risk_features import FEATURES

        columns = [FEATURES.index("charge_ratio_vs_provider"),
                   FEATURES.index("charge_vs_code_provider")]  # fmt: skip
        multiple = np.exp(matrix[:, columns].astype(np.float64).max(axis=1))
        return np.minimum(multiple / self.ratio_cap, 1.0)


@dataclass
class ScoringPlan:
    """Champion, optional shadow (challenger) and the challenger's A/B share (0..1)."""

    champion: object
    shadow: object | None = None
    ab_share: float = 0.0
    fallback: object = field(default_factory=ChargeRatioRules)

    @property
    def version(self) -> str:
        return _name(self.champion)


def default_scorer(path: str | None = None):
    """The scorer named by `path` ("module:Class", the worker's ASKES_RISK_SCORER), else the rule
    set."""
    if not path:
        return ChargeRatioRules()
    module, _, attribute = path.partition(":")
    return getattr(importlib.import_module(module), attribute)()


def arm_of(claim_id: np.ndarray, share: float) -> np.ndarray:
    """True for the claims in the challenger's arm: a multiplicative hash of the claim id into
    ARM_BUCKETS buckets, the first `share` of them (stable across runs and workers)."""
    mixed = (claim_id.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(40)
    return (mixed % np.uint64(ARM_BUCKETS)) < np.uint64(round(share * ARM_BUCKETS))


def score_claims(
    scorer,
    features: RiskFeatures,
    scored: np.ndarray,
    threshold: float | None = None,
    timings: dict | None = None,
) -> RiskScores:
    """Score the claims; `scored` (bool per claim) limits pending (and history) to the
    adjudicated claims. `scorer` is a ScoringPlan or a single scorer (its champion). With
    `timings` (askes bench risk-scoring), the CPU seconds of each piece are added to it:
    features, scoring (the champion, the rule set after a failure, the shadow), reasons,
    drift."""
    clock = _Clock(timings)
    plan = scorer if isinstance(scorer, ScoringPlan) else ScoringPlan(scorer)
    needs_matrix = any(getattr(s, "uses_matrix", False) for s in (plan.champion, plan.shadow))
    prepared = chunk_facts(features, scored) if features.service_day is not None else None
    matrix = feature_matrix(features, features.history, prepared) if needs_matrix else None
    update = prepared.update if prepared is not None else None
    clock.lap("features")
    score, failed, used = _score_with(plan.champion, features, matrix)
    if failed:
        score, rules_failed, used = _score_with(plan.fallback, features, matrix)
        failed = True if not rules_failed else "both"
    limit = threshold if threshold is not None else getattr(used, "threshold", REVIEW_THRESHOLD)
    result = RiskScores(score, _name(used), bool(failed), scored & (score >= limit))
    result.thresholds = (limit,)
    result.history, result.matrix = update, matrix
    if failed == "both":
        result.pended[:] = False
    if plan.shadow is not None:
        _shadow(plan, features, matrix, scored, result)
    clock.lap("scoring")
    _explain(used, matrix, result)
    clock.lap("reasons")
    _drift(used, plan.shadow, matrix, result, scored)
    clock.lap("drift")
    return result


class _Clock:
    """CPU seconds of this process per piece, added to `timings` (nothing when None)."""

    def __init__(self, timings: dict | None):
        self.timings = timings
        self.last = time.process_time() if timings is not None else 0.0

    def lap(self, name: str) -> None:
        if self.timings is not None:
            now = time.process_time()
            self.timings[name] = self.timings.get(name, 0.0) + now - self.last
            self.last = now


def _score_with(scorer, features, matrix):
    """(score, failed, scorer); failure logged, never raised."""
    try:
        if getattr(scorer, "uses_matrix", False):
            score = np.asarray(scorer.score_matrix(matrix), dtype=np.float64)
        else:
            score = np.asarray(scorer.score(features), dtype=np.float64)
        if score.shape != (features.claim_count,):
            raise ValueError(f"scorer returned shape {score.shape}")
        return score, False, scorer
    except Exception:  # any scorer failure: carry on without it, and say so on the claims
        log.exception("risk scorer %s failed; claims marked risk_scoring_failed", _name(scorer))
        return np.full(features.claim_count, np.nan), True, scorer


def _shadow(plan: ScoringPlan, features, matrix, scored, result: RiskScores) -> None:
    """The shadow model scores every claim; in the B arm its score decides."""
    shadow, failed, _ = _score_with(plan.shadow, features, matrix)
    result.shadow_score, result.shadow_version = shadow, _name(plan.shadow)
    result.shadow_threshold = getattr(plan.shadow, "threshold", REVIEW_THRESHOLD)
    if failed or plan.ab_share <= 0 or features.claim_id is None:
        return
    challenger = arm_of(features.claim_id, plan.ab_share) & scored
    result.arm = np.where(challenger, b"B", b"A").astype("S1")
    result.score = np.where(challenger, shadow, result.score)
    limit = getattr(plan.shadow, "threshold", REVIEW_THRESHOLD)
    result.pended = np.where(challenger, scored & (shadow >= limit), result.pended)
    result.versions = (result.version, result.shadow_version)
    result.thresholds = (result.thresholds[0], limit)
    result.claim_version = challenger.astype(np.int8)


def _explain(scorer, matrix, result: RiskScores) -> None:
    explain = getattr(scorer, "explain", None)
    rows = np.flatnonzero(result.pended & (result.claim_version == 0))
    if explain is None or matrix is None or not rows.size:
        return
    try:
        reasons = explain(matrix[rows], result.score[rows])
        result.reasons = dict(zip(rows.tolist(), reasons, strict=True))
    except Exception:  # reasons help the reviewer; their failure must not stop a chunk
        log.exception("risk model %s could not explain its pended claims", _name(scorer))


def _drift(champion, shadow, matrix, result: RiskScores, scored) -> None:
    rows = np.flatnonzero(scored)[::DRIFT_STRIDE]
    for model, score in ((champion, result.score), (shadow, result.shadow_score)):
        drift = getattr(model, "drift", None)
        if drift is None or matrix is None or score is None or not rows.size:
            continue
        try:
            for name, value in drift(matrix, score, rows).items():
                result.drift[f"{_name(model)}:{name}"] = value
        except Exception:
            log.exception("drift of %s failed", _name(model))


def _name(scorer) -> str:
    return str(getattr(scorer, "version", type(scorer).__name__))[:40]
