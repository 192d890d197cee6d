"""`scendsl build`: every briefing, in Markdown and HTML, written atomically.

Pages: one per scenario (`<name>.md/.html`), `index`, `landscape` (the article's competitive-
landscape table with the model's figures), and three topical briefings across scenarios:
`compute-divide`, `energy`, `risk`. A sweep is not a page per variant: it gets a table and a
trajectory chart in its base scenario's briefing (or in the index when the base is not built).

The build is all or nothing. Everything is loaded, evaluated and rendered in memory first; any
error (a scenario that does not load or evaluate, a template that fails) leaves the output folder
untouched. The new folder is then written next to the old one and swapped in, so the folder is
either as it was or completely new. `check=True` writes nothing and lists what is out of date.

Uncertainty: a scenario that carries ranges gets a Monte Carlo run (10,000 draws, a fixed seed)
and a sensitivity ranking (scendsl.model.uncertainty). Its briefing then shows each figure that
moves with the 90 % interval of its samples, each claim with the share of samples in which it
holds, and an "Uncertainty and sensitivity" section (an interval chart, a tornado chart, tables).
Numbers are computed here, never in templates.

Same inputs, same bytes: no timestamps, stable ordering, a fixed Monte Carlo seed, deterministic
charts.

Speed: on a machine with two or more cores two worker processes are forked. The chart worker
comes first, before anything is loaded: it imports matplotlib (the slowest import of a build) on
the second core while this process imports the model, loads and evaluates, then draws each chart
as soon as a template asks for it. The work worker is forked once the scenarios are loaded: it
runs the Monte Carlo while this process evaluates, then converts some pages to HTML while this
process renders templates and converts the rest, at a lower priority, so that the charts (the
longest chain of work) do not share a core three ways. `SCENDSL_JOBS=1` keeps everything in one
process; the bytes are the same.
"""

from __future__ import annotations

import gc
import os
import re
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from scendsl.defaults import DEFAULT_SAMPLES
from scendsl.errors import DiagnosticSink, ScenarioError, Span
from scendsl.files import check_output_folder, out_of_date, write_output
from scendsl.report.render import (TOPICAL_PAGES, Page, Renderer, TemplateProblem, read_only,
                                   template_view)
from scendsl.terminal import visible_path

#: Monte Carlo draws per scenario with ranges (the seed is scendsl.model.uncertainty's default).
MONTE_CARLO_SAMPLES = DEFAULT_SAMPLES
#: Largest sweep drawn in a briefing; bigger sweeps get a summary (use `scendsl eval --sweeps`).
MAX_SWEEP_VARIANTS = 200
#: A bigger sweep's table: this many evenly spaced variants (the first and the last among them),
#: and the least, median and greatest figure over all its variants.
SWEEP_SAMPLE_ROWS = 11
#: Variants evaluated one by one for the sweep tables of one build, over all its sweeps: once
#: spent, each further sweep shows 3 (first, middle, last). A variant takes ~2 ms, so a file of
#: hundreds of sweeps cannot keep a build busy for minutes.
MAX_BUILD_SWEEP_ROWS = 2_000
#: The figures summarised over every variant of a sampled sweep (the columns of the sweep
#: tables in templates/_macros.md.j2), evaluated vectorised.
SWEEP_SUMMARY_METRICS = ("market.capex", "energy.facility_power", "energy.annual_emissions",
                         "reliability.training_time")
#: An axis with more values than this is described by its first and last values and a count.
_AXIS_LABELS_LISTED = 12

#: Claim operators as a reader writes them.
_OPS = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "==": "=", "~=": "≈"}


@dataclass
class BuildReport:
    """What a build wrote, or (with check) what is out of date; `exit_code` for the CLI."""

    out_dir: str
    #: Every file the build produces, by name, in page order.
    files: list[str] = field(default_factory=list)
    #: Paths written (build) — empty for a check.
    written: list[str] = field(default_factory=list)
    #: Generated files of an earlier build that no longer belong (build: removed).
    removed: list[str] = field(default_factory=list)
    #: Check: files missing, changed or extra, as "name (missing|changed|extra)".
    stale: list[str] = field(default_factory=list)
    exit_code: int = 0
    #: Seconds per stage (load, evaluate, templates, charts, HTML, write), for tuning.
    timings: dict[str, float] = field(default_factory=dict)

    def summary(self) -> str:
        """One line for the terminal (the stale files listed under it for a check)."""
        if self.stale:
            return (f"{len(self.stale)} file(s) out of date in {visible_path(self.out_dir)}:\n"
                    + "\n".join(f"  {line}" for line in self.stale))
        if not self.written:
            return f"{visible_path(self.out_dir)} is up to date ({len(self.files)} files)"
        removed = f", removed {len(self.removed)} stale" if self.removed else ""
        return f"wrote {len(self.written)} files to {visible_path(self.out_dir)}{removed}"


# ======================================================================================== views
@template_view("html_cache")
class Number:
    """A figure as templates see it: `text` to print, `derivation()` for the HTML page."""

    def __init__(self, name: str, value: Any, dimension: str, value_type: str = "number",
                 meaning: str = "", importance: int = 0, kind: str = "metric",
                 origin: str | None = None, confidence: str | None = None,
                 note: str | None = None, sources: tuple[str, ...] = (),
                 explain: Callable[[], dict[str, Any]] | None = None) -> None:
        from scendsl.report.numbers import format_value

        self.name, self.value, self.dimension = name, value, dimension
        self.value_type, self.meaning, self.importance, self.kind = (
            value_type, meaning, importance, kind)
        self.origin, self.confidence, self.note, self.sources = origin, confidence, note, sources
        self.text = format_value(value, dimension, value_type)
        #: The 90 % interval over the Monte Carlo samples ("201–246 MW"), only for a number that
        #: moves with the scenario's ranges; "" otherwise.
        self.interval = ""
        #: The derivation as HTML, kept by the renderer once made (the same on every page).
        self.html_cache: str | None = None
        self._explain = explain
        self._tree: dict[str, Any] | None = None

    @property
    def available(self) -> bool:
        """Whether there is a value to show (not None, not NaN)."""
        return self.text != "n/a"

    @property
    def from_scenario(self) -> bool:
        """An input written in the scenario file (not a catalog figure or default)."""
        return bool(self.origin) and ".scn:" in self.origin

    def derivation(self) -> dict[str, Any] | None:
        if self._explain is None:
            return None
        if self._tree is None:
            self._tree = self._explain()
        return self._tree

    def __str__(self) -> str:
        return self.text


@template_view()
@dataclass
class ClaimView:
    metric: str
    op: str
    expected: str
    tolerance: str
    actual: Number
    holds: bool | None
    margin: str
    quote: str
    file: str
    line: int
    #: Under the scenario's ranges: "holds in 73% of samples" ("" without ranges).
    probability: str = ""
    #: The share of samples in which the claim holds (None without ranges or when n/a).
    probability_value: float | None = None


@template_view()
@dataclass
class SourceView:
    text: str
    confidence: str
    used_by: list[str]


@template_view()
@dataclass
class ReferenceView:
    name: str
    title: str
    kind: str
    accelerator: str
    count: Number
    peak: Number
    compute_ratio: Number
    time_to_train: Number
    capex_to_close: Number
    power_to_close: Number
    source: str
    confidence: str

    @property
    def label(self) -> str:
        """The title, with the kind of entity unless the title already says it."""
        squash = lambda text: "".join(ch for ch in text.lower() if ch.isalnum())  # noqa: E731
        if squash(self.kind) in squash(self.title):
            return self.title
        return f"{self.title} ({self.kind})"


