"""Plain values out of the model's arrays: non-finite numbers as null, percentile summaries."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from scendsl.terminal import spelt_surrogates

if TYPE_CHECKING:  # the summaries import it when they run: `json_safe` (check) needs none
    import numpy as np


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
    import numpy as np

    known = values[~np.isnan(values)]  # n/a rows are left out
    if known.size == 0:
        return None
    with np.errstate(invalid="ignore"):  # inf − inf between infinite values
        p5, p50, p95 = (float(v) for v in np.percentile(known, [5, 50, 95]))
        mean = float(known.mean())
    return float(known.min()), p5, p50, p95, float(known.max()), mean


#: Most numbers stacked at once by `percentiles_together` (a chunk of arrays: bounded memory).
_STACKED_NUMBERS = 1 << 21


def percentiles_together(
    arrays: Sequence[np.ndarray],
) -> list[tuple[float, float, float, float]]:
    """P5, P50, P95 and mean of each of `arrays` (NaN-free, non-empty, of one length), the
    floats `spread` gives for each: a chunk of arrays is stacked and takes one percentile call
    (the same partition and interpolation along each row), not one call per array."""
    import numpy as np

    out: list[tuple[float, float, float, float]] = []
    if not arrays:
        return out
    rows = max(1, _STACKED_NUMBERS // max(arrays[0].size, 1))
    with np.errstate(invalid="ignore"):  # inf − inf between infinite values
        for start in range(0, len(arrays), rows):
            stacked = np.stack(arrays[start : start + rows])
            p5, p50, p95 = np.percentile(stacked, [5, 50, 95], axis=1).tolist()
            # Each row is a contiguous copy of its array, as `spread`'s known values are.
            means = [float(row.mean()) for row in stacked]
            out.extend(zip(p5, p50, p95, means, strict=True))
    return out
