"""A scenario whose prices are written in another currency than USD has its briefing's amounts
in that currency too, at the rate its prices were converted at: `$961 k (124 M KES)`. The model,
the JSON and every other output stay in USD."""

from __future__ import annotations

import re

import pytest

import scendsl
from scendsl.app.build import render_files
from scendsl.model.evaluate import evaluate
from tests.factories import scenario_text

WORKLOAD = "  workload {\n    parameters 8B\n    tokens 1T\n  }\n"
KENYA = scenario_text(
    "ke", year=2024, region="KE", body="  energy {\n    price 25 KES/kWh\n  }\n" + WORKLOAD
)
DOLLARS = scenario_text(
    "us", year=2024, region="US", body="  energy {\n    price 0.1 USD/kWh\n  }\n" + WORKLOAD
)
MAGNITUDES = {"": 1.0, "k": 1e3, "M": 1e6, "B": 1e9, "T": 1e12}


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, str]:
    path = tmp_path_factory.mktemp("local") / "local.scn"
    path.write_text(KENYA + DOLLARS, encoding="utf-8")
    return {
        name: body.decode("utf-8") for name, body in render_files([str(path)], samples=0).items()
    }


def _row(page: str, metric: str) -> str:
    return next(
        line for line in page.splitlines() if f"`{metric}`" in line and line.startswith("|")
    )


@pytest.mark.parametrize("metric", ["energy.annual_cost", "market.capex"])
def test_an_amount_is_shown_in_the_currency_the_prices_were_written_in(pages, metric):
    result = evaluate(scendsl.load_text(KENYA, name="ke.scn").get("ke"))
    per_usd = result.inputs["energy.supply_price"].written.per_usd
    found = re.search(r"\(([0-9.,]+) ?([kMBT]?) KES\)", _row(pages["ke.md"], metric))
    assert found, _row(pages["ke.md"], metric)
    shown = float(found[1].replace(",", "")) * MAGNITUDES[found[2]]
    assert shown == pytest.approx(result.value(metric) * per_usd, rel=0.01)


def test_a_scenario_priced_in_dollars_shows_dollars_only(pages):
    assert "KES" not in _row(pages["us.md"], "energy.annual_cost")
    assert re.search(r"\| \$[0-9.]+ [kM]? ?\|", _row(pages["us.md"], "energy.annual_cost"))


def test_the_model_and_its_json_stay_in_dollars():
    result = evaluate(scendsl.load_text(KENYA, name="ke.scn").get("ke"))
    assert result.metrics["energy.annual_cost"].written is None


def test_a_rate_per_hour_is_shown_in_that_currency_per_hour(pages):
    result = evaluate(scendsl.load_text(KENYA, name="ke.scn").get("ke"))
    per_usd = result.inputs["energy.supply_price"].written.per_usd
    row = _row(pages["ke.md"], "market.rental_price")
    found = re.search(r"\(([0-9.,]+) KES/hour\)", row)
    assert found, row
    usd_per_hour = result.value("market.rental_price") * 3600
    assert float(found[1].replace(",", "")) == pytest.approx(usd_per_hour * per_usd, rel=0.01)


def _interval(text: str) -> list[float]:
    """The two ends of an interval as a briefing writes it (`$187–$344 k`, `22.8–42 M KES`,
    `975 k KES – 1.79 M KES`), in units: an end without its magnitude takes the other's."""
    ends = re.findall(r"([0-9][0-9.,]*) ?([kMBT]?)(?![a-zA-Z])", text)
    assert len(ends) == 2, text
    magnitude = ends[1][1] or ends[0][1]
    return [float(number.replace(",", "")) * MAGNITUDES[unit or magnitude] for number, unit in ends]


def test_a_range_is_shown_in_that_currency_too(pages):
    """The default MFU's range of a cost reads in shillings as its value does: `$187–$344 k;
    22.8–42 M KES`, and so do the ends in the table of the default's spread."""
    result = evaluate(scendsl.load_text(KENYA, name="ke.scn").get("ke"))
    per_usd = result.inputs["energy.supply_price"].written.per_usd
    row = _row(pages["ke.md"], "energy.training_cost")
    found = re.search(r"\) \((\$[^;]+); ([^)]+ KES)\)", row)
    assert found, row
    usd, kes = _interval(found[1]), _interval(found[2])
    assert kes == pytest.approx([end * per_usd for end in usd], rel=0.02)
    spread = next(
        line
        for line in pages["ke.md"].splitlines()
        if "(`energy.training_cost`)" in line and line.startswith("|")
    )
    assert len(re.findall(r"\$[0-9.]+ [kM]? ?\([0-9.]+ [kMB]? ?KES\)", spread)) == 3, spread


def _kes_range_page(tmp_path) -> str:
    """The briefing of a scenario whose tariff is a range written in KES per kWh."""
    ranged = scenario_text(
        "ke",
        year=2024,
        region="KE",
        body="  energy {\n    price 20 KES/kWh to 30 KES/kWh\n  }\n" + WORKLOAD,
    )
    path = tmp_path / "ranged.scn"
    path.write_text(ranged, encoding="utf-8")
    return render_files([str(path)], samples=200)["ke.md"].decode("utf-8")


