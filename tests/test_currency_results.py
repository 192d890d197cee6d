"""An amount written in another currency, in the results other tools read: the `written` object
of `eval --format json` (a claim's figure and an input), `scendsl diff` between two such files
matching a claim by its written amount as a diff of scenario files does, and showing it at the
rate of the file that holds it. Rates are read from the catalog's data file, never written in."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

import scendsl
from factories import MONEY
from scendsl.cli import main
from scendsl.report.export import eval_schema
from scendsl.report.numbers import format_value
from tests.test_currency_claims_sweeps_blocks import _per_usd, _rates_file
from tests.test_eval_schema import conforms

SOURCE = (
    MONEY.replace("price 4.5M JPY", "price 4M JPY to 5M JPY")
    .replace("year   2024", "year   YEAR")
    .replace("< 50M EUR", "< BUDGET EUR")
    .replace('"the budget"\n', '"the budget"\n  expect energy.supply_price < 0.3 EUR/kWh "cheap"\n')
)


def _last_year(code: str) -> int:
    return max(int(y) for y in _rates_file()[code]["per_usd"])


def _write(tmp_path: Path, name: str, year: int, budget: str = "50M") -> Path:
    path = tmp_path / f"{name}.scn"
    path.write_text(SOURCE.replace("YEAR", str(year)).replace("BUDGET", budget), "utf-8")
    return path


def _eval_json(path: Path) -> dict:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        assert main(["eval", str(path), "--format", "json"]) == 0
    return json.loads(buffer.getvalue())


# -------------------------------------------------------------------------------- eval JSON
def test_a_claim_in_euros_carries_its_written_amount_currency_and_rate_year(tmp_path):
    document = _eval_json(_write(tmp_path, "money", 2024))
    budget, cheap = document["scenarios"][0]["claims"]
    eur = _per_usd("EUR", 2024)
    assert budget["written"] == {
        "amount": 50e6,
        "unit": "EUR",
        "currency": "EUR",
        "year": 2024,
        "rate_year": 2024,
        "per_usd": eur,
    }
    assert budget["expected"] == pytest.approx(50e6 / eur)  # still USD: its meaning is kept
    # Per kWh: the amount in the unit as written, not per joule.
    assert cheap["written"]["amount"] == 0.3 and cheap["written"]["unit"] == "EUR/kWh"
    schema = eval_schema()
    conforms(document, schema, schema)
    assert document["version"] == 1  # a new field keeps the version


def test_an_input_in_another_currency_carries_it_too_a_range_with_its_ends(tmp_path):
    document = _eval_json(_write(tmp_path, "money", 2024))
    inputs = document["scenarios"][0]["inputs"]
    price = inputs["energy.supply_price"]["written"]
    assert (price["amount"], price["unit"], price["currency"]) == (0.25, "EUR/kWh", "EUR")
    unit_price = inputs["market.unit_price"]["written"]
    assert unit_price["unit"] == "JPY" and unit_price["per_usd"] == _per_usd("JPY", 2024)
    assert (unit_price["low"], unit_price["high"]) == (4e6, 5e6)
    # The centre, as `value` is (in USD): the two agree at the rate.
    usd = inputs["market.unit_price"]["value"]
    assert unit_price["amount"] == pytest.approx(usd * unit_price["per_usd"])
    # A figure in US dollars has none.
    assert "written" not in inputs["energy.pue"]
    assert "written" not in document["scenarios"][0]["metrics"]["energy.annual_cost"]


def test_a_year_past_the_last_rate_says_which_years_rate_was_used(tmp_path):
    last = _last_year("EUR")
    document = _eval_json(_write(tmp_path, "later", last + 3))
    written = document["scenarios"][0]["claims"][0]["written"]
    assert (written["year"], written["rate_year"]) == (last + 3, last)
    assert written["per_usd"] == _per_usd("EUR", last)


# -------------------------------------------------------------------------------------- diff
def _budget_between(tmp_path: Path) -> str:
    """A budget in euros between the annual cost in 2019 and in 2024, each at its year's rate:
    the claim holds in one year and fails in the other."""
    costs = []
    for year in (2019, 2024):
        result = scendsl.evaluate(
            scendsl.load_file(str(_write(tmp_path, "probe", year))).get("frankfurt")
        )
        costs.append(result["energy.annual_cost"].value * _per_usd("EUR", year))
    assert abs(costs[0] - costs[1]) > 1e-3 * max(costs)
    return repr((costs[0] + costs[1]) / 2)


def _diff_text(old: Path, new: Path, *options: str) -> str:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        assert main(["diff", str(old), str(new), *options]) == 0
    return buffer.getvalue()


def test_diff_of_json_results_finds_the_flip_of_a_claim_in_euros_across_a_year(tmp_path):
    """The claim's dollars differ between the years (two rates): matched by its dollars it would
    read as one claim gone and another come, and its flip would go unreported."""
    budget = _budget_between(tmp_path)
    old, new = _write(tmp_path, "old", 2024, budget), _write(tmp_path, "new", 2019, budget)
    from_files = _diff_text(old, new)
    assert "claim energy.annual_cost <" in from_files
    old_json, new_json = tmp_path / "old.json", tmp_path / "new.json"
    old_json.write_text(json.dumps(_eval_json(old)), "utf-8")
    new_json.write_text(json.dumps(_eval_json(new)), "utf-8")
    from_json = _diff_text(old_json, new_json)
    flips = [line for line in from_json.splitlines() if "claim energy.annual_cost" in line]
    assert flips == [line for line in from_files.splitlines() if "claim energy.annual_cost" in line]
    assert "EUR" in flips[0] and "at the 2019 average rate" in flips[0]


def test_diff_of_json_shows_a_claim_at_the_rate_of_the_file_that_holds_it(tmp_path):
    """A result made with another catalog's rates: the diff shows its amount at that rate,
    not at this catalog's, and still knows the claim by the amount written."""
    budget = _budget_between(tmp_path)
    old = _eval_json(_write(tmp_path, "old", 2024, budget))
    new = _eval_json(_write(tmp_path, "new", 2019, budget))
    claim = new["scenarios"][0]["claims"][0]
    claim["written"]["per_usd"] = 0.5  # two dollars a euro: no year of the catalog's
    claim["expected"] = claim["written"]["amount"] / 0.5
    paths = []
    for name, document in (("old", old), ("new", new)):
        paths.append(tmp_path / f"{name}.json")
        paths[-1].write_text(json.dumps(document), "utf-8")
    text = _diff_text(*paths)
    (flip,) = [line for line in text.splitlines() if "claim energy.annual_cost" in line]
    assert f"({format_value(float(budget) * 2, 'currency')} at the 2019 average rate)" in flip


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda w: w.update(per_usd="1.1"), "written.per_usd: expected a number"),
        (lambda w: w.update(per_usd=0), "written.per_usd: expected a positive rate"),
        (lambda w: w.update(unit="JPY"), "unit 'JPY' is not an amount of 'EUR'"),
        (lambda w: w.update(unit="EUR/W"), "written.unit: 'EUR/W' is no amount of money"),
        (lambda w: w.pop("rate_year"), "written.rate_year: expected a year"),
        (lambda w: w.update(low=1.0), "a range has both ends"),
    ],
)
def test_a_wrong_written_object_is_refused_with_a_located_error(tmp_path, capsys, change, message):
    document = _eval_json(_write(tmp_path, "money", 2024))
    change(document["scenarios"][0]["claims"][0]["written"])
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps(_eval_json(_write(tmp_path, "money", 2024))), "utf-8")
    bad.write_text(json.dumps(document), "utf-8")
    capsys.readouterr()
    assert main(["diff", str(good), str(bad)]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:1:1: error: not a result of `scendsl eval --format json`: " in err
    assert message in err and "Traceback" not in err


def test_a_result_written_before_the_field_still_diffs(tmp_path):
    """A version-1 file without `written` (only the note) is read: its claim is known by its
    dollars, as before."""
    document = _eval_json(_write(tmp_path, "money", 2024))
    for claim in document["scenarios"][0]["claims"]:
        claim.pop("written")
    for figure in document["scenarios"][0]["inputs"].values():
        figure.pop("written", None)
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(json.dumps(document), "utf-8")
    new.write_text(json.dumps(document), "utf-8")
    assert "frankfurt" not in _diff_text(old, new).split("\n", 1)[1]


# ----------------------------------------------------------- explain, eval text, CSV and xlsx
def _run(*args: str) -> str:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        assert main(list(args)) == 0
    return buffer.getvalue()


def test_explain_and_eval_text_show_an_input_as_written_and_in_usd(tmp_path):
    path = str(_write(tmp_path, "money", 2024))
    kwh = 0.25 / _per_usd("EUR", 2024)
    shown = f"0.25 EUR/kWh ({kwh:.3g} USD/kWh at the 2024 average rate)"
    tree = _run("explain", path, "frankfurt", "energy.annual_cost", "--depth", "1")
    assert f"energy.supply_price = {shown}" in tree
    text = _run("eval", path)
    assert shown in text and "M JPY ($" in text
    data = json.loads(_run("explain", path, "frankfurt", "energy.supply_price", "--format", "json"))
    assert data["tree"]["written"]["unit"] == "EUR/kWh"
    assert data["tree"]["written"]["amount"] == 0.25


def test_the_long_csv_gives_an_inputs_written_amount_unit_and_rate_year(tmp_path):
    path = str(_write(tmp_path, "money", 2024))
    import csv

    rows = list(csv.DictReader(io.StringIO(_run("eval", path, "--format", "csv"))))
    price = next(r for r in rows if r["metric"] == "energy.supply_price")
    assert (price["written"], price["written_unit"], price["rate_year"]) == (
        "0.25",
        "EUR/kWh",
        "2024",
    )
    assert price["unit"] == "USD/J"
    assert float(price["value"]) == pytest.approx(0.25 / 3.6e6 / _per_usd("EUR", 2024))
    pue = next(r for r in rows if r["metric"] == "energy.pue")
    assert (pue["written"], pue["written_unit"], pue["rate_year"]) == ("", "", "")


def test_the_xlsx_claims_sheet_gives_a_claims_written_amount_unit_and_rate_year(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    path = str(_write(tmp_path, "money", 2024))
    out = tmp_path / "money.xlsx"
    _run("eval", path, "--format", "xlsx", "-o", str(out))
    sheet = openpyxl.load_workbook(out)["claims"]
    header = [c.value for c in sheet[1]]
    budget = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    assert (budget["written"], budget["written unit"], budget["rate year"]) == (50e6, "EUR", 2024)
    assert budget["expected"] == pytest.approx(50e6 / _per_usd("EUR", 2024))


def test_diff_shows_a_written_price_and_a_claims_actuals_in_their_currency(tmp_path):
    """A price written in euros, unchanged as written, whose dollars move with the year's
    rate: the diff says so (the amount as written on both sides, each at its rate), and a
    claim in euros compares its actuals in euros too."""
    budget = _budget_between(tmp_path)
    old, new = _write(tmp_path, "old", 2024, budget), _write(tmp_path, "new", 2019, budget)
    text = _diff_text(old, new)
    (price,) = [line for line in text.splitlines() if "input  energy.supply_price" in line]
    assert price.count("0.25 EUR/kWh (") == 2
    assert "at the 2024 average rate) → 0.25 EUR/kWh (" in price
    (flip,) = [line for line in text.splitlines() if "claim energy.annual_cost" in line]
    assert flip.count(" EUR") == 3 and "holds → fails (" in flip  # the budget and both actuals
    data = json.loads(_diff_text(old, new, "--format", "json"))
    (claim,) = data["scenarios"][0]["claims"]
    assert (claim["old_written"]["year"], claim["new_written"]["year"]) == (2024, 2019)
    assert claim["new_written"]["amount"] == pytest.approx(float(budget), rel=1e-11)
    (change,) = [c for c in data["scenarios"][0]["inputs"] if c["name"] == "energy.supply_price"]
    assert change["old_written"]["amount"] == change["new_written"]["amount"] == 0.25


def test_the_wide_csv_gives_an_input_as_written_beside_its_usd_column(tmp_path):
    import csv

    rows = list(
        csv.reader(
            io.StringIO(_run("eval", str(_write(tmp_path, "m", 2024)), "--format", "csv-wide"))
        )
    )
    header, units, row = rows
    cells = dict(zip(header, row, strict=True))
    assert cells["energy.supply_price as written"] == "0.25 EUR/kWh"
    assert cells["market.unit_price as written"] == "4000000 JPY to 5000000 JPY"
    assert float(cells["energy.supply_price"]) == pytest.approx(
        0.25 / 3.6e6 / _per_usd("EUR", 2024)
    )
    assert dict(zip(header, units, strict=True))["energy.supply_price"] == "USD/J"
    assert "energy.pue as written" not in header


def test_a_result_without_written_diffs_against_one_with_it_by_the_dollars(tmp_path):
    """One side from a scendsl that wrote no `written`: the claim, the same in dollars (the same
    year), is still the same claim, and its flip is found."""
    old = _eval_json(_write(tmp_path, "old", 2024, "50M"))
    new = _eval_json(_write(tmp_path, "new", 2024, "50M"))
    claim = new["scenarios"][0]["claims"][0]
    claim["holds"], claim["actual"] = False, claim["expected"] * 2  # as if the cost had doubled
    for entry in old["scenarios"][0]["claims"]:
        entry.pop("written")
    paths = []
    for name, document in (("old", old), ("new", new)):
        paths.append(tmp_path / f"{name}.json")
        paths[-1].write_text(json.dumps(document), "utf-8")
    text = _diff_text(*paths)
    assert "claim energy.annual_cost < 50 M EUR" in text and "holds → fails" in text


# --------------------------------------------------------------------------- sweep variants
SWEPT = (
    SOURCE.replace("YEAR", "2024").replace("BUDGET", "50M") + "sweep prices from frankfurt {\n"
    "  energy.price [0.05 EUR/kWh, 60 USD/MWh, 0.1 GBP/kWh to 0.2 GBP/kWh]\n"
    "  year [2016, 2024]\n"
    "}\n"
)


def _swept(tmp_path: Path) -> tuple[str, list]:
    path = tmp_path / "swept.scn"
    path.write_text(SWEPT, "utf-8")
    (sweep,) = scendsl.load_file(str(path)).sweeps
    return str(path), [scendsl.evaluate(variant) for variant in sweep.variants()]


def _inputs_written(result) -> dict[str, dict]:
    """Each input of one evaluation written in another currency, as its JSON gives it."""
    return {n: node.written.to_json() for n, node in result.inputs.items() if node.written}


def test_each_sweep_variant_in_json_carries_its_inputs_written_as_evaluating_it_alone(tmp_path):
    """A variant's amounts in euros, pounds (a range) and yen keep what the scenario's keep:
    each variant's, at its own year's rate; a variant priced in dollars has its yen alone."""
    path, alone = _swept(tmp_path)
    document = json.loads(_run("eval", path, "--sweeps", "--format", "json"))
    variants = document["sweeps"][0]["variants"]
    assert [v.get("written", {}) for v in variants] == [_inputs_written(r) for r in alone]
    by_price = {
        v["point"]["energy.price"]: v["written"] for v in variants if v["point"]["year"] == "2016"
    }
    assert set(by_price["60 USD/MWh"]) == {"market.unit_price"}
    pounds = by_price["0.1 GBP/kWh to 0.2 GBP/kWh"]["energy.supply_price"]
    assert (pounds["low"], pounds["high"], pounds["rate_year"]) == (0.1, 0.2, 2016)
    assert pounds["per_usd"] == _per_usd("GBP", 2016)
    schema = eval_schema()
    conforms(document, schema, schema)


def test_each_sweep_variant_in_the_tables_gives_its_inputs_written(tmp_path):
    import csv

    path, alone = _swept(tmp_path)
    rows = list(csv.DictReader(io.StringIO(_run("eval", path, "--sweeps", "--format", "csv"))))
    for result in alone:
        name = result.name
        for metric, written in _inputs_written(result).items():
            (row,) = [r for r in rows if r["scenario"] == name and r["metric"] == metric]
            assert (row["written"], row["written_unit"], row["rate_year"]) == (
                repr(written["amount"]),
                written["unit"],
                str(written["rate_year"]),
            )
    usd = [r for r in rows if r["sweep"] and "60 USD/MWh" in r["scenario"]]
    price = next(r for r in usd if r["metric"] == "energy.supply_price")
    assert (price["written"], price["written_unit"], price["rate_year"]) == ("", "", "")

    wide = list(csv.reader(io.StringIO(_run("eval", path, "--sweeps", "--format", "csv-wide"))))
    header = wide[0]
    column = header.index("energy.supply_price as written")
    shown = {row[0]: row[column] for row in wide[2:] if row[1] == "prices"}
    assert len(shown) == len(alone)
    for result in alone:
        written = result.inputs["energy.supply_price"].written
        expected = "" if written is None else written.unit
        assert shown[result.name].endswith(expected)
        assert bool(shown[result.name]) == (written is not None)
    assert shown[alone[-1].name] == "0.1 GBP/kWh to 0.2 GBP/kWh"


def test_each_sweep_variant_in_the_xlsx_gives_its_inputs_written(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    path, alone = _swept(tmp_path)
    out = tmp_path / "swept.xlsx"
    _run("eval", path, "--sweeps", "--format", "xlsx", "-o", str(out))
    sheet = openpyxl.load_workbook(out)["sweep prices"]
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    column = header.index("market.unit_price as written")
    assert [row[column] for row in rows[1:]] == ["4000000 JPY to 5000000 JPY"] * len(alone)


def test_the_editors_hover_gives_a_price_in_another_currency_as_written_and_in_usd(tmp_path):
    """The hover's current unit price (on the price series' option) reads as everywhere else:
    the yen written in the accelerator block, and their dollars at the year's rate."""
    from scendsl.lsp.hover import hover
    from scendsl.lsp.positions import Pos
    from scendsl.lsp.workspace import Workspace

    path = _write(tmp_path, "money", 2024)
    text = path.read_text("utf-8").replace(
        "  energy {", "  market {\n    price_series market\n  }\n  energy {"
    )
    path.write_text(text, "utf-8")
    analysis = Workspace(str(tmp_path)).analyse(str(path))
    assert analysis.document is not None
    lines = text.splitlines()
    line = next(i for i, row in enumerate(lines) if "price_series market" in row)
    shown = hover(analysis, analysis.document, Pos(line, lines[line].index("market") + 1))
    assert shown is not None
    (price,) = [row for row in shown.markdown.splitlines() if row.startswith("Unit price in")]
    assert " M JPY ($" in price and "at the 2024 average rate)**" in price


# ------------------------------------------------------------------- one record of the figure
def test_a_checked_claim_keeps_how_its_figure_was_written_in_one_place(tmp_path):
    """The unit and year of a claim's figure in another currency are its `written` record's,
    not copies beside it that could disagree; the schema of results (`scendsl schema`)
    describes that record and each of its fields."""
    from dataclasses import fields as fields_of

    from scendsl.model.evaluate import ClaimResult

    path = _write(tmp_path, "money", 2024)
    budget = scendsl.evaluate(scendsl.load_file(str(path)).get("frankfurt")).claims[0]
    fields = {field.name for field in fields_of(ClaimResult)}
    assert "written" in fields and not fields & {"currency", "year"}
    assert (budget.written.unit, budget.written.year) == ("EUR", 2024)
    schema = json.loads(_run("schema"))["result"]["$defs"]
    assert "another currency" in schema["ClaimResult"]["properties"]["written"]["description"]
    money = schema["WrittenMoney"]["properties"]
    assert all(field.get("description") for field in money.values())
    assert set(money) == {*budget.written.to_json(), "low", "high"}
    # The eval document's `written` is described by the same words.
    written = eval_schema()["$defs"]["written"]["properties"]
    assert {k: v["description"] for k, v in written.items()} == {
        k: v["description"] for k, v in money.items()
    }
