"""Regional grid data by ISO 3166 code and year: carbon intensity, industrial price, use per person.

The figures live in `grid.toml` and `electricity_prices.toml` beside this module, both generated
by the import scripts in `scripts/` from published data sets (their headers say which release).
Regions are ISO 3166-1 alpha-2 codes (`FR`) or ISO 3166-2 codes (`US-TX`), checked and named from
`iso3166.tsv` (generated from pycountry by scripts/build_iso3166.py): the codes a scenario may name.
Importing pycountry and loading its tables took a tenth of a build.

Every lookup returns a `RegionalFigure` and never raises: when the region or year has no figure,
the nearest honest substitute is returned with `fallback=True` and a `reason` fit for a warning
(the year before or after, the parent country of a subdivision, or for carbon intensity the world
average). A price is never substituted across countries: a country without an industrial price
uses its own commercial tariff (`commercial_prices.toml`, the World Bank's Doing Business
figure), flagged as a stand-in; without either, `value` is None.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass, replace
from importlib.resources import files
from typing import Any

from scendsl.language.names import iso_region_names

__all__ = [
    "RegionalFigure",
    "electricity_price",
    "grid_intensity",
    "is_region_code",
    "per_capita_electricity",
    "region_name",
    "regions_with",
]

#: The shared series used when a country has no carbon-intensity figure of its own.
WORLD = "WORLD"


@dataclass(frozen=True)
class RegionalFigure:
    """One regional figure and how it was found.

    `value` is in `unit` (None when nothing could stand in). `year_used` and `region_used` say
    where the figure came from; `fallback` is True whenever either differs from what was asked,
    and `reason` then says why, in words fit for a warning.
    """

    region: str
    year: int
    value: float | None
    unit: str
    source: str | None
    confidence: str | None
    year_used: int | None
    region_used: str | None
    fallback: bool
    reason: str | None = None
    note: str | None = None
    #: The catalog series the figure was read from (e.g. `commercial_price` standing in for
    #: `industrial_price`); None for a figure not read from a series.
    series: str | None = None


@functools.cache
def _text(file: str) -> str:
    return files("scendsl.catalog").joinpath(file).read_text(encoding="utf-8")


@functools.cache
def _data(file: str) -> dict[str, Any]:
    return tomllib.loads(_text(file))


#: A table header's first key: `[FR]`, `[FR.grid_intensity]`, `['US-TX'.industrial_price]`.
_HEADER_RE = re.compile(r"\[(?:'([^'\n]*)'|([A-Za-z0-9_-]+))[.\]]")
_INDENTED_HEADER_RE = re.compile(r"\n[ \t]+\[")


@functools.cache
def _sections(file: str) -> dict[str, tuple[tuple[int, int], ...]] | None:
    return _index(_text(file))


def _index(text: str) -> dict[str, tuple[tuple[int, int], ...]] | None:
    """Where each top-level key's tables are in `text` (None: a layout the split cannot
    follow, such as arrays of tables or multi-line strings, so the whole file is parsed)."""
    if "\n[[" in text or "'''" in text or '"""' in text or _INDENTED_HEADER_RE.search(text):
        return None
    heads: list[tuple[int, str]] = []
    padded = "\n" + text  # padded[at + 1] is text[at]: a header on the first line is found too
    at = padded.find("\n[")
    while at >= 0:  # str.find, not a multi-line regex: a tenth of the time on the grid file
        match = _HEADER_RE.match(text, at)
        if match is None:  # a header written another way (double quotes, spaces)
            return None
        heads.append((at, match.group(1) or match.group(2)))
        at = padded.find("\n[", at + 1)
    if heads and tomllib.loads(text[: heads[0][0]]):  # keys before the first table
        return None
    spans: dict[str, list[tuple[int, int]]] = {}
    for (start, key), (end, _) in zip(heads, [*heads[1:], (len(text), "")], strict=True):
        spans.setdefault(key, []).append((start, end))
    return {key: tuple(parts) for key, parts in spans.items()}


@functools.cache
def _entry(file: str, code: str) -> Any:
    """`_data(file).get(code)`, parsing only that code's tables: the grid file holds every
    country's series, and parsing all of it took longer than evaluating the samples."""
    sections = _sections(file)
    if sections is None:
        return _data(file).get(code)
    spans = sections.get(code)
    if spans is None:
        return None
    text = _text(file)
    return tomllib.loads("".join(text[start:end] for start, end in spans)).get(code)


def _normalise(region: str) -> str:
    return str(region).strip().upper()


def is_region_code(region: str) -> bool:
    """True for an ISO 3166-1 alpha-2 country code or an ISO 3166-2 subdivision code that a
    scenario may name (iso3166.tsv)."""
    return _normalise(region) in iso_region_names()


def region_name(region: str) -> str | None:
    """The ISO 3166 name of a country or subdivision code, or None for an unknown code."""
    return iso_region_names().get(_normalise(region))


def regions_with(series: str) -> frozenset[str]:
    """Codes that have at least one figure of `series` (e.g. `grid_intensity`, `industrial_price`)."""
    file = _FILE_OF[series]
    return frozenset(
        code
        for code, entry in _data(file).items()
        if code != "meta" and isinstance(entry, dict) and series in entry
    )


