"""What changed in the results, not only in the text: `scendsl diff`.

Two sets of evaluated scenarios are compared by name: `+` added, `-` removed, `~` changed. For a
changed scenario: the claims that flipped come first, then the risk ratings (the briefings'
register) and the export status that changed, then the inputs the author changed, each with the
metrics it moved grouped under it (signed delta and per cent, the most important first). Sweeps
are compared by variant (scendsl.report.diff_sweeps).

The two sides are scenario files evaluated here (`diff_results`), or two results of
`scendsl eval --format json`, each from its own scendsl and catalog (scendsl.report.diff_json):
both are read as `Evaluated` scenarios and compared by `diff_evaluated`.

What a reader cannot see is left out unless `show_all`: a move that does not change the value as
shown (`4.53 TB → 4.53 TB`), and the catalog and default figures that merely follow a changed
input (a new accelerator brings its own TDP).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from scendsl.errors import Span
from scendsl.model.context import WrittenMoney
from scendsl.model.evaluate import ClaimResult, MetricResult, Result
from scendsl.model.registry import REGISTRY
from scendsl.model.risk import RiskDefinition, load_rules
from scendsl.model.values import infinity_sign, json_text, relative_change
from scendsl.report.diff_sweeps import SweepDiff, VariantMove, diff_sweeps, percent_change
from scendsl.report.numbers import figure_text, format_delta, in_currency, value_words

# One Markdown escaping for briefings and pull-request comments alike.
from scendsl.report.render import md_escape as _md
from scendsl.report.text import expected_text
from scendsl.report.warnings import scenario_warnings
from scendsl.terminal import visible_path
from scendsl.wording import counted

if TYPE_CHECKING:
    from scendsl.report.diff_sweeps import TableLike

#: The metric whose change is reported beside the risk ratings.
EXPORT_STATUS = "export.status"
#: In the terminal, a group shows its metrics of at least this importance (registry), at most
#: GROUP_SHOWN of them; the rest are counted (`--all` lists them).
HEADLINE_IMPORTANCE = 3
GROUP_SHOWN = 8
#: Figures only one side has, named in the headline before it counts the rest.
FIGURES_NAMED = 8


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
    #: For a metric: the changed inputs written in the scenario that moved it. For an input:
    #: whether the author wrote it (False: a catalog or default figure that follows).
    moved_by: tuple[str, ...] = ()
    written: bool = True
    #: For an input the author did not write: where it came from on the new side (a catalog
    #: entry, a labelled default), shown when it is a cause (`ScenarioDiff.written_inputs`).
    origin: str = ""
    #: For an input written in another currency: each side's amount as written and its rate.
    old_written: WrittenMoney | None = None
    new_written: WrittenMoney | None = None
    #: What a reader calls each side's value when it is a key (a reference's title), else None.
    old_label: str | None = None
    new_label: str | None = None

    def origin_note(self) -> str:
        """`  (catalog calibration.pue_hyperscale[2024])` for a catalog or default figure."""
        return f"  ({self.origin})" if not self.written and self.origin else ""

    @property
    def relative(self) -> float | None:
        """(new − old) / |old| for numbers, else None."""
        if not (_is_number(self.old) and _is_number(self.new)):
            return None
        return relative_change(self.old, self.new)

    def old_text(self) -> str:
        return figure_text(
            self.old, self.dimension, self.value_type, self.old_written, self.old_label
        )

    def new_text(self) -> str:
        return figure_text(
            self.new, self.dimension, self.value_type, self.new_written, self.new_label
        )

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
    #: A figure written in another currency: each side's amount and rate (the actuals are then
    #: shown in that currency, as the figure they are compared with).
    old_written: WrittenMoney | None = None
    new_written: WrittenMoney | None = None
    #: What a reader calls each side's actual when it is a key (a reference's title).
    old_label: str | None = None
    new_label: str | None = None

    def actual_text(self, new: bool) -> str:
        """The old or new actual as people read it: in the claim's currency when written in one,
        a key by its label."""
        actual, written, label = (
            (self.new_actual, self.new_written, self.new_label)
            if new
            else (self.old_actual, self.old_written, self.old_label)
        )
        if written is not None and isinstance(actual, float):
            return in_currency(actual, written.unit, written.per_usd)
        return figure_text(actual, self.dimension, label=label)

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


@dataclass(frozen=True)
class WarningFlip:
    """A warning (scendsl.report.warnings) that appears or vanishes, matched by its id."""

    id: str
    text: str
    appeared: bool

    def line(self) -> str:
        """`warning appears: …` or `warning gone: …`."""
        return f"warning {'appears' if self.appeared else 'gone'}: {self.text}"


def _rating(value: str | None) -> str:
    return "not rated" if value is None else value_words(str(value))


@dataclass(frozen=True)
class SourceChange:
    """A scenario figure whose own source (`... source "..."`) was added, removed or changed."""

    path: str
    old: str | None
    new: str | None
    #: written: a citation in the scenario; catalog: the cited source of a catalog or default
    #: figure (a change of the catalog, seen in two JSON results; `_source_changes`).
    kind: str = "written"

    def shown(self) -> tuple[str | None, str | None]:
        """The two sources as a reader compares them: long ones cut to the words that changed,
        with a little context and '…' for what the two share (JSON keeps them whole)."""
        return _changed_part(self.old, self.new)

    def line(self) -> str:
        def quoted(text: str | None) -> str:
            return f'"{text}"' if text is not None else "none"

        label = "source of" if self.kind == "written" else "catalog source of"
        old, new = self.shown()
        return f"{label} {self.path}: {quoted(old)} → {quoted(new)}"


#: Sources longer than this are shown by the part that changed; CONTEXT characters around it.
_SOURCE_SHOWN_WHOLE = 120
_SOURCE_CONTEXT = 30


def _changed_part(old: str | None, new: str | None) -> tuple[str | None, str | None]:
    if old is None or new is None or max(len(old), len(new)) <= _SOURCE_SHOWN_WHOLE:
        return old, new
    start = 0
    while start < min(len(old), len(new)) and old[start] == new[start]:
        start += 1
    end = 0
    while end < min(len(old), len(new)) - start and old[-1 - end] == new[-1 - end]:
        end += 1
    # Cut at word boundaries, CONTEXT characters away from the change.
    head = old.rfind(" ", 0, max(0, start - _SOURCE_CONTEXT)) + 1 if start > _SOURCE_CONTEXT else 0

    def cut(text: str) -> str:
        tail_at = len(text) - end
        stop = text.find(" ", tail_at + _SOURCE_CONTEXT) if end > _SOURCE_CONTEXT else -1
        middle = text[head : stop if stop >= 0 else len(text)]
        return ("…" if head else "") + middle + ("…" if stop >= 0 else "")

    return cut(old), cut(new)


@dataclass
class ScenarioDiff:
    name: str
    status: str  # "+", "-", "~"
    title: str
    inputs: list[Change] = field(default_factory=list)
    metrics: list[Change] = field(default_factory=list)
    flips: list[ClaimFlip] = field(default_factory=list)
    ratings: list[RatingFlip] = field(default_factory=list)
    warnings: list[WarningFlip] = field(default_factory=list)
    #: Moves left out because the shown value did not change (`show_all` keeps them).
    hidden: int = 0
    #: Figures whose cited source changed: provenance a reviewer checks, even at the same value.
    sources: list[SourceChange] = field(default_factory=list)
    #: The name the scenario had on the old side, when it was renamed (`_renames`).
    renamed_from: str | None = None
    #: Input → the scenario shown earlier with the same edit of the same line: one this
    #: scenario inherits (`extends`), so a reviewer reads one edit, not one per child.
    inherited: dict[str, str] = field(default_factory=dict)

    @property
    def inherits_all_from(self) -> str | None:
        """The scenario whose edit is all that changed here (nothing of its own: no claim,
        rating, warning or source, no input of its own), else None."""
        leaders = {self.inherited.get(c.name) for c in self.written_inputs}
        if len(leaders) != 1 or None in leaders or self.status != "~" or self.renamed_from:
            return None
        if self.flips or self.ratings or self.warnings or self.sources:
            return None
        return leaders.pop()

    def inherited_note(self, change: Change) -> str:
        """`  (inherited, as in base)` for an input edited in a scenario this one extends."""
        found = self.inherited.get(change.name)
        return f"  (inherited, as in {found})" if found else ""

    @property
    def label(self) -> str:
        """The name as a reviewer reads it: `new (renamed from old)` for a renamed scenario."""
        return f"{self.name} (renamed from {self.renamed_from})" if self.renamed_from else self.name

    @property
    def written_inputs(self) -> list[Change]:
        """The inputs shown as causes: those the author wrote, or, when none of them changed
        (the catalog or the model did: two JSON results), every changed figure."""
        written = [c for c in self.inputs if c.written]
        return written or list(self.inputs)

    @property
    def following_inputs(self) -> list[Change]:
        if not any(c.written for c in self.inputs):
            return []
        return [c for c in self.inputs if not c.written]

    def groups(self) -> list[tuple[tuple[str, ...], list[Change]]]:
        """The moved metrics grouped by the inputs that moved them, in the inputs' order."""
        order = {c.name: i for i, c in enumerate(self.inputs)}
        grouped: dict[tuple[str, ...], list[Change]] = {}
        for change in self.metrics:
            grouped.setdefault(change.moved_by, []).append(change)
        return sorted(
            grouped.items(),
            key=lambda item: (len(item[0]) == 0, [order.get(n, 0) for n in item[0]]),
        )


