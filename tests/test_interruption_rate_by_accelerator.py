"""Interruption rates by accelerator generation (issue 12, reliability): the A100 family takes the
published A100 cluster rate (Kokolis et al. 2024, Meta RSC-1), not the H100 rate of Llama 3.

Expected values are worked from the cited counts, not read back from the model.
"""

import pytest

import scendsl
from scendsl.model.evaluate import evaluate

TEMPLATE = """
accelerator MyAmpere extends A100_80GB {{
  title "A100 with a custom clock"
}}

scenario run {{
  title "run"
  year 2022
  region US
  cluster {{
    accelerator {accelerator}
    count 1024
  }}
}}
"""


def rate(accelerator: str):
    result = evaluate(scendsl.load(TEMPLATE.format(accelerator=accelerator)).get("run"))
    return result.inputs["reliability.published_interruption_rate"], result


def test_a100_cluster_fails_at_the_rsc1_rate_not_the_h100_rate():
    found, result = rate("A100_80GB")
    # RSC-1: 6.50 hardware failures per 1,000 node-days of 8 GPUs.
    assert found.value == pytest.approx(6.50e-3 / 8)
    assert found.origin == "catalog calibration.hardware_interruption_rate_A100_80GB"
    assert result.value("reliability.rate_counts") == "hardware"
    hardware = 1024 * 6.50e-3 / 8
    assert result.value("reliability.hardware_failures_per_day") == pytest.approx(hardware)
    # Every interruption: Llama 3's Table 5 has 268 GPU + 35 network + 21 host of 419.
    every = hardware * 419 / (268 + 35 + 21)
    assert result.value("reliability.failures_per_day") == pytest.approx(every)


def test_h100_keeps_the_llama3_rate():
    found, result = rate("H100")
    # Llama 3: 419 unexpected interruptions in 54 days on 16,384 H100, every cause counted.
    assert found.value == pytest.approx(419 / (54 * 16_384), rel=1e-3)
    assert result.value("reliability.rate_counts") == "all"
    assert result.value("reliability.interruption_rate") == pytest.approx(found.value)
    assert not found.note or "stands in" not in found.note


def test_custom_accelerator_takes_the_rate_of_the_chip_it_extends():
    found, _ = rate("MyAmpere")
    assert found.value == pytest.approx(6.50e-3 / 8)


def test_chip_without_a_published_rate_is_labelled_as_a_stand_in():
    found, _ = rate("MI300X")
    assert found.value == pytest.approx(419 / (54 * 16_384), rel=1e-3)
    assert "stands in" in found.note
