"""Write `scripts/data/australia_nga_scope2_location.csv` from DCCEEW's NGA Factors workbooks
(development time only).

Australia's Department of Climate Change, Energy, the Environment and Water (DCCEEW) publishes
the *Australian National Greenhouse Accounts Factors* each year, with a workbook beside the PDF.
Its electricity table gives one scope 2 (location-based) emission factor per state or grid, in
kg CO2-e per kWh of electricity consumed from the grid. This script reads that table from each
edition's workbook and writes one CSV row per ISO 3166-2 code and edition, the value as printed
(no rounding, no conversion), so that `import_grid_data.py --au-states` can read it without a
spreadsheet library. `scripts/data/australia_nga_scope2_location.md` says where the workbooks
were read and what the rows mean.

Inputs: the workbooks `national-greenhouse-account-factors-YYYY.xlsx` (any directory), given on
the command line; the edition is read from the file name. The table is found by its title
(`TABLE_TITLES`), not by its number, which changes between editions.

    python scripts/extract_nga_scope2.py national-greenhouse-account-factors-20*.xlsx \\
        --out scripts/data/australia_nga_scope2_location.csv

Needs openpyxl (the `xlsx` extra). Output is deterministic: the same workbooks give the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import io
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl

#: The electricity table of each layout: its title starts with one of these (lower case).
TABLE_TITLES = (
    # 2021: "Table 5: Indirect (scope 2) emission factors for consumption of purchased electricity
    # or loss of electricity from the grid" (scope 2 only, one column).
    "table 5: indirect (scope 2) emission factors for consumption of purchased electricity",
    # 2022-2025: "Table 1 Indirect (scope 2 and scope 3) ..." (scope 2 first, then scope 3).
    "table 1 indirect (scope 2 and scope 3)",
)

#: ISO 3166-2 code -> the row label of the table (lower case, spaces collapsed, trailing " -"
#: dropped), per layout: the 2021 edition names the grids in one cell, later ones in two.
ROWS = {
    "AU-NSW": ("new south wales and the australian capital territory",
               "new south wales and australian capital territory"),
    "AU-ACT": ("new south wales and the australian capital territory",
               "new south wales and australian capital territory"),
    "AU-VIC": ("victoria",),
    "AU-QLD": ("queensland",),
    "AU-SA": ("south australia",),
    # The South West Interconnected System (Perth and the south-west), the state's main grid;
    # the North Western system (Pilbara) has its own factor, not used.
    "AU-WA": ("south west interconnected system (swis) in western australia",
              "western australia"),
    "AU-TAS": ("tasmania",),
    # The Darwin Katherine Interconnected System, the territory's main grid: the only row for
    # the territory from 2022; the 2021 edition also gives a territory-wide row, not used, so
    # that every edition's figure is the same grid's.
    "AU-NT": ("darwin katherine interconnected system (dkis) in the northern territory",
              "northern territory"),
}  # fmt: skip

#: How each row of ROWS is written in the CSV (the grid the figure is for, as the table names it).
GRID_LABEL = {
    "AU-NSW": "New South Wales and Australian Capital Territory",
    "AU-ACT": "New South Wales and Australian Capital Territory",
    "AU-VIC": "Victoria",
    "AU-QLD": "Queensland",
    "AU-SA": "South Australia",
    "AU-WA": "Western Australia - South West Interconnected System (SWIS)",
    "AU-TAS": "Tasmania",
    "AU-NT": "Northern Territory - Darwin Katherine Interconnected System (DKIS)",
}

_EDITION_RE = re.compile(r"(20\d\d)")


def _label(text: object) -> str:
    words = " ".join(str(text).split()).lower()
    return words[:-2].rstrip() if words.endswith(" -") else words


def read_edition(path: Path) -> tuple[int, str, dict[str, str]]:
    """(edition, table number, ISO code -> scope 2 factor as printed) of one workbook."""
    found = _EDITION_RE.search(path.name)
    if found is None:
        raise SystemExit(f"{path.name}: no edition year in the file name")
    edition = int(found.group(1))
    workbook = openpyxl.load_workbook(path, data_only=True, read_only=True)
    for sheet in workbook.worksheets:
        rows = [
            [cell for cell in row if cell is not None] for row in sheet.iter_rows(values_only=True)
        ]
        rows = [row for row in rows if row]
        if not rows or not isinstance(rows[0][0], str):
            continue
        title = " ".join(rows[0][0].split()).lower()
        if not title.startswith(TABLE_TITLES):
            continue
        table = title.split()[1].rstrip(":")
        values: dict[str, list[Any]] = {}
        for row in rows[1:]:
            if isinstance(row[0], str) and len(row) > 1:
                values.setdefault(_label(row[0]), row[1:])
        out = {}
        for code, labels in ROWS.items():
            label = next((label for label in labels if label in values), None)
            if label is None:
                raise SystemExit(f"{path.name}: Table {table} has no row for {code}")
            value = values[label][0]
            if not isinstance(value, int | float):
                raise SystemExit(f"{path.name}: {code}: not a number: {value!r}")
            out[code] = str(Decimal(repr(value)))  # the cell as printed: 0.73, not 0.7299999
        return edition, table, out
    raise SystemExit(f"{path.name}: no electricity table titled {' or '.join(TABLE_TITLES)}")


def render(paths: list[Path]) -> str:
    """The CSV text, sorted by code and edition."""
    rows = []
    for path in paths:
        edition, table, values = read_edition(path)
        for code, value in values.items():
            rows.append((code, edition, table, GRID_LABEL[code], value))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["region", "edition", "table", "grid", "scope2_kg_co2e_per_kwh"])
    writer.writerows(sorted(rows))
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> int:
    """Command line: see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("workbooks", type=Path, nargs="+")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    args.out.write_text(render(args.workbooks), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