@template_view()
@dataclass
class RiskView:
    key: str
    title: str
    concern: str
    rating: str | None
    driver: Number
    condition: str
    reason: str
    source: str
    confidence: str
    caveats: list[str]


#: The words of an input's note that say its value is another year's figure (context.by_year).
_EXTRAPOLATED_RE = re.compile(r"extrapolated(?::\s*no (\d{4}) figure, (\d{4}) value used)?",
                              re.IGNORECASE)


@template_view()
@dataclass
class CaveatView:
    """An input whose value lies outside the data (its note says "extrapolated"): another
    year's figure stands in for the scenario's. The briefing lists them under the findings."""

    name: str  # the input; `reference.*.unit_price` for the same input of several references
    meaning: str
    value: Number
    used_year: str  # the year whose figure was used ("" when the note does not say)
    missing_years: list[str]  # the years without a figure
    clause: str  # the note's own words about the extrapolation
    note: str  # the rest of the input's note (where the figure comes from), "" if none
    references: int = 0  # references sharing this row (0: not a reference's input)
    sweep: str = ""  # for a sweep's variants: the sweep's name ...
    points: str = ""  # ... and its points where the figure is extrapolated ("year 2027, 2028")

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.name, self.used_year or self.clause, self.value.text)

    @property
    def used(self) -> str:
        """What stands in for the missing figure: "the 2026 figure (there is none for 2028)"."""
        if not self.used_year:
            return self.clause
        return (f"the {self.used_year} figure (there is none for "
                f"{', '.join(self.missing_years)})")


def extrapolated_inputs(view: ScenarioView) -> list[CaveatView]:
    """The inputs of a scenario whose value is extrapolated, one row per input (the same input
    of every reference, with the same value, is one row)."""
    rows: dict[tuple[str, str, str], CaveatView] = {}
    for name in view.input_names:
        number = view.m(name)
        match = _EXTRAPOLATED_RE.search(number.note or "")
        if match is None or not number.available:
            continue
        parts = name.split(".")
        shown, meaning, is_reference = name, number.meaning, False
        if parts[0] == "reference" and len(parts) >= 3:
            shown = ".".join(["reference", "*", *parts[2:]])
            meaning = number.meaning.replace(f"of {parts[1]}", "of each reference")
            is_reference = True
        missing, used_year = match.group(1) or "", match.group(2) or ""
        note = (number.note or "")[:match.start()].strip(" ;,.")
        note = note[:1].upper() + note[1:]
        row = CaveatView(shown, meaning, number, used_year, [missing] if missing else [],
                         match.group(0), note)
        kept = rows.setdefault(row.key, row)
        kept.references += int(is_reference)
    return list(rows.values())


def derivation(result, name: str) -> dict[str, Any]:
    """The derivation of `name` as far as a briefing shows it (render.derivation_html): the
    node, its inputs, and its inputs' own inputs by name and value only.

    The same entries as scendsl.report.explain.explain_tree, which walks the whole tree (the
    terminal's `explain` prints all of it): cut to these two levels, deriving every figure of
    a build takes a fraction of the time.
    """
    from scendsl.report.explain import explain_tree, value_text

    node = result.node(name)
    if node.kind == "input":
        return explain_tree(result, name)  # an input is a leaf: its value and provenance

    def metric_entry(current: str, metric) -> dict[str, Any]:
        entry: dict[str, Any] = {"name": current, "value": value_text(metric),
                                 "meaning": metric.meaning, "kind": metric.kind}
        if metric.formula:
            entry["formula"] = metric.formula
        entry["sources"] = list(metric.sources)
        return entry

    tree = metric_entry(name, node)
    children = []
    for child_name in node.inputs:
        child = result.node(child_name)
        if child.kind == "input":
            children.append(explain_tree(result, child_name))
            continue
        entry = metric_entry(child_name, child)
        entry["inputs"] = [{"name": grandchild, "value": value_text(result.node(grandchild))}
                           for grandchild in child.inputs]
        children.append(entry)
    tree["inputs"] = children
    return tree


