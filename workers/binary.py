"""PostgreSQL binary formats to and from numpy, for the pipeline's I/O: arrays aggregated and
sent as one bytea per column (`array_send(array_agg(x))`) are read with np.frombuffer, and
results are written with binary COPY built as one numpy structured array."""

from __future__ import annotations

import re

import numpy as np
from psycopg.adapt import Dumper
from psycopg.pq import Format

PG_EPOCH_DAYS = 10_957  # 2000-01-01 - 1970-01-01
COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
COPY_TRAILER = b"\xff\xff"


def array_literal(values) -> str:
    """A PostgreSQL array literal ('{1,2,3}') of integers, for `CAST(:x AS int8[])`: psycopg
    adapts a Python list element by element, which is slow for tens of thousands of ids.
    Non-negative values are written in numpy, each padded with zeros to the widest one's
    digits ('{001,023}', which PostgreSQL reads as 1 and 23): several times faster than
    str() of each value."""
    values = np.asarray(values, np.int64).reshape(-1)
    if not len(values) or values.min() < 0:
        return "{" + ",".join(map(str, values.tolist())) + "}"
    width = len(str(int(values.max())))
    rest = values.astype(np.uint32 if values.max() < 2**32 else np.uint64)
    text = np.empty((width + 1, len(values)), np.uint8)  # digit by digit, then transposed
    text[width] = ord(",")
    for column in range(width - 1, -1, -1):
        quotient = rest // 10
        text[column] = rest - quotient * 10
        rest = quotient
    text[:width] += ord("0")
    return "{" + text.T.tobytes()[:-1].decode("ascii") + "}"


class ArrayParameter:
    """A one-dimensional PostgreSQL array as a statement parameter, already in binary form
    (what array_recv reads): psycopg sends it as it is (`use_array_parameters`), where a text
    literal costs the worker its digits and the server their parsing."""

    __slots__ = ("payload",)
    element_oid = 0

    def __init__(self, payload: bytes):
        self.payload = payload


class Int8Array(ArrayParameter):
    element_oid = 20


class Int4Array(ArrayParameter):
    element_oid = 23


class Float8Array(ArrayParameter):
    element_oid = 701


_ARRAYS = {">i8": (Int8Array, 1016), ">i4": (Int4Array, 1007), ">f8": (Float8Array, 1022)}


def array_parameter(values, dtype: str) -> ArrayParameter:
    """`values` (one-dimensional, never NULL) as an int8[], int4[] or float8[] parameter:
    `dtype` '>i8', '>i4' or '>f8'. Each value is sent exactly (a float8 bit for bit)."""
    kind = _ARRAYS[dtype][0]
    values = np.asarray(values).reshape(-1)
    if not len(values):
        return kind(np.array([0, 0, kind.element_oid], ">i4").tobytes())
    header = np.array([1, 0, kind.element_oid, len(values), 1], ">i4").tobytes()
    rows = np.empty(len(values), [("length", ">i4"), ("value", dtype)])
    rows["length"] = np.dtype(dtype).itemsize
    rows["value"] = values
    return kind(header + rows.tobytes())


def _dumper(array_oid: int) -> type[Dumper]:
    class ArrayDumper(Dumper):
        format = Format.BINARY
        oid = array_oid

        def dump(self, obj: ArrayParameter) -> bytes:
            return obj.payload

    return ArrayDumper


_DUMPERS = [(kind, _dumper(oid)) for kind, oid in _ARRAYS.values()]


def use_array_parameters(driver_connection) -> None:
    """Let this psycopg connection send ArrayParameter values (idempotent, a few dict writes)."""
    for kind, dumper in _DUMPERS:
        driver_connection.adapters.register_dumper(kind, dumper)


def driver_statement(sql: str) -> str:
    """A statement written with SQLAlchemy text()'s `:name` parameters in psycopg's
    `%(name)s` (a `::type` cast is left alone); `sql` has no literal '%'."""
    return re.sub(r"(?<![:\w]):(\w+)", r"%(\1)s", sql)


def native_dtype(dtype) -> np.dtype:
    """The native-endian numpy type of a big-endian one ('>i8' -> int64), as numpy's own
    instance: `newbyteorder("=")` alone gives an equal but distinct instance, and numpy takes
    slow generic paths for it (np.maximum.at about 25 times slower, casting in ufuncs)."""
    native = np.dtype(dtype).newbyteorder("=")
    return np.dtype(native.type) if native.kind in "biuf" else native


def read_array(payload: bytes | None, dtype: str) -> np.ndarray:
    """The elements of a one-dimensional PostgreSQL array in binary form (array_send) whose
    elements are fixed-size and never NULL; `dtype` is their big-endian numpy type ('>i8')."""
    if payload is None:
        return np.zeros(0, native_dtype(dtype))
    buffer = memoryview(payload)
    dimensions = int.from_bytes(buffer[0:4], "big")
    if dimensions == 0:
        return np.zeros(0, native_dtype(dtype))
    if int.from_bytes(buffer[4:8], "big"):
        raise ValueError("array has NULL elements; coalesce them in SQL")
    rows = np.frombuffer(buffer, dtype=[("length", ">i4"), ("value", dtype)], offset=20)
    return rows["value"].astype(native_dtype(dtype))


