"""The shortcuts that keep stage 7 cheap, each against the plain numpy it replaces: code ids from
a per-process hash table (collisions included), dense ids without a sort, array literals written
in numpy, drift bins for every column at once, reasons from the chunk's own scores. And the
shipped champion gives the vectorized features exactly the scores it gives the per-claim
reference's."""

from __future__ import annotations

import numpy as np
import pytest

from backend.risk import metrics, registry
from workers.binary import array_literal, native_dtype, read_array
from workers.pipeline import risk_features as rf
from workers.pipeline.arrays import NO_DATE
from workers.pipeline.lookup import find_code
from workers.pipeline.risk_codes import LEVEL_CODES, PAIR_CODES
from workers.pipeline.risk_features import (
    FEATURES,
    chunk_facts,
    code_ids,
    dense_ids,
    feature_matrix,
    unique_ids,
)
from workers.pipeline.risk_member_history import FEATURES as MEMBER_FEATURES
from workers.risk_scoring import LiteRTScorer
from workers.tests.test_risk_features import random_chunk, reference_features


@pytest.fixture
def fresh_code_table(monkeypatch):
    monkeypatch.setattr(rf, "_tables", {})


def test_code_ids_group_lines_as_np_unique_does_with_colliding_and_new_codes(fresh_code_table):
    rng = np.random.default_rng(5)
    # 30,000 distinct codes cannot all have a slot of their own (16,384 slots): collisions and
    # codes the table never learns go the np.unique way.
    pool = np.unique(rng.integers(0, 10**5, 30_000).astype("S5"))
    for size in (1_000, 50_000, 50_000):  # the table learns between calls
        codes = np.r_[pool[rng.integers(0, len(pool), size)], [b"", b"99213", b"9"]].astype("S5")
        ids, known, level, pair = code_ids(codes)
        _, expected = np.unique(codes, return_inverse=True)
        assert (known[ids] == codes).all()  # an id's code is the line's code
        # the same partition of the lines: one id per distinct code
        assert len(np.unique(ids)) == len(np.unique(codes))
        assert (np.unique(np.c_[ids, expected], axis=0).shape[0]) == len(np.unique(codes))
        assert len(np.flatnonzero(known == b"")) == 1 and level[ids[codes == b"99213"]][0] == 0.5
        assert np.array_equal(pair[ids] >= 0, np.isin(codes, PAIR_CODES))
        assert np.array_equal(level[ids] >= 0, np.isin(codes, LEVEL_CODES))


@pytest.mark.parametrize("width", [5, 3, 7])
def test_code_slots_key_codes_as_the_numpy_byte_key_does(width):
    """The kernel's code keys (unrolled for 5-byte procedure codes) are rf._byte_key's: a code
    finds its id exactly when its slot holds its numpy key."""
    rng = np.random.default_rng(width)
    raw = rng.integers(0, 256, (4_000, width)).astype(np.uint8)
    raw[::5, width - 2 :] = 0  # shorter codes, NUL padded
    codes = raw.view(f"S{width}").ravel()
    key = rf._byte_key(codes)
    slot = rf._slot(key)
    slot_key = np.full(2**rf._CODE_BITS, rf._EMPTY_SLOT)
    slot_id = np.full(2**rf._CODE_BITS, -1, np.int32)
    slot_key[slot[::2]], slot_id[slot[::2]] = key[::2], np.arange(len(key[::2]))  # half known
    expected = np.where(slot_key[slot] == key, slot_id[slot], -1)
    ids = rf.kernels().code_slots(raw, slot_key, slot_id, rf._CODE_BITS, rf._HASH)
    assert np.array_equal(ids, expected) and (ids >= 0).sum() > len(codes) // 3


