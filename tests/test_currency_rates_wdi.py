"""The currencies read from the World Bank's official rates (WDI PA.NUS.FCRF): every year of the
input written, every currency of a country with a grid figure either rated or left out on
purpose, a wrongly scaled or mapped input stopped, and a price in one of them converted."""

from __future__ import annotations

import csv
import statistics
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

import scendsl
from scendsl.catalog.currency import exchange_rate
from scendsl.catalog.grid import is_region_code, regions_with
from scendsl.language.units import UNITS
from scendsl.model.evaluate import evaluate

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "import_exchange_rates.py"
DATA = ROOT / "scripts" / "data"
WDI = DATA / "wdi_pa_nus_fcrf_2000_on.csv"
COUNTRIES = DATA / "country_currencies.csv"
RATES = ROOT / "scendsl" / "catalog" / "exchange_rates.toml"

#: Currencies of countries with a grid figure that have no rate, on purpose: no WDI series
#: (CUP, KPW, FKP, SHP, TMT), a series ending before 2023 (AFN, GNF, MMK, SDG, SOS, SYP, VES),
#: an official rate that is not what a buyer pays or a redenomination (IRR, ETB, ZWG), and the
#: digital bolívar (VED) Venezuela lists beside the bolívar.
LEFT_OUT = {
    "CUP", "KPW", "FKP", "SHP", "TMT",
    "AFN", "GNF", "MMK", "SDG", "SOS", "SYP", "VES",
    "IRR", "ETB", "ZWG", "VED",
}  # fmt: skip


def _rates() -> dict:
    return tomllib.loads(RATES.read_text(encoding="utf-8"))


def _wdi() -> dict[str, dict[int, float]]:
    out: dict[str, dict[int, float]] = {}
    with WDI.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            out.setdefault(row["Country Code"], {})[int(row["Year"])] = float(row["Value"])
    return out


def _currencies() -> dict[str, tuple[str, list[str]]]:
    """Alpha-2 code -> (alpha-3 code, its ISO 4217 currencies)."""
    with COUNTRIES.open(encoding="utf-8", newline="") as handle:
        return {
            row["ISO3166-1-Alpha-2"]: (
                row["ISO3166-1-Alpha-3"],
                [c for c in row["ISO4217-currency_alphabetic_code"].split(",") if c],
            )
            for row in csv.DictReader(handle)
        }


def _run(tmp_path: Path, wdi: Path = WDI, countries: Path = COUNTRIES):
    out = tmp_path / "out.toml"
    done = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            *("--yearly", str(DATA / "fed_exchange_rates_yearly.csv")),
            *("--monthly", str(DATA / "fed_exchange_rates_monthly_extract.csv")),
            *("--ecb", str(DATA / "ecb_eurofxref_extract.csv")),
            *("--pegs", str(DATA / "exchange_rates.csv")),
            *("--wdi", str(wdi), "--countries", str(countries)),
            *("--dataset", "test", "--out", str(out)),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    return done, out


def test_every_currency_of_a_country_with_a_grid_figure_has_a_rate_or_is_left_out_on_purpose():
    rates = _rates()
    countries = _currencies()
    grid = {c for c in regions_with("grid_intensity") if is_region_code(c) and "-" not in c}
    missing = set()
    for code in grid:
        currencies = countries.get(code, ("", []))[1]
        if currencies and not any(c in rates or c == "USD" for c in currencies):
            missing |= set(currencies)
    assert missing == LEFT_OUT
    # each is named with its reason in the generated file
    assert set(rates["meta"]["left_out"]) >= LEFT_OUT
    for code in ("KES", "NGN", "EGP", "VND", "PKR", "BDT", "ARS"):
        assert code in rates, code


def test_each_wdi_currency_has_every_year_of_its_countrys_series():
    """No year of the input is dropped: the written years are the series' years (from the
    first year of a unified rate, for the few whose early official rate was not the market's)."""
    rates, wdi, countries = _rates(), _wdi(), _currencies()
    members: dict[str, list[str]] = {}
    for alpha3, codes in countries.values():
        if len(codes) == 1 and alpha3 in wdi:
            members.setdefault(codes[0], []).append(alpha3)
    members.update({"BTN": ["BTN"], "LSL": ["LSO"], "NAD": ["NAM"], "HTG": ["HTI"]})
    members.update({"PAB": ["PAN"], "UYU": ["URY"]})
    written = [c for c, e in rates.items() if c != "meta" and "PA.NUS.FCRF" in e["source"]]
    assert len(written) > 90
    for code in written:
        # a currency union's rate is, each year, the figure most of its members give
        years_of = {y for a in members[code] for y in wdi[a]}
        series = {
            y: statistics.mode([wdi[a][y] for a in members[code] if y in wdi[a]]) for y in years_of
        }
        years = {int(y): v for y, v in rates[code]["per_usd"].items()}
        first = min(years)
        assert set(years) == {y for y in series if y >= first}, code
        if first > min(series):  # a later start than the series' is said in the note
            assert f"written from {first}" in rates[code]["note"], code
        for year, value in years.items():
            assert value == pytest.approx(series[year], rel=5e-6), (code, year)


