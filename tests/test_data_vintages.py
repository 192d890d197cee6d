"""The generated catalog files keep every year and every source their committed inputs give.

An import that silently drops a year (a filter off by one, a reader that stops at the first gap)
or a source (an input left off the command line) would still write a valid file; these tests
compare the committed TOML with the committed inputs instead of with numbers typed here, so they
fail when the two part ways.
"""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import re
import sys
import tomllib
from importlib.resources import files
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "scripts" / "data"
#: The committed inputs each generated file must name (with their sha256) in its header.
INPUTS = {
    "electricity_prices.toml": [
        "nrg_pc_205_2019-2025_extract.tsv",
        "eia_industrial_prices.csv",
        *sorted(p.name for p in DATA.glob("national_prices_*.csv")),
        "exchange_rates.csv",
    ],
    "grid.toml": [
        "canada_nir2020_a13_consumption_intensity.csv",
        "australia_nga_scope2_location.csv",
    ],
}


def _text(name: str) -> str:
    return files("scendsl.catalog").joinpath(name).read_text(encoding="utf-8")


def _script(name: str) -> ModuleType:
    path = ROOT / "scripts" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(("toml", "name"), [(t, n) for t, ns in INPUTS.items() for n in ns])
def test_each_committed_input_is_named_with_its_current_digest(toml: str, name: str) -> None:
    # An input left off the import's command line, or edited without rerunning the import, shows
    # here: the header records the sha256 of every file the figures were read from.
    digest = hashlib.sha256((DATA / name).read_bytes()).hexdigest()
    assert f"# Input: {name} (sha256 {digest})" in _text(toml)


def test_every_hand_copied_eia_row_is_a_catalog_figure_with_its_source_and_nothing_else_is() -> (
    None
):
    script = _script("import_electricity_prices")
    rows = script.read_eia(DATA / "eia_industrial_prices.csv")
    prices = tomllib.loads(_text("electricity_prices.toml"))
    expected = {(r["region"], r["year"]): r for r in rows}
    found = {
        (code, year): figure
        for code, entry in prices.items()
        if code == "US" or code.startswith("US-")
        for year, figure in entry.get("industrial_price", {}).items()
    }
    assert set(found) == set(expected)
    for key, row in expected.items():
        figure = found[key]
        assert figure["source"] == row["source"] and figure["confidence"] == row["confidence"]
        assert figure["value"] == f"{float(row['cents_per_kwh']) * 10:.1f} USD/MWh", key


def test_each_region_keeps_the_newest_year_its_eia_input_gives() -> None:
    # Newer rows are added beside the older ones, never in their place: a region's years in
    # the catalog are exactly its rows' years, so the newest one cannot fall out.
    with (DATA / "eia_industrial_prices.csv").open(newline="", encoding="utf-8") as handle:
        years: dict[str, set[str]] = {}
        for row in csv.DictReader(handle):
            years.setdefault(row["region"], set()).add(row["year"])
    prices = tomllib.loads(_text("electricity_prices.toml"))
    for region, wanted in years.items():
        assert set(prices[region]["industrial_price"]) == wanted, region


def test_eurostat_years_in_the_catalog_are_every_year_the_extract_has() -> None:
    script = _script("import_electricity_prices")
    extract = script.read_eurostat(DATA / "nrg_pc_205_2019-2025_extract.tsv")
    bands = script.BANDS
    prices = tomllib.loads(_text("electricity_prices.toml"))
    for (geo, band), by_year in extract.items():
        wanted = {str(y) for y in by_year if y >= 2019}
        have = {
            year
            for year, figure in prices.get(geo, {}).get(bands[band], {}).items()
            if "nrg_pc_205" in figure["source"]
        }
        assert have == wanted, (geo, band)


def test_grid_meta_years_span_the_country_figures_and_the_newest_year_is_kept() -> None:
    grid = tomllib.loads(_text("grid.toml"))
    country_years = {
        int(year)
        for code, entry in grid.items()
        if code != "meta" and "-" not in code
        for year in entry.get("grid_intensity", {})
    }
    newest = max(country_years)
    header = re.search(r"# Years (\d{4})-(\d{4});", _text("grid.toml"))
    assert header is not None and int(header.group(2)) == newest == grid["meta"]["last_year"]
    # The world series and every large country carry the newest year the data set has.
    for code in ("WORLD", "US", "CN", "IN", "DE", "FR", "JP", "GB"):
        assert str(newest) in grid[code]["grid_intensity"], code
