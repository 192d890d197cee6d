"""Amounts in another currency beyond a scenario's own prices: a claim's figure (`expect
energy.annual_cost < 50M EUR`), a sweep's values (`energy.price [0.05 EUR/kWh, 60 USD/MWh]`) and
an `accelerator` block's price (`price 4.5M JPY`), each converted at the rate of the year of the
scenario it is read for; and the refusals that remain, each located. Rates are read from the
catalog's data file here, never written in."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pytest

import scendsl
from factories import MONEY, only_diagnostic
from scendsl.catalog import load_catalog
from scendsl.catalog.currency import exchange_rate, rate_years, written_factor
from scendsl.cli import main
from scendsl.errors import ScenarioError
from scendsl.language.units import UNITS
from scendsl.model.context import Context, in_usd
from scendsl.model.default_spread import default_spread
from scendsl.model.evaluate import evaluate
from scendsl.model.sweep import evaluate_sweep
from scendsl.model.uncertainty import sample
from scendsl.report.listing import listing
from scendsl.scenario import Uncertain

_KWH = UNITS["USD/kWh"].factor
_MWH = UNITS["USD/MWh"].factor

BASE = MONEY


def _rates_file() -> dict:
    path = Path(scendsl.__file__).parent / "catalog" / "exchange_rates.toml"
    return tomllib.loads(path.read_text(encoding="utf-8"))


def _per_usd(code: str, year: int) -> float:
    """The catalog's rate for `year`, read from the data file (the latest for a later year)."""
    series = {int(y): v for y, v in _rates_file()[code]["per_usd"].items()}
    return series[min(year, max(series))]


def _load(text: str):
    return scendsl.load_text(text, name="money.scn")


def _error(text: str):
    return only_diagnostic(text, name="money.scn")


# ------------------------------------------------------------------------------------ claims
def test_a_claim_in_euros_is_converted_at_the_scenario_years_rate():
    (scenario,) = _load(BASE).scenarios
    (claim,) = scenario.claims
    assert claim.currency == "EUR" and claim.value == 50e6  # kept as written
    (checked,) = evaluate(scenario).claims
    assert checked.expected == pytest.approx(50e6 / _per_usd("EUR", 2024))
    assert checked.written is not None
    assert (checked.written.unit, checked.written.year) == ("EUR", 2024)
    assert checked.note.startswith("written as 50,000,000 EUR, converted at ")
    assert "the 2024 annual average" in checked.note


@pytest.mark.parametrize("year", [2015, 2024])
def test_a_claim_on_a_scenario_priced_in_its_currency_holds_whatever_the_rate(year):
    """Budget and prices converted at one rate: the verdict is the one in euros."""
    text = BASE.replace("year   2024", f"year   {year}")
    (scenario,) = _load(text).scenarios
    cost_eur = evaluate(scenario)["energy.annual_cost"].value * _per_usd("EUR", year)
    for factor, holds in ((1.001, True), (0.999, False)):
        claimed = text.replace("< 50M EUR", f"< {cost_eur * factor!r} EUR")
        (checked,) = evaluate(_load(claimed).scenarios[0]).claims
        assert checked.holds is holds


def test_a_claim_per_kwh_in_euros_compares_with_the_converted_price():
    text = BASE.replace(
        'expect energy.annual_cost < 50M EUR "the budget"',
        "expect energy.supply_price ~= 0.25 EUR/kWh ± 0.1%",
    )
    (checked,) = evaluate(_load(text).scenarios[0]).claims
    assert checked.holds is True
    assert checked.expected == pytest.approx(0.25 * _KWH / _per_usd("EUR", 2024))


def test_a_claim_in_a_sweep_over_the_year_is_converted_at_each_variants_year():
    text = BASE + "sweep years from frankfurt {\n  year [2016, 2024]\n}\n"
    (sweep,) = _load(text).sweeps
    for variant in sweep.variants():
        (checked,) = evaluate(variant).claims
        assert checked.expected == pytest.approx(50e6 / _per_usd("EUR", variant.year))


JPY_CAPEX = """\
scenario tokyo {
  year   2024
  region JP
  cluster {
    accelerator H100
    count       1k
  }
  market.unit_price 30k USD
  workload {
    parameters 70B
    tokens 2T
    precision fp8
  }
  expect market.capex > CAPEX JPY "over the yen figure"
}
"""


