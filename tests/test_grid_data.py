"""Regional grid data: the generated catalog files, their loader and the scripts that write them."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import subprocess
import sys
import tomllib
from importlib.resources import files
from pathlib import Path
from types import ModuleType

import pytest

from scendsl.catalog.grid import (
    electricity_price,
    grid_intensity,
    is_region_code,
    per_capita_electricity,
    region_name,
    regions_with,
)
from scendsl.language.units import quantity_from_text

ROOT = Path(__file__).resolve().parent.parent
CONFIDENCE = re.compile(r"^[ABCU](/[ABCU])?$")
EU = "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE".split()
REQUIRED = EU + ("GB NO CH US CA MX BR CN TW JP KR IN SG MY ID TH VN AE SA QA IL AU NZ ZA".split())
SERIES_DIMENSION = {
    "grid_intensity": "carbon_intensity",
    "per_capita_electricity": "energy",
    "industrial_price": "energy_price",
    "large_industrial_price": "energy_price",
    "commercial_price": "energy_price",
}


def _toml(name: str) -> dict:
    return tomllib.loads(files("scendsl.catalog").joinpath(name).read_text(encoding="utf-8"))


def _script(name: str) -> ModuleType:
    path = ROOT / "scripts" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def _figures(data: dict):
    for code, entry in data.items():
        if code == "meta":
            continue
        for series, years in entry.items():
            if series in SERIES_DIMENSION:
                for year, figure in years.items():
                    yield code, series, year, figure


# --- the committed data ------------------------------------------------------------------------


@pytest.mark.parametrize("file", ["grid.toml", "electricity_prices.toml", "commercial_prices.toml"])
def test_every_figure_has_a_source_a_confidence_and_a_unit_of_its_dimension(file: str) -> None:
    data = _toml(file)
    count = 0
    for code, series, year, figure in _figures(data):
        where = f"{file} {code}.{series}.{year}"
        assert figure["source"].strip(), where
        assert CONFIDENCE.match(figure["confidence"]), where
        assert quantity_from_text(figure["value"])[1] == SERIES_DIMENSION[series], where
        count += 1
    assert count > 100
    assert data["meta"]["dataset"].strip()  # the release the figures come from


def test_grid_intensity_covers_sixty_countries_including_every_required_one_from_2019() -> None:
    data = _toml("grid.toml")
    countries = {c for c in data if len(c) == 2 and "grid_intensity" in data[c]}
    assert len(countries) >= 60
    missing = [c for c in REQUIRED if c not in countries]
    assert not missing
    for code in REQUIRED:
        years = [int(y) for y in data[code]["grid_intensity"]]
        assert years[0] == 2019 and years[-1] >= 2023, code


@pytest.mark.parametrize("file", ["grid.toml", "electricity_prices.toml"])
def test_year_keys_increase_and_intensity_years_have_no_gaps(file: str) -> None:
    # Price years may have gaps (Eurostat withholds confidential bands); intensity years do not.
    for code, entry in _toml(file).items():
        for series, years in entry.items():
            if series in SERIES_DIMENSION:
                keys = [int(y) for y in years]
                assert keys == sorted(set(keys)), f"{code}.{series}"
                if series == "grid_intensity":
                    assert keys == list(range(keys[0], keys[-1] + 1)), f"{code}.{series}"


def test_every_key_is_an_iso_3166_code_or_a_named_series() -> None:
    for file in ("grid.toml", "electricity_prices.toml"):
        for code in _toml(file):
            assert code in {"meta", "WORLD", "EU27"} or is_region_code(code), f"{file}: {code}"


def test_intensities_are_within_physical_bounds() -> None:
    for code, series, year, figure in _figures(_toml("grid.toml")):
        if series == "grid_intensity":
            value = float(figure["value"].split()[0])
            assert 0 <= value <= 1500, f"{code} {year}: {value}"


def test_french_grid_is_several_times_cleaner_than_the_german_one_every_year() -> None:
    for year in range(2019, 2025):
        fr, de = grid_intensity("FR", year), grid_intensity("DE", year)
        assert not fr.fallback and not de.fallback
        assert fr.value * 3 < de.value, year


def test_prices_are_positive_and_us_states_use_iso_3166_2_codes() -> None:
    data = _toml("electricity_prices.toml")
    for code, _series, year, figure in _figures(data):
        value = float(figure["value"].split()[0])
        assert 10 < value < 1000, f"{code} {year}: {value}"
    states = [c for c in data if c.startswith("US-")]
    assert len(states) >= 50 and all(is_region_code(c) for c in states)


# --- the loader --------------------------------------------------------------------------------


def test_a_country_and_year_with_a_figure_is_not_a_fallback() -> None:
    fig = grid_intensity("fr", 2024)
    assert (fig.region, fig.year_used, fig.region_used, fig.fallback) == ("FR", 2024, "FR", False)
    assert fig.unit == "gCO2/kWh" and fig.source and fig.confidence == "A" and fig.reason is None


def test_a_year_past_the_data_carries_the_last_figure_forward_as_a_fallback() -> None:
    last = grid_intensity("FR", 2024)
    fig = grid_intensity("FR", 2031)
    assert fig.fallback and fig.year_used == 2024 and fig.value == last.value
    assert "no 2031 figure; 2024 used" in fig.reason
    early = grid_intensity("FR", 2010)
    assert early.fallback and early.year_used == 2019


def test_a_country_without_a_figure_gets_the_world_average_flagged() -> None:
    fig = grid_intensity("AQ", 2023)  # Antarctica: a valid code, no grid
    assert fig.fallback and fig.region_used == "WORLD" and fig.value is not None
    assert "no grid carbon intensity for Antarctica (AQ)" in fig.reason


@pytest.mark.parametrize("bad", ["", "ZZ", "France", "US-ZZ", "12", "  "])
def test_an_unknown_code_never_raises_and_says_why(bad: str) -> None:
    fig = grid_intensity(bad, 2024)
    assert fig.fallback and fig.region_used == "WORLD"
    assert "not an ISO 3166" in fig.reason
    price = electricity_price(bad, 2024)
    assert price.fallback and price.value is None and price.reason


def test_a_state_without_a_price_falls_back_to_its_country_never_to_another_country() -> None:
    state = electricity_price("US-TX", 2023)
    assert not state.fallback and state.value == pytest.approx(66.0)
    wy = electricity_price("US-WY", 2023)  # not in the EIA excerpt
    assert (
        wy.fallback
        and wy.region_used == "US"
        and "the United States (US) used instead" in wy.reason
    )
    kp = electricity_price("KP", 2023)  # neither an industrial price nor a commercial tariff
    assert kp.fallback and kp.value is None and kp.source is None
    hk = electricity_price("HK", 2023)  # a stand-in, but Hong Kong's own
    assert hk.fallback and hk.region_used == "HK" and hk.series == "commercial_price"


def test_large_band_prices_are_lower_than_the_mid_size_band_where_both_exist() -> None:
    mid, large = electricity_price("DE", 2023), electricity_price("DE", 2023, large=True)
    assert not mid.fallback and not large.fallback and large.value < mid.value


def test_per_capita_electricity_and_names_come_from_the_data_and_pycountry() -> None:
    fig = per_capita_electricity("NO", 2023)
    assert not fig.fallback and fig.value > 10_000  # Norway: hydro, electric heating
    assert region_name("US-TX") == "Texas" and region_name("gb") == "United Kingdom"
    assert region_name("ZZ") is None
    assert {"FR", "IN", "US-TX"} <= regions_with("grid_intensity")
    assert {"FR", "US", "US-VA"} <= regions_with("industrial_price")


# --- the import scripts ------------------------------------------------------------------------

GRAPHER = (
    "Entity,Code,Year,Carbon intensity of electricity - gCO2/kWh\n"
    "Africa,,2019,574.4\n"
    "European Union (27),,2019,287.26\n"
    "France,FRA,2018,61.0\n"
    "France,FRA,2019,59.78751\n"
    "France,FRA,2020,59.08005\n"
    "Kosovo,OWID_KOS,2019,900\n"
    "Germany,DEU,2019,392.49112\n"
    "World,OWID_WRL,2019,505.46906\n"
)


def test_grid_import_of_a_grapher_download_writes_the_expected_toml(tmp_path: Path) -> None:
    script = _script("import_grid_data")
    src = tmp_path / "carbon-intensity-electricity.csv"
    src.write_text(GRAPHER, encoding="utf-8")
    rows = script.read_owid(src, script.INTENSITY_COLUMNS, required=True)
    text = script.build_toml(rows, [], {}, dataset="fixture v1", inputs=[("f.csv", "abc")])
    src_line = f"source = '{script.INTENSITY_SOURCE}', confidence = 'A'"
    body = text[text.index("[meta]") :]
    assert body == (
        "[meta]\ndataset = 'fixture v1'\nfirst_year = 2019\nlast_year = 2020\ncountries = 2\n"
        "us_states = 0\ncn_provinces = 0\nca_provinces = 0\nau_states = 0\n\n"
        "[EU27]\nname = 'European Union (27)'\n\n[EU27.grid_intensity]\n"
        f"'2019' = {{ value = '287.3 gCO2/kWh', {src_line} }}\n\n"
        "[WORLD]\nname = 'World'\n\n[WORLD.grid_intensity]\n"
        f"'2019' = {{ value = '505.5 gCO2/kWh', {src_line} }}\n\n"
        "[DE]\nname = 'Germany'\n\n[DE.grid_intensity]\n"
        f"'2019' = {{ value = '392.5 gCO2/kWh', {src_line} }}\n\n"
        "[FR]\nname = 'France'\n\n[FR.grid_intensity]\n"
        f"'2019' = {{ value = '59.8 gCO2/kWh', {src_line} }}\n"
        f"'2020' = {{ value = '59.1 gCO2/kWh', {src_line} }}\n"
    )
    assert "# Data set: fixture v1" in text and "# Input: f.csv (sha256 abc)" in text
    assert "Skipped input codes (not ISO 3166-1): Africa, OWID_KOS." in text


def test_grid_import_command_reads_the_full_owid_file_and_us_states(tmp_path: Path) -> None:
    owid = tmp_path / "owid-energy-data.csv"
    owid.write_text(
        "country,year,iso_code,population,carbon_intensity_elec,per_capita_electricity\n"
        "India,2023,IND,1,713.013,1426.7\n"
        "India,2024,IND,1,708.3,\n",
        encoding="utf-8",
    )
    states = tmp_path / "usa_emissions.json"
    states.write_text(
        json.dumps(
            {
                "_unit": {"emissions": "lbs/MWh"},
                "_source": {"name": "eGRID", "year": 2023},
                "texas": {"emissions": 1000.0, "regionCode": "TX"},
                "usa": {"emissions": 800.0, "regionCode": "usa"},
            }
        ),
        encoding="utf-8",
    )
    out = tmp_path / "grid.toml"
    command = [
        sys.executable,
        str(ROOT / "scripts" / "import_grid_data.py"),
        str(owid),
        "--us-states",
        str(states),
        "--dataset",
        "fixture",
        "--out",
        str(out),
    ]
    subprocess.run(command, check=True, capture_output=True)
    first = out.read_bytes()
    data = tomllib.loads(first.decode())
    assert data["IN"]["grid_intensity"]["2024"]["value"] == "708.3 gCO2/kWh"
    assert data["IN"]["per_capita_electricity"] == {
        "2023": {
            "value": "1427 kWh",
            "source": data["IN"]["per_capita_electricity"]["2023"]["source"],
            "confidence": "A",
        },
    }
    assert data["US-TX"]["name"] == "Texas"
    assert data["US-TX"]["grid_intensity"]["2023"]["value"] == "453.6 gCO2/kWh"  # 1000 lb/MWh
    assert "usa" not in data and data["meta"]["us_states"] == 1
    digest = hashlib.sha256(owid.read_bytes()).hexdigest()
    assert f"# Input: owid-energy-data.csv (sha256 {digest})" in first.decode()
    subprocess.run(command, check=True, capture_output=True)
    assert out.read_bytes() == first  # deterministic


def test_price_import_averages_half_years_converts_at_ecb_rates_and_skips_gaps(
    tmp_path: Path,
) -> None:
    script = _script("import_electricity_prices")
    wide = tmp_path / "wide.csv"
    wide.write_text(
        ",geo,add_formal_time,nrg_cons,I_TAX,X_TAX,X_VAT\n"
        "0,FR,2023-01-01,MWH2000-19999,0.3,0.05,0.1\n"
        "1,FR,2023-07-01,MWH2000-19999,0.3,0.05,0.2\n"
        "2,FR,2023-07-01,MWH20-499,0.3,0.05,0.9\n"  # band not kept
        "3,CY,2023-01-01,MWH70000-149999,0.0,0.0,0.0\n"  # confidential: skipped
        "4,EA,2023-01-01,MWH2000-19999,0.3,0.05,0.1\n",  # aggregate: skipped
        encoding="utf-8",
    )
    long = tmp_path / "long.csv"
    long.write_text(
        "DATAFLOW,freq,product,nrg_cons,unit,tax,currency,geo,TIME_PERIOD,OBS_VALUE\n"
        "x,S,6000,MWH70000-149999,KWH,X_VAT,EUR,EL,2023-S2,0.08\n"
        "x,S,6000,MWH70000-149999,KWH,I_TAX,EUR,EL,2023-S2,0.5\n",
        encoding="utf-8",
    )
    ecb = tmp_path / "eurofxref-hist.csv"
    ecb.write_text("Date,USD,JPY\n2023-12-29,1.2,150\n2023-01-02,1.0,140\n2022-06-01,N/A,1\n")
    eia = tmp_path / "eia.csv"
    eia.write_text(
        "region,year,cents_per_kwh,source,confidence,note\nUS-TX,2023,6.60,EIA table,A,\n",
        encoding="utf-8",
    )
    eurostat = script.read_eurostat(wide)
    for key, years in script.read_eurostat(long).items():
        eurostat[key] = years
    text = script.build_toml(
        eurostat, script.read_ecb_usd(ecb), script.read_eia(eia), dataset="fixture", inputs=[]
    )
    data = tomllib.loads(text)
    fr = data["FR"]["industrial_price"]["2023"]
    assert fr["value"] == "165.0 USD/MWh"  # mean(0.1, 0.2) EUR/kWh * 1.1 USD/EUR
    assert fr["confidence"] == "B" and "nrg_pc_205" in fr["source"]
    assert "S1 0.1000 and S2 0.2000" in fr["note"] and "1.1000 USD/EUR" in fr["note"]
    gr = data["GR"]["large_industrial_price"]["2023"]
    assert gr["value"] == "88.0 USD/MWh" and "one half-year only" in gr["note"]
    assert "CY" not in data and "EA" not in data
    assert data["US-TX"]["industrial_price"]["2023"]["value"] == "66.0 USD/MWh"
    assert data["meta"]["countries"] == 2 and data["meta"]["us_states"] == 1


def test_price_import_refuses_a_hand_copied_row_without_a_source(tmp_path: Path) -> None:
    script = _script("import_electricity_prices")
    eia = tmp_path / "eia.csv"
    eia.write_text("region,year,cents_per_kwh,source,confidence,note\nUS-TX,2023,6.6,,A,\n")
    with pytest.raises(SystemExit, match="no source"):
        script.read_eia(eia)
    eia.write_text("region,year,cents_per_kwh,source,confidence,note\nUS-XX,2023,6.6,EIA,A,\n")
    with pytest.raises(SystemExit, match="not an ISO 3166 code"):
        script.read_eia(eia)


NATIONAL_HEADER = "region,year,series,value,currency,per,measure,source,read_in,confidence,note\n"


def test_price_import_converts_national_figures_at_ecb_cross_rates_and_sourced_rates(
    tmp_path: Path,
) -> None:
    script = _script("import_electricity_prices")
    ecb = tmp_path / "eurofxref-hist.csv"
    # Two days: USD/KRW cross rates 1.1/1400 and 1.0/1300; their mean is the rate used.
    ecb.write_text("Date,USD,KRW,\n2023-01-02,1.1,1400,\n2023-06-01,1.0,1300,\n")
    asia = tmp_path / "national_prices_asia.csv"
    asia.write_text(
        NATIONAL_HEADER
        + "KR,2023,industrial_price,153.7,KRW,kWh,average sales price,KEPCO,a news page,B,\n"
        + "TW,2024,large_industrial_price,4.29,TWD,kWh,average price,MOEA,MOEA,A,from October\n"
        + "IN-WB,2025,large_industrial_price,88,USD,MWh,tariff,CEA,CEA,A,\n",
        encoding="utf-8",
    )
    rates = tmp_path / "exchange_rates.csv"
    rates.write_text(
        "currency,year,per_usd,source,note\nTWD,2024,32.0,central bank annual mean,\n",
        encoding="utf-8",
    )
    cross = script.read_ecb_cross_rates(ecb)
    assert cross[2023]["KRW"] == pytest.approx((1.1 / 1400 + 1.0 / 1300) / 2)
    text = script.build_toml(
        {},
        {},
        [],
        dataset="fixture",
        inputs=[],
        national=script.read_national([asia]),
        usd_per_unit=cross,
        rates=script.read_rates(rates),
    )
    data = tomllib.loads(text)
    kr = data["KR"]["industrial_price"]["2023"]
    assert kr["value"] == f"{153.7 * 1000 * cross[2023]['KRW']:.1f} USD/MWh"
    assert kr["source"] == "KEPCO" and kr["confidence"] == "B"
    assert kr["note"].startswith("average sales price; 153.7 KRW/kWh = 153,700.0 KRW/MWh")
    assert "ECB reference rates, 2023 mean" in kr["note"] and "read in a news page" in kr["note"]
    tw = data["TW"]["large_industrial_price"]["2024"]
    assert tw["value"] == "134.1 USD/MWh"  # 4290 TWD/MWh / 32 TWD per USD
    assert "32.0000 TWD per USD (central bank annual mean)" in tw["note"]
    assert tw["note"].endswith("; from October")
    assert data["IN-WB"]["large_industrial_price"]["2025"]["value"] == "88.0 USD/MWh"
    assert data["meta"]["countries"] == 2 and data["meta"]["us_states"] == 0  # IN-WB is not


def test_price_import_refuses_a_national_row_without_a_source_a_rate_or_twice(
    tmp_path: Path,
) -> None:
    script = _script("import_electricity_prices")
    table = tmp_path / "national_prices_x.csv"
    row = "JP,2023,industrial_price,20,JPY,kWh,average,METI,{read_in},A,\n"
    table.write_text(NATIONAL_HEADER + row.format(read_in=""), encoding="utf-8")
    with pytest.raises(SystemExit, match=r"national_prices_x\.csv:2: JP 2023 has no read_in"):
        script.read_national([table])
    table.write_text(NATIONAL_HEADER + row.format(read_in="METI") * 2, encoding="utf-8")
    with pytest.raises(SystemExit, match=":3: JP industrial_price 2023 already in"):
        script.read_national([table])
    table.write_text(NATIONAL_HEADER + row.format(read_in="METI"), encoding="utf-8")
    rows = script.read_national([table])
    with pytest.raises(SystemExit, match="JP 2023: no 2023 rate for JPY"):
        script.build_toml({}, {}, [], dataset="x", inputs=[], national=rows)
    eia = [dict(region="JP", year="2023", cents_per_kwh="9", source="s", confidence="A", note="")]
    with pytest.raises(SystemExit, match="Eurostat or the EIA already gives it"):
        script.build_toml({}, {}, eia, dataset="x", inputs=[], national=rows)
    table.write_text(
        NATIONAL_HEADER + row.format(read_in="METI").replace(",20,", ",n/a,"), encoding="utf-8"
    )
    with pytest.raises(SystemExit, match=":2: year and value must be positive numbers"):
        script.read_national([table])
    table.write_text(NATIONAL_HEADER.replace("read_in,", ""), encoding="utf-8")
    with pytest.raises(SystemExit, match="columns must be"):
        script.read_national([table])


# --- industrial prices: coverage and the Eurostat TSV extract -----------------------------------

#: Eurostat nrg_pc_205 publishes band ID for these non-EU countries (UA to 2021, GB to 2020-S1).
EUROSTAT_OTHERS = "NO IS AL BA GE MD ME MK RS TR UA GB".split()
#: Required by issue 13 but without an industrial price in the catalog: none since BloombergNEF's
#: Climatescope series (grade C) prices every required country no primary source covers. The
#: test fails when one falls out, so that this list (and docs/regional-data.md) is kept honest.
PRICE_GAPS: list[str] = []
#: Required countries priced only by Climatescope (no primary industrial figure found yet): the
#: test fails when a primary figure replaces one, or when one loses its Climatescope figure.
CLIMATESCOPE_ONLY = "CH CA MX CN JP IN SG MY ID TH VN AE SA QA IL AU NZ ZA".split()
#: Required countries with no price at all, even after the commercial stand-in: none, since the
#: World Bank's Doing Business tariff covers every required country without an industrial price.
NO_PRICE_GAPS: list[str] = []
#: Regions whose figures come from the hand-copied national tables (scripts/data/national_prices_*):
#: the series, the years each must keep and a word of the publisher each figure's source names.
#: A floor, so that an import that loses a region, a year or a source fails here even when the
#: table and the TOML lose it together.
NATIONAL = {
    ("KR", "industrial_price"): ({2019, 2023, 2024, 2025}, "KEPCO"),
    ("TW", "industrial_price"): ({2023, 2025}, "MOEA"),
    ("ID", "large_industrial_price"): ({2024, 2025}, "ESDM"),
    ("BR", "industrial_price"): ({2019, 2020, 2021, 2022}, "Empresa de Pesquisa Energética"),
    ("AE-DU", "industrial_price"): ({2025}, "DEWA"),
    ("GB", "industrial_price"): ({2025}, "DESNZ"),
    ("CA-QC", "large_industrial_price"): ({2025}, "Gazette officielle du Québec"),
    **{(f"CA-{p}", "industrial_price"): ({2022}, "Hydro-Québec") for p in ("QC", "ON", "BC", "MB")},
    **{
        (f"CN-{p}", "industrial_price"): ({2025}, "tariff table")
        for p in ("BJ", "GZ", "HE", "JS", "NM", "SD", "ZJ")
    },
}
#: US states whose preliminary 2025 figure the EIA's Electric Power Monthly gives (Table 5.6.B).
EIA_2025_STATES = "US-AZ US-GA US-IL US-IN US-OH US-TX US-VA".split()


def test_every_eu_member_and_eurostat_reporter_has_a_sourced_dated_industrial_price() -> None:
    data = _toml("electricity_prices.toml")
    for code in EU + EUROSTAT_OTHERS + ["US"]:
        years = data[code]["industrial_price"]
        assert years, code
        for year, figure in years.items():
            assert 2019 <= int(year) <= 2025, (code, year)
            assert figure["source"].strip() and CONFIDENCE.match(figure["confidence"]), code
    for code in [*EU, "NO", "TR", "RS", "MK", "BA", "AL", "MD", "GE"]:
        assert "2024" in data[code]["industrial_price"], code  # every reporter of 2024


def test_every_national_figure_is_the_committed_tables_row_sourced_dated_and_graded() -> None:
    # Each catalog figure outside Eurostat and the EIA must be a row of a committed national
    # table, with that row's source and grade, and a note naming the published value, how it was
    # converted and where it was read, so that the CSV and the TOML cannot drift apart.
    script = _script("import_electricity_prices")
    rows = script.read_national(sorted((ROOT / "scripts" / "data").glob("national_prices_*.csv")))
    by_key = {(r["region"], r["series"], r["year"]): r for r in rows}
    seen = set()
    for code, series, year, figure in _figures(_toml("electricity_prices.toml")):
        if "nrg_pc_205" in figure["source"] or code == "US" or code.startswith("US-"):
            continue
        if "Climatescope" in figure["source"]:
            continue  # read from the Climatescope extract, checked below
        row = by_key[(code, series, year)]
        seen.add((code, series, year))
        assert 2019 <= int(year) <= 2025, (code, year)
        assert figure["source"] == row["source"] and figure["confidence"] == row["confidence"]
        assert row["confidence"] in ("A", "B", "C") and "http" in row["source"] + row["read_in"]
        published = f"{row['value']} {row['currency']}/{row['per']}"
        assert figure["note"].startswith(f"{row['measure']}; {published}"), (code, year)
        assert f"read in {row['read_in']}" in figure["note"]
        assert "published in USD" in figure["note"] or "per USD" in figure["note"]
    assert seen == set(by_key)


@pytest.mark.parametrize(("code", "series"), sorted(NATIONAL))
def test_no_import_drops_a_national_region_year_or_source(code: str, series: str) -> None:
    years, publisher = NATIONAL[(code, series)]
    figures = _toml("electricity_prices.toml")[code][series]
    assert {int(y) for y in figures} >= years, (code, series)
    for year in years:
        figure = figures[str(year)]
        assert publisher in figure["source"], (code, year)
        assert CONFIDENCE.match(figure["confidence"]) and figure["note"].strip(), (code, year)
        assert electricity_price(code, year, large=series != "industrial_price").year_used == year


def test_no_import_drops_the_eias_preliminary_2025_state_figures() -> None:
    data = _toml("electricity_prices.toml")
    for code in EIA_2025_STATES:
        figure = data[code]["industrial_price"]["2025"]
        assert "Electric Power Monthly, February 2026" in figure["source"], code
        assert "preliminary" in figure["source"] + figure["note"], code
        assert "2023" in data[code]["industrial_price"], code  # the older years stay beside it


def test_required_countries_without_a_price_are_the_documented_gaps() -> None:
    priced = regions_with("industrial_price")
    assert [c for c in REQUIRED if c not in priced] == PRICE_GAPS
    assert len({c for c in priced if "-" not in c}) >= 40
    data = _toml("electricity_prices.toml")
    by_climatescope = [
        c
        for c in REQUIRED
        if c in data
        and all("Climatescope" in f["source"] for f in data[c].get("industrial_price", {}).values())
    ]
    assert by_climatescope == CLIMATESCOPE_ONLY


def test_eurostat_figures_are_the_means_of_the_committed_extract() -> None:
    # The catalog's notes name the half-year values; each must be the extract's, so the
    # committed TSV and the committed TOML cannot drift apart.
    script = _script("import_electricity_prices")
    extract = script.read_eurostat(ROOT / "scripts" / "data" / "nrg_pc_205_2019-2025_extract.tsv")
    bands = {series: band for band, series in script.BANDS.items()}
    checked = 0
    for code, series, year, figure in _figures(_toml("electricity_prices.toml")):
        if "nrg_pc_205" not in figure["source"]:
            continue
        halves = extract[(code, bands[series])][int(year)]
        named = {int(h): float(v) for h, v in re.findall(r"S(\d) (\d\.\d{4})", figure["note"])}
        assert named == halves, (code, series, year)
        checked += 1
    assert checked > 400


def test_price_import_reads_eurostats_own_tsv_with_flags_gaps_and_geo_codes(
    tmp_path: Path,
) -> None:
    script = _script("import_electricity_prices")
    tsv = tmp_path / "estat_nrg_pc_205.tsv"
    header = "freq,siec,nrg_cons,unit,tax,currency,geo\\TIME_PERIOD\t2023-S1 \t2023-S2 \n"
    tsv.write_text(
        header
        + "S,E7000,MWH2000-19999,KWH,X_VAT,EUR,EL\t0.1000 e\t0.2000 \n"
        + "S,E7000,MWH2000-19999,KWH,X_VAT,EUR,UK\t0.3000 \t: \n"  # half a year missing
        + "S,E7000,MWH2000-19999,KWH,X_VAT,EUR,XK\t0.1 \t0.1 \n"  # no ISO 3166-1 code
        + "S,E7000,MWH2000-19999,KWH,X_VAT,EUR,EU27_2020\t0.1 \t0.1 \n"  # aggregate
        + "S,E7000,MWH2000-19999,KWH,X_TAX,EUR,FR\t0.1 \t0.1 \n"  # other tax basis
        + "S,E7000,MWH2000-19999,KWH,X_VAT,NAC,FR\t0.1 \t0.1 \n"  # national currency
        + "S,E7000,MWH70000-149999,KWH,X_VAT,EUR,CY\t0.0000 \t: @C\n",  # confidential
        encoding="utf-8",
    )
    flags: dict = {}
    eurostat = script.read_eurostat(tsv, flags)
    assert {k: dict(v) for k, v in eurostat.items()} == {
        ("GR", "MWH2000-19999"): {2023: {1: 0.1, 2: 0.2}},
        ("GB", "MWH2000-19999"): {2023: {1: 0.3}},
    }
    assert flags == {("GR", "MWH2000-19999"): {2023: {1: "e"}}}
    text = script.build_toml(
        eurostat, {2023: 1.1}, [], dataset="fixture", inputs=[], eurostat_flags=flags
    )
    data = tomllib.loads(text)
    gr = data["GR"]["industrial_price"]["2023"]
    assert gr["value"] == "165.0 USD/MWh" and "Eurostat flags S1 e" in gr["note"]
    gb = data["GB"]["industrial_price"]["2023"]
    assert gb["value"] == "330.0 USD/MWh" and "one half-year only" in gb["note"]
    assert data["meta"]["countries"] == 2


def test_price_import_refuses_a_tsv_row_with_a_missing_column(tmp_path: Path) -> None:
    script = _script("import_electricity_prices")
    tsv = tmp_path / "estat_nrg_pc_205.tsv"
    tsv.write_text(
        "freq,siec,nrg_cons,unit,tax,currency,geo\\TIME_PERIOD\t2023-S1 \t2023-S2 \n"
        "S,E7000,MWH2000-19999,KWH,X_VAT,EUR,FR\t0.1 \n",
        encoding="utf-8",
    )
    with pytest.raises(SystemExit, match=r"estat_nrg_pc_205.tsv:2: 2 columns, header has 3"):
        script.read_eurostat(tsv)


def test_required_countries_without_any_price_after_the_commercial_stand_in() -> None:
    unpriced = [c for c in REQUIRED if electricity_price(c, 2025).value is None]
    assert unpriced == NO_PRICE_GAPS
    # The stand-in covers exactly the industrial gaps: every other required country is priced
    # from its own industrial series.
    standing_in = [c for c in REQUIRED if electricity_price(c, 2025).series == "commercial_price"]
    assert standing_in == [c for c in PRICE_GAPS if c not in NO_PRICE_GAPS]


def _worldbank_csv(path: Path) -> Path:
    header = "Economy ISO3,Economy Name,Indicator ID,Indicator,2017,2018,2019\n"
    rows = [
        "IND,India,WB.DB.58,Getting electricity : Price of electricity,17.6,..,18.2",
        "XKX,Kosovo,WB.DB.58,Getting electricity : Price of electricity,12.8,12.1,9.5",
        "ERI,Eritrea,WB.DB.58,Getting electricity : Price of electricity,,,",
        'FRA,France,WB.DB.57,"Getting electricity : Minimum outage time",1.0,2.0,3.0',
        "CHE,Switzerland,WB.DB.58,Getting electricity : Price of electricity,12.5,,13.6",
    ]
    path.write_text(header + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_commercial_price_import_converts_cents_skips_missing_and_maps_iso3(tmp_path: Path) -> None:
    script = _script("import_commercial_prices")
    extract = _worldbank_csv(tmp_path / "extract.csv")
    prices = script.read_worldbank(extract)
    # ISO3 -> ISO 3166-1 alpha-2; Kosovo (no ISO code), an all-empty row and another
    # indicator's row are skipped; `..` and empty cells are missing years, not zeros.
    assert prices == {"IN": {2017: 17.6, 2019: 18.2}, "CH": {2017: 12.5, 2019: 13.6}}
    out = tmp_path / "commercial_prices.toml"
    assert script.main(["--worldbank", str(extract), "--out", str(out)]) == 0
    data = tomllib.loads(out.read_text(encoding="utf-8"))
    assert data["meta"]["countries"] == 2 and data["meta"]["years"] == [2017, 2019]
    india = data["IN"]["commercial_price"]
    assert set(india) == {"2017", "2019"}
    assert india["2019"]["value"] == "182.0 USD/MWh"  # 18.2 US cents/kWh
    assert india["2019"]["confidence"] == "B"
    assert "IC.ELC.PRI.KH.DB1619" in india["2019"]["source"]
    assert (
        "March 2019" in india["2019"]["note"]
        and "not an industrial average" in india["2019"]["note"]
    )
    assert quantity_from_text(india["2017"]["value"])[1] == "energy_price"


def test_commercial_price_import_refuses_a_non_numeric_cell(tmp_path: Path) -> None:
    script = _script("import_commercial_prices")
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "Economy ISO3,Economy Name,Indicator ID,Indicator,2019\nIND,India,WB.DB.58,Price,n/a\n",
        encoding="utf-8",
    )
    with pytest.raises(SystemExit, match=r"bad\.csv:2: 2019 is not a number"):
        script.read_worldbank(bad)


def test_committed_commercial_prices_are_the_committed_extract_regenerated() -> None:
    # The catalog file is exactly what the script writes from the committed extract, so the
    # two cannot drift apart (and nobody edits the generated file by hand).
    script = _script("import_commercial_prices")
    extract = ROOT / "scripts" / "data" / "worldbank_db_electricity_price_extract.csv"
    text = script.build_toml(script.read_worldbank(extract), [extract])
    committed = files("scendsl.catalog").joinpath("commercial_prices.toml").read_text("utf-8")
    assert text == committed
    assert _toml("commercial_prices.toml")["IN"]["commercial_price"]["2019"]["value"] == (
        "182.0 USD/MWh"
    )


def test_price_lookup_order_industrial_then_own_commercial_then_nothing() -> None:
    # A real industrial figure is never replaced, though France has a commercial tariff too.
    assert "FR" in regions_with("commercial_price")
    fr = electricity_price("FR", 2024)
    assert not fr.fallback and fr.series == "industrial_price"
    # A subdivision falls back to its parent country's industrial price first.
    wy = electricity_price("US-WY", 2023)
    assert wy.series == "industrial_price" and wy.region_used == "US"
    # Without an industrial price, the country's own commercial tariff, flagged.
    hong_kong = electricity_price("HK", 2026)
    assert hong_kong.fallback and hong_kong.series == "commercial_price"
    assert hong_kong.region_used == "HK"
    assert hong_kong.value == pytest.approx(161.0) and hong_kong.year_used == 2019
    assert hong_kong.reason == (
        "no industrial electricity price for Hong Kong (HK); the World Bank's 2019 Doing Business tariff"
        " for a commercial warehouse in the largest business city of Hong Kong (HK) stands in"
    )
    # Latest year at or before the scenario year, else the earliest.
    assert electricity_price("HK", 2017).year_used == 2017
    assert electricity_price("HK", 2010).year_used == 2014
    # A subdivision without a price of its own: its country's industrial price comes before
    # any commercial tariff (Canada's is Climatescope's).
    alberta = electricity_price("CA-AB", 2024)
    assert alberta.series == "industrial_price" and alberta.region_used == "CA"
    assert (
        "no industrial electricity price for Alberta (CA-AB); Canada (CA) used instead"
        in alberta.reason
    )
    # The large-industrial band has no stand-in: a warehouse tariff says nothing about it.
    assert electricity_price("HK", 2026, large=True).value is None
    assert electricity_price("IN", 2026, large=True).value is None


# --- figures no generation mix can give --------------------------------------------------------

UZ_MIX = {"coal": 7.513, "gas": 81.297, "oil": 1.971, "hydro": 8.632, "solar": 0.586}


def test_grid_import_flags_a_figure_above_what_its_mix_could_emit_and_not_one_below() -> None:
    script = _script("import_grid_data")
    rows = [
        script.Row("UZB", "Uzbekistan", 2022, 1121.353),  # mostly gas: above its mix's bound
        script.Row("POL", "Poland", 2022, 700.0),  # mostly coal: under its mix's bound
        script.Row("BHR", "Bahrain", 2022, 902.7),  # all gas, no mix given: the coarse bound
    ]
    mix = {"UZB": {2022: UZ_MIX}, "POL": {2022: {"coal": 70.0, "gas": 10.0, "wind": 20.0}}}
    data = tomllib.loads(
        script.build_toml(rows, [], {}, dataset="fixture", inputs=[("f.csv", "abc")], mix=mix)
    )
    uz = data["UZ"]["grid_intensity"]["2022"]
    ceilings = script.read_fuel_ceilings()
    bound = script.intensity_ceiling(UZ_MIX, ceilings)
    assert bound < 1121.353 and bound > ceilings["gas"] * 0.8  # mostly gas at gas's top
    assert uz["value"] == "1121.4 gCO2/kWh"  # kept as published
    assert uz["confidence"] == "C" and uz["note"].startswith("implausible: its generation mix")
    assert f"at most {bound:.0f} gCO2/kWh" in uz["note"] and "gas 81%" in uz["note"]
    assert data["PL"]["grid_intensity"]["2022"] == {
        "value": "700.0 gCO2/kWh",
        "source": script.INTENSITY_SOURCE,
        "confidence": "A",
    }
    # Without a mix only a figure above every source can be told apart: 902.7 is not
    assert data["BH"]["grid_intensity"]["2022"]["confidence"] == "A"
    bahrain_mix = {"BHR": {2022: {"gas": 100.0}}}
    flagged = script.build_toml(rows, [], {}, dataset="f", inputs=[], mix=bahrain_mix)
    assert tomllib.loads(flagged)["BH"]["grid_intensity"]["2022"]["confidence"] == "C"
    # Uzbekistan without its mix is under lignite's top (1300): nothing tells it apart
    assert "# published, see each note): BH 2022." in flagged


def test_grid_import_reads_the_mix_from_the_full_owid_file(tmp_path: Path) -> None:
    script = _script("import_grid_data")
    owid = tmp_path / "owid-energy-data.csv"
    owid.write_text(
        "country,year,iso_code,carbon_intensity_elec,coal_share_elec,gas_share_elec,hydro_share_elec\n"
        "Uzbekistan,2022,UZB,1121.35,7.513,81.297,8.632\n"
        "Uzbekistan,2023,UZB,1121.18,,,\n",
        encoding="utf-8",
    )
    assert script.read_mix(owid) == {"UZB": {2022: {"coal": 7.513, "gas": 81.297, "hydro": 8.632}}}
    grapher = tmp_path / "carbon-intensity-electricity.csv"
    grapher.write_text(GRAPHER, encoding="utf-8")
    assert script.read_mix(grapher) == {}


def test_grid_import_reads_other_renewables_by_the_codebooks_column(tmp_path: Path) -> None:
    """OWID's codebook names the share of other renewables without bioenergy (geothermal,
    tidal) `other_renewables_share_elec_exc_biofuel`; the import looked for
    `other_renewables_exc_biofuel_share_elec`, which does not exist, so Iceland's and Kenya's
    geothermal was bounded as the dirtiest fuel."""
    script = _script("import_grid_data")
    owid = tmp_path / "owid-energy-data.csv"
    owid.write_text(
        "country,year,iso_code,carbon_intensity_elec,hydro_share_elec,"
        "other_renewables_share_elec_exc_biofuel\n"
        "Iceland,2022,ISL,27.68,69.9,30.1\n",
        encoding="utf-8",
    )
    mix = script.read_mix(owid)
    assert mix == {"ISL": {2022: {"hydro": 69.9, "other_renewables_exc_biofuel": 30.1}}}
    ceilings = script.read_fuel_ceilings()
    bound = script.intensity_ceiling(mix["ISL"][2022], ceilings)
    assert bound == pytest.approx(0.699 * ceilings["hydro"] + 0.301 * ceilings["geothermal"])
    assert all(
        column in script.MIX_COLUMNS for column in owid.read_text().split("\n")[0].split(",")[4:]
    )


def test_fuel_ceilings_are_the_tops_of_the_ranges_energy_toml_prints() -> None:
    ceilings = _script("import_grid_data").read_fuel_ceilings()
    energy = _toml("energy.toml")
    for key, top in ceilings.items():
        figure = energy[key]["intensity"]
        value = float(figure["value"].split()[0])
        printed = re.search(r"range [\d.]+-([\d.]+)", figure.get("note", ""))
        assert top == (max(value, float(printed.group(1))) if printed else value), key
    assert ceilings["coal"] == 910  # IPCC AR5 coal: median 820, range 740-910


def test_no_country_figure_above_every_source_is_left_unflagged() -> None:
    top = max(_script("import_grid_data").read_fuel_ceilings().values())
    flagged = []
    for code, series, year, figure in _figures(_toml("grid.toml")):
        if series != "grid_intensity" or len(code) != 2:
            continue  # subdivisions: national authorities' direct figures, not Ember's
        if float(figure["value"].split()[0]) > top:
            assert figure["confidence"] == "C", (code, year)
            assert figure["note"].startswith("implausible:"), (code, year)
            flagged.append(code)
    # the figures that started this: Turkmenistan above every source, Uzbekistan above what its
    # generation mix could emit (scripts/data/owid_energy_mix_extract.csv), now that lignite's
    # top (1300) is the coarse bound
    for code in ("UZ", "TM"):
        figure = _toml("grid.toml")[code]["grid_intensity"]["2022"]
        assert figure["confidence"] == "C" and figure["note"].startswith("implausible:")