@dataclass
class Diff:
    scenarios: list[ScenarioDiff]
    threshold: float = 0.0
    sweeps: list[SweepDiff] = field(default_factory=list)
    show_all: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.scenarios or self.sweeps or self.figures_only_old or self.figures_only_new)

    def _model_figures(self) -> str:
        """`Only the old results have energy.water_use (...).`: figures one model has not."""
        parts = []
        for names, side in ((self.figures_only_new, "new"), (self.figures_only_old, "old")):
            if names:
                named = ", ".join(names[:FIGURES_NAMED])
                if len(names) > FIGURES_NAMED:
                    named += f" and {len(names) - FIGURES_NAMED} more"
                parts.append(f"Only the {side} results have {named} (a change of the model)")
        return ". ".join(parts) + "." if parts else ""

    #: Hidden moves of scenarios that have nothing else to show.
    hidden_elsewhere: int = 0
    #: Where the two sides come from, when not from two paths given: one line for the header
    #: (`both sides from JSON results: ...`, `main → the working tree, of scenarios`).
    sides: str = ""
    #: Inputs and metrics only one side's results have (two JSON results of two models: a
    #: metric removed or added), left out of the comparison but a change all the same.
    figures_only_old: list[str] = field(default_factory=list)
    figures_only_new: list[str] = field(default_factory=list)

    @property
    def hidden(self) -> int:
        """Moves below the shown precision (or the threshold), left out of this diff."""
        return (
            sum(s.hidden for s in self.scenarios)
            + sum(s.hidden for s in self.sweeps)
            + self.hidden_elsewhere
        )

    @property
    def claims_now_failing(self) -> int:
        return sum(1 for s in self.scenarios for f in s.flips if f.now_fails)

    def headline(self) -> str:
        """One sentence a reviewer reads first."""
        if not self.changed:
            if self.hidden:
                return (
                    f"No change in results as shown ({counted(self.hidden, 'move')} below the shown "
                    "precision; --all lists them)."
                )
            return "No change in results."
        figures = self._model_figures()
        if not (self.scenarios or self.sweeps):
            return f"No figure both sides have changed. {figures}"
        parts = []
        followers: dict[str, int] = {}
        for entry in self.scenarios:
            leader = entry.inherits_all_from
            if leader is not None:
                followers[leader] = followers.get(leader, 0) + 1
        listed = [e for e in self.scenarios if e.inherits_all_from is None]
        for entry in listed[:3]:
            if entry.renamed_from and not (
                entry.metrics or entry.flips or entry.ratings or entry.warnings
            ):
                parts.append(f"{entry.renamed_from}: renamed to {entry.name}")
                continue
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
                    bits.append(f"{short} {percent_change(rel)} to {top.new_text()}")
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
            appeared = sum(1 for w in entry.warnings if w.appeared)
            gone = len(entry.warnings) - appeared
            if appeared:
                bits.append(
                    f"{appeared} warning{'s' if appeared > 1 else ''} appear{'s' if appeared == 1 else ''}"
                )
            if gone:
                bits.append(f"{gone} warning{'s' if gone > 1 else ''} gone")
            if entry.sources:
                count = len(entry.sources)
                bits.append(f"{count} source{'s' if count > 1 else ''} changed")
            if not bits:
                bits.append("inputs changed, no metric moved beyond the threshold")
            inheriting = followers.get(entry.name, 0)
            label = entry.label
            if inheriting:
                verb = "inherits" if inheriting == 1 else "inherit"
                label += f" and {counted(inheriting, 'scenario')} that {verb} the edit"
            parts.append(f"{label}: " + "; ".join(bits))
        more = len(listed) - 3
        parts += [f"sweep {sweep.name}: {_sweep_headline(sweep)}" for sweep in self.sweeps[:3]]
        if len(self.sweeps) > 3:
            parts.append(f"{counted(len(self.sweeps) - 3, 'more sweep')} changed")
        more_text = f". And {counted(more, 'more scenario')}." if more > 0 else "."
        return ". ".join(parts) + more_text + (f" {figures}" if figures else "")


