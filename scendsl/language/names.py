"""The catalog's names, for the resolver: which accelerators, energy sources and regions exist.

The resolver only checks names; reading them straight from the data files (without building the
validated catalog models the evaluator uses) keeps `scendsl check` quick to start. A test proves
these names are exactly the validated catalog's.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scendsl.files.kept import read_toml
from scendsl.suggest import MAX_SUGGESTED_NAME, Hint, model_name_hint, name_key, quoted

# The data files sit beside the catalog package; read by path so that checking never imports it.
_CATALOG = Path(__file__).resolve().parent.parent / "catalog"


@dataclass(frozen=True)
class CatalogNames:
    """Names by kind, in the catalog's order (mappings, so membership and listing both work)."""

    accelerators: dict[str, None]
    energy_sources: dict[str, None]
    regions: dict[str, None]
    references: dict[str, None]


@functools.cache
def shipped_file(file: str) -> dict[str, Any]:
    """One shipped catalog file, parsed once per process and shared (read-only): the resolver
    reads its names here, `load_catalog` its entries, so `check` parses each file once."""
    return read_toml(_CATALOG / file)


def _keys(file: str, skip: tuple[str, ...] = ()) -> dict[str, None]:
    return {key: None for key in shipped_file(file) if key not in skip}


@functools.lru_cache(maxsize=1)
def catalog_names() -> CatalogNames:
    """The names of the shipped catalog (cached)."""
    return CatalogNames(
        accelerators=_keys("accelerators.toml"),
        energy_sources=_keys("energy.toml"),
        regions=_keys("regions.toml", skip=("series",)),  # [series.X]: shared grid series
        references=_keys("references.toml"),
    )


@functools.cache
def price_series_names() -> tuple[str, ...]:
    """The purchase-price series a scenario may choose (`market.price_series`): the catalog's
    [price_series] tables, in its order."""
    return tuple(shipped_file("market.toml").get("price_series", {}))


#: The catalog's exchange rates (read here by path too: `check` reports a currency without a rate).
RATES_FILE = "exchange_rates.toml"


@functools.lru_cache(maxsize=1)
def currency_names() -> dict[str, str]:
    """The currencies the catalog has exchange rates for: ISO 4217 code -> name, in code order."""
    return {
        code: entry["name"] for code, entry in shipped_file(RATES_FILE).items() if code != "meta"
    }


@functools.lru_cache(maxsize=1)
def left_out_currencies() -> dict[str, str]:
    """Currencies of a country that the catalog has no rate for on purpose: ISO 4217 code ->
    why (the import's `[meta.left_out]`: an official rate that is not what a buyer pays, a
    series that ends too early)."""
    return dict(shipped_file(RATES_FILE).get("meta", {}).get("left_out", {}))


@functools.lru_cache(maxsize=64)
def latest_rate(code: str) -> float:
    """The last year's rate of `code` (units per US dollar): what the resolver checks a price's
    bounds at, before the model converts it at its scenario year's rate."""
    rates = shipped_file(RATES_FILE)[code]["per_usd"]
    return float(rates[max(rates, key=int)])


@functools.lru_cache(maxsize=1)
def currency_signs() -> dict[str, tuple[str, ...]]:
    """Currency signs and the ISO 4217 codes each stands for (currency_signs.toml)."""
    return {
        sign: tuple(codes) for sign, codes in shipped_file("currency_signs.toml")["signs"].items()
    }


