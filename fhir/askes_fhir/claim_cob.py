"""Coordination of benefits in a FHIR R4 Claim, both ways (docs/fhir.md, "Secondary claims").

R4's Claim.insurance has no paid amount. A payer that adjudicated the claim before us is a
`Claim.insurance` entry that is not `focal` and whose `sequence` is lower than the focal one's;
its `claimResponse` (Reference(ClaimResponse), "adjudication results" in R4) points at that
payer's ClaimResponse, contained or in the Bundle, which says what it paid: `payment.amount`,
else its `total` of category `benefit`, else the sum of its items' `benefit` adjudications.
Its header `adjudication` entries with a CARC `reason` are its claim-level adjustments and each
`item` (by `itemSequence`, our line number) gives the line's paid amount and adjustments. Money
is decimal dollars in FHIR, integer cents here.
"""

from __future__ import annotations

import re
from datetime import date

from askes_fhir import codes
from askes_fhir.outcome import edit_issue
from backend.canonical.claim import Claim

BENEFIT = "benefit"
PRIOR_PAYER_RESPONSE = "prior-payer"  # the contained ClaimResponse the outbound Claim carries
OTHER_PAYER = "the payer that adjudicated the claim first"
GROUP = re.compile(r"^(CO|CR|OA|PI|PR)-")  # an adjustment reason's text, "PR-1": R4 has no group


def read_other_payers(reader, resource: dict, values: dict) -> None:
    """Set values["other_payer_*"] (and the lines') from the insurances before the focal one."""
    insurances = [i for i in resource.get("insurance") or [] if isinstance(i, dict)]
    focal = next((i for i in insurances if i.get("focal")), None)
    ours = focal.get("sequence") if focal else None
    if not isinstance(ours, int):
        return
    prior = [
        (index, insurance)
        for index, insurance in enumerate(resource.get("insurance") or [])
        if isinstance(insurance, dict) and not insurance.get("focal")
        and isinstance(insurance.get("sequence"), int) and insurance["sequence"] < ours
    ]  # fmt: skip
    if not prior:
        return
    total, adjustments, lines = 0, [], {}
    for index, insurance in prior:
        at = f"Claim.insurance[{index}].claimResponse"
        response = _response(reader, insurance, at)
        if response is None:
            continue
        total += _paid(reader, response, at)
        adjustments += _adjustments(reader, response.get("adjudication"), f"{at}.adjudication")
        paid_on = reader.day((response.get("payment") or {}).get("date"), f"{at}.payment.date")
        for item in response.get("item") or []:
            line = lines.setdefault(item.get("itemSequence"), [0, [], paid_on])
            entries = item.get("adjudication") or []
            line[0] += _benefit(reader, entries, f"{at}.item.adjudication") or 0
            line[1] += _adjustments(reader, entries, f"{at}.item.adjudication")
    values["other_payer_paid_cents"] = total
    values["other_payer_adjustments"] = adjustments or None
    for claim_line in values.get("lines") or []:
        if claim_line.line_number in lines:
            paid, line_adjustments, paid_on = lines[claim_line.line_number]
            claim_line.other_payer_paid_cents = paid
            claim_line.other_payer_adjustments = line_adjustments or None
            claim_line.other_payer_paid_date = paid_on


def _response(reader, insurance: dict, at: str) -> dict | None:
    if insurance.get("claimResponse") is None:
        reader.add(
            edit_issue(
                "V001",
                f"{at} is required on an insurance before the focal one: the other payer's "
                "ClaimResponse says what it paid (coordination of benefits)",
                at,
            )
        )
        return None
    response = reader.resolve(insurance["claimResponse"], "ClaimResponse", at, "V053")
    if response is not None and response.get("resourceType") != "ClaimResponse":
        reader.add(edit_issue("V053", f"{at} does not name a ClaimResponse", at))
        return None
    return response


def _paid(reader, response: dict, at: str) -> int:
    payment = (response.get("payment") or {}).get("amount")
    if payment is not None:
        return _cents(reader, payment, f"{at}.payment.amount")
    benefit = _benefit(reader, response.get("total") or [], f"{at}.total")
    if benefit is not None:
        return benefit
    items = [item.get("adjudication") or [] for item in response.get("item") or []]
    return sum(_benefit(reader, entries, f"{at}.item.adjudication") or 0 for entries in items)


