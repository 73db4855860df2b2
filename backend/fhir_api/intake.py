"""Claims in through FHIR: the request body is kept first (intake.received_document), then each
Claim is checked and mapped by `askes_fhir`, and the accepted ones are staged together.

Staging writes many claims with one multi-row INSERT per table (ids drawn from the sequence up
front so lines can point at their claim); a rejected resource or transaction stages nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict

from askes_fhir import MEDIA_TYPE
from sqlalchemy import func, insert, select, text, update

from backend.auth.principal import DataScope
from backend.canonical.claim import Claim
from backend.claims.models import StagedClaim, StagedClaimLine
from backend.db import Session
from backend.fhir_api import render
from backend.intake.models import ReceivedDocument
from backend.members.models import CoverageSpan, Member
from backend.providers.models import Provider

CHANNEL = "fhir"


def keep_body(body: bytes, content_type: str | None, user_id: int | None, request_id) -> int:
    """Store the request body as received, committed before anything parses it."""
    document = ReceivedDocument(
        channel=CHANNEL,
        media_type=(content_type or MEDIA_TYPE)[:100],
        sha256=hashlib.sha256(body).hexdigest(),
        size_bytes=len(body),
        body=body,
        submitter_user_id=user_id,
        request_id=request_id,
    )
    Session.add(document)
    Session.commit()
    return document.id


def record_outcome(document_id: int, status: str, outcome: dict) -> None:
    """accepted | partially_accepted | rejected, with counts, claim ids and issues."""
    Session.execute(
        update(ReceivedDocument)
        .where(ReceivedDocument.id == document_id)
        .values(status=status, outcome=outcome)
    )
    Session.commit()


def stage_claims(claims: list[tuple[Claim, int | None]], request_id: str | None) -> list[int]:
    """Insert (claim, position in its Bundle) pairs as pending staged claims; their ids, in
    order. The caller commits (or rolls back) the transaction."""
    if not claims:
        return []
    ids = list(
        Session.scalars(
            text(
                "SELECT nextval(pg_get_serial_sequence('staging.claim', 'id')) "
                "FROM generate_series(1, :n)"
            ),
            {"n": len(claims)},
        )
    )
    members = _member_ids([claim for claim, _ in claims])
    providers = _provider_ids({claim.billing_provider_npi for claim, _ in claims})
    headers, lines = [], []
    for claim_id, (claim, position) in zip(ids, claims, strict=True):
        header = _header(claim, claim_id, position, request_id)
        header["member_id"] = members.get(id(claim))
        header["billing_provider_id"] = providers.get(claim.billing_provider_npi)
        headers.append(header)
        lines += [_line(line, claim_id) for line in claim.lines]
    Session.execute(insert(StagedClaim.__table__), headers)
    if lines:
        Session.execute(insert(StagedClaimLine.__table__), lines)
    return ids


def _header(claim: Claim, claim_id: int, position, request_id) -> dict:
    values = {key: value for key, value in asdict(claim).items() if key != "lines"}
    values.update(
        id=claim_id,
        channel=CHANNEL,
        status="pending",
        priority=0,
        source_position=position,
        source_request_id=request_id,
    )
    return values


def _line(line, claim_id: int) -> dict:
    values = asdict(line)
    modifiers = values.pop("modifiers") + [None] * 4
    values.update({f"modifier_{n}": modifiers[n - 1] for n in range(1, 5)})
    values["claim_id"] = claim_id
    return values


def _member_ids(claims: list[Claim]) -> dict[int, int]:
    """id(claim) -> member id: by the patient's member number, else the one dependent of the
    subscriber whose relationship, name and birth date match (docs/claim-model.md)."""
    numbers = {claim.patient_member_number for claim in claims if claim.patient_member_number}
    found = (
        dict(
            Session.execute(
                select(Member.member_number, Member.id).where(Member.member_number.in_(numbers))
            ).all()
        )
        if numbers
        else {}
    )
    resolved = {}
    for claim in claims:
        if claim.patient_member_number:
            member_id = found.get(claim.patient_member_number)
        else:
            member_id = _dependent(claim)
        if member_id is not None:
            resolved[id(claim)] = member_id
    return resolved


def _dependent(claim: Claim) -> int | None:
    subscriber = select(Member.id).where(Member.member_number == claim.subscriber_member_number)
    matches = Session.scalars(
        select(Member.id).where(
            Member.subscriber_id == subscriber.scalar_subquery(),
            Member.relationship_code == claim.relationship_code,
            func.lower(Member.first_name) == (claim.patient_first_name or "").lower(),
            func.lower(Member.last_name) == (claim.patient_last_name or "").lower(),
            Member.birth_date == claim.patient_birth_date,
        )
    ).all()
    return matches[0] if len(matches) == 1 else None


def _provider_ids(npis: set[str]) -> dict[str, int]:
    rows = Session.execute(select(Provider.npi, Provider.id).where(Provider.npi.in_(npis)))
    return dict(rows.all())


class ServerReferences:
    """Resolves literal references to this server's resources for one caller: patients and
    coverage only within the caller's data scope (so a reference cannot probe for members),
    providers from the directory."""

    def __init__(self, scope: DataScope):
        self.scope = scope
        self.cache: dict[str, dict | None] = {}

    def __call__(self, reference: str) -> dict | None:
        if reference not in self.cache:
            self.cache[reference] = self._lookup(*reference.split("/", 1))
        return self.cache[reference]

    def _lookup(self, resource_type: str, resource_id: str) -> dict | None:
        if not resource_id.isdigit():
            return None
        key = int(resource_id)
        if resource_type == "Patient":
            member = Session.scalar(
                select(Member).where(Member.id == key, self.scope.rows(Member.id))
            )
            return render.patient_resource(member) if member else None
        if resource_type == "Coverage":
            span = Session.scalar(
                select(CoverageSpan).where(
                    CoverageSpan.id == key, self.scope.rows(CoverageSpan.member_id)
                )
            )
            return render.coverage_resource(span) if span else None
        if resource_type in ("Organization", "Practitioner"):
            provider = Session.get(Provider, key)
            if provider is None:
                return None
            resource = render.provider_resource(provider)
            return resource if resource["resourceType"] == resource_type else None
        return None
