"""`diesel`, a site's own generators, is an energy source of the mix: sites on grids with outages
(the Lagos, Lahore, Johannesburg, Hanoi and Accra trials) counted their gensets as gas, or wrote
a blended intensity by hand. Expected values are read from the catalog, never written in."""

from __future__ import annotations

import tomllib
from importlib.resources import files

import pytest

import scendsl
from scendsl.language.units import quantity_from_text
from tests.factories import scenario_text


def _diesel() -> dict:
    text = files("scendsl.catalog").joinpath("energy.toml").read_text("utf-8")
    return tomllib.loads(text)["diesel"]


def _result(mix: str):
    body = f"  energy {{\n    mix {mix}\n  }}\n"
    return scendsl.evaluate(
        scendsl.load_text(scenario_text("s", region="NG", body=body)).scenarios[0]
    )


def test_a_site_on_diesel_alone_has_the_catalogs_intensity_and_price():
    result = _result("diesel 100%")
    entry = _diesel()
    assert result["energy.supply_intensity"].value == pytest.approx(
        quantity_from_text(entry["intensity"]["value"])[0]
    )
    assert result["energy.supply_price"].value == pytest.approx(
        quantity_from_text(entry["price"]["value"])[0]
    )


def test_a_gensets_share_is_weighted_into_the_mix_and_its_power():
    grid = _result("grid 100%")
    mixed = _result("grid 80%, diesel 20%")
    diesel = quantity_from_text(_diesel()["intensity"]["value"])[0]
    expected = 0.8 * grid["energy.supply_intensity"].value + 0.2 * diesel
    assert mixed["energy.supply_intensity"].value == pytest.approx(expected)
    power = mixed["energy.power_by_source"].value
    assert power["diesel"] == pytest.approx(0.25 * power["grid"])


@pytest.mark.parametrize("written", ["genset", "diesel_generators", "backup_diesel"])
def test_a_gensets_other_names_are_told_diesel(written):
    from tests.factories import only_diagnostic

    body = f"  energy {{\n    mix grid 90%, {written} 10%\n  }}\n"
    diagnostic = only_diagnostic(scenario_text("s", body=body))
    assert diagnostic.fix == "diesel"
