"""A review of the hints for names written another way, as a hostile user would write them: a
hint never names the wrong thing, never raises, and stays bounded."""

from __future__ import annotations

import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from scendsl.language.names import shipped_file
from scendsl.language.values import _regions_by_name, iso_currencies, region_code_hint
from scendsl.suggest import fix_of, name_key, one_edit
from tests.factories import only_diagnostic, scenario_text

_LETTERS = st.text(alphabet="abcx1", max_size=7)


def _osa_distance(a: str, b: str) -> int:
    """The optimal-string-alignment distance (Damerau-Levenshtein with adjacent swaps), the
    textbook dynamic programme, as the reference `one_edit` is checked against."""
    rows = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        rows[i][0] = i
    for j in range(len(b) + 1):
        rows[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            rows[i][j] = min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                rows[i][j] = min(rows[i][j], rows[i - 2][j - 2] + 1)
    return rows[len(a)][len(b)]


@settings(max_examples=3000, deadline=None)
@given(_LETTERS, _LETTERS)
def test_one_edit_is_a_damerau_levenshtein_distance_of_one(a, b):
    assert one_edit(a, b) == (_osa_distance(a, b) == 1)


def _region_hint(region: str) -> tuple[str, str | None]:
    diagnostic = only_diagnostic(scenario_text("s", region=region))
    return diagnostic.hint or "", diagnostic.fix


def test_a_name_of_two_regions_is_told_both_and_fixed_by_neither():
    # Georgia, the country (GE), was told the US state's code, with that edit offered
    hint, fix = _region_hint("Georgia")
    assert "'GE' (Georgia)" in hint and "'US-GA' (Georgia)" in hint and fix is None


@pytest.mark.parametrize(
    ("written", "codes"),
    [("Chine", {"CL", "CN"}), ("Hambia", {"GM", "ZM"}), ("Slovania", {"SI", "SK"})],
)
def test_a_typo_as_near_to_two_countries_names_both(written, codes):
    # Hambia was offered ZM, Chine CN, Slovania SI: difflib's likeliest of two as near
    hint, fix = _region_hint(written)
    assert fix is None and all(f"'{code}'" in hint for code in codes)


@pytest.mark.parametrize(
    ("written", "code"), [("Gemany", "DE"), ("Austrai", "AT"), ("henansheng", "CN-HA")]
)
def test_a_typo_near_one_country_is_fixed_by_its_code(written, code):
    # Austrai, one edit from Austria and two from Australia, was offered AU (difflib)
    assert (_region_hint(written)[1] or "").strip('"') == code


_NAMES = sorted(_regions_by_name())


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(_NAMES), st.data())
def test_a_typo_of_a_regions_name_is_never_fixed_by_another_regions_code(name, data):
    i = data.draw(st.integers(0, len(name)))
    letter = data.draw(st.sampled_from("abcdefghijklmnopqrstuvwxyz "))
    edit = data.draw(st.sampled_from(["insert", "replace", "delete", "swap"]))
    typo = {
        "insert": name[:i] + letter + name[i:],
        "replace": name[:i] + letter + name[i + 1 :],
        "delete": name[:i] + name[i + 1 :],
        "swap": name[:i] + name[i + 1 : i + 2] + name[i : i + 1] + name[i + 2 :],
    }[edit]
    fixed = fix_of(region_code_hint(typo))
    meant = {
        code
        for other, codes in _regions_by_name().items()
        for code in codes
        if name_key(other) == name_key(typo)
    }
    assume(not meant)  # the typo is itself a name (another region's, or this one's)
    assert fixed is None or fixed.strip('"') in _regions_by_name()[name]


def _price_hint(price: str) -> tuple[str, str | None]:
    body = f"  energy {{\n    price 25 {price}\n  }}\n"
    diagnostic = only_diagnostic(scenario_text("s", body=body))
    return diagnostic.hint or "", diagnostic.fix


@pytest.mark.parametrize(("written", "wrong"), [("HRK", "KHR"), ("SLL", "LSL")])
def test_a_withdrawn_code_is_not_taken_for_an_anagram_of_another_countrys(written, wrong):
    # HRK (the Croatian kuna) was offered the Cambodian riel's KHR, SLL (Sierra Leone's old
    # leone) Lesotho's LSL: the "transposition" rule took any reordering of three letters
    hint, fix = _price_hint(f"{written}/kWh")
    assert wrong not in hint and fix is None


