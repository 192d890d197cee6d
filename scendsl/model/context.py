"""Where input nodes look things up: the scenario, its accelerator, the catalog.

Each lookup returns a `Found`: the value and its provenance (a scenario line, a catalog figure
with its source and confidence, or a labelled default), which `explain` shows down to the leaves.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from operator import attrgetter
from typing import Annotated, Any, ClassVar

from pydantic import Field

from scendsl.catalog import Catalog, Figure
from scendsl.catalog.choices import default_choices
from scendsl.catalog.currency import ExchangeRate, exchange_rate, written_factor
from scendsl.language.derived import derivations, derive, scaled
from scendsl.language.units import currency_code
from scendsl.model.layout import Layout, choose
from scendsl.scenario import Claim, Scenario, Uncertain


@dataclass(frozen=True, slots=True)
class Extrapolated:
    """Another year's figure stands in for the scenario's, which the data does not have: what
    the briefings' caveats, the warnings and JSON read (never the note's words, which
    `clause` writes)."""

    # The descriptions are the JSON Schema's (`scendsl schema`); a dataclass ignores them.
    year: Annotated[int, Field(description="the year asked for, which has no figure")]
    year_used: Annotated[int, Field(description="the year whose figure stands in")]
    #: What stands in, when more than that year's figure as it is: how it was carried to the
    #: year asked for ("carried at ... toward ..."), or what a decision applies.
    carried: Annotated[
        str | None,
        Field(
            description="what stands in, in words, when more than that year's figure as it "
            "is: how it was carried to `year`, or the rules a decision applies"
        ),
    ] = None

    @property
    def clause(self) -> str:
        """The words of the input's note that say so."""
        said = f": {self.carried}" if self.carried else ""
        return f"extrapolated: no {self.year} figure, {self.year_used} value used{said}"

    def to_json(self) -> dict[str, Any]:
        """The `extrapolated` object of `eval --format json`."""
        data: dict[str, Any] = {"year": self.year, "year_used": self.year_used}
        if self.carried:
            data["carried"] = self.carried
        return data


@dataclass(frozen=True, slots=True)
class MissingFigure:
    """A part of the supply with no figure for what its blend asks (water): the part that makes
    the blend n/a, which the briefings, the warnings and JSON name (never from the note)."""

    # The descriptions are the JSON Schema's (`scendsl schema`); a dataclass ignores them.
    source: Annotated[
        str, Field(description="the energy source of the supply mix (energy.toml) it lacks for")
    ]
    region: Annotated[
        str | None,
        Field(
            description="for the region's grid: the region whose generation shares by fuel "
            "the catalog does not hold (the grid's figure is weighed by them)"
        ),
    ] = None

    def to_json(self) -> dict[str, Any]:
        """One object of the `missing` list of `eval --format json`."""
        data: dict[str, Any] = {"source": self.source}
        if self.region is not None:
            data["region"] = self.region
        return data


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
    #: An amount written in another currency: as written and the rate it was converted at.
    written: WrittenMoney | None = None
    #: What a reader calls a value that is a key (a reference's name: its title); the key stays
    #: the value, for claims and JSON.
    label: str | None = None
    #: Outside the data's years: which year's figure stands in (the note says so in words).
    extrapolated: Extrapolated | None = None
    #: For a blend that is n/a: the parts of the supply without a figure for it.
    missing: tuple[MissingFigure, ...] = ()


def _as_written(si: float, factor: float) -> float:
    # 12 significant digits: `0.3 EUR/kWh` reads back as 0.3, not 0.30000000000000004.
    return float(f"{si / factor:.12g}")


