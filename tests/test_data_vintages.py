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
import json
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
        "climatescope_2024_industrial_prices.csv",
    ],
    "grid.toml": [
        "canada_nir2020_a13_consumption_intensity.csv",
        "australia_nga_scope2_location.csv",
        "ember_average_intensities.json",
    ],
    "households.toml": [
        "iea_eeei_residential_electricity.json",
        "undesa_household_size_2022.csv",
        "worldbank_population_2015_on.csv",
        "household_electricity_published.csv",
        "household_electricity_national.csv",
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


# --- a newer Ember year beside the OWID series ---------------------------------------------------

OWID = (
    "Entity,Code,Year,Carbon intensity of electricity - gCO2/kWh\n"
    "France,FRA,2023,56.0\n"
    "France,FRA,2024,44.2\n"
    "United Arab Emirates,ARE,2022,500.0\n"
    "United Arab Emirates,ARE,2023,493.0\n"
)
EMBER = {
    "FRA": {
        "country_code": "FRA",
        "country_or_region": "France",
        "year": 2024,
        "emissions_intensity_gco2_per_kwh": 45.0,
    },
    "ARE": {
        "country_code": "ARE",
        "country_or_region": "United Arab Emirates",
        "year": 2024,
        "emissions_intensity_gco2_per_kwh": 467.51,
    },
    "OMN": {
        "country_code": "OMN",
        "country_or_region": "Oman",
        "year": 2024,
        "emissions_intensity_gco2_per_kwh": 520.0,
    },
    "World": {
        "country_code": "",
        "country_or_region": "World",
        "year": 2024,
        "emissions_intensity_gco2_per_kwh": 472.9,
    },
    "XKX": {
        "country_code": "XKX",
        "country_or_region": "Kosovo",
        "year": 2024,
        "emissions_intensity_gco2_per_kwh": 958.7,
    },
}


def _ember_toml(tmp_path: Path, ember: dict) -> tuple[ModuleType, dict]:
    script = _script("import_grid_data")
    owid = tmp_path / "carbon-intensity-electricity.csv"
    owid.write_text(OWID, encoding="utf-8")
    latest = tmp_path / "ember.json"
    latest.write_text(json.dumps(ember), encoding="utf-8")
    text = script.build_toml(
        script.read_owid(owid, script.INTENSITY_COLUMNS, required=True),
        [],
        {},
        dataset="fixture",
        inputs=[],
        ember_latest=script.read_ember_latest(latest),
    )
    return script, tomllib.loads(text) | {"_text": text}


def test_an_ember_year_only_extends_a_countrys_owid_series(tmp_path: Path) -> None:
    script, data = _ember_toml(tmp_path, EMBER)
    ae = data["AE"]["grid_intensity"]
    assert sorted(ae) == ["2022", "2023", "2024"]
    assert ae["2024"]["value"] == "467.5 gCO2/kWh" and ae["2024"]["confidence"] == "B"
    assert ae["2024"]["source"] == script.EMBER_LATEST_SOURCE
    assert ae["2023"]["source"] == script.INTENSITY_SOURCE  # OWID's years stay OWID's
    # A year OWID has is never replaced, a country OWID lacks is not added, nor an aggregate.
    assert data["FR"]["grid_intensity"]["2024"]["value"] == "44.2 gCO2/kWh"
    assert "OM" not in data and "WORLD" not in data and "XK" not in data
    assert "(--ember-latest): AE 2024." in data["_text"]


def test_an_ember_file_with_a_value_in_other_units_is_refused(tmp_path: Path) -> None:
    bad = {"ARE": dict(EMBER["ARE"], emissions_intensity_gco2_per_kwh=0.4675e4)}
    with pytest.raises(SystemExit, match="not a gCO2/kWh intensity"):
        _ember_toml(tmp_path, bad)


def test_the_committed_ember_years_are_each_a_countrys_year_after_its_owid_years() -> None:
    grid = tomllib.loads(_text("grid.toml"))
    script = _script("import_grid_data")
    added = {
        code: year
        for code, entry in grid.items()
        if code != "meta"
        for year, figure in entry.get("grid_intensity", {}).items()
        if figure["source"] == script.EMBER_LATEST_SOURCE
    }
    assert added, "the committed grid has no year from --ember-latest"
    latest = script.read_ember_latest(DATA / "ember_average_intensities.json")
    for code, year in added.items():
        years = sorted(int(y) for y in grid[code]["grid_intensity"])
        assert years[-1] == int(year) and years[-2] == int(year) - 1, code
        alpha3 = next(k for k in latest if script._alpha2(k) == code)
        assert latest[alpha3][0] == int(year), code


def _climatescope() -> dict[str, dict[int, float]]:
    return _script("import_electricity_prices").read_climatescope(
        DATA / "climatescope_2024_industrial_prices.csv"
    )


def test_climatescope_fills_every_year_of_every_country_nothing_else_prices() -> None:
    # Each country the extract covers either keeps only its primary figures (no Climatescope
    # year mixed in) or has exactly the extract's years from 2019 on, less the slips the header
    # names, each at the extract's value with its source and grade C.
    script = _script("import_electricity_prices")
    prices = tomllib.loads(_text("electricity_prices.toml"))
    header = _text("electricity_prices.toml")
    filled = 0
    for code, by_year in _climatescope().items():
        figures = prices.get(code, {}).get("industrial_price", {})
        if any("Climatescope" not in f["source"] for f in figures.values()):
            assert all("Climatescope" not in f["source"] for f in figures.values()), code
            continue
        wanted = {
            str(y) for y, v in by_year.items() if y >= 2019 and v >= script.CLIMATESCOPE_FLOOR
        }
        assert set(figures) == wanted, code
        for year, value in by_year.items():
            if year >= 2019 and value < script.CLIMATESCOPE_FLOOR:
                assert f"{code} {year} ({value:.2f})" in header, (code, year)
        for year, figure in figures.items():
            assert figure["value"] == f"{by_year[int(year)]:.1f} USD/MWh", (code, year)
            assert figure["source"] == script.CLIMATESCOPE_SOURCE and figure["confidence"] == "C"
            assert "climatescope/climatescope.org" in figure["note"]
        filled += 1
    assert filled >= 90  # 139 markets, less the ~40 with a primary series


def test_climatescope_extract_keeps_the_newest_year_and_the_large_compute_countries() -> None:
    # A floor on the extract itself, so that a re-extraction that loses a market or the
    # edition's newest year fails even when the catalog loses it too.
    extract = _climatescope()
    assert len(extract) >= 139
    for code in "JP IN AU MX ZA MY VN ID BR AE CN SA TH SG".split():
        assert 2021 in extract[code], code
    for code in "JP IN MX ZA MY VN ID BR AE CN SA TH SG".split():
        assert 2023 in extract[code], code


def test_climatescope_extraction_reverses_the_sites_encoding_and_skips_zero_years() -> None:
    import base64

    script = _script("extract_climatescope_prices")
    records = [
        {
            "iso": "is ",
            "indicator": "Electricity Prices",
            "subindicator": "Average Industrial",
            "units": "USD/MWh",
            "data": [{"x_val": 2022, "y_val": 0}, {"x_val": 2023, "y_val": 41.5}],
        },
        {
            "iso": "jp",
            "indicator": "Electricity Prices",
            "subindicator": "Average Residential",
            "units": "USD/MWh",
            "data": [{"x_val": 2023, "y_val": 250.0}],
        },
    ]
    encoded = base64.b64encode(json.dumps(records).encode()).decode()[::-1]
    rows = script.industrial_rows(script.decode(encoded))
    assert rows == [("IS", 2023, "41.5")]
    assert script.write_csv(rows) == "region,year,usd_per_mwh\nIS,2023,41.5\n"
    records[0]["units"] = "USD/kWh"
    with pytest.raises(SystemExit, match="not USD/MWh"):
        script.industrial_rows(records)