def test_codes_that_share_a_slot_are_learnt_in_the_next_ones(fresh_code_table):
    """Open addressing: codes hashing to one slot each get a slot of their own (within
    CODE_PROBES), so that the next chunk finds them all in the table."""
    pool = np.array([f"{n:05d}" for n in range(20_000)], "S5")
    home = rf._slot(rf._byte_key(pool))
    shared = pool[home == np.bincount(home).argmax()][:3]  # three codes, one home slot
    lines = np.r_[shared, shared[::-1], [b"99213"]].astype("S5")
    first, known, _, _ = code_ids(lines)
    table = rf._tables[5]
    raw = lines.view(np.uint8).reshape(len(lines), 5)
    found = rf.kernels().code_slots(raw, table.slot_key, table.slot_id, rf._CODE_BITS, rf._HASH)
    assert (found >= 0).all() and np.array_equal(table.codes[found], lines)
    again, known_again, _, _ = code_ids(lines)
    assert np.array_equal(known_again[again], lines) and np.array_equal(again, found)
    assert len(np.unique(first)) == 4 and np.array_equal(known[first], lines)


def test_a_chunk_without_lines_has_no_code_ids(fresh_code_table):
    ids, known, _, _ = code_ids(np.zeros(0, "S5"))
    assert len(ids) == 0 and len(known) == 0


@pytest.mark.parametrize("claims", [0, 6])
def test_a_chunk_without_lines_gets_the_reference_features(claims):
    features, history, scored = random_chunk(9, claims=max(claims, 1))
    line_fields = ("line_claim", "procedure_code", "units_milli", "charge", "fee",
                   "priced_by_rvu", "modifiers", "revenue_code", "place_of_service")  # fmt: skip
    for name in line_fields:
        setattr(features, name, getattr(features, name)[:0])
    if not claims:
        for name in ("billing_provider_id", "member_id", "claim_id", "service_day", "birth_day",
                     "institutional"):  # fmt: skip
            setattr(features, name, getattr(features, name)[:0])
        scored = scored[:0]
    features.claim_count = claims
    matrix = feature_matrix(features, history, chunk_facts(features, scored))
    rows = reference_features(features, history, scored)
    own = FEATURES[: FEATURES.index(MEMBER_FEATURES[0])]  # the member history's: its own file
    reference = np.array([[row[name] for name in own] for row in rows], np.float32)
    assert matrix.shape == (claims, len(FEATURES))
    assert np.allclose(matrix[:, : len(own)], reference.reshape(claims, len(own)),
                       rtol=1e-5, atol=1e-5)  # fmt: skip


@pytest.mark.parametrize("spread", [1, 10**9])
def test_the_member_sums_kernel_equals_the_numpy_it_replaced(spread):
    """risk_kernels.member_sums against rf._per_member (dense_ids, np.maximum.at, bincount),
    with ids dense (a presence table) or spread (the kernel declines, the numpy path runs)."""
    rng = np.random.default_rng(spread % 97)
    member = rng.integers(0, 3_000, 20_000).astype(np.int64) * spread
    day = rng.integers(19_000, 20_000, 20_000).astype(np.int32)
    day[::17] = NO_DATE
    counted = (rng.random(20_000) < 0.9) & (member > 0)
    ids, claims, last, dense = rf.kernels().member_sums(member, counted, day, NO_DATE)
    expected = rf._per_member(member[counted], day[counted])
    if spread == 1:
        assert dense and len(ids) > 2_000
        for got, want in zip((ids, claims, last), expected, strict=True):
            assert got.dtype == want.dtype and np.array_equal(got, want)
    else:
        assert not dense and len(ids) == 0
    nobody = rf.kernels().member_sums(member, np.zeros(20_000, bool), day, NO_DATE)
    assert nobody[3] and [len(part) for part in nobody[:3]] == [0, 0, 0]


def test_the_member_history_columns_kernel_equals_the_numpy_it_replaced():
    rng = np.random.default_rng(21)
    history_member = np.unique(rng.integers(1, 50_000, 8_000)).astype(np.int64)
    history_claims = rng.integers(1, 40, len(history_member)).astype(np.int64)
    history_last = rng.integers(18_500, 20_100, len(history_member)).astype(np.int32)
    member = rng.integers(0, 52_000, 25_000).astype(np.int64)  # beyond the last row too
    service_day = rng.integers(19_000, 20_000, 25_000).astype(np.int32)
    found = find_code(history_member, member)  # feature_matrix's numpy, as it was
    claims = np.where(found >= 0, history_claims[np.maximum(found, 0)], 0).astype(np.float64)
    last = np.where(found >= 0, history_last[np.maximum(found, 0)], 0).astype(np.float64)
    days = np.where(found >= 0, np.clip((service_day - last) / 365.0, 0.0, 1.0), 1.0)
    kernel = rf.kernels().member_history_columns
    got = kernel(history_member, history_claims, history_last, member, service_day)
    assert (found >= 0).sum() > 3_000 and (days > 0).sum() > 1_000 and (days < 1).sum() > 1_000
    assert np.array_equal(got[0], claims) and np.array_equal(got[1], days)
    empty = kernel(history_member[:0], history_claims[:0], history_last[:0], member, service_day)
    assert (empty[0] == 0).all() and (empty[1] == 1).all()


