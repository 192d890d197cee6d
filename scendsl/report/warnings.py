"""The warnings stage: located `warning:` diagnostics about an evaluated scenario.

The rules live in `scendsl/catalog/warnings.toml` (schema at the top of that file): conditions on
the model's figures (a flag that is true, a figure against a threshold or another figure, an
input whose value is another year's), the figures each warning concerns, the scenario field it
points at, and its wording. This module only reads and applies them: adding a warning never
means changing Python.

A warning is a `Diagnostic` with severity "warning", rendered like an error
(`path:line:col: warning: ...`) by `scendsl check`, carried by `eval --format json`, shown in
the briefings next to the figures it concerns and published by the language server. It lives
in the presentation layer because its message prints figures the way the briefings do
(scendsl.report.numbers); every consumer (export, views, diff, the application layer, the
command line and the language server) sits at or above it.
"""

from __future__ import annotations

import fnmatch
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import tomli

from scendsl.catalog.conditions import METRIC_OPS, NUMERIC_OPS, Condition, parse_condition
from scendsl.catalog.grid import named_region
from scendsl.errors import Diagnostic, DiagnosticSink, ScendslError, Span
from scendsl.files.kept import read_toml
from scendsl.report.explain import infinite_parts, missing_inputs
from scendsl.wording import and_list

if TYPE_CHECKING:
    from scendsl.model.context import Extrapolated
    from scendsl.model.evaluate import Result
    from scendsl.scenario import Scenario

RULES_FILE = Path(__file__).resolve().parent.parent / "catalog" / "warnings.toml"

#: The condition operators warnings use (scendsl.catalog.conditions has their grammar).
_WARNING_OPS = ("is", "available", "equals", *NUMERIC_OPS, *METRIC_OPS)
_REQUIRED = ("id", "concerns", "at", "message", "hint", "why", "source", "confidence")
_CONFIDENCE = ("A", "B", "C", "U")

#: `{name}` or `{note:name}` in a message.
_PLACEHOLDER_RE = re.compile(r"\{(?:(note):)?([A-Za-z_][\w.*]*)\}")
_SCENARIO_WORDS = ("scenario", "region", "region_name", "year", "accelerator")
_MATCH_WORDS = ("input", "meaning", "used", "write_as")
#: The words of a rule on claims (`claims = 'undecided'`): the claim's figure, the inputs
#: without a value that leave it n/a (or the infinite figures it is made of), and why it is n/a
#: (`_undecided_because`).
_CLAIM_WORDS = ("metric", "missing", "why")
#: The words of an `overridden` rule's message: the field written, the one over it, its writer.
_OVERRIDE_WORDS = ("input", "override", "overrides", "parent")
#: What `claims` may say: which claims the rule is about.
_CLAIM_KINDS = ("undecided",)


class WarningRulesError(ScendslError, ValueError):
    """The warnings file does not follow its schema (a bug in the data, reported at load)."""


def _undecided_because(metric: str, missing: list[str], infinite: list[str]) -> str:
    """Why a claim's figure is n/a, for the `why` of a rule on claims: the inputs without a
    value that leave it so, or the infinite figures it is made of (the rent-to-own ratio of a
    run that never finishes: its costs, both ∞, named the ratio itself as the input missing)."""
    if missing or not infinite:
        return f"no value for {', '.join(missing) or metric}"
    return f"made of infinite figures, {' and '.join(infinite)}: ∞ ÷ ∞ and ∞ − ∞ have no value"


def holds(condition: Condition, result: Result) -> bool:
    """Whether a warning's condition holds for `result`; one that cannot be decided (a figure
    is n/a) does not make the warning fire."""
    limit = _value(result, condition.threshold) if condition.op in METRIC_OPS else None
    return condition.test(_value(result, condition.metric), limit) is True


