"""Request ids, JSON logs and Prometheus metrics.

No PHI in logs: the access log names the route template (`/api/v1/claims/<int:claim_id>`), never
the path, query string or body, and nothing here logs request or response content.
"""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid

from flask import Flask, current_app, g, has_request_context, request
from prometheus_client import Counter, Histogram
from pythonjsonlogger.json import JsonFormatter

REQUEST_ID_HEADER = "X-Request-ID"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

HTTP_REQUESTS = Counter(
    "askes_http_requests_total", "HTTP requests by route and status", ["method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "askes_http_request_duration_seconds",
    "HTTP request latency by route",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5, 5, 10),
)

access_log = logging.getLogger("askes.access")


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id") if has_request_context() else None
        return True


def configure_logging(level: str = "INFO", stream=None) -> None:
    """JSON lines on stderr for every logger, with the request id when there is one."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(
        JsonFormatter(
            "{asctime}{levelname}{name}{message}{request_id}",
            style="{",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    )
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def _route_label() -> str:
    return request.url_rule.rule if request.url_rule else "unmatched"


def init_app(app: Flask) -> None:
    @app.before_request
    def start_request():
        supplied = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = supplied if _VALID_REQUEST_ID.match(supplied) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def finish_request(response):
        elapsed = time.perf_counter() - g.get("request_started", time.perf_counter())
        route = _route_label()
        response.headers[REQUEST_ID_HEADER] = g.get("request_id", "")
        HTTP_REQUESTS.labels(request.method, route, str(response.status_code)).inc()
        HTTP_LATENCY.labels(request.method, route).observe(elapsed)
        access_log.info(
            "request",
            extra={
                "method": request.method,
                "route": route,
                "status": response.status_code,
                "duration_ms": round(elapsed * 1000, 2),
            },
        )
        return response


def multiprocess_dir() -> str | None:
    """Set by the launcher for gunicorn: metrics of every web process are summed at scrape."""
    return current_app.config["ASKES"].prometheus_multiproc_dir
