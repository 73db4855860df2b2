"""`askes bench api --cpu`: the CPU one request costs, per endpoint, in-process and one at a time.

A p95 under concurrent clients measures the machine's contention as much as the code; on a
shared machine it moves with the other sessions' load. The CPU a request costs hardly does: the
web process's (Python, `time.process_time`) plus that of the PostgreSQL backends that served it
(read from /proc, so only with a PostgreSQL on this machine), and the statements it ran. With
8 closed-loop clients on 2 cores, a 100 ms p95 needs roughly 15-20 ms of CPU a request.
"""

from __future__ import annotations

import os
import time
from collections import Counter

from sqlalchemy import event, text

BACKENDS = """
SELECT pid FROM pg_stat_activity
WHERE datname = current_database() AND backend_type = 'client backend'
"""


def cpu_per_request(
    app, token: str, endpoints: dict[str, list[str]], requests: int, rounds: int = 3
) -> dict:
    """For each endpoint: `rounds` rounds of `requests` GETs rotating over its paths through
    `app`'s test client, after one unmeasured GET of each path (plans, caches, pool). Figures
    per request, of the round that cost least (other processes on the machine only ever add
    to a round's CPU time): `<name>_cpu_ms` (web and database), `_python_cpu_ms`,
    `_postgres_cpu_ms` (None when the database's processes cannot be read), `_statements`, and
    `_errors` (answers other than 200, all rounds). Endpoints answering 404 or 405 are listed
    under `cpu_skipped`."""
    engine = app.extensions["db_engine"]
    statements = [0]

    def count(*_args):
        statements[0] += 1

    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    figures, skipped = {}, []
    event.listen(engine, "before_cursor_execute", count)
    try:
        for name, paths in endpoints.items():
            warmup = [client.get(path, headers=headers).status_code for path in paths[:requests]]
            if warmup[0] in (404, 405):
                skipped.append(name)
                continue
            rotation = [paths[index % len(paths)] for index in range(requests)]
            measured, errors = [], 0
            for _round in range(rounds):
                pids = _backend_pids(engine)
                database_before = _cpu_ns(pids)
                statements[0] = 0
                python_before = time.process_time_ns()
                statuses = Counter(client.get(path, headers=headers).status_code
                                   for path in rotation)  # fmt: skip
                python = (time.process_time_ns() - python_before) / requests / 1e6
                database_after = _cpu_ns(pids)
                database = None
                if database_before is not None and database_after is not None:
                    database = (database_after - database_before) / requests / 1e6
                measured.append((python + (database or 0), python, database, statements[0]))
                errors += requests - statuses.get(200, 0)
            total, python, database, executed = min(measured, key=lambda figures: figures[0])
            figures.update({
                f"{name}_cpu_ms": round(total, 1),
                f"{name}_python_cpu_ms": round(python, 1),
                f"{name}_postgres_cpu_ms": None if database is None else round(database, 1),
                f"{name}_statements": round(executed / requests, 1),
                f"{name}_errors": errors,
            })  # fmt: skip
    finally:
        event.remove(engine, "before_cursor_execute", count)
    figures["cpu_skipped"] = ",".join(skipped) or "none"
    return figures


def _backend_pids(engine) -> list[int]:
    with engine.connect() as connection:
        return connection.execute(text(BACKENDS)).scalars().all()


def _cpu_ns(pids: list[int]) -> int | None:
    """CPU time of these processes, in ns (their schedstat; None unless all can be read)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/schedstat") as handle:
                total += int(handle.read().split()[0])
        except (OSError, ValueError, IndexError):
            return _cpu_ticks_ns(pids)
    return total


def _cpu_ticks_ns(pids: list[int]) -> int | None:
    """The same from /proc/<pid>/stat (user and system time, in clock ticks), else None."""
    tick_ns = 1e9 / os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            return None
        total += int((int(fields[11]) + int(fields[12])) * tick_ns)
    return total
