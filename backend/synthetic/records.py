"""Records as columns of text, rendered whole-column to PostgreSQL COPY text, CSV or JSON.

A Field is one column: its values as cells (see text.py), which rows are NULL, and whether JSON
writes it as a number. An ArrayField holds up to k elements per row, present ones first.
Values are plain ASCII without tabs, commas, quotes or backslashes (the generator never makes
any), so no format needs escaping; `check` enforces it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from backend.synthetic import text

UNSAFE = b'\t\n\r,"\\'


@dataclass
class Field:
    name: str
    cells: text.Cells
    null: np.ndarray | None = None  # bool (rows,), True = NULL
    number: bool = False  # JSON without quotes

    @property
    def rows(self) -> int:
        return self.cells.shape[0]


@dataclass
class ArrayField:
    name: str
    elements: list[text.Cells]  # element k of every row
    present: list[np.ndarray]  # bool (rows,): row has element k (present ones come first)
    number: bool = False

    @property
    def rows(self) -> int:
        return self.elements[0].shape[0] if self.elements else len(self.present[0])


def field(name: str, values: np.ndarray, null: np.ndarray | None = None) -> Field:
    """A text field from a string array ('S' or 'U')."""
    return Field(name, text.strings(values), null)


def number(name: str, values: np.ndarray, null: np.ndarray | None = None) -> Field:
    """A non-negative integer field (NULL rows may hold any value)."""
    values = np.asarray(values)
    if null is not None:
        values = np.where(null, 0, values)
    return Field(name, text.integers(values), null, number=True)


def date(name: str, days: np.ndarray, null: np.ndarray | None = None) -> Field:
    """An ISO date field from day numbers."""
    days = np.asarray(days)
    if null is not None:
        days = np.where(null, 0, days)
    return Field(name, text.dates(days), null)


def check(fields: list) -> None:
    """Refuse values that would need escaping in COPY text, CSV or JSON."""
    for f in fields:
        cells = f.elements if isinstance(f, ArrayField) else [f.cells]
        if any(text.contains_any(c, UNSAFE) for c in cells):
            raise ValueError(f"field {f.name} holds a character the text sinks do not escape")


def copy_text(fields: list) -> bytes:
    """PostgreSQL COPY text format: tab-separated, \\N for NULL, arrays as {a,b}."""
    columns = [_cell(f, b"\\N", lambda a: _array(a, b"{", b"}", b",", b"")) for f in fields]
    return _rows(columns, b"\t", b"\n")


def csv_text(fields: list, header: bool = True) -> bytes:
    """CSV: comma-separated, empty for NULL, arrays as a;b."""
    columns = [_cell(f, b"", lambda a: _array(a, b"", b"", b";", b"")) for f in fields]
    names = (",".join(f.name for f in fields) + "\n").encode() if header else b""
    return names + _rows(columns, b",", b"\n")


def json_cells(fields: list, prefix: bytes = b"{", suffix: bytes = b"}") -> text.Cells:
    """One JSON object per row, as cells: {"name":value,...}; NULL members are left out, so
    the first field must never be NULL."""
    rows = fields[0].rows
    parts = [text.constant(prefix, rows)]
    for position, f in enumerate(fields):
        key = text.constant(f'{"," if position else ""}"{f.name}":'.encode(), rows)
        quote = b"" if f.number else b'"'
        if isinstance(f, ArrayField):
            parts += [key, _array(f, b"[", b"]", b",", quote)]
            continue
        member = [key, f.cells] if f.number else [key, text.constant(quote, rows), f.cells,
                                                   text.constant(quote, rows)]  # fmt: skip
        member = text.join(member)
        parts.append(member if f.null is None else text.blank(f.null, member))
    parts.append(text.constant(suffix, rows))
    return text.join(parts)


def subset(fields: list, rows: np.ndarray) -> list:
    """The fields restricted to these rows."""
    chosen = []
    for f in fields:
        if isinstance(f, ArrayField):
            chosen.append(ArrayField(f.name, [e[rows] for e in f.elements],
                                     [p[rows] for p in f.present], f.number))  # fmt: skip
        else:
            null = None if f.null is None else f.null[rows]
            chosen.append(Field(f.name, f.cells[rows], null, f.number))
    return chosen


def _cell(f, null: bytes, render_array) -> text.Cells:
    if isinstance(f, ArrayField):
        return render_array(f)
    return _nullable(f.cells, f.null, null)


def _nullable(cells: text.Cells, null_rows, null: bytes) -> text.Cells:
    if null_rows is None or not null_rows.any():
        return cells
    if not null:
        return text.blank(null_rows, cells)
    return text.where(null_rows, text.constant(null, len(null_rows)), cells)


def _array(f: ArrayField, open_: bytes, close: bytes, separator: bytes, quote: bytes):
    rows = f.rows
    parts = [text.constant(open_, rows)] if open_ else []
    for position, (cells, present) in enumerate(zip(f.elements, f.present, strict=True)):
        item = [text.constant(separator, rows)] if position else []
        item += (
            [text.constant(quote, rows), cells, text.constant(quote, rows)] if quote else [cells]
        )
        parts.append(text.blank(~present, text.join(item)))
    if close:
        parts.append(text.constant(close, rows))
    if not parts:  # an empty CSV array with no elements at all
        return np.zeros((rows, 1), dtype=np.uint8)
    return text.join(parts)


def _rows(columns: list[text.Cells], separator: bytes, end: bytes) -> bytes:
    rows = columns[0].shape[0]
    return text.to_bytes(text.join([text.join(columns, separator), text.constant(end, rows)]))
