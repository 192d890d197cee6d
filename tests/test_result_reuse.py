"""An input's or a metric's result is reused from the evaluation before when its value (and an
input's provenance) is the same again: every evaluation must still show its own scenario's
figures, and the same bytes as with nothing kept. Each test evaluates one scenario (keeping its
results), then another that differs in what some figures read, and compares with the second
evaluated alone, the kept results forgotten."""

from __future__ import annotations

import dataclasses
import json
import math

import pytest

import scendsl
from factories import scenario_text
from scendsl.catalog import load_catalog
from scendsl.model import evaluate
from scendsl.report.export import result_data

WORKLOAD = "  workload {\n    parameters 70B\n    tokens 1T\n    precision bf16\n  }\n"


def _result(text: str):
    return scendsl.evaluate(scendsl.load_text(text).get("base"))


def _bytes(result) -> str:
    return json.dumps(result_data(result), sort_keys=True)


def _forget() -> None:
    evaluate._METRIC_RESULTS.clear()
    evaluate._INPUT_RESULTS.clear()


def _fresh(text: str):
    _forget()
    return _result(text)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({"count": 1000}, {"count": 2000}),
        ({"year": 2024}, {"year": 2027}),
        ({"accelerator": "H100"}, {"accelerator": "B200"}),
        ({"region": "US"}, {"region": "DE"}),
    ],
    ids=["count", "year", "accelerator", "region"],
)
def test_a_reused_result_follows_the_scenario(first, second):
    before = scenario_text(body=WORKLOAD, **first)
    after = scenario_text(body=WORKLOAD, **second)
    _forget()
    earlier = _result(before)
    assert evaluate._METRIC_RESULTS, "nothing was kept: the test would prove nothing"
    later = _result(after)
    alone = _fresh(after)
    assert later.metrics == alone.metrics
    assert later.inputs == alone.inputs
    assert _bytes(later) == _bytes(alone)
    for kind in ("inputs", "metrics"):
        before_, later_, alone_ = (getattr(r, kind) for r in (earlier, later, alone))
        changed = [n for n, m in alone_.items() if m != before_[n]]
        assert changed, f"the two scenarios differ in no {kind}: the test would prove nothing"
        # What did not change is shared with the evaluation before; what changed is new.
        shared = [n for n, m in later_.items() if m is before_[n]]
        assert shared
        assert not set(shared) & set(changed)


def test_the_same_scenario_again_gives_the_same_bytes():
    text = scenario_text(count=1000, body=WORKLOAD)
    first = _fresh(text)
    again = _result(text)
    assert _bytes(again) == _bytes(first)
    assert all(again.metrics[n] is m for n, m in first.metrics.items() if m.value == m.value)
    assert all(again.inputs[n] is m for n, m in first.inputs.items() if m.value == m.value)


def test_an_input_of_the_same_value_written_elsewhere_is_not_reused():
    """The same count on another line: the same value, another origin."""
    plain = scenario_text(count=1000, body=WORKLOAD)
    titled = scenario_text(title="Moved down a line", count=1000, body=WORKLOAD)
    earlier = _fresh(plain).inputs["cluster.count"]
    later = _result(titled).inputs["cluster.count"]
    assert later.value == earlier.value
    assert later.origin != earlier.origin, "the origins are alike: the test would prove nothing"
    assert later == _fresh(titled).inputs["cluster.count"]


@pytest.mark.parametrize(
    ("last", "value", "same"),
    [
        (0.0, -0.0, False),  # written "0" and "-0"
        (-0.0, -0.0, True),
        (0.0, 0.0, True),
        (False, False, True),
        ("", "", True),
        ({}, {}, True),
    ],
)
def test_equal_zeros_are_the_same_only_with_their_sign(last, value, same):
    assert evaluate._same_zero(last, value) is same


def test_a_zero_of_the_other_sign_is_not_reused():
    text = scenario_text(count=1000, body=WORKLOAD)
    result = _fresh(text)
    name = "performance.pipeline_bubble"  # no pipeline: a zero
    made = result.metrics[name]
    assert made.value == 0.0 and math.copysign(1.0, made.value) == 1.0
    row = evaluate._METRIC_RESULTS[name][0]
    # As an evaluation before would have left it, had the metric been -0.0 there.
    evaluate._METRIC_RESULTS[name] = row, dataclasses.replace(made, value=-0.0)
    again = _result(text).metrics[name]
    assert math.copysign(1.0, again.value) == 1.0
    assert again == made


def test_a_result_is_not_reused_where_its_meaning_changed():
    """A file's reference block of a catalog entry's figures, under another title: the same
    values, but each per-reference meaning names the new title."""
    entry = next(iter(load_catalog().references.values()))
    plain = scenario_text(count=1000, body=WORKLOAD)
    retitled = plain + (
        f'\nreference {entry.name} {{\n  title "Our own"\n  kind {entry.kind}\n'
        f"  region {entry.region}\n  accelerator {entry.accelerator}\n  count {entry.count}\n}}\n"
    )
    name = f"divide.{entry.name}.compute_ratio"
    earlier = _fresh(plain).metrics[name]
    later = _result(retitled).metrics[name]
    assert later.value == earlier.value, "the values differ: the test would prove nothing"
    assert "Our own" in later.meaning
    assert later == _fresh(retitled).metrics[name]


MIX = "  energy {\n    mix stranded_gas 60%, solar 25%, grid 15%\n  }\n"


def _supply(text: str) -> dict[str, object]:
    inputs = _result(text).inputs
    return {name: inputs[name] for name in ("energy.supply_intensity", "energy.supply_price")}


@pytest.mark.parametrize(
    "second",
    [
        scenario_text(body=MIX.replace("60%, solar 25%", "50%, solar 35%")),
        scenario_text(title="Moved down a line", body=MIX),  # the mix's origin moves
        scenario_text(region="DE", body=MIX),
        scenario_text(year=2024, body=MIX),
        scenario_text(),  # no mix: the region's grid
    ],
    ids=["shares", "line", "region", "year", "grid"],
)
def test_a_kept_blend_follows_the_mix_region_year_and_line(second):
    """The supply mix's intensity and price are kept by catalog, mix, region, year and where
    the mix is written (energy_supply._MIX_FOUND): another of any of them is worked out again,
    and what is kept gives what is worked out with nothing kept."""
    from scendsl.model.domains import energy_supply

    first = scenario_text(body=MIX)
    energy_supply._MIX_FOUND.clear()
    earlier = _supply(first)
    assert len(energy_supply._MIX_FOUND) == 2, "nothing was kept: the test would prove nothing"
    later = _supply(second)
    assert all(later[name] != earlier[name] for name in later), "alike: it would prove nothing"
    assert _supply(first) == earlier  # kept, the same again
    energy_supply._MIX_FOUND.clear()
    assert _supply(second) == later  # worked out with nothing kept: the same
