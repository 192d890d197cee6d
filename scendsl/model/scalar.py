"""`np.where`, `np.maximum`, `np.minimum` with a fast path for plain float scalars.

A formula is written once for numbers and for sample arrays, so it calls numpy; on two Python
floats such a call costs about a microsecond, most of it numpy's dispatch, and an evaluation
makes dozens of them. These take the branch in Python when every argument is a float (or a
float64 and an int that a float64 holds exactly) and return the `np.float64` numpy's answer
holds: the same value, so the same arithmetic downstream (division by zero still gives inf).
Anything else (arrays, ints alone, NaN to compare) goes to numpy unchanged.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_f64 = np.float64
_FLOATS = (float, np.float64)
_CONDITIONS = (bool, np.bool_)
#: Integers a float64 holds exactly: numpy converts an int argument to float64 first.
_EXACT_INT = 2**53


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
    return np.minimum(a, b)