def _sweep_headline(sweep: SweepDiff) -> str:
    if sweep.status != "~":
        return "added" if sweep.status == "+" else "removed"
    bits = []
    if sweep.added:
        bits.append(f"{counted(len(sweep.added), 'variant')} added")
    if sweep.removed:
        bits.append(f"{counted(len(sweep.removed), 'variant')} removed")
    if sweep.moves:
        top = sweep.moves[0]
        short = top.name.split(".", 1)[-1].replace("_", " ")
        spread = top.range_text()
        bits.append(
            f"{short} moved in {top.moved} of {top.compared} variants"
            + (f" ({spread})" if spread else "")
        )
    return "; ".join(bits) or "axes changed"


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _differs(old: Any, new: Any) -> bool:
    if _is_number(old) and _is_number(new):
        return not math.isclose(old, new, rel_tol=1e-9, abs_tol=0.0)
    return old != new


def _shown_alike(change: Change) -> bool:
    """True when the move does not show: `4.53 TB → 4.53 TB`."""
    return change.old_text() == change.new_text()


def _is_written(before: MetricResult | None, after: MetricResult | None) -> bool:
    return any(node is not None and Span.names_place(node.origin) for node in (before, after))


def _input_ancestors(result: Evaluated) -> Callable[[str], frozenset[str]]:
    """The input nodes a node of `result` is computed from, however indirectly: each node
    carries the names it was computed from (references' figures included; an input, the other
    inputs whose fields it reads, and itself). Walked without recursion: a graph read from a
    JSON file may be a chain of any length, or even a cycle."""
    memo: dict[str, frozenset[str]] = {}

    def ancestors(name: str) -> frozenset[str]:
        visiting: set[str] = set()
        stack = [(name, False)]
        while stack:
            current, expanded = stack.pop()
            if current in memo:
                continue
            node = result.metrics.get(current)
            own: frozenset[str] = frozenset()
            if node is None:
                node, own = result.inputs.get(current), frozenset({current})
            if node is None or not node.inputs:
                memo[current] = frozenset({current})
            elif expanded:
                # A parent without a memo is still being expanded: a cycle, it adds nothing.
                parents = (memo.get(p, frozenset()) for p in node.inputs)
                memo[current] = own.union(*parents)
                visiting.discard(current)
            elif current not in visiting:
                visiting.add(current)
                stack.append((current, True))
                stack.extend((parent, False) for parent in node.inputs if parent not in memo)
        return memo[name]

    return ancestors


def _node_changes(
    old: Mapping[str, MetricResult],
    new: Mapping[str, MetricResult],
    kind: str,
    threshold: float,
    show_all: bool,
) -> tuple[list[Change], int]:
    """The nodes that differ, and how many moves were hidden (not shown, or below threshold)."""
    changes = []
    hidden = 0
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
            written=kind == "metric" or _is_written(before, after),
            origin=(after.origin if after is not None else None) or "",
            old_written=before.written if before is not None else None,
            new_written=after.written if after is not None else None,
            old_label=before.label if before is not None else None,
            new_label=after.label if after is not None else None,
        )
        rel = change.relative
        below_threshold = (
            kind == "metric" and threshold and rel is not None and abs(rel) * 100 < threshold
        )
        if below_threshold or (not show_all and _shown_alike(change)):
            hidden += 1
            continue
        changes.append(change)
    if kind == "metric":
        changes.sort(
            key=lambda c: (
                -c.importance,
                -(abs(c.relative) if c.relative is not None else math.inf),
            )
        )
    return changes, hidden