@pytest.mark.parametrize(("written", "code"), [("HRK", "EUR"), ("SLL", "SLE")])
def test_a_recently_withdrawn_code_is_told_its_successor(written, code):
    assert f"{written} was replaced by {code}" in _price_hint(f"{written}/kWh")[0]


@pytest.mark.parametrize("written", ["DUS", "SDU"])
def test_a_reordering_that_is_no_single_swap_is_not_a_typo(written):
    assert "did you mean" not in _price_hint(f"{written}/kWh")[0]


_ALIASES = {k: v for k, v in shipped_file("currency_aliases.toml").items() if k != "meta"}
_WITHDRAWN = sorted(code for code, alias in _ALIASES.items() if "factor" in alias)


@pytest.mark.parametrize("written", _WITHDRAWN)
def test_a_redenominated_code_offers_no_edit_of_the_code_alone(written):
    # ZMK -> ZMW was offered as a quick fix: 25 ZMK/kWh became 25 ZMW/kWh, a thousand times
    # the price
    hint, fix = _price_hint(f"{written}/kWh")
    assert fix is None and hint.endswith(f"write the amount in {_ALIASES[written]['write']}")


@pytest.mark.parametrize("written", _WITHDRAWN)
def test_a_redenominations_factor_is_the_one_its_sentence_gives(written):
    alias = _ALIASES[written]
    ratio = re.search(rf"([\d,.]+) {written} to 1 {alias['write']}", alias["why"])
    assert ratio is not None and float(ratio.group(1).replace(",", "")) == alias["factor"]


def test_every_code_a_currency_hint_names_is_an_iso_4217_code():
    assert {alias["write"] for alias in _ALIASES.values()} <= set(iso_currencies())
    assert not set(_ALIASES) & set(iso_currencies())  # an alias is no current code


@pytest.mark.parametrize(("written", "unit"), [("usd/kWh", "USD/kWh"), ("Usd/MWh", "USD/MWh")])
def test_the_dollar_in_small_letters_is_told_its_capitals(written, unit):
    # it was told there is "no exchange rate for USD", to be converted "at N USD per USD"
    hint, fix = _price_hint(written)
    assert fix == unit and "per USD" not in hint


@pytest.mark.parametrize("written", ["DM/kWh", "Sh/kWh", "DH/kWh", "Rs/MWh", "Ft/kWh"])
def test_a_price_in_an_unknown_currency_is_not_guessed_another(written):
    # the spelling guess among units offered DM (Deutsche Mark), Sh (shilling) and DH (dirham)
    # USD/kWh, and Rs (rupees) a price in MWh with no currency
    hint, fix = _price_hint(written)
    assert fix is None and "ISO 4217 code" in hint


@pytest.mark.parametrize(("written", "unit"), [("USD/kwh", "USD/kWh"), ("EURO/MWh", "EUR/MWh")])
def test_a_price_with_a_known_currency_is_still_fixed(written, unit):
    assert _price_hint(written)[1] == unit


def test_a_claim_and_a_value_give_one_hint_for_an_unknown_currency():
    claim = scenario_text("s", body='  expect energy.cost < 50M Sh/kWh "x"\n')
    assert only_diagnostic(claim).hint == _price_hint("Sh/kWh")[0]


def _chip_hint(chip: str) -> tuple[str, str | None]:
    diagnostic = only_diagnostic(scenario_text("s", accelerator=chip))
    return diagnostic.hint or "", diagnostic.fix


@pytest.mark.parametrize(
    ("written", "wrong"),
    [
        ("B100", "V100"),
        ("L4", "L40S"),
        ("A10", "A100_40GB"),
        ("H300", "H800"),
        ("Trainium3", "Trainium2"),
        ("MI350X", "MI355X"),
        ("MI300A", "MI300X"),
        ("TPUv8", "TPUv7"),
        ("GB100", "GB300"),
    ],
)
def test_another_chip_is_not_offered_for_a_chip_the_catalog_lacks(written, wrong):
    # each is a real chip one character from a catalog chip, and was offered it (with the edit):
    # the scenario would have used the other chip's figures
    hint, fix = _chip_hint(written)
    assert f"'{wrong}'" not in hint and fix is None
    assert "define it with" in hint


