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

from scendsl.model.engine import Categorical, element
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
    test = _COLUMN_TESTS.get(condition.op)
    if test is None:
        raise TypeError(f"no column test for {condition.describe()}")
    numbers = value.astype(float, copy=False)
    undecided = np.isnan(numbers)
    return test(numbers, condition.threshold) & ~undecided, undecided


_COLUMN_TESTS: dict[str, Callable[[np.ndarray, float], np.ndarray]] = {
    "above": np.greater,
    "at_least": np.greater_equal,
    "below": np.less,
    "at_most": np.less_equal,
}


def _ratings(risk: RiskDefinition, values: dict[str, Any], size: int) -> Categorical:
    """`assess_one(...).rating` for every row. A rating depends only on whether each condition
    holds, fails or cannot be decided: the rows are grouped by those outcomes (tested on whole
    columns) and `assess_one` rates one row of each group, so the rules' semantics stay in one
    place (scendsl.model.risk)."""
    # Each row's outcomes as one base-3 number (0 fails, 1 holds, 2 undecided).
    keys = np.zeros(size, dtype=np.int64)
    digits = 0
    for rule in risk.rules:
        for condition in rule.when:
            holds, unknown = _outcome(condition, values.get(condition.metric), size)
            keys = keys * 3 + holds + 2 * unknown
            digits += 1
    if digits <= _TABLE_DIGITS:  # a look-up table of every possible key: no sort needed
        first = np.full(3**digits, size, dtype=np.int64)
        np.minimum.at(first, keys, np.arange(size))
        present = np.flatnonzero(first < size)
        firsts = first[present]
        number = np.zeros(3**digits, dtype=np.int64)
        number[present] = np.arange(len(present))
        groups = number[keys]
    else:
        _, firsts, groups = np.unique(keys, return_index=True, return_inverse=True)
        groups = groups.reshape(-1)
    categories = (*RATINGS, None)
    codes = np.empty(len(firsts), dtype=np.int64)
    for group, row in enumerate(firsts):
        one = {name: element(value, int(row)) for name, value in values.items()}
        codes[group] = categories.index(assess_one(risk, one.get).rating)
    return Categorical(codes[groups], categories)


#: Up to 3**12 possible outcome keys are tabled; more conditions (and int64's 39 ternary
#: digits are far off) go through a sort.
_TABLE_DIGITS = 12


def _formula(risk: RiskDefinition) -> str:
    return "; ".join(f"{rule.rating} if {rule.describe()}" for rule in risk.rules)


for _risk in load_rules():
    # The names the rules test. Rules scoped by jurisdiction or date would also read
    # `scenario.region` and `scenario.year`: add them here when the rules do.
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
