"""`@idempotent`: the same Idempotency-Key from the same caller within the key's lifetime gets
the first answer (status, body, Location) without the work being done again.

The key is claimed with one INSERT .. ON CONFLICT on its own autocommitted connection, outside
the request's transaction (views commit as they go), so of two concurrent requests with one key
exactly one does the work; the other gets 409 while it runs. The same key with another request
(method, path, query, content type or body differ) is a 422. A 5xx or an unexpected error
releases the key, so a retry does the work; an answer still in progress after the lease (the
process died) is taken over. Usage, on a view method, above its other decorators:

    @idempotent
    @blp.response(201, ClaimDetailSchema)
    @audited("submit", "claim")
    @permission_required(CLAIMS_SUBMIT)
    def post(self): ...
"""

from __future__ import annotations

import functools
import hashlib
from datetime import UTC, datetime, timedelta

from flask import Response, abort, current_app, request
from flask_login import current_user
from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from werkzeug.exceptions import Conflict, HTTPException

from backend.idempotency.models import IdempotencyKey

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
REPLAYED_HEADERS = ("Content-Type", "Location", "Retry-After")
KEPT_FOR_RETRY = {401, 403, 408, 409, 425, 429}  # depend on the moment, not on the request
TABLE = IdempotencyKey.__table__


def idempotent(view):
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None or not current_user.is_authenticated:
            return view(*args, **kwargs)  # no key, or the view answers 401 anyway
        if not key or len(key) > MAX_KEY_LENGTH:
            abort(400, f"{HEADER} must be 1 to {MAX_KEY_LENGTH} characters")
        claim = claim_key(_caller(), key, _request_hash())
        if isinstance(claim, Response):
            return claim
        return _run_and_keep(claim, view, args, kwargs)

    wrapper.idempotent = True
    return wrapper


def _caller() -> str:
    principal = current_user._get_current_object()
    return f"token:{principal.token.id}" if principal.token else f"user:{principal.user.id}"


def _request_hash() -> str:
    digest = hashlib.sha256()
    for part in (request.method, request.path, request.query_string.decode("latin-1"),
                 request.mimetype or ""):  # fmt: skip
        digest.update(part.encode() + b"\0")
    digest.update(request.get_data(cache=True))  # the view reads the same cached bytes
    return digest.hexdigest()


def _engine():
    return current_app.extensions["db_engine"]


def claim_key(caller: str, key: str, request_hash: str) -> int | Response:
    """The row id when this request is now the one to do the work; otherwise the answer:
    the first response replayed, 409 while it runs, 422 for another request."""
    settings = current_app.config["ASKES"]
    now = datetime.now(UTC)
    with _engine().begin() as connection:
        connection.execute(
            delete(TABLE).where(
                TABLE.c.caller == caller, TABLE.c.key == key,
                TABLE.c.created_at < now - timedelta(seconds=settings.idempotency_ttl_seconds),
            )
        )  # fmt: skip
        claimed = connection.execute(
            pg_insert(TABLE)
            .values(caller=caller, key=key, request_hash=request_hash, locked_at=now)
            .on_conflict_do_nothing(constraint="uq_idempotency_key_caller_key")
            .returning(TABLE.c.id)
        ).scalar()
        if claimed is not None:
            return claimed
        row = connection.execute(
            select(TABLE).where(TABLE.c.caller == caller, TABLE.c.key == key).with_for_update()
        ).one()
        if row.request_hash != request_hash:
            abort(422, f"this {HEADER} was used for a different request; use a new key")
        if row.response_status is not None:
            return _replay(row)
        lease = timedelta(seconds=settings.idempotency_lease_seconds)
        if row.locked_at and row.locked_at > now - lease:
            _conflict()
        connection.execute(update(TABLE).where(TABLE.c.id == row.id).values(locked_at=now))
        return row.id  # the first attempt died mid-way: this one takes over


def _conflict():
    error = Conflict(f"a request with this {HEADER} is in progress; retry shortly")
    error.data = {"headers": {"Retry-After": "1"}}
    raise error


def _replay(row) -> Response:
    response = Response(row.response_body, status=row.response_status)
    for name, value in (row.response_headers or {}).items():
        response.headers[name] = value
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _run_and_keep(row_id: int, view, args, kwargs) -> Response:
    try:
        response = current_app.make_response(view(*args, **kwargs))
    except HTTPException as error:
        response = current_app.make_response(current_app.handle_user_exception(error))
    except Exception as error:
        if not _is_fhir_refusal(error):
            _release(row_id)
            raise
        response = current_app.make_response(current_app.handle_user_exception(error))
    if response.status_code >= 500 or response.status_code in KEPT_FOR_RETRY:
        _release(row_id)
    else:
        _keep(row_id, response)
    return response


def _is_fhir_refusal(error: Exception) -> bool:
    """FHIR views refuse by raising FhirError, answered as an OperationOutcome (4xx)."""
    from backend.fhir_api.http import FhirError

    return isinstance(error, FhirError)


def _keep(row_id: int, response: Response) -> None:
    headers = {n: response.headers[n] for n in REPLAYED_HEADERS if n in response.headers}
    with _engine().begin() as connection:
        connection.execute(
            update(TABLE).where(TABLE.c.id == row_id).values(
                response_status=response.status_code, response_headers=headers,
                response_body=response.get_data(), locked_at=None,
            )
        )  # fmt: skip


def _release(row_id: int) -> None:
    with _engine().begin() as connection:
        connection.execute(delete(TABLE).where(TABLE.c.id == row_id))


def purge_expired(connection, ttl_seconds: int) -> int:
    """Delete keys older than their lifetime (run from `askes` maintenance or a cron job)."""
    cutoff = datetime.now(UTC) - timedelta(seconds=ttl_seconds)
    return connection.execute(delete(TABLE).where(TABLE.c.created_at < cutoff)).rowcount