@dataclass(frozen=True)
class WrittenMoney:
    """An amount written in another currency than USD (`50M EUR`, `0.25 EUR/kWh`), as written,
    and the rate it was converted to USD at: what a tool needs to show it or match it again
    (the USD figure beside it depends on the rate's year)."""

    # The descriptions are the JSON Schema's (`scendsl schema`); a dataclass ignores them.
    amount: Annotated[
        float,
        Field(
            description="the amount in `unit`, as written (50000000 for `50M EUR`; the "
            "centre of a range)"
        ),
    ]
    unit: Annotated[
        str,
        Field(
            description="the unit as written: an ISO 4217 code, alone or per MWh, kWh or "
            "hour (`EUR/kWh`)"
        ),
    ]
    currency: Annotated[str, Field(description="its ISO 4217 code (`EUR`)")]
    year: Annotated[int, Field(description="the scenario's year, whose rate converts it")]
    rate_year: Annotated[
        int,
        Field(
            description="the year of the annual rate applied: `year`, or the catalog's "
            "nearest when it has none for it"
        ),
    ]
    per_usd: Annotated[float, Field(description="units of `currency` per US dollar at that rate")]
    low: Annotated[
        float | None, Field(description="a range's lower end, in `unit` (none for one amount)")
    ] = None
    high: Annotated[
        float | None, Field(description="a range's upper end, in `unit` (none for one amount)")
    ] = None

    @staticmethod
    def of(value: Any, unit: str, rate: ExchangeRate) -> WrittenMoney:
        """`value` (SI, in `unit`'s currency: a number or a range) as written in `unit`."""
        factor = written_factor(unit)
        ranged = isinstance(value, Uncertain)
        centre = value.center if ranged else value
        return WrittenMoney(
            _as_written(centre, factor),
            unit,
            rate.currency,
            rate.year,
            rate.year_used,
            rate.per_usd,
            _as_written(value.low, factor) if ranged else None,
            _as_written(value.high, factor) if ranged else None,
        )

    @property
    def latest(self) -> bool:
        """Whether the rate is the last year's of the catalog, standing in for a later year."""
        return self.rate_year < self.year

    def to_json(self) -> dict[str, Any]:
        """The `written` object of `eval --format json` (a claim's or an input's)."""
        data: dict[str, Any] = {
            "amount": self.amount,
            "unit": self.unit,
            "currency": self.currency,
            "year": self.year,
            "rate_year": self.rate_year,
            "per_usd": self.per_usd,
        }
        if self.low is not None:
            data["low"], data["high"] = self.low, self.high
        return data


#: A memo of one evaluation's conversions: id of an amount written in another currency ->
#: (the amount, its currency, the year's rate applied, the amount in USD). A range is converted
#: once per evaluation, so every node reading it holds the same object and the uncertainty stage
#: draws it once (it matches ranges by identity); the entry holds the amount, so its id cannot
#: be reused while the memo lives.
Conversions = dict[int, tuple[Any, str, int, Any]]


def in_usd(value: Any, rate: ExchangeRate, memo: Conversions | None = None) -> Any:
    """`value` (a number or a range in `rate`'s currency) in US dollars; a range is converted
    once per `memo` (an evaluation's)."""
    if not isinstance(value, Uncertain):
        return rate.to_usd(value)
    if memo is None:
        return scaled(value, rate.usd_per_unit)
    hit = memo.get(id(value))
    if hit is not None and hit[0] is value and hit[1:3] == (rate.currency, rate.year):
        return hit[3]
    converted = scaled(value, rate.usd_per_unit)
    memo[id(value)] = (value, rate.currency, rate.year, converted)
    return converted


def written_amount(value: Any, unit: str) -> str:
    """An amount held in a currency's SI unit (per joule, per second) as written: `0.25 EUR/kWh`,
    `0.2 to 0.3 EUR/kWh`, `30,000 EUR ± 10%`."""
    factor = written_factor(unit)

    def amount(number: float) -> str:
        written = number / factor
        # `50M EUR` reads back as 50,000,000 EUR, not 5e+07 EUR.
        return f"{written:,.0f}" if 1e6 <= abs(written) < 1e18 else f"{written:,.6g}"

    if not isinstance(value, Uncertain):
        return f"{amount(value)} {unit}"
    if value.kind == "relative" and value.rel is not None:
        return f"{amount(value.center)} {unit} ± {value.rel * 100:g}%"
    return f"{amount(value.low)} to {amount(value.high)} {unit}"


def converted_ranges(memo: Conversions) -> dict[int, int]:
    """id of each range an evaluation converted (`memo`) -> id of the written range."""
    return {id(hit[3]): key for key, hit in memo.items() if isinstance(hit[3], Uncertain)}


def claims_in_usd(scenario: Scenario) -> tuple[Claim, ...]:
    """The scenario's claims, each amount written in another currency (`expect energy.annual_cost
    < 50M EUR`) converted to US dollars at the scenario year's rate, as its prices are: a claim
    on a scenario priced in that currency then holds or fails whatever the rate. A converted
    claim keeps its `currency`, which says how it was written."""
    if not any(claim.currency for claim in scenario.claims):
        return scenario.claims
    return tuple(
        claim.model_copy(
            update={
                "value": in_usd(claim.value, exchange_rate(code, scenario.year)),
            }
        )
        if (code := money_code(claim.currency)) is not None and isinstance(claim.value, float)
        else claim
        for claim in scenario.claims
    )


