"""A figure the model does not compute, asked for by a claim, is told so (not_modelled.toml):
the Reykjavik trial's `expect energy.water_use < 1000 m3` was told so until the model computed
on-site water; water withdrawn (and returned) is still not computed. A claim that compares two metrics
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
    (water,) = [
        f for f in shipped_file("not_modelled.toml")["figure"] if f["what"] == "water withdrawn"
    ]
    return water["hint"]


@pytest.mark.parametrize("metric", ["energy.water_withdrawal", "energy.withdrawn_water"])
def test_a_claim_on_water_the_model_does_not_compute_is_told_so(metric):
    diagnostic = _claim(f"{metric} < 5")
    assert diagnostic.message == f"unknown metric '{metric}'"
    assert diagnostic.hint == _water_hint()
    assert diagnostic.fix is None


def test_the_reykjavik_trials_claim_on_on_site_water_now_checks():
    text = scenario_text("s", region="IS", body="  expect energy.water_use < 1000 m3\n")
    validate_claims(scendsl.load_text(text))  # no diagnostic: the model computes it


def test_a_misspelt_metric_is_still_guessed():
    assert _claim("energy.facilty_power < 5 MW").hint == "did you mean 'energy.facility_power'?"


def test_a_claim_comparing_two_metrics_is_told_a_claim_takes_a_figure():
    diagnostic = _claim("market.rental_cost < market.capex")
    assert diagnostic.hint.startswith(
        "a claim compares a metric with a figure, not with another metric ('market.capex')"
    )
