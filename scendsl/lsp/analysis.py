"""The language server's door to the stages of scendsl: the one module in `scendsl.lsp` that
imports them (parser, resolver, field table, units, catalog, evaluation, sampling, formatter,
number formatting), through their public entry points, so moving a stage changes only the imports
below. The other modules of the package import these names from here (they import only the base
layers, `scendsl.errors` and `scendsl.files`, directly).

Plain Python, no LSP types: positions are 0-based lines and code-point columns (`positions.Pos`),
answers are dataclasses and Markdown strings; `server.py` turns them into protocol messages.
"""

from __future__ import annotations

import os
from typing import Any

from scendsl.errors import ScenarioError
from scendsl.language import fields as F
from scendsl.language.format import format_text
from scendsl.language.money import accepted_units, takes_currencies
from scendsl.language.names import catalog_names
from scendsl.language.parse import MAX_FILE_BYTES
from scendsl.language.resolve import DEFINITION_KEYWORDS, load_documents, resolve
from scendsl.language.syntax import Atom, Document, Statement
from scendsl.language.units import (
    BASE_UNIT,
    DIMENSION_EXAMPLES,
    parse_number,
)

__all__ = [
    "BASE_UNIT",
    "DEFINITION_KEYWORDS",
    "DIMENSION_EXAMPLES",
    "HELD_EVALUATIONS",
    "HINT_RUN_BUDGET",
    "HOVER_SAMPLES",
    "HOVER_SEED",
    "MAX_FILE_BYTES",
    "Atom",
    "Document",
    "F",
    "Statement",
    "accepted_units",
    "catalog",
    "catalog_folder",
    "catalog_names",
    "default_choice",
    "evaluate",
    "figure_text",
    "format_value",
    "formatted",
    "load_documents",
    "metric_names",
    "money_written",
    "parse_number",
    "regional_figures",
    "registry",
    "registry_node",
    "resolve",
    "sample",
    "sample_cost",
    "takes_currencies",
    "validate_claims",
    "value_text",
    "warm_up",
    "warning_rule",
    "warnings_of",
]

#: Samples drawn for a hover on a claim of an uncertain scenario (a few milliseconds).
HOVER_SAMPLES = 2000
HOVER_SEED = 20251126
#: The Monte Carlo work one request (a hover, the hints of a range of lines) may start, in figure
#: values drawn (samples × figures, `uncertainty.sample_cells`): some 17 runs of a scenario with
#: the catalog's figures alone (0.3 s of CPU), fewer with the figures a file's references add.
#: A request's first run is always made; the lines past the budget show no range until the next.
HINT_RUN_BUDGET = 20_000_000
#: Scenario evaluations (with their warnings, some 50 KB each) the server keeps of files that
#: are not open: the importers a change analyses again, documents closed. An open document's
#: are all kept (a keystroke evaluates again only the scenarios it changed).
HELD_EVALUATIONS = 2_000


# ---------------------------------------------------------------------------- stage adapters
def catalog():
    """The validated catalog (cached by the catalog module)."""
    from scendsl.catalog import load_catalog

    return load_catalog()


def default_choice(path: str):
    """The catalog's default option of an enum scenario field (choices.toml: value, source,
    confidence, note), keyed as the model reads it (`market.price_series` → `price_series`);
    None for a field without one."""
    from scendsl.catalog.choices import default_choices

    return default_choices().get(path.rpartition(".")[2])


def regional_figures(region: str) -> list[tuple[str, Any]]:
    """The region's latest grid carbon intensity and industrial electricity price, as found by
    the energy model (a `RegionalFigure` each: value, unit, year and region used, source)."""
    from scendsl.catalog.grid import electricity_price, grid_intensity

    price = electricity_price(region, 2100)
    # A country without an industrial price gets its commercial tariff: say which it is.
    label = (
        "commercial electricity tariff (stand-in for the industrial price)"
        if price.series == "commercial_price"
        else "industrial electricity price"
    )
    return [("grid intensity", grid_intensity(region, 2100)), (label, price)]


def validate_claims(scenarios) -> None:
    """Check every `expect` names a known metric (raises ScenarioError)."""
    from scendsl.model.claims import validate_claims as _validate

    _validate(scenarios)


def metric_names() -> dict[str, Any]:
    """The metrics a claim may name, by name."""
    from scendsl.model.claims import metric_index

    return metric_index()


