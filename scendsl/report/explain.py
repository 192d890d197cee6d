"""How a number was obtained: the derivation tree of a metric, down to its sources.

Read from the result's registry entries only (formula, inputs, origins), so what `explain` shows
is exactly what the evaluator computed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from scendsl.model.evaluate import MetricResult, Result
from scendsl.model.registry import REGISTRY
from scendsl.model.values import infinity_sign, json_safe
from scendsl.report.numbers import figure_text, format_value
from scendsl.wording import counted


def value_text(node: MetricResult) -> str:
    """A figure as people read it: a key's label (a reference's title) when the model gave one;
    an input written in another currency as written and in USD at the rate it was converted at
    (`0.25 EUR/kWh (0.271 USD/kWh at the 2024 average rate)`); else the formatted value."""
    base = REGISTRY.nodes.get(node.name)
    value_type = base.value_type if base is not None else "number"
    if value_type == "number" and isinstance(node.value, str):
        value_type = "text"
    return figure_text(node.value, node.dimension, value_type, node.written, node.label)


def _numbers(node: MetricResult) -> dict[str, Any]:
    """What a program reads of a number beside its text: `value_si` in SI base units (null when
    n/a, or infinite with `infinite` ±1, as the eval JSON has it), its `unit`, and an uncertain
    input's `range_si` [low, high]; nothing for a category, a flag, a key or a breakdown (the
    supply's shares by source, which an input reads)."""
    value = node.value
    if isinstance(value, (bool, str, dict)) or node.dimension in ("text", "bool"):
        return {}
    numbers: dict[str, Any] = {"value_si": json_safe(value), "unit": node.unit}
    sign = infinity_sign(value)
    if sign is not None:
        numbers["infinite"] = sign
    if node.distribution is not None:
        numbers["range_si"] = [node.distribution.low, node.distribution.high]
    return numbers


def explain_tree(result: Result, name: str, depth: int | None = None) -> dict[str, Any]:
    """The derivation of `name` as nested data: {name, value, meaning, formula, origin, ..., inputs}.

    A node reached twice is expanded only the first time (`"repeat": true` afterwards). With
    `depth`, a derived figure that many levels below `name` lists no inputs but says how many it
    has (`"inputs_hidden"`); it is not counted as expanded, so a shallower path to it still is.
    """
    seen: set[str] = set()

    def walk(current: str, level: int) -> dict[str, Any]:
        node = result.node(current)
        entry: dict[str, Any] = {
            "name": current,
            "value": value_text(node),
            "meaning": node.meaning,
            "kind": node.kind,
            **_numbers(node),
        }
        if node.formula:
            entry["formula"] = node.formula
        if node.label is not None:
            entry["key"] = node.value  # `value` is the label a reader reads; this is the key
        if node.kind == "input":
            entry.update(
                origin=node.origin,
                sources=list(node.sources),
                confidence=node.confidence,
                note=node.note,
            )
            if node.distribution is not None:
                d = node.distribution
                entry["range"] = (
                    f"{format_value(d.low, node.dimension)} to "
                    f"{format_value(d.high, node.dimension)}"
                )
            if node.written is not None:
                entry["written"] = node.written.to_json()
            if not node.inputs:
                return entry
        if current in seen:
            entry["repeat"] = True
            return entry
        entry.setdefault("sources", list(node.sources))
        if depth is not None and level >= depth and node.inputs:
            entry["inputs_hidden"] = len(node.inputs)
            return entry
        seen.add(current)
        entry["inputs"] = [walk(child, level + 1) for child in node.inputs]
        return entry

    return walk(name, 0)


def _reached(
    result: Result,
    name: str,
    found_at: Callable[[MetricResult], bool],
    goes_through: Callable[[MetricResult], bool],
) -> list[str]:
    """The figures `found_at` picks out, reached from `name` through the figures
    `goes_through` lets the walk pass, in the order the tree shows them."""
    found: list[str] = []
    seen: set[str] = set()

    def walk(current: str) -> None:
        if current in seen:
            return
        seen.add(current)
        node = result.node(current)
        if found_at(node):
            found.append(current)
        elif goes_through(node):
            for child in node.inputs:
                walk(child)

    walk(name)
    return found


