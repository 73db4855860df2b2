"""FHIR answers: resources as application/fhir+json, errors as OperationOutcome with the right
status. Under /fhir nothing answers in the API's JSON error shape, not even a 401 or a 500."""

from __future__ import annotations

import logging
import traceback

import orjson
from askes_fhir import MEDIA_TYPE
from askes_fhir.outcome import Issue, operation_outcome
from flask import Response, current_app, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger("askes.fhir")

ISSUE_BY_STATUS = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    406: "not-supported",
    409: "conflict",
    413: "too-costly",
    415: "not-supported",
    422: "processing",
    429: "throttled",
}


class FhirError(Exception):
    """An answer with an OperationOutcome: `issues` and the HTTP `status`."""

    def __init__(self, status: int, issues: list[Issue], headers: dict | None = None):
        super().__init__(status)
        self.status = status
        self.issues = issues
        self.headers = headers or {}


def fhir_response(resource: dict, status: int = 200, headers: dict | None = None) -> Response:
    response = Response(orjson.dumps(resource), status=status, mimetype=MEDIA_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def fail(status: int, message: str, code: str | None = None, expression: str | None = None):
    raise FhirError(
        status, [Issue(code or ISSUE_BY_STATUS.get(status, "exception"), message, expression)]
    )


def handle_fhir_error(error: FhirError) -> Response:
    return fhir_response(operation_outcome(error.issues), error.status, error.headers)


def handle_http_exception(error: HTTPException) -> Response:
    status = error.code or 500
    message = error.description if isinstance(error.description, str) else error.name
    headers = {}
    if status == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="askes-fhir"'
    issue = Issue(ISSUE_BY_STATUS.get(status, "exception"), message)
    return fhir_response(operation_outcome([issue]), status, headers)


def handle_unexpected(error: Exception) -> Response:
    from backend.errors import RETRY_AFTER_SECONDS, dependency_unavailable

    if dependency_unavailable(error):
        issue = Issue("transient", "a backing service is unavailable; retry in a few seconds")
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        return fhir_response(operation_outcome([issue]), 503, headers)
    frames = "".join(traceback.format_tb(error.__traceback__))
    log.error("unhandled %s under /fhir\n%s", type(error).__name__, frames)
    issue = Issue("exception", "the server could not complete the request; it has been logged")
    return fhir_response(operation_outcome([issue]), 500)


def base_url() -> str:
    return request.host_url.rstrip("/") + "/fhir"


def max_bundle_entries() -> int:
    """FHIR_MAX_BUNDLE_ENTRIES in the app config, else ASKES_FHIR_MAX_BUNDLE_ENTRIES, else 5000."""
    configured = current_app.config.get("FHIR_MAX_BUNDLE_ENTRIES")
    if configured is None:
        configured = current_app.config["ASKES"].fhir_max_bundle_entries
    return int(configured)


def register_error_handlers(blueprint) -> None:
    blueprint.register_error_handler(FhirError, handle_fhir_error)
    blueprint.register_error_handler(HTTPException, handle_http_exception)
    blueprint.register_error_handler(Exception, handle_unexpected)