def test_monte_carlo_and_the_default_spread_compare_a_claim_in_usd():
    """30M USD of capex against a yen figure of 0.9 × that: compared unconverted it would
    fail (a number of yen is ~150 times the dollars)."""
    capex_jpy = 0.9 * 30e6 * _per_usd("JPY", 2024)
    text = JPY_CAPEX.replace("CAPEX", repr(capex_jpy)).replace(
        "    precision fp8\n", "    precision fp8\n  }\n  energy {\n    pue 1.1 to 1.3\n"
    )
    (scenario,) = _load(text).scenarios
    result = evaluate(scenario)
    assert result.claims[0].holds is True
    drawn = sample(scenario, samples=200, seed=2)
    assert drawn.claims[0].probability == 1.0
    # The rental cost moves with the default MFU; a yen budget at its centre holds at one
    # end and fails at the other (unconverted, it would hold at both).
    plain = JPY_CAPEX.replace('\n  expect market.capex > CAPEX JPY "over the yen figure"', "")
    cost = evaluate(_load(plain).scenarios[0])["market.rental_cost"].value
    budget = cost * _per_usd("JPY", 2024)
    text = plain.replace("\n}\n", f'\n  expect market.rental_cost < {budget!r} JPY "x"\n}}\n', 1)
    text = text.replace("    precision fp8\n  }\n  expect", "    precision fp8\n  }\n  expect")
    (scenario,) = _load(text).scenarios
    result = evaluate(scenario)
    spread = default_spread(scenario, load_catalog(), result)
    (ends,) = spread.claims
    ranged = spread.range_of("market.rental_cost")
    assert ends.holds_at_low is (ranged.at_low < cost)
    assert ends.holds_at_high is (ranged.at_high < cost)
    assert ends.holds_at_low != ends.holds_at_high


def test_eval_text_json_and_the_briefing_show_both_amounts(tmp_path, capsys):
    path = tmp_path / "money.scn"
    path.write_text(BASE, encoding="utf-8")
    usd = 50e6 / _per_usd("EUR", 2024)
    shown = f"50 M EUR (${usd / 1e6:.1f} M at the 2024 average rate)"
    assert main(["eval", str(path)]) == 0
    assert f"claim energy.annual_cost < {shown}: holds" in capsys.readouterr().out
    assert main(["eval", str(path), "--format", "json"]) == 0
    import json

    (claim,) = json.loads(capsys.readouterr().out)["scenarios"][0]["claims"]
    assert claim["expected"] == pytest.approx(usd)
    assert claim["note"].startswith("written as 50,000,000 EUR")
    out = tmp_path / "out"
    assert main(["build", str(path), "-o", str(out), "--no-cache", "--samples", "0"]) == 0
    page = (out / "frankfurt.md").read_text(encoding="utf-8")
    assert shown in page
    price = 4.5e6 / _per_usd("JPY", 2024)
    assert f"| 4.5 M JPY (${price / 1e3:.1f} k at the 2024 average rate) |" in page


def test_a_claim_in_usd_has_no_written_amount_and_no_note():
    text = BASE.replace("< 50M EUR", "< 50M USD")
    (checked,) = evaluate(_load(text).scenarios[0]).claims
    assert checked.written is None and checked.note is None
    assert checked.expected == 50e6


# ------------------------------------------------------------------------------------ sweeps
SWEEP = BASE + (
    "sweep prices from frankfurt {\n"
    "  energy.price [0.05 EUR/kWh, 0.10 EUR/kWh, 60 USD/MWh, 0.1 GBP/kWh to 0.2 GBP/kWh]\n"
    "}\n"
)


def test_each_swept_value_keeps_its_amount_and_currency():
    (sweep,) = _load(SWEEP).sweeps
    (axis,) = sweep.axes
    assert axis.labels == (
        "0.05 EUR/kWh",
        "0.10 EUR/kWh",
        "60 USD/MWh",
        "0.1 GBP/kWh to 0.2 GBP/kWh",
    )
    assert axis.currencies == ("EUR/kWh", "EUR/kWh", None, "GBP/kWh")
    variants = list(sweep.variants())
    assert [v.currencies.get("energy.price") for v in variants] == list(axis.currencies)
    eur, gbp = _per_usd("EUR", 2024), _per_usd("GBP", 2024)
    prices = [evaluate(v)["energy.supply_price"] for v in variants]
    assert prices[0].value == pytest.approx(0.05 * _KWH / eur)
    assert prices[1].value == pytest.approx(0.10 * _KWH / eur)
    assert prices[2].value == pytest.approx(60 * _MWH)
    assert prices[3].distribution.low == pytest.approx(0.1 * _KWH / gbp)
    assert prices[3].distribution.high == pytest.approx(0.2 * _KWH / gbp)


def test_the_vectorised_sweep_converts_each_value_as_the_variant_does():
    """A first value in USD must not make the price pass the axis on unconverted."""
    text = BASE + "sweep prices from frankfurt {\n  energy.price [60 USD/MWh, 60 EUR/MWh]\n}\n"
    (sweep,) = _load(text).sweeps
    table = evaluate_sweep(sweep)
    for index, variant in enumerate(sweep.variants()):
        for name in ("energy.supply_price", "energy.annual_cost"):
            assert table.value(name, index) == pytest.approx(evaluate(variant)[name].value)
    assert table.value("energy.supply_price", 1) == pytest.approx(60 * _MWH / _per_usd("EUR", 2024))
    assert list(table.axis_values("energy.price")) == ["60 USD/MWh", "60 EUR/MWh"]


