"""Deciding pended claims, shared by the single-claim routes and the bulk route (taking a
claim is in assignments.py). Each function works in the caller's transaction on a SQLAlchemy
connection and raises ReviewError (an HTTP status and a message) when the claim cannot be
decided.

Concurrency: the claim's production row is locked (FOR UPDATE) before anything is read, so two
decisions on one claim serialize and the second sees the first's result (409). The member's
accumulator rows are locked too; the pipeline's optimistic accumulator check (workers/transfer.py)
makes a chunk that read them before the decision recompute.
"""

from __future__ import annotations

import json

from sqlalchemy import text

from backend.review import money, reads
from backend.review.money import AMOUNTS, DecisionRefused, Line


class ReviewError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


CLAIM_COLUMNS = ", ".join(
    ("id", "service_month", "batch_id", "member_id", "network", "decision",
     "other_payer_paid_cents", *AMOUNTS)
)  # fmt: skip
UPDATE_ACCUMULATOR = """
UPDATE accumulator SET deductible_cents = :deductible_after, oop_cents = :oop_after,
       updated_at = now()
WHERE member_id = :member_id AND plan_id = :plan_id AND plan_year = :plan_year
  AND network = :network AND deductible_cents = :deductible_before AND oop_cents = :oop_before
"""
INSERT_ACCUMULATOR = """
INSERT INTO accumulator (member_id, plan_id, plan_year, network, deductible_cents, oop_cents)
VALUES (:member_id, :plan_id, :plan_year, :network, :deductible_after, :oop_after)
ON CONFLICT DO NOTHING
"""
UPDATE_LINE = """
UPDATE production.claim_line SET decision = :decision, allowed_cents = :allowed_cents,
    paid_cents = :paid_cents, patient_responsibility_cents = :patient_responsibility_cents,
    deductible_cents = :deductible_cents, coinsurance_cents = :coinsurance_cents,
    copay_cents = :copay_cents, contractual_adjustment_cents = :contractual_adjustment_cents,
    noncovered_cents = :noncovered_cents, denial_carc = :denial_carc,
    rarc_codes = CAST(:rarc_codes AS varchar[]), adjustments = CAST(:adjustments AS jsonb),
    deductible_met_before_cents = coalesce(:deductible_before, deductible_met_before_cents),
    oop_met_before_cents = coalesce(:oop_before, oop_met_before_cents),
    prior_payer_cents = :prior_payer_cents, deductible_credit_cents = :deductible_credit_cents,
    oop_credit_cents = :oop_credit_cents
WHERE claim_id = :claim_id AND service_month = :service_month AND line_number = :line_number
"""
UPDATE_CLAIM = f"""
UPDATE production.claim SET decision = :decision, reviewed_by_id = :reviewer,
    reviewed_at = now(), {", ".join(f"{name} = :{name}" for name in AMOUNTS)},
    prior_payer_cents = :prior_payer_cents
WHERE id = :id AND service_month = :service_month AND decision = 'pended'
"""


# Decisions -----------------------------------------------------------------------------------


def decide(connection, claim_id: int, reviewer_id: int, request: dict, threshold: int):
    """Decide a pended claim: (decision row, 200) when applied, (decision row, 202) when its
    paid amount is above `threshold` cents and it awaits a second reviewer."""
    claim = pended_claim(connection, claim_id, lock=True)
    _check_open(connection, claim, reviewer_id)
    _check_codes(connection, request)
    before = reads.read_lines(connection, claim)
    after, change = _recompute(connection, claim, before, request)
    totals = money.claim_totals(after)
    record = _decision_values(claim, reviewer_id, request, before, after)
    if totals["paid_cents"] > threshold:
        decision_id = _insert_decision(connection, {**record, "status": "awaiting_approval"})
        return reads.read_decision(connection, decision_id), 202
    _apply(connection, claim, after, change, reviewer_id)
    decision_id = _insert_decision(
        connection, {**record, "status": "final", "outcome": totals["decision"]}
    )
    return reads.read_decision(connection, decision_id), 200


