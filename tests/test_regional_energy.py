"""Issue 13, "Regional data falls back silently": the grid's carbon intensity and price come from
the sourced per-country data (grid.toml, electricity_prices.toml), labelled, and a stand-in is
flagged in the result.

Expected figures are read from the data files themselves (tomllib), not from the model.
"""

from __future__ import annotations

import tomllib
from importlib.resources import files

import pytest

import scendsl
from scendsl.model.evaluate import evaluate
from scendsl.report.explain import explain_text
from tests.factories import scenario_text

G_PER_KWH = 1e-3 / 3.6e6  # gCO2/kWh in kg/J
USD_PER_MWH = 1 / 3.6e9  # USD/MWh in USD/J


def _data(file: str) -> dict:
    return tomllib.loads(files("scendsl.catalog").joinpath(file).read_text(encoding="utf-8"))


GRID = _data("grid.toml")
PRICES = _data("electricity_prices.toml")


def _figure(data: dict, region: str, series: str, year: int) -> float:
    return float(data[region][series][str(year)]["value"].split()[0])


def _result(region: str, year: int, body: str = "  energy {\n    mix grid 100%\n  }\n"):
    written = f'"{region}"' if "-" in region else region  # a subdivision code is quoted
    return evaluate(scendsl.load(scenario_text(region=written, year=year, body=body)).get("base"))


def test_french_grid_is_several_times_cleaner_than_germany_from_grid_toml_with_data_year():
    fr, de = _result("FR", 2024), _result("DE", 2024)
    fr_value = fr.value("energy.supply_intensity")
    de_value = de.value("energy.supply_intensity")
    assert fr_value == pytest.approx(_figure(GRID, "FR", "grid_intensity", 2024) * G_PER_KWH)
    assert de_value == pytest.approx(_figure(GRID, "DE", "grid_intensity", 2024) * G_PER_KWH)
    assert de_value > 4 * fr_value  # nuclear France vs coal-and-gas Germany, not the EU average
    node = fr.node("energy.supply_intensity")
    assert "grid.toml FR.grid_intensity[2024]" in node.origin
    explained = explain_text(fr, "energy.supply_intensity")
    assert "Ember and Energy Institute via Our World in Data" in explained
    assert "FR.grid_intensity[2024]" in explained
    assert fr.value("energy.grid_intensity_fallback") is False


def test_india_grid_is_india_own_figure_not_the_world_average():
    result = _result("IN", 2023)
    india = _figure(GRID, "IN", "grid_intensity", 2023)
    world = _figure(GRID, "WORLD", "grid_intensity", 2023)
    assert india != world
    assert result.value("energy.supply_intensity") == pytest.approx(india * G_PER_KWH)
    assert result.value("energy.grid_intensity_fallback") is False


def test_texas_grid_is_its_own_state_figure_not_the_us_average():
    texas, us = _result("US-TX", 2023), _result("US", 2023)
    tx_value = texas.value("energy.supply_intensity")
    assert tx_value == pytest.approx(_figure(GRID, "US-TX", "grid_intensity", 2023) * G_PER_KWH)
    assert tx_value != pytest.approx(us.value("energy.supply_intensity"))
    assert "US-TX.grid_intensity[2023]" in texas.node("energy.supply_intensity").origin
    price = texas.value("energy.supply_price")
    assert price == pytest.approx(_figure(PRICES, "US-TX", "industrial_price", 2023) * USD_PER_MWH)
    assert texas.value("energy.grid_price_fallback") is False


def test_region_without_price_figure_is_flagged_as_fallback_and_uses_the_labelled_default():
    assert "KP" not in PRICES and "KP" not in _data("commercial_prices.toml")
    result = _result("KP", 2023)
    assert result.value("energy.grid_price_fallback") is True
    flag = result.node("energy.grid_price_fallback")
    assert "no industrial electricity price for North Korea (KP)" in flag.note
    assert "energy.gas.price" in flag.note
    gas = _data("energy.toml")["gas"]["price"]["value"]
    assert result.value("energy.supply_price") == pytest.approx(float(gas.split()[0]) * USD_PER_MWH)


def test_hong_kong_without_an_industrial_price_uses_its_own_commercial_tariff_flagged():
    assert "HK" not in PRICES
    result = _result("HK", 2025)
    expected = _figure(_data("commercial_prices.toml"), "HK", "commercial_price", 2019)
    assert result.value("energy.supply_price") == pytest.approx(expected * USD_PER_MWH)
    assert result.value("energy.grid_price_fallback") is True
    flag = result.node("energy.grid_price_fallback").note
    assert "World Bank's 2019 Doing Business tariff for a commercial warehouse" in flag
    assert "energy.gas.price" not in flag
    explained = explain_text(result, "energy.supply_price")
    assert "commercial_prices.toml HK.commercial_price[2019]" in explained
    assert "stands in" in explained


def test_french_price_comes_from_eurostat_for_the_year():
    result = _result("FR", 2024)
    expected = _figure(PRICES, "FR", "industrial_price", 2024) * USD_PER_MWH
    assert result.value("energy.supply_price") == pytest.approx(expected)
    assert "Eurostat" in explain_text(result, "energy.supply_price")
    assert result.value("energy.grid_price_fallback") is False


def test_year_past_the_data_uses_latest_year_labelled_extrapolated_and_flagged():
    latest = max(int(year) for year in GRID["FR"]["grid_intensity"])
    result = _result("FR", latest + 3)
    node = result.node("energy.supply_intensity")
    assert node.value == pytest.approx(_figure(GRID, "FR", "grid_intensity", latest) * G_PER_KWH)
    assert f"extrapolated: no {latest + 3} figure, {latest} value used" in node.note
    assert f"FR.grid_intensity[{latest}]" in node.origin
    assert result.value("energy.grid_intensity_fallback") is True
    assert f"no {latest + 3} figure" in result.node("energy.grid_intensity_fallback").note


def test_country_without_figure_gets_world_average_labelled_with_low_confidence():
    missing = next(code for code in ("AQ", "BV", "HM") if code not in GRID)
    result = _result(missing, 2023)
    node = result.node("energy.supply_intensity")
    world = _figure(GRID, "WORLD", "grid_intensity", 2023)
    assert node.value == pytest.approx(world * G_PER_KWH)
    assert "the world average used" in node.note
    assert result.value("energy.grid_intensity_fallback") is True


def test_grid_not_in_mix_is_not_flagged_even_without_regional_price():
    body = "  energy {\n    mix solar 100%\n  }\n"
    result = _result("IN", 2023, body)
    assert result.value("energy.grid_price_fallback") is False
    assert result.value("energy.grid_intensity_fallback") is False


def test_us_state_intensity_is_labelled_direct_combustion_not_lifecycle():
    # eGRID state rates count combustion only; the supply intensity must not pass for lifecycle.
    texas, france = _result("US-TX", 2023), _result("FR", 2023)
    note = texas.node("energy.supply_intensity").note
    assert note and "not lifecycle" in note
    assert "not lifecycle" not in (france.node("energy.supply_intensity").note or "")
    assert "not lifecycle" in explain_text(texas, "energy.supply_intensity")


def test_newly_covered_eurostat_countries_price_from_eurostat_not_the_gas_plant():
    for region in ("PL", "SE", "NO", "GB", "TR"):
        result = _result(region, 2019)
        expected = _figure(PRICES, region, "industrial_price", 2019) * USD_PER_MWH
        assert result.value("energy.supply_price") == pytest.approx(expected), region
        assert result.value("energy.grid_price_fallback") is False, region