def _attribute(
    metrics: list[Change], inputs: list[Change], ancestors: Callable[[str], frozenset[str]]
) -> list[Change]:
    """Each metric with the written inputs that moved it. A catalog or default figure that
    changed follows from what the author wrote (the catalog is the same on both sides), so a
    metric it moved is put under every written input that changed."""
    written = [c.name for c in inputs if c.written]
    following = {c.name for c in inputs if not c.written}
    if not written:  # nothing written changed: each changed figure is its own cause
        written, following = [c.name for c in inputs], set()
    # A default that changed with the written inputs it reads (the framework's recomputation
    # with the framework) follows from those alone.
    following = {n for n in following if not ancestors(n) & set(written)}
    out = []
    for change in metrics:
        sources = ancestors(change.name)
        causes = [n for n in written if n in sources]
        if sources & following:
            causes = written
        out.append(replace(change, moved_by=tuple(causes)))
    return out


@dataclass(frozen=True)
class Evaluated:
    """One evaluated scenario as the diff reads it: values, origins and sources, the input
    graph (each node's `inputs`), claims and warnings. Made from a Result evaluated here
    (`evaluated`) or from the JSON of `scendsl eval --format json` from any scendsl version
    and catalog (scendsl.report.diff_json), so that both are compared by one code path."""

    name: str
    title: str
    inputs: Mapping[str, MetricResult]
    metrics: Mapping[str, MetricResult]
    claims: tuple[ClaimResult, ...]
    #: (id, text) of each warning (scendsl.report.warnings), in rule order.
    warnings: tuple[tuple[str, str], ...]
    #: The citations written in the scenario (`... source "..."`), by path.
    citations: Mapping[str, str]
    #: The scenario each inherited line comes from (`extends`), by path; empty when unknown
    #: (a JSON result does not say).
    inherited: Mapping[str, str] = field(default_factory=dict)

    def find(self, name: str) -> MetricResult | None:
        """An input or a metric by name, None when the scenario lacks it."""
        node = self.inputs.get(name)
        return node if node is not None else self.metrics.get(name)


def evaluated(result: Result) -> Evaluated:
    """What the diff needs of a Result evaluated in this process."""
    return Evaluated(
        result.name,
        result.title,
        result.inputs,
        result.metrics,
        tuple(result.claims),
        tuple((w.id, w.text) for w in scenario_warnings(result)),
        result.scenario.citations,
        result.scenario.inherited,
    )


def diff_results(
    old: list[Result],
    new: list[Result],
    threshold: float = 0.0,
    *,
    show_all: bool = False,
    old_sweeps: Sequence[TableLike] = (),
    new_sweeps: Sequence[TableLike] = (),
) -> Diff:
    """Compare two evaluations scenario by scenario, and their sweeps variant by variant.

    `threshold` (per cent) hides metrics that moved less; `show_all` keeps every move,
    including those that do not change the value as shown."""
    return diff_evaluated(
        [evaluated(r) for r in old],
        [evaluated(r) for r in new],
        threshold,
        show_all=show_all,
        old_sweeps=old_sweeps,
        new_sweeps=new_sweeps,
    )


def diff_evaluated(
    old: list[Evaluated],
    new: list[Evaluated],
    threshold: float = 0.0,
    *,
    show_all: bool = False,
    old_sweeps: Sequence[TableLike] = (),
    new_sweeps: Sequence[TableLike] = (),
) -> Diff:
    """`diff_results` on what the diff needs of each scenario (`Evaluated`)."""
    old_by_name = {r.name: r for r in old}
    new_by_name = {r.name: r for r in new}
    entries: list[ScenarioDiff] = []
    rules = load_rules()
    hidden_elsewhere = 0  # in scenarios with nothing else to show
    renames = _renames(old_by_name, new_by_name)
    for name in list(old_by_name) + [n for n in new_by_name if n not in old_by_name]:
        if name in renames.values():
            continue  # reported under its new name
        before, after = old_by_name.get(renames.get(name, name)), new_by_name.get(name)
        if before is None:
            assert after is not None  # the name comes from one of the two
            entries.append(ScenarioDiff(name, "+", after.title))
            continue
        if after is None:
            entries.append(ScenarioDiff(name, "-", before.title))
            continue
        inputs, hidden_inputs = _node_changes(before.inputs, after.inputs, "input", 0.0, show_all)
        metrics, hidden_metrics = _node_changes(
            before.metrics, after.metrics, "metric", threshold, show_all
        )
        entry = ScenarioDiff(
            name,
            "~",
            after.title,
            inputs,
            _attribute(metrics, inputs, _input_ancestors(after)),
            _flips(before, after),
            _rating_flips(before, after, rules),
            _warning_flips(before, after),
            hidden_inputs + hidden_metrics,
            _source_changes(before, after, any(c.written for c in inputs)),
            renamed_from=renames.get(name),
        )
        if (
            entry.renamed_from
            or entry.inputs
            or entry.metrics
            or entry.flips
            or entry.ratings
            or entry.warnings
            or entry.sources
        ):
            entries.append(entry)
        else:
            hidden_elsewhere += entry.hidden
    _mark_inherited(entries, {r.name: r.inherited for r in new})
    # Scenarios whose claims flipped come first, then by how much their top metric moved.
    entries.sort(
        key=lambda e: (
            0 if any(f.now_fails for f in e.flips) else 1 if e.flips else 2,
            {"~": 0, "+": 1, "-": 2}[e.status],
        )
    )
    # Names made per reference (divide.<reference>.…) are known to the results only.
    nodes = {
        name: (node.kind, node.dimension, "number", 0)
        for result in ((*new, *old) if old_sweeps or new_sweeps else ())
        for name, node in (*result.inputs.items(), *result.metrics.items())
    }
    return Diff(
        entries,
        threshold,
        diff_sweeps(list(old_sweeps), list(new_sweeps), threshold, show_all, nodes),
        show_all,
        hidden_elsewhere,
    )


