"""The per-line explanation written with each adjudicated line: `adjustments` (835 CAS order)
as JSON text, and the pricing trace (how the fee was set, where the cost share started from) as
typed columns (`backend.claims.models.TRACE_COLUMNS`).

The JSON is built as fixed-width byte matrices (one row per line) without per-line Python:
numbers are right-aligned digits, words come from small padded vocabularies, and a part that
does not apply is blanked with spaces, which JSON ignores between tokens. PostgreSQL stores the
parsed jsonb, so the padding never reaches the database.
"""

from __future__ import annotations

import numpy as np

from backend.canonical.edits import EDITS
from workers.binary import encode_fixed, encode_text
from workers.pipeline.codes import NO_EDIT, PRICING_METHODS, RVU, SERVICE_CATEGORIES
from workers.pipeline.run import ChunkResult

SPACE, COMMA, DIGIT_ZERO = 32, 44, 48


def _words(words) -> np.ndarray:
    """Quoted words padded after the closing quote, as a (len(words), width) uint8 matrix."""
    quoted = [f'"{word}"'.encode() for word in words]
    width = max(len(q) for q in quoted)
    return np.frombuffer(b"".join(q.ljust(width) for q in quoted), np.uint8).reshape(-1, width)


CARC = _words(edit.carc for edit in EDITS.values())
RARC = np.array([edit.rarc or "" for edit in EDITS.values()], "S6")
METHOD_TEXT = np.array(PRICING_METHODS, "S")
CATEGORY_TEXT = np.array(SERVICE_CATEGORIES, "S")
NETWORK_TEXT = np.array(("in", "out"), "S")
ALLOWED_FROM_TEXT = np.array(("fee", "billed", "denied"), "S")


def _const(text: str, count: int) -> np.ndarray:
    return np.broadcast_to(np.frombuffer(text.encode(), np.uint8), (count, len(text)))


_FOUR_DIGITS = np.frombuffer(
    b"".join(f"{n:04d}".encode() for n in range(10_000)), np.uint8
).reshape(10_000, 4)


def _number(values: np.ndarray, width: int | None = None) -> np.ndarray:
    """Non-negative integers as right-aligned ASCII digits (leading spaces), as wide as the
    largest needs; four digits per table lookup, so few divisions."""
    values = np.asarray(values, np.int64)
    if width is None:
        width = len(str(int(values.max()))) if len(values) else 1
    limbs = -(-width // 4)
    digits = np.empty((len(values), 4 * limbs), np.uint8)
    rest = values
    for limb in range(limbs - 1, -1, -1):
        rest, low = np.divmod(rest, 10_000)
        digits[:, 4 * limb : 4 * limb + 4] = _FOUR_DIGITS[low]
    digits = digits[:, 4 * limbs - width :]
    count = np.maximum(np.floor(np.log10(np.maximum(values, 1))).astype(np.int64) + 1, 1)
    leading = np.arange(width) < (width - count)[:, None]
    digits[leading] = SPACE
    return digits


def _blank_unless(mask: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    return np.where(mask[:, None], matrix, SPACE).astype(np.uint8)


def _join(*parts: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(np.hstack(parts))


def _as_text(matrix: np.ndarray) -> np.ndarray:
    return matrix.view(f"S{matrix.shape[1]}").ravel()


def adjustments(result: ChunkResult, rows: np.ndarray) -> np.ndarray:
    """JSON arrays of {group, carc, amount_cents} per line in `rows`, non-zero amounts only."""
    decided, share = result.lines, result.share
    count = len(rows)
    denial = decided.denial_edit[rows]
    denied = denial != NO_EDIT
    entries = [
        (
            denied,
            _join(
                _const('{"group":"CO","carc":', count),
                CARC[np.maximum(denial, 0)],
                _const(',"amount_cents":', count),
                _number(decided.noncovered[rows]),
                _const("}", count),
            ),
        )
    ]
    for group, carc, amounts in (
        ("CO", "45", decided.contractual),
        ("PR", "1", share.deductible),
        ("PR", "2", share.coinsurance),
        ("PR", "3", share.copay),
    ):
        present = ~denied & (amounts[rows] > 0)
        text = f'{{"group":"{group}","carc":"{carc}","amount_cents":'
        entries.append(
            (present, _join(_const(text, count), _number(amounts[rows]), _const("}", count)))
        )
    parts, seen = [_const("[", count)], np.zeros(count, bool)
    for present, matrix in entries:
        separator = np.where(present & seen, COMMA, SPACE).astype(np.uint8)[:, None]
        parts += [separator, _blank_unless(present, matrix)]
        seen |= present
    parts.append(_const("]", count))
    return _as_text(_join(*parts))


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
