"""`askes bench submit`: POST /api/v1/claims (one claim staged and adjudicated in the request)
through the production server under 1 and more concurrent clients, driven by wrk.

Every request submits a claim of its own: wrk's Lua numbers the requests, and the number picks
the member and moves both line charges, so no claim duplicates an earlier one (the pipeline
would deny it, CARC 18). Members are subscribers with paid claims at one provider organization
and no claim pending in staging (no batch touches their accumulators meanwhile, so the
benchmark can put them back as they were); the service date is one they were covered on.
"""

from __future__ import annotations

import json
import os

import click
from sqlalchemy import text

from backend.benchmarks import emit, peak_rss_mb, record_benchmark, stopwatch
from backend.cli_context import Context, pass_context
from backend.loadtest import require_wrk, run_wrk, serve, wrk_script

DECISIONS = ("paid", "denied", "pended")
RUN_STRIDE = 1_000_000  # request numbers per wrk run: far more than a run sends
BENCH_MEMBERS = """
WITH provider_choice AS (
    SELECT c.billing_provider_id AS id FROM production.claim c
    JOIN provider p ON p.id = c.billing_provider_id AND p.entity_type = 2
    WHERE c.decision = 'paid' AND c.service_month = (SELECT max(service_month)
                                                    FROM production.claim)
    GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1),
seen AS (
    SELECT c.member_id, max(c.service_from) AS service_date FROM production.claim c
    WHERE c.billing_provider_id = (SELECT id FROM provider_choice) AND c.decision = 'paid'
    GROUP BY 1)
SELECT (SELECT id FROM provider_choice) AS provider_id, m.id, m.member_number,
       m.first_name, m.last_name, m.birth_date, m.sex, s.service_date
FROM seen s JOIN member m ON m.id = s.member_id
WHERE (m.subscriber_id IS NULL OR m.subscriber_id = m.id)
  AND NOT EXISTS (SELECT 1 FROM staging.claim p WHERE p.member_id = m.id
                  AND p.status = 'pending')
ORDER BY m.id LIMIT :limit
"""
# wrk's Lua: request number n = run offset + 2 * per-thread counter + thread number (wrk runs
# at most 2 threads here); member n mod M, charges moved by n div M cents.
REQUESTS = """
local templates = {%(templates)s}
local offset = %(offset)d
local counter = 0
local headers = {["Content-Type"] = "application/json",
                 ["Authorization"] = "Bearer %(token)s"}
function request()
  counter = counter + 1
  local n = offset + 2 * counter + thread_number
  local shift = math.floor(n / #templates)
  local body = string.format(templates[n %% #templates + 1], n, 16500 + 2 * shift,
                             12500 + shift, 4000 + shift)
  return wrk.format("POST", "/api/v1/claims", headers, body)
end
function response(status, headers, body)
  local name = "status_" .. status
  if status == 201 then
    name = body:match('"decision": *"(%%a+)"') or "no_decision"
  end
  counts[name] = (counts[name] or 0) + 1
end
"""


@click.command("submit")
@click.option("--clients", default="1,8", show_default=True, help="concurrencies, one run each")
@click.option("--seconds", default=15, show_default=True, help="duration of each wrk run")
@click.option("--warmup", default=3, show_default=True, help="seconds of unmeasured load first")
@click.option("--members", default=200, show_default=True, help="members the claims rotate over")
@click.option("--web-processes", type=int, help="gunicorn workers (default ASKES_WEB_PROCESSES)")
@click.option("--web-threads", type=int, help="threads per worker (default ASKES_WEB_THREADS)")
@click.option("--json", "as_json", is_flag=True)
@click.option("--record", is_flag=True, help="rewrite the section in docs/benchmarks.md")
@pass_context
def bench_submit(context: Context, clients, seconds, warmup, members, web_processes,
                 web_threads, as_json, record):  # fmt: skip
    """POST /api/v1/claims through gunicorn + wrk: p50/p95/p99, requests/s, decisions.

    Needs the demo data (`askes seed demo`). The claims, documents, accumulator changes, user
    and token the benchmark makes are removed afterwards (audit events stay: append-only)."""
    concurrencies = [int(c) for c in clients.split(",")]
    processes = web_processes or context.settings.web_processes
    require_wrk()
    from backend.seed import prepare_for_benchmark

    prepare_for_benchmark(context)
    context.engine  # noqa: B018 - binds the session
    fixture = _fixture(context, members)
    threads = web_threads or context.settings.web_threads
    figures = {"members": len(fixture["members"]), "web_processes": processes,
               "web_threads": threads}  # fmt: skip
    try:
        with serve(context.child_environment(), processes, web_threads) as base:
            url = f"{base}/api/v1/claims"
            run_wrk(url, _script(fixture, 0), max(concurrencies), warmup)
            for run, concurrency in enumerate(concurrencies, start=1):
                with stopwatch() as timing:
                    result = run_wrk(url, _script(fixture, run), concurrency, seconds)
                figures.update(_run_figures(f"c{concurrency}_", result))
                figures[f"c{concurrency}_wall_seconds"] = timing["seconds"]
    finally:
        figures["cleaned_claims"] = _cleanup(context, fixture)
    figures["peak_rss_mb"] = peak_rss_mb()
    if record:
        command = (f"askes bench submit --clients {clients} --seconds {seconds} "
                   f"--web-processes {processes} --json")  # fmt: skip
        with context.engine.connect() as connection:
            name = "Single claim submitted (POST /api/v1/claims, adjudicated in the request)"
            record_benchmark(name, figures, command, connection)
    emit(figures, as_json)


