"""Production adjudication -> ClaimResponse and ExplanationOfBenefit (CARIN Blue Button).

Inputs are plain dicts whose keys are the columns of production.claim (`decision`, `*_cents`,
`network`, `adjudicated_at`, `member_id`, `coverage_span_id`, ...) and production.claim_line
(plus `adjustments` [{group, carc, amount_cents}] and `rarc_codes`), and the canonical claim as
staged. Money is integer cents in, decimal dollars out.
"""

from __future__ import annotations

from askes_fhir import codes
from askes_fhir.claim_out import claim_to_fhir, concept, money, payer_reference
from backend.canonical.claim import Claim
from backend.canonical.edits import EDITS

# (system, code, cents column) in the order a reader expects them
AMOUNTS = (
    (codes.ADJUDICATION, "submitted", "billed_cents"),
    (codes.ADJUDICATION, "eligible", "allowed_cents"),
    (codes.ADJUDICATION, "deductible", "deductible_cents"),
    (codes.ADJUDICATION, "copay", "copay_cents"),
    (codes.C4BB_ADJUDICATION, "coinsurance", "coinsurance_cents"),
    (codes.C4BB_ADJUDICATION, "noncovered", "noncovered_cents"),
    (codes.C4BB_ADJUDICATION, "discount", "contractual_adjustment_cents"),
    (codes.C4BB_ADJUDICATION, "memberliability", "patient_responsibility_cents"),
    (codes.ADJUDICATION, "benefit", "paid_cents"),
    (codes.C4BB_ADJUDICATION, "paidtoprovider", "paid_cents"),
)
# a secondary claim's: what the prior payer(s) paid of the allowed amount (OA-23)
PRIOR_PAYER = (codes.C4BB_ADJUDICATION, "priorpayerpaid", "prior_payer_cents")
OUTCOMES = {"paid": "complete", "denied": "complete", "pended": "queued"}


def claim_response(claim_id: int, claim: Claim, adjudicated: dict, lines: list[dict]) -> dict:
    """The ClaimResponse of an adjudicated claim (outcome complete, or queued while pended)."""
    notes = _process_notes(lines)
    response = _response_header(claim_id, claim, adjudicated["member_id"], adjudicated)
    response["outcome"] = OUTCOMES[adjudicated["decision"]]
    response["disposition"] = _disposition(adjudicated)
    response["item"] = [
        _item_adjudication({"itemSequence": line["line_number"]}, line, notes) for line in lines
    ]
    response["total"] = _totals(adjudicated)
    response["payment"] = _payment(adjudicated)
    if notes:
        response["processNote"] = _notes_resource(notes)
    return response


def pending_claim_response(claim_id: int, claim: Claim, member_id, received_at) -> dict:
    """The ClaimResponse of a claim received but not yet adjudicated: outcome queued."""
    response = _response_header(claim_id, claim, member_id, {"adjudicated_at": received_at})
    response["outcome"] = "queued"
    response["disposition"] = "received; waiting for adjudication"
    return response


def rejected_claim_response(claim_id: int, claim: Claim, member_id, failed_at, reasons) -> dict:
    """The ClaimResponse of a claim that failed validation: outcome error, one error per edit
    (`reasons`: dicts with edit_code, line_number, field, message)."""
    response = _response_header(claim_id, claim, member_id, {"adjudicated_at": failed_at})
    response["outcome"] = "error"
    response["disposition"] = "; ".join(reason["message"] for reason in reasons) or "rejected"
    response["error"] = [_error(reason) for reason in reasons]
    return response


def _response_header(claim_id: int, claim: Claim, member_id, adjudicated: dict) -> dict:
    created = adjudicated["adjudicated_at"]
    return {
        "resourceType": "ClaimResponse",
        "id": str(claim_id),
        "identifier": [{"system": codes.CLAIM_ID, "value": str(claim_id)}],
        "status": "active",
        "type": concept(codes.CLAIM_TYPE, claim.claim_type),
        "use": "claim",
        "patient": _patient_reference(member_id, claim),
        "created": created.isoformat(),
        "insurer": payer_reference(),
        "requestor": {"identifier": {"system": codes.NPI, "value": claim.billing_provider_npi}},
        "request": {"reference": f"Claim/{claim_id}"},
    }


