"""The validation suite (validation/): published measurements against the model.

These tests pin the suite's integrity, not the model's accuracy: every case loads, names a
metric the model has, carries a source and a tolerance, calibration figures stay out of the
statistics, and docs/validation.md is what the runner prints today.
"""

from __future__ import annotations

import math
import sys
from dataclasses import replace
from pathlib import Path

import pytest

import scendsl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from validation.run import (  # noqa: E402  (the suite lives beside the package, not in it)
    CALIBRATION,
    HERE,
    KINDS,
    NOT_EXPRESSIBLE,
    VALIDATION,
    load_cases,
    markdown,
    parse_published,
    run,
    summarise,
)

DATA = load_cases()
ENTRIES = [(group, entry) for group in ("case", "calibration") for entry in DATA[group]]


@pytest.fixture(scope="module")
def results():
    return run()


def _ids(item):
    return item[1]["id"]


@pytest.mark.parametrize("item", ENTRIES, ids=[_ids(i) for i in ENTRIES])
def test_every_case_file_loads_and_names_its_scenarios(item):
    _, entry = item
    scenarios = scendsl.load(str(HERE / entry["file"]))
    names = (
        [entry["base"], entry["scaled"]]
        if entry["kind"] == "scaling_efficiency"
        else [entry["scenario"]]
    )
    for name in names:
        assert scenarios.get(name) is not None


@pytest.mark.parametrize("item", ENTRIES, ids=[_ids(i) for i in ENTRIES])
def test_every_case_has_a_source_a_tolerance_and_a_published_figure(item):
    group, entry = item
    assert entry["kind"] in KINDS
    assert len(entry["source"]) > 20
    if group == "case":  # a counted comparison must be checkable: its source has an address
        assert "https://" in entry["source"]
    assert 0 < float(entry["tolerance"]) <= 0.5
    value, _, _ = parse_published(entry["published"])
    assert math.isfinite(value) and value > 0
    assert entry.get("confirmed"), "say where the figure was checked"


def test_case_ids_are_unique():
    ids = [entry["id"] for _, entry in ENTRIES]
    assert len(ids) == len(set(ids))


def test_suite_has_twenty_counted_cases_of_six_kinds(results):
    summary = summarise(results)
    assert summary.cases >= 20
    assert summary.kinds >= 6


def test_cases_without_needs_have_a_model_figure(results):
    # A counted case where the model says n/a would silently shrink the statistics.
    missing = [r.id for r in results if r.group == VALIDATION and r.model is None]
    assert missing == []


def test_needs_cases_are_listed_apart_and_not_counted(results):
    apart = {r.id for r in results if r.group == NOT_EXPRESSIBLE}
    assert apart == {entry["id"] for entry in DATA["case"] if entry.get("needs")}
    counted = [r for r in results if r.group == VALIDATION]
    assert all(not r.needs for r in counted)


def test_calibration_figures_are_not_counted(results):
    calibration = [r for r in results if r.group == CALIBRATION]
    assert {r.id for r in calibration} == {entry["id"] for entry in DATA["calibration"]}
    # The Llama 3 interruption count is the calibration of the reliability model.
    assert "llama3_interruptions" in {r.id for r in calibration}
    without = summarise([r for r in results if r.group != CALIBRATION])
    assert replace(without, calibration=len(calibration)) == summarise(results)


def test_scaling_efficiency_is_speedup_over_growth(results):
    case = next(r for r in results if r.id == "megatron_175b_scaling_384_1536")
    scenarios = scendsl.load(str(HERE / "cases" / "megatron.scn"))
    small = scendsl.evaluate(scenarios.get("narayanan_175b_384"))
    large = scendsl.evaluate(scenarios.get("narayanan_175b_1536"))
    speedup = (
        small.metrics["performance.step_time"].value / large.metrics["performance.step_time"].value
    )
    assert case.model == pytest.approx(speedup / 4.0)


def test_docs_validation_md_is_up_to_date(results):
    # Regenerate with: python -m validation.run --markdown > docs/validation.md
    assert (ROOT / "docs" / "validation.md").read_text(encoding="utf-8") == markdown(results) + "\n"


def test_held_out_figures_are_those_of_the_held_out_cases_alone(results):
    summary = summarise(results)
    held = [r for r in results if r.group == VALIDATION and r.held_out]
    assert summary.held_out == len(held) > 0
    errors = sorted(abs(r.error) for r in held if r.error is not None and r.kind != "memory_fit")
    assert summary.held_out_max_error == errors[-1]
    # A case not held out never enters them, however large its error.
    flipped = [replace(r, held_out=not r.held_out) for r in results]
    assert summarise(flipped).held_out == summary.cases - summary.held_out


def test_a_held_out_memory_fit_inherits_the_flag_and_calibration_is_never_held_out():
    from validation.run import memory_fit_entry

    held = next(e for e in DATA["case"] if e.get("held_out") and e.get("memory_fit"))
    assert memory_fit_entry(held)["held_out"] is True
    assert not any(e.get("held_out") for e in DATA["calibration"])


def test_far_off_counts_the_counted_cases_past_the_bound_and_no_memory_fit(results):
    from validation.run import FAR_OFF

    summary = summarise(results)
    counted = [r for r in results if r.group == VALIDATION and r.kind != "memory_fit"]
    far = [r for r in counted if r.error is not None and abs(r.error) > FAR_OFF]
    assert summary.far_off == len(far)
    assert summary.held_out_far_off == sum(1 for r in far if r.held_out)
    # One more case past the bound is one more far off.
    moved = next(r for r in counted if r.error is not None and abs(r.error) <= FAR_OFF)
    far_model = moved.published * (1 + 2 * FAR_OFF)
    pushed = [replace(r, model=far_model) if r is moved else r for r in results]
    assert summarise(pushed).far_off == summary.far_off + 1
