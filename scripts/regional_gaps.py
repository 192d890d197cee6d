"""List the places the energy comparisons cannot serve with their own figures (development-time).

Every country (ISO 3166-1) and subdivision (ISO 3166-2) with a grid carbon intensity of its own
in `grid.toml` can be a scenario's `region`; this prints those among them that lack, in the
catalog's regional files:

* a household electricity figure (`households.toml`): the "how many homes" comparison then
  uses the default country's homes (a subdivision uses its country's, so a subdivision is listed
  only when its country has none);
* an industrial electricity price (`electricity_prices.toml`), split into those the country's
  World Bank commercial tariff stands in for (`commercial_prices.toml`, flagged) and those with
  no price at all (the energy cost is then n/a). A subdivision with no price of its own takes its
  country's, so it is listed by what that gives it.

It then lists the currencies of those countries that have no exchange rate in the catalog (a
price written in one is refused), each with the reason the rates file gives
(`exchange_rates.toml`, `[meta.left_out]`); each country's ISO 4217 currencies are read from
`scripts/data/country_currencies.csv`, the exchange-rate import's input.

It reads the same lookups the model uses (`scendsl.catalog.grid`), so what it lists is what a
scenario there would fall back on. Fill a gap through the import scripts and their `scripts/data`
tables (see docs/regional-data.md, "Rebuilding"), never by hand in the generated files.

Usage (from the repository root): `python scripts/regional_gaps.py` (Markdown on stdout).
"""

from __future__ import annotations

import csv
from pathlib import Path

from scendsl.catalog.grid import is_region_code, region_name, regions_with
from scendsl.language.names import currency_names, left_out_currencies

#: Each country's ISO 4217 currencies (the exchange-rate import's input).
COUNTRY_CURRENCIES = Path(__file__).resolve().parent / "data" / "country_currencies.csv"


def _country(code: str) -> str:
    return code.partition("-")[0]


def _places() -> frozenset[str]:
    """ISO codes with a grid intensity of their own (not the data set's aggregates, such as
    the EU or the world, which are not regions a scenario can name)."""
    return frozenset(c for c in regions_with("grid_intensity") if is_region_code(c))


def gaps() -> dict[str, list[str]]:
    """The codes with a grid intensity of their own, by what they lack (sorted)."""
    grid = _places()
    homes = regions_with("household_electricity")
    industrial = regions_with("industrial_price")
    commercial = regions_with("commercial_price")

    def has(series: frozenset[str], code: str) -> bool:
        return code in series or _country(code) in series

    no_homes = sorted(c for c in grid if not has(homes, c))
    priced = [c for c in grid if not has(industrial, c)]
    stand_in = sorted(c for c in priced if _country(c) in commercial)
    no_price = sorted(c for c in priced if _country(c) not in commercial)
    own_subdivision_price = {c for c in grid if "-" in c and c in industrial}
    country_price = sorted(
        c for c in grid if "-" in c and c not in own_subdivision_price and has(industrial, c)
    )
    return {
        "no household electricity figure (the default country's homes stand in)": no_homes,
        "no industrial price; the country's World Bank commercial tariff stands in": stand_in,
        "no electricity price at all (the energy cost is n/a)": no_price,
        "subdivisions with a grid figure but no price of their own (their country's is used)": (
            country_price
        ),
    }


def currency_gaps() -> dict[str, list[str]]:
    """Currency code -> the countries with a grid intensity that use it, for each currency of
    such a country that has no exchange rate (a country also using the US dollar or a currency
    with a rate is not listed)."""
    with COUNTRY_CURRENCIES.open(encoding="utf-8", newline="") as handle:
        codes = {
            row["ISO3166-1-Alpha-2"]: [
                c for c in row["ISO4217-currency_alphabetic_code"].split(",") if c
            ]
            for row in csv.DictReader(handle)
        }
    rated = set(currency_names()) | {"USD"}
    out: dict[str, list[str]] = {}
    for country in sorted(c for c in _places() if "-" not in c):
        currencies = codes.get(country, [])
        if currencies and not rated.intersection(currencies):
            for currency in currencies:
                out.setdefault(currency, []).append(country)
    return dict(sorted(out.items()))


def main() -> None:
    grid = _places()
    countries = sum("-" not in c for c in grid)
    print(
        f"{countries} countries and {len(grid) - countries} subdivisions have a grid carbon "
        "intensity of their own.\n"
    )
    for heading, codes in gaps().items():
        print(f"### {heading}: {len(codes)}\n")
        print(", ".join(f"{c} ({region_name(c) or c})" for c in codes) or "none")
        print()
    missing = currency_gaps()
    print(f"### currencies of these countries with no exchange rate: {len(missing)}\n")
    why = left_out_currencies()
    for currency, countries in missing.items():
        places = ", ".join(f"{c} ({region_name(c) or c})" for c in countries)
        print(f"* {currency} ({places}): {why.get(currency, 'no reason recorded')}")
    print()


if __name__ == "__main__":
    main()