def currency_sign_hint(text: str, pos: int) -> str | None:
    """The hint at a currency sign the lexer stops at (`€`, the `$` of `R$` or `$30k`, the `ł`
    of `zł`): the ISO 4217 code to write after the amount. None when the character at `pos` is
    no currency sign."""
    signs = currency_signs()
    hundredth = shipped_file("currency_signs.toml").get("hundredths", {}).get(text[pos])
    if hundredth is not None:
        return _hundredth_hint(text, pos, hundredth)
    # A sign of two characters ends at the one the lexer stops at: R$, zł, S/; it begins a
    # word (the `S/` of `S/ 4.50`, not of `USD/ kWh`). A compatibility form of a sign is read
    # as the sign (the full-width dollar and yen signs, U+FF04 and U+FFE5, as `$` and `¥`).
    starts_word = pos < 2 or not text[pos - 2].isalnum()
    written = (text[max(pos - 1, 0) : pos + 1] if starts_word else text[pos], text[pos])
    candidates = [(w, w) for w in written] + [
        (w, unicodedata.normalize("NFKC", w)) for w in written
    ]
    shown_sign, sign = next(((w, s) for w, s in candidates if s in signs), ("", None))
    if sign is None:
        if unicodedata.category(text[pos]) != "Sc":
            return None
        return (
            "write a currency by its ISO 4217 code after the amount: `25 EUR/MWh`, `30k EUR` "
            "(`scendsl list currencies` lists those with a rate)"
        )
    codes = signs[sign]
    names = currency_names()
    named = [f"{code} ({names[code]})" if code in names else code for code in codes]
    shown = named[0]
    if len(named) == 2:
        shown = f"{named[0]} or {named[1]}"
    elif len(named) > 2:
        shown = f"{named[0]}, or one of {', '.join(named[1:])}"
    return (
        f"'{shown_sign}' is written by its ISO 4217 code after the amount: {shown}, "
        f"as in `25 {codes[0]}/MWh` or `30k {codes[0]}`"
    )


@functools.lru_cache(maxsize=1)
def _not_modelled() -> tuple[dict[str, str], dict[str, str]]:
    """not_modelled.toml: each word of a metric name, and each unit, that asks for a figure the
    model does not compute, with the hint to give."""
    words: dict[str, str] = {}
    units: dict[str, str] = {}
    for figure in shipped_file("not_modelled.toml")["figure"]:
        words.update((word, figure["hint"]) for word in figure["words"])
        units.update((unit, figure["hint"]) for unit in figure["units"])
    return words, units


def not_modelled_hint(metric: str | None = None, unit: str | None = None) -> str | None:
    """The hint for a figure the model does not compute, asked for by a metric's name
    (`energy.water_withdrawal`: a word of the name after its domain) or a unit only it has
    (not_modelled.toml `units`); None when neither asks for one."""
    words, units = _not_modelled()
    if unit is not None and hint_text(unit) is not None and unit in units:
        return units[unit]
    if metric is None or hint_text(metric) is None:
        return None
    asked = metric.partition(".")[2].casefold().replace(".", "_").split("_")
    return next((words[word] for word in asked if word in words), None)


#: A number and the blanks after it, ending at a sign (`12 ` before `¢`).
_AMOUNT_BEFORE_SIGN = re.compile(r"(?<![\w.])([0-9][0-9_]*(?:\.[0-9]+)?)[ \t]*\Z")
#: What an amount in a sign is per (`/kWh` after `12 ¢`).
_PER_AFTER_SIGN = re.compile(r"/(?:MWh|kWh|hour)\b")


def _hundredth_hint(text: str, pos: int, name: str) -> str:
    """`12 ¢/kWh`: a price in cents is a hundredth of the currency's unit, written in that unit
    by its code (`0.12 USD/kWh`, or the code of the currency whose cents these are)."""
    found = _AMOUNT_BEFORE_SIGN.search(text, max(0, pos - 40), pos)
    amount = f"{float(found.group(1).replace('_', '')) / 100:g}" if found else "0.12"
    per = _PER_AFTER_SIGN.match(text, pos + 1)
    return (
        f"'{text[pos]}' is a {name}, a hundredth of a currency unit: write the amount in the "
        f"unit, by its ISO 4217 code after it: `{amount} USD{per.group() if per else ''}`, "
        "or the code of the currency "
        "whose cents these are (`scendsl list currencies` lists those with a rate)"
    )