def test_the_quotients_pass_counts_claims_and_codes_as_bincount_does():
    """line_quotients also counts what line_reductions counted in a pass of its own: each
    claim's first line and each code id's lines (claims without lines included)."""
    rng = np.random.default_rng(23)
    line_claim = np.sort(rng.integers(0, 900, 5_000)).astype(np.intp)  # claims 900..999: none
    code = rng.integers(0, 40, 5_000).astype(np.int32)
    charge, fee = rng.integers(0, 90_000, (2, 5_000))
    units, priced = rng.integers(0, 3_000, 5_000), rng.random(5_000) < 0.7
    *_, starts, code_lines = rf.kernels().line_quotients(charge, fee, priced, units, line_claim,
                                                         1_000, code, 45)  # fmt: skip
    per_claim = np.bincount(line_claim, minlength=1_000)
    assert np.array_equal(starts, np.r_[0, np.cumsum(per_claim)])
    assert np.array_equal(code_lines, np.bincount(code, minlength=45))


def test_the_claims_age_and_kind_are_the_numpy_columns_they_were():
    """claim_columns writes age_years and institutional as feature_matrix's numpy did (int32
    day differences wrapping as numpy's do, unknown birth days aged 40)."""
    features, history, scored = random_chunk(12, claims=400)
    features.birth_day = features.birth_day.astype(np.int32)
    features.service_day[:3] = NO_DATE  # a claim without a service day: numpy wraps
    matrix = feature_matrix(features, history, chunk_facts(features, scored))
    age = np.where(features.birth_day != NO_DATE,
                   (features.service_day - features.birth_day) / 365.25, 40.0)  # fmt: skip
    assert (features.birth_day == NO_DATE).any() and (age[:3] > 1e6).any()
    assert np.array_equal(matrix[:, FEATURES.index("age_years")], age.astype(np.float32))
    kind = np.asarray(features.institutional).astype(np.float32)
    assert np.array_equal(matrix[:, FEATURES.index("institutional")], kind) and kind.any()


def test_dense_ids_and_unique_ids_equal_np_unique_dense_or_sparse():
    rng = np.random.default_rng(6)
    for ids in (
        rng.integers(1, 500, 25_000),  # a young database: dense, through a presence table
        rng.integers(1, 2**62, 25_000),  # sparse: sorted
        np.array([7, 7, 7]),
        np.zeros(0, np.int64),
    ):
        unique, inverse = dense_ids(ids)
        expected, expected_inverse = np.unique(ids, return_inverse=True)
        assert np.array_equal(unique, expected) and np.array_equal(inverse, expected_inverse)
        assert np.array_equal(unique_ids(ids), expected)


@pytest.mark.parametrize(
    "values",
    [[], [0], [5, 12, 300], [2**32 - 1, 2**32, 9], [10**18, 1], [2**63 - 1, 0], [-3, 4], [7] * 5],
)
def test_array_literals_read_back_as_the_integers(values):
    literal = array_literal(np.array(values, np.int64))
    assert literal[0] == "{" and literal[-1] == "}"
    assert [int(v) for v in literal[1:-1].split(",") if v] == values


def test_native_arrays_have_numpys_own_dtype():
    header = b"\x00\x00\x00\x01" + b"\x00" * 8 + b"\x00\x00\x00\x02\x00\x00\x00\x01"
    element = b"\x00\x00\x00\x08"  # each element: its length, then its value
    payload = header + element + (3).to_bytes(8, "big") + element + (4).to_bytes(8, "big")
    values = read_array(payload, ">i8")
    assert values.tolist() == [3, 4] and values.dtype is np.dtype(np.int64)
    assert native_dtype(">f8") is np.dtype(np.float64) and native_dtype("?") is np.dtype(bool)