def read_codes(lengths: np.ndarray, blob: bytes | None, width: int) -> np.ndarray:
    """Fixed-width byte codes ("S<width>") from the octet lengths of each value and the values
    concatenated (`string_agg`); longer values are truncated (they fail validation anyway)."""
    count = len(lengths)
    data = blob.encode() if isinstance(blob, str) else blob
    if count and data and len(data) == count * width and (lengths == width).all():
        return np.frombuffer(data, f"S{width}").copy()  # every value full width (rpad in SQL)
    out = np.zeros((count, width), np.uint8)
    if count and blob:
        data = np.frombuffer(data, np.uint8)
        starts = np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.int64)
        kept = np.minimum(lengths, width).astype(np.int64)
        row = np.repeat(np.arange(count), kept)
        column = np.arange(kept.sum()) - np.repeat(np.cumsum(kept) - kept, kept)
        out[row, column] = data[starts[row] + column]
    return out.view(f"S{width}").ravel()


def copy_rows(columns: list[tuple[np.ndarray, str]]) -> bytes:
    """A complete binary COPY stream of the rows given column by column, each as (values,
    big-endian numpy type: '>i8', '>i4', '>i2', '>f8', '?' for boolean, 'S<n>' for bytea of
    exactly n bytes). Dates go as '>i4' days since 2000-01-01 (see `pg_date`)."""
    count = len(columns[0][0]) if columns else 0
    fields = [("field_count", ">i2")]
    for index, (_values, dtype) in enumerate(columns):
        fields += [(f"length{index}", ">i4"), (f"value{index}", dtype)]
    rows = np.empty(count, dtype=fields)
    rows["field_count"] = len(columns)
    for index, (values, dtype) in enumerate(columns):
        rows[f"length{index}"] = np.dtype(dtype).itemsize
        rows[f"value{index}"] = values
    return COPY_HEADER + rows.tobytes() + COPY_TRAILER


def pg_date(days_since_1970: np.ndarray) -> np.ndarray:
    """int32 days since 1970 as PostgreSQL date values (days since 2000)."""
    return days_since_1970.astype(np.int64) - PG_EPOCH_DAYS


# Binary COPY with variable-length and NULL fields: each field is encoded as a byte matrix
# (rows x widest value) with the byte length of each value (-1 for NULL); `copy_stream` lays
# the rows out back to back.


def copy_stream(fields: list[tuple[np.ndarray, np.ndarray]]) -> memoryview:
    """A complete binary COPY stream (a memoryview over one numpy buffer, which psycopg writes
    without a copy); `fields` are (uint8 matrix (N, W), int32 lengths (N,)) from the encoders
    below, in the COPY column order. Rows with the same field lengths are laid out together as
    one dense block (COPY does not care about row order), so no per-row work: the rows are
    grouped by their lengths once, and each group's fields are copied as column slices."""
    count = len(fields[0][1]) if fields else 0
    if count == 0:
        return memoryview(COPY_HEADER + COPY_TRAILER)
    first, group = _length_groups([length for _matrix, length in fields])
    rows_of_group = np.bincount(group)
    group_lengths = np.stack([length[first] for _matrix, length in fields], axis=1)  # -1: NULL
    sizes = np.maximum(group_lengths, 0)
    row_bytes = 2 + 4 * len(fields) + sizes.sum(axis=1)
    ends = len(COPY_HEADER) + np.cumsum(rows_of_group * row_bytes)
    out = np.empty(int(ends[-1]) + len(COPY_TRAILER), np.uint8)
    out[: len(COPY_HEADER)] = np.frombuffer(COPY_HEADER, np.uint8)
    out[-len(COPY_TRAILER) :] = np.frombuffer(COPY_TRAILER, np.uint8)
    order = np.argsort(group, kind="stable")
    ordered = [_take_rows(matrix, order) for matrix, _length in fields]
    field_count = np.array([len(fields)], ">i2").view(np.uint8)
    headers = group_lengths.astype(">i4").view(np.uint8).reshape(len(first), len(fields), 4)
    start = 0
    for index, rows in enumerate(rows_of_group.tolist()):
        width = int(row_bytes[index])
        block = out[ends[index] - rows * width : ends[index]].reshape(rows, width)
        block[:, :2] = field_count
        column = 2
        for field, matrix in enumerate(ordered):
            block[:, column : column + 4] = headers[index, field]
            size = int(sizes[index, field])
            block[:, column + 4 : column + 4 + size] = matrix[start : start + rows, :size]
            column += 4 + size
        start += rows
    return memoryview(out)