# -------------------------------------------------------------------------- accelerator blocks
def test_a_block_price_is_converted_at_the_year_of_the_scenario_using_it():
    text = BASE + "scenario older extends frankfurt {\n  year 2019\n}\n"
    loaded = _load(text)
    assert loaded.get("frankfurt").accelerators["Chip"].currencies == {"price": "JPY"}
    for name, year in (("frankfurt", 2024), ("older", 2019)):
        found = evaluate(loaded.get(name))["market.unit_price"]
        assert found.value == pytest.approx(4.5e6 / _per_usd("JPY", year))
        assert found.note.startswith("written as 4,500,000 JPY")
        assert f"the {year} annual average" in found.note


def test_an_extending_block_keeps_the_currency_of_a_price_it_does_not_set():
    text = BASE.replace(
        "scenario frankfurt {",
        "accelerator Cooler extends Chip {\n  tdp 600 W\n}\n"
        "accelerator Dollars extends Chip {\n  price 30k USD\n}\n"
        "scenario frankfurt {",
    )
    loaded = _load(text)
    blocks = loaded.get("frankfurt").accelerators
    assert blocks["Cooler"].currencies == {"price": "JPY"}
    assert blocks["Dollars"].currencies == {}
    assert blocks["Dollars"].figures["price"] == 30_000


def test_a_block_price_range_in_yen_is_sampled_in_usd():
    text = BASE.replace("price 4.5M JPY", "price 4M JPY to 5M JPY")
    (scenario,) = _load(text).scenarios
    drawn = sample(scenario, samples=400, seed=5)
    jpy = _per_usd("JPY", 2024)
    summary = drawn.percentiles("market.unit_price")
    assert 4e6 / jpy * 0.99 < summary.p5 < summary.p95 < 5e6 / jpy * 1.01
    assert any(law.name == "market.unit_price" for law in drawn.laws)


# ---------------------------------------------------------------------------------- refusals
@pytest.mark.parametrize(
    ("old", "new", "message", "line"),
    [
        ("< 50M EUR", "< 50M eur", "currency codes are written in capitals: 'eur'", 14),
        ("< 50M EUR", "< 50M IRR", "no exchange rate for IRR", 14),
        ("< 50M EUR", "< 50M XYZ", "unknown currency 'XYZ'", 14),
        ("price 4.5M JPY", "price 4.5M jpy", "currency codes are written in capitals", 2),
        ("price 4.5M JPY", "price 4.5M IRR", "no exchange rate for IRR", 2),
    ],
)
def test_a_wrong_currency_in_a_claim_or_a_block_is_located(old, new, message, line):
    diagnostic = _error(BASE.replace(old, new))
    assert message in diagnostic.message
    assert diagnostic.span.line == line


def test_a_claim_in_a_currency_on_a_figure_that_is_no_money_is_located(tmp_path):
    path = tmp_path / "money.scn"
    path.write_text(BASE.replace("energy.annual_cost <", "energy.facility_power <"), "utf-8")
    with pytest.raises(ScenarioError) as caught:
        scendsl.check([str(path)])
    (diagnostic,) = caught.value.diagnostics
    assert "'energy.facility_power' is measured in W" in diagnostic.message
    assert "a power" in diagnostic.message
    assert (diagnostic.span.line, diagnostic.span.col) == (14, 34)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ("[0.1 EUR/kWh to 0.2 GBP/kWh]", "written in two currencies (EUR and GBP)"),
        ("[0.1 eur/kWh]", "currency codes are written in capitals"),
        ("[0.1 IRR/kWh]", "no exchange rate for IRR"),
    ],
)
def test_a_wrong_currency_in_a_sweep_is_located(values, message):
    diagnostic = _error(BASE + f"sweep s from frankfurt {{\n  energy.price {values}\n}}\n")
    assert message in diagnostic.message
    assert diagnostic.span.line == 17


def test_python_changes_still_take_us_dollars_with_a_located_error():
    (scenario,) = _load(BASE).scenarios
    with pytest.raises(ScenarioError) as caught:
        scendsl.with_changes(scenario, price="0.25 EUR/kWh")
    (diagnostic,) = caught.value.diagnostics
    assert "takes US dollars here" in diagnostic.message and diagnostic.span.line == 1


