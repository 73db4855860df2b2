"""Columnar text rendering: whole columns to bytes with numpy, no per-row Python.

A *cell matrix* is a uint8 array of shape (rows, width) holding each row's bytes for one field,
padded with NUL (0) bytes anywhere in the row. Fields are laid side by side, separators are
constant columns, and `to_bytes` drops every NUL: what is left is the text, row after row.
Values never contain NUL, so padding and text cannot be confused.
"""

from __future__ import annotations

import functools

import numpy as np

Cells = np.ndarray  # uint8 (rows, width), NUL-padded

EPOCH = np.datetime64("1970-01-01", "D")
CALENDAR_FIRST = int((np.datetime64("1850-01-01") - EPOCH).astype(np.int64))
CALENDAR_END = int((np.datetime64("2200-01-01") - EPOCH).astype(np.int64))
_FOUR_DIGITS = (
    np.array([f"{i:04d}" for i in range(10_000)], dtype="S4").view(np.uint8).reshape(10_000, 4)
)


def constant(value: bytes, rows: int) -> Cells:
    """The same bytes on every row (a read-only broadcast view, no copy)."""
    return np.broadcast_to(np.frombuffer(value, dtype=np.uint8), (rows, len(value)))


def strings(values: np.ndarray) -> Cells:
    """ASCII strings ('S' or 'U' arrays) as cells."""
    values = np.asarray(values)
    if values.dtype.kind != "S":
        values = values.astype("S")
    width = max(values.dtype.itemsize, 1)
    values = values.astype(f"S{width}")
    return values.view(np.uint8).reshape(len(values), width)


def lookup(vocabulary: np.ndarray, index: np.ndarray) -> Cells:
    """Cells of vocabulary[index]: codes drawn from a small set render once, then gather."""
    return strings(vocabulary)[index]


def integers(values: np.ndarray, width: int | None = None, zero_pad: bool = False) -> Cells:
    """Non-negative integers in decimal; `zero_pad` writes exactly `width` digits."""
    values = np.asarray(values, dtype=np.int64)
    if values.size and values.min() < 0:
        raise ValueError("integers() renders non-negative values only")
    if not zero_pad:
        digits = len(str(int(values.max()))) if values.size else 1
        return strings(values.astype(f"S{digits}"))
    limbs = []
    for _ in range(-(-width // 4)):  # four digits at a time from a table of "0000".."9999"
        limbs.append(_FOUR_DIGITS[values % 10_000])
        values = values // 10_000
    return np.concatenate(limbs[::-1], axis=1)[:, -width:]


def dates(days: np.ndarray) -> Cells:
    """ISO dates (YYYY-MM-DD) of day numbers counted from 1970-01-01."""
    days = np.asarray(days, dtype=np.int64)
    calendar = _calendar()
    if days.size and not (
        days.min() >= CALENDAR_FIRST and days.max() < CALENDAR_FIRST + len(calendar)
    ):
        raise ValueError("dates() renders days from 1850 to 2199")
    return calendar[days - CALENDAR_FIRST]


@functools.cache
def _calendar() -> Cells:
    """Every date from 1850 to 2199 rendered once (1.3 MB), then gathered by day number."""
    days = np.arange(CALENDAR_FIRST, CALENDAR_END)
    text = np.datetime_as_string(EPOCH + days).astype("S10")
    return text.view(np.uint8).reshape(len(days), 10)


def timestamps(days: np.ndarray, seconds: np.ndarray) -> Cells:
    """UTC timestamps in ISO 8601 (YYYY-MM-DDTHH:MM:SSZ) from day numbers and seconds of day."""
    seconds = np.asarray(seconds, dtype=np.int64)
    hours, minutes, secs = seconds // 3600, seconds // 60 % 60, seconds % 60
    rows = len(seconds)
    return join(
        [
            dates(days),
            constant(b"T", rows),
            integers(hours, 2, zero_pad=True),
            constant(b":", rows),
            integers(minutes, 2, zero_pad=True),
            constant(b":", rows),
            integers(secs, 2, zero_pad=True),
            constant(b"Z", rows),
        ]
    )


def where(mask: np.ndarray, chosen: Cells, otherwise: Cells) -> Cells:
    """Row by row, `chosen` where mask is true, else `otherwise` (widths may differ)."""
    width = max(chosen.shape[1], otherwise.shape[1])
    return np.where(mask[:, None], _widen(chosen, width), _widen(otherwise, width))


def blank(mask: np.ndarray, cells: Cells) -> Cells:
    """The cells with the rows under mask emptied (all NUL)."""
    return np.where(mask[:, None], np.uint8(0), cells).astype(np.uint8)


def join(columns: list[Cells], separator: bytes = b"") -> Cells:
    """Cells side by side, with `separator` between each pair: one wider cell matrix."""
    rows = columns[0].shape[0]
    parts = []
    for position, column in enumerate(columns):
        if position and separator:
            parts.append(constant(separator, rows))
        parts.append(column)
    return np.concatenate(parts, axis=1)


def stack(blocks: list[tuple[Cells, np.ndarray]], rows: int) -> Cells:
    """Rows of several cell matrices interleaved: block (cells, positions) fills those rows."""
    width = max(cells.shape[1] for cells, _ in blocks)
    out = np.zeros((rows, width), dtype=np.uint8)
    for cells, positions in blocks:
        out[positions, : cells.shape[1]] = cells
    return out


def to_bytes(cells: Cells) -> bytes:
    """The text of the cells, row after row, NUL padding removed."""
    flat = np.ascontiguousarray(cells).ravel()
    return flat[flat != 0].tobytes()


def contains_any(cells: Cells, forbidden: bytes) -> bool:
    """True when any cell holds one of the forbidden bytes (quotes, separators, ...)."""
    return bool(np.isin(cells, np.frombuffer(forbidden, dtype=np.uint8)).any())


def _widen(cells: Cells, width: int) -> Cells:
    if cells.shape[1] == width:
        return cells
    return np.pad(cells, ((0, 0), (0, width - cells.shape[1])))
