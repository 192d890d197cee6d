"""The risk register: ratings derived from the model's figures by rules kept as data.

The rules live in `scendsl/catalog/risk_rules.toml` (schema at the top of that file): for each
risk, an ordered list of rules, each with conditions on metrics, a rating, the reason for its
threshold and where the threshold comes from. This module only reads and applies them; changing
a threshold never means changing Python.

The ratings are model metrics (`risk.<key>`, scendsl.model.domains.risk), so claims can compare
them; the briefings' register (scendsl.report.pages) reads the deciding rule from here too.

Semantics: the first rule whose conditions all hold gives the rating. A rule that cannot be
evaluated because a metric is n/a is skipped; a lower rating found after it says so in a caveat,
and the catch-all last rule never rates a risk whose conditions could not be checked: such a
risk is "not rated" rather than low.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from scendsl.catalog.conditions import NUMERIC_OPS, Condition, parse_condition
from scendsl.catalog.jurisdictions import Scope, applies, covers, parse_scope
from scendsl.errors import ScendslError
from scendsl.files.kept import read_toml

RULES_FILE = Path(__file__).resolve().parent.parent / "catalog" / "risk_rules.toml"

#: Ratings from least to most severe.
RATINGS = ("low", "medium", "high")
CONFIDENCE_CODES = ("A", "B", "C", "U")

#: The condition operators the register uses (scendsl.catalog.conditions has their grammar).
_RISK_OPS = (*NUMERIC_OPS, "equals", "in", "is")


class RiskRulesError(ScendslError, ValueError):
    """The rules file does not follow its schema (a bug in the data, reported at load)."""


@dataclass(frozen=True)
class Rule:
    rating: str
    when: tuple[Condition, ...]
    reason: str
    source: str
    confidence: str
    #: Where and when the rule applies; None: everywhere, always.
    scope: Scope | None = None

    def describe(self) -> str:
        return " and ".join(c.describe() for c in self.when) or "otherwise"

    def where(self) -> str:
        """`EU, from 2 Aug 2025`; "everywhere" for a rule without a jurisdiction."""
        return self.scope.describe() if self.scope else "everywhere"


@dataclass(frozen=True)
class RiskDefinition:
    key: str
    title: str
    driver: str
    concern: str
    rules: tuple[Rule, ...]

    def rules_for(self, regions: list[str] | tuple[str, ...]) -> list[Rule]:
        """The rules that apply everywhere and those written for one of `regions` (any date)."""
        return [
            rule
            for rule in self.rules
            if rule.scope is None or any(covers(rule.scope, region) for region in regions)
        ]

    def other_jurisdictions(self, regions: list[str] | tuple[str, ...]) -> list[str]:
        """The jurisdictions of the rules that `rules_for(regions)` leaves out, sorted."""
        kept = self.rules_for(regions)
        return sorted(
            {
                code
                for r in self.rules
                if r not in kept and r.scope
                for code in r.scope.jurisdictions
            }
        )

    def metrics(self) -> list[str]:
        """Every metric the risk reads, driver first, without repeats."""
        names = [self.driver]
        for rule in self.rules:
            names.extend(c.metric for c in rule.when if c.metric not in names)
        return names


@dataclass(frozen=True)
class Assessment:
    """One risk rated for one scenario."""

    risk: RiskDefinition
    #: "low" / "medium" / "high", or None when no rule could be evaluated.
    rating: str | None
    rule: Rule | None
    #: Higher-rated rules that were skipped because a metric was n/a.
    caveats: tuple[str, ...] = ()

    @property
    def severity(self) -> int:
        """Sort key: high 2, medium 1, low 0, unrated -1."""
        return RATINGS.index(self.rating) if self.rating else -1


# ---------------------------------------------------------------------------------- loading
def _condition(raw: Mapping[str, Any], where: str) -> Condition:
    return parse_condition(raw, where, _RISK_OPS, RiskRulesError)


def parse_rules(
    data: Mapping[str, Any], origin: str = "risk_rules.toml"
) -> tuple[RiskDefinition, ...]:
    """Risk definitions from the parsed TOML; raises RiskRulesError on any schema mistake."""
    risks: list[RiskDefinition] = []
    keys: set[str] = set()
    for index, raw in enumerate(data.get("risk", [])):
        where = f"{origin}: risk #{index + 1}"
        for field in ("key", "title", "driver", "concern"):
            if not isinstance(raw.get(field), str) or not raw[field]:
                raise RiskRulesError(f"{where}: '{field}' is required")
        if raw["key"] in keys:
            raise RiskRulesError(f"{where}: key '{raw['key']}' is used twice")
        keys.add(raw["key"])
        rules: list[Rule] = []
        for number, rule in enumerate(raw.get("rule", []), start=1):
            here = f"{where} ({raw['key']}), rule {number}"
            if rule.get("rating") not in RATINGS:
                raise RiskRulesError(f"{here}: rating must be one of {', '.join(RATINGS)}")
            if rule.get("confidence") not in CONFIDENCE_CODES:
                raise RiskRulesError(f"{here}: confidence must be one of A, B, C, U")
            for field in ("reason", "source"):
                if not isinstance(rule.get(field), str) or not rule[field]:
                    raise RiskRulesError(
                        f"{here}: '{field}' is required: every threshold "
                        "says why and where it comes from"
                    )
            when = tuple(_condition(c, here) for c in rule.get("when", []))
            try:
                scope = parse_scope(rule, here)
            except ValueError as error:
                raise RiskRulesError(str(error)) from None
            rules.append(
                Rule(
                    rule["rating"], when, rule["reason"], rule["source"], rule["confidence"], scope
                )
            )
        if not rules:
            raise RiskRulesError(f"{where}: at least one rule is needed")
        risks.append(
            RiskDefinition(raw["key"], raw["title"], raw["driver"], raw["concern"], tuple(rules))
        )
    return tuple(risks)


@lru_cache(maxsize=4)
def load_rules(path: str | None = None) -> tuple[RiskDefinition, ...]:
    """The risk register's rules (cached; `path` defaults to the catalog's file)."""
    file = Path(path) if path else RULES_FILE
    return parse_rules(read_toml(file), file.name)


def rule_problems(risks: tuple[RiskDefinition, ...], dimensions: Mapping[str, str]) -> list[str]:
    """Conditions naming a metric the model lacks, or comparing it with the wrong dimension.

    `dimensions` maps metric names to their dimension (from the registry, templates expanded).
    """
    problems: list[str] = []
    for risk in risks:
        for name in risk.metrics():
            if name not in dimensions:
                problems.append(f"{risk.key}: unknown metric '{name}'")
        for rule in risk.rules:
            for condition in rule.when:
                wanted = dimensions.get(condition.metric)
                if condition.dimension is None or wanted is None:
                    continue
                # A plain number may bound a fraction (0.9 is 90%), not the other way round.
                same = wanted == condition.dimension or (
                    wanted == "fraction" and condition.dimension == "number"
                )
                if not same:
                    problems.append(
                        f"{risk.key}: '{condition.describe()}' compares a "
                        f"{wanted} with a {condition.dimension}"
                    )
    return problems


# ---------------------------------------------------------------------------------- jurisdiction
def rule_applies(rule: Rule, region: str | None, year: int | None) -> bool:
    """Whether `rule` applies to a site in `region` in `year` (judged on the export rules'
    decision date, 1 July). A rule without a scope applies everywhere; a scoped rule does not
    apply when the region or year is unknown."""
    if rule.scope is None:
        return True
    if region is None or year is None:
        return False
    key = (id(rule), str(region), int(year))
    held = _APPLIES.get(key)
    if held is not None and held[0] is rule:
        return held[1]
    from scendsl.model.domains.export_rules import decision_date

    answer = applies(rule.scope, key[1], decision_date(key[2]))
    if len(_APPLIES) >= 4096:
        _APPLIES.clear()
    _APPLIES[key] = rule, answer
    return answer


#: (id of a scoped rule, region, year) -> (the rule, whether it applies there then): judged
#: once per place and year rather than at every rating of every evaluation (the risk ratings'
#: jurisdiction tests were a tenth of their cost). The entry holds the (frozen) rule, so its
#: id cannot be reused while the entry lives.
_APPLIES: dict[tuple[int, str, int], tuple[Rule, bool]] = {}


@dataclass(frozen=True)
class JurisdictionRule:
    """A rule written for the region's jurisdiction, and whether it is in force on the date."""

    risk: RiskDefinition
    rule: Rule
    in_force: bool


