"""Risk ratings: one `risk.<key>` metric per risk of the register (catalog risk_rules.toml).

A rating is low < medium < high, or n/a when the risk cannot be rated (scendsl.model.risk has
the rules' semantics). Being metrics, ratings can be claimed (`expect risk.concentration <=
medium`), compared by `diff` and listed by `scendsl list metrics`; the briefings' register
shows the same rating with the rule that decided it.

Declared last: a rating reads metrics of every other domain.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from scendsl.model import scalar
from scendsl.model.registry import metric
from scendsl.model.risk import (
    RATINGS,
    RULES_FILE,
    Condition,
    RiskDefinition,
    Rule,
    assess_one,
    load_rules,
    rule_applies,
)

if TYPE_CHECKING:  # the column path imports them when it runs: a plain rating needs neither
    import numpy as np

    from scendsl.model.engine import Categorical


def _rating(risk: RiskDefinition, names: tuple[str, ...]) -> Callable[..., Any]:
    def rate(*values: Any) -> Any:
        by_name = dict(zip(names, values, strict=True))
        sizes = {len(v) for v in values if scalar.is_array(v) and v.ndim == 1}
        if sizes:  # Monte Carlo samples or sweep variants: every row at once
            (size,) = sizes
            return _ratings(risk, by_name, size)
        return assess_one(risk, by_name.get).rating

    return rate


def _outcome(condition: Condition, value: Any, size: int) -> tuple[np.ndarray, np.ndarray]:
    """(holds, undecided) per row: `Condition.test` on a column."""
    import numpy as np

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
    return getattr(np, test)(numbers, condition.threshold) & ~undecided, undecided


#: numpy's comparison of a column with a threshold, by condition.
_COLUMN_TESTS = {
    "above": "greater",
    "at_least": "greater_equal",
    "below": "less",
    "at_most": "less_equal",
}


def _ratings(risk: RiskDefinition, values: dict[str, Any], size: int) -> Categorical:
    """`assess_one(...).rating` for every row. A rating depends only on whether each condition
    holds, fails or cannot be decided: the rows are grouped by those outcomes (tested on whole
    columns) and `assess_one` rates one row of each group, so the rules' semantics stay in one
    place (scendsl.model.risk)."""
    import numpy as np

    from scendsl.model.engine import Categorical, element

    # Each row's outcomes as one base-3 number (0 fails, 1 holds, 2 undecided).
    keys = np.zeros(size, dtype=np.int64)
    digits = 0
    for rule in risk.rules:
        if rule.scope is not None:  # in force for this row's region and year, or not
            keys = keys * 3 + _applies(rule, values, size)
            digits += 1
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


def _codes(value: Any, size: int) -> tuple[np.ndarray, tuple[Any, ...]]:
    """A column as codes into its distinct values (a constant: one value)."""
    import numpy as np

    from scendsl.model.engine import Categorical, Partial, element

    if isinstance(value, Categorical):
        return value.codes, value.categories
    if isinstance(value, Partial):
        value = np.asarray([element(value, row) for row in range(size)], dtype=object)
    if isinstance(value, np.ndarray) and value.ndim == 1:
        if value.dtype != object:  # numbers (years) or text of one kind: sortable
            distinct, codes = np.unique(value, return_inverse=True)
            return codes.reshape(-1), tuple(distinct.tolist())
        index: dict[Any, int] = {}  # mixed values (n/a among them) need not sort
        codes = np.fromiter(
            (index.setdefault(v, len(index)) for v in value.tolist()), dtype=np.int64, count=size
        )
        return codes, tuple(index)
    return np.zeros(size, dtype=np.int64), (value,)


def _applies(rule: Rule, values: dict[str, Any], size: int) -> np.ndarray:
    """Per row, whether a scoped rule applies to the row's region and year: decided once per
    distinct (region, year), so a sweep over years costs a handful of decisions."""
    import numpy as np

    regions, region_values = _codes(values.get("scenario.region"), size)
    years, year_values = _codes(values.get("scenario.year"), size)
    pairs = regions * len(year_values) + years
    distinct, inverse = np.unique(pairs, return_inverse=True)
    decided = np.array(
        [
            rule_applies(
                rule,
                region_values[int(pair) // len(year_values)],
                year_values[int(pair) % len(year_values)],
            )
            for pair in distinct
        ],
        dtype=np.int64,
    )
    return decided[inverse.reshape(-1)]


#: Up to 3**12 possible outcome keys are tabled; more conditions (and int64's 39 ternary
#: digits are far off) go through a sort.
_TABLE_DIGITS = 12


def _formula(risk: RiskDefinition) -> str:
    return "; ".join(f"{rule.rating} if {rule.describe()}" for rule in risk.rules)


for _risk in load_rules():
    # The names the rules test, and the region and year when a rule is scoped by jurisdiction
    # or date.
    _names = tuple(_risk.metrics())
    if any(rule.scope is not None for rule in _risk.rules):
        _names += tuple(n for n in ("scenario.region", "scenario.year") if n not in _names)
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
