"""A reviewer's decision as money: which lines are denied or lowered, then the cost share
recomputed the way the pipeline computes it (workers/pipeline/cost_share.py, on this claim
alone, from the member's accumulators at decision time). Pure: rows in, rows out; cents.

Per line: billed = allowed + contractual (CO-45) + non-covered; allowed = paid + patient
responsibility (+ the prior payer's share, OA-23, on a secondary claim: the cost share is then
coordinated by the pipeline's own workers/pipeline/cob.py); patient responsibility =
deductible + coinsurance + copay. A denied line has
allowed 0 and its whole charge non-covered under its CARC; a lowered ("adjusted") line keeps its
CO-45 and books the reduction as non-covered under the reviewer's CARC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace

import numpy as np

from workers.pipeline import arrays as a
from workers.pipeline.cob import coordinate
from workers.pipeline.codes import CATEGORY_INDEX, NO_CATEGORY
from workers.pipeline.cost_share import AccumulatorChange, share_costs

AMOUNTS = (
    "billed_cents", "allowed_cents", "paid_cents", "patient_responsibility_cents",
    "deductible_cents", "coinsurance_cents", "copay_cents", "contractual_adjustment_cents",
    "noncovered_cents",
)  # fmt: skip
EPOCH = date(1970, 1, 1)


class DecisionRefused(ValueError):
    """The request does not fit the claim (a line that does not exist, an amount too high)."""


@dataclass
class Line:
    """One production line: its stored money (AMOUNTS), decision and what the cost share needs."""

    line_number: int
    decision: str
    amounts: dict
    service_from: date
    out_of_network: bool
    category: str | None
    plan_id: int | None  # plan in force on the line's date
    denial_carc: str | None = None
    rarc_codes: list = field(default_factory=list)
    adjustments: list | None = None  # stored CAS list (lowered lines), else derived
    trace: dict | None = None  # accumulators before the line, as the cost share saw them
    credits: tuple[int, int] | None = None  # a secondary claim's (deductible, oop) credits


def apply_request(lines: list[Line], request: dict) -> list[Line]:
    """The lines as the request decides them, before cost share (approve / deny / adjust)."""
    by_number = {line.line_number: line for line in lines}
    asked = {item["line_number"]: item for item in request.get("lines") or []}
    unknown = sorted(set(asked) - set(by_number))
    if unknown:
        raise DecisionRefused(f"the claim has no line {unknown[0]}")
    decided = []
    for line in lines:
        item = asked.get(line.line_number)
        if line.decision == "denied":  # denied by the pipeline: stays as it is
            if item:
                raise DecisionRefused(f"line {line.line_number} is already denied")
            decided.append(_copy(line))
        elif request["action"] == "deny" and (request.get("carc") or item):
            carc = item["carc"] if item else request["carc"]
            rarc = item.get("rarc") if item else request.get("rarc")
            decided.append(_denied(line, carc, rarc or []))
        elif request["action"] == "adjust" and item:
            decided.append(_lowered(line, item))
        else:
            decided.append(_copy(line, decision="paid"))
    return decided


def _copy(line: Line, **changes) -> Line:
    values = {**vars(line), "amounts": dict(line.amounts), **changes}
    return Line(**values)


def _denied(line: Line, carc: str, rarc: list) -> Line:
    billed = line.amounts["billed_cents"]
    amounts = dict.fromkeys(AMOUNTS, 0) | {"billed_cents": billed, "noncovered_cents": billed}
    secondary = line.amounts.get("prior_payer_cents") is not None
    amounts["prior_payer_cents"] = 0 if secondary else None
    return _copy(line, decision="denied", amounts=amounts, denial_carc=carc,
                 rarc_codes=list(rarc), adjustments=None)  # fmt: skip


def _lowered(line: Line, item: dict) -> Line:
    old = line.amounts["allowed_cents"]
    new = item["allowed_cents"]
    if new >= old:
        raise DecisionRefused(
            f"line {line.line_number}: adjust lowers the allowed amount ({old} cents) only"
        )
    amounts = dict(line.amounts) | {
        "allowed_cents": new,
        "noncovered_cents": line.amounts["noncovered_cents"] + old - new,
    }
    adjustment = {"group": "CO", "carc": item["carc"], "amount_cents": old - new}
    return _copy(line, decision="paid", amounts=amounts, rarc_codes=list(item.get("rarc") or []),
                 adjustments=[adjustment])  # fmt: skip


def share(
    member_id: int,
    lines: list[Line],
    plans: a.Plans,
    accumulators: a.Accumulators,
    families: a.Families | None = None,
    other_payer_paid: int | None = None,
) -> tuple[list[Line], AccumulatorChange]:
    """Deductible, copay, coinsurance of the lines not denied, as the pipeline's cost share
    computes them for this claim alone from `accumulators` (the family's rows, where the plan
    has family limits: `families` says whose family each is), then coordinated with the other
    payer's `other_payer_paid` cents on a secondary claim (cob.py); the lines with their money
    set, and the accumulator change to write (as if primary, as the pipeline moves them; the
    family's other rows included unchanged, so the write checks them)."""
    count = len(lines)
    plan_row = np.array(
        [np.searchsorted(plans.plan_id, line.plan_id or 0) for line in lines], np.int64
    )
    known = np.array(
        [line.plan_id is not None and line.plan_id in plans.plan_id for line in lines], bool
    )
    covered = np.array([line.decision != "denied" for line in lines], bool)
    if (covered & ~known).any():
        raise DecisionRefused("a line to pay has no coverage on its date")
    chunk = SimpleNamespace(
        lines=SimpleNamespace(
            line_claim=np.zeros(count, np.int32),
            line_number=np.array([line.line_number for line in lines], np.int16),
        ),
        claims=SimpleNamespace(member_id=np.array([member_id], np.int64)),
        plans=plans,
        accumulators=accumulators,
        families=families,
    )
    eligibility = SimpleNamespace(
        plan=np.where(known, plan_row, -1),
        out_of_network=np.array([line.out_of_network for line in lines], bool),
    )
    allowed = np.array([line.amounts["allowed_cents"] for line in lines], np.int64)
    category = np.array(
        [CATEGORY_INDEX.get(line.category or "", NO_CATEGORY) for line in lines], np.int8
    )
    days = np.array([(line.service_from - EPOCH).days for line in lines], np.int32)
    cost, change = share_costs(
        chunk, eligibility, allowed, category, np.zeros(1, np.int64), days, covered
    )
    paid_before = -1 if other_payer_paid is None else other_payer_paid
    cost, coordination = coordinate(
        cost, np.zeros(count, np.int64), np.array([0, count], np.int64),
        np.array([paid_before], np.int64),
    )  # fmt: skip
    for index, line in enumerate(lines):
        secondary = other_payer_paid is not None
        line.amounts["prior_payer_cents"] = (
            int(coordination.prior_payer[index]) if secondary else None
        )
        line.credits = (
            (int(coordination.credited_deductible[index]), int(coordination.credited_oop[index]))
            if secondary and line.decision != "denied"
            else None
        )
        if line.decision == "denied":
            continue
        line.amounts.update(
            deductible_cents=int(cost.deductible[index]),
            coinsurance_cents=int(cost.coinsurance[index]),
            copay_cents=int(cost.copay[index]),
            patient_responsibility_cents=int(cost.patient[index]),
            paid_cents=int(cost.paid[index]),
        )
        line.trace = {
            "deductible_before": int(cost.deductible_before[index]),
            "oop_before": int(cost.oop_before[index]),
        }
        if line.adjustments is not None:
            line.adjustments = line_cas(line)
    return lines, change


def line_cas(line: Line) -> list[dict]:
    """The 835 CAS list of a lowered line: CO-45, CO-<reviewer's CARC>, PR-1/2/3 (not zero)."""
    reduction = [item for item in line.adjustments or [] if item["carc"] != "45"
                 and item["group"] == "CO"][:1]  # fmt: skip
    amounts = line.amounts
    parts = [("CO", "45", amounts["contractual_adjustment_cents"])]
    parts += [(r["group"], r["carc"], r["amount_cents"]) for r in reduction]
    parts += [("OA", "23", amounts.get("prior_payer_cents") or 0)]
    parts += [("PR", "1", amounts["deductible_cents"]), ("PR", "2", amounts["coinsurance_cents"]),
              ("PR", "3", amounts["copay_cents"])]  # fmt: skip
    return [{"group": g, "carc": c, "amount_cents": int(v)} for g, c, v in parts if v]


def claim_totals(lines: list[Line]) -> dict:
    """The claim's money (sums of its lines) and its decision: denied when every line is."""
    totals = {name: sum(int(line.amounts[name]) for line in lines) for name in AMOUNTS}
    prior = [line.amounts.get("prior_payer_cents") for line in lines]
    totals["prior_payer_cents"] = (
        None if all(p is None for p in prior) else sum(p or 0 for p in prior)
    )
    totals["decision"] = "denied" if all(l.decision == "denied" for l in lines) else "paid"  # noqa: E741
    return totals


def balanced(amounts: dict) -> bool:
    return (
        amounts["billed_cents"]
        == amounts["allowed_cents"]
        + amounts["contractual_adjustment_cents"]
        + amounts["noncovered_cents"]
        and amounts["allowed_cents"]
        == amounts["paid_cents"]
        + amounts["patient_responsibility_cents"]
        + (amounts.get("prior_payer_cents") or 0)
        and amounts["patient_responsibility_cents"]
        == amounts["deductible_cents"] + amounts["coinsurance_cents"] + amounts["copay_cents"]
    )