def jurisdiction_rules(
    region: str | None, year: int | None, risks: tuple[RiskDefinition, ...] | None = None
) -> list[JurisdictionRule]:
    """Every scoped rule whose jurisdiction covers `region`, in force in `year` or not."""
    found: list[JurisdictionRule] = []
    if region is None:
        return found
    for risk in risks if risks is not None else load_rules():
        for rule in risk.rules:
            if rule.scope is not None and covers(rule.scope, str(region)):
                found.append(JurisdictionRule(risk, rule, rule_applies(rule, region, year)))
    return found


# ---------------------------------------------------------------------------------- rating
def assess_one(risk: RiskDefinition, value_of: Callable[[str], Any]) -> Assessment:
    """Rate one risk; `value_of(name)` returns a metric's value or None.

    A rule that cannot be evaluated (a metric is n/a) is skipped. A later conditional rule may
    still rate the risk, with the caveat that it could be higher; the unconditional last rule
    ("otherwise") does not: it would claim that the skipped conditions are false, so the risk is
    left unrated instead.
    """
    skipped: list[Rule] = []
    missing: list[str] = []
    region, year = value_of("scenario.region"), value_of("scenario.year")
    for rule in risk.rules:
        if not rule_applies(rule, region, year):
            continue
        outcomes = [condition.test(value_of(condition.metric)) for condition in rule.when]
        if any(outcome is False for outcome in outcomes):
            continue
        if any(outcome is None for outcome in outcomes):
            skipped.append(rule)
            missing.extend(
                c.metric
                for c, outcome in zip(rule.when, outcomes, strict=True)
                if outcome is None and c.metric not in missing
            )
            continue
        if not rule.when and skipped:
            return Assessment(risk, None, None, (f"not rated: {', '.join(missing)} is n/a",))
        higher = [s for s in skipped if RATINGS.index(s.rating) > RATINGS.index(rule.rating)]
        caveats: tuple[str, ...] = ()
        if higher:
            worst = max(higher, key=lambda s: RATINGS.index(s.rating)).rating
            names = sorted({c.metric for s in higher for c in s.when if value_of(c.metric) is None})
            caveats = (f"could be {worst}: {', '.join(names)} is n/a",)
        return Assessment(risk, rule.rating, rule, caveats)
    return Assessment(
        risk, None, None, (f"not rated: {', '.join(missing)} is n/a",) if missing else ()
    )


def assess(
    value_of: Callable[[str], Any], risks: tuple[RiskDefinition, ...] | None = None
) -> list[Assessment]:
    """The whole register for one scenario, in the rules file's order."""
    return [assess_one(risk, value_of) for risk in (risks if risks is not None else load_rules())]
