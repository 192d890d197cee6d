"""How figures vary: a scenario's Monte Carlo ranges and a sweep's variants."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from scendsl.report.sandbox import template_view
from scendsl.report.views.figures import (
    FINDING_METRICS,
    HEADLINE_LABELS,
    CaveatView,
    Number,
    extrapolated_inputs,
)
from scendsl.report.views.scenario import MonteCarloRun, ScenarioView

if TYPE_CHECKING:
    from scendsl.model.context import WrittenMoney
    from scendsl.scenario import Sweep

#: Largest sweep drawn in a briefing; bigger sweeps get a summary (use `scendsl eval --sweeps`).
MAX_SWEEP_VARIANTS = 200
#: The figures a sweep's table may show, in order, with their column headings: those that differ
#: between its variants are shown (`SweepView.columns`), so a sweep over regions shows the energy
#: cost, emissions and export status that move, not the capex and power that do not.
SWEEP_COLUMNS = (
    ("market.capex", "Accelerator capex"),
    ("energy.facility_power", "Facility power"),
    ("energy.annual_cost", "Energy cost a year"),
    ("energy.annual_emissions", "CO2 a year"),
    ("reliability.training_time", "Training time with interruptions"),
    ("export.status", "Export status"),
    # A chip outside the US rules can still be one US guidance warns against dealing in
    # anywhere (Huawei's Ascend): a buyer comparing chips must see that beside the status.
    ("export.named_in_guidance", "Named in US guidance"),
)
#: The category and flag columns: not summarised, only told whether they differ over every
#: variant of a sampled sweep.
SWEEP_CATEGORY_COLUMNS = ("export.status", "export.named_in_guidance")
#: Flags said beside the table only when set: "named in US guidance: no" in every variant
#: tells a reader nothing the export status does not.
_FLAGS_SAID_WHEN_SET = ("export.named_in_guidance",)
#: The numeric ones, summarised over every variant of a sampled sweep (min, median, max),
#: evaluated vectorised.
SWEEP_SUMMARY_METRICS = tuple(
    name for name, _ in SWEEP_COLUMNS if name not in SWEEP_CATEGORY_COLUMNS
)
#: An axis with more values than this is described by its first and last values and a count.
_AXIS_LABELS_LISTED = 12


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
        from scendsl.report.numbers import (
            format_value,
            in_currency,
            in_local_currency,
            sig,
            usd_text,
        )

        self.samples = f"{run.size:,}"
        self.seed = run.seed
        self.held = list(run.held)
        self.notes = list(run.notes)

        def figure(
            name: str, value: Any, dimension: str, local: WrittenMoney | None = None
        ) -> Number:
            number = Number(name, value, dimension)  # a percentile: no derivation to show
            if local is not None:  # and in the currency the range was written in
                # A price written per kWh reads per kWh in dollars too, as its value does.
                number.text = in_local_currency(
                    usd_text(value, dimension, local), value, dimension, local
                )
            return number

        self.ranges: list[RangeView] = []
        for law in run.laws:
            summary = view.percentiles(law.name)
            if summary is None or law.stream != law.name:
                continue  # an input that shares another's range is listed with it
            written = law.written
            # A price written in another currency shows as written (`170 KRW/kWh to 210
            # KRW/kWh`), not as the dollars the model holds it in.
            money = view.m(law.name).written

            def fmt(
                value: float, dimension: str = law.dimension, money: WrittenMoney | None = money
            ) -> str:
                if money is not None:
                    return in_currency(value, money.unit, money.per_usd)
                return format_value(value, dimension)

            text = (
                f"{fmt(written.low)} to {fmt(written.high)}"
                if written.kind == "interval"
                else f"{fmt(written.center)} ± {sig((written.rel or 0) * 100)}%"
            )
            also = [
                other.name
                for other in run.laws
                if other.stream == law.name and other.name != law.name
            ]
            self.ranges.append(
                RangeView(
                    view.m(law.name),
                    text,
                    law.law_name,
                    figure(law.name, summary.p5, law.dimension, money),
                    figure(law.name, summary.p50, law.dimension, money),
                    figure(law.name, summary.p95, law.dimension, money),
                    also,
                )
            )

        self.headline: list[SpreadView] = []
        for name in HEADLINE_METRICS:
            summary = view.percentiles(name)
            number = view.m(name)
            if summary is None or not number.interval:
                continue
            label = HEADLINE_LABELS.get(name, number.meaning)
            self.headline.append(
                SpreadView(
                    label,
                    number,
                    view.number_at(name, summary.p5, number.dimension),
                    view.number_at(name, summary.p50, number.dimension),
                    view.number_at(name, summary.mean, number.dimension),
                    view.number_at(name, summary.p95, number.dimension),
                )
            )
        by_name = {spread.figure.name: spread for spread in self.headline}
        self.findings = [by_name[name] for name in FINDING_METRICS if name in by_name][:3]

        self.swings: list[SwingView] = []
        for metric in run.ranking.metrics:
            for swing in metric.swings:
                if not swing.swing or swing.metric_at_low is None or swing.metric_at_high is None:
                    continue
                rho = "–" if swing.spearman is None else f"{swing.spearman:+.2f}".replace("-", "−")
                self.swings.append(
                    SwingView(
                        HEADLINE_LABELS.get(metric.metric, metric.meaning),
                        metric.metric,
                        swing.input,
                        f"{format_value(swing.input_low, swing.dimension)} → "
                        f"{format_value(swing.input_high, swing.dimension)}",
                        view.number_at(metric.metric, metric.baseline, metric.dimension),
                        view.number_at(metric.metric, swing.metric_at_low, metric.dimension),
                        view.number_at(metric.metric, swing.metric_at_high, metric.dimension),
                        rho,
                    )
                )


#: The figures a briefing lists at both ends of the default MFU's spread (those that move).
DEFAULT_SPREAD_FIGURES = (
    "performance.mfu",
    "performance.training_time",
    "reliability.training_time",
    "reliability.accelerator_hours",
    "energy.training_energy",
    "energy.training_emissions",
    "energy.training_cost",
    "market.rental_cost",
)


@template_view()
@dataclass
class SpreadEndsView:
    """One figure at the default MFU spread's two ends."""

    label: str
    figure: Number  # the scenario's value (at the default), with its range
    at_low: Number  # with the default MFU at the spread's low end
    at_high: Number  # ... at its high end