@dataclass(frozen=True)
class WarningRule:
    """One rule of warnings.toml."""

    id: str
    when: tuple[Condition, ...]
    extrapolated: tuple[str, ...]
    excluded: tuple[str, ...]
    concerns: tuple[str, ...]
    at: tuple[str, ...]
    message: str
    hint: str
    why: str
    source: str
    confidence: str
    #: For `extrapolated`: the hint of an input no scenario field sets (the market's size): `hint`
    #: would tell the analyst to write what the language has no field for.
    hint_unwritable: str = ""
    #: Instead of `when` or `extrapolated`: one warning for each claim of that kind
    #: ("undecided": its figure is n/a), at the claim's metric.
    claims: str = ""
    #: For `claims`: the hint for a claim on one of these figures, instead of `hint` (a
    #: figure given directly, that an analyst claims for the one the model computes).
    hints: tuple[tuple[str, str], ...] = ()
    #: Instead of `when`, `extrapolated` or `claims`: (written, by) pairs of scenario fields,
    #: one warning where a scenario writes `written` itself but inherits `by`, which stands over
    #: it (a child's new mix under its parent's written carbon intensity changes no figure).
    overridden: tuple[tuple[str, str], ...] = ()
    #: The figures the caveat starts from: each of them, and every metric the evaluation built
    #: on them (directly or through others), is concerned, beside `concerns`.
    marks: tuple[str, ...] = ()

    def names(self) -> set[str]:
        """Every model name the rule reads or names (patterns with '*' included)."""
        names = {c.metric for c in self.when}
        names |= {c.threshold for c in self.when if c.op in METRIC_OPS}
        names |= set(self.concerns) | set(self.excluded) | set(self.marks)
        names |= {p for p in self.extrapolated if p != "*"}
        names |= {name for name, _ in self.hints}
        hints = [hint for _, hint in self.hints]
        for text in (self.message, self.hint, self.hint_unwritable, *hints):
            names |= {
                name
                for _, name in _PLACEHOLDER_RE.findall(text)
                if name not in _SCENARIO_WORDS + _MATCH_WORDS + _CLAIM_WORDS + _OVERRIDE_WORDS
            }
        return names


@dataclass(frozen=True)
class ScenarioWarning:
    """A warning about one scenario: what, where, and which figures it concerns."""

    #: The rule's id, with the input for an extrapolated figure (`extrapolated-year:energy.pue`):
    #: stable across versions, so `diff` can say which warnings appear or vanish.
    id: str
    rule: str
    scenario: str
    #: "scenario 'NAME': TEXT", the diagnostic's message (JSON and the language server show it
    #: per scenario; `check`'s text output names every scenario sharing a warning once).
    message: str
    text: str
    hint: str
    metrics: tuple[str, ...]
    span: Span | None
    diagnostic: Diagnostic

    def to_json(self) -> dict[str, Any]:
        """The JSON form in `eval --format json`: a diagnostic's fields plus id and metrics."""
        return {
            "id": self.id,
            "severity": "warning",
            "message": self.message,
            "hint": self.hint,
            "span": self.span.to_json() if self.span else None,
            "metrics": list(self.metrics),
        }

    def concerns(self, name: str) -> bool:
        """Whether the warning qualifies the figure `name`."""
        return name in self.metrics


# ---------------------------------------------------------------------------------- loading
def _strings(raw: Any, where: str, field: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(item, str) and item for item in raw):
        raise WarningRulesError(f"{where}: '{field}' must be a list of names")
    return tuple(raw)


def _condition(raw: Any, where: str) -> Condition:
    return parse_condition(raw, where, _WARNING_OPS, WarningRulesError)


