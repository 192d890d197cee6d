"""Figures, claims, sources, references, risks and caveats as templates see them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from scendsl.errors import Span
from scendsl.model.claims import REFERENCE_PLACEHOLDER
from scendsl.model.context import Extrapolated
from scendsl.model.registry import REGISTRY, template_of
from scendsl.report.sandbox import template_view

if TYPE_CHECKING:
    from scendsl.model.context import WrittenMoney
    from scendsl.model.evaluate import MetricResult, Result
    from scendsl.report.views.scenario import ScenarioView

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
FINDING_METRICS = (
    "energy.facility_power",
    "reliability.training_time",
    "market.capex",
    "cluster.peak_fp8",
)


def interval_text(
    low: float,
    high: float,
    dimension: str,
    local: WrittenMoney | None = None,
    written: WrittenMoney | None = None,
) -> str:
    """A 90 % interval as people read it: `201–246 MW`, `30%–45%`, `999 MW – 1.2 GW`; an
    amount of money with the same interval in the scenario's own currency (`local`) after it,
    as its value shows it: `$187–$344 k; 22.8–41.9 M BDT`. A price the scenario wrote per kWh
    (`written`) has its dollars per kWh too, as its value reads (`0.116–0.168 USD/kWh`).

    Both ends are written by format_value; a unit the two ends share is written once. Empty
    when the two ends read the same (the figure does not visibly vary) or one is n/a.
    """
    from scendsl.report.numbers import local_amount, usd_text

    first, last = usd_text(low, dimension, written), usd_text(high, dimension, written)
    if first == last or "n/a" in (first, last):
        return ""
    usd = _interval_of(first, last)
    if local is None:
        return usd
    local_low, local_high = (
        local_amount(low, dimension, local),
        local_amount(high, dimension, local),
    )
    if local_low is None or local_high is None or local_low == local_high:
        return usd
    return f"{usd}; {_interval_of(local_low, local_high)}"


def _interval_of(first: str, last: str) -> str:
    """Two ends written once each, a unit they share once."""
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


@template_view("html_cache")
class Number:
    """A figure as templates see it: `text` to print, `derivation()` for the HTML page."""

    def __init__(
        self,
        name: str,
        value: Any,
        dimension: str,
        value_type: str = "number",
        meaning: str = "",
        importance: int = 0,
        kind: str = "metric",
        origin: str | None = None,
        confidence: str | None = None,
        note: str | None = None,
        sources: tuple[str, ...] = (),
        explain: Callable[[], dict[str, Any] | None] | None = None,
        written: WrittenMoney | None = None,
        label: str | None = None,
        extrapolated: bool = False,
    ) -> None:
        from scendsl.report.numbers import figure_text

        self.name, self.value, self.dimension = name, value, dimension
        self.value_type, self.meaning, self.importance, self.kind = (
            value_type,
            meaning,
            importance,
            kind,
        )
        self.origin, self.confidence, self.note, self.sources = origin, confidence, note, sources
        #: The amount as the scenario wrote it, in another currency than USD (else None).
        self.written = written
        #: An input outside its data's years: another year's figure stands in.
        self.extrapolated = extrapolated
        # A key reads as its label, money written in another currency as written and in USD.
        self.text = figure_text(value, dimension, value_type, written, label)
        #: Labels ("W1") of the scenario's warnings that concern this figure.
        self.warnings: list[str] = []
        #: The 90 % interval over the Monte Carlo samples ("201–246 MW"), only for a number that
        #: moves with the scenario's ranges; "" otherwise.
        self.interval = ""
        #: What `interval` is: "" for the Monte Carlo's 90 % interval, "default_mfu" for the
        #: range from the default MFU's spread (the figure at its two ends).
        self.interval_kind = ""
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
        return Span.names_place(self.origin)

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
    #: Over the default MFU's spread: "holds over the default MFU's whole range", ... ("" when
    #: the scenario gives its MFU or the claim's figure does not move with it).
    spread_verdict: str = ""


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
    #: Its peak at the set's comparison precision (what compute_ratio divides by).
    comparison_peak: Number | None = None
    #: ISO 3166-1 code of the country it is in or serves ("" for a scenario file's block).
    region: str = ""
    #: The accelerators it would have to add to match the scenario's peak (0: it is larger),
    #: which says there is nothing to close when the cost cannot be priced.
    accelerators_to_close: Number | None = None

    @property
    def compute_share(self) -> str:
        """The scenario's peak as a share of this reference's ("4.21%"): for a reference larger
        than the scenario, "0.0421 times that of" reads as a figure without conveying one."""
        from scendsl.report.numbers import format_value

        return format_value(self.compute_ratio.value, "fraction")

    @property
    def the_title(self) -> str:
        """The title as a sentence names it: after "the" ("the JUPITER Booster ..."), unless it
        has a determiner of its own ("Mexico's national AI compute", "The Alps system")."""
        first = self.title.split(" ", 1)[0]
        if first.lower() in ("the", "a", "an") or first.endswith(("'s", "’s", "s'")):
            return self.title
        return f"the {self.title}"

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


@template_view()
@dataclass
class WarningView:
    """A located warning about the scenario (scendsl.report.warnings): shown in a list under
    the key findings, its `label` marks the rows of the figures it concerns."""

    label: str  # "W1", "W2", ... in the order of the rules
    id: str  # stable across versions: extrapolated-year:market.unit_price
    text: str
    hint: str
    metrics: list[str]
    file: str
    line: int


@template_view("merge")  # the build's, not a template's: it changes the row
@dataclass
class CaveatView:
    """An input whose value lies outside the data (its note says "extrapolated"): another
    year's figure stands in for the scenario's. The briefing lists them under the findings."""

    name: str  # the input; `reference.*.unit_price` for the same input of several references
    #: The input's meaning; a reference's input names the references as `{ref}` (`meaning`
    #: says which).
    node_meaning: str
    value: Number
    used_year: str  # the year whose figure was used ("" when the note does not say)
    missing_years: list[str]  # the years without a figure
    clause: str  # the note's own words about the extrapolation
    note: str  # the rest of the input's note (where the figure comes from), "" if none
    references: int = 0  # references sharing this row (0: not a reference's input)
    #: Their accelerators, as the reference table names them ("A100 80GB"), in order of first use.
    accelerators: list[str] = field(default_factory=list)
    sweep: str = ""  # for a sweep's variants: the sweep's name ...
    points: str = ""  # ... and its points where the figure is extrapolated ("year 2027, 2028")
    #: What the note says stands in, when it says more than another year's figure (the export
    #: status: "the rules and country groups as the catalog records them on ... are applied to
    #: ..."), "" otherwise.
    stand_in: str = ""

    @property
    def meaning(self) -> str:
        """The input's meaning; for references', which ones: "Price of one accelerator of the
        2 references on B200 in the scenario year"."""
        if not self.references:
            return self.node_meaning
        which = "the reference" if self.references == 1 else f"the {self.references} references"
        on = self.accelerators
        names = on[0] if len(on) < 2 else f"{', '.join(on[:-1])} and {on[-1]}"
        return self.node_meaning.replace(REFERENCE_PLACEHOLDER, f"{which} on {names}")

    def merge(self, other: CaveatView) -> None:
        """Take in `other`, a row of the same key (another reference's, variant's or sweep's):
        its years without a figure and its references' accelerators."""
        self.missing_years = sorted(set(self.missing_years) | set(other.missing_years))
        self.accelerators.extend(a for a in other.accelerators if a not in self.accelerators)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.name, self.stand_in or self.used_year or self.clause, self.value.text)

    @property
    def used(self) -> str:
        """What stands in for the missing figure: "the 2026 figure (there is none for 2028)";
        for a decision rather than a figure (the export status), the note's own words, and
        the years they stand in for when a sweep's variants of several years are one row."""
        if self.stand_in:
            if len(self.missing_years) < 2:
                return self.stand_in
            return f"{self.stand_in} (for {', '.join(self.missing_years)})"
        if not self.used_year:
            return self.clause
        return f"the {self.used_year} figure (there is none for {', '.join(self.missing_years)})"


