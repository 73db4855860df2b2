"""What each FHIR resource type is in the database: its rows within the caller's data scope,
its search parameters as SQL conditions, and how a row becomes the resource."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from askes_fhir import codes
from sqlalchemy import ColumnElement, Select, String, cast, false, func, or_, select, true

from backend.auth import permissions as p
from backend.auth.principal import DataScope
from backend.claims.models import AdjudicatedClaim, StagedClaim
from backend.fhir_api import render
from backend.fhir_api.params import date_condition, id_condition, period_condition, token_value
from backend.members.models import CoverageSpan, Member
from backend.providers.models import ENTITY_ORGANIZATION, ENTITY_PERSON, Provider

Filter = Callable[[str], ColumnElement[bool]]


@dataclass(frozen=True)
class ResourceQuery:
    permission: str
    audit_type: str
    rows: Callable[[DataScope], Select]  # the type's rows in scope, newest first
    id_column: object
    filters: dict[str, Filter]
    render: Callable  # one result row -> FHIR resource


def _dates(column, name: str, timestamp: bool) -> Filter:
    return lambda value: date_condition(column, value, name, timestamp)


def _ids(column, *types: str) -> Filter:
    return lambda value: id_condition(column, value, types, "")


def _token(column, system: str | None = None, transform=lambda code: code) -> Filter:
    def condition(value: str):
        alternatives = []
        for part in value.split(","):
            given_system, code = token_value(part)
            if given_system not in (None, system):
                alternatives.append(false())
            else:
                alternatives.append(column == transform(code))
        return or_(*alternatives)

    return condition


def _prefix(*columns) -> Filter:
    return lambda value: or_(*(column.ilike(f"{value}%") for column in columns))


def _claim_status(value: str):
    wanted = set(value.split(","))
    cancelled = StagedClaim.frequency_code == "8"
    if wanted >= {"active", "cancelled"}:
        return true()
    return cancelled if "cancelled" in wanted else (~cancelled if "active" in wanted else false())


def _use(value: str):
    return true() if "claim" in value.split(",") else false()


def _claims(scope: DataScope) -> Select:
    return (
        select(StagedClaim)
        .where(scope.rows(StagedClaim.member_id, StagedClaim.billing_provider_id))
        .order_by(StagedClaim.received_at.desc(), StagedClaim.id.desc())
    )


def _claim_responses(scope: DataScope) -> Select:
    return (
        select(StagedClaim, AdjudicatedClaim)
        .outerjoin(AdjudicatedClaim, AdjudicatedClaim.id == StagedClaim.id)
        .where(scope.rows(StagedClaim.member_id, StagedClaim.billing_provider_id))
        .order_by(StagedClaim.received_at.desc(), StagedClaim.id.desc())
    )


def _eobs(scope: DataScope) -> Select:
    return (
        select(StagedClaim, AdjudicatedClaim)
        .join(AdjudicatedClaim, AdjudicatedClaim.id == StagedClaim.id)
        .where(scope.rows(AdjudicatedClaim.member_id, AdjudicatedClaim.billing_provider_id))
        .order_by(AdjudicatedClaim.adjudicated_at.desc(), AdjudicatedClaim.id.desc())
    )


def _outcome(value: str):
    conditions = {
        "complete": AdjudicatedClaim.decision.in_(("paid", "denied")),
        "queued": or_(
            AdjudicatedClaim.decision == "pended", StagedClaim.status.in_(("pending", "processing"))
        ),
        "error": StagedClaim.status == "rejected",
    }
    return or_(*(conditions.get(v, false()) for v in value.split(",")))


def _claim_updated(column):
    return _dates(column, "_lastUpdated", True)


def _members(scope: DataScope) -> Select:
    return select(Member).where(scope.rows(Member.id)).order_by(Member.id.desc())


def _coverages(scope: DataScope) -> Select:
    return (
        select(CoverageSpan)
        .join(Member, Member.id == CoverageSpan.member_id)
        .where(scope.rows(CoverageSpan.member_id))
        .order_by(CoverageSpan.id.desc())
    )


def _providers(entity_type: int) -> Callable[[DataScope], Select]:
    # Provider directory data is not PHI: every caller with providers:read sees all of it.
    return lambda _scope: (
        select(Provider).where(Provider.entity_type == entity_type).order_by(Provider.id.desc())
    )


CLAIM_DATE = func.coalesce(AdjudicatedClaim.adjudicated_at, StagedClaim.received_at)
CLAIM_FILTERS = {
    "_id": _ids(StagedClaim.id, "Claim"),
    "identifier": _token(StagedClaim.patient_control_number, codes.PATIENT_CONTROL_NUMBER),
    "patient": _ids(StagedClaim.member_id, "Patient"),
    "provider": _ids(StagedClaim.billing_provider_id, "Organization", "Practitioner"),
    "status": _claim_status,
    "use": _use,
    "created": _dates(StagedClaim.received_at, "created", True),
    "_lastUpdated": _claim_updated(StagedClaim.received_at),
    "service-date": lambda value: period_condition(
        StagedClaim.service_from, StagedClaim.service_to, value, "service-date"
    ),
}

QUERIES = {
    "Claim": ResourceQuery(
        p.CLAIMS_READ, "claim", _claims, StagedClaim.id, CLAIM_FILTERS, render.claim_resource
    ),
    "ClaimResponse": ResourceQuery(
        p.CLAIMS_READ,
        "claim_response",
        _claim_responses,
        StagedClaim.id,
        {
            "_id": _ids(StagedClaim.id, "ClaimResponse"),
            "identifier": _token(cast(StagedClaim.id, String), codes.CLAIM_ID),
            "request": _ids(StagedClaim.id, "Claim"),
            "patient": _ids(StagedClaim.member_id, "Patient"),
            "outcome": _outcome,
            "status": lambda value: true() if "active" in value.split(",") else false(),
            "created": _dates(CLAIM_DATE, "created", True),
            "_lastUpdated": _claim_updated(CLAIM_DATE),
        },
        lambda row: render.claim_response_resource(*row),
    ),
    "ExplanationOfBenefit": ResourceQuery(
        p.EOB_READ,
        "eob",
        _eobs,
        AdjudicatedClaim.id,
        {
            "_id": _ids(AdjudicatedClaim.id, "ExplanationOfBenefit"),
            "identifier": _token(cast(AdjudicatedClaim.id, String), codes.CLAIM_ID),
            "claim": _ids(AdjudicatedClaim.id, "Claim"),
            "patient": _ids(AdjudicatedClaim.member_id, "Patient"),
            "provider": _ids(AdjudicatedClaim.billing_provider_id, "Organization", "Practitioner"),
            "status": lambda value: true() if "active" in value.split(",") else false(),
            "type": _token(AdjudicatedClaim.claim_type, codes.CLAIM_TYPE),
            "created": _dates(AdjudicatedClaim.adjudicated_at, "created", True),
            "_lastUpdated": _claim_updated(AdjudicatedClaim.adjudicated_at),
            "service-date": lambda value: period_condition(
                AdjudicatedClaim.service_from, AdjudicatedClaim.service_to, value, "service-date"
            ),
        },
        lambda row: render.eob_resource(*row),
    ),
    "Coverage": ResourceQuery(
        p.MEMBERS_READ,
        "coverage",
        _coverages,
        CoverageSpan.id,
        {
            "_id": _ids(CoverageSpan.id, "Coverage"),
            "identifier": _token(Member.member_number, codes.MEMBER_NUMBER),
            "patient": _ids(CoverageSpan.member_id, "Patient"),
            "beneficiary": _ids(CoverageSpan.member_id, "Patient"),
            "subscriber": _ids(func.coalesce(Member.subscriber_id, Member.id), "Patient"),
            "status": lambda value: true() if "active" in value.split(",") else false(),
            "_lastUpdated": _claim_updated(CoverageSpan.created_at),
        },
        render.coverage_resource,
    ),
    "Patient": ResourceQuery(
        p.MEMBERS_READ,
        "member",
        _members,
        Member.id,
        {
            "_id": _ids(Member.id, "Patient"),
            "identifier": _token(Member.member_number, codes.MEMBER_NUMBER),
            "family": _prefix(Member.last_name),
            "given": _prefix(Member.first_name, Member.middle_name),
            "name": _prefix(Member.last_name, Member.first_name),
            "birthdate": _dates(Member.birth_date, "birthdate", False),
            "gender": _token(Member.sex, None, lambda code: codes.GENDER_TO_SEX.get(code, "?")),
            "_lastUpdated": _claim_updated(Member.updated_at),
        },
        render.patient_resource,
    ),
    "Practitioner": ResourceQuery(
        p.PROVIDERS_READ,
        "provider",
        _providers(ENTITY_PERSON),
        Provider.id,
        {
            "_id": _ids(Provider.id, "Practitioner"),
            "identifier": _token(Provider.npi, codes.NPI),
            "name": _prefix(Provider.last_name, Provider.first_name),
            "family": _prefix(Provider.last_name),
            "_lastUpdated": _claim_updated(Provider.created_at),
        },
        render.provider_resource,
    ),
    "Organization": ResourceQuery(
        p.PROVIDERS_READ,
        "provider",
        _providers(ENTITY_ORGANIZATION),
        Provider.id,
        {
            "_id": _ids(Provider.id, "Organization"),
            "identifier": _token(Provider.npi, codes.NPI),
            "name": _prefix(Provider.organization_name),
            "_lastUpdated": _claim_updated(Provider.created_at),
        },
        render.provider_resource,
    ),
}