def _patient_reference(member_id, claim: Claim) -> dict:
    if member_id is not None:
        return {"reference": f"Patient/{member_id}"}
    number = claim.patient_member_number or claim.subscriber_member_number
    return {"identifier": {"system": codes.MEMBER_NUMBER, "value": number}}


def _disposition(adjudicated: dict) -> str:
    if adjudicated["decision"] == "pended":
        return f"pended for review: {adjudicated.get('pend_reason') or 'no reason given'}"
    return adjudicated["decision"]


def _error(reason: dict) -> dict:
    edit = EDITS.get(reason["edit_code"])
    error = {"code": concept(codes.EDIT, reason["edit_code"], edit.summary if edit else None)}
    error["code"]["text"] = reason["message"]
    if reason.get("line_number"):
        error["itemSequence"] = reason["line_number"]
    return error


def _amounts(row: dict) -> list[dict]:
    secondary = row.get("prior_payer_cents") is not None
    return [
        {"category": concept(system, code), "amount": money(row.get(column) or 0)}
        for system, code, column in AMOUNTS + ((PRIOR_PAYER,) if secondary else ())
    ]


def _item_adjudication(item: dict, line: dict, notes: dict) -> dict:
    adjudications = _amounts(line)
    for adjustment in line.get("adjustments") or []:
        reason = concept(codes.CARC, adjustment["carc"])
        reason["text"] = f"{adjustment['group']}-{adjustment['carc']}"
        adjudications.append(
            {
                "category": concept(codes.C4BB_DISCRIMINATOR, "adjustmentreason"),
                "reason": reason,
                "amount": money(adjustment["amount_cents"]),
            }
        )
    if line["decision"] == "denied" and line.get("adjustments"):
        denial = next(
            (a for a in line["adjustments"] if a["group"] != "PR"), line["adjustments"][0]
        )
        adjudications.append(
            {
                "category": concept(codes.C4BB_DISCRIMINATOR, "denialreason"),
                "reason": concept(codes.CARC, denial["carc"]),
            }
        )
    item["adjudication"] = adjudications
    numbers = [notes[code] for code in line.get("rarc_codes") or []]
    if numbers:
        item["noteNumber"] = numbers
    return item


def _process_notes(lines: list[dict]) -> dict[str, int]:
    """RARC -> process note number, in first-seen order."""
    notes: dict[str, int] = {}
    for line in lines:
        for code in line.get("rarc_codes") or []:
            notes.setdefault(code, len(notes) + 1)
    return notes


def _notes_resource(notes: dict[str, int]) -> list[dict]:
    return [
        {"number": number, "type": "print", "text": f"Remittance advice remark code {code}"}
        for code, number in notes.items()
    ]


def _totals(adjudicated: dict) -> list[dict]:
    return _amounts(adjudicated)


def _payment(adjudicated: dict) -> dict:
    return {
        "type": concept(codes.PAYMENT_TYPE, "complete"),
        "date": adjudicated["adjudicated_at"].date().isoformat(),
        "amount": money(adjudicated["paid_cents"]),
    }


