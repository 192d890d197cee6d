"""What changed in the results, not only in the text: `scendsl diff`.

Two sets of evaluated scenarios are compared by name: `+` added, `-` removed, `~` changed. For a
changed scenario: the inputs that changed (old → new), every metric that moved (signed delta and
per cent, the most important first) and the claims that flipped, which come first of all, followed
by the risk ratings (the briefings' register) and the export status that changed.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from scendsl.model.evaluate import MetricResult, Result
from scendsl.model.registry import REGISTRY
from scendsl.model.risk import RiskDefinition, assess, load_rules
from scendsl.report.numbers import format_delta, format_value, sig

# One Markdown escaping for briefings and pull-request comments alike.
from scendsl.report.render import md_escape as _md
from scendsl.report.text import expected_text
from scendsl.terminal import visible_path

#: The metric whose change is reported beside the risk ratings.
EXPORT_STATUS = "export.status"


@dataclass(frozen=True)
class Change:
    """One input or metric that differs."""

    name: str
    kind: str  # input | metric
    old: Any
    new: Any
    dimension: str
    value_type: str
    importance: int
    meaning: str

    @property
    def relative(self) -> float | None:
        """(new − old) / |old| for numbers, else None."""
        if not (_is_number(self.old) and _is_number(self.new)) or self.old == 0:
            return None
        return (self.new - self.old) / abs(self.old)

    def old_text(self) -> str:
        return format_value(self.old, self.dimension, self.value_type)

    def new_text(self) -> str:
        return format_value(self.new, self.dimension, self.value_type)

    def delta_text(self) -> str:
        if _is_number(self.old) and _is_number(self.new):
            return format_delta(self.old, self.new, self.dimension)
        return ""


@dataclass(frozen=True)
class ClaimFlip:
    metric: str
    op: str
    quote: str
    old_holds: bool | None
    new_holds: bool | None
    file: str
    line: int
    expected: str = ""  # as people read it: `500 MW ± 10%`
    old_actual: Any = None
    new_actual: Any = None
    dimension: str = "number"
    expected_value: float | str | bool | None = None  # SI units like the actuals; or a name, a flag

    @property
    def now_fails(self) -> bool:
        return self.new_holds is False


@dataclass(frozen=True)
class RatingFlip:
    """A risk rating or the export status that changed: `concentration low → medium`."""

    kind: str  # risk | export
    key: str  # the risk's key, or the metric `export.status`
    title: str
    old: str | None
    new: str | None

    def text(self) -> str:
        """`risk concentration: low → medium`, `export status: allowed → presumption of denial`."""
        label = f"risk {self.key}" if self.kind == "risk" else "export status"
        return f"{label}: {_rating(self.old)} → {_rating(self.new)}"


def _rating(value: str | None) -> str:
    return "not rated" if value is None else str(value).replace("_", " ")


@dataclass
class ScenarioDiff:
    name: str
    status: str  # "+", "-", "~"
    title: str
    inputs: list[Change] = field(default_factory=list)
    metrics: list[Change] = field(default_factory=list)
    flips: list[ClaimFlip] = field(default_factory=list)
    ratings: list[RatingFlip] = field(default_factory=list)


@dataclass
class Diff:
    scenarios: list[ScenarioDiff]
    threshold: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.scenarios)

    @property
    def claims_now_failing(self) -> int:
        return sum(1 for s in self.scenarios for f in s.flips if f.now_fails)

    def headline(self) -> str:
        """One sentence a reviewer reads first."""
        if not self.scenarios:
            return "No change in results."
        parts = []
        for entry in self.scenarios[:3]:
            if entry.status == "+":
                parts.append(f"{entry.name}: added")
                continue
            if entry.status == "-":
                parts.append(f"{entry.name}: removed")
                continue
            bits = []
            if entry.metrics:
                top = entry.metrics[0]
                short = top.name.split(".", 1)[-1].replace("_", " ")
                rel = top.relative
                if rel is not None:
                    bits.append(
                        f"{short} {'+' if rel >= 0 else '−'}{sig(abs(rel) * 100, 2)}% "
                        f"to {top.new_text()}"
                    )
                else:
                    bits.append(f"{short} {top.old_text()} → {top.new_text()}")
            failing = sum(1 for f in entry.flips if f.now_fails)
            holding = sum(1 for f in entry.flips if f.new_holds is True)
            if failing:
                bits.append(
                    f"{failing} claim{'s' if failing > 1 else ''} now fail{'s' if failing == 1 else ''}"
                )
            if holding:
                bits.append(
                    f"{holding} claim{'s' if holding > 1 else ''} now hold{'s' if holding == 1 else ''}"
                )
            risks = [r for r in entry.ratings if r.kind == "risk"]
            if len(risks) == 1:
                bits.append(risks[0].text())
            elif risks:
                bits.append(f"{len(risks)} risk ratings changed")
            bits += [r.text() for r in entry.ratings if r.kind == "export"]
            if not bits:
                bits.append("inputs changed, no metric moved beyond the threshold")
            parts.append(f"{entry.name}: " + "; ".join(bits))
        more = len(self.scenarios) - 3
        return ". ".join(parts) + (f". And {more} more scenario(s)." if more > 0 else ".")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _differs(old: Any, new: Any) -> bool:
    if _is_number(old) and _is_number(new):
        return not math.isclose(old, new, rel_tol=1e-9, abs_tol=0.0)
    return old != new


def _node_changes(
    old: dict[str, MetricResult], new: dict[str, MetricResult], kind: str, threshold: float
) -> list[Change]:
    changes = []
    for name in list(old) + [n for n in new if n not in old]:
        before, after = old.get(name), new.get(name)
        old_value = before.value if before else None
        new_value = after.value if after else None
        if not _differs(old_value, new_value):
            continue
        if name.startswith("risk."):  # the ratings are reported with the rule that moved them
            continue
        ref = after or before
        assert ref is not None  # the name comes from one of the two
        node = REGISTRY.nodes.get(name)
        change = Change(
            name,
            kind,
            old_value,
            new_value,
            ref.dimension,
            node.value_type if node else "number",
            node.importance if node else 0,
            ref.meaning,
        )
        rel = change.relative
        if kind == "metric" and threshold and rel is not None and abs(rel) * 100 < threshold:
            continue
        changes.append(change)
    if kind == "metric":
        changes.sort(
            key=lambda c: (
                -c.importance,
                -(abs(c.relative) if c.relative is not None else math.inf),
            )
        )
    return changes


def diff_results(old: list[Result], new: list[Result], threshold: float = 0.0) -> Diff:
    """Compare two evaluations scenario by scenario."""
    old_by_name = {r.name: r for r in old}
    new_by_name = {r.name: r for r in new}
    entries: list[ScenarioDiff] = []
    rules = load_rules()
    for name in list(old_by_name) + [n for n in new_by_name if n not in old_by_name]:
        before, after = old_by_name.get(name), new_by_name.get(name)
        if before is None:
            assert after is not None  # the name comes from one of the two
            entries.append(ScenarioDiff(name, "+", after.title))
            continue
        if after is None:
            entries.append(ScenarioDiff(name, "-", before.title))
            continue
        entry = ScenarioDiff(
            name,
            "~",
            after.title,
            _node_changes(before.inputs, after.inputs, "input", 0.0),
            _node_changes(before.metrics, after.metrics, "metric", threshold),
            _flips(before, after),
            _rating_flips(before, after, rules),
        )
        if entry.inputs or entry.metrics or entry.flips or entry.ratings:
            entries.append(entry)
    # Scenarios whose claims flipped come first, then by how much their top metric moved.
    entries.sort(
        key=lambda e: (
            0 if any(f.now_fails for f in e.flips) else 1 if e.flips else 2,
            {"~": 0, "+": 1, "-": 2}[e.status],
        )
    )
    return Diff(entries, threshold)


def _flips(before: Result, after: Result) -> list[ClaimFlip]:
    old_claims = {(c.metric, c.op, c.expected, c.quote): c for c in before.claims}
    flips = []
    for claim in after.claims:
        previous = old_claims.get((claim.metric, claim.op, claim.expected, claim.quote))
        if previous is not None and previous.holds != claim.holds:
            flips.append(
                ClaimFlip(
                    claim.metric,
                    claim.op,
                    claim.quote,
                    previous.holds,
                    claim.holds,
                    claim.file,
                    claim.line,
                    expected_text(claim),
                    previous.actual,
                    claim.actual,
                    _dimension(claim.metric),
                    claim.expected,
                )
            )
    flips.sort(key=lambda f: not f.now_fails)
    return flips


def _value_of(result: Result) -> Callable[[str], Any]:
    """A node's value by name (inputs and metrics alike), None when the scenario lacks it."""

    def value_of(name: str) -> Any:
        node = result.metrics.get(name) or result.inputs.get(name)
        return node.value if node is not None else None

    return value_of


