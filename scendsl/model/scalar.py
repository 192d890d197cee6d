"""`np.where`, `np.maximum`, `np.minimum` with a fast path for plain float scalars.

A formula is written once for numbers and for sample arrays, so it calls numpy; on two Python
floats such a call costs about a microsecond, most of it numpy's dispatch, and an evaluation
makes dozens of them. These take the branch in Python for plain numbers (floats, float64s, and
ints a float64 holds exactly; or ints alone, as int64) and return the numpy scalar of numpy's
answer: the same value and dtype, so the same arithmetic downstream (division by zero still
gives inf). Anything else (arrays, flags as values, NaN to compare) goes to numpy unchanged.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_f64 = np.float64
_FLOATS = (float, np.float64)
_CONDITIONS = (bool, np.bool_)
#: Integers a float64 holds exactly: numpy converts an int argument to float64 first.
_EXACT_INT = 2**53
_i64 = np.int64
_INT64 = 2**63


def _both_int(a: Any, b: Any) -> bool:
    """Two Python ints numpy takes as int64 (a flag is not an int here)."""
    return type(a) is int and type(b) is int and -_INT64 <= a < _INT64 and -_INT64 <= b < _INT64


def _as_float(x: Any) -> float | None:
    """x as a float when it takes the fast path, else None."""
    kind = type(x)
    if kind is float or kind is _f64:
        return x
    if kind is int and -_EXACT_INT <= x <= _EXACT_INT:
        return float(x)
    return None


def where(condition: Any, a: Any, b: Any) -> Any:
    """`np.where(condition, a, b)`; a float64 scalar for a flag and two plain numbers, one
    of them a float (numpy gives the same value as a 0-d array)."""
    if type(condition) in _CONDITIONS and (type(a) in _FLOATS or type(b) in _FLOATS):
        x, y = _as_float(a), _as_float(b)
        if x is not None and y is not None:
            return _f64(x if condition else y)
    elif type(condition) in _CONDITIONS and _both_int(a, b):
        return _i64(a if condition else b)
    return np.where(condition, a, b)


def maximum(a: Any, b: Any) -> Any:
    """`np.maximum(a, b)` (NaN wins, as in numpy)."""
    if type(a) in _FLOATS or type(b) in _FLOATS:
        x, y = _as_float(a), _as_float(b)
        if x is not None and y is not None:
            # numpy gives the second argument on a tie (so max(-0.0, 0.0) is 0.0).
            if x > y:
                return _f64(x)
            if x <= y:
                return _f64(y)
    elif _both_int(a, b):
        return _i64(a if a > b else b)
    return np.maximum(a, b)


def minimum(a: Any, b: Any) -> Any:
    """`np.minimum(a, b)` (NaN wins, as in numpy)."""
    if type(a) in _FLOATS or type(b) in _FLOATS:
        x, y = _as_float(a), _as_float(b)
        if x is not None and y is not None:
            if x < y:
                return _f64(x)
            if x >= y:
                return _f64(y)
    elif _both_int(a, b):
        return _i64(a if a < b else b)
    return np.minimum(a, b)


def clip(a: Any, low: Any, high: Any) -> Any:
    """`np.clip(a, low, high)`."""
    if type(a) in _FLOATS or type(low) in _FLOATS or type(high) in _FLOATS:
        x, lo, hi = _as_float(a), _as_float(low), _as_float(high)
        # NaN anywhere: numpy's rules
        if x is not None and lo is not None and hi is not None and x == x and lo == lo and hi == hi:
            # numpy's order: max(a, low) then min(.., high), each keeping the value on a tie.
            value = lo if x < lo else x
            return _f64(hi if value > hi else value)
    return np.clip(a, low, high)


def as_float(x: Any) -> Any:
    """`np.asarray(x, dtype=float)`, a float64 scalar for a plain number: numpy's arithmetic
    on a 0-d array costs several times that on a scalar, for the same values."""
    value = _as_float(x)
    if value is not None:
        return _f64(value)
    return np.asarray(x, dtype=float)


def isin(element: Any, choices: tuple[str, ...]) -> Any:
    """`np.isin(element, choices)` for names: a flag for one name (numpy's 0-d array holds
    the same), an array of flags for an array of names."""
    if type(element) is str:
        return np.bool_(element in choices)
    return np.isin(element, choices)
