"""The per-line explanation written with each adjudicated line, as typed columns of
production.claim_line: the denial CARC (which, with the amount columns, gives the line's 835
adjustments: `backend.claims.models.line_adjustments`), the RARC, and the pricing trace (how the
fee was set, where the cost share started from: `backend.claims.models.TRACE_COLUMNS`).

Typed columns rather than JSON: PostgreSQL parsing a jsonb value per line was the largest part
of writing the lines, and the JSON repeated what the amount columns already hold.
"""

from __future__ import annotations

import numpy as np

from backend.canonical.edits import EDITS
from workers.binary import encode_fixed, encode_text
from workers.pipeline.codes import NO_EDIT, PRICING_METHODS, RVU, SERVICE_CATEGORIES
from workers.pipeline.run import ChunkResult

CARC_TEXT = np.array([edit.carc for edit in EDITS.values()], "S3")
RARC = np.array([edit.rarc or "" for edit in EDITS.values()], "S6")
METHOD_TEXT = np.array(PRICING_METHODS, "S")
CATEGORY_TEXT = np.array(SERVICE_CATEGORIES, "S")
NETWORK_TEXT = np.array(("in", "out"), "S")
ALLOWED_FROM_TEXT = np.array(("fee", "billed", "denied"), "S")


def denial_carcs(result: ChunkResult, rows: np.ndarray) -> np.ndarray:
    """The CARC of each denied line in `rows` (adjustment group CO), b"" on the others."""
    denial = result.lines.denial_edit[rows]
    return np.where(denial != NO_EDIT, CARC_TEXT[np.maximum(denial, 0)], b"")


def remark_codes(result: ChunkResult, rows: np.ndarray) -> np.ndarray:
    """The RARC of each line's denial edit, b"" when none."""
    denial = result.lines.denial_edit[rows]
    return np.where(denial != NO_EDIT, RARC[np.maximum(denial, 0)], b"")


def pricing_trace_fields(result: ChunkResult, rows: np.ndarray) -> list:
    """The typed trace columns of production.claim_line (TRACE_COLUMNS order), encoded for
    binary COPY: method, fee, facility PE and modifier factor (RVU lines, else NULL),
    percentage of charges (NULL unless one applied), what the lesser-of took, network, service
    category, deductible and out-of-pocket met before the line and the coinsurance rate (NULL on
    denied lines)."""
    priced, share, decided = result.pricing, result.share, result.lines
    not_rvu = priced.method[rows] != RVU
    denied = decided.denial_edit[rows] != NO_EDIT
    category = result.category[rows]
    fee = priced.fee[rows]
    rate = priced.rate_bp[rows]
    factor_bp = (
        priced.factor_numerator[rows] * 10_000 // np.maximum(priced.factor_denominator[rows], 1)
    )
    allowed_from = np.where(denied, 2, np.where(decided.allowed[rows] < fee, 1, 0))
    out_of_network = result.eligibility.out_of_network[rows].astype(np.int64)
    return [
        encode_text(METHOD_TEXT[priced.method[rows]]),
        encode_fixed(fee, ">i8"),
        encode_fixed(priced.facility[rows].astype(bool), "?", not_rvu),
        encode_fixed(factor_bp, ">i4", not_rvu),
        encode_fixed(rate, ">i4", rate <= 0),
        encode_text(ALLOWED_FROM_TEXT[allowed_from]),
        encode_text(NETWORK_TEXT[out_of_network]),
        encode_text(np.where(category >= 0, CATEGORY_TEXT[np.maximum(category, 0)], b"")),
        encode_fixed(share.deductible_before[rows], ">i8", denied),
        encode_fixed(share.oop_before[rows], ">i8", denied),
        encode_fixed(share.coinsurance_bp[rows], ">i4", denied),
    ]


def coordination_fields(result: ChunkResult, rows: np.ndarray) -> list:
    """prior_payer_cents (OA-23), deductible_credit_cents and oop_credit_cents (what the line
    moved the accumulators by: its cost share as if primary) of a secondary claim's lines; NULL
    on a primary claim's lines (workers/pipeline/cob.py)."""
    coordination = result.coordination
    primary = ~coordination.secondary[rows]
    return [
        encode_fixed(values[rows], ">i8", primary)
        for values in (
            coordination.prior_payer,
            coordination.credited_deductible,
            coordination.credited_oop,
        )
    ]