def explanation_of_benefit(
    claim_id: int, claim: Claim, adjudicated: dict, lines: list[dict], received_at
) -> dict:
    """The CARIN Blue Button ExplanationOfBenefit of an adjudicated claim."""
    source = claim_to_fhir(claim, claim_id)
    notes = _process_notes(lines)
    by_number = {line["line_number"]: line for line in lines}
    eob = {"resourceType": "ExplanationOfBenefit", "id": str(claim_id)}
    eob["meta"] = {"profile": [_profile(claim)]}
    eob["identifier"] = [
        {
            "type": concept(codes.C4BB_IDENTIFIER_TYPE, "uc"),
            "system": codes.CLAIM_ID,
            "value": str(claim_id),
        }
    ]
    eob["status"] = "active"
    eob["type"] = source["type"]
    if claim.claim_type == "institutional":
        eob["subType"] = concept(codes.C4BB_EOB_TYPE, _institutional_subtype(claim))
    eob["use"] = "claim"
    eob["patient"] = _patient_reference(adjudicated["member_id"], claim)
    eob["billablePeriod"] = {
        "start": adjudicated["service_from"].isoformat(),
        "end": adjudicated["service_to"].isoformat(),
    }
    eob["created"] = adjudicated["adjudicated_at"].isoformat()
    eob["insurer"] = payer_reference()
    eob["provider"] = {"reference": f"Organization/{adjudicated['billing_provider_id']}"}
    eob["claim"] = {"reference": f"Claim/{claim_id}"}
    eob["claimResponse"] = {"reference": f"ClaimResponse/{claim_id}"}
    eob["outcome"] = OUTCOMES[adjudicated["decision"]]
    eob["disposition"] = _disposition(adjudicated)
    for name in ("related", "careTeam"):
        if name in source:
            eob[name] = source[name]
    eob["supportingInfo"] = _eob_supporting_info(source, adjudicated, received_at)
    if "diagnosis" in source:
        eob["diagnosis"] = source["diagnosis"]
    eob["insurance"] = [{"focal": True, "coverage": _coverage_reference(claim, adjudicated)}]
    eob["item"] = [
        _item_adjudication(_eob_item(item), by_number[item["sequence"]], notes)
        for item in source["item"]
        if item["sequence"] in by_number
    ]
    eob["adjudication"] = [_network_status(adjudicated)]
    eob["total"] = _totals(adjudicated)
    eob["payment"] = _payment(adjudicated)
    if notes:
        eob["processNote"] = _notes_resource(notes)
    return eob


def _profile(claim: Claim) -> str:
    if claim.claim_type == "professional":
        return codes.PROFILE_EOB_PROFESSIONAL
    if _institutional_subtype(claim) == "inpatient":
        return codes.PROFILE_EOB_INPATIENT
    return codes.PROFILE_EOB_INSTITUTIONAL


def _institutional_subtype(claim: Claim) -> str:
    """Type of bill 0_1_ / 0_2_ (inpatient classifications) -> inpatient, else outpatient."""
    bill_type = claim.bill_type or ""
    return "inpatient" if len(bill_type) == 4 and bill_type[2] in "12" else "outpatient"


def _eob_item(item: dict) -> dict:
    kept = {key: value for key, value in item.items() if key != "detail"}
    for detail in item.get("detail") or []:
        kept.setdefault("detail", []).append(
            {"sequence": detail["sequence"], "productOrService": detail["productOrService"]}
        )
    return kept


def _eob_supporting_info(source: dict, adjudicated: dict, received_at) -> list[dict]:
    infos = [dict(info) for info in source.get("supportingInfo") or []]
    contracted = "contracted" if adjudicated["network"] == "in" else "noncontracted"
    infos.append(
        {
            "category": concept(codes.C4BB_SUPPORTING_INFO, "clmrecvddate"),
            "timingDate": received_at.date().isoformat(),
        }
    )
    infos.append(
        {
            "category": concept(codes.C4BB_SUPPORTING_INFO, "billingnetworkcontractingstatus"),
            "code": concept(codes.C4BB_PAYER_STATUS, contracted),
        }
    )
    for number, info in enumerate(infos, start=1):
        info["sequence"] = number
    return infos


def _coverage_reference(claim: Claim, adjudicated: dict) -> dict:
    if adjudicated.get("coverage_span_id"):
        return {"reference": f"Coverage/{adjudicated['coverage_span_id']}"}
    return {"identifier": {"system": codes.MEMBER_NUMBER, "value": claim.subscriber_member_number}}


def _network_status(adjudicated: dict) -> dict:
    status = "innetwork" if adjudicated["network"] == "in" else "outofnetwork"
    return {
        "category": concept(codes.C4BB_DISCRIMINATOR, "benefitpaymentstatus"),
        "reason": concept(codes.C4BB_PAYER_STATUS, status),
    }
