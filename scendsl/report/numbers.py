"""Numbers for people: one formatting of every dimension, used by eval, explain, briefings, diff.

Three significant digits, a unit scaled to the magnitude (`512 MW`, `4.5 EFLOP/s`, `$3.0 B`),
the same everywhere; deterministic (no locale).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from scendsl.catalog.currency import written_factor
from scendsl.catalog.quantities import unit_factor
from scendsl.model.context import WrittenMoney


def _scale(*steps: tuple[str, str]) -> list[tuple[float, str]]:
    """(factor, suffix) from (unit symbol, suffix shown): the factors are the units table's."""
    return [(unit_factor(symbol), shown) for symbol, shown in steps]


# (factor, suffix) from largest to smallest, per dimension; values arrive in SI base units.
_SCALES: dict[str, list[tuple[float, str]]] = {
    "power": _scale(("GW", "GW"), ("MW", "MW"), ("kW", "kW"), ("W", "W")),
    "energy": _scale(("TWh", "TWh"), ("GWh", "GWh"), ("MWh", "MWh"), ("kWh", "kWh"), ("Wh", "Wh")),
    # A zettaFLOP/s no scenario writes (the language has no such unit), a briefing may show.
    "flop_rate": [
        (1e21, "ZFLOP/s"),
        *_scale(
            ("EFLOP/s", "EFLOP/s"),
            ("PFLOP/s", "PFLOP/s"),
            ("TFLOP/s", "TFLOP/s"),
            ("GFLOP/s", "GFLOP/s"),
            ("FLOP/s", "FLOP/s"),
        ),
    ],
    "data": _scale(("PB", "PB"), ("TB", "TB"), ("GB", "GB"), ("MB", "MB"), ("B", "B")),
    "bandwidth": _scale(("TB/s", "TB/s"), ("GB/s", "GB/s"), ("MB/s", "MB/s"), ("B/s", "B/s")),
    "mass": _scale(
        ("MtCO2", "Mt CO2"), ("ktCO2", "kt CO2"), ("tCO2", "t CO2"), ("kgCO2", "kg CO2")
    ),
    "time": _scale(
        ("years", "years"),
        ("days", "days"),
        ("hours", "hours"),
        ("min", "min"),
        ("s", "s"),
        ("ms", "ms"),
    ),
    "area": _scale(("mm2", "mm²")),
    "carbon_intensity": _scale(("gCO2/kWh", "gCO2/kWh")),
    "energy_price": _scale(("USD/MWh", "USD/MWh")),
    "hourly_price": _scale(("USD/hour", "USD/hour")),
    "volume": _scale(("GL", "GL"), ("ML", "ML"), ("m3", "m³"), ("L", "L")),
    "water_intensity": _scale(("L/kWh", "L/kWh")),
}

