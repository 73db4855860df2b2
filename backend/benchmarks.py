"""Benchmarks: the `askes bench` command group and docs/benchmarks.md, where each benchmark keeps
one section (figures, command, date, machine) that `record_benchmark` rewrites.

A benchmark command takes `--json` and then prints one JSON object as its last line, e.g.
{"claims": 100000, "lines": 400000, "seconds": 8.1, "claims_per_s": 12345, "peak_rss_mb": 410}.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import resource
import time
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import click

from backend.settings import PROJECT_ROOT

BENCHMARKS_FILE = PROJECT_ROOT / "docs" / "benchmarks.md"
POSTGRES_SETTINGS = (
    "shared_buffers",
    "work_mem",
    "maintenance_work_mem",
    "max_wal_size",
    "synchronous_commit",
    "fsync",
    "wal_level",
)
PREAMBLE = """# Benchmarks

Each section below is written by its benchmark command run with `--record`
(`backend.benchmarks.record_benchmark`); edit the text above the first section freely, the
sections themselves are rewritten on every record.
"""


@click.group()
def bench() -> None:
    """Benchmarks; each prints one JSON object as its last line with --json."""


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MiB."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


@contextmanager
def stopwatch():
    """Yields a dict whose "seconds" is filled with the wall time of the block."""
    timing = {}
    started = time.perf_counter()
    try:
        yield timing
    finally:
        timing["seconds"] = round(time.perf_counter() - started, 3)


def emit(figures: dict, as_json: bool) -> None:
    """Print the figures: one JSON object (the last line) with --json, else one per line."""
    if as_json:
        click.echo(json.dumps(figures))
    else:
        for name, value in figures.items():
            click.echo(f"{name}: {value}")


def machine_description(connection=None) -> str:
    """CPU model, cores, RAM and load average of this machine (benchmarks share it); the
    PostgreSQL version and key settings when a SQLAlchemy Connection is given."""
    load = os.getloadavg()[0]
    cores = f"{_cpu_model()}, {os.cpu_count()} cores, {_ram_gib():.1f} GiB RAM"
    parts = [f"{cores}, load average {load:.2f} when recorded (this run included)"]
    if connection is not None:
        parts.append(_postgres_description(connection))
    return "; ".join(parts)


def record_benchmark(name: str, figures: dict, command: str, connection=None) -> Path:
    """Rewrite (or add) the section `name` of docs/benchmarks.md with these figures, the command
    that produced them, today's date and the machine (PostgreSQL facts when `connection`, a
    SQLAlchemy Connection, is given). Returns the file's path."""
    section = _section(name, figures, command, machine_description(connection))
    pattern = re.compile(
        rf"<!-- benchmark: {re.escape(name)} -->.*?<!-- /benchmark: {re.escape(name)} -->\n",
        re.DOTALL,
    )
    BENCHMARKS_FILE.parent.mkdir(parents=True, exist_ok=True)
    with BENCHMARKS_FILE.open("a+") as handle:  # locked: several benchmarks may record at once
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        text = handle.read() or PREAMBLE
        if pattern.search(text):
            text = pattern.sub(lambda _match: section, text)
        else:
            text = text.rstrip("\n") + "\n\n" + section
        handle.seek(0)
        handle.truncate()
        handle.write(text)
    return BENCHMARKS_FILE


def _section(name: str, figures: dict, command: str, machine: str) -> str:
    rows = "\n".join(f"| {key} | {value} |" for key, value in figures.items())
    return (
        f"<!-- benchmark: {name} -->\n"
        f"## {name}\n\n"
        f"- Command: `{command}`\n"
        f"- Date: {date.today().isoformat()}\n"
        f"- Machine: {machine}\n\n"
        f"| figure | value |\n|---|---|\n{rows}\n"
        f"<!-- /benchmark: {name} -->\n"
    )


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def _ram_gib() -> float:
    import psutil

    return psutil.virtual_memory().total / 2**30


def _postgres_description(connection) -> str:
    from sqlalchemy import text

    version = connection.execute(text("SHOW server_version")).scalar_one()
    settings = connection.execute(
        text("SELECT name, setting, unit FROM pg_settings WHERE name = ANY(:names) ORDER BY name"),
        {"names": list(POSTGRES_SETTINGS)},
    ).all()
    shown = ", ".join(f"{name}={_with_unit(setting, unit)}" for name, setting, unit in settings)
    return f"PostgreSQL {version} ({shown})"


def _with_unit(setting: str, unit: str | None) -> str:
    """pg_settings gives memory in blocks of `unit` (8kB, kB, MB); show it in MB."""
    sizes = {"8kB": 8 / 1024, "kB": 1 / 1024, "MB": 1}
    if unit in sizes and setting.isdigit():
        return f"{int(setting) * sizes[unit]:g}MB"
    return setting if not unit else f"{setting}{unit}"
