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

Last, for household electricity, the industrial price and the grid intensity, the countries
whose own latest figure is two or more years older than the newest any country has: a later
scenario there reads that older figure.

Each country list also says how many people live in the listed countries and names the most
populous first, from the World Bank population (`SP.POP.TOTL`, the latest year of each country in
`scripts/data/worldbank_population_2015_on.csv`, the household import's input), so the largest
gaps can be filled first; territories without a World Bank figure count as none.

It reads the same lookups the model uses (`scendsl.catalog.grid`), so what it lists is what a
scenario there would fall back on. Fill a gap through the import scripts and their `scripts/data`
tables (see docs/regional-data.md, "Rebuilding"), never by hand in the generated files.

Usage (from the repository root): `python scripts/regional_gaps.py` (Markdown on stdout).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pycountry

from scendsl.catalog.grid import (
    electricity_price,
    grid_intensity,
    household_electricity,
    is_region_code,
    region_name,
    regions_with,
)
from scendsl.language.names import currency_names, left_out_currencies

#: Each country's ISO 4217 currencies (the exchange-rate import's input).
COUNTRY_CURRENCIES = Path(__file__).resolve().parent / "data" / "country_currencies.csv"
#: World Bank SP.POP.TOTL from 2015 (the household import's input).
POPULATION = Path(__file__).resolve().parent / "data" / "worldbank_population_2015_on.csv"
#: How many of a list's most populous countries are named.
LARGEST = 12


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


def population() -> dict[str, tuple[int, int]]:
    """Alpha-2 code -> (people, year): each country's latest World Bank population (the data
    set's aggregates, such as regions and income groups, have no ISO code and are left out)."""
    out: dict[str, tuple[int, int]] = {}
    with POPULATION.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            country = pycountry.countries.get(alpha_3=row["Country Code"])
            if country is None or not row["Value"].strip():
                continue
            year = int(row["Year"])
            if year >= out.get(country.alpha_2, (0, 0))[1]:
                out[country.alpha_2] = (int(float(row["Value"])), year)
    return out


def people_in(codes: list[str], people: dict[str, tuple[int, int]]) -> tuple[int, list[str]]:
    """The number of people in the listed countries (subdivisions are not counted: their
    country is) and the codes by population, largest first (ties by code)."""
    counted = [c for c in codes if "-" not in c and c in people]
    ranked = sorted(counted, key=lambda c: (-people[c][0], c))
    return sum(people[c][0] for c in counted), ranked


#: A year past every series' last: a lookup for it returns the region's latest figure.
_LATEST = 9999
#: The series whose years are compared, each with the lookup the model uses and its catalog name.
_SERIES_OF = {
    "household electricity": "household_electricity",
    "industrial price": "industrial_price",
    "grid carbon intensity": "grid_intensity",
}
_LOOKUPS = {
    "household electricity": household_electricity,
    "industrial price": electricity_price,
    "grid carbon intensity": grid_intensity,
}


def latest_years(series: str) -> dict[str, int]:
    """Country code -> the latest year of its own figure of `series` (a country reading another
    region's figure, or a stand-in of another series, has none)."""
    lookup = _LOOKUPS[series]
    out: dict[str, int] = {}
    for code in sorted(c for c in _places() if "-" not in c):
        figure = lookup(code, _LATEST)
        own = figure.region_used == code and figure.series in (None, _SERIES_OF[series])
        if figure.value is not None and own and figure.year_used is not None:
            out[code] = figure.year_used
    return out


def behind(series: str) -> tuple[int, dict[str, int]]:
    """The newest year any country has of `series`, and the countries whose own latest figure
    is two or more years older (a later scenario reads that figure)."""
    years = latest_years(series)
    newest = max(years.values())
    return newest, {c: y for c, y in years.items() if y <= newest - 2}


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
    people = population()
    listed = [c for c in grid if "-" not in c and c in people]
    everyone = sum(people[c][0] for c in listed)
    for heading, codes in gaps().items():
        print(f"### {heading}: {len(codes)}\n")
        print(", ".join(f"{c} ({region_name(c) or c})" for c in codes) or "none")
        total, ranked = people_in(codes, people)
        if ranked:
            largest = ", ".join(
                f"{c} {people[c][0] / 1e6:,.1f} million ({people[c][1]})" for c in ranked[:LARGEST]
            )
            print(
                f"\nPeople in these countries: {total / 1e9:,.2f} billion, {total / everyone:.1%}"
                f" of the {everyone / 1e9:,.2f} billion in the {len(listed)} countries with a grid"
                f" figure and a World Bank population (SP.POP.TOTL). Largest: {largest}."
            )
        print()
    for series in _LOOKUPS:
        newest, old = behind(series)
        print(
            f"### countries whose own {series} ends two or more years before {newest}, the"
            f" newest year any has: {len(old)}\n"
        )
        total, ranked = people_in(sorted(old), people)
        listed = ranked + sorted(set(old) - set(ranked))  # no World Bank population: last
        print(", ".join(f"{c} ({region_name(c) or c}) {old[c]}" for c in listed) or "none")
        print(f"\nPeople in these countries: {total / 1e9:,.2f} billion.\n")
    missing = currency_gaps()
    print(f"### currencies of these countries with no exchange rate: {len(missing)}\n")
    why = left_out_currencies()
    for currency, countries in missing.items():
        places = ", ".join(f"{c} ({region_name(c) or c})" for c in countries)
        print(f"* {currency} ({places}): {why.get(currency, 'no reason recorded')}")
    print()


if __name__ == "__main__":
    main()
