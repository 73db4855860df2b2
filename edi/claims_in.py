"""837P (005010X222A1/A2) and 837I (005010X223A2/A3) transaction sets to canonical Claims.

The mapping is docs/claim-model.md. Claims are found under the subscriber loop (2000B, patient is
the subscriber) and under the patient loop (2000C). Coordination of benefits: when the
subscriber's SBR01 (2000B) says we are not the primary payer (S, T, A-H), what the other payers
paid (2320 AMT*D, or when no payer sent one the 2430 SVD02 of the lines) and their adjustments
(2320 and 2430 CAS, 2430 DTP*573) are read; the rest of 2320/2330 is skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from backend.canonical.claim import Claim, ClaimLine
from edi.segments import Delimiters
from edi.values import cents, claim_type_of, parse_d8, parse_period, quantity

PRINCIPAL = ("ABK", "BK")
OTHER = ("ABF", "BF")
PROFESSIONAL_HEADER_PARTIES = {"82": "rendering", "DN": "referring", "77": "facility"}
INSTITUTIONAL_HEADER_PARTIES = {
    "82": "rendering",
    "DN": "referring",
    "77": "facility",
    "71": "attending",
    "72": "operating",
}
# SBR01 payer responsibility sequence codes that put another payer before us (U, unknown, does not)
NOT_PRIMARY = frozenset("STABCDEFGH")
PARTY_FIELD = {
    "rendering": "rendering_provider_npi",
    "referring": "referring_provider_npi",
    "facility": "service_facility_npi",
    "attending": "attending_provider_npi",
    "operating": "operating_provider_npi",
}


@dataclass
class ParsedClaim:
    claim: Claim
    set_position: int  # 1-based position of the CLM segment in its transaction set (ST = 1)


def _get(segment: list[str], index: int) -> str:
    return segment[index] if index < len(segment) else ""


class _Person:
    __slots__ = ("member_number", "first_name", "last_name", "birth_date", "sex", "relationship")

    def __init__(self):
        self.member_number = self.first_name = self.last_name = None
        self.birth_date = self.sex = None
        self.relationship = None


def parse_claims(
    segments: list[list[str]], version: str, delimiters: Delimiters
) -> Iterator[ParsedClaim]:
    """Claims of one 837 transaction set (segments ST..SE, as split by the envelope reader).

    Raises ValueError (with the segment position) on values the mapping cannot read; a set that
    passed validation never does."""
    claim_type = claim_type_of(version)
    if claim_type is None:
        raise ValueError(f"{version} is not an 837P or 837I implementation guide")
    parser = _ClaimParser(claim_type, delimiters.component)
    for position, segment in enumerate(segments, start=1):
        try:
            finished = parser.feed(segment, position)
        except (ValueError, IndexError, ArithmeticError) as error:
            raise ValueError(f"segment {position} ({segment[0]}): {error}") from error
        if finished is not None:
            yield finished
    if parser.claim is not None:
        yield parser.finish()


class _ClaimParser:
    def __init__(self, claim_type: str, component: str):
        self.claim_type = claim_type
        self.component = component
        self.parties = (
            PROFESSIONAL_HEADER_PARTIES
            if claim_type == "professional"
            else INSTITUTIONAL_HEADER_PARTIES
        )
        self.billing_npi = self.billing_tax_id = None
        self.subscriber = _Person()
        self.patient: _Person | None = None
        self.person: _Person | None = None  # whose NM1/DMG we are reading
        self.level = None  # HL03 of the current level
        self.claim: Claim | None = None
        self.claim_position = 0
        self.line: ClaimLine | None = None
        self.in_other_payer = False  # inside 2320/2330: NM1s there are not ours
        self.in_line_loop = None  # "provider" when in 2420
        self.payer_sequence = "P"  # 2000B SBR01: our place among the payers
        self.in_line_adjudication = False  # inside 2430 (SVD)
        self.read_other_payer = False

    def feed(self, segment: list[str], position: int) -> ParsedClaim | None:
        tag = segment[0]
        handler = getattr(self, "_" + tag, None)
        if tag in ("HL", "CLM") and self.claim is not None:
            finished = self.finish()
            handler(segment, position)
            return finished
        if handler is not None:
            handler(segment, position)
        return None

    def finish(self) -> ParsedClaim:
        claim, self.claim, self.line = self.claim, None, None
        if self.read_other_payer or self.payer_sequence in NOT_PRIMARY:
            _settle_other_payers(claim, self.payer_sequence in NOT_PRIMARY)
        return ParsedClaim(claim, self.claim_position)

    # hierarchy
    def _HL(self, segment, _position):
        self.level = _get(segment, 3)
        self.in_other_payer = False
        if self.level == "20":
            self.billing_npi = self.billing_tax_id = None
            self.subscriber, self.patient = _Person(), None
        elif self.level == "22":
            self.subscriber, self.patient = _Person(), None
            self.person = self.subscriber
        elif self.level == "23":
            self.patient = _Person()
            self.person = self.patient

    def _SBR(self, segment, _position):
        if self.claim is not None:
            self.in_other_payer = True
        elif self.level == "22":
            self.subscriber.relationship = _get(segment, 2) or None
            self.payer_sequence = _get(segment, 1) or "P"

    def _PAT(self, segment, _position):
        if self.patient is not None:
            self.patient.relationship = _get(segment, 1) or None

    def _NM1(self, segment, _position):
        entity = _get(segment, 1)
        if self.claim is None:
            self._party_before_claim(entity, segment)
        elif not self.in_other_payer:
            self._party_in_claim(entity, segment)

    def _party_before_claim(self, entity, segment):
        if entity == "85":
            self.billing_npi = _get(segment, 9) or None
        elif entity == "IL" and self.level == "22":
            self._name(self.subscriber, segment)
            self.subscriber.member_number = _get(segment, 9) or None
        elif entity == "QC" and self.patient is not None:
            self._name(self.patient, segment)
        if entity not in ("IL", "QC"):
            self.person = None
        elif entity == "IL":
            self.person = self.subscriber

    @staticmethod
    def _name(person: _Person, segment):
        person.last_name = _get(segment, 3) or None
        person.first_name = _get(segment, 4) or None

    def _party_in_claim(self, entity, segment):
        npi = _get(segment, 9) or None
        if self.line is not None:
            if entity == "82" and npi != self.claim.rendering_provider_npi:
                self.line.rendering_provider_npi = npi
            return
        party = self.parties.get(entity)
        if party is not None and getattr(self.claim, PARTY_FIELD[party]) is None:
            setattr(self.claim, PARTY_FIELD[party], npi)

    def _REF(self, segment, _position):
        qualifier, value = _get(segment, 1), _get(segment, 2)
        if self.claim is None:
            if qualifier in ("EI", "SY") and self.level == "20" and self.billing_tax_id is None:
                digits = value.replace("-", "")  # "10-1234567" is EIN 101234567, not 10-123456
                self.billing_tax_id = digits if digits.isdigit() else value
        elif self.in_other_payer:
            return
        elif self.line is not None:
            if qualifier == "6R":
                self.line.line_control_number = value
        elif qualifier == "F8":
            self.claim.original_claim_id = value
        elif qualifier == "G1":
            self.claim.prior_authorization = value

    def _DMG(self, segment, _position):
        if self.claim is None and self.person is not None and _get(segment, 1) == "D8":
            self.person.birth_date = parse_d8(_get(segment, 2))
            self.person.sex = _get(segment, 3) or None

    # claim
    def _CLM(self, segment, position):
        self.claim_position = position
        self.line, self.in_other_payer, self.in_line_adjudication = None, False, False
        self.read_other_payer = False  # a 2320/2430 amount was read for this claim
        place, _qualifier, frequency = (_get(segment, 5).split(self.component) + ["", ""])[:3]
        professional = self.claim_type == "professional"
        self.claim = claim = Claim(
            claim_type=self.claim_type,
            patient_control_number=segment[1],
            subscriber_member_number=self.subscriber.member_number or "",
            billing_provider_npi=self.billing_npi or "",
            billing_provider_tax_id=self.billing_tax_id,
            total_charge_cents=cents(segment[2]),
            diagnosis_codes=[],
            lines=[],
            frequency_code=frequency or "1",
            place_of_service=(place or None) if professional else None,
            bill_type=None if professional else f"0{place}{frequency}",
        )
        self._fill_patient(claim)

    def _fill_patient(self, claim: Claim) -> None:
        subscriber, patient = self.subscriber, self.patient
        if patient is None:
            claim.relationship_code = subscriber.relationship or "18"
            claim.patient_member_number = (
                subscriber.member_number if claim.relationship_code == "18" else None
            )
            patient = subscriber
        else:
            claim.relationship_code = patient.relationship or "21"
        claim.patient_first_name, claim.patient_last_name = patient.first_name, patient.last_name
        claim.patient_birth_date, claim.patient_sex = patient.birth_date, patient.sex

    def _DTP(self, segment, _position):
        if self.in_line_adjudication and _get(segment, 1) == "573":  # read_other_payer is set
            self.line.other_payer_paid_date = parse_period(_get(segment, 2), _get(segment, 3))[0]
        if self.claim is None or self.in_other_payer:
            return
        qualifier, form, value = _get(segment, 1), _get(segment, 2), _get(segment, 3)
        if self.line is not None:
            if qualifier == "472":
                self.line.service_from, self.line.service_to = parse_period(form, value)
        elif qualifier == "434":
            self.claim.statement_from, self.claim.statement_to = parse_period(form, value)
        elif qualifier == "435":
            self.claim.admission_date = parse_period(form, value)[0]

    def _CL1(self, segment, _position):
        if self.claim is not None:
            self.claim.admission_type_code = _get(segment, 1) or None
            self.claim.discharge_status = _get(segment, 3) or None

    def _HI(self, segment, _position):
        if self.claim is None or self.in_other_payer:
            return
        for composite in segment[1:]:
            qualifier, _, code = composite.partition(self.component)
            code = code.split(self.component)[0]
            if qualifier in PRINCIPAL:
                self.claim.diagnosis_codes.insert(0, code)
            elif qualifier in OTHER:
                self.claim.diagnosis_codes.append(code)

    # lines
    def _LX(self, segment, _position):
        if self.claim is None:
            return
        self.in_other_payer = self.in_line_adjudication = False
        self.line = ClaimLine(line_number=int(segment[1]), charge_cents=0, units=quantity("0"))
        self.claim.lines.append(self.line)

    def _SV1(self, segment, _position):
        line = self.line
        procedure = _get(segment, 1).split(self.component)
        self._procedure(line, procedure)
        line.charge_cents = cents(segment[2])
        line.unit_basis = _get(segment, 3) or "UN"
        line.units = quantity(_get(segment, 4) or "0")
        place = _get(segment, 5)
        line.place_of_service = place if place and place != self.claim.place_of_service else None
        pointers = _get(segment, 7)
        line.diagnosis_pointers = [int(p) for p in pointers.split(self.component) if p]

    def _SV2(self, segment, _position):
        line = self.line
        line.revenue_code = _get(segment, 1) or None
        procedure = _get(segment, 2)
        if procedure:
            self._procedure(line, procedure.split(self.component))
        line.charge_cents = cents(segment[3])
        line.unit_basis = _get(segment, 4) or "UN"
        line.units = quantity(_get(segment, 5) or "0")

    @staticmethod
    def _procedure(line: ClaimLine, composite: list[str]) -> None:
        line.procedure_code = composite[1] if len(composite) > 1 and composite[1] else None
        line.modifiers = [modifier for modifier in composite[2:6] if modifier]

    def _LIN(self, segment, _position):
        if self.line is not None and _get(segment, 2) == "N4":
            self.line.ndc_code = _get(segment, 3) or None

    # coordination of benefits: other payers' adjudication (2320 claim level, 2430 line level)
    def _SVD(self, segment, _position):
        self.in_other_payer = True  # 2430 line adjudication: other payers' data
        if self.line is None:
            return
        self.in_line_adjudication = self.read_other_payer = True
        self.line.other_payer_paid_cents = (self.line.other_payer_paid_cents or 0) + cents(
            _get(segment, 2) or "0"
        )

    def _AMT(self, segment, _position):
        other_payer = self.claim is not None and self.line is None and self.in_other_payer
        if other_payer and _get(segment, 1) == "D":  # 2320 payer paid amount
            self.read_other_payer = True
            paid = self.claim.other_payer_paid_cents or 0
            self.claim.other_payer_paid_cents = paid + cents(_get(segment, 2))

    def _CAS(self, segment, _position):
        if self.claim is None or not self.in_other_payer:
            return
        target = self.line if self.in_line_adjudication else self.claim
        if self.line is not None and not self.in_line_adjudication:
            return
        self.read_other_payer = True
        adjustments = target.other_payer_adjustments or []
        group = _get(segment, 1)
        for start in range(2, min(len(segment), 20), 3):  # up to six reason, amount, quantity
            if _get(segment, start) and _get(segment, start + 1):
                amount = cents(_get(segment, start + 1))
                adjustments.append({"group": group, "carc": segment[start], "amount_cents": amount})
        target.other_payer_adjustments = adjustments


def _settle_other_payers(claim: Claim, secondary: bool) -> None:
    """A secondary claim's other-payer paid amount: the 2320 AMT*D total, else the lines' SVD02
    total, else 0 (the other payer paid nothing); a primary claim keeps none of it."""
    if not secondary:
        claim.other_payer_paid_cents = claim.other_payer_adjustments = None
        for line in claim.lines:
            line.other_payer_paid_cents = line.other_payer_adjustments = None
            line.other_payer_paid_date = None
        return
    if claim.other_payer_paid_cents is None:
        paid = [line.other_payer_paid_cents for line in claim.lines]
        claim.other_payer_paid_cents = sum(p for p in paid if p is not None)
