"""The functions the model's formulas call besides arithmetic: one formula, two backends.

A formula is written once for one scenario's numbers and for columns of sweep variants and
Monte Carlo samples. Operators work on both; for the rest a formula calls these
(`scalar.where`, `scalar.maximum`, `scalar.sqrt`, ...) rather than numpy's. Each looks at what
it is given:

* plain Python numbers (float, int, bool): answered in Python, with numpy's answer for the same
  values (numpy's NaN and tie rules, a float where numpy gives a float64, an int for ints
  alone), as a Python number, so that a plain scenario's numbers stay Python's and `scendsl
  check` never imports numpy (some 40-60 ms of its start-up);
* numpy scalars: answered as above, as the numpy scalar of numpy's answer (the arithmetic that
  follows stays numpy's);
* anything else (arrays): numpy's function, numpy imported then.

Two things Python does not do as numpy does:

* `cbrt`, `log` and `power` of numbers are numpy's by default, whose vectorised routines can
  differ from the C library's (which `math` and `**` use) in the last bit: every figure written
  out keeps numpy's bytes. Within `python_math()` they are `math`'s, which needs no numpy;
  `scendsl check`, which writes no figure, evaluates so.
* a division by zero or an overflow raises in Python, where numpy's IEEE arithmetic gives inf
  or NaN: `ieee` runs such a formula again on numpy scalars, so its value is numpy's.
"""

from __future__ import annotations

import contextlib
import contextvars
import math
import sys
from collections.abc import Callable, Iterator
from typing import Any

inf = math.inf
nan = math.nan

#: Integers a float64 holds exactly: numpy converts an int argument to float64 first.
_EXACT_INT = 2**53
_INT64 = 2**63
#: Python's own numbers: a result made only of these is a Python number.
_PYTHON = frozenset({float, int, bool})


def numpy() -> Any:
    """The numpy module, imported on first need."""
    import numpy as np

    return np


def is_array(value: Any) -> bool:
    """Whether `value` is a numpy array (there is none before numpy is imported)."""
    np = sys.modules.get("numpy")
    return np is not None and isinstance(value, np.ndarray)


def _flag(x: Any) -> bool:
    """A flag: Python's bool or numpy's."""
    if type(x) is bool:
        return True
    np = sys.modules.get("numpy")
    return np is not None and type(x) is np.bool_


def _both_int(a: Any, b: Any) -> bool:
    """Two Python ints numpy takes as int64 (a flag is not an int here)."""
    return type(a) is int and type(b) is int and -_INT64 <= a < _INT64 and -_INT64 <= b < _INT64


def _as_float(x: Any) -> float | None:
    """x as a float when it takes the fast path (a float, a float64, an int a float64 holds
    exactly), else None."""
    if isinstance(x, float):  # float64 is a float
        return x
    if type(x) is int and -_EXACT_INT <= x <= _EXACT_INT:
        return float(x)
    return None


def _float(value: float, *given: Any) -> Any:
    """`value` as numpy would give it for `given`: a float64 when any is numpy's, else a
    float."""
    for x in given:
        if type(x) not in _PYTHON:
            return numpy().float64(value)
    return float(value)


def _int(value: int, *given: Any) -> Any:
    for x in given:
        if type(x) not in _PYTHON:
            return numpy().int64(value)
    return value


def where(condition: Any, a: Any, b: Any) -> Any:
    """`np.where(condition, a, b)`; for a flag and two numbers, one of them a float, a float
    (numpy gives the same value as a 0-d array)."""
    if type(condition) is bool and type(a) is float and type(b) is float:  # most calls
        return a if condition else b
    if _flag(condition) and (isinstance(a, float) or isinstance(b, float)):
        x, y = _as_float(a), _as_float(b)
        if x is not None and y is not None:
            return _float(x if condition else y, condition, a, b)
    elif _flag(condition) and _both_int(a, b):
        return _int(a if condition else b, condition)
    return numpy().where(condition, a, b)


def maximum(a: Any, b: Any) -> Any:
    """`np.maximum(a, b)` (NaN wins, as in numpy)."""
    if type(a) is float and type(b) is float:  # most calls: the general case below, inlined
        if a > b:
            return a
        return b if a <= b or b != b else a
    if isinstance(a, float) or isinstance(b, float):
        x, y = _as_float(a), _as_float(b)
        if x is not None and y is not None:
            # numpy gives the second argument on a tie (so max(-0.0, 0.0) is 0.0).
            if x > y:
                return _float(x, a, b)
            if x <= y:
                return _float(y, a, b)
            return _float(x if x != x else y, a, b)  # NaN: the NaN
    elif _both_int(a, b):
        return a if a > b else b
    return numpy().maximum(a, b)


def minimum(a: Any, b: Any) -> Any:
    """`np.minimum(a, b)` (NaN wins, as in numpy)."""
    if type(a) is float and type(b) is float:
        if a < b:
            return a
        return b if a >= b or b != b else a
    if isinstance(a, float) or isinstance(b, float):
        x, y = _as_float(a), _as_float(b)
        if x is not None and y is not None:
            if x < y:
                return _float(x, a, b)
            if x >= y:
                return _float(y, a, b)
            return _float(x if x != x else y, a, b)
    elif _both_int(a, b):
        return a if a < b else b
    return numpy().minimum(a, b)