def _mark_inherited(
    entries: list[ScenarioDiff], inherited: Mapping[str, Mapping[str, str]]
) -> None:
    """Mark each written input edit that other scenarios have too, on the same line (the same
    origin, old and new value): one line a base scenario writes and its children inherit, told
    once. The scenario that writes the line is the one that does not inherit it (`inherited`,
    by scenario: path → the scenario it comes from), else, for JSON results, which do not say,
    the first in file order. Two scenarios writing the same value on lines of their own are
    two edits."""
    groups: dict[tuple[str, str, str, str], list[ScenarioDiff]] = {}
    for entry in entries:
        for change in entry.inputs:
            if not change.written or not change.origin:  # a catalog figure is no one's line
                continue
            key = (change.name, change.origin, repr(change.old), repr(change.new))
            groups.setdefault(key, []).append(entry)
    for (name, *_), group in groups.items():
        if len(group) < 2:
            continue
        path = name.removeprefix("scenario.")  # `scenario.region` is written `region`
        writers = [e for e in group if path not in inherited.get(e.name, {})]
        writer = (writers or group)[0]
        for entry in group:
            if entry is not writer:
                entry.inherited[name] = writer.name


def _renames(old: Mapping[str, Evaluated], new: Mapping[str, Evaluated]) -> dict[str, str]:
    """Scenarios renamed between the two sides, new name → old name: a scenario only the old
    side has and one only the new side has that are the same scenario (the same title, or the
    same value of every input), when neither could be another's (a pull request that renames
    a scenario would otherwise show one removed and one added, saying nothing of either).
    Matched through dictionaries, so thousands of scenarios added and removed cost their
    number, not its square."""
    gone = [name for name in old if name not in new]
    came = [name for name in new if name not in old]

    def keys(scenario: Evaluated) -> list[tuple[str, ...]]:
        found = [("inputs", *(f"{k}={v.value!r}" for k, v in sorted(scenario.inputs.items())))]
        if scenario.title != scenario.name:  # a title that is not the default names it
            found.append(("title", scenario.title))
        return found

    arrivals: dict[tuple[str, ...], set[str]] = {}
    for name in came:
        for key in keys(new[name]):
            arrivals.setdefault(key, set()).add(name)
    matches: dict[str, set[str]] = {}
    for name in gone:
        candidates = [arrivals.get(key, set()) for key in keys(old[name])]
        if all(len(names) <= 1 for names in candidates):  # else it could be any of several
            matches[name] = set().union(*candidates)
    claimed: dict[str, int] = {}
    for arrived in matches.values():
        for match in arrived:
            claimed[match] = claimed.get(match, 0) + 1
    return {
        arrived.pop(): name
        for name, arrived in matches.items()
        if len(arrived) == 1 and claimed[next(iter(arrived))] == 1
    }


def _source_changes(
    before: Evaluated, after: Evaluated, written_changed: bool
) -> list[SourceChange]:
    """Citations written in the scenario that changed, then the cited sources of catalog and
    default figures: of the same entry on both sides (with one catalog on both sides, as when
    scenario files are compared here, these never differ), or of any entry when nothing
    written changed (the catalog did; else a new entry merely follows a written change)."""
    old, new = before.citations, after.citations
    paths = list(old) + [p for p in new if p not in old]
    changes = [SourceChange(p, old.get(p), new.get(p)) for p in paths if old.get(p) != new.get(p)]
    for name, node in after.inputs.items():
        previous = before.inputs.get(name)
        if (
            previous is None
            or (written_changed and previous.origin != node.origin)
            or _is_written(previous, node)
            or previous.sources == node.sources
        ):
            continue
        changes.append(
            SourceChange(name, _sources_text(previous), _sources_text(node), kind="catalog")
        )
    return changes


def _sources_text(node: MetricResult) -> str | None:
    return "; ".join(node.sources) if node.sources else None


def _claim_key(claim: Any) -> tuple[Any, ...]:
    """A claim as written. An amount in another currency (`< 50M EUR`) is known by that amount
    and its unit (`written`), not by its dollars at the scenario year's rate: a change of year,
    or of the rates between two catalogs, must not hide its flip."""
    written = getattr(claim, "written", None)
    expected = (written.unit, written.amount) if written is not None else claim.expected
    return (claim.metric, claim.op, expected, claim.quote)


