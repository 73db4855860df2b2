"""Claim intake over FHIR: create, $submit and batch / transaction Bundles."""

from __future__ import annotations

from dataclasses import dataclass, replace

from askes_fhir import MEDIA_TYPE
from askes_fhir.bundle import claim_entries, response_bundle
from askes_fhir.claim_out import claim_to_fhir
from askes_fhir.claims import ACCEPTED, UNREADABLE, read_claim
from askes_fhir.outcome import Issue, operation_outcome
from askes_fhir.structure import parse_json, resource_issues
from flask import current_app, g

from backend.db import Session
from backend.fhir_api.http import FhirError, max_bundle_entries
from backend.fhir_api.intake import ServerReferences
from backend.intake.bulk import cycle_collector_paused
from backend.intake.parties import allowed_npis, refusal, refused_npi
from backend.intake.received import keep_committed
from backend.intake.received import record_outcome as record
from backend.intake.staging import insert_claims
from backend.protection.json_shape import JsonShapeError, check_shape
from backend.protection.limits import json_limits
from backend.webhooks.service import emit_claims_received

CHANNEL = "fhir"


@dataclass
class Created:
    claim_id: int
    resource: dict  # the Claim as staged, with its id


def create_claim(body: bytes, content_type: str | None, principal) -> Created:
    """One Claim: kept, checked, mapped and staged as pending (the caller commits the staging,
    as the audit wrapper does); FhirError when refused."""
    document_id = keep_body(body, content_type, principal.user.id, g.get("request_id"))
    resource = _decode(body, document_id)
    resource = _submitted_resource(resource)
    read = read_claim(resource, ServerReferences(principal))
    if read.status != ACCEPTED:
        _refuse(document_id, read.status, read.issues)
    _check_organization(document_id, principal, [read.claim])
    (claim_id,) = stage_claims(document_id, [(read.claim, None)])
    _accept(document_id, [claim_id])
    return Created(claim_id, claim_to_fhir(read.claim, claim_id))


@cycle_collector_paused()  # backend/intake/bulk.py: many short-lived objects, no cycles
def process_bundle(body: bytes, content_type: str | None, principal) -> dict:
    """A batch (each entry on its own) or transaction (all or nothing) of Claims; the caller
    commits what was staged."""
    document_id = keep_body(body, content_type, principal.user.id, g.get("request_id"))
    bundle = _decode(body, document_id)
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        _refuse(document_id, UNREADABLE, resource_issues(bundle, ("Bundle",)))
    limit = max_bundle_entries()
    if len(bundle.get("entry") or []) > limit:
        message = f"the Bundle has {len(bundle['entry'])} entries; the limit is {limit}"
        _refuse(document_id, 413, [Issue("too-costly", message, "Bundle.entry")])
    entries, bundle_issues = claim_entries(bundle, resource_issues(bundle, ("Bundle",)))
    if bundle_issues:
        _refuse(document_id, UNREADABLE, bundle_issues)
    server = ServerReferences(principal)
    results = [_read_entry(entry, server) for entry in entries]
    _check_organization(document_id, principal, [claim for _s, claim, _i in results if claim])
    if bundle["type"] == "transaction":
        return _transaction(document_id, results)
    return _batch(document_id, results)


def _read_entry(entry, server):
    if entry.issues:
        return UNREADABLE, None, entry.issues
    read = read_claim(entry.resource, server, structure=[])
    prefix = f"Bundle.entry[{entry.index}].resource"
    issues = [_located(issue, prefix) for issue in read.issues]
    return read.status, read.claim, issues


def _located(issue: Issue, prefix: str) -> Issue:
    expression = issue.expression or "Claim"
    return replace(issue, expression=prefix + expression.removeprefix("Claim"))


def _transaction(document_id: int, results) -> dict:
    failed = [(status, issues) for status, _claim, issues in results if status != ACCEPTED]
    if failed:
        status = UNREADABLE if any(s == UNREADABLE for s, _ in failed) else 422
        _refuse(document_id, status, [issue for _s, issues in failed for issue in issues])
    claims = [(claim, position) for position, (_s, claim, _i) in enumerate(results, start=1)]
    ids = stage_claims(document_id, claims)
    _accept(document_id, ids)
    return response_bundle("transaction", [(201, f"Claim/{i}", []) for i in ids])


def _batch(document_id: int, results) -> dict:
    accepted = [
        (claim, position)
        for position, (status, claim, _i) in enumerate(results, start=1)
        if status == ACCEPTED
    ]
    ids = iter(stage_claims(document_id, accepted))
    answers = [
        (status, f"Claim/{next(ids)}", []) if status == ACCEPTED else (status, None, issues)
        for status, _claim, issues in results
    ]
    staged = [int(location.split("/")[1]) for _s, location, _i in answers if location]
    status = (
        "accepted"
        if len(staged) == len(results)
        else ("partially_accepted" if staged else "rejected")
    )
    record_outcome(
        document_id,
        status,
        {"claim_ids": staged, "entries": len(results), "statuses": [s for s, _l, _i in answers]},
    )
    emit_claims_received(staged, "fhir")
    return response_bundle("batch", answers)


def keep_body(body: bytes, content_type: str | None, user_id: int | None, request_id) -> int:
    """Store the request body as received, committed before anything parses it."""
    document_id = keep_committed(
        Session.connection(), channel=CHANNEL, body=body,
        media_type=content_type or MEDIA_TYPE, user_id=user_id, request_id=request_id,
    )  # fmt: skip
    Session.commit()
    return document_id


def record_outcome(document_id: int, status: str, outcome: dict) -> None:
    record(Session.connection(), document_id, status, outcome)


def stage_claims(document_id: int, claims: list) -> list[int]:
    """(claim, position in its Bundle) pairs staged as pending; the caller commits."""
    connection = Session.connection()
    return insert_claims(connection, claims, CHANNEL, document_id, g.get("request_id"))


def _check_organization(document_id: int, principal, claims) -> None:
    """A provider submits only for its organization's billing NPIs, as over REST and X12: 403,
    nothing staged (a Bundle is refused whole: it was sent by someone not entitled to it)."""
    npis = [claim.billing_provider_npi for claim in claims]
    if not npis or principal.scope(Session()).everything:
        return
    npi = refused_npi(allowed_npis(Session(), principal.scope(Session())), npis)
    if npi is not None:
        _refuse(document_id, 403, [Issue("forbidden", refusal(npi), "Claim.provider")])


def _decode(body: bytes, document_id: int):
    resource, issues = parse_json(body)
    if issues:
        _refuse(document_id, UNREADABLE, issues)
    try:
        check_shape(resource, *json_limits(current_app.config["ASKES"]))
    except JsonShapeError as error:
        message = f"the body has {error.message} ({error.path})"
        _refuse(document_id, UNREADABLE, [Issue("structure", message)])
    return resource


def _submitted_resource(resource):
    """$submit takes the Claim itself or a Parameters with a `resource` parameter."""
    if isinstance(resource, dict) and resource.get("resourceType") == "Parameters":
        for parameter in resource.get("parameter") or []:
            if parameter.get("name") == "resource" and isinstance(parameter.get("resource"), dict):
                return parameter["resource"]
    return resource


def _refuse(document_id: int, status: int, issues: list[Issue]):
    Session.rollback()
    record_outcome(document_id, "rejected", {"status": status, **operation_outcome(issues)})
    Session.commit()
    raise FhirError(status, issues)


def _accept(document_id: int, claim_ids: list[int]) -> None:
    record_outcome(document_id, "accepted", {"claim_ids": claim_ids})
    emit_claims_received(claim_ids, "fhir")
