"""Grid carbon intensity of Australia's states and territories: DCCEEW's National Greenhouse
Accounts Factors scope 2 (location-based) factors, editions 2021-2025, each figure with its
edition, table and basis; a scenario in a state reads its own state's figure without the
fallback warning that placing it on Australia's national grid gave.

Expected figures are read from the committed CSV or the catalog file, never typed here.
"""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import json
import re
import sys
import tomllib
from decimal import Decimal
from importlib.resources import files
from pathlib import Path
from types import ModuleType

import pytest

import scendsl
from scendsl.catalog.grid import grid_intensity, is_region_code, region_reading_name
from scendsl.cli import main
from scendsl.model.evaluate import evaluate
from scendsl.report.warnings import scenario_warnings
from tests.factories import scenario_text

ROOT = Path(__file__).resolve().parent.parent
AU_INPUT = ROOT / "scripts" / "data" / "australia_nga_scope2_location.csv"
GRID_TEXT = files("scendsl.catalog").joinpath("grid.toml").read_text(encoding="utf-8")
GRID = tomllib.loads(GRID_TEXT)
G_PER_KWH = 1e-3 / 3.6e6  # gCO2/kWh in kg/J
STATES = ("AU-ACT", "AU-NSW", "AU-NT", "AU-QLD", "AU-SA", "AU-TAS", "AU-VIC", "AU-WA")


def _script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def _rows() -> list[dict[str, str]]:
    return list(csv.DictReader(AU_INPUT.open(encoding="utf-8")))


def _g(figure: dict[str, str]) -> float:
    return float(figure["value"].split()[0])


def _tables(text: str, prefix: str) -> str:
    blocks = re.split(r"\n(?=\[)", text)
    return "\n".join(b for b in blocks if b.startswith((f"['{prefix}", f"[{prefix}")))


def test_every_state_and_territory_is_a_region_with_the_nga_factor_of_each_edition() -> None:
    rows = _rows()
    assert {row["region"] for row in rows} == set(STATES)
    assert GRID["meta"]["au_states"] == len(STATES)
    for row in rows:
        code, edition = row["region"], row["edition"]
        assert is_region_code(code), code
        figure = GRID[code]["grid_intensity"][edition]
        # kg per kWh as published, times 1000, exactly: 0.73 -> 730.
        grams = Decimal(row["scope2_kg_co2e_per_kwh"]) * 1000
        assert Decimal(figure["value"].split()[0]) == grams, (code, edition)
        assert f"Accounts Factors {edition}, Table {row['table']}," in figure["source"]
        assert f"({row['scope2_kg_co2e_per_kwh']} kg CO2-e/kWh)" in figure["source"]
        # The basis and the keying, in the phrase the briefing flags a non-lifecycle figure by.
        assert (
            "not lifecycle" in figure["note"] and f"NGA Factors {edition} edition" in figure["note"]
        )
    # New South Wales and the ACT share one grid and one published factor.
    assert GRID["AU-NSW"]["grid_intensity"] == GRID["AU-ACT"]["grid_intensity"]


def test_the_import_reproduces_the_committed_australian_rows_from_the_cited_csv() -> None:
    script = _script("import_grid_data")
    digest = hashlib.sha256(AU_INPUT.read_bytes()).hexdigest()
    assert f"# Input: {AU_INPUT.name} (sha256 {digest})" in GRID_TEXT
    states = script.read_au_states(AU_INPUT)
    text = script.build_toml([], [], {}, dataset="d", inputs=[], au_states=states)
    assert _tables(text, "AU-") == _tables(GRID_TEXT, "AU-")
    assert "au_states = 8\n" in text


def test_the_state_import_refuses_grams_and_a_code_outside_australia(tmp_path: Path) -> None:
    script = _script("import_grid_data")
    header, first, *_ = AU_INPUT.read_text(encoding="utf-8").splitlines()
    grams = tmp_path / "grams.csv"
    code, edition, table, grid, value = first.split(",")
    grams.write_text(f"{header}\n{code},{edition},{table},{grid},{Decimal(value) * 1000}\n")
    with pytest.raises(SystemExit, match="not in kg CO2-e/kWh"):
        script.read_au_states(grams)
    other = tmp_path / "other.csv"
    other.write_text(f"{header}\nNZ-AUK,{edition},{table},{grid},{value}\n")
    with pytest.raises(SystemExit, match="NZ-AUK is not an ISO 3166-2 code of Australia"):
        script.read_au_states(other)


def _workbook(path: Path, title: str, rows: list[list[object]]) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.active.title = "Introduction"
    sheet = book.create_sheet("Table 1")
    sheet.append([title])
    for row in rows:
        sheet.append(row)
    book.save(path)


