"""Write `scendsl/catalog/national_emissions.toml`: each country's greenhouse-gas emissions by year.

Development-time only: the package reads the TOML, never this script. Its one third-party
dependency is `pycountry` (ISO 3166 codes), which the grid import uses too.

The figure is what `energy.national_emissions_share` divides a site's annual emissions by: the
country's total greenhouse-gas emissions excluding land use, land-use change and forestry
(LUCF), in million tonnes of CO2-equivalent, the total a national inventory calls its gross
emissions. The input is Climate Watch's CAIT data set as Our World in Data keeps it in its CO2
data set's repository (`owid/co2-data` on GitHub, file `scripts/grapher/GHG Emissions by Country
and Sector (CAIT, 2021).csv`, added by commit 40e191f4 of 22 Feb 2022: "add updated CAIT
datasets on emissions by sector"), columns `Country`, `Year` and `Total excluding LUCF`
(MtCO2e, AR4 global warming potentials, 1990-2018, 195 entities). The repository's main file,
`owid-co2-data.csv` (whose `total_ghg_excluding_lucf` later releases take from another source
and carry to later years), is listed in the project's snapshot of the repository without its
contents, which is why this file, present in the snapshot, was read instead.

`--dataset TEXT` (required) names the release the input comes from and when it was published or
retrieved: it is written into the header and `[meta]`, because a figure without its vintage
cannot be checked.

Usage (from the repository root):

    python scripts/import_national_emissions.py "GHG Emissions by Country and Sector (CAIT, 2021).csv" \\
        --dataset "..." --out scendsl/catalog/national_emissions.toml

The data set names countries, not codes: a name pycountry does not find is mapped by
`NAME_CODES` below (each checked by hand), and the aggregates (`AGGREGATES`) are skipped and
listed in the header; a name in neither stops the import. Years before `--first-year` (default
2014) are dropped. A country lists only the years the data set has: the loader
(`scendsl.catalog.grid`) takes the latest earlier year for a later one and says so. Output is
deterministic: the same input gives the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import pycountry

# The grid import's TOML helpers, beside this script.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from import_grid_data import _figure, _q, _sha256

# Short on purpose: repeated on every figure; [meta].dataset names the release.
SOURCE = "Climate Watch (CAIT) via Our World in Data, greenhouse-gas emissions excluding LUCF"
#: A faithful copy of a maintained data set, itself a compilation of inventories and estimates: B.
CONFIDENCE = "B"
#: The data set's column of the total without land use, land-use change and forestry (MtCO2e).
TOTAL_COLUMN = "Total excluding LUCF"
#: Names pycountry does not resolve, as the data set spells them.
NAME_CODES = {
    "Brunei": "BN",
    "Cape Verde": "CV",
    "Cote d'Ivoire": "CI",
    "Democratic Republic of Congo": "CD",
    "Micronesia (country)": "FM",
    "Russia": "RU",
    "Timor": "TL",
    "Turkey": "TR",
}
#: Groups of countries, not a region a scenario can be in.
AGGREGATES = frozenset({"European Union (27)", "World"})
#: Bounds of a country's total in MtCO2e: a figure outside is a unit or parsing error.
TOTAL_BOUNDS = (0.0, 20_000.0)


def country_code(name: str) -> str:
    """The ISO 3166-1 alpha-2 code of a country as the data set names it."""
    if name in NAME_CODES:
        return NAME_CODES[name]
    try:
        return str(pycountry.countries.lookup(name).alpha_2)
    except LookupError:
        raise SystemExit(f"{name!r}: no ISO 3166-1 country; add it to NAME_CODES") from None


def read_totals(path: Path, first_year: int) -> dict[str, tuple[str, dict[int, float]]]:
    """{alpha-2: (name, {year: MtCO2e})} from the CAIT file, aggregates left out."""
    out: dict[str, tuple[str, dict[int, float]]] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if TOTAL_COLUMN not in (reader.fieldnames or []):
            raise SystemExit(f"{path.name}: no column {TOTAL_COLUMN!r}")
        for row in reader:
            name, year, text = row["Country"], int(row["Year"]), row[TOTAL_COLUMN]
            if name in AGGREGATES or year < first_year or not text:
                continue
            value = float(text)
            if not TOTAL_BOUNDS[0] < value <= TOTAL_BOUNDS[1]:
                raise SystemExit(f"{name} {year}: {value} is not a total in MtCO2e")
            out.setdefault(country_code(name), (name, {}))[1][year] = value
    return out


def build_toml(
    totals: dict[str, tuple[str, dict[int, float]]],
    *,
    dataset: str,
    inputs: list[tuple[str, str]],
    first_year: int = 2014,
) -> str:
    """The text of national_emissions.toml. `inputs` = (file name, sha256) of each input."""
    last = max((year for _, years in totals.values() for year in years), default=first_year)
    lines = [
        "# Greenhouse-gas emissions by country (ISO 3166-1 alpha-2) and year, excluding land use,",
        "# land-use change and forestry, in MtCO2e.",
        "#",
        "# GENERATED by scripts/import_national_emissions.py: do not edit by hand; run the script",
        "# on a new release instead (its docstring says where the input comes from).",
        f"# Data set: {dataset}",
    ]
    lines += [f"# Input: {name} (sha256 {digest})" for name, digest in inputs]
    lines += [
        f"# Years {first_year}-{last}; a country lists only the years the data set has (no value is",
        "# carried forward here: the loader scendsl.catalog.grid does that and flags it).",
        "# national_emissions: the country's total greenhouse-gas emissions excluding LUCF, MtCO2e.",
        "# Skipped input rows (aggregates): " + ", ".join(sorted(AGGREGATES)) + ".",
        "",
        "[meta]",
        f"dataset = {_q(dataset)}",
        f"source = {_q(SOURCE)}",
        f"confidence = {_q(CONFIDENCE)}",
        f"first_year = {first_year}",
        f"last_year = {last}",
        f"countries = {len(totals)}",
        "",
    ]
    for code, (name, years) in sorted(totals.items()):
        lines.extend([f"[{code}]", f"name = {_q(name)}", "", f"[{code}.national_emissions]"])
        for year, value in sorted(years.items()):
            lines.append(f"'{year}' = {_figure(f'{value:g} MtCO2', SOURCE, CONFIDENCE)}")
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> int:
    """Command line: see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("totals", type=Path, help="GHG Emissions by Country and Sector (CAIT) CSV")
    parser.add_argument("--dataset", required=True, help="release and date of the input")
    parser.add_argument("--first-year", type=int, default=2014)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    text = build_toml(
        read_totals(args.totals, args.first_year),
        dataset=args.dataset,
        inputs=[(args.totals.name, _sha256(args.totals))],
        first_year=args.first_year,
    )
    args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
