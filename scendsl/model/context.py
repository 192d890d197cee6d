"""Where input nodes look things up: the scenario, its accelerator, the catalog.

Each lookup returns a `Found`: the value and its provenance (a scenario line, a catalog figure
with its source and confidence, or a labelled default), which `explain` shows down to the leaves.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from scendsl.catalog import Catalog, Figure
from scendsl.catalog.choices import default_choices
from scendsl.catalog.currency import ExchangeRate, exchange_rate
from scendsl.language.derived import derivations, derive
from scendsl.language.units import UNITS
from scendsl.model.layout import Layout, choose
from scendsl.scenario import Scenario, Uncertain


# Read-only by convention, as MetricResult: `from_figure` shares one Found per catalog figure
# between evaluations, so nothing may change one. Not `frozen`: an evaluation makes a hundred,
# and setting frozen fields (through `object.__setattr__`) cost a tenth of it.
@dataclass(slots=True, unsafe_hash=True)
class Found:
    """An input's value and where it came from."""

    value: Any
    origin: str
    source: str | None = None
    confidence: str | None = None
    note: str | None = None
    #: The analyst's range, when the value is uncertain (sampled by the uncertainty stage).
    distribution: Uncertain | None = None


#: (id of a range written in another currency, its currency, scenario year) -> (the range, the
#: range in USD): a range is converted once per rate, so every node reading it holds the same
#: object and the uncertainty stage draws it once (it matches ranges by identity).
_IN_USD: dict[tuple[int, str, int], tuple[Uncertain, Uncertain]] = {}


def in_usd(value: Any, rate: ExchangeRate, year: int) -> Any:
    """`value` (a number or a range in `rate`'s currency) in US dollars."""
    if not isinstance(value, Uncertain):
        return rate.to_usd(value)
    key = (id(value), rate.currency, year)
    hit = _IN_USD.get(key)
    if hit is not None and hit[0] is value:
        return hit[1]
    if len(_IN_USD) > 10_000:  # a long-running server: keep it small
        _IN_USD.clear()
    converted = value.model_copy(
        update={
            "low": rate.to_usd(value.low),
            "high": rate.to_usd(value.high),
            "center": rate.to_usd(value.center),
        }
    )
    _IN_USD[key] = (value, converted)
    return converted


def written_amount(value: Any, unit: str) -> str:
    """An amount held in a currency's SI unit (per joule, per second) as written: `0.25 EUR/kWh`,
    `0.2 to 0.3 EUR/kWh`, `30,000 EUR ± 10%`."""
    per = unit.partition("/")[2]
    factor = UNITS["USD/" + per if per else "USD"].factor

    def amount(number: float) -> str:
        return f"{number / factor:,.6g}"

    if not isinstance(value, Uncertain):
        return f"{amount(value)} {unit}"
    if value.kind == "relative" and value.rel is not None:
        return f"{amount(value.center)} {unit} ± {value.rel * 100:g}%"
    return f"{amount(value.low)} to {amount(value.high)} {unit}"


def converted_range(value: Uncertain, currency: str, year: int) -> Uncertain | None:
    """The USD range an evaluation made of `value` (written in `currency`), if it made one."""
    hit = _IN_USD.get((id(value), currency, year))
    return hit[1] if hit is not None and hit[0] is value else None


def _from_value(value: Any, origin: str, **extra: Any) -> Found:
    if isinstance(value, Uncertain):
        return Found(value.center, origin, distribution=value, **extra)
    return Found(value, origin, **extra)


#: (figure id, origin, note) -> (figure, its Found): an evaluation reads a hundred catalog
#: figures, the same ones for every scenario. The entry holds the (frozen) figure, so its id
#: cannot be reused while the entry lives.
_FOUND: dict[tuple[int, str, str | None], tuple[Figure, Found]] = {}


def from_figure(figure: Figure, origin: str, note: str | None = None) -> Found:
    key = (id(figure), origin, note)
    hit = _FOUND.get(key)
    if hit is not None and hit[0] is figure:
        return hit[1]
    notes = "; ".join(n for n in (figure.note, note) if n)
    found = Found(figure.value, origin, figure.source, figure.confidence, notes or None)
    if len(_FOUND) >= 8192:
        _FOUND.clear()
    _FOUND[key] = (figure, found)
    return found


#: path -> its attrgetter (`Context.field`); the paths are the model's, a few hundred at most.
_GETTERS: dict[str, attrgetter] = {}


