"""The readable reference implementation of the claims pipeline: plain Python, Decimal money,
one claim at a time, one line at a time. The vectorized pipeline must equal it on every input
(workers/tests/test_pipeline_property.py); `askes bench pipeline` times it as the comparison.

It follows docs/pipeline.md and shares no code with workers/pipeline beyond the edit list and
the category and rule names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext

from backend.providers.npi import is_valid_npi

CENT = Decimal("0.01")
ASSISTANT_RULE = "assistant_surgeon"
E_M_OFFICE = range(99202, 99216)


@dataclass
class Line:
    line_number: int
    charge_cents: int
    units: Decimal
    procedure_code: str | None = None
    modifiers: list[str] = field(default_factory=list)
    revenue_code: str | None = None
    service_from: date | None = None
    service_to: date | None = None
    place_of_service: str | None = None
    max_pointer: int = 0
    rendering_npi: str | None = None


@dataclass
class Claim:
    claim_id: int
    received_us: int
    lines: list[Line]
    total_charge_cents: int
    diagnosis_codes: list[str]
    institutional: bool = False
    required_missing: bool = False
    member_id: int = 0  # 0: not known; -1 patient not matched; -2 ambiguous (intake's reasons)
    birth_date: date | None = None
    billing_provider_id: int = 0
    billing_npi: str | None = None
    rendering_npi: str | None = None
    rendering_provider_id: int = 0
    primary_care: bool = False
    locality: str = ""
    place_of_service: str | None = None
    bill_type: str | None = None
    statement_from: date | None = None
    statement_to: date | None = None
    original_state: int = 0  # arrays.Claims.original_state: 1 replaces, 5 voids, 2-4 refused
    other_payer_paid: int | None = None  # a secondary claim: cents the other payers paid


@dataclass
class FeeRow:
    code: str
    modifier: str  # "", "26" or "TC"
    effective_from: date
    effective_to: date | None
    work: Decimal
    pe_nonfacility: Decimal
    pe_facility: Decimal
    mp: Decimal
    status: str = "A"
    multiple_procedure: str = "0"
    bilateral: str = "0"


@dataclass
class GpciRow:
    locality: str
    effective_from: date
    effective_to: date | None
    work: Decimal
    pe: Decimal
    mp: Decimal


@dataclass
class Plan:
    plan_id: int
    deductible_in: int
    deductible_out: int
    oop_max_in: int
    oop_max_out: int
    coinsurance_in_bp: int
    coinsurance_out_bp: int
    out_of_network_covered: bool
    copays: dict[str, tuple[int, bool]] = field(default_factory=dict)  # category: (cents, before)
    family_deductible: int = 0  # in network; 0: no family limit
    family_oop_max: int = 0


@dataclass
class World:
    """Everything one run of the pipeline sees."""

    claims: list[Claim]
    fee_rows: list[FeeRow]
    gpci_rows: list[GpciRow]
    conversion_factors: list[tuple[date, date | None, Decimal]]
    icd_billable: set[str]
    places_of_service: dict[str, bool]  # code: is_facility
    modifiers: dict[str, str]  # code: pricing rule
    plans: dict[int, Plan]
    coverage: list[tuple[int, int, int, date, date | None]]  # member, span, plan, from, to
    network: list[tuple[int, int, date, date | None]]  # provider, plan, from, to
    accumulators: dict[tuple[int, int, int, bool], tuple[int, int]]  # -> (deductible, oop)
    prior_lines: set[tuple]  # duplicate keys already in production
    today: date
    families: dict[int, int] = field(default_factory=dict)  # member: subscriber; absent: self


@dataclass
class LineOutcome:
    decision: str = "paid"
    denial: str | None = None
    fee: int = 0
    allowed: int = 0
    deductible: int = 0
    coinsurance: int = 0
    copay: int = 0
    patient: int = 0
    paid: int = 0
    contractual: int = 0
    noncovered: int = 0
    prior_payer: int = 0  # OA-23 on a secondary claim


@dataclass
class ClaimOutcome:
    rejected: bool
    findings: list[tuple[int, str]]  # (line number or 0, edit code), sorted
    decision: str | None = None
    risk_score: float | None = None
    lines: dict[int, LineOutcome] = field(default_factory=dict)


def adjudicate(world: World, risk_threshold: float = 0.5) -> tuple[dict, dict]:
    """Outcomes by claim id, and the accumulators after the run."""
    accumulators = dict(world.accumulators)
    held = dict(world.accumulators)  # where the pended claims' estimates run (then dropped)
    seen = set(world.prior_lines)
    outcomes = {}
    for claim in sorted(
        world.claims, key=lambda c: (_claim_start(c) or date.max, c.received_us, c.claim_id)
    ):
        findings = validate(world, claim)
        if findings:
            outcomes[claim.claim_id] = ClaimOutcome(True, findings)
            continue
        outcome = ClaimOutcome(False, [])
        keys = {}
        for line in claim.lines:
            result = LineOutcome()
            day = _line_from(claim, line)
            result.fee = fee_of(world, claim, line)
            span, denial = coverage_on(world, claim.member_id, day)
            if claim.original_state == 5:
                denial = "E008"  # a void only reverses its original
            plan = world.plans[span[2]] if span else None
            out = plan is not None and not in_network(world, claim, plan.plan_id, day)
            if denial is None and out and not plan.out_of_network_covered:
                denial = "E242"
            keys[line.line_number] = duplicate_key(claim, line)
            if denial is None and keys[line.line_number] in seen:
                denial = "D018"
            result.denial = denial
            if denial:
                result.decision, result.noncovered = "denied", line.charge_cents
            else:
                result.allowed = min(line.charge_cents, result.fee)
                result.contractual = line.charge_cents - result.allowed
            result.plan, result.out, result.day = plan, out, day
            outcome.lines[line.line_number] = result
        seen.update(keys.values())
        outcome.risk_score = risk_score(world, claim, outcome)
        pended = outcome.risk_score >= risk_threshold
        # A pended claim's cost share is held from the accumulators until it is decided: its
        # lines show an estimate from the accumulators as they were before the run.
        share_claim_costs(world, claim, outcome, held if pended else accumulators)
        coordinate_benefits(claim, outcome)
        for result in outcome.lines.values():
            if pended and result.decision != "denied":
                result.decision = "pended"
        all_denied = all(r.decision == "denied" for r in outcome.lines.values())
        outcome.decision = "pended" if pended else "denied" if all_denied else "paid"
        outcomes[claim.claim_id] = outcome
    return outcomes, accumulators


# Validation ----------------------------------------------------------------------------------


def validate(world: World, claim: Claim) -> list[tuple[int, str]]:
    found = set()
    start = _claim_start(claim)
    if claim.required_missing or not claim.lines or claim.billing_npi is None:
        found.add((0, "V001"))
    if not claim.diagnosis_codes:
        found.add((0, "V011"))
    for code in claim.diagnosis_codes:
        if code not in world.icd_billable:
            found.add((0, "V010"))
    if claim.institutional and not claim.bill_type:
        found.add((0, "V025"))
    if claim.statement_from and claim.statement_to and claim.statement_from > claim.statement_to:
        found.add((0, "V030"))
    if claim.birth_date and start and claim.birth_date > start:
        found.add((0, "V033"))
    if sum(line.charge_cents for line in claim.lines) != claim.total_charge_cents:
        found.add((0, "V041"))
    billing_ok = claim.billing_npi is not None and is_valid_npi(claim.billing_npi)
    if claim.billing_npi is not None and not billing_ok:
        found.add((0, "V050"))
    if claim.rendering_npi is not None and not is_valid_npi(claim.rendering_npi):
        found.add((0, "V051"))
    if billing_ok and not claim.billing_provider_id:
        found.add((0, "V052"))
    if claim.member_id == 0:
        found.add((0, "V053"))
    elif claim.member_id == -1:
        found.add((0, "V055"))  # intake: the patient is not of the subscriber's family
    elif claim.member_id == -2:
        found.add((0, "V056"))  # intake: the patient matches more than one member
    refused_original = {2: "V070", 3: "V071", 4: "V072"}.get(claim.original_state)
    if refused_original:
        found.add((0, refused_original))  # a replacement or void whose original stands
    place = claim.place_of_service
    if not claim.institutional and place is not None and place not in world.places_of_service:
        found.add((0, "V023"))
    for line in claim.lines:
        found.update((line.line_number, code) for code in _line_findings(world, claim, line))
    return sorted(found, key=lambda f: (f[0], _edit_order(f[1])))


def _line_findings(world: World, claim: Claim, line: Line) -> list[str]:
    codes = []
    day, end = _line_from(claim, line), _line_to(claim, line)
    professional = not claim.institutional
    if (professional and not line.procedure_code) or day is None:
        codes.append("V002")
    if professional and line.procedure_code and day and _fee_row(world, line, day) is None:
        codes.append("V020")
    if any(m and m not in world.modifiers for m in line.modifiers):
        codes.append("V021")
    if line.units <= 0:
        codes.append("V022")
    place = line.place_of_service or claim.place_of_service
    if professional and (place is None or place not in world.places_of_service):
        codes.append("V023")
    if claim.institutional and not line.revenue_code:
        codes.append("V024")
    if day and end < day:
        codes.append("V030")
    statement = claim.statement_from and claim.statement_to
    if day and statement and (day < claim.statement_from or end > claim.statement_to):
        codes.append("V031")
    if day and max(day, end) > world.today:
        codes.append("V032")
    if line.charge_cents <= 0:
        codes.append("V040")
    if line.max_pointer > len(claim.diagnosis_codes):
        codes.append("V012")
    return codes


def _edit_order(code: str) -> int:
    from backend.canonical.edits import EDITS

    return list(EDITS).index(code)


# Eligibility and duplicates ------------------------------------------------------------------


def coverage_on(world: World, member_id: int, day: date):
    """(span, None) when covered on `day`, else (None, "E026" | "E027")."""
    started = [s for s in _indexed(world, "coverage", 0)(member_id) if s[1][3] <= day]
    if not started:
        return None, "E026"
    _position, span = max(started, key=lambda s: (s[1][3], s[0]))
    if span[4] is not None and span[4] < day:
        return None, "E027"
    return span, None


def in_network(world: World, claim: Claim, plan_id: int, day: date) -> bool:
    for provider in (claim.billing_provider_id, claim.rendering_provider_id):
        rows = [n for n in _indexed(world, "network", 0)(provider) if n[1][1] == plan_id]
        rows = [n for n in rows if n[1][2] <= day]
        if rows:
            _position, latest = max(rows, key=lambda n: (n[1][2], n[0]))
            if latest[3] is None or latest[3] >= day:
                return True
    return False


def _indexed(world: World, name: str, field: int):
    """A lookup of the world's `name` rows (with their positions) by one field, built once."""
    cache = world.__dict__.setdefault("_indexes", {})
    if name not in cache:
        index: dict = {}
        for position, row in enumerate(getattr(world, name)):
            key = row[field] if isinstance(row, tuple) else getattr(row, field)
            index.setdefault(key, []).append((position, row))
        cache[name] = index
    return lambda key: cache[name].get(key, [])