def money_code(unit: str | None) -> str | None:
    """The ISO 4217 code of a money unit as written (`EUR/kWh` -> `EUR`); None for None."""
    return currency_code(unit) if unit else None


def conversion_note(value: Any, unit: str, rate: ExchangeRate) -> str:
    """What explain says under an amount written in another currency: the amount as written,
    the rate, its year and its source."""
    return (
        f"written as {written_amount(value, unit)}, converted at {rate.describe()} ({rate.source})"
    )


def _from_value(value: Any, origin: str, **extra: Any) -> Found:
    if isinstance(value, Uncertain):
        return Found(value.center, origin, distribution=value, **extra)
    return Found(value, origin, **extra)


#: (figure id, origin, note) -> (figure, its Found): an evaluation reads a hundred catalog
#: figures, the same ones for every scenario. The entry holds the (frozen) figure, so its id
#: cannot be reused while the entry lives.
_FOUND: dict[tuple[int, str, str | None, Extrapolated | None], tuple[Figure, Found]] = {}


def from_figure(
    figure: Figure, origin: str, note: str | None = None, extrapolated: Extrapolated | None = None
) -> Found:
    """A catalog figure as an input's value; `extrapolated` when it stands in for another
    year's (the note then says so after `note`)."""
    key = (id(figure), origin, note, extrapolated)
    hit = _FOUND.get(key)
    if hit is not None and hit[0] is figure:
        return hit[1]
    said = extrapolated.clause if extrapolated is not None else None
    notes = "; ".join(n for n in (figure.note, note, said) if n)
    found = Found(
        figure.value,
        origin,
        figure.source,
        figure.confidence,
        notes or None,
        extrapolated=extrapolated,
    )
    if len(_FOUND) >= 8192:
        _FOUND.clear()
    _FOUND[key] = (figure, found)
    return found


#: ((table, entry..., name), note) -> (figure, its Found) of the catalog figures read by name
#: (an evaluation reads a hundred calibration constants and forty accelerator figures). The
#: entry holds the figure, so its identity cannot be reused while the entry lives.
_CATALOG_FOUND: dict[tuple[tuple[str, ...], str | None], tuple[Figure, Found]] = {}


def catalog_found(figure: Figure, path: tuple[str, ...], note: str | None = None) -> Found:
    """`from_figure` of the catalog figure at `path` (its table, entry and name), its origin
    "catalog table.entry.name", without writing the origin again each time it is read."""
    key = (path, note)
    hit = _CATALOG_FOUND.get(key)
    if hit is not None and hit[0] is figure:
        return hit[1]
    found = from_figure(figure, "catalog " + ".".join(path), note)
    if len(_CATALOG_FOUND) >= 8192:
        _CATALOG_FOUND.clear()
    _CATALOG_FOUND[key] = (figure, found)
    return found


#: (chip, constant, qualifier) -> (the calibration table and catalog entry it was read for,
#: the key `Context.chip_calibration_key` gives): the keys tried are built from names each time
#: otherwise, for every reference of every evaluation. Chips, constants and qualifiers are the
#: catalog's and the model's, a few hundred at most.
_CHIP_KEYS: dict[tuple[str, str, str | None], tuple[Any, Any, str]] = {}

#: path -> its attrgetter (`Context.field`); the paths are the model's, a few hundred at most.
_GETTERS: dict[str, attrgetter] = {}


#: (scenario id, path) -> (a weak reference to the scenario, its Found) of a scenario's plain
#: written values: the same Found for every evaluation of the same (frozen) scenario, so its
#: result is reused at once rather than compared field by field. The entry refers to the
#: scenario weakly, and is a hit only while it is that scenario: held strongly, as it was, each
#: scenario evaluated stayed alive with every reference of its file until 8,192 entries were
#: made, some four a scenario: a language server, which resolves a file again at each
#: keystroke, held 3.5 MB more a keystroke for a file of 300 references titled with 10,000
#: characters, gigabytes within the bound. Ranges and amounts in other currencies are not shared.
_SCENARIO_FOUND: dict[tuple[int, str], tuple[weakref.ref[Scenario], Found]] = {}


