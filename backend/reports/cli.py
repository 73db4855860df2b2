"""`askes reports compact|rebuild`: upkeep of the report rollups (backend/reports/rollups.py)."""

from __future__ import annotations

import click

from backend.cli_context import Context, pass_context


@click.group()
def reports() -> None:
    """Report rollups: fold their deltas (daily, from cron) or rebuild them from the claims."""


@reports.command("compact")
@pass_context
def compact(context: Context) -> None:
    """Fold every rollup's delta rows into one row per key."""
    from backend.reports.rollups import compact_rollups

    with context.engine.begin() as connection:
        click.echo(f"{compact_rollups(connection)} rollup rows")


@reports.command("rebuild")
@pass_context
def rebuild(context: Context) -> None:
    """Recompute the rollups from the claims (after a restore or a TRUNCATE)."""
    from backend.reports.rollups import rebuild_rollups

    with context.engine.begin() as connection:
        rebuild_rollups(connection)
    click.echo("rollups rebuilt")
