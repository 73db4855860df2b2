"""`askes`: the admin command. Every subcommand runs against DATABASE_URL / REDIS_URL, or against
the embedded servers under var/ (started if they are not running) when those are unset."""

from __future__ import annotations

import click

from backend.auth.cli import token, user
from backend.batches.cli import bench_pipeline, process
from backend.benchmarks import bench
from backend.claims.bench import bench_submit
from backend.cli_context import Context
from backend.edi.cli import bench_edi, edi
from backend.fhir_api.bench import bench_fhir
from backend.launcher import run
from backend.load_bench import bench_load
from backend.migrations import db
from backend.payments.cli import pay
from backend.reference.cli import reference
from backend.reports.bench import bench_api
from backend.reports.cli import reports
from backend.risk.cli import bench_risk_scoring, model
from backend.seed import seed
from backend.synthetic.cli import bench_generate, generate
from workers.worker import worker


@click.group()
@click.pass_context
def main(ctx: click.Context) -> None:
    """Askes claims platform administration."""
    ctx.obj = Context()


# Subcommands live with their domains, each module owning its group; here they are only added.
for command in (db, user, token, worker, seed, run, reference, generate, process, edi, bench,
                reports, pay, model):  # fmt: skip
    main.add_command(command)
for command in (bench_generate, bench_pipeline, bench_edi, bench_submit, bench_fhir, bench_api,
                bench_load, bench_risk_scoring):  # fmt: skip
    bench.add_command(command)
