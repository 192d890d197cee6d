"""One precision for comparisons (issue 13): the set's `briefings { comparison_precision }`
puts every scenario and reference at one dense precision, whatever each scenario trains in,
and the pages and charts that compare them say which."""

from __future__ import annotations

import re

import pytest

import scendsl
from scendsl.app.build import build
from scendsl.errors import ScenarioError
from scendsl.model.evaluate import evaluate

SCENARIOS = """
scenario gb200_fp8 {
  title "GB200 in FP8"
  year 2026
  region US
  cluster {
    accelerator GB200
    count 10k
  }
  workload {
    parameters 70B
    tokens 2T
    precision fp8
  }
}

scenario h100_bf16 {
  title "H100 in BF16"
  year 2025
  region US
  cluster {
    accelerator H100
    count 10k
  }
  workload {
    parameters 70B
    tokens 2T
    precision bf16
  }
}
"""


def peaks(text: str) -> dict[str, float]:
    scenarios = scendsl.load(text)
    return {s.name: evaluate(s).value("divide.peak") for s in scenarios.scenarios}


def test_mixed_training_precisions_compare_at_bf16_by_default():
    # GB200 is 2.5 PFLOPS BF16, H100 989.4 TFLOPS: a 2.5× gap, not the 5.05× of FP8 beside BF16.
    found = peaks(SCENARIOS)
    assert found["gb200_fp8"] == pytest.approx(10_000 * 2.5e15)
    assert found["h100_bf16"] == pytest.approx(10_000 * 989.4e12)
    result = evaluate(scendsl.load(SCENARIOS).get("gb200_fp8"))
    assert result.value("divide.precision") == "bf16"
    assert result.value("cluster.peak") == pytest.approx(10_000 * 5e15)  # training precision


def test_a_briefings_block_sets_the_precision_for_every_scenario_and_reference():
    text = "briefings {\n  comparison_precision fp8\n}\n" + SCENARIOS
    found = peaks(text)
    assert found["gb200_fp8"] == pytest.approx(10_000 * 5e15)
    assert found["h100_bf16"] == pytest.approx(10_000 * 1978.9e12)
    result = evaluate(scendsl.load(text).get("h100_bf16"))
    assert result.value("reference.nairr_pilot.comparison_peak") == pytest.approx(5000 * 1978.9e12)
    assert result.value("divide.nairr_pilot.compute_ratio") == pytest.approx(2.0)


@pytest.mark.parametrize(
    "block, message",
    [
        ("briefings {\n  comparison_precision fp16\n}\n", "fp16"),
        ("briefings {\n  precision bf16\n}\n", "unknown briefings option 'precision'"),
        ("briefings b {\n  comparison_precision bf16\n}\n", "a block without a name"),
        (
            "briefings {\n  comparison_precision bf16\n}\nbriefings {\n}\n",
            "'briefings' is given twice",
        ),
    ],
)
def test_a_wrong_briefings_block_is_a_located_error(block, message):
    with pytest.raises(ScenarioError) as caught:
        scendsl.load(block + SCENARIOS)
    text = str(caught.value)
    assert message in text
    assert re.search(r":\d+:\d+: error: ", text)


def test_pages_that_compare_state_the_precision_and_chart_the_table_numbers(tmp_path):
    source = tmp_path / "set.scn"
    source.write_text("briefings {\n  comparison_precision fp8\n}\n" + SCENARIOS)
    out = tmp_path / "out"
    build([str(source)], str(out))
    landscape = (out / "landscape.md").read_text()
    assert "Peak compute, dense FP8" in landscape
    assert "| 50 EFLOP/s |" in landscape and "| 19.8 EFLOP/s |" in landscape
    divide = (out / "compute-divide.md").read_text()
    assert "dense FP8" in divide and "first scenario's training precision" not in divide
    # The chart shows the table's numbers and says the precision in its title.
    html = (out / "landscape.html").read_text()
    assert 'aria-label="Peak compute at dense FP8' in html
    chart = html[html.index('aria-label="Peak compute at dense FP8') :]
    chart = chart[: chart.index("</svg>")]
    assert ">50 EFLOP/s" in chart and ">19.8 EFLOP/s" in chart
    assert "(`divide.peak`)" not in landscape  # the column is a figure, not a metric listing