def _rating_flips(
    before: Result, after: Result, rules: tuple[RiskDefinition, ...]
) -> list[RatingFlip]:
    """Risk ratings (the briefings' register, scendsl.model.risk), then the export status."""
    flips = [
        RatingFlip("risk", old.risk.key, old.risk.title, old.rating, new.rating)
        for old, new in zip(
            assess(_value_of(before), rules), assess(_value_of(after), rules), strict=True
        )
        if old.rating != new.rating
    ]
    old_status, new_status = _value_of(before)(EXPORT_STATUS), _value_of(after)(EXPORT_STATUS)
    if old_status != new_status:
        flips.append(RatingFlip("export", EXPORT_STATUS, "Export status", old_status, new_status))
    return flips


def _dimension(metric: str) -> str:
    node = REGISTRY.nodes.get(metric)
    return node.dimension if node is not None else "number"


# --------------------------------------------------------------------------- rendering
def _verdict(holds: bool | None) -> str:
    return {True: "holds", False: "fails", None: "n/a"}[holds]


def _claim_text(flip: ClaimFlip) -> str:
    """`energy.facility_power >= 500 MW: fails → holds (224 MW → 627 MW)`."""
    old = format_value(flip.old_actual, flip.dimension)
    new = format_value(flip.new_actual, flip.dimension)
    return (
        f"{flip.metric} {flip.op} {flip.expected}: {_verdict(flip.old_holds)} → "
        f"{_verdict(flip.new_holds)} ({old} → {new})"
    )