@template_view("attach_run")
class ScenarioView:
    """One evaluated scenario for the templates."""

    def __init__(self, result, catalog, page: str, nodes: dict[str, Any]) -> None:
        self._result = result
        self._catalog = catalog
        self._nodes = nodes  # expanded registry nodes of this scenario, by name
        self._numbers: dict[str, Number] = {}
        scenario = result.scenario
        self.name = scenario.name
        self.page = page
        self.title = scenario.title
        self.operator = scenario.operator
        self.year = scenario.year
        self.region = scenario.region
        self.source = scenario.source
        self.file = scenario.span.file
        self.line = scenario.span.line
        self.extends = list(scenario.extends)
        self.accelerator = scenario.cluster.accelerator
        self.sweeps: list[SweepView] = []
        self.risks: list[RiskView] = []
        #: The Monte Carlo run over the scenario's ranges (None without ranges).
        self.uncertainty: UncertaintyView | None = None
        self._run: MonteCarloRun | None = None
        self._varying: frozenset[str] = frozenset()
        self._laws: dict[str, Any] = {}

    def attach_run(self, run: MonteCarloRun) -> None:
        """Give the figures their 90 % intervals and the briefing its uncertainty section.

        Must come before any figure is read (figures are made once and kept).
        """
        self._run = run
        self._varying = frozenset(run.varying())
        self._laws = {law.name: law for law in run.laws}
        self._numbers.clear()
        self.uncertainty = UncertaintyView(self, run)

    def summary(self, name: str):
        """P5/P50/P95/mean of a figure that moves with the ranges; None for any other.

        An input drawn from a range gives its law's exact percentiles (the range as written:
        `30% to 45%` is P5 30%, P95 45%), every other figure those of its samples.
        """
        if self._run is None or name not in self._varying:
            return None
        summary = self._run.summary(name)
        law = self._laws.get(name)
        if law is None or summary is None:
            return summary
        from dataclasses import replace

        return replace(summary, p5=law.quantile(0.05), p50=law.quantile(0.5),
                       p95=law.quantile(0.95))

    # ---------------------------------------------------------------------------- numbers
    def m(self, name: str) -> Number:
        """The figure `name` (an input or a metric); an n/a figure when the model lacks it."""
        number = self._numbers.get(name)
        if number is None:
            number = self._make_number(name)
            if name in self._result.metrics or name in self._result.inputs:
                # (only the model's figures are kept: a template may ask for any name)
                self._numbers[name] = number
        return number

    def _make_number(self, name: str) -> Number:
        result = self._result
        node = result.metrics.get(name) or result.inputs.get(name)
        if node is None:
            return Number(name, None, "number", meaning=f"{name} (not in the model)")
        registered = self._nodes.get(name)
        value_type = registered.value_type if registered is not None else "number"
        if value_type == "number" and isinstance(node.value, str):
            value_type = "text"
        importance = registered.importance if registered is not None else 0
        number = Number(name, node.value, node.dimension, value_type, node.meaning, importance,
                        node.kind, node.origin, node.confidence, node.note, tuple(node.sources),
                        explain=lambda: derivation(result, name))
        summary = self.summary(name) if value_type == "number" else None
        if summary is not None:
            number.interval = interval_text(summary.p5, summary.p95, node.dimension)
        return number

    def has(self, name: str) -> bool:
        return self.m(name).available

    def value(self, name: str) -> Any:
        return self.m(name).value

    def figures(self, *domains: str, min_importance: int = 1) -> list[Number]:
        """Available figures of the given domains, most important first (registry order)."""
        return [n for n in self._domain_numbers(domains, min_importance) if n.available]

    def missing(self, *domains: str, min_importance: int = 1) -> list[Number]:
        """Figures of the domains that are n/a for this scenario (inputs missing)."""
        return [n for n in self._domain_numbers(domains, min_importance) if not n.available]

    def _domain_numbers(self, domains: Iterable[str], min_importance: int) -> list[Number]:
        wanted = set(domains)
        picked = []
        for order, name in enumerate(self._nodes):
            node = self._nodes[name]
            if node.domain not in wanted or node.importance < min_importance:
                continue
            if node.value_type == "breakdown":
                continue
            picked.append((-node.importance, order, self.m(name)))
        return [number for _, _, number in sorted(picked, key=lambda item: item[:2])]

    def breakdown(self, name: str) -> list[tuple[str, Number]]:
        """The parts of a breakdown figure (power by source) as numbers of their own."""
        whole = self.m(name)
        if not isinstance(whole.value, dict):
            return []
        return [(str(label).replace("_", " "),
                 Number(f"{name}[{label}]", part, whole.dimension, meaning=whole.meaning,
                        explain=whole.derivation))
                for label, part in whole.value.items()]

    # ---------------------------------------------------------------------------- sections
    @cached_property
    def claims(self) -> list[ClaimView]:
        from scendsl.report.numbers import format_value, sig

        views = []
        chances = self._run.claims if self._run is not None else ()
        for index, claim in enumerate(self._result.claims):
            actual = self.m(claim.metric)
            dimension = actual.dimension
            margin = ""
            if claim.margin is not None:
                sign = "+" if claim.margin >= 0 else "−"
                margin = f"{sign}{sig(abs(claim.margin) * 100, 2)}%"
            tolerance = f"± {sig(claim.tolerance * 100, 2)}%" if claim.tolerance else ""
            chance = chances[index].probability if index < len(chances) else None
            views.append(ClaimView(claim.metric, _OPS.get(claim.op, claim.op),
                                   format_value(claim.expected, dimension), tolerance, actual,
                                   claim.holds, margin, claim.quote, claim.file, claim.line,
                                   f"holds in {share_text(chance)} of samples"
                                   if chance is not None else "", chance))
        return views

    @property
    def claims_held(self) -> int:
        return sum(1 for c in self.claims if c.holds is True)

    @property
    def claims_failed(self) -> int:
        return sum(1 for c in self.claims if c.holds is False)

    @property
    def first_failed(self) -> ClaimView | None:
        """The first claim that fails (the key findings quote it)."""
        return next((c for c in self.claims if c.holds is False), None)

    @property
    def claims_in_doubt(self) -> list[ClaimView]:
        """Under the ranges: claims other than the first failed one that fail at the centre or
        do not hold in every sample (the key findings give their probability)."""
        first = self.first_failed
        return [c for c in self.claims if c is not first and c.probability_value is not None
                and (c.holds is False or c.probability_value < 1)]

    @cached_property
    def assumptions(self) -> list[Number]:
        """Every input with a value: the scenario's own first, then catalog figures and defaults."""
        inputs = [self.m(name) for name in self._result.inputs]
        inputs = [n for n in inputs if n.available and not n.name.startswith("reference.")]
        return sorted(inputs, key=lambda n: not n.from_scenario)

    @cached_property
    def sources(self) -> list[SourceView]:
        """Where the inputs' values come from, with confidence codes, in first-use order.

        One row per source text; `confidence` lists the codes its figures carry ("A", "A, B").
        Sources a node declares for its method (not for a value) are listed by `methods`.
        """
        found: dict[str, SourceView] = {}
        if self.source:
            found[self.source] = SourceView(self.source, "", ["scenario"])
        for name, node in self._result.inputs.items():
            if node.value is None:
                continue
            registered = self._nodes.get(name)
            # An input's sources are its node's (methods) followed by its value's own source.
            declared = len(registered.sources) if registered is not None else 0
            for text in dict.fromkeys(node.sources[declared:]):
                view = found.setdefault(text, SourceView(text, "", []))
                codes = [c for c in view.confidence.split(", ") if c]
                if node.confidence and node.confidence not in codes:
                    view.confidence = ", ".join(codes + [node.confidence])
                if name not in view.used_by:
                    view.used_by.append(name)
        return list(found.values())

    @cached_property
    def methods(self) -> list[SourceView]:
        """Published formulas and papers the model's figures rest on, in registry order."""
        found: dict[str, SourceView] = {}
        for name, node in {**self._result.inputs, **self._result.metrics}.items():
            if node.value is None:
                continue
            registered = self._nodes.get(name)
            for text in (registered.sources if registered is not None else node.sources):
                found.setdefault(text, SourceView(text, "", [])).used_by.append(name)
        return list(found.values())

    @cached_property
    def references(self) -> list[ReferenceView]:
        from scendsl.model.evaluate import reference_names

        views = []
        for ref in reference_names(self._result.scenario, self._catalog):
            block = self._result.scenario.references.get(ref)
            entry = self._catalog.references.get(ref)
            title = block.title if block is not None else entry.title if entry else ref
            kind = "scenario file" if block is not None else entry.kind.replace("_", " ")
            source = (block.source if block is not None else entry.source) or ""
            confidence = ("" if block is not None else entry.confidence) or ""
            m = self.m
            views.append(ReferenceView(
                ref, title, kind, m(f"reference.{ref}.accelerator").text,
                m(f"reference.{ref}.count"), m(f"reference.{ref}.peak"),
                m(f"divide.{ref}.compute_ratio"), m(f"divide.{ref}.time_to_train"),
                m(f"divide.{ref}.capex_to_close"), m(f"divide.{ref}.power_to_close"),
                source, confidence))
        return views

    @property
    def peak(self) -> Number:
        """Peak compute at the training precision (what the compute divide compares)."""
        return self.m("cluster.peak") if self.has("cluster.peak") else self.m("cluster.peak_fp8")

    @property
    def input_names(self) -> list[str]:
        """Every input of the scenario, in the registry's order."""
        return list(self._result.inputs)

    @property
    def not_yet_shipping(self) -> bool:
        """The accelerator is not available in volume by the scenario's year
        (`export.launched` is false): the key findings say so first."""
        launched = self.value("export.launched")
        return launched is not None and not bool(launched)

    @cached_property
    def caveats(self) -> list[CaveatView]:
        """Extrapolated inputs of this scenario, then those of its sweeps' variants. A variant's
        row that repeats one of the scenario's (the same input, value and year used) is not
        listed again: its years without data are added to the scenario's row."""
        rows = extrapolated_inputs(self)
        by_key = {row.key: row for row in rows}
        for sweep in self.sweeps:
            for row in sweep.caveats:
                kept = by_key.get(row.key)
                if kept is None:
                    by_key[row.key] = row
                    rows.append(row)
                    continue
                kept.missing_years = sorted(set(kept.missing_years) | set(row.missing_years))
        return rows

    @property
    def top_risks(self) -> list[RiskView]:
        return sorted((r for r in self.risks if r.rating in ("high", "medium")),
                      key=lambda r: (r.rating != "high",))


