"""Every FHIR access audited: who, which resource type and ids, and the outcome.

An allowed call's event is written in the request's transaction, which the wrapper then commits:
what a call staged and the event that records it are committed together, or neither is. A refused
or failed call's event is committed on a connection of its own, as its transaction rolls back.
"""

from __future__ import annotations

import functools

import orjson
from werkzeug.exceptions import HTTPException

from backend.audit.service import OUTCOME_BY_STATUS, record
from backend.db import Session
from backend.fhir_api.http import FhirError

AUDIT_TYPES = {
    "Claim": "claim",
    "ClaimResponse": "claim_response",
    "ExplanationOfBenefit": "eob",
    "Coverage": "coverage",
    "Patient": "member",
    "Practitioner": "provider",
    "Organization": "provider",
}


def audit_fhir(action: str, resource_type: str | None, id_arg: str | None = None):
    """Record the call of a FHIR view: allowed with the ids it answered (committing the view's
    transaction with the event), or the refusal."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            kind = resource_type or AUDIT_TYPES.get(kwargs.get("resource_type"), "fhir")
            resource_id = kwargs.get(id_arg) if id_arg else None
            details = {"channel": "fhir", "fhir_type": kwargs.get("resource_type")}
            try:
                response = view(*args, **kwargs)
            except (FhirError, HTTPException) as error:
                status = error.status if isinstance(error, FhirError) else error.code
                outcome = OUTCOME_BY_STATUS.get(status, "refused")
                record(action, kind, resource_id, outcome, {**details, "status": status})
                raise
            except Exception:
                record(action, kind, resource_id, "error", details)
                raise
            details["ids"] = _answered_ids(response)
            record(action, kind, resource_id, "allowed", details, Session.connection())
            Session.commit()
            return response

        return wrapper

    return decorate


def _answered_ids(response) -> list[str]:
    """The `Type/id` of every resource in the answer (a resource, or a Bundle's entries)."""
    body = orjson.loads(response.get_data())
    if body.get("resourceType") != "Bundle":
        return [f"{body.get('resourceType')}/{body.get('id')}"] if body.get("id") else []
    answered = []
    for entry in body.get("entry") or []:
        if "resource" in entry:
            answered.append(f"{entry['resource']['resourceType']}/{entry['resource']['id']}")
        elif location := entry.get("response", {}).get("location"):
            answered.append(location)
    return answered
