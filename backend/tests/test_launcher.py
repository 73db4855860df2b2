"""`askes run` (what `make run` runs) as a user meets it: on a fresh var/ it comes up with demo
data; Ctrl-C leaves no process behind; after a SIGKILL of the launcher the next run recovers."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import psutil
import pytest

from backend.settings import Settings

ASKES = str(Path(sys.executable).parent / "askes")
PASSWORD = "launcher-test-pw"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def http(method: str, url: str, body: dict | None = None, opener=None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    try:
        with (opener or urllib.request.build_opener()).open(request, timeout=5) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def logged_in(base: str, username: str):
    """An opener that keeps the session cookie of `username`."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
    body = {"username": username, "password": PASSWORD}
    assert http("POST", f"{base}/api/v1/auth/login", body, opener)[0] == 200
    return opener


def claim_states(base: str, opener) -> set[tuple[str, str | None]]:
    """(status, decision) of every claim the logged-in user sees."""
    states, page, total = set(), 1, 1
    while (page - 1) * 200 < total:
        url = f"{base}/api/v1/claims?page_size=200&page={page}"
        status, body = http("GET", url, opener=opener)
        assert status == 200, body
        states |= {(item["status"], item["decision"]) for item in body["items"]}
        page, total = page + 1, body["total"]
    return states


def wait_until(condition, timeout: float, interval: float = 0.5) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return True
        except OSError:
            pass
        time.sleep(interval)
    return False


class System:
    def __init__(self, var_dir: Path, port: int, log: Path):
        self.var_dir, self.port, self.log = var_dir, port, log
        self.base = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
        env.update(
            ASKES_VAR_DIR=str(self.var_dir), PORT=str(self.port), ASKES_WORKERS="1",
            ASKES_WEB_PROCESSES="1", ASKES_DEMO_PASSWORD=PASSWORD,
        )  # fmt: skip
        with open(self.log, "ab") as output:
            self.process = subprocess.Popen(
                [ASKES, "run"], env=env, stdout=output, stderr=output, start_new_session=True
            )
        ready = wait_until(lambda: http("GET", f"{self.base}/ready")[0] == 200, timeout=240)
        assert ready, self.log.read_text()[-3000:]

    def children(self) -> list[int]:
        state = json.loads((self.var_dir / "run" / "launcher.json").read_text())
        return list(state["children"].values())

    def server_pids(self) -> list[int]:
        postgres = (self.var_dir / "pgdata" / "postmaster.pid").read_text().split()[0]
        redis = (self.var_dir / "run" / "redis.pid").read_text().strip()
        return [int(postgres), int(redis)]


def lingering(pids: list[int], log: Path) -> str:
    """What a failed "all gone" wait found still running, for the assertion's message: each
    survivor's state, command line and children, and the end of the run's log."""
    found = []
    for pid in pids:
        with contextlib.suppress(psutil.Error):
            process = psutil.Process(pid)
            below = [" ".join(child.cmdline()[:3]) for child in process.children(recursive=True)]
            found.append(f"{pid} {process.status()} {process.cmdline()[:4]} children={below}")
    return "\n".join(["still running:", *found, log.read_text()[-3000:]])


def alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@pytest.fixture
def system():
    # Under the project's var/, not pytest's tmp_path: pytest resets its temp root to mode 0700
    # at every session start, which would cut the unprivileged postgres user off its data.
    root = Settings.from_env().var_dir / f"launcher-test-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    root.mkdir(parents=True)
    system = System(root / "var", free_port(), root / "run.log")
    yield system
    if system.process and system.process.poll() is None:
        system.process.send_signal(signal.SIGINT)
        system.process.wait(timeout=60)
    shutil.rmtree(root, ignore_errors=True)