#: Short names of the headline metrics (scendsl.model.uncertainty.HEADLINE_METRICS) for the
#: charts and the key findings; other metrics go by their meaning.
HEADLINE_LABELS = {
    "energy.facility_power": "Facility power",
    "energy.annual_emissions": "CO2 a year",
    "performance.training_time": "Training time",
    "reliability.training_time": "Training time with interruptions",
    "market.capex": "Accelerator capex",
    "cluster.peak_fp8": "FP8 peak",
}
#: Figures whose range the key findings give: those that vary, in this order, at most three.
FINDING_METRICS = ("energy.facility_power", "reliability.training_time", "market.capex",
                   "cluster.peak_fp8")


def interval_text(low: float, high: float, dimension: str) -> str:
    """A 90 % interval as people read it: `201–246 MW`, `30%–45%`, `999 MW – 1.2 GW`.

    Both ends are written by format_value; a unit the two ends share is written once. Empty
    when the two ends read the same (the figure does not visibly vary) or one is n/a.
    """
    from scendsl.report.numbers import format_value

    first, last = format_value(low, dimension), format_value(high, dimension)
    if first == last or "n/a" in (first, last):
        return ""
    if first.startswith(("−", "-")) or last.startswith(("−", "-")):
        return f"{first} to {last}"  # "−3–2 MW" would read as a subtraction
    head_first, _, unit_first = first.partition(" ")  # "475", "kt CO2"
    head_last, _, unit_last = last.partition(" ")
    if unit_first and unit_first == unit_last:
        return f"{head_first}–{head_last} {unit_first}"
    return f"{first} – {last}" if " " in first + last else f"{first}–{last}"


def share_text(share: float) -> str:
    """A share of the samples in whole percent; never 0% or 100% unless exactly so."""
    percent = share * 100
    if share <= 0 or share >= 1:
        return f"{percent:.0f}%"
    if percent < 1:
        return "under 1%"
    if percent > 99:
        return "over 99%"
    return f"{round(percent)}%"


@template_view()
@dataclass
class RangeView:
    """One range the analyst wrote, as the Monte Carlo draws it."""

    input: Number
    written: str
    law: str
    p5: Number
    p50: Number
    p95: Number
    #: Other inputs that pass on the same range (they move with this one).
    also: list[str]


@template_view()
@dataclass
class SpreadView:
    """A headline figure over the samples."""

    label: str
    figure: Number  # the scenario's value (every range at its centre), with its interval
    p5: Number
    p50: Number
    mean: Number
    p95: Number


@template_view()
@dataclass
class SwingView:
    """One range moved alone from its P5 to its P95, the others at their medians."""

    label: str  # the metric's short name
    metric: str
    input: str
    input_range: str  # "30% → 45%"
    baseline: Number  # every range at its median
    at_low: Number  # the metric with this input at its P5
    at_high: Number  # ... at its P95
    rank_correlation: str  # Spearman's, every input moving at once ("+0.98"; "–" when none)


@template_view()
class UncertaintyView:
    """A scenario's Monte Carlo run and sensitivity ranking, as figures for the templates.

    Everything here is computed by scendsl.model.uncertainty; this only picks and formats.
    """

    def __init__(self, view: ScenarioView, run: MonteCarloRun) -> None:
        from scendsl.model.uncertainty import HEADLINE_METRICS
        from scendsl.report.numbers import format_value, sig

        self.samples = f"{run.size:,}"
        self.seed = run.seed
        self.held = list(run.held)
        self.notes = list(run.notes)

        def figure(name: str, value: Any, dimension: str) -> Number:
            return Number(name, value, dimension)  # a percentile: no derivation to show

        self.ranges: list[RangeView] = []
        for law in run.laws:
            summary = view.summary(law.name)
            if summary is None or law.stream != law.name:
                continue  # an input that shares another's range is listed with it
            written = law.written
            fmt = lambda value: format_value(value, law.dimension)  # noqa: E731
            text = (f"{fmt(written.low)} to {fmt(written.high)}" if written.kind == "interval"
                    else f"{fmt(written.center)} ± {sig((written.rel or 0) * 100)}%")
            also = [other.name for other in run.laws
                    if other.stream == law.name and other.name != law.name]
            self.ranges.append(RangeView(
                view.m(law.name), text, "truncated normal" if law.truncated else law.family,
                figure(law.name, summary.p5, law.dimension),
                figure(law.name, summary.p50, law.dimension),
                figure(law.name, summary.p95, law.dimension), also))

        self.headline: list[SpreadView] = []
        for name in HEADLINE_METRICS:
            summary = view.summary(name)
            number = view.m(name)
            if summary is None or not number.interval:
                continue
            label = HEADLINE_LABELS.get(name, number.meaning)
            self.headline.append(SpreadView(
                label, number, figure(name, summary.p5, number.dimension),
                figure(name, summary.p50, number.dimension),
                figure(name, summary.mean, number.dimension),
                figure(name, summary.p95, number.dimension)))
        by_name = {spread.figure.name: spread for spread in self.headline}
        self.findings = [by_name[name] for name in FINDING_METRICS if name in by_name][:3]

        self.swings: list[SwingView] = []
        for metric in run.ranking.metrics:
            for swing in metric.swings:
                if not swing.swing or swing.metric_at_low is None or swing.metric_at_high is None:
                    continue
                rho = ("–" if swing.spearman is None
                       else f"{swing.spearman:+.2f}".replace("-", "−"))
                self.swings.append(SwingView(
                    HEADLINE_LABELS.get(metric.metric, metric.meaning), metric.metric,
                    swing.input,
                    f"{format_value(swing.input_low, swing.dimension)} → "
                    f"{format_value(swing.input_high, swing.dimension)}",
                    figure(metric.metric, metric.baseline, metric.dimension),
                    figure(metric.metric, swing.metric_at_low, metric.dimension),
                    figure(metric.metric, swing.metric_at_high, metric.dimension), rho))


@template_view()
@dataclass
class VariantView:
    name: str
    labels: dict[str, str]
    view: ScenarioView