def extrapolated_inputs(view: ScenarioView) -> list[CaveatView]:
    """The inputs of a scenario whose value is extrapolated, one row per input (the same input
    of every reference, with the same value, is one row)."""
    rows: dict[tuple[str, str, str], CaveatView] = {}
    for name in view.input_names:
        # Most inputs are not extrapolated, and need no figure made here (a sweep's variants
        # show a few figures of their ~150 inputs).
        extrapolated = view.input_extrapolated(name)
        if extrapolated is None:
            continue
        number = view.m(name)
        if not number.available:
            continue
        row = CaveatView(
            name,
            number.meaning,
            number,
            *_extrapolation(number.note, extrapolated),
            # What stands in when more than the figure as it is (the export status: "the
            # rules ... are applied to 1 July of the scenario's year, a rule made since is not").
            stand_in=extrapolated.carried or "",
        )
        template = template_of(name, REGISTRY.nodes)
        if template is not None and name.startswith("reference."):
            row.name = template.replace(REFERENCE_PLACEHOLDER, "*")
            # The registry's meaning names the reference as {ref}: the reference's own name may
            # be any word, so it is not looked for in the expanded text.
            row.node_meaning = REGISTRY.nodes[template].meaning
            row.accelerators.append(view.text(f"reference.{name.split('.')[1]}.accelerator"))
        kept = rows.setdefault(row.key, row)
        if kept is not row:
            kept.merge(row)
        kept.references += int(bool(row.accelerators))
    return list(rows.values())


