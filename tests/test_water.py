"""On-site water: a site's WUE (litres per kWh of IT energy, The Green Grid's definition) times
its IT energy, a year and for the training run. Regulators and investment boards of the Manila,
Casablanca and Reykjavik trials asked for it first. Expected values are worked by hand from the
scenario's inputs and the catalog's figures, never copied from the model's output."""

from __future__ import annotations

import tomllib
from importlib.resources import files

import pytest

import scendsl
from scendsl.catalog import load_catalog
from scendsl.language.units import quantity_from_text
from scendsl.model.evaluate import evaluate
from tests.factories import only_diagnostic, scenario_text

KWH = 3.6e6  # J
LITRE = 1e-3  # m3


def _result(energy: str = "", region: str = "PH", workload: str = ""):
    body = (f"  energy {{\n{energy}  }}\n" if energy else "") + workload
    return scendsl.evaluate(
        scendsl.load_text(scenario_text("s", region=region, body=body)).scenarios[0]
    )


def _calibration(key: str) -> dict:
    text = files("scendsl.catalog").joinpath("calibration.toml").read_text("utf-8")
    return tomllib.loads(text)["wue_by_site_class"][key]


def test_a_written_wue_times_the_it_energy_is_the_years_water():
    result = _result("    pue 1.25\n    wue 1.6 L/kWh\n")
    it_kwh = result["energy.annual_energy"].value / 1.25 / KWH
    assert result["energy.water_use"].value == pytest.approx(it_kwh * 1.6 * LITRE)


def test_twice_the_wue_is_twice_the_water_and_the_pue_does_not_count_twice():
    low = _result("    pue 1.5\n    wue 0.5 L/kWh\n")
    high = _result("    pue 1.5\n    wue 1 L/kWh\n")
    assert high["energy.water_use"].value == pytest.approx(2 * low["energy.water_use"].value)
    # the IT energy is the same whatever the PUE: the water follows it, not the facility's
    other = _result("    pue 1.1\n    wue 1 L/kWh\n")
    assert other["energy.water_use"].value == pytest.approx(high["energy.water_use"].value)


def test_without_a_wue_the_site_class_figure_is_used_with_its_source():
    result = _result("    site_class colocation\n")
    figure = _calibration("wue_colocation_2014")
    expected = quantity_from_text(figure["value"])[0]
    wue = result["energy.wue"]
    assert wue.value == pytest.approx(expected)
    assert figure["source"] in wue.sources and wue.confidence == figure["confidence"]
    assert "site class colocation" in (wue.note or "")


def test_a_hyperscale_site_past_the_data_takes_the_operators_latest_fleet_figure():
    """Microsoft reported its owned fleet's WUE for 2025, 0.27 L/kWh (June 2026): a 2026
    hyperscale site read the 0.30 of fiscal 2024 (the Singapore trial)."""
    figure = _calibration("wue_hyperscale_2025")
    wue = scendsl.evaluate(
        scendsl.load_text(
            scenario_text(
                "s", year=2026, region="SG", body="  energy {\n    site_class hyperscale\n  }\n"
            )
        ).scenarios[0]
    )["energy.wue"]
    assert wue.value == pytest.approx(quantity_from_text(figure["value"])[0])
    assert figure["source"] in wue.sources


def test_the_training_runs_water_is_its_it_energy_times_the_wue():
    workload = "  workload {\n    parameters 7B\n    tokens 100B\n  }\n"
    result = _result("    wue 2 L/kWh\n", workload=workload)
    it_kwh = result["energy.training_it_energy"].value / KWH
    assert result["energy.training_water"].value == pytest.approx(it_kwh * 2 * LITRE)


def test_a_wue_past_any_sites_is_refused_as_a_unit_error():
    diagnostic = only_diagnostic(scenario_text("s", body="  energy {\n    wue 50 L/kWh\n  }\n"))
    assert diagnostic.message == "'energy.wue' must be between 0 L/kWh and 20 L/kWh"


def test_a_volume_reads_in_litres_and_cubic_metres():
    assert quantity_from_text("1000 L")[0] == pytest.approx(quantity_from_text("1 m3")[0])
    assert quantity_from_text("2 ML")[0] == pytest.approx(2000.0)
    assert quantity_from_text("1 L/kWh")[0] == pytest.approx(LITRE / KWH)
    assert quantity_from_text("1000 L/MWh")[0] == pytest.approx(LITRE / KWH)


def _source_water(name: str) -> float:
    text = files("scendsl.catalog").joinpath("energy.toml").read_text("utf-8")
    return quantity_from_text(tomllib.loads(text)[name]["water"]["value"])[0]


