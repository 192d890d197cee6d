"""Quantities in the data files (the catalog's tables, the risk rules) as analysts write them.

Data files are written the way scenarios are ("989.4 TFLOPS", "40%"); readers of data files
outside the language (scendsl.model.risk) read them through here, not through the parser.
"""

from __future__ import annotations

from scendsl.language.units import lookup_unit, quantity_from_text


def read_quantity(text: str) -> tuple[float, str]:
    """`"989.4 TFLOPS"` or `"40%"` as (SI value, dimension); ValueError if it is not one."""
    return quantity_from_text(text)


def unit_factor(symbol: str) -> float:
    """The factor from a unit the language knows (`GW`, `USD/MWh`) to its SI base unit, from
    the language's one table of units; KeyError for a symbol it does not know."""
    unit = lookup_unit(symbol)
    if unit is None:
        raise KeyError(symbol)
    return unit.factor