def _run_figures(prefix: str, result: dict) -> dict:
    counts = result["counts"]
    requests = result["requests"]
    decided = sum(counts.get(name, 0) for name in DECISIONS)
    ok = sum(count for name, count in counts.items() if not name.startswith("status_"))
    return {
        f"{prefix}requests": requests,
        f"{prefix}requests_per_s": round(requests / result["seconds"], 1),
        f"{prefix}p50_ms": result["p50_ms"], f"{prefix}p95_ms": result["p95_ms"],
        f"{prefix}p99_ms": result["p99_ms"], f"{prefix}max_ms": result["max_ms"],
        f"{prefix}errors": result["socket_errors"] + requests - ok,
        f"{prefix}decided_share": round(decided / requests, 4) if requests else 0.0,
        **{f"{prefix}{name}": counts.get(name, 0) for name in DECISIONS},
    }  # fmt: skip


def _fixture(context: Context, limit: int) -> dict:
    """Members and their provider organization from the database; a provider user with a
    claims:submit token; the accumulators of those members as they are now."""
    from backend.auth.permissions import CLAIMS_SUBMIT
    from backend.auth.service import create_user
    from backend.auth.tokens import issue_token
    from backend.db import Session

    session = Session()
    rows = session.execute(text(BENCH_MEMBERS), {"limit": limit}).mappings().all()
    if not rows:
        raise click.UsageError("no provider with paid claims: run `askes seed demo` first")
    provider_id = rows[0]["provider_id"]
    npi = session.execute(text("SELECT npi FROM provider WHERE id = :id"), {"id": provider_id})
    user = create_user(session, f"submit-bench-{os.getpid()}", os.urandom(16).hex(),
                       "provider", provider_id=provider_id)  # fmt: skip
    token = issue_token(session, user, "askes bench submit", [CLAIMS_SUBMIT])
    member_ids = [row["id"] for row in rows]
    accumulators = session.execute(
        text("SELECT * FROM accumulator WHERE member_id = ANY(:ids)"), {"ids": member_ids}
    ).mappings().all()  # fmt: skip
    session.commit()
    return {"members": rows, "npi": npi.scalar_one(), "user_id": user.id,
            "token": token.plaintext, "accumulators": [dict(a) for a in accumulators]}  # fmt: skip


def _script(fixture: dict, run: int) -> str:
    templates = ", ".join(f"[==[{_template(fixture['npi'], m)}]==]" for m in fixture["members"])
    parameters = {"templates": templates, "offset": run * RUN_STRIDE, "token": fixture["token"]}
    return wrk_script(REQUESTS % parameters)


def _template(npi: str, member) -> str:
    """The claim as JSON, a Lua format string whose %d are, in order: the request number, the
    total charge and the two line charges (cents)."""
    day = member["service_date"].isoformat()
    lines = [{"line_number": n, "charge_cents": f"@{n}", "units": "1", "procedure_code": code,
              "service_from": day, "service_to": day, "diagnosis_pointers": [1]}
             for n, code in ((1, "99213"), (2, "36415"))]  # fmt: skip
    claim = {
        "claim_type": "professional", "patient_control_number": "BENCHSUBMIT@0",
        "subscriber_member_number": member["member_number"],
        "patient_member_number": member["member_number"], "relationship_code": "18",
        "patient_first_name": member["first_name"], "patient_last_name": member["last_name"],
        "patient_birth_date": member["birth_date"].isoformat(), "patient_sex": member["sex"],
        "billing_provider_npi": npi, "total_charge_cents": "@3", "diagnosis_codes": ["E119"],
        "place_of_service": "11", "statement_from": day, "statement_to": day, "lines": lines,
    }  # fmt: skip
    body = json.dumps(claim).replace("%", "%%")  # keys stay in this order: @0, @3, @1, @2
    for marker in ('"@3"', '"@1"', '"@2"'):
        body = body.replace(marker, "%d")
    return body.replace("@0", "%d")


def _cleanup(context: Context, fixture: dict) -> int:
    """Remove the claims the benchmark submitted (staged, adjudicated, failed), the stored
    bodies, token and user; put the members' accumulators back. Returns the claims removed."""
    from backend.db import Session

    session = Session()
    session.rollback()
    by_user = {"user_id": fixture["user_id"]}
    ids = session.scalars(text(
        "SELECT c.id FROM staging.claim c JOIN received_document d ON d.id = c.source_file_id "
        "WHERE d.submitter_user_id = :user_id AND c.channel = 'api'"), by_user).all()  # fmt: skip
    claims = {"ids": list(ids)}
    for table, column in (("production.failed_claim_reason", "claim_id"),
                          ("production.failed_claim", "claim_id"),
                          ("production.claim_line", "claim_id"), ("production.claim", "id"),
                          ("staging.claim_line", "claim_id"), ("staging.claim", "id")):  # fmt: skip
        session.execute(text(f"DELETE FROM {table} WHERE {column} = ANY(:ids)"), claims)
    session.execute(text("DELETE FROM received_document WHERE submitter_user_id = :user_id"),
                    by_user)  # fmt: skip
    _restore_accumulators(session, fixture)
    session.execute(text("DELETE FROM api_token WHERE user_id = :user_id"), by_user)
    session.execute(text("DELETE FROM app_user WHERE id = :user_id"), by_user)
    session.commit()
    return len(ids)


def _restore_accumulators(session, fixture: dict) -> None:
    member_ids = [member["id"] for member in fixture["members"]]
    members = {"ids": member_ids}
    session.execute(text("DELETE FROM accumulator WHERE member_id = ANY(:ids)"), members)
    if fixture["accumulators"]:
        columns = list(fixture["accumulators"][0])
        session.execute(
            text(f"INSERT INTO accumulator ({', '.join(columns)}) "
                 f"VALUES ({', '.join(':' + c for c in columns)})"),
            fixture["accumulators"],
        )  # fmt: skip