def clip(a: Any, low: Any, high: Any) -> Any:
    """`np.clip(a, low, high)`."""
    if isinstance(a, float) or isinstance(low, float) or isinstance(high, float):
        x, lo, hi = _as_float(a), _as_float(low), _as_float(high)
        # NaN anywhere: numpy's rules
        if x is not None and lo is not None and hi is not None and x == x and lo == lo and hi == hi:
            # numpy's order: max(a, low) then min(.., high), each keeping the value on a tie.
            value = lo if x < lo else x
            return _float(hi if value > hi else value, a, low, high)
    return numpy().clip(a, low, high)


def as_float(x: Any) -> Any:
    """`np.asarray(x, dtype=float)`: a float for a plain number or flag (a float64 for
    numpy's), an array of floats for anything else."""
    value = _as_float(x)
    if value is not None:
        return value
    if type(x) is bool:
        return float(x)
    return numpy().asarray(x, dtype=float)


def asarray(x: Any) -> Any:
    """`np.asarray(x)` for what formulas compare element-wise: a Python number or flag is
    itself."""
    if type(x) in _PYTHON:
        return x
    return numpy().asarray(x)


def isin(element: Any, choices: tuple[str, ...]) -> Any:
    """`np.isin(element, choices)` for names: a flag for one name (numpy's 0-d array holds
    the same), an array of flags for an array of names."""
    if type(element) is str:
        return element in choices
    return numpy().isin(element, choices)


def ndim(x: Any) -> int:
    """`np.ndim(x)`: 0 for a number, an array's dimensions."""
    return x.ndim if is_array(x) else 0


# ------------------------------------------------------------------ exact in Python and numpy
# IEEE square root and floor are exact: `math` gives numpy's bits.


def sqrt(x: Any) -> Any:
    """`np.sqrt(x)` (NaN below zero)."""
    if type(x) is float or type(x) is int:
        return math.sqrt(x) if x >= 0 else nan
    return numpy().sqrt(x)


def floor(x: Any) -> Any:
    """`np.floor(x)`: a float for a float (inf, NaN and -0.0 kept), an int for an int."""
    if type(x) is int:
        return x
    if type(x) is float:
        if x == 0 or not math.isfinite(x):
            return x
        return float(math.floor(x))
    return numpy().floor(x)


def isfinite(x: Any) -> Any:
    """`np.isfinite(x)`."""
    if type(x) is float or type(x) is int:
        return math.isfinite(x)
    return numpy().isfinite(x)


def isnan(x: Any) -> Any:
    """`np.isnan(x)`."""
    if type(x) is float or type(x) is int:
        return x != x
    return numpy().isnan(x)


# ---------------------------------------------------------------- numpy's or the C library's
#: Whether cbrt, log and power of plain numbers are Python's `math` (`python_math`).
_PYTHON_MATH: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "scendsl_python_math", default=False
)


@contextlib.contextmanager
def python_math() -> Iterator[None]:
    """Within: `cbrt`, `log` and `power` of plain numbers by Python's `math` and `**`, which
    import nothing. Their results can differ from numpy's in the last bit (numpy's vectorised
    routines against the C library's): for what writes no figure, such as `scendsl check`."""
    token = _PYTHON_MATH.set(True)
    try:
        yield
    finally:
        _PYTHON_MATH.reset(token)


def cbrt(x: Any) -> Any:
    """`np.cbrt(x)`; a float for a plain number."""
    if type(x) is float or type(x) is int:
        if _PYTHON_MATH.get():
            return math.cbrt(x)
        return float(numpy().cbrt(x))
    return numpy().cbrt(x)


def log(x: Any) -> Any:
    """`np.log(x)` (-inf at zero, NaN below); a float for a plain number."""
    if type(x) is float or type(x) is int:
        if _PYTHON_MATH.get() and x > 0:
            return math.log(x)
        with numpy().errstate(all="ignore"):
            return float(numpy().log(x))
    return numpy().log(x)


def power(x: Any, y: Any) -> Any:
    """`np.power(x, y)` (`x ** y` of a column); a float for two plain numbers."""
    if (type(x) is float or type(x) is int) and (type(y) is float or type(y) is int):
        if _PYTHON_MATH.get() and x > 0:
            try:
                return float(x) ** y
            except OverflowError:
                pass  # numpy's inf
        with numpy().errstate(all="ignore"):
            return float(numpy().power(float(x), y))
    return numpy().power(x, y)


# --------------------------------------------------------------------- division by zero
def _numpy_scalar(x: Any) -> Any:
    if type(x) is float:
        return numpy().float64(x)
    if type(x) is int and -_INT64 <= x < _INT64:
        return numpy().int64(x)
    return x


def ieee(compute: Callable[..., Any], args: Any) -> Any:
    """`compute(*args)` on numpy scalars: what a formula gives where plain Python raised
    ArithmeticError (a division by zero, an overflow) and numpy's IEEE arithmetic gives inf or
    NaN, as the formula means. A number comes back as a Python number, as the formula's
    others do."""
    np = numpy()
    with np.errstate(all="ignore"):
        value = compute(*(_numpy_scalar(x) for x in args))
    return value.item() if isinstance(value, np.generic) else value
