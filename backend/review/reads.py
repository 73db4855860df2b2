"""What a decision reads: a claim's production lines with the plan in force on each line's
date, the plans' cost-share terms, the member's accumulators (locked), and decisions."""

from __future__ import annotations

import numpy as np
from sqlalchemy import text

from backend.members.accumulators import lock_families
from backend.review.money import AMOUNTS, Line
from workers.pipeline import arrays as a

LINE_COLUMNS = ", ".join(
    ("line_number", "decision", "service_from", "network", "service_category", "denial_carc",
     "rarc_codes", "adjustments", "prior_payer_cents", *AMOUNTS)
)  # fmt: skip
LINE_PLANS = """
SELECT l.line_number, s.plan_id
FROM production.claim_line l
LEFT JOIN LATERAL (
    SELECT plan_id FROM coverage_span
    WHERE member_id = :member AND effective_date <= l.service_from
      AND (termination_date IS NULL OR termination_date >= l.service_from)
    ORDER BY effective_date DESC LIMIT 1) s ON true
WHERE l.claim_id = :claim AND l.service_month = :month
"""
PLANS = """
SELECT
 (SELECT array_agg(id ORDER BY id) FROM plan WHERE id = ANY(:plans)) AS plan_id,
 (SELECT array_agg(individual_deductible_cents ORDER BY id) FROM plan WHERE id = ANY(:plans))
    AS plan_deductible_in,
 (SELECT array_agg(out_of_network_deductible_cents ORDER BY id) FROM plan WHERE id = ANY(:plans))
    AS plan_deductible_out,
 (SELECT array_agg(individual_oop_max_cents ORDER BY id) FROM plan WHERE id = ANY(:plans))
    AS plan_oop_max_in,
 (SELECT array_agg(out_of_network_oop_max_cents ORDER BY id) FROM plan WHERE id = ANY(:plans))
    AS plan_oop_max_out,
 (SELECT array_agg(coinsurance_bp ORDER BY id) FROM plan WHERE id = ANY(:plans))
    AS plan_coinsurance_in_bp,
 (SELECT array_agg(out_of_network_coinsurance_bp ORDER BY id) FROM plan WHERE id = ANY(:plans))
    AS plan_coinsurance_out_bp,
 (SELECT array_agg(out_of_network_covered ORDER BY id) FROM plan WHERE id = ANY(:plans))
    AS plan_out_of_network_covered,
 (SELECT array_agg(family_deductible_cents ORDER BY id) FROM plan WHERE id = ANY(:plans))
    AS plan_family_deductible,
 (SELECT array_agg(family_oop_max_cents ORDER BY id) FROM plan WHERE id = ANY(:plans))
    AS plan_family_oop_max
"""
COPAYS = """
SELECT plan_id, service_category::text, copay_cents, applies_before_deductible
FROM plan_copay WHERE plan_id = ANY(:plans) ORDER BY plan_id, service_category
"""
# The member's family (subscriber and dependents): its members with their family id.
FAMILY = """
WITH head AS (SELECT coalesce(subscriber_id, id) AS id FROM member WHERE id = :member)
SELECT h.id, h.id FROM head h
UNION ALL
SELECT m.id, h.id FROM head h JOIN member m ON m.subscriber_id = h.id
ORDER BY 1
"""
# The family's rows, locked in one order (the pipeline's family limits read them all; two
# decisions for one family serialize here).
ACCUMULATORS = """
SELECT member_id, plan_id, plan_year, network = 'out' AS out_of_network, deductible_cents,
       oop_cents
FROM accumulator WHERE member_id = ANY(:members)
ORDER BY member_id, plan_id, plan_year, network
FOR UPDATE
"""


def read_lines(connection, claim: dict) -> list[Line]:
    keys = {"claim": claim["id"], "month": claim["service_month"], "member": claim["member_id"]}
    plans = dict(connection.execute(text(LINE_PLANS), keys).all())
    rows = connection.execute(
        text(f"SELECT {LINE_COLUMNS} FROM production.claim_line WHERE claim_id = :claim "
             "AND service_month = :month ORDER BY line_number"), keys,
    ).mappings()  # fmt: skip
    return [
        Line(
            line_number=row["line_number"],
            decision=row["decision"],
            amounts={name: int(row[name]) for name in AMOUNTS}
            | {"prior_payer_cents": row["prior_payer_cents"]},  # a secondary claim's OA-23
            service_from=row["service_from"],
            out_of_network=(row["network"] or claim["network"]) == "out",
            category=row["service_category"],
            plan_id=plans.get(row["line_number"]),
            denial_carc=row["denial_carc"],
            rarc_codes=list(row["rarc_codes"] or []),
            adjustments=row["adjustments"] if row["denial_carc"] is None else None,
        )
        for row in rows
    ]


def plans(connection, plan_ids: list[int]) -> a.Plans:
    from workers.fetch import _plans as plans_of_row

    row = dict(connection.execute(text(PLANS), {"plans": plan_ids}).mappings().one())
    copays = connection.execute(text(COPAYS), {"plans": plan_ids}).all()
    names = ("copay_plan_id", "copay_category", "copay_cents", "copay_before_deductible")
    for index, name in enumerate(names):
        row[name] = [copay[index] for copay in copays]
    return plans_of_row(row)


def family(connection, member_id: int) -> a.Families:
    rows = connection.execute(text(FAMILY), {"member": member_id}).all()
    return a.Families(
        np.array([row[0] for row in rows], np.int64), np.array([row[1] for row in rows], np.int64)
    )


def accumulators(connection, families: a.Families) -> a.Accumulators:
    """The accumulator rows of every member of `families`, locked; the family's head (the
    subscriber's member row) locked first, as the pipeline's transfer locks it, so that a
    member's first row created meanwhile is seen (accumulators.lock_families)."""
    members = [int(member) for member in families.member_id]
    lock_families(connection, families.family_id)
    rows = connection.execute(text(ACCUMULATORS), {"members": members}).all()
    columns = list(zip(*rows, strict=True)) if rows else [[]] * 6
    return a.Accumulators(
        np.array(columns[0], np.int64),
        np.array(columns[1], np.int64),
        np.array(columns[2], np.int16),
        np.array(columns[3], bool),
        np.array(columns[4], np.int64),
        np.array(columns[5], np.int64),
    )


DECISION_SELECT = """
SELECT d.*, u.display_name AS decided_by, v.display_name AS approved_by
FROM review_decision d
LEFT JOIN app_user u ON u.id = d.decided_by_id
LEFT JOIN app_user v ON v.id = d.approved_by_id
"""


def read_decision(connection, decision_id: int) -> dict:
    return dict(
        connection.execute(text(DECISION_SELECT + "WHERE d.id = :id"), {"id": decision_id})
        .mappings()
        .one()
    )


def decision_history(connection, claim_id: int) -> list[dict]:
    """Every review decision on the claim, oldest first (the claim timeline)."""
    rows = connection.execute(
        text(DECISION_SELECT + "WHERE d.claim_id = :c ORDER BY d.id"), {"c": claim_id}
    ).mappings()
    return [dict(row) for row in rows]
