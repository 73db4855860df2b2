"""`askes bench load`: mixed traffic through the production server at rising concurrency until
p95 passes a second (the knee), driven by wrk on the loopback interface only.

Every tenth request of a connection's sequence: four portal reads (GET /api/v1/claims), two
FHIR reads (GET /fhir/Claim), three claim submissions (POST /api/v1/claims, adjudicated in the
request; each a claim of its own, as in `askes bench submit`) and one X12 837 upload (POST
/api/v1/edi/files, one claim, a distinct interchange control number each). Per step: requests,
p50/p95/p99, error rate (statuses 5xx counted apart) and the resident memory of each gunicorn
process. Bounded: at most --max-clients connections, --seconds per step.

Needs the demo data (`askes seed demo`). The submitted claims are removed afterwards as in
`askes bench submit`; the uploaded 837 files stay, with the user that uploaded them, and their
claims stay staged as pending for the next batch.
"""

from __future__ import annotations

import os
from dataclasses import replace

import click
import psutil

from backend.benchmarks import emit, record_benchmark
from backend.claims import bench as submit_bench
from backend.cli_context import Context, pass_context
from backend.loadtest import require_wrk, run_wrk, serve, wrk_script

KNEE_P95_MS = 1000.0
WARMUP_SECONDS = 8
X12_CONTROL_MARKER = "987654321"  # replaced per request by the request number
MIX = """
local templates = {%(templates)s}
local x12 = [==[%(x12)s]==]
local offset = %(offset)d
local counter = 0
local auth = "Bearer %(token)s"
local json = {["Content-Type"] = "application/json", ["Authorization"] = auth}
local reads = {["Authorization"] = auth}
local upload = {["Content-Type"] = "application/edi-x12",
                ["Authorization"] = "Bearer %(edi_token)s",
                ["X-Filename"] = "load.x12"}
function request()
  counter = counter + 1
  local n = offset + 2 * counter + thread_number
  local kind = (counter + thread_number) %% 10
  if kind < 4 then
    return wrk.format("GET", "/api/v1/claims?page_size=20", reads)
  elseif kind < 6 then
    return wrk.format("GET", "/fhir/Claim?_count=20", reads)
  elseif kind < 9 then
    local shift = math.floor(n / #templates)
    local body = string.format(templates[n %% #templates + 1], n, 16500 + 2 * shift,
                               12500 + shift, 4000 + shift)
    return wrk.format("POST", "/api/v1/claims", json, body)
  end
  local body = string.gsub(x12, "%(marker)s", string.format("%%09d", n %% 1000000000))
  return wrk.format("POST", "/api/v1/edi/files", upload, body)
end
function response(status, headers, body)
  local name = "status_" .. status
  if status >= 500 then name = "server_error" end
  counts[name] = (counts[name] or 0) + 1
end
"""


@click.command("load")
@click.option("--clients", default="1,2,4,8,16,32,64", show_default=True,
              help="concurrencies in rising order; stops after the first p95 over 1 s")  # fmt: skip
@click.option("--max-clients", default=128, show_default=True, help="upper bound of connections")
@click.option("--seconds", default=10, show_default=True, help="duration of each step")
@click.option("--members", default=200, show_default=True, help="members the claims rotate over")
@click.option("--web-processes", type=int, help="gunicorn workers (default ASKES_WEB_PROCESSES)")
@click.option("--json", "as_json", is_flag=True)
@click.option("--record", is_flag=True, help="rewrite the section in docs/benchmarks.md")
@pass_context
def bench_load(context: Context, clients, max_clients, seconds, members, web_processes,
               as_json, record):  # fmt: skip
    """Mixed traffic (portal and FHIR reads, claim submissions, 837 uploads) at rising
    concurrency: the knee where p95 passes 1 s, errors, 5xx and memory per web process."""
    steps = [c for c in (int(c) for c in clients.split(",")) if 0 < c <= max_clients]
    processes = web_processes or context.settings.web_processes
    require_wrk()
    from backend.seed import prepare_for_benchmark

    prepare_for_benchmark(context)
    context.engine  # noqa: B018 - binds the session
    fixture = _fixture(context, members)
    figures = {"web_processes": processes, "seconds_per_step": seconds, "steps": []}
    try:
        started = []
        with serve(context.child_environment(), processes, started=started) as base:
            run_wrk(f"{base}/", _script(fixture, 0), 2, WARMUP_SECONDS)  # every route warm
            for number, concurrency in enumerate(steps, start=1):
                result = run_wrk(f"{base}/", _script(fixture, number), concurrency, seconds)
                step = _step(concurrency, result, started[0].pid)
                figures["steps"].append(step)
                if step["p95_ms"] > KNEE_P95_MS:
                    break
    finally:
        figures["cleaned_claims"] = submit_bench._cleanup(context, fixture)
    _summarise(figures)
    if record:
        command = f"askes bench load --clients {clients} --seconds {seconds} --json"
        with context.engine.connect() as connection:
            record_benchmark("Mixed load (askes bench load)", _flat(figures), command, connection)
    emit(figures, as_json)


