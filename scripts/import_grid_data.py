"""Write `scendsl/catalog/grid.toml` from a maintained data set (development-time only).

The catalog's grid carbon intensity by country and year is not typed in by hand: this script reads
the published data set and writes the TOML, so that updating the figures means downloading the new
release and running the script again. The package never imports this script; its only third-party
dependency is `pycountry` (ISO 3166 codes and names), which the package uses anyway.

Inputs (the script fetches nothing; obtain them first):

* Country figures by year, in one of two layouts published by Our World in Data (OWID), with the
  carbon intensity of electricity generation from Ember's Yearly Electricity Data and the Energy
  Institute's Statistical Review of World Energy:
    - `owid-energy-data.csv` of the OWID energy data set, repository `owid/energy-data` on GitHub
      (columns `country`, `year`, `iso_code`, `carbon_intensity_elec` in gCO2/kWh and, when
      present, `per_capita_electricity` in kWh per person); the repository README's changelog
      dates each release;
    - the OWID grapher download of the chart `carbon-intensity-electricity`
      (https://ourworldindata.org/grapher/carbon-intensity-electricity.csv; columns `Entity`,
      `Code`, `Year`, `Carbon intensity of electricity - gCO2/kWh`).
* `--per-capita FILE` (optional, with a grapher download): the grapher download of
  `per-capita-electricity-generation` (columns `Entity`, `Code`, `Year`,
  `Per capita electricity - kWh`). With `owid-energy-data.csv` the column of that file is used.
* `--us-states FILE` (optional): `codecarbon/data/private_infra/2023/usa_emissions.json` inside the
  wheel of the PyPI package `codecarbon` (version 3.3.2: `pip download codecarbon==3.3.2 --no-deps`,
  then unzip the wheel). It holds EPA eGRID2023 state emission rates (field STC2ERTA, lb CO2e/MWh),
  written here as ISO 3166-2 codes (`US-TX`).
* `--cn-provinces FILE` (optional): `codecarbon/data/private_infra/2023/china_provincial_emissions.json`
  of the same wheel. It holds the provincial average electricity CO2 emission factors for 2023
  published by China's Ministry of Ecology and Environment (MEE) and National Bureau of Statistics
  (Announcement 2025 No. 47, Table 3; gCO2/kWh), already keyed by ISO 3166-2 code (`CN-YN`); its
  `metadata` names the announcement and the basis, both written into each figure.
* `--ca-provinces FILE` (optional): `scripts/data/canada_nir2020_a13_consumption_intensity.csv`,
  the consumption intensity of Canada's provinces and territories (g CO2 eq/kWh, 2013-2018) as
  printed in Environment and Climate Change Canada's National Inventory Report, 2020 edition,
  Part 3, Annex 13; the `.md` beside it says how it was read and what was left out.
* `--au-states FILE` (optional): `scripts/data/australia_nga_scope2_location.csv`, the scope 2
  (location-based) emission factors of Australia's states and territories (kg CO2-e/kWh) as
  published in DCCEEW's National Greenhouse Accounts Factors, editions 2021-2025, written from
  the editions' workbooks by `scripts/extract_nga_scope2.py`; the `.md` beside it says where the
  workbooks were read, how a grid maps to an ISO code and what was left out.
* `--ember-latest FILE` (optional): `scripts/data/ember_average_intensities.json`, a copy of
  `data/output/average-intensities.json` of the public repository `thegreenwebfoundation/co2.js`
  (regenerated monthly from Ember's data API, `country_overview_yearly`; the `.md` beside it says
  which commit): each country's latest year of Ember's Yearly Electricity Data emissions intensity (gCO2/kWh, lifecycle, the basis OWID reads from Ember). Ember publishes a
  country's year as its data arrive, so this can be a year newer than the OWID file's for some
  countries. It only ever adds a country's newer year: a year the OWID input has is kept from
  OWID, a country the OWID input lacks is not added, aggregates (World, EU, continents) and codes
  that are not ISO 3166-1 (Kosovo) are skipped. Such a figure is graded B (a copy of Ember's
  data, not Ember's own download) and its source and note say so.
* `--mix FILE` (optional): `owid-energy-data.csv`, for each country's generation shares by fuel
  (`coal_share_elec`, `gas_share_elec`, ...); when the intensity input is that file its own
  columns are used. A country's figure above what its mix could emit, each fuel's share at the
  top of that fuel's lifecycle range in `scendsl/catalog/energy.toml` (a fuel it lacks, such as
  bioenergy, at the highest of all), is implausible: it is kept, graded C, and its note says so and
  what the mix gives. Without a mix the bound is the top of the most carbon-intensive source's
  range, above which no mix could emit. Ember's country-specific lifecycle factors (gas with
  upstream methane) put some gas grids there (Uzbekistan, Turkmenistan).
* `--dataset TEXT` (required): the release the inputs come from and when it was published or
  retrieved. It is written into the file header and `[meta]`, because a figure without its vintage
  cannot be checked.

Usage:

    python scripts/import_grid_data.py carbon-intensity-electricity.csv \\
        --per-capita per-capita-electricity-generation.csv --us-states usa_emissions.json \\
        --cn-provinces china_provincial_emissions.json \\
        --ca-provinces scripts/data/canada_nir2020_a13_consumption_intensity.csv \\
        --au-states scripts/data/australia_nga_scope2_location.csv \\
        --ember-latest scripts/data/ember_average_intensities.json \\
        --mix scripts/data/owid_energy_mix_extract.csv \\
        --dataset "OWID grapher carbon-intensity-electricity, Ember 2025-05 release" \\
        --out scendsl/catalog/grid.toml

The committed grid.toml was written from these copies (each byte-identical to the file whose
sha256 its header records): `carbon-intensity-electricity.csv` as kept in the public repository
`twsaf1-sys/math_331_cryptocurrency_project` (commit 7149bf49),
`per-capita-electricity-generation.csv` in `Ryuji-arch/3179-Assignment_2` (commit 816355e6), `usa_emissions.json` from the codecarbon
3.3.2 wheel; the others are committed under `scripts/data/` (the `.md` beside each says where it
was read), the mix being `--mix scripts/data/owid_energy_mix_extract.csv`: the generation shares of
Bahrain, Brunei, Libya and Uzbekistan, the figures nearest the coarse bound, copied from the full
OWID file.

Only rows whose code is an ISO 3166-1 alpha-3 code known to pycountry become countries; the world
(`OWID_WRL`) and the European Union (27) become the shared series `WORLD` and `EU27`; every other
row (continents, income groups, `OWID_KOS`) is skipped and the skipped codes are listed in the
header. Years before `--first-year` (default 2019) are dropped. Output is deterministic: the same
inputs give the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import re
import sys
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pycountry

INTENSITY_COLUMNS = ("carbon_intensity_elec", "Carbon intensity of electricity - gCO2/kWh")
PER_CAPITA_COLUMNS = ("per_capita_electricity", "Per capita electricity - kWh")
#: Aggregates kept as shared series, by the name regions.toml already uses for them.
SERIES = {"OWID_WRL": "WORLD", "European Union (27)": "EU27"}
LB_PER_MWH_TO_G_PER_KWH = 0.45359237  # 1 lb = 453.59237 g (exact); per MWh -> per kWh is /1000

# Short on purpose: repeated on every figure; [meta].dataset names the release.
INTENSITY_SOURCE = (
    "Ember and Energy Institute via Our World in Data, carbon intensity of electricity"
)
PER_CAPITA_SOURCE = "Ember and Energy Institute via Our World in Data, per capita electricity"
US_STATE_SOURCE = (
    "EPA eGRID2023 state CO2e total output emission rate (STC2ERTA, epa.gov/egrid), as copied"
    " into CodeCarbon 3.3.2 (github.com/mlco2/codecarbon); not checked against EPA's own file"
)
#: A copy of the primary data, not EPA's own file: B, not A.
US_STATE_CONFIDENCE = "B"
US_STATE_NOTE = "direct (combustion) emissions of generation in the state, not lifecycle"
#: Chinese provinces: {source}, {announcement}, {published}, {year} come from the file's metadata.
CN_PROVINCE_SOURCE = (
    "{source} ({url}), as copied into CodeCarbon 3.3.2 (github.com/mlco2/codecarbon); not checked"
    " against MEE's own table"
)
CN_PROVINCE_CONFIDENCE = "B"
# The MEE factor counts CO2 from fuel burnt in power plants, no other gas and no upstream
# emissions; "not lifecycle" is the phrase the briefing flags a figure of another basis by.
CN_PROVINCE_NOTE = (
    "direct (combustion) CO2 only, not CO2e, not lifecycle: MEE provincial average of the"
    " electricity generated in the province, adjusted for inter-provincial transfers"
)


EMBER_LATEST_SOURCE = (
    "Ember, Yearly Electricity Data, emissions intensity of electricity generation (Ember's data"
    " API, country_overview_yearly), as copied by the public repository"
    " thegreenwebfoundation/co2.js into its average grid intensities; not checked against"
    " Ember's own download"
)
#: A copy of Ember's data, not Ember's own file: B, not A.
EMBER_LATEST_CONFIDENCE = "B"
EMBER_LATEST_NOTE = (
    "lifecycle, as the Our World in Data figures of the earlier years, which read the same Ember"
    " series; from a later Ember release than theirs, which had no figure for this year"
)
#: Bounds of a grid intensity in gCO2/kWh: a figure outside is a unit or parsing error.
INTENSITY_BOUNDS = (0.0, 1500.0)

#: The energy catalog whose lifecycle intensities bound what a fuel mix can emit.
ENERGY_CATALOG = Path(__file__).resolve().parent.parent / "scendsl" / "catalog" / "energy.toml"
#: OWID fuel (its share column is `{fuel}_share_elec`, but see MIX_COLUMN_OF) -> the energy.toml
#: technology for that fuel. Bioenergy has none there: its share is bounded by the highest.
#: OWID's coal share counts lignite too, so it is bounded by lignite, the dirtier of the two;
#: other renewables without bioenergy are geothermal, tidal and wave power, bounded by
#: geothermal's top (IPCC AR5: geothermal 6-79, ocean 5.6-28 gCO2/kWh).
MIX_FUELS = {
    "coal": "lignite",
    "gas": "gas",
    "oil": "oil",
    "hydro": "hydro",
    "nuclear": "nuclear",
    "solar": "solar",
    "wind": "wind",
    "biofuel": None,
    "other_renewables_exc_biofuel": "geothermal",
}
#: Share columns that do not follow `{fuel}_share_elec`, as the data set's codebook names them
#: (owid-energy-codebook.csv: other renewables without bioenergy, geothermal and tidal, are
#: `other_renewables_share_elec_exc_biofuel`; the column `other_renewables_exc_biofuel_share_elec`
#: does not exist, so their share was never read and was bounded at the highest intensity).
MIX_COLUMN_OF = {"other_renewables_exc_biofuel": "other_renewables_share_elec_exc_biofuel"}
#: Share column -> OWID fuel, in MIX_FUELS' order.
MIX_COLUMNS = {MIX_COLUMN_OF.get(fuel, f"{fuel}_share_elec"): fuel for fuel in MIX_FUELS}
IMPLAUSIBLE_CONFIDENCE = "C"
_RANGE = re.compile(r"range (\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)")


def read_fuel_ceilings(path: Path = ENERGY_CATALOG) -> dict[str, float]:
    """Technology -> the highest lifecycle gCO2/kWh energy.toml gives it: the top of the range its
    note prints ("range 740-910") when there is one, else its value."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    ceilings = {}
    for key, entry in data.items():
        figure = entry.get("intensity") if isinstance(entry, dict) else None
        if not figure or not str(figure["value"]).endswith("gCO2/kWh"):
            continue
        highest = float(str(figure["value"]).split()[0])
        match = _RANGE.search(figure.get("note", ""))
        if match:
            highest = max(highest, float(match.group(2)))
        ceilings[key] = highest
    return ceilings


