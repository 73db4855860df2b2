"""The HTTP benchmarks' harness: the production server (gunicorn with backend/gunicorn_conf.py)
on a free loopback port, driven by wrk (Debian: `apt-get install wrk`; `make wrk`) with a Lua
script of the benchmark's own, to which `wrk_script` appends a report: done() prints one JSON
line with the request count, errors, latency percentiles and the sum of the per-thread `counts`
the benchmark's response() kept.

`askes bench submit` and `askes bench fhir` (backend/fhir_api/bench.py) use it.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import click

# Each wrk thread runs the script in a Lua state of its own: setup() numbers the threads (the
# script's request() can use `thread_number` to make its requests distinct) and done() sums
# the `counts` table each thread's response() kept.
REPORT = """
counts = {}
local threads = {}
function setup(thread)
  thread:set("thread_number", #threads)
  table.insert(threads, thread)
end
function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for name, count in pairs(thread:get("counts") or {}) do
      total[name] = (total[name] or 0) + count
    end
  end
  local parts = {}
  for name, count in pairs(total) do
    table.insert(parts, string.format('"%s": %d', name, count))
  end
  local errors = summary.errors
  io.write(string.format('{"requests": %d, "socket_errors": %d, "status_errors": %d, '
    .. '"seconds": %.3f, "p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f, "max_ms": %.2f, '
    .. '"counts": {%s}}\\n',
    summary.requests, errors.connect + errors.read + errors.write + errors.timeout,
    errors.status, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    table.concat(parts, ", ")))
end
"""


def wrk_script(requests_part: str) -> str:
    """The benchmark's request()/response() Lua followed by the report."""
    return REPORT + "\n" + requests_part


def require_wrk() -> str:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise click.ClickException(
            "wrk is not installed: `make wrk` (apt-get install wrk on Debian/Ubuntu)"
        )
    return wrk


@contextmanager
def serve(environment: dict[str, str], processes: int, threads: int | None = None, started=None):
    """gunicorn with the production configuration on a free loopback port; yields the base
    URL once /health answers, stops the server afterwards. `started`, a list, gets the
    server's Popen (for its memory)."""
    port = _free_port()
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    command = [gunicorn, "-c", "python:backend.gunicorn_conf", "--bind", f"127.0.0.1:{port}",
               "--workers", str(processes)]  # fmt: skip
    if threads:
        command += ["--threads", str(threads)]
    with tempfile.TemporaryFile("w+") as log:
        # A benchmark measures capacity, not the per-caller budgets: rate limits off.
        environment = {**environment, "ASKES_RATE_LIMITS": "0"}
        server = subprocess.Popen(
            [*command, "backend:create_app()"], env=environment, stdout=log, stderr=log
        )
        if started is not None:
            started.append(server)
        try:
            _wait_for(f"http://127.0.0.1:{port}/health", server, log)
            yield f"http://127.0.0.1:{port}"
        finally:
            server.terminate()
            server.wait(timeout=30)


def run_wrk(url: str, script: str, clients: int, seconds: int, timeout: int = 5) -> dict:
    """wrk against `url` with `clients` connections for `seconds`; the report's JSON as a dict.
    wrk's latency is from the request written to the response read, per request."""
    wrk = require_wrk()
    threads = min(2, clients)
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as lua:
        lua.write(script)
        lua.flush()
        run = subprocess.run(
            [wrk, "-t", str(threads), "-c", str(clients), "-d", f"{seconds}s",
             "--timeout", f"{timeout}s", "-s", lua.name, url],
            capture_output=True, text=True,
        )  # fmt: skip
    if run.returncode != 0 or not run.stdout.strip():
        raise click.ClickException(f"wrk failed: {run.stderr.strip() or run.stdout.strip()}")
    return json.loads(run.stdout.strip().splitlines()[-1])


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(url: str, server: subprocess.Popen, log, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            break
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.3)
    log.seek(0)
    raise click.ClickException(f"gunicorn did not answer in time:\n{log.read()[-2000:]}")
