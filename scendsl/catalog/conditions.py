"""The conditions of the catalog's rule files: `{ metric = NAME, OP = VALUE }`.

One grammar for the risk register (risk_rules.toml) and the warnings (warnings.toml), so a
word means the same in both:

    above, at_least, below, at_most   VALUE a quantity as in a scenario ('100 MW', '90%')
    not_divides                       the figure is not a whole divisor of VALUE
    above_metric, …, not_divides_metric   VALUE another figure's name: compared with its value
    equals, in (a list)               for text
    is                                true or false, for flags
    available                         true or false: whether the figure is not n/a

Each file says which of these it allows. A condition that cannot be decided (the figure is n/a)
tests as None; the file's reader says what that means (the register skips the rule, a warning
does not fire).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from scendsl.catalog.quantities import read_quantity

#: Comparison operators, how they read in a briefing, and their test.
NUMERIC_OPS: dict[str, tuple[str, Callable[[float, float], bool]]] = {
    "above": (">", lambda value, limit: value > limit),
    "at_least": ("≥", lambda value, limit: value >= limit),
    "below": ("<", lambda value, limit: value < limit),
    "at_most": ("≤", lambda value, limit: value <= limit),
    # A relation of whole numbers (a context degree and the sequence it splits evenly).
    "not_divides": ("∤", lambda value, limit: value > 0 and math.fmod(limit, value) != 0),
}
METRIC_OPS = tuple(f"{op}_metric" for op in NUMERIC_OPS)
ALL_OPS = (*NUMERIC_OPS, *METRIC_OPS, "equals", "in", "is", "available")


@dataclass(frozen=True)
class Condition:
    """`metric OP threshold`, e.g. reliability.goodput below 90%."""

    metric: str
    op: str
    #: SI value for a comparison; another figure's name for `*_metric`; text, a tuple of texts
    #: or a bool otherwise.
    threshold: Any
    #: The threshold as written in the file ('90%'), for display.
    written: str
    #: Dimension of a numeric threshold ('fraction', 'power', ...), checked against the metric.
    dimension: str | None = None

    def test(self, value: Any, limit: Any = None) -> bool | None:
        """Whether the condition holds for `value` (and, for `*_metric`, the other figure's
        value `limit`); None when it cannot be decided (n/a)."""
        if self.op == "available":
            return (value is not None) is self.threshold
        if value is None:
            return None
        if self.op in NUMERIC_OPS or self.op in METRIC_OPS:
            bound = limit if self.op in METRIC_OPS else self.threshold
            numbers = [_number(value), _number(bound)]
            if numbers[0] is None or numbers[1] is None:
                return None
            return NUMERIC_OPS[self.op.removesuffix("_metric")][1](numbers[0], numbers[1])
        if self.op == "is":
            return bool(value) is self.threshold
        if self.op == "equals":
            return str(value) == self.threshold
        return str(value) in self.threshold

    def describe(self) -> str:
        """The condition as a reader sees it: `reliability.goodput < 90%`."""
        if self.op in NUMERIC_OPS:
            return f"{self.metric} {NUMERIC_OPS[self.op][0]} {self.written}"
        if self.op in METRIC_OPS:
            return f"{self.metric} {NUMERIC_OPS[self.op.removesuffix('_metric')][0]} {self.written}"
        if self.op in ("is", "available"):
            word = "is" if self.op == "is" else "available is"
            return f"{self.metric} {word} {'true' if self.threshold else 'false'}"
        if self.op == "equals":
            return f"{self.metric} = {self.written}"
        return f"{self.metric} is one of {self.written}"


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, (bool, str, dict)):
        return None
    number = float(value)
    return None if math.isnan(number) else number


def parse_condition(
    raw: Any, where: str, allowed: tuple[str, ...], error: type[Exception]
) -> Condition:
    """One condition of a rule file; `allowed` names the operators the file may use, and a
    mistake raises `error` (the file's own error class) saying where."""
    if not isinstance(raw, Mapping):
        raise error(f"{where}: a condition is {{ metric = NAME, OP = VALUE }}")
    metric = raw.get("metric")
    if not isinstance(metric, str) or not metric:
        raise error(f"{where}: a condition needs 'metric'")
    ops = [key for key in raw if key != "metric"]
    if len(ops) != 1 or ops[0] not in allowed:
        raise error(f"{where}: a condition has exactly one of {', '.join(allowed)}; got {ops}")
    op, value = ops[0], raw[ops[0]]
    if op in NUMERIC_OPS:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise error(f"{where}: '{op}' needs a quantity such as '100 MW'")
        try:
            si, dimension = read_quantity(str(value))
        except ValueError as problem:
            raise error(f"{where}: {problem}") from None
        return Condition(metric, op, si, str(value), dimension)
    if op in METRIC_OPS:
        if not isinstance(value, str) or not value:
            raise error(f"{where}: '{op}' needs a metric name")
        return Condition(metric, op, value, value)
    if op in ("is", "available"):
        if not isinstance(value, bool):
            raise error(f"{where}: '{op}' needs true or false")
        return Condition(metric, op, value, str(value).lower())
    if op == "equals":
        return Condition(metric, op, str(value), str(value).replace("_", " "))
    if not isinstance(value, list) or not value:
        raise error(f"{where}: 'in' needs a non-empty list")
    texts = tuple(str(v) for v in value)
    return Condition(metric, op, texts, ", ".join(t.replace("_", " ") for t in texts))
