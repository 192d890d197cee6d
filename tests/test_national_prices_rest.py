"""Shape of the hand-copied industrial prices for CH, CA, MX, BR, the Gulf, IL, AU, NZ and ZA.

`scripts/data/national_prices_rest.csv` and `scripts/data/currency_rates_rest.csv` are read by the
price import; a malformed row (unknown region, year out of range, missing source, bad grade or
currency) must fail here rather than slip into the catalog.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pycountry
import pytest

ROOT = Path(__file__).resolve().parent.parent
PRICES = ROOT / "scripts" / "data" / "national_prices_rest.csv"
RATES = ROOT / "scripts" / "data" / "currency_rates_rest.csv"
PRICE_HEADER = "region,year,series,value,currency,per,measure,source,read_in,confidence,note".split(
    ","
)
RATE_HEADER = "currency,year,units_per_usd,source,note".split(",")
#: Pegged currencies the ECB does not publish: a price in one of them needs a sourced rate row.
PEGGED = {"AED", "SAR", "QAR"}


def _iso_countries() -> set[str]:
    lines = (ROOT / "scendsl" / "catalog" / "iso3166.tsv").read_text(encoding="utf-8").splitlines()
    return {line.split("\t")[0] for line in lines if line and not line.startswith("#")}


def _valid_region(code: str, countries: set[str]) -> bool:
    # iso3166.tsv lists only the subdivisions scenarios may name today (US, a few UA), so a
    # subdivision is checked against pycountry and its country against the catalog's list.
    if "-" not in code:
        return code in countries
    return code.split("-")[0] in countries and pycountry.subdivisions.get(code=code) is not None


def _rows(path: Path, header: list[str]) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == header, path.name
        return list(reader)


def _positive(text: str) -> bool:
    try:
        return float(text) > 0
    except ValueError:
        return False


def _currency(code: str) -> bool:
    return (
        bool(re.fullmatch(r"[A-Z]{3}", code)) and pycountry.currencies.get(alpha_3=code) is not None
    )


def price_problems(path: Path) -> list[str]:
    """Every shape problem of a prices CSV, one line each (empty when the file is well formed)."""
    countries = _iso_countries()
    problems: list[str] = []
    seen: set[tuple[str, str, str]] = set()
    for number, row in enumerate(_rows(path, PRICE_HEADER), start=2):
        where = f"{path.name}:{number}"
        if None in row or any(value is None for value in row.values()):
            problems.append(f"{where}: wrong number of fields")
            continue
        if not _valid_region(row["region"], countries):
            problems.append(f"{where}: region {row['region']!r} is not an ISO 3166 code")
        if not (row["year"].isdigit() and 2019 <= int(row["year"]) <= 2025):
            problems.append(f"{where}: year {row['year']!r} outside 2019-2025")
        if row["series"] not in {"industrial_price", "large_industrial_price"}:
            problems.append(f"{where}: series {row['series']!r}")
        if not _positive(row["value"]):
            problems.append(f"{where}: value {row['value']!r} is not a positive number")
        if not _currency(row["currency"]):
            problems.append(f"{where}: currency {row['currency']!r} is not ISO 4217")
        if row["per"] not in {"kWh", "MWh"}:
            problems.append(f"{where}: per {row['per']!r}")
        for field in ("measure", "source", "read_in"):
            if not row[field].strip():
                problems.append(f"{where}: empty {field}")
        if row["confidence"] not in {"A", "B", "C"}:
            problems.append(f"{where}: confidence {row['confidence']!r} is not A, B or C")
        key = (row["region"], row["year"], row["series"])
        if key in seen:
            problems.append(f"{where}: second row for {key}")
        seen.add(key)
    return problems


def rate_problems(path: Path) -> list[str]:
    """Every shape problem of a currency-rates CSV, one line each."""
    problems: list[str] = []
    for number, row in enumerate(_rows(path, RATE_HEADER), start=2):
        where = f"{path.name}:{number}"
        if not _currency(row["currency"] or ""):
            problems.append(f"{where}: currency {row['currency']!r} is not ISO 4217")
        if not (row["year"] or "").isdigit() or not 2019 <= int(row["year"]) <= 2025:
            problems.append(f"{where}: year {row['year']!r} outside 2019-2025")
        if not _positive(row["units_per_usd"] or ""):
            problems.append(f"{where}: units_per_usd {row['units_per_usd']!r}")
        if not (row["source"] or "").strip():
            problems.append(f"{where}: empty source")
    return problems


def test_committed_rest_prices_are_well_formed() -> None:
    assert price_problems(PRICES) == []
    assert len(_rows(PRICES, PRICE_HEADER)) >= 1


def test_committed_currency_rates_are_well_formed() -> None:
    assert rate_problems(RATES) == []


def test_every_price_in_a_pegged_gulf_currency_has_a_sourced_rate_for_its_year() -> None:
    rates = {(row["currency"], row["year"]) for row in _rows(RATES, RATE_HEADER)}
    for row in _rows(PRICES, PRICE_HEADER):
        if row["currency"] in PEGGED:
            assert (row["currency"], row["year"]) in rates, (row["region"], row["year"])


@pytest.mark.parametrize(
    ("field", "bad", "complaint"),
    [
        ("region", "XX", "not an ISO 3166 code"),
        ("region", "CA-ZZ", "not an ISO 3166 code"),
        ("year", "2018", "outside 2019-2025"),
        ("value", "-0.05", "not a positive number"),
        ("currency", "usd", "not ISO 4217"),
        ("source", " ", "empty source"),
        ("read_in", "", "empty read_in"),
        ("confidence", "D", "not A, B or C"),
    ],
)
def test_a_malformed_price_row_is_reported(
    tmp_path: Path, field: str, bad: str, complaint: str
) -> None:
    good = {
        "region": "CA-QC",
        "year": "2022",
        "series": "industrial_price",
        "value": "0.0837",
        "currency": "CAD",
        "per": "kWh",
        "measure": "m",
        "source": "s",
        "read_in": "r",
        "confidence": "A",
        "note": "",
    }
    path = tmp_path / "prices.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=PRICE_HEADER)
        writer.writeheader()
        writer.writerow(good)
        writer.writerow({**good, "year": "2021", field: bad})
    problems = price_problems(path)
    assert len(problems) == 1 and complaint in problems[0] and ":3:" in problems[0], problems


def test_a_price_file_with_a_wrong_header_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "prices.csv"
    path.write_text("region,year,value\nCA-QC,2022,0.08\n", encoding="utf-8")
    with pytest.raises(AssertionError):
        price_problems(path)