def _supply_price_row(page: str, marker: str) -> str:
    return next(
        line for line in page.splitlines() if "(`energy.supply_price`)" in line and marker in line
    )


def test_a_price_range_written_per_kwh_reads_per_kwh_in_dollars_too(tmp_path):
    """`20 KES/kWh to 30 KES/kWh` read `25 KES/kWh (0.194 USD/kWh ...)` beside a range in
    USD/MWh, a thousand times the number for the same unit of money."""
    page = "\n".join(
        line for line in _kes_range_page(tmp_path).splitlines() if "examples" not in line
    )
    row = _supply_price_row(page, "KES/kWh (")
    interval = re.search(r"\) \(([^;)]+); ([^)]+)\)", row)
    assert interval, row
    assert interval[1].endswith(" USD/kWh") and interval[2].endswith(" KES/kWh")
    usd, kes = _interval(interval[1]), _interval(interval[2])
    assert usd[0] < usd[1] < 1 and kes == pytest.approx([20, 30], rel=0.2)


def test_the_monte_carlo_ranges_table_reads_a_per_kwh_price_per_kwh_in_dollars(tmp_path):
    """The ranges table read `116 USD/MWh (110 CLP/kWh)`: the dollars per MWh beside the
    written price per kWh, where the inputs table reads `0.116 USD/kWh`."""
    row = _supply_price_row(_kes_range_page(tmp_path), "| 20 KES/kWh to 30 KES/kWh |")
    percentiles = re.findall(r"\| ([0-9.]+) USD/(\w+) \(([0-9.]+) KES/kWh\)", row)
    assert len(percentiles) == 3, row
    for usd, per, kes in percentiles:
        assert per == "kWh", row
        assert float(usd) < 1 and 20 <= float(kes) <= 30


def test_the_sensitivity_table_gives_an_amount_in_that_currency_too(tmp_path):
    """The table of what moves the headline figures gave the capital cost in dollars alone,
    where the spread table above it gives `$… (… KES)`."""
    counted = scenario_text(
        "ke",
        year=2024,
        region="KE",
        count="800 to 1200",
        body="  energy {\n    price 25 KES/kWh\n  }\n" + WORKLOAD,
    )
    path = tmp_path / "counted.scn"
    path.write_text(counted, encoding="utf-8")
    page = render_files([str(path)], samples=200)["ke.md"].decode("utf-8")
    table = page[page.index("### What moves them") :]
    row = next(line for line in table.splitlines() if "`cluster.count`" in line and "$" in line)
    # The figure at the input's P5 and P95, each in dollars and in shillings.
    assert len(re.findall(r"\$[0-9.,]+ ?[kMB]? \([0-9.,]+ ?[kMB]? KES\)", row)) == 2, row


def test_eval_reads_the_range_of_a_per_kwh_price_per_kwh_in_dollars(tmp_path, capsys):
    """`scendsl eval` printed `(90%: 149 USD/MWh to 223 USD/MWh)` beside `24.5 KES/kWh (0.182
    USD/kWh ...)`, as the briefings did before their ranges were read per kWh."""
    from scendsl.cli import main

    path = tmp_path / "ranged.scn"
    path.write_text(
        scenario_text(
            "ke",
            year=2024,
            region="KE",
            body="  energy {\n    price 20 KES/kWh to 30 KES/kWh\n  }\n",
        ),
        encoding="utf-8",
    )
    main(["eval", str(path)])
    line = next(row for row in capsys.readouterr().out.splitlines() if "energy.supply_price" in row)
    ends = re.search(r"\(90%: ([0-9.]+) USD/(\w+) to ([0-9.]+) USD/(\w+)\)", line)
    assert ends and ends[2] == ends[4] == "kWh", line
    assert 0 < float(ends[1]) < float(ends[3]) < 1


#: A site abroad at the foreign grid's tariff, its hardware, rent and budget in the analyst's
#: own currency (the Baku trial's cluster rented in Frankfurt): the briefing read in euros.
ABROAD = scenario_text(
    "abroad",
    year=2024,
    region="DE",
    body="  energy {\n    price 0.18 EUR/kWh\n  }\n\n"
    "  market {\n    unit_price 60k AZN\n    rental_price 5.5 AZN/hour\n  }\n"
    + WORKLOAD
    + '\n  expect market.capex < 200M AZN "the budget"\n',
)


def test_of_two_currencies_the_one_the_prices_and_claims_write_most_is_shown(tmp_path):
    from scendsl.report.export import result_data

    result = evaluate(scendsl.load_text(ABROAD, name="abroad.scn").get("abroad"))
    path = tmp_path / "abroad.scn"
    path.write_text(ABROAD, encoding="utf-8")
    page = render_files([str(path)], samples=0)["abroad.md"].decode("utf-8")
    assert re.search(r"\([0-9.,]+ ?[kMBT]? AZN\)", _row(page, "energy.annual_cost"))
    assert "EUR)" not in _row(page, "energy.annual_cost")
    assert result_data(result)["currency"]["code"] == "AZN"