def test_a_currency_with_parallel_rates_says_which_rate_it_is():
    rates = _rates()
    assert "official wholesale rate" in rates["ARS"]["note"]
    assert "June 2023" in rates["NGN"]["note"]
    assert "6 March 2024" in rates["EGP"]["note"]
    rate = exchange_rate("NGN", 2023)
    assert rate.note is not None and "parallel" in rate.note
    # Malawi's kwacha (devalued twice, parallel rate far above) and Bolivia's boliviano (fixed
    # since 2011, parallel rate near twice it by 2025): each note names the parallel rate with
    # a dated report, and the briefing shows it with any price converted at that rate.
    for code, dated in (("MWK", "9 November 2023"), ("BOB", "11 April 2025")):
        note = exchange_rate(code, 2024).note
        assert note is not None and "parallel" in note and dated in note, code


def test_a_price_in_kenyan_shillings_is_converted_at_the_2023_official_rate():
    text = """\
scenario nairobi {
  year   2023
  region KE
  cluster {
    accelerator H100
    count       1k
  }
  energy {
    price 25 KES/kWh source "tariff of the site"
  }
}
"""
    (scenario,) = scendsl.load_text(text, name="nairobi.scn").scenarios
    result = evaluate(scenario)
    per_usd = _wdi()["KEN"][2023]
    assert exchange_rate("KES", 2023).year_used == 2023
    assert result["energy.supply_price"].value == pytest.approx(
        25 * UNITS["USD/kWh"].factor / per_usd, rel=1e-5
    )


def _edited(source: Path, target: Path, change: Callable[[list[str]], None]) -> Path:
    """A copy of the CSV `source` at `target` with `change` applied to each data row."""
    with source.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    for row in rows[1:]:
        change(row)
    with target.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    return target


def test_the_import_stops_when_the_wdi_series_is_not_in_units_per_dollar(tmp_path):
    """India's series scaled a hundredfold (paise, say) is off the Fed's rupee rate."""

    def scale(row: list[str]) -> None:
        if row[1] == "IND":
            row[3] = str(float(row[3]) * 100)

    done, out = _run(tmp_path, wdi=_edited(WDI, tmp_path / "wdi.csv", scale))
    assert done.returncode != 0 and "INR" in done.stderr and "the Fed" in done.stderr
    assert not out.exists()


def test_the_wdi_series_is_checked_against_the_ecbs_rates_too(tmp_path):
    """Poland's zloty comes from the ECB: the WDI's series 5 % off it stops the import."""

    def off(row: list[str]) -> None:
        if row[1] == "POL":
            row[3] = str(float(row[3]) * 1.05)

    done, out = _run(tmp_path, wdi=_edited(WDI, tmp_path / "wdi.csv", off))
    assert done.returncode != 0 and "PLN" in done.stderr and "the ECB" in done.stderr
    assert not out.exists()


def test_the_import_stops_on_a_country_with_two_currencies_and_none_chosen(tmp_path):
    def second_currency(row: list[str]) -> None:
        if row[1] == "KEN":
            row[2] = "KES,USD"

    done, out = _run(tmp_path, countries=_edited(COUNTRIES, tmp_path / "c.csv", second_currency))
    assert done.returncode != 0 and "KEN" in done.stderr
    assert not out.exists()


def test_the_import_stops_when_a_currency_unions_members_disagree(tmp_path):
    def senegal_off(row: list[str]) -> None:
        if row[1] == "SEN" and row[2] == "2024":
            row[3] = str(float(row[3]) * 1.1)

    done, out = _run(tmp_path, wdi=_edited(WDI, tmp_path / "wdi.csv", senegal_off))
    assert done.returncode != 0 and "XOF 2024" in done.stderr
    assert not out.exists()