def render_text(diff: Diff) -> str:
    """Plain text (the terminal shows it coloured through rich when attached)."""
    lines = [diff.headline(), ""]
    for entry in diff.scenarios:
        lines.append(f"{entry.status} {entry.name}  {entry.title}")
        for flip in entry.flips:
            lines.append(
                f'    claim {_claim_text(flip)}  "{flip.quote}" '
                f"({visible_path(flip.file)}:{flip.line})"
            )
        for rating in entry.ratings:
            lines.append(f"    {rating.text()}")
        for change in entry.inputs:
            lines.append(f"    input  {change.name}: {change.old_text()} → {change.new_text()}")
        for change in entry.metrics:
            delta = change.delta_text()
            lines.append(
                f"    metric {change.name}: {change.old_text()} → {change.new_text()}"
                + (f"  {delta}" if delta else "")
            )
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def render_rich(diff: Diff, console) -> None:
    """The same as render_text, coloured."""
    from rich.markup import escape as escape_markup

    from scendsl.terminal import visible

    def escape(text: str) -> str:  # rich writes to the terminal as it is: no raw controls
        return escape_markup(visible(text))

    console.print(f"[bold]{escape(diff.headline())}[/bold]\n")
    colours = {"+": "green", "-": "red", "~": "yellow"}
    for entry in diff.scenarios:
        console.print(
            f"[{colours[entry.status]}]{entry.status} {escape(entry.name)}[/]  "
            f"{escape(entry.title)}"
        )
        for flip in entry.flips:
            colour = "red" if flip.now_fails else "green"
            console.print(
                f'    [{colour}]claim {escape(_claim_text(flip))}[/]  "{escape(flip.quote)}"'
            )
        for rating in entry.ratings:
            console.print(f"    [bold]{escape(rating.text())}[/]")
        for change in entry.inputs:
            console.print(
                f"    input  {escape(change.name)}: {escape(change.old_text())} → "
                f"{escape(change.new_text())}"
            )
        for change in entry.metrics:
            rel = change.relative
            colour = "cyan" if rel is None else ("green" if rel >= 0 else "magenta")
            console.print(
                f"    metric {escape(change.name)}: {escape(change.old_text())} → "
                f"[{colour}]{escape(change.new_text())}  {escape(change.delta_text())}[/]"
            )
        console.print()