@template_view()
class SweepView:
    """A sweep: its variants evaluated (up to MAX_SWEEP_VARIANTS) for a table and a chart."""

    def __init__(self, sweep, variants: list[VariantView], host_page: str) -> None:
        self.name = sweep.name
        self.base = sweep.base
        self.axes = [(axis.path, list(axis.labels)) for axis in sweep.axes]
        self.size = sweep.size
        self.size_text = f"{sweep.size:,}"
        self.variants = variants
        self.host_page = host_page
        #: Only some variants are in `variants` (evenly spaced; see sweep_rows).
        self.truncated = self.sampled = sweep.size > len(variants)
        self._sweep = sweep

    @property
    def axes_text(self) -> list[tuple[str, str]]:
        """Each axis and its values as a sentence shows them: all of them, or for a long axis
        the first three, an ellipsis, the last and how many (never a million labels)."""
        out = []
        for path, labels in self.axes:
            if len(labels) <= _AXIS_LABELS_LISTED:
                out.append((path, ", ".join(labels)))
            else:
                out.append((path, f"{', '.join(labels[:3])}, …, {labels[-1]} "
                                  f"({len(labels):,} values)"))
        return out

    @cached_property
    def summary(self) -> dict[str, dict[str, Number]]:
        """For a sampled sweep, SWEEP_SUMMARY_METRICS over every variant: {metric: {"min",
        "median", "max": Number}} (vectorised: a million variants take about a second)."""
        if not self.sampled:
            return {}
        from scendsl.model.registry import REGISTRY
        from scendsl.model.sweep import evaluate_sweep

        table = evaluate_sweep(self._sweep, nodes=list(SWEEP_SUMMARY_METRICS),
                               show_progress=False)
        out = {}
        for name, stats in table.summary().items():
            node = REGISTRY.nodes.get(name)
            dimension = node.dimension if node is not None else "number"
            out[name] = {key: Number(name, stats[field], dimension)
                         for key, field in (("min", "min"), ("median", "p50"), ("max", "max"))}
        return out

    @cached_property
    def caveats(self) -> list[CaveatView]:
        """Extrapolated inputs of the variants: one row per input, value and year used, with
        the sweep's points where it applies (an axis is named only if not all its values are)."""
        rows: dict[tuple[str, str, str], tuple[CaveatView, list[dict[str, str]]]] = {}
        for variant in self.variants:
            for row in extrapolated_inputs(variant.view):
                kept, points = rows.setdefault(row.key, (row, []))
                points.append(variant.labels)
                for year in row.missing_years:
                    if year not in kept.missing_years:
                        kept.missing_years.append(year)
        result = []
        for row, points in rows.values():
            row.sweep = self.name
            partial = []
            for path, labels in self._shown_labels:
                # Linear in labels + points (a large axis is not rescanned once per point).
                seen = {p.get(path) for p in points}
                if len(seen) < len(labels):
                    present = [label for label in labels if label in seen]
                    partial.append(f"{path} {', '.join(present)}")
            row.points = "; ".join(partial)
            row.missing_years.sort()
            result.append(row)
        return result

    @cached_property
    def _shown_labels(self) -> list[tuple[str, list[str]]]:
        """Each axis's labels among the variants shown, in order: all of a small sweep's (a
        caveat of a sampled sweep names only the points it was seen at among those)."""
        return [(path, list(dict.fromkeys(v.labels[path] for v in self.variants)))
                for path, _ in self.axes]

    @property
    def anchor(self) -> str:
        """Id of the sweep's heading ("## Sweep NAME"), as Markdown renderers slug it."""
        return f"sweep-{self.name.lower()}"

    @property
    def x_axis(self) -> str | None:
        """The axis plotted horizontally: `year` when swept, else the first numeric axis."""
        paths = [path for path, _ in self.axes]
        if "year" in paths:
            return "year"
        for path, _labels in self.axes:
            # The values plotted are those of the variants shown (all of a small sweep's).
            if all(_as_float(v.labels[path]) is not None for v in self.variants):
                return path
        return None

    def series(self, metric: str) -> list[tuple[str, list[tuple[float, Any]]]]:
        """One line per combination of the other axes: (x, value) points along `x_axis`."""
        x_axis = self.x_axis
        if x_axis is None:
            return []
        lines: dict[str, list[tuple[float, Any]]] = {}
        for variant in self.variants:
            others = [f"{path} {label}" for path, label in variant.labels.items() if path != x_axis]
            key = ", ".join(others) or self.name
            x = variant.view.year if x_axis == "year" else _as_float(variant.labels[x_axis])
            lines.setdefault(key, []).append((float(x), variant.view.value(metric)))
        return list(lines.items())


def sweep_rows(size: int, rows_left: int) -> list[int]:
    """Which variants of a sweep of `size` a briefing tabulates, with `rows_left` of the build's
    MAX_BUILD_SWEEP_ROWS: all of a small sweep; else evenly spaced ones, first and last."""
    if size <= min(MAX_SWEEP_VARIANTS, rows_left):
        return list(range(size))
    count = min(size, SWEEP_SAMPLE_ROWS if rows_left >= SWEEP_SAMPLE_ROWS else 3)
    if count < 2:
        return list(range(count))
    return sorted({round(i * (size - 1) / (count - 1)) for i in range(count)})


def _as_float(label: str) -> float | None:
    from scendsl.language.units import parse_number

    try:
        return parse_number(label).value
    except ValueError:
        return None


# ======================================================================================== build
def build(paths: list[str], out_dir: str, templates_dir: str | None = None,
          check: bool = False, samples: int = MONTE_CARLO_SAMPLES,
          seed: int | None = None) -> BuildReport:
    """Build every briefing of the scenarios under `paths` into `out_dir`.

    Scenarios with ranges get a Monte Carlo run of `samples` draws (0: none) with `seed`
    (None: the fixed default of scendsl.model.uncertainty, so a build is reproducible).
    Raises ScenarioError (scenario or template problems) before anything is written.
    With `check`, writes nothing and reports the files that differ from a fresh build.
    """
    timings: dict[str, float] = {}
    start = time.perf_counter()
    check_output_folder(out_dir, paths)
    files = render_files(paths, templates_dir, timings, samples=samples, seed=seed)
    report = BuildReport(out_dir=out_dir, files=list(files), timings=timings)
    started = time.perf_counter()
    if check:
        report.stale = out_of_date(files, Path(out_dir))
        report.exit_code = 1 if report.stale else 0
    else:
        report.written, report.removed = write_output(files, Path(out_dir))
    timings["write"] = time.perf_counter() - started
    timings["total"] = time.perf_counter() - start
    return report


def render_files(paths: list[str], templates_dir: str | None = None,
                 timings: dict[str, float] | None = None, samples: int = MONTE_CARLO_SAMPLES,
                 seed: int | None = None) -> dict[str, bytes]:
    """Every output file by name, rendered in memory (nothing touches the disk)."""
    with _cyclic_gc_paused():
        return _load_and_render(paths, templates_dir,
                                timings if timings is not None else {}, samples, seed)