def test_off_site_water_weighs_each_sources_water_by_its_share():
    result = _result("    mix nuclear 25%, wind 75%\n")
    per_joule = 0.25 * _source_water("nuclear") + 0.75 * _source_water("wind")
    assert result["energy.supply_water"].value == pytest.approx(per_joule)
    expected = result["energy.annual_energy"].value * per_joule
    assert result["energy.offsite_water"].value == pytest.approx(expected)


@pytest.mark.parametrize("mix", ["grid 100%", "grid 80%, solar 20%", "diesel 100%"])
def test_off_site_water_is_none_where_a_source_has_no_figure(mix):
    result = _result(f"    mix {mix}\n")
    assert result["energy.offsite_water"].value is None
    assert result["energy.water_use"].value is not None  # the site's own water still counts


def _grid_mix_file() -> dict:
    text = files("scendsl.catalog").joinpath("grid_mix.toml").read_text("utf-8")
    return tomllib.loads(text)


GRID_MIX_COUNTRIES = sorted(code for code in _grid_mix_file() if code != "meta")


@pytest.mark.parametrize("code", GRID_MIX_COUNTRIES)
def test_the_grids_off_site_water_weighs_its_countrys_generation_mix(code):
    """A site on its region's grid had no off-site water (the Paris and Lima trials: 'the
    catalog has no water figure for ... a region's grid'): the country's generation shares by
    fuel weigh each fuel's water, a fuel without a figure counted as none and named."""
    data = _grid_mix_file()
    latest = max(data[code]["grid_mix"])
    shares = data[code]["grid_mix"][latest]
    stands_for = data["meta"]["energy_source"]
    energy = tomllib.loads(files("scendsl.catalog").joinpath("energy.toml").read_text("utf-8"))
    with_water = {fuel for fuel, source in stands_for.items() if "water" in energy.get(source, {})}
    expected = sum(shares[fuel] / 100 * _source_water(stands_for[fuel]) for fuel in with_water)
    result = _result("    mix grid 100%\n", region=code)
    water = result["energy.supply_water"]
    assert water.value == pytest.approx(expected)
    assert result["energy.offsite_water"].value == pytest.approx(
        result["energy.annual_energy"].value * expected
    )
    assert data["meta"]["source"] in water.sources[0]
    for fuel in set(stands_for) - with_water:
        if shares[fuel] > 0:
            assert f"{fuel} {shares[fuel]:.1f}%" in water.note


@pytest.mark.parametrize("grade", ["A", "C"])
def test_the_grids_water_is_as_sure_as_the_least_sure_figure_it_blends(grade):
    """The blend's confidence is the lowest of the mix's grade (grid_mix.toml) and each fuel's
    water grade (energy.toml), not a grade fixed in the model: with every fuel's water graded
    `grade`, it is the lower of that and the mix's."""
    catalog = load_catalog()
    sources = {
        name: source.model_copy(
            update={"water": source.water.model_copy(update={"confidence": grade})}
        )
        if source.water is not None
        else source
        for name, source in catalog.energy_sources.items()
    }
    graded = catalog.model_copy(update={"energy_sources": sources})
    code = GRID_MIX_COUNTRIES[0]
    text = scenario_text("s", region=code, body="  energy {\n    mix grid 100%\n  }\n")
    result = evaluate(scendsl.load_text(text).scenarios[0], graded)
    mix = _grid_mix_file()[code]["grid_mix"]
    assert result["energy.supply_water"].confidence == max(grade, mix[max(mix)]["confidence"])


def test_the_grid_mix_import_writes_each_countrys_shares_and_what_stands_for_each_fuel(tmp_path):
    from tests.test_grid_data import _script

    module = _script("import_grid_mix")
    extract = tmp_path / "owid.csv"
    extract.write_text(
        "country,year,iso_code,hydro_share_elec,other_renewables_share_elec_exc_biofuel\n"
        "Iceland,2023,ISL,69.9,30.1\n",
        encoding="utf-8",
    )
    data = tomllib.loads(module.build_toml(extract, dataset="test"))
    assert data["IS"]["grid_mix"]["2023"]["hydro"] == 69.9
    assert data["IS"]["grid_mix"]["2023"]["other_renewables_exc_biofuel"] == 30.1
    assert data["IS"]["grid_mix"]["2023"]["coal"] == 0.0
    assert data["meta"]["energy_source"]["other_renewables_exc_biofuel"] == "geothermal"
    assert module.build_toml(extract, dataset="test") == module.build_toml(extract, dataset="test")


