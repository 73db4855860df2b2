"""Which models score a chunk: the registry's champion and shadow, loaded once per process and
looked up again every CHECK_SECONDS (a promotion reaches running workers without a restart).

No champion: the rule set. A model this worker cannot use (its features are not the first of
this worker's, its artifact does not load) is refused: the chunk is scored by the rule set and
its claims are marked risk_scoring_failed, so the refusal shows on every claim until the
registry is fixed."""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

import numpy as np

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


def warm_kernels(cache_dir: Path | None = None) -> None:
    """Compile the risk features' and the model's kernels (workers/pipeline/risk_kernels.py,
    risk_model_kernels.py), or load them from
    numba's disk cache in `cache_dir` (settings.kernel_cache_dir), now: when a worker starts and
    before a benchmark, so that no batch waits for a compilation (several seconds; loading from
    the cache takes a fraction of one). A tiny chunk goes through the features, the int8
    quantization and the drift bins with the dtypes and layouts a batch's chunks have."""
    if cache_dir is not None:
        try:
            cache_dir.mkdir(parents=True, exist_ok=True)
            os.environ["NUMBA_CACHE_DIR"] = str(cache_dir)  # numba's own setting
            from numba.core import config

            config.reload_config()
        except OSError as error:  # numba's default places, else compiled in each process
            log.warning("kernel cache directory %s unusable: %s", cache_dir, error)
    from workers.pipeline.risk import RiskFeatures
    from workers.pipeline.risk_features import chunk_facts, feature_matrix, model_kernels

    lines = np.array([0, 0, 1], np.int32)
    features = RiskFeatures(
        line_claim=lines, claim_count=2, procedure_code=np.array([b"99213", b"93010", b""]),
        units_milli=np.full(3, 1000, np.int64), charge=np.array([9000, 4000, 0], np.int64),
        fee=np.array([7000, 0, 0], np.int64), priced_by_rvu=np.array([True, False, False]),
        billing_provider_id=np.array([1, 2], np.int64), member_id=np.array([1, 2], np.int64),
        claim_id=np.array([1, 2], np.int64), modifiers=np.zeros((3, 4), "S2"),
        revenue_code=np.array([b"", b"", b"0450"], "S4"),
        place_of_service=np.array([11, 11, 23], np.int16),
        service_day=np.full(2, 20_000, np.int32), birth_day=np.full(2, 5_000, np.int32),
        institutional=np.array([False, True]), sex=np.zeros(2, np.int16),
    )  # fmt: skip
    matrix = feature_matrix(features, features.history, chunk_facts(features, np.ones(2, bool)))
    kernel, rows = model_kernels(), matrix[np.arange(2)]  # pended or sampled rows: a C-ordered copy
    ones, zeros = np.ones(3, np.float32), np.zeros(3, np.float32)
    # The chunk's matrix (Fortran order), some of its rows, and a C-ordered matrix.
    for layout in (matrix[:, :3], rows[:, :3], rows):
        quantized = kernel.quantize_rows(layout, ones, zeros, np.float32(-128), np.float32(127))
    kernel.bin_counts(matrix, np.flatnonzero(np.ones(2, bool)), np.zeros(2), np.zeros((4, 9)))
    # The reasons of the pended rows (risk_scoring.LiteRTScorer.explain).
    varied, row, column = kernel.varied_rows(quantized, quantized[0])
    top, values, drops = kernel.reason_figures(rows[:, :3], np.ones(2), np.zeros(len(row)), row,
                                               column, 3)  # fmt: skip
    text, ends = np.frombuffer(b'{"feature":"a","value":', np.uint8), np.cumsum([23] * 3)
    kernel.reason_json(top, values, drops, text, ends, text, ends)