@pytest.mark.parametrize(
    ("written", "meant"),
    [("h100", "H100"), ("H100_SXM5", "H100"), ("H20_96GB", "H20"), ("TPUv6", "TPUv6e")],
)
def test_a_chip_written_another_way_is_still_fixed(written, meant):
    assert _chip_hint(written)[1] == meant


def test_a_base_chip_is_matched_by_the_same_rule():
    text = "accelerator Mine extends B100 {\n  tdp 700 W\n}\n" + scenario_text(
        "s", accelerator="Mine"
    )
    assert "V100" not in (only_diagnostic(text).hint or "")


def test_every_region_a_region_alias_names_is_an_iso_region_and_no_alias_is_one():
    from scendsl.language.names import iso_region_names

    aliases = {k: v for k, v in shipped_file("region_aliases.toml").items() if k != "meta"}
    assert {a["write"] for a in aliases.values() if "write" in a} <= set(iso_region_names())
    assert not set(aliases) & set(iso_region_names())


def test_an_open_cycle_gas_turbine_is_not_told_it_is_combined_cycle_gas():
    body = "  energy {\n    mix gas_turbine 100%\n  }\n"
    diagnostic = only_diagnostic(scenario_text("s", body=body))
    assert diagnostic.fix is None and "intensity" in (diagnostic.hint or "")


@pytest.mark.parametrize(("written", "hint"), [("B100", None), ("MI350X", None), ("h100", "H100")])
def test_a_claim_on_an_accelerator_is_guessed_as_a_scenarios_accelerator(written, hint):
    # claims had kept the spelling guess: `expect cluster.accelerator == B100` was offered V100
    import scendsl
    from scendsl.errors import ScendslError
    from scendsl.model.claims import validate_claims

    text = scenario_text("s", body=f'  expect cluster.accelerator == {written} "x"\n')
    with pytest.raises(ScendslError) as raised:
        validate_claims(scendsl.load_text(text))
    diagnostic = raised.value.diagnostics[0]
    assert diagnostic.message.startswith(f"'{written}' is no accelerator")
    if hint is None:
        assert "did you mean" not in (diagnostic.hint or "")
    else:
        assert diagnostic.hint == f"did you mean '{hint}'?"


@pytest.mark.parametrize(
    ("written", "codes"),
    [
        ("Riyal", {"OMR", "QAR", "SAR", "YER"}),  # was fixed as SAR alone: Qatar writes riyal too
        ("Rial", {"OMR", "QAR", "SAR", "YER"}),
        ("Som", {"KGS", "UZS"}),
        ("Lei", {"MDL", "RON"}),
        ("Kroner", {"DKK", "NOK"}),
    ],
)
def test_a_word_spelt_as_a_central_bank_spells_it_names_every_currency_it_may_mean(written, codes):
    hint, fix = _price_hint(f"{written}/kWh")
    assert fix is None
    assert {code for code in codes if f"{code} (" in hint} == codes


@pytest.mark.parametrize(("written", "unit"), [("Shekel", "ILS/kWh"), ("Reais", "BRL/kWh")])
def test_a_word_of_one_currency_spelt_another_way_is_fixed(written, unit):
    assert _price_hint(f"{written}/kWh")[1] == unit


def test_a_second_slash_in_a_unit_is_not_told_to_part_unit_and_number():
    diagnostic = only_diagnostic(
        scenario_text("s", body="  energy {\n    price 120 USD/MWh/year\n  }\n")
    )
    assert diagnostic.hint == "a unit has one '/': write 'USD/MWh'"


