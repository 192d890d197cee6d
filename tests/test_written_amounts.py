"""An amount written as a tariff or a price list prints it is told how the language writes it.
The trial analysts of Hanoi, Accra, Abu Dhabi and Reykjavik (and earlier Lahore) wrote
`2,100 VND/kWh`, `GHS 2.10/kWh`, `AED 220k`, `9.5 kr/kWh`, `Rs. 60`, `60 PKR / kWh`, `S/ 0.45`
and `12 ¢/kWh`: each got a general hint ("expected an energy price such as '45 USD/MWh'", "units
stand apart from numbers") or none."""

from __future__ import annotations

import pytest

from scendsl.suggest import fix_of
from tests.factories import only_diagnostic, scenario_text


def _price(amount: str):
    body = f"  energy {{\n    price {amount}\n  }}\n"
    return only_diagnostic(scenario_text("s", year=2024, body=body))


def _claim(amount: str):
    body = f'  expect energy.annual_cost < {amount} "the budget"\n'
    return only_diagnostic(scenario_text("s", year=2024, body=body))


@pytest.mark.parametrize(
    ("written", "fixed"),
    [("2,100 VND/kWh", "2100 VND/kWh"), ("95,000 GHS/MWh", "95000 GHS/MWh")],
)
def test_a_thousands_separator_before_a_unit_is_fixed_with_the_unit_kept(written, fixed):
    diagnostic = _price(written)
    assert diagnostic.hint.startswith(f"numbers take no thousands separators: write '{fixed}'")
    number = fixed.split()[0]
    # the edit is the number's: the unit after it stays as written
    assert diagnostic.fix == number
    assert diagnostic.span.end_col - diagnostic.span.col == len(written.split()[0])


def test_a_thousands_separator_in_a_claim_keeps_the_magnitude_and_the_currency():
    diagnostic = _claim("1,000B VND")
    assert diagnostic.hint == "numbers take no thousands separators: write '1000B VND'"
    assert diagnostic.fix == "1000B"


@pytest.mark.parametrize(
    ("written", "fixed"),
    [("GHS 2.10/kWh", "2.10 GHS/kWh"), ("USD 0.12/kWh", "0.12 USD/kWh")],
)
def test_a_currency_before_a_price_is_told_the_price_written_amount_first(written, fixed):
    """The lexer stops at the '/': it was told "units stand apart from numbers"."""
    diagnostic = _price(written)
    assert diagnostic.message == "unexpected character '/'"
    assert diagnostic.hint.endswith(f"after the amount: write '{fixed}'")


def test_a_currency_before_an_amount_in_a_claim_is_told_the_amount_first():
    diagnostic = _claim("AED 10B")
    assert diagnostic.hint.endswith("after the amount: write '10B AED'")
    assert diagnostic.fix is None  # two tokens move: no one-token edit


def test_a_unit_price_with_its_currency_first_is_told_the_amount_first():
    body = "  market {\n    unit_price AED 220k\n  }\n"
    diagnostic = only_diagnostic(scenario_text("s", year=2024, region="AE", body=body))
    assert diagnostic.hint.endswith("after the amount: write '220k AED'")


def test_rs_with_a_full_stop_lists_the_rupees_with_the_amount_first():
    diagnostic = _price("Rs. 60/kWh")
    assert diagnostic.message == "unexpected character '.'"
    assert "after the amount ('60 CODE/kWh')" in diagnostic.hint
    assert "PKR (Pakistan Rupee)" in diagnostic.hint and "INR (Indian Rupee)" in diagnostic.hint


def test_kr_lists_the_crowns():
    hint = _price("9.5 kr/kWh").hint
    for code in ("ISK", "SEK", "NOK", "DKK"):
        assert code in hint
    assert "CZK" not in hint  # the koruna is written Kč, not kr


def test_a_price_unit_written_with_blanks_around_its_slash_is_told_the_one_word():
    diagnostic = _price("60 PKR / kWh")
    assert diagnostic.hint == "a unit is one word, with no blanks around its '/': write 'PKR/kWh'"


def test_the_peruvian_sols_sign_is_told_pen():
    hint = _price("S/ 0.45/kWh").hint
    assert hint.startswith("'S/' is written by its ISO 4217 code after the amount: PEN")


def test_a_slash_after_a_code_ending_in_s_is_no_sol():
    assert "PEN" not in (_price("60 US/ kWh").hint or "")


def test_a_price_in_cents_is_told_the_amount_in_the_unit():
    hint = _price("12 ¢/kWh").hint
    assert "a hundredth of a currency unit" in hint and "`0.12 USD/kWh`" in hint
    assert fix_of(hint) is None  # whose cents they are is the analyst's to say
