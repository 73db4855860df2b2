"""FHIR R4 Claim (JSON dict, structurally valid) -> canonical claim, per docs/claim-model.md.

`claim_from_fhir` returns the canonical Claim and every issue found; any error-level issue means
the claim must not be staged. Each issue names its claim edit (backend.canonical.edits). Money
arrives as decimal dollars and becomes integer cents on the exact decimal value.
"""

from __future__ import annotations

import re

from askes_fhir import codes
from askes_fhir.claim_cob import read_other_payers
from askes_fhir.claim_items import read_items
from askes_fhir.outcome import Issue, edit_issue
from askes_fhir.references import ReferenceContext
from askes_fhir.values import Reader, codings, first_code, has_code
from backend.canonical.claim import Claim

# The code's shape (what staging can hold); whether it is a billable ICD-10-CM code on the date
# of service is the pipeline's V010, as for every channel.
ICD10_PATTERN = re.compile(r"^[0-9A-Z]{3,7}$")
NPI_PATTERN = re.compile(r"^[0-9]{10}$")
ICD_SYSTEMS = (codes.ICD10CM, codes.ICD10, None)


def claim_from_fhir(
    resource: dict, context: ReferenceContext | None = None
) -> tuple[Claim | None, list[Issue]]:
    """The canonical claim of a FHIR Claim, or None, and the issues (with edit codes)."""
    reader = Reader(context or ReferenceContext.for_resource(resource))
    values = _header(reader, resource)
    diagnosis_positions = _diagnoses(reader, resource, values)
    values["lines"] = read_items(reader, resource, diagnosis_positions, values)
    read_other_payers(reader, resource, values)
    if "total_charge_cents" not in values:
        values["total_charge_cents"] = sum(line.charge_cents for line in values["lines"])
    if reader.failed:
        return None, reader.issues
    return Claim(**values), reader.issues


def _header(reader: Reader, resource: dict) -> dict:
    values = {"claim_type": _claim_type(reader, resource)}
    identifiers = resource.get("identifier") or []
    pcn = identifiers[0].get("value") if identifiers else None
    values["patient_control_number"] = reader.text(pcn, 38, "Claim.identifier[0].value")
    if not pcn:
        reader.add(
            edit_issue(
                "V001",
                "Claim.identifier (the patient control number) is required",
                "Claim.identifier",
            )
        )
    _coverage_and_patient(reader, resource, values)
    _providers(reader, resource, values)
    _supporting_info(reader, resource, values)
    billable = resource.get("billablePeriod") or {}
    values["statement_from"] = reader.day(billable.get("start"), "Claim.billablePeriod.start")
    values["statement_to"] = reader.day(billable.get("end"), "Claim.billablePeriod.end")
    _frequency(reader, resource, values)
    if "total" in resource:
        values["total_charge_cents"] = reader.cents(resource["total"], "Claim.total")
    return values


def _claim_type(reader: Reader, resource: dict) -> str | None:
    claim_type = first_code(resource.get("type"), (codes.CLAIM_TYPE, None))
    if claim_type not in codes.SUPPORTED_CLAIM_TYPES:
        reader.add(
            edit_issue(
                "V004",
                f"Claim.type {claim_type!r} is not supported: Askes takes "
                "professional and institutional claims",
                "Claim.type",
            )
        )
    if resource.get("use") not in (None, "claim"):
        reader.add(
            edit_issue(
                "V004",
                f"Claim.use {resource['use']!r} is not supported: Askes "
                "takes claims, not preauthorizations or predeterminations",
                "Claim.use",
            )
        )
    return claim_type


def _focal_insurance(resource: dict) -> tuple[dict, int]:
    insurances = resource.get("insurance") or [{}]
    for index, insurance in enumerate(insurances):
        if insurance.get("focal"):
            return insurance, index
    return insurances[0], 0


