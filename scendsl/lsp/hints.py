"""Figures of evaluated scenarios shown in the editor: the headline figures beside each scenario,
the current value of each claim, and the inlay hints that show them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scendsl.lsp.analysis import Document, Statement, figure_text, format_value
from scendsl.lsp.positions import Pos, line_at
from scendsl.lsp.workspace import Analysis, RunBudget

#: The figures shown beside each scenario: label, metric.
HEADLINE = (
    ("peak", "cluster.peak"),
    ("facility", "energy.facility_power"),
    ("training", "reliability.training_time"),
)


def headline(analysis: Analysis, name: str) -> list[tuple[str, str]]:
    """(label, value) of a scenario's headline figures, [] when it cannot be evaluated."""
    result = analysis.result(name)
    if result is None:
        return []
    out = []
    for label, metric in HEADLINE:
        node = result.find(metric)
        if node is not None and node.value is not None:
            out.append((label, format_value(node.value, node.dimension)))
    return out


@dataclass
class ClaimValue:
    """An `expect` evaluated: the metric's value, its 90% range, whether the claim holds."""

    metric: str
    value: str
    holds: bool | None
    range: str | None = None
    probability: float | None = None

    def short(self) -> str:
        verdict = {True: "holds", False: "FAILS", None: "n/a"}[self.holds]
        return f"= {self.value} ({verdict})"


def claim_value(
    analysis: Analysis, scenario: str | None, statement: Statement, budget: RunBudget | None = None
) -> ClaimValue | None:
    """The current value of the metric an `expect` line names, in its scenario; its 90 % range
    and probability when its Monte Carlo run is made or fits in the request's `budget`."""
    if scenario is None or not statement.values:
        return None
    result = analysis.result(scenario)
    if result is None:
        return None
    atoms = statement.values
    # `expect not METRIC`: the metric is the second word
    metric = atoms[1].text if len(atoms) > 1 and atoms[0].text == "not" else atoms[0].text
    node = result.find(metric)
    if node is None:
        return None
    claim = next(
        (
            c
            for c in result.claims
            if c.line == statement.span.line and c.file == statement.span.file
        ),
        None,
    )
    written = claim.written if claim is not None else None

    def shown(value: Any) -> str:
        # A claim written in another currency reads its figure in that currency too; the
        # figure's own value, a key, reads as its label (a percentile is no key).
        label = node.label if value is node.value else None
        return figure_text(value, node.dimension, written, label)

    out = ClaimValue(metric, shown(node.value), claim.holds if claim is not None else None)
    run = analysis.run(scenario, budget)
    if run is not None:
        summary = run.percentiles(metric)
        if summary is not None:
            out.range = f"{shown(summary.p5)} to {shown(summary.p95)}"
        if claim is not None:
            index = result.claims.index(claim)
            if index < len(run.claims) and run.claims[index].probability is not None:
                out.probability = run.claims[index].probability
    return out


@dataclass
class Hint:
    pos: Pos
    label: str
    tooltip: str = ""


def inlay_hints(
    analysis: Analysis,
    document: Document,
    first: int,
    last: int,
    budget: RunBudget | None = None,
) -> list[Hint]:
    """Headline figures after each scenario's header, and the value of each `expect` at its
    line's end, for lines first..last (0-based); the claims' ranges as far as the request's
    `budget` of Monte Carlo work goes (`budget.deferred` says how many scenarios it left)."""
    budget = budget if budget is not None else RunBudget()
    hints: list[Hint] = []
    for statement in document.statements:
        if statement.key != "scenario" or not statement.values:
            continue
        start, end = statement.span.line - 1, (statement.span.end_line or statement.span.line) - 1
        if end < first or start > last:
            continue
        name = statement.values[0].text
        figures = headline(analysis, name)
        if figures:
            line = line_at(document.text, start)
            brace = line.rfind("{")
            at = brace + 1 if brace >= 0 else len(line)
            hints.append(
                Hint(
                    Pos(start, at),
                    "  " + " · ".join(f"{label} {v}" for label, v in figures),
                    "headline figures of " + name,
                )
            )
        for item in statement.body or []:
            if item.key != "expect" or not first <= item.span.line - 1 <= last:
                continue
            value = claim_value(analysis, name, item, budget)
            if value is None:
                continue
            line = line_at(document.text, item.span.line - 1)
            label = "  " + value.short()
            if value.range:
                label += f" [90%: {value.range}]"
            hints.append(
                Hint(
                    Pos(item.span.line - 1, len(line.rstrip())), label, f"{value.metric} in {name}"
                )
            )
    return hints
