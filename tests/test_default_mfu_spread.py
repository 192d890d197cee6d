"""Issue 12 (round six): the default MFU's sourced spread is carried to the figures of a scenario
that gives no `cluster.mfu`, as the range between the scenario evaluated at the spread's two
ends; a scenario with its own MFU gets none. Claims say whether they hold over the whole range,
and the validation counts how often a published figure lies inside such a range."""

from __future__ import annotations

import functools
import json
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import scendsl
from scendsl.catalog import load_catalog
from scendsl.cli import main
from scendsl.model.default_spread import HIGH_KEY, LOW_KEY, SPREAD_INPUT, default_spread
from scendsl.model.evaluate import compute_values, evaluate
from scendsl.report.views import interval_text

CATALOG = load_catalog()
LOW = CATALOG.calibration[LOW_KEY]
HIGH = CATALOG.calibration[HIGH_KEY]

SOURCE = """
scenario leaning {
  title "no MFU given"
  year 2025
  region US
  cluster {
    accelerator H100
    count 1024
  }
  workload {
    parameters 70B
    tokens 2T
    precision fp8
  }
  expect performance.training_time < 35 days "holds at both ends"
  expect performance.training_time > 15 days "holds only at the slow end"
  expect performance.training_time < 10 days "fails at both ends"
  expect cluster.count == 1024 "does not move"
}

scenario measured extends leaning {
  title "MFU given"
  cluster.mfu 45%
}
"""

#: Figures that depend on the MFU, each compared with a plain evaluation at the spread's ends.
MOVING = (
    "performance.mfu",
    "performance.training_time",
    "reliability.training_time",
    "reliability.accelerator_hours",
    "energy.training_energy",
    "energy.training_emissions",
    "market.rental_cost",
)


@pytest.fixture(scope="module")
def scenarios():
    return scendsl.load(SOURCE)


def test_spread_ends_are_sourced_catalog_figures_around_the_default():
    default = CATALOG.calibration["default_mfu"].value
    assert LOW.value < default < HIGH.value
    assert LOW.source and HIGH.source and LOW.confidence and HIGH.confidence
    # The ends are not drawn from validation runs: their notes name the ones left out.
    assert "validation" in (LOW.note or "") and "validation" in (HIGH.note or "")


def test_range_ends_equal_evaluating_the_scenario_at_the_spread_ends(scenarios):
    scenario = scenarios.get("leaning")
    spread = default_spread(scenario, CATALOG)
    assert spread is not None and spread.input == SPREAD_INPUT
    at_low, _ = compute_values(scenario, CATALOG, overrides={SPREAD_INPUT: LOW.value})
    at_high, _ = compute_values(scenario, CATALOG, overrides={SPREAD_INPUT: HIGH.value})
    centre = evaluate(scenario, CATALOG)
    for name in MOVING:
        ends = spread.range_of(name)
        assert ends is not None, name
        assert ends.at_low == pytest.approx(at_low[name], rel=1e-12), name
        assert ends.at_high == pytest.approx(at_high[name], rel=1e-12), name
        # The point figure (at the default) lies inside its range.
        assert ends.low <= centre.value(name) <= ends.high, name
    # A faster MFU shortens the run: the high end of the MFU is the low end of the time.
    time = spread.range_of("performance.training_time")
    assert time.at_high < time.at_low
    # Figures the MFU does not reach get no range.
    assert spread.range_of("cluster.count") is None
    assert spread.range_of("energy.facility_power") is None


def test_scenario_with_its_own_mfu_gets_no_range(scenarios):
    assert default_spread(scenarios.get("measured"), CATALOG) is None


def test_claims_say_whether_they_hold_over_the_whole_range(scenarios):
    spread = default_spread(scenarios.get("leaning"), CATALOG)
    assert spread is not None
    whole, one_end, never, still = spread.claims
    assert whole.over_whole_range is True and "whole range" in whole.verdict
    assert one_end.over_whole_range is None
    assert (one_end.holds_at_low, one_end.holds_at_high) == (True, False)
    assert "low end" in one_end.verdict
    assert never.over_whole_range is False and never.verdict.startswith("fails")
    assert still is None  # its figure does not move with the MFU


