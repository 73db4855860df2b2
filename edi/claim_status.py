"""277CA (005010X214) claim acknowledgment writer.

One 277CA answers the claims of one received file: each claim is accepted into adjudication
(STC A2:20) or rejected with the STC of each validation edit it broke (backend/canonical/edits.py,
the one list every channel renders). Money is integer cents in, decimal dollars out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from itertools import groupby

from backend.canonical.edits import ACCEPTED, Edit
from edi.interchange import Parties, SetWriter, envelope
from edi.values import d8, dollars

VERSION = "005010X214"


@dataclass
class ClaimAcknowledgment:
    patient_control_number: str
    billing_provider_npi: str
    total_charge_cents: int
    service_from: date | None
    service_to: date | None
    patient_last_name: str | None = None
    patient_first_name: str | None = None
    member_number: str | None = None
    payer_claim_id: str | None = None  # our claim id (REF*1K), for accepted claims
    edits: list[Edit] = field(default_factory=list)  # empty: accepted

    @property
    def accepted(self) -> bool:
        return not self.edits


def _stc_code(edit: Edit) -> str:
    parts = [edit.stc_category, edit.stc_status]
    if edit.stc_entity:
        parts.append(edit.stc_entity)
    return ":".join(parts)


def write_277ca(
    claims: Iterable[ClaimAcknowledgment],
    parties: Parties,
    control_number: int,
    received: date,
    trace: str,
) -> str:
    """The 277CA interchange for `claims` (grouped by billing provider, in the order given)."""
    claims = list(claims)
    return "".join(
        envelope(
            parties,
            "HN",
            VERSION,
            [_set(claims, parties, received, trace)],
            control_number,
            control_number,
        )
    )


def _set(claims, parties: Parties, received: date, trace: str) -> list[list[str]]:
    today = parties.created.date()
    out = SetWriter("277", "0001", VERSION)
    out.add("BHT", "0085", "08", trace[:50], d8(today), parties.created.strftime("%H%M"), "TH")
    out.add("HL", "1", "", "20", "1")
    out.add("NM1", "PR", "2", parties.sender_name, "", "", "", "", "PI", parties.payer_id)
    out.add("TRN", "1", trace[:50])
    out.add("DTP", "050", "D8", d8(received))
    out.add("DTP", "009", "D8", d8(today))
    out.add("HL", "2", "1", "21", "1")
    out.add("NM1", "41", "2", parties.receiver_name, "", "", "", "", "46", parties.receiver_id)
    out.add("TRN", "2", trace[:50])
    accepted = [claim for claim in claims if claim.accepted]
    rejected = [claim for claim in claims if not claim.accepted]
    out.add("STC", "A1:19:PR", d8(today), "WQ", dollars(_total(claims)))
    out.add("QTY", "90", str(len(accepted)))
    out.add("QTY", "AA", str(len(rejected)))
    out.add("AMT", "YU", dollars(_total(accepted)))
    out.add("AMT", "YY", dollars(_total(rejected)))
    hl = 2
    for npi, group in groupby(claims, key=lambda claim: claim.billing_provider_npi):
        hl = _provider(out, hl, npi, list(group), today)
    return out.close()


def _total(claims) -> int:
    return sum(claim.total_charge_cents for claim in claims)


def _provider(out: SetWriter, hl: int, npi: str, claims, today: date) -> int:
    provider_hl = hl = hl + 1
    out.add("HL", str(hl), "2", "19", "1")
    out.add("NM1", "85", "2", "BILLING PROVIDER", "", "", "", "", "XX", npi or "0000000000")
    out.add("TRN", "1", npi or "0")
    accepted = [claim for claim in claims if claim.accepted]
    out.add("STC", "A1:19:85", "", "WQ", dollars(_total(claims)))
    out.add("QTY", "QA", str(len(accepted)))
    out.add("QTY", "QC", str(len(claims) - len(accepted)))
    out.add("AMT", "YU", dollars(_total(accepted)))
    out.add("AMT", "YY", dollars(_total(claims) - _total(accepted)))
    for claim in claims:
        hl += 1
        _patient(out, hl, provider_hl, claim, today)
    return hl


def _patient(out: SetWriter, hl: int, parent: int, claim: ClaimAcknowledgment, today: date):
    out.add("HL", str(hl), str(parent), "PT")
    out.add(
        "NM1",
        "QC",
        "1",
        claim.patient_last_name or "UNKNOWN",
        claim.patient_first_name or "",
        "",
        "",
        "",
        "MI",
        claim.member_number or "UNKNOWN",
    )
    out.add("TRN", "2", claim.patient_control_number or "UNKNOWN")
    amount = dollars(claim.total_charge_cents)
    if claim.accepted:
        out.add("STC", ":".join(ACCEPTED), d8(today), "WQ", amount)
    else:
        codes = list(dict.fromkeys(_stc_code(edit) for edit in claim.edits))
        first, extra = codes[0], codes[1:3]  # STC01 plus STC10/STC11 in one segment
        out.add("STC", first, d8(today), "U", amount, "", "", "", "", "", *extra)
        for more in range(3, len(codes), 3):
            out.add(
                "STC",
                codes[more],
                d8(today),
                "U",
                amount,
                "",
                "",
                "",
                "",
                "",
                *codes[more + 1 : more + 3],
            )
    if claim.payer_claim_id:
        out.add("REF", "1K", claim.payer_claim_id)
    start = claim.service_from or today
    end = claim.service_to or start
    if start == end:
        out.add("DTP", "472", "D8", d8(start))
    else:
        out.add("DTP", "472", "RD8", f"{d8(start)}-{d8(end)}")
