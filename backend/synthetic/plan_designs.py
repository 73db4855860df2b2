"""Benefit designs of synthetic plans: HMO, PPO, EPO, POS and HDHP with deductibles,
coinsurance, out-of-pocket maximums, copays by service category and out-of-network terms.

Money is integer cents; coinsurance is the member's share in basis points (2000 = 20 %).
A handful of plans per run, so plain Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

PLAN_TYPES = ("PPO", "HMO", "HDHP", "EPO", "POS")  # in order of popularity
ENROLMENT_SHARE = {"PPO": 0.40, "HMO": 0.25, "HDHP": 0.20, "EPO": 0.10, "POS": 0.05}
# Share of provider organizations in each plan type's network.
NETWORK_BREADTH = {"PPO": 0.90, "HMO": 0.65, "HDHP": 0.85, "EPO": 0.70, "POS": 0.75}
SERVICE_CATEGORIES = (
    "preventive", "office_visit", "specialist", "urgent_care", "emergency", "telehealth",
    "inpatient", "outpatient_surgery", "imaging", "lab", "mental_health", "physical_therapy",
)  # fmt: skip
DOLLARS = 100


@dataclass
class PlanDesign:
    code: str
    name: str
    plan_type: str
    individual_deductible_cents: int
    family_deductible_cents: int
    individual_oop_max_cents: int
    family_oop_max_cents: int
    coinsurance_bp: int
    out_of_network_covered: bool
    out_of_network_deductible_cents: int
    out_of_network_oop_max_cents: int
    out_of_network_coinsurance_bp: int
    # service category -> (copay cents, applies before the deductible)
    copays: dict[str, tuple[int, bool]] = field(default_factory=dict)
    id: int | None = None

    def row(self) -> dict:
        """The plan table's columns."""
        values = dict(vars(self))
        del values["copays"], values["id"]
        return values


def design_plans(rng: np.random.Generator, count: int, tag: str) -> list[PlanDesign]:
    """`count` plans cycling through PLAN_TYPES, each with drawn but typical parameters."""
    plans = []
    for number in range(count):
        plan_type = PLAN_TYPES[number % len(PLAN_TYPES)]
        plans.append(_design(rng, plan_type, f"{tag}-{plan_type}{number + 1:02d}"))
    return plans


def _design(rng: np.random.Generator, plan_type: str, code: str) -> PlanDesign:
    def pick(*dollars):
        return int(rng.choice(dollars)) * DOLLARS

    if plan_type == "HDHP":  # IRS 2025 limits: deductible >= $1,650, out-of-pocket <= $8,300
        deductible, oop, coinsurance = pick(1650, 2000, 2500, 3300), pick(5000, 6500, 8300), 2000
    elif plan_type == "PPO":
        deductible, oop, coinsurance = pick(500, 1000, 1500, 2000), pick(5000, 6000, 8000), 2000
    else:
        deductible, oop, coinsurance = pick(0, 250, 500, 1000), pick(3000, 4500, 6000), 1000
    out_covered = plan_type in ("PPO", "POS", "HDHP")
    metal = "Gold" if deductible < 500 * DOLLARS else "Silver" if oop < 7000 * DOLLARS else "Bronze"
    return PlanDesign(
        code=code,
        name=f"Askes {metal} {plan_type} {deductible // DOLLARS}",
        plan_type=plan_type,
        individual_deductible_cents=deductible,
        family_deductible_cents=2 * deductible,
        individual_oop_max_cents=oop,
        family_oop_max_cents=2 * oop,
        coinsurance_bp=coinsurance,
        out_of_network_covered=out_covered,
        out_of_network_deductible_cents=2 * max(deductible, 500 * DOLLARS) if out_covered else 0,
        out_of_network_oop_max_cents=2 * oop if out_covered else 0,
        out_of_network_coinsurance_bp=4000 if out_covered else 10000,
        copays=_copays(rng, plan_type),
    )


def _copays(rng: np.random.Generator, plan_type: str) -> dict[str, tuple[int, bool]]:
    def pick(*dollars):
        return int(rng.choice(dollars)) * DOLLARS

    before = plan_type != "HDHP"  # an HDHP pays nothing but preventive care before the deductible
    copays = {
        "preventive": (0, True),
        "office_visit": (pick(20, 25, 30, 40), before),
        "specialist": (pick(40, 50, 60, 75), before),
        "urgent_care": (pick(50, 75, 100), before),
        "emergency": (pick(250, 300, 350, 500), before),
        "telehealth": (pick(0, 10, 20), before),
        "mental_health": (pick(20, 25, 30), before),
        "physical_therapy": (pick(25, 30, 40), before),
    }
    if plan_type in ("HMO", "EPO"):
        copays["inpatient"] = (pick(250, 500), True)
        copays["outpatient_surgery"] = (pick(150, 250), True)
        copays["imaging"] = (pick(50, 100), True)
        copays["lab"] = (0, True)
    return copays
