"""One settings object, read from the environment when the app or a command starts."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, fields
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


@dataclass
class Settings:
    """Configuration of the platform; every field has an environment variable, all of them in
    docs/deployment.md. Nothing else reads the environment (backend/tests/test_settings.py);
    read with from_env() when the app, a command or a job starts, never at import time."""

    database_url: str | None = None
    redis_url: str | None = None
    var_dir: Path = PROJECT_ROOT / "var"
    secret_key: str = ""
    demo_password: str = "demo"
    host: str = "127.0.0.1"
    port: int = 8000
    web_processes: int = 2
    web_threads: int = 4
    gunicorn_log_level: str = "warning"
    prometheus_multiproc_dir: str | None = None  # set by the launcher for gunicorn
    worker_processes: int = 2
    login_max_failures: int = 5
    login_lockout_seconds: int = 900
    session_cookie_secure: bool = False
    log_level: str = "INFO"
    review_assignment_minutes: int = 30  # a reviewer's hold on a pended claim
    review_second_approval_cents: int = 500_000  # decisions paying more need a second reviewer
    cors_origins: tuple[str, ...] = ()
    max_body_api: int = 2 << 20
    max_body_x12: int = 64 << 20
    max_body_fhir: int = 64 << 20
    json_max_depth: int = 64
    json_max_string: int = 65_536
    idempotency_ttl_seconds: int = 24 * 3600
    webhook_backoff_seconds: tuple[int, ...] = (10, 60, 300, 1800, 7200)  # between retries
    webhook_disable_after: int = 5  # failed deliveries in a row
    webhook_allow_private: bool = False  # subscriber URLs on private networks (tests, demo)
    rate_limits_enabled: bool = True
    rate_limit_window_seconds: int = 60
    # requests per window: login per client address; read, write, bulk per token or user
    rate_limits: dict = field(
        default_factory=lambda: {"login": 100, "read": 1200, "write": 600, "bulk": 60}
    )
    idempotency_lease_seconds: int = 600
    # How long a web process may reuse a bearer token's row (and its user's) without reading
    # them again; a revocation or user change anywhere ends the reuse at once (auth/token_cache).
    token_cache_seconds: int = 30
    trusted_proxies: int = 0
    fhir_max_bundle_entries: int = 5000
    edi_dir: Path | None = None  # inbound/, archive/, outbound/; None: <var_dir>/edi
    edi_max_bytes: int = 512 << 20
    edi_validator: str | None = None  # "fast" (None: the default) or "pyx12"
    risk_scorer: str | None = None  # module:Class overriding the model registry
    risk_ab_share: float = 0.0  # share of claims the shadow model decides, 0..1
    # numba's disk cache of the risk features' compiled kernels (workers/risk_plan.warm_kernels);
    # None: numba's own choice (beside the code, else the user's cache directory)
    kernel_cache_dir: Path | None = None
    sweep_seconds: float = 5.0  # the workers' batch sweeper
    idempotency_purge_seconds: float = 600.0
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
            web_threads=_int("ASKES_WEB_THREADS", 4),
            gunicorn_log_level=env.get("ASKES_GUNICORN_LOG_LEVEL", "warning"),
            prometheus_multiproc_dir=env.get("PROMETHEUS_MULTIPROC_DIR"),
            worker_processes=_int("ASKES_WORKERS", 2),
            login_max_failures=_int("ASKES_LOGIN_MAX_FAILURES", 5),
            login_lockout_seconds=_int("ASKES_LOGIN_LOCKOUT_SECONDS", 900),
            session_cookie_secure=env.get("ASKES_SECURE_COOKIES", "0") == "1",
            log_level=env.get("ASKES_LOG_LEVEL", "INFO"),
            review_assignment_minutes=_int("ASKES_REVIEW_ASSIGNMENT_MINUTES", 30),
            review_second_approval_cents=_int("ASKES_REVIEW_SECOND_APPROVAL_CENTS", 500_000),
            cors_origins=tuple(o for o in env.get("ASKES_CORS_ORIGINS", "").split(",") if o),
            trusted_proxies=_int("ASKES_TRUSTED_PROXIES", 0),
            max_body_api=_int("ASKES_MAX_BODY_API", 2 << 20),
            max_body_x12=_int("ASKES_MAX_BODY_X12", 64 << 20),
            max_body_fhir=_int("ASKES_MAX_BODY_FHIR", 64 << 20),
            json_max_depth=_int("ASKES_JSON_MAX_DEPTH", 64),
            json_max_string=_int("ASKES_JSON_MAX_STRING", 65_536),
            idempotency_ttl_seconds=_int("ASKES_IDEMPOTENCY_TTL_SECONDS", 24 * 3600),
            webhook_backoff_seconds=tuple(
                int(seconds)
                for seconds in env.get("ASKES_WEBHOOK_BACKOFF", "10,60,300,1800,7200").split(",")
            ),
            webhook_disable_after=_int("ASKES_WEBHOOK_DISABLE_AFTER", 5),
            webhook_allow_private=env.get("ASKES_WEBHOOK_ALLOW_PRIVATE", "0") == "1",
            rate_limits_enabled=env.get("ASKES_RATE_LIMITS", "1") == "1",
            rate_limits={
                "login": _int("ASKES_RATE_LOGIN_PER_MINUTE", 100),
                "read": _int("ASKES_RATE_READS_PER_MINUTE", 1200),
                "write": _int("ASKES_RATE_WRITES_PER_MINUTE", 600),
                "bulk": _int("ASKES_RATE_BULK_PER_MINUTE", 60),
            },
            idempotency_lease_seconds=_int("ASKES_IDEMPOTENCY_LEASE_SECONDS", 600),
            fhir_max_bundle_entries=_int("ASKES_FHIR_MAX_BUNDLE_ENTRIES", 5000),
            edi_dir=Path(env["ASKES_EDI_DIR"]) if env.get("ASKES_EDI_DIR") else None,
            edi_max_bytes=_int("ASKES_EDI_MAX_BYTES", 512 << 20),
            edi_validator=env.get("ASKES_EDI_VALIDATOR"),
            risk_scorer=env.get("ASKES_RISK_SCORER") or None,
            risk_ab_share=min(max(float(env.get("ASKES_RISK_AB_SHARE", "0") or 0), 0.0), 1.0),
            kernel_cache_dir=Path(env.get("ASKES_KERNEL_CACHE_DIR") or var_dir / "numba"),
            sweep_seconds=_float("ASKES_SWEEP_SECONDS", 5.0),
            idempotency_purge_seconds=_float("ASKES_IDEMPOTENCY_PURGE_SECONDS", 600.0),
            token_cache_seconds=_int("ASKES_TOKEN_CACHE_SECONDS", 30),
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
