"""What every `askes` subcommand is handed: the settings with service URLs resolved (embedded
servers started when DATABASE_URL / REDIS_URL are unset), an engine on demand. Its own module so
that the subcommand modules need not import the root command that adds them."""

from __future__ import annotations

import atexit
import os

import click

from backend.settings import Settings


class Context:
    """What a subcommand needs: settings with service URLs resolved, and an engine on demand."""

    def __init__(self):
        self._settings: Settings | None = None
        self._embedded = None
        self._engine = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = self._resolve(Settings.from_env())
        return self._settings

    def _resolve(self, settings: Settings) -> Settings:
        from backend.embedded import EmbeddedServices

        if settings.database_url and settings.redis_url:
            return settings
        self._embedded = EmbeddedServices(
            settings.var_dir,
            postgres=settings.database_url is None,
            redis=settings.redis_url is None,
        )
        self._embedded.acquire()
        atexit.register(self._embedded.release)
        return settings.updated(
            {
                "database_url": settings.database_url or self._embedded.postgres.url,
                "redis_url": settings.redis_url or self._embedded.redis.url,
            }
        )

    @property
    def embedded(self):
        """The EmbeddedServices this process started or joined (None with external servers)."""
        _ = self.settings
        return self._embedded

    @property
    def engine(self):
        if self._engine is None:
            from backend.db import bind_engine, import_models, make_engine

            import_models()  # every mapper known before any ORM query
            self._engine = make_engine(self.settings.database_url)
            bind_engine(self._engine)
        return self._engine

    def child_environment(self) -> dict[str, str]:
        """Environment for child processes: the resolved service URLs and secret."""
        env = dict(os.environ)
        env["DATABASE_URL"] = self.settings.database_url
        env["REDIS_URL"] = self.settings.redis_url
        env["ASKES_SECRET_KEY"] = self.settings.secret_key
        return env


pass_context = click.make_pass_decorator(Context, ensure=True)
