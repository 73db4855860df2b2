"""The per-line explanation written with each adjudicated line: `adjustments` (835 CAS order)
and `pricing_trace` (how the fee was set, where the cost share started from), as JSON text.

Built as fixed-width byte matrices (one row per line) without per-line Python: numbers are
right-aligned digits, words come from small padded vocabularies, and a part that does not apply
is blanked with spaces, which JSON ignores between tokens. PostgreSQL stores the parsed jsonb,
so the padding never reaches the database.
"""

from __future__ import annotations

import numpy as np

from backend.canonical.edits import EDITS
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
METHOD = _words(PRICING_METHODS)
CATEGORY = _words(SERVICE_CATEGORIES)
NETWORK = _words(("in", "out"))
ALLOWED_FROM = _words(("fee", "billed", "denied"))
BOOLEAN = np.frombuffer(b"falsetrue ", np.uint8).reshape(2, 5)


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


def pricing_trace(result: ChunkResult, rows: np.ndarray) -> np.ndarray:
    """JSON objects: method, fee, facility PE and modifier factor (RVU lines), percentage of
    charges, what the lesser-of took, network, service category, deductible and out-of-pocket
    met before the line and the coinsurance rate (lines not denied)."""
    priced, share, decided = result.pricing, result.share, result.lines
    count = len(rows)
    rvu = priced.method[rows] == RVU
    denied = decided.denial_edit[rows] != NO_EDIT
    category = result.category[rows]
    fee = priced.fee[rows]
    rate = priced.rate_bp[rows]
    factor_bp = (
        priced.factor_numerator[rows] * 10_000 // np.maximum(priced.factor_denominator[rows], 1)
    )
    allowed_from = np.where(denied, 2, np.where(decided.allowed[rows] < fee, 1, 0))
    network = NETWORK[result.eligibility.out_of_network[rows].astype(np.int64)]
    percent = _join(_const(',"percent_of_charges_bp":', count), _number(rate))
    before = share.deductible_before[rows], share.oop_before[rows], share.coinsurance_bp[rows]
    return _as_text(_join(
        _const('{"method":', count), METHOD[priced.method[rows]],
        _const(',"fee_cents":', count), _number(fee),
        _blank_unless(rvu, _join(
            _const(',"facility_pe":', count), BOOLEAN[priced.facility[rows].astype(np.int64)],
            _const(',"modifier_factor_bp":', count), _number(factor_bp))),
        _blank_unless(rate > 0, percent),
        _const(',"allowed_from":', count), ALLOWED_FROM[allowed_from],
        _const(',"network":', count), network,
        _blank_unless(category >= 0, _join(
            _const(',"service_category":', count), CATEGORY[np.maximum(category, 0)])),
        _blank_unless(~denied, _join(
            _const(',"deductible_met_before_cents":', count), _number(before[0]),
            _const(',"oop_met_before_cents":', count), _number(before[1]),
            _const(',"coinsurance_bp":', count), _number(before[2]))),
        _const("}", count),
    ))  # fmt: skip
