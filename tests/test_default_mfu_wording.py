"""A scenario without an MFU trains at the default, which is a share of the dense BF16 peak: a
run in FP8 or FP4 reaches a smaller share of its own, higher peak. The key finding that names the
default says both, so "the default 40%" never sits beside an "assumed 29%" unexplained."""

from __future__ import annotations

import re

import pytest

import scendsl
from scendsl.cli import main
from tests.factories import scenario_text

FINDING = re.compile(r"so the model uses the default ([^\n]*?) and shows each figure")


def _finding(tmp_path, precision: str):
    body = f"  workload {{\n    parameters 70B\n    tokens 1T\n    precision {precision}\n  }}\n"
    text = scenario_text("run", accelerator="B200", count=1000, body=body)
    path = tmp_path / "run.scn"
    path.write_text(text, encoding="utf-8")
    assert main(["build", str(path), "-o", str(tmp_path / "out"), "--no-cache"]) == 0
    page = (tmp_path / "out" / "run.md").read_text(encoding="utf-8")
    match = FINDING.search(page)
    assert match, page
    return match.group(1), scendsl.evaluate(scendsl.load_text(text).scenarios[0])


@pytest.mark.parametrize("precision", ["fp8", "fp4"])
def test_a_low_precision_run_reads_the_default_as_a_share_of_the_bf16_peak(tmp_path, precision):
    words, result = _finding(tmp_path, precision)
    carried = result["performance.mfu"].value
    assert carried < result["cluster.default_mfu"].value
    assert "of the dense BF16 peak" in words
    assert f"of the {precision.upper()} peak it trains at" in words
    shown = re.search(r"\((\d+(?:\.\d+)?)% of the", words)
    assert shown and float(shown.group(1)) == pytest.approx(carried * 100, abs=0.05)


def test_a_bf16_run_reads_the_default_and_the_figure_carried_to_its_width(tmp_path):
    # A 70B model is narrower than the default's run: the element-wise kernels' share of the
    # step lowers the default (performance.elementwise_factor), and the finding says so.
    words, result = _finding(tmp_path, "bf16")
    carried = result["performance.mfu"].value
    assert carried < result["cluster.default_mfu"].value
    assert words.startswith(f"{result['cluster.default_mfu'].value:.0%} of the dense BF16 peak (")
    assert "measured speed-up" not in words
    assert "carried to the model's width" in words
    # ... and to its attention share (performance.attention_factor), named when it moves it.
    assert result["performance.attention_factor"].value != pytest.approx(1.0, abs=1e-9)
    assert "the model's attention share at the accelerator's attention rate" in words
    shown = re.search(r"\((\d+(?:\.\d+)?)% of the", words)
    assert shown and float(shown.group(1)) == pytest.approx(carried * 100, abs=0.05)
