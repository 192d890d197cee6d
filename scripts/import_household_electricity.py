"""Write `scendsl/catalog/households.toml`: electricity used per household, by country and year.

Development-time only: the package reads the TOML, never this script. Its one third-party
dependency is `pycountry` (ISO 3166 codes from the inputs' names and numeric or alpha-3 codes).

The figure is the electricity one average household of the country uses in a year, for the
"how many homes" comparison of a site's energy (energy.households_equivalent). Two kinds:

* **Published** averages, copied by hand into `scripts/data/household_electricity_published.csv`
  (columns region, year, value_kwh, source, read_in, confidence, note): a statistics office's,
  regulator's or (for a place one utility supplies, nearly whole) that utility's own mean per
  household or residential customer over a year, never a median or a "typical customer" used
  to illustrate a bill. A figure published per month (Singapore's EMA gives the year's average
  monthly use of a household account; the Cayman Islands' CUC its residential customers') is
  entered times 12, the monthly figure and the multiplication named in the row's source and
  note. A country
  with a published figure takes only those (a derived figure of another year would mix two
  measures).
* **Derived** (grade C, the division is ours): the residential sector's electricity use ÷ the
  number of households, where
    - residential electricity is "Total residential", product "Electricity (PJ)", of the IEA
      *Energy End-uses and Efficiency Indicators* database, Highlights edition of December 2025
      (61 countries, 2000, 2005, 2010, 2015-2023), read in the JSON the public repository
      `unige-vizis/MyEnergyProfile` made of it (commit fe68834d,
      `data-processing/prepared-sets/energy_consumptions_by_sector.json`: countries -> name ->
      Residential -> year -> "Total residential" -> products -> "Electricity (PJ)"), grade B;
    - households = the year's population (World Bank `SP.POP.TOTL`, as kept in the public
      repository `datasets/population`, commit 425fc447, `data/population.csv`: columns
      Country Name, Country Code (ISO alpha-3), Year, Value) ÷ the average household size of
      the latest survey or census in the UN DESA *Household Size and Composition 2022* database
      (the 1,059-row table, as kept in the public repository `sheepyrad/4002_proj`, commit
      497f1274, `data/Household_size.csv`: columns Country or area, ISO Code (numeric),
      Data source category, Reference date (dd/mm/yyyy, some years with two digits), Average
      household size (number of members)). Of several rows with the latest date, the first.
  The household size is of private households while the population counts everyone (people
  in institutions too), and the size is the latest survey's, often years before the energy
  year: both bend the figure slightly, so it is graded C and its note gives every part.
* **National** parts (grade C, the division is ours), copied by hand into
  `scripts/data/household_electricity_national.csv` (columns region, year, residential_kwh,
  residential_source, residential_read_in, households, household_size, households_source,
  households_read_in, note), for countries the two kinds above miss: one row per year, the
  residential electricity total of a national statistics office, regulator or utility, or of
  the IEA's *World Energy Balances Highlights* (flow Residential, product Electricity, PJ
  converted to kWh in the row, for a country outside the end-use database; empty: the IEA
  end-use figure above, for a country the IEA covers but the UN table does not) ÷ the
  households, either a count (census or register) or the year's World Bank population ÷ the
  stated household size (exactly one of the two). A total published month by month (Malaysia's,
  on data.gov.my) is entered as the sum of the year's twelve months, the sum named as ours in
  the row's source and note. A country with national rows takes only those (not the IEA/UN
  series); a published average still replaces them. Every figure is an average over all
  households, electrified or not; where access to electricity is far from universal the row's
  note says so with the access rate.

The three large inputs are committed as extracts in the same layouts (the part of each this
script reads), written by `scripts/extract_household_inputs.py` from the files named above:
`scripts/data/iea_eeei_residential_electricity.json`, `scripts/data/worldbank_population_2015_on.csv`
and `scripts/data/undesa_household_size_2022.csv` (the UN table, whole). The full files give the
same figures.

Usage (from the repository root):

    python scripts/import_household_electricity.py \\
        --iea scripts/data/iea_eeei_residential_electricity.json \\
        --household-size scripts/data/undesa_household_size_2022.csv \\
        --population scripts/data/worldbank_population_2015_on.csv \\
        --published scripts/data/household_electricity_published.csv \\
        --national scripts/data/household_electricity_national.csv \\
        --out scendsl/catalog/households.toml

`--default-region` (default US) names the country whose figure stands in, with a warning, for a
region without one; it is written into `[meta]` with `--default-reason`.

Output is deterministic: the same inputs give the same bytes. Years before `--first-year`
(default 2019) are dropped.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import pycountry

KWH_PER_PJ = 1e15 / 3.6e6  # 1 PJ = 10^15 J; 1 kWh = 3.6 MJ
#: IEA names pycountry does not resolve; None: not an ISO 3166-1 country (skipped).
IEA_NAMES: dict[str, str | None] = {
    "Chinese Taipei": "TW",
    "Hong Kong (China)": "HK",
    "Korea": "KR",
    "Kosovo": None,
    "Republic of Moldova": "MD",
    "Republic of North Macedonia": "MK",
    "Republic of Turkiye": "TR",
    "Slovak Republic": "SK",
    "Czech Republic": "CZ",
    "Russia": "RU",
}
IEA_SOURCE = (
    "IEA Energy End-uses and Efficiency Indicators, Highlights (December 2025), residential"
    " electricity"
)
SIZE_SOURCE = "UN DESA Household Size and Composition 2022, average household size"
POPULATION_SOURCE = "World Bank SP.POP.TOTL population"
DERIVED_SOURCE = (
    "derived: IEA Energy End-uses and Efficiency Indicators (Dec 2025) residential electricity"
    " ÷ (World Bank population ÷ UN DESA Household Size and Composition 2022 average household"
    " size)"
)


@dataclass(frozen=True)
class Figure:
    """One household figure for the TOML."""

    value_kwh: float
    source: str
    confidence: str
    note: str


def _alpha2(name: str) -> str | None:
    if name in IEA_NAMES:
        return IEA_NAMES[name]
    try:
        return pycountry.countries.lookup(name).alpha_2
    except LookupError:
        sys.exit(f"error: IEA country name {name!r} has no ISO 3166-1 code; add it to IEA_NAMES")


def read_iea(path: Path) -> tuple[dict[str, dict[int, float]], list[str]]:
    """Residential electricity (PJ) by alpha-2 code and year, and the names skipped."""
    countries = json.loads(path.read_text(encoding="utf-8"))["countries"]
    out: dict[str, dict[int, float]] = {}
    skipped = []
    for name in sorted(countries):
        code = _alpha2(name)
        if code is None:
            skipped.append(name)
            continue
        for year, uses in countries[name].get("Residential", {}).items():
            products = uses.get("Total residential", {}).get("products", {})
            pj = products.get("Electricity (PJ)")
            if pj is not None and pj > 0:
                out.setdefault(code, {})[int(year)] = float(pj)
    return out, skipped


def _date(text: str) -> tuple[int, int, int]:
    day, month, year = (int(part) for part in text.strip().split("/"))
    if year < 100:  # the table writes some years with two digits; its dates span 1960-2021
        year += 1900 if year >= 60 else 2000
    return year, month, day


def read_household_size(path: Path) -> dict[str, tuple[float, tuple[int, int, int], str]]:
    """The latest average household size by alpha-2 code: (size, date, data source category)."""
    out: dict[str, tuple[float, tuple[int, int, int], str]] = {}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            value = (row.get("Average household size (number of members)") or "").strip()
            number = (row.get("ISO Code") or "").strip()
            if not number or not value or value == "..":
                continue
            country = pycountry.countries.get(numeric=f"{int(number):03d}")
            if country is None:
                continue
            date = _date(row["Reference date (dd/mm/yyyy)"])
            kept = out.get(country.alpha_2)
            if kept is None or date > kept[1]:  # the first row of the latest date is kept
                out[country.alpha_2] = (float(value), date, row["Data source category"].strip())
    return out


def read_population(path: Path) -> dict[str, dict[int, int]]:
    """Population by alpha-2 code and year (World Bank SP.POP.TOTL)."""
    out: dict[str, dict[int, int]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            country = pycountry.countries.get(alpha_3=row["Country Code"])
            if country is None or not row["Value"].strip():
                continue
            out.setdefault(country.alpha_2, {})[int(row["Year"])] = int(float(row["Value"]))
    return out


def read_published(path: Path) -> dict[str, dict[int, Figure]]:
    """Hand-copied published averages: region -> year -> figure (each row fully sourced)."""
    out: dict[str, dict[int, Figure]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            missing = [
                k
                for k in ("region", "year", "value_kwh", "source", "read_in", "confidence")
                if not (row.get(k) or "").strip()
            ]
            if missing:
                sys.exit(f"error: {path}:{line}: missing {', '.join(missing)}")
            region, year = row["region"].strip(), int(row["year"])
            if year in out.get(region, {}):
                sys.exit(f"error: {path}:{line}: {region} {year} given twice")
            note = "; ".join(
                p for p in (row.get("note", "").strip(), f"read in {row['read_in'].strip()}") if p
            )
            out.setdefault(region, {})[year] = Figure(
                float(row["value_kwh"]), row["source"].strip(), row["confidence"].strip(), note
            )
    return out


NATIONAL_DATASET = (
    "; national residential electricity and households from"
    " scripts/data/household_electricity_national.csv"
)
NATIONAL_REQUIRED = (
    "region",
    "year",
    "residential_source",
    "residential_read_in",
    "households_source",
    "households_read_in",
)


def read_national(
    path: Path,
    iea: dict[str, dict[int, float]],
    population: dict[str, dict[int, int]],
) -> dict[str, dict[int, Figure]]:
    """Hand-copied national parts: residential electricity ÷ households, region -> year -> figure.

    Each row names the source of both parts; the division (and, for a household size, the
    population of the year) is done here, so the note can give every part."""
    out: dict[str, dict[int, Figure]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            cell = {k: (v or "").strip() for k, v in row.items() if k is not None}
            missing = [k for k in NATIONAL_REQUIRED if not cell.get(k)]
            if missing:
                sys.exit(f"error: {path}:{line}: missing {', '.join(missing)}")
            region, year = cell["region"], int(cell["year"])
            if year in out.get(region, {}):
                sys.exit(f"error: {path}:{line}: {region} {year} given twice")
            if cell.get("residential_kwh"):
                kwh = float(cell["residential_kwh"])
                residential = (
                    f"{kwh / 1e9:,.6g} TWh residential electricity ({cell['residential_source']},"
                    f" read in {cell['residential_read_in']})"
                )
            elif year in iea.get(region, {}):
                pj = iea[region][year]
                kwh = pj * KWH_PER_PJ
                residential = _iea_part(pj)
            else:
                sys.exit(f"error: {path}:{line}: no residential_kwh and no IEA figure for {region}")
            count, size = cell.get("households"), cell.get("household_size")
            if bool(count) == bool(size):
                sys.exit(f"error: {path}:{line}: give exactly one of households, household_size")
            where = f"{cell['households_source']}, read in {cell['households_read_in']}"
            if count:
                households = float(count)
                parts = f"{households / 1e6:,.2f} million households ({where})"
            else:
                people = population.get(region, {}).get(year)
                if people is None:
                    sys.exit(f"error: {path}:{line}: no population for {region} {year}")
                households = people / float(size)
                parts = _households_part(people, year, float(size), where)
            note = f"derived: {residential}, ÷ {parts}"
            if cell.get("note"):
                note += f"; {cell['note']}"
            source = f"derived: {cell['residential_source']} ÷ {cell['households_source']}"
            out.setdefault(region, {})[year] = Figure(round(kwh / households), source, "C", note)
    return out


def _iea_part(pj: float) -> str:
    """A note's residential part from the IEA figure: its petajoules and terawatt-hours."""
    return f"{pj:.2f} PJ residential electricity ({IEA_SOURCE}) = {pj * KWH_PER_PJ / 1e9:,.1f} TWh"


