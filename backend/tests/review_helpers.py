"""Pended claims for the review tests: submitted through POST /api/v1/claims with charges far
above the fee schedule, so the rules-1 risk score pends them (99213's fee is 9,322 cents)."""

from sqlalchemy import text

FEE_99213 = 9_322
PENDING_CHARGE = 60_000  # 6.4 times the fee: score 0.64, above the 0.5 threshold


def claim_body(world, number: int, charges=(PENDING_CHARGE,), member=None, day="2026-02-02"):
    member = member or world.subscriber
    lines = [
        {"line_number": n, "charge_cents": charge, "units": "1", "procedure_code": "99213",
         "service_from": day, "diagnosis_pointers": [1]}
        for n, charge in enumerate(charges, start=1)
    ]  # fmt: skip
    return {
        "claim_type": "professional", "patient_control_number": f"PCN-REVIEW-{number}",
        "subscriber_member_number": member.member_number,
        "billing_provider_npi": world.provider_a.npi, "total_charge_cents": sum(charges),
        "diagnosis_codes": ["E119"], "place_of_service": "11",
        "statement_from": day, "statement_to": day, "lines": lines,
    }  # fmt: skip


def accumulator(db, member_id: int) -> tuple[int, int]:
    """(deductible, out-of-pocket) met this year in network, 0 when no row."""
    row = db.execute(
        text("SELECT deductible_cents, oop_cents FROM accumulator "
             "WHERE member_id = :m AND network = 'in' AND plan_year = 2026"), {"m": member_id},
    ).first()  # fmt: skip
    return tuple(row) if row else (0, 0)


def set_accumulator(db, member_id: int, plan_id: int, deductible: int, oop: int) -> None:
    db.execute(
        text("INSERT INTO accumulator (member_id, plan_id, plan_year, network, "
             "deductible_cents, oop_cents) VALUES (:m, :p, 2026, 'in', :d, :o) "
             "ON CONFLICT (member_id, plan_id, plan_year, network) DO UPDATE "
             "SET deductible_cents = :d, oop_cents = :o"),
        {"m": member_id, "p": plan_id, "d": deductible, "o": oop},
    )  # fmt: skip


def balanced(amounts: dict) -> bool:
    return (
        amounts["billed_cents"] == amounts["allowed_cents"]
        + amounts["contractual_adjustment_cents"] + amounts["noncovered_cents"]
        and amounts["allowed_cents"] == amounts["paid_cents"]
        + amounts["patient_responsibility_cents"]
        and amounts["patient_responsibility_cents"] == amounts["deductible_cents"]
        + amounts["coinsurance_cents"] + amounts["copay_cents"]
    )  # fmt: skip