@pytest.mark.parametrize(
    ("line", "fix"),
    [
        ("energy.mfu 40%", "cluster.mfu"),  # was offered energy.pue
        ("cluster.pue 1.2", "energy.pue"),  # was offered cluster.mfu
        # the scenario writes `region` already: the fix would set it twice (security item 135)
        ("cluster.region US", None),
        ("energy.prise 0.1 USD/kWh", "energy.price"),
        ("enrgy.pue 1.2", "energy.pue"),
    ],
)
def test_a_field_written_in_another_section_is_told_its_home(line, fix):
    diagnostic = only_diagnostic(scenario_text("s", region="US", body=f"  {line}\n"))
    assert diagnostic.fix == fix


def test_a_field_in_the_wrong_block_is_told_its_home_without_an_edit():
    diagnostic = only_diagnostic(scenario_text("s", body="  energy {\n    mfu 40%\n  }\n"))
    assert "'mfu' belongs in 'cluster'" in (diagnostic.hint or "")
    assert diagnostic.fix is None


def test_a_name_no_section_has_lists_the_sections_fields():
    diagnostic = only_diagnostic(scenario_text("s", body="  energy.capacity 1 GW\n"))
    assert (diagnostic.hint or "").startswith("fields of 'energy' are ")


@pytest.mark.parametrize(
    "block",
    [
        "energy { price 0.1 €/kWh }",
        'energy { price 0.1 €/kWh "}" }',
        "energy { price 0.1 € { x } }",
    ],
)
def test_an_error_inside_a_one_line_block_is_not_followed_by_an_unclosed_block(block):
    # recovery blanked the rest of the line, its '}' too: 'this block is never closed' followed
    diagnostic = only_diagnostic(scenario_text("s", body=f"  {block}\n"))
    assert diagnostic.message.startswith("unexpected character")


def test_a_closing_brace_in_a_comment_is_not_kept_by_the_recovery():
    import scendsl
    from scendsl.errors import ScenarioError

    text = scenario_text("s", body="  energy { price 0.1 €/kWh # }\n")
    with pytest.raises(ScenarioError) as raised:
        scendsl.load_text(text)
    assert any("never closed" in d.message for d in raised.value.diagnostics)


_FIELD_ALIASES = {
    (section, alias): field
    for section, table in shipped_file("field_aliases.toml").items()
    if section != "meta"
    for field, aliases in table.items()
    for alias in aliases
}


def test_every_field_alias_names_a_field_of_its_section_and_is_none():
    from scendsl.language import fields as F

    for (section, alias), field in _FIELD_ALIASES.items():
        assert field in F.SECTIONS[section]
        assert F.scenario_field(f"{section}.{alias}") is None, alias


@pytest.mark.parametrize(("section", "alias"), sorted(_FIELD_ALIASES))
def test_a_published_configs_name_is_fixed_by_the_field(section, alias):
    import scendsl
    from scendsl.errors import ScenarioError

    field = _FIELD_ALIASES[(section, alias)]
    # a scenario that does not write the field yet (else the fix would set it twice)
    value = "H100" if field == "accelerator" else "8"
    text = scenario_text("s").replace(f"    {field} ", "    # ")
    text = text.replace("}\n}\n", f"}}\n  {section}.{alias} {value}\n}}\n")
    with pytest.raises(ScenarioError) as raised:
        scendsl.load_text(text)
    (unknown,) = [d for d in raised.value.diagnostics if d.message.startswith("unknown field")]
    assert unknown.fix == f"{section}.{field}"


@pytest.mark.parametrize(
    ("line", "wrong"),
    [("workload.inference_tokens 1T", "baseline_tokens"), ("energy.homes 5", "pue")],
)
def test_a_guess_sharing_one_word_of_two_is_not_offered(line, wrong):
    diagnostic = only_diagnostic(scenario_text("s", body=f"  {line}\n"))
    assert wrong not in (diagnostic.hint or "").split("are")[0]
    assert diagnostic.fix is None


@pytest.mark.parametrize(
    ("written", "fix"),
    [('"\uff28100"', "H100"), ('"\u041d100"', "H100"), ('"TPUv\uff16e"', "TPUv6e")],
)
def test_a_quoted_name_pasted_with_look_alikes_is_told_its_plain_name(written, fix):
    # full-width and Cyrillic letters in a quoted name got no hint, where a region's did
    assert only_diagnostic(scenario_text("s", accelerator=written)).fix == fix
