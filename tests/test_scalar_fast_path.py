"""scendsl.model.scalar: the fast path for plain numbers gives what numpy gives, to the bit.

The formula modules call these instead of np.where/np.maximum/np.minimum; an evaluation's
values must not change by a bit (issue 16: a faster evaluation, same results).
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from scendsl.model import scalar

# Plain numbers as formulas see them: floats (with inf, NaN and signed zeros), float64s,
# ints (also beyond what a float64 holds exactly) and flags.
numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(allow_nan=True, allow_infinity=True).map(np.float64),
    st.integers(min_value=-(2**62), max_value=2**62),
    st.sampled_from([0.0, -0.0, 2**53, 2**53 + 1, -(2**53) - 1, 1, 0]),
)
conditions = st.one_of(st.booleans(), st.booleans().map(np.bool_))


def same(fast, slow) -> bool:
    """Same dtype, same value bits (NaN equal to NaN, -0.0 apart from 0.0)."""
    fast, slow = np.asarray(fast), np.asarray(slow)
    if fast.dtype != slow.dtype or fast.shape != slow.shape:
        return False
    return fast.tobytes() == slow.tobytes() or (
        fast.dtype.kind == "f" and bool(np.isnan(fast)) and bool(np.isnan(slow))
    )


@settings(max_examples=400, deadline=None)
@given(conditions, numbers, numbers)
def test_where_matches_numpy(condition, a, b):
    assert same(scalar.where(condition, a, b), np.where(condition, a, b))


@settings(max_examples=400, deadline=None)
@given(numbers, numbers)
def test_maximum_and_minimum_match_numpy(a, b):
    assert same(scalar.maximum(a, b), np.maximum(a, b))
    assert same(scalar.minimum(a, b), np.minimum(a, b))


def test_signed_zero_ties_give_numpys_argument():
    for a, b in ((-0.0, 0.0), (0.0, -0.0)):
        assert math.copysign(1, scalar.maximum(a, b)) == math.copysign(1, np.maximum(a, b))
        assert math.copysign(1, scalar.minimum(a, b)) == math.copysign(1, np.minimum(a, b))


def test_arrays_still_go_through_numpy():
    values = np.array([1.0, 5.0, math.nan])
    assert same(scalar.maximum(values, 2.0), np.maximum(values, 2.0))
    assert same(scalar.minimum(3, values), np.minimum(3, values))
    assert same(scalar.where(values > 2.0, values, 0.0), np.where(values > 2.0, values, 0.0))


def test_fast_path_result_divides_by_zero_like_numpy():
    """A float64, not a Python float: downstream x / 0 gives inf, not ZeroDivisionError."""
    with np.errstate(all="ignore"):
        assert scalar.maximum(1.0, 2.0) / 0.0 == math.inf
        assert scalar.where(True, 1.0, 2.0) / 0.0 == math.inf


@settings(max_examples=400, deadline=None)
@given(numbers, numbers, numbers)
def test_clip_matches_numpy(a, low, high):
    assert same(scalar.clip(a, low, high), np.clip(a, low, high))


@settings(max_examples=200, deadline=None)
@given(st.one_of(numbers, st.booleans()))
def test_as_float_matches_numpy(x):
    assert same(scalar.as_float(x), np.asarray(x, dtype=float))


@settings(max_examples=100, deadline=None)
@given(st.one_of(st.sampled_from(["fp8", "fp4", "bf16", ""]), st.text(max_size=4)))
def test_isin_matches_numpy(name):
    assert same(scalar.isin(name, ("fp8", "fp4")), np.isin(name, ("fp8", "fp4")))


def test_isin_of_names_array_goes_through_numpy():
    names = np.array(["fp8", "bf16", "fp4"])
    assert same(scalar.isin(names, ("fp8", "fp4")), np.isin(names, ("fp8", "fp4")))


@settings(max_examples=200, deadline=None)
@given(st.floats(allow_nan=True, allow_infinity=True))
def test_result_float64_becomes_the_float_item_gives(x):
    """evaluate's `_plain` turns a float64 into a float with float(), not .item()."""
    from scendsl.model.evaluate import _plain

    value = np.float64(x)
    plain = _plain(value)
    assert type(plain) is float
    assert np.float64(plain).tobytes() == np.float64(value.item()).tobytes()
