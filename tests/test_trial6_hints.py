"""What the analysts of round 23's trials (Tashkent, Manila, Casablanca, Lahore) met: a rupee
sign `₨` that took two errors to reach the rupees (its compatibility form reads 'Rs', so it was
told "write 'Rs'", and `Rs` was then told the rupees), a subdivision code ISO 3166-2 has renamed
(`"ZA-GT"`, Gauteng, now ZA-GP) that got only the general rule of what a region is, everyday
abbreviations of the dirham, the Egyptian pound and the Turkish lira with no hint, and a solar
power purchase agreement whose briefing showed the sun supplying its share of the power at
every hour."""

from __future__ import annotations

import pytest

from scendsl.cli import main
from tests.factories import only_diagnostic, scenario_text


def _price_diagnostic(price: str, region: str = "PK"):
    body = f"  energy {{\n    price {price}\n  }}\n"
    return only_diagnostic(scenario_text("s", year=2026, region=region, body=body))


@pytest.mark.parametrize(
    ("amount", "sign", "first"),
    [
        ("60 ₨/kWh", "₨", "PKR"),  # U+20A8 folds to the letters 'Rs'
        ("60 \uff04/MWh", "\uff04", "USD"),  # full-width forms fold to the sign itself
        ("60 \uffe5/MWh", "\uffe5", "JPY"),
        ("60 R\uff04/MWh", "R\uff04", "BRL"),
    ],
)
def test_a_sign_with_a_compatibility_form_is_told_its_codes_at_once(amount, sign, first):
    diagnostic = _price_diagnostic(amount)
    assert diagnostic.message.startswith("unexpected character")
    assert "only looks like" not in diagnostic.hint
    assert diagnostic.hint.startswith(f"'{sign}' is written by its ISO 4217 code after the amount")
    assert f"`25 {first}/MWh`" in diagnostic.hint


def test_the_rupee_sign_lists_the_rupees():
    hint = _price_diagnostic("60 ₨/kWh").hint
    assert all(code in hint for code in ("PKR", "LKR", "NPR", "MUR"))


def test_a_look_alike_that_is_no_currency_sign_is_still_told_its_plain_form():
    diagnostic = only_diagnostic(scenario_text("s", body="  energy {\n    pue 1\uff0e3\n  }\n"))
    assert diagnostic.hint.startswith("it only looks like '.'")


@pytest.mark.parametrize("written", ['"ZA-GT"', "ZA-GT"])
def test_a_renamed_subdivision_code_is_told_its_country_and_the_current_codes(written):
    diagnostic = only_diagnostic(scenario_text("s", region=written))
    assert "'ZA-GT' is no current ISO 3166-2 code of South Africa" in diagnostic.hint
    assert "ZA-GP Gauteng" in diagnostic.hint  # the code it has now
    assert diagnostic.hint.endswith("write ZA") and diagnostic.fix == "ZA"


def test_an_unknown_code_of_a_country_with_many_subdivisions_lists_none():
    diagnostic = only_diagnostic(scenario_text("s", region='"TR-99"'))
    assert diagnostic.hint == (
        "'TR-99' is no current ISO 3166-2 code of Türkiye; "
        "the catalog's figures for Türkiye are national: write TR"
    )


def test_an_unknown_code_of_a_country_with_figures_by_subdivision_is_offered_no_one_edit():
    # China's subdivisions were numbered (CN-11, Beijing) until ISO gave them letters (CN-BJ),
    # which the catalog has figures for: writing CN would silently drop the province's figures.
    diagnostic = only_diagnostic(scenario_text("s", region='"CN-11"'))
    assert diagnostic.hint.startswith("'CN-11' is no current ISO 3166-2 code of China; ")
    assert "`scendsl list regions`" in diagnostic.hint and diagnostic.fix is None


def test_a_code_of_no_country_keeps_the_general_rule():
    diagnostic = only_diagnostic(scenario_text("s", region='"ZZ-AB"'))
    assert diagnostic.hint.startswith("regions are ISO 3166-1 alpha-2 codes")


@pytest.mark.parametrize("written", ["DH", "Dhs"])
def test_the_dirhams_abbreviation_lists_both_dirhams(written):
    hint = _price_diagnostic(f"1 {written}/kWh", region="MA").hint
    assert hint == (
        "write the ISO 4217 code of the one you mean: AED (UAE Dirham), MAD (Moroccan Dirham)"
    )


@pytest.mark.parametrize(("written", "code"), [("LE", "EGP"), ("TL", "TRY")])
def test_the_egyptian_pounds_and_turkish_liras_abbreviations_are_told_their_code(written, code):
    diagnostic = _price_diagnostic(f"2 {written}/kWh", region="EG")
    assert diagnostic.hint.endswith(f"; write {code}") and diagnostic.fix == f"{code}/kWh"