def read_mix(path: Path) -> dict[str, dict[int, dict[str, float]]]:
    """Code -> year -> fuel -> share of generation (%) from the OWID energy data's
    share columns (MIX_COLUMNS); empty when the file has none (a grapher download)."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        present = [c for c in MIX_COLUMNS if c in (reader.fieldnames or [])]
        if not present or "iso_code" not in (reader.fieldnames or []):
            return {}
        mix: dict[str, dict[int, dict[str, float]]] = {}
        for record in reader:
            shares = {
                MIX_COLUMNS[c]: float(record[c]) for c in present if (record[c] or "").strip()
            }
            code = (record["iso_code"] or "").strip() or record["country"].strip()
            if shares:
                mix.setdefault(code, {})[int(record["year"])] = shares
        return mix


def intensity_ceiling(shares: dict[str, float] | None, ceilings: dict[str, float]) -> float:
    """The most a grid could emit (gCO2/kWh): each fuel's share times the highest intensity
    energy.toml gives that fuel, the share of a fuel it lacks (and any share the mix leaves
    unassigned) at the highest of all; with no mix, the highest of all."""
    top = max(ceilings.values())
    if not shares:
        return top
    bound = sum(
        share / 100 * ceilings.get(MIX_FUELS[fuel] or "", top) for fuel, share in shares.items()
    )
    return bound + max(0.0, 100 - sum(shares.values())) / 100 * top


def implausible_note(value: float, ceiling: float, shares: dict[str, float] | None) -> str | None:
    """Why a figure above what its generation mix could emit is implausible; None when it is not."""
    if value <= ceiling:
        return None
    if shares:
        mix = ", ".join(f"{fuel} {share:.0f}%" for fuel, share in sorted(shares.items()) if share)
        why = (
            f"its generation mix ({mix}) could emit at most {ceiling:.0f} gCO2/kWh at the top of"
            " each fuel's lifecycle range in energy.toml (IPCC AR5, and the reviews its notes"
            " name for lignite and oil)"
        )
    else:
        why = (
            f"above {ceiling:.0f} gCO2/kWh, the top of the lifecycle range of the most"
            " carbon-intensive source in energy.toml, so above what any mix could emit"
        )
    return (
        f"implausible: {why}; kept as published for want of a better sourced figure; Ember's"
        " lifecycle factors are country-specific (gas with upstream methane after Jordaan et al."
        " 2022, coal after Gibon et al. 2022), which can put a gas grid above these bounds"
    )


@dataclass(frozen=True)
class Row:
    """One (place, year, value) read from an input file."""

    key: str  # ISO3 code, or the series key for an aggregate
    name: str
    year: int
    value: float


def _pick(header: list[str], names: Iterable[str]) -> str | None:
    for name in names:
        if name in header:
            return name
    return None


def read_owid(path: Path, columns: tuple[str, ...], *, required: bool) -> list[Row]:
    """Rows of one value column from either OWID layout (full energy CSV or grapher download)."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        column = _pick(header, columns)
        if column is None:
            if required:
                raise SystemExit(f"{path.name}: none of the columns {', '.join(columns)}")
            return []
        name_col, code_col, year_col = (
            ("country", "iso_code", "year") if "iso_code" in header else ("Entity", "Code", "Year")
        )
        rows = []
        for record in reader:
            text = (record.get(column) or "").strip()
            if not text:
                continue
            name = record[name_col].strip()
            code = (record[code_col] or "").strip() or name
            rows.append(Row(code, name, int(record[year_col]), float(text)))
        return rows


