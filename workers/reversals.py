"""Replacements (frequency 7) and voids (8): before a chunk is fetched, the adjudicated claims
its replacements and voids name are reversed. A claim adjudicated in its request (REST, FHIR
$submit) does it in the request's transaction (rolled back with it); a batch chunk (837s, FHIR
Bundles) in the transaction that reads the chunk, committed with it, so that the accumulators
the chunk is computed from are those without the originals. Should the chunk's write then fail,
its retry finds the originals reversed by the same claims (REPLACES / VOIDS below) and goes on.

A claim names its original by the payer's claim control number (our claim id, CLP07 of the
835): 837 REF*F8 in loop 2300, FHIR Claim.related (relationship "prior"), the REST field
original_claim_id. An original is reversed when it is an adjudicated (paid or denied, not
pended) claim of the same billing provider and was not reversed before: a production.claim_reversal
row with its amounts negated, and its deductible and out-of-pocket contributions taken out of the
member's accumulators (by the plan year of each line's service date and the claim's network).
The replacement is then adjudicated as any claim, against the accumulators without the original;
a void is denied whole (E008): it only reverses. Replacements and voids whose original cannot be
reversed are rejected (fetch.py reads why: V070 unknown, V071 already reversed, V072 pending).

The accumulator contribution taken out is the original's line deductible and patient
responsibility (a secondary claim's: its credits as if primary), which is what the cost share
added, except in the rare claim whose own lines
reached the out-of-pocket maximum while still in the deductible (docs/claim-model.md).
"""

from __future__ import annotations

from sqlalchemy import text

AMOUNTS = (
    "billed_cents", "allowed_cents", "paid_cents", "patient_responsibility_cents",
    "deductible_cents", "coinsurance_cents", "copay_cents", "contractual_adjustment_cents",
    "noncovered_cents", "prior_payer_cents",
)  # fmt: skip
ORIGINAL_ID = (
    "CASE WHEN {s}.original_claim_id ~ '^[0-9]{{1,18}}$' THEN {s}.original_claim_id::int8 END"
)
REVERSE = f"""
WITH candidates AS (
    SELECT s.id AS replacement_claim_id, s.frequency_code AS replacement_frequency, o.*
    FROM staging.claim s
    JOIN provider bp ON bp.npi = s.billing_provider_npi
    JOIN production.claim o ON o.id = {ORIGINAL_ID.format(s="s")}
     AND o.billing_provider_id = bp.id AND o.decision IN ('paid', 'denied')
    WHERE s.id = ANY(CAST(:ids AS int8[])) AND s.status = 'pending'
      AND s.frequency_code IN ('7', '8')
), reversed AS (
    INSERT INTO production.claim_reversal (original_claim_id, original_service_month,
        replacement_claim_id, frequency_code, batch_id, billing_provider_id, member_id,
        patient_control_number, {", ".join(AMOUNTS)})
    SELECT DISTINCT ON (id) id, service_month, replacement_claim_id, replacement_frequency,
        :batch_id,
        billing_provider_id, member_id, patient_control_number,
        {", ".join(f"-{name}" for name in AMOUNTS)}
    FROM candidates ORDER BY id, replacement_claim_id
    ON CONFLICT (original_claim_id) DO NOTHING
    RETURNING original_claim_id, original_service_month
), contributions AS (
    SELECT c.member_id, c.plan_id, c.network,
           extract(year FROM l.service_from)::int2 AS plan_year,
           -- a secondary claim's lines credited the accumulators as if primary (COB)
           sum(coalesce(l.deductible_credit_cents, l.deductible_cents)) AS deductible,
           sum(coalesce(l.oop_credit_cents, l.patient_responsibility_cents)) AS oop
    FROM reversed r
    JOIN production.claim c
      ON c.id = r.original_claim_id AND c.service_month = r.original_service_month
    JOIN production.claim_line l ON l.claim_id = c.id AND l.service_month = c.service_month
    WHERE c.plan_id IS NOT NULL
    GROUP BY 1, 2, 3, 4
), taken_out AS (
    UPDATE accumulator a
    SET deductible_cents = greatest(a.deductible_cents - t.deductible, 0),
        oop_cents = greatest(a.oop_cents - t.oop, 0), updated_at = now()
    FROM contributions t
    WHERE a.member_id = t.member_id AND a.plan_id = t.plan_id AND a.plan_year = t.plan_year
      AND a.network = t.network
    RETURNING 1
)
SELECT (SELECT count(*) FROM reversed), (SELECT count(*) FROM taken_out)
"""


def reverse_originals(
    connection, claim_ids: list[int], batch_id: int | None = None, probed: bool = False
) -> int:
    """Reverse the originals named by the pending replacements and voids among `claim_ids`, in
    the caller's transaction; how many were reversed. A chunk without frequency 7 or 8 costs
    one index scan of its own staging rows (ANY_REPLACEMENT; `probed`: the caller ran it and
    found some): REVERSE, which the planner plans over every month partition, runs only when
    there is something to reverse (a single claim spent 3-5 ms planning it)."""
    ids = "{" + ",".join(map(str, claim_ids)) + "}"
    if not probed and not connection.execute(text(ANY_REPLACEMENT), {"ids": ids}).scalar():
        return 0
    row = connection.execute(text(REVERSE), {"ids": ids, "batch_id": batch_id}).one()
    return row[0]


ANY_REPLACEMENT = """
SELECT EXISTS (SELECT 1 FROM staging.claim WHERE id = ANY(CAST(:ids AS int8[]))
               AND status = 'pending' AND frequency_code IN ('7', '8'))
"""
