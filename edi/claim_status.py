"""277CA (005010X214) claim acknowledgment writer.

One 277CA answers the claims of one received file: each claim is accepted into adjudication
(STC A2:20) or rejected with the STC of each validation edit it broke (backend/canonical/edits.py,
the one list every channel renders). Money is integer cents in, decimal dollars out.

The counts and amounts of the file and of each billing provider come before their claims, so
`stream_277ca` takes them up front and reads the claims once, as they come: a file of any size is
written in bounded memory. `write_277ca` does the same for a list.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from itertools import groupby, islice

from backend.canonical.edits import ACCEPTED, Edit
from edi.interchange import (
    DEFAULT_DELIMITERS,
    Parties,
    envelope_head,
    envelope_tail,
    segment_text,
)
from edi.values import d8, dollars

VERSION = "005010X214"
SET_CONTROL_NUMBER = "0001"
CLAIMS_PER_CHUNK = 2_000


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


@dataclass(frozen=True)
class Totals:
    """Claims accepted and rejected, and their charges in cents (QTY 90/AA or QA/QC, AMT YU/YY)."""

    accepted: int = 0
    rejected: int = 0
    accepted_cents: int = 0
    rejected_cents: int = 0

    def __add__(self, other: Totals) -> Totals:
        return Totals(
            self.accepted + other.accepted,
            self.rejected + other.rejected,
            self.accepted_cents + other.accepted_cents,
            self.rejected_cents + other.rejected_cents,
        )

    @classmethod
    def of(cls, claims: Iterable[ClaimAcknowledgment]) -> Totals:
        totals = cls()
        for claim in claims:
            totals += _one(claim)
        return totals


def _one(claim: ClaimAcknowledgment) -> Totals:
    if claim.accepted:
        return Totals(1, 0, claim.total_charge_cents, 0)
    return Totals(0, 1, 0, claim.total_charge_cents)


@dataclass
class ProviderClaims:
    """One billing provider's part of a 277CA: its totals, then its claims in order (read once)."""

    billing_provider_npi: str
    totals: Totals
    claims: Iterable[ClaimAcknowledgment]


def write_277ca(
    claims: Iterable[ClaimAcknowledgment],
    parties: Parties,
    control_number: int,
    received: date,
    trace: str,
) -> str:
    """The 277CA interchange for `claims` (grouped by billing provider, in the order given)."""
    claims = list(claims)
    providers = [
        ProviderClaims(npi, Totals.of(group), group)
        for npi, group in (
            (npi, list(group))
            for npi, group in groupby(claims, key=lambda claim: claim.billing_provider_npi)
        )
    ]
    chunks = stream_277ca(Totals.of(claims), providers, parties, control_number, received, trace)
    return "".join(chunks)


def stream_277ca(
    file_totals: Totals,
    providers: Iterable[ProviderClaims],
    parties: Parties,
    control_number: int,
    received: date,
    trace: str,
) -> Iterator[str]:
    """The 277CA interchange as text chunks of about CLAIMS_PER_CHUNK claims each.

    `file_totals` and each provider's `totals` are written before the claims they count; the
    claims are checked against them as they pass (ValueError when they disagree, so a 277CA
    never states counts its claims contradict)."""
    yield envelope_head(parties, "HN", VERSION, control_number, control_number)
    out = _SetText()
    today = parties.created.date()
    _information_source(out, parties, file_totals, received, today, trace)
    hl, seen = 2, Totals()
    for provider in providers:
        hl, counted = yield from _provider(out, hl, provider, today)
        seen += counted
    if seen != file_totals:
        raise ValueError(f"the 277CA's claims add up to {seen}, not the file's {file_totals}")
    out.add("SE", str(out.count + 1), SET_CONTROL_NUMBER)
    yield out.take()
    yield envelope_tail(1, control_number, control_number)


class _SetText:
    """Segments of the one transaction set as text, counted for SE and taken in chunks."""

    def __init__(self):
        self.parts = [segment_text(["ST", "277", SET_CONTROL_NUMBER, VERSION])]
        self.count = 1

    def add(self, *elements: str) -> None:
        self.parts.append(segment_text(elements))
        self.count += 1

    def add_plain(self, segments: list[tuple[str, ...]]) -> None:
        """Segments that do not end with an empty element (written as they are)."""
        element, end = DEFAULT_DELIMITERS.element, DEFAULT_DELIMITERS.segment + "\n"
        self.parts.extend(element.join(segment) + end for segment in segments)
        self.count += len(segments)

    def take(self) -> str:
        text = "".join(self.parts)
        self.parts.clear()
        return text


