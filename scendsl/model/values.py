"""Plain values out of the model's arrays: non-finite numbers as null, percentile summaries."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from scendsl.terminal import spelt_surrogates

#: A surrogate as JSON text writes it without `ensure_ascii`; with it, escaped (`\\udcff`).
_SURROGATE = re.compile("[\ud800-\udfff]")

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
    if getattr(data, "ndim", None) == 0 and hasattr(data, "item"):  # a numpy scalar
        return json_safe(data.item())
    return data


def infinity_sign(value: Any) -> int | None:
    """1 for +∞ and -1 for −∞ (a numpy scalar's too), else None. JSON has no infinity: an
    infinite figure (a run that never finishes, which the briefings read as ∞) is written null,
    as n/a is, and this sign beside it (`infinite`: a figure's, a claim's figure, a variant's by
    name, a node of the explain trace) tells them apart for whoever reads the document,
    `scendsl diff` among them."""
    if getattr(value, "ndim", None) == 0 and hasattr(value, "item"):  # a numpy scalar
        value = value.item()
    if isinstance(value, float) and math.isinf(value):
        return 1 if value > 0 else -1
    return None


def json_text(
    data: Any,
    *,
    indent: int | None = None,
    sort_keys: bool = False,
    ensure_ascii: bool = False,
    default: Callable[[Any], Any] | None = None,
) -> str:
    """`data` as strict JSON (RFC 8259): the one way every JSON document the tool writes is
    made. Python writes `NaN` and `Infinity`, which JSON.parse, Go and serde_json refuse, and a
    lone surrogate, which no UTF-8 reader takes: such data is written as `json_safe` makes it
    (non-finite numbers null, surrogates spelt). `default` turns what JSON has no type for
    into what it has."""

    def dumps(value: Any) -> str:
        return json.dumps(
            value,
            indent=indent,
            sort_keys=sort_keys,
            ensure_ascii=ensure_ascii,
            allow_nan=False,
            default=default,
        )

    # Written as given first: walking a million sweep records through json_safe costs more
    # than writing them, and it is needed only when they hold what JSON has not.
    try:
        text = dumps(data)
    except (ValueError, TypeError):  # a non-finite number, a numpy scalar
        return dumps(json_safe(data))
    if ensure_ascii:
        surrogate = "\\ud" in text  # or a Hangul syllable escaped: written safe alike
    else:  # isascii is a flag of the string, read at once
        surrogate = not text.isascii() and _SURROGATE.search(text) is not None
    return dumps(json_safe(data)) if surrogate else text


def relative_change(old: float, new: float) -> float | None:
    """(new − old) / |old|: `new` as a change on `old`, as claims' margins and diffs give it;
    None where it has no number: `old` 0, either infinite, or a share whose percentage is no
    finite number (an `old` of 5e-324 makes 12 kW a change of 10^329 %, which overflowed to
    `+∞%` in a briefing and to a bare null in the JSON)."""
    if old == 0 or not (math.isfinite(old) and math.isfinite(new)):
        return None
    change = (new - old) / abs(old)
    return change if math.isfinite(change * 100) else None


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
