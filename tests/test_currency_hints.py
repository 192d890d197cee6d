"""A currency written another way than its ISO 4217 code is told the code it means. Before, the
hint guessed by spelling among three-letter codes and named another country's currency: RMB
(China's) was offered RUB, KSH (Kenya's) the Cambodian KHR, YEN the Yemeni YER; EURO/kWh was
offered USD/kWh."""

from __future__ import annotations

import pytest

from scendsl.language.names import currency_names, shipped_file
from scendsl.language.values import MAX_CURRENCIES_NAMED
from tests.factories import only_diagnostic, scenario_text


def _hint(price: str) -> tuple[str, str]:
    body = f"  energy {{\n    price 25 {price}\n  }}\n"
    diagnostic = only_diagnostic(scenario_text("s", year=2024, body=body))
    return diagnostic.message, diagnostic.hint or ""


@pytest.mark.parametrize(
    ("written", "code"),
    [("RMB", "CNY"), ("KSH", "KES"), ("NTD", "TWD"), ("Ksh", "KES")],
)
def test_an_abbreviation_is_told_its_code(written, code):
    hint = _hint(f"{written}/kWh")[1]
    assert hint.endswith(f"; write {code}")


@pytest.mark.parametrize(("written", "code"), [("ZMK", "ZMW"), ("GHC", "GHS"), ("BYR", "BYN")])
def test_a_withdrawn_code_is_told_its_successor_and_the_redenomination(written, code):
    message, hint = _hint(f"{written}/kWh")
    assert message == f"unknown currency '{written}'"
    assert f"{written} was replaced by {code}" in hint and " times its amount in " in hint


@pytest.mark.parametrize(("written", "code"), [("UDS", "USD"), ("ERU", "EUR")])
def test_a_transposed_code_is_told_the_code(written, code):
    assert _hint(f"{written}/kWh")[1] == f"did you mean '{code}'?"


@pytest.mark.parametrize(
    ("written", "hint"),
    [
        ("Naira", "write its ISO 4217 code: NGN (Naira)"),
        ("YEN", "write its ISO 4217 code: JPY (Yen)"),
        ("Euro", "write its ISO 4217 code: EUR (Euro)"),
        ("EUROS", "write its ISO 4217 code: EUR (Euro)"),
        ("Renminbi", "write its ISO 4217 code: CNY (Yuan Renminbi)"),
    ],
)
def test_a_currency_written_by_its_name_is_told_its_code(written, hint):
    assert _hint(f"{written}/kWh")[1] == hint


def test_a_name_several_currencies_share_lists_those_with_a_rate():
    hint = _hint("Rupee/kWh")[1]
    assert hint.startswith("write the ISO 4217 code of the one you mean: INR (Indian Rupee)")
    assert "PKR (Pakistan Rupee)" in hint
    dollars = _hint("Dollars/kWh")[1]
    assert dollars.startswith("write the ISO 4217 code of the one you mean: USD (US Dollar), ")
    assert dollars.count("(") == MAX_CURRENCIES_NAMED and " more" in dollars


@pytest.mark.parametrize("written", ["RUB", "KHR", "YER"])
def test_a_code_with_a_rate_is_still_read(written):
    # the codes the old guesses named are real currencies: still converted, no hint
    assert written in currency_names()
    body = f"  energy {{\n    price 25 {written}/kWh\n  }}\n"
    text = scenario_text("s", year=2024, body=body)
    import scendsl

    assert scendsl.load_text(text, name="ok.scn").get("s") is not None


def test_a_code_that_is_nothing_gets_the_list_not_a_guess():
    message, hint = _hint("ABC/kWh")
    assert message == "unknown currency 'ABC'"
    assert "did you mean" not in hint and "`scendsl list currencies`" in hint


def test_every_alias_names_a_code_with_a_rate_or_a_reason():
    aliases = shipped_file("currency_aliases.toml")
    left_out = shipped_file("exchange_rates.toml")["meta"]["left_out"]
    assert aliases["meta"]["source"]
    for written, alias in aliases.items():
        if written == "meta":
            continue
        assert written not in currency_names(), written  # an alias never hides a currency
        assert alias["write"] in currency_names() or alias["write"] in left_out, written


