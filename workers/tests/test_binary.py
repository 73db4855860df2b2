"""Binary COPY built by numpy, checked by the only reader that matters: PostgreSQL."""

import numpy as np
from sqlalchemy import text

from workers.binary import (
    array_literal,
    array_parameter,
    copy_stream,
    driver_statement,
    encode_date,
    encode_fixed,
    encode_numeric,
    encode_text,
    read_array,
    use_array_parameters,
)


def test_rows_with_nulls_and_varying_lengths_arrive_as_written(connection):
    codes = np.array([b"99213", b"", b"J3301", b"G0", b""], "S5")
    amounts = np.array([12_345, 0, 7, 10**12, 1], np.int64)
    units_milli = np.array([1_000, 2_500, 1, 0, 999_999], np.int64)
    days = np.array([20_000, 20_001, 0, 20_003, 20_004], np.int32)
    missing = np.array([False, True, False, False, True])
    stream = copy_stream([
        encode_fixed(np.arange(5), ">i8"),
        encode_text(codes),
        encode_fixed(amounts, ">i8", missing),
        encode_numeric(units_milli, 3),
        encode_date(days, missing),
    ])  # fmt: skip
    connection.execute(
        text("CREATE TEMP TABLE copied (n int8, code text, cents int8, units numeric, day date)")
    )
    raw = connection.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy("COPY copied FROM STDIN (FORMAT BINARY)") as copy:
        copy.write(stream)
    rows = connection.execute(
        text("SELECT code, cents, units::text, day::text FROM copied ORDER BY n")
    )
    assert [tuple(row) for row in rows] == [
        ("99213", 12_345, "1.000", "2024-10-04"),
        (None, None, "2.500", None),
        ("J3301", 7, "0.001", "1970-01-01"),
        ("G0", 10**12, "0.000", "2024-10-07"),
        (None, None, "999.999", None),
    ]


def _rows(stream) -> list[bytes]:
    """The rows of a binary COPY stream, each as its bytes (field count, lengths, values)."""
    data, position, rows = bytes(stream), 19, []
    while (fields := int.from_bytes(data[position : position + 2], "big", signed=True)) != -1:
        start, position = position, position + 2
        for _ in range(fields):
            length = int.from_bytes(data[position : position + 4], "big", signed=True)
            position += 4 + max(length, 0)
        rows.append(data[start:position])
    assert position + 2 == len(data)
    return rows


def _reference_row(fields, row: int) -> bytes:
    """One row as the COPY binary format defines it, written out plainly."""
    out = len(fields).to_bytes(2, "big")
    for matrix, lengths in fields:
        length = int(lengths[row])
        out += length.to_bytes(4, "big", signed=True)
        out += matrix[row, : max(length, 0)].tobytes()
    return out


def test_the_stream_holds_every_row_as_the_format_defines_it():
    """Rows are regrouped by their field lengths (COPY ignores order): the same rows, whatever
    the mix of lengths, including more varying fields than one 64-bit grouping key holds."""
    generator = np.random.default_rng(7)
    count = 2_000
    fields = [encode_fixed(np.arange(count), ">i8")]
    for _ in range(40):  # 40 fields of 0-6 characters or NULL: about 120 bits of lengths
        lengths = generator.integers(-1, 7, count).astype(np.int32)
        matrix = generator.integers(65, 91, (count, 6)).astype(np.uint8)
        fields.append((matrix, lengths))
    fields.append(encode_numeric(generator.integers(0, 10**7, count), 2))
    stream = copy_stream(fields)
    assert sorted(_rows(stream)) == sorted(_reference_row(fields, row) for row in range(count))


def _sent(connection, sql: str, parameters: dict) -> tuple:
    """The row PostgreSQL returns for `sql` (text()'s :name parameters) run through psycopg."""
    raw = connection.connection.driver_connection
    use_array_parameters(raw)
    with raw.cursor() as cursor:
        return cursor.execute(driver_statement(sql), parameters, prepare=True).fetchone()


def test_binary_array_parameters_arrive_as_their_text_literals_do(connection):
    """array_parameter replaced the text literals of the risk history's statements: the server
    must read the same values from both, floats bit for bit (array_send's bytes compared)."""
    generator = np.random.default_rng(11)
    ints = np.concatenate(
        ([0, 1, -1, 2**63 - 1, -(2**63)], generator.integers(-(10**12), 10**12, 500))
    )
    days = np.concatenate(([0, -1, 2**31 - 1, -(2**31)], generator.integers(-30_000, 30_000, 300)))
    floats = np.concatenate((
        [0.0, -0.0, 5e-324, -2.2250738585072014e-308, 1.7976931348623157e308, np.pi],
        generator.normal(0, 3, 500), np.log(generator.uniform(0.01, 50, 500)),
    ))  # fmt: skip
    for values, dtype, kind in ((ints, ">i8", "int8"), (days, ">i4", "int4"),
                                (floats, ">f8", "float8")):  # fmt: skip
        for chosen in (values, values[:0], values[:1]):
            literal = (
                "{" + ",".join(np.char.mod("%.17g", chosen)) + "}"
                if kind == "float8"
                else array_literal(chosen)
            )
            sql = f"SELECT array_send(CAST(:b AS {kind}[])), array_send(CAST(:t AS {kind}[]))"
            sent, read = _sent(connection, sql, {"b": array_parameter(chosen, dtype), "t": literal})
            assert bytes(sent) == bytes(read)
            assert read_array(bytes(sent), dtype).tobytes() == chosen.astype(dtype[1:]).tobytes()


def test_driver_statement_turns_only_parameters_into_placeholders():
    sql = "SELECT (d - DATE '1970-01-01')::int4, CAST(:ids AS int8[]) FROM t WHERE x = :x_2"
    assert driver_statement(sql) == (
        "SELECT (d - DATE '1970-01-01')::int4, CAST(%(ids)s AS int8[]) FROM t WHERE x = %(x_2)s"
    )
