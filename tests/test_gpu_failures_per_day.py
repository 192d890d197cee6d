"""GPU failures compared as GPU failures (issue 12, reliability): a report that counts only GPU
failures (BLOOM's "1-2 GPU failures a week") is compared with the GPU-caused share of the job's
interruptions, not with every interruption the rate counts.

Expected values are worked from the cited counts (Llama 3 Table 5; Kokolis et al. 2024, RSC-1),
not read back from the model.
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


def result(accelerator: str, extra: str = ""):
    text = TEMPLATE.format(accelerator=accelerator, extra=extra)
    return evaluate(scendsl.load(text).get("run"))


def test_bloom_gpu_failures_were_over_counted_by_every_interruption():
    got = result("A100_80GB")
    # RSC-1 rate without software bugs; GPU share of Llama 3's non-software interruptions.
    rate = 384 * 6.50e-3 / 8
    share = 0.587 / (1 - 0.129)
    assert got.value("reliability.gpu_failures_per_day") == pytest.approx(rate * share, rel=1e-3)
    assert got.value("reliability.gpu_failures_per_day") < got.value("reliability.failures_per_day")


def test_h100_rate_counts_every_interruption_so_takes_the_table5_share():
    got = result("H100")
    rate = 384 * 419 / (54 * 16_384)
    assert got.value("reliability.gpu_failures_per_day") == pytest.approx(rate * 0.587, rel=1e-3)


def test_a_scenario_rate_is_taken_as_every_interruption():
    got = result("A100_80GB", "    interruption_rate 0.001")
    found = got.inputs["reliability.gpu_failure_share"]
    assert found.origin == "catalog calibration.gpu_failure_share"
    assert got.value("reliability.gpu_failures_per_day") == pytest.approx(0.384 * 0.587)
