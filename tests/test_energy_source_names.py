"""An energy source written by another of its names is told the one the language uses
(energy.toml `also_known_as`); a spelling guess is kept for typos only. Before, `natural_gas` was
offered `stranded_gas`, `onshore_wind` `offshore_wind` and `coal_ccs` `coal`: each another source,
with another intensity and price."""

from __future__ import annotations

import pytest

from scendsl.catalog import load_catalog
from scendsl.language.names import aliases_in
from scendsl.suggest import name_key
from tests.factories import only_diagnostic, scenario_text

CATALOG = load_catalog()


def _hint(source: str) -> str:
    body = f"  energy {{\n    mix {source} 50%, grid 50%\n  }}\n"
    diagnostic = only_diagnostic(scenario_text("s", body=body))
    assert diagnostic.message == f"unknown energy source '{source}'"
    return diagnostic.hint or ""


@pytest.mark.parametrize(
    ("written", "source"),
    [
        ("natural_gas", "gas"),
        ("onshore_wind", "wind"),
        ("hydroelectric", "hydro"),
        ("pv", "solar"),
        ("Solar_PV", "solar"),
        ("small_modular_reactor", "smr"),
        ("brown_coal", "lignite"),
        ("heavy_fuel_oil", "oil"),
        ("concentrated_solar", "csp"),
        ("solar_thermal", "csp"),
    ],
)
def test_another_name_of_a_source_is_told_the_languages(written, source):
    assert _hint(written) == f"'{written}' is written `{source}` here"


@pytest.mark.parametrize(
    ("written", "source"),
    [("hydr", "hydro"), ("solr", "solar"), ("gaz", "gas"), ("soalr", "solar")],
)
def test_a_typo_is_still_matched(written, source):
    assert _hint(written) == f"did you mean '{source}'?"


@pytest.mark.parametrize("written", ["coal_ccs", "biomass", "renewables"])
def test_a_supply_the_catalog_lacks_is_told_how_to_write_it(written):
    hint = _hint(written)
    assert "did you mean" not in hint
    assert hint.startswith("one of: coal, csp, diesel, gas, ") and "`intensity` and `price`" in hint


def test_every_alias_names_one_source_and_none_is_a_source():
    aliases = aliases_in("energy.toml")
    own = {name_key(name) for name in CATALOG.energy_sources}
    assert aliases and not own & set(aliases)
    assert set(aliases.values()) <= set(CATALOG.energy_sources)


@pytest.mark.parametrize(
    ("a", "b", "one"),
    [
        ("gaz", "gas", True),  # changed
        ("hydr", "hydro", True),  # dropped
        ("soalr", "solar", True),  # swapped neighbours
        ("solarr", "solar", True),  # added
        ("gas", "gas", False),  # the same name is no typo
        ("oil", "coal", False),
        ("coalccs", "coal", False),
        ("slaor", "solar", False),  # two edits
    ],
)
def test_one_edit_is_one_typo(a, b, one):
    from scendsl.suggest import one_edit

    assert one_edit(a, b) is one
    assert one_edit(b, a) is one


def test_the_supplies_the_hint_calls_other_are_no_source_of_the_catalog():
    """The hint said "for another supply (fuel oil, ...)" once `oil` (also `fuel_oil`) was one."""
    import re

    from scendsl.language.names import energy_source_named
    from scendsl.language.values import energy_source_hint

    hint = energy_source_hint("peat", ["gas", "oil"])
    others = re.search(r"another supply \(([^)]*)\)", str(hint)).group(1).split(", ")
    assert others and all(energy_source_named(word) is None for word in others), others
