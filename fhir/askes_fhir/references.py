"""Resolving a FHIR Reference from a Claim: contained (`#id`), another entry of the same Bundle
(`fullUrl` or `Type/id`), a resource on this server (`Type/id`, through a resolver the caller
supplies), or logical (`reference.identifier`, read as the target's identifier)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

# A literal server reference ("Patient/12") -> that resource as FHIR JSON, or None if unknown.
ServerResolver = Callable[[str], dict | None]


@dataclass
class ReferenceContext:
    """Where references of one Claim can point: its contained resources, its Bundle's entries
    (keyed by fullUrl and by `Type/id`) and the server."""

    contained: dict[str, dict] = field(default_factory=dict)
    bundle: dict[str, dict] = field(default_factory=dict)
    server: ServerResolver | None = None

    @classmethod
    def for_resource(cls, resource: dict, bundle=None, server=None) -> ReferenceContext:
        contained = {
            item["id"]: item
            for item in resource.get("contained") or ()
            if isinstance(item, dict) and item.get("id")
        }
        return cls(contained, bundle or {}, server)

    def resolve(self, reference: dict | None, expected_type: str) -> dict | None:
        """The referenced resource (a logical reference gives a stub of `expected_type` holding
        the identifier), or None when nothing matches."""
        if not isinstance(reference, dict):
            return None
        literal = reference.get("reference")
        if not literal:
            identifier = reference.get("identifier")
            return logical_stub(expected_type, identifier) if identifier else None
        if literal.startswith("#"):
            return self.contained.get(literal[1:])
        if literal in self.bundle:
            return self.bundle[literal]
        relative = server_path(literal)
        if relative in self.bundle:
            return self.bundle[relative]
        return self.server(relative) if self.server and relative else None


def logical_stub(resource_type: str, identifier: dict) -> dict:
    """A logical reference read as a resource of its type carrying that identifier."""
    stub = {"resourceType": resource_type, "identifier": [identifier], "_logical": True}
    if resource_type == "Coverage":
        stub["subscriberId"] = identifier.get("value")
    return stub


def server_path(literal: str) -> str | None:
    """'Patient/12' or 'https://host/fhir/Patient/12' -> 'Patient/12'; None for other forms
    (urn:uuid: references must resolve inside their Bundle)."""
    if literal.startswith("urn:"):
        return None
    parts = literal.rstrip("/").split("/")
    if len(parts) < 2 or "_history" in parts:
        parts = parts[: parts.index("_history")] if "_history" in parts else parts
    if len(parts) < 2:
        return None
    return f"{parts[-2]}/{parts[-1]}"