def _energy_section(tmp_path, mix: str) -> str:
    path = tmp_path / "site.scn"
    body = f"  energy {{\n    mix {mix}\n  }}\n"
    path.write_text(scenario_text("site", region="MA", count=1000, body=body), encoding="utf-8")
    assert main(["build", str(path), "-o", str(tmp_path / "out"), "--no-cache"]) == 0
    page = (tmp_path / "out" / "site.md").read_text(encoding="utf-8")
    return page.split("## Energy", 1)[1].split("## Market", 1)[0]


def test_a_solar_share_is_said_to_be_of_the_years_electricity_not_of_every_hour(tmp_path):
    energy = _energy_section(tmp_path, "solar 60%, grid 40%")
    assert "The mix's shares are of the year's electricity" in energy
    assert "Solar supplies its share only while the sun shines:" in energy
    assert "the hour-by-hour mismatch is not modelled" in energy


def test_solar_and_wind_are_named_together(tmp_path):
    energy = _energy_section(tmp_path, "solar 30%, wind 30%, gas 40%")
    assert "Solar and wind supply their shares only while the sun shines or the wind blows:" in (
        energy
    )


def test_each_variable_source_says_when_it_supplies_from_the_catalog(tmp_path):
    """Concentrated solar follows the sun: the sentence had said "the wind blows" for every
    variable source but solar PV, and once each clause whatever the sources shared."""
    energy = _energy_section(tmp_path, "csp 30%, solar 20%, offshore_wind 10%, wind 10%, gas 30%")
    assert (
        "Csp, solar, offshore wind and wind supply their shares only while the sun shines or "
        "the wind blows:"
    ) in energy


def test_a_mix_of_sources_that_follow_the_load_says_nothing_of_hours(tmp_path):
    energy = _energy_section(tmp_path, "gas 50%, grid 50%")
    assert "Supply source" in energy and "of the year's electricity" not in energy


def test_the_household_country_is_its_code_with_its_name_as_label():
    """`expect energy.household_country == PH` passed `check` (a region's code is what it
    takes) and failed, since the value was the name a sentence uses, "the Philippines"."""
    import scendsl

    text = scenario_text("s", region="PH", body='  expect energy.household_country == PH "q"\n')
    result = scendsl.evaluate(scendsl.load_text(text).get("s"))
    assert result.claims[0].holds is True
    node = result["energy.household_country"]
    assert (node.value, node.label) == ("PH", "the Philippines")
    fallback = scendsl.evaluate(scendsl.load_text(scenario_text("u", region="UZ")).get("u"))
    assert fallback["energy.household_country"].value == "US"  # the default country's homes


def _mix_diagnostic(mix: str):
    return only_diagnostic(
        scenario_text("s", region="MA", body=f"  energy {{\n    mix {mix}\n  }}\n")
    )


@pytest.mark.parametrize(
    ("mix", "written", "source"),
    [
        ("natural gas 20%, grid 80%", "natural gas", "gas"),
        ("grid 80%, solar PV 20%", "solar PV", "solar"),
        ("run of river 30%, grid 70%", "run of river", "hydro"),
    ],
)
def test_a_source_named_in_words_is_told_the_name_with_the_edit(mix, written, source):
    """`natural gas 20%` was told only that an entry is a name and a value, with an example."""
    diagnostic = _mix_diagnostic(mix)
    assert diagnostic.message == f"unknown energy source '{written}'"
    assert diagnostic.hint == f"'{written}' is written `{source}` here"
    assert diagnostic.fix == source
    assert diagnostic.source_line[diagnostic.span.col - 1 : diagnostic.span.end_col - 1] == written


def test_a_source_of_the_language_written_in_words_is_told_the_underscore():
    diagnostic = _mix_diagnostic("stranded gas 60%, grid 40%")
    assert diagnostic.hint == "names join their words with '_': write 'stranded_gas'"
    assert diagnostic.fix == "stranded_gas"


@pytest.mark.parametrize(("written", "source"), [("solar_ppa", "solar"), ("wind_ppa", "wind")])
def test_a_power_purchase_agreement_is_written_by_its_source(written, source):
    diagnostic = _mix_diagnostic(f"{written} 60%, grid 40%")
    assert diagnostic.hint == f"'{written}' is written `{source}` here"


def test_words_that_name_no_source_keep_the_rule_of_an_entry():
    # ("heavy fuel oil" now names a source: the catalog's `oil` knows it as heavy_fuel_oil)
    diagnostic = _mix_diagnostic("sea breeze power 20%, grid 80%")
    assert diagnostic.message == "each entry of 'energy.mix' is a name and a value"


