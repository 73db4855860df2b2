"""Askes claims platform: the Flask application factory."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

# Flask is imported inside create_app so that backend.canonical, which the protocol adapters and
# the pipeline import, does not pull the web framework in with it.


def create_app(config: dict | None = None) -> Flask:
    """Build the app from the environment, with `config` overriding settings by field name."""
    from flask import Flask

    from backend.settings import Settings

    settings = Settings.from_env().updated(config)
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.session_cookie_secure,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=8),
        TESTING=settings.testing,
        API_TITLE="Askes claims platform",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="/docs",
        OPENAPI_SWAGGER_UI_URL="/api/swagger-ui/",  # served from swagger-ui-bundle: works offline
        ASKES=settings,
        **settings.extra,
    )
    _init_extensions(app, settings)
    _register_blueprints(app)
    return app


def _init_extensions(app: Flask, settings) -> None:
    from redis import Redis

    from backend import db, errors, observability
    from backend.api import create_api
    from backend.auth import login
    from backend.protection import headers, limits, ratelimit
    from backend.webhooks import listeners

    if settings.database_url is None or settings.redis_url is None:
        raise RuntimeError("DATABASE_URL and REDIS_URL must be resolved before create_app")
    if not settings.testing:
        observability.configure_logging(settings.log_level)
    observability.init_app(app)
    db.init_app(app, app.config.get("ENGINE") or db.make_engine(settings.database_url))
    app.extensions["redis"] = Redis.from_url(settings.redis_url)
    limits.init_app(app)  # before login: its CSRF check reads the body
    login.init_app(app)
    ratelimit.init_app(app)
    listeners.init_app(app)
    create_api(app)
    errors.init_app(app)
    headers.init_app(app)
    if settings.trusted_proxies:  # the client address (lockout, rate limits) from X-Forwarded-For
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxies, x_proto=1)


def _register_blueprints(app: Flask) -> None:
    from backend.audit.routes import blp as audit_blp
    from backend.auth.routes import blp as auth_blp
    from backend.auth.token_routes import blp as token_blp
    from backend.auth.user_routes import blp as user_blp
    from backend.batches.routes import blp as batches_blp
    from backend.claims.routes import blp as claims_blp
    from backend.claims.submit import blp as submit_blp
    from backend.claims.validate import blp as validate_blp
    from backend.edi.routes import blp as edi_blp
    from backend.fhir_api.routes import blp as fhir_blp
    from backend.health.routes import blp as health_blp
    from backend.members.routes import blp as members_blp
    from backend.members.routes import eob_blp
    from backend.payments.routes import blp as payments_blp
    from backend.portal import blp as portal_blp
    from backend.providers.routes import blp as providers_blp
    from backend.reference.routes import blp as reference_blp
    from backend.reports.routes import blp as reports_blp
    from backend.review.routes import blp as review_blp
    from backend.review.routes import decisions_blp
    from backend.webhooks.routes import blp as webhooks_blp

    api = app.extensions["smorest_api"]
    for blueprint in (
        auth_blp, claims_blp, submit_blp, members_blp, providers_blp, batches_blp, edi_blp,
        user_blp, token_blp, audit_blp, payments_blp, eob_blp, webhooks_blp,
    ):  # fmt: skip
        api.register_blueprint(blueprint)
    api.register_blueprint(review_blp)
    api.register_blueprint(decisions_blp)
    for blueprint in (reports_blp, reference_blp, validate_blp):
        api.register_blueprint(blueprint)
    app.register_blueprint(health_blp)
    app.register_blueprint(fhir_blp)  # FHIR R4 at /fhir: OperationOutcome errors, own metadata
    app.register_blueprint(portal_blp)  # last: its catch-all route must not shadow the others