#: The longest text a hint for a value written as in prose reads or repeats: no name, region,
#: framework or number of the language is longer, so longer text gets the field's general hint.
#: (A 20,000-character line made the split-name hint normalise it again for each of 1,000
#: accelerators, and 1,434 thousands groups ran `int()` past Python's 4,300-digit limit.)
HINT_TEXT_LIMIT = MAX_SUGGESTED_NAME


def hint_text(text: str) -> str | None:
    """`text` when a hint may read and repeat it (HINT_TEXT_LIMIT characters at most), else
    None: every prose hint goes through this, so none works on or echoes a hostile length."""
    return text if len(text) <= HINT_TEXT_LIMIT else None


@functools.lru_cache(maxsize=1)
def _lookalikes() -> tuple[dict[str, str], frozenset[str]]:
    """lookalikes.toml: each look-alike character's plain ASCII, and the invisible ones."""
    table = shipped_file("lookalikes.toml")
    return dict(table["lookalikes"]), frozenset(table["invisible"])


def plain_character(char: str) -> str | None:
    """The ASCII text a character prints like (a Cyrillic `\\u0430` -> `a`, a full-width
    `\\uFF28` -> `H`, a non-breaking space -> a space, a zero-width space -> ''), or None for
    ASCII and for a character that looks like none (lookalikes.toml, then Unicode's
    compatibility folding)."""
    if char.isascii():
        return None
    table, invisible = _lookalikes()
    if char in invisible:
        return ""
    if char in table:
        return table[char]
    folded = unicodedata.normalize("NFKC", char)
    return folded if folded.isascii() and folded.isprintable() else None


def plain_reading(text: str) -> str | None:
    """`text` with each look-alike character replaced by its plain ASCII (full-width
    `\\uFF35\\uFF33` -> `US`), when it holds one and the rest is ASCII; None otherwise (and
    for a hostile length)."""
    if hint_text(text) is None or text.isascii():
        return None
    plain = []
    for char in text:
        found = char if char.isascii() else plain_character(char)
        if found is None:
            return None
        plain.append(found)
    return "".join(plain)


@functools.cache
def aliases_in(file: str) -> dict[str, str]:
    """Other names analysts use for a catalog file's entries (their `also_known_as`: the
    frameworks' tools, the energy sources' everyday names), by `name_key`, with the entry the
    language writes for each."""
    return {
        name_key(alias): name
        for name, entry in shipped_file(file).items()
        for alias in entry.get("also_known_as", ())
    }


def _alias_of(written: str, aliases: dict[str, str]) -> str | None:
    """The name another name stands for in `aliases` (by `name_key`), or None; a hostile
    length is not looked up (`hint_text`)."""
    if hint_text(written) is None:
        return None
    return aliases.get(name_key(written))


def framework_named(written: str) -> str | None:
    """The training framework another of its names stands for (`NeMo` is `megatron`), or None."""
    return _alias_of(written, aliases_in("frameworks.toml"))


def _aliases(table: dict[str, list[str]]) -> dict[str, str]:
    """An alias table (each entry with the other names it is written by) by `name_key`."""
    return {name_key(alias): entry for entry, aliases in table.items() for alias in aliases}


@functools.cache
def _alias_tables(file: str) -> dict[str, dict[str, str]]:
    """A catalog file of alias tables (choice_aliases.toml by field path, field_aliases.toml by
    section), each table's other names by `name_key` with the name it stands for."""
    return {key: _aliases(table) for key, table in shipped_file(file).items() if key != "meta"}


def alias_in(file: str, table: str, written: str) -> str | None:
    """The name `written` stands for in one alias table of `file`, or None."""
    return _alias_of(written, _alias_tables(file).get(table, {}))


def choice_named(path: str, written: str) -> str | None:
    """The choice of the field at `path` that another of its names stands for (`fabric IB` is
    `infiniband`, `precision bfloat16` is `bf16`), or None."""
    return alias_in("choice_aliases.toml", path, written)