def test_words_of_a_sources_other_name_are_told_the_source():
    diagnostic = _mix_diagnostic("heavy fuel oil 20%, grid 80%")
    assert diagnostic.hint == "'heavy fuel oil' is written `oil` here" and diagnostic.fix == "oil"


def _line_diagnostic(line: str):
    return only_diagnostic(scenario_text("s", region="PK", body=f"  {line}\n"))


@pytest.mark.parametrize(
    ("line", "written"),
    [
        ("market.unit_price 90 lakh PKR", "9M PKR"),  # a lakh is 10^5
        ("market.unit_price 1 crore PKR", "10M PKR"),  # a crore 10^7
        ("market.unit_price 9 mn PKR", "9M PKR"),
        ("expect market.capex < 300 crore PKR", "3B PKR"),
        ("expect market.capex < 3 billion PKR", "3B PKR"),  # the claim had only its usage
        ("expect market.capex < 3 bn PKR", "3B PKR"),
        ("expect energy.households_equivalent < 2 lakh", "200k"),
        ("expect energy.households_equivalent < 2 million", "2M"),  # was offered 'min'
        ("workload.tokens 20000 crore", "200B"),
    ],
)
def test_an_amount_in_words_of_either_numbering_is_told_the_magnitude(line, written):
    diagnostic = _line_diagnostic(line)
    assert diagnostic.hint == f"write {written}: magnitudes are suffixes of the number (k, M, B, T)"
    # the edit replaces the number and its word (a fix is one token): the currency stays
    number, word = line.split()[-3:-1] if line.endswith("PKR") else line.split()[-2:]
    span = diagnostic.source_line[diagnostic.span.col - 1 : diagnostic.span.end_col - 1]
    assert (span, diagnostic.fix) == (f"{number} {word}", written.split()[0])


@pytest.mark.parametrize(
    ("line", "days"),
    [
        ("expect reliability.training_time < 6 weeks", "42 days"),
        ("cluster.lifetime 260 weeks", "1820 days"),
    ],
)
def test_weeks_are_told_the_days(line, days):
    diagnostic = _line_diagnostic(line)
    assert diagnostic.hint == f"write {days}: times are written in s, min, hours, days or years"
    assert diagnostic.fix is None  # a fix is one token: the number and the unit both change


@pytest.mark.parametrize(
    "line", ["expect reliability.training_time < 2 months", "cluster.lifetime 2 months"]
)
def test_months_are_told_days_or_years_and_never_minutes(line):
    """`2 months` was offered `minutes`: a fix that made a training budget 43,000 times shorter."""
    diagnostic = _line_diagnostic(line)
    assert diagnostic.hint == (
        "a month is no unit of the language (months differ in length): "
        "2 months are about `61 days` or `0.167 years`"
    )
    assert diagnostic.fix is None


def test_a_plural_of_a_unit_keeps_its_spelling_guess():
    assert _line_diagnostic("expect reliability.training_time < 2 mins").hint == (
        "did you mean 'min'?"
    )


@pytest.mark.parametrize(
    ("line", "unit"),
    [
        ("energy.intensity 412 g/kWh", "gCO2/kWh"),  # was told how a price is written
        ("energy.intensity 412 gCO2e/kWh", "gCO2/kWh"),
        ("energy.intensity 412 kgCO2e/MWh", "kgCO2/MWh"),
        ("expect energy.annual_emissions < 50000 tonnes", "tCO2"),  # had no hint
        ("expect energy.annual_emissions < 50 ktCO2e", "ktCO2"),
    ],
)
def test_a_carbon_unit_written_as_reports_write_it_is_told_the_languages(line, unit):
    diagnostic = _line_diagnostic(line)
    assert diagnostic.hint == f"the language writes it {unit} (its CO2 figures are CO2-equivalent)"
    assert diagnostic.fix == unit


def test_an_intensity_per_another_amount_is_told_the_factor_with_no_edit():
    diagnostic = _line_diagnostic("energy.intensity 0.412 tCO2/MWh")
    assert diagnostic.hint == "write it in kgCO2/MWh: 1 tCO2/MWh is 1,000 kgCO2/MWh"
    assert diagnostic.fix is None


def test_a_value_from_python_the_language_cannot_read_keeps_the_languages_hint():
    """`make_scenario(price="60 ₨/kWh")` said only that the value cannot be read."""
    import scendsl
    from scendsl.errors import ScenarioError

    with pytest.raises(ScenarioError) as caught:
        scendsl.make_scenario(
            "x", accelerator="H100", count=8, year=2026, region="PK", price="60 ₨/kWh"
        )
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.message == "'energy.price' cannot be read from '60 ₨/kWh'"
    assert diagnostic.hint.startswith("'₨' is written by its ISO 4217 code after the amount: PKR")
