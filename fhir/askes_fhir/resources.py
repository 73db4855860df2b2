"""Members, coverage spans and providers (plain dicts of their table columns) -> Patient,
Coverage, Organization and Practitioner (FHIR R4 JSON)."""

from __future__ import annotations

from askes_fhir import codes
from askes_fhir.claim_out import (
    concept,
    member_identifier,
    npi,
    payer_reference,
    period,
    relationship,
)


def patient(member: dict) -> dict:
    name = {"use": "official", "family": member["last_name"]}
    name["given"] = [n for n in (member["first_name"], member.get("middle_name")) if n]
    resource = {
        "resourceType": "Patient",
        "id": str(member["id"]),
        "identifier": [member_identifier(member["member_number"])],
        "name": [name],
        "gender": codes.SEX_TO_GENDER.get(member["sex"], "unknown"),
        "birthDate": member["birth_date"].isoformat(),
    }
    if address := _address(member):
        resource["address"] = [address]
    return resource


def coverage(span: dict, member: dict, subscriber: dict, plan: dict) -> dict:
    """A coverage span: `member` is the beneficiary, `subscriber` the policy holder."""
    classes = [
        {"type": concept(codes.COVERAGE_CLASS, "plan"), "value": plan["code"], "name": plan["name"]}
    ]
    if span.get("group_number"):
        classes.insert(
            0, {"type": concept(codes.COVERAGE_CLASS, "group"), "value": span["group_number"]}
        )
    return {
        "resourceType": "Coverage",
        "id": str(span["id"]),
        "identifier": [member_identifier(member["member_number"])],
        "status": "active",
        "type": concept(codes.ACT_CODE, "HIP", "health insurance plan policy"),
        "subscriber": {"reference": f"Patient/{subscriber['id']}"},
        "subscriberId": subscriber["member_number"],
        "beneficiary": {"reference": f"Patient/{member['id']}"},
        "relationship": relationship(member["relationship_code"]),
        "period": period(span["effective_date"], span.get("termination_date")),
        "payor": [payer_reference()],
        "class": classes,
    }


def organization(provider: dict) -> dict:
    identifiers = [npi(provider["npi"])]
    if provider.get("tax_id"):
        identifiers.append(
            {
                "type": concept(codes.V2_0203, "TAX"),
                "system": codes.TIN,
                "value": provider["tax_id"],
            }
        )
    resource = {
        "resourceType": "Organization",
        "id": str(provider["id"]),
        "identifier": identifiers,
        "active": True,
        "name": provider.get("organization_name") or "",
    }
    if address := _address(provider):
        resource["address"] = [address]
    return resource


def practitioner(provider: dict) -> dict:
    name = {"family": provider.get("last_name") or ""}
    if provider.get("first_name"):
        name["given"] = [provider["first_name"]]
    if provider.get("credential"):
        name["suffix"] = [provider["credential"]]
    resource = {
        "resourceType": "Practitioner",
        "id": str(provider["id"]),
        "identifier": [npi(provider["npi"])],
        "active": True,
        "name": [name],
    }
    if address := _address(provider):
        resource["address"] = [address]
    return resource


def _address(row: dict) -> dict | None:
    address = {}
    lines = [row.get("address_line1"), row.get("address_line2")]
    if any(lines):
        address["line"] = [line for line in lines if line]
    for fhir_name, column in (("city", "city"), ("state", "state"), ("postalCode", "postal_code")):
        if row.get(column):
            address[fhir_name] = row[column]
    return address or None