def _rental_hint(price: str) -> tuple[str, str | None]:
    body = f"  market {{\n    rental_price 11 {price}\n  }}\n"
    diagnostic = only_diagnostic(scenario_text("s", year=2024, body=body))
    return diagnostic.hint or "", diagnostic.fix


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("PLN/h", "PLN/hour"),  # no hint at all: the guess looked among the dollar's units only
        ("USD/hr", "USD/hour"),  # was offered 'USD', which is no price
        ("EUR/hrs", "EUR/hour"),
        ("KSh/hr", "KES/hour"),  # an abbreviation and a short hour at once
        ("USD/h", "USD/hour"),
    ],
)
def test_a_rental_price_per_hour_written_short_is_told_the_unit(written, meant):
    hint, fix = _rental_hint(written)
    assert hint == f"did you mean '{meant}'?"
    assert fix == meant


@pytest.mark.parametrize(
    ("written", "meant"), [("KES/kwh", "KES/kWh"), ("EUR/MWH", "EUR/MWh"), ("PLN/MW", "PLN/MWh")]
)
def test_an_energy_price_per_kwh_in_other_capitals_is_told_the_unit(written, meant):
    assert _hint(written)[1] == f"did you mean '{meant}'?"


def test_a_price_per_anything_else_is_told_what_a_price_is_per_and_keeps_its_currency():
    hint = _hint("KES/day")[1]
    assert hint == "a price is per MWh, per kWh or per hour: KES/MWh, KES/kWh, KES/hour"


def _sign_diagnostic(amount: str):
    body = f"  energy {{\n    price {amount}\n  }}\n"
    return only_diagnostic(scenario_text("s", year=2024, body=body))


@pytest.mark.parametrize(
    ("amount", "sign", "code"),
    [
        ("0.25 €/kWh", "€", "EUR"),
        ("450 R$/MWh", "R$", "BRL"),  # the lexer stops at the '$' of the Brazilian real's sign
        ("0.5 zł/kWh", "zł", "PLN"),  # ... and at the 'ł' of the złoty's
        ("16 ₹/kWh", "₹", "INR"),
        ("0.1 $/kWh", "$", "USD"),
        ("20 ¥/kWh", "¥", "JPY"),
    ],
)
def test_a_currency_sign_is_told_the_code_to_write_after_the_amount(amount, sign, code):
    """The sign was an 'unexpected character' with no hint (a non-ASCII one was only named)."""
    diagnostic = _sign_diagnostic(amount)
    assert diagnostic.message.startswith("unexpected character")
    assert diagnostic.hint.startswith(f"'{sign}' is written by its ISO 4217 code after the amount")
    assert f"`25 {code}/MWh`" in diagnostic.hint


def test_every_currency_sign_names_codes_with_a_rate():
    signs = shipped_file("currency_signs.toml")
    assert signs["meta"]["source"]
    for sign, codes in signs["signs"].items():
        assert codes and all(code == "USD" or code in currency_names() for code in codes), sign


@pytest.mark.parametrize(("written", "code"), [("Rp", "IDR"), ("zl", "PLN"), ("reais", "BRL")])
def test_the_rupiahs_zlotys_and_reals_everyday_names_are_told_their_code(written, code):
    assert _hint(f"{written}/kWh")[1].endswith(f"; write {code}")


@pytest.mark.parametrize(("written", "code"), [("Tk", "BDT"), ("R", "ZAR")])
def test_the_takas_and_rands_everyday_signs_are_told_their_code(written, code):
    """A Dhaka planner's `Tk/kWh` and a Johannesburg analyst's `R/kWh` had only the general
    rule of how a price is written."""
    assert _hint(f"{written}/kWh")[1].endswith(f"; write {code}")


def test_rs_lists_the_rupees():
    hint = _hint("Rs/kWh")[1]
    assert hint.startswith("write the ISO 4217 code of the one you mean: INR (Indian Rupee)")
    assert "PKR (Pakistan Rupee)" in hint and "LKR (Sri Lanka Rupee)" in hint


@pytest.mark.parametrize(("amount", "code"), [("120 $/kWh", "CLP"), ("14 ৳/kWh", "BDT")])
def test_the_peso_and_taka_signs_name_their_currencies(amount, code):
    """`$` named the dollars alone, not the pesos that print it (Chile, Argentina, Colombia)."""
    assert f"{code} (" in _sign_diagnostic(amount).hint
