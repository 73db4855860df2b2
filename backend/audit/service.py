"""Writing the audit trail. An event is committed on a connection of its own, so a denied or
failed request is recorded even when the request's own transaction rolls back; a caller that
passes its connection writes the event in its own transaction instead (it commits the event with
what it recorded, e.g. the claims a FHIR call staged, or what a read read)."""

from __future__ import annotations

import functools

from flask import current_app, g, has_request_context, request
from flask_login import current_user
from sqlalchemy.engine import Connection
from werkzeug.exceptions import HTTPException

from backend.audit.models import AuditEvent
from backend.db import Session

OUTCOME_BY_STATUS = {401: "unauthenticated", 403: "denied", 404: "not_found"}
# A read's allowed event is written in the request's own transaction and committed with it: a
# read has nothing to roll back, and a connection and transaction of the event's own cost a
# pool checkout and two more round trips on every call.
READ_METHODS = {"GET", "HEAD"}
AUDIT_EVENT_INSERT = AuditEvent.__table__.insert()


def record(
    action: str,
    resource_type: str,
    resource_id: str | int | None = None,
    outcome: str = "allowed",
    details: dict | None = None,
    connection: Connection | None = None,
) -> None:
    """Append one audit event for the current request's caller: committed on a connection of
    its own, or written on `connection` in the caller's transaction, for the caller to commit."""
    values = {
        "action": action,
        "resource_type": resource_type,
        "resource_id": None if resource_id is None else str(resource_id),
        "outcome": outcome,
        "details": details,
        **_caller(),
    }
    if connection is not None:
        connection.execute(AUDIT_EVENT_INSERT, values)
        return
    with current_app.extensions["db_engine"].begin() as own:
        own.execute(AUDIT_EVENT_INSERT, values)


def _caller() -> dict:
    if not has_request_context():
        return {}
    caller = {"client_ip": request.remote_addr, "request_id": g.get("request_id")}
    if current_user and current_user.is_authenticated:
        caller.update(
            user_id=current_user.user.id,
            username=current_user.user.username,
            role=current_user.user.role_name,
        )
    return caller


def audited(action: str, resource_type: str, id_arg: str | None = None):
    """Record every call of a view: allowed with the ids it returned, or the refusal.

    For a single resource, `id_arg` names the view argument holding its id; a view that creates
    one (no `id_arg`) records the id of what it returned. For a list, the result's `items` ids
    are recorded in details.
    """

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            resource_id = kwargs.get(id_arg) if id_arg else None
            try:
                result = view(*args, **kwargs)
            except HTTPException as error:
                outcome = OUTCOME_BY_STATUS.get(error.code, "refused")
                record(action, resource_type, resource_id, outcome, {"status": error.code})
                raise
            except Exception:
                record(action, resource_type, resource_id, "error")
                raise
            if resource_id is None:
                resource_id = _created_id(result)
            details = _result_details(result)
            if request.method in READ_METHODS:  # nothing of the view's to roll back
                record(action, resource_type, resource_id, "allowed", details, Session.connection())
                Session.commit()
            else:
                record(action, resource_type, resource_id, "allowed", details)
            return result

        return wrapper

    return decorate


def _result_details(result) -> dict | None:
    body = result[0] if isinstance(result, tuple) else result
    if isinstance(body, dict) and "items" in body:
        return {"ids": [_id_of(item) for item in body["items"]], "total": body.get("total")}
    return None


def _created_id(result):
    body = result[0] if isinstance(result, tuple) else result
    return None if isinstance(body, dict) and "items" in body else _id_of(body)


def _id_of(item):
    return item.get("id") if isinstance(item, dict) else getattr(item, "id", None)
