"""The per-claim reductions of line values that the pipeline's stages share."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from workers.pipeline.lookup import per_claim


def test_claims_without_lines_at_the_end_leave_the_last_claims_lines_whole():
    values = np.array([1, 2, 4])
    assert per_claim(np.add, values, np.array([0, 3, 3]), 0).tolist() == [7, 0]
    assert per_claim(np.maximum, values, np.array([0, 1, 3, 3, 3]), -1).tolist() == [1, 4, -1, -1]


def test_a_chunk_without_lines():
    assert per_claim(np.add, np.array([], np.int64), np.array([0, 0, 0]), 0).tolist() == [0, 0]
    assert per_claim(np.add, np.array([], np.int64), np.array([0]), 0).tolist() == []


@pytest.mark.parametrize("ufunc, empty", [(np.add, 0), (np.maximum, -1), (np.minimum, 99)])
@given(st.lists(st.lists(st.integers(0, 50), max_size=4), max_size=12))
def test_each_claim_reduces_exactly_its_own_lines(ufunc, empty, claims):
    values = np.array([value for lines in claims for value in lines], np.int64)
    starts = np.cumsum([0] + [len(lines) for lines in claims])
    expected = [ufunc.reduce(lines) if lines else empty for lines in claims]
    assert per_claim(ufunc, values, starts, empty).tolist() == expected