def _coverage_and_patient(reader: Reader, resource: dict, values: dict) -> None:
    insurance, index = _focal_insurance(resource)
    at = f"Claim.insurance[{index}]"
    auths = insurance.get("preAuthRef") or []
    values["prior_authorization"] = reader.text(auths[0] if auths else None, 50, f"{at}.preAuthRef")
    coverage = reader.resolve(insurance.get("coverage"), "Coverage", f"{at}.coverage", "V053")
    coverage = coverage or {}
    subscriber = coverage.get("subscriberId")
    values["subscriber_member_number"] = reader.text(subscriber, 80, "Coverage.subscriberId")
    if coverage and not subscriber:
        reader.add(
            edit_issue(
                "V001",
                "the focal Coverage has no subscriberId (the subscriber's member number)",
                f"{at}.coverage",
            )
        )
    values["relationship_code"] = _relationship(coverage.get("relationship"))
    patient = reader.resolve(resource.get("patient"), "Patient", "Claim.patient", "V053") or {}
    member_number = _member_number(patient)
    if member_number is None and values["relationship_code"] == "18":
        member_number = subscriber
    values["patient_member_number"] = reader.text(member_number, 80, "Patient.identifier")
    _demographics(reader, patient, values)


def _relationship(relationship: dict | None) -> str:
    for coding in codings(relationship):
        if coding.get("system") == codes.X12_RELATIONSHIP and coding.get("code"):
            return coding["code"]
    fhir_code = first_code(relationship, (codes.SUBSCRIBER_RELATIONSHIP, None))
    return codes.RELATIONSHIP_TO_X12.get(fhir_code, "18")


def _member_number(patient: dict) -> str | None:
    for identifier in patient.get("identifier") or []:
        typed_mb = has_code(identifier.get("type"), codes.V2_0203, "MB")
        if typed_mb or identifier.get("system") == codes.MEMBER_NUMBER or patient.get("_logical"):
            return identifier.get("value")
    return None


def _demographics(reader: Reader, patient: dict, values: dict) -> None:
    names = patient.get("name") or []
    name = next((n for n in names if n.get("use") == "official"), names[0] if names else {})
    given = name.get("given") or []
    values["patient_first_name"] = reader.text(given[0] if given else None, 60, "Patient.name")
    values["patient_last_name"] = reader.text(name.get("family"), 60, "Patient.name.family")
    values["patient_birth_date"] = reader.day(patient.get("birthDate"), "Patient.birthDate")
    gender = patient.get("gender")
    values["patient_sex"] = codes.GENDER_TO_SEX.get(gender) if gender else None


def _providers(reader: Reader, resource: dict, values: dict) -> None:
    provider = reader.resolve(resource.get("provider"), "Organization", "Claim.provider", "V052")
    unresolved = provider is None and resource.get("provider") is not None  # already reported
    values["billing_provider_npi"] = reader.npi(
        provider, "Claim.provider", "V050", required=not unresolved
    )
    values["billing_provider_tax_id"] = _tax_id(reader, provider or {})
    facility = reader.resolve(resource.get("facility"), "Location", "Claim.facility", "V054")
    values["service_facility_npi"] = reader.npi(facility, "Claim.facility", "V003", quiet=True)
    team = reader.care_team(resource)
    rendering = reader.claim_rendering_member(resource)
    values["rendering_provider_npi"] = team.get(rendering, (None, None))[1]
    for role, name in (
        ("referring", "referring"),
        ("attending", "attending"),
        ("operating", "operating"),
    ):
        members = [
            npi for sequence, (member_role, npi) in sorted(team.items()) if member_role == role
        ]
        values[f"{name}_provider_npi"] = members[0] if members else None


def _tax_id(reader: Reader, provider: dict) -> str | None:
    for identifier in provider.get("identifier") or []:
        if identifier.get("system") == codes.TIN or has_code(identifier.get("type"), None, "TAX"):
            tax_id = (identifier.get("value") or "").replace("-", "")
            if not re.fullmatch(r"[0-9]{9}", tax_id):
                reader.add(
                    edit_issue(
                        "V003",
                        f"tax id {identifier.get('value')!r} is not 9 digits",
                        "Claim.provider",
                    )
                )
                return None
            return tax_id
    return None


SUPPORTING = {
    "typeofbill": "bill_type",
    "admissionperiod": "admission_date",
    "admtype": "admission_type_code",
    "discharge-status": "discharge_status",
    "discharge": "discharge_status",
}


