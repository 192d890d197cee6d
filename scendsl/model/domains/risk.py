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

from scendsl.model.registry import metric
from scendsl.model.risk import RATINGS, RULES_FILE, RiskDefinition, assess_one, load_rules


def _rating(risk: RiskDefinition, names: tuple[str, ...]) -> Callable[..., Any]:
    def rate(*values: Any) -> str | None:
        by_name = dict(zip(names, values, strict=True))
        return assess_one(risk, by_name.get).rating

    return rate


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