def render_markdown(diff: Diff) -> str:
    """For a pull-request comment: headline, summary table, full detail inside <details>."""
    lines = ["### scendsl diff", "", _md(diff.headline()), ""]
    if not diff.scenarios:
        return "\n".join(lines)
    lines += [
        "| | scenario | top change | claims | ratings |",
        "|---|---|---|---|---|",
    ]
    for entry in diff.scenarios:
        top = entry.metrics[0] if entry.metrics else None
        top_text = (
            f"{top.name}: {top.old_text()} → {top.new_text()} {top.delta_text()}"
            if top
            else (
                "added"
                if entry.status == "+"
                else "removed"
                if entry.status == "-"
                else "inputs only"
            )
        )
        claims = ", ".join(_claim_text(f) for f in entry.flips) or "—"
        ratings = ", ".join(r.text() for r in entry.ratings) or "—"
        lines.append(
            f"| {entry.status} | {_md(entry.name)} | {_md(top_text)} | {_md(claims)} "
            f"| {_md(ratings)} |"
        )
    lines += ["", "<details><summary>Full detail</summary>", ""]
    for entry in diff.scenarios:
        lines += [f"#### {entry.status} {_md(entry.name)}", ""]
        if entry.flips:
            lines += ["| claim | was | now | quote |", "|---|---|---|---|"]
            lines += [
                f"| {_md(f.metric)} {_md(f.op)} {_md(f.expected)} | "
                f"{_verdict(f.old_holds)} at {_md(format_value(f.old_actual, f.dimension))} | "
                f"{_verdict(f.new_holds)} at {_md(format_value(f.new_actual, f.dimension))} | "
                f"{_md(f.quote)} |"
                for f in entry.flips
            ]
            lines.append("")
        if entry.ratings:
            lines += ["| rating | was | now |", "|---|---|---|"]
            lines += [
                f"| {'risk ' + _md(r.key) if r.kind == 'risk' else 'export status'} | "
                f"{_md(_rating(r.old))} | {_md(_rating(r.new))} |"
                for r in entry.ratings
            ]
            lines.append("")
        if entry.inputs:
            lines += ["| input | old | new |", "|---|---|---|"]
            lines += [
                f"| {_md(c.name)} | {_md(c.old_text())} | {_md(c.new_text())} |"
                for c in entry.inputs
            ]
            lines.append("")
        if entry.metrics:
            lines += ["| metric | old | new | change |", "|---|---|---|---|"]
            lines += [
                f"| {_md(c.name)} | {_md(c.old_text())} | {_md(c.new_text())} | "
                f"{_md(c.delta_text())} |"
                for c in entry.metrics
            ]
            lines.append("")
    lines += ["</details>", ""]
    return "\n".join(lines)


def render_json(diff: Diff) -> str:
    def change_data(change: Change) -> dict[str, Any]:
        return {
            "name": change.name,
            "old": change.old,
            "new": change.new,
            "relative": change.relative,
            "unit": _unit(change),
        }

    document = {
        "headline": diff.headline(),
        "changed": diff.changed,
        "claims_now_failing": diff.claims_now_failing,
        "scenarios": [
            {
                "name": e.name,
                "status": e.status,
                "title": e.title,
                "claims": [
                    {
                        "metric": f.metric,
                        "op": f.op,
                        "quote": f.quote,
                        "expected": f.expected_value,
                        "expected_text": f.expected,
                        "old": f.old_holds,
                        "new": f.new_holds,
                        "old_actual": f.old_actual,
                        "new_actual": f.new_actual,
                        "file": f.file,
                        "line": f.line,
                    }
                    for f in e.flips
                ],
                "ratings": [
                    {"kind": r.kind, "key": r.key, "title": r.title, "old": r.old, "new": r.new}
                    for r in e.ratings
                ],
                "inputs": [change_data(c) for c in e.inputs],
                "metrics": [change_data(c) for c in e.metrics],
            }
            for e in diff.scenarios
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False, default=_jsonable) + "\n"


def _unit(change: Change) -> str:
    node = REGISTRY.nodes.get(change.name)
    return node.unit if node else ""


def _jsonable(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    return str(value)
