"""The one list of claim edits. Every channel renders these and only these, so one claim never
gets two different stories:

- the pipeline's validation stage records them on failed claims (production.failed_claim_reason);
- the EDI gateway renders a validation edit as a 277CA STC (category, status, entity) and the
  adjudication ones as 835 CAS/LQ (CARC group and reason, RARC);
- the FHIR gateway renders them as OperationOutcome issues (`fhir_issue` is the issue code) or
  ClaimResponse errors / adjudication reasons.

`stage` says what a finding does: "validation" rejects the claim before adjudication (277CA
A6/A7, a failed claim, never paid or denied); "adjudication" denies the claim or line with the CARC.
Status codes are from the X12 Health Care Claim Status Code list (external code source 508),
CARC from list 139, RARC from list 411.
"""

from __future__ import annotations

from dataclasses import dataclass

VALIDATION = "validation"
ADJUDICATION = "adjudication"

REJECTED_MISSING = "A6"  # Acknowledgement/Rejected for Missing Information
REJECTED_INVALID = "A7"  # Acknowledgement/Rejected for Invalid Information
ACCEPTED = (
    "A2",
    "20",
)  # Acknowledgement/Acceptance into adjudication system; Accepted for processing


@dataclass(frozen=True)
class Edit:
    code: str
    summary: str
    stage: str
    level: str  # "claim" or "line"
    field: str | None  # the canonical field at fault (docs/claim-model.md)
    carc: str  # CO-group reason when the finding denies (and on 835s for rejected data)
    rarc: str | None
    stc_category: str
    stc_status: str
    stc_entity: str | None  # STC01-3 entity identifier code, when the status needs one
    fhir_issue: str  # OperationOutcome.issue.code


def _validation(code, summary, level, field, stc, carc="16", rarc=None, fhir="value", entity=None):
    category, status = stc
    return Edit(code, summary, VALIDATION, level, field, carc, rarc, category, status, entity, fhir)


def _adjudication(code, summary, level, field, carc, rarc=None, status="88", entity="QC"):
    return Edit(
        code, summary, ADJUDICATION, level, field, carc, rarc, "F2", status, entity, "business-rule"
    )


MISSING = (REJECTED_MISSING, "21")