class Context:
    """Read access to one scenario and the catalog, for input nodes."""

    def __init__(self, scenario: Scenario, catalog: Catalog) -> None:
        self.scenario = scenario
        self.catalog = catalog
        self.accelerator_name = scenario.cluster.accelerator
        custom = scenario.accelerators.get(self.accelerator_name)
        self.custom_accelerator = custom
        base = custom.base if custom is not None else self.accelerator_name
        self.catalog_accelerator = catalog.accelerators.get(base) if base else None

    # -------------------------------------------------------------- scenario fields
    def where(self, path: str) -> str:
        span = self.scenario.origins.get(path)
        return str(span) if span is not None else f"scenario {self.scenario.name}"

    def field(self, path: str) -> Any:
        """The raw value of a dotted scenario path, or None when unset."""
        getter = _GETTERS.get(path)
        if getter is None:
            # attrgetter walks a dotted path in C: an evaluation reads a hundred fields.
            getter = _GETTERS[path] = attrgetter(path)
        return getter(self.scenario)

    def written(self, path: str) -> bool:
        """Whether the scenario sets `path`: its presence, which no sampled value changes (the
        uncertainty trace does not count it as reading the value)."""
        return self.field(path) is not None

    def scenario_value(self, path: str, default: Found | None = None) -> Found:
        """The scenario's value of `path`, else `default` (typically a calibration constant)."""
        value = self.field(path)
        if value is None:
            if default is None:
                raise LookupError(f"scenario '{self.scenario.name}' does not set '{path}'")
            return default
        citation = self.scenario.citations.get(path)
        written = self.scenario.currencies.get(path)
        if written is not None:
            return self._in_usd(path, value, written, citation)
        if citation is not None:
            return _from_value(value, self.where(path), source=citation)
        return _from_value(value, self.where(path))

    def _in_usd(self, path: str, value: Any, unit: str, citation: str | None) -> Found:
        """A price written in another currency (`unit`: `EUR/kWh`), converted to USD at its
        scenario year's rate; the note gives the amount as written, the rate, its year and its
        source."""
        rate = exchange_rate(unit.split("/")[0], self.scenario.year)
        note = (
            f"written as {written_amount(value, unit)}, converted at {rate.describe()} "
            f"({rate.source})"
        )
        converted = in_usd(value, rate, self.scenario.year)
        return _from_value(converted, self.where(path), source=citation, note=note)

    def scenario_or_calibration(self, path: str, key: str) -> Found:
        """The scenario's value of `path`, else the calibration constant `key` (read only then,
        so a scenario that sets the value never depends on the constant)."""
        if self.field(path) is None:
            return self.calibration(key)
        return self.scenario_value(path)

    def scenario_or_choice(self, path: str) -> Found:
        """The scenario's option for the enum field `path`, else the catalog's default choice
        for it (choices.toml, with the argument for it as the note)."""
        if self.field(path) is not None:
            return self.scenario_value(path)
        key = path.partition(".")[2]
        choice = default_choices()[key]
        return Found(
            choice.value, f"catalog choices.{key}", choice.source, choice.confidence, choice.note
        )

    def chosen_layout(self) -> Layout | None:
        """The parallel layout chosen for a scenario that writes none (scendsl.model.layout),
        worked out once per context; None when the scenario's own (or tensor 1, pipeline 1)
        stands."""
        try:
            return self._layout
        except AttributeError:
            pass
        # Imported here: the engine imports the model's domains, which use this context.
        from scendsl.model.evaluate import layout_memory

        self._layout: Layout | None = choose(self.scenario, self.catalog, layout_memory)
        return self._layout

    def with_layout(self, layout: Layout | None) -> Context:
        """This context with `layout` as the chosen one (a candidate being judged, or the
        degrees of a sweep's variants), without a search."""
        self._layout = layout
        return self

    def calibration(self, key: str, note: str | None = None) -> Found:
        figure = self.catalog.calibration[key]
        return from_figure(figure, f"catalog calibration.{key}", note)

    # -------------------------------------------------------------- accelerator
    def accelerator_figure(self, name: str, default: Found | None = None) -> Found:
        """A figure of the scenario's accelerator: its own block first, then the catalog."""
        custom = self.custom_accelerator
        if custom is not None and name in custom.figures:
            origin = f"{custom.span} (accelerator {custom.name})"
            source = custom.citations.get(name, custom.source)
            return _from_value(
                custom.figures[name],
                origin,
                source=source,
                confidence="U" if source is None else None,
            )
        entry = self.catalog_accelerator
        if custom is not None and entry is not None and name in entry.figures:
            derived = self._derived_figure(name)
            if derived is not None:
                return derived
        if entry is not None and name in entry.figures:
            return from_figure(entry.figures[name], f"catalog accelerators.{entry.name}.{name}")
        if default is not None:
            return default
        raise LookupError(f"accelerator '{self.accelerator_name}' has no figure '{name}'")

    def _derived_figure(self, name: str) -> Found | None:
        """A catalog figure the custom block does not set but changes the figure of which it
        follows (system power after TDP: catalog derived_figures.toml), scaled to follow it."""
        custom, entry = self.custom_accelerator, self.catalog_accelerator
        assert custom is not None and entry is not None
        catalog_values = {key: figure.value for key, figure in entry.figures.items()}
        derived = derive(custom.figures, catalog_values)
        if name not in derived:
            return None
        rule = derivations()[name]
        figure = entry.figures[name]
        origin = (
            f"derived: catalog accelerators.{entry.name}.{name} × {rule.follows} of "
            f"accelerator {custom.name} ({custom.span}) ÷ {rule.follows} of {entry.name}"
        )
        note = f"follows {rule.follows}, keeping {entry.name}'s ratio: {rule.source}"
        return _from_value(
            derived[name], origin, source=figure.source, confidence=rule.confidence, note=note
        )

    # -------------------------------------------------------------- series by year
    @staticmethod
    def by_year(series: dict[int, Figure], year: int, origin: str) -> Found:
        """The figure for `year`; outside the data, the nearest year's, labelled as such.

        Holding the edge value flat (rather than extending a trend) is the conservative choice
        for prices and intensities whose trend the data cannot establish; the label says so.
        """
        if not series:
            raise LookupError(f"no data for {origin}")
        if year in series:
            return from_figure(series[year], f"{origin}[{year}]")
        years = sorted(series)
        nearest = (
            years[0]
            if year < years[0]
            else years[-1]
            if year > years[-1]
            else min(years, key=lambda y: (abs(y - year), y))
        )
        note = f"extrapolated: no {year} figure, {nearest} value used"
        return from_figure(series[nearest], f"{origin}[{nearest}]", note)
