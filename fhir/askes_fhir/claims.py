"""One Claim resource through the gateway's two checks: structure (400) then the canonical
mapping with its claim edits (422)."""

from __future__ import annotations

from dataclasses import dataclass, field

from askes_fhir.claim_in import claim_from_fhir
from askes_fhir.outcome import Issue
from askes_fhir.references import ReferenceContext, ServerResolver
from askes_fhir.structure import resource_issues
from backend.canonical.claim import Claim

ACCEPTED, UNREADABLE, BREAKS_RULES = 201, 400, 422


@dataclass
class ReadClaim:
    claim: Claim | None
    status: int  # 201 ready to stage, 400 structurally invalid, 422 breaks a claim edit
    issues: list[Issue] = field(default_factory=list)


def read_claim(
    resource: object,
    server: ServerResolver | None = None,
    structure: list[Issue] | None = None,
) -> ReadClaim:
    """Check and map one Claim. `structure` passes issues already found by walking an enclosing
    Bundle (then the resource is not walked again)."""
    issues = resource_issues(resource, ("Claim",)) if structure is None else structure
    if issues:
        return ReadClaim(None, UNREADABLE, issues)
    claim, issues = claim_from_fhir(resource, ReferenceContext.for_resource(resource, None, server))
    if claim is None:
        return ReadClaim(None, BREAKS_RULES, issues)
    return ReadClaim(claim, ACCEPTED, issues)
