"""Write `scripts/data/climatescope_2024_industrial_prices.csv` from BloombergNEF's Climatescope 2024
electricity-price data (development time only).

BloombergNEF's *Climatescope 2024* (https://www.global-climatescope.org/) publishes, for each of
its 139 markets, the indicator "Electricity Prices" with the sub-indicators Average Residential,
Average Commercial, Average Industrial, Average Electricity Price in USD (and, for some, Average
Wholesale), in USD/MWh, one value a year for 2017-2023. The site serves the table as
`content/electricity-prices-2024.txt` in its public GitHub repository
`climatescope/climatescope.org` (the file was last changed in commit acd31890, 2024-11-14, "Added
highlights and more tools"; read at commit 9a31b349 of 2025-07-25). That file is the JSON list
encoded as base64 and then reversed (the site's `src/utils/convertFromBuffer.js` undoes it).

This script decodes it and writes one CSV row per market and year of the **Average Industrial**
sub-indicator, the value as published (no rounding, no conversion), so that
`import_electricity_prices.py --climatescope` can read it. Markets are ISO 3166-1 alpha-2 codes in
lower case (one, `"is "`, carries a trailing space, stripped here); a value of 0 is how the table
marks a year it has no figure for, so those rows are left out.

    python scripts/extract_climatescope_prices.py electricity-prices-2024.txt \\
        --out scripts/data/climatescope_2024_industrial_prices.csv

Output is deterministic: the same input gives the same bytes.
"""

from __future__ import annotations

import argparse
import base64
import csv
import io
import json
from pathlib import Path

import pycountry

SUBINDICATOR = "Average Industrial"
COLUMNS = ["region", "year", "usd_per_mwh"]


def decode(text: str) -> list[dict[str, object]]:
    """The JSON list the site encodes: reverse the text, then base64-decode it."""
    return json.loads(base64.b64decode(text.strip()[::-1]).decode("utf-8"))


def industrial_rows(records: list[dict[str, object]]) -> list[tuple[str, int, str]]:
    """(alpha-2, year, USD/MWh as published) for every non-zero Average Industrial value."""
    rows: list[tuple[str, int, str]] = []
    seen: set[tuple[str, int]] = set()
    for record in records:
        if record.get("indicator") != "Electricity Prices":
            continue
        if record.get("subindicator") != SUBINDICATOR:
            continue
        if record.get("units") != "USD/MWh":
            raise SystemExit(f"{record.get('iso')}: units {record.get('units')!r}, not USD/MWh")
        code = str(record["iso"]).strip().upper()
        if pycountry.countries.get(alpha_2=code) is None:
            raise SystemExit(f"{code!r} is not an ISO 3166-1 alpha-2 code")
        for point in record["data"]:  # type: ignore[union-attr]
            year, value = int(point["x_val"]), point["y_val"]
            if not value:
                continue  # 0: the table has no figure for that year
            if (code, year) in seen:
                raise SystemExit(f"{code} {year} given twice")
            seen.add((code, year))
            rows.append((code, year, repr(float(value))))
    return sorted(rows)


def write_csv(rows: list[tuple[str, int, str]]) -> str:
    """The CSV text of the rows."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    """Command line: see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("table", type=Path, help="content/electricity-prices-2024.txt")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    rows = industrial_rows(decode(args.table.read_text(encoding="utf-8")))
    args.out.write_text(write_csv(rows), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