def _length_groups(lengths: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(first row of each group, group of each row) for the rows grouped by their tuple of field
    lengths. Fields whose length never varies are left out; each other field's lengths become
    small codes packed into one int64 key (re-numbered when the bits run out), which sorts much
    faster than the tuples themselves."""
    key = np.zeros(len(lengths[0]), np.int64)
    bits = 0
    for length in lengths:
        low, high = int(length.min()), int(length.max())
        if low == high:
            continue
        present = np.zeros(high - low + 1, bool)
        present[length - low] = True
        code = (np.cumsum(present) - 1)[length - low]
        width = (int(present.sum()) - 1).bit_length()
        if bits + width > 62:
            key = np.unique(key, return_inverse=True)[1].ravel().astype(np.int64)
            bits = int(key.max()).bit_length()
        key = (key << width) | code
        bits += width
    _keys, first, group = np.unique(key, return_index=True, return_inverse=True)
    return first, group.ravel()


def _take_rows(matrix: np.ndarray, order: np.ndarray) -> np.ndarray:
    """matrix[order] for a uint8 matrix, each row moved as one element (much faster than
    numpy's two-dimensional fancy indexing of narrow rows)."""
    width = matrix.shape[1]
    if width == 0:
        return matrix[order]
    rows = np.ascontiguousarray(matrix).view(f"V{width}").ravel()
    return rows[order].view(np.uint8).reshape(len(order), width)


def _matrix(values: np.ndarray, size: int) -> np.ndarray:
    return np.ascontiguousarray(values).view(np.uint8).reshape(-1, size)


def encode_fixed(values: np.ndarray, dtype: str, null: np.ndarray | None = None):
    """Fixed-size values ('>i8', '>i4', '>i2', '>f8', '?'), NULL where `null`."""
    size = np.dtype(dtype).itemsize
    matrix = _matrix(np.asarray(values).astype(dtype), size)
    lengths = np.full(len(matrix), size, np.int32)
    if null is not None:
        lengths[null] = -1
    return matrix, lengths


def encode_date(days: np.ndarray, null: np.ndarray | None = None):
    """int32 days since 1970 as PostgreSQL dates."""
    safe = np.where(null, 0, days) if null is not None else days
    return encode_fixed(pg_date(safe), ">i4", null)


def encode_numeric(scaled: np.ndarray, scale: int, null: np.ndarray | None = None):
    """Non-negative integers holding value * 10**scale (scale 0..4) as PostgreSQL numeric,
    with three base-10000 digits (up to 10**8 before the point; PostgreSQL normalizes)."""
    scaled = np.asarray(scaled, np.int64)
    whole, fraction = np.divmod(scaled, 10**scale)
    header = np.array([3, 1, 0, scale], ">i2")
    parts = np.empty((len(scaled), 7), ">i2")
    parts[:, :4] = header
    parts[:, 4] = (whole // 10_000) % 10_000
    parts[:, 5] = whole % 10_000
    parts[:, 6] = fraction * 10 ** (4 - scale)
    lengths = np.full(len(scaled), 14, np.int32)
    if null is not None:
        lengths[null] = -1
    return _matrix(parts, 14), lengths


def encode_text(codes: np.ndarray, empty_is_null: bool = True, prefix: bytes = b""):
    """Fixed-width byte strings ("S<n>", NUL padded) as text (or, with prefix b"\\x01",
    jsonb); empty ones NULL unless `empty_is_null` is False."""
    codes = np.asarray(codes)
    if codes.dtype.kind != "S":
        codes = codes.astype("S")
    size = max(codes.dtype.itemsize, 1)
    body = _matrix(codes.astype(f"S{size}"), size)
    lengths = np.char.str_len(codes).astype(np.int32)
    if prefix:
        head = np.broadcast_to(np.frombuffer(prefix, np.uint8), (len(codes), len(prefix)))
        body = np.concatenate([head, body], axis=1)
        lengths = lengths + len(prefix)
    if empty_is_null:
        lengths = np.where(np.char.str_len(codes) == 0, -1, lengths).astype(np.int32)
    return body, lengths


def encode_text_array(codes: np.ndarray, element_oid: int):
    """A one-element text array of each code, or an empty array where the code is empty."""
    codes = np.asarray(codes).astype("S")
    size = max(codes.dtype.itemsize, 1)
    length = np.char.str_len(codes).astype(np.int64)
    one = np.array([1, 0, element_oid, 1, 1], ">i4").view(np.uint8)
    empty = np.array([0, 0, element_oid], ">i4").view(np.uint8)
    matrix = np.zeros((len(codes), 20 + 4 + size), np.uint8)
    has = length > 0
    matrix[:, :20] = np.where(has[:, None], one, np.concatenate([empty, np.zeros(8, np.uint8)]))
    matrix[:, 20:24] = length.astype(">i4").view(np.uint8).reshape(-1, 4)
    matrix[:, 24:] = _matrix(codes.astype(f"S{size}"), size)
    lengths = np.where(has, 24 + length, 12).astype(np.int32)
    return matrix, lengths
