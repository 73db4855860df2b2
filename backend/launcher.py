"""`askes run` (what `make run` calls): set up, start the web server and the workers, supervise
them, and on Ctrl-C (SIGINT) or SIGTERM stop every child and then the embedded servers.

Children run in sessions of their own, so only this process sees the terminal's Ctrl-C and stops
them in order; each child also gets PR_SET_PDEATHSIG, so a launcher killed with SIGKILL takes its
children with it. The embedded PostgreSQL and Redis a killed launcher leaves behind are found and
reused by the next run (see backend/embedded.py).

The launcher never gives up on its children: one that exits is started again after a pause that
doubles from RESTART_FIRST_SECONDS to RESTART_MAX_SECONDS while it keeps dying young (a server it
depends on is down), and the embedded PostgreSQL and Redis it runs are started again when they
die. Only Ctrl-C or SIGTERM stops it.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import click
import psutil

from backend.cli_context import Context, pass_context

PR_SET_PDEATHSIG = 1
STOP_GRACE_SECONDS = 15
RESTART_FIRST_SECONDS = 0.5
RESTART_MAX_SECONDS = 30.0
STABLE_SECONDS = 60.0  # a child that lived this long starts again at the first pause
SERVER_CHECK_SECONDS = 2.0


def _die_with_parent() -> None:
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class Launcher:
    def __init__(self, context):
        self.context = context
        self.children: dict[str, subprocess.Popen] = {}
        self.commands: dict[str, list[str]] = {}
        self.stopping = False
        self.started_at: dict[str, float] = {}
        self.failures: dict[str, int] = {}
        self.restart_due: dict[str, float] = {}
        self.next_server_check = 0.0

    @property
    def settings(self):
        return self.context.settings

    def run(self) -> int:
        signal.signal(signal.SIGINT, self._request_stop)
        signal.signal(signal.SIGTERM, self._request_stop)
        self._stop_leftovers()
        click.echo("preparing the database and demo data ...")
        self._prepare()
        try:
            self._start_web()
            askes = str(Path(sys.executable).parent / "askes")
            for number in range(self.settings.worker_processes):
                self._spawn(f"worker-{number}", [askes, "worker"])
            self._spawn("edi-drop-folder", [askes, "edi", "watch"])
            self._remember_children()
            self._print_banner()
            return self._supervise()
        finally:
            self._stop_children()
            click.echo("stopped.")

    def _request_stop(self, signum, _frame) -> None:
        self.stopping = True

    def _prepare(self) -> None:
        from redis import Redis

        from backend.auth.roles import sync_roles
        from backend.db import Session
        from backend.migrations import upgrade
        from backend.seed import seed_demo

        upgrade(self.settings.database_url)
        redis = Redis.from_url(self.settings.redis_url)  # the workers adjudicate the demo claims
        with self.context.engine.begin() as connection:
            sync_roles(Session(bind=connection))
            self.logins = seed_demo(connection, self.settings.demo_password, redis)

    def _environment(self) -> dict[str, str]:
        env = self.context.child_environment()
        metrics_dir = self.settings.var_dir / "run" / "prometheus"
        shutil.rmtree(metrics_dir, ignore_errors=True)
        metrics_dir.mkdir(parents=True)
        env["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
        return env

    def _spawn(self, name: str, command: list[str]) -> None:
        self.commands[name] = command
        self.started_at[name] = time.monotonic()
        self.children[name] = subprocess.Popen(
            command,
            env=self.child_env,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )

    def _start_web(self) -> None:
        self.child_env = self._environment()
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        bind = f"{self.settings.host}:{self.settings.port}"
        config = "python:backend.gunicorn_conf"
        self._spawn("web", [gunicorn, "-c", config, "--bind", bind, "backend:create_app()"])
        self._wait_for_web()

    def _wait_for_web(self, timeout: float = 60.0) -> None:
        import urllib.request

        deadline = time.monotonic() + timeout
        url = f"http://{self.settings.host}:{self.settings.port}/health"
        while time.monotonic() < deadline:
            if self.children["web"].poll() is not None:
                raise click.ClickException(
                    f"the web server exited; is port {self.settings.port} free?"
                )
            try:
                urllib.request.urlopen(url, timeout=1).close()
                return
            except OSError:
                time.sleep(0.2)
        raise click.ClickException("the web server did not answer in time")

    def _print_banner(self) -> None:
        from backend.edi.outbound import EdiFolders

        base = f"http://{self.settings.host}:{self.settings.port}"
        click.echo(
            f"\nAskes is running.\n"
            f"  portal / API   {base}/\n"
            f"  API docs       {base}/api/docs\n"
            f"  health         {base}/health   {base}/ready   {base}/metrics\n"
            f"  workers        {self.settings.worker_processes}\n"
            f"  X12 drop-in    {EdiFolders.from_environment().inbound} (answers: outbound/)\n"
            f"demo logins (POST {base}/api/v1/auth/login):\n" + "\n".join(self.logins) + "\n"
            "Ctrl-C stops everything.\n"
        )

    def _supervise(self) -> int:
        while not self.stopping:
            time.sleep(0.5)
            self._revive_servers()
            for name, child in list(self.children.items()):
                if child.poll() is None or self.stopping:
                    continue
                self._restart_when_due(name, child)
        return 0

    def _restart_when_due(self, name: str, child: subprocess.Popen) -> None:
        now = time.monotonic()
        due = self.restart_due.get(name)
        if due is None:
            young = now - self.started_at[name] < STABLE_SECONDS
            self.failures[name] = self.failures.get(name, 0) + 1 if young else 0
            pause = min(RESTART_FIRST_SECONDS * 2 ** self.failures[name], RESTART_MAX_SECONDS)
            click.echo(f"{name} exited with {child.returncode}; again in {pause:.1f} s", err=True)
            self.restart_due[name] = now + pause
        elif now >= due:
            del self.restart_due[name]
            self._spawn(name, self.commands[name])
            self._remember_children()

    def _revive_servers(self) -> None:
        """Start the embedded PostgreSQL or Redis again if it died (killed, crashed, stopped)."""
        from backend.embedded import EmbeddedServiceError

        embedded = self.context.embedded
        if embedded is None or time.monotonic() < self.next_server_check:
            return
        self.next_server_check = time.monotonic() + SERVER_CHECK_SECONDS
        for server in (embedded.postgres, embedded.redis):
            if server is None or server.is_running():
                continue
            click.echo(f"the embedded {server.name} is not running; starting it", err=True)
            try:
                server.start()
            except (EmbeddedServiceError, OSError, subprocess.SubprocessError) as error:
                click.echo(f"{error}; trying again", err=True)

    def _stop_children(self) -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut this short
        for child in self.children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for child in self.children.values():
            try:
                child.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _kill_tree(child.pid)
                child.wait()
        self._children_file.unlink(missing_ok=True)

    @property
    def _children_file(self) -> Path:
        return self.settings.var_dir / "run" / "launcher.json"

    def _remember_children(self) -> None:
        pids = {name: child.pid for name, child in self.children.items()}
        self._children_file.write_text(json.dumps({"launcher": os.getpid(), "children": pids}))

    def _stop_leftovers(self) -> None:
        """Children of a launcher that died without stopping them (PDEATHSIG covers most)."""
        try:
            previous = json.loads(self._children_file.read_text())
        except (FileNotFoundError, ValueError):
            return
        if _is_ours(previous.get("launcher")):
            raise click.ClickException("another `askes run` is running from this folder")
        for pid in previous.get("children", {}).values():
            if _is_ours(pid):
                _kill_tree(pid)
        self._children_file.unlink(missing_ok=True)


def _is_ours(pid: int | None) -> bool:
    """A live process running our gunicorn or askes (not an unrelated one that reused the pid)."""
    try:
        command = " ".join(psutil.Process(pid).cmdline()) if pid else ""
    except psutil.Error:
        return False
    return "askes" in command or "gunicorn" in command


def _kill_tree(pid: int) -> None:
    try:
        parent = psutil.Process(pid)
    except psutil.NoSuchProcess:
        return
    for process in [*parent.children(recursive=True), parent]:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.kill()


@click.command()
@pass_context
def run(context: Context) -> None:
    """Set up and start the whole system: web server and workers. Ctrl-C stops everything."""
    raise SystemExit(Launcher(context).run())
