"""A figure the model does not compute, asked for by a claim, is told so (not_modelled.toml):
the Reykjavik trial's `expect energy.water_use < 1000 m3` got no hint at the unit, and without
it a spelling guess offered `energy.pue`, another figure. A claim that compares two metrics
(the Abu Dhabi trial's buy or rent) is told that a claim takes a figure."""

from __future__ import annotations

import pytest

import scendsl
from scendsl.errors import ScendslError
from scendsl.language.names import shipped_file
from scendsl.model.claims import validate_claims
from tests.factories import only_diagnostic, scenario_text


def _claim(claim: str):
    """The one diagnostic of a claim: its value's when loading refuses it, else its metric's."""
    text = scenario_text("s", region="IS", body=f"  expect {claim}\n")
    try:
        scenarios = scendsl.load_text(text)
    except ScendslError:
        return only_diagnostic(text)
    with pytest.raises(ScendslError) as raised:
        validate_claims(scenarios)
    (diagnostic,) = raised.value.diagnostics
    return diagnostic


def _water_hint() -> str:
    (water,) = [f for f in shipped_file("not_modelled.toml")["figure"] if f["what"] == "water use"]
    return water["hint"]


@pytest.mark.parametrize("metric", ["energy.water_use", "energy.wue", "site.annual_water"])
def test_a_claim_on_water_is_told_the_model_computes_none(metric):
    diagnostic = _claim(f"{metric} < 5")
    assert diagnostic.message == f"unknown metric '{metric}'"
    assert diagnostic.hint == _water_hint()
    assert diagnostic.fix is None


def test_a_volume_of_water_is_told_the_same_at_its_unit():
    diagnostic = _claim("energy.water_use < 1000 m3")
    assert diagnostic.message == "unknown unit 'm3'"
    assert diagnostic.hint == _water_hint()


def test_a_misspelt_metric_is_still_guessed():
    assert _claim("energy.facilty_power < 5 MW").hint == "did you mean 'energy.facility_power'?"


def test_a_claim_comparing_two_metrics_is_told_a_claim_takes_a_figure():
    diagnostic = _claim("market.rental_cost < market.capex")
    assert diagnostic.hint.startswith(
        "a claim compares a metric with a figure, not with another metric ('market.capex')"
    )