def _fixture(context: Context, members: int) -> dict:
    """The submit benchmark's members and provider user, with a token that also reads claims
    (REST and FHIR); a second user of the organization for the X12 uploads (the submit
    benchmark's cleanup removes the first user's documents, which an EDI file references);
    the 837 the uploads send."""
    from backend.auth.models import User
    from backend.auth.permissions import CLAIMS_READ, CLAIMS_SUBMIT, EDI_SUBMIT
    from backend.auth.service import create_user
    from backend.auth.tokens import issue_token
    from backend.db import Session

    fixture = submit_bench._fixture(context, members)
    session = Session()
    user = session.get(User, fixture["user_id"])
    scopes = [CLAIMS_READ, CLAIMS_SUBMIT, EDI_SUBMIT, "system/Claim.read"]
    fixture["token"] = issue_token(session, user, "askes bench load", scopes).plaintext
    uploader = create_user(session, f"load-bench-edi-{os.getpid()}", os.urandom(16).hex(),
                           "provider", provider_id=user.provider_id)  # fmt: skip
    edi_token = issue_token(session, uploader, "askes bench load", [EDI_SUBMIT])
    fixture["edi_token"] = edi_token.plaintext
    session.commit()
    fixture["x12"] = _x12(fixture)
    return fixture


def _x12(fixture: dict) -> str:
    """One 837P interchange of one claim for the first bench member under the provider's NPI;
    its control numbers are X12_CONTROL_MARKER, which every request replaces."""
    from edi.claims_out import write_837
    from edi.tests.helpers import professional_claim

    member = fixture["members"][0]
    day = member["service_date"]
    claim = professional_claim(0)
    claim = replace(
        claim, billing_provider_npi=fixture["npi"],
        subscriber_member_number=member["member_number"],
        patient_member_number=member["member_number"],
        lines=[replace(line, service_from=day, service_to=day) for line in claim.lines],
    )  # fmt: skip
    return "".join(write_837([claim], "professional", interchange_number=int(X12_CONTROL_MARKER)))


def _script(fixture: dict, run: int) -> str:
    templates = ", ".join(
        f"[==[{submit_bench._template(fixture['npi'], m)}]==]" for m in fixture["members"]
    )
    parameters = {
        "templates": templates, "x12": fixture["x12"], "offset": run * submit_bench.RUN_STRIDE,
        "token": fixture["token"], "edi_token": fixture["edi_token"],
        "marker": X12_CONTROL_MARKER,
    }  # fmt: skip
    return wrk_script(MIX % parameters)


def _step(concurrency: int, result: dict, server_pid: int) -> dict:
    counts, requests = result["counts"], result["requests"]
    errors = result["socket_errors"] + sum(
        count for name, count in counts.items() if name == "server_error" or _status(name) >= 400
    )
    return {
        "clients": concurrency,
        "requests": requests,
        "requests_per_s": round(requests / result["seconds"], 1),
        "p50_ms": result["p50_ms"], "p95_ms": result["p95_ms"], "p99_ms": result["p99_ms"],
        "errors": errors,
        "server_errors_5xx": counts.get("server_error", 0),
        "error_rate": round(errors / requests, 4) if requests else 0.0,
        "statuses": {name: count for name, count in sorted(counts.items())},
        "web_rss_mb": _rss_mb(server_pid),
    }  # fmt: skip


def _status(name: str) -> int:
    return int(name.removeprefix("status_")) if name.startswith("status_") else 0


def _rss_mb(pid: int) -> list[float]:
    """Resident memory of the gunicorn master and each of its workers (MiB)."""
    try:
        master = psutil.Process(pid)
        processes = [master, *master.children()]
        return [round(process.memory_info().rss / 2**20, 1) for process in processes]
    except psutil.Error:
        return []


def _flat(figures: dict) -> dict:
    """One row per figure for docs/benchmarks.md: the summary, then each step's."""
    flat = {key: value for key, value in figures.items() if key != "steps"}
    for step in figures["steps"]:
        prefix = f"c{step['clients']}_"
        for key in ("requests_per_s", "p50_ms", "p95_ms", "p99_ms", "error_rate",
                    "server_errors_5xx", "web_rss_mb"):  # fmt: skip
            flat[prefix + key] = step[key]
    return flat


def _summarise(figures: dict) -> None:
    steps = figures["steps"]
    under = [s for s in steps if s["p95_ms"] <= KNEE_P95_MS]
    figures["knee_clients"] = under[-1]["clients"] if under else None
    figures["knee_requests_per_s"] = under[-1]["requests_per_s"] if under else None
    figures["p95_passed_1s_at_clients"] = next(
        (s["clients"] for s in steps if s["p95_ms"] > KNEE_P95_MS), None
    )
    figures["server_errors_5xx"] = sum(s["server_errors_5xx"] for s in steps)
    figures["max_web_process_rss_mb"] = max((max(s["web_rss_mb"] or [0]) for s in steps), default=0)