def test_drift_bins_all_columns_as_searchsorted_does_per_column():
    rng = np.random.default_rng(7)
    values = rng.normal(size=(2_000, 5))
    values[::7, 1] = np.nan
    values[:, 2] = np.round(values[:, 2])  # values on the edges
    edges = np.sort(np.quantile(rng.normal(size=(500, 5)), np.linspace(0.1, 0.9, 9), axis=0).T)
    edges[2] = [-1, -1, 0, 0, 0, 1, 1, 2, 2]  # repeated edges, as a binary feature has
    expected = np.array([
        np.bincount(np.searchsorted(edges[c], values[:, c], side="right"), minlength=10)
        for c in range(values.shape[1])
    ]) / len(values)  # fmt: skip
    assert np.array_equal(metrics.bin_shares(values, edges), expected)


@pytest.fixture(scope="module")
def champion():
    meta, artifact = registry.shipped_models()[-1]
    return LiteRTScorer(meta["version"], artifact, meta["preprocessing"], meta["threshold"],
                        meta["feature_schema_hash"], meta["feature_schema"])  # fmt: skip


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_champion_scores_the_features_as_it_scores_the_per_claim_reference(seed, champion):
    features, history, scored = random_chunk(seed, claims=600)
    matrix = feature_matrix(features, history, chunk_facts(features, scored))
    rows = reference_features(features, history, scored)
    own = FEATURES[: champion.width]  # the champion reads the first columns only
    reference = np.array([[row[name] for name in own] for row in rows], np.float32)
    assert np.array_equal(champion.score_matrix(matrix), champion.score_matrix(reference))


def test_reasons_from_the_chunks_scores_equal_reasons_that_score_again(champion):
    features, history, scored = random_chunk(8, claims=400)
    matrix = feature_matrix(features, history, chunk_facts(features, scored))
    rows = matrix[np.argsort(-champion.score_matrix(matrix))[:40]]
    assert champion.explain(rows, champion.score_matrix(rows)) == champion.explain(rows)


def test_the_member_history_sees_the_codes_as_np_unique_orders_them(fresh_code_table):
    """sorted_codes: from the code ids (in no order, with the process's other codes), the chunk's
    code keys sorted and each line's index among them, as np.unique gives them."""
    from workers.pipeline.risk_codes import code_key
    from workers.pipeline.risk_features import sorted_codes

    rng = np.random.default_rng(11)
    code_ids(np.array([b"00001", b"ZZZZZ", b"99215"], "S5"))  # codes of an earlier chunk
    lines = rng.choice(np.array([b"99213", b"99215", b"", b"93010", b"J1100"], "S5"), 2_000)
    code, codes, _, _ = code_ids(lines)
    keys, index = sorted_codes(codes, code, np.bincount(code, minlength=len(codes)))
    expected_keys, expected_index = np.unique(code_key(lines), return_inverse=True)
    assert np.array_equal(keys, expected_keys)
    assert np.array_equal(index, expected_index.reshape(-1))


def test_the_kernels_claim_sums_add_as_np_add_reduceat_does():
    """A claim's sum of log ratios goes into its provider's history: the kernel adds in numpy's
    order (the first line, then numpy's pairwise sum of the others), bit for bit, for claims of
    one line to several hundred."""
    from workers.pipeline.risk_features import kernels

    rng = np.random.default_rng(12)
    lengths = np.r_[1, 2, 7, 8, 9, 15, 16, 17, 129, 130, 300, rng.integers(1, 40, 200)]
    values = rng.normal(size=lengths.sum()) * 10 ** rng.uniform(-3, 3, lengths.sum())
    starts = np.r_[0, np.cumsum(lengths)]
    expected = np.add.reduceat(values, starts[:-1])
    ends = zip(starts[:-1], starts[1:], strict=True)
    reduced = [kernels()._reduceat_sum(values, start, end) for start, end in ends]
    assert np.array_equal(np.array(reduced), expected)


