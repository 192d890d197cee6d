"""Plain values out of the model's arrays: non-finite numbers as null, percentile summaries."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from scendsl.terminal import spelt_surrogates


def json_safe(data: Any) -> Any:
    """NaN and infinities become None, in nested dicts and lists too (JSON has no such numbers);
    a lone surrogate in a string (a file name that is not UTF-8) is spelt `\\udcff`, as printed
    paths show it, since strict JSON parsers refuse it."""
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, str):
        return spelt_surrogates(data)
    if isinstance(data, dict):
        return {json_safe(k): json_safe(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [json_safe(v) for v in data]
    return data


def nan_to_none(value: Any) -> float | None:
    """A number as a float, None when it is NaN (n/a); infinities stay."""
    number = float(value)
    return None if math.isnan(number) else number


def spread(values: np.ndarray) -> tuple[float, float, float, float, float, float] | None:
    """Min, P5, P50, P95, max and mean of the known (non-NaN) values; None when none is known."""
    known = values[~np.isnan(values)]  # n/a rows are left out
    if known.size == 0:
        return None
    with np.errstate(invalid="ignore"):  # inf − inf between infinite values
        p5, p50, p95 = (float(v) for v in np.percentile(known, [5, 50, 95]))
        mean = float(known.mean())
    return float(known.min()), p5, p50, p95, float(known.max()), mean