_CURRENCY = [(1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")]
_COUNT = [(1e12, "trillion"), (1e9, "billion"), (1e6, "million")]


#: From this magnitude on, and below SCIENTIFIC_BELOW, a figure is written as `9.53e16`, as
#: FLOP counts are: written out, 1e30 years was 31 digits, those past the 17th a float's noise
#: (which differed in `check`'s warnings, evaluated with Python's `math`, from `eval`'s, with
#: numpy's), 1e300 three hundred, and 1e-300 steps three hundred zeros. No figure of a
#: sensible scenario comes near either in its unit.
SCIENTIFIC_FROM = 1e15
SCIENTIFIC_BELOW = 1e-6


def sig(value: float, digits: int = 3) -> str:
    """`value` with `digits` significant digits, trailing zeros kept to one decimal at most;
    from SCIENTIFIC_FROM on and below SCIENTIFIC_BELOW as a mantissa and a power of ten
    (`9.53e16`, `6.11e-14`)."""
    if value == 0:
        return "0"
    if not math.isfinite(value):
        return format_value(value, None)
    if not SCIENTIFIC_BELOW <= abs(value) < SCIENTIFIC_FROM:
        mantissa, _, exponent = f"{value:.{digits - 1}e}".partition("e")
        return f"{mantissa}e{int(exponent)}"
    magnitude = math.floor(math.log10(abs(value)))
    decimals = max(digits - 1 - magnitude, 0)
    text = f"{value:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def format_value(value: Any, dimension: str | None, value_type: str = "number") -> str:
    """A node's value as people read it."""
    if type(value) in _KEPT_TYPES:
        return _format_kept(value, dimension, value_type)
    return _format(value, dimension, value_type)


#: Values whose text is kept once made: a build formats ~14,000 values, ~1,700 of them
#: different (every scenario shows the catalog's figures, the briefing and the derivations the
#: same node). A pure function of the value, its type and the dimension.
_KEPT_TYPES = frozenset({float, int, str, bool, type(None)})


#: A country's code inside a category's value (`outside_us_rules`), written as a reader writes it.
_COUNTRY_IN_VALUE = re.compile(r"(?<![a-z])us(?![a-z])")


def value_words(value: str) -> str:
    """A category's value as words (`licence_required` -> `licence required`), the United
    States' code in capitals (`outside_us_rules` -> `outside US rules`). Text that is no
    identifier (a rule's citation, a note) keeps its words."""
    if " " in value:
        return value.replace("_", " ")
    return _COUNTRY_IN_VALUE.sub("US", value.replace("_", " "))


@lru_cache(maxsize=8192, typed=True)
def _format_kept(value: Any, dimension: str | None, value_type: str) -> str:
    return _format(value, dimension, value_type)


def _format(value: Any, dimension: str | None, value_type: str) -> str:
    if value is None:
        return "n/a"
    if value_type == "bool" or isinstance(value, bool):
        return "yes" if value else "no"
    if value_type == "text" or isinstance(value, str):
        return value_words(str(value))
    if isinstance(value, dict):
        return ", ".join(f"{k}: {format_value(v, dimension)}" for k, v in value.items())
    value = float(value)
    if math.isnan(value):
        return "n/a"
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    if dimension == "year":
        return str(round(value))
    if dimension == "fraction":
        return f"{sig(value * 100, 3)}%"
    if dimension == "currency":
        sign = "−" if value < 0 else ""
        for factor, suffix in _CURRENCY:
            if abs(value) >= factor:
                return f"{sign}${sig(abs(value) / factor)} {suffix}"
        return f"{sign}${sig(abs(value))}"
    if dimension == "flop":
        if value == 0:
            return "0 FLOP"
        exponent = math.floor(math.log10(abs(value)))
        return f"{value / 10**exponent:.2f}e{exponent} FLOP"
    scales = _SCALES.get(dimension or "")
    if scales:
        factor, suffix = _step(value, scales)
        return _with_unit(sig(value / factor), suffix)
    for factor, word in _COUNT:
        if abs(value) >= factor:
            return f"{sig(value / factor)} {word}"
    if abs(value) >= 1000:
        return f"{value:,.0f}" if abs(value) < SCIENTIFIC_FROM else sig(value)
    return sig(value)


def _step(value: float, scales: list[tuple[float, str]]) -> tuple[float, str]:
    """The largest step of `scales` that `value` reaches (the smallest below them all)."""
    for factor, suffix in scales:
        if abs(value) >= factor:
            return factor, suffix
    return scales[-1]


def readable_unit(value: float, dimension: str | None) -> tuple[float, str] | None:
    """The unit a briefing shows `value` (in SI base units) in, as (its factor from the SI
    unit, its name): `(1e6, "MW")` for 5.12e8 W, `(0.01, "%")` for a fraction; None for what
    is shown in its SI unit (counts, dollars, FLOP, years) or has no dimension."""
    if dimension == "fraction":
        return 0.01, "%"
    scales = _SCALES.get(dimension or "")
    if not scales:
        return None
    return _step(value if math.isfinite(value) else 0.0, scales)


#: Units written as plural words, read as singular when the number is exactly one.
_SINGULAR = {"years": "year", "days": "day", "hours": "hour"}


def money_as_written(usd: float, unit: str, per_usd: float, rate_year: int, latest: bool) -> str:
    """An amount the scenario wrote in another currency, as written and in USD at the rate used:
    `0.25 EUR/kWh (0.271 USD/kWh at the 2024 average rate)`, `30 k EUR ($32.5 k at ...)`."""
    per = unit.partition("/")[2]
    at = f"at the {rate_year} average rate" + (", the latest" if latest else "")
    if not per:
        return f"{in_currency(usd, unit, per_usd)} ({format_value(usd, 'currency')} {at})"
    factor = written_factor(unit)  # the units table's, as the resolver read the amount
    return f"{in_currency(usd, unit, per_usd)} ({sig(usd / factor)} USD/{per} {at})"


def in_currency(usd: float, unit: str, per_usd: float) -> str:
    """An amount in USD (SI) in the currency and unit `unit` (`EUR`, `EUR/kWh`) at `per_usd`
    units per dollar: `30 k EUR`, `0.25 EUR/kWh`."""
    code, _, per = unit.partition("/")
    if not per:
        return f"{format_value(usd * per_usd, 'currency').replace('$', '')} {code}"
    return f"{sig(usd * per_usd / written_factor(unit))} {unit}"


#: The inputs whose written currency a briefing shows its amounts in too, in this order.
LOCAL_MONEY_INPUTS = ("energy.supply_price", "market.unit_price", "market.rental_price")


def local_money(
    inputs: Mapping[str, Any], claims: Iterable[Any] = ()
) -> tuple[str, WrittenMoney] | None:
    """The currency the analyst wrote a scenario's prices in, when not USD, and the input it
    is read from: of its electricity price, unit price and rental price written in another
    currency (with the rate it was converted at), the one whose currency the scenario writes
    most, counting its claims' figures (`expect market.capex < 350M AZN`); on a tie the first
    (a site abroad priced at the foreign grid's tariff, its hardware and budget in the
    analyst's own currency, is shown in the analyst's). The briefing shows each amount in it
    too, and the eval JSON names it (`currency`)."""
    written = [
        (name, node.written)
        for name in LOCAL_MONEY_INPUTS
        if (node := inputs.get(name)) is not None and node.written is not None
    ]
    if not written:
        return None
    counts = Counter(money.currency for _, money in written)
    counts.update(c.written.currency for c in claims if getattr(c, "written", None) is not None)
    return max(written, key=lambda found: counts[found[1].currency])  # max keeps the first


def local_amount(usd: float, dimension: str, local: WrittenMoney) -> str | None:
    """An amount of money, or a price per energy or hour, in USD (SI) as the same amount in the
    currency the scenario's prices were written in (`124 M KES`, `25 KES/kWh`, `381 KES/hour`);
    None for any other dimension or a value that is not finite."""
    if dimension == "currency":
        unit = local.currency
    elif dimension == "energy_price":
        per = local.unit.partition("/")[2]
        unit = f"{local.currency}/{per if per in ('kWh', 'MWh') else 'kWh'}"
    elif dimension == "hourly_price":  # a rental rate: `2.95 USD/hour (381 KES/hour)`
        unit = f"{local.currency}/hour"
    else:
        return None
    if not math.isfinite(usd):
        return None
    return in_currency(usd, unit, local.per_usd)


def usd_text(usd: Any, dimension: str, written: WrittenMoney | None) -> str:
    """A figure in dollars as `format_value` writes it, but a price per energy in USD per the
    energy unit the scenario wrote it per (`0.116 USD/kWh` for a price written in CLP/kWh, not
    `116 USD/MWh`), as its value reads: the ends of its ranges and its percentiles."""
    text = format_value(usd, dimension)
    per = written.unit.partition("/")[2] if written is not None else ""
    if text == "n/a" or not per or dimension != "energy_price" or not math.isfinite(usd):
        return text
    return in_currency(usd, f"USD/{per}", 1.0)


def in_local_currency(text: str, usd: float, dimension: str, local: WrittenMoney) -> str:
    """A figure in USD followed by the same amount in the currency the scenario's prices were
    written in, at the rate they were converted at: `$961 k (124 M KES)`, `0.194 USD/kWh
    (25 KES/kWh)`, `2.95 USD/hour (381 KES/hour)`. Amounts of money and prices per energy or
    hour only; anything else as it is."""
    amount = local_amount(usd, dimension, local)
    if text == "n/a" or amount is None:
        return text
    return f"{text} ({amount})"


def written_text(usd: float, written: WrittenMoney) -> str:
    """An amount written in another currency (a price, a claim's figure), as written and in
    USD at the rate it was converted at (its own: a result read from JSON keeps the rate of the
    catalog that made it)."""
    return money_as_written(usd, written.unit, written.per_usd, written.rate_year, written.latest)


def figure_text(
    value: Any,
    dimension: str,
    value_type: str = "number",
    written: WrittenMoney | None = None,
    label: str | None = None,
) -> str:
    """A figure as people read it: a key's label (a reference's title) when the model gave one;
    an amount written in another currency as written and in USD at the rate it was converted at
    (`0.25 EUR/kWh (0.271 USD/kWh at the 2024 average rate)`); else the formatted value. One
    rule for briefings, explain, eval text, diff and the editor."""
    if label is not None and value is not None:
        return label
    if written is not None and isinstance(value, float):
        return written_text(value, written)
    return format_value(value, dimension, value_type)


def _with_unit(number: str, unit: str) -> str:
    """`1 year`, not `1 years`; abbreviations (`1 min`, `1 MW`) stay as they are."""
    if number in ("1", "−1", "-1"):
        unit = _SINGULAR.get(unit, unit)
    return f"{number} {unit}"


def format_delta(old: float, new: float, dimension: str) -> str:
    """Signed change with percentage: `+90 MW (+18%)`."""
    delta = new - old
    sign = "+" if delta >= 0 else "−"
    body = format_value(abs(delta), dimension)
    if old:
        return f"{sign}{body} ({sign}{sig(abs(delta / old) * 100, 2)}%)"
    return f"{sign}{body}"
