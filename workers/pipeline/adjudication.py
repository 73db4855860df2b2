"""Stage 8, adjudication: line and claim decisions with their money and reason codes.

Per line, billed = allowed + contractual adjustment + non-covered and allowed = paid + patient
responsibility. A denied line has allowed 0 and its whole charge non-covered under the denial's
CARC (CO group); a paid or pended line has CO-45 for billed - allowed and PR-1/2/3 for the
deductible, coinsurance and copay. A claim is pended when its risk score reaches the review
threshold, denied when every line is denied, otherwise paid (lines may still be denied).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from workers.pipeline.codes import DENIED, NO_EDIT, PAID, PENDED, edit_index
from workers.pipeline.lookup import per_claim


@dataclass
class LineDecisions:
    decision: np.ndarray  # int8 PAID / DENIED / PENDED
    denial_edit: np.ndarray  # int16 edit index of the denial, NO_EDIT
    allowed: np.ndarray  # int64 cents
    contractual: np.ndarray  # int64 cents (CO-45)
    noncovered: np.ndarray  # int64 cents (CO-<denial CARC>)


@dataclass
class ClaimDecisions:
    decision: np.ndarray  # int8 per claim (meaningless for rejected claims)
    billed: np.ndarray  # int64 sums of the lines
    allowed: np.ndarray
    paid: np.ndarray
    patient: np.ndarray
    deductible: np.ndarray
    coinsurance: np.ndarray
    copay: np.ndarray
    contractual: np.ndarray
    noncovered: np.ndarray
    prior_payer: np.ndarray | None = None  # OA-23 (workers/pipeline/cob.py)


def line_denials(eligibility_edit: np.ndarray, duplicate: np.ndarray) -> np.ndarray:
    """The edit that denies each line (eligibility first, then duplicate), NO_EDIT if none."""
    return np.where(
        eligibility_edit != NO_EDIT,
        eligibility_edit,
        np.where(duplicate, edit_index("D018"), NO_EDIT),
    ).astype(np.int16)


def allow(charge: np.ndarray, fee: np.ndarray, denial: np.ndarray) -> np.ndarray:
    """The lesser of billed and the fee; 0 on denied lines."""
    return np.where(denial == NO_EDIT, np.minimum(charge, fee), 0).astype(np.int64)


def decide_lines(charge, allowed, denial, line_claim, pended_claim) -> LineDecisions:
    denied = denial != NO_EDIT
    decision = np.where(denied, DENIED, np.where(pended_claim[line_claim], PENDED, PAID))
    return LineDecisions(
        decision.astype(np.int8),
        denial,
        allowed,
        np.where(denied, 0, charge - allowed),
        np.where(denied, charge, 0),
    )


def decide_claims(lines: LineDecisions, charge, share, starts, pended) -> ClaimDecisions:
    """Claim decisions and sums; `starts` are the claims' first-line offsets."""

    def total(values):
        return per_claim(np.add, values.astype(np.int64), starts, np.int64(0))

    all_denied = per_claim(np.logical_and, lines.decision == DENIED, starts, True)
    decision = np.where(pended, PENDED, np.where(all_denied, DENIED, PAID)).astype(np.int8)
    return ClaimDecisions(
        decision,
        total(charge),
        total(lines.allowed),
        total(share.paid),
        total(share.patient),
        total(share.deductible),
        total(share.coinsurance),
        total(share.copay),
        total(lines.contractual),
        total(lines.noncovered),
    )