def parse_warning_rules(
    data: Mapping[str, Any], origin: str = "warnings.toml"
) -> tuple[WarningRule, ...]:
    """The rules of the parsed TOML; raises WarningRulesError on any schema mistake."""
    rules: list[WarningRule] = []
    for index, raw in enumerate(data.get("warning", [])):
        where = f"{origin}: warning #{index + 1}"
        for field in _REQUIRED:
            if field not in raw:
                raise WarningRulesError(f"{where}: '{field}' is required")
        for field in ("id", "message", "hint", "why", "source"):
            if not isinstance(raw[field], str) or not raw[field]:
                raise WarningRulesError(f"{where}: '{field}' must be a non-empty string")
        if "hint_unwritable" in raw:
            if "extrapolated" not in raw:
                raise WarningRulesError(f"{where}: 'hint_unwritable' goes with 'extrapolated'")
            if not isinstance(raw["hint_unwritable"], str) or not raw["hint_unwritable"]:
                raise WarningRulesError(f"{where}: 'hint_unwritable' must be a non-empty string")
        where = f"{where} ({raw['id']})"
        if raw["confidence"] not in _CONFIDENCE:
            raise WarningRulesError(f"{where}: confidence must be one of A, B, C, U")
        if any(rule.id == raw["id"] for rule in rules):
            raise WarningRulesError(f"{where}: id is used twice")
        unknown = set(raw) - {
            *_REQUIRED,
            "when",
            "extrapolated",
            "except",
            "hint_unwritable",
            "claims",
            "hints",
            "overridden",
            "marks",
        }
        if unknown:
            raise WarningRulesError(
                f"{where}: unknown {'field' if len(unknown) == 1 else 'fields'} {', '.join(sorted(unknown))}"
            )
        when = raw.get("when", [])
        if not isinstance(when, list):
            raise WarningRulesError(f"{where}: 'when' must be a list of conditions")
        extrapolated = _strings(raw.get("extrapolated"), where, "extrapolated")
        claims = raw.get("claims", "")
        if claims and claims not in _CLAIM_KINDS:
            raise WarningRulesError(f"{where}: 'claims' must be one of {', '.join(_CLAIM_KINDS)}")
        overridden = _field_pairs(raw.get("overridden", []), where)
        if sum(map(bool, (when, extrapolated, claims, overridden))) != 1:
            raise WarningRulesError(
                f"{where}: give one of 'when', 'extrapolated', 'claims' or 'overridden'"
            )
        hints = raw.get("hints", {})
        if hints and not claims:
            raise WarningRulesError(f"{where}: 'hints' goes with 'claims'")
        if not isinstance(hints, dict) or not all(
            isinstance(text, str) and text for text in hints.values()
        ):
            raise WarningRulesError(f"{where}: 'hints' maps figures to non-empty strings")
        rules.append(
            WarningRule(
                raw["id"],
                tuple(_condition(item, where) for item in when),
                extrapolated,
                _strings(raw.get("except"), where, "except"),
                _strings(raw["concerns"], where, "concerns"),
                _strings(raw["at"], where, "at"),
                raw["message"],
                raw["hint"],
                raw["why"],
                raw["source"],
                raw["confidence"],
                raw.get("hint_unwritable", ""),
                claims,
                tuple(hints.items()),
                overridden,
                _strings(raw.get("marks"), where, "marks"),
            )
        )
    return tuple(rules)


def _field_pairs(raw: Any, where: str) -> tuple[tuple[str, str], ...]:
    """`overridden`'s `{ written = FIELD, by = FIELD }` tables, as pairs."""
    if not isinstance(raw, list) or not all(
        isinstance(item, dict)
        and set(item) == {"written", "by"}
        and all(isinstance(v, str) and v for v in item.values())
        for item in raw
    ):
        raise WarningRulesError(f"{where}: 'overridden' is a list of {{ written = ..., by = ... }}")
    return tuple((item["written"], item["by"]) for item in raw)


@lru_cache(maxsize=1)
def warning_rules() -> tuple[WarningRule, ...]:
    """The rules of scendsl/catalog/warnings.toml (read once)."""
    try:
        data = read_toml(RULES_FILE)
    except (OSError, tomli.TOMLDecodeError) as error:
        raise WarningRulesError(f"{RULES_FILE.name}: {error}") from None
    return parse_warning_rules(data, RULES_FILE.name)


# --------------------------------------------------------------------------------- applying
def _value(result: Result, name: str) -> Any:
    node = result.find(name)
    if node is None:
        return None
    value = node.value
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _figure(result: Result, name: str) -> str:
    from scendsl.report.explain import value_text

    node = result.find(name)
    return "n/a" if node is None else value_text(node)


def _note(result: Result, name: str) -> str:
    node = result.find(name)
    return (node.note or "no note") if node is not None else "n/a"