def _flips(before: Evaluated, after: Evaluated) -> list[ClaimFlip]:
    old_claims = {_claim_key(c): c for c in before.claims}
    # A result written before claims carried `written` knows such a claim by its dollars only.
    by_dollars = {(c.metric, c.op, c.expected, c.quote): c for c in before.claims}
    flips = []
    for claim in after.claims:
        previous = old_claims.get(_claim_key(claim))
        if previous is None:
            twin = by_dollars.get((claim.metric, claim.op, claim.expected, claim.quote))
            if twin is not None and (twin.written is None or claim.written is None):
                previous = twin
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
                    previous.written,
                    claim.written,
                    _label(before, claim.metric, previous.actual),
                    _label(after, claim.metric, claim.actual),
                )
            )
    flips.sort(key=lambda f: not f.now_fails)
    return flips


def _label(result: Evaluated, name: str, value: Any) -> str | None:
    """What a reader calls `value` of figure `name` when it is the figure's key (a
    reference's name): the label the model gave it; None for any other value."""
    node = result.find(name)
    return node.label if node is not None and node.value == value else None


def _value(result: Evaluated, name: str) -> Any:
    """A node's value by name (inputs and metrics alike), None when the scenario lacks it."""
    node = result.find(name)
    return node.value if node is not None else None


def _rating_flips(
    before: Evaluated, after: Evaluated, rules: tuple[RiskDefinition, ...]
) -> list[RatingFlip]:
    """Risk ratings (the register's `risk.<key>` metrics, which the evaluation has rated),
    then the export status."""
    flips = []
    for risk in rules:
        name = f"risk.{risk.key}"
        old, new = _value(before, name), _value(after, name)
        if old != new:
            flips.append(RatingFlip("risk", risk.key, risk.title, old, new))
    old_status, new_status = _value(before, EXPORT_STATUS), _value(after, EXPORT_STATUS)
    if old_status != new_status:
        flips.append(RatingFlip("export", EXPORT_STATUS, "Export status", old_status, new_status))
    return flips


def _warning_flips(before: Evaluated, after: Evaluated) -> list[WarningFlip]:
    """Warnings that appear or vanish; one that stays, even with other figures in its text,
    is not a change."""
    old = dict(before.warnings)
    new = dict(after.warnings)
    return [WarningFlip(i, text, True) for i, text in new.items() if i not in old] + [
        WarningFlip(i, text, False) for i, text in old.items() if i not in new
    ]


def _dimension(metric: str) -> str:
    node = REGISTRY.nodes.get(metric)
    return node.dimension if node is not None else "number"


# --------------------------------------------------------------------------- rendering
def _verdict(holds: bool | None) -> str:
    return {True: "holds", False: "fails", None: "n/a"}[holds]


def _claim_text(flip: ClaimFlip) -> str:
    """`energy.facility_power >= 500 MW: fails → holds (224 MW → 627 MW)`."""
    old, new = flip.actual_text(new=False), flip.actual_text(new=True)
    return (
        f"{flip.metric} {flip.op} {flip.expected}: {_verdict(flip.old_holds)} → "
        f"{_verdict(flip.new_holds)} ({old} → {new})"
    )


def _headline_changes(changes: list[Change]) -> list[Change]:
    """What the terminal shows of a group: its important metrics (at least the top three)."""
    important = [c for c in changes if c.importance >= HEADLINE_IMPORTANCE]
    return (important or changes[:3])[:GROUP_SHOWN]


def _headline_moves(moves: list[VariantMove]) -> list[VariantMove]:
    important = [m for m in moves if m.importance >= HEADLINE_IMPORTANCE]
    return (important or moves[:3])[:GROUP_SHOWN]


def _causes_text(causes: tuple[str, ...]) -> str:
    return ", ".join(causes) if causes else "the model or the catalog"


def _change_line(change: Change) -> str:
    delta = change.delta_text()
    return f"{change.name}: {change.old_text()} → {change.new_text()}" + (
        f"  {delta}" if delta else ""
    )


_STATUS_STYLE = {"+": "green", "-": "red", "~": "yellow"}


def _scenario_lines(entry: ScenarioDiff, show_all: bool) -> list[tuple[str, str]]:
    """The lines of one scenario, each with the rich style the terminal gives it."""
    lines = [(_STATUS_STYLE[entry.status], f"{entry.status} {entry.label}  {entry.title}")]
    for flip in entry.flips:
        lines.append(
            (
                "red" if flip.now_fails else "green",
                f"    claim {_claim_text(flip)}  "
                + (f'"{flip.quote}" ' if flip.quote else "")  # a claim need not quote anyone
                + f"({visible_path(flip.file)}:{flip.line})",
            )
        )
    lines += [("bold", f"    {rating.text()}") for rating in entry.ratings]
    lines += [
        ("yellow" if flip.appeared else "green", f"    {flip.line()}") for flip in entry.warnings
    ]
    for change in entry.written_inputs:
        lines.append(
            (
                "",
                f"    input  {change.name}: {change.old_text()} → {change.new_text()}"
                + change.origin_note()
                + entry.inherited_note(change),
            )
        )
    lines += [("cyan", f"    {source.line()}") for source in entry.sources]
    following = entry.following_inputs
    if show_all:
        lines += [
            ("dim", f"    follows {c.name}: {c.old_text()} → {c.new_text()}") for c in following
        ]
    elif following:
        lines.append(
            (
                "dim",
                f"    and {counted(len(following), 'catalog or default figure')} that follow (--all)",
            )
        )
    for causes, changes in entry.groups():
        lines.append(("", f"    moved by {_causes_text(causes)}:"))
        shown = changes if show_all else _headline_changes(changes)
        for change in shown:
            rel = change.relative
            style = "cyan" if rel is None else ("green" if rel >= 0 else "magenta")
            lines.append((style, f"      {_change_line(change)}"))
        if len(changes) > len(shown):
            lines.append(
                ("dim", f"      and {counted(len(changes) - len(shown), 'more metric')} (--all)")
            )
    return lines


