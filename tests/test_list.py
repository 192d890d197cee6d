"""`scendsl list` (issue #13, "Discoverability"): the names a scenario may use, piped as plain
columns, on a terminal as a rich table, and as JSON."""

from __future__ import annotations

import io
import json

import pytest

from scendsl.cli import main
from scendsl.language.names import catalog_names, iso_region_names
from scendsl.model.claims import metric_index
from scendsl.report.listing import KINDS, listing, write_rich


def _json(capsys, kind: str) -> dict:
    assert main(["list", kind, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("kind", KINDS)
def test_every_listing_prints_plain_columns_when_piped(capsys, kind):
    assert main(["list", kind]) == 0
    out = capsys.readouterr().out
    header, *rows = out.splitlines()
    assert header.split()[0] in ("id", "code", "name", "kind")
    assert rows and "\x1b" not in out  # no colour codes in a pipe
    assert main(["list", kind]) == 0
    assert capsys.readouterr().out == out  # deterministic


@pytest.mark.parametrize("kind", KINDS)
def test_every_listing_draws_a_rich_table_on_a_terminal(kind):
    from rich.console import Console

    buffer = io.StringIO()
    write_rich(Console(file=buffer, width=200, force_terminal=True), listing(kind))
    assert f"scendsl list {kind}" in buffer.getvalue()


def test_accelerators_list_every_catalog_chip_with_its_figures(capsys):
    document = _json(capsys, "accelerators")
    rows = {row["id"]: row for row in document["rows"]}
    assert list(rows) == list(catalog_names().accelerators)
    assert rows["H100"]["vendor"] == "NVIDIA"
    assert rows["H100"]["bf16_dense"] == pytest.approx(989.4e12)
    units = {c["key"]: c.get("unit") for c in document["columns"]}
    assert units["bf16_dense"] == "FLOP/s" and units["tdp"] == "W"


#: The unit each figure column of the accelerators table is shown in, as SI units of its JSON.
SHOWN_UNITS = {"TFLOPS": 1e12, "GB": 1e9, "TB/s": 1e12, "W": 1.0}


def test_each_figure_column_of_the_accelerators_table_shows_one_unit_named_in_its_title():
    # The table once showed "2.25 PFLOPS" under "2500 TFLOPS" and "819 GB/s" under "3.35 TB/s":
    # the units the catalog's sources wrote. A column now holds bare numbers in the one unit
    # its title names, and each is the JSON's SI value in that unit.
    table = listing("accelerators")
    figure_columns = [c for c in table.columns if c.unit]
    assert {c.key for c in figure_columns} >= {"bf16_dense", "fp8_dense", "hbm", "tdp"}
    for column in figure_columns:
        shown = column.title.rsplit("(", 1)[1].rstrip(")")
        scale = SHOWN_UNITS[shown]
        for index, row in enumerate(table.rows):
            text = table.text_of(index, column.key)
            if row[column.key] is None:
                assert text == "–"
                continue
            assert float(text) * scale == pytest.approx(row[column.key], rel=1e-5), (
                row["id"],
                column.key,
                text,
            )


def test_regions_list_every_accepted_code_and_the_data_each_has(capsys):
    rows = {row["code"]: row for row in _json(capsys, "regions")["rows"]}
    assert set(iso_region_names()) | set(catalog_names().regions) == set(rows)
    france = rows["FR"]
    assert france["grid_intensity"] and france["electricity_price"]
    assert "A:5" in france["export_groups"]
    assert "D:5" in rows["RU"]["export_groups"]
    assert rows["AD"]["grid_intensity"] is None  # Andorra: no figure of its own
    # Hong Kong: no industrial price, but the World Bank's commercial tariff for 2014-2019.
    assert rows["HK"]["electricity_price"] is None and rows["HK"]["commercial_price"]
    assert "2019" in str(rows["HK"]["commercial_price"])
    # India: Climatescope's industrial price, 2019-2023, beside its commercial tariff.
    assert "2023" in str(rows["IN"]["electricity_price"]) and rows["IN"]["commercial_price"]


def test_regions_show_where_a_generation_mix_and_a_demand_forecast_are(capsys):
    """Off-site water is n/a without a generation mix, and demand past the data is carried
    toward a forecast where there is one: `list regions` says where before a scenario does."""
    import scendsl
    from scendsl.model.evaluate import evaluate

    rows = {row["code"]: row for row in _json(capsys, "regions")["rows"]}
    with_mix = [code for code, row in rows.items() if row["generation_mix"]]
    without = [code for code, row in rows.items() if not row["generation_mix"] and "-" not in code]
    assert with_mix and without
    assert any(row["demand_forecast"] for row in rows.values())
    for code, water in ((with_mix[0], True), (without[0], False)):
        text = (
            f'scenario s {{\n  year 2024\n  region "{code}"\n  cluster {{\n'
            "    accelerator H100\n    count 8\n  }\n}\n"
        )
        result = evaluate(scendsl.load_text(text).get("s"))
        assert (result.value("energy.offsite_water") is not None) == water, code


def test_metrics_list_every_model_name_with_kind_unit_and_values(capsys):
    rows = {row["name"]: row for row in _json(capsys, "metrics")["rows"]}
    assert set(rows) == set(metric_index())
    assert rows["energy.facility_power"]["kind"] == "number"
    assert rows["energy.facility_power"]["unit"] == "W"
    assert rows["export.status"]["kind"] == "category"
    assert "licence_required" in rows["export.status"]["values"]
    assert rows["performance.fits_in_hbm"]["kind"] == "boolean"
    assert rows["risk.concentration"]["kind"] == "rating"
    assert rows["risk.concentration"]["values"] == ["low", "medium", "high"]


def test_the_plain_metrics_listing_shows_a_rating_order(capsys):
    assert main(["list", "metrics"]) == 0
    line = next(
        line
        for line in capsys.readouterr().out.splitlines()
        if line.startswith("risk.concentration")
    )
    assert "rating" in line and "low < medium < high" in line


def test_references_energy_sources_and_rules_follow_the_catalog(capsys):
    references = _json(capsys, "references")["rows"]
    assert [r["name"] for r in references] == list(catalog_names().references)
    # Each with the country it serves: what a scenario's key finding is matched by.
    from scendsl.catalog import load_catalog

    countries = {name: ref.region for name, ref in load_catalog().references.items()}
    assert {r["name"]: r["region"] for r in references} == countries
    sources = _json(capsys, "energy-sources")["rows"]
    assert [s["name"] for s in sources] == list(catalog_names().energy_sources)
    rules = _json(capsys, "rules")["rows"]
    assert {r["kind"] for r in rules} == {"risk", "export", "guidance"}
    assert any(r["id"] == "russia_belarus_sanctions" or "russia" in r["id"] for r in rules)


def test_an_unknown_kind_is_a_usage_error(capsys):
    assert main(["list", "chips"]) == 2
    assert "invalid choice" in capsys.readouterr().err


def test_docs_metrics_md_is_generated_from_the_registry():
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    result = subprocess.run(
        [sys.executable, str(root / "scripts" / "gen_metric_docs.py"), "--check"],
        cwd=root,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    text = (root / "docs" / "metrics.md").read_text(encoding="utf-8")
    for name in metric_index():
        assert f"| `{name}` |" in text, name


def test_list_currencies_gives_each_currency_with_a_rate_its_years_and_latest_rate(capsys):
    from scendsl.catalog.currency import currency_names, exchange_rate

    table = listing("currencies")
    rows = {row["code"]: row for row in table.rows}
    assert list(rows) == list(currency_names())
    euro = rows["EUR"]
    last = exchange_rate("EUR", 10_000)
    assert euro["years"][1] == last.year_used and euro["latest"] == last.per_usd
    assert "fred.stlouisfed.org" in euro["source"]  # the JSON keeps the whole citation
