"""Which models score a chunk: the registry's champion and shadow, loaded once per process and
looked up again every CHECK_SECONDS (a promotion reaches running workers without a restart).

No champion: the rule set. A model this worker cannot use (its features are not the first of
this worker's, its artifact does not load) is refused: the chunk is scored by the rule set and
its claims are marked risk_scoring_failed, so the refusal shows on every claim until the
registry is fixed."""

from __future__ import annotations

import logging
import time

from backend.risk import registry
from backend.settings import Settings
from workers.pipeline.risk import ChargeRatioRules, ScoringPlan, default_scorer
from workers.pipeline.risk_features import FEATURES
from workers.pipeline.risk_member_history import FEATURES as MEMBER_HISTORY_FEATURES

log = logging.getLogger("askes.risk")
CHECK_SECONDS = 5.0
_cache: dict = {"checked": -1e9, "key": None, "plan": None}
# The first member history column of the feature matrix: a model reads it if it reads more.
MEMBER_HISTORY_COLUMN = FEATURES.index(MEMBER_HISTORY_FEATURES[0])


class RefusedModel:
    """Stands for a registered model this worker will not run; scoring with it fails."""

    uses_matrix = True

    def __init__(self, version: str, reason: str):
        self.version, self.reason = version, reason

    def score_matrix(self, matrix):
        raise RuntimeError(f"model {self.version} refused: {self.reason}")


def ab_share() -> float:
    """Share of claims the shadow model decides (ASKES_RISK_AB_SHARE, 0..1; default 0)."""
    return Settings.from_env().risk_ab_share


def forget_plan() -> None:
    _cache.update(checked=-1e9, key=None, plan=None)


def plan_for(connection):
    """The process's ScoringPlan (or the ASKES_RISK_SCORER override)."""
    now = time.monotonic()
    if _cache["plan"] is not None and now - _cache["checked"] < CHECK_SECONDS:
        return _cache["plan"]
    if override := Settings.from_env().risk_scorer:  # then no plan is ever cached
        return default_scorer(override)
    rows = {row["status"]: row for row in registry.active(connection)}
    key = (tuple(sorted((s, r["sha256"], r["version"]) for s, r in rows.items())), ab_share())
    if key != _cache["key"]:
        champion = _scorer(connection, rows["champion"]) if "champion" in rows else None
        shadow = _scorer(connection, rows["shadow"]) if "shadow" in rows else None
        plan = ScoringPlan(champion or ChargeRatioRules(), shadow, ab_share())
        _cache.update(key=key, plan=plan)
    _cache["checked"] = now
    return _cache["plan"]


def _scorer(connection, row: dict):
    from workers.risk_scoring import LiteRTScorer, load_interpreter

    try:
        model = registry.load(connection, row["id"])
        scorer = LiteRTScorer(model["version"], model["artifact"], model["preprocessing"],
                              model["threshold"], model["feature_schema_hash"],
                              model["feature_schema"])  # fmt: skip
        load_interpreter(scorer.artifact, scorer.sha256)
        return scorer
    except Exception as error:  # refused, loudly, and the claims will say so
        log.error("risk model %s refused: %s", row["version"], error)
        return RefusedModel(row["version"], str(error)[:200])


def reads_member_history(scorer) -> bool:
    """Whether a model that scores with `scorer` (a ScoringPlan, or one scorer) reads the member
    history features (workers/pipeline/risk_member_history.py). When none does, the worker
    neither reads, computes nor adds to that history: those features and their tables cost more
    than the rest of stage 7. The tables fill from the first batch a model that reads them
    scores in, shadow included (docs/risk-model.md)."""
    models = (scorer.champion, scorer.shadow) if isinstance(scorer, ScoringPlan) else (scorer,)
    return any(getattr(model, "width", 0) > MEMBER_HISTORY_COLUMN for model in models)
