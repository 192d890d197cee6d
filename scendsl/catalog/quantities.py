"""Quantities in the data files (the catalog's tables, the risk rules) as analysts write them.

Data files are written the way scenarios are ("989.4 TFLOPS", "40%"); readers of data files
outside the language (scendsl.model.risk) read them through here, not through the parser.
"""

from __future__ import annotations

from scendsl.language.units import quantity_from_text


def read_quantity(text: str) -> tuple[float, str]:
    """`"989.4 TFLOPS"` or `"40%"` as (SI value, dimension); ValueError if it is not one."""
    return quantity_from_text(text)