@contextmanager
def _cyclic_gc_paused():
    """Python's cyclic garbage collector paused for the duration of a build, then restored.

    A build allocates much and keeps most of it until the end, and makes few reference cycles
    (about 2 MB for the sample scenarios); the ~300 collections it would trigger scan everything
    loaded and take about a tenth of the build's time. The forked worker inherits the pause.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _load_and_render(paths: list[str], templates_dir: str | None, timings: dict[str, float],
                     samples: int, seed: int | None) -> dict[str, bytes]:
    # The chart worker is forked first: it imports matplotlib (the slowest import of a build)
    # on the second core while this process imports the model, loads and evaluates.
    charts = chart_pool()
    pool = None
    try:
        clock = time.perf_counter()
        from scendsl.catalog import load_catalog
        from scendsl.language.resolve import load_paths
        from scendsl.model import evaluate  # noqa: F401  (before the fork: both processes need it)

        scenarios = load_paths(paths)
        catalog = load_catalog()
        timings["load"] = time.perf_counter() - clock
        pool = work_pool()  # forked now: it shares what is loaded (and the catalog's cache)
        return _render_files(scenarios, catalog, templates_dir, timings, pool, samples, seed,
                             charts)
    finally:
        for worker in (pool, charts):
            if worker is not None:
                worker.terminate()
                worker.join()


def _render_files(scenarios, catalog, templates_dir: str | None, timings: dict[str, float],
                  pool, samples: int, seed: int | None, chart_workers=None) -> dict[str, bytes]:
    from scendsl.model.evaluate import evaluate, nodes_for

    # The Monte Carlo runs in the worker while this process evaluates every scenario.
    plain = list(scenarios.scenarios)
    if samples > 0:  # here, not in the worker: refused before any work starts
        from scendsl.model.uncertainty import check_sample_budget

        check_sample_budget(plain, samples, catalog, together=False)
    runs: Any = (pool.apply_async(_worker_task, (("monte carlo", (plain, samples, seed)),))
                 if pool is not None and samples > 0 else None)

    clock = time.perf_counter()
    pages = _page_names([s.name for s in scenarios.scenarios])
    views: list[ScenarioView] = []
    for scenario in scenarios.scenarios:
        result = evaluate(scenario, catalog)
        nodes = {node.name: node for node, _ in nodes_for(scenario, catalog)}
        views.append(ScenarioView(result, catalog, pages[scenario.name], nodes))
    by_name = {view.name: view for view in views}
    sweeps: list[SweepView] = []
    rows_left = MAX_BUILD_SWEEP_ROWS
    for sweep in scenarios.sweeps:
        variants = []
        indices = sweep_rows(sweep.size, rows_left)
        rows_left = max(rows_left - len(indices), 0)
        for variant in map(sweep.variant_at, indices):
            result = evaluate(variant, catalog)
            nodes = {node.name: node for node, _ in nodes_for(variant, catalog)}
            variants.append(VariantView(variant.name, dict(variant.sweep_point),
                                        ScenarioView(result, catalog, "", nodes)))
        host = by_name.get(sweep.base)
        view = SweepView(sweep, variants, host.page if host is not None else "index")
        sweeps.append(view)
        if host is not None:
            host.sweeps.append(view)
    timings["evaluate"] = time.perf_counter() - clock

    clock = time.perf_counter()
    if runs is None:
        runs = monte_carlo_runs(plain, samples, seed)
        timings["monte carlo"] = time.perf_counter() - clock
    else:
        _prepare_rendering()  # while the worker finishes the Monte Carlo
        timings["preparing the templates"] = time.perf_counter() - clock
        clock = time.perf_counter()
        runs, timings["monte carlo (in the worker)"] = runs.get()
        timings["waiting for the monte carlo"] = time.perf_counter() - clock
    for view in views:  # before any figure of a view is read: figures take their intervals
        if view.name in runs:
            view.attach_run(runs[view.name])
    _attach_risks(views)

    return render_pages(views, sweeps, catalog, templates_dir, timings, pool, chart_workers)


def _prepare_rendering() -> None:
    """Import what rendering needs and read the risk rules: work that can overlap the wait
    for the worker's Monte Carlo (the same would otherwise be done a moment later)."""
    import jinja2.sandbox  # noqa: F401

    from scendsl.report.render import markdown_to_html
    from scendsl.report.risk import load_rules

    load_rules()
    markdown_to_html("")  # builds the Markdown converter of this process


@dataclass(frozen=True)
class MonteCarloRun:
    """What the briefings use of a Monte Carlo run (scendsl.model.uncertainty.Samples) and of
    its sensitivity ranking: plain data that a worker process can send back."""

    scenario: str
    size: int
    seed: int
    laws: tuple[Any, ...]  # InputLaw per uncertain input
    claims: tuple[Any, ...]  # ClaimProbability per claim, in the scenario's order
    held: tuple[str, ...]
    notes: tuple[str, ...]
    #: P5/P50/P95/mean (uncertainty.Summary) of every number node that moves with the ranges.
    summaries: dict[str, Any]
    ranking: Any  # uncertainty.Sensitivity of the headline metrics

    def varying(self) -> list[str]:
        return list(self.summaries)

    def summary(self, name: str) -> Any:
        return self.summaries.get(name)


def monte_carlo_runs(scenarios, samples: int = MONTE_CARLO_SAMPLES,
                     seed: int | None = None) -> dict[str, MonteCarloRun]:
    """Monte Carlo (`samples` draws, `seed` or the fixed default) and sensitivity of every
    scenario that carries ranges, by scenario name."""
    if samples <= 0:
        return {}
    from scendsl.catalog import load_catalog
    from scendsl.model.uncertainty import DEFAULT_SEED, has_uncertainty, sample, sensitivity

    catalog = load_catalog()
    runs = {}
    for scenario in scenarios:
        if not has_uncertainty(scenario):
            continue
        run = sample(scenario, samples, DEFAULT_SEED if seed is None else seed, catalog)
        if not run.laws:
            # has_uncertainty also counts a range in an accelerator block the scenario does
            # not use: no input is drawn, nothing varies.
            continue
        summaries = {name: run.summary(name) for name in run.varying()}
        runs[scenario.name] = MonteCarloRun(
            scenario.name, run.size, run.seed, run.laws, run.claims, run.held, run.notes,
            {name: summary for name, summary in summaries.items() if summary is not None},
            sensitivity(scenario, run, catalog=catalog))
    return runs


#: Names Windows reserves for devices, whatever the extension (`con.md` opens the console).
WINDOWS_RESERVED_STEMS = frozenset(
    ["con", "prn", "aux", "nul"] + [f"{port}{n}" for port in ("com", "lpt") for n in range(1, 10)])


def _page_names(names: list[str]) -> dict[str, str]:
    """File stem per scenario; names that clash with a topical page, with a name Windows
    reserves (`CON`, `nul`, `COM1`), or with each other on a case-insensitive file system, get a
    `scenario-` prefix or a number."""
    stems: dict[str, str] = {}
    taken = {page.casefold() for page in TOPICAL_PAGES} | WINDOWS_RESERVED_STEMS
    for name in names:
        stem = name if name.casefold() not in taken else f"scenario-{name}"
        number = 2
        while stem.casefold() in taken:
            stem, number = f"scenario-{name}-{number}", number + 1
        taken.add(stem.casefold())
        stems[name] = stem
    return stems


def _attach_risks(views: list[ScenarioView]) -> None:
    from scendsl.report.risk import assess, load_rules

    rules = load_rules()
    for view in views:
        for assessment in assess(view.value, rules):
            rule = assessment.rule
            # The value shown is that of the metric the deciding rule tests (the first, for a
            # rule on several); the risk's declared driver when no condition decided.
            driver = rule.when[0].metric if rule is not None and rule.when else (
                assessment.risk.driver)
            view.risks.append(RiskView(
                assessment.risk.key, assessment.risk.title, assessment.risk.concern,
                assessment.rating, view.m(driver),
                rule.describe() if rule else "", rule.reason if rule else "",
                rule.source if rule else "", rule.confidence if rule else "",
                list(assessment.caveats)))


