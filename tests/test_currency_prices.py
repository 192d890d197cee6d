"""Prices written in another currency (`0.25 EUR/kWh`, `30k EUR`, `2 GBP/hour`): kept as written
by the resolver and `fmt`, converted by the model at the scenario year's rate (named by explain
and the briefing), and every mistake a located error with a hint."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import scendsl
from factories import only_diagnostic, scenario_text
from scendsl.catalog.currency import exchange_rate
from scendsl.cli import main
from scendsl.errors import ScenarioError
from scendsl.language.format import format_text
from scendsl.language.money import money_fields
from scendsl.language.units import UNITS
from scendsl.lsp.completion import complete
from scendsl.lsp.positions import Pos
from scendsl.model.evaluate import evaluate
from scendsl.model.uncertainty import sample

PRICES = """\
scenario frankfurt {
  year   2024
  region DE
  cluster {
    accelerator H100
    count       1k
  }
  energy {
    price 0.25 EUR/kWh source "tariff of the site"
  }
  market {
    unit_price   30k EUR
    rental_price 2 GBP/hour to 3 GBP/hour
  }
}
"""

_KWH = UNITS["USD/kWh"].factor
_HOUR = UNITS["USD/hour"].factor


def _load(text: str):
    return scendsl.load_text(text, name="prices.scn")


def _error(text: str):
    return only_diagnostic(text, name="prices.scn")


def test_the_resolver_keeps_the_amount_and_the_unit_it_was_written_in():
    (scenario,) = _load(PRICES).scenarios
    assert scenario.currencies == {
        "energy.price": "EUR/kWh",
        "market.unit_price": "EUR",
        "market.rental_price": "GBP/hour",
    }
    assert scenario.energy.price == pytest.approx(0.25 * _KWH)  # still in EUR
    assert scenario.market.unit_price == 30_000


def test_the_model_converts_each_price_at_the_scenario_years_rate():
    (scenario,) = _load(PRICES).scenarios
    result = evaluate(scenario)
    eur, gbp = exchange_rate("EUR", 2024), exchange_rate("GBP", 2024)
    assert result["energy.supply_price"].value == pytest.approx(0.25 * _KWH / eur.per_usd)
    assert result["market.unit_price"].value == pytest.approx(30_000 / eur.per_usd)
    assert result["market.capex"].value == pytest.approx(1000 * 30_000 / eur.per_usd)
    rental = result["market.rental_price"]
    assert rental.distribution.low == pytest.approx(2 * _HOUR / gbp.per_usd)
    assert rental.distribution.high == pytest.approx(3 * _HOUR / gbp.per_usd)
    assert "tariff of the site" in result["energy.supply_price"].sources


def test_a_range_in_another_currency_is_sampled_in_usd():
    (scenario,) = _load(PRICES).scenarios
    samples = sample(scenario, samples=400, seed=1)
    gbp = exchange_rate("GBP", 2024)
    low, high = 2 * _HOUR / gbp.per_usd, 3 * _HOUR / gbp.per_usd
    summary = samples.percentiles("market.rental_price")
    assert low * 0.9 < summary.p5 < summary.p95 < high * 1.1


def test_explain_names_the_rate_its_year_and_its_source(tmp_path, capsys):
    path = tmp_path / "prices.scn"
    path.write_text(PRICES, encoding="utf-8")
    assert main(["explain", str(path), "frankfurt", "energy.supply_price"]) == 0
    out = capsys.readouterr().out
    rate = exchange_rate("EUR", 2024)
    assert "written as 0.25 EUR/kWh" in out
    assert f"{rate.usd_per_unit:.6g} USD per EUR" in out
    assert "the 2024 annual average" in out and "Federal Reserve" in out


def test_a_forecast_year_past_the_rates_uses_the_latest_and_explain_says_so(tmp_path, capsys):
    text = PRICES.replace("year   2024", "year   2031")
    (scenario,) = _load(text).scenarios
    latest = exchange_rate("EUR", 2031)
    assert latest.year_used < 2031
    found = evaluate(scenario)["market.unit_price"]
    assert found.value == pytest.approx(30_000 / latest.per_usd)
    assert f"2031 is after the last year of the EUR rates: the {latest.year_used}" in found.note


def test_the_briefing_shows_the_written_price_and_the_usd_one(tmp_path):
    path = tmp_path / "prices.scn"
    path.write_text(PRICES, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["build", str(path), "-o", str(out), "--no-cache", "--samples", "0"]) == 0
    page = (out / "frankfurt.md").read_text(encoding="utf-8")
    assert "| 0.25 EUR/kWh (0.271 USD/kWh at the 2024 average rate) |" in page
    assert "30 k EUR ($32.5 k at the 2024 average rate)" in page


def test_fmt_keeps_the_written_currency():
    formatted = format_text(PRICES)
    assert "0.25 EUR/kWh" in formatted and "30k EUR" in formatted
    assert "2 GBP/hour to 3 GBP/hour" in formatted
    assert format_text(formatted) == formatted
    (again,) = _load(formatted).scenarios
    assert again.currencies == _load(PRICES).scenarios[0].currencies


@settings(max_examples=40, deadline=None)
@given(st.floats(min_value=1.01, max_value=9_000, allow_nan=False, allow_infinity=False))
def test_an_amount_written_in_usd_is_unchanged(amount):
    text = PRICES.replace("0.25 EUR/kWh", f"{amount!r} USD/MWh").replace(
        "30k EUR", f"{amount!r} USD"
    )
    (scenario,) = _load(text).scenarios
    assert "energy.price" not in scenario.currencies
    assert "market.unit_price" not in scenario.currencies
    price = scenario.energy.price
    assert price == pytest.approx(amount * UNITS["USD/MWh"].factor, rel=1e-12)
    assert scenario.market.unit_price == pytest.approx(amount, rel=1e-12)


@pytest.mark.parametrize(
    ("written", "message", "hint"),
    [
        ("45 XYZ/MWh", "unknown currency 'XYZ'", "currencies have an exchange rate (`scendsl list"),
        ("45 IRR/MWh", "no exchange rate for IRR (Iranian Rial)", "USD and name the rate in its"),
        # A currency left out on purpose says why (the import's [meta.left_out]).
        ("45 IRR/MWh", "catalog: the World Bank's official-rate series is the preferential", None),
        ("0.25 eur/kWh", "currency codes are written in capitals: 'eur'", "write 'EUR/kWh'"),
        ("0.25 Eur/kWh", "currency codes are written in capitals", "write 'EUR/kWh'"),
        ("45 EUR/MWh to 50 USD/MWh", "written in two currencies (EUR and USD)", "one currency"),
        ("45 EUR/MW", "unknown unit 'EUR/MW'", None),
        # The ends as written, not in the USD per joule they are held in.
        ("0.3 EUR/kWh to 0.2 EUR/kWh", "runs backwards (0.3 EUR/kWh to 0.2 EUR/kWh)", "smaller"),
    ],
)
def test_a_wrong_currency_is_a_located_error_with_a_hint(written, message, hint):
    diagnostic = _error(PRICES.replace("0.25 EUR/kWh", written))
    assert message in diagnostic.message
    assert diagnostic.span.line == 9
    if hint is not None:
        assert hint in (diagnostic.hint or "")


def test_a_misspelt_unit_in_capitals_still_suggests_the_unit():
    diagnostic = _error(PRICES.replace("0.25 EUR/kWh", "45 KWH"))
    assert "unknown unit 'KWH'" in diagnostic.message


def test_a_currency_where_nothing_would_convert_it_is_an_error():
    """A value changed in Python (`with_changes`) is read in US dollars only; a scenario, a
    sweep, a claim and an accelerator block may write another currency
    (tests/test_currency_claims_sweeps_blocks.py)."""
    (scenario,) = _load(PRICES).scenarios
    with pytest.raises(ScenarioError) as caught:
        scendsl.with_changes(scenario, unit_price="20k EUR")
    (diagnostic,) = caught.value.diagnostics
    assert "takes US dollars here" in diagnostic.message
    assert diagnostic.span.line == 1
    assert "USD" in diagnostic.hint


def test_a_sweep_of_another_field_keeps_the_currency_and_a_swept_usd_price_drops_it():
    text = PRICES + (
        "sweep years from frankfurt {\n  year [2023, 2024]\n}\n"
        "sweep prices from frankfurt {\n  energy.price [40 USD/MWh]\n}\n"
    )
    loaded = _load(text)
    in_2023, in_2024 = loaded.sweeps[0].variants()
    assert in_2023.currencies["energy.price"] == "EUR/kWh"
    prices = [evaluate(v)["energy.supply_price"].value for v in (in_2023, in_2024)]
    assert prices[0] == pytest.approx(0.25 * _KWH / exchange_rate("EUR", 2023).per_usd)
    assert prices[1] == pytest.approx(0.25 * _KWH / exchange_rate("EUR", 2024).per_usd)
    (usd,) = loaded.sweeps[1].variants()
    assert "energy.price" not in usd.currencies
    assert usd.currencies["market.unit_price"] == "EUR"
    assert evaluate(usd)["energy.supply_price"].value == pytest.approx(40 / 3.6e9)


def test_a_child_scenario_inherits_the_written_currency():
    text = PRICES + "scenario tokyo extends frankfurt {\n  market.unit_price 4.5M JPY\n}\n"
    tokyo = _load(text).get("tokyo")
    assert tokyo.currencies["energy.price"] == "EUR/kWh"
    assert tokyo.currencies["market.unit_price"] == "JPY"
    value = evaluate(tokyo)["market.unit_price"].value
    assert value == pytest.approx(4.5e6 / exchange_rate("JPY", 2024).per_usd)


def test_completion_offers_prices_in_other_currencies_where_the_language_reads_them():
    """Where the checker reads another currency (language.money), completion offers it; in a
    `reference` block, which takes US dollars only, it does not."""
    lines = PRICES.splitlines()
    row = 8
    lines[row] = "    price 0.25 "
    offered = {c.label for c in complete(None, "\n".join(lines) + "\n", Pos(row, len(lines[row])))}
    assert {"USD/MWh", "EUR/kWh", "JPY/kWh", "GBP/MWh"} <= offered
    block = "accelerator Chip extends H100 {\n  price 20k \n}\n"
    offered = {c.label for c in complete(None, block, Pos(1, len("  price 20k ")))}
    assert {"USD", "EUR", "JPY"} <= offered


@pytest.mark.parametrize(
    ("place", "field"),
    [("scenario", p) for p in money_fields("scenario")]
    + [("accelerator", f) for f in money_fields("accelerator")],
)
def test_each_unit_completion_offers_for_an_amount_of_money_the_checker_reads(place, field):
    """Completion and the checker read one table (language.money): every unit offered after
    the number of a field holding money is read by the checker, in a scenario as in a block."""
    own = f"  {field} 1 UNIT\n" if place == "scenario" else ""
    block = f"accelerator Chip extends H100 {{\n  {field} 1 UNIT\n}}\n" if own == "" else ""
    text = (
        f"{block}scenario s {{\n  year 2024\n  region DE\n  cluster.accelerator "
        f"{'H100' if own else 'Chip'}\n  cluster.count 1k\n{own}}}\n"
    )
    lines = text.splitlines()
    row = next(i for i, line in enumerate(lines) if line.endswith(" 1 UNIT"))
    cursor = Pos(row, len(lines[row]) - len("UNIT"))
    offered = [c.label for c in complete(None, text.replace(" 1 UNIT", " 1 "), cursor)]
    assert any(u.startswith("EUR") for u in offered) and any(u.startswith("USD") for u in offered)
    for unit in offered:
        # About 1,000 USD (or 0.1 a kWh, 2 an hour) in each currency: within every bound.
        code = unit.split("/")[0]
        rate = 1.0 if code == "USD" else exchange_rate(code, 10_000).per_usd
        amount = {"": 1000, "/kWh": 0.1, "/MWh": 0.1, "/hour": 2}[unit[3:]] * rate
        _load(text.replace(" 1 UNIT", f" {amount!r} {unit}"))  # raises on a unit it refuses


def test_with_changes_drops_the_currency_of_a_replaced_price():
    (scenario,) = _load(PRICES).scenarios
    changed = scendsl.with_changes(scenario, price=70 / 3.6e9)
    assert "energy.price" not in changed.currencies
    assert changed.currencies["market.unit_price"] == "EUR"
    assert evaluate(changed)["energy.supply_price"].value == pytest.approx(70 / 3.6e9)


def test_python_evaluate_checks_a_price_in_won_at_its_rate_not_as_dollars():
    """150 KRW/kWh is 150,000 KRW/MWh: read as dollars it broke the 10,000 USD/MWh bound."""
    (scenario,) = _load(PRICES.replace("0.25 EUR/kWh", "150 KRW/kWh")).scenarios
    krw = exchange_rate("KRW", 2024)
    price = scendsl.evaluate(scenario)["energy.supply_price"].value
    assert price == pytest.approx(150 * _KWH / krw.per_usd)
    bad = scenario.model_copy(update={"currencies": {"energy.price": "XYZ/kWh"}})
    with pytest.raises(ScenarioError, match="unknown currency 'XYZ'"):
        scendsl.evaluate(bad)


def test_a_correlation_written_on_a_price_in_another_currency_is_kept():
    """The model holds the range in USD, a new object; the uncertainty stage finds a written
    range by identity, so the converted one must be known as `energy.price` too."""
    text = PRICES.replace(
        'price 0.25 EUR/kWh source "tariff of the site"',
        "price 0.2 EUR/kWh to 0.3 EUR/kWh\n    pue   1.1 to 1.4",
    ).replace("  market {", "  correlate energy.price, energy.pue 0.9\n  market {")
    (scenario,) = _load(text).scenarios
    drawn = sample(scenario, samples=2000, seed=3)
    assert drawn.correlations == {("energy.pue", "energy.supply_price"): 0.9}
    price, pue = drawn.draws["energy.supply_price"], drawn.draws["energy.pue"]
    assert np.corrcoef(price, pue)[0, 1] > 0.8
    eur = exchange_rate("EUR", 2024)
    assert price.min() > 0.2 * _KWH / eur.per_usd * 0.5


def test_a_fields_hover_lists_its_units_and_other_currencies_only_where_read():
    from scendsl.language import fields as F
    from scendsl.lsp.hover import _field_text

    power = _field_text(
        "scenario", "cluster.accelerator_power", F.scenario_field("cluster.accelerator_power")
    )
    assert "write W, kW, MW, GW\n" in power and "another currency" not in power
    for place, spec in (
        ("scenario", F.scenario_field("energy.price")),
        ("accelerator", F.ACCELERATOR_FIGURES["price"]),
    ):
        text = _field_text(place, "price", spec)
        assert "another currency the catalog has a rate for" in text
        assert "scendsl list currencies" in text


@pytest.mark.parametrize(
    ("written", "per_usd_2024"),
    [("0.2 SAR/kWh", 3.75), ("3 TRY/kWh", None), ("1500 IDR/kWh", None), ("0.8 PLN/kWh", None)],
)
def test_prices_in_the_gulfs_pegged_and_the_ecbs_currencies_are_converted(written, per_usd_2024):
    """An analyst in Riyadh, Istanbul, Jakarta or Warsaw writes the tariff as it is published:
    the pegged riyal at its peg, the ECB's currencies at the year's mean cross rate."""
    amount, unit = written.split()
    code = unit.split("/")[0]
    body = f"  energy {{\n    price {written}\n  }}\n"
    (scenario,) = scendsl.load_text(scenario_text("s", year=2024, body=body)).scenarios
    rate = exchange_rate(code, 2024)
    if per_usd_2024 is not None:
        assert rate.per_usd == per_usd_2024
    expected = float(amount) / rate.per_usd / 3.6e6  # USD per joule
    assert scendsl.evaluate(scenario).node("energy.supply_price").value == pytest.approx(expected)


def test_the_briefings_ranges_are_shown_in_the_currency_they_were_written_in(tmp_path):
    """A Seoul ministry wrote its tariff as 170 KRW/kWh to 210 KRW/kWh: the Monte Carlo section
    and the key finding that list the ranges showed a dollar range the analyst never wrote."""
    path = tmp_path / "prices.scn"
    text = (
        PRICES.replace("0.25 EUR/kWh", "170 KRW/kWh to 210 KRW/kWh")
        .replace(
            "  market {", "  workload {\n    parameters 7B\n    tokens     1T\n  }\n  market {"
        )
        .replace("count       1k", "count       1k\n    mfu         30% to 40%")
    )
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["build", str(path), "-o", str(out), "--no-cache", "--samples", "500"]) == 0
    page = (out / "frankfurt.md").read_text(encoding="utf-8")
    assert "`energy.supply_price` 170 KRW/kWh to 210 KRW/kWh" in page  # the key finding
    assert "| 170 KRW/kWh to 210 KRW/kWh | lognormal |" in page  # the ranges' table
    assert "| 2 GBP/hour to 3 GBP/hour | lognormal |" in page
    assert "| 0.125 USD/kWh (170 KRW/kWh) |" in page  # its P5, in both, per kWh as written
    assert "USD/MWh to" not in page
