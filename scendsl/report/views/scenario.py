"""One evaluated scenario for the templates: `ScenarioView`."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property
from typing import TYPE_CHECKING, Any

from scendsl.catalog.grid import (
    comparison_place,
    country_of,
    per_capita_electricity,
    reading_name_or_code,
    region_name,
)
from scendsl.report.numbers import figure_text, in_local_currency, local_money
from scendsl.report.sandbox import template_view
from scendsl.report.views.figures import (
    CaveatView,
    ClaimView,
    DerivationParts,
    Number,
    ReferenceView,
    RiskView,
    SourceView,
    WarningView,
    derivation,
    extrapolated_inputs,
    interval_text,
    share_text,
)
from scendsl.wording import and_list

if TYPE_CHECKING:
    from scendsl.catalog import Catalog
    from scendsl.model.context import Extrapolated, WrittenMoney
    from scendsl.model.default_spread import DefaultSpread
    from scendsl.model.evaluate import Result
    from scendsl.report.views.variation import DefaultSpreadView, SweepView, UncertaintyView

#: A Monte Carlo run as the application layer hands it over (scendsl.app.pipeline.MonteCarloRun:
#: `varying()`, `percentiles(name)`, `laws`, `claims`, ...); presentation does not import it.
MonteCarloRun = Any


def _spread_verdict(spread: Any) -> str:
    """How a claim fares over the default MFU's spread ("" when its figure does not move)."""
    return "" if spread is None else spread.verdict


def precision_label(precision: Any) -> str:
    """`bf16` → `dense BF16` (the language's default when the model has no value)."""
    return f"dense {str(precision or 'bf16').upper()}"


#: Claim operators as a reader writes them.
_OPS = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "==": "=", "!=": "≠", "~=": "≈"}


def _people_reading_name(region: str, year: int) -> str:
    """The reading name of the region whose per-person figure the model reads for `region`
    (grid.per_capita_electricity: the region's own, else its country's)."""
    used = per_capita_electricity(region, year).region_used or region
    return reading_name_or_code(used)