@functools.lru_cache(maxsize=1)
def _accelerator_names() -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """accelerator_names.toml by `name_key`: each other name of an entry's product, and each
    other product (with its own name) whose name resembles an entry's."""
    table = shipped_file("accelerator_names.toml")
    same = _aliases(table["same"])
    other = {name_key(name): {**entry, "name": name} for name, entry in table["other"].items()}
    return same, other


def accelerator_hint(written: str, names: tuple[str, ...]) -> Hint | str | None:
    """The hint for an accelerator `names` lacks: another product whose name resembles an
    entry's told what differs (`H100_PCIe` is not the H100 module, `L40` not the L40S: a guess
    would give the scenario the entry's speed and power); another name of an entry's product
    told the entry, with its fix (`H100_SXM5` is H100, `Trillium` TPUv6e); else the guess by
    letters and digits (`suggest.model_name_hint`)."""
    return accelerator_named(written, names) or model_name_hint(written, names)


def accelerator_named(written: str, names: tuple[str, ...]) -> Hint | str | None:
    """`accelerator_hint` from accelerator_names.toml alone, with no guess: the hint for an
    accelerator written as another product or as another name of an entry's product."""
    if hint_text(written) is None:
        return None
    same, other = _accelerator_names()
    key = name_key(written)
    product = other.get(key)
    if product is not None:
        like = product.get("like")
        block = (
            f"'accelerator {product['name']} extends {like} {{ ... }}'"
            if like in names
            else "an 'accelerator' block"
        )
        return f"{product['why']}: define it with {block} and its own figures"
    entry = same.get(key)
    if entry is not None and entry in names:
        title = shipped_file("accelerators.toml").get(entry, {}).get("title", entry)
        return Hint(
            f"{quoted(written)} is the catalog's {quoted(entry)} ({title}): write {entry}", entry
        )
    return None


def energy_source_named(written: str) -> str | None:
    """The energy source another of its names stands for (`natural_gas` is `gas`,
    `onshore_wind` is `wind`), or None."""
    return _alias_of(written, aliases_in("energy.toml"))


def _iso_rows(text: str) -> list[list[str]]:
    """The rows of an iso3166.tsv text: CODE, the ISO name and, optionally, the name as a
    sentence uses it, tab-separated; '#' lines are comments. A line without a tab is refused."""
    rows = [
        line.split("\t") for line in text.splitlines() if line.strip() and not line.startswith("#")
    ]
    if any(len(row) < 2 for row in rows):
        raise ValueError("expected lines CODE<tab>name")
    return rows


def parse_iso_names(text: str) -> dict[str, str]:
    """The codes and ISO names of an iso3166.tsv text."""
    return {row[0]: row[1] for row in _iso_rows(text)}


def parse_iso_reading_names(text: str) -> dict[str, str]:
    """The codes and the names as a sentence uses them ("the United States", "Iran") of an
    iso3166.tsv text; the ISO name where a row gives none."""
    return {row[0]: row[2] if len(row) > 2 and row[2] else row[1] for row in _iso_rows(text)}


@functools.lru_cache(maxsize=1)
def _shipped_iso_text() -> str:
    """iso3166.tsv as shipped, read once for both its name columns."""
    return (_CATALOG / "iso3166.tsv").read_text(encoding="utf-8")


@functools.lru_cache(maxsize=1)
def iso_region_names() -> dict[str, str]:
    """Every ISO code a scenario may name as its region, with its name (iso3166.tsv, generated).

    Read from a generated file rather than from pycountry so that `check` stays quick.
    """
    return parse_iso_names(_shipped_iso_text())


@functools.lru_cache(maxsize=1)
def iso_reading_names() -> dict[str, str]:
    """Every ISO code a scenario may name, with its name as a sentence uses it: "people in the
    United States", "homes in Iran" (iso3166.tsv's third column, generated)."""
    return parse_iso_reading_names(_shipped_iso_text())


def country_of(region: str) -> str:
    """The ISO 3166-1 country of a region code: `US-TX` -> `US`, `FR` -> `FR`."""
    return region.partition("-")[0]


