"""Hypothesis strategies for random claim worlds: few members and plans so that claims of one
member meet in a chunk, small deductibles and out-of-pocket maximums so they are crossed
mid-claim and mid-batch, coverage that ends mid-claim, bilateral and multiple-procedure
modifiers, duplicates, and a sprinkle of invalid claims."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import strategies as st

from backend.providers.npi import npi_check_digit
from workers.tests import reference as ref

TODAY = date(2026, 3, 1)
WINDOW_START = date(2025, 12, 1)  # claims straddle a plan-year boundary
POS = {"11": False, "22": True, "21": True, "20": False, "23": True, "02": False}
MODIFIERS = {
    "26": "professional_component",
    "TC": "technical_component",
    "50": "bilateral",
    "51": "multiple_procedure",
    "80": "assistant_surgeon",
    "59": "none",
    "25": "none",
}
ICD = {"E119", "I10", "J069", "M545", "Z0000"}
LOCALITIES = ("01112-05", "99999-01")


def make_npi(number: int) -> str:
    first_nine = f"1{number:08d}"
    return first_nine + str(npi_check_digit(first_nine))


def fee_schedule() -> list[ref.FeeRow]:
    d = Decimal
    y25, y26 = date(2025, 1, 1), date(2026, 1, 1)
    rows = []
    for start, end, bump in ((y25, date(2025, 12, 31), d(0)), (y26, None, d("0.07"))):
        rows += [
            ref.FeeRow("99213", "", start, end, d("1.30") + bump, d("1.31"), d("0.55"), d("0.10")),
            ref.FeeRow("99215", "", start, end, d("2.80"), d("2.05"), d("1.20"), d("0.21") + bump),
            ref.FeeRow("99283", "", start, end, d("1.42"), d("0.31"), d("0.31"), d("0.15")),
            ref.FeeRow("71046", "", start, end, d("0.21"), d("0.75") + bump, d("0.75"), d("0.02")),
            ref.FeeRow("71046", "26", start, end, d("0.21"), d("0.09"), d("0.09"), d("0.01")),
            ref.FeeRow("71046", "TC", start, end, d("0.00"), d("0.66"), d("0.66"), d("0.01")),
            ref.FeeRow(
                "27447",
                "",
                start,
                end,
                d("19.11"),
                d("10.61"),
                d("10.61"),
                d("3.97") + bump,
                multiple_procedure="2",
                bilateral="1",
            ),
            ref.FeeRow(
                "20610",
                "",
                start,
                end,
                d("0.79"),
                d("1.03"),
                d("0.39"),
                d("0.09"),
                multiple_procedure="2",
                bilateral="1",
            ),
            ref.FeeRow("36415", "", start, end, d(0), d(0), d(0), d(0), status="X"),
            ref.FeeRow("99396", "", start, end, d("1.75"), d("1.40"), d("0.70"), d("0.12"), "N"),
        ]
    return rows


CODES = ("99213", "99215", "99283", "71046", "27447", "20610", "36415", "99396", "12345")


def days(start: date, count: int) -> st.SearchStrategy[date]:
    return st.integers(0, count).map(lambda n: start + timedelta(days=n))


@st.composite
def plans(draw, plan_id: int) -> ref.Plan:
    deductible = draw(st.sampled_from((0, 5_000, 20_000, 50_000)))
    oop = deductible + draw(st.sampled_from((1_000, 10_000, 40_000, 200_000)))
    copays = {}
    for category in ("office_visit", "specialist", "emergency", "preventive", "lab", "imaging"):
        if draw(st.booleans()):
            copays[category] = (
                draw(st.sampled_from((0, 2_000, 2_550, 25_000))),
                draw(st.booleans()),
            )
    return ref.Plan(
        plan_id,
        deductible,
        2 * deductible + 1_000,
        oop,
        2 * oop,
        draw(st.sampled_from((0, 1_000, 2_000, 3_333))),
        draw(st.sampled_from((4_000, 5_001))),
        draw(st.booleans()),
        copays,
        # family limits (in network): none, about twice the individual (binding once two
        # members meet), equal to it, or below it
        draw(st.sampled_from((0, 2 * deductible, deductible, deductible // 2 + 1))),
        draw(st.sampled_from((0, 2 * oop, oop + 5_000, oop // 2))),
    )


@st.composite
def lines_of(draw, start: date, invalid: bool) -> list[ref.Line]:
    count = draw(st.integers(1, 4))
    result = []
    for number in range(1, count + 1):
        code = draw(st.sampled_from(CODES[:-1] if not invalid else CODES))
        modifiers = draw(
            st.lists(
                st.sampled_from(list(MODIFIERS) + (["ZZ"] if invalid else [])),
                max_size=2,
                unique=True,
            )
        )
        service_from = start + timedelta(days=draw(st.integers(0, 3)))
        result.append(
            ref.Line(
                line_number=number,
                charge_cents=draw(st.sampled_from((1, 999, 12_345, 45_001, 250_000, 3_000_000)))
                * (1 if not invalid or draw(st.integers(0, 9)) else 0),
                units=draw(st.sampled_from((Decimal(1), Decimal(1), Decimal(2), Decimal("1.5")))),
                procedure_code=code,
                modifiers=modifiers,
                revenue_code=draw(st.sampled_from(("0450", "0300", "0360", "0120", "0999"))),
                service_from=service_from,
                service_to=service_from if draw(st.integers(0, 3)) else None,
                place_of_service=draw(st.sampled_from((None, None, "22", "11"))),
                max_pointer=draw(st.integers(0, 1)),
            )
        )
    return result


@st.composite
def claims_of(
    draw, claim_id: int, members: list, providers: list, secondary: bool = False
) -> ref.Claim:
    invalid = draw(st.integers(0, 9)) == 0
    member = draw(st.sampled_from(members))
    billing, rendering = draw(st.sampled_from(providers)), draw(st.sampled_from(providers + [None]))
    start = draw(days(WINDOW_START, 70))
    lines = draw(lines_of(start, invalid))
    institutional = draw(st.integers(0, 5)) == 0
    statement = draw(st.booleans()) or institutional
    end = max(line.service_to or line.service_from for line in lines)
    total = sum(line.charge_cents for line in lines)
    claim = ref.Claim(
        claim_id=claim_id,
        received_us=draw(st.integers(0, 5)) * 1_000_000,
        lines=lines,
        total_charge_cents=total + (draw(st.sampled_from((0, 0, 1))) if invalid else 0),
        diagnosis_codes=draw(
            st.lists(
                st.sampled_from(sorted(ICD) + (["XXX9"] if invalid else [])), min_size=1, max_size=3
            )
        ),
        institutional=institutional,
        # intake's reasons for no member: unknown number, not of the family, ambiguous
        member_id=member[0]
        if not invalid or draw(st.booleans())
        else draw(st.sampled_from((0, -1, -2))),
        birth_date=member[1],
        billing_provider_id=billing[0],
        billing_npi=billing[1],
        rendering_npi=rendering[1] if rendering else None,
        rendering_provider_id=rendering[0] if rendering else 0,
        primary_care=draw(st.booleans()),
        locality=draw(st.sampled_from(LOCALITIES + ("00000-00",))),
        place_of_service=draw(st.sampled_from(list(POS) + (["77"] if invalid else []))),
        bill_type="0111" if institutional and draw(st.integers(0, 9)) else None,
        statement_from=start if statement else None,
        statement_to=end if statement else None,
        # an original, a replacement or void that reversed its original, or one refused (invalid)
        original_state=draw(st.sampled_from((0,) * 8 + (1, 5) + ((2, 3, 4) if invalid else ()))),
    )
    if secondary and draw(st.integers(0, 2)):  # drawn only when asked: seeds' claims unchanged
        # the other payer paid nothing, a cent, part, all or more than the charge
        claim.other_payer_paid = draw(
            st.sampled_from((0, 1, 1_000, total // 3, total // 2, total, total * 2))
        )
    return claim


@st.composite
def worlds(draw, secondary: bool = False) -> ref.World:
    """A random world; with `secondary`, some claims are secondary claims (COB)."""
    plan_count = draw(st.integers(1, 2))
    all_plans = {pid: draw(plans(pid)) for pid in range(1, plan_count + 1)}
    members = [
        (m, draw(st.sampled_from((date(1980, 1, 1), date(2025, 12, 20)))))
        for m in range(1, draw(st.integers(1, 4)) + 1)
    ]
    providers = [(p, make_npi(p)) for p in range(11, 14)] + [(0, "1234567890")]
    coverage = []
    for member, _birth in members:
        plan = draw(st.sampled_from(sorted(all_plans)))
        start = draw(st.sampled_from((date(2025, 1, 1), date(2025, 12, 15))))
        end = draw(st.sampled_from((None, date(2025, 12, 31), date(2026, 1, 20))))
        coverage.append((member, 100 + member, plan, start, end))
        if end and draw(st.booleans()):
            coverage.append(
                (
                    member,
                    200 + member,
                    draw(st.sampled_from(sorted(all_plans))),
                    end + timedelta(days=10),
                    None,
                )
            )
    network = [
        (provider, plan, date(2025, 1, 1), draw(st.sampled_from((None, date(2026, 1, 5)))))
        for provider, _ in providers[:3]
        for plan in all_plans
        if draw(st.integers(0, 3))
    ]
    claims = [
        draw(claims_of(1000 + n, members, providers, secondary))
        for n in range(draw(st.integers(1, 12)))
    ]
    # families: member 1 and 3 subscribe; 2 and 4 are dependents of one of them or their own
    heads = [m for m, _ in members if m in (1, 3)]
    families = {
        m: (m if m in heads or not draw(st.booleans()) else draw(st.sampled_from(heads)))
        for m, _ in members
    }
    accumulators = {}
    for member, _ in members:
        for plan in all_plans:
            if draw(st.booleans()):
                accumulators[(member, plan, 2025, False)] = (
                    draw(st.sampled_from((0, 4_000, 60_000))),
                    draw(st.sampled_from((0, 9_000, 500_000))),
                )
    prior = set()
    if claims and draw(st.booleans()):
        claim = claims[0]
        prior.add(ref.duplicate_key(claim, claim.lines[0]))
    return ref.World(
        claims=claims,
        fee_rows=fee_schedule(),
        gpci_rows=[
            ref.GpciRow(
                "01112-05",
                date(2025, 1, 1),
                None,
                Decimal("1.000"),
                Decimal("1.089"),
                Decimal("0.571"),
            )
        ],
        conversion_factors=[
            (date(2025, 1, 1), date(2025, 12, 31), Decimal("32.3465")),
            (date(2026, 1, 1), None, Decimal("33.4009")),
        ],
        icd_billable=ICD,
        places_of_service=POS,
        modifiers=MODIFIERS,
        plans=all_plans,
        coverage=coverage,
        network=network,
        accumulators=accumulators,
        prior_lines=prior,
        today=TODAY,
        families=families,
    )
