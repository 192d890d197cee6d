"""Write `scendsl/catalog/commercial_prices.toml`: the World Bank's commercial tariff (development-time only).

One series, `commercial_price` (USD/MWh, grade B), for every ISO 3166-1 country in the input: the
World Bank Doing Business indicator "Getting electricity : Price of electricity (US cents per
kWh) (DB16-20 methodology)" (WB.DB.58 in the World Bank's Data360 "Doing Business (Archived
data)" data set WB.DB, last updated 2023-07-17; IC.ELC.PRI.KH.DB1619 in the World Development
Indicators). The indicator's own description, read in the data set's "Indicator Metadata" sheet:
"A monthly electricity consumption is assumed, for which a bill is then computed for a warehouse
based in the largest business city of the economy for the month of March. The bill is then
expressed back as a unit of kWh." The data set's metadata points to the Doing Business
methodology (https://archive.doingbusiness.org/en/methodology); its getting-electricity page, read
as stored at http://www.doingbusiness.org/methodology/getting-electricity, describes the warehouse
(in the largest business city, storing refrigerated goods, outside special economic zones) and its
permanent three-phase, four-wire Y, 140-kVA connection. The monthly consumption assumed and the
tax treatment are not stated in the text read. It is a commercial
customer's tariff, not an industrial average: `scendsl.catalog.grid.electricity_price` reads it
only for a country without an `industrial_price`, as a flagged stand-in.

Input (the script fetches nothing): `scripts/data/worldbank_db_electricity_price_extract.csv`,
the 190 rows of this indicator copied from the "Data" sheet of the World Bank's own Data360
export `WB-DB.xlsx` (sha256 54c40339640f561499b9aeca2b75e7e97db7fe547dee138ba4e81ec7540b6bbf) as
kept in the public GitHub repository `jacob-harr/gep_renewable_energy_production` (commit
06f23bced91b536078e89982a546c2268dcc813e, `data/raw/WB-DB.xlsx`), because the World Bank's own
site was not reachable when this was built. Kept columns: `Economy ISO3`, `Economy Name`,
`Indicator ID`, `Indicator` and the year columns 2014 to 2019 (the columns 2003 to 2013 are empty
for this indicator and the four `Attribute`/`Partner` columns are all `-`); each number is written
as the shortest decimal of the spreadsheet's stored double (18.600000000000001 -> 18.6); an empty
cell stays empty. Year columns are the export's: the data set's metadata gives the indicator's
range as 2015-2020 (the Doing Business report years), so the column 2019 holds the DB2020 figure,
whose tariffs are those of March 2019.

Conversion: US cents per kWh x 10 = USD per MWh. Empty and `..` (the World Bank's missing value)
cells are skipped; ISO3 codes are mapped to ISO 3166-1 alpha-2 with pycountry, and an economy
without one (Kosovo, `XKX`) is skipped.

Usage (the command that wrote the committed file):

    python scripts/import_commercial_prices.py \\
        --worldbank scripts/data/worldbank_db_electricity_price_extract.csv \\
        --out scendsl/catalog/commercial_prices.toml
"""

from __future__ import annotations

import argparse
import csv
import hashlib
from pathlib import Path

import pycountry

SOURCE = (
    "World Bank, Doing Business (archived data), Getting electricity: Price of electricity"
    " (US cents per kWh) (DB16-20 methodology), WB.DB.58 / IC.ELC.PRI.KH.DB1619;"
    " https://www.worldbank.org/en/programs/business-enabling-environment/doing-business-legacy"
)
READ_IN = (
    "read in the World Bank's own Data360 export of data set WB.DB (updated 2023-07-17) as kept"
    " in GitHub jacob-harr/gep_renewable_energy_production at commit 06f23bce"
)
GRADE = "B"  # a primary figure read through a third-party copy of the World Bank's export
INDICATOR = "WB.DB.58"
MISSING = {"", ".."}


def read_worldbank(path: Path) -> dict[str, dict[int, float]]:
    """ISO 3166-1 alpha-2 -> year -> US cents per kWh, from the extract (or the Data sheet
    saved as CSV); rows of other indicators, missing cells and economies without an ISO 3166-1
    code are skipped."""
    out: dict[str, dict[int, float]] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        years = [c for c in reader.fieldnames or [] if c.isdigit()]
        if not years or "Economy ISO3" not in (reader.fieldnames or []):
            raise SystemExit(f"{path.name}: no 'Economy ISO3' column or no year columns")
        for number, row in enumerate(reader, start=2):
            if row.get("Indicator ID", INDICATOR) != INDICATOR:
                continue
            country = pycountry.countries.get(alpha_3=row["Economy ISO3"].strip())
            if country is None:
                continue  # e.g. XKX (Kosovo): no ISO 3166-1 code
            for year in years:
                text = (row[year] or "").strip()
                if text in MISSING:
                    continue
                try:
                    value = float(text)
                except ValueError:
                    raise SystemExit(
                        f"{path.name}:{number}: {year} is not a number: {text!r}"
                    ) from None
                out.setdefault(country.alpha_2, {})[int(year)] = value
    return out


def _q(text: str) -> str:
    return "'" + text.replace("'", "\u2019") + "'"


def build_toml(prices: dict[str, dict[int, float]], inputs: list[Path]) -> str:
    """The catalog file's text: a header, `[meta]`, then one table per country."""
    years = sorted({y for series in prices.values() for y in series})
    lines = [
        "# Commercial electricity tariff by country (ISO 3166-1 alpha-2) and year, in USD/MWh: the",
        "# World Bank Doing Business price of electricity for a standard warehouse in the",
        "# economy's largest business city (a commercial customer, March tariffs).",
        "#",
        "# GENERATED by scripts/import_commercial_prices.py: do not edit by hand; its docstring",
        "# says where the input comes from. A stand-in only: scendsl.catalog.grid.electricity_price",
        "# reads it for a country without an industrial price, and flags it as a fallback.",
    ]
    for path in inputs:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        lines.append(f"# Input: {path.name} (sha256 {digest})")
    lines += [
        "",
        "[meta]",
        f"dataset = {_q(SOURCE + '; ' + READ_IN)}",
        f"years = [{', '.join(str(y) for y in years)}]",
        f"countries = {len(prices)}",
    ]
    for code in sorted(prices):
        name = pycountry.countries.get(alpha_2=code).name
        lines += ["", f"[{code}]", f"name = {_q(name)}", "", f"[{code}.commercial_price]"]
        for year, cents in sorted(prices[code].items()):
            note = (
                f"{cents:g} US cents/kWh x 10 = {cents * 10:.1f} USD/MWh; a monthly bill for a"
                f" standard warehouse in the economy's largest business city at the tariffs of"
                f" March {year}, expressed per kWh (Doing Business {year + 1}); a commercial"
                f" customer's tariff, not an industrial average; {READ_IN}"
            )
            figure = (
                f"{{ value = {_q(f'{cents * 10:.1f} USD/MWh')}, source = {_q(SOURCE)},"
                f" confidence = {_q(GRADE)}, note = {_q(note)} }}"
            )
            lines.append(f"'{year}' = {figure}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Read the extract and write the catalog file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worldbank", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    prices = read_worldbank(args.worldbank)
    args.out.write_text(build_toml(prices, [args.worldbank]), encoding="utf-8")
    print(f"{args.out}: {len(prices)} countries")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