def duplicate_key(claim: Claim, line: Line) -> tuple:
    modifiers = tuple((line.modifiers + ["", "", "", ""])[:4])
    day = _line_from(claim, line)
    code = line.procedure_code or ""
    return (claim.member_id, claim.billing_provider_id, day, code, modifiers, line.charge_cents)


# Pricing -------------------------------------------------------------------------------------


def fee_of(world: World, claim: Claim, line: Line) -> int:
    """The fee in cents: RVUs x GPCIs x conversion factor x units x modifier factor, or a
    percentage of charges, rounded half-up to the cent once."""
    day = _line_from(claim, line)
    if claim.institutional:
        return _percent(line.charge_cents, revenue_rate(line.revenue_code))
    row = _fee_row(world, line, day)
    if row is None:
        return 0
    place = line.place_of_service or claim.place_of_service
    facility = world.places_of_service.get(place, False)
    gpci = _gpci(world, claim.locality, day)
    weighted = (
        row.work * gpci[0]
        + (row.pe_facility if facility else row.pe_nonfacility) * gpci[1]
        + row.mp * gpci[2]
    )
    if weighted == 0:
        return _percent(line.charge_cents, 5000)
    factor = Decimal(1)
    rules = {world.modifiers.get(m) for m in line.modifiers}
    if "bilateral" in rules and row.bilateral == "1":
        factor *= Decimal("1.5")
    if "multiple_procedure" in rules and row.multiple_procedure in ("2", "3"):
        factor *= Decimal("0.5")
    if ASSISTANT_RULE in rules:
        factor *= Decimal("0.16")
    with localcontext() as context:
        context.prec = 60
        dollars = weighted * _conversion_factor(world, day) * line.units * factor
        return int((dollars / CENT).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def revenue_rate(revenue_code: str | None) -> int:
    number = int(revenue_code) if revenue_code and revenue_code.isdigit() else -1
    for low, high, rate in (
        (100, 219, 6500),
        (250, 259, 5000),
        (300, 319, 4000),
        (320, 359, 4500),
        (360, 369, 6000),
        (450, 459, 5500),
        (630, 636, 5000),
    ):
        if low <= number <= high:
            return rate
    return 5000


def _fee_row(world: World, line: Line, day: date) -> FeeRow | None:
    variant = "26" if "26" in line.modifiers else "TC" if "TC" in line.modifiers else ""
    for modifier in dict.fromkeys((variant, "")):
        rows = [
            r
            for r in world.fee_rows
            if r.code == line.procedure_code and r.modifier == modifier and r.effective_from <= day
        ]
        if rows:
            row = max(rows, key=lambda r: r.effective_from)
            if row.effective_to is None or row.effective_to >= day:
                return row
    return None


def _gpci(world: World, locality: str, day: date) -> tuple[Decimal, Decimal, Decimal]:
    rows = [g for _, g in _indexed(world, "gpci_rows", "locality")(locality)]
    rows = [g for g in rows if g.effective_from <= day]
    if rows:
        row = max(rows, key=lambda g: g.effective_from)
        if row.effective_to is None or row.effective_to >= day:
            return row.work, row.pe, row.mp
    return Decimal(1), Decimal(1), Decimal(1)


def _conversion_factor(world: World, day: date) -> Decimal:
    started = [cf for cf in world.conversion_factors if cf[0] <= day]
    return max(started)[2] if started else min(world.conversion_factors)[2]


def _percent(cents: int, basis_points: int) -> int:
    return int((Decimal(cents) * basis_points / 10000).quantize(Decimal(1), rounding=ROUND_HALF_UP))


# Cost share ----------------------------------------------------------------------------------


def service_category(claim: Claim, line: Line) -> str | None:
    code = (
        int(line.procedure_code)
        if (line.procedure_code or "").isdigit() and len(line.procedure_code) == 5
        else -1
    )
    revenue = int(line.revenue_code) if (line.revenue_code or "").isdigit() else -1
    place = line.place_of_service or claim.place_of_service
    place = int(place) if place and place.isdigit() else -1
    office = code in E_M_OFFICE
    if 99381 <= code <= 99397 or line.procedure_code in ("G0402", "G0438", "G0439"):
        return "preventive"
    if 99281 <= code <= 99285 or 450 <= revenue <= 459:
        return "emergency"
    if office and place in (2, 10):
        return "telehealth"
    if office and place == 20:
        return "urgent_care"
    if office:
        return "office_visit" if claim.primary_care else "specialist"
    if 90785 <= code <= 90899:
        return "mental_health"
    if 97010 <= code <= 97799:
        return "physical_therapy"
    if 70000 <= code <= 79999 or 320 <= revenue <= 359:
        return "imaging"
    if 80000 <= code <= 89999 or code == 36415 or 300 <= revenue <= 319:
        return "lab"
    if claim.institutional and (claim.bill_type or "").lstrip("0").startswith("11"):
        return "inpatient"
    if (10000 <= code <= 69999 and place in (19, 22, 24)) or 360 <= revenue <= 369:
        return "outpatient_surgery"
    return None


def family_met(families: dict, accumulators: dict, key: tuple) -> tuple[int, int]:
    """Deductible and out-of-pocket met by the family of key's member for key's plan, year and
    network: the sum of its members' accumulators."""
    member, rest = key[0], key[1:]
    family = families.get(member, member)
    rows = [v for k, v in accumulators.items()
            if k[1:] == rest and families.get(k[0], k[0]) == family]  # fmt: skip
    return sum(r[0] for r in rows), sum(r[1] for r in rows)


def share_claim_costs(
    world: World | None, claim: Claim, outcome: ClaimOutcome, accumulators: dict
) -> None:
    """Deductible, then copay or coinsurance, capped by the out-of-pocket maximum, line by line;
    in network, the family limits cap them too (the family's met is its members' sum)."""
    families = world.families if world is not None else {}
    copay_charged = set()
    for line in claim.lines:
        result = outcome.lines[line.line_number]
        if result.decision == "denied":
            continue
        plan, out, day = result.plan, result.out, result.day
        key = (claim.member_id, plan.plan_id, day.year, out)
        deductible_met, oop_met = accumulators.get(key, (0, 0))
        limit = plan.deductible_out if out else plan.deductible_in
        oop_max = plan.oop_max_out if out else plan.oop_max_in
        family_deductible_met, family_oop_met = family_met(families, accumulators, key)
        family_deductible = None if out or not plan.family_deductible else plan.family_deductible
        family_oop_max = None if out or not plan.family_oop_max else plan.family_oop_max
        category = service_category(claim, line)
        copay = plan.copays.get(category) if category and not out else None
        allowed = result.allowed

        deductible = 0
        if not (copay and copay[1]):  # lines of a before-deductible copay skip the deductible
            deductible = min(allowed, max(0, limit - deductible_met))
            if family_deductible is not None:
                deductible = min(deductible, max(0, family_deductible - family_deductible_met))
        rest = allowed - deductible
        copay_due = coinsurance = 0
        if copay:
            if category not in copay_charged:
                copay_due = min(rest, copay[0])
                copay_charged.add(category)
        else:
            coinsurance_bp = plan.coinsurance_out_bp if out else plan.coinsurance_in_bp
            coinsurance = _percent(rest, coinsurance_bp)
        owed = deductible + copay_due + coinsurance
        member = min(owed, max(0, oop_max - oop_met))
        if family_oop_max is not None:
            member = min(member, max(0, family_oop_max - family_oop_met))
        # The out-of-pocket cap waives coinsurance first, then the copay, then the deductible.
        waived = owed - member
        waived_coinsurance = min(waived, coinsurance)
        waived_copay = min(waived - waived_coinsurance, copay_due)
        waived_deductible = waived - waived_coinsurance - waived_copay
        result.deductible = deductible - waived_deductible
        result.coinsurance = coinsurance - waived_coinsurance
        result.copay = copay_due - waived_copay
        result.patient = member
        result.paid = allowed - member
        # The deductible accumulator counts what was applied to the deductible, waived or not.
        accumulators[key] = (deductible_met + deductible, oop_met + member)


def coordinate_benefits(claim: Claim, outcome: ClaimOutcome) -> None:
    """A secondary claim pays the lesser of its normal benefit and what the other payers left
    of the allowed amount: their payment covers the member's cost share first, then ours; the
    claim's reductions are taken line by line in order. The accumulators keep the cost share as
    if primary (share_claim_costs already moved them)."""
    if claim.other_payer_paid is None:
        return
    results = [outcome.lines[line.line_number] for line in claim.lines]
    member_cut = min(claim.other_payer_paid, sum(r.patient for r in results))
    payment_cut = min(claim.other_payer_paid - member_cut, sum(r.paid for r in results))
    for result in results:
        from_member, from_payment = min(result.patient, member_cut), min(result.paid, payment_cut)
        member_cut, payment_cut = member_cut - from_member, payment_cut - from_payment
        from_coinsurance = min(from_member, result.coinsurance)
        from_copay = min(from_member - from_coinsurance, result.copay)
        result.coinsurance -= from_coinsurance
        result.copay -= from_copay
        result.deductible -= from_member - from_coinsurance - from_copay
        result.patient -= from_member
        result.paid -= from_payment
        result.prior_payer = from_member + from_payment


# Risk ----------------------------------------------------------------------------------------


def risk_score(world: World, claim: Claim, outcome: ClaimOutcome) -> float:
    """Rule set rules-1: highest line of min(1, charge / fee / 10) over RVU-priced lines, and 1
    for an office E/M code billed with more than one unit."""
    score = 0.0
    for line in claim.lines:
        result = outcome.lines[line.line_number]
        code = line.procedure_code or ""
        if "99202" <= code <= "99215" and line.units > 1:
            score = max(score, 1.0)
        if not claim.institutional and result.fee > 0 and _priced_by_rvu(world, claim, line):
            score = max(score, min(line.charge_cents / result.fee / 10.0, 1.0))
    return score


def _priced_by_rvu(world: World, claim: Claim, line: Line) -> bool:
    row = _fee_row(world, line, _line_from(claim, line))
    if row is None:
        return False
    place = line.place_of_service or claim.place_of_service
    facility = world.places_of_service.get(place, False)
    gpci = _gpci(world, claim.locality, _line_from(claim, line))
    pe = row.pe_facility if facility else row.pe_nonfacility
    return row.work * gpci[0] + pe * gpci[1] + row.mp * gpci[2] > 0


# Dates ---------------------------------------------------------------------------------------


def _line_from(claim: Claim, line: Line) -> date | None:
    return line.service_from or claim.statement_from


def _line_to(claim: Claim, line: Line) -> date | None:
    if line.service_to:
        return line.service_to
    return line.service_from or claim.statement_to


def _claim_start(claim: Claim) -> date | None:
    if claim.statement_from:
        return claim.statement_from
    days = [d for d in (_line_from(claim, line) for line in claim.lines) if d]
    return min(days) if days else None