def read_us_states(path: Path) -> dict[str, tuple[int, float]]:
    """ISO 3166-2 code -> (year, gCO2e/kWh) from CodeCarbon's usa_emissions.json."""
    data = json.loads(path.read_text(encoding="utf-8"))
    unit = data.get("_unit", {}).get("emissions")
    if unit != "lbs/MWh":
        raise SystemExit(f"{path.name}: expected emissions in lbs/MWh, found {unit!r}")
    year = int(data["_source"]["year"])
    states = {}
    for key, entry in data.items():
        if key.startswith("_") or len(entry.get("regionCode", "")) != 2:
            continue
        code = f"US-{entry['regionCode']}"
        if pycountry.subdivisions.get(code=code) is None:
            raise SystemExit(f"{path.name}: {code} is not an ISO 3166-2 code")
        states[code] = (year, entry["emissions"] * LB_PER_MWH_TO_G_PER_KWH)
    return states


def read_cn_provinces(path: Path) -> tuple[dict[str, tuple[int, float]], str]:
    """ISO 3166-2 code -> (year, gCO2/kWh) from CodeCarbon's china_provincial_emissions.json,
    and the source text for every figure (the MEE announcement, from the file's metadata)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    meta = data.get("metadata", {})
    if meta.get("unit") != "gCO2/kWh":
        raise SystemExit(f"{path.name}: expected gCO2/kWh, found {meta.get('unit')!r}")
    source = CN_PROVINCE_SOURCE.format(source=meta["source"].rstrip("."), url=meta["source_url"])
    provinces = {}
    for code, entry in data["data"].items():
        if not code.startswith("CN-") or pycountry.subdivisions.get(code=code) is None:
            raise SystemExit(f"{path.name}: {code} is not an ISO 3166-2 code of China")
        if entry.get("unit") != "gCO2/kWh":
            raise SystemExit(f"{path.name}: {code}: expected gCO2/kWh, found {entry.get('unit')!r}")
        provinces[code] = (int(entry["year"]), float(entry["emission_factor"]))
    return provinces, source


def read_ember_latest(path: Path) -> dict[str, tuple[int, float]]:
    """ISO 3166-1 alpha-3 -> (year, gCO2/kWh) of each country's latest Ember year, from co2.js's
    average-intensities.json; aggregates and codes that are not ISO 3166-1 are left out."""
    data = json.loads(path.read_text(encoding="utf-8"))
    out = {}
    for key, entry in data.items():
        code = (entry.get("country_code") or "").strip()
        if not code or pycountry.countries.get(alpha_3=code) is None:
            continue  # World, EU, continents; Kosovo (XKX) has no ISO 3166-1 code
        try:
            year = int(entry["year"])
            value = float(entry["emissions_intensity_gco2_per_kwh"])
        except (KeyError, TypeError, ValueError):
            raise SystemExit(f"{path.name}: {key}: no year or emissions intensity") from None
        if not INTENSITY_BOUNDS[0] <= value <= INTENSITY_BOUNDS[1]:
            raise SystemExit(f"{path.name}: {key} {year}: {value} is not a gCO2/kWh intensity")
        out[code] = (year, value)
    return out


CA_PROVINCE_SOURCE = (
    "Environment and Climate Change Canada, National Inventory Report 1990-2018 (2020 edition),"
    " Part 3, Annex 13, Table {table}, consumption intensity (g CO2 eq/kWh); read from the"
    " report's PDF as kept in the public repository nrc-cnrc/OpenStudio-Measures"
)
CA_PROVINCE_CONFIDENCE = "A"
CA_PROVINCE_NOTE = (
    "direct (combustion) CO2e of the province's utility generation plus SF6 of transmission, per"
    " kWh consumed after losses; not lifecycle; imported electricity not counted"
)
#: The report's own mark on its latest year (Annex 13, note a).
CA_PRELIMINARY_YEAR = 2018


def read_ca_provinces(path: Path) -> dict[str, dict[int, tuple[str, str]]]:
    """ISO 3166-2 code -> year -> (value as printed, Annex 13 table) from the cited CSV."""
    with path.open(newline="", encoding="utf-8") as handle:
        records = list(csv.DictReader(handle))
    provinces: dict[str, dict[int, tuple[str, str]]] = {}
    for record in records:
        code = record["region"]
        if not code.startswith("CA-") or pycountry.subdivisions.get(code=code) is None:
            raise SystemExit(f"{path.name}: {code} is not an ISO 3166-2 code of Canada")
        value = record["value_g_co2e_per_kwh"]
        float(value)  # a number as printed: refuse anything else here, not in the catalog
        provinces.setdefault(code, {})[int(record["year"])] = (value, record["table"])
    return provinces


AU_STATE_SOURCE = (
    "Department of Climate Change, Energy, the Environment and Water (DCCEEW), Australian National"
    " Greenhouse Accounts Factors {edition}, Table {table}, scope 2 emission factor for {grid}"
    " ({printed} kg CO2-e/kWh); read from the edition's workbook as kept in the public repository"
    " krledger/emissionsGreenHouseGas"
)
AU_STATE_CONFIDENCE = "A"
# The edition's year is the key: the workbooks do not say which financial year a factor rests on.
AU_STATE_NOTE = (
    "scope 2 (location-based) factor: direct (combustion) CO2e of the grid's generation per kWh"
    " consumed; not lifecycle (the separate scope 3 factor, upstream fuel and network losses, is"
    " not added); the factor of the NGA Factors {edition} edition, keyed by the edition's year and"
    " resting on inventory data of an earlier financial year"
)
#: The grid a code's figure is for, when the code's own name does not say it.
AU_SHARED_GRID = {
    "AU-ACT": "one factor for New South Wales and the Australian Capital Territory",
    "AU-NSW": "one factor for New South Wales and the Australian Capital Territory",
    "AU-NT": "the Darwin Katherine Interconnected System (DKIS), the territory's main grid",
    "AU-WA": "the South West Interconnected System (SWIS), the state's main grid; the Pilbara's"
    " North Western system has another factor",
}


def read_au_states(path: Path) -> dict[str, dict[int, tuple[str, str, str]]]:
    """ISO 3166-2 code -> edition -> (kg CO2-e/kWh as published, table, grid) from the cited CSV."""
    with path.open(newline="", encoding="utf-8") as handle:
        records = list(csv.DictReader(handle))
    states: dict[str, dict[int, tuple[str, str, str]]] = {}
    for record in records:
        code = record["region"]
        if not code.startswith("AU-") or pycountry.subdivisions.get(code=code) is None:
            raise SystemExit(f"{path.name}: {code} is not an ISO 3166-2 code of Australia")
        printed = record["scope2_kg_co2e_per_kwh"]
        if not 0 <= Decimal(printed) < 2:  # kg per kWh: a figure in g would be hundreds
            raise SystemExit(f"{path.name}: {code}: {printed} is not in kg CO2-e/kWh")
        edition = int(record["edition"])
        states.setdefault(code, {})[edition] = (printed, record["table"], record["grid"])
    return states


def _kg_to_g(printed: str) -> str:
    """kg/kWh as published -> g/kWh, exactly (0.73 -> 730): a unit change, no rounding."""
    grams = Decimal(printed) * 1000
    return f"{grams.normalize():f}" if grams == grams.to_integral_value() else f"{grams:f}"


def _q(text: str) -> str:
    """A TOML literal string (no escapes), or a basic one when the text holds an apostrophe."""
    if "'" not in text:
        return f"'{text}'"
    return json.dumps(text, ensure_ascii=False)


def _figure(value: str, source: str, confidence: str, note: str | None = None) -> str:
    parts = [f"value = {_q(value)}", f"source = {_q(source)}", f"confidence = {_q(confidence)}"]
    if note:
        parts.append(f"note = {_q(note)}")
    return "{ " + ", ".join(parts) + " }"


def _series(rows: list[Row], first_year: int) -> dict[str, dict[int, float]]:
    out: dict[str, dict[int, float]] = {}
    for row in rows:
        if row.year >= first_year:
            out.setdefault(row.key, {})[row.year] = row.value
    return out


def build_toml(
    intensity: list[Row],
    per_capita: list[Row],
    us_states: dict[str, tuple[int, float]],
    *,
    dataset: str,
    inputs: list[tuple[str, str]],
    first_year: int = 2019,
    cn_provinces: dict[str, tuple[int, float]] | None = None,
    cn_source: str = "",
    ca_provinces: dict[str, dict[int, tuple[str, str]]] | None = None,
    au_states: dict[str, dict[int, tuple[str, str, str]]] | None = None,
    ember_latest: dict[str, tuple[int, float]] | None = None,
    mix: dict[str, dict[int, dict[str, float]]] | None = None,
    ceilings: dict[str, float] | None = None,
) -> str:
    """The text of grid.toml. `inputs` = (file name, sha256) of each input, for the header;
    `cn_provinces` and `cn_source` as `read_cn_provinces` returns them, `ca_provinces` as
    `read_ca_provinces` does, `au_states` as `read_au_states` does, `ember_latest` as
    `read_ember_latest` does (only a country's year newer than its OWID years is taken); `mix` as
    `read_mix` returns it and `ceilings` as `read_fuel_ceilings` does (energy.toml by default): a
    country's figure above what its mix could emit is graded C with a note saying why."""
    mix = mix or {}
    ceilings = ceilings or read_fuel_ceilings()
    flagged: list[str] = []  # "UZ 2022" of each implausible figure, for the header
    cn_provinces = cn_provinces or {}
    ca_provinces = ca_provinces or {}
    au_states = au_states or {}
    ci = _series(intensity, first_year)
    # ISO3 -> (year, value) of the newer Ember years added beside a country's OWID series
    newer = {
        key: (year, value)
        for key, (year, value) in (ember_latest or {}).items()
        if key in ci and year >= first_year and year > max(ci[key])
    }
    pc = _series(per_capita, first_year)
    names = {row.key: row.name for row in intensity}
    countries: dict[str, str] = {}  # alpha-2 -> input key
    skipped = []
    for key in sorted(set(ci) | set(pc)):
        if key in SERIES:
            continue
        country = pycountry.countries.get(alpha_3=key) if len(key) == 3 else None
        if country is None:
            skipped.append(key)
        else:
            countries[country.alpha_2] = key
    last = max(
        [year for series in ci.values() for year in series] + [y for y, _ in newer.values()],
        default=first_year,
    )

    lines = [
        "# Grid carbon intensity by country (ISO 3166-1 alpha-2) and by US state, Chinese province,",
        "# Canadian province or territory and Australian state or territory (ISO 3166-2), by year.",
        "#",
        "# GENERATED by scripts/import_grid_data.py: do not edit by hand; run the script on a new",
        "# release instead (its docstring says where each input comes from).",
        f"# Data set: {dataset}",
    ]
    lines += [f"# Input: {name} (sha256 {digest})" for name, digest in inputs]
    lines += [
        f"# Years {first_year}-{last}; a country lists only the years the data set has (no value is",
        "# carried forward here: the loader scendsl.catalog.grid does that and flags it as a fallback).",
        "# grid_intensity: lifecycle gCO2/kWh of electricity generated in the country.",
        "# per_capita_electricity: electricity generated per person and year (kWh), not household use.",
        "# US-XX grid_intensity: EPA eGRID state rate, direct (combustion) CO2e per kWh generated, so",
        "# lower than a lifecycle figure for the same grid.",
        "# CN-XX grid_intensity: China MEE provincial average factor, direct (combustion) CO2 only per",
        "# kWh generated in the province, adjusted for inter-provincial transfers; not lifecycle.",
        "# CA-XX grid_intensity: ECCC National Inventory Report consumption intensity, direct",
        "# (combustion) CO2e per kWh consumed after losses, 2013-2018 (2020 edition); not lifecycle.",
        "# AU-XX grid_intensity: DCCEEW National Greenhouse Accounts Factors scope 2 (location-based)",
        "# factor, direct (combustion) CO2e per kWh consumed; not lifecycle; keyed by the edition's",
        "# year (2021-2025), not by the earlier financial year of the data behind it.",
        "# A subdivision's figure says its basis in its `note`.",
    ]
    if newer:
        added = ", ".join(f"{_alpha2(k)} {y}" for k, (y, _) in sorted(newer.items()))
        lines.append(f"# Newer Ember years beside the OWID series (--ember-latest): {added}.")
    lines += [
        "# Skipped input codes (not ISO 3166-1): " + (", ".join(skipped) or "none") + ".",
        "",
        "[meta]",
        f"dataset = {_q(dataset)}",
        f"first_year = {first_year}",
        f"last_year = {last}",
        f"countries = {len(countries)}",
        f"us_states = {len(us_states)}",
        f"cn_provinces = {len(cn_provinces)}",
        f"ca_provinces = {len(ca_provinces)}",
        f"au_states = {len(au_states)}",
        "",
    ]

    def table(key: str, name: str, data_key: str) -> None:
        lines.extend([f"[{key}]", f"name = {_q(name)}", ""])
        if data_key in ci:
            lines.append(f"[{key}.grid_intensity]")
            # year -> value, source, confidence, note
            figures: dict[int, tuple[float, str, str, str | None]] = {
                year: (value, INTENSITY_SOURCE, "A", None) for year, value in ci[data_key].items()
            }
            if data_key in newer:
                year, value = newer[data_key]
                figures[year] = (
                    value,
                    EMBER_LATEST_SOURCE,
                    EMBER_LATEST_CONFIDENCE,
                    EMBER_LATEST_NOTE,
                )
            for year, (value, source, confidence, note) in sorted(figures.items()):
                shares = mix.get(data_key, {}).get(year)
                why = implausible_note(value, intensity_ceiling(shares, ceilings), shares)
                if why:
                    flagged.append(f"{key} {year}")
                    confidence, note = IMPLAUSIBLE_CONFIDENCE, "; ".join(filter(None, [note, why]))
                figure = _figure(f"{value:.1f} gCO2/kWh", source, confidence, note)
                lines.append(f"'{year}' = {figure}")
            lines.append("")
        if data_key in pc:
            lines.append(f"[{key}.per_capita_electricity]")
            for year, value in sorted(pc[data_key].items()):
                lines.append(f"'{year}' = " + _figure(f"{value:.0f} kWh", PER_CAPITA_SOURCE, "A"))
            lines.append("")

    for series_key, name in sorted(SERIES.items(), key=lambda item: item[1]):
        if series_key in ci or series_key in pc:
            table(name, names.get(series_key, series_key), series_key)
    for alpha2, key in sorted(countries.items()):
        table(alpha2, pycountry.countries.get(alpha_2=alpha2).name, key)
    # code -> year -> the figure's value, source, confidence and note
    subdivisions: dict[str, dict[int, tuple[str, str, str, str]]] = {}
    for code, (year, value) in us_states.items():
        figure = (f"{value:.1f}", US_STATE_SOURCE, US_STATE_CONFIDENCE, US_STATE_NOTE)
        subdivisions.setdefault(code, {})[year] = figure
    for code, (year, value) in cn_provinces.items():
        figure = (f"{value:.1f}", cn_source, CN_PROVINCE_CONFIDENCE, CN_PROVINCE_NOTE)
        subdivisions.setdefault(code, {})[year] = figure
    for code, years in ca_provinces.items():
        for year, (printed, table_no) in years.items():
            note = CA_PROVINCE_NOTE
            if year == CA_PRELIMINARY_YEAR:
                note += "; preliminary data, as the report marks its latest year"
            source = CA_PROVINCE_SOURCE.format(table=table_no)
            subdivisions.setdefault(code, {})[year] = (
                printed,
                source,
                CA_PROVINCE_CONFIDENCE,
                note,
            )
    for code, editions in au_states.items():
        for edition, (printed, table_no, grid) in editions.items():
            note = AU_STATE_NOTE.format(edition=edition)
            if code in AU_SHARED_GRID:
                note += f"; {AU_SHARED_GRID[code]}"
            source = AU_STATE_SOURCE.format(
                edition=edition, table=table_no, grid=grid, printed=printed
            )
            figure = (_kg_to_g(printed), source, AU_STATE_CONFIDENCE, note)
            subdivisions.setdefault(code, {})[edition] = figure
    for code, years in sorted(subdivisions.items()):
        name = pycountry.subdivisions.get(code=code).name
        lines.extend([f"[{_q(code)}]", f"name = {_q(name)}", "", f"[{_q(code)}.grid_intensity]"])
        for year, (value, source, confidence, note) in sorted(years.items()):
            lines.append(f"'{year}' = " + _figure(f"{value} gCO2/kWh", source, confidence, note))
        lines.append("")
    if flagged:
        at = lines.index("[meta]") - 1  # the blank line that ends the header
        lines[at:at] = [
            "# Implausible (above what the country's generation mix could emit; graded C, kept as",
            "# published, see each note): " + ", ".join(flagged) + ".",
        ]
    return "\n".join(lines).rstrip("\n") + "\n"


def _alpha2(alpha3: str) -> str:
    return pycountry.countries.get(alpha_3=alpha3).alpha_2


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def national_series_toml(
    *,
    script: str,
    title: list[str],
    series: str,
    unit: str,
    notes: list[str],
    source: str,
    confidence: str,
    dataset: str,
    inputs: list[tuple[str, str]],
    first_year: int,
    countries: list[tuple[str, str, dict[int, float]]],
) -> str:
    """The text of a catalog file of one national series by year (electricity_demand.toml,
    national_emissions.toml): its generated header (`title`, then `notes` on the series and the
    rows skipped), [meta], and for each (alpha-2 code, name, {year: value in `unit`}) of
    `countries` its table. `inputs` = (file name, sha256) of each input."""
    last = max((year for _, _, years in countries for year in years), default=first_year)
    lines = [
        *(f"# {line}" for line in title),
        "#",
        f"# GENERATED by scripts/{script}: do not edit by hand; run the script",
        "# on a new release instead (its docstring says where the input comes from).",
        f"# Data set: {dataset}",
    ]
    lines += [f"# Input: {name} (sha256 {digest})" for name, digest in inputs]
    lines += [
        f"# Years {first_year}-{last}; a country lists only the years the data set has (no value is",
        "# carried forward here: the loader scendsl.catalog.grid does that and flags it).",
        *(f"# {note}" for note in notes),
        "",
        "[meta]",
        f"dataset = {_q(dataset)}",
        f"source = {_q(source)}",
        f"confidence = {_q(confidence)}",
        f"first_year = {first_year}",
        f"last_year = {last}",
        f"countries = {len(countries)}",
        "",
    ]
    for code, name, years in sorted(countries):
        lines.extend([f"[{code}]", f"name = {_q(name)}", "", f"[{code}.{series}]"])
        for year, value in sorted(years.items()):
            lines.append(f"'{year}' = {_figure(f'{value:g} {unit}', source, confidence)}")
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> int:
    """Command line: see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("intensity", type=Path, help="owid-energy-data.csv or grapher CSV")
    parser.add_argument(
        "--per-capita", type=Path, help="grapher per-capita-electricity-generation.csv"
    )
    parser.add_argument("--us-states", type=Path, help="CodeCarbon usa_emissions.json")
    parser.add_argument(
        "--cn-provinces", type=Path, help="CodeCarbon china_provincial_emissions.json"
    )
    parser.add_argument(
        "--ca-provinces",
        type=Path,
        help="scripts/data/canada_nir2020_a13_consumption_intensity.csv",
    )
    parser.add_argument(
        "--au-states", type=Path, help="scripts/data/australia_nga_scope2_location.csv"
    )
    parser.add_argument(
        "--ember-latest", type=Path, help="co2.js data/output/average-intensities.json"
    )
    parser.add_argument(
        "--mix",
        type=Path,
        help="owid-energy-data.csv for the generation shares (by default the"
        " intensity input's own, when it is that file)",
    )
    parser.add_argument("--dataset", required=True, help="release and date of the inputs")
    parser.add_argument("--first-year", type=int, default=2019)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)

    intensity = read_owid(args.intensity, INTENSITY_COLUMNS, required=True)
    per_capita = read_owid(args.intensity, PER_CAPITA_COLUMNS, required=False)
    inputs = [(args.intensity.name, _sha256(args.intensity))]
    if args.per_capita is not None:
        per_capita = read_owid(args.per_capita, PER_CAPITA_COLUMNS, required=True)
        inputs.append((args.per_capita.name, _sha256(args.per_capita)))
    us_states: dict[str, tuple[int, float]] = {}
    if args.us_states is not None:
        us_states = read_us_states(args.us_states)
        inputs.append((args.us_states.name, _sha256(args.us_states)))
    cn_provinces: dict[str, tuple[int, float]] = {}
    cn_source = ""
    if args.cn_provinces is not None:
        cn_provinces, cn_source = read_cn_provinces(args.cn_provinces)
        inputs.append((args.cn_provinces.name, _sha256(args.cn_provinces)))
    ca_provinces: dict[str, dict[int, tuple[str, str]]] = {}
    if args.ca_provinces is not None:
        ca_provinces = read_ca_provinces(args.ca_provinces)
        inputs.append((args.ca_provinces.name, _sha256(args.ca_provinces)))
    au_states: dict[str, dict[int, tuple[str, str, str]]] = {}
    if args.au_states is not None:
        au_states = read_au_states(args.au_states)
        inputs.append((args.au_states.name, _sha256(args.au_states)))
    ember_latest: dict[str, tuple[int, float]] = {}
    if args.ember_latest is not None:
        ember_latest = read_ember_latest(args.ember_latest)
        inputs.append((args.ember_latest.name, _sha256(args.ember_latest)))
    mix = read_mix(args.mix or args.intensity)
    if args.mix is not None:
        inputs.append((args.mix.name, _sha256(args.mix)))
    text = build_toml(
        intensity,
        per_capita,
        us_states,
        dataset=args.dataset,
        inputs=inputs,
        first_year=args.first_year,
        cn_provinces=cn_provinces,
        cn_source=cn_source,
        ca_provinces=ca_provinces,
        au_states=au_states,
        ember_latest=ember_latest,
        mix=mix,
    )
    args.out.write_text(text, encoding="utf-8")
    regions = text.count("grid_intensity]")
    print(f"wrote {args.out.name}: {regions} regions with intensity", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
