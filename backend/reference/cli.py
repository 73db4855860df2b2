"""`askes reference`: load the fee schedule, code lists and ICD-10-CM into the database."""

from __future__ import annotations

import time
from pathlib import Path

import click

from backend.cli_context import Context, pass_context


@click.group()
def reference() -> None:
    """Reference data: fee schedule, localities, code sets."""


@reference.command("load")
@click.option(
    "--dir",
    "data_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Directory of CMS files (PPRRVU*.csv, GPCI*.csv, *LOCCO*.csv, as unzipped from the "
    "RVU release). Default: the illustrative demo files shipped with askes.",
)
@click.option(
    "--effective-from",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="First date of service the files apply to (YYYY-MM-DD). Default: from the file names.",
)
@pass_context
def load(context: Context, data_dir: Path | None, effective_from) -> None:
    """Load all reference data in one transaction; re-running it changes nothing."""
    from backend.reference.loaders import load_reference

    started = time.perf_counter()
    try:
        with context.engine.begin() as connection:
            counts = load_reference(connection, data_dir, effective_from and effective_from.date())
    except ValueError as error:  # a file that is not in the layout we know; nothing was loaded
        raise click.ClickException(str(error)) from error
    for table, count in counts.items():
        click.echo(f"{table:<18} {count:>7} rows")
    click.echo(f"loaded in {time.perf_counter() - started:.1f} s")