@template_view("attach_run", "attach_default_spread")
class ScenarioView:
    """One evaluated scenario for the templates."""

    def __init__(self, result: Result, catalog: Catalog, page: str, nodes: dict[str, Any]) -> None:
        self._result = result
        self._catalog = catalog
        self._nodes = nodes  # expanded registry nodes of this scenario, by name
        self._numbers: dict[str, Number] = {}
        self._derivation_parts = DerivationParts(result)
        scenario = result.scenario
        self.name = scenario.name
        self.page = page
        self.title = scenario.title
        self.operator = scenario.operator
        self.year = scenario.year
        self.region = scenario.region
        #: The region's ISO 3166 name ("France", "Korea, Republic of"), the code itself when unknown.
        self.region_name = region_name(scenario.region) or scenario.region
        #: The region's name as a sentence uses it ("people in the United States", "in South
        #: Korea"), the code itself when unknown.
        self.region_reading_name = reading_name_or_code(scenario.region)
        #: Whose people energy.people_equivalent counts, as a sentence names them: the region's,
        #: or its country's when a subdivision has no per-person figure of its own (a site in a
        #: state is then compared with people of the state's country, and says so).
        self.people_reading_name = _people_reading_name(scenario.region, scenario.year)
        #: The country whose electricity demand energy.national_share divides by, as a sentence
        #: names it ("Kenya", "the United States": a subdivision's country).
        country = country_of(scenario.region)
        self.country_reading_name = reading_name_or_code(country)
        #: Which year's demand the share is of, as the sentence after "of demand in" says it:
        #: "2023"; a year past the data "2027, the 2023 figure carried at the country's 2019-2023
        #: average change, +3.9 % a year" (energy.national_demand carries it so).
        self.national_demand_when = _figure_when(result, "energy.national_demand")
        #: Which year's national emissions energy.national_emissions_share is of, said the same
        #: way: "2018, the latest year in the data" for a later scenario.
        self.national_emissions_when = _figure_when(result, "energy.national_emissions")
        #: The mix's sources whose output follows the weather or the sun (catalog energy.toml
        #: `variable`), as the supply table names them: their shares are of the year's
        #: electricity, and the briefing says what covers the other hours.
        sources = catalog.energy_sources
        named: dict[bool, list[str]] = {True: [], False: []}  # by whether the source is variable
        supplies_while: list[str] = []
        for part in scenario.energy.mix:
            if part.share > 0 and part.source in sources:
                variable = sources[part.source].variable
                named[variable is not None].append(part.source.replace("_", " "))
                if variable is not None and variable not in supplies_while:
                    supplies_while.append(variable)
        self.variable_sources = named[True]
        self.variable_sources_named = and_list(named[True])
        #: When the variable sources supply, as the sentence after "only while" says it ("the
        #: sun shines or the wind blows"), from each source's catalog entry.
        self.variable_supplies_while = and_list(supplies_while, conjunction="or")
        #: The mix's other sources, which cover the hours the variable ones do not, as a
        #: sentence names them ("stranded gas and grid"; empty when there are none).
        self.firm_sources = and_list(named[False])
        #: What leaves the off-site water uncounted, as the sentence after "no water figure
        #: for" names it: the mix's sources without one ("diesel"), and a grid whose generation
        #: mix the catalog lacks. The Lusaka trial's drought mix (hydro, coal, diesel) was told
        #: "a region's grid among them", of a mix with no grid in it.
        self.water_unknown_sources = and_list(_water_unknown(result, self.country_reading_name))
        self.source = scenario.source
        self.context = scenario.context
        self.file = scenario.span.file
        self.line = scenario.span.line
        #: The scenario's block as written in its file (set by the build; None if unknown).
        self.source_text: str | None = None
        self.extends = list(scenario.extends)
        self.accelerator = scenario.cluster.accelerator
        self.sweeps: list[SweepView] = []
        self.risks: list[RiskView] = []
        #: Risk rules written for the region's jurisdiction (pages.attach_risks), in force or not.
        self.jurisdiction_rules: list[dict[str, Any]] = []
        #: The Monte Carlo run over the scenario's ranges (None without ranges).
        self.uncertainty: UncertaintyView | None = None
        self._run: MonteCarloRun | None = None
        self._varying: frozenset[str] = frozenset()
        self._laws: dict[str, Any] = {}
        #: The figures at both ends of the default MFU's spread (None when the scenario gives
        #: its own cluster.mfu).
        self.default_spread: DefaultSpreadView | None = None
        self._spread: DefaultSpread | None = None

    def attach_run(self, run: MonteCarloRun) -> None:
        """Give the figures their 90 % intervals and the briefing its uncertainty section.

        Must come before any figure is read (figures are made once and kept).
        """
        self._run = run
        self._varying = frozenset(run.varying())
        self._laws = {law.name: law for law in run.laws}
        self._numbers.clear()
        from scendsl.report.views.variation import UncertaintyView

        self.uncertainty = UncertaintyView(self, run)

    def attach_default_spread(self, spread: DefaultSpread | None) -> None:
        """Give the figures that move with the default MFU its spread's range (a figure that
        also moves with the scenario's own ranges keeps its Monte Carlo interval), and the
        briefing its default-MFU section. Must come before any figure is read."""
        if spread is None:
            return
        self._spread = spread
        self._numbers.clear()
        from scendsl.report.views.variation import DefaultSpreadView

        self.default_spread = DefaultSpreadView(self, spread)

    def percentiles(self, name: str) -> Any:
        """P5/P50/P95/mean of a figure that moves with the ranges; None for any other.

        An input drawn from a range gives its law's exact percentiles (the range as written:
        `30% to 45%` is P5 30%, P95 45%), every other figure those of its samples.
        """
        if self._run is None or name not in self._varying:
            return None
        summary = self._run.percentiles(name)
        law = self._laws.get(name)
        if law is None or summary is None:
            return summary
        from dataclasses import replace

        return replace(
            summary, p5=law.quantile(0.05), p50=law.quantile(0.5), p95=law.quantile(0.95)
        )

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
        result, parts = self._result, self._derivation_parts
        node = result.find(name)
        if node is None:
            return Number(name, None, "number", meaning=f"{name} (not in the model)")
        registered = self._nodes.get(name)
        value_type = registered.value_type if registered is not None else "number"
        if value_type == "number" and isinstance(node.value, str):
            value_type = "text"
        importance = registered.importance if registered is not None else 0
        number = Number(
            name,
            node.value,
            node.dimension,
            value_type,
            node.meaning,
            importance,
            node.kind,
            node.origin,
            node.confidence,
            node.note,
            tuple(node.sources),
            explain=lambda: derivation(result, name, parts),
            written=node.written,
            label=node.label,
            extrapolated=node.extrapolated is not None,
        )
        local = self.local_money
        if local is not None and node.written is None and isinstance(node.value, (int, float)):
            number.text = in_local_currency(number.text, node.value, node.dimension, local)
        number.warnings = [w.label for w in self.warnings if name in w.metrics]
        summary = self.percentiles(name) if value_type == "number" else None
        if summary is not None:
            number.interval = interval_text(
                summary.p5, summary.p95, node.dimension, local, node.written
            )
        elif self._spread is not None and value_type == "number":
            spread = self._spread.range_of(name)
            if spread is not None:
                number.interval = interval_text(
                    spread.low, spread.high, node.dimension, local, node.written
                )
                number.interval_kind = "default_mfu" if number.interval else ""
        return number

    @cached_property
    def local_money(self) -> WrittenMoney | None:
        """The currency the analyst wrote the scenario's prices in, when not USD (with the rate
        it was converted at; `numbers.local_money` says which of several). The briefing shows
        each amount in it too."""
        found = local_money(self._result.inputs, self._result.claims)
        return found[1] if found is not None else None

    def number_at(self, name: str, value: Any, dimension: str) -> Number:
        """The figure `name` at another value than its own (a percentile, an end of the default
        MFU's spread), with no derivation to show: an amount of money in the scenario's own
        currency too, as its value shows it (`$344 k (41.9 M BDT)`)."""
        number = Number(name, value, dimension)
        if self.local_money is not None and isinstance(value, (int, float)):
            number.text = in_local_currency(number.text, value, dimension, self.local_money)
        return number

    def text(self, name: str) -> str:
        """The figure's value as people read it, as `m(name).text` gives it, without making the
        figure (its derivation, warnings and range)."""
        return self._derivation_parts.text(name)

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
        picked = [
            (-importance, order, name)
            for domain in dict.fromkeys(domains)
            for importance, order, name in self._nodes_by_domain.get(domain, ())
            if importance >= min_importance
        ]
        return [self.m(name) for _, _, name in sorted(picked)]

    @cached_property
    def _nodes_by_domain(self) -> dict[str, list[tuple[int, int, str]]]:
        """(importance, registry order, name) of the nodes of each domain but breakdowns: a
        page asks for the figures of a few domains at a time, seven times."""
        by_domain: dict[str, list[tuple[int, int, str]]] = {}
        for order, (name, node) in enumerate(self._nodes.items()):
            if node.value_type != "breakdown":
                by_domain.setdefault(node.domain, []).append((node.importance, order, name))
        return by_domain

    def breakdown(self, name: str) -> list[tuple[str, Number]]:
        """The parts of a breakdown figure (power by source) as numbers of their own."""
        whole = self.m(name)
        if not isinstance(whole.value, dict):
            return []
        return [
            (
                str(label).replace("_", " "),
                Number(
                    f"{name}[{label}]",
                    part,
                    whole.dimension,
                    meaning=whole.meaning,
                    explain=whole.derivation,
                ),
            )
            for label, part in whole.value.items()
        ]

    # ---------------------------------------------------------------------------- sections
    @cached_property
    def claims(self) -> list[ClaimView]:
        from scendsl.report.numbers import sig

        views = []
        chances = self._run.claims if self._run is not None else ()
        ends = self._spread.claims if self._spread is not None else ()
        for index, claim in enumerate(self._result.claims):
            actual = self.m(claim.metric)
            dimension = actual.dimension
            margin = ""
            if claim.margin is not None:
                sign = "+" if claim.margin >= 0 else "−"
                margin = f"{sign}{sig(abs(claim.margin) * 100, 2)}%"
            tolerance = f"± {sig(claim.tolerance * 100, 2)}%" if claim.tolerance else ""
            chance = chances[index].probability if index < len(chances) else None
            expected = figure_text(
                claim.expected, dimension, written=claim.written, label=claim.expected_label
            )
            views.append(
                ClaimView(
                    claim.metric,
                    _OPS.get(claim.op, claim.op),
                    expected,
                    tolerance,
                    actual,
                    claim.holds,
                    margin,
                    claim.quote,
                    claim.file,
                    claim.line,
                    f"holds in {share_text(chance)} of samples" if chance is not None else "",
                    chance,
                    _spread_verdict(ends[index] if index < len(ends) else None),
                )
            )
        return views

    @property
    def claims_over_spread(self) -> list[ClaimView]:
        """Claims on a figure that moves with the default MFU that do not hold over its whole
        range (the key findings name them)."""
        return [c for c in self.claims if c.spread_verdict and "whole" not in c.spread_verdict]

    @property
    def claims_held(self) -> int:
        return sum(1 for c in self.claims if c.holds is True)

    @property
    def claims_failed(self) -> int:
        return sum(1 for c in self.claims if c.holds is False)

    @property
    def claims_undecided(self) -> list[str]:
        """The metrics of the claims that cannot be decided, their figure being n/a (each once),
        which the key findings name beside the claims that hold and fail."""
        return list(dict.fromkeys(c.metric for c in self.claims if c.holds is None))

    @property
    def first_failed(self) -> ClaimView | None:
        """The first claim that fails (the key findings quote it)."""
        return next((c for c in self.claims if c.holds is False), None)

    @property
    def claims_in_doubt(self) -> list[ClaimView]:
        """Under the ranges: claims other than the first failed one that fail at the centre or
        do not hold in every sample (the key findings give their probability)."""
        first = self.first_failed
        return [
            c
            for c in self.claims
            if c is not first
            and c.probability_value is not None
            and (c.holds is False or c.probability_value < 1)
        ]

    @cached_property
    def assumptions(self) -> list[Number]:
        """Every input with a value: the scenario's own first, then catalog figures and defaults
        (not the inputs that only say where another comes from, `Node.provenance`)."""
        shown = [
            name
            for name in self._result.inputs
            if not getattr(self._nodes.get(name), "provenance", False)
        ]
        inputs = [self.m(name) for name in shown]
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
                    view.confidence = ", ".join([*codes, node.confidence])
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
            for text in registered.sources if registered is not None else node.sources:
                found.setdefault(text, SourceView(text, "", [])).used_by.append(name)
        return list(found.values())

    @cached_property
    def references(self) -> list[ReferenceView]:
        from scendsl.model.evaluate import reference_names

        views = []
        for ref in reference_names(self._result.scenario, self._catalog):
            block = self._result.scenario.references.get(ref)
            entry = self._catalog.references.get(ref)
            region = ""
            if block is not None:
                title, kind, source, confidence = block.title, "scenario file", block.source, ""
                kind = (block.kind or kind).replace("_", " ")
                region = block.region or ""
            else:
                assert entry is not None  # reference_names names only references it knows
                title, kind = entry.title, entry.kind.replace("_", " ")
                source, confidence, region = entry.source, entry.confidence, entry.region
            source, confidence = source or "", confidence or ""
            m = self.m
            views.append(
                ReferenceView(
                    ref,
                    title,
                    kind,
                    m(f"reference.{ref}.accelerator").text,
                    m(f"reference.{ref}.count"),
                    m(f"reference.{ref}.peak"),
                    m(f"divide.{ref}.compute_ratio"),
                    m(f"divide.{ref}.time_to_train"),
                    m(f"divide.{ref}.capex_to_close"),
                    m(f"divide.{ref}.power_to_close"),
                    source,
                    confidence,
                    m(f"reference.{ref}.comparison_peak"),
                    region,
                    m(f"divide.{ref}.accelerators_to_close"),
                )
            )
        return views

    @cached_property
    def headline_reference(self) -> ReferenceView | None:
        """The reference a key finding compares the scenario with (`divide.public_resource`):
        the one its `compare_with` names, else its own country's largest national research
        resource (a Japanese site beside ABCI, a US one beside the NAIRR pilot), else the
        largest."""
        chosen = self._result.value("divide.public_resource")
        return next((r for r in self.references if r.name == chosen), None)

    @property
    def headline_reference_elsewhere(self) -> str:
        """The scenario's country, as running text names it, when the resource it is compared
        with is another country's (there is none of its own: the largest stands in); empty when
        it is its own country's, or the one the scenario chose (`compare_with`)."""
        compared = self.headline_reference
        if self._result.scenario.compare_with is not None:
            return ""
        country = country_of(self._result.scenario.region)
        if compared is None or not compared.region or country_of(compared.region) == country:
            return ""
        return reading_name_or_code(country)

    @property
    def headline_reference_asked(self) -> str:
        """What the scenario's `compare_with` asked for when it names a country or a group of
        countries, not a reference: "the largest national research resource of the EU"; empty
        otherwise."""
        chosen = self._result.scenario.compare_with
        compared = self.headline_reference
        if chosen is None or compared is None or chosen == compared.name:
            return ""
        return f"the largest national research resource of {comparison_place(chosen)}"

    @property
    def peak(self) -> Number:
        """Peak compute at the training precision (what the compute divide compares)."""
        return self.m("cluster.peak") if self.has("cluster.peak") else self.m("cluster.peak_fp8")

    @property
    def comparison_peak(self) -> Number:
        """Peak compute at the set's comparison precision (`divide.peak`): what the landscape
        and the compute divide put beside other scenarios and the references."""
        return self.m("divide.peak")

    @property
    def comparison_precision(self) -> str:
        """The comparison precision as a reader writes it: `dense BF16`."""
        return precision_label(self.value("divide.precision"))

    @property
    def input_names(self) -> list[str]:
        """Every input of the scenario, in the registry's order."""
        return list(self._result.inputs)

    def input_extrapolated(self, name: str) -> Extrapolated | None:
        """Which year's figure stands in for input `name`'s, None when its own year's is used:
        the same as the result's, without making the figure."""
        node = self._result.inputs.get(name)
        return node.extrapolated if node is not None else None

    @property
    def not_yet_shipping(self) -> bool:
        """The accelerator is not available in volume by the scenario's year
        (`export.launched` is false): the key findings say so first."""
        launched = self.value("export.launched")
        return launched is not None and not bool(launched)

    @property
    def training_flops_from(self) -> str:
        """What the run's model FLOPs were read from, as workload.training_flops takes them:
        "given" (the run's published total), "shape" (the model's shape and its tokens), else
        "duration" (the cluster's useful rate over the run's given time). The key findings
        speak of the run in those terms."""
        if self.has("workload.training_flops_given"):
            return "given"
        if self.has("workload.parameters") and self.has("workload.tokens"):
            return "shape"
        return "duration"

    @cached_property
    def warnings(self) -> list[WarningView]:
        """The scenario's located warnings (catalog warnings.toml), labelled W1, W2, ..."""
        from scendsl.report.warnings import scenario_warnings

        return [
            WarningView(
                f"W{index}",
                w.id,
                w.text,
                w.hint,
                list(w.metrics),
                w.span.file if w.span else self.file,
                w.span.line if w.span else self.line,
            )
            for index, w in enumerate(scenario_warnings(self._result), start=1)
        ]

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
                kept.merge(row)
        return rows

    @property
    def top_risks(self) -> list[RiskView]:
        return sorted(
            (r for r in self.risks if r.rating in ("high", "medium")),
            key=lambda r: (r.rating != "high",),
        )


def _figure_when(result: Result, name: str) -> str:
    """The year a national figure (`name`: energy.national_demand, energy.national_emissions)
    is of, and how it was found when the data has no figure for the scenario's year, as its
    `extrapolated` says: the year itself, "2027, the 2023 figure carried at ..." past the
    data, else the year whose figure stands in."""
    year = result.scenario.year
    found = result.inputs.get(name)
    extrapolated = found.extrapolated if found is not None else None
    if extrapolated is None:
        return str(year)
    if extrapolated.carried:
        return f"{year}, {extrapolated.carried}"
    used = extrapolated.year_used
    return f"{used}, the {'latest' if used < year else 'earliest'} year in the data"


def _water_unknown(result: Result, country: str) -> list[str]:
    """The supply's parts without a water figure (the model's `missing` of
    energy.supply_water), each as a sentence names it (`country`: the grid's, as read)."""
    node = result.inputs.get("energy.supply_water")
    return [
        f"the grid of {country}, whose generation shares by fuel the catalog does not hold"
        if part.region is not None
        else part.source.replace("_", " ")
        for part in (node.missing if node is not None else ())
    ]