@pytest.mark.parametrize("order", ["F", "C"])
def test_the_quantization_kernel_equals_the_numpy_it_replaced(champion, order):
    """Multiply, add, clip, round half to even, in float32: the int8 rows the model reads are
    those numpy gave, values on the rounding and clipping edges included."""
    from workers.pipeline.risk_features import model_kernels

    rng = np.random.default_rng(13)
    scale, zero = champion.input_quantization()
    matrix = rng.normal(0, 3, (5_000, len(FEATURES))).astype(np.float32)
    matrix[:50] = 0.5  # on a half step, for some features
    matrix[50:100] = 1e6  # clipped
    matrix = np.asarray(matrix, order=order)[:, : champion.width]
    factor = (1.0 / (champion.scale * scale)).astype(np.float32)
    offset = (zero - champion.centre * factor).astype(np.float32)
    low, high = max(-128.0, zero - champion.clip / scale), min(127.0, zero + champion.clip / scale)
    values = np.multiply(matrix, factor)
    values += offset
    np.clip(values, low, high, out=values)
    expected = np.rint(values).astype(np.int8)
    got = model_kernels().quantize_rows(matrix, factor, offset, np.float32(low), np.float32(high))
    assert got.flags.c_contiguous and np.array_equal(got, expected)
    assert np.array_equal(champion.quantize(matrix, scale, zero), expected)


def test_the_drift_kernel_bins_as_column_bin_shares_does():
    from workers.pipeline.risk_features import model_kernels

    rng = np.random.default_rng(14)
    matrix = rng.normal(size=(3_000, 6)).astype(np.float32)
    matrix[::9, 2] = np.round(matrix[::9, 2])  # values on the edges
    score = rng.random(3_000)
    score[::11] = np.nan
    matrix[::13, 3] = np.nan  # a missing value counts above every edge, as in the score
    edges = np.sort(rng.normal(size=(5, 9)), axis=1)  # the first 4 columns and the score
    edges[1] = [-1, -1, 0, 0, 0, 1, 1, 2, 2]  # repeated edges, as a binary feature has
    columns = np.vstack([matrix[:, :4].T.astype(np.float64), score])
    expected = metrics.column_bin_shares(columns, edges)
    every = np.arange(len(matrix))
    assert np.array_equal(model_kernels().bin_counts(matrix, every, score, edges) / 3_000, expected)
    some = every[::7]
    expected = metrics.column_bin_shares(columns[:, some], edges)
    counts = model_kernels().bin_counts(matrix, some, score, edges)
    assert np.array_equal(counts / len(some), expected)


def test_a_worker_compiles_the_kernels_into_the_cache_directory_it_is_given(tmp_path):
    """A fresh process (as a worker starts) compiles the kernels with numba's cache in the
    settings' directory, and the next one loads them from there: nothing is written beside
    the code, so a read-only checkout works."""
    import subprocess
    import sys

    warm = (
        "import sys; from pathlib import Path; from workers.risk_plan import warm_kernels; "
        "from workers.pipeline.risk_features import kernels; warm_kernels(Path(sys.argv[1])); "
        "print(sum(kernels().line_reductions.stats.cache_hits.values()))"
    )
    cache = tmp_path / "numba"
    runs = [subprocess.run([sys.executable, "-c", warm, str(cache)], capture_output=True,
                           text=True, check=True).stdout.split()[-1] for _ in range(2)]  # fmt: skip
    assert list(cache.rglob("risk_kernels.line_reductions-*.nbi"))
    assert runs == ["0", "1"]  # compiled, then loaded from the cache


def dict_reasons(champion, rows, score):
    """The reasons as they were built before the JSON kernel: dicts of figures rounded in
    numpy, kept when the rounded drop is above 0."""
    rows = rows[:, : champion.width]
    scale, zero = champion.input_quantization()
    quantized = champion.quantize(rows, scale, zero)
    typical = champion.quantize(champion.typical[None, :], scale, zero)[0]
    drop = np.zeros(rows.shape)
    for row, column in zip(*np.nonzero(quantized != typical), strict=True):
        varied = quantized[row].copy()
        varied[column] = typical[column]
        drop[row, column] = score[row] - champion._score_quantized(varied[None, :])[0]
    top = np.argsort(-drop, axis=1, kind="stable")[:, :3]
    drops = np.take_along_axis(drop, top, axis=1).round(4).tolist()
    values = np.take_along_axis(rows, top, axis=1).astype(np.float64).round(4).tolist()
    typical_values = champion.typical.astype(np.float64).round(4).tolist()
    return [
        [{"feature": FEATURES[f], "value": v, "typical": typical_values[f], "score_drop": d}
         for f, v, d in zip(features, value, dropped, strict=True) if d > 0]
        for features, value, dropped in zip(top.tolist(), values, drops, strict=True)
    ]  # fmt: skip


