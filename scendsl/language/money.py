"""Where an amount of money may be written in another currency than USD, and the units a value
accepts there: one table, read by the checker (which refuses another currency anywhere else), by
the editor's completion (the units it offers after a number) and by its hover (the units a field
says it takes).

A place is where a line is read: a scenario's field, a sweep's axis, an accelerator block's
figure, a claim's figure (`expect`). An amount written there in another currency is converted
to USD at the rate of the year of the scenario that reads it; a `reference` block, the
`briefings` block and a value given from Python (`scendsl.with_changes`) take US dollars only.
"""

from __future__ import annotations

from dataclasses import dataclass

from scendsl.language import fields as F
from scendsl.language.names import currency_names
from scendsl.language.units import MONEY_DIMENSIONS, UNITS

__all__ = [
    "CURRENCY_PLACES",
    "AcceptedUnit",
    "accepted_units",
    "money_fields",
    "takes_currencies",
    "usd_only_hint",
]

#: The places that take an amount in another currency -> how a message names them.
CURRENCY_PLACES: dict[str, str] = {
    "scenario": "a scenario",
    "sweep": "a sweep",
    "accelerator": "an accelerator block",
    "expect": "a claim (`expect`)",
}


@dataclass(frozen=True)
class AcceptedUnit:
    """A unit a value may be written in: its symbol and, for another currency, its code and
    name (None for the units table's own, US dollars among them)."""

    symbol: str
    currency: str | None = None
    name: str | None = None


def takes_currencies(place: str, dimension: str | None) -> bool:
    """Whether a value of `dimension` read at `place` may be written in another currency."""
    return place in CURRENCY_PLACES and dimension in MONEY_DIMENSIONS


def accepted_units(place: str, dimension: str | None) -> list[AcceptedUnit]:
    """The units a value of `dimension` may be written in at `place`: the units table's, in its
    order, then, where another currency is taken, each currency the catalog has a rate for in
    the same shape (`EUR/kWh` beside `USD/kWh`), in code order."""
    own = [symbol for symbol, unit in UNITS.items() if unit.dimension == dimension]
    units = [AcceptedUnit(symbol) for symbol in own]
    if takes_currencies(place, dimension):
        units += [
            AcceptedUnit(symbol.replace("USD", code, 1), code, name)
            for symbol in own
            if symbol.startswith("USD")
            for code, name in currency_names().items()
        ]
    return units


def money_fields(place: str) -> list[str]:
    """The fields of `place` (`scenario`, `accelerator`) that hold an amount of money."""
    if place == "accelerator":
        table = {**F.ACCELERATOR_ATTRIBUTES, **F.ACCELERATOR_FIGURES}
        return [name for name, spec in table.items() if spec.dimension in MONEY_DIMENSIONS]
    specs = ((path, F.scenario_field(path)) for path in F.all_scenario_paths())
    return [p for p, spec in specs if spec is not None and spec.dimension in MONEY_DIMENSIONS]


def usd_only_hint(written: str, code: str) -> str:
    """The hint of an amount in another currency where only US dollars are read."""
    places = list(CURRENCY_PLACES.values())
    fields = ", ".join([*money_fields("scenario"), *money_fields("accelerator")])
    return (
        f"write the amount in {written.replace(code, 'USD', 1)}: an amount in another currency "
        f"is converted where {', '.join(places[:-1])} or {places[-1]} writes it ({fields})"
    )