def test_the_committed_grid_mix_is_what_the_import_writes_from_the_committed_extract():
    """grid_mix.toml says it is generated: the script, on the extract its header names and the
    dataset its meta records, writes it byte for byte (its usage once gave another dataset)."""
    from tests.test_grid_data import ROOT, _script

    committed = _grid_mix_file()
    text = files("scendsl.catalog").joinpath("grid_mix.toml").read_text("utf-8")
    extract = ROOT / "scripts" / "data" / "owid_generation_shares_extract.csv"
    module = _script("import_grid_mix")
    assert module.build_toml(extract, dataset=committed["meta"]["dataset"]) == text
    assert "owid_generation_shares_extract.csv" in module.__doc__
    assert committed["meta"]["dataset"] in module.__doc__


@pytest.mark.parametrize("code", ["EG", "ZM", "MY", "CA", "JO", "NZ", "CO"])
def test_the_trials_grids_have_their_off_site_water(code):
    """The Cairo water ministry's campus on Egypt's gas grid (and the Lusaka, Kuala Lumpur and
    Ottawa trials' grids) had no off-site water: 'the catalog has no water figure for a source
    of its supply, a region's grid among them'; so had the Amman water authority's site on
    Jordan's gas and oil-shale grid, and the Wellington and Bogota trials' grids ('the
    catalog has no water figure for the grid of Jordan, whose generation shares by fuel the
    catalog does not hold')."""
    result = _result("    mix grid 100%\n", region=code)
    assert result["energy.offsite_water"].value is not None
    assert result["energy.offsite_water"].value > 0


def test_a_subdivision_on_its_countrys_mix_says_the_country_stands_in():
    """The Ottawa trial's Alberta site read Canada's hydro-heavy mix as its own, without a word;
    the country's own region says nothing of standing in."""
    province = _result("    mix grid 100%\n", region='"CA-AB"')["energy.supply_water"]
    assert "the country's mix stands in for Alberta (CA-AB)" in province.note
    # The country by its name, as the briefings name places, not its code ("the CA grid's").
    assert " generation mix of Canada (" in province.note and "CA grid" not in province.note
    country = _result("    mix grid 100%\n", region="CA")["energy.supply_water"]
    assert "stands in" not in country.note
    assert province.value == pytest.approx(country.value)


@pytest.mark.parametrize(
    ("mix", "named"),
    [
        ("hydro 45%, coal 30%, diesel 25%", "no water figure for diesel)"),
        ("grid 100%", "no water figure for the grid of the Philippines, whose generation"),
    ],
)
def test_the_briefing_names_what_leaves_the_off_site_water_uncounted(tmp_path, mix, named):
    """The Lusaka trial's drought mix (hydro, coal, diesel) was told 'a region's grid among
    them', of a mix with no grid in it: the briefing names the parts without a water figure."""
    from scendsl.cli import main

    path = tmp_path / "s.scn"
    path.write_text(scenario_text("s", region="PH", body=f"  energy {{\n    mix {mix}\n  }}\n"))
    assert main(["build", str(path), "-o", str(tmp_path / "out")]) == 0
    page = (tmp_path / "out" / "s.md").read_text(encoding="utf-8")
    assert named in page
    assert "a region's grid among them" not in page


@pytest.mark.parametrize(
    ("mix", "missing"),
    [
        ("hydro 45%, coal 30%, diesel 25%", [{"source": "diesel"}]),
        ("grid 60%, diesel 40%", [{"source": "grid", "region": "PH"}, {"source": "diesel"}]),
        ("grid 50%, solar 50%", [{"source": "grid", "region": "PH"}]),
        ("hydro 50%, coal 50%", []),
    ],
)
def test_the_model_names_the_parts_without_a_water_figure_in_the_json(mix, missing):
    """Which parts of the supply leave the off-site water n/a is the model's to say (a
    structured `missing` of energy.supply_water, in JSON), not the briefing's to work out."""
    from scendsl.report.export import metric_data

    water = metric_data(_result(f"    mix {mix}\n")["energy.supply_water"])
    assert water.get("missing", []) == missing
    assert (water["value"] is None) == bool(missing)


def test_a_water_figure_added_to_the_catalog_leaves_the_part_unnamed():
    # diesel given a water figure in a copy of the catalog: the model counts it, and neither
    # the model nor the briefing's sentence names it any more.
    from scendsl.report.views.scenario import _water_unknown

    catalog = load_catalog()
    sources = dict(catalog.energy_sources)
    sources["diesel"] = sources["diesel"].model_copy(update={"water": sources["coal"].water})
    edited = catalog.model_copy(update={"energy_sources": sources})
    text = scenario_text("s", region="PH", body="  energy {\n    mix coal 60%, diesel 40%\n  }\n")
    scenario = scendsl.load_text(text).get("s")
    shipped, counted = evaluate(scenario, catalog), evaluate(scenario, edited)
    assert _water_unknown(shipped, "the Philippines") == ["diesel"]
    assert _water_unknown(counted, "the Philippines") == []
    assert counted["energy.supply_water"].value > 0
