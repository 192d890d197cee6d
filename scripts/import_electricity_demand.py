"""Write `scendsl/catalog/electricity_demand.toml`: each country's electricity demand by year.

Development-time only: the package reads the TOML, never this script. Its one third-party
dependency is `pycountry` (ISO 3166 codes), which the grid import uses too.

The figure is what `energy.national_share` divides a site's annual energy by: the country's
electricity demand in TWh (Ember's "demand": generation plus net imports), as published by Our
World in Data (OWID) from Ember's Yearly Electricity Data and the Energy Institute's Statistical
Review of World Energy. The input is read in either OWID layout (the reader is the grid
import's, `scripts/import_grid_data.py`):

* `owid-energy-data.csv` of the OWID energy data set, repository `owid/energy-data` on GitHub
  (columns `country`, `year`, `iso_code`, `electricity_demand` in TWh); the repository README's
  changelog dates each release, its `owid-energy-codebook.csv` describes the column
  ("Electricity demand - Measured in terawatt-hours", sources Ember and the Energy Institute);
* the OWID grapher download of the chart `electricity-demand`
  (https://ourworldindata.org/grapher/electricity-demand.csv; columns `Entity`, `Code`, `Year`
  and `Electricity demand - TWh`, in older downloads `Electricity demand (TWh)`), the same
  series.

`--dataset TEXT` (required) names the release the input comes from and when it was published or
retrieved: it is written into the header and `[meta]`, because a figure without its vintage
cannot be checked.

Usage (from the repository root):

    python scripts/import_electricity_demand.py electricity-demand.csv \\
        --dataset "OWID grapher electricity-demand, ..." \\
        --out scendsl/catalog/electricity_demand.toml

The committed file was written from the grapher download as kept in the public repository
`dx0s1nt/worlddata` (commit e9590cdf, `electricity-demand.csv`, uploaded 5 Jun 2024; byte for
byte the file whose sha256 the header records): its latest year is 2023 (for 91 countries; the
others end in 2021 or 2022), consistent with the OWID energy data release of 8 May 2024
("Updated Ember's yearly electricity data, which includes data for 2023"). The full
`owid-energy-data.csv` is over what the project's copies of public repositories hold, which is
why the grapher download of the one column was read instead.

Only rows whose code is an ISO 3166-1 alpha-3 code known to pycountry become countries;
aggregates (the world, the EU, continents, income groups, Ember's regions) and Kosovo
(`OWID_KOS`) are skipped and listed in the header by name: a scenario's region is a country or
a subdivision, never a group. Years before `--first-year` (default 2019) are dropped. A country lists only the years the
data set has: the loader (`scendsl.catalog.grid`) takes the latest earlier year for a later one
and says so. Output is deterministic: the same input gives the same bytes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pycountry

# The grid import's OWID reader and TOML writers, beside this script.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from import_grid_data import Row, _series, _sha256, national_series_toml, read_owid

DEMAND_COLUMNS = (
    "electricity_demand",
    "Electricity demand - TWh",
    "Electricity demand (TWh)",
    "Electricity demand",
)
# Short on purpose: repeated on every figure; [meta].dataset names the release.
SOURCE = "Ember and Energy Institute via Our World in Data, electricity demand"
#: A faithful copy of a maintained data set, its figures Ember's and the Energy Institute's: B.
CONFIDENCE = "B"
#: Bounds of a country's demand in TWh: a figure outside is a unit or parsing error.
DEMAND_BOUNDS = (0.0, 20_000.0)


def build_toml(
    rows: list[Row], *, dataset: str, inputs: list[tuple[str, str]], first_year: int = 2019
) -> str:
    """The text of electricity_demand.toml. `inputs` = (file name, sha256) of each input."""
    series = _series(rows, first_year)
    names = {row.key: row.name for row in rows}
    countries: dict[str, str] = {}  # alpha-2 -> input key
    skipped = []
    for key in sorted(series):
        country = pycountry.countries.get(alpha_3=key) if len(key) == 3 else None
        if country is None:
            skipped.append(names[key])
        else:
            countries[country.alpha_2] = key
    for key in countries.values():
        for year, value in series[key].items():
            if not DEMAND_BOUNDS[0] <= value <= DEMAND_BOUNDS[1]:
                raise SystemExit(f"{names[key]} {year}: {value} is not a demand in TWh")
    return national_series_toml(
        script="import_electricity_demand.py",
        title=["Electricity demand by country (ISO 3166-1 alpha-2) and year, in TWh."],
        series="electricity_demand",
        unit="TWh",
        notes=[
            "electricity_demand: the country's electricity demand (generation plus net imports), "
            "TWh.",
            "Skipped input rows (aggregates and codes not in ISO 3166-1): "
            + (", ".join(sorted(skipped)) or "none")
            + ".",
        ],
        source=SOURCE,
        confidence=CONFIDENCE,
        dataset=dataset,
        inputs=inputs,
        first_year=first_year,
        countries=[(code, names[key], series[key]) for code, key in countries.items()],
    )


def main(argv: list[str] | None = None) -> int:
    """Command line: see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("demand", type=Path, help="owid-energy-data.csv or grapher CSV")
    parser.add_argument("--dataset", required=True, help="release and date of the input")
    parser.add_argument("--first-year", type=int, default=2019)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    rows = read_owid(args.demand, DEMAND_COLUMNS, required=True)
    text = build_toml(
        rows,
        dataset=args.dataset,
        inputs=[(args.demand.name, _sha256(args.demand))],
        first_year=args.first_year,
    )
    args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
