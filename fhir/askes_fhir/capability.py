"""The CapabilityStatement: exactly what the gateway implements (backend/fhir_api routes)."""

from __future__ import annotations

from askes_fhir import FHIR_VERSION, MEDIA_TYPE

# resource type -> (interactions, search parameters {name: type}, _include values)
COMMON_SEARCH = {"_id": "token", "_lastUpdated": "date", "_count": "number"}
CLAIM_SEARCH = {
    **COMMON_SEARCH,
    "identifier": "token",
    "patient": "reference",
    "provider": "reference",
    "status": "token",
    "created": "date",
    "service-date": "date",
    "use": "token",
}
RESOURCES = {
    "Claim": (("create", "read", "search-type"), CLAIM_SEARCH, ()),
    "ClaimResponse": (
        ("read", "search-type"),
        {
            **COMMON_SEARCH,
            "identifier": "token",
            "patient": "reference",
            "request": "reference",
            "outcome": "token",
            "created": "date",
            "status": "token",
        },
        (),
    ),
    "ExplanationOfBenefit": (
        ("read", "search-type"),
        {
            **COMMON_SEARCH,
            "identifier": "token",
            "patient": "reference",
            "provider": "reference",
            "claim": "reference",
            "status": "token",
            "created": "date",
            "service-date": "date",
            "type": "token",
        },
        ("ExplanationOfBenefit:patient", "ExplanationOfBenefit:provider"),
    ),
    "Coverage": (
        ("read", "search-type"),
        {
            **COMMON_SEARCH,
            "identifier": "token",
            "patient": "reference",
            "beneficiary": "reference",
            "subscriber": "reference",
            "status": "token",
        },
        (),
    ),
    "Patient": (
        ("read", "search-type"),
        {
            **COMMON_SEARCH,
            "identifier": "token",
            "family": "string",
            "given": "string",
            "name": "string",
            "birthdate": "date",
            "gender": "token",
        },
        (),
    ),
    "Practitioner": (
        ("read", "search-type"),
        {**COMMON_SEARCH, "identifier": "token", "name": "string", "family": "string"},
        (),
    ),
    "Organization": (
        ("read", "search-type"),
        {**COMMON_SEARCH, "identifier": "token", "name": "string"},
        (),
    ),
}
SCOPES = (
    "system/Claim.write",
    "user/Claim.write",
    "user/*.read",
    "system/*.read",
    "patient/ExplanationOfBenefit.read",
    "patient/*.read",
    "user/<Type>.read",
)


def capability_statement(base_url: str, software_version: str, max_bundle_entries: int) -> dict:
    """The server's CapabilityStatement (kind instance) for the gateway at `base_url`."""
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2026-01-01",
        "publisher": "Askes",
        "kind": "instance",
        "software": {"name": "Askes FHIR gateway", "version": software_version},
        "implementation": {"description": "Askes claims platform FHIR R4 gateway", "url": base_url},
        "fhirVersion": FHIR_VERSION,
        "format": [MEDIA_TYPE, "json"],
        "rest": [
            {
                "mode": "server",
                "documentation": (
                    f"Claims in (create, $submit, batch and transaction Bundles of at most "
                    f"{max_bundle_entries} entries); claim responses, explanations of benefit, "
                    "coverage, patients and providers out, scoped by the caller's rights."
                ),
                "security": _security(),
                "resource": [_resource(name, *spec) for name, spec in RESOURCES.items()],
                "interaction": [{"code": "batch"}, {"code": "transaction"}],
            }
        ],
    }


def _security() -> dict:
    return {
        "service": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                        "code": "SMART-on-FHIR",
                    }
                ]
            }
        ],
        "description": (
            "Bearer tokens (askes_<prefix>_<secret>) created by an administrator. A token's "
            "scopes are Askes permissions or SMART scopes, for example "
            + ", ".join(SCOPES)
            + "; patient/ scopes reach only the token owner's own compartment."
        ),
    }


def _resource(name: str, interactions, search: dict, includes) -> dict:
    resource = {
        "type": name,
        "interaction": [{"code": code} for code in interactions],
        "versioning": "no-version",
        "readHistory": False,
        "updateCreate": False,
        "searchParam": [{"name": param, "type": kind} for param, kind in search.items()],
    }
    if includes:
        resource["searchInclude"] = list(includes)
    if name == "Claim":
        resource["operation"] = [
            {"name": "submit", "definition": "http://hl7.org/fhir/OperationDefinition/Claim-submit"}
        ]
    return resource
