"""CPU, statements and round trips per single-claim submission, in-process (Flask test client),
for A/B runs of two checkouts on a shared machine (docs/benchmarks.md, "Intake seam (issue 14)"):
the Python process_time of this process, the CPU of the embedded PostgreSQL's processes
(/proc/<pid>/stat utime + stime of the postmaster and its children), the statements psycopg sent
(statements inside a psycopg pipeline are one round trip) and the Redis commands, and the
pipeline's stage seconds from the /metrics counters.

Run from a checkout (PYTHONPATH on it and its fhir/, ASKES_VAR_DIR its var/, ASKES_RATE_LIMITS=0);
needs the demo data (`askes seed demo`, done here when missing):
    python intake_cost.py rest 300 [ROUNDS]   # POST /api/v1/claims (adjudicated in the request)
    python intake_cost.py fhir 300 [ROUNDS]   # POST /fhir/Claim (staged)
Environment: SHOW_STATEMENTS=1 lists them; LOG_DURATIONS=1 sums PostgreSQL's parse / bind /
execute time per statement from its log; PROFILE=<file> writes a cProfile of the requests.
"""

from __future__ import annotations

import collections
import json
import os
import sys
import time
from pathlib import Path

import orjson

try:
    from backend.cli_context import Context
except ImportError:  # the base commit
    from backend.cli import Context

TICKS = os.sysconf("SC_CLK_TCK")


def postgres_cpu(var_dir: Path) -> float:
    """Seconds of CPU of the postmaster's children (the backends, WAL writer, ...)."""
    pid_files = list(var_dir.rglob("postmaster.pid"))
    postmaster = int(pid_files[0].read_text().split()[0])
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[1]) == postmaster or int(entry) == postmaster:
            total += int(fields[11]) + int(fields[12])
    return total / TICKS


