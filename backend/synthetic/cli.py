"""`askes generate` and `askes bench generate`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from backend.benchmarks import emit, peak_rss_mb, record_benchmark, stopwatch
from backend.cli_context import Context, pass_context


def _rates(values: tuple[str, ...]) -> dict[str, float]:
    rates = {}
    for value in values:
        name, _, share = value.partition("=")
        try:
            rates[name.strip()] = float(share)
        except ValueError as error:
            message = f"{value!r}: expected PATTERN=SHARE"
            raise click.BadParameter(message, param_hint="--rate") from error
    return rates


def _sizes(function):
    for option in reversed((
        click.option("--seed", default=1, show_default=True, help="same seed, same output"),
        click.option("--claims", default=10_000, show_default=True),
        click.option("--members", type=int, help="default: claims / 5, 1,000 to 200,000"),
        click.option("--providers", type=int, help="default: members / 40, 50 to 20,000"),
        click.option("--plans", type=int, help="default: 6"),
        click.option("--rate", "rates", multiple=True, metavar="PATTERN=SHARE",
                     help="share of claims with a pattern, e.g. upcoding=0.05 (repeatable)"),
    )):  # fmt: skip
        function = option(function)
    return function


@click.command("generate")
@_sizes
@click.option("--format", "formats", multiple=True, default=("staging",), show_default=True,
              help="staging, csv, jsonl, x12-837p, x12-837i, x12-834, fhir-bundle "
                   "(repeatable)")  # fmt: skip
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="directory for file formats [default: var/synthetic/seed-SEED]")  # fmt: skip
@click.option("--progress/--no-progress", default=True, show_default=True)
@pass_context
def generate(context: Context, seed, claims, members, providers, plans, rates, formats, out,
             progress) -> None:  # fmt: skip
    """Generate a synthetic population and claims with labelled patterns (one transaction)."""
    from backend.synthetic.formats import FILE_FORMATS
    from backend.synthetic.run import GenerationSpec

    if out is None and FILE_FORMATS & set(formats):
        out = context.settings.var_dir / "synthetic" / f"seed-{seed}"
    spec = GenerationSpec(seed=seed, claims=claims, members=members, providers=providers,
                          plans=plans, rates=_rates(rates), formats=tuple(formats),
                          directory=out)  # fmt: skip
    result = _run(context, spec, progress, keep=True)
    click.echo(f"run {result.run_id}: {result.claims} claims, {result.lines} lines "
               f"(population {result.population_key}"
               f"{', created' if result.population_created else ''})")  # fmt: skip
    labelled = ", ".join(f"{name} {count}" for name, count in result.labels.items() if count)
    click.echo(f"labelled: {labelled or 'none'}")
    for output in dict.fromkeys(result.outputs):
        click.echo(f"wrote {output}")


@click.command("generate")
@_sizes
@click.option("--keep", is_flag=True, help="commit the claims (default: roll back at the end)")
@click.option("--json", "as_json", is_flag=True, help="print one JSON object as the last line")
@click.option("--record", is_flag=True, help="rewrite the section in docs/benchmarks.md")
@pass_context
def bench_generate(context: Context, seed, claims, members, providers, plans, rates, keep,
                   as_json, record) -> None:  # fmt: skip
    """Time generating a fresh population and CLAIMS claims into staging by COPY."""
    from backend.seed import prepare_for_benchmark
    from backend.synthetic.run import GenerationSpec

    prepare_for_benchmark(context)
    spec = GenerationSpec(seed=seed, claims=claims, members=members, providers=providers,
                          plans=plans, rates=_rates(rates))  # fmt: skip
    with stopwatch() as timing:
        result = _run(context, spec, progress=not as_json, keep=keep)
    figures = {
        "claims": result.claims,
        "lines": result.lines,
        "seconds": timing["seconds"],
        "claims_per_s": round(result.claims / timing["seconds"]),
        "lines_per_s": round(result.lines / timing["seconds"]),
        "population_seconds": result.seconds["population"],
        "claims_seconds": result.seconds["claims"],
        "population_created": result.population_created,
        "peak_rss_mb": peak_rss_mb(),
    }
    if record:
        command = "askes " + " ".join(sys.argv[1:])
        name = f"generate {claims:,} claims into staging"
        with context.engine.connect() as connection:
            path = record_benchmark(name, figures, command, connection)
        click.echo(f"recorded in {path}", err=True)
    emit(figures, as_json)


def _run(context: Context, spec, progress: bool, keep: bool):
    from backend.synthetic.formats import FormatNotAvailable
    from backend.synthetic.reference import MissingReferenceData
    from backend.synthetic.run import generate as generate_run
    from backend.synthetic.store import PopulationConflict

    try:
        with context.engine.connect() as connection, connection.begin() as transaction:
            result = generate_run(connection, spec, progress=progress)
            if not keep:
                transaction.rollback()
    except MissingReferenceData as error:
        raise click.ClickException(f"{error} (askes reference load)") from error
    except (FormatNotAvailable, PopulationConflict, ValueError) as error:
        raise click.ClickException(str(error)) from error
    return result
