"""The generator's pure parts, without a database: columnar text rendering, record formats,
grouping, NPIs, pattern rates, population keys, the format registry."""

import json

import numpy as np
import pytest

from backend.providers.npi import is_valid_npi
from backend.synthetic import records as r
from backend.synthetic import text
from backend.synthetic.context import groups
from backend.synthetic.formats import (
    FORMATS,
    FormatNotAvailable,
    available_formats,
    factory_for,
)
from backend.synthetic.lines import compact
from backend.synthetic.patterns import checked_rates
from backend.synthetic.population import PopulationSpec
from backend.synthetic.providers import make_npis


def test_integers_dates_and_timestamps_render_as_text():
    numbers = np.array([0, 7, 1234, 9_876_543_210])
    assert text.to_bytes(text.join([text.integers(numbers), text.constant(b"|", 4)])) == (
        b"0|7|1234|9876543210|"
    )
    padded = text.integers(np.array([5, 123]), 4, zero_pad=True)
    assert text.to_bytes(padded) == b"00050123"
    days = np.array([0, 20_089, -25_567])  # 1970-01-01, 2025-01-01, 1900-01-01
    assert text.to_bytes(text.dates(days)) == b"1970-01-012025-01-011900-01-01"
    stamp = text.timestamps(np.array([20_089]), np.array([13 * 3600 + 5 * 60 + 9]))
    assert text.to_bytes(stamp) == b"2025-01-01T13:05:09Z"


def test_where_and_blank_choose_rows():
    values = text.strings(np.array([b"ab", b"cde"]))
    null = text.constant(b"\\N", 2)
    assert text.to_bytes(text.where(np.array([True, False]), null, values)) == b"\\Ncde"
    assert text.to_bytes(text.blank(np.array([False, True]), values)) == b"ab"


def _fields():
    return [
        r.number("id", np.array([1, 22])),
        r.field("name", np.array(["ANN", "BO"]), null=np.array([False, True])),
        r.date("born", np.array([0, 1])),
        r.ArrayField(
            "codes",
            [text.strings(np.array([b"I10", b"E119"])), text.strings(np.array([b"Z23", b""]))],
            [np.array([True, True]), np.array([True, False])],
        ),
    ]


def test_copy_text_writes_nulls_and_arrays_as_postgresql_reads_them():
    assert r.copy_text(_fields()) == (
        b"1\tANN\t1970-01-01\t{I10,Z23}\n22\t\\N\t1970-01-02\t{E119}\n"
    )


def test_csv_text_has_a_header_and_empty_nulls():
    assert r.csv_text(_fields()) == (
        b"id,name,born,codes\n1,ANN,1970-01-01,I10;Z23\n22,,1970-01-02,E119\n"
    )


def test_json_cells_are_json_objects_without_null_members():
    cells = r.json_cells(_fields())
    rows = text.to_bytes(text.join([cells, text.constant(b"\n", 2)])).splitlines()
    assert [json.loads(row) for row in rows] == [
        {"id": 1, "name": "ANN", "born": "1970-01-01", "codes": ["I10", "Z23"]},
        {"id": 22, "born": "1970-01-02", "codes": ["E119"]},
    ]


def test_check_refuses_characters_that_would_need_escaping():
    with pytest.raises(ValueError, match="name"):
        r.check([r.field("name", np.array(["O,BRIEN"]))])


def test_groups_yields_each_combination_with_its_rows():
    kind = np.array([3, -1, 3, 2, -1])
    plan = np.array([0, 1, 0, 5, 1])
    found = {values: rows.tolist() for values, rows in groups(kind, plan)}
    assert found == {(-1, 1): [1, 4], (2, 5): [3], (3, 0): [0, 2]}


def test_compact_drops_repeated_codes_and_keeps_order():
    codes = np.array([[5, 5, -1, 7], [-1, 3, 3, 2]])
    assert compact(codes).tolist() == [[5, 7, -1, -1], [3, 2, -1, -1]]


def test_generated_npis_pass_the_luhn_check_and_do_not_repeat():
    npis = make_npis(123_456, 5_000)
    assert all(is_valid_npi(npi.decode()) for npi in npis)
    assert len(set(npis.tolist())) == 5_000
    assert {npi[:1] for npi in npis.tolist()} <= {b"1", b"2"}


def test_rates_default_and_refuse_unknown_patterns_or_too_much():
    assert checked_rates({"upcoding": 0.1})["upcoding"] == 0.1
    assert checked_rates(None)["duplicate"] == 0.02
    with pytest.raises(ValueError, match="unknown pattern"):
        checked_rates({"upcode": 0.1})
    with pytest.raises(ValueError, match="add up"):
        checked_rates({"upcoding": 0.5, "duplicate": 0.5})


def test_population_key_and_tag_are_stable_and_distinct():
    first = PopulationSpec(seed=1, members=1000, providers=50, plans=4)
    assert first.tag == PopulationSpec(seed=1, members=1000, providers=50, plans=4).tag
    assert first.key == "seed=1;plans=4;providers=50;members=1000"
    assert first.tag != PopulationSpec(seed=2, members=1000, providers=50, plans=4).tag
    assert first.tag.isalpha() and first.tag.isupper() and len(first.tag) == 4
    assert PopulationSpec(seed=1, members=1000, providers=50, plans=4, name="demo").key.startswith(
        "demo;"
    )


def test_declared_formats_say_they_are_not_available_until_implemented():
    assert {"staging", "csv", "jsonl"} <= set(available_formats())
    assert {"x12-837p", "x12-837i", "x12-834", "fhir-bundle"} <= set(FORMATS)
    for name, (_, dotted) in FORMATS.items():
        if dotted is None:
            with pytest.raises(FormatNotAvailable, match="not available yet"):
                factory_for(name)
    with pytest.raises(FormatNotAvailable, match="unknown format"):
        factory_for("x12-999")
