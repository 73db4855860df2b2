"""One JSON error shape for every failure: {code, message, details, request_id}.

Unexpected exceptions become a 500 in that shape; the log gets the exception type and the stack
frames but not the exception's message, which can quote row values (PHI) from the database.
PostgreSQL or Redis out of reach (restarting, down) is not a defect of the request: a 503 with
Retry-After, so clients retry instead of giving up.
"""

from __future__ import annotations

import logging
import traceback

from flask import g, jsonify, request
from marshmallow import Schema, fields
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger("askes.errors")


class ErrorSchema(Schema):
    code = fields.String(metadata={"example": "not_found"})
    message = fields.String()
    details = fields.Raw(allow_none=True)
    request_id = fields.String(allow_none=True)


def error_response(status: int, code: str, message: str, details=None):
    body = {"code": code, "message": message, "details": details, "request_id": g.get("request_id")}
    return jsonify(body), status


def handle_http_exception(error: HTTPException):
    data = getattr(error, "data", None) or {}
    details = data.get("messages") or data.get("details")
    message = error.description if isinstance(error.description, str) else error.name
    if details and error.code == 422:
        message = "the request is not valid; details name each problem"
    response, status = error_response(error.code or 500, _code(error), message, details)
    for header, value in (data.get("headers") or {}).items():
        response.headers[header] = value
    if error.code == 405 and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response, status


RETRY_AFTER_SECONDS = 5


def dependency_unavailable(error: BaseException) -> str | None:
    """The server `error` (or what caused it) says is out of reach: "postgres", "redis", None."""
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError
    from sqlalchemy.exc import DBAPIError, OperationalError

    while error is not None:
        if isinstance(error, DBAPIError) and (
            error.connection_invalidated
            or (isinstance(error, OperationalError) and _lost_server(error.orig))
        ):
            return "postgres"
        if isinstance(error, RedisConnectionError | RedisTimeoutError):
            return "redis"
        error = error.__cause__ or error.__context__
    return None


def _lost_server(error) -> bool:
    """No server to talk to (no SQLSTATE: the connection failed), a connection exception (08)
    or a server shutting down or starting (57P01-57P03); not a deadlock or a lock timeout."""
    state = getattr(error, "sqlstate", None)
    return state is None or state.startswith("08") or state in ("57P01", "57P02", "57P03")


def handle_unexpected(error: Exception):
    service = dependency_unavailable(error)
    if service is not None:
        log.warning("%s unavailable: %s", service, type(error).__name__)
        response, status = error_response(
            503, "service_unavailable",
            "a backing service is unavailable; retry in a few seconds", {"service": service},
        )  # fmt: skip
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response, status
    frames = "".join(traceback.format_tb(error.__traceback__))
    log.error("unhandled %s\n%s", type(error).__name__, frames)
    return error_response(500, "internal_error", InternalServerError.description)


def handle_data_error(error: Exception):
    """A value PostgreSQL (or the driver) refused for its column: out of range, too long, not
    storable. The input's fault, so a 422, never a 500; nothing of the request is kept. The
    inputs are validated before this; this is the net under fields a validator missed."""
    from backend.db import Session

    Session.rollback()
    log.warning("data error %s", type(getattr(error, "orig", error)).__name__)
    message = "a value in the request is out of range or not valid for its field"
    if request.path.startswith("/fhir"):  # in the FHIR gateway's shape: an OperationOutcome
        from askes_fhir.outcome import Issue

        from backend.fhir_api.http import FhirError, handle_fhir_error

        return handle_fhir_error(FhirError(422, [Issue("value", message)]))
    return error_response(422, "unprocessable_entity", message)


def _code(error: HTTPException) -> str:
    return (error.name or "error").lower().replace(" ", "_").replace("'", "")


def init_app(app) -> None:
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
    app.register_error_handler(DataError, handle_data_error)