_FILE_OF = {
    "grid_intensity": "grid.toml",
    "per_capita_electricity": "grid.toml",
    "industrial_price": "electricity_prices.toml",
    "large_industrial_price": "electricity_prices.toml",
    "commercial_price": "commercial_prices.toml",
}
_UNIT_OF = {
    "grid_intensity": "gCO2/kWh",
    "per_capita_electricity": "kWh",
    "industrial_price": "USD/MWh",
    "large_industrial_price": "USD/MWh",
    "commercial_price": "USD/MWh",
}
_WHAT = {
    "grid_intensity": "grid carbon intensity",
    "per_capita_electricity": "electricity per person",
    "industrial_price": "industrial electricity price",
    "large_industrial_price": "large-industrial electricity price",
    "commercial_price": "commercial electricity tariff",
}


def _series(series: str, code: str) -> dict[int, dict[str, str]]:
    entry = _entry(_FILE_OF[series], code)
    if not isinstance(entry, dict):
        return {}
    years = {int(year): fig for year, fig in entry.get(series, {}).items()}
    if series in _POSITIVE_SERIES:
        # A source's 0 is a rounded-away figure (Niue's 0 kWh per person), not a usable one:
        # the model divides by these, so such a year reads as missing.
        years = {y: fig for y, fig in years.items() if float(fig["value"].split()[0]) > 0}
    return years


#: Series the model divides by (people per site, prices in ratios): only positive figures count.
_POSITIVE_SERIES = frozenset(
    {"per_capita_electricity", "industrial_price", "large_industrial_price", "commercial_price"}
)


def _pick_year(years: dict[int, dict[str, str]], year: int) -> int:
    """The year itself, else the latest year before it, else the earliest year after it."""
    if year in years:
        return year
    earlier = [y for y in years if y < year]
    return max(earlier) if earlier else min(years)


# Cached: the files are fixed and a RegionalFigure frozen, and an evaluation asks for the same
# region and year several times (intensity, price and their fallback flags), each parsing years.
@functools.lru_cache(maxsize=4096)
def _lookup(series: str, region: str, year: int, *, world_fallback: bool) -> RegionalFigure:
    code = _normalise(region)
    unit, what = _UNIT_OF[series], _WHAT[series]
    valid = is_region_code(code)
    reasons = [] if valid else [f"'{region}' is not an ISO 3166 country or subdivision code"]
    candidates = [code, code.split("-", 1)[0]] if valid and "-" in code else [code] if valid else []
    if world_fallback:
        candidates.append(WORLD)
    for candidate in candidates:
        years = _series(series, candidate)
        if not years:
            continue
        used = _pick_year(years, year)
        figure = years[used]
        if candidate != code:
            label = "the world average" if candidate == WORLD else candidate
            if valid:
                reasons.append(f"no {what} for {code}")
            reasons.append(f"{label} used instead")
        if used != year:
            reasons.append(f"no {year} figure; {used} used")
        return RegionalFigure(
            region=code,
            year=year,
            value=float(figure["value"].split()[0]),
            unit=unit,
            source=figure["source"],
            confidence=figure["confidence"],
            year_used=used,
            region_used=candidate,
            fallback=bool(reasons),
            reason="; ".join(reasons) or None,
            note=figure.get("note"),
            series=series,
        )
    if valid:
        reasons.append(f"no {what} for {code}")
    return RegionalFigure(
        region=code,
        year=year,
        value=None,
        unit=unit,
        source=None,
        confidence=None,
        year_used=None,
        region_used=None,
        fallback=True,
        reason="; ".join(reasons),
    )


def grid_intensity(region: str, year: int) -> RegionalFigure:
    """Grid carbon intensity (gCO2/kWh); falls back to the parent country, then the world.

    Lifecycle for countries (Ember/OWID); for US states, EPA eGRID's direct combustion rate,
    lower than lifecycle for the same grid: the figure's `note` then says "not lifecycle".
    """
    return _lookup("grid_intensity", region, year, world_fallback=True)


def per_capita_electricity(region: str, year: int) -> RegionalFigure:
    """Electricity generated per person and year (kWh) — not household use, which no source gives."""
    return _lookup("per_capita_electricity", region, year, world_fallback=False)


def electricity_price(region: str, year: int, *, large: bool = False) -> RegionalFigure:
    """Industrial electricity price (USD/MWh); `large` asks for the largest published band.

    Falls back to another year or to the parent country of a subdivision, then (not for
    `large`) to the country's own commercial tariff, never to another country: without a
    figure `value` is None and `fallback` is True.
    """
    series = "large_industrial_price" if large else "industrial_price"
    figure = _lookup(series, region, year, world_fallback=False)
    if large or figure.value is not None:
        return figure
    return _commercial_stand_in(figure) or figure


def _commercial_stand_in(missing: RegionalFigure) -> RegionalFigure | None:
    """The country's own commercial tariff in place of the industrial price it lacks.

    The World Bank's figure is a commercial warehouse's tariff, typically above what a large
    industrial consumer pays; it is used as it is, never adjusted, and always flagged.
    """
    code = missing.region
    if not is_region_code(code):
        return None
    country = code.split("-", 1)[0]
    found = _lookup("commercial_price", country, missing.year, world_fallback=False)
    if found.value is None:
        return None
    lacking = f"{code} or {country}" if country != code else code
    reason = (
        f"no industrial electricity price for {lacking}; the World Bank's {found.year_used}"
        f" Doing Business tariff for a commercial warehouse in the largest business city of"
        f" {region_name(country) or country} ({country}) stands in"
    )
    # The country's figure (its region, year, value, source and series), asked for `code`.
    return replace(found, region=code, fallback=True, reason=reason)
