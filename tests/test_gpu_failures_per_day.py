"""Interruptions compared by what they count (issue 12, reliability): a report of GPU failures
(BLOOM's "1-2 GPU failures a week") is compared with the GPU-caused share of the job's
interruptions, a hardware reliability study (node failures per node-day) with the hardware share,
and a rate given by a scenario is read as counting what `cluster.interruption_rate_counts` says.

Expected values are worked from the cited counts (Llama 3 Table 5: 268 GPU, 35 network, 21 host,
32 unplanned maintenance, 56 software, 7 unknown of 419; Kokolis et al. 2024, RSC-1), not read
back from the model.
"""

import pytest

import scendsl
from scendsl.model.evaluate import evaluate

TEMPLATE = """
scenario run {{
  title "run"
  year 2022
  region US
  cluster {{
    accelerator {accelerator}
    count 384
{extra}
  }}
}}
"""

GPU = 268 / 419
HARDWARE = (268 + 35 + 21) / 419


def result(accelerator: str, extra: str = ""):
    text = TEMPLATE.format(accelerator=accelerator, extra=extra)
    return evaluate(scendsl.load(text).get("run"))


def test_a100_hardware_rate_gives_gpu_failures_as_the_gpu_part_of_hardware():
    got = result("A100_80GB")
    hardware = 384 * 6.50e-3 / 8  # RSC-1 counts hardware failures only
    gpu = hardware * 268 / (268 + 35 + 21)
    assert got.value("reliability.gpu_failures_per_day") == pytest.approx(gpu, rel=1e-9)
    assert got.value("reliability.hardware_failures_per_day") == pytest.approx(hardware)
    assert got.value("reliability.failures_per_day") == pytest.approx(hardware / HARDWARE)


def test_h100_rate_counts_every_interruption_so_takes_the_table5_shares():
    got = result("H100")
    every = 384 * 419 / (54 * 16_384)
    assert got.value("reliability.gpu_failures_per_day") == pytest.approx(every * GPU, rel=1e-3)
    assert got.value("reliability.hardware_failures_per_day") == pytest.approx(
        every * HARDWARE, rel=1e-3
    )


def test_the_shares_are_counted_from_table5_not_its_printed_percentages():
    got = result("H100")
    # The table prints 58.7 % for GPU issues (30.1 % beside 148 faulty GPUs of 419 = 35.3 %).
    assert got.value("reliability.gpu_share") == pytest.approx(0.6396, abs=1e-4)
    assert "268" in got.inputs["reliability.gpu_share"].note


def test_a_scenario_rate_is_taken_as_every_interruption_by_default():
    got = result("A100_80GB", "    interruption_rate 0.001")
    assert got.value("reliability.rate_counts") == "all"
    assert (
        got.inputs["reliability.rate_counts"].origin == "catalog choices.interruption_rate_counts"
    )
    assert got.value("reliability.failures_per_day") == pytest.approx(0.384)
    assert got.value("reliability.gpu_failures_per_day") == pytest.approx(0.384 * GPU)


@pytest.mark.parametrize("counts, share", [("hardware", HARDWARE), ("gpu", GPU)])
def test_a_scenario_says_what_its_rate_counts(counts, share):
    extra = f"    interruption_rate 0.001\n    interruption_rate_counts {counts}"
    got = result("H100", extra)
    assert got.value("reliability.failures_per_day") == pytest.approx(0.384 / share)
    counted = {"hardware": "reliability.hardware_failures_per_day"}.get(
        counts, "reliability.gpu_failures_per_day"
    )
    # The count the scenario gave comes back as that kind of count.
    assert got.value(counted) == pytest.approx(0.384)


def test_an_unknown_kind_of_count_is_a_located_error():
    with pytest.raises(scendsl.ScenarioError) as caught:
        scendsl.load(TEMPLATE.format(accelerator="H100", extra="    interruption_rate_counts node"))
    assert ":9:" in str(caught.value)