def _sweep_lines(sweep: SweepDiff, show_all: bool) -> list[tuple[str, str]]:
    lines = [
        (
            _STATUS_STYLE[sweep.status],
            f"{sweep.status} sweep {sweep.name}  from {sweep.base}: {sweep.summary()}",
        )
    ]
    if sweep.status != "~":
        return lines
    if sweep.added:
        lines.append(("green", f"    + {sweep.names_text(sweep.added)}"))
    if sweep.removed:
        lines.append(("red", f"    - {sweep.names_text(sweep.removed)}"))
    if sweep.moves:
        lines.append(
            ("", f"    moved in the {counted(sweep.compared, 'variant')} both sides have:")
        )
        shown = sweep.moves if show_all else _headline_moves(sweep.moves)
        lines += [("", f"      {move.text()}") for move in shown]
        if len(sweep.moves) > len(shown):
            lines.append(
                (
                    "dim",
                    f"      and {counted(len(sweep.moves) - len(shown), 'more metric')} (--all)",
                )
            )
    return lines


def _all_lines(diff: Diff) -> list[tuple[str, str]]:
    lines: list[tuple[str, str]] = []
    for entry in diff.scenarios:
        lines += [*_scenario_lines(entry, diff.show_all), ("", "")]
    for sweep in diff.sweeps:
        lines += [*_sweep_lines(sweep, diff.show_all), ("", "")]
    return lines


def _sides(diff: Diff) -> list[str]:
    """The header line saying where both sides come from, when not from scenario files."""
    return [diff.sides] if diff.sides else []


def render_text(diff: Diff) -> str:
    """Plain text (the terminal shows it coloured through rich when attached)."""
    lines = [*_sides(diff), diff.headline(), ""] + [text for _, text in _all_lines(diff)]
    return "\n".join(lines).rstrip() + "\n"


def render_rich(diff: Diff, console) -> None:
    """The same lines as render_text, coloured."""
    from scendsl.terminal import rich_text

    for line in _sides(diff):
        console.print(rich_text(line, "dim"))
    console.print(rich_text(diff.headline(), "bold"))
    console.print()
    for style, text in _all_lines(diff):
        console.print(rich_text(text, style))


def render_markdown(diff: Diff) -> str:
    """For a pull-request comment: headline, summary table, full detail inside <details>."""
    lines = ["### scendsl diff", "", *(_md(line) for line in _sides(diff))]
    lines += ["", _md(diff.headline()), ""] if diff.sides else [_md(diff.headline()), ""]
    if not (diff.scenarios or diff.sweeps):
        return "\n".join(lines)
    lines += [
        "| | scenario | top change | claims | ratings and warnings |",
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
                else "sources only"
                if entry.sources and not entry.inputs
                else "inputs only"
                if entry.inputs
                else "renamed; no input or result changed"
                if entry.renamed_from
                else "—"
            )
        )
        if entry.inherits_all_from:
            top_text += f" (the edit of {entry.inherits_all_from}, inherited)"
        claims = ", ".join(_claim_text(f) for f in entry.flips) or "—"
        ratings = ", ".join([r.text() for r in entry.ratings] + [w.line() for w in entry.warnings])
        ratings = ratings or "—"
        lines.append(
            f"| {entry.status} | {_md(entry.label)} | {_md(top_text)} | {_md(claims)} "
            f"| {_md(ratings)} |"
        )
    for sweep in diff.sweeps:
        lines.append(
            f"| {sweep.status} | sweep {_md(sweep.name)} | {_md(_sweep_headline(sweep))} | — | — |"
        )
    lines += ["", "<details><summary>Full detail</summary>", ""]
    for entry in diff.scenarios:
        lines += _scenario_markdown(entry, diff.show_all)
    for sweep in diff.sweeps:
        lines += _sweep_markdown(sweep)
    lines += ["</details>", ""]
    return "\n".join(lines)


