"""scripts/regional_gaps.py lists what a scenario in each place would fall back on: checked
against the model's own lookups for every place it lists (none named here)."""

from __future__ import annotations

import csv
import importlib.util
import tomllib
from pathlib import Path

import pycountry
import pytest

from scendsl.catalog.currency import exchange_rate
from scendsl.catalog.grid import electricity_price, household_electricity, regions_with

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "regional_gaps.py"
RATES = Path(__file__).resolve().parents[1] / "scendsl" / "catalog" / "exchange_rates.toml"
YEAR = 2024


def _script():
    spec = importlib.util.spec_from_file_location("regional_gaps", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _gaps() -> dict[str, list[str]]:
    return _script().gaps()


def test_each_listed_place_falls_back_as_its_heading_says():
    homes, stand_in, no_price, country_price = _gaps().values()
    assert homes and stand_in and no_price  # else nothing below is checked
    for code in homes:
        assert household_electricity(code, YEAR).value is None, code
    for code in stand_in:
        figure = electricity_price(code, YEAR)
        assert figure.fallback and figure.value is not None, code
        assert figure.series == "commercial_price", code
    for code in no_price:
        assert electricity_price(code, YEAR).value is None, code
    industrial = regions_with("industrial_price")
    for code in country_price:
        assert code not in industrial and code.partition("-")[0] in industrial, code


def test_a_place_with_its_own_figures_is_not_listed():
    listed = {code for codes in list(_gaps().values())[:3] for code in codes}
    grid = regions_with("grid_intensity")
    served = (regions_with("industrial_price") & regions_with("household_electricity")) & grid
    assert served and not (served & listed)


def test_each_listed_currency_has_no_rate_and_its_reason_is_recorded():
    """A price in a listed currency is refused, and the rates file says why (a currency with a
    rate, or a country that also uses one, is not listed)."""
    missing = _script().currency_gaps()
    assert missing  # else nothing below is checked
    rates = tomllib.loads(RATES.read_text(encoding="utf-8"))
    for currency, countries in missing.items():
        with pytest.raises(KeyError):
            exchange_rate(currency, YEAR)
        assert rates["meta"]["left_out"][currency], currency
        assert countries and all(c in regions_with("grid_intensity") for c in countries)
    assert not {"KES", "NGN", "EGP", "VND", "PKR", "BDT", "ARS", "USD", "EUR"} & set(missing)


def test_population_is_each_country_latest_world_bank_figure():
    script = _script()
    people = script.population()
    assert len(people) > 150  # else nothing below is checked
    latest: dict[str, tuple[int, str]] = {}
    with script.POPULATION.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if (
                row["Value"].strip()
                and int(row["Year"]) >= latest.get(row["Country Code"], (0, ""))[0]
            ):
                latest[row["Country Code"]] = (int(row["Year"]), row["Value"])
    for code, (count, year) in people.items():
        alpha3 = pycountry.countries.get(alpha_2=code).alpha_3
        assert latest[alpha3] == (year, latest[alpha3][1]), code
        assert count == int(float(latest[alpha3][1])), code
    # The data set's aggregates (World, income groups) have no ISO code and are not counted.
    assert "WLD" in latest and all(len(code) == 2 for code in people)


def test_people_in_a_list_counts_countries_once_largest_first():
    people = {"AA": (5, 2024), "BB": (9, 2023), "CC": (5, 2024)}
    total, ranked = _script().people_in(["CC", "AA", "BB", "BB-01", "ZZ"], people)
    assert total == 19  # the subdivision is its country's, the code without a figure is none
    assert ranked == ["BB", "AA", "CC"]


def test_household_gap_is_reported_with_its_people_largest_first(capsys):
    script = _script()
    script.main()
    out = capsys.readouterr().out
    homes = next(iter(_gaps().values()))
    total, ranked = script.people_in(homes, script.population())
    section = out.split("### ")[1]
    assert f"People in these countries: {total / 1e9:,.2f} billion" in section
    largest = section.split("Largest: ")[1]
    assert largest.startswith(f"{ranked[0]} ")
    assert largest.index(f"{ranked[1]} ") < largest.index(f"{ranked[2]} ")


CATALOG = Path(__file__).resolve().parents[1] / "scendsl" / "catalog"


@pytest.mark.parametrize(
    ("series", "file", "key"),
    [
        ("household electricity", "households.toml", "household_electricity"),
        ("grid carbon intensity", "grid.toml", "grid_intensity"),
        ("industrial price", "electricity_prices.toml", "industrial_price"),
    ],
)
def test_latest_years_are_each_country_last_year_in_the_catalog_file(series, file, key):
    latest = _script().latest_years(series)
    data = tomllib.loads((CATALOG / file).read_text(encoding="utf-8"))
    own = {
        code: max(int(y) for y in entry[key])
        for code, entry in data.items()
        if code in latest or (isinstance(entry, dict) and key in entry and len(code) == 2)
    }
    assert latest  # else nothing below is checked
    for code, year in latest.items():
        assert own[code] == year, code
    grid = regions_with("grid_intensity")
    missing = {c for c in own if c in grid and c not in latest}
    assert not missing, missing  # a country with its own figure is never left out


def test_behind_lists_exactly_the_countries_two_years_or_more_older_than_the_newest():
    script = _script()
    for series in ("household electricity", "grid carbon intensity", "industrial price"):
        latest = script.latest_years(series)
        newest, old = script.behind(series)
        assert newest == max(latest.values())
        assert old == {c: y for c, y in latest.items() if newest - y >= 2}, series
