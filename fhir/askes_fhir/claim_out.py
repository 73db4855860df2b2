"""Canonical claim -> FHIR R4 Claim (JSON dict), per docs/claim-model.md.

The patient, the coverage and the billing organization are written as contained resources, so
one Claim carries every canonical field on its own; practitioners and the facility are logical
references by NPI. Money leaves as decimal dollars (`cents / 100`, a float whose shortest repr is
the exact two-decimal amount); units as the number sent.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from askes_fhir import codes
from askes_fhir.claim_cob import prior_insurance
from backend.canonical.claim import Claim, ClaimLine

PATIENT, COVERAGE, BILLING = "patient", "coverage", "billing"
DERIVED_FREQUENCIES = ("1", "7", "8")


def claim_to_fhir(claim: Claim, claim_id: int | None = None, created: date | None = None) -> dict:
    """The FHIR Claim for `claim`; `claim_id` (Askes's id) becomes Claim.id when given."""
    resource = {"resourceType": "Claim"}
    if claim_id is not None:
        resource["id"] = str(claim_id)
    resource["contained"] = [_patient(claim), _coverage(claim), _billing_organization(claim)]
    if _frequency_needs_extension(claim):
        resource["extension"] = [
            {"url": codes.FREQUENCY_EXTENSION, "valueCode": claim.frequency_code}
        ]
    resource["identifier"] = [
        {"system": codes.PATIENT_CONTROL_NUMBER, "value": claim.patient_control_number}
    ]
    resource["status"] = "cancelled" if claim.frequency_code == "8" else "active"
    resource["type"] = concept(codes.CLAIM_TYPE, claim.claim_type)
    resource["use"] = "claim"
    resource["patient"] = {"reference": f"#{PATIENT}"}
    if claim.statement_from or claim.statement_to:
        resource["billablePeriod"] = period(claim.statement_from, claim.statement_to)
    resource["created"] = (created or date.today()).isoformat()
    resource["insurer"] = payer_reference()
    resource["provider"] = {"reference": f"#{BILLING}"}
    resource["priority"] = concept(codes.PROCESS_PRIORITY, "normal")
    if claim.frequency_code in ("7", "8") or claim.original_claim_id:
        resource["related"] = [_related(claim)]
    care_team, line_sequences = _care_team(claim)
    if care_team:
        resource["careTeam"] = care_team
    if supporting := _supporting_info(claim):
        resource["supportingInfo"] = supporting
    if claim.diagnosis_codes:
        resource["diagnosis"] = [
            _diagnosis(code, n) for n, code in enumerate(claim.diagnosis_codes)
        ]
    resource["insurance"] = [_insurance(claim)]
    if prior := prior_insurance(claim):  # a secondary claim: the payer before us first
        insurance, response = prior
        resource["contained"].append(response)
        resource["insurance"] = [insurance, {**resource["insurance"][0], "sequence": 2}]
    if claim.service_facility_npi:
        resource["facility"] = {"identifier": npi(claim.service_facility_npi)}
    resource["item"] = [_item(claim, line, line_sequences) for line in claim.lines]
    resource["total"] = money(claim.total_charge_cents)
    return resource


def concept(system: str, code: str, display: str | None = None) -> dict:
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return {"coding": [coding]}


def money(cents: int) -> dict:
    return {"value": cents / 100, "currency": "USD"}


def npi(value: str) -> dict:
    return {"system": codes.NPI, "value": value}


def period(start: date | None, end: date | None) -> dict:
    return {
        key: day.isoformat() for key, day in (("start", start), ("end", end)) if day is not None
    }


def payer_reference() -> dict:
    return {"identifier": {"system": codes.PAYER_ID, "value": "askes"}, "display": "Askes"}


def icd10_with_dot(code: str) -> str:
    """E119 -> E11.9 (the dot goes after the third character)."""
    return code if len(code) <= 3 else f"{code[:3]}.{code[3:]}"


def number(value: Decimal) -> int | float:
    """A JSON number for an exact decimal quantity (at most 3 decimals here)."""
    return int(value) if value == value.to_integral_value() else float(value)


def _frequency_needs_extension(claim: Claim) -> bool:
    if claim.bill_type:
        return claim.frequency_code != claim.bill_type[-1]
    return claim.frequency_code not in DERIVED_FREQUENCIES


def _patient(claim: Claim) -> dict:
    patient = {"resourceType": "Patient", "id": PATIENT}
    if claim.patient_member_number:
        patient["identifier"] = [member_identifier(claim.patient_member_number)]
    if claim.patient_first_name or claim.patient_last_name:
        name = {"use": "official"}
        if claim.patient_last_name:
            name["family"] = claim.patient_last_name
        if claim.patient_first_name:
            name["given"] = [claim.patient_first_name]
        patient["name"] = [name]
    if claim.patient_sex:
        patient["gender"] = codes.SEX_TO_GENDER.get(claim.patient_sex, "unknown")
    if claim.patient_birth_date:
        patient["birthDate"] = claim.patient_birth_date.isoformat()
    return patient


def member_identifier(member_number: str) -> dict:
    return {
        "type": concept(codes.V2_0203, "MB"),
        "system": codes.MEMBER_NUMBER,
        "value": member_number,
    }


def relationship(x12_code: str) -> dict:
    """Coverage.relationship: the FHIR code, and the X12 code as a second coding (lossless)."""
    fhir_code = codes.X12_TO_RELATIONSHIP.get(x12_code, "other")
    return {
        "coding": [
            {"system": codes.SUBSCRIBER_RELATIONSHIP, "code": fhir_code},
            {"system": codes.X12_RELATIONSHIP, "code": x12_code},
        ]
    }


def _coverage(claim: Claim) -> dict:
    return {
        "resourceType": "Coverage",
        "id": COVERAGE,
        "status": "active",
        "subscriberId": claim.subscriber_member_number,
        "beneficiary": {"reference": f"#{PATIENT}"},
        "relationship": relationship(claim.relationship_code),
        "payor": [payer_reference()],
    }


def _billing_organization(claim: Claim) -> dict:
    identifiers = [npi(claim.billing_provider_npi)]
    if claim.billing_provider_tax_id:
        identifiers.append(
            {
                "type": concept(codes.V2_0203, "TAX"),
                "system": codes.TIN,
                "value": claim.billing_provider_tax_id,
            }
        )
    return {"resourceType": "Organization", "id": BILLING, "identifier": identifiers}


def _related(claim: Claim) -> dict:
    related = {"relationship": concept(codes.RELATED_CLAIM, "prior")}
    if claim.original_claim_id:
        related["claim"] = {
            "identifier": {"system": codes.CLAIM_ID, "value": claim.original_claim_id}
        }
    return related


def _care_team(claim: Claim) -> tuple[list[dict], dict[str, int]]:
    """careTeam members, and the sequence of each line-level rendering NPI (role performing)."""
    team = []

    def add(npi_value: str, system: str, role: str) -> int:
        team.append(
            {
                "sequence": len(team) + 1,
                "provider": {"identifier": npi(npi_value)},
                "role": concept(system, role),
            }
        )
        return len(team)

    roles = (
        (claim.rendering_provider_npi, codes.CARE_TEAM_ROLE, "primary"),
        (claim.referring_provider_npi, codes.C4BB_CARE_TEAM_ROLE, "referring"),
        (claim.attending_provider_npi, codes.C4BB_CARE_TEAM_ROLE, "attending"),
        (claim.operating_provider_npi, codes.C4BB_CARE_TEAM_ROLE, "operating"),
    )
    for npi_value, system, role in roles:
        if npi_value:
            add(npi_value, system, role)
    line_sequences = {}
    for line in claim.lines:
        rendering = line.rendering_provider_npi
        if rendering and rendering not in line_sequences:
            line_sequences[rendering] = add(rendering, codes.C4BB_CARE_TEAM_ROLE, "performing")
    return team, line_sequences


def _supporting_info(claim: Claim) -> list[dict]:
    found = []

    def add(category: str, **value) -> None:
        entry = {
            "sequence": len(found) + 1,
            "category": concept(codes.C4BB_SUPPORTING_INFO, category),
        }
        found.append({**entry, **value})

    if claim.bill_type:
        add("typeofbill", code=concept(codes.TYPE_OF_BILL, claim.bill_type))
    if claim.admission_date:
        add("admissionperiod", timingPeriod=period(claim.admission_date, None))
    if claim.admission_type_code:
        add("admtype", code=concept(codes.ADMIT_TYPE, claim.admission_type_code))
    if claim.discharge_status:
        add("discharge-status", code=concept(codes.DISCHARGE, claim.discharge_status))
    return found


def _diagnosis(code: str, index: int) -> dict:
    diagnosis = {
        "sequence": index + 1,
        "diagnosisCodeableConcept": concept(codes.ICD10CM, icd10_with_dot(code)),
    }
    if index == 0:
        diagnosis["type"] = [concept(codes.DIAGNOSIS_TYPE, "principal")]
    return diagnosis


def _insurance(claim: Claim) -> dict:
    insurance = {"sequence": 1, "focal": True, "coverage": {"reference": f"#{COVERAGE}"}}
    if claim.prior_authorization:
        insurance["preAuthRef"] = [claim.prior_authorization]
    return insurance


def procedure_system(code: str) -> str:
    """HCPCS level II codes start with a letter; CPT codes are five digits (or 4 + F/T/U)."""
    return codes.HCPCS if code[:1].isalpha() else codes.CPT


def _item(claim: Claim, line: ClaimLine, line_sequences: dict[str, int]) -> dict:
    item = {"sequence": line.line_number}
    if line.line_control_number:
        item["extension"] = [
            {"url": codes.LINE_CONTROL_EXTENSION, "valueString": line.line_control_number}
        ]
    if line.rendering_provider_npi:
        item["careTeamSequence"] = [line_sequences[line.rendering_provider_npi]]
    if line.diagnosis_pointers:
        item["diagnosisSequence"] = list(line.diagnosis_pointers)
    if line.revenue_code:
        item["revenue"] = concept(codes.REVENUE, line.revenue_code)
    item["productOrService"] = product_or_service(line)
    if line.modifiers:
        system = procedure_system(line.procedure_code or "0")
        item["modifier"] = [concept(system, modifier) for modifier in line.modifiers]
    if line.service_from and line.service_to == line.service_from:
        item["servicedDate"] = line.service_from.isoformat()
    elif line.service_from or line.service_to:
        item["servicedPeriod"] = period(line.service_from, line.service_to)
    place = line.place_of_service or claim.place_of_service
    if place:
        item["locationCodeableConcept"] = concept(codes.POS, place)
    item["quantity"] = quantity(line.units, line.unit_basis)
    if line.units:
        unit_price = (Decimal(line.charge_cents) / 100 / line.units).quantize(Decimal("0.01"))
        item["unitPrice"] = {"value": float(unit_price), "currency": "USD"}
    item["net"] = money(line.charge_cents)
    if line.ndc_code:
        item["detail"] = [{"sequence": 1, "productOrService": concept(codes.NDC, line.ndc_code)}]
    return item


def product_or_service(line: ClaimLine) -> dict:
    if line.procedure_code:
        return concept(procedure_system(line.procedure_code), line.procedure_code)
    return concept(codes.DATA_ABSENT, "not-applicable")


def quantity(units: Decimal, basis: str) -> dict:
    value = {"value": number(units)}
    if basis in codes.BASIS_TO_UCUM:
        ucum = codes.BASIS_TO_UCUM[basis]
        value.update(unit=ucum, system=codes.UCUM, code=ucum)
    elif basis != "UN":
        value.update(unit=basis, code=basis)  # an X12 basis without a UCUM equivalent (e.g. F2)
    return value
