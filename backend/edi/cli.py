"""`askes edi import FILE`, `askes edi watch` and `askes bench edi`."""

from __future__ import annotations

import json
import tempfile
import time
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import click

from backend.benchmarks import bench, emit, peak_rss_mb, record_benchmark, stopwatch
from backend.cli import Context, pass_context


@click.group()
def edi() -> None:
    """X12 EDI gateway: import files, watch the drop folder."""


@edi.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_context
def edi_import(context: Context, path: Path) -> None:
    """Store and process an X12 file as the payer (any billing provider); print its summary."""
    from backend.db import Session
    from backend.edi import service
    from backend.edi.jobs import EVERYONE

    context.engine  # noqa: B018 - binds the session
    session = Session()
    edi_file = service.submit(session, path.read_bytes(), "edi-folder", path.name, None, EVERYONE)
    session.commit()
    found = service.file_in_scope(session, EVERYONE, 0, edi_file.id)
    click.echo(json.dumps(service.file_summary(session, *found), default=str))


@edi.command("watch")
@click.option("--interval", default=2.0, show_default=True, help="seconds between scans")
@click.option("--once", is_flag=True, help="scan once and stop")
@pass_context
def edi_watch(context: Context, interval: float, once: bool) -> None:
    """Process files dropped in <ASKES_EDI_DIR or var/edi>/inbound; answers go to outbound/."""
    from backend.edi.jobs import watch

    context.engine  # noqa: B018 - binds the session
    watch(interval, once)


def _generated_837(path: Path, claims: int) -> None:
    """An 837P of `claims` claims that differ in every field a payer varies (member, patient,
    dates, codes, amounts), so that no cache of repeated values flatters the figures."""
    from edi.claims_out import write_837
    from edi.tests.helpers import professional_claim

    template = professional_claim(0)
    with path.open("w", encoding="latin-1") as out:
        for chunk in write_837((_varied(template, n) for n in range(claims)), "professional"):
            out.write(chunk)


FIRST_NAMES = ("ANN", "BOB", "CARLA", "DEV", "EMMA", "FARID", "GRACE", "HUGO", "IRIS", "JON")
LAST_NAMES = ("LEE", "SMITH", "GARCIA", "NGUYEN", "MULLER", "OKAFOR", "ROSSI", "KOWALSKI")
DIAGNOSES = ("E119", "I10", "J189", "M545", "Z0000", "K219", "F329", "N390", "R51", "E785")
PROCEDURES = ("99213", "99214", "99203", "85025", "80053", "93000", "71046", "36415")