@functools.cache
def named_country_groups() -> dict[str, tuple[str, ...]]:
    """Named groups of countries (`EU` → member codes) from country_groups.toml `[named]`."""
    named = shipped_file("country_groups.toml").get("named", {})  # parsed once, with the catalog
    return {name: tuple(raw["members"]) for name, raw in named.items()}


def catalog_references() -> dict[str, Any]:
    """The catalog's reference entries as written in references.toml (name -> table)."""
    return shipped_file("references.toml")


def comparison_countries(name: str) -> tuple[str, ...] | None:
    """The countries `compare_with NAME` stands for when NAME is no reference's: an ISO 3166-1
    country (`US`: itself) or a named group of countries (`EU`: its members); None otherwise."""
    groups = named_country_groups()
    if name in groups:
        return groups[name]
    return (name,) if "-" not in name and name in iso_region_names() else None


#: How many of a country's subdivisions the hint at a code ISO 3166-2 does not hold lists.
MAX_SUBDIVISIONS_LISTED = 12


def _unknown_subdivision_hint(code: str, country: str) -> str | None:
    """The hint at `ZA-GT`: a code of a real country that ISO 3166-2 does not hold (today:
    Gauteng was ZA-GT until ISO renamed it ZA-GP), with the country's own subdivisions when
    they are few. A country whose figures are national is offered its code; one with figures by
    subdivision is told where to find those (its national code stays a choice)."""
    import pycountry  # only on this error path, as in subdivision_hint

    name = iso_region_names()[country]
    top = sorted(
        (s.code, s.name)
        for s in pycountry.subdivisions.get(country_code=country) or ()
        if s.parent_code is None
    )
    listed = ""
    if 0 < len(top) <= MAX_SUBDIVISIONS_LISTED:
        listed = " (its subdivisions: " + ", ".join(f"{c} {n}" for c, n in top) + ")"
    unknown = f"'{code}' is no current ISO 3166-2 code of {name}{listed}"
    if any(region.startswith(f"{country}-") for region in iso_region_names()):
        return (
            f"{unknown}; `scendsl list regions` lists those with figures of their own, "
            f"or write {country} for the national figures"
        )
    return Hint(
        f"{unknown}; the catalog's figures for {name} are national: write {country}", country
    )


def national_resources_in(
    countries: tuple[str, ...], references: dict[str, tuple[str | None, str | None]]
) -> list[str]:
    """The references of kind national_resource in one of `countries` (a subdivision's stands
    for its country), in the mapping's order; `references` gives each name's (kind, region)."""
    return [
        name
        for name, (kind, region) in references.items()
        if kind == "national_resource" and region and country_of(region) in countries
    ]


def is_region(name: str, names: CatalogNames | None = None) -> bool:
    """Whether `name` is a region: one with figures (regions.toml) or any ISO 3166-1 country,
    US state (ISO 3166-2, `US-TX`) or other subdivision the catalog accepts."""
    regions = (names or catalog_names()).regions
    return name in regions or name in iso_region_names()


def subdivision_hint(code: str) -> str | None:
    """`BR-SP` -> write `BR`: an ISO 3166-2 subdivision the catalog has no figures of is placed
    in its country, whose figures are what the scenario would use (None for anything else)."""
    written = hint_text(code)
    if written is None:
        return None
    code = written.strip().upper()
    country, dash, part = code.partition("-")
    if not dash or not part or code in iso_region_names() or country not in iso_region_names():
        return None
    import pycountry  # only on this error path: loading ISO 3166-2 costs tens of milliseconds

    subdivision = pycountry.subdivisions.get(code=code)
    if subdivision is None:
        return _unknown_subdivision_hint(code, country)
    return Hint(
        f"'{code}' ({subdivision.name}) is a subdivision of {iso_region_names()[country]}, "
        f"whose figures are national in the catalog: write {country}",
        country,
    )
