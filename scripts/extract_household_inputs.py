"""Write the committed extracts of the household import's three large inputs (development-time only).

`scripts/import_household_electricity.py` divides residential electricity by households; its
inputs are public files kept in other repositories (its docstring names each, with the commit).
Two are large, so the repository keeps the part the import reads, in the same layout, so the
import reads either the full file or the extract with the same code:

* `scripts/data/iea_eeei_residential_electricity.json`: of the IEA *Energy End-uses and
  Efficiency Indicators* JSON (`unige-vizis/MyEnergyProfile`, commit fe68834d,
  `data-processing/prepared-sets/energy_consumptions_by_sector.json`), for every country and
  year, only Residential -> "Total residential" -> products -> "Electricity (PJ)", with the
  file's `metadata` (its generation date and source name) unchanged. Nothing is rounded.
* `scripts/data/worldbank_population_2015_on.csv`: of the World Bank `SP.POP.TOTL` population
  (`datasets/population`, commit 425fc447, `data/population.csv`), the rows of 2015 and later,
  the four columns unchanged. The import needs a year's population only for years from its
  `--first-year` (2019) and for the national rows' years; an earlier `--first-year` needs the
  full file.
* The UN DESA *Household Size and Composition 2022* table (`sheepyrad/4002_proj`, commit
  497f1274, `data/Household_size.csv`, 77 kB) is small and is kept whole, byte for byte, as
  `scripts/data/undesa_household_size_2022.csv`.

Usage (from the repository root, with the three files fetched from those repositories):

    python scripts/extract_household_inputs.py --iea energy_consumptions_by_sector.json \\
        --population population.csv --household-size Household_size.csv --out-dir scripts/data

Output is deterministic: the same inputs give the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
from pathlib import Path

IEA_OUT = "iea_eeei_residential_electricity.json"
POPULATION_OUT = "worldbank_population_2015_on.csv"
SIZE_OUT = "undesa_household_size_2022.csv"
FIRST_POPULATION_YEAR = 2015
PRODUCT = "Electricity (PJ)"


def iea_extract(data: dict) -> dict:
    """The residential electricity of every country and year, in the input's own nesting."""
    countries: dict[str, dict] = {}
    for name in sorted(data["countries"]):
        years = data["countries"][name].get("Residential", {})
        kept = {
            year: {"Total residential": {"products": {PRODUCT: products[PRODUCT]}}}
            for year, uses in sorted(years.items())
            if PRODUCT in (products := uses.get("Total residential", {}).get("products", {}))
        }
        countries[name] = {"Residential": kept}
    return {"metadata": data.get("metadata", {}), "countries": countries}


def population_extract(text: str) -> str:
    """The rows of FIRST_POPULATION_YEAR and later, columns and order unchanged."""
    rows = csv.DictReader(io.StringIO(text))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=rows.fieldnames or [], lineterminator="\n")
    writer.writeheader()
    writer.writerows(r for r in rows if int(r["Year"]) >= FIRST_POPULATION_YEAR)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    """Read the three full inputs and write the extracts."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--iea", type=Path, required=True)
    parser.add_argument("--population", type=Path, required=True)
    parser.add_argument("--household-size", type=Path, required=True)
    parser.add_argument("--out-dir", type=Path, required=True)
    args = parser.parse_args(argv)

    iea = iea_extract(json.loads(args.iea.read_text(encoding="utf-8")))
    (args.out_dir / IEA_OUT).write_text(
        json.dumps(iea, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    population = population_extract(args.population.read_text(encoding="utf-8"))
    (args.out_dir / POPULATION_OUT).write_text(population, encoding="utf-8")
    (args.out_dir / SIZE_OUT).write_bytes(args.household_size.read_bytes())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