@template_view()
class DefaultSpreadView:
    """A scenario without `cluster.mfu` evaluated at both ends of the default MFU's spread
    (scendsl.model.default_spread), as figures for the templates; this only picks and formats."""

    def __init__(self, view: ScenarioView, spread: Any) -> None:
        dimension = "fraction"
        self.input = view.m(spread.input)
        self.low = Number(spread.input, spread.low, dimension)
        self.high = Number(spread.input, spread.high, dimension)
        self.low_source = spread.low_source
        self.high_source = spread.high_source
        self.not_monotone = list(spread.not_monotone)
        self.rows: list[SpreadEndsView] = []
        for name in DEFAULT_SPREAD_FIGURES:
            ends = spread.range_of(name)
            number = view.m(name)
            if ends is None or not number.interval:
                continue
            self.rows.append(
                SpreadEndsView(
                    HEADLINE_LABELS.get(name, number.meaning),
                    number,
                    view.number_at(name, ends.at_low, number.dimension),
                    view.number_at(name, ends.at_high, number.dimension),
                )
            )


#: A sweep's text value as written (`"CA-QC"`) shows without the language's quotes when it is a
#: plain code or name; anything else keeps them, so no text changes what a table cell means.
_PLAIN_QUOTED = re.compile(r'"([A-Za-z0-9][A-Za-z0-9 ._-]*)"')


def shown_label(label: str) -> str:
    """A sweep axis label as a briefing shows it: `"CA-QC"` reads CA-QC; the quotes are the
    language's syntax, not part of the value."""
    plain = _PLAIN_QUOTED.fullmatch(label)
    return plain.group(1) if plain else label