_ALL = (
    # Required data and code sets
    _validation(
        "V001", "A required field is missing", "claim", None, MISSING, rarc="MA130", fhir="required"
    ),
    _validation(
        "V002",
        "A required line field is missing",
        "line",
        None,
        MISSING,
        rarc="MA130",
        fhir="required",
    ),
    # Intake-level: the claim as sent cannot be read (FHIR 400s; EDI would answer with a 999)
    _validation(
        "V003",
        "A value is malformed: wrong type or format, or an element the format does not define",
        "claim",
        None,
        (REJECTED_INVALID, "21"),
        fhir="structure",
    ),
    _validation(
        "V004",
        "Claim type or use is not supported (only professional and institutional claims)",
        "claim",
        "claim_type",
        (REJECTED_INVALID, "21"),
        fhir="not-supported",
    ),
    _validation(
        "V054",
        "A reference to a party of the claim does not resolve",
        "claim",
        None,
        (REJECTED_INVALID, "21"),
        fhir="not-found",
    ),
    _validation(
        "V010",
        "Diagnosis code is not a valid billable ICD-10-CM code",
        "claim",
        "diagnosis_codes",
        (REJECTED_INVALID, "255"),
        rarc="M76",
        fhir="code-invalid",
    ),
    _validation(
        "V011",
        "Principal diagnosis is missing",
        "claim",
        "diagnosis_codes",
        (REJECTED_MISSING, "254"),
        rarc="M76",
        fhir="required",
    ),
    _validation(
        "V012",
        "Diagnosis pointer does not name a diagnosis of the claim",
        "line",
        "diagnosis_pointers",
        (REJECTED_INVALID, "477"),
        rarc="M76",
    ),
    _validation(
        "V020",
        "Procedure code is not in the fee schedule in force on the date of service",
        "line",
        "procedure_code",
        (REJECTED_INVALID, "454"),
        carc="181",
        rarc="M51",
        fhir="code-invalid",
    ),
    _validation(
        "V021",
        "Modifier is not recognised",
        "line",
        "modifiers",
        (REJECTED_INVALID, "453"),
        carc="4",
        rarc="N519",
        fhir="code-invalid",
    ),
    _validation(
        "V022",
        "Units of service must be greater than zero",
        "line",
        "units",
        (REJECTED_INVALID, "476"),
        rarc="M53",
    ),
    _validation(
        "V023",
        "Place of service is not a valid CMS place-of-service code",
        "claim",
        "place_of_service",
        (REJECTED_INVALID, "249"),
        carc="5",
        rarc="M77",
        fhir="code-invalid",
    ),
    _validation(
        "V024",
        "Revenue code is required on institutional lines",
        "line",
        "revenue_code",
        (REJECTED_MISSING, "455"),
        rarc="M50",
        fhir="required",
    ),
    _validation(
        "V025",
        "Type of bill is required on institutional claims",
        "claim",
        "bill_type",
        (REJECTED_MISSING, "228"),
        rarc="MA30",
        fhir="required",
    ),
    # Dates
    _validation(
        "V030",
        "Service from date is after the service to date",
        "claim",
        "statement_from",
        (REJECTED_INVALID, "187"),
        fhir="invariant",
    ),
    _validation(
        "V031",
        "Line service dates are outside the claim's service period",
        "line",
        "service_from",
        (REJECTED_INVALID, "187"),
        fhir="invariant",
    ),
    _validation(
        "V032",
        "Service date is in the future",
        "line",
        "service_from",
        (REJECTED_INVALID, "187"),
        fhir="invariant",
    ),
    _validation(
        "V033",
        "Patient's birth date is after the date of service",
        "claim",
        "patient_birth_date",
        (REJECTED_INVALID, "158"),
        fhir="invariant",
        entity="QC",
    ),
    # Money
    _validation(
        "V040",
        "Line charge must be greater than zero",
        "line",
        "charge_cents",
        (REJECTED_INVALID, "178"),
    ),
    _validation(
        "V041",
        "Claim total does not equal the sum of the line charges",
        "claim",
        "total_charge_cents",
        (REJECTED_INVALID, "400"),
        fhir="invariant",
    ),
    # Parties
    _validation(
        "V050",
        "Billing provider NPI fails the check digit",
        "claim",
        "billing_provider_npi",
        (REJECTED_INVALID, "562"),
        rarc="N257",
        entity="85",
    ),
    _validation(
        "V051",
        "Rendering provider NPI fails the check digit",
        "claim",
        "rendering_provider_npi",
        (REJECTED_INVALID, "562"),
        rarc="N290",
        entity="82",
    ),
    _validation(
        "V052",
        "Billing provider is not known to the payer",
        "claim",
        "billing_provider_npi",
        (REJECTED_INVALID, "562"),
        carc="B7",
        rarc="N257",
        fhir="not-found",
        entity="85",
    ),
    _validation(
        "V053",
        "Subscriber / member id is not known to the payer",
        "claim",
        "subscriber_member_number",
        (REJECTED_INVALID, "33"),
        carc="31",
        fhir="not-found",
        entity="IL",
    ),
    _validation(
        "V055",
        "Patient does not match a member of the subscriber's family (relationship, name, birth date"
        " or member id)",
        "claim",
        "patient_member_number",
        (REJECTED_INVALID, "125"),  # Entity's name (QC: the patient)
        carc="31",
        fhir="not-found",
        entity="QC",
    ),
    _validation(
        "V056",
        "Patient matches more than one member of the subscriber's family",
        "claim",
        "patient_member_number",
        (REJECTED_INVALID, "125"),
        carc="31",
        fhir="multiple-matches",
        entity="QC",
    ),
    # Replacements and voids (frequency 7 / 8 name the original by its claim control number)
    _validation(
        "V070",
        "The original claim a replacement or void names is not one of this billing provider's"
        " adjudicated claims",
        "claim",
        "original_claim_id",
        (REJECTED_INVALID, "21"),
        carc="129",
        fhir="not-found",
    ),
    _validation(
        "V071",
        "The original claim was already replaced or voided",
        "claim",
        "original_claim_id",
        (REJECTED_INVALID, "21"),
        carc="129",
        fhir="conflict",
    ),
    _validation(
        "V072",
        "The original claim is still pending (not yet adjudicated, or pended for review)",
        "claim",
        "original_claim_id",
        (REJECTED_INVALID, "21"),
        carc="129",
        fhir="business-rule",
    ),
    # Clinical consistency
    _validation(
        "V060",
        "Procedure or diagnosis is inconsistent with the patient's sex",
        "line",
        "procedure_code",
        (REJECTED_INVALID, "474"),
        carc="7",
        fhir="business-rule",
    ),
    _validation(
        "V061",
        "Procedure or diagnosis is inconsistent with the patient's age",
        "line",
        "procedure_code",
        (REJECTED_INVALID, "475"),
        carc="6",
        fhir="business-rule",
    ),
    # Adjudication denials (the claim is accepted, then denied with the CARC)
    _adjudication("E026", "Service date is before coverage started", "line", "service_from", "26"),
    _adjudication("E027", "Service date is after coverage ended", "line", "service_from", "27"),
    _adjudication(
        "E242",
        "Provider is out of network and the plan has no out-of-network benefit",
        "claim",
        "billing_provider_npi",
        "242",
        rarc="N130",
        status="96",  # No agreement with entity
        entity="85",
    ),
    _adjudication(
        "E008",
        "Void: the original claim is reversed and nothing on this claim is payable",
        "line",
        "frequency_code",
        "129",
    ),
    _adjudication(
        "D018",
        "Duplicate of a claim or line already received",
        "line",
        None,
        "18",
        status="54",
        entity=None,
    ),
)

EDITS: dict[str, Edit] = {edit.code: edit for edit in _ALL}


def edit(code: str) -> Edit:
    """The edit with this code; KeyError for an unknown code (a programming error)."""
    return EDITS[code]
