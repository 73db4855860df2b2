"""What the `askes model` commands (and their tests) do: train and register, evaluate."""

from __future__ import annotations

import json

import numpy as np
from sqlalchemy import select

from backend.risk import evaluate, registry
from backend.risk.dataset import Population, collect_all
from backend.risk.models import RiskModel
from backend.risk.train import TrainingSpec, float_forward, standardize, train


def trained_and_judged(train_pops: list[Population], holdout: list[Population],
                       spec: TrainingSpec, version: str):  # fmt: skip
    """(TrainedModel with its holdout figures, LiteRTScorer of it)."""
    from workers.pipeline.risk_features import FEATURE_SCHEMA_HASH
    from workers.risk_scoring import LiteRTScorer

    model = train(train_pops, spec, version)
    scorer = LiteRTScorer(version, model.artifact, model.preprocessing, model.threshold,
                          FEATURE_SCHEMA_HASH)  # fmt: skip
    int8 = [scorer.score_matrix(p.matrix) for p in holdout]
    calibration = model.preprocessing["calibration"]
    floating = [float_forward(model.float_weights, standardize(p.matrix, model.preprocessing),
                              calibration) for p in holdout]  # fmt: skip
    model.metrics = evaluate.compare(holdout, int8, floating)
    return model, scorer


def train_and_register(engine, redis, train_seeds, holdout_seeds, claims: int, epochs: int,
                       version: str, status: str, ship: bool) -> dict:  # fmt: skip
    from workers.pipeline.risk_features import FEATURE_SCHEMA_HASH, FEATURES

    populations = collect_all(engine, redis, (*train_seeds, *holdout_seeds), claims)
    train_pops, holdout = populations[: len(train_seeds)], populations[len(train_seeds) :]
    spec = TrainingSpec(tuple(train_seeds), tuple(holdout_seeds), claims, epochs)
    model, _ = trained_and_judged(train_pops, holdout, spec, version)
    data_version = populations[0].generator_version
    model.metrics["training"] = {"claims_per_seed": claims, "epochs": epochs, "seed": spec.seed}
    with engine.begin() as connection:
        registry.register(connection, model, list(FEATURES), FEATURE_SCHEMA_HASH, train_seeds,
                          holdout_seeds, data_version, status)  # fmt: skip
    if ship:
        _ship(model, list(FEATURES), FEATURE_SCHEMA_HASH, train_seeds, holdout_seeds,
              data_version)  # fmt: skip
    return {"version": version, "status": status, "sha256": model.sha256,
            "artifact_bytes": len(model.artifact), **model.metrics}  # fmt: skip


def _ship(model, schema, schema_hash, train_seeds, holdout_seeds, data_version) -> None:
    registry.SHIPPED.mkdir(parents=True, exist_ok=True)
    for old in registry.SHIPPED.glob("*.json"):  # one shipped champion
        old.with_suffix(".tflite").unlink(missing_ok=True)
        old.unlink()
    (registry.SHIPPED / f"{model.version}.tflite").write_bytes(model.artifact)
    meta = {
        "version": model.version, "sha256": model.sha256, "feature_schema": schema,
        "feature_schema_hash": schema_hash, "training_seeds": list(train_seeds),
        "holdout_seeds": list(holdout_seeds), "data_version": data_version,
        "threshold": model.threshold, "preprocessing": model.preprocessing,
        "metrics": model.metrics,
    }  # fmt: skip
    (registry.SHIPPED / f"{model.version}.json").write_text(json.dumps(meta, indent=1) + "\n")


def scorer_of(connection, version: str | None):
    """(registry row, LiteRTScorer) of `version`, default the champion."""
    from workers.risk_scoring import LiteRTScorer

    query = select(RiskModel.id)
    query = query.where(RiskModel.version == version if version else RiskModel.status == "champion")
    model_id = connection.scalar(query)
    if model_id is None:
        raise ValueError(f"no model {version}" if version else "no champion in the registry")
    row = registry.load(connection, model_id)
    scorer = LiteRTScorer(row["version"], row["artifact"], row["preprocessing"], row["threshold"],
                          row["feature_schema_hash"], row["feature_schema"])  # fmt: skip
    return row, scorer


def evaluate_model(engine, redis, seeds, claims: int, version: str | None) -> dict:
    with engine.connect() as connection:
        row, scorer = scorer_of(connection, version)
    seen = set(row["training_seeds"]) & set(seeds)
    if seen:
        raise ValueError(f"model {row['version']} was trained on seed(s) {sorted(seen)}")
    populations = collect_all(engine, redis, seeds, claims)
    scores = [scorer.score_matrix(p.matrix) for p in populations]
    weights = row["preprocessing"].get("float_weights")
    floating = None
    if weights:  # models trained since the float weights were recorded
        weights = [(np.asarray(k), np.asarray(b)) for k, b in weights]
        calibration = row["preprocessing"].get("calibration")
        floating = [float_forward(weights, standardize(p.matrix[:, : scorer.width],
                                                       row["preprocessing"]), calibration)
                    for p in populations]  # fmt: skip
    result = evaluate.compare(populations, scores, floating)
    return {"model": row["version"], "rules": "rules-1", "rules_2": "rules-2",
            "claims_per_seed": claims, **result}  # fmt: skip


def scores_agree(int8: np.ndarray, reference: np.ndarray, share: float = 0.02) -> float:
    """Share of the reference's top `share` also in the int8 model's top `share`."""
    from backend.risk.metrics import top_share

    a, b = top_share(int8, share), top_share(reference, share)
    return float((a & b).sum() / max(b.sum(), 1))
