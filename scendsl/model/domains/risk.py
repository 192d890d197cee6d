"""Risk ratings: one `risk.<key>` metric per risk of the register (catalog risk_rules.toml).

A rating is low < medium < high, or n/a when the risk cannot be rated (scendsl.model.risk has
the rules' semantics). Being metrics, ratings can be claimed (`expect risk.concentration <=
medium`), compared by `diff` and listed by `scendsl list metrics`; the briefings' register
shows the same rating with the rule that decided it.

Declared last: a rating reads metrics of every other domain.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from scendsl.model.engine import Categorical
from scendsl.model.registry import metric
from scendsl.model.risk import (
    RATINGS,
    RULES_FILE,
    Condition,
    RiskDefinition,
    assess_one,
    load_rules,
)


def _rating(risk: RiskDefinition, names: tuple[str, ...]) -> Callable[..., Any]:
    def rate(*values: Any) -> Any:
        by_name = dict(zip(names, values, strict=True))
        sizes = {len(v) for v in values if isinstance(v, np.ndarray) and v.ndim == 1}
        if sizes:  # Monte Carlo samples or sweep variants: every row at once
            (size,) = sizes
            return _ratings(risk, by_name, size)
        return assess_one(risk, by_name.get).rating

    return rate


def _outcome(condition: Condition, value: Any, size: int) -> tuple[np.ndarray, np.ndarray]:
    """(holds, undecided) per row: `Condition.test` on a column."""
    if not isinstance(value, np.ndarray):
        verdict = condition.test(value)
        return np.full(size, verdict is True), np.full(size, verdict is None)
    if condition.op == "is" and value.dtype == bool:
        return value == condition.threshold, np.zeros(size, dtype=bool)
    if value.dtype.kind not in "fiu":
        raise TypeError(f"no column test for {condition.describe()}")  # the engine goes by row
    numbers = value.astype(float)
    undecided = np.isnan(numbers)
    limit = condition.threshold
    tests = {
        "above": numbers > limit,
        "at_least": numbers >= limit,
        "below": numbers < limit,
        "at_most": numbers <= limit,
    }
    if condition.op not in tests:
        raise TypeError(f"no column test for {condition.describe()}")
    return tests[condition.op] & ~undecided, undecided


def _ratings(risk: RiskDefinition, values: dict[str, Any], size: int) -> Categorical:
    """`assess_one(...).rating` for every row at once (the same rules, the same semantics)."""
    none = len(RATINGS)  # the code of "not rated"
    codes = np.full(size, none, dtype=np.int64)
    done = np.zeros(size, dtype=bool)
    skipped = np.zeros(size, dtype=bool)
    for rule in risk.rules:
        failed = np.zeros(size, dtype=bool)
        undecided = np.zeros(size, dtype=bool)
        for condition in rule.when:
            holds, unknown = _outcome(condition, values.get(condition.metric), size)
            failed |= ~holds & ~unknown
            undecided |= unknown
        open_rows = ~done & ~failed
        if not rule.when:  # "otherwise" never rates a row whose earlier rules were skipped
            codes[open_rows & ~skipped] = RATINGS.index(rule.rating)
            done |= open_rows
            break
        fires = open_rows & ~undecided
        codes[fires] = RATINGS.index(rule.rating)
        done |= fires
        skipped |= open_rows & undecided
    return Categorical(codes, (*RATINGS, None))


def _formula(risk: RiskDefinition) -> str:
    return "; ".join(f"{rule.rating} if {rule.describe()}" for rule in risk.rules)


for _risk in load_rules():
    _names = tuple(_risk.metrics())
    metric(
        f"risk.{_risk.key}",
        "text",
        f"{_risk.title} risk rating (low < medium < high; n/a when not rated): the first "
        f"rule of the risk register (catalog {RULES_FILE.name}) whose conditions hold",
        _formula(_risk),
        inputs=_names,
        # Each rule has its own source, shown with the register; the node adds none of its own.
        value_type="text",
        importance=3,
        # A rule that cannot be evaluated is skipped (the register's semantics), so no input
        # makes the rating n/a by itself.
        optional=_names,
        choices=RATINGS,
        ordered=True,
    )(_rating(_risk, _names))
