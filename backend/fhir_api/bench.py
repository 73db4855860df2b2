"""`askes bench fhir`: a Bundle of Claims from request to staged, and single POST /fhir/Claim
under concurrent clients through gunicorn, measured with wrk (backend.loadtest; `make wrk`)."""

from __future__ import annotations

import os
import statistics
import tempfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import click
import orjson
from askes_fhir.claim_out import claim_to_fhir
from sqlalchemy import delete, func, select

from backend.benchmarks import emit, peak_rss_mb, record_benchmark, stopwatch
from backend.canonical.claim import Claim, ClaimLine
from backend.cli_context import Context, pass_context
from backend.loadtest import require_wrk, run_wrk, serve, wrk_script

# wrk's request: the same Claim every time (backend.loadtest adds the report).
POST_CLAIM = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/fhir+json"
wrk.headers["Authorization"] = "Bearer %(token)s"
wrk.body = io.open("%(body)s"):read("*a")
"""


@click.command("fhir")
@click.option("--claims", default=1000, show_default=True, help="Claims in the Bundle")
@click.option("--repeat", default=3, show_default=True, help="Bundles posted (best and median)")
@click.option("--clients", default=8, show_default=True, help="concurrent wrk connections")
@click.option("--seconds", default=15, show_default=True, help="duration of the wrk run")
@click.option(
    "--warmup",
    default=3,
    show_default=True,
    help="seconds of the same load first, not measured (a serving process is warm)",
)
@click.option("--web-processes", type=int, help="gunicorn workers (default ASKES_WEB_PROCESSES)")
@click.option("--skip-http", is_flag=True, help="only the in-process Bundle measurement")
@click.option("--json", "as_json", is_flag=True)
@click.option("--record", is_flag=True, help="rewrite the section in docs/benchmarks.md")
@pass_context
def bench_fhir(
    context: Context, claims, repeat, clients, seconds, warmup, web_processes, skip_http,
    as_json, record,
):  # fmt: skip
    """Bundle of Claims to staged (in-process); POST /fhir/Claim p95 through gunicorn + wrk.

    Needs members and providers in the database (`askes seed demo`). What the benchmark
    stages, its user and its token are removed afterwards."""
    from backend.db import import_models

    import_models()
    from backend.seed import prepare_for_benchmark

    prepare_for_benchmark(context)
    context.engine  # noqa: B018 - binds the session
    load_before = round(os.getloadavg()[0], 2)  # other work on the machine (2 cores shared)
    fixture = _fixture(context)
    try:
        figures = _bundle_figures(context, fixture, claims, repeat)
        if not skip_http:
            workers = web_processes or context.settings.web_processes
            figures.update(_http_figures(context, fixture, clients, seconds, warmup, workers))
    finally:
        _cleanup(context, fixture)
    figures.update(peak_rss_mb=peak_rss_mb(), load_average_before=load_before)
    if record:
        with context.engine.connect() as connection:
            command = (
                f"askes bench fhir --claims {claims} --clients {clients} --seconds {seconds} "
                f"--warmup {warmup} "
                f"--web-processes {web_processes or context.settings.web_processes} --json"
            )
            name = "FHIR intake (Bundle to staged; POST /fhir/Claim under load)"
            record_benchmark(name, figures, command, connection)  # fmt: skip
    emit(figures, as_json)


def _fixture(context: Context) -> dict:
    """Members and a provider organization from the database; a provider user and token."""
    from backend.auth.service import create_user
    from backend.auth.tokens import issue_token
    from backend.db import Session
    from backend.members.models import Member
    from backend.providers.models import ENTITY_ORGANIZATION, Provider

    session = Session()
    members = session.scalars(select(Member).order_by(Member.id).limit(500)).all()
    provider = session.scalar(
        select(Provider).where(Provider.entity_type == ENTITY_ORGANIZATION).order_by(Provider.id)
    )
    if not members or provider is None:
        raise click.UsageError("no members or providers: run `askes seed demo` first")
    username = f"fhir-bench-{os.getpid()}"
    user = create_user(session, username, os.urandom(16).hex(), "provider",
                       provider_id=provider.id)  # fmt: skip
    token = issue_token(session, user, "askes bench fhir", ["system/Claim.write"])
    session.commit()
    start = session.scalar(select(func.coalesce(func.max(_staged().id), 0)))
    return {"members": members, "provider": provider, "user_id": user.id,
            "token": token.plaintext, "first_claim_id": start}  # fmt: skip


def _staged():
    from backend.claims.models import StagedClaim

    return StagedClaim


def _claims(fixture: dict, count: int) -> list[dict]:
    """`count` two-line professional Claims by the fixture's provider, for its members in turn."""
    provider, members = fixture["provider"], fixture["members"]
    lines = [
        ClaimLine(line_number=n, charge_cents=cents, units=Decimal(1), procedure_code=code,
                  service_from=date(2026, 3, 2), service_to=date(2026, 3, 2),
                  diagnosis_pointers=[1])
        for n, (code, cents) in enumerate((("99213", 12_500), ("36415", 4_000)), start=1)
    ]  # fmt: skip
    resources = []
    for number in range(count):
        member = members[number % len(members)]
        claim = Claim(
            claim_type="professional", patient_control_number=f"BENCH{number}",
            subscriber_member_number=member.member_number, billing_provider_npi=provider.npi,
            total_charge_cents=16_500, diagnosis_codes=["E119"], lines=lines,
            patient_member_number=member.member_number, relationship_code="18",
            patient_first_name=member.first_name, patient_last_name=member.last_name,
            patient_birth_date=member.birth_date, patient_sex=member.sex, place_of_service="11",
        )  # fmt: skip
        resources.append(claim_to_fhir(claim))
    return resources


