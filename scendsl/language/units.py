"""Units and magnitudes of the scenario language.

Every quantity is converted to SI base units on the way in (W, J, B, B/s, FLOP, FLOP/s, s, USD,
kg CO2 and their ratios), so the model never sees a prefix. A unit belongs to one *dimension*;
the resolver compares dimensions to reject `pue 500 MW` or `count 3 GW`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from scendsl.suggest import quoted

# Dimensions are plain strings so that they print well in error messages.
DIMENSIONLESS = "number"

#: Human names for dimensions, used in hints ("expected a power such as '500 MW'").
DIMENSION_EXAMPLES: dict[str, str] = {
    "number": "a plain number such as '8' or '100k'",
    "fraction": "a percentage such as '40%'",
    "power": "a power such as '500 MW'",
    "energy": "an energy such as '4 TWh'",
    "data": "a size such as '80 GB'",
    "bandwidth": "a bandwidth such as '900 GB/s'",
    "flop": "an amount of compute such as '1e25 FLOP'",
    "flop_rate": "a compute rate such as '5 PFLOPS'",
    "currency": "an amount of money such as '30k USD'",
    "energy_price": "an energy price such as '45 USD/MWh'",
    "hourly_price": "a rental price such as '2.5 USD/hour'",
    "carbon_intensity": "a carbon intensity such as '400 gCO2/kWh'",
    "time": "a duration such as '30 days'",
    "area": "an area such as '814 mm2'",
    "mass": "an amount of CO2 such as '50 ktCO2'",
    "volume": "a volume of water such as '200 ML' or '5000 m3'",
    "water_intensity": "a water use effectiveness such as '1.8 L/kWh'",
}


@dataclass(frozen=True, slots=True)
class Unit:
    """A unit symbol: its dimension and the factor that converts it to the SI base unit."""

    symbol: str
    dimension: str
    factor: float


_HOUR = 3600.0
_DAY = 86400.0
_YEAR = 365.25 * _DAY

_UNIT_LIST = [
    Unit("W", "power", 1.0),
    Unit("kW", "power", 1e3),
    Unit("MW", "power", 1e6),
    Unit("GW", "power", 1e9),
    Unit("J", "energy", 1.0),
    Unit("Wh", "energy", _HOUR),
    Unit("kWh", "energy", 1e3 * _HOUR),
    Unit("MWh", "energy", 1e6 * _HOUR),
    Unit("GWh", "energy", 1e9 * _HOUR),
    Unit("TWh", "energy", 1e12 * _HOUR),
    Unit("B", "data", 1.0),
    Unit("kB", "data", 1e3),
    Unit("MB", "data", 1e6),
    Unit("GB", "data", 1e9),
    Unit("TB", "data", 1e12),
    Unit("PB", "data", 1e15),
    Unit("GB/s", "bandwidth", 1e9),
    Unit("TB/s", "bandwidth", 1e12),
    Unit("B/s", "bandwidth", 1.0),
    Unit("MB/s", "bandwidth", 1e6),
    Unit("Gb/s", "bandwidth", 1e9 / 8),
    Unit("Tb/s", "bandwidth", 1e12 / 8),
    Unit("FLOP", "flop", 1.0),
    Unit("FLOPS", "flop_rate", 1.0),
    Unit("FLOP/s", "flop_rate", 1.0),
    Unit("GFLOPS", "flop_rate", 1e9),
    Unit("TFLOPS", "flop_rate", 1e12),
    Unit("PFLOPS", "flop_rate", 1e15),
    Unit("EFLOPS", "flop_rate", 1e18),
    # Papers and vendor sheets write the rate with a slash as often as without.
    Unit("GFLOP/s", "flop_rate", 1e9),
    Unit("TFLOP/s", "flop_rate", 1e12),
    Unit("PFLOP/s", "flop_rate", 1e15),
    Unit("EFLOP/s", "flop_rate", 1e18),
    Unit("USD", "currency", 1.0),
    Unit("USD/MWh", "energy_price", 1.0 / (1e6 * _HOUR)),
    Unit("USD/kWh", "energy_price", 1.0 / (1e3 * _HOUR)),
    Unit("USD/hour", "hourly_price", 1.0 / _HOUR),
    Unit("gCO2/kWh", "carbon_intensity", 1e-3 / (1e3 * _HOUR)),
    Unit("kgCO2/MWh", "carbon_intensity", 1.0 / (1e6 * _HOUR)),
    Unit("s", "time", 1.0),
    Unit("ms", "time", 1e-3),
    Unit("minutes", "time", 60.0),
    Unit("hours", "time", _HOUR),
    Unit("days", "time", _DAY),
    Unit("years", "time", _YEAR),
    Unit("mm2", "area", 1e-6),
    Unit("kgCO2", "mass", 1.0),
    Unit("tCO2", "mass", 1e3),
    Unit("ktCO2", "mass", 1e6),
    Unit("MtCO2", "mass", 1e9),
    # water: litres as sustainability reports write them, m3 as regulators do (SI base m3)
    Unit("L", "volume", 1e-3),
    Unit("m3", "volume", 1.0),
    Unit("ML", "volume", 1e3),
    Unit("GL", "volume", 1e6),
    Unit("L/kWh", "water_intensity", 1e-3 / (1e3 * _HOUR)),
    Unit("L/MWh", "water_intensity", 1e-3 / (1e6 * _HOUR)),
]

#: Every unit the language accepts, by symbol. Singular spellings of time units are accepted too,
#: and `min`, which briefings write: a figure copied from a briefing reads back.
UNITS: dict[str, Unit] = {u.symbol: u for u in _UNIT_LIST}
for _plural, _singular in (
    ("minutes", "minute"),
    ("minutes", "min"),
    ("hours", "hour"),
    ("days", "day"),
    ("years", "year"),
):
    UNITS[_singular] = Unit(_singular, "time", UNITS[_plural].factor)
# `m³`, as briefings write cubic metres (and regulators' reports do): a volume copied back reads.
UNITS["m³"] = Unit("m³", "volume", UNITS["m3"].factor)

#: The SI base unit each dimension is reported in (JSON, explain).
BASE_UNIT: dict[str, str] = {
    "number": "1",
    "fraction": "1",
    "power": "W",
    "energy": "J",
    "data": "B",
    "bandwidth": "B/s",
    "flop": "FLOP",
    "flop_rate": "FLOP/s",
    "currency": "USD",
    "energy_price": "USD/J",
    "hourly_price": "USD/s",
    "carbon_intensity": "kg/J",
    "time": "s",
    "area": "m2",
    "mass": "kg",
    "volume": "m3",
    "water_intensity": "m3/J",
    "year": "year",
}

#: Magnitude suffixes glued to a number: 100k, 2T, 1.5M, 405B.
MAGNITUDES: dict[str, float] = {"k": 1e3, "M": 1e6, "B": 1e9, "G": 1e9, "T": 1e12}

#: A number literal's parts: sign, digits, magnitude, percent sign.
NUMBER_PARTS = re.compile(r"^(-?)([0-9][0-9_]*(?:\.[0-9_]+)?(?:[eE][+-]?[0-9]+)?)([kMBGT]?)(%?)$")


@dataclass(frozen=True, slots=True)
class Number:
    """A number literal after magnitude and percent are applied."""

    value: float
    percent: bool


def parse_number(text: str) -> Number:
    """Parse a number literal such as `100_000`, `1.5M`, `2T` or `40%`.

    Raises ValueError with a user-facing message when the text is not a number.
    """
    match = NUMBER_PARTS.match(text)
    if not match:
        raise ValueError(f"{quoted(text)} is not a number")
    sign, digits, magnitude, percent = match.groups()
    if digits.startswith("_") or digits.endswith("_") or "__" in digits:
        raise ValueError(f"misplaced '_' in number {quoted(text)}")
    value = float(digits.replace("_", ""))
    if magnitude:
        value *= MAGNITUDES[magnitude]
    if sign and value:  # `-0` is 0: a negative zero printed `-0.0` in the JSON and CSV
        value = -value
    if percent:
        value /= 100.0
    mantissa = digits.lower().partition("e")[0]
    if value == 0 and mantissa.strip("0_."):
        raise ValueError(TOO_SMALL)  # `1e-400`, `5e-324%`: no double holds them but 0
    return Number(value, bool(percent))


#: What a number too large for a double is told.
TOO_LARGE = "number is too large"
#: What a number too small for a double (its value would be read as 0) is told.
TOO_SMALL = "number is too small (it would be read as 0)"


def scaled_number_problem(written: float, value: float) -> str | None:
    """What a number `written` is told when `value`, the number in its unit's base, is no
    double's (too large, or a number not 0 read as 0); None when it holds."""
    if not math.isfinite(value):
        return TOO_LARGE
    if value == 0 != written:
        return TOO_SMALL
    return None


