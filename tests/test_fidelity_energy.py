"""Issue 12, energy and reliability: each test pins one mechanism and fails without it.

Expected values are worked from the inputs and the catalog's stated constants, not read back from
the model.
"""

import numpy as np
import pytest

import scendsl
from scendsl.catalog import load_catalog
from scendsl.errors import ScenarioError
from scendsl.model.evaluate import compute_values, evaluate

BASE = """
scenario h100 {
  title "16k H100"
  year 2024
  region US
  cluster {
    accelerator H100
    count 16_384
    mfu 40%
  }
  workload {
    parameters 405B
    tokens 15.6T
  }
}
"""


def load(extra: str = ""):
    return scendsl.load(BASE + extra)


def value(text: str, name: str, metric: str):
    return evaluate(load(text).get(name)).value(metric)


def values(scenario, overrides):
    return compute_values(scenario, load_catalog(), overrides)[0]


# ------------------------------------------------------------------ 1: measured power used as is
def test_measured_power_is_used_as_is_without_fraction_or_network_overhead():
    text = """
scenario measured extends h100 {
  cluster.accelerator_power 1 kW
  energy.pue 1.0
  workload.duration 10 days
}
"""
    result = evaluate(load(text).get("measured"))
    # 16,384 × 1 kW × 1.0 × 240 h = 3,932,160 kWh: no 0.824 and no +7.5 % on a measured power.
    assert result.value("energy.training_energy") == pytest.approx(16_384 * 1e3 * 240 * 3600)
    assert result.value("energy.training_power_fraction") == 1.0
    assert result.value("energy.network_overhead") == 0.0


def test_training_power_fraction_and_overhead_are_scenario_inputs():
    text = """
scenario tuned extends h100 {
  cluster.overhead 10%
  energy.training_power_fraction 50%
}
"""
    result = evaluate(load(text).get("tuned"))
    assert result.value("energy.training_power_fraction") == pytest.approx(0.5)
    assert result.value("energy.network_overhead") == pytest.approx(0.1)
    plain = evaluate(load().get("h100"))
    # Rated power without a measured figure still gets the calibrated fraction.
    calibrated = load_catalog().calibration["training_power_fraction"].value
    assert plain.value("energy.training_power_fraction") == pytest.approx(calibrated)
    assert calibrated < 1


def test_a_blade_takes_the_blade_overhead_on_the_tdp_not_the_dgx_server_figure():
    text = """
scenario blade extends h100 {
  cluster.server blade
}
scenario mi250x_blade extends h100 {
  cluster.accelerator MI250X
  cluster.server blade
}
scenario mi250x_dgx extends h100 {
  cluster.accelerator MI250X
}
"""
    calibration = load_catalog().calibration
    blade = calibration["node_overhead_blade"].value
    share, host = calibration["node_overhead"].value, calibration["host_power"].value
    scenarios = load(text)
    # H100 has a catalog system figure (DGX H100, 1,275 W): a blade does not use it.
    result = evaluate(scenarios.get("blade"))
    assert result.value("accelerator.system_power") == pytest.approx(700 * (1 + blade))
    assert result.value("cluster.server") == "blade"
    assert evaluate(scenarios.get("h100")).value("accelerator.system_power") == pytest.approx(1275)
    # A chip without a system figure: the blade's share against the GPU server's share + fixed.
    on_blade = evaluate(scenarios.get("mi250x_blade")).value("accelerator.system_power")
    on_dgx = evaluate(scenarios.get("mi250x_dgx")).value("accelerator.system_power")
    assert on_blade == pytest.approx(560 * (1 + blade))
    # On a GPU server the two default hosts are shared by the four MI250X of its board.
    board = calibration["gpu_server_accelerators"].value
    assert on_dgx == pytest.approx((560 + host * board / 4) * (1 + share))
    assert on_blade < on_dgx


def test_unknown_server_design_is_a_located_error():
    with pytest.raises(ScenarioError) as error:
        load("scenario bad extends h100 {\n  cluster.server rack\n}\n")
    # Located at the value, on the extension's second line, with the choices as the hint.
    line = BASE.count("\n") + 2
    assert f":{line}:18: error: unknown cluster.server 'rack'" in str(error.value)
    assert "one of: dgx, blade" in str(error.value)


# ------------------------------------------------------------------ 2: MFU basis
def test_wallclock_mfu_is_not_divided_by_goodput_again():
    text = """
scenario wallclock extends h100 {
  cluster.mfu_basis wallclock
}
scenario running extends h100 {
  cluster.mfu_basis running
}
"""
    scenarios = load(text)
    wall = evaluate(scenarios.get("wallclock"))
    run = evaluate(scenarios.get("running"))
    ideal = wall.value("performance.training_time")
    assert wall.value("reliability.goodput") < 1.0
    assert wall.value("reliability.training_time") == pytest.approx(ideal)
    assert run.value("reliability.training_time") == pytest.approx(
        ideal / run.value("reliability.goodput")
    )


