"""A power cap below the TDP slows the accelerator (performance.power_cap_throughput): the
measured curve in calibration.power_cap_throughput_<N> lowers the matrix rate of the bottom-up
step and the default MFU, so a capped run takes longer and its accelerator energy is not
understated; no cap, or one at or above the TDP, changes nothing.

Expected values are worked from the catalog's points, not read back from the model.
"""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import scendsl
from scendsl.catalog import load_catalog
from scendsl.model.evaluate import evaluate
from scendsl.report.explain import explain_text

BASE = """
scenario free {
  title "H100 pre-training"
  year 2025
  region US
  cluster {
    accelerator H100
    count 1024
  }
  workload {
    parameters 70B
    tokens 2T
  }
}
"""

CALIBRATION = load_catalog().calibration
TDP = load_catalog().accelerators["H100"].figures["tdp"].value
#: The curve's points: the cap as a share of the TDP, and the share of the throughput kept.
POINTS = sorted(
    (int(key.rsplit("_", 1)[1]) / 100, figure.value)
    for key, figure in CALIBRATION.items()
    if key.startswith("power_cap_throughput_")
)
#: What the cap slows and what it leaves alone (memory-bound work; the gradient exchange's
#: exposed time is not here: a slower backward pass hides more of it).
SLOWED = ("performance.matmul_rate", "performance.attention_compute_rate", "performance.mfu")
KEPT = ("performance.memory_time", "performance.hardware_flops_per_step", "accelerator.tdp")


def run(limit: str | None = None, extra: str = ""):
    text = BASE
    if limit is not None or extra:
        lines = f"  cluster.power_limit {limit}\n" if limit is not None else ""
        text += f"scenario capped extends free {{\n{lines}{extra}}}\n"
    return evaluate(scendsl.load(text).get("free" if text == BASE else "capped"))


def test_the_curve_has_points_below_the_tdp_that_fall_with_the_cap():
    assert len(POINTS) >= 3
    assert all(0 < cap < 1 and 0 < kept < 1 for cap, kept in POINTS)
    kept = [share for _, share in POINTS]
    assert kept == sorted(kept)


@pytest.mark.parametrize("limit", [None, f"{TDP:g} W", f"{TDP * 1.5:g} W"])
def test_no_cap_or_one_at_or_above_the_tdp_changes_nothing(limit):
    free, other = run(), run(limit, extra="" if limit else '  title "the same"\n')
    assert other.value("performance.power_cap_throughput") == 1
    for name in (*SLOWED, *KEPT, "performance.step_time", "performance.training_time"):
        assert other.value(name) == free.value(name), name


def test_a_cap_at_a_measured_point_slows_the_matrix_maths_by_that_share():
    cap, kept = POINTS[len(POINTS) // 2]
    free, capped = run(), run(f"{TDP * cap:.6f} W")
    assert capped.value("performance.power_cap_throughput") == pytest.approx(kept)
    for name in SLOWED:
        assert capped.value(name) == pytest.approx(free.value(name) * kept), name
    for name in KEPT:
        assert capped.value(name) == free.value(name), name
    # Memory-bound work keeps its speed: the step slows by less than the matrix maths.
    slower = capped.value("performance.step_time") / free.value("performance.step_time")
    assert 1 < slower < 1 / kept
    assert capped.value("performance.training_time") > free.value("performance.training_time")


def test_between_points_the_share_is_interpolated_and_below_them_proportional():
    (low_cap, low), (high_cap, high) = POINTS[0], POINTS[1]
    middle = run(f"{TDP * (low_cap + high_cap) / 2:.6f} W")
    assert middle.value("performance.power_cap_throughput") == pytest.approx((low + high) / 2)
    below = run(f"{TDP * low_cap / 2:.6f} W")
    assert below.value("performance.power_cap_throughput") == pytest.approx(low / 2)


def test_the_accelerator_energy_of_a_capped_run_counts_its_longer_time():
    cap, kept = POINTS[0]
    free, capped = run(), run(f"{TDP * cap:.6f} W")
    # The draw falls to the cap, the time rises by more than 1/kept of the MFU path's share:
    # the energy is no longer the uncapped run's scaled by the cap alone.
    scaled = free.value("energy.accelerator_energy") * cap
    assert capped.value("energy.accelerator_energy") == pytest.approx(scaled / kept)


def test_a_given_mfu_is_the_capped_runs_own():
    extra = "  cluster.mfu 30%\n"
    given_free = run(extra=extra)
    given_capped = run(f"{TDP * POINTS[0][0]:.6f} W", extra=extra)
    assert given_capped.value("performance.mfu") == given_free.value("performance.mfu") == 0.3


def test_explain_shows_the_cap_in_the_training_time():
    capped = run("150 W")
    text = explain_text(capped, "performance.training_time")
    assert "performance.power_cap_throughput" in text
    own = explain_text(capped, "performance.power_cap_throughput")
    assert "power_cap_throughput_" in own and "Zeus" in own


_LIMITS = st.floats(min_value=50.0, max_value=1000.0)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(low=_LIMITS, high=_LIMITS)
def test_throughput_never_rises_as_the_cap_falls(low, high):
    low, high = sorted((low, high))
    results = [run(f"{limit:.3f} W") for limit in (low, high)]
    kept = [result.value("performance.power_cap_throughput") for result in results]
    assert 0 < kept[0] <= kept[1] <= 1
    rates = [result.value("performance.matmul_rate") for result in results]
    assert rates[0] <= rates[1] * (1 + 1e-12)
    times = [result.value("performance.training_time") for result in results]
    assert times[0] >= times[1] * (1 - 1e-12)