def _households_part(people: int, year: int, size: float, where: str) -> str:
    """A note's household part from the year's population and a household size (read `where`)."""
    return (
        f"{people / size / 1e6:,.2f} million households = {people:,} people"
        f" ({POPULATION_SOURCE}, {year}) ÷ {size:g} members a household ({where})"
    )


def derive(
    iea: dict[str, dict[int, float]],
    sizes: dict[str, tuple[float, tuple[int, int, int], str]],
    population: dict[str, dict[int, int]],
    first_year: int,
) -> tuple[dict[str, dict[int, Figure]], list[str]]:
    """Residential electricity ÷ households for every country and year with all three parts."""
    out: dict[str, dict[int, Figure]] = {}
    lacking = []
    for code in sorted(iea):
        if code not in sizes:
            lacking.append(f"{code} (no household size)")
            continue
        size, (sy, sm, sd), category = sizes[code]
        for year in sorted(iea[code]):
            if year < first_year:
                continue
            people = population.get(code, {}).get(year)
            if people is None:
                lacking.append(f"{code} {year} (no population)")
                continue
            pj = iea[code][year]
            households = people / size
            kwh = pj * KWH_PER_PJ / households
            where = f"{SIZE_SOURCE}, {category} of {sd:02d}/{sm:02d}/{sy}"
            note = (
                f"derived: {_iea_part(pj)}, ÷ {_households_part(people, year, size, where)};"
                " private households only, population counts everyone"
            )
            out.setdefault(code, {})[year] = Figure(round(kwh), DERIVED_SOURCE, "C", note)
    return out, lacking