def test_default_mfu_is_a_running_figure_whatever_the_default_basis():
    result = evaluate(scendsl.load(BASE.replace("    mfu 40%\n", "")).get("h100"))
    basis = result.inputs["cluster.mfu_basis"]
    assert basis.value == "running" and "default_mfu" in basis.origin


# ------------------------------------------------------------------ 3: site-class PUE by year
def test_site_class_sets_the_default_pue_by_year():
    calibration = load_catalog().calibration
    text = """
scenario enterprise extends h100 {
  energy.site_class enterprise
}
scenario hyperscale_2020 extends h100 {
  year 2020
  energy.site_class hyperscale
}
"""
    scenarios = load(text)
    assert evaluate(scenarios.get("enterprise")).value("energy.pue") == pytest.approx(
        calibration["pue_enterprise_2024"].value
    )
    assert evaluate(scenarios.get("hyperscale_2020")).value("energy.pue") == pytest.approx(
        calibration["pue_hyperscale_2020"].value
    )
    default = evaluate(scenarios.get("h100")).inputs["energy.pue"]
    # No class given: the catalog's argued default class, not the all-sites average 1.56.
    assert default.value == pytest.approx(calibration["pue_hyperscale_2024"].value)
    assert "site class hyperscale" in default.note


def test_unknown_site_class_is_a_located_error():
    with pytest.raises(ScenarioError) as error:
        load("scenario bad extends h100 {\n  energy.site_class moon\n}\n")
    assert "site_class" in str(error.value) or "moon" in str(error.value)


# ------------------------------------------------------------------ 7: reliability at scale
def test_goodput_stays_positive_at_300k_accelerators():
    scenario = load().get("h100")
    out = values(scenario, {"cluster.count": np.array([3e5])})
    assert float(out["reliability.restart_goodput"][0]) < 0.05  # the whole-job restart collapses
    assert float(out["reliability.goodput"][0]) > 0.5  # operators recover in memory


def test_doubling_a_100k_cluster_does_not_slow_training():
    scenario = load().get("h100")
    out = values(scenario, {"cluster.count": np.array([1e5, 2e5])})
    time = out["reliability.training_time"]
    assert time[1] < time[0]


def test_interruption_rate_restart_time_and_recovery_are_scenario_inputs():
    text = """
scenario ops extends h100 {
  cluster.interruption_rate 0.001
  cluster.restart_time 30 minutes
  cluster.recovery restart
}
"""
    result = evaluate(load(text).get("ops"))
    assert result.value("reliability.failures_per_day") == pytest.approx(16.384)
    assert result.inputs["reliability.restart_time"].value == pytest.approx(1800.0)
    assert result.value("reliability.goodput") == pytest.approx(
        result.value("reliability.restart_goodput")
    )


def test_llama3_calibration_case_stays_reproducible():
    from validation.run import run

    results = {r.id: r for r in run()}
    assert results["llama3_goodput"].within
    assert results["llama3_interruptions"].within


# ------------------------------------------------------------------ language additions
def test_duration_and_accelerator_hours_are_given_directly():
    text = """
scenario timed extends h100 {
  workload.duration 30 days
}
scenario hours extends h100 {
  workload.accelerator_hours 1M hours
}
"""
    scenarios = load(text)
    assert value(text, "timed", "reliability.training_time") == pytest.approx(30 * 86_400)
    hours = evaluate(scenarios.get("hours"))
    assert hours.value("reliability.accelerator_hours") == pytest.approx(1e6)
    # accelerator-only energy = accelerator-hours × TDP (H100: 700 W)
    assert hours.value("energy.accelerator_energy") == pytest.approx(1e6 * 3600 * 700)


def test_duration_gives_energy_without_a_workload():
    text = """
scenario period {
  title "a development period"
  year 2023
  region US
  cluster {
    accelerator H100
    count 100
    accelerator_power 1 kW
  }
  workload { duration 1 day }
  energy { pue 1.0 }
}
"""
    assert scendsl.evaluate(scendsl.load(text).get("period")).value(
        "energy.training_energy"
    ) == pytest.approx(100 * 1e3 * 86_400)


def test_embodied_carbon_scales_with_count_and_is_amortised_over_the_lifetime():
    scenario = load().get("h100")
    out = values(scenario, {"cluster.count": np.array([1e3, 2e3])})
    embodied = out["energy.embodied_carbon"]
    assert embodied[1] == pytest.approx(2 * embodied[0]) and embodied[0] > 0
    result = evaluate(scenario)
    lifetime = result.inputs["cluster.lifetime"].value
    assert result.value("energy.annual_embodied_carbon") == pytest.approx(
        result.value("energy.embodied_carbon") * 365.25 * 86_400 / lifetime
    )


def test_idle_energy_is_drawn_in_the_hours_the_cluster_does_not_train():
    text = """
scenario idle extends h100 {
  energy.utilization 75%
  energy.idle_power_fraction 30%
}
"""
    result = evaluate(load(text).get("idle"))
    facility = result.value("energy.facility_power")
    assert result.value("energy.idle_power") == pytest.approx(0.3 * facility)
    assert result.value("energy.annual_idle_energy") == pytest.approx(
        0.3 * facility * 0.25 * 365.25 * 86_400
    )