def _varied(template, number: int):
    day = date(2026, 1, 1) + timedelta(days=number % 300)
    lines = [
        replace(
            line,
            charge_cents=1000 + (number * 37 + i * 101) % 90000,
            procedure_code=PROCEDURES[(number + i) % len(PROCEDURES)],
            service_from=day,
            service_to=day + timedelta(days=i),
            line_control_number=f"L{number}-{i + 1}",
        )
        for i, line in enumerate(template.lines)
    ]
    member = f"M{number % 50_000:09d}"
    return replace(
        template,
        patient_control_number=f"B{number}",
        subscriber_member_number=member,
        patient_member_number=member,
        patient_first_name=FIRST_NAMES[number % len(FIRST_NAMES)],
        patient_last_name=LAST_NAMES[number // 7 % len(LAST_NAMES)],
        patient_birth_date=date(1940, 1, 1) + timedelta(days=number * 13 % 25_000),
        diagnosis_codes=[DIAGNOSES[number % 10], DIAGNOSES[(number // 10) % 10]],
        total_charge_cents=sum(line.charge_cents for line in lines),
        lines=lines,
        prior_authorization=f"PA{number}",
    )


def _status(session, file_id: int) -> str:
    """The file's status without loading its body again (58 MB for 100,000 claims)."""
    from sqlalchemy import select

    from backend.intake.models import ReceivedDocument

    return session.scalar(select(ReceivedDocument.status).where(ReceivedDocument.id == file_id))


@contextmanager
def _timed_277ca(figures: dict):
    """Times the 277CA the intake writes after the 999 (figures["seconds_277ca"], and the peak
    memory before it), in a savepoint so that a failing 277CA is reported
    (figures["error_277ca"]) instead of ending the run."""
    from backend.edi import outbound

    original = outbound.save_277ca

    def timed(session, *args, **kwargs):
        figures["peak_rss_mb_to_999"] = peak_rss_mb()
        started = time.perf_counter()
        try:
            with session.begin_nested():
                return original(session, *args, **kwargs)
        except Exception as error:  # reported in the figures; the 999 is already written
            message = " ".join(str(error).split())[:100]
            figures["error_277ca"] = f"{type(error).__name__}: {message}"
        finally:
            figures["seconds_277ca"] = round(time.perf_counter() - started, 3)

    outbound.save_277ca = timed
    try:
        yield
    finally:
        outbound.save_277ca = original


@bench.command("edi")
@click.option("--claims", default=100_000, show_default=True)
@click.option(
    "--validator",
    type=click.Choice(["fast", "pyx12"]),
    default="fast",
    show_default=True,
    help="the gateway's validator (ASKES_EDI_VALIDATOR)",
)
@click.option("--workers", default=0, help="pyx12 validator processes (default: one per core)")
@click.option("--json", "as_json", is_flag=True)
@click.option("--record", is_flag=True, help="rewrite the section in docs/benchmarks.md")
@pass_context
def bench_edi(
    context: Context, claims: int, validator: str, workers: int, as_json: bool, record: bool
) -> None:
    """A generated 837P from upload to staged claims plus its 999 (rolled back afterwards);
    the 277CA the intake then writes is timed apart (seconds_277ca, claims_per_s_to_999)."""
    import os
    from concurrent.futures import ProcessPoolExecutor

    import psutil

    from backend.db import Session
    from backend.edi import service
    from backend.edi.jobs import EVERYONE

    os.environ["ASKES_EDI_VALIDATOR"] = validator  # read by the intake when it processes
    load_before = round(os.getloadavg()[0], 2)  # other work on the machine (2 cores shared)
    workers = (workers or os.cpu_count() or 1) if validator == "pyx12" else 1
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.837"
        _generated_837(path, claims)
        size = path.stat().st_size
        context.engine  # noqa: B018 - binds the session
        session = Session()
        pool = ProcessPoolExecutor(workers) if validator == "pyx12" else None
        phases: dict = {}
        with _timed_277ca(phases), stopwatch() as timing:
            edi_file = service.submit(session, path.read_bytes(), "edi-folder", path.name, None,
                                      EVERYONE, pool=pool)  # fmt: skip
            session.flush()
            children = [child.memory_info().rss for child in psutil.Process().children()]
        if pool is not None:
            pool.shutdown()
        staged, status = edi_file.claims_staged, _status(session, edi_file.id)
        session.rollback()
    figures = {
        "claims": claims, "staged": staged, "status": status, "file_mb": round(size / 2**20, 1),
        "validator": validator, "validator_processes": workers, "seconds": timing["seconds"],
        "claims_per_s": round(claims / timing["seconds"]),
        **phases,
        "claims_per_s_to_999": round(claims / (timing["seconds"] - phases.get("seconds_277ca", 0))),
        "peak_rss_mb": peak_rss_mb(),
        "validator_rss_mb": round(max(children, default=0) / 2**20, 1),
        "load_average_before": load_before,
    }  # fmt: skip
    if record:
        with context.engine.connect() as connection:
            suffix = "" if validator == "fast" else ", pyx12 validator"
            record_benchmark(f"edi intake (837P upload to staged claims + 999{suffix})",
                             figures, f"askes bench edi --claims {claims} --validator "
                             f"{validator} --json", connection)  # fmt: skip
    emit(figures, as_json)
