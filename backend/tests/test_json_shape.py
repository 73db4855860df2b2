"""The shape check every JSON body takes (backend/protection/json_shape.py): its quick walk
refuses exactly what the walk that names the path refuses."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backend.protection.json_shape import INT64, JsonShapeError, check_shape, shape_problem

MAX_DEPTH, MAX_STRING = 4, 8
texts = st.one_of(
    st.text(max_size=10),
    st.sampled_from(["ok", "a\x00b", "\ud800", "é" * 9, "x" * 9, "café"]),
)
scalars = st.one_of(
    st.none(), st.booleans(), texts, st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(2**70), max_value=2**70), st.just(INT64), st.just(INT64 + 1),
)  # fmt: skip
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(texts, inner, max_size=4)
    ),  # fmt: skip
    max_leaves=25,
)


def refused(document) -> bool:
    try:
        check_shape(document, MAX_DEPTH, MAX_STRING)
    except JsonShapeError:
        return True
    return False


def located(document) -> bool:
    from backend.protection.json_shape import _locate_problem

    try:
        _locate_problem(document, MAX_DEPTH, MAX_STRING)
    except JsonShapeError:
        return True
    return False


@settings(max_examples=600, deadline=None)
@given(documents)
def test_the_quick_walk_refuses_what_the_locating_walk_refuses(document):
    assert shape_problem(document, MAX_DEPTH, MAX_STRING) == located(document)
    assert refused(document) == located(document)


@pytest.mark.parametrize(
    ("document", "path"),
    [
        ({"a": [1, {"b": "x" * 9}]}, "$.a[1].b"),
        ({"a": {"b": {"c": {"d": [1]}}}}, "$.a.b.c.d"),
        ([1, 2, 2**64], "$[2]"),
        ({"ok": 1.0, "bad\x00key": 1}, "$ (a key)"),
        ("\ud800", "$"),
    ],
)
def test_a_refusal_names_the_path(document, path):
    with pytest.raises(JsonShapeError) as refusal:
        check_shape(document, MAX_DEPTH, MAX_STRING)
    assert refusal.value.path == path