def test_the_workbook_extraction_finds_the_table_by_title_in_either_layout(tmp_path: Path) -> None:
    script = _script("extract_nga_scope2")
    # The 2022-2025 layout: grid names split over two rows, scope 2 first, then scope 3.
    later = [
        ["State, Territory or grid description", "Scope 2", "Scope 3"],
        ["New South Wales and Australian Capital Territory", 0.5, 0.1],
        ["Victoria", 0.6, 0.1],
        ["Queensland", 0.7, 0.1],
        ["South Australia", 0.2, 0.1],
        ["Western Australia -", 0.4, 0.1],
        ["South West Interconnected System (SWIS)"],
        ["Western Australia - North Western Interconnected System (NWIS)", 0.9, 0.1],
        ["Tasmania", 0.1, 0.1],
        ["Northern territory -", 0.3, 0.1],
        ["Darwin Katherine Interconnected System (DKIS) "],
    ]
    new = tmp_path / "national-greenhouse-account-factors-2030.xlsx"
    _workbook(new, "Table 1 Indirect (scope 2 and scope 3) emission factors ...", later)
    # The 2021 layout: one cell per grid, and a territory-wide row that is not the DKIS grid.
    earlier = [
        ["State or Territory ", "Emission factor"],
        ["New South Wales and the Australian Capital Territory", 0.79],
        ["Victoria", 0.96],
        ["Queensland", 0.8],
        ["South Australia", 0.35],
        ["South West Interconnected System (SWIS) in Western Australia", 0.68],
        ["North Western Interconnected System (NWIS) in Western Australia", 0.58],
        ["Darwin Katherine Interconnected System (DKIS) in the Northern Territory", 0.54],
        ["Tasmania", 0.16],
        ["Northern Territory", 0.57],
    ]
    old = tmp_path / "national-greenhouse-account-factors-2029.xlsx"
    title = "Table 5: Indirect (scope 2) emission factors for consumption of purchased electricity"
    _workbook(old, title, earlier)
    rows = list(csv.DictReader(script.render([new, old]).splitlines()))
    got = {(row["region"], row["edition"]): row["scope2_kg_co2e_per_kwh"] for row in rows}
    assert got[("AU-WA", "2030")] == "0.4"  # SWIS, not the Pilbara's NWIS
    assert got[("AU-NT", "2030")] == "0.3" and got[("AU-NT", "2029")] == "0.54"  # DKIS
    assert got[("AU-ACT", "2029")] == got[("AU-NSW", "2029")] == "0.79"
    assert {row["table"] for row in rows if row["edition"] == "2029"} == {"5"}
    assert len(rows) == 16
    broken = tmp_path / "national-greenhouse-account-factors-2031.xlsx"
    _workbook(broken, "Table 1 Indirect (scope 2 and scope 3) ...", later[:3])
    with pytest.raises(SystemExit, match="no row for AU-QLD"):
        script.render([broken])


def _evaluate(region: str, year: int):
    body = "  energy {\n    mix grid 100%\n  }\n"
    text = scenario_text(region=f'"{region}"', year=year, body=body)
    return evaluate(scendsl.load(text).get("base"))


def test_a_scenario_in_tasmania_and_one_in_victoria_use_their_own_state_figures() -> None:
    results = {code: _evaluate(code, 2024) for code in ("AU-TAS", "AU-VIC")}
    for code, result in results.items():
        expected = _g(GRID[code]["grid_intensity"]["2024"]) * G_PER_KWH
        assert result.value("energy.supply_intensity") == pytest.approx(expected), code
        assert result.value("energy.grid_intensity_fallback") is False, code
        assert "not lifecycle" in result.node("energy.supply_intensity").note
        assert "grid-intensity-fallback" not in {w.id for w in scenario_warnings(result)}, code
    tasmania, victoria = (results[c].value("energy.supply_intensity") for c in ("AU-TAS", "AU-VIC"))
    assert victoria > 3 * tasmania  # brown coal against hydro, one country


def test_the_fallback_warning_stays_where_no_state_figure_stands_behind_it() -> None:
    # Before the first edition read: the nearest edition, flagged as another year's figure.
    early = _evaluate("AU-TAS", 2019)
    assert early.value("energy.grid_intensity_fallback") is True
    assert "grid-intensity-fallback" in {w.id for w in scenario_warnings(early)}
    assert grid_intensity("AU-TAS", 2019).year_used == int(min(GRID["AU-TAS"]["grid_intensity"]))
    # A province without a published figure of its own still stands on its country's grid.
    island = grid_intensity("CA-PE", 2018)
    assert island.fallback and island.region_used == "CA"
    # Australia itself keeps the lifecycle series of every other country.
    assert "note" not in GRID["AU"]["grid_intensity"]["2023"]


def test_list_regions_shows_the_states_with_their_edition_years(capsys) -> None:
    assert main(["list", "regions", "--format", "json"]) == 0
    rows = {row["code"]: row for row in json.loads(capsys.readouterr().out)["rows"]}
    editions = sorted(GRID["AU-TAS"]["grid_intensity"])
    for code in STATES:
        assert editions[0] in str(rows[code]["grid_intensity"]), code
        assert editions[-1] in str(rows[code]["grid_intensity"]), code
    assert rows["AU-NT"]["name"] == "Northern Territory"


def test_a_state_without_its_own_per_person_figure_is_compared_with_its_countrys_people(
    tmp_path: Path,
) -> None:
    # The per-person figure of a state is its country's (grid.toml has none for a state): the
    # briefing said "people in Tasmania" of Australia's figure.
    body = "  energy {\n    mix grid 100%\n  }\n"
    path = tmp_path / "site.scn"
    path.write_text(scenario_text(region='"AU-TAS"', year=2024, body=body), encoding="utf-8")
    assert main(["build", "-o", str(tmp_path / "out"), str(path)]) == 0
    page = (tmp_path / "out" / "base.md").read_text(encoding="utf-8")
    country = "AU-TAS".split("-")[0]
    assert "AU-TAS" not in GRID or "per_capita_electricity" not in GRID["AU-TAS"]
    assert f"people in {region_reading_name(country)} (" in page
    assert f"people in {region_reading_name('AU-TAS')}" not in page
    energy = (tmp_path / "out" / "energy.md").read_text(encoding="utf-8")
    assert f"({region_reading_name(country)}) |" in energy
