"""What a run's emissions count (issue 12, energy): `energy.emissions_boundary` says whether
energy.training_emissions holds the site's electricity (the default), the IT equipment's, or the
accelerators' alone at their rated power, as the ML CO2 Impact calculator (mlco2/impact: the
GPU's TDP × hours × the region's intensity) and BLOOM's dynamic energy count.

Expected values are worked from the scenario's own inputs and the catalog's TDP, not read back
from the model's result for the same quantity.
"""

import pytest

import scendsl
from scendsl.catalog import load_catalog
from scendsl.model.evaluate import evaluate
from scendsl.report.warnings import scenario_warnings

TEMPLATE = """
scenario run {{
  title "run"
  year 2023
  region US
  cluster {{
    accelerator A100_80GB
    count 512
{cluster}
  }}

  energy {{
    intensity 288 gCO2/kWh
    pue 1.2
{energy}
  }}

  workload {{
    parameters 80B
    duration 672 hours
  }}
}}
"""

HOURS = 512 * 672
INTENSITY = 288e-3 / 3.6e6  # kg per joule


def result(energy: str = "", cluster: str = ""):
    text = TEMPLATE.format(energy=energy, cluster=cluster)
    return evaluate(scendsl.load(text).get("run"))


def a100_tdp() -> float:
    return load_catalog().accelerators["A100_80GB"].figures["tdp"].value


def test_by_default_the_emissions_are_the_sites_electricity():
    got = result()
    assert got.value("energy.emissions_boundary") == "facility"
    site = got.value("energy.training_energy")
    assert got.value("energy.training_emissions") == pytest.approx(site * INTENSITY)
    assert not {w.id for w in scenario_warnings(got)} & {"emissions-boundary-narrow"}


def test_the_it_boundary_leaves_the_site_overhead_out():
    got = result("    emissions_boundary it")
    site = got.value("energy.training_energy")
    assert got.value("energy.training_emissions") == pytest.approx(site / 1.2 * INTENSITY)


def test_the_accelerators_boundary_is_their_hours_at_the_rated_power():
    got = result("    emissions_boundary accelerators")
    counted = HOURS * 3600 * a100_tdp()
    assert got.value("energy.emissions_energy") == pytest.approx(counted)
    assert got.value("energy.training_emissions") == pytest.approx(counted * INTENSITY)
    # No server, network, site or training fraction: below what the site draws.
    assert counted < got.value("energy.training_energy")


def test_a_power_limit_below_the_tdp_is_what_the_accelerators_boundary_counts():
    got = result("    emissions_boundary accelerators", "    power_limit 300 W")
    assert got.value("energy.emissions_energy") == pytest.approx(HOURS * 3600 * 300)


def test_the_boundary_leaves_the_runs_energy_and_cost_alone():
    site, narrow = result(), result("    emissions_boundary accelerators")
    for name in ("energy.training_energy", "energy.training_cost", "energy.annual_emissions"):
        assert narrow.value(name) == pytest.approx(site.value(name))


@pytest.mark.parametrize("boundary", ["it", "accelerators"])
def test_a_narrow_boundary_is_said_beside_the_figure(boundary):
    got = result(f"    emissions_boundary {boundary}")
    found = [w for w in scenario_warnings(got) if w.id == "emissions-boundary-narrow"]
    assert found and boundary in found[0].message
    # The figure the boundary narrows is marked, and what the graph builds on it.
    assert {"energy.emissions_energy", "energy.training_emissions"} <= set(found[0].metrics)


def test_an_unknown_boundary_is_a_located_error():
    with pytest.raises(scendsl.ScenarioError) as caught:
        scendsl.load(TEMPLATE.format(energy="    emissions_boundary node", cluster=""))
    assert ":15:" in str(caught.value)


def test_a_calculators_word_for_the_boundary_is_told_the_languages():
    with pytest.raises(scendsl.ScenarioError) as caught:
        scendsl.load(TEMPLATE.format(energy="    emissions_boundary gpu", cluster=""))
    assert "accelerators" in str(caught.value)