def _benefit(reader, entries: list, at: str) -> int | None:
    amounts = [
        _cents(reader, entry.get("amount"), f"{at}.amount")
        for entry in entries
        if _is(entry.get("category"), BENEFIT)
    ]
    return sum(amounts) if amounts else None


def _adjustments(reader, entries, at: str) -> list[dict]:
    found = []
    for entry in entries or []:
        carc = _carc(entry.get("reason"))
        if carc and entry.get("amount") is not None:
            cents = reader.cents(entry["amount"], f"{at}.amount")
            group = GROUP.match((entry.get("reason") or {}).get("text") or "")
            found.append({"group": group and group[1], "carc": carc, "amount_cents": cents})
    return found


def _cents(reader, money: dict | None, at: str) -> int:
    cents = reader.cents(money, at)
    if cents is not None and cents < 0:
        reader.add(edit_issue("V003", f"{at} is negative: a paid amount is 0 or more", at))
    return max(cents or 0, 0)


def _is(concept: dict | None, code: str) -> bool:
    return any(c.get("code") == code for c in (concept or {}).get("coding") or [])


def _carc(concept: dict | None) -> str | None:
    for coding in (concept or {}).get("coding") or []:
        if coding.get("system") == codes.CARC and coding.get("code"):
            return coding["code"]
    return None


def prior_insurance(claim: Claim) -> tuple[dict, dict] | None:
    """(the Claim.insurance entry of the prior payer, its contained ClaimResponse) of a
    secondary claim, or None when we are the primary payer."""
    if claim.other_payer_paid_cents is None:
        return None
    response = {
        "resourceType": "ClaimResponse", "id": PRIOR_PAYER_RESPONSE, "status": "active",
        "type": {"coding": [{"system": codes.CLAIM_TYPE, "code": claim.claim_type}]},
        "use": "claim", "patient": {"reference": "#patient"}, "created": _created(claim),
        "insurer": {"display": OTHER_PAYER}, "outcome": "complete",
        "payment": {"type": {"coding": [{"system": codes.PAYMENT_TYPE, "code": "complete"}]},
                    "amount": _money(claim.other_payer_paid_cents)},
    }  # fmt: skip
    if claim.other_payer_adjustments:
        response["adjudication"] = [_adjustment(a) for a in claim.other_payer_adjustments]
    items = [_item(line) for line in claim.lines if line.other_payer_paid_cents is not None]
    if items:
        response["item"] = items
    paid_on = {line.other_payer_paid_date for line in claim.lines} - {None}
    if len(paid_on) == 1:  # 837 2430 DTP*573, one date for the claim's lines
        response["payment"]["date"] = paid_on.pop().isoformat()
    insurance = {
        "sequence": 1, "focal": False,
        "coverage": {"display": f"coverage with {OTHER_PAYER}"},
        "claimResponse": {"reference": f"#{PRIOR_PAYER_RESPONSE}"},
    }  # fmt: skip
    return insurance, response


def _item(line) -> dict:
    adjudication = [{"category": _concept(codes.ADJUDICATION, BENEFIT),
                     "amount": _money(line.other_payer_paid_cents)}]  # fmt: skip
    adjudication += [_adjustment(a) for a in line.other_payer_adjustments or []]
    return {"itemSequence": line.line_number, "adjudication": adjudication}


def _adjustment(adjustment: dict) -> dict:
    reason = _concept(codes.CARC, adjustment["carc"])
    if adjustment.get("group"):
        reason["text"] = f"{adjustment['group']}-{adjustment['carc']}"
    return {
        "category": _concept(codes.C4BB_DISCRIMINATOR, "adjustmentreason"),
        "reason": reason,
        "amount": _money(adjustment["amount_cents"]),
    }


def _concept(system: str, code: str) -> dict:
    return {"coding": [{"system": system, "code": code}]}


def _money(cents: int) -> dict:
    return {"value": cents / 100, "currency": "USD"}


def _created(claim: Claim) -> str:
    dates = [line.other_payer_paid_date for line in claim.lines if line.other_payer_paid_date]
    start = claim.service_span()[0]
    known = max(dates) if dates else start
    return known.isoformat() if known else date.today().isoformat()
