"""Judging scorers on populations: figures per population, their mean, and the issue's targets."""

from __future__ import annotations

import numpy as np

from backend.risk import metrics
from backend.risk.dataset import Population

TARGETS = {  # figure -> (comparison, value); on populations the model never saw, mean of seeds
    "average_precision": (">=", 0.70),
    "average_precision_vs_rules": (">=", 2.4),  # against the better of rules-1 and rules-2
    "precision_at_2pct": (">=", 0.85),
    "recall_at_2pct_charge_outlier": (">=", 0.99),
    "recall_at_4pct": (">=", 0.55),
    "ece": ("<=", 0.01),
    "int8_vs_float_average_precision": ("<=", 0.005),
}


def mean_of(rows: list[dict]) -> dict:
    keys = [k for k in rows[0] if all(k in r for r in rows)]
    return {k: float(np.mean([r[k] for r in rows])) for k in keys}


def compare(populations: list[Population], model_scores: list[np.ndarray],
            float_scores: list[np.ndarray] | None = None) -> dict:  # fmt: skip
    """Model against the rule sets (rules-1, and rules-2 from the feature matrix) on each
    population and on average, with the targets."""
    from workers.pipeline.risk import ProviderRelativeRules

    per_seed = []
    for position, population in enumerate(populations):
        model = metrics.figures(population.pattern, model_scores[position])
        rules = metrics.figures(population.pattern, population.rules_score)
        rules_2 = ProviderRelativeRules().score_matrix(population.matrix)
        row = {"seed": population.seed, "model": model, "rules": rules,
               "rules_2": metrics.figures(population.pattern, rules_2)}  # fmt: skip
        if float_scores is not None:
            floating = metrics.figures(population.pattern, float_scores[position])
            row["float_average_precision"] = floating["average_precision"]
        per_seed.append(row)
    model = mean_of([r["model"] for r in per_seed])
    rules = mean_of([r["rules"] for r in per_seed])
    rules_2 = mean_of([r["rules_2"] for r in per_seed])
    model["average_precision_vs_rules_1"] = model["average_precision"] / max(
        rules["average_precision"], 1e-9
    )
    model["average_precision_vs_rules_2"] = model["average_precision"] / max(
        rules_2["average_precision"], 1e-9
    )
    model["average_precision_vs_rules"] = min(
        model["average_precision_vs_rules_1"], model["average_precision_vs_rules_2"]
    )
    if float_scores is not None:
        model["int8_vs_float_average_precision"] = float(
            np.mean([abs(r["model"]["average_precision"] - r["float_average_precision"])
                     for r in per_seed])
        )  # fmt: skip
    return {
        "seeds": [p.seed for p in populations],
        "per_seed": per_seed,
        "mean": {"model": model, "rules": rules, "rules_2": rules_2},
        "targets": targets_met(model),
    }


def targets_met(model: dict) -> dict:
    met = {}
    for name, (comparison, value) in TARGETS.items():
        if name in model:
            figure = model[name]
            ok = figure >= value if comparison == ">=" else figure <= value
            met[name] = {"figure": round(figure, 4), "target": f"{comparison} {value}", "met": ok}
    return met
