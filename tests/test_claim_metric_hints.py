"""The did-you-mean of a claim's unknown metric offers only metrics a claim may name, in the
domain written: `expect energy.power < 40 MW` was offered `energy.power_by_source`, a breakdown
that cannot be claimed, and `expect inference.tokens_per_second > 1000` the training metric
`performance.tokens_per_step`. The metrics are read from the model's index, never named here."""

from __future__ import annotations

import pytest

import scendsl
from scendsl.errors import ScendslError
from scendsl.model.claims import metric_index
from tests.factories import scenario_text

_INDEX = metric_index()
_BREAKDOWNS = sorted(name for name, info in _INDEX.items() if info.kind == "breakdown")
_DOMAINS = sorted({name.partition(".")[0] for name in _INDEX})


def _hint(claim: str) -> str:
    from scendsl.model.claims import validate_claims

    with pytest.raises(ScendslError) as raised:
        validate_claims(scendsl.load_text(scenario_text("s", body=f"  expect {claim}\n")))
    (diagnostic,) = raised.value.diagnostics
    assert diagnostic.message.startswith("unknown metric")
    return diagnostic.hint or ""


def _stem(name: str) -> str:
    """The breakdown's name up to its last word: `energy.power_by_source` -> `energy.power`."""
    domain, _, rest = name.partition(".")
    return f"{domain}.{rest.split('_')[0]}"


@pytest.mark.parametrize("breakdown", _BREAKDOWNS)
def test_a_breakdown_is_never_offered_for_an_unknown_metric(breakdown):
    assert _BREAKDOWNS, "the model has breakdowns"
    hint = _hint(f"{_stem(breakdown)} > 1")
    assert not any(f"'{name}'" in hint for name in _BREAKDOWNS), hint


def test_a_domain_the_model_has_not_is_told_the_domains_not_a_metric_of_another():
    hint = _hint("inference.tokens_per_second > 1000")
    assert "did you mean" not in hint
    assert "no metric of 'inference'" in hint
    assert all(domain in hint for domain in _DOMAINS)


@pytest.mark.parametrize("written", ["enrgy.facility_power", "Energy.facility_power"])
def test_a_misspelt_domain_before_a_known_name_is_still_guessed(written):
    assert _hint(f"{written} < 40 MW") == "did you mean 'energy.facility_power'?"


def _catalog_references():
    from scendsl.catalog import load_catalog

    return load_catalog().references


def test_a_reference_named_by_its_country_is_told_that_countrys_references():
    """`divide.us.compute_ratio` (a Nairobi analyst comparing with the US) was offered
    `divide.lumi_g.compute_ratio`, Finland's. The country's references are listed, its national
    resource first."""
    from scendsl.language.names import iso_region_names

    refs = _catalog_references()
    country = next(r.region for r in refs.values() if r.kind == "national_resource")
    mine = [n for n, r in refs.items() if r.region == country]
    national = [n for n in mine if refs[n].kind == "national_resource"]
    for written in (country.lower(), iso_region_names()[country].replace(" ", "_").lower()):
        hint = _hint(f"divide.{written}.compute_ratio < 1")
        assert "not its country's" in hint, hint
        assert all(f"'divide.{name}.compute_ratio'" in hint for name in mine)
        assert hint.index(f"divide.{national[0]}.") == min(hint.index(f"divide.{n}.") for n in mine)
        others = [n for n, r in refs.items() if r.region != country]
        assert not any(f"'divide.{name}." in hint for name in others)


def test_a_country_without_a_reference_is_told_how_to_add_its_own():
    from scendsl.language.names import iso_region_names

    with_one = {r.region for r in _catalog_references().values()}
    country = next(c for c in sorted(iso_region_names()) if c not in with_one and len(c) == 2)
    hint = _hint(f"divide.{country.lower()}.compute_ratio < 1")
    assert f"none is in {iso_region_names()[country]} ({country})" in hint
    assert "kind national_resource" in hint


def test_an_unknown_metric_is_offered_figures_of_the_claims_dimension():
    """`workload.compute > 1e25 FLOP` was offered `workload.recompute`, a category no amount of
    FLOP is compared with: the metrics of its domain in FLOP are offered instead."""
    hint = _hint("workload.compute > 1e25 FLOP")
    in_flop = [n for n, i in _INDEX.items() if n.startswith("workload.") and i.dimension == "flop"]
    assert in_flop and all(name in hint for name in in_flop)
    assert "recompute" not in hint


def test_a_misspelt_metric_is_still_offered_its_spelling():
    assert _hint("energy.facility_powr > 1 MW") == "did you mean 'energy.facility_power'?"