def _supporting_info(reader: Reader, resource: dict, values: dict) -> None:
    for name in set(SUPPORTING.values()):
        values[name] = None
    for index, info in enumerate(resource.get("supportingInfo") or []):
        category = first_code(info.get("category"), None)
        field = SUPPORTING.get(category)
        at = f"Claim.supportingInfo[{index}]"
        if field == "admission_date":
            start = (info.get("timingPeriod") or {}).get("start") or info.get("timingDate")
            values[field] = reader.day(start, f"{at}.timingPeriod.start")
        elif field:
            values[field] = _supporting_code(reader, field, first_code(info.get("code"), None), at)


CODE_FORMATS = {
    "bill_type": (r"[0-9]{3,4}", 4),
    "admission_type_code": (r"[0-9]", 1),
    "discharge_status": (r"[0-9]{1,2}", 2),
}


def _supporting_code(reader: Reader, field: str, code: str | None, at: str) -> str | None:
    pattern, width = CODE_FORMATS[field]
    if code is None or not re.fullmatch(pattern, code):
        reader.add(edit_issue("V003", f"{at}.code {code!r} is not a valid {field}", f"{at}.code"))
        return None
    return code.rjust(width, "0")


def _frequency(reader: Reader, resource: dict, values: dict) -> None:
    original = None
    prior = False
    for related in resource.get("related") or []:
        if has_code(related.get("relationship"), None, "prior"):
            prior = True
            claim = related.get("claim") or {}
            original = (claim.get("identifier") or {}).get("value") or _claim_id(claim)
    values["original_claim_id"] = reader.text(original, 50, "Claim.related.claim")
    extension = next(
        (e for e in resource.get("extension") or [] if e.get("url") == codes.FREQUENCY_EXTENSION),
        None,
    )
    if extension and extension.get("valueCode"):
        values["frequency_code"] = extension["valueCode"][:1]
    elif values.get("bill_type"):
        values["frequency_code"] = values["bill_type"][-1]
    elif prior:
        values["frequency_code"] = "8" if resource.get("status") == "cancelled" else "7"
    else:
        values["frequency_code"] = "1"


def _claim_id(claim_reference: dict) -> str | None:
    literal = claim_reference.get("reference") or ""
    return literal.rsplit("/", 1)[-1] if literal.startswith("Claim/") else None


def _diagnoses(reader: Reader, resource: dict, values: dict) -> dict[int, int]:
    """diagnosis_codes in order, principal first; returns diagnosis sequence -> 1-based position."""
    entries = sorted(
        enumerate(resource.get("diagnosis") or []),
        key=lambda pair: (
            not has_code(pair[1].get("type"), None, "principal"),
            pair[1].get("sequence", 0),
        ),
    )
    diagnosis_codes, positions = [], {}
    for index, diagnosis in entries:
        types = [first_code(t, None) for t in diagnosis.get("type") or []]
        if types and set(types) == {"admitting"}:
            continue
        at = f"Claim.diagnosis[{index}]"
        code = _icd10(reader, diagnosis.get("diagnosisCodeableConcept"), at)
        if code:
            diagnosis_codes.append(code)
            positions[diagnosis.get("sequence")] = len(diagnosis_codes)
    values["diagnosis_codes"] = diagnosis_codes
    unreadable = any(issue.edit_code == "V010" for issue in reader.issues)
    if not diagnosis_codes and not unreadable:
        reader.add(edit_issue("V011", "the claim has no ICD-10-CM diagnosis", "Claim.diagnosis"))
    return positions


def _icd10(reader: Reader, concept: dict | None, at: str) -> str | None:
    code = first_code(concept, ICD_SYSTEMS)
    bare = (code or "").replace(".", "").upper()
    if not ICD10_PATTERN.fullmatch(bare):
        shown = code or (concept or {}).get("text")
        reader.add(
            edit_issue(
                "V010",
                f"{at}: {shown!r} is not an ICD-10-CM code",
                f"{at}.diagnosisCodeableConcept",
            )
        )
        return None
    return bare
