"""Grid carbon intensity below the country: Chinese provinces (MEE factors) and Canadian provinces
(ECCC National Inventory Report) beside the US states (EPA eGRID), each figure with its source and
its basis, and a province with a figure of its own no longer placed on its country's national grid
with a fallback warning.

Expected figures are read from the catalog file or the committed input, not from the model.
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

import scendsl
from scendsl.catalog.grid import grid_intensity, is_region_code
from scendsl.model.evaluate import evaluate
from scendsl.model.registry import REGISTRY
from scendsl.report.warnings import scenario_warnings
from tests.factories import scenario_text

ROOT = Path(__file__).resolve().parent.parent
#: The input the import read, committed so that the provinces' rows can be regenerated here.
CN_INPUT = ROOT / "scripts" / "data" / "china_provincial_emissions.json"
CA_INPUT = ROOT / "scripts" / "data" / "canada_nir2020_a13_consumption_intensity.csv"
GRID_TEXT = files("scendsl.catalog").joinpath("grid.toml").read_text(encoding="utf-8")
GRID = tomllib.loads(GRID_TEXT)
G_PER_KWH = 1e-3 / 3.6e6  # gCO2/kWh in kg/J


def _script() -> ModuleType:
    name = "import_grid_data"
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def _subdivisions() -> dict[str, dict]:
    return {key: value for key, value in GRID.items() if "-" in key and "grid_intensity" in value}


def _tables(text: str, prefix: str) -> str:
    """The `['CN-..']` tables of a grid.toml text, in order, as written."""
    blocks = re.split(r"\n(?=\[)", text)
    return "\n".join(b for b in blocks if b.startswith((f"['{prefix}", f"[{prefix}")))


def test_every_subdivision_figure_has_a_source_a_grade_and_a_note_naming_its_basis() -> None:
    subdivisions = _subdivisions()
    assert {key[:2] for key in subdivisions} == {"US", "CN", "CA", "AU"}
    for code, table in subdivisions.items():
        assert is_region_code(code), code
        for year, figure in table["grid_intensity"].items():
            assert figure["source"] and figure["confidence"] in ("A", "B", "C"), (code, year)
            # The phrase the model passes on to the briefing for a basis other than lifecycle.
            assert "not lifecycle" in figure["note"], (code, year)
    assert GRID["meta"]["cn_provinces"] == sum(key.startswith("CN-") for key in subdivisions)
    assert GRID["meta"]["ca_provinces"] == sum(key.startswith("CA-") for key in subdivisions)


def test_chinese_provinces_are_the_mee_2023_factors_with_the_announcement_as_source() -> None:
    provinces = {k: v for k, v in _subdivisions().items() if k.startswith("CN-")}
    assert len(provinces) == 30  # every province but Tibet, which the table leaves out
    assert "CN-XZ" not in provinces
    yunnan = provinces["CN-YN"]["grid_intensity"]["2023"]
    assert yunnan["value"] == "133.3 gCO2/kWh"
    assert "Announcement 2025 No. 47" in yunnan["source"] and "mee.gov.cn" in yunnan["source"]
    assert "CO2 only" in yunnan["note"] and "inter-provincial" in yunnan["note"]
    # East Data West Computing: the hydro south-west against coal-fired Inner Mongolia.
    mongolia = float(provinces["CN-NM"]["grid_intensity"]["2023"]["value"].split()[0])
    assert mongolia > 4 * float(yunnan["value"].split()[0])


def test_the_import_reproduces_the_committed_province_rows_from_the_committed_input() -> None:
    script = _script()
    digest = hashlib.sha256(CN_INPUT.read_bytes()).hexdigest()
    assert f"# Input: china_provincial_emissions.json (sha256 {digest})" in GRID_TEXT
    provinces, source = script.read_cn_provinces(CN_INPUT)
    text = script.build_toml(
        [], [], {}, dataset="d", inputs=[], cn_provinces=provinces, cn_source=source
    )
    assert _tables(text, "CN-") == _tables(GRID_TEXT, "CN-")
    assert "cn_provinces = 30\n" in text


def test_the_import_reproduces_the_committed_canadian_rows_from_the_cited_csv() -> None:
    script = _script()
    digest = hashlib.sha256(CA_INPUT.read_bytes()).hexdigest()
    assert f"# Input: {CA_INPUT.name} (sha256 {digest})" in GRID_TEXT
    provinces = script.read_ca_provinces(CA_INPUT)
    text = script.build_toml([], [], {}, dataset="d", inputs=[], ca_provinces=provinces)
    assert _tables(text, "CA-") == _tables(GRID_TEXT, "CA-")


def test_canadian_provinces_are_the_nir_consumption_intensities_as_printed() -> None:
    rows = list(csv.DictReader(CA_INPUT.open(encoding="utf-8")))
    for row in rows:
        figure = GRID[row["region"]]["grid_intensity"][row["year"]]
        assert figure["value"] == f"{row['value_g_co2e_per_kwh']} gCO2/kWh"  # as printed
        assert f"Table {row['table']}," in figure["source"]
        assert ("preliminary" in figure["note"]) == (row["year"] == "2018")
    # Prince Edward Island's consumption intensity is not published: it keeps Canada's figure.
    assert "CA-PE" not in GRID and len({row["region"] for row in rows}) == 12
    quebec, alberta = grid_intensity("CA-QC", 2018), grid_intensity("CA-AB", 2018)
    assert not quebec.fallback and not alberta.fallback
    assert alberta.value > 100 * quebec.value  # gas and coal against hydro, one country


def test_the_province_import_refuses_another_unit_and_a_code_outside_china(tmp_path: Path) -> None:
    script = _script()
    data = json.loads(CN_INPUT.read_text(encoding="utf-8"))
    data["metadata"]["unit"] = "kgCO2/kWh"
    wrong_unit = tmp_path / "unit.json"
    wrong_unit.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(SystemExit, match="expected gCO2/kWh"):
        script.read_cn_provinces(wrong_unit)
    data = json.loads(CN_INPUT.read_text(encoding="utf-8"))
    data["data"]["US-TX"] = data["data"]["CN-YN"]
    wrong_code = tmp_path / "code.json"
    wrong_code.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(SystemExit, match="US-TX is not an ISO 3166-2 code of China"):
        script.read_cn_provinces(wrong_code)


def test_a_province_with_a_figure_no_longer_falls_back_to_china() -> None:
    figure = grid_intensity("CN-YN", 2023)
    assert (figure.region_used, figure.year_used, figure.fallback) == ("CN-YN", 2023, False)
    assert figure.value == 133.3
    tibet = grid_intensity("CN-XZ", 2023)  # not in the MEE table: China's figure, flagged
    assert tibet.fallback and tibet.region_used == "CN"


def test_a_scenario_in_yunnan_uses_yunnan_grid_without_the_fallback_warning() -> None:
    text = scenario_text(region='"CN-YN"', year=2023, body="  energy {\n    mix grid 100%\n  }\n")
    result = evaluate(scendsl.load(text).get("base"))
    expected = float(GRID["CN-YN"]["grid_intensity"]["2023"]["value"].split()[0]) * G_PER_KWH
    assert result.value("energy.supply_intensity") == pytest.approx(expected)
    assert result.value("energy.grid_intensity_fallback") is False
    assert "not lifecycle" in result.node("energy.supply_intensity").note
    ids = {w.id for w in scenario_warnings(result)}
    assert "grid-intensity-fallback" not in ids


def test_hong_kong_macao_and_taiwan_are_named_by_their_own_country_codes_only() -> None:
    assert is_region_code("CN-YN") and is_region_code("CN-XZ")
    for code in ("CN-HK", "CN-MO", "CN-TW"):
        assert not is_region_code(code), code
    assert all(is_region_code(code) for code in ("HK", "MO", "TW"))


def test_the_intensity_descriptions_name_no_country_and_still_say_lifecycle() -> None:
    # "direct combustion for a US state's" was false once provinces had direct figures too.
    for name in ("energy.supply_intensity", "energy.annual_emissions"):
        text = REGISTRY[name].meaning
        assert "lifecycle for a country's grid" in text and "direct combustion" in text
        assert "US" not in text and "China" not in text
