"""Stage 6b, coordination of benefits: a secondary claim pays the lesser of our normal benefit
and what the prior payer(s) left of the allowed amount (docs/pipeline.md, "Secondary claims").

Per claim, with A = allowed, N = our normal benefit (what we pay as primary), P = the member's
cost share as primary (A = N + P) and O = what the other payers paid (int64 cents, -1 when the
claim is not a secondary claim):

    member reduction  R_m = min(O, P)              the other payment first covers the member
    payment reduction R_p = min(O - R_m, N)        then what we would pay
    our payment = N - R_p = max(0, min(N, A - O)); the member owes P - R_m

and the prior payer's share R_m + R_p = min(O, A) is adjusted under CARC 23 (group OA). The claim
reductions go to its lines in line order, each line taking up to its own P (then N); within a
line the member reduction takes coinsurance first, then copay, then deductible. The
accumulators are not touched: a secondary claim credits them with the cost share computed as
if primary (`credited_*`), as the NAIC model COB regulation has the secondary plan credit its
deductible.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from workers.pipeline.lookup import per_claim


@dataclass
class Coordination:
    """Per line (L) int64 cents; `secondary` per line (bool): its claim has another payer."""

    secondary: np.ndarray  # bool (L,)
    prior_payer: np.ndarray  # OA-23: the other payers' share of the line's allowed amount
    credited_deductible: np.ndarray  # what the line adds to the deductible accumulator
    credited_oop: np.ndarray  # what it adds to the out-of-pocket accumulator (as if primary)
    normal_paid: np.ndarray  # our normal benefit: what we would pay as primary


def coordinate(share, line_claim: np.ndarray, starts: np.ndarray, other_paid: np.ndarray):
    """(cost share after COB, Coordination) from the cost share as primary (`share`, a
    cost_share.CostShare) and each claim's other-payer paid cents (`other_paid`, -1: none)."""
    secondary_claim = other_paid >= 0
    secondary = secondary_claim[line_claim]
    patient, paid = share.patient, share.paid
    if not secondary_claim.any():  # the usual chunk: nothing to coordinate
        nothing = np.zeros(len(patient), np.int64)
        return share, Coordination(secondary, nothing, share.deductible, patient, paid)
    total_patient = per_claim(np.add, patient, starts, np.int64(0))
    total_paid = per_claim(np.add, paid, starts, np.int64(0))
    other = np.maximum(other_paid, 0)
    member_cut = np.minimum(other, total_patient)
    payment_cut = np.minimum(other - member_cut, total_paid)
    line_member_cut = _in_line_order(patient, member_cut, line_claim, starts)
    line_payment_cut = _in_line_order(paid, payment_cut, line_claim, starts)
    coinsurance, copay, deductible = _take(
        line_member_cut, share.coinsurance, share.copay, share.deductible
    )
    after = replace(
        share,
        deductible=deductible,
        coinsurance=coinsurance,
        copay=copay,
        patient=patient - line_member_cut,
        paid=paid - line_payment_cut,
    )
    coordination = Coordination(
        secondary,
        np.where(secondary, line_member_cut + line_payment_cut, 0),
        share.deductible.copy(),
        patient.copy(),
        paid.copy(),
    )
    return after, coordination


def _in_line_order(capacity, claim_amount, line_claim, starts) -> np.ndarray:
    """`claim_amount` (per claim) spread over the claim's lines in order, each line taking up to
    its `capacity`: min(C_i, X) - min(C_(i-1), X) over the claim's running capacity C."""
    running = np.cumsum(capacity)
    before_claim = np.concatenate([[0], running])[starts] if len(capacity) else running[:0]
    claim_running = running - before_claim[line_claim]
    limit = claim_amount[line_claim]
    return np.minimum(claim_running, limit) - np.minimum(claim_running - capacity, limit)


def _take(cut, coinsurance, copay, deductible):
    """Remove `cut` cents from coinsurance, then copay, then deductible."""
    from_coinsurance = np.minimum(cut, coinsurance)
    cut = cut - from_coinsurance
    from_copay = np.minimum(cut, copay)
    cut = cut - from_copay
    from_deductible = np.minimum(cut, deductible)
    return coinsurance - from_coinsurance, copay - from_copay, deductible - from_deductible