def evaluate(scenario):
    """The model's result for a scenario."""
    from scendsl.model.evaluate import evaluate as _evaluate

    return _evaluate(scenario)


def warnings_of(result, sink) -> list:
    """The located warnings of an evaluated scenario (catalog warnings.toml), as `scendsl
    check` prints them; their diagnostics are also collected in `sink`."""
    from scendsl.report.warnings import scenario_warnings

    return scenario_warnings(result, sink)


def warning_rule(code: str | None):
    """The rule of warnings.toml behind a warning's code (`rule` or `rule:input`), or None."""
    from scendsl.report.warnings import warning_rules

    if not code:
        return None
    rule_id = code.split(":", 1)[0]
    return next((rule for rule in warning_rules() if rule.id == rule_id), None)


def warm_up() -> None:
    """Import and load what every analysis reads (the model, the catalog, the metric index,
    the warning rules), so that these long-lived objects exist before the server freezes them
    out of the garbage collector's reach (see `server.settle`)."""
    from scendsl.model.evaluate import evaluate as _evaluate  # noqa: F401  (imports the model)
    from scendsl.report.warnings import warning_rules

    catalog()
    catalog_names()
    registry()
    metric_names()
    warning_rules()


def sample(scenario):
    """Monte Carlo samples of an uncertain scenario for hovers and hints; None when certain."""
    from scendsl.model.uncertainty import has_uncertainty
    from scendsl.model.uncertainty import sample as _sample

    return _sample(scenario, HOVER_SAMPLES, HOVER_SEED) if has_uncertainty(scenario) else None


def sample_cost(scenario) -> int:
    """What `sample(scenario)` draws, in figure values (0 for a certain scenario)."""
    from scendsl.model.uncertainty import sample_cells

    return sample_cells(scenario, HOVER_SAMPLES, catalog())


def registry():
    """The registry of model nodes, every domain registered."""
    from scendsl.model import domains  # noqa: F401  (registers every node)
    from scendsl.model.registry import REGISTRY

    return REGISTRY


def registry_node(name: str):
    """A model node by name, or None."""
    return registry().nodes.get(name)


def catalog_folder() -> str:
    """The folder of the catalog's TOML files."""
    import scendsl.catalog as package

    return os.path.dirname(package.__file__)


def format_value(value: Any, dimension: str | None) -> str:
    """A value as the briefings print it; a missing dimension reads as a plain number."""
    from scendsl.report.numbers import format_value as _format

    return _format(value, dimension)


def money_written(value: Any, unit: str, year: int | None) -> tuple[str, Any]:
    """An amount written in another currency (`unit`: `EUR/kWh`; `value` as the resolver holds
    it, SI in that currency, a number or a range): (as written and in USD at `year`'s rate, as
    the briefings show it; the amount in USD, SI). With no year (an accelerator block, paid in
    the year of each scenario using it), the catalog's latest rate."""
    from scendsl.catalog.currency import exchange_rate, rate_years
    from scendsl.model.context import in_usd, money_code
    from scendsl.report.numbers import money_as_written

    code = money_code(unit) or unit
    year = rate_years(code)[-1] if year is None else year
    rate = exchange_rate(code, year)
    usd = in_usd(value, rate)
    latest = rate.year_used < year

    def one(amount: float) -> str:
        return money_as_written(amount, unit, rate.per_usd, rate.year_used, latest)

    shown = f"{one(usd.low)} to {one(usd.high)}" if hasattr(usd, "low") else one(usd)
    return shown, usd


def figure_text(value: Any, dimension: str, written: Any = None, label: str | None = None) -> str:
    """A claim's figure as the briefing shows it: in the currency it was written in, at the
    rate the claim was converted at (`written`: the claim's WrittenMoney), and in USD; a key
    by its `label` (a reference's title)."""
    from scendsl.report.numbers import figure_text as _figure_text

    return _figure_text(value, dimension, written=written, label=label)


def value_text(node: Any) -> str:
    """An evaluated figure's value as the briefing shows it (a MetricResult: a key by its
    label, an amount written in another currency as written and in USD)."""
    from scendsl.report.explain import value_text as _value_text

    return _value_text(node)


def formatted(text: str, file: str) -> str | None:
    """The `scendsl fmt` layout of `text`, or None when it has syntax errors."""
    try:
        return format_text(text, file)
    except ScenarioError:
        return None
