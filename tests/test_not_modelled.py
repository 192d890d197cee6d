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


@pytest.mark.parametrize(
    ("claim", "offered"),
    [
        ("market.rental_cost > market.capex", "market.rent_to_own_ratio"),
        ("market.owned_run_cost < market.rental_cost", "market.rent_to_own_ratio"),
        ("divide.peak > divide.public_resource_peak", "divide.public_resource_ratio"),
    ],
)
def test_a_claim_comparing_two_metrics_the_model_relates_is_offered_that_figure(claim, offered):
    """The Kuala Lumpur trial's "five years of rent cost more than buying": the model computes
    the one figure such a claim means, and the hint names it with the claim to write."""
    hint = _claim(claim).hint
    assert f"`expect {offered} > 1`" in hint
    assert "write a claim with its own figure for each" not in hint


def test_every_figure_offered_for_two_metrics_is_a_metric_computed_from_them():
    from scendsl.model import domains  # noqa: F401  (registers every node)
    from scendsl.model.registry import REGISTRY

    for pair in shipped_file("not_modelled.toml")["between"]:
        one, two = map(set, pair["sides"])
        inputs = set(REGISTRY[pair["claim"]].inputs)
        assert inputs <= one | two and inputs & one and inputs & two


def test_the_offered_figures_formula_is_the_registrys_not_written_again():
    from scendsl.model import domains  # noqa: F401  (registers every node)
    from scendsl.model.registry import REGISTRY

    hint = _claim("market.rental_cost > market.capex").hint
    assert f"({REGISTRY['market.rent_to_own_ratio'].formula};" in hint
    for pair in shipped_file("not_modelled.toml")["between"]:
        assert REGISTRY[pair["claim"]].formula not in pair["hint"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"claim": "market.rent_to_buy_ratio"}, "claim"),
        ({"sides": [["market.rental_cost"], ["market.capex_total"]]}, "sides"),
        ({"hint": "renting is `market.rent_to_own_ratio` (a ÷ b)"}, "hint"),
    ],
)
def test_a_between_entry_naming_no_metric_or_writing_its_formula_is_refused(change, field):
    from scendsl.catalog.model import CatalogError
    from scendsl.model.claims import check_related_figures, metric_index, related_figures

    shipped = related_figures()  # the shipped entries pass the check
    broken = ({**shipped[0], **change}, *shipped[1:])
    with pytest.raises(CatalogError) as raised:
        check_related_figures(broken, metric_index())
    assert raised.value.file == "not_modelled.toml" and raised.value.field == field
