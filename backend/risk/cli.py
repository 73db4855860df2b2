"""`askes model train|evaluate|list|promote|retire` and `askes bench risk-scoring`."""

from __future__ import annotations

import json
import os
import time
from datetime import date

import click

from backend.benchmarks import emit, record_benchmark
from backend.cli_context import Context, pass_context

DEFAULT_TRAIN_SEEDS = (101, 102, 103, 104, 105, 106, 107, 108)
DEFAULT_HOLDOUT_SEEDS = (201, 202, 203)


@click.group("model")
def model() -> None:
    """The risk model: train, evaluate, and the registry."""


def _redis(context: Context):
    from redis import Redis

    return Redis.from_url(context.settings.redis_url)


@model.command("train")
@click.option("--train-seed", "train_seeds", type=int, multiple=True, help="repeatable")
@click.option("--holdout-seed", "holdout_seeds", type=int, multiple=True, help="repeatable")
@click.option("--claims", default=50_000, show_default=True, help="claims per seed")
@click.option("--epochs", default=20, show_default=True)
@click.option("--version", "version", help="registry name (default risk-mlp-YYYYMMDD)")
@click.option("--status", default="candidate", show_default=True,
              type=click.Choice(["candidate", "shadow", "champion"]))  # fmt: skip
@click.option("--ship", is_flag=True, help="also write it to workers/risk_models/ (the champion "
              "`make run` registers)")  # fmt: skip
@click.option("--json", "as_json", is_flag=True)
@pass_context
def train_command(context: Context, train_seeds, holdout_seeds, claims, epochs, version, status,
                  ship, as_json) -> None:  # fmt: skip
    """Train on generator seeds, judge on others it never saw, register the int8 model."""
    from backend.risk.service import train_and_register

    spec_seeds = tuple(train_seeds) or DEFAULT_TRAIN_SEEDS
    holdout = tuple(holdout_seeds) or DEFAULT_HOLDOUT_SEEDS
    if set(spec_seeds) & set(holdout):
        raise click.BadParameter("a seed cannot be both trained on and held out")
    version = version or f"risk-mlp-{date.today():%Y%m%d}"
    started = time.perf_counter()
    result = train_and_register(context.engine, _redis(context), spec_seeds, holdout, claims,
                                epochs, version, status, ship)  # fmt: skip
    result["seconds"] = round(time.perf_counter() - started, 1)
    _emit(result, as_json)


@model.command("evaluate")
@click.option("--seed", "seeds", type=int, multiple=True, required=True, help="repeatable")
@click.option("--claims", default=50_000, show_default=True)
@click.option("--model", "version", help="default: the champion")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def evaluate_command(context: Context, seeds, claims, version, as_json) -> None:
    """The model against the rule set on fresh populations (seeds it never saw)."""
    from backend.risk.service import evaluate_model

    try:
        result = evaluate_model(context.engine, _redis(context), seeds, claims, version)
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    _emit(result, as_json)


@model.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def list_command(context: Context, as_json: bool) -> None:
    """Registered models: version, status, seeds, holdout figures."""
    from backend.risk import registry

    with context.engine.connect() as connection:
        rows = registry.listing(connection)
    if as_json:
        click.echo(json.dumps(rows, default=str))
        return
    for row in rows:
        figures = row["metrics"].get("mean", {}).get("model", {})
        click.echo(f"{row['version']:<28} {row['status']:<10} {row['sha256'][:12]} "
                   f"data v{row['data_version']} train {row['training_seeds']} holdout "
                   f"{row['holdout_seeds']} AP {figures.get('average_precision', float('nan')):.3f}"
                   f" threshold {row['threshold']}")  # fmt: skip


@model.command("promote")
@click.argument("version")
@click.option("--to", "status", default="champion", show_default=True,
              type=click.Choice(["shadow", "champion", "candidate"]))  # fmt: skip
@pass_context
def promote_command(context: Context, version: str, status: str) -> None:
    """Make VERSION the champion (or the shadow); the one it replaces is retired."""
    _set_status(context, version, status)


@model.command("retire")
@click.argument("version")
@pass_context
def retire_command(context: Context, version: str) -> None:
    """Retire VERSION (with no champion, the workers score with the rule set)."""
    _set_status(context, version, "retired")


def _set_status(context: Context, version: str, status: str) -> None:
    from backend.risk import registry

    with context.engine.begin() as connection:
        try:
            registry.promote(connection, version, status)
        except registry.RegistryError as error:
            raise click.ClickException(str(error)) from error
    click.echo(f"{version}: {status}")


@click.command("risk-scoring")
@click.option("--claims", default=100_000, show_default=True)
@click.option("--seed", default=901, show_default=True)
@click.option("--model", "version", help="default: the champion")
@click.option("--json", "as_json", is_flag=True)
@click.option("--record", is_flag=True, help="write the figures to docs/benchmarks.md")
@pass_context
def bench_risk_scoring(context: Context, claims, seed, version, as_json, record) -> None:
    """What the trained model adds to a batch: stage 7 with the features (over the batch's
    chunks, wall), the int8 scoring of every claim, and per chunk (summed) the CPU and wall
    time of stage 7 scored by the model, the CPU of each of its pieces (features, scoring,
    reasons, drift) and of the risk history's read and write, and their sum (`added_cpu_ms`,
    the figure the 50 ms budget is about)."""
    import numpy as np

    from backend.risk.dataset import collect_all
    from backend.risk.service import scorer_of
    from backend.seed import prepare_for_benchmark
    from workers.risk_plan import warm_kernels

    prepare_for_benchmark(context)  # the schema and the shipped champion on a fresh machine
    warm_kernels(context.settings.kernel_cache_dir)  # as a worker does when it starts
    with context.engine.connect() as connection:
        row, scorer = scorer_of(connection, version)
    scorer.score_matrix(np.zeros((10, len(scorer.centre)), np.float32))  # a warm worker
    population = collect_all(context.engine, _redis(context), [seed], claims, scorer)[0]
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        scorer.score_matrix(population.matrix)
        timings.append(time.perf_counter() - started)
    figures = {
        "model": row["version"], "claims_scored": int(len(population.matrix)),
        "risk_stage_with_features_s": round(population.risk_stage_seconds, 4),
        "int8_scoring_ms_median_of_5": round(1000 * sorted(timings)[2], 1),
        "int8_scoring_ms_min": round(1000 * min(timings), 1),
        **{f"{name[:-2]}_ms": round(1000 * value, 1)
           for name, value in sorted(population.timings.items())},
    }  # fmt: skip
    cpu = population.timings
    if cpu:  # everything stage 7 adds to a batch, in the worker's CPU, per 100,000 claims
        added = cpu["stage7_cpu_s"] + cpu["history_read_cpu_s"] + cpu["history_write_cpu_s"]
        figures["added_cpu_ms"] = round(1000 * added, 1)
        figures["added_cpu_ms_per_100k_claims"] = round(1000 * added * 100_000 / claims, 1)
    figures["load_average"] = round(os.getloadavg()[0], 2)
    emit(figures, as_json)
    if record:
        with context.engine.connect() as connection:
            record_benchmark("Risk model scoring", figures,
                             f"askes bench risk-scoring --claims {claims} --seed {seed}",
                             connection)  # fmt: skip


def _emit(result: dict, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(result, default=float))
        return
    click.echo(json.dumps(result, indent=2, default=float))
