"""One settings object, read from the environment when the app or a command starts."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, fields
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


@dataclass
class Settings:
    """Configuration of the platform; every field has an environment variable (see README)."""

    database_url: str | None = None
    redis_url: str | None = None
    var_dir: Path = PROJECT_ROOT / "var"
    secret_key: str = ""
    demo_password: str = "demo"
    host: str = "127.0.0.1"
    port: int = 8000
    web_processes: int = 2
    worker_processes: int = 2
    login_max_failures: int = 5
    login_lockout_seconds: int = 900
    session_cookie_secure: bool = False
    log_level: str = "INFO"
    review_assignment_minutes: int = 30  # a reviewer's hold on a pended claim
    review_second_approval_cents: int = 500_000  # decisions paying more need a second reviewer
    testing: bool = False
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        var_dir = Path(env.get("ASKES_VAR_DIR", PROJECT_ROOT / "var"))
        return cls(
            database_url=env.get("DATABASE_URL") or None,
            redis_url=env.get("REDIS_URL") or None,
            var_dir=var_dir,
            secret_key=env.get("ASKES_SECRET_KEY") or _secret_from_file(var_dir),
            demo_password=env.get("ASKES_DEMO_PASSWORD", "demo"),
            host=env.get("HOST", "127.0.0.1"),
            port=_int("PORT", 8000),
            web_processes=_int("ASKES_WEB_PROCESSES", 2),
            worker_processes=_int("ASKES_WORKERS", 2),
            login_max_failures=_int("ASKES_LOGIN_MAX_FAILURES", 5),
            login_lockout_seconds=_int("ASKES_LOGIN_LOCKOUT_SECONDS", 900),
            session_cookie_secure=env.get("ASKES_SECURE_COOKIES", "0") == "1",
            log_level=env.get("ASKES_LOG_LEVEL", "INFO"),
            review_assignment_minutes=_int("ASKES_REVIEW_ASSIGNMENT_MINUTES", 30),
            review_second_approval_cents=_int("ASKES_REVIEW_SECOND_APPROVAL_CENTS", 500_000),
        )

    def updated(self, overrides: dict | None) -> Settings:
        """A copy with the named fields replaced; unknown keys go to `extra` (Flask config)."""
        known = {f.name for f in fields(self)}
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values["extra"] = dict(self.extra)
        for key, value in (overrides or {}).items():
            if key in known:
                values[key] = value
            else:
                values["extra"][key] = value
        return Settings(**values)


def _secret_from_file(var_dir: Path) -> str:
    """A per-installation secret kept under var/, so sessions survive restarts without config."""
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key