def test_the_reasons_json_says_what_the_reason_dicts_said(champion):
    """The reasons' JSON text, written by a compiled loop, parses to the dicts numpy's rounded
    figures gave (each claim scored row by row here), negative values and whole numbers
    included."""
    import orjson

    features, history, scored = random_chunk(4, claims=500)
    matrix = feature_matrix(features, history, chunk_facts(features, scored))
    score = champion.score_matrix(matrix)
    rows = np.argsort(-score, kind="stable")[:60]
    texts = champion.explain(matrix[rows], score[rows])
    expected = dict_reasons(champion, matrix[rows], score[rows])
    assert [orjson.loads(text) for text in texts] == expected
    assert any(expected) and all(isinstance(text, str) for text in texts)


def test_the_reasons_json_writes_figures_as_python_does():
    """Each figure, in units of 1/10,000, as repr of the float rounded to 4 decimals; rows
    without a positive drop get an empty list."""
    import orjson

    from workers.pipeline.risk_features import model_kernels

    units = np.array([[-25_000, 0, 30_000], [123_456_789, -4, 1], [7, 10_000, -10_001]])
    drops = np.array([[5, 1, 0], [-3, 0, 0], [9_999, 2, 1]])
    feature = np.array([[0, 1, 2], [2, 1, 0], [1, 0, 2]])
    heads = [b'{"feature":"a","value":', b'{"feature":"bb","value":', b'{"feature":"c","value":']
    middle = b',"typical":0.5,"score_drop":'
    pieces = (np.frombuffer(b"".join(heads), np.uint8), np.cumsum([len(h) for h in heads]),
              np.frombuffer(middle * 3, np.uint8), np.cumsum([len(middle)] * 3))  # fmt: skip
    text, ends = model_kernels().reason_json(feature, units, drops, *pieces)
    text = text.tobytes().decode("ascii")
    rows = [text[start:end] for start, end in zip([0, *ends[:-1]], ends, strict=True)]
    assert rows[0] == (
        '[{"feature":"a","value":-2.5,"typical":0.5,"score_drop":0.0005},'
        '{"feature":"bb","value":0.0,"typical":0.5,"score_drop":0.0001}]'
    )
    assert rows[1] == "[]"
    assert [r["value"] for r in orjson.loads(rows[2])] == [0.0007, 1.0, -1.0001]
    for row, parsed in zip(units.tolist(), [orjson.loads(r) for r in rows], strict=True):
        for reason, value in zip(parsed, row, strict=False):
            assert repr(reason["value"]) == repr(round(value / 10_000, 4))


def test_after_the_warm_up_a_chunk_compiles_nothing(champion):
    """warm_kernels compiles every kernel for the dtypes and layouts a batch's chunk gives
    them (features, quantization of the chunk and of the pended rows, drift, reasons): no
    chunk waits for numba."""
    from workers.pipeline import risk_kernels, risk_model_kernels
    from workers.pipeline.risk import score_claims
    from workers.risk_plan import warm_kernels

    warm_kernels()
    kernels = {f"{module.__name__}.{name}": value
               for module in (risk_kernels, risk_model_kernels)
               for name, value in vars(module).items() if hasattr(value, "signatures")}  # fmt: skip
    compiled = {name: len(kernel.signatures) for name, kernel in kernels.items()}
    features, history, scored = random_chunk(5, claims=800)
    features.history = history
    result = score_claims(champion, features, scored)
    assert result.reasons and result.drift  # every piece ran
    assert {name: len(kernel.signatures) for name, kernel in kernels.items()} == compiled