def test_eval_json_carries_the_range_only_for_the_scenario_without_mfu(tmp_path, capsys):
    path = tmp_path / "spread.scn"
    path.write_text(SOURCE, encoding="utf-8")
    assert main(["eval", str(path), "--format", "json", "--samples", "0"]) == 0
    document = json.loads(capsys.readouterr().out)
    by_name = {s["name"]: s for s in document["scenarios"]}
    leaning, measured = by_name["leaning"], by_name["measured"]
    assert leaning["default_mfu_spread"]["low"] == pytest.approx(LOW.value)
    assert leaning["default_mfu_spread"]["high"] == pytest.approx(HIGH.value)
    time = leaning["metrics"]["performance.training_time"]
    assert time["default_mfu_range"]["low"] <= time["value"] <= time["default_mfu_range"]["high"]
    assert leaning["claims"][1]["default_mfu_range"]["over_whole_range"] is None
    assert "default_mfu_range" not in leaning["claims"][3]
    assert "default_mfu_spread" not in measured
    assert all("default_mfu_range" not in m for m in measured["metrics"].values())


def test_briefing_shows_the_range_and_says_where_it_comes_from(tmp_path):
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "spread.scn").write_text(SOURCE, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["build", str(folder), "-o", str(out)]) == 0
    leaning = (out / "leaning.md").read_text(encoding="utf-8")
    measured = (out / "measured.md").read_text(encoding="utf-8")
    spread = default_spread(scendsl.load(SOURCE).get("leaning"), CATALOG)
    assert spread is not None
    assert "## The default MFU's spread" in leaning
    assert "holds only towards the low end" in leaning
    # The training time's row carries the range between its values at the two ends.
    row = next(line for line in leaning.splitlines() if "`performance.training_time` |" in line)
    assert "(" in row and "–" in row
    assert "default MFU" not in measured
    html = (out / "leaning.html").read_text(encoding="utf-8")
    # In HTML the bracket says what it is: not the Monte Carlo's 90 % interval.
    assert "title=\"range from the default MFU's spread" in html
    assert "5th to 95th percentile" not in html


def test_explain_states_the_spread_and_the_figure_at_both_ends(tmp_path, capsys):
    path = tmp_path / "spread.scn"
    path.write_text(SOURCE, encoding="utf-8")
    assert main(["explain", str(path), "leaning", "performance.mfu", "--samples", "0"]) == 0
    text = capsys.readouterr().out
    assert "Default MFU spread" in text and "calibration.default_mfu_low" in text
    assert "performance.mfu at the low end" in text
    assert main(["explain", str(path), "measured", "performance.mfu", "--samples", "0"]) == 0
    assert "Default MFU spread" not in capsys.readouterr().out
    # A figure that does not move with the MFU is explained without the spread beside it.
    assert main(["explain", str(path), "leaning", "energy.pue", "--samples", "0"]) == 0
    assert "Default MFU spread" not in capsys.readouterr().out


def test_validation_counts_published_figures_inside_the_default_range():
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from validation.run import run, summarise

    results = {r.id: r for r in run()}
    leaning = results["llama2_7b_gpu_hours"]  # the scenario gives no MFU
    assert leaning.default_range is not None
    low, high = leaning.default_range
    assert low <= leaning.model <= high
    assert leaning.within_default_range == (low <= leaning.published <= high)
    assert results["megatron_t1_1p7b_step"].default_range is None  # bottom-up, MFU not used
    summary = summarise(list(results.values()))
    counted = [r for r in results.values() if r.group == "validation" and r.default_range]
    assert summary.default_range_cases == len(counted) > 0
    assert summary.within_default_range == sum(1 for r in counted if r.within_default_range)


def test_eval_text_shows_the_range_after_figures_and_claims_that_move(tmp_path, capsys):
    path = tmp_path / "spread.scn"
    path.write_text(SOURCE, encoding="utf-8")
    assert main(["eval", str(path), "--samples", "0"]) == 0
    text = capsys.readouterr().out
    leaning, measured = text.split("measured: MFU given")
    line = next(
        x for x in leaning.splitlines() if x.strip().startswith("performance.training_time")
    )
    assert "default MFU spread:" in line
    assert "holds only towards the low end" in leaning
    assert "default MFU" not in measured


