"""Interruptions carried from the accelerator a rate was counted on to another by the memory each
holds (issue 12, reliability): Llama 3's Table 5 has 72 of its 419 unexpected interruptions from
the H100's 80 GB of HBM3, and memory failures grow with the bits held (catalog
calibration.memory_interruption_exponent, 1).

Expected values are worked from the cited counts (268 GPU of which 72 HBM, 35 network, 21 host,
32 unplanned maintenance, 56 software, 7 unknown of 419) and the catalog's memory sizes, not read
back from the model.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import scendsl
from scendsl.model.domains import reliability
from scendsl.model.evaluate import evaluate

TEMPLATE = """
accelerator BigH100 extends H100 {{
  title "H100 with twice the memory"
  hbm 160 GB
}}

scenario run {{
  title "run"
  year 2025
  region US
  cluster {{
    accelerator {accelerator}
    count 1000
{extra}
  }}
}}
"""

H100_RATE = 4.736e-4  # catalog: 419 / (54 days × 16,384 H100)
MEMORY = 72 / 419
OTHER = 347 / 419  # every other cause, counted per accelerator


def run(accelerator: str, extra: str = ""):
    return evaluate(scendsl.load(TEMPLATE.format(accelerator=accelerator, extra=extra)).get("run"))


def test_h100_keeps_llama3s_rate_and_mix():
    got = run("H100")
    assert got.value("reliability.memory_weight") == pytest.approx(1.0)
    assert got.value("reliability.failures_per_day") == pytest.approx(1000 * H100_RATE)
    assert got.value("reliability.accelerator_gpu_share") == pytest.approx(268 / 419)


def test_a_stand_in_with_more_memory_is_interrupted_more_and_more_by_its_gpus():
    # B200: 180 GB of HBM3e, 2.25 times the H100's 80 GB; no rate of its own.
    got = run("B200")
    weight = OTHER + MEMORY * 180 / 80  # (347 + 162) / 419 = 1.2148
    assert got.value("reliability.memory_weight") == pytest.approx(weight)
    every = 1000 * H100_RATE * weight
    assert got.value("reliability.failures_per_day") == pytest.approx(every)
    gpu = (268 - 72 + 72 * 2.25) / (347 + 72 * 2.25)
    assert got.value("reliability.accelerator_gpu_share") == pytest.approx(gpu)
    assert got.value("reliability.gpu_failures_per_day") == pytest.approx(every * gpu)


def test_a_chip_with_its_own_rate_keeps_it_but_not_its_mix_of_causes():
    # A100 80GB: RSC-1's 6.50 hardware failures per 1,000 node-days, counted on an 80 GB chip.
    got = run("A100_80GB")
    assert got.value("reliability.hardware_failures_per_day") == pytest.approx(1000 * 6.50e-3 / 8)
    # A100 40GB: the same catalog rate, its own entry: kept; half the memory, so fewer of its
    # interruptions are hardware and the every-cause rate it implies is higher.
    small = run("A100_40GB")
    assert small.value("reliability.hardware_failures_per_day") == pytest.approx(1000 * 6.50e-3 / 8)
    weight = OTHER + MEMORY * 0.5
    hardware = (324 - 36) / 419 / weight
    assert small.value("reliability.accelerator_hardware_share") == pytest.approx(hardware)


def test_a_custom_chip_with_more_memory_carries_its_bases_rate():
    # BigH100 takes the H100's own rate, counted on 80 GB, and holds 160 GB.
    got = run("BigH100")
    assert got.value("reliability.rate_memory_weight") == pytest.approx(1.0)
    assert got.value("reliability.failures_per_day") == pytest.approx(
        1000 * H100_RATE * (OTHER + MEMORY * 2)
    )


def test_a_scenarios_own_rate_is_counted_on_its_own_chip():
    # The analyst's hardware rate for a B200 cluster: converted with the B200's mix, not scaled.
    got = run("B200", "    interruption_rate 1e-3\n    interruption_rate_counts hardware")
    assert got.value("reliability.hardware_failures_per_day") == pytest.approx(1.0)
    assert got.value("reliability.memory_weight") == pytest.approx(
        got.value("reliability.rate_memory_weight")
    )


memory = st.floats(min_value=1e9, max_value=1e12)


@settings(max_examples=200, deadline=None)
@given(memory, memory)
def test_more_memory_never_fewer_interruptions(smaller, larger):
    smaller, larger = sorted((smaller, larger))
    low = reliability.memory_weight(smaller, 80e9, MEMORY, 1.0)
    high = reliability.memory_weight(larger, 80e9, MEMORY, 1.0)
    assert high >= low > 0
    # Every share stays a share, and the GPU's grows with the memory.
    shares = [reliability.accelerator_share(268 / 419, w) for w in (low, high)]
    assert 0 < shares[0] <= shares[1] <= 1


def test_the_weight_works_on_arrays():
    memories = np.array([16e9, 80e9, 192e9])
    weights = reliability.memory_weight(memories, 80e9, MEMORY, 1.0)
    assert weights[1] == pytest.approx(1.0)
    assert np.all(np.diff(weights) > 0)
