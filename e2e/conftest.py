"""End-to-end tests: the system started as `make run` starts it (`askes run`: gunicorn, workers,
embedded PostgreSQL and Redis, demo data) on its own port and var dir, driven by Debian's chromium.

Each role's login is saved once (storage state); each test opens pages as that role. Every page a
test visits goes through `visit`, which scans it with axe-core and saves a screenshot under
e2e/artifacts/ (ignored by git).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect

from e2e.measure import MEASURES, record_bundle_size

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"
VAR_DIR = ROOT / "var" / "e2e"
ROLES = ("admin", "insurer", "provider", "member")
# How long an assertion waits for the page to show what the server answered: a ceiling, not a
# speed requirement (speeds are measured in docs/benchmarks.md). Playwright's 5 s default was
# missed once under load on this 2-core machine, where the browser, gunicorn, the workers and
# PostgreSQL share the cores.
expect.set_options(timeout=15_000)
DEMO_PASSWORD = "demo-e2e"
START_TIMEOUT = 600  # a fresh var dir: initdb, migrations, reference data, demo claims

pytestmark = pytest.mark.e2e


def pytest_collection_modifyitems(items):
    missing = [what for what, ok in _prerequisites().items() if not ok]
    if missing:
        skip = pytest.mark.skip(reason=f"e2e needs {', '.join(missing)} (make test sets them up)")
        for item in items:
            if "e2e" in str(item.fspath):
                item.add_marker(skip)


def _prerequisites() -> dict[str, bool]:
    return {
        "/usr/bin/chromium": CHROMIUM.exists(),
        "the built portal (frontend/dist)": (ROOT / "frontend" / "dist" / "index.html").exists(),
    }


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_health(base_url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text()[-3000:]
            raise RuntimeError(f"askes run exited with {process.returncode}:\n{tail}")
        try:
            urllib.request.urlopen(f"{base_url}/ready", timeout=2).close()
            return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"askes run did not become ready:\n{log.read_text()[-3000:]}")


def _wait_for_demo_batch(base_url: str) -> None:
    """Until the batch `askes run` queued over the demo claims (the first of a fresh database)
    is adjudicated: the journeys work its paid and pended claims, and right after startup the
    review queue could still be empty."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
    login = json.dumps({"username": "admin", "password": DEMO_PASSWORD}).encode()
    headers = {"Content-Type": "application/json"}
    opener.open(urllib.request.Request(f"{base_url}/api/v1/auth/login", login, headers),
                timeout=10).close()  # fmt: skip
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        with opener.open(f"{base_url}/api/v1/batches/1", timeout=10) as response:
            if json.load(response)["status"] != "running":
                return
        time.sleep(1)
    raise RuntimeError("the demo batch was not adjudicated in time")


@pytest.fixture(scope="session")
def portal_server():
    """`askes run` on a free port with its own var dir (its own database); stopped at the end."""
    port = _free_port()
    shutil.rmtree(VAR_DIR, ignore_errors=True)  # a fresh database each run, as on a new clone
    VAR_DIR.mkdir(parents=True)
    log = VAR_DIR / "askes-run.log"
    env = {
        **os.environ,
        "PORT": str(port),
        "ASKES_VAR_DIR": str(VAR_DIR),
        "ASKES_DEMO_PASSWORD": DEMO_PASSWORD,
        "ASKES_WEB_PROCESSES": "2",
        "ASKES_WORKERS": "1",
        "ASKES_EDI_DIR": str(VAR_DIR / "edi"),
    }
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    askes = str(Path(sys.executable).parent / "askes")
    with log.open("w") as output:
        process = subprocess.Popen(
            [askes, "run"], cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_for_health(base_url, process, log)
        _wait_for_demo_batch(base_url)
        yield base_url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="session")
def base_url(portal_server):
    record_bundle_size(ROOT / "frontend" / "dist")
    return portal_server


def pytest_terminal_summary(terminalreporter):
    """The browser timings and bundle size this run measured (recorded, never asserted)."""
    if MEASURES.exists():
        terminalreporter.write_sep("-", "portal measures (docs/benchmarks.md)")
        for label, values in json.loads(MEASURES.read_text()).items():
            terminalreporter.write_line(f"{label}: {values}")


@pytest.fixture(scope="session")
def browser_type_launch_args():
    return {
        "executable_path": str(CHROMIUM),
        "args": [
            "--no-sandbox", "--headless", "--disable-gpu", "--disable-dev-shm-usage",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-first-run", "--disable-default-apps",
        ],
    }  # fmt: skip


@pytest.fixture(scope="session")
def artifacts():
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def storage_states(playwright, base_url, tmp_path_factory):
    """Each demo role logged in once through the login API; its cookies saved for the tests."""
    folder = tmp_path_factory.mktemp("logins")
    states = {}
    for role in ROLES:
        context = playwright.request.new_context(base_url=base_url)
        response = context.post(
            "/api/v1/auth/login", data={"username": role, "password": DEMO_PASSWORD}
        )
        assert response.ok, response.text()
        states[role] = str(folder / f"{role}.json")
        context.storage_state(path=states[role])
        context.dispose()
    return states


class Api:
    """The API as one role (session cookie + CSRF header), for seeding and for checking."""

    def __init__(self, request_context):
        self.context = request_context
        self.csrf = self.get("/api/v1/auth/me")["csrf_token"]

    def get(self, path: str, **params):
        response = self.context.get(path, params=params or None)
        assert response.ok, f"GET {path}: {response.status} {response.text()}"
        return response.json()

    def post(self, path: str, body: dict):
        response = self.context.post(path, data=body, headers={"X-CSRFToken": self.csrf})
        assert response.ok, f"POST {path}: {response.status} {response.text()}"
        return response.json()


@pytest.fixture(scope="session")
def api_as(playwright, base_url, storage_states):
    contexts = {}

    def make(role: str) -> Api:
        if role not in contexts:
            request = playwright.request.new_context(
                base_url=base_url, storage_state=storage_states[role]
            )
            contexts[role] = Api(request)
        return contexts[role]

    yield make
    for api in contexts.values():
        api.context.dispose()


@pytest.fixture
def page_as(browser, base_url, storage_states):
    """A page logged in as `role`, in a fresh context (cookies from the saved login)."""
    contexts = []

    def make(role: str):
        context = browser.new_context(base_url=base_url, storage_state=storage_states[role])
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def visit(artifacts):
    """Check the page as it is now: axe-core scan (no serious or critical violations) and a
    screenshot named after the step."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def check(page, name: str) -> None:
        page.wait_for_load_state("networkidle")
        page.evaluate("window.scrollTo(0, 0)")  # a fixed header would show mid-page
        page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)
        results = axe.run(page)
        violations = [
            violation
            for violation in results.response["violations"]
            if violation.get("impact") in ("serious", "critical")
        ]
        summary = [
            {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in violations
        ]
        assert not violations, f"{name}: accessibility violations {json.dumps(summary, indent=1)}"

    return check