def _scenario_markdown(entry: ScenarioDiff, show_all: bool) -> list[str]:
    lines = [f"#### {entry.status} {_md(entry.label)}", ""]
    if entry.flips:
        lines += ["| claim | was | now | quote |", "|---|---|---|---|"]
        lines += [
            f"| {_md(f.metric)} {_md(f.op)} {_md(f.expected)} | "
            f"{_verdict(f.old_holds)} at {_md(f.actual_text(new=False))} | "
            f"{_verdict(f.new_holds)} at {_md(f.actual_text(new=True))} | "
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
    if entry.warnings:
        lines += ["| warning | change |", "|---|---|"]
        lines += [
            f"| {_md(w.text)} | {'appears' if w.appeared else 'gone'} |" for w in entry.warnings
        ]
        lines.append("")
    if entry.sources:
        lines += ["| source of | old | new |", "|---|---|---|"]
        for change in entry.sources:
            old, new = change.shown()
            catalog = " (catalog)" if change.kind == "catalog" else ""
            lines.append(
                f"| {_md(change.path)}{catalog} | {_md(old or 'none')} | {_md(new or 'none')} |"
            )
        lines.append("")
    following = entry.following_inputs
    if entry.inputs:
        lines += ["| input | old | new |", "|---|---|---|"]
        lines += [
            f"| {_md(c.name + c.origin_note() + entry.inherited_note(c))} | {_md(c.old_text())} "
            f"| {_md(c.new_text())} |"
            for c in entry.written_inputs
        ]
        if show_all:
            lines += [
                f"| {_md(c.name)} (follows) | {_md(c.old_text())} | {_md(c.new_text())} |"
                for c in following
            ]
        elif following:
            lines.append(
                f"| and {counted(len(following), 'catalog or default figure')} that follow | | |"
            )
        lines.append("")
    for causes, changes in entry.groups():
        lines += [
            f"| moved by {_md(_causes_text(causes))} | old | new | change |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| {_md(c.name)} | {_md(c.old_text())} | {_md(c.new_text())} | {_md(c.delta_text())} |"
            for c in changes
        ]
        lines.append("")
    return lines


def _sweep_markdown(sweep: SweepDiff) -> list[str]:
    lines = [
        f"#### {sweep.status} sweep {_md(sweep.name)}",
        "",
        _md(f"From {sweep.base}: {sweep.summary()}."),
        "",
    ]
    if sweep.added:
        lines += [_md(f"Added: {sweep.names_text(sweep.added)}."), ""]
    if sweep.removed:
        lines += [_md(f"Removed: {sweep.names_text(sweep.removed)}."), ""]
    if sweep.moves:
        lines += [
            "| input or metric | variants moved | change | largest |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| {m.kind} {_md(m.name)} | {m.moved} of {m.compared} | {_md(m.range_text() or '—')} | "
            f"{_md(m.example)}: {_md(m.old_text())} → {_md(m.new_text())} |"
            for m in sweep.moves
        ]
        lines.append("")
    return lines


def _written_data(old: WrittenMoney | None, new: WrittenMoney | None) -> dict[str, Any]:
    """An amount written in another currency on either side (`eval --format json`'s `written`)."""
    return {
        f"{side}_written": written.to_json()
        for side, written in (("old", old), ("new", new))
        if written is not None
    }


def _label_data(old: str | None, new: str | None) -> dict[str, str]:
    """What a reader calls each side's value when it is a key (`old_label`, `new_label`): the
    values keep the keys."""
    return {
        side: label for side, label in (("old_label", old), ("new_label", new)) if label is not None
    }


def _infinite_data(old: Any, new: Any, suffix: str = "") -> dict[str, int]:
    """The sign of either side's infinite value (`old_infinite`, `new_infinite`; with
    `suffix`, `old_actual_infinite`...): JSON writes it null, as n/a (values.infinity_sign)."""
    return {
        f"{side}{suffix}_infinite": sign
        for side, value in (("old", old), ("new", new))
        if (sign := infinity_sign(value)) is not None
    }


def render_json(diff: Diff) -> str:
    def change_data(change: Change) -> dict[str, Any]:
        data = {
            "name": change.name,
            "old": change.old,
            "new": change.new,
            "relative": change.relative,
            "unit": _unit(change.name),
        }
        if change.kind == "metric":
            data["moved_by"] = list(change.moved_by)
        else:
            data["written"] = change.written
            if not change.written and change.origin:
                data["origin"] = change.origin
        data |= _written_data(change.old_written, change.new_written)
        data |= _infinite_data(change.old, change.new)
        return data | _label_data(change.old_label, change.new_label)

    def move_data(move: VariantMove) -> dict[str, Any]:
        return {
            "name": move.name,
            "moved": move.moved,
            "compared": move.compared,
            "smallest": move.smallest,
            "largest": move.largest,
            "example": {"variant": move.example, "old": move.old, "new": move.new}
            | _infinite_data(move.old, move.new)
            | _label_data(move.old_label, move.new_label),
            "unit": _unit(move.name),
        }

    document: dict[str, Any] = {"sides": diff.sides} if diff.sides else {}
    document |= {
        "headline": diff.headline(),
        "changed": diff.changed,
        "claims_now_failing": diff.claims_now_failing,
        "hidden": diff.hidden,
        "figures_only_old": diff.figures_only_old,
        "figures_only_new": diff.figures_only_new,
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
                    | _written_data(f.old_written, f.new_written)
                    | _infinite_data(f.old_actual, f.new_actual, "_actual")
                    | _label_data(f.old_label, f.new_label)
                    for f in e.flips
                ],
                "ratings": [
                    {"kind": r.kind, "key": r.key, "title": r.title, "old": r.old, "new": r.new}
                    for r in e.ratings
                ],
                "warnings": [
                    {
                        "id": w.id,
                        "change": "appeared" if w.appeared else "vanished",
                        "message": w.text,
                    }
                    for w in e.warnings
                ],
                "inputs": [
                    change_data(c)
                    | ({"inherited_as_in": e.inherited[c.name]} if c.name in e.inherited else {})
                    for c in e.inputs
                ],
                "metrics": [change_data(c) for c in e.metrics],
                "sources": [
                    {"path": c.path, "old": c.old, "new": c.new}
                    | ({"kind": c.kind} if c.kind != "written" else {})
                    for c in e.sources
                ],
                "hidden": e.hidden,
            }
            | ({"renamed_from": e.renamed_from} if e.renamed_from else {})
            for e in diff.scenarios
        ],
        "sweeps": [
            {
                "name": w.name,
                "status": w.status,
                "base": w.base,
                "axes": {"old": list(w.old_axes), "new": list(w.new_axes)},
                "variants": {"old": w.old_size, "new": w.new_size},
                "added": w.added,
                "removed": w.removed,
                "metrics": [move_data(m) for m in w.moves],
                "hidden": w.hidden,
            }
            for w in diff.sweeps
        ],
    }
    return json_text(document, indent=2, default=_jsonable) + "\n"


def _unit(name: str) -> str:
    node = REGISTRY.nodes.get(name)
    return node.unit if node else ""


def _jsonable(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    return str(value)