def test_a_claim_made_in_python_with_an_unknown_currency_is_refused():
    (scenario,) = _load(BASE).scenarios
    (claim,) = scenario.claims
    bad = scenario.model_copy(update={"claims": (claim.model_copy(update={"currency": "XYZ"}),)})
    with pytest.raises(ScenarioError, match="unknown currency 'XYZ'"):
        scendsl.evaluate(bad)


# --------------------------------------------------------------- one memo, one table, one list
def test_conversions_belong_to_one_evaluation():
    """Each evaluation converts a written range itself (no cache shared by the process), and
    converts it once: the nodes that read it hold one object."""
    text = BASE.replace("price 0.25 EUR/kWh", "price 0.2 EUR/kWh to 0.3 EUR/kWh")
    (scenario,) = _load(text).scenarios
    first, second = (evaluate(scenario)["energy.supply_price"] for _ in range(2))
    assert first.distribution is not second.distribution
    assert first.distribution == second.distribution
    context = Context(scenario, load_catalog())
    rate = exchange_rate("EUR", 2024)
    written = scenario.energy.price
    assert isinstance(written, Uncertain)
    once = in_usd(written, rate, context.conversions)
    assert in_usd(written, rate, context.conversions) is once
    assert in_usd(written, rate, Context(scenario, load_catalog()).conversions) is not once


def test_the_written_unit_factor_is_the_units_tables():
    for per in ("", "/kWh", "/MWh", "/hour"):
        assert written_factor("EUR" + per) == UNITS["USD" + per].factor


def test_list_currencies_reads_the_years_with_a_rate():
    rows = {row["code"]: row for row in listing("currencies").rows}
    for code, entry in _rates_file().items():
        if code == "meta":
            continue
        years = sorted(int(y) for y in entry["per_usd"])
        assert rate_years(code) == years
        assert rows[code]["years"] == [years[0], years[-1]]
    assert np.isclose(rows["EUR"]["latest"], _per_usd("EUR", 10_000))


def test_the_briefings_scales_are_the_units_tables():
    """report/numbers.py keeps no factor of its own for a unit the language reads."""
    from scendsl.report.numbers import _SCALES

    checked = 0
    for scales in _SCALES.values():
        for factor, suffix in scales:
            symbol = suffix.replace(" ", "").replace("²", "2")
            if symbol in UNITS:
                assert factor == UNITS[symbol].factor, suffix
                checked += 1
    assert checked >= 30


def test_a_small_or_large_amount_reads_back_as_written():
    from scendsl.model.context import written_amount

    assert written_amount(50e6, "EUR") == "50,000,000 EUR"
    assert written_amount(2e-7 * _KWH, "EUR/kWh") == "2e-07 EUR/kWh"
    assert written_amount(30_000.0, "EUR") == "30,000 EUR"


def test_a_currency_made_in_python_on_a_field_that_holds_no_money_is_refused():
    """The currencies a scenario holds are read where language.money says: a count marked as
    in euros would otherwise be divided by the rate."""
    (scenario,) = _load(BASE).scenarios
    bad = scenario.model_copy(
        update={"currencies": {**scenario.currencies, "cluster.count": "EUR"}}
    )
    with pytest.raises(ScenarioError, match=r"'cluster\.count' holds no amount of money"):
        scendsl.evaluate(bad)
    block = scenario.accelerators["Chip"]
    marked = block.model_copy(update={"currencies": {**block.currencies, "tdp": "EUR"}})
    bad = scenario.model_copy(update={"accelerators": {"Chip": marked}})
    with pytest.raises(ScenarioError, match=r"'accelerator Chip\.tdp' holds no amount of money"):
        scendsl.evaluate(bad)
    assert scendsl.evaluate(scenario)["cluster.count"].value == 1000


def test_a_scenario_changed_in_python_gets_every_wrong_currency_at_once():
    """Each amount in another currency is checked once, and every problem is named in one
    error: a count marked as euros, a block's TDP in euros and a claim in an unknown code."""
    (scenario,) = _load(BASE).scenarios
    block = scenario.accelerators["Chip"]
    (claim,) = scenario.claims
    bad = scenario.model_copy(
        update={
            "currencies": {**scenario.currencies, "cluster.count": "EUR"},
            "accelerators": {
                "Chip": block.model_copy(update={"currencies": {**block.currencies, "tdp": "EUR"}})
            },
            "claims": (claim.model_copy(update={"currency": "XYZ"}),),
        }
    )
    with pytest.raises(ScenarioError) as raised:
        scendsl.evaluate(bad)
    messages = sorted(d.message for d in raised.value.diagnostics)
    assert messages == [
        "'accelerator Chip.tdp' holds no amount of money: it cannot be written in EUR",
        "'cluster.count' holds no amount of money: it cannot be written in EUR",
        "unknown currency 'XYZ' of 'expect energy.annual_cost'",
    ]
