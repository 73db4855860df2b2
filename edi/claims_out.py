"""Canonical Claims to 837P (005010X222A1) or 837I (005010X223A2), the inverse of claims_in.

parse(write(claims)) == claims for claims in canonical form (as intake stores them: a subscriber
patient carries their member number in patient_member_number; a line's place of service and
rendering provider are set only when they differ from the claim's). Data the model does not hold
but the guides require (addresses, the payer, the submitter) comes from `Parties` and
`PROVIDER_ADDRESS`. A dependent's subscriber is named with the patient's last name (the model keeps
no subscriber name: see docs/claim-model.md, Gaps).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import groupby, islice

from backend.canonical.claim import Claim, ClaimLine
from edi.interchange import Parties, SetWriter, envelope
from edi.values import d8, dollars, quantity_text

PROFESSIONAL = "005010X222A1"
INSTITUTIONAL = "005010X223A2"
CLAIMS_PER_SET = 1000
PROVIDER_ADDRESS = ("1 MAIN STREET", "ANYTOWN", "NY", "100010001")


def write_837(
    claims: Iterable[Claim],
    claim_type: str,
    parties: Parties | None = None,
    interchange_number: int = 1,
    claims_per_set: int = CLAIMS_PER_SET,
) -> Iterator[str]:
    """The text of one 837 interchange for `claims` (all of `claim_type`), streamed per
    transaction set of at most `claims_per_set` claims."""
    parties = parties or Parties()
    version = PROFESSIONAL if claim_type == "professional" else INSTITUTIONAL
    sets = (
        _transaction_set(chunk, claim_type, parties, number)
        for number, chunk in enumerate(_chunks(claims, claims_per_set), start=1)
    )
    yield from envelope(parties, "HC", version, sets, interchange_number, interchange_number)


def _chunks(claims: Iterable[Claim], size: int) -> Iterator[list[Claim]]:
    iterator = iter(claims)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _transaction_set(claims, claim_type, parties: Parties, number: int) -> list[list[str]]:
    version = PROFESSIONAL if claim_type == "professional" else INSTITUTIONAL
    out = SetWriter("837", f"{number:04d}", version)
    when = parties.created
    out.add("BHT", "0019", "00", f"{number:04d}", d8(when.date()), when.strftime("%H%M"), "CH")
    out.add("NM1", "41", "2", parties.sender_name, "", "", "", "", "46", parties.sender_id)
    out.add("PER", "IC", "EDI DESK", "TE", "8005550100")
    out.add("NM1", "40", "2", parties.receiver_name, "", "", "", "", "46", parties.payer_id)
    hl, billing = 0, None
    for claim in claims:
        key = (claim.billing_provider_npi, claim.billing_provider_tax_id)
        if key != billing:
            hl += 1
            billing_hl = hl
            _billing_provider(out, hl, claim)
            billing = key
        hl = _subscriber_and_claim(out, hl, billing_hl, claim, parties)
    return out.close()


def _billing_provider(out: SetWriter, hl: int, claim: Claim) -> None:
    line1, city, state, postal = PROVIDER_ADDRESS
    out.add("HL", str(hl), "", "20", "1")
    out.add("NM1", "85", "2", "BILLING PROVIDER", "", "", "", "", "XX", claim.billing_provider_npi)
    out.add("N3", line1)
    out.add("N4", city, state, postal)
    out.add("REF", "EI", claim.billing_provider_tax_id or "000000000")


def _subscriber_and_claim(out, hl: int, parent_hl: int, claim: Claim, parties: Parties) -> int:
    is_patient = claim.relationship_code == "18"
    hl += 1
    out.add("HL", str(hl), str(parent_hl), "22", "0" if is_patient else "1")
    payer_responsibility = "P" if claim.other_payer_paid_cents is None else "S"  # COB: 2320
    out.add("SBR", payer_responsibility, "18" if is_patient else "", "", "", "", "", "", "", "CI")
    if is_patient:
        _person(out, "IL", claim, claim.subscriber_member_number)
    else:
        out.add(
            "NM1",
            "IL",
            "1",
            claim.patient_last_name or "UNKNOWN",
            "",
            "",
            "",
            "",
            "MI",
            claim.subscriber_member_number,
        )
    out.add("NM1", "PR", "2", parties.receiver_name, "", "", "", "", "PI", parties.payer_id)
    if not is_patient:
        hl += 1
        out.add("HL", str(hl), str(hl - 1), "23", "0")
        out.add("PAT", claim.relationship_code)
        _person(out, "QC", claim, None)
    _claim(out, claim)
    return hl


def _person(out: SetWriter, entity: str, claim: Claim, member_number: str | None) -> None:
    line1, city, state, postal = PROVIDER_ADDRESS
    name = [claim.patient_last_name or "UNKNOWN", claim.patient_first_name or ""]
    identifier = ["", "", "", "MI", member_number] if member_number else []
    out.add("NM1", entity, "1", *name, *identifier)
    out.add("N3", line1)
    out.add("N4", city, state, postal[:5])
    if claim.patient_birth_date:
        out.add("DMG", "D8", d8(claim.patient_birth_date), claim.patient_sex or "U")


def _claim(out: SetWriter, claim: Claim) -> None:
    professional = claim.claim_type == "professional"
    if professional:
        place = f"{claim.place_of_service or '11'}:B:{claim.frequency_code}"
        out.add(
            "CLM",
            claim.patient_control_number,
            dollars(claim.total_charge_cents),
            "",
            "",
            place,
            "Y",
            "A",
            "Y",
            "Y",
        )
    else:
        bill_type = claim.bill_type or f"011{claim.frequency_code}"
        place = f"{bill_type[1:3]}:A:{claim.frequency_code}"
        out.add(
            "CLM",
            claim.patient_control_number,
            dollars(claim.total_charge_cents),
            "",
            "",
            place,
            "",
            "A",
            "Y",
            "Y",
        )
    _claim_dates(out, claim)
    if claim.prior_authorization:
        out.add("REF", "G1", claim.prior_authorization)
    if claim.original_claim_id:
        out.add("REF", "F8", claim.original_claim_id)
    _diagnoses(out, claim)
    _header_parties(out, claim)
    if claim.other_payer_paid_cents is not None:
        _other_payer(out, claim)
    for line in claim.lines:
        _line(out, claim, line)


def _claim_dates(out: SetWriter, claim: Claim) -> None:
    if claim.claim_type == "professional":
        if claim.admission_date:
            out.add("DTP", "435", "D8", d8(claim.admission_date))
        return
    start, end = claim.statement_from, claim.statement_to
    if start and end:
        out.add("DTP", "434", "RD8", f"{d8(start)}-{d8(end)}")
    if claim.admission_date:
        out.add("DTP", "435", "D8", d8(claim.admission_date))
    out.add("CL1", claim.admission_type_code or "", "", claim.discharge_status or "")


def _diagnoses(out: SetWriter, claim: Claim) -> None:
    """837P: one HI, principal first. 837I: the principal alone, then the others (12 a segment)."""
    if not claim.diagnosis_codes:
        return
    principal, *others = claim.diagnosis_codes
    codes = [f"ABF:{code}" for code in others]
    if claim.claim_type == "professional":
        out.add("HI", f"ABK:{principal}", *codes)
        return
    out.add("HI", f"ABK:{principal}")
    for start in range(0, len(codes), 12):
        out.add("HI", *codes[start : start + 12])


def _header_parties(out: SetWriter, claim: Claim) -> None:
    if claim.claim_type == "professional":
        order = (
            ("DN", claim.referring_provider_npi),
            ("82", claim.rendering_provider_npi),
            ("77", claim.service_facility_npi),
        )
    else:
        order = (
            ("71", claim.attending_provider_npi),
            ("72", claim.operating_provider_npi),
            ("82", claim.rendering_provider_npi),
            ("77", claim.service_facility_npi),
            ("DN", claim.referring_provider_npi),
        )
    for entity, npi in order:
        if npi:
            _provider(out, entity, npi)


def _provider(out: SetWriter, entity: str, npi: str) -> None:
    if entity == "77":
        line1, city, state, postal = PROVIDER_ADDRESS
        out.add("NM1", "77", "2", "SERVICE FACILITY", "", "", "", "", "XX", npi)
        out.add("N3", line1)
        out.add("N4", city, state, postal)
    else:
        out.add("NM1", entity, "1", "PROVIDER", "", "", "", "", "XX", npi)


def _procedure(qualifier: str, line: ClaimLine) -> str:
    return ":".join([qualifier, line.procedure_code or "", *line.modifiers]).rstrip(":")


def _line(out: SetWriter, claim: Claim, line: ClaimLine) -> None:
    out.add("LX", str(line.line_number))
    units = quantity_text(line.units)
    if claim.claim_type == "professional":
        pointers = ":".join(str(pointer) for pointer in line.diagnosis_pointers) or "1"
        out.add(
            "SV1",
            _procedure("HC", line),
            dollars(line.charge_cents),
            line.unit_basis,
            units,
            line.place_of_service or "",
            "",
            pointers,
        )
    else:
        procedure = _procedure("HC", line) if line.procedure_code else ""
        out.add(
            "SV2",
            line.revenue_code or "",
            procedure,
            dollars(line.charge_cents),
            line.unit_basis,
            units,
        )
    if line.service_from:
        end = line.service_to or line.service_from
        if end == line.service_from:
            out.add("DTP", "472", "D8", d8(line.service_from))
        else:
            out.add("DTP", "472", "RD8", f"{d8(line.service_from)}-{d8(end)}")
    if line.line_control_number:
        out.add("REF", "6R", line.line_control_number)
    if line.ndc_code:
        out.add("LIN", "", "N4", line.ndc_code)
        out.add("CTP", "", "", "", units, "UN")
    if line.rendering_provider_npi:
        out.add("NM1", "82", "1", "PROVIDER", "", "", "", "", "XX", line.rendering_provider_npi)
    if claim.other_payer_paid_cents is not None and line.other_payer_paid_cents is not None:
        _line_adjudication(out, claim, line)


OTHER_PAYER_ID = "OTHERPAYER"  # 2330B NM109 / 2430 SVD01: the canonical claim keeps no payer id


def _other_payer(out: SetWriter, claim: Claim) -> None:
    """Loops 2320 (the payer before us: its adjustments and what it paid), 2330A and 2330B."""
    out.add("SBR", "P", "18", "", "", "", "", "", "", "CI")
    _cas(out, claim.other_payer_adjustments)
    out.add("AMT", "D", dollars(claim.other_payer_paid_cents))
    out.add("OI", "", "", "Y", "P", "", "Y")
    name = [claim.patient_last_name or "UNKNOWN", claim.patient_first_name or ""]
    out.add("NM1", "IL", "1", *name, "", "", "", "MI", claim.subscriber_member_number)
    out.add("NM1", "PR", "2", "OTHER PAYER", "", "", "", "", "PI", OTHER_PAYER_ID)


def _line_adjudication(out: SetWriter, claim: Claim, line: ClaimLine) -> None:
    """Loop 2430: what the other payer paid on the line, its adjustments and when."""
    units = quantity_text(line.units)
    if claim.claim_type == "professional":
        out.add("SVD", OTHER_PAYER_ID, dollars(line.other_payer_paid_cents),
                _procedure("HC", line), "", units)  # fmt: skip
    else:
        procedure = _procedure("HC", line) if line.procedure_code else ""
        out.add("SVD", OTHER_PAYER_ID, dollars(line.other_payer_paid_cents), procedure,
                line.revenue_code or "", units)  # fmt: skip
    _cas(out, line.other_payer_adjustments)
    paid_on = line.other_payer_paid_date or line.service_from or claim.service_span()[0]
    if paid_on:
        out.add("DTP", "573", "D8", d8(paid_on))


def _cas(out: SetWriter, adjustments: list[dict] | None) -> None:
    """CAS segments, one per run of a group (OA when the group was not sent), six reasons each."""
    rows = [(a.get("group") or "OA", a["carc"], a["amount_cents"]) for a in adjustments or []]
    for group, run in groupby(rows, key=lambda row: row[0]):
        run = list(run)
        for start in range(0, len(run), 6):
            triplets = [
                v for _g, carc, cents in run[start : start + 6] for v in (carc, dollars(cents), "")
            ]
            out.add("CAS", group, *triplets[:-1])
