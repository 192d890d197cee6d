"""scendsl.model.scalar: the fast path for plain numbers gives what numpy gives, to the bit.

The formula modules call these instead of np.where/np.maximum/np.minimum; an evaluation's
values must not change by a bit (issue 16: a faster evaluation, same results).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
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


def test_plain_numbers_give_python_numbers_and_numpy_scalars_numpys():
    """A plain scenario's evaluation stays in Python (no numpy to import); a numpy scalar
    keeps numpy's arithmetic after it."""
    assert type(scalar.maximum(1.0, 2)) is float and type(scalar.maximum(1, 2)) is int
    assert type(scalar.where(True, 1.0, 2.0)) is float and type(scalar.isin("a", ("a",))) is bool
    assert type(scalar.sqrt(2.0)) is float and type(scalar.floor(2.5)) is float
    assert type(scalar.maximum(np.float64(1.0), 2.0)) is np.float64
    assert type(scalar.where(np.bool_(True), 1.0, 2.0)) is np.float64
    assert type(scalar.clip(np.float64(3.0), 0.0, 1.0)) is np.float64


def test_division_by_zero_in_a_formula_gives_numpys_inf():
    """Python raises where numpy's IEEE arithmetic gives inf or NaN: `ieee` runs the formula
    on numpy scalars and gives numpy's value as a Python number."""

    def ratio(a, b):
        return scalar.maximum(a, 1.0) / b - a / b

    with pytest.raises(ZeroDivisionError):
        ratio(2.0, 0.0)
    assert math.isnan(scalar.ieee(ratio, (2.0, 0.0)))  # inf - inf
    assert scalar.ieee(lambda a, b: a / b, (1, 0.0)) == math.inf
    assert type(scalar.ieee(lambda a, b: a / b, (1.0, 0.0))) is float
    assert scalar.ieee(lambda a, b: a / b, (-1.0, 0)) == -math.inf


finite = st.floats(allow_nan=False, allow_infinity=False)
anything = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-(2**53), 2**53))


@settings(max_examples=400, deadline=None)
@given(anything)
def test_exact_functions_match_numpy_to_the_bit(x):
    """Square root, floor and the tests of finiteness are exact in Python and numpy alike."""
    with np.errstate(all="ignore"):
        assert same(scalar.sqrt(x), np.sqrt(x))
        assert same(scalar.floor(x), np.floor(x))
        assert same(scalar.isfinite(x), np.isfinite(x))
        assert same(scalar.isnan(x), np.isnan(x))


@settings(max_examples=400, deadline=None)
@given(anything, st.floats(min_value=-3, max_value=3))
def test_cbrt_log_power_are_numpys_unless_python_math_is_asked(x, y):
    """Outside `python_math`: numpy's bits (what every written figure shows). Within: the C
    library's, within a few units of the last place, and no numpy needed."""
    with np.errstate(all="ignore"):
        assert same(scalar.cbrt(x), np.cbrt(float(x)))
        assert same(scalar.log(x), np.log(float(x)))
        assert same(scalar.power(x, y), np.power(float(x), y))
        with scalar.python_math():
            for ours, numpys in (
                (scalar.cbrt(x), np.cbrt(float(x))),
                (scalar.log(x), np.log(float(x))),
                (scalar.power(x, y), np.power(float(x), y)),
            ):
                assert type(ours) is float
                assert (
                    ours == numpys
                    or (math.isnan(ours) and np.isnan(numpys))
                    or math.isclose(ours, numpys, rel_tol=1e-15)  # a few ulps
                )


def test_arrays_take_numpys_functions():
    values = np.array([0.0, 1.0, 8.0, math.nan])
    with np.errstate(all="ignore"):
        for ours, numpys in (
            (scalar.sqrt(values), np.sqrt(values)),
            (scalar.cbrt(values), np.cbrt(values)),
            (scalar.log(values), np.log(values)),
            (scalar.power(values, 0.3), np.power(values, 0.3)),
            (scalar.floor(values), np.floor(values)),
        ):
            assert same(ours, numpys)


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