def missing_inputs(result: Result, name: str) -> list[str]:
    """Why `name` is n/a: the inputs without a value reached from it through figures that are
    n/a themselves, in the order the tree shows them ([] when `name` has a value)."""
    return _reached(
        result,
        name,
        lambda node: node.value is None and node.kind == "input",
        lambda node: node.value is None,
    )


def _undefined(value: object) -> bool:
    """Whether a figure is an undefined form of infinite ones (∞ ÷ ∞, ∞ − ∞, 0 × ∞: NaN)."""
    return isinstance(value, float) and math.isnan(value)


def infinite_parts(result: Result, name: str) -> list[str]:
    """Why `name` is n/a when no input lacks a value: the infinite figures it is made of
    (∞ ÷ ∞, ∞ − ∞ and 0 × ∞ have no value), reached through figures undefined so themselves,
    in the order the tree shows them; [] when `name` is not such a figure (a run that never
    finishes makes its rental and owned costs ∞, and `market.rent_to_own_ratio` of them)."""
    if not _undefined(result.node(name).value):
        return []
    return _reached(
        result,
        name,
        lambda node: isinstance(node.value, float) and math.isinf(node.value),
        lambda node: _undefined(node.value),
    )


def explain_document(result: Result, name: str, depth: int | None = None) -> dict[str, Any]:
    """What `scendsl explain --format json` prints: the scenario, the metric, the inputs that
    leave it n/a (`missing`) and its derivation tree (`explain_tree`)."""
    return {
        "scenario": result.name,
        "metric": name,
        "missing": missing_inputs(result, name),
        "tree": explain_tree(result, name, depth),
    }


def explain_schema() -> dict[str, Any]:
    """JSON Schema of the `scendsl explain --format json` document (`explain_document`), under
    `explain` in `scendsl schema`: what a dashboard reading the trace may rely on."""
    text = {"type": "string"}
    number_or_null = {"type": ["number", "null"]}
    node = {
        "type": "object",
        "required": ["name", "value", "meaning", "kind"],
        "additionalProperties": False,
        "properties": {
            "name": {**text, "description": "the figure's dotted name"},
            "value": {**text, "description": "the figure as a briefing shows it"},
            "meaning": text,
            "kind": {"enum": ["input", "metric"]},
            "value_si": {
                **number_or_null,
                "description": "a number's value in SI base units (null when n/a or infinite)",
            },
            "unit": {**text, "description": "SI base unit of value_si; '1' for a plain number"},
            "infinite": {"enum": [1, -1], "description": "value_si is null: +∞ (1) or −∞ (-1)"},
            "range_si": {
                "type": "array",
                "items": {"type": "number"},
                "description": "an uncertain input's 5th and 95th percentiles, SI",
            },
            "range": {**text, "description": "the same range as text"},
            "key": {**text, "description": "the key a `value` that is a label stands for"},
            "formula": text,
            "origin": {"type": ["string", "null"]},
            "sources": {"type": "array", "items": text},
            "confidence": {"type": ["string", "null"]},
            "note": {"type": ["string", "null"]},
            "written": {"type": "object", "description": "as in the eval JSON"},
            "repeat": {"type": "boolean", "description": "expanded where first met"},
            "inputs_hidden": {"type": "integer", "description": "inputs cut by --depth"},
            "inputs": {"type": "array", "items": {"$ref": "#/$defs/node"}},
        },
    }
    return {
        "type": "object",
        "required": ["scenario", "metric", "missing", "tree"],
        "additionalProperties": False,
        "properties": {
            "scenario": text,
            "metric": text,
            "missing": {"type": "array", "items": text},
            "tree": {"$ref": "#/$defs/node"},
        },
        "$defs": {"node": node},
    }