def _bundle_figures(context: Context, fixture: dict, count: int, repeat: int) -> dict:
    from backend import create_app

    app = create_app({"database_url": context.settings.database_url,
                      "redis_url": context.settings.redis_url,
                      "FHIR_MAX_BUNDLE_ENTRIES": max(count, 5000)})  # fmt: skip
    entries = [{"resource": r, "request": {"method": "POST", "url": "Claim"}}
               for r in _claims(fixture, count)]  # fmt: skip
    body = orjson.dumps({"resourceType": "Bundle", "type": "transaction", "entry": entries})
    client = app.test_client()
    headers = {"Authorization": f"Bearer {fixture['token']}",
               "Content-Type": "application/fhir+json"}  # fmt: skip
    timings = []
    for _ in range(repeat):
        with stopwatch() as timing:
            response = client.post("/fhir", data=body, headers=headers)
        if response.status_code != 200:
            raise click.ClickException(f"the Bundle was refused: {response.get_data(as_text=True)}")
        timings.append(timing["seconds"])
    return {
        "bundle_claims": count, "bundle_mb": round(len(body) / 2**20, 2),
        "bundle_best_seconds": min(timings), "bundle_median_seconds": statistics.median(timings),
        "bundle_claims_per_s": round(count / min(timings)),
        "bundle_median_claims_per_s": round(count / statistics.median(timings)),
    }  # fmt: skip


def _http_figures(
    context: Context, fixture: dict, clients: int, seconds: int, warmup: int, workers: int
):
    """wrk against a fresh gunicorn: `warmup` seconds first (each process's first requests
    fill caches and prepare statements, which a serving process has long done), then the
    measured `seconds`."""
    require_wrk()
    with tempfile.TemporaryDirectory() as folder:
        body = Path(folder) / "claim.json"
        body.write_bytes(orjson.dumps(_claims(fixture, 1)[0]))
        script = wrk_script(POST_CLAIM % {"token": fixture["token"], "body": body})
        with serve(context.child_environment(), workers) as base_url:
            url = f"{base_url}/fhir/Claim"
            warm = run_wrk(url, script, clients, warmup) if warmup > 0 else {}
            result = run_wrk(url, script, clients, seconds)
    return {
        "http_clients": clients, "http_web_processes": workers, "http_warmup_s": warmup,
        "http_warmup_errors": _errors(warm), "http_requests": result["requests"],
        "http_requests_per_s": round(result["requests"] / result["seconds"]),
        "http_p50_ms": result["p50_ms"], "http_p95_ms": result["p95_ms"],
        "http_p99_ms": result["p99_ms"], "http_errors": _errors(result),
    }  # fmt: skip


def _errors(report: dict) -> int:
    return report.get("socket_errors", 0) + report.get("status_errors", 0)


def _cleanup(context: Context, fixture: dict) -> None:
    """Remove what the benchmark staged and stored, its token and its user."""
    from backend.auth.models import ApiToken, User
    from backend.claims.models import StagedClaim
    from backend.db import Session
    from backend.intake.models import ReceivedDocument

    session = Session()
    session.rollback()
    session.execute(
        delete(StagedClaim).where(
            StagedClaim.id > fixture["first_claim_id"],
            StagedClaim.channel == "fhir",
            StagedClaim.patient_control_number.like("BENCH%"),
        )
    )
    session.execute(
        delete(ReceivedDocument).where(ReceivedDocument.submitter_user_id == fixture["user_id"])
    )
    session.execute(delete(ApiToken).where(ApiToken.user_id == fixture["user_id"]))
    session.execute(delete(User).where(User.id == fixture["user_id"]))
    session.commit()
