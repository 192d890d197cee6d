"""Issue 13, "Household comparisons always use US homes": the homes a site's electricity equals
are the scenario's own country's (households.toml), named in the briefing; a subdivision takes
its country's and a region without a figure the stated default country's, each with a located
warning. Also the import script that writes households.toml.

Expected figures are read from the data file itself (tomllib), not from the model.
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

import pytest

import scendsl
from scendsl.app.build import render_files
from scendsl.model.evaluate import evaluate
from scendsl.report.listing import regions
from scendsl.report.warnings import scenario_warnings
from tests.factories import scenario_text

ROOT = Path(__file__).resolve().parent.parent
KWH = 3.6e6  # J
HOMES = tomllib.loads(files("scendsl.catalog").joinpath("households.toml").read_text("utf-8"))


def _kwh(region: str, year: int) -> float:
    return float(HOMES[region]["household_electricity"][str(year)]["value"].split()[0])


def _result(region: str, year: int):
    written = f'"{region}"' if "-" in region else region  # a subdivision code is quoted
    return evaluate(scendsl.load(scenario_text(region=written, year=year)).get("base"))


def _household_warnings(result):
    return [w for w in scenario_warnings(result) if w.id == "household-fallback"]


def test_french_homes_are_french_figures_not_us_homes():
    fr, us = _result("FR", 2023), _result("US", 2020)
    assert fr.value("energy.household_annual_energy") == pytest.approx(_kwh("FR", 2023) * KWH)
    assert us.value("energy.household_annual_energy") == pytest.approx(_kwh("US", 2020) * KWH)
    # A French home uses well under half a US one: the same site equals twice as many homes.
    assert _kwh("FR", 2023) < 0.6 * _kwh("US", 2020)
    homes = fr.value("energy.households_equivalent")
    energy = fr.value("energy.annual_energy")
    assert homes == pytest.approx(energy / (_kwh("FR", 2023) * KWH))
    assert homes > 1.6 * energy / (_kwh("US", 2020) * KWH)
    assert fr.value("energy.household_country") == "FR"  # the code a claim names
    assert fr.node("energy.household_country").label == "France"  # the name a sentence uses
    assert (
        "households.toml FR.household_electricity[2023]"
        in fr.node("energy.household_annual_energy").origin
    )
    assert fr.value("energy.household_fallback") is False
    assert _household_warnings(fr) == []


def test_chinese_homes_are_chinese_figures_not_us_homes():
    # China has no IEA end-use or UN household-size row: its figure is the national kind
    # (NEA residential electricity ÷ census households), so the site equals Chinese homes.
    cn = _result("CN", 2023)
    assert cn.value("energy.household_annual_energy") == pytest.approx(_kwh("CN", 2023) * KWH)
    assert cn.value("energy.household_country") == "CN"
    assert cn.node("energy.household_country").label == "China"
    assert cn.value("energy.household_fallback") is False
    assert _household_warnings(cn) == []
    assert (
        "households.toml CN.household_electricity[2023]"
        in cn.node("energy.household_annual_energy").origin
    )
    entry = HOMES["CN"]["household_electricity"]["2023"]
    assert entry["confidence"] == "C" and "census" in entry["note"].lower()
    # A Chinese home uses about a quarter of a US one: four times as many homes.
    homes = cn.value("energy.households_equivalent")
    assert homes > 3 * cn.value("energy.annual_energy") / (_kwh("US", 2021) * KWH)


def test_singapore_homes_are_the_ema_average_not_us_homes():
    # Singapore was on the US fallback: its homes are now the Energy Market Authority's average
    # household account, published per month, times 12.
    sg = _result("SG", 2022)
    assert sg.value("energy.household_annual_energy") == pytest.approx(_kwh("SG", 2022) * KWH)
    assert sg.value("energy.household_country") == "SG"
    assert sg.node("energy.household_country").label == "Singapore"
    assert sg.value("energy.household_fallback") is False
    assert _household_warnings(sg) == []
    entry = HOMES["SG"]["household_electricity"]["2022"]
    monthly = float(re.search(r"([\d.]+) kWh a month", entry["source"]).group(1))
    assert _kwh("SG", 2022) == round(monthly * 12)  # the monthly figure named, times 12
    assert entry["confidence"] == "B" and "Energy Market Authority" in entry["source"]
    # A Singapore home uses about half a US one: the same site equals twice as many homes.
    assert _kwh("SG", 2022) < 0.55 * _kwh("US", 2021)


def test_countries_once_on_the_us_fallback_have_their_own_homes():
    for region in ("CN", "IN", "SE", "DK", "TW", "SG", "TH", "MY", "PH", "KY"):
        assert region in HOMES, region
        result = _result(region, 2024)  # a later year: the latest own figure stands in
        assert result.value("energy.household_fallback") is False, region
        assert _household_warnings(result) == [], region
        assert result.value("energy.household_country") == region


def test_region_without_household_figure_warns_and_names_the_default_country():
    result = _result("BO", 2024)  # Bolivia: no household figure in households.toml
    assert "BO" not in HOMES
    default = HOMES["meta"]["default_region"]
    assert scendsl.catalog.load_catalog().regions[default].name == "United States"
    assert result.value("energy.household_country") == default
    assert result.node("energy.household_country").label == "the United States"  # as said
    latest = max(int(y) for y in HOMES[default]["household_electricity"])
    assert result.value("energy.household_annual_energy") == pytest.approx(
        _kwh(default, latest) * KWH
    )
    assert result.value("energy.household_fallback") is True
    node = result.node("energy.household_annual_energy")
    assert node.confidence == "C"  # another country's homes: a stand-in
    assert node.note.startswith("fallback: no household electricity use for Bolivia (BO)")
    (warning,) = _household_warnings(result)
    assert "homes in the United States" in warning.message
    assert "no household electricity use for Bolivia (BO)" in warning.message
    text = scenario_text(region="BO", year=2024)
    assert text.splitlines()[warning.span.line - 1].strip() == "region BO"  # located


def test_us_state_takes_its_country_homes_with_a_warning():
    result = _result("US-TX", 2021)
    assert result.value("energy.household_annual_energy") == pytest.approx(_kwh("US", 2021) * KWH)
    assert result.value("energy.household_country") == "US"
    (warning,) = _household_warnings(result)
    assert "no household electricity use for Texas (US-TX)" in warning.message


def test_a_later_year_of_the_region_own_figure_is_not_a_household_warning():
    result = _result("FR", 2027)  # the 2023 figure stands in: a comparison, labelled only
    assert result.value("energy.household_fallback") is False
    assert result.value("energy.household_annual_energy") == pytest.approx(_kwh("FR", 2023) * KWH)
    assert _household_warnings(result) == []
    ids = {w.id for w in scenario_warnings(result)}
    assert "extrapolated-year:energy.household_annual_energy" not in ids


def test_briefing_names_the_country_whose_homes_are_counted(tmp_path):
    for region in ("FR", "BO", "CN"):
        (tmp_path / f"{region}.scn").write_text(
            scenario_text(f"s{region}", region=region, year=2024),
            encoding="utf-8",
        )
    pages = render_files(sorted(str(p) for p in tmp_path.glob("*.scn")), samples=0)
    france, bolivia = pages["sFR.md"].decode(), pages["sBO.md"].decode()
    china = pages["sCN.md"].decode()
    assert "homes in France" in france and "United States" not in france
    assert "homes in China" in china and "homes in the United States" not in china
    assert "homes in the United States" in bolivia  # the default, named, never assumed
    assert "the household electricity use for Bolivia (BO) in 2024 is a stand-in" in bolivia
    # The key findings compare the site with the region's own people, not another country's
    # homes; France, with its own homes, keeps both comparisons.
    finding = next(line for line in bolivia.splitlines() if "The site draws" in line)
    assert "people in Bolivia" in finding and "homes" not in finding
    finding = next(line for line in france.splitlines() if "The site draws" in line)
    assert "people in France" in finding and "homes in France" in finding


def test_key_findings_leave_out_a_comparison_below_a_tenth_of_a_reactor(tmp_path):
    for name, count in (("small", 8), ("regional", "8k"), ("campus", "100k")):
        (tmp_path / f"{name}.scn").write_text(
            scenario_text(name, region="FR", year=2024, count=count), encoding="utf-8"
        )
    pages = render_files(sorted(str(p) for p in tmp_path.glob("*.scn")), samples=0)
    small, regional, campus = (
        next(line for line in pages[f"{n}.md"].decode().splitlines() if "The site draws" in line)
        for n in ("small", "regional", "campus")
    )
    assert "small modular reactors" not in small  # 8 accelerators: 0.00004 of one
    assert "small modular reactors" not in regional  # 8k accelerators: a few hundredths
    assert "small modular reactors" in campus


def test_list_regions_shows_which_regions_have_a_household_figure():
    listing = regions()
    rows = {row["code"]: row for row in listing.rows}
    assert rows["FR"]["household_electricity"] is not None
    assert rows["IN"]["household_electricity"] is not None  # the national kind
    assert rows["BO"]["household_electricity"] is None
    assert any(c.key == "household_electricity" for c in listing.columns)


# --- the import script -------------------------------------------------------------------


def _hand_copied(name: str) -> list[dict[str, str]]:
    with (ROOT / "scripts" / "data" / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize(
    "name", ["household_electricity_published.csv", "household_electricity_national.csv"]
)
def test_households_toml_was_written_from_the_committed_hand_copied_table(name):
    # The TOML records the sha256 of each input: a row added to a table without rerunning the
    # import (or a TOML edited by hand after it) shows here.
    text = files("scendsl.catalog").joinpath("households.toml").read_text("utf-8")
    digest = hashlib.sha256((ROOT / "scripts" / "data" / name).read_bytes()).hexdigest()
    assert f"# Input: {name} (sha256 {digest})" in text


def test_every_published_average_is_in_households_toml_with_its_source_and_grade():
    for row in _hand_copied("household_electricity_published.csv"):
        assert all(row[k].strip() for k in ("source", "read_in", "confidence")), row
        entry = HOMES[row["region"]]["household_electricity"][row["year"]]
        assert entry["value"] == f"{float(row['value_kwh']):.0f} kWh"
        assert entry["source"] == row["source"] and entry["confidence"] == row["confidence"]
        assert entry["note"].endswith(f"read in {row['read_in']}")


def _script():
    path = ROOT / "scripts" / "import_household_electricity.py"
    spec = importlib.util.spec_from_file_location("import_household_electricity", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _inputs(tmp_path: Path, published_rows: list[list[str]]) -> list[str]:
    iea = {
        "countries": {
            "France": {
                "Residential": {
                    "2022": {"Total residential": {"products": {"Electricity (PJ)": 36.0}}}
                }
            },
            "Kosovo": {
                "Residential": {
                    "2022": {"Total residential": {"products": {"Electricity (PJ)": 1.0}}}
                }
            },
            "Germany": {
                "Residential": {
                    "2022": {"Total residential": {"products": {"Electricity (PJ)": 72.0}}}
                }
            },
        }
    }
    (tmp_path / "iea.json").write_text(json.dumps(iea), encoding="utf-8")
    (tmp_path / "size.csv").write_text(
        "Country or area,ISO Code,Data source category,Reference date (dd/mm/yyyy),"
        "Average household size (number of members)\n"
        "France,250,LFS,1/7/99,4\n"
        "France,250,DYB,1/7/15,2\n"  # the latest date wins over the earlier one
        "Germany,276,DYB,1/7/11,2.5\n",
        encoding="utf-8",
    )
    (tmp_path / "pop.csv").write_text(
        "Country Name,Country Code,Year,Value\nFrance,FRA,2022,10000000\n"
        "Germany,DEU,2022,25000000\n",
        encoding="utf-8",
    )
    with (tmp_path / "published.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["region", "year", "value_kwh", "source", "read_in", "confidence", "note"])
        writer.writerows(published_rows)
    return [
        "--iea", str(tmp_path / "iea.json"),
        "--household-size", str(tmp_path / "size.csv"),
        "--population", str(tmp_path / "pop.csv"),
        "--published", str(tmp_path / "published.csv"),
        "--default-region", "DE",
        "--out", str(tmp_path / "out.toml"),
    ]  # fmt: skip


def test_import_divides_residential_electricity_by_households(tmp_path):
    published = [["DE", "2022", "3100", "Destatis", "destatis.de", "A", ""]]
    assert _script().main(_inputs(tmp_path, published)) == 0
    data = tomllib.loads((tmp_path / "out.toml").read_text(encoding="utf-8"))
    # 36 PJ = 10 TWh over 10 M people / 2 a household = 5 M households: 2,000 kWh each.
    fr = data["FR"]["household_electricity"]["2022"]
    assert fr["value"] == "2000 kWh" and fr["confidence"] == "C"
    assert "DYB of 01/07/2015" in fr["note"]
    # A published average replaces the derived one (which would be 72 PJ / 10 M = 2,000).
    assert data["DE"]["household_electricity"]["2022"]["value"] == "3100 kWh"
    assert data["meta"]["default_region"] == "DE"
    assert "XK" not in data and "Kosovo" in (tmp_path / "out.toml").read_text(encoding="utf-8")


def test_import_refuses_a_published_row_without_its_source(tmp_path):
    published = [["DE", "2022", "3100", "", "destatis.de", "A", ""]]
    with pytest.raises(SystemExit, match="missing source"):
        _script().main(_inputs(tmp_path, published))


def test_every_national_row_is_in_households_toml_with_both_parts_cited():
    for row in _hand_copied("household_electricity_national.csv"):
        assert bool(row["households"].strip()) != bool(row["household_size"].strip()), row
        entry = HOMES[row["region"]]["household_electricity"][row["year"]]
        source = f"derived: {row['residential_source']} ÷ {row['households_source']}"
        assert entry["source"] == source and entry["confidence"] == "C"
        assert f"read in {row['households_read_in']}" in entry["note"]
        if row["residential_kwh"].strip():  # else the IEA figure, cited by the import itself
            assert f"read in {row['residential_read_in']}" in entry["note"]
        else:
            assert "IEA Energy End-uses" in entry["note"]


NATIONAL_HEADER = [
    "region", "year", "residential_kwh", "residential_source", "residential_read_in",
    "households", "household_size", "households_source", "households_read_in", "note",
]  # fmt: skip


def _with_national(tmp_path: Path, args: list[str], rows: list[list[str]]) -> list[str]:
    with (tmp_path / "national.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(NATIONAL_HEADER)
        writer.writerows(rows)
    return [*args, "--national", str(tmp_path / "national.csv")]


def test_import_national_total_divided_by_census_households(tmp_path):
    rows = [
        # A country without IEA or UN rows: 1,000 TWh over 500 M census households.
        ["CN", "2020", "1000000000000", "NEA", "xinhua", "500000000", "", "census", "nbs", ""],
        # An IEA country without a UN size: the IEA total over the population ÷ a national
        # size (36 PJ = 10 TWh; 10 M people / 4 = 2.5 M households: 4,000 kWh, not 2,000).
        ["FR", "2022", "", "IEA", "the IEA input", "", "4", "INSEE", "insee.fr", "a note"],
    ]
    args = _with_national(tmp_path, _inputs(tmp_path, []), rows)
    assert _script().main(args) == 0
    text = (tmp_path / "out.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    cn = data["CN"]["household_electricity"]["2020"]
    assert cn["value"] == "2000 kWh" and cn["confidence"] == "C"
    assert "1,000 TWh" in cn["note"] and "500.00 million households (census" in cn["note"]
    assert data["CN"]["name"] == "China"
    fr = data["FR"]["household_electricity"]
    assert fr["2022"]["value"] == "4000 kWh"  # the national parts replace the IEA/UN series
    assert (
        "36.00 PJ" in fr["2022"]["note"] and "÷ 4 members a household (INSEE" in fr["2022"]["note"]
    )
    assert fr["2022"]["note"].endswith("; a note")
    assert "# Input: national.csv (sha256" in text
    assert "misses the country (CN, FR)" in text


def test_import_published_average_replaces_national_parts(tmp_path):
    rows = [["DE", "2022", "", "IEA", "the IEA input", "10000000", "", "Destatis", "x", ""]]
    published = [["DE", "2022", "3100", "Destatis", "destatis.de", "A", ""]]
    args = _with_national(tmp_path, _inputs(tmp_path, published), rows)
    assert _script().main(args) == 0
    data = tomllib.loads((tmp_path / "out.toml").read_text(encoding="utf-8"))
    assert data["DE"]["household_electricity"]["2022"]["value"] == "3100 kWh"


@pytest.mark.parametrize(
    ("households", "size", "message"),
    [("5", "2", "exactly one of households, household_size"), ("", "", "exactly one")],
)
def test_import_refuses_a_national_row_without_one_household_measure(
    tmp_path, households, size, message
):
    rows = [["CN", "2020", "1e12", "NEA", "x", households, size, "census", "nbs", ""]]
    args = _with_national(tmp_path, _inputs(tmp_path, []), rows)
    with pytest.raises(SystemExit, match=message):
        _script().main(args)


def test_import_refuses_a_national_row_without_a_residential_figure(tmp_path):
    rows = [["CN", "2020", "", "NEA", "x", "5", "", "census", "nbs", ""]]  # no IEA row for CN
    args = _with_national(tmp_path, _inputs(tmp_path, []), rows)
    with pytest.raises(SystemExit, match="no residential_kwh and no IEA figure for CN"):
        _script().main(args)


def test_sentences_name_a_country_as_running_text_does(tmp_path):
    # They read "people in Iran, Islamic Republic of", "homes in United States" and "the
    # jurisdiction of United States": ISO names, written for lists, in the middle of sentences.
    codes = ("IR", "KR", "BO", "US")
    for region in codes:
        (tmp_path / f"{region}.scn").write_text(
            scenario_text(f"s{region}", region=region, year=2024), encoding="utf-8"
        )
    pages = render_files(sorted(str(p) for p in tmp_path.glob("*.scn")), samples=0)
    iran, korea, bolivia, us = (pages[f"s{code}.md"].decode() for code in codes)
    assert "people in Iran (" in iran and "Islamic Republic" not in iran
    assert "people in South Korea (" in korea and "Korea, Republic of" not in korea
    assert "homes in the United States" in bolivia
    assert "jurisdiction of the United States (US)" in us
    assert "largest business city of Iran (IR)" in iran


@pytest.mark.parametrize(
    ("written", "code"),
    [("Iran", "IR"), ("South Korea", "KR"), ("Russia", "RU"), ("Vietnam", "VN")],
)
def test_a_country_written_by_its_common_name_gets_its_code(written, code):
    # Only ISO names were matched: "Russia" is not close enough to "Russian Federation".
    from scendsl.language.values import region_code_hint

    assert region_code_hint(written).startswith(f"did you mean '{code}'")


#: Every country's household years and the publisher of its residential total, as committed: a
#: rerun of the import on new inputs may add to this, never silently drop a country, a year or
#: change whose figure it is. Dropping one on purpose means editing this table in the same change.
KEPT_HOUSEHOLD_SERIES: dict[str, tuple[set[int], str]] = {
    **dict.fromkeys(["BY"], ({2019}, "IEA Energy End-uses")),
    **dict.fromkeys(["HK"], ({2019, 2020, 2021}, "IEA Energy End-uses")),
    **dict.fromkeys("AR CO LU UY ZA".split(), ({2019, 2020, 2021, 2022}, "IEA Energy End-uses")),
    **dict.fromkeys(
        "AL AM AT AU AZ BA BE BG BR CA CH CL CY CZ DE EE ES FI FR GB GE GR HR HU IE IT JP KG KR"
        " KZ LT LV MA MD MK MT MX NL NO NZ PL PT RO RS SI SK TR UA".split(),
        ({2019, 2020, 2021, 2022, 2023}, "IEA Energy End-uses"),
    ),
    "TW": ({2019, 2021}, "IEA Energy End-uses"),
    "SE": ({2021, 2022, 2023}, "IEA Energy End-uses"),
    "DK": ({2022}, "IEA Energy End-uses"),
    "CN": ({2020, 2023}, "China National Energy Administration"),
    "PH": ({2019}, "Department of Energy (Philippines)"),
    "MY": ({2019, 2020, 2021, 2022, 2023}, "Energy Commission (Suruhanjaya Tenaga)"),
    "SG": ({2019, 2020, 2021, 2022}, "Energy Market Authority (Singapore)"),
    "KY": ({2023}, "Caribbean Utilities Company (CUC)"),
    "TH": ({2019, 2020, 2021, 2022, 2023, 2024}, "Energy Policy and Planning Office (EPPO"),
    "ID": ({2020, 2022}, "PLN (Perusahaan Listrik Negara)"),
    "PK": ({2022}, "Pakistan Economic Survey"),
    "US": ({2019, 2020, 2021, 2022, 2023}, "US EIA"),
    "IN": ({2023, 2024}, "domestic consumers"),
    **dict.fromkeys("CR EG IL IS KE".split(), ({2021}, "IEA World Energy Balances Highlights")),
}


@pytest.mark.parametrize("code", sorted(KEPT_HOUSEHOLD_SERIES))
def test_no_import_drops_a_household_country_year_or_source(code):
    years, publisher = KEPT_HOUSEHOLD_SERIES[code]
    series = HOMES[code]["household_electricity"]
    assert {int(y) for y in series} >= years, code
    for year in years:
        figure = series[str(year)]
        assert publisher in figure["source"], (code, year)
        assert figure["confidence"] in ("A", "B", "C") and figure["note"].strip(), (code, year)
        assert float(figure["value"].removesuffix(" kWh")) > 0, (code, year)
        if figure["source"].startswith("derived"):
            assert figure["confidence"] == "C", (code, year)  # our own division is never better


def test_households_toml_counts_its_countries_and_keeps_every_kept_one():
    countries = {code for code in HOMES if code != "meta"}
    assert HOMES["meta"]["countries"] == len(countries)
    assert countries >= set(KEPT_HOUSEHOLD_SERIES)


def test_households_toml_is_the_import_rerun_on_the_committed_inputs(tmp_path):
    # Every input the figures come from is committed (scripts/data), so the import can be rerun
    # here: any country, year, source or note it would now write differently, or drop, shows
    # as a difference from the committed file.
    data = ROOT / "scripts" / "data"
    out = tmp_path / "households.toml"
    argv = [
        "--iea", str(data / "iea_eeei_residential_electricity.json"),
        "--household-size", str(data / "undesa_household_size_2022.csv"),
        "--population", str(data / "worldbank_population_2015_on.csv"),
        "--published", str(data / "household_electricity_published.csv"),
        "--national", str(data / "household_electricity_national.csv"),
        "--out", str(out),
    ]  # fmt: skip
    assert _script().main(argv) == 0
    committed = files("scendsl.catalog").joinpath("households.toml").read_text("utf-8")
    assert out.read_text(encoding="utf-8") == committed


def test_household_extracts_keep_what_the_import_reads_of_the_full_files(tmp_path):
    path = ROOT / "scripts" / "extract_household_inputs.py"
    spec = importlib.util.spec_from_file_location("extract_household_inputs", path)
    extract = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(extract)
    full = {
        "metadata": {"sources": ["IEA"]},
        "countries": {
            "France": {
                "Industry": {"2022": {}},
                "Residential": {
                    "2021": {"Total residential": {"products": {"Gas (PJ)": 9.0}}},
                    "2022": {
                        "Lighting": {"products": {"Total final use (PJ)": 1.0}},
                        "Total residential": {
                            "products": {"Gas (PJ)": 9.0, "Electricity (PJ)": 36.0}
                        },
                    },
                },
            }
        },
    }
    kept = extract.iea_extract(full)
    assert kept["metadata"] == full["metadata"]
    assert kept["countries"]["France"] == {
        "Residential": {"2022": {"Total residential": {"products": {"Electricity (PJ)": 36.0}}}}
    }
    population = "Country Name,Country Code,Year,Value\nFrance,FRA,2014,1\nFrance,FRA,2015,2\n"
    assert extract.population_extract(population).splitlines()[1:] == ["France,FRA,2015,2"]


def test_a_figure_where_access_to_electricity_is_far_from_universal_says_over_which_homes():
    # Kenya: a quarter of people without electricity in 2021. Its figure, like every one in the
    # file, is over all households; the note says so and gives the access rate with its source,
    # so a reader does not take it for an electrified home's use.
    note = HOMES["KE"]["household_electricity"]["2021"]["note"]
    assert "over all households, electrified or not" in note
    assert "76.5 %" in note and "EG.ELC.ACCS.ZS" in note
    kenya = _result("KE", 2024)
    assert kenya.value("energy.household_fallback") is False
    assert kenya.value("energy.household_annual_energy") == pytest.approx(_kwh("KE", 2021) * KWH)
    assert _household_warnings(kenya) == []