class Context:
    """Read access to one scenario and the catalog, for input nodes."""

    #: Whether a scenario's written value is found as the same Found by every evaluation of
    #: that scenario (`_SCENARIO_FOUND`); a context that records reads looks each one up.
    shares_found: ClassVar[bool] = True

    def __init__(
        self, scenario: Scenario, catalog: Catalog, conversions: Conversions | None = None
    ) -> None:
        self.scenario = scenario
        self.catalog = catalog
        #: The amounts in other currencies this evaluation converted (shared by the contexts it
        #: makes for the references, which read the same accelerator blocks).
        self.conversions: Conversions = {} if conversions is None else conversions
        #: What several nodes of one evaluation work out alike from the scenario and the
        #: catalog alone (never from a node's value), by the name of what it is: made once.
        self.memo: dict[str, Any] = {}
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
        scenario = self.scenario
        if self.shares_found:
            hit = _SCENARIO_FOUND.get((id(scenario), path))
            if hit is not None and hit[0]() is scenario:
                return hit[1]
        citation = scenario.citations.get(path)
        written = scenario.currencies.get(path)
        if written is not None:  # each evaluation records the amounts it converted
            return self._in_usd(self.where(path), value, written, citation)
        found = _from_value(value, self.where(path), source=citation)
        # A reference's context made inside a traced evaluation holds a traced copy, whose
        # reads are recorded, not shared (and which no weak reference can name).
        if self.shares_found and found.distribution is None and isinstance(scenario, Scenario):
            if len(_SCENARIO_FOUND) >= 8192:
                _SCENARIO_FOUND.clear()
            _SCENARIO_FOUND[id(scenario), path] = (weakref.ref(scenario), found)
        return found

    def _in_usd(
        self, origin: str, value: Any, unit: str, source: str | None, **extra: Any
    ) -> Found:
        """An amount written in another currency (`unit`: `EUR/kWh`), converted to USD at its
        scenario year's rate; the note gives the amount as written, the rate, its year and its
        source."""
        rate = exchange_rate(money_code(unit), self.scenario.year)
        converted = in_usd(value, rate, self.conversions)
        note = conversion_note(value, unit, rate)
        written = WrittenMoney.of(value, unit, rate)
        return _from_value(converted, origin, source=source, note=note, written=written, **extra)

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
        return catalog_found(self.catalog.calibration[key], ("calibration", key), note)

    def chip_calibration(self, constant: str, qualifier: str | None = None) -> Found:
        """Calibration `constant` for the scenario's accelerator: the first of the catalog
        entry's `calibration_keys` the catalog has (for the `qualifier`, its own generation's,
        its platform's, the plain constant). A custom block has its catalog base's; a chip
        outside the catalog takes the plain constant."""
        return self.calibration(self.chip_calibration_key(constant, qualifier))

    def chip_calibration_key(self, constant: str, qualifier: str | None = None) -> str:
        """The key `chip_calibration` reads: the first of the scenario's accelerator's
        `calibration_keys` for `constant` that the catalog has, else `constant`."""
        entry = self.catalog_accelerator
        if entry is None:
            return constant
        calibration = self.catalog.calibration
        kept = _CHIP_KEYS.get((entry.name, constant, qualifier))
        if kept is not None and kept[0] is calibration and kept[1] is entry:
            return kept[2]
        keys = entry.calibration_keys(constant, qualifier)
        key = next((k for k in keys if k in calibration), constant)
        _CHIP_KEYS[entry.name, constant, qualifier] = (calibration, entry, key)
        return key

    # -------------------------------------------------------------- accelerator
    def accelerator_figure(self, name: str, default: Found | None = None) -> Found:
        """A figure of the scenario's accelerator: its own block first, then the catalog."""
        custom = self.custom_accelerator
        if custom is not None and name in custom.figures:
            origin = f"{custom.span} (accelerator {custom.name})"
            source = custom.citations.get(name, custom.source)
            written = custom.currencies.get(name)
            if written is not None:
                # The block has no year: its price is paid in the year of the scenario using it,
                # as the catalog's prices are read for that year (see docs/language.md).
                confidence = "U" if source is None else None
                value = custom.figures[name]
                return self._in_usd(origin, value, written, source, confidence=confidence)
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
            return catalog_found(entry.figures[name], ("accelerators", entry.name, name))
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
        return from_figure(
            series[nearest], f"{origin}[{nearest}]", extrapolated=Extrapolated(year, nearest)
        )