# ---------------------------------------------------------------------------------- charts
class ChartRequests:
    """Charts templates ask for, as plain-data jobs; drawn after rendering.

    Deferring the drawing lets a second process draw while this one turns Markdown into HTML.
    A chart is keyed by its content, so pages that show the same data share one drawing (five
    Colossus2 variants with the same peak get the same chart against the references).
    """

    def __init__(self) -> None:
        self.jobs: dict[str, tuple[str, tuple[Any, ...]]] = {}
        self._taken = 0

    def take_new(self) -> list[tuple[str, tuple[str, tuple[Any, ...]]]]:
        """Jobs asked for since the last call, in order."""
        items = list(self.jobs.items())[self._taken:]
        self._taken = len(self.jobs)
        return items

    def _add(self, kind: str, function: str, *args: Any) -> str:
        import hashlib

        # repr of plain data (str, float, tuples, lists, dicts in insertion order) is stable.
        digest = hashlib.sha256(repr((function, args)).encode("utf-8")).hexdigest()[:12]
        key = f"{kind}-{digest}"
        self.jobs.setdefault(key, (function, args))
        return key

    def power_by_source(self, subject) -> str:
        views = subject if isinstance(subject, list) else [subject]
        rows = [(v.title, dict(v.value("energy.power_by_source") or {})) for v in views]
        return self._add("power", "power_by_source", rows)

    def compute(self, subject) -> str:
        """All scenarios (a list) by title, or one scenario as "This cluster", against the
        references."""
        views = subject if isinstance(subject, list) else [subject]
        single = not isinstance(subject, list)
        bars: list[tuple[str, float, bool]] = [
            ("This cluster" if single else v.title, v.peak.value, True)
            for v in views if v.peak.value is not None]
        seen: set[str] = set()
        for view in views:
            for ref in view.references:
                if ref.name not in seen and ref.peak.value is not None:
                    seen.add(ref.name)
                    bars.append((ref.title, ref.peak.value, False))
        return self._add("compute", "compute_bars", bars)

    def intervals(self, view: ScenarioView) -> str | None:
        """The headline figures' 90 % intervals around their medians."""
        spreads = view.uncertainty.headline if view.uncertainty is not None else []
        if not spreads:
            return None
        rows = [(spread.label, spread.p5.value, spread.p50.value, spread.p95.value,
                 spread.mean.value, spread.figure.dimension) for spread in spreads]
        title = (f"Headline figures over {view.uncertainty.samples} samples: "
                 "5th to 95th percentile around the median")
        return self._add("intervals", "intervals", rows, title)

    def tornado(self, view: ScenarioView) -> str | None:
        """Each range alone from its P5 to its P95: how far it moves each headline figure."""
        swings = view.uncertainty.swings if view.uncertainty is not None else []
        if not swings:
            return None
        rows = [(swing.label, swing.input, swing.baseline.value, swing.at_low.value,
                 swing.at_high.value, swing.baseline.dimension) for swing in swings]
        title = "What moves the headline figures: each range alone from its P5 to its P95"
        return self._add("tornado", "tornado", rows, title)

    def trajectory(self, sweep: SweepView, metric: str) -> str | None:
        if not sweep.variants:
            return None
        sample = sweep.variants[0].view.m(metric)
        title = f"{sample.meaning} — sweep {sweep.name}"
        return self._add("sweep", "trajectory", sweep.series(metric), sample.dimension,
                         sweep.x_axis or "", title)


@dataclass(frozen=True)
class ChartSlot:
    """A chart's place in a page, filled with its SVG once drawn."""

    key: str


def work_pool():
    """A worker process for the Monte Carlo and part of the Markdown → HTML work, or None.

    Used on Linux with two or more cores (fork keeps the start cheap and shares what this process
    has loaded); `SCENDSL_JOBS=1` turns it off. What the worker returns is byte-identical to what
    this process would make.
    """
    return _fork_pool()


def chart_pool():
    """A worker process that imports matplotlib at once and draws the charts later, or None.

    Forked at the start of a build, it spends the time this process loads and evaluates on the
    import; the charts are drawn while the templates render and the pages are converted.
    Same conditions as `work_pool`; the charts are byte-identical to ones drawn here.
    """
    from scendsl.report.charts import warm_up

    return _fork_pool(warm_up)


def _fork_pool(initializer=None):
    """A pool of one forked process (Linux, two or more cores, SCENDSL_JOBS not 1), or None."""
    import sys

    if os.environ.get("SCENDSL_JOBS") == "1" or not sys.platform.startswith("linux"):
        return None
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if (cores or 1) < 2:
        return None
    try:
        import multiprocessing

        with _sigint_ignored():  # inherited at the fork: no window before the initializer runs
            return multiprocessing.get_context("fork").Pool(1, initializer=_quiet_worker,
                                                            initargs=(initializer,))
    except (OSError, ValueError, ImportError):
        return None


@contextmanager
def _sigint_ignored():
    import signal

    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread: signals are not ours to change
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _quiet_worker(initializer=None) -> None:
    """Workers ignore Ctrl-C: the terminal sends SIGINT to the whole process group, and only the
    main process should answer it (one line, exit 130); it then terminates the workers."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if initializer is not None:
        initializer()


#: Rough cost of turning Markdown into HTML, in seconds per character (measured on the sample
#: scenarios; only the balance between the two processes depends on it).
_MARKDOWN_COST_PER_CHAR = 0.9e-6


def _worker_task(task: tuple[str, Any]) -> tuple[Any, float]:
    """One job of the worker process, with the seconds it took: the Monte Carlo runs, or one
    page's Markdown turned into HTML."""
    kind, payload = task
    started = time.perf_counter()
    if kind == "monte carlo":
        return monte_carlo_runs(*payload), time.perf_counter() - started
    from scendsl.report.render import html_body

    _yield_to_the_charts()
    return html_body(payload), time.perf_counter() - started


_yielded = False


def _yield_to_the_charts() -> None:
    """Lower the work worker's priority once its Monte Carlo is done (its first page): its pages
    are not needed before the charts are, and the charts are the build's longest chain of work,
    which should not share a core three ways. Measured: ~0.1 s less per build on two cores."""
    global _yielded
    if not _yielded:
        _yielded = True
        try:
            os.nice(10)
        except OSError:
            pass


class WorkSharing:
    """The pages' HTML conversion, shared with the worker as pages are rendered, and the charts.

    A page's Markdown goes to the worker while the worker's estimated backlog is no larger than
    this process's (which includes the time spent rendering templates, during which the worker
    is free), and is otherwise converted here after the last template. Each chart goes to the
    chart worker as soon as a template asks for it. Without workers everything is done here.
    """

    def __init__(self, pool, timings: dict[str, float], chart_workers=None) -> None:
        self.pool, self.timings, self.chart_workers = pool, timings, chart_workers
        self.charts: dict[str, Any] = {}  # key -> job (drawn here) or AsyncResult (worker)
        self.pages: list[Any] = []  # text (here) or AsyncResult (worker)
        self.worker_backlog = self.local_backlog = 0.0

    def chart(self, key: str, job: tuple[str, tuple[Any, ...]]) -> None:
        if key in self.charts:
            return
        if self.chart_workers is None:
            self.charts[key] = job
            return
        from scendsl.report.charts import draw

        self.charts[key] = self.chart_workers.apply_async(draw, (job,))

    def page(self, text: str, template_seconds: float) -> None:
        cost = len(text) * _MARKDOWN_COST_PER_CHAR
        if self.pool is not None and self.worker_backlog <= self.local_backlog + template_seconds:
            self.pages.append(self.pool.apply_async(_worker_task, (("page", text),)))
            self.worker_backlog += cost
        else:
            self.pages.append(text)
            self.local_backlog += cost

    def finish(self) -> tuple[dict[str, str | None], list[str]]:
        """Convert this process's pages, then collect the worker's pages and the charts (drawn
        here without a chart worker): (charts, page bodies)."""
        from scendsl.report.charts import draw
        from scendsl.report.render import html_body

        clock = time.perf_counter()
        bodies: list[Any] = [html_body(p) if isinstance(p, str) else p for p in self.pages]
        self.timings["markdown to html (here)"] = time.perf_counter() - clock
        clock = time.perf_counter()
        worker_seconds = 0.0
        for index, body in enumerate(bodies):
            if not isinstance(body, str):
                bodies[index], seconds = body.get()
                worker_seconds += seconds
        if self.pool is not None:
            self.timings["waiting for the worker"] = time.perf_counter() - clock
            self.timings["markdown to html (in the worker)"] = worker_seconds
        clock = time.perf_counter()
        drawn: dict[str, str | None] = {}
        chart_seconds = 0.0
        for key, job in self.charts.items():
            drawn[key], seconds = draw(job) if isinstance(job, tuple) else job.get()
            chart_seconds += seconds
        if self.chart_workers is None:
            self.timings["charts"] = time.perf_counter() - clock
        else:
            self.timings["waiting for the charts"] = time.perf_counter() - clock
            self.timings["charts (in the chart worker)"] = chart_seconds
        return drawn, bodies