def approve_pending(connection, claim_id: int, approver_id: int, approve: bool, note: str):
    """The second reviewer's answer to a decision awaiting approval: applied (recomputed from
    the accumulators as they are now) or rejected (the claim goes back to the queue)."""
    claim = pended_claim(connection, claim_id, lock=True)
    if claim["decision"] != "pended":
        raise ReviewError(409, "the claim is already decided")
    pending = connection.execute(
        text("SELECT id, decided_by_id, request FROM review_decision "
             "WHERE claim_id = :c AND status = 'awaiting_approval'"), {"c": claim_id},
    ).mappings().first()  # fmt: skip
    if pending is None:
        raise ReviewError(409, "no decision on this claim awaits approval")
    if pending["decided_by_id"] == approver_id:
        raise ReviewError(403, "the second approval must come from a different reviewer")
    values = {"id": pending["id"], "approver": approver_id, "note": note}
    if not approve:
        connection.execute(
            text("UPDATE review_decision SET status = 'rejected', approved_by_id = :approver, "
                 "approved_at = now(), approval_note = :note WHERE id = :id"), values,
        )  # fmt: skip
        return reads.read_decision(connection, pending["id"])
    before = reads.read_lines(connection, claim)
    after, change = _recompute(connection, claim, before, pending["request"])
    totals = money.claim_totals(after)
    _apply(connection, claim, after, change, pending["decided_by_id"])
    connection.execute(
        text("UPDATE review_decision SET status = 'final', outcome = :outcome, "
             "approved_by_id = :approver, approved_at = now(), approval_note = :note, "
             "before = CAST(:before AS jsonb), after = CAST(:after AS jsonb), "
             "paid_cents = :paid WHERE id = :id"),
        {**values, "outcome": totals["decision"], "before": json.dumps(_money(before)),
         "after": json.dumps(_money(after)), "paid": totals["paid_cents"]},
    )  # fmt: skip
    return reads.read_decision(connection, pending["id"])


def pended_claim(connection, claim_id: int, lock: bool) -> dict:
    row = (
        connection.execute(
            text(f"SELECT {CLAIM_COLUMNS} FROM production.claim WHERE id = :id"
                 + (" FOR UPDATE" if lock else "")), {"id": claim_id},
        ).mappings().first()
    )  # fmt: skip
    if row is None:
        raise ReviewError(404, "no such adjudicated claim")
    return dict(row)


def _check_open(connection, claim: dict, reviewer_id: int) -> None:
    if claim["decision"] != "pended":
        raise ReviewError(409, "the claim is already decided; corrections go through a "
                               "corrected claim")  # fmt: skip
    waiting = connection.execute(
        text("SELECT 1 FROM review_decision WHERE claim_id = :c AND status = 'awaiting_approval'"),
        {"c": claim["id"]},
    ).first()
    if waiting:
        raise ReviewError(409, "a decision on this claim awaits a second reviewer's approval")
    holder = connection.execute(
        text(
            "SELECT reviewer_id FROM review_assignment WHERE claim_id = :c AND expires_at > now()"
        ),
        {"c": claim["id"]},
    ).scalar()
    if holder is not None and holder != reviewer_id:
        raise ReviewError(409, "another reviewer holds this claim")


def _check_codes(connection, request: dict) -> None:
    """Every CARC and RARC of the request must be in the loaded code lists (422)."""
    items = [request, *(request.get("lines") or [])]
    for table, codes in (
        ("carc_code", {i["carc"] for i in items if i.get("carc")}),
        ("rarc_code", {code for i in items for code in i.get("rarc") or []}),
    ):
        if not codes:
            continue
        known = set(connection.execute(
            text(f"SELECT code FROM {table} WHERE code = ANY(:codes)"), {"codes": sorted(codes)}
        ).scalars())  # fmt: skip
        unknown = sorted(codes - known)
        if unknown:
            raise ReviewError(422, f"{table.split('_')[0].upper()} {unknown[0]} is not in the "
                                   "loaded code list")  # fmt: skip


def _recompute(connection, claim: dict, before: list[Line], request: dict):
    try:
        decided = money.apply_request(before, request)
        plan_ids = sorted({line.plan_id for line in decided if line.plan_id is not None})
        family = reads.family(connection, claim["member_id"])
        return money.share(
            claim["member_id"],
            decided,
            reads.plans(connection, plan_ids),
            reads.accumulators(connection, family),
            family,
            claim["other_payer_paid_cents"],  # a secondary claim: COB after the cost share
        )
    except DecisionRefused as refused:
        raise ReviewError(422, str(refused)) from refused


