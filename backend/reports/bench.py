"""`askes bench api`: the read side of the API on a large book of business, through gunicorn
under concurrent clients (wrk): the claims list with filters and totals, a claim's detail, the
review queue and every report, p50/p95/p99 each.

The book: at least `--claims` adjudicated claims; the missing ones are generated and adjudicated
first by `askes bench pipeline` (the same generator and workers). Endpoints that answer 404 or
405 (e.g. the review queue on a branch without it) are skipped and listed as such.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
from sqlalchemy import text

from backend.benchmarks import emit, record_benchmark
from backend.cli_context import Context, pass_context
from backend.loadtest import require_wrk, run_wrk, serve, wrk_script

ASKES = str(Path(sys.executable).parent / "askes")
REPORTS = ("claims-received", "decisions", "auto-adjudication", "denials", "pend-queue",
           "days-to-payment", "paid-by-provider", "batch-throughput")  # fmt: skip
# wrk's Lua: each thread walks the endpoint's paths from its own starting point.
REQUESTS = """
local paths = {%(paths)s}
local counter = 0
local headers = {["Authorization"] = "Bearer %(token)s"}
function request()
  counter = counter + 1
  local path = paths[(counter * 2 + thread_number) %% #paths + 1]
  return wrk.format("GET", path, headers)
end
function response(status, headers, body)
  local name = "status_" .. status
  counts[name] = (counts[name] or 0) + 1
end
"""


@click.command("api")
@click.option(
    "--claims",
    default=1_000_000,
    show_default=True,
    help="adjudicated claims the book must hold (missing ones are generated first)",
)
@click.option("--clients", default=8, show_default=True)
@click.option("--seconds", default=10, show_default=True, help="duration of each endpoint's run")
@click.option("--warmup", default=2, show_default=True, help="unmeasured seconds per endpoint")
@click.option("--only", help="comma-separated endpoint names (default: all)")
@click.option(
    "--endpoint",
    "extra",
    multiple=True,
    metavar="NAME=PATH",
    help="an endpoint more (or a replacement path for a named one); repeatable",
)
@click.option("--web-processes", type=int, help="gunicorn workers (default ASKES_WEB_PROCESSES)")
@click.option(
    "--cpu",
    is_flag=True,
    help="instead of wrk: CPU ms and statements per request, in-process, one client",
)
@click.option(
    "--cpu-requests", default=60, show_default=True, help="per endpoint and round, with --cpu"
)
@click.option("--cpu-rounds", default=3, show_default=True, help="the least costly one counts")
@click.option("--json", "as_json", is_flag=True)
@click.option("--record", is_flag=True, help="rewrite the section in docs/benchmarks.md")
@pass_context
def bench_api(context: Context, claims, clients, seconds, warmup, only, extra, web_processes,
              cpu, cpu_requests, cpu_rounds, as_json, record):  # fmt: skip
    """GET endpoints on a book of CLAIMS adjudicated claims, CLIENTS at a time: p95 each (with
    --cpu: the CPU each request costs, backend/reports/bench_cpu.py)."""
    require_wrk()
    from backend.seed import prepare_for_benchmark

    prepare_for_benchmark(context)
    figures = {"claims_wanted": claims, "clients": clients}
    figures.update(ensure_book(context, claims, as_json))
    endpoints = endpoint_paths(context, dict(item.split("=", 1) for item in extra))
    if only:
        endpoints = {name: endpoints[name] for name in only.split(",")}
    token, user_id = _token(context)
    if cpu:
        return _bench_cpu(context, figures, endpoints, token, user_id, (cpu_requests, cpu_rounds),
                          as_json, record)  # fmt: skip
    processes = web_processes or context.settings.web_processes
    figures["web_processes"] = processes
    figures["load_average_before"] = round(os.getloadavg()[0], 2)
    skipped = []
    try:
        with serve(context.child_environment(), processes) as base:
            for name, paths in endpoints.items():
                status = _probe(base + paths[0], token)
                if status in (404, 405):
                    skipped.append(name)
                    continue
                script = wrk_script(REQUESTS % {"paths": _lua(paths), "token": token})
                run_wrk(base + paths[0], script, clients, warmup)
                figures.update(_figures(name, run_wrk(base + paths[0], script, clients, seconds)))
    finally:
        _remove_token(context, user_id)
    figures["skipped"] = ",".join(skipped) or "none"
    _finish(context, figures, "API reads on a large book (askes bench api)", record, as_json)


def _bench_cpu(context, figures, endpoints, token, user_id, runs, as_json, record) -> None:
    from backend import create_app
    from backend.reports.bench_cpu import cpu_per_request

    settings = context.settings
    app = create_app({"database_url": settings.database_url, "redis_url": settings.redis_url,
                      "secret_key": settings.secret_key, "rate_limits_enabled": False})  # fmt: skip
    del figures["clients"]
    figures["cpu_requests_per_endpoint"], figures["cpu_rounds"] = runs
    figures["load_average_before"] = round(os.getloadavg()[0], 2)
    try:
        figures.update(cpu_per_request(app, token, endpoints, *runs))
    finally:
        _remove_token(context, user_id)
    _finish(context, figures, "API reads: CPU per request (askes bench api --cpu)", record, as_json)


def _finish(context, figures: dict, name: str, record: bool, as_json: bool) -> None:
    """The load after the run; the figures recorded under `name` in docs/benchmarks.md with
    the command that made them (`record`), and printed."""
    figures["load_average_after"] = round(os.getloadavg()[0], 2)
    if record:
        command = "askes " + " ".join(sys.argv[1:])
        with context.engine.connect() as connection:
            record_benchmark(name, figures, command, connection)
    emit(figures, as_json)


def ensure_book(context: Context, claims: int, quiet: bool) -> dict:
    """At least `claims` adjudicated claims, generated and adjudicated by `askes bench
    pipeline` when missing; then statistics and the rollups folded. Returns figures."""
    from backend.reports.rollups import compact_rollups

    with context.engine.connect() as connection:
        have = connection.execute(text("SELECT count(*) FROM production.claim")).scalar_one()
    figures = {"generated_claims": max(0, claims - have)}
    if have < claims:
        command = [ASKES, "bench", "pipeline", "--claims", str(claims - have),
                   "--reference-claims", "0", "--json"]  # fmt: skip
        progress = subprocess.DEVNULL if quiet else None
        run = subprocess.run(command, env=context.child_environment(), text=True,
                             stdout=subprocess.PIPE, stderr=progress)  # fmt: skip
        if run.returncode != 0:
            raise click.ClickException(f"askes bench pipeline failed: {run.stdout[-2000:]}")
        loaded = json.loads(run.stdout.strip().splitlines()[-1])
        figures["load_seconds"] = loaded.get("seconds")
    with context.engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").execute(
            text("VACUUM (ANALYZE) staging.claim, production.claim")
        )
    with context.engine.begin() as connection:
        figures["rollup_rows"] = compact_rollups(connection)
        figures["adjudicated_claims"] = connection.execute(
            text("SELECT count(*) FROM production.claim")
        ).scalar_one()
        figures["pended_claims"] = connection.execute(
            text("SELECT count(*) FROM production.claim WHERE decision = 'pended'")
        ).scalar_one()
    return figures


def endpoint_paths(context: Context, overrides: dict[str, str]) -> dict[str, list[str]]:
    """name: the paths wrk rotates over (ids and filters taken from the book)."""
    today = datetime.now(UTC).date()
    span = f"from={(today - timedelta(days=365)).isoformat()}&to={today.isoformat()}"
    with context.engine.connect() as connection:
        ids = connection.execute(
            text("SELECT id FROM production.claim TABLESAMPLE SYSTEM (1) LIMIT 500")
        ).scalars().all()  # fmt: skip
        provider = connection.execute(
            text("SELECT billing_provider_id FROM report_provider_paid GROUP BY 1 "
                 "ORDER BY sum(claims) DESC LIMIT 1")
        ).scalar()  # fmt: skip
    endpoints = {
        "claims_list": ["/api/v1/claims", "/api/v1/claims?page=20&page_size=50"],
        "claims_list_filtered": [
            "/api/v1/claims?decision=denied", "/api/v1/claims?decision=pended&page=3",
            f"/api/v1/claims?billing_provider_id={provider}",
            "/api/v1/claims?claim_type=institutional&decision=paid",
        ],
        "claim_detail": [f"/api/v1/claims/{claim_id}" for claim_id in ids] or ["/api/v1/claims/1"],
        "review_queue": ["/api/v1/review/claims", "/api/v1/review/claims?page=2"],
        **{f"report_{name}": [f"/api/v1/reports/{name}?{span}"] for name in REPORTS},
    }  # fmt: skip
    endpoints["report_pend-queue"] = ["/api/v1/reports/pend-queue"]
    for name, path in overrides.items():
        endpoints[name] = [path]
    return endpoints


def _token(context: Context) -> tuple[str, int]:
    from backend.auth import permissions as p
    from backend.auth.service import create_user
    from backend.auth.tokens import issue_token
    from backend.db import Session

    context.engine  # noqa: B018 - binds the session
    session = Session()
    user = create_user(session, f"api-bench-{os.getpid()}", os.urandom(16).hex(), "insurer")
    scopes = [p.CLAIMS_READ, p.REPORTS_READ, p.CLAIMS_REVIEW]
    token = issue_token(session, user, "askes bench api", scopes)
    session.commit()
    return token.plaintext, user.id


def _remove_token(context: Context, user_id: int) -> None:
    with context.engine.begin() as connection:
        connection.execute(text("DELETE FROM api_token WHERE user_id = :u"), {"u": user_id})
        connection.execute(text("DELETE FROM app_user WHERE id = :u"), {"u": user_id})


def _probe(url: str, token: str) -> int:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _lua(paths: list[str]) -> str:
    return ", ".join(f"[==[{path}]==]" for path in paths)


def _figures(name: str, result: dict) -> dict:
    ok = result["counts"].get("status_200", 0)
    return {
        f"{name}_p50_ms": result["p50_ms"], f"{name}_p95_ms": result["p95_ms"],
        f"{name}_p99_ms": result["p99_ms"],
        f"{name}_requests_per_s": round(result["requests"] / result["seconds"], 1),
        f"{name}_errors": result["socket_errors"] + result["requests"] - ok,
    }  # fmt: skip