def _information_source(out, parties: Parties, totals: Totals, received, today, trace) -> None:
    out.add("BHT", "0085", "08", trace[:50], d8(today), parties.created.strftime("%H%M"), "TH")
    out.add("HL", "1", "", "20", "1")
    out.add("NM1", "PR", "2", parties.sender_name, "", "", "", "", "PI", parties.payer_id)
    out.add("TRN", "1", trace[:50])
    out.add("DTP", "050", "D8", d8(received))
    out.add("DTP", "009", "D8", d8(today))
    out.add("HL", "2", "1", "21", "1")
    out.add("NM1", "41", "2", parties.receiver_name, "", "", "", "", "46", parties.receiver_id)
    out.add("TRN", "2", trace[:50])
    charges = totals.accepted_cents + totals.rejected_cents
    out.add("STC", "A1:19:PR", d8(today), "WQ", dollars(charges))
    out.add("QTY", "90", str(totals.accepted))
    out.add("QTY", "AA", str(totals.rejected))
    out.add("AMT", "YU", dollars(totals.accepted_cents))
    out.add("AMT", "YY", dollars(totals.rejected_cents))


def _provider(out: _SetText, hl: int, provider: ProviderClaims, today: date):
    """Writes one provider's loop, yielding text chunks; returns (last HL, what it counted)."""
    npi, totals = provider.billing_provider_npi, provider.totals
    provider_hl = hl = hl + 1
    out.add("HL", str(hl), "2", "19", "1")
    out.add("NM1", "85", "2", "BILLING PROVIDER", "", "", "", "", "XX", npi or "0000000000")
    out.add("TRN", "1", npi or "0")
    out.add("STC", "A1:19:85", "", "WQ", dollars(totals.accepted_cents + totals.rejected_cents))
    out.add("QTY", "QA", str(totals.accepted))
    out.add("QTY", "QC", str(totals.rejected))
    out.add("AMT", "YU", dollars(totals.accepted_cents))
    out.add("AMT", "YY", dollars(totals.rejected_cents))
    counted, day, claims = Totals(), d8(today), iter(provider.claims)
    while chunk := list(islice(claims, CLAIMS_PER_CHUNK)):
        for claim in chunk:
            if claim.billing_provider_npi != npi:
                raise ValueError(f"a claim of {claim.billing_provider_npi} among {npi}'s claims")
            hl += 1
            out.add_plain(_patient(hl, provider_hl, claim, today, day))
        counted += Totals.of(chunk)
        yield out.take()
    if counted != totals:
        raise ValueError(f"billing provider {npi}: the claims add up to {counted}, not {totals}")
    return hl, counted


def _stc_code(edit: Edit) -> str:
    parts = [edit.stc_category, edit.stc_status]
    if edit.stc_entity:
        parts.append(edit.stc_entity)
    return ":".join(parts)


def _patient(hl: int, parent: int, claim: ClaimAcknowledgment, today: date, day: str) -> list:
    """The claim's 2000D loop (`day` is `today` as D8); no segment ends with an empty element
    (empty values are replaced or the segment left out), so none needs trimming."""
    last, first = claim.patient_last_name or "UNKNOWN", claim.patient_first_name or ""
    amount = dollars(claim.total_charge_cents)
    segments = [
        ("HL", str(hl), str(parent), "PT"),
        ("NM1", "QC", "1", last, first, "", "", "", "MI", claim.member_number or "UNKNOWN"),
        ("TRN", "2", claim.patient_control_number or "UNKNOWN"),
    ]
    if claim.accepted:
        segments.append(("STC", ":".join(ACCEPTED), day, "WQ", amount))
    else:
        codes = list(dict.fromkeys(_stc_code(edit) for edit in claim.edits))
        # STC01 plus STC10 and STC11: three status codes per STC segment
        for first_code in range(0, len(codes), 3):
            more = codes[first_code + 1 : first_code + 3]
            stc = ("STC", codes[first_code], day, "U", amount)
            segments.append((*stc, "", "", "", "", "", *more) if more else stc)
    if claim.payer_claim_id:
        segments.append(("REF", "1K", claim.payer_claim_id))
    start = claim.service_from or today
    end = claim.service_to or start
    if start == end:
        segments.append(("DTP", "472", "D8", d8(start)))
    else:
        segments.append(("DTP", "472", "RD8", f"{d8(start)}-{d8(end)}"))
    return segments