def axis_number(label: str, value: Any) -> float | None:
    """A sweep axis value as a point on a chart's x axis: a number written plainly (`2027`,
    `100k`, `40%`), not one with a unit (`400 g/kWh`) or a name."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or label.split() != [label]:
        return None
    return float(value)


@template_view()
@dataclass
class VariantView:
    name: str
    labels: dict[str, str]
    view: ScenarioView
    #: The resolved value of each axis at this variant (SweepAxis.values), by path.
    values: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.labels = {path: shown_label(label) for path, label in self.labels.items()}


@template_view()
class SweepView:
    """A sweep: its variants evaluated (up to MAX_SWEEP_VARIANTS) for a table and a chart."""

    def __init__(self, sweep: Sweep, variants: list[VariantView], host_page: str) -> None:
        self.name = sweep.name
        self.base = sweep.base
        self.axes = [
            (axis.path, [shown_label(label) for label in axis.labels]) for axis in sweep.axes
        ]
        self.size = sweep.size
        self.size_text = f"{sweep.size:,}"
        self.variants = variants
        self.host_page = host_page
        #: Only some variants are in `variants` (evenly spaced; see sweep_rows).
        self.truncated = self.sampled = sweep.size > len(variants)
        self._sweep = sweep
        self._spreads: dict[str, dict[str, float | None]] = {}
        #: For a sampled sweep: whether each category column differs over every variant.
        self._varying: dict[str, bool] = {}

    def _differing(self, candidates: Any) -> list[tuple[str, str]]:
        """The (name, heading) of `candidates` whose figure differs between the variants shown
        (or, for a sampled sweep, over all of them, where the build attached that)."""
        varying = []
        for name, heading in candidates:
            shown = {variant.view.m(name).text for variant in self.variants}
            spread = self._spreads.get(name) or {}
            hidden = spread.get("min") != spread.get("max") or self._varying.get(name, False)
            if len(shown) > 1 or (self.sampled and hidden):
                varying.append((name, heading))
        return varying

    @cached_property
    def columns(self) -> list[tuple[str, str]]:
        """The SWEEP_COLUMNS whose figure differs between the variants shown (or, for a sampled
        sweep, over all of them); the first column alone when none does. The first column is
        also the trajectory chart's figure."""
        return self._differing(SWEEP_COLUMNS) or [SWEEP_COLUMNS[0]]

    @cached_property
    def claimed_columns(self) -> list[tuple[str, str]]:
        """The figures the base scenario's claims name, beyond SWEEP_COLUMNS and the axes, that
        differ between the variants shown (a regulator's `energy.households_equivalent` over
        PUE and utilisation), headed by their name: what the author asked of the scenario is
        what a sweep over its assumptions should show. A table of their own, so that the main
        one keeps to the page's width."""
        listed = {name for name, _ in SWEEP_COLUMNS} | {path for path, _ in self.axes}
        names = dict.fromkeys(c.metric for c in self._sweep.template.claims)
        return self._differing([(name, name) for name in names if name not in listed])

    @cached_property
    def columns_vary(self) -> bool:
        """Whether any of SWEEP_COLUMNS differs between the variants: when none does and the
        claims' figures do (a sweep over years moving only the national share), the table of
        SWEEP_COLUMNS repeats one figure in every row and is left out."""
        return bool(self._differing(SWEEP_COLUMNS))

    @cached_property
    def constant(self) -> list[tuple[str, Number]]:
        """The SWEEP_COLUMNS left out of the table because every variant has the same figure:
        (heading, the figure), said once beside the table (the first column too when it is
        the same everywhere: it stands in the table only so that the table has a column)."""
        shown = {name for name, _ in self.columns} if self.columns_vary else set()
        first = self.variants[0].view
        return [
            (heading, first.m(name))
            for name, heading in SWEEP_COLUMNS
            if name not in shown
            and first.m(name).available
            and (name not in _FLAGS_SAID_WHEN_SET or first.m(name).value)
        ]

    @property
    def axes_text(self) -> list[tuple[str, str]]:
        """Each axis and its values as a sentence shows them: all of them, or for a long axis
        the first three, an ellipsis, the last and how many (never a million labels)."""
        out = []
        for path, labels in self.axes:
            if len(labels) <= _AXIS_LABELS_LISTED:
                out.append((path, ", ".join(labels)))
            else:
                out.append(
                    (path, f"{', '.join(labels[:3])}, …, {labels[-1]} ({len(labels):,} values)")
                )
        return out

    def attach_spreads(
        self, spreads: dict[str, dict[str, float | None]], varying: dict[str, bool] | None = None
    ) -> None:
        """The min/P50/max of SWEEP_SUMMARY_METRICS over every variant, and whether each
        category column (the export status, whether US guidance names the chip) differs over them, computed by the evaluation stage
        (model.sweep.SweepTable): rendering never evaluates."""
        self._spreads = spreads
        self._varying = varying or {}

    @cached_property
    def across_variants(self) -> dict[str, dict[str, Number]]:
        """For a sampled sweep, SWEEP_SUMMARY_METRICS over every variant: {metric: {"min",
        "median", "max": Number}}, from the spreads the build attached (empty without them)."""
        if not self.sampled:
            return {}
        from scendsl.model.registry import REGISTRY

        out = {}
        for name, stats in self._spreads.items():
            node = REGISTRY.nodes.get(name)
            dimension = node.dimension if node is not None else "number"
            out[name] = {
                key: Number(name, stats[field], dimension)
                for key, field in (("min", "min"), ("median", "p50"), ("max", "max"))
            }
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
                if kept is not row:
                    kept.merge(row)
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
            result.append(row)
        return result

    @cached_property
    def _shown_labels(self) -> list[tuple[str, list[str]]]:
        """Each axis's labels among the variants shown, in order: all of a small sweep's (a
        caveat of a sampled sweep names only the points it was seen at among those)."""
        return [
            (path, list(dict.fromkeys(v.labels[path] for v in self.variants)))
            for path, _ in self.axes
        ]

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
            if all(
                axis_number(v.labels[path], v.values.get(path)) is not None for v in self.variants
            ):
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
            x = (
                variant.view.year
                if x_axis == "year"
                else axis_number(variant.labels[x_axis], variant.values.get(x_axis))
            )
            assert x is not None  # x_axis is numeric at every variant shown
            lines.setdefault(key, []).append((float(x), variant.view.value(metric)))
        return list(lines.items())
