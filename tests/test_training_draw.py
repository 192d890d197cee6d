"""Issue 12, what an accelerator draws while training: accelerator-only energy prices each
accelerator-hour at the chip's measured average draw where the catalog has one (the A100's,
Dodge et al. 2022), else at its rated power; a share the scenario states overrides both, and a
power cap bounds the draw.

Expected values are worked from the inputs, the catalog's constants and the source's own
figures, not read back from the model.
"""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import scendsl
from scendsl.catalog import load_catalog
from scendsl.model.evaluate import evaluate
from scendsl.report.explain import explain_text

BASE = """
scenario a100 {
  title "A100 hours"
  year 2023
  region US
  cluster.accelerator        A100_80GB
  cluster.count              512
  workload.parameters        15B
  workload.accelerator_hours 1000 hours
}

scenario h100 extends a100 {
  cluster.accelerator H100
}
"""

CALIBRATION = load_catalog().calibration
A100_SHARE = CALIBRATION["accelerator_training_draw_a100_80gb"].value
HOUR = 3600.0


def result(extra: str = "", name: str = "a100"):
    return evaluate(scendsl.load(BASE + extra).get(name))


def test_the_a100_share_is_the_sources_measured_energy_over_its_gpu_hours():
    # Dodge et al. 2022, Table 2: 13,812.4 kWh of GPU energy, 256 A100 for 192 hours, 400 W TDP.
    measured_watts = 13_812.4e3 / (256 * 192)
    assert measured_watts / 400 == pytest.approx(A100_SHARE, abs=5e-4)


def test_a100_hours_are_priced_at_the_measured_draw_not_the_tdp():
    a100 = result()
    assert a100.value("accelerator.training_draw") == pytest.approx(400 * A100_SHARE)
    assert a100.value("energy.accelerator_energy") == pytest.approx(1000 * HOUR * 400 * A100_SHARE)
    assert a100.value("energy.accelerator_energy") < 1000 * HOUR * 400


def test_a_chip_without_a_measurement_keeps_its_rated_power():
    h100 = result(name="h100")
    assert h100.value("accelerator.training_draw") == 700
    assert h100.value("energy.accelerator_energy") == pytest.approx(1000 * HOUR * 700)
    assert "an upper bound" in explain_text(h100, "accelerator.training_draw")


def test_a_share_the_scenario_states_overrides_the_measurement():
    text = """
scenario at_tdp extends a100 {
  energy.training_power_fraction 100%
}
scenario half extends a100 {
  energy.training_power_fraction 50%
}
"""
    assert result(text, "at_tdp").value("accelerator.training_draw") == 400
    assert result(text, "half").value("energy.accelerator_energy") == pytest.approx(
        1000 * HOUR * 200
    )


def test_explain_shows_where_the_draw_comes_from():
    text = explain_text(result(), "energy.accelerator_energy")
    assert "accelerator.training_draw" in text
    assert "accelerator_training_draw_a100_80gb" in text
    assert "Dodge et al." in text


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(low=st.integers(100, 450), high=st.integers(100, 450))
def test_the_draw_never_exceeds_the_cap_and_rises_with_it(low, high):
    low, high = sorted((low, high))
    text = f"""
scenario low extends a100 {{
  cluster.power_limit {low} W
}}
scenario high extends a100 {{
  cluster.power_limit {high} W
}}
"""
    draws = [result(text, name).value("accelerator.training_draw") for name in ("low", "high")]
    assert draws[0] <= draws[1]
    for cap, draw in zip((low, high), draws, strict=True):
        assert draw == pytest.approx(min(cap, 400 * A100_SHARE))