def _apply(connection, claim: dict, lines: list[Line], change, reviewer_id: int) -> None:
    """Write the decided lines, the claim and the accumulators (held until now: see
    docs/pipeline.md, "Pended claims and the accumulators")."""
    totals = money.claim_totals(lines)
    assert money.balanced(totals), totals
    updated = connection.execute(
        text(UPDATE_CLAIM),
        {**totals, "id": claim["id"], "service_month": claim["service_month"],
         "reviewer": reviewer_id},
    ).rowcount  # fmt: skip
    if updated != 1:
        raise ReviewError(409, "the claim is already decided")
    for line in lines:
        connection.execute(text(UPDATE_LINE), _line_values(claim, line))
    for group in range(len(change.member_id)):
        unchanged = (change.deductible_before[group], change.oop_before[group]) == (
            change.deductible_after[group],
            change.oop_after[group],
        )
        if change.existed[group] and unchanged:
            continue  # a family member's row, read and locked: nothing to write
        values = {
            "member_id": int(change.member_id[group]),
            "plan_id": int(change.plan_id[group]),
            "plan_year": int(change.plan_year[group]),
            "network": "out" if change.out_of_network[group] else "in",
            "deductible_before": int(change.deductible_before[group]),
            "oop_before": int(change.oop_before[group]),
            "deductible_after": int(change.deductible_after[group]),
            "oop_after": int(change.oop_after[group]),
        }
        statement = UPDATE_ACCUMULATOR if change.existed[group] else INSERT_ACCUMULATOR
        if connection.execute(text(statement), values).rowcount != 1:
            raise ReviewError(409, "the member's accumulators changed meanwhile; try again")
    connection.execute(
        text("DELETE FROM review_assignment WHERE claim_id = :c"), {"c": claim["id"]}
    )


def _line_values(claim: dict, line: Line) -> dict:
    trace = line.trace or {}
    return {
        **line.amounts,
        "claim_id": claim["id"],
        "service_month": claim["service_month"],
        "line_number": line.line_number,
        "decision": line.decision,
        "denial_carc": line.denial_carc if line.decision == "denied" else None,
        "rarc_codes": line.rarc_codes,
        "adjustments": json.dumps(line.adjustments) if line.adjustments is not None else None,
        "deductible_before": trace.get("deductible_before"),
        "oop_before": trace.get("oop_before"),
        "prior_payer_cents": line.amounts.get("prior_payer_cents"),
        "deductible_credit_cents": line.credits[0] if line.credits else None,
        "oop_credit_cents": line.credits[1] if line.credits else None,
    }


def _money(lines: list[Line]) -> dict:
    """The claim's and its lines' money, for the decision's before and after."""
    return {
        **money.claim_totals(lines),
        "lines": [
            {"line_number": line.line_number, "decision": line.decision, **line.amounts,
             "denial_carc": line.denial_carc if line.decision == "denied" else None,
             "rarc_codes": line.rarc_codes, "adjustments": adjustments_of(line)}
            for line in lines
        ],
    }  # fmt: skip


def adjustments_of(line: Line) -> list[dict]:
    from backend.claims.models import line_adjustments

    if line.adjustments is not None:
        return line.adjustments
    return line_adjustments(
        {**line.amounts, "decision": line.decision, "adjustments": None,
         "denial_carc": line.denial_carc if line.decision == "denied" else None}
    )  # fmt: skip


def _decision_values(claim, reviewer_id, request, before, after) -> dict:
    return {
        "claim_id": claim["id"],
        "service_month": claim["service_month"],
        "batch_id": claim["batch_id"],
        "action": request["action"],
        "outcome": None,
        "decided_by_id": reviewer_id,
        "note": request["note"],
        "request": json.dumps(request),
        "before": json.dumps(_money(before)),
        "after": json.dumps(_money(after)),
        "paid_cents": money.claim_totals(after)["paid_cents"],
    }


def _insert_decision(connection, values: dict) -> int:
    return connection.execute(
        text("""
        INSERT INTO review_decision (claim_id, service_month, batch_id, action, status, outcome,
            decided_by_id, note, request, before, after, paid_cents)
        VALUES (:claim_id, :service_month, :batch_id, :action, :status, :outcome,
            :decided_by_id, :note, CAST(:request AS jsonb), CAST(:before AS jsonb),
            CAST(:after AS jsonb), :paid_cents)
        RETURNING id"""),
        values,
    ).scalar_one()