def lookup_unit(symbol: str) -> Unit | None:
    """The unit spelled `symbol`, or None."""
    return UNITS.get(symbol)


#: The dimensions of money: amounts a scenario may write in another currency than USD.
MONEY_DIMENSIONS = frozenset({"currency", "energy_price", "hourly_price"})

#: A money unit in another currency than USD: an ISO 4217 code, alone or per MWh, kWh or hour.
_MONEY_RE = re.compile(r"^([A-Za-z]{3})(/MWh|/kWh|/hour)?$")


def money_unit(symbol: str) -> tuple[str, Unit] | None:
    """For a symbol shaped like money (`EUR/kWh`, `jpy`): the code as written and the USD unit of
    the same shape (`USD/kWh`), whose factor and dimension the amount takes. None otherwise.

    Whether the code is a currency with a rate is the caller's question: the language knows the
    shape, the catalog the rates.
    """
    match = _MONEY_RE.match(symbol)
    if match is None:
        return None
    code, per = match.groups()
    return code, UNITS["USD" + (per or "")]


def currency_code(unit: str) -> str:
    """The ISO 4217 code of a money unit as written: `EUR/kWh` -> `EUR`, `JPY` -> `JPY`."""
    return unit.partition("/")[0]


def quantity_from_text(text: str) -> tuple[float, str]:
    """Convert a catalog quantity such as `"989.4 TFLOPS"` or `"40%"` to (SI value, dimension).

    Used by the catalog loader so that data files are written the way analysts write scenarios.
    """
    parts = text.split()
    if not parts or len(parts) > 2:
        raise ValueError(f"expected a number and an optional unit, got {quoted(text)}")
    number = parse_number(parts[0])
    if len(parts) == 1:
        return number.value, "fraction" if number.percent else DIMENSIONLESS
    if number.percent:
        raise ValueError(f"a percentage cannot carry a unit: {quoted(text)}")
    unit = lookup_unit(parts[1])
    if unit is None:
        raise ValueError(f"unknown unit {quoted(parts[1])} in {quoted(text)}")
    return number.value * unit.factor, unit.dimension