def test_run_serves_demo_users_then_ctrl_c_stops_everything(system):
    system.start()
    status, me = http("POST", f"{system.base}/api/v1/auth/login",
                      {"username": "provider", "password": PASSWORD})  # fmt: skip
    assert status == 200 and me["role"] == "provider" and me["provider_id"]
    assert http("GET", f"{system.base}/api/openapi.json")[0] == 200
    # The workers adjudicate most demo claims: the demo users see claims in every state.
    every_state = {("pending", None), ("processed", "paid"), ("processed", "denied"),
                   ("rejected", None)}  # fmt: skip
    users = [logged_in(system.base, user) for user in ("provider", "member")]
    seen = lambda: [claim_states(system.base, user) for user in users]  # noqa: E731
    assert wait_until(lambda: all(every_state <= states for states in seen()), 120), (
        system.log.read_text()[-6000:]
    )
    drop_in = system.var_dir / "edi" / "inbound"
    drop_in.mkdir(parents=True, exist_ok=True)
    (drop_in / "junk.x12").write_text("this is not X12")
    outbound = system.var_dir / "edi" / "outbound"
    assert wait_until(lambda: any(outbound.glob("*")), timeout=30), "the drop folder is not watched"
    assert (system.var_dir / "edi" / "archive" / "junk.x12").exists() or any(
        (system.var_dir / "edi" / "archive").glob("*junk*")
    )
    processes = system.children() + system.server_pids()
    assert all(alive(pid) for pid in processes)

    system.process.send_signal(signal.SIGINT)
    assert system.process.wait(timeout=60) == 0
    gone = wait_until(lambda: not any(alive(pid) for pid in processes), timeout=30)
    assert gone, lingering(processes, system.log)


def test_after_a_sigkill_the_next_run_recovers(system):
    system.start()
    children, servers = system.children(), system.server_pids()
    system.process.send_signal(signal.SIGKILL)
    system.process.wait(timeout=10)
    # The children die with the launcher; the servers stay until the next run finds them.
    gone = wait_until(lambda: not any(alive(pid) for pid in children), timeout=30)
    assert gone, lingering(children, system.log)
    assert all(alive(pid) for pid in servers)

    system.start()
    assert system.server_pids() == servers  # reused, not started twice
    status, _ = http("POST", f"{system.base}/api/v1/auth/login",
                     {"username": "insurer", "password": PASSWORD})  # fmt: skip
    assert status == 200
    processes = system.children() + servers
    system.process.send_signal(signal.SIGINT)
    assert system.process.wait(timeout=60) == 0
    gone = wait_until(lambda: not any(alive(pid) for pid in processes), timeout=30)
    assert gone, lingering(processes, system.log)


def test_run_rides_out_its_servers_and_web_server_dying(system):
    """Redis killed, PostgreSQL crashed (immediate stop) and the web server killed at once: the
    launcher starts each again (never gives up), the workers reconnect, /ready comes back."""
    from backend.embedded import EmbeddedPostgres

    system.start()
    launcher_children = system.children()
    postgres_pid, redis_pid = system.server_pids()
    web = json.loads((system.var_dir / "run" / "launcher.json").read_text())["children"]["web"]
    os.kill(redis_pid, signal.SIGKILL)
    postgres = EmbeddedPostgres(system.var_dir)
    postgres._run(postgres.bin / "pg_ctl", "-D", postgres.pgdata, "-m", "immediate", "stop")
    os.kill(web, signal.SIGKILL)
    assert wait_until(lambda: not alive(redis_pid) and not alive(web), timeout=10)

    ready = lambda: http("GET", f"{system.base}/ready")[0] == 200  # noqa: E731
    assert wait_until(ready, timeout=120), system.log.read_text()[-4000:]
    assert system.process.poll() is None, "the launcher gave up"
    assert all(alive(pid) for pid in system.server_pids())
    assert set(system.server_pids()).isdisjoint({postgres_pid, redis_pid})
    workers = [pid for pid in launcher_children if pid != web]
    assert all(alive(pid) for pid in workers), "a worker exited instead of reconnecting"
    opener = logged_in(system.base, "provider")
    assert http("GET", f"{system.base}/api/v1/claims", opener=opener)[0] == 200