def explain_text(result: Result, name: str, depth: int | None = None) -> str:
    """The derivation tree as indented text for the terminal; an n/a figure first names the
    inputs without a value that leave it so (a missing figure can sit hundreds of lines down)."""
    lines: list[str] = [f"{result.name}: {result.title}", ""]
    missing = missing_inputs(result, name)
    infinite = infinite_parts(result, name)
    if missing or infinite:
        lines.append(
            f"{name} is n/a: no value for"
            if missing
            else f"{name} is n/a: made of infinite figures (∞ ÷ ∞ and ∞ − ∞ have no value)"
        )
        lines += [f"  {item}   ({result.node(item).meaning})" for item in missing or infinite]
        lines.append("")

    def render(entry: dict[str, Any], prefix: str, last: bool, root: bool) -> None:
        branch = "" if root else ("└─ " if last else "├─ ")
        lines.append(f"{prefix}{branch}{entry['name']} = {entry['value']}   ({entry['meaning']})")
        child_prefix = prefix + ("" if root else ("   " if last else "│  "))
        details: list[str] = []
        if entry.get("repeat"):
            details.append("(derived above)")
        elif entry.get("formula"):
            details.append(f"= {entry['formula']}")
        if entry["kind"] == "input":
            if entry.get("origin"):
                details.append(f"from {entry['origin']}")
            if entry.get("range"):
                details.append(f"uncertain: 90% interval {entry['range']}")
            for source in entry.get("sources") or []:
                confidence = (
                    f" [confidence {entry['confidence']}]" if entry.get("confidence") else ""
                )
                details.append(f"source: {source}{confidence}")
            if entry.get("note"):
                details.append(f"note: {entry['note']}")
        elif entry.get("sources") and not entry.get("repeat"):
            details.append("sources: " + "; ".join(entry["sources"]))
        if entry.get("inputs_hidden"):
            hidden = entry["inputs_hidden"]
            details.append(f"… {counted(hidden, 'input')} below (a larger --depth shows them)")
        children = entry.get("inputs") or []
        bar = "│  " if children else "   "
        for detail in details:
            lines.append(f"{child_prefix}{bar}{detail}")
        for index, child in enumerate(children):
            render(child, child_prefix, index == len(children) - 1, False)

    render(explain_tree(result, name, depth), "", True, True)
    return "\n".join(lines) + "\n"


def uncertainty_text(result: Result, name: str, samples: Any, ranking: Any) -> str:
    """The metric's spread over the Monte Carlo samples and the inputs that drive it."""
    node = result.node(name)
    summary = samples.percentiles(name)
    lines = ["", f"Uncertainty ({samples.size:,} samples, seed {samples.seed}):"]
    if summary is None or summary.p5 == summary.p95:
        lines.append(f"  {name} does not depend on the uncertain inputs.")
        return "\n".join(lines) + "\n"
    fmt = lambda v: format_value(v, node.dimension)  # noqa: E731
    lines.append(
        f"  P5 {fmt(summary.p5)}   median {fmt(summary.p50)}   P95 {fmt(summary.p95)}"
        f"   mean {fmt(summary.mean)}"
    )
    for metric in ranking.metrics:
        if not metric.swings:
            continue
        lines.append(
            "  What moves it most (each input from its P5 to its P95, the others at their medians):"
        )
        for swing in metric.swings:
            low = format_value(swing.input_low, swing.dimension)
            high = format_value(swing.input_high, swing.dimension)
            at_low = format_value(swing.metric_at_low, node.dimension)
            at_high = format_value(swing.metric_at_high, node.dimension)
            rho = f"   rank corr. {swing.spearman:+.2f}" if swing.spearman is not None else ""
            lines.append(f"    {swing.input:<28} {low} → {high}: {at_low} → {at_high}{rho}")
    return "\n".join(lines) + "\n"


def default_spread_text(result: Result, name: str, spread: Any) -> str:
    """For a scenario without `cluster.mfu`: the default MFU's sourced spread and `name` at its
    two ends ("" when the scenario gives its MFU, or when `name` does not move with it)."""
    if spread is None:
        return ""
    ends = spread.range_of(name)
    if ends is None and name not in spread.not_monotone:
        return ""  # the figure does not move with the MFU: its spread is beside the point
    pct = lambda v: format_value(v, "fraction")  # noqa: E731
    lines = [
        "",
        f"Default MFU spread (the scenario gives no cluster.mfu; {spread.input} = "
        f"{pct(spread.default)}):",
        f"  low end  {pct(spread.low)}: {spread.low_source} (catalog calibration.default_mfu_low)",
        f"  high end {pct(spread.high)}: {spread.high_source} "
        "(catalog calibration.default_mfu_high)",
    ]
    dimension = result.node(name).dimension
    if ends is not None:
        lines.append(
            f"  {name} at the low end {format_value(ends.at_low, dimension)}, at the high end "
            f"{format_value(ends.at_high, dimension)} (monotone in the MFU: the range between "
            "them is exact)"
        )
    else:
        lines.append(f"  {name} moves with the MFU but not monotonically: no range is given.")
    return "\n".join(lines) + "\n"
