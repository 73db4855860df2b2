"""FHIR references to this server's resources, resolved for one caller while a Claim is read
(storing the body, resolving the member and provider and staging are the intake seam's:
backend/intake)."""

from __future__ import annotations

from sqlalchemy import select

from backend.auth.principal import Principal
from backend.db import Session
from backend.fhir_api import render
from backend.members.models import CoverageSpan, Member
from backend.providers.models import Provider


class ServerReferences:
    """Resolves literal references to this server's resources for one caller: patients and
    coverage only within the caller's data scope (so a reference cannot probe for members),
    providers from the directory. The scope is worked out on the first reference that needs it:
    a Claim with its Patient and Coverage contained or in its Bundle costs no scope query."""

    def __init__(self, principal: Principal):
        self.principal = principal
        self.cache: dict[str, dict | None] = {}

    @property
    def scope(self):
        return self.principal.scope(Session())

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
