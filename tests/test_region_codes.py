"""Region codes as people write them that are not the ISO 3166-1 code a scenario names: a
three-letter code is matched exactly to its country (a guess among two-letter codes named another
country: AUT was offered AU, Australia, and IRL was offered IR, Iran), and the codes the EU and
everyday usage write (UK, EL, EU, XK) are told what to write (region_aliases.toml)."""

from __future__ import annotations

import pytest

from scendsl.language.names import iso_region_names, shipped_file
from tests.factories import only_diagnostic, scenario_text


@pytest.mark.parametrize(
    ("written", "country"),
    [
        ("AUT", "AT"),
        ("IRL", "IE"),
        ("KEN", "KE"),
        ("NGA", "NG"),
        ("CHE", "CH"),
        ("USA", "US"),
        ("deu", "DE"),
    ],
)
def test_a_three_letter_code_is_told_its_country_exactly(written, country):
    diagnostic = only_diagnostic(scenario_text("s", region=written))
    assert diagnostic.message == f"unknown region '{written}'"
    hint = diagnostic.hint or ""
    assert hint.startswith(f"'{written}' is the three-letter code of ")
    assert hint.endswith(f"the two-letter ISO 3166-1 code, {country}")


def test_a_three_letter_word_that_is_no_code_gets_no_guess():
    diagnostic = only_diagnostic(scenario_text("s", region="XYZ"))
    assert "did you mean" not in (diagnostic.hint or "")
    assert (diagnostic.hint or "").startswith("regions are ISO 3166-1 alpha-2 codes")


@pytest.mark.parametrize(("written", "country"), [("UK", "GB"), ("EL", "GR"), ("uk", "GB")])
def test_a_code_the_eu_writes_is_told_the_iso_code(written, country):
    diagnostic = only_diagnostic(scenario_text("s", region=written))
    assert (diagnostic.hint or "").endswith(f"write {country} ({iso_region_names()[country]})")


@pytest.mark.parametrize("written", ["EU", "XK"])
def test_a_code_of_no_one_region_says_why(written):
    diagnostic = only_diagnostic(scenario_text("s", region=written))
    assert diagnostic.hint == shipped_file("region_aliases.toml")[written]["why"]


def test_every_alias_is_no_region_and_points_at_one():
    aliases = shipped_file("region_aliases.toml")
    assert aliases["meta"]["source"]
    for code, alias in aliases.items():
        if code == "meta":
            continue
        assert code not in iso_region_names(), code  # an alias never hides a region
        assert alias["why"]
        assert alias.get("write") is None or alias["write"] in iso_region_names()