def _fill(template: str, result: Result, words: Mapping[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        kind, name = match.groups()
        if kind == "note":
            return _note(result, name)
        if name in words:
            return words[name]
        return _figure(result, name)

    return _PLACEHOLDER_RE.sub(replace, template)


def _expand(result: Result, patterns: Iterable[str]) -> list[str]:
    """The result's names matching `patterns` (a name without '*' is kept as it is)."""
    names: list[str] = []
    for pattern in patterns:
        if "*" not in pattern:
            names.append(pattern)
            continue
        names.extend(
            name for name in (*result.inputs, *result.metrics) if fnmatch.fnmatchcase(name, pattern)
        )
    return list(dict.fromkeys(names))


def _built_on(result: Result) -> dict[str, list[str]]:
    """The figures each figure of `result` is an input of, in the result's order (an input
    reading another's field is built on it too)."""
    users: dict[str, list[str]] = {}
    for name, node in (*result.inputs.items(), *result.metrics.items()):
        for used in node.inputs:
            users.setdefault(used, []).append(name)
    return users


def _marked(result: Result, marks: list[str], built_on: dict[str, list[str]]) -> list[str]:
    """`marks` and every metric built on them, directly or through others (the evaluation's
    graph): a metric added on a marked figure is concerned without naming it anywhere."""
    found = dict.fromkeys(marks)
    pending = list(marks)
    while pending:
        for user in built_on.get(pending.pop(), ()):
            if user not in found:
                found[user] = None
                pending.append(user)
    downstream = set(found) - set(marks)
    return [*marks, *(name for name in result.metrics if name in downstream)]


def _extrapolated(rule: WarningRule, result: Result) -> list[tuple[str, list[str], Extrapolated]]:
    """(label, inputs, the year that stands in) for each group of extrapolated inputs, in rule
    order."""
    groups: dict[str, tuple[list[str], Extrapolated]] = {}
    for name, node in result.inputs.items():
        extrapolated = node.extrapolated
        if extrapolated is None or node.value is None:
            continue
        # One of the result's names is in `_expand(result, rule.excluded)` exactly when it
        # matches one of the patterns: only the few extrapolated inputs are matched, not all.
        if any(p == name or ("*" in p and fnmatch.fnmatchcase(name, p)) for p in rule.excluded):
            continue
        pattern = next(
            (p for p in rule.extrapolated if p == name or fnmatch.fnmatchcase(name, p)), None
        )
        if pattern is None:
            continue
        label = pattern if "*" in pattern and pattern != "*" else name
        members, _ = groups.setdefault(label, ([], extrapolated))
        members.append(name)
    return [(label, members, first) for label, (members, first) in groups.items()]


def _meaning(result: Result, label: str, members: list[str]) -> str:
    meaning = result.node(members[0]).meaning
    if label != members[0]:  # a group: "Price ... of each reference"
        ref = members[0].split(".")[1] if members[0].startswith("reference.") else ""
        if ref:
            meaning = meaning.replace(f"of {ref}", "of each reference")
    return meaning


def _scenario_field(scenario: Any, name: str) -> str | None:
    """How a scenario writes the input `name` (`market { unit_price ... source "..." }`), or None
    when no scenario field sets it (`market.global_market`, a catalog figure): read from the
    typed scenario's sections, the resolver's output."""
    section, _, field = name.partition(".")
    block = getattr(type(scenario), "model_fields", {}).get(section)
    fields = getattr(block.annotation, "model_fields", {}) if block is not None else {}
    if field not in fields:
        return None
    return f'`{section} {{ {field} ... source "..." }}`'


def _located(result: Result, fields: tuple[str, ...]) -> Span:
    """The span of the first of `fields` the scenario sets, else the scenario's header."""
    scenario = result.scenario
    for field in fields:
        span = scenario.origins.get(field)
        if span is not None:
            return span
    return scenario.span


def _inherited_from(scenario: Scenario, paths: list[str]) -> str:
    """Where the inherited lines of `paths` come from: the sweep's base scenario, or the
    scenarios whose lines they are (a grandparent's, not the parent that passed them on)."""
    if scenario.sweep is not None:
        return f"the base of sweep '{scenario.sweep}'"
    authors = dict.fromkeys(scenario.inherited[path] for path in paths)
    return and_list([f"'{name}'" for name in authors])


def scenario_warnings(result: Result, sink: DiagnosticSink | None = None) -> list[ScenarioWarning]:
    """Every warning the rules give for one evaluated scenario, in rule order.

    Their diagnostics are also collected in `sink` when one is given (its sources quote the
    lines)."""
    sink = sink if sink is not None else DiagnosticSink()
    scenario = result.scenario
    words = {
        "scenario": scenario.name,
        "region": scenario.region,
        "region_name": named_region(scenario.region),
        "year": str(scenario.year),
        "accelerator": scenario.cluster.accelerator,
    }
    found: list[ScenarioWarning] = []

    def add(
        rule: WarningRule,
        key: str,
        metrics: list[str],
        extra: Mapping[str, str],
        hint: str = "",
        at: Span | None = None,
    ) -> None:
        span = at if at is not None else _located(result, rule.at)
        text = _fill(rule.message, result, {**words, **extra})
        hint = _fill(hint or rule.hint, result, {**words, **extra})
        diagnostic = sink.warning(text, span, hint, code=key, scenario=scenario.name)
        message = diagnostic.message
        found.append(
            ScenarioWarning(
                key,
                rule.id,
                scenario.name,
                message,
                text,
                hint,
                tuple(dict.fromkeys(metrics)),
                span,
                diagnostic,
            )
        )

    built_on: dict[str, list[str]] = {}  # made when a rule that marks a figure first fires

    def concerned_by(rule: WarningRule) -> list[str]:
        """The figures `rule` concerns: its marked figures and what is built on them, then
        those it names."""
        if not rule.marks:
            return _expand(result, rule.concerns)
        if not built_on:
            built_on.update(_built_on(result))
        marked = _marked(result, _expand(result, rule.marks), built_on)
        return list(dict.fromkeys([*marked, *_expand(result, rule.concerns)]))

    # A rule's figures are matched against the result's names only when it fires: most rules
    # do not, and matching every name against their patterns was half of this stage.
    for rule in warning_rules():
        if rule.claims:
            for claim, checked in zip(scenario.claims, result.claims, strict=True):
                if checked.holds is not None:
                    continue
                missing = missing_inputs(result, claim.metric)
                infinite = infinite_parts(result, claim.metric)
                extra = {
                    "metric": claim.metric,
                    "missing": ", ".join(missing or infinite) or claim.metric,
                    "why": _undecided_because(claim.metric, missing, infinite),
                }
                hint = dict(rule.hints).get(claim.metric, rule.hint)
                concerned = [claim.metric, *concerned_by(rule)]
                add(rule, f"{rule.id}:{claim.metric}", concerned, extra, hint, claim.metric_span)
            continue
        if rule.overridden:
            # One warning per field written in vain, naming every inherited figure over it.
            over: dict[str, list[str]] = {}
            for written, by in rule.overridden:
                if (
                    written in scenario.origins
                    and written not in scenario.inherited
                    and by in scenario.inherited
                ):
                    over.setdefault(written, []).append(by)
            if not over:
                continue
            concerned = concerned_by(rule)
            for written, by_all in over.items():
                names = " and ".join(by_all)
                extra = {
                    "input": written,
                    "override": names,
                    "overrides": f"{names} {'stands' if len(by_all) == 1 else 'stand'}",
                    "parent": _inherited_from(scenario, by_all),
                }
                add(rule, f"{rule.id}:{written}", concerned, extra, at=scenario.origins[written])
            continue
        if rule.extrapolated:
            for label, members, extrapolated in _extrapolated(rule, result):
                field = _scenario_field(scenario, label)
                extra = {
                    "input": label,
                    "meaning": _meaning(result, label, members),
                    "used": f"the {extrapolated.year_used} figure stands in",
                    "write_as": field or "",
                }
                hint = rule.hint if field or not rule.hint_unwritable else rule.hint_unwritable
                concerned = members + concerned_by(rule)
                add(rule, f"{rule.id}:{label}", concerned, extra, hint)
            continue
        if all(holds(condition, result) for condition in rule.when):
            add(rule, rule.id, concerned_by(rule), {})
    return found


def warning_diagnostics(
    results: Iterable[Result], texts: Mapping[str, str] | None = None
) -> list[Diagnostic]:
    """The warnings of every result as diagnostics, in the order of the results, each quoting
    its line from `texts` (the load's, `ScenarioSet.texts`) when given."""
    sink = DiagnosticSink(loaded=texts)  # one cache of source lines for every scenario
    for result in results:
        scenario_warnings(result, sink)
    return sink.diagnostics
