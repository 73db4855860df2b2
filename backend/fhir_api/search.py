"""Read and search: each resource type's rows in the caller's scope, as FHIR, with paging
(`_count`, `_offset` in the next link) and the EOB's `_include` of its patient and provider."""

from __future__ import annotations

from urllib.parse import urlencode

from askes_fhir.bundle import searchset
from sqlalchemy import and_, func, select

from backend.auth.principal import authorize
from backend.claims.models import AdjudicatedClaim, StagedClaim
from backend.db import Session
from backend.fhir_api import http
from backend.fhir_api.http import fail
from backend.fhir_api.params import page_arguments, reference_id
from backend.fhir_api.queries import QUERIES, ResourceQuery
from backend.fhir_api.render import patient_resource, provider_resource
from backend.members.models import Member
from backend.providers.models import Provider
from backend.webhooks.service import emit_claim_decision

RESULT_PARAMETERS = {"_count", "_offset", "_include", "_format", "_summary", "_total", "_sort"}
INCLUDES = {"ExplanationOfBenefit:patient", "ExplanationOfBenefit:provider"}


def query_for(resource_type: str) -> ResourceQuery:
    if resource_type not in QUERIES:
        fail(404, f"resource type {resource_type} is not served here; see /fhir/metadata")
    return QUERIES[resource_type]


def read(resource_type: str, resource_id: str) -> dict:
    """One resource in the caller's scope; 404 when absent or outside it (same answer)."""
    query = query_for(resource_type)
    principal = authorize(query.permission)
    if reference_id(resource_id, (resource_type,), "_id") is None:  # not an id of ours
        fail(404, f"{resource_type}/{resource_id[:40]} is not known")
    statement = query.rows(principal.scope(Session())).where(query.id_column == int(resource_id))
    row = _first(statement, query)
    if row is None:
        fail(404, f"{resource_type}/{resource_id} is not known")
    return query.render(row)


def search(resource_type: str, args) -> dict:
    """A searchset Bundle of the matches (and included resources), newest first."""
    query = query_for(resource_type)
    principal = authorize(query.permission)
    statement = query.rows(principal.scope(Session()))
    used = []
    for name in args:
        if name in query.filters:
            for value in args.getlist(name):
                statement = statement.where(query.filters[name](value))
                used.append((name, value))
        elif name not in RESULT_PARAMETERS and _strict():
            fail(400, f"unknown search parameter {name} for {resource_type}", "not-supported")
    count, offset = page_arguments(args)
    total = Session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    rows = _rows(statement.limit(count).offset(offset), query)
    matches = [query.render(row) for row in rows]
    included = _included(resource_type, args.getlist("_include"), rows)
    links = _links(resource_type, used, args.getlist("_include"), count, offset, total)
    return searchset(http.base_url(), matches, included, total, links)


def _strict() -> bool:
    from flask import request

    return "handling=strict" in request.headers.get("Prefer", "").replace(" ", "")


def _rows(statement, query: ResourceQuery) -> list:
    result = Session.execute(statement)
    return list(result.all()) if len(statement.column_descriptions) > 1 else list(result.scalars())


def _first(statement, query: ResourceQuery):
    rows = _rows(statement.limit(1), query)
    return rows[0] if rows else None


def _included(resource_type: str, includes: list[str], rows) -> list[dict]:
    unknown = set(includes) - INCLUDES
    if unknown:
        fail(400, f"_include {', '.join(sorted(unknown))} is not supported", "not-supported")
    if resource_type != "ExplanationOfBenefit" or not includes:
        return []
    adjudicated = [row[1] for row in rows]
    found = []
    if "ExplanationOfBenefit:patient" in includes:
        ids = {claim.member_id for claim in adjudicated}
        members = Session.scalars(select(Member).where(Member.id.in_(ids)).order_by(Member.id))
        found += [patient_resource(member) for member in members]
    if "ExplanationOfBenefit:provider" in includes:
        ids = {claim.billing_provider_id for claim in adjudicated}
        providers = Session.scalars(
            select(Provider).where(Provider.id.in_(ids)).order_by(Provider.id)
        )
        found += [provider_resource(provider) for provider in providers]
    return found


def _links(resource_type, used, includes, count, offset, total) -> dict[str, str]:
    def url(at: int) -> str:
        query = used + [("_include", i) for i in includes] + [("_count", count)]
        if at:
            query.append(("_offset", at))
        return f"{http.base_url()}/{resource_type}?{urlencode(query)}"

    links = {"self": url(offset)}
    if count and offset + count < total:
        links["next"] = url(offset + count)
    if offset:
        links["previous"] = url(max(offset - count, 0))
    return links


def submit_and_respond(body: bytes, content_type, principal) -> dict:
    """Claim/$submit: create the claim, adjudicate it through the same single-claim path as
    `POST /api/v1/claims` (the batch pipeline on a chunk of one), answer its ClaimResponse."""
    from backend.claims.submit import adjudicate_now
    from backend.fhir_api.submission import create_claim

    created = create_claim(body, content_type, principal)
    Session.commit()  # the claim stays staged whatever adjudicating it now comes to
    adjudicate_now(created.claim_id)
    emit_claim_decision(created.claim_id)
    staged = Session.get(StagedClaim, created.claim_id, populate_existing=True)
    adjudicated = Session.scalar(
        select(AdjudicatedClaim).where(and_(AdjudicatedClaim.id == created.claim_id))
    )
    from backend.fhir_api.render import claim_response_resource

    return claim_response_resource(staged, adjudicated)