def _q(text: str) -> str:
    """A TOML literal string (no escapes), or a basic one when the text holds an apostrophe."""
    if "'" not in text:
        return f"'{text}'"
    return json.dumps(text, ensure_ascii=False)


def build_toml(
    figures: dict[str, dict[int, Figure]],
    *,
    inputs: list[tuple[str, str]],
    skipped: list[str],
    lacking: list[str],
    published: list[str],
    default_region: str,
    default_reason: str,
    national: list[str] | None = None,
) -> str:
    """The text of households.toml."""
    lines = [
        "# Electricity used per household and year, by country (ISO 3166-1 alpha-2).",
        "#",
        "# GENERATED by scripts/import_household_electricity.py: do not edit by hand; rerun the",
        "# script on new inputs instead (its docstring says where each comes from).",
        *(f"# Input: {name} (sha256 {digest})" for name, digest in inputs),
        "# household_electricity: kWh a household uses in a year. Published averages where a",
        f"# statistics office, regulator or utility gives one ({', '.join(published) or 'none'}); national residential"
        " electricity ÷ households (C)",
        "# where the IEA or the UN table misses the country"
        f" ({', '.join(national or []) or 'none'}); elsewhere derived (C):",
        "# IEA residential electricity ÷ (World Bank population ÷ UN DESA average household size).",
        f"# Skipped input names (not ISO 3166-1): {', '.join(skipped) or 'none'}",
        f"# Not derived: {', '.join(lacking) or 'none'}",
        "",
        "[meta]",
        f"default_region = {_q(default_region)}",
        f"default_reason = {_q(default_reason)}",
        f"dataset = {_q(DERIVED_SOURCE + '; published averages from scripts/data/household_electricity_published.csv' + (NATIONAL_DATASET if national else ''))}",
        f"countries = {len(figures)}",
        "",
    ]
    for code in sorted(figures):
        name = pycountry.countries.get(alpha_2=code).name
        lines += [f"[{code}]", f"name = {_q(name)}", "", f"[{code}.household_electricity]"]
        for year in sorted(figures[code]):
            f = figures[code][year]
            parts = [
                f"value = {_q(f'{f.value_kwh:.0f} kWh')}",
                f"source = {_q(f.source)}",
                f"confidence = {_q(f.confidence)}",
                f"note = {_q(f.note)}",
            ]
            lines.append(f"'{year}' = {{ " + ", ".join(parts) + " }")
        lines.append("")
    return "\n".join(lines)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main(argv: list[str] | None = None) -> int:
    """Read the inputs and write the TOML."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--iea", type=Path, required=True)
    parser.add_argument("--household-size", type=Path, required=True)
    parser.add_argument("--population", type=Path, required=True)
    parser.add_argument("--published", type=Path, required=True)
    parser.add_argument(
        "--national",
        type=Path,
        help="national residential electricity totals and household counts or sizes (CSV)",
    )
    parser.add_argument("--first-year", type=int, default=2019)
    parser.add_argument(
        "--default-region",
        default="US",
        help="the country whose figure stands in for a region without one (its figures must "
        "exist); the model names it in the briefing and warns",
    )
    parser.add_argument(
        "--default-reason",
        default="the longest-standing published average (US EIA), and the figure the "
        "comparison used before figures by country existed",
    )
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)

    iea, skipped = read_iea(args.iea)
    population = read_population(args.population)
    derived, lacking = derive(
        iea, read_household_size(args.household_size), population, args.first_year
    )
    national = read_national(args.national, iea, population) if args.national else {}
    published = read_published(args.published)
    # A published average replaces the derived series, national parts the IEA/UN one.
    figures = {**derived, **national, **published}
    lacking = [item for item in lacking if item.split()[0] not in figures]
    paths = [args.iea, args.household_size, args.population, args.published]
    inputs = [(p.name, _sha256(p)) for p in paths + ([args.national] if args.national else [])]
    if args.default_region not in figures:
        sys.exit(f"error: --default-region {args.default_region} has no figure")
    text = build_toml(
        figures,
        inputs=inputs,
        skipped=skipped,
        lacking=lacking,
        published=sorted(published),
        default_region=args.default_region,
        default_reason=args.default_reason,
        national=sorted(set(national) - set(published)),
    )
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}: {len(figures)} countries", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