def test_figure_moving_with_both_keeps_its_monte_carlo_interval(tmp_path):
    folder = tmp_path / "scenarios"
    folder.mkdir()
    ranged = (
        SOURCE
        + """
scenario ranged extends leaning {
  title "ranges and no MFU"
  cluster.count 800 to 1200
}
"""
    )
    (folder / "spread.scn").write_text(ranged, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["build", str(folder), "-o", str(out), "--samples", "200"]) == 0
    page = (out / "ranged.md").read_text(encoding="utf-8")
    assert "## Uncertainty and sensitivity" in page and "## The default MFU's spread" in page
    spread = default_spread(scendsl.load(ranged).get("ranged"), CATALOG)
    assert spread is not None

    def row(name: str) -> str:
        return next(
            line for line in page.splitlines() if line.startswith("|") and f"`{name}`" in line
        )

    def spread_text(name: str, dimension: str) -> str:
        ends = spread.range_of(name)
        assert ends is not None
        return interval_text(ends.low, ends.high, dimension)

    # The default MFU moves only with its spread: its bracket is the spread's range. The
    # training time also moves with the count's range: its bracket is the Monte Carlo's.
    assert f"({spread_text(SPREAD_INPUT, 'fraction')})" in row(SPREAD_INPUT)
    time_row = row("performance.training_time")
    assert "(" in time_row
    assert spread_text("performance.training_time", "time") not in time_row


def test_default_mfu_spread_ends_cite_no_validation_case_source():
    """The spread's ends must come from runs the validation suite does not test: no address (URL
    or arXiv id) that a validation case cites may be a source of either end."""
    import re

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from validation.run import load_cases

    cited = set()
    for case in load_cases()["case"]:
        cited |= set(re.findall(r"https?://\S+", case["source"]))
        cited |= set(re.findall(r"\b\d{4}\.\d{4,5}\b", case["source"]))  # arXiv ids
    assert cited  # the pattern finds what the cases cite
    for end in (LOW, HIGH):
        assert not [address for address in cited if address in end.source], end.source


@functools.cache
def _validation_results() -> dict:
    """The validation runner's cases by id (run once for the tests below)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from validation.run import run

    return {r.id: r for r in run()}


def test_validation_names_the_default_mfu_that_gives_the_published_figure():
    """A training time goes as 1/MFU, so the default that gives a published time T is the
    scenario's default × model / T, worked out here apart from the runner's interpolation; at
    the range's ends it is the spread's end, and it leaves the spread exactly when the published
    figure leaves the range."""
    case = _validation_results()["llama2_7b_gpu_hours"]  # accelerator-hours, no MFU given
    default = CATALOG.calibration["default_mfu"].value
    for published in (case.model * 0.5, case.model * 0.9, case.model * 1.3, case.model * 2.5):
        moved = replace(case, published=published)
        assert moved.matching_default == pytest.approx(default * case.model / published, rel=1e-6)
        inside = LOW.value * (1 - 1e-9) <= moved.matching_default <= HIGH.value * (1 + 1e-9)
        assert inside == moved.within_default_range
    slow, fast = max(case.default_range), min(case.default_range)
    assert replace(case, published=slow).matching_default == pytest.approx(LOW.value)
    assert replace(case, published=fast).matching_default == pytest.approx(HIGH.value)
    assert _validation_results()["megatron_t1_1p7b_step"].matching_default is None  # no range


@settings(max_examples=60, deadline=None)
@given(st.floats(0.05, 20.0), st.floats(0.05, 20.0))
def test_a_longer_published_time_needs_a_lower_default_mfu(first, second):
    """Monotone: the slower the published run, the lower the default MFU that reproduces it."""
    case = _validation_results()["llama2_7b_gpu_hours"]
    slower, faster = max(first, second), min(first, second)
    at_slower = replace(case, published=case.model * slower).matching_default
    at_faster = replace(case, published=case.model * faster).matching_default
    assert at_slower <= at_faster * (1 + 1e-12)
