"""Reading CMS's CSV exports: their encodings, the title lines above the header row, header
names compared on letters and digits only, numeric cells as Decimal."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path


def read_cms_text(path: str | Path) -> str:
    """The text of a CMS file: UTF-8 (with or without BOM), else Windows-1252 as CMS exports."""
    raw = Path(path).read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def csv_rows(text: str) -> list[list[str]]:
    """The cells of every row, stripped of surrounding blanks."""
    return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text))]


def find_header_row(
    rows: list[list[str]], is_header: Callable[[list[str]], bool], described: str
) -> int:
    """Index of the first row whose header keys satisfy `is_header`; title lines come before."""
    for index, cells in enumerate(rows):
        if is_header([header_key(cell) for cell in cells]):
            return index
    raise ValueError(f"no header row ({described}) found")


def header_key(cell: str) -> str:
    """A header name reduced to upper-case letters and digits: "NON-FAC PE RVU" -> NONFACPERVU,
    so that spacing, hyphens and footnote marks do not matter."""
    return re.sub(r"[^A-Z0-9]", "", cell.upper())


def column_index(header: list[str], matches: Callable[[str], bool]) -> int | None:
    """The first column whose header key `matches`."""
    return next((i for i, key in enumerate(header) if matches(key)), None)


def required_columns(columns: dict[str, int | None], header: list[str]) -> dict[str, int]:
    """`columns` (field -> column index), or an error naming the fields with no column."""
    missing = [field for field, index in columns.items() if index is None]
    if missing:
        raise ValueError(f"no {', '.join(missing)} column in header {header}")
    return columns


def cell_at(cells: list[str], index: int | None) -> str:
    """The cell at `index`; empty when the row is short or the column absent."""
    return cells[index] if index is not None and index < len(cells) else ""


def decimal_cell(value: str) -> Decimal:
    """A numeric cell as Decimal; blank (and CMS's "NA") read as zero."""
    value = value.replace(",", "").replace("$", "").strip()
    if value in ("", "NA"):
        return Decimal("0")
    try:
        return Decimal(value)
    except InvalidOperation as error:
        raise ValueError(f"not a number: {value!r}") from error