def main() -> None:
    channel, count = sys.argv[1], int(sys.argv[2])
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    context = Context()
    from backend.seed import prepare_for_benchmark

    prepare_for_benchmark(context)
    context.engine  # noqa: B018
    from backend import create_app

    app = create_app(
        {"database_url": context.settings.database_url, "redis_url": context.settings.redis_url}
    )
    var_dir = Path(context.settings.var_dir)
    statements = collections.Counter()
    seconds = collections.Counter()

    import psycopg

    def counting(method):
        def wrapper(self, query, *args, **kwargs):
            text = (
                query
                if isinstance(query, str)
                else getattr(query, "as_string", lambda _c: str(query))(self)
            )
            key = method.__name__ + ": " + " ".join(str(text).split())[:90]
            if getattr(self.connection, "_pipeline", None) is not None:
                key = "pipelined " + key
            statements[key] += 1
            started = time.perf_counter()
            try:
                return method(self, query, *args, **kwargs)
            finally:
                seconds[key] += time.perf_counter() - started

        wrapper.__name__ = method.__name__
        return wrapper

    import redis as redis_module

    def redis_counting(method, label):
        def wrapper(self, *args, **kwargs):
            name = label or str(args[0])
            if label == "pipeline":
                name = "pipeline[" + ",".join(str(c[0][0]) for c in self.command_stack) + "]"
            statements["redis: " + name] += 1
            return method(self, *args, **kwargs)

        return wrapper

    redis_module.Redis.execute_command = redis_counting(redis_module.Redis.execute_command, None)
    redis_module.client.Pipeline.execute = redis_counting(
        redis_module.client.Pipeline.execute, "pipeline"
    )
    original_pipeline = psycopg.Connection.pipeline

    def counted_pipeline(self, *args, **kwargs):
        statements["round trip: pipeline"] += 1
        return original_pipeline(self, *args, **kwargs)

    psycopg.Connection.pipeline = counted_pipeline
    for name in ("execute", "executemany", "copy"):
        setattr(psycopg.Cursor, name, counting(getattr(psycopg.Cursor, name)))

    if os.environ.get("GENERIC"):
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        @event.listens_for(Engine, "connect")
        def generic_plans(dbapi_connection, _record):
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SET plan_cache_mode = force_generic_plan")
            dbapi_connection.commit()

    if os.environ.get("LOG_DURATIONS"):
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        @event.listens_for(Engine, "connect")
        def log_durations(dbapi_connection, _record):
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SET log_min_duration_statement = 0")
            dbapi_connection.commit()

    log_file = var_dir / "log" / "postgres.log"
    client = app.test_client()
    if channel == "rest":
        from backend.claims import bench as b

        fixture = b._fixture(context, 200)
        templates = [b._template(fixture["npi"], m) for m in fixture["members"]]
        url, media = "/api/v1/claims", "application/json"

        def body(n):
            shift = n // len(templates)
            return (
                templates[n % len(templates)] % (n, 16500 + 2 * shift, 12500 + shift, 4000 + shift)
            ).encode()
    else:
        from backend.fhir_api import bench as b

        fixture = b._fixture(context)
        one = orjson.dumps(b._claims(fixture, 1)[0])
        url, media = "/fhir/Claim", "application/fhir+json"

        def body(_n):
            return one

    headers = {"Authorization": f"Bearer {fixture['token']}", "Content-Type": media}
    results = []
    try:
        for n in range(20):  # warm-up: caches, prepared plans
            response = client.post(url, data=body(10_000_000 + n), headers=headers)
            assert response.status_code in (200, 201), response.get_data(as_text=True)[:500]
        for r in range(rounds):
            statements.clear()
            seconds.clear()
            statuses = collections.Counter()
            log_start = log_file.stat().st_size
            redis = app.extensions["redis"]
            stages0 = {
                k.decode(): float(v)
                for k, v in redis.hgetall("askes:metrics:pipeline:stage_seconds").items()
            }
            pg0, py0, wall0 = postgres_cpu(var_dir), time.process_time(), time.perf_counter()
            profiler = None
            if os.environ.get("PROFILE"):
                import cProfile

                profiler = cProfile.Profile()
                profiler.enable()
            for n in range(count):
                response = client.post(url, data=body(r * 100_000 + n), headers=headers)
                statuses[response.status_code] += 1
            if profiler:
                profiler.disable()
                profiler.dump_stats(os.environ["PROFILE"])
            pg1, py1, wall1 = postgres_cpu(var_dir), time.process_time(), time.perf_counter()
            stages1 = {
                k.decode(): float(v)
                for k, v in redis.hgetall("askes:metrics:pipeline:stage_seconds").items()
            }
            stage_ms = {
                k: round((v - stages0.get(k, 0.0)) * 1000 / count, 2)
                for k, v in stages1.items()
                if "." not in k
            }
            results.append(
                {
                    "channel": channel,
                    "claims": count,
                    "statuses": dict(statuses),
                    "python_cpu_ms": round((py1 - py0) * 1000 / count, 2),
                    "postgres_cpu_ms": round((pg1 - pg0) * 1000 / count, 2),
                    "wall_ms": round((wall1 - wall0) * 1000 / count, 2),
                    "statements": round(
                        sum(
                            v
                            for k, v in statements.items()
                            if not k.startswith(("redis", "round trip"))
                        )
                        / count,
                        2,
                    ),
                    "round_trips": round(
                        sum(v for k, v in statements.items() if not k.startswith("pipelined"))
                        / count,
                        2,
                    ),
                    "load": os.getloadavg()[0],
                    "stages_ms": stage_ms,
                }
            )
            print(json.dumps(results[-1]), flush=True)
    finally:
        b._cleanup(context, fixture)
    if os.environ.get("LOG_DURATIONS"):
        import re

        durations = collections.Counter()
        with open(log_file, errors="replace") as log:
            log.seek(log_start)
            pattern = re.compile(r"duration: ([0-9.]+) ms  (\w+)[^:]*: (.*)")
            lines = log.readlines()
            for number, line in enumerate(lines):
                found = pattern.search(line)
                if found:
                    statement = found.group(3).strip()
                    following = iter(lines[number + 1 : number + 6])
                    while not statement:
                        statement = next(following, "?").strip()
                    key = found.group(2) + " " + " ".join(statement.split())[:80]
                    durations[key] += float(found.group(1))
        for key, total in sorted(durations.items(), key=lambda kv: -kv[1])[:40]:
            print(f"{total / count:7.3f}ms  {key}")
    if os.environ.get("SHOW_STATEMENTS"):
        for statement, times in statements.most_common():
            print(f"{times / count:6.2f} {seconds[statement] * 1000 / count:6.2f}ms  {statement}")


if __name__ == "__main__":
    main()
