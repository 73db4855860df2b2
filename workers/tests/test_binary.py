"""Binary COPY built by numpy, checked by the only reader that matters: PostgreSQL."""

import numpy as np
from sqlalchemy import text

from workers.binary import copy_stream, encode_date, encode_fixed, encode_numeric, encode_text


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
