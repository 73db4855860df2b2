"""835 (005010X221A1) remittance writer: one transaction set per payee and payment.

Amounts are integer cents in the records and decimal dollars in the file. The writer checks that
everything balances before writing: for each line billed − Σ CAS = paid; each claim's paid is
the sum of its lines; the payment (BPR02) is the sum of the claims' paid less the provider-level
adjustments (PLB), and is never negative. A record that does not balance raises ValueError: an
unbalanced 835 is never written.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from itertools import groupby

from edi.interchange import Parties, SetWriter, envelope
from edi.values import d8, dollars, quantity_text

VERSION = "005010X221A1"
# CLP02: processed as primary, denied, reversal of a previous payment (the original claim taken
# back by a replacement or void: every amount negated, `reversal_of`)
CLAIM_STATUS = {"paid": "1", "denied": "4", "reversed": "22"}
SECONDARY = "2"  # CLP02: processed as secondary (its CAS carry OA-23, the prior payer's share)
PAYER_ADDRESS = ("1 PAYER PLAZA", "ANYTOWN", "NY", "10001")


@dataclass(frozen=True)
class Adjustment:
    group: str  # CAS01: CO, PR, OA, PI
    carc: str  # CAS02
    amount_cents: int  # CAS03


@dataclass
class RemittanceLine:
    line_number: int
    billed_cents: int
    paid_cents: int
    units: Decimal
    service_from: date
    service_to: date
    procedure_code: str | None = None
    modifiers: list[str] = field(default_factory=list)
    revenue_code: str | None = None
    allowed_cents: int | None = None
    adjustments: list[Adjustment] = field(default_factory=list)
    rarc_codes: list[str] = field(default_factory=list)
    line_control_number: str | None = None


@dataclass
class RemittanceClaim:
    claim_id: int  # our claim number: CLP07
    patient_control_number: str  # CLP01
    decision: str  # paid | denied
    claim_type: str
    frequency_code: str
    facility_code: str  # CLP08: place of service, or the bill type's first two digits
    member_number: str
    patient_last_name: str
    patient_first_name: str | None
    service_from: date
    service_to: date
    lines: list[RemittanceLine]
    # A claim adjudicated without line detail carries its amounts and CAS at the claim level.
    claim_billed_cents: int = 0
    claim_paid_cents: int = 0
    adjustments: list[Adjustment] = field(default_factory=list)
    secondary: bool = False  # another payer adjudicated it first: CLP02 2 when paid

    @property
    def billed_cents(self) -> int:
        return sum(line.billed_cents for line in self.lines) + self.claim_billed_cents

    @property
    def paid_cents(self) -> int:
        return sum(line.paid_cents for line in self.lines) + self.claim_paid_cents

    @property
    def patient_responsibility_cents(self) -> int:
        every = [*self.adjustments, *(a for line in self.lines for a in line.adjustments)]
        return sum(adjustment.amount_cents for adjustment in every if adjustment.group == "PR")


@dataclass(frozen=True)
class ProviderAdjustment:
    """A PLB adjustment: positive takes money back from the payment, negative adds to it."""

    reason: str  # PLB03-1: FB forward balance, WO overpayment recovery, L6 interest, ...
    reference: str  # PLB03-2
    amount_cents: int  # PLB04


@dataclass
class Payment:
    """One payment to one payee in one payment cycle."""

    payee_name: str
    payee_npi: str
    payee_tax_id: str | None
    payment_date: date
    trace_number: str  # TRN02: the check or EFT number
    claims: list[RemittanceClaim]
    provider_adjustments: list[ProviderAdjustment] = field(default_factory=list)

    @property
    def claims_paid_cents(self) -> int:
        return sum(claim.paid_cents for claim in self.claims)

    @property
    def total_cents(self) -> int:
        """BPR02: what the claims pay less the provider-level adjustments."""
        adjusted = sum(adjustment.amount_cents for adjustment in self.provider_adjustments)
        return self.claims_paid_cents - adjusted


def reversal_of(claim: RemittanceClaim) -> RemittanceClaim:
    """The remittance of a claim taken back (CLP02 22): the original's record with every amount
    and adjustment negated, so it still balances and the payment nets it off."""
    lines = [
        replace(
            line, billed_cents=-line.billed_cents, paid_cents=-line.paid_cents,
            allowed_cents=None if line.allowed_cents is None else -line.allowed_cents,
            adjustments=_negated(line.adjustments),
        )
        for line in claim.lines
    ]  # fmt: skip
    return replace(
        claim, decision="reversed", lines=lines, claim_billed_cents=-claim.claim_billed_cents,
        claim_paid_cents=-claim.claim_paid_cents, adjustments=_negated(claim.adjustments),
    )  # fmt: skip


def _negated(adjustments: list[Adjustment]) -> list[Adjustment]:
    return [replace(a, amount_cents=-a.amount_cents) for a in adjustments]


def check_balance(payment: Payment) -> None:
    if payment.total_cents < 0:
        raise ValueError(f"payment {payment.trace_number}: negative; carry it forward in a PLB")
    for claim in payment.claims:
        claim_level = sum(adjustment.amount_cents for adjustment in claim.adjustments)
        if claim.claim_billed_cents - claim_level != claim.claim_paid_cents:
            raise ValueError(f"claim {claim.claim_id}: claim-level amounts do not balance")
        for line in claim.lines:
            adjusted = sum(adjustment.amount_cents for adjustment in line.adjustments)
            if line.billed_cents - adjusted != line.paid_cents:
                raise ValueError(
                    f"claim {claim.claim_id} line {line.line_number}: billed {line.billed_cents}"
                    f" - adjustments {adjusted} != paid {line.paid_cents}"
                )


def write_835(payments: list[Payment], parties: Parties, control_number: int) -> str:
    """One 835 interchange with a transaction set per payment."""
    for payment in payments:
        check_balance(payment)
    sets = (_set(payment, parties, number) for number, payment in enumerate(payments, start=1))
    return "".join(envelope(parties, "HP", VERSION, sets, control_number, control_number))


def _set(payment: Payment, parties: Parties, number: int) -> list[list[str]]:
    out = SetWriter("835", f"{number:04d}", None)  # ST03 is not used in the 835 (pyx12's map)
    total, when = payment.total_cents, d8(payment.payment_date)
    if total > 0:
        out.add("BPR", "I", dollars(total), "C", "CHK", *[""] * 11, when)
    else:
        out.add("BPR", "H", "0", "C", "NON", *[""] * 11, when)
    out.add("TRN", "1", payment.trace_number, "1" + (parties.payer_id + "000000000")[:9])
    out.add("DTM", "405", when)
    line1, city, state, postal = PAYER_ADDRESS
    out.add("N1", "PR", parties.sender_name)
    out.add("N3", line1)
    out.add("N4", city, state, postal)
    out.add("PER", "BL", "PROVIDER SERVICES", "TE", "8005550100")
    out.add("N1", "PE", payment.payee_name[:60] or "PAYEE", "XX", payment.payee_npi)
    if payment.payee_tax_id:
        out.add("REF", "TJ", payment.payee_tax_id)
    claims = sorted(payment.claims, key=lambda claim: claim.facility_code)
    for header, (_facility, group) in enumerate(groupby(claims, lambda c: c.facility_code), 1):
        out.add("LX", str(header))
        for claim in group:
            _claim(out, claim)
    fiscal_period_end = d8(date(payment.payment_date.year, 12, 31))
    for plb in payment.provider_adjustments:
        reason = f"{plb.reason}:{plb.reference}"
        out.add("PLB", payment.payee_npi, fiscal_period_end, reason, dollars(plb.amount_cents))
    return out.close()


def _claim(out: SetWriter, claim: RemittanceClaim) -> None:
    out.add(
        "CLP",
        claim.patient_control_number,
        SECONDARY if claim.secondary and claim.decision == "paid" else CLAIM_STATUS[claim.decision],
        dollars(claim.billed_cents),
        dollars(claim.paid_cents),
        dollars(claim.patient_responsibility_cents),
        "12",
        str(claim.claim_id),
        claim.facility_code,
        claim.frequency_code,
    )
    _cas(out, claim.adjustments)
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
        claim.member_number,
    )
    out.add("DTM", "232", d8(claim.service_from))
    out.add("DTM", "233", d8(claim.service_to))
    for line in claim.lines:
        _line(out, claim, line)


def _line(out: SetWriter, claim: RemittanceClaim, line: RemittanceLine) -> None:
    if line.procedure_code:
        procedure = ":".join(["HC", line.procedure_code, *line.modifiers])
        revenue = line.revenue_code or ""
    else:
        procedure, revenue = f"NU:{line.revenue_code}", ""
    out.add(
        "SVC",
        procedure,
        dollars(line.billed_cents),
        dollars(line.paid_cents),
        revenue,
        quantity_text(line.units),
    )
    if line.service_from == line.service_to:
        out.add("DTM", "472", d8(line.service_from))
    else:
        out.add("DTM", "150", d8(line.service_from))
        out.add("DTM", "151", d8(line.service_to))
    _cas(out, line.adjustments)
    if line.line_control_number:
        out.add("REF", "6R", line.line_control_number)
    if line.allowed_cents is not None:
        out.add("AMT", "B6", dollars(line.allowed_cents))
    for rarc in line.rarc_codes:
        out.add("LQ", "HE", rarc)


def _cas(out: SetWriter, adjustments: list[Adjustment]) -> None:
    """CAS segments in adjustment order, one per run of a group, at most six reasons each."""
    for group, run in groupby(adjustments, key=lambda adjustment: adjustment.group):
        triplets = [value for a in run for value in (a.carc, dollars(a.amount_cents), "")]
        for start in range(0, len(triplets), 18):
            out.add("CAS", group, *triplets[start : start + 18])
