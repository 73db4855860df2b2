"""`askes edi import FILE`, `askes edi watch` and `askes bench edi`."""

from __future__ import annotations

import json
import tempfile
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import click

from backend.benchmarks import emit, peak_rss_mb, record_benchmark, stopwatch
from backend.cli_context import Context, pass_context


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
    from backend.edi.drop_folder import EVERYONE

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
    from backend.edi.drop_folder import watch

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


@click.command("edi")
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
    """A generated 837P from upload to staged claims plus its 999, then its 277CA, as the intake
    does them (rolled back afterwards; the answers go to a temporary outbound folder).
    seconds and claims_per_s cover the whole intake, the _to_999 figures the first part."""
    import os
    from concurrent.futures import ProcessPoolExecutor

    import psutil

    from backend.db import Session
    from backend.edi import intake
    from backend.seed import prepare_for_benchmark

    prepare_for_benchmark(context)
    os.environ["ASKES_EDI_VALIDATOR"] = validator  # read by the intake when it processes
    load_before = round(os.getloadavg()[0], 2)  # other work on the machine (2 cores shared)
    workers = (workers or os.cpu_count() or 1) if validator == "pyx12" else 1
    with tempfile.TemporaryDirectory(dir=context.settings.var_dir) as folder:
        os.environ["ASKES_EDI_DIR"] = folder  # outbound/ under it, removed with it
        path = Path(folder) / "bench.837"
        _generated_837(path, claims)
        size = path.stat().st_size
        context.engine  # noqa: B018 - binds the session
        session = Session()
        pool = ProcessPoolExecutor(workers) if validator == "pyx12" else None
        with stopwatch() as to_999:  # what service.submit does, a phase at a time
            document = intake.receive(session, path.read_bytes(), "edi-folder", path.name, None)
            edi_file = intake.answer(session, document.id, None, None, pool)
        rss_to_999 = peak_rss_mb()
        with stopwatch() as claim_acknowledgment:
            acknowledgment_id = intake.acknowledge_claims(session, edi_file)
        children = [child.memory_info().rss for child in psutil.Process().children()]
        if pool is not None:
            pool.shutdown()
        staged, status = edi_file.claims_staged, _status(session, edi_file.id)
        answered_277ca = _claims_in_277ca(session, acknowledgment_id)
        session.rollback()
    seconds = round(to_999["seconds"] + claim_acknowledgment["seconds"], 3)
    figures = {
        "claims": claims, "staged": staged, "status": status, "file_mb": round(size / 2**20, 1),
        "validator": validator, "validator_processes": workers,
        "seconds": seconds, "claims_per_s": round(claims / seconds),
        "seconds_to_999": to_999["seconds"],
        "claims_per_s_to_999": round(claims / to_999["seconds"]),
        "seconds_277ca": claim_acknowledgment["seconds"], "claims_in_277ca": answered_277ca,
        "peak_rss_mb_to_999": rss_to_999, "peak_rss_mb": peak_rss_mb(),
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


def _claims_in_277ca(session, document_id: int | None) -> int:
    """Patient-level HLs of the stored 277CA, counted by the database (the body stays there)."""
    from sqlalchemy import func, select

    from backend.edi.models import EdiDocument

    if document_id is None:
        return 0
    pattern = func.regexp_count(EdiDocument.body, r"~\s*HL\*[0-9]+\*[0-9]+\*PT")
    return session.scalar(select(pattern).where(EdiDocument.id == document_id))