def template_site(views: list[ScenarioView], sweeps: list[SweepView], catalog) -> dict[str, Any]:
    """What every page's template gets: registered views (`render.template_view`) and plain
    read-only data, never live models (their methods read files and unpickle)."""
    from scendsl.report.risk import load_rules

    return {
        "scenarios": views,
        "sweeps": sweeps,
        "risk_rules": load_rules(),
        "reference_catalog": read_only(catalog.references),
        "pages": (("index", "Index"), ("landscape", "Landscape"),
                  ("compute-divide", "Compute divide"), ("energy", "Energy"), ("risk", "Risk")),
    }


def chart_function(requests: ChartRequests, max_charts: int | None = None) -> Callable:
    """The templates' `chart(kind, subject, metric=None)`, asking `requests` for the drawing;
    at most `max_charts` different charts (each is drawn after the templates, outside their
    time budget)."""
    from jinja2 import pass_context
    from markupsafe import Markup

    @pass_context
    def chart(context, kind: str, subject, metric: str | None = None) -> Markup:
        """A chart: inline SVG in the HTML page, nothing in the Markdown file."""
        page: Page = context["page"]
        _check_chart_subject(kind, subject, metric)
        if kind == "power_by_source":
            key = requests.power_by_source(subject)
        elif kind == "compute":
            key = requests.compute(subject)
        elif kind == "trajectory" and metric is not None:
            key = requests.trajectory(subject, metric)
        elif kind == "intervals":
            key = requests.intervals(subject)
        elif kind == "tornado":
            key = requests.tornado(subject)
        else:
            raise ValueError(f"unknown chart '{kind}' (power_by_source, compute, trajectory "
                             "with a metric, intervals, tornado)")
        if max_charts is not None and len(requests.jobs) > max_charts:
            raise ValueError(f"more than {max_charts} different charts in the briefings")
        return page.token("", ChartSlot(key)) if key is not None else Markup("")

    return chart


def render_pages(views: list[ScenarioView], sweeps: list[SweepView], catalog,
                 templates_dir: str | None, timings: dict[str, float],
                 pool=None, chart_workers=None) -> dict[str, bytes]:
    """Render every page for both targets: templates, then charts and HTML conversion."""
    requests = ChartRequests()
    # The built-in briefings draw about four charts per scenario and one per sweep.
    chart = chart_function(requests, max_charts=20 + 10 * (len(views) + len(sweeps)))

    clock = time.perf_counter()
    try:
        renderer = Renderer(templates_dir, {"chart": chart})
    except TemplateProblem as problem:
        raise _as_scenario_error(problem) from None
    site = template_site(views, sweeps, catalog)
    jobs: list[tuple[str, str, str, dict[str, Any]]] = [
        ("index", "index.md.j2", "Briefings", {}),
        ("landscape", "landscape.md.j2", "Competitive landscape", {}),
        ("compute-divide", "compute-divide.md.j2", "The compute divide", {}),
        ("energy", "energy.md.j2", "Energy", {}),
        ("risk", "risk.md.j2", "Risk register", {}),
    ]
    jobs.extend((view.page, "scenario.md.j2", view.title, {"s": view}) for view in views)
    files: dict[str, bytes] = {}
    rendered = []
    sharing = WorkSharing(pool, timings, chart_workers)
    template_seconds = 0.0
    try:
        for name, template, title, extra in jobs:
            page = Page(name)
            started = time.perf_counter()
            text = renderer.render(template, page, dict(site, **extra))
            files[f"{name}.md"] = renderer.markdown_file(text, page).encode("utf-8")
            files[f"{name}.html"] = b""  # filled below; keeps the order md, html, md, html ...
            template_seconds += time.perf_counter() - started
            for key, job in requests.take_new():
                sharing.chart(key, job)
            sharing.page(text, template_seconds)
            rendered.append((name, title, page))
        timings["templates"] = time.perf_counter() - clock
        charts, bodies = sharing.finish()
        clock = time.perf_counter()
        for (name, title, page), body in zip(rendered, bodies):
            page.fragments = [(md, _chart_fragment(charts.get(form.key)))
                              if isinstance(form, ChartSlot) else (md, form)
                              for md, form in page.fragments]
            files[f"{name}.html"] = renderer.html_document(body, page, title).encode("utf-8")
        timings["html pages"] = time.perf_counter() - clock
    except TemplateProblem as problem:
        raise _as_scenario_error(problem) from None
    return files


def _check_chart_subject(kind: str, subject: Any, metric: Any) -> None:
    """A chart's subject must be what the build made for it: a template passes anything."""
    scenarios = (isinstance(subject, ScenarioView) or (
        isinstance(subject, list) and all(isinstance(v, ScenarioView) for v in subject)))
    wanted = {"power_by_source": ("a scenario or a list of scenarios", scenarios),
              "compute": ("a scenario or a list of scenarios", scenarios),
              "intervals": ("a scenario", isinstance(subject, ScenarioView)),
              "tornado": ("a scenario", isinstance(subject, ScenarioView)),
              "trajectory": ("a sweep and a metric name",
                             isinstance(subject, SweepView) and isinstance(metric, str))}
    if kind in wanted and not wanted[kind][1]:
        raise TypeError(f"chart '{kind}' takes {wanted[kind][0]}")
    if kind == "trajectory" and subject.variants:
        result = subject.variants[0].view._result
        if metric not in result.metrics and metric not in result.inputs:
            raise ValueError(f"chart 'trajectory': no figure '{metric}' in the model")


def _chart_fragment(svg: str | None) -> str:
    return f'<figure class="chart">{svg}</figure>' if svg else ""


def _as_scenario_error(problem: TemplateProblem) -> ScenarioError:
    """Template problems travel like scenario problems: located diagnostics, exit code 1."""
    span = Span(problem.file, problem.line or 1, 1) if problem.file else None
    hint = None
    if "SecurityError" in problem.message or "TemplateNotFound" in problem.message:
        hint = ("templates run in a sandbox: only the data passed to them and the template "
                "folders are reachable")
    sink = DiagnosticSink()
    sink.error(problem.message, span, hint)  # quotes the template line, like a scenario's
    return ScenarioError(sink.diagnostics)
