"""Request limits, checked before a view runs and before its body is read.

Body size per channel: a Content-Length over the limit is refused at once, and a chunked body
is read through a stream that stops at the limit (Flask's per-request max_content_length), so
a 200 MB upload never reaches memory. JSON bodies of the API are decoded once here with the
shape limits of json_shape; the intake channels (claim submission, FHIR) keep the body first
and apply the same limits themselves. Text in the path, the query and our own headers must be
storable: no NUL (PostgreSQL refuses it in text).
"""

from __future__ import annotations

from flask import abort, current_app, request

from backend.protection.json_shape import JsonShapeError, loads_checked, text_problem

X12_ENDPOINTS = {"edi.EdiFiles"}
# Keep the body as received, then decode it with the same limits (and answer in their shape).
SELF_CHECKED_ENDPOINTS = {"claims_submit.SubmitClaim"}
CHECKED_HEADERS = ("X-Filename", "Idempotency-Key")
MAX_QUERY_VALUE = 2_000


def body_limit(settings, endpoint: str | None, path: str) -> int:
    if path.startswith("/fhir"):
        return settings.max_body_fhir
    if endpoint in X12_ENDPOINTS:
        return settings.max_body_x12
    return settings.max_body_api


def limit_request() -> None:
    settings = current_app.config["ASKES"]
    limit = body_limit(settings, request.endpoint, request.path)
    request.max_content_length = limit
    if request.content_length is not None and request.content_length > limit:
        abort(413, f"the body is {request.content_length} bytes; this endpoint takes {limit}")
    if request.content_length is None and request.environ.get("wsgi.input_terminated"):
        _read_chunked_body(limit)
    _check_text(settings)
    if request.is_json and _decodes_here():
        try:
            loads_checked(request.get_data(cache=True), *json_limits(settings))
        except JsonShapeError as error:
            abort(400, f"the JSON body has {error.message} ({error.path})")


def _read_chunked_body(limit: int) -> None:
    """A chunked body has no length to check: read it now, at most one byte past the limit.
    (Werkzeug's bounded stream stops quietly at its maximum, so a longer body would otherwise
    arrive truncated rather than refused.) The view then gets the cached bytes."""
    request.max_content_length = limit + 1
    if len(request.get_data(cache=True)) > limit:
        abort(413, f"the body is larger than {limit} bytes, the limit of this endpoint")


def json_limits(settings) -> tuple[int, int]:
    return settings.json_max_depth, settings.json_max_string


def _decodes_here() -> bool:
    return (
        request.method in ("POST", "PUT", "PATCH")
        and request.endpoint is not None
        and request.endpoint not in SELF_CHECKED_ENDPOINTS
        and not request.path.startswith("/fhir")
    )


def _check_text(settings) -> None:
    if problem := text_problem(request.path, MAX_QUERY_VALUE):
        abort(400, f"the path has {problem}")
    for name, value in request.args.items(multi=True):
        if problem := text_problem(name, MAX_QUERY_VALUE) or text_problem(value, MAX_QUERY_VALUE):
            abort(400, f"the query parameter {name[:40]!r} has {problem}")
    for name in CHECKED_HEADERS:
        value = request.headers.get(name)
        if value is not None and (problem := text_problem(value, 255)):
            abort(400, f"the header {name} has {problem}")


def init_app(app) -> None:
    """Call before login.init_app: the CSRF check reads a form body."""
    app.before_request(limit_request)
