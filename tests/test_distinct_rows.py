"""`engine.distinct_rows`, which groups a sweep's rows by the combination of their codes, agrees
with numpy's sort-based grouping on every path: a table of every key, a sort of one key per
row, and renumbering when the combined key would not fit an int64."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from scendsl.model import engine


def _reference(columns: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    # numpy sorts rows field by field (numerically, first column first), as distinct_rows codes.
    rows = np.stack(columns, axis=1)
    _, first, inverse = np.unique(rows, axis=0, return_index=True, return_inverse=True)
    return inverse.reshape(-1), first


@st.composite
def _columns(draw):
    size = draw(st.integers(1, 60))
    width = draw(st.integers(1, 5))
    # Small maxima give the table path; huge ones the sort path and past 2**62 the renumbering.
    limits = draw(
        st.lists(st.sampled_from([1, 2, 7, 1000, 10**6, 2**40]), min_size=width, max_size=width)
    )
    return [
        np.asarray(
            draw(st.lists(st.integers(0, limit), min_size=size, max_size=size)), dtype=np.int64
        )
        for limit in limits
    ]


@settings(max_examples=200, deadline=None)
@given(_columns())
def test_distinct_rows_groups_as_numpy_does(columns):
    codes, firsts = engine.distinct_rows(columns, len(columns[0]))
    expected_codes, expected_firsts = _reference(columns)
    assert codes.tolist() == expected_codes.tolist()
    assert firsts.tolist() == expected_firsts.tolist()


def test_no_columns_is_one_group():
    codes, firsts = engine.distinct_rows([], 3)
    assert codes.tolist() == [0, 0, 0] and firsts.tolist() == [0]