def _extrapolation(note: str | None, extrapolated: Extrapolated) -> tuple[str, list[str], str, str]:
    """(year used, years missing, the clause, the rest of the note) of an extrapolated input:
    the rest is what its note says before the clause (where the figure comes from)."""
    clause = extrapolated.clause
    rest = (note or "").partition(clause)[0].strip(" ;,.")
    return (
        str(extrapolated.year_used),
        [str(extrapolated.year)],
        clause,
        rest[:1].upper() + rest[1:],
    )


class DerivationParts:
    """What the derivations of one result's figures share: each node's value as text, each
    input's entry (a leaf) and each metric's entry as the input of another. A node is shown in the derivations of many figures (a scenario's
    ~200 derivations name ~900 nodes, ~300 of them different); each is written once.

    The entries are shared between trees: templates cannot change them (the sandbox is
    immutable) and the HTML is written from them without changing them.
    """

    def __init__(self, result: Result) -> None:
        self.result = result
        self._texts: dict[str, str] = {}
        self._inputs: dict[str, dict[str, Any]] = {}
        self._metric_inputs: dict[str, dict[str, Any]] = {}

    def text(self, name: str) -> str:
        """The node's value as `explain` writes it."""
        text = self._texts.get(name)
        if text is None:
            from scendsl.report.explain import value_text

            text = self._texts[name] = value_text(self.result.node(name))
        return text

    def input_entry(self, name: str) -> dict[str, Any]:
        """An input's entry: its value and provenance (explain_tree of a leaf)."""
        entry = self._inputs.get(name)
        if entry is None:
            from scendsl.report.explain import explain_tree

            entry = self._inputs[name] = explain_tree(self.result, name)
        return entry

    def metric_input_entry(self, name: str) -> dict[str, Any]:
        """A metric's entry as the input of another: its own inputs by name and value only
        (a metric is an input of several others)."""
        entry = self._metric_inputs.get(name)
        if entry is None:
            node = self.result.node(name)
            entry = _metric_entry(self, name, node)
            entry["inputs"] = [
                {"name": grandchild, "value": self.text(grandchild)} for grandchild in node.inputs
            ]
            self._metric_inputs[name] = entry
        return entry


def _metric_entry(parts: DerivationParts, name: str, metric: MetricResult) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": name,
        "value": parts.text(name),
        "meaning": metric.meaning,
        "kind": metric.kind,
    }
    if metric.formula:
        entry["formula"] = metric.formula
    entry["sources"] = list(metric.sources)
    return entry


def derivation(result: Result, name: str, parts: DerivationParts | None = None) -> dict[str, Any]:
    """The derivation of `name` as far as a briefing shows it (render.derivation_html): the
    node, its inputs, and its inputs' own inputs by name and value only.

    The same entries as scendsl.report.explain.explain_tree, which walks the whole tree (the
    terminal's `explain` prints all of it): cut to these two levels, deriving every figure of
    a build takes a fraction of the time. `parts` (of the same result) shares the entries of
    nodes that several derivations show.
    """
    if parts is None or parts.result is not result:
        parts = DerivationParts(result)
    node = result.node(name)
    if node.kind == "input":
        return parts.input_entry(name)  # an input is a leaf: its value and provenance

    tree = _metric_entry(parts, name, node)
    tree["inputs"] = [
        parts.input_entry(child)
        if result.node(child).kind == "input"
        else parts.metric_input_entry(child)
        for child in node.inputs
    ]
    return tree
