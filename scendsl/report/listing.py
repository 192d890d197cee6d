"""`scendsl list KIND`: the names a scenario may use, with what the catalog and the model know
of each — accelerators with their key figures, regions with the data each has, energy sources,
metrics with their unit, kind and values, comparison references, the currencies a price may
be written in, and rules.

Each listing is a `Listing` (columns and rows of plain data, deterministic order), written as
plain columns (piped), a rich table (a terminal) or JSON (`--format json`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any

from scendsl.defaults import LIST_KINDS
from scendsl.model.values import json_text

#: What `scendsl list` can list (declared in scendsl.defaults, which the command line reads).
KINDS = LIST_KINDS


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    #: The unit of a number column's JSON values (SI), "" for text.
    unit: str = ""


@dataclass(frozen=True)
class Listing:
    """One kind's table: `rows` hold, per column key, the text shown and (JSON) the value."""

    kind: str
    columns: tuple[Column, ...]
    rows: list[dict[str, Any]] = field(default_factory=list)
    #: Per row and column: the text shown in a table (the value itself when absent).
    texts: list[dict[str, str]] = field(default_factory=list)
    note: str = ""

    def text_of(self, row: int, key: str) -> str:
        shown = self.texts[row].get(key) if row < len(self.texts) else None
        if shown is not None:
            return shown
        value = self.rows[row].get(key)
        if value is None:
            return "–"
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, (list, tuple)):
            return ", ".join(str(v) for v in value) or "–"
        return str(value)

    def to_json(self) -> str:
        document = {
            "kind": self.kind,
            "columns": [
                {"key": c.key, "title": c.title, **({"unit": c.unit} if c.unit else {})}
                for c in self.columns
            ],
            "rows": self.rows,
        }
        if self.note:
            document["note"] = self.note
        return json_text(document, indent=2) + "\n"


# ------------------------------------------------------------------------------- the kinds
def _figure(figure) -> tuple[float | None, str | None]:
    return (figure.value, figure.text) if figure is not None else (None, None)


def _years(years) -> str | None:
    years = sorted(int(y) for y in years)
    if not years:
        return None
    return str(years[0]) if len(years) == 1 else f"{years[0]}–{years[-1]}"


def accelerators() -> Listing:
    """Every catalog accelerator with its key figures (as the catalog writes them)."""
    from scendsl.catalog import load_catalog

    # Each figure column shows one unit, named in its title: the catalog writes a figure in
    # the unit its source used (2.25 PFLOPS beside 989.4 TFLOPS, 819 GB/s beside 3.35 TB/s),
    # which a column cannot be read down in. JSON keeps the SI value.
    figures = (
        ("bf16_dense", "BF16 dense", "FLOP/s", "TFLOPS", 1e12),
        ("fp8_dense", "FP8 dense", "FLOP/s", "TFLOPS", 1e12),
        ("hbm", "HBM", "B", "GB", 1e9),
        ("hbm_bandwidth", "HBM bandwidth", "B/s", "TB/s", 1e12),
        ("tdp", "TDP", "W", "W", 1.0),
    )
    columns = (
        Column("id", "id"),
        Column("vendor", "vendor"),
        Column("year", "available"),
        *(Column(key, f"{title} ({shown})", unit) for key, title, unit, shown, _ in figures),
        Column("price_years", "price years"),
        Column("rental_years", "rental years"),
        Column("title", "title"),
    )
    listing = Listing("accelerators", columns)
    catalog = load_catalog()
    for name, chip in catalog.accelerators.items():
        row: dict[str, Any] = {
            "id": name,
            "vendor": chip.vendor,
            "year": chip.available_year,
        }
        texts: dict[str, str] = {}
        for key, _title, _unit, _shown, scale in figures:
            value, _text = _figure(chip.figures.get(key))
            row[key] = value
            if value is not None:
                texts[key] = f"{value / scale:.6g}"
        row["price_years"] = _years(chip.price)
        # TPUs and Trainium have no purchase price: their rental years are their only price data.
        row["rental_years"] = _years(catalog.market.rental.get(name, {}))
        row["title"] = chip.title
        listing.rows.append(row)
        listing.texts.append(texts)
    return listing


def regions() -> Listing:
    """Every region a scenario may name, and which data the catalog has for it."""
    from scendsl.catalog import load_catalog
    from scendsl.catalog.grid import _series, country_of, regions_with

    catalog = load_catalog()
    # The catalog holds every region a scenario may name (every ISO code of iso3166.tsv).
    names = {code: region.name for code, region in catalog.regions.items()}
    # column -> the grid series whose years it lists
    series_of = {
        "grid_intensity": "grid_intensity",
        "electricity_price": "industrial_price",
        "commercial_price": "commercial_price",
        "household_electricity": "household_electricity",
        "electricity_demand": "electricity_demand",
        "demand_forecast": "electricity_demand_forecast",
        "generation_mix": "grid_mix",
        "national_emissions": "national_emissions",
    }
    having = {series: regions_with(series) for series in series_of.values()}
    members = catalog.country_groups.members
    columns = (
        Column("code", "code"),
        Column("name", "name"),
        Column("grid_intensity", "grid intensity years"),
        Column("electricity_price", "electricity price years"),
        Column("commercial_price", "commercial tariff years"),
        Column("household_electricity", "household use years"),
        Column("electricity_demand", "national demand years"),
        Column("demand_forecast", "demand forecast years"),
        Column("generation_mix", "generation mix years"),
        Column("national_emissions", "national emissions years"),
        Column("export_groups", "export groups"),
        Column("risk_rules", "risk rules"),
    )
    listing = Listing(
        "regions",
        columns,
        note="Without a figure of its own a region uses its country's, then the world "
        "average, with a warning; without an industrial price, the country's commercial tariff "
        "(World Bank, Doing Business) prices its grid, with a warning; without a household "
        "figure, the homes compared are its country's, else the default country's, with a "
        "warning; a subdivision's share of the national electricity demand is of its country's, "
        "and a country without a figure has none, with a warning; past a country's demand years "
        "its demand is carried toward its published forecast, else at its average growth; a "
        "grid's off-site water weighs its country's generation mix, and is n/a without one; "
        "a site's share of the national greenhouse-gas emissions is of its country's total; "
        "the risk register's rules apply to every region.",
    )
    for code in sorted(names):
        country = country_of(code)
        listing.rows.append(
            {
                "code": code,
                "name": names[code],
                **{
                    column: _years(_series(series, code)) if code in having[series] else None
                    for column, series in series_of.items()
                },
                "export_groups": sorted(g for g, codes in members.items() if country in codes),
                "risk_rules": "general",
            }
        )
        listing.texts.append({})
    return listing


def energy_sources() -> Listing:
    """The energy sources of a supply mix, with their carbon intensity and price."""
    from scendsl.catalog import load_catalog

    columns = (
        Column("name", "name"),
        Column("title", "title"),
        Column("intensity", "carbon intensity", "kg/J"),
        Column("price", "price", "USD/J"),
        Column("uses_region_grid", "region's grid"),
    )
    listing = Listing("energy-sources", columns)
    for name, source in load_catalog().energy_sources.items():
        intensity, intensity_text = _figure(source.intensity)
        price, price_text = _figure(source.price)
        listing.rows.append(
            {
                "name": name,
                "title": source.title,
                "intensity": intensity,
                "price": price,
                "uses_region_grid": source.uses_region_grid,
            }
        )
        listing.texts.append(
            {
                k: v
                for k, v in (("intensity", intensity_text), ("price", price_text))
                if v is not None
            }
        )
    return listing


def metric_rows() -> list[dict[str, Any]]:
    """Every node of the model (inputs and metrics) with its unit, kind, values and meaning;
    per-reference nodes keep their `{ref}` (docs/metrics.md is made from these rows)."""
    from scendsl.model import domains  # noqa: F401  (registers every node)
    from scendsl.model.claims import choices_of
    from scendsl.model.registry import REGISTRY

    return [
        {
            "name": node.name,
            "domain": node.domain,
            "kind": node.value_kind,
            "unit": node.unit,
            "values": list(choices_of(node)),
            "role": node.kind,  # input or metric
            "meaning": node.meaning,
        }
        for node in REGISTRY.nodes.values()
    ]


def metrics() -> Listing:
    columns = (
        Column("name", "name"),
        Column("kind", "kind"),
        Column("unit", "unit"),
        Column("values", "values"),
        Column("meaning", "meaning"),
    )
    listing = Listing(
        "metrics",
        columns,
        note="Names with {ref} exist once per comparison reference (scendsl list references).",
    )
    for row in metric_rows():
        listing.rows.append(row)
        joiner = " < " if row["kind"] == "rating" else ", "
        listing.texts.append({"values": joiner.join(row["values"]) or "–"})
    return listing


def references() -> Listing:
    from scendsl.catalog import load_catalog

    columns = (
        Column("name", "name"),
        Column("kind", "kind"),
        Column("region", "region"),
        Column("accelerator", "accelerator"),
        Column("count", "count"),
        Column("year", "year"),
        Column("title", "title"),
    )
    listing = Listing("references", columns)
    for name, reference in load_catalog().references.items():
        listing.rows.append(
            {
                "name": name,
                "kind": reference.kind,
                "region": reference.region,
                "accelerator": reference.accelerator,
                "count": reference.count,
                "year": reference.year,
                "title": reference.title,
            }
        )
        listing.texts.append({"count": f"{reference.count:,}"})
    return listing


def price_series() -> Listing:
    """The purchase-price series a scenario may choose (`market { price_series NAME }`), what
    each is and the accelerators it prices."""
    from scendsl.catalog import load_catalog
    from scendsl.defaults import ACCELERATOR_PRICE_SERIES

    columns = (
        Column("name", "name"),
        Column("reported", "reported"),
        Column("accelerators", "accelerators"),
        Column("description", "description"),
        Column("source", "source"),
    )
    listing = Listing("price-series", columns)
    catalog = load_catalog()
    for name, series in catalog.market.price_series.items():
        if name == ACCELERATOR_PRICE_SERIES:
            priced = [a for a, chip in catalog.accelerators.items() if chip.price]
        else:
            priced = list(catalog.market.purchase.get(name, {}))
        listing.rows.append(
            {
                "name": name,
                "reported": series.reported,
                "accelerators": " ".join(priced),
                "description": series.description,
                "source": series.source or "each price its own",
            }
        )
        listing.texts.append({"reported": "yes" if series.reported else "no (estimates)"})
    return listing


def currencies() -> Listing:
    """The currencies a scenario may write a price in, with the years of their US-dollar rates
    and the latest rate."""
    from scendsl.catalog.currency import currency_names, exchange_rate, rate_years

    columns = (
        Column("code", "code"),
        Column("name", "name"),
        Column("years", "rate years"),
        Column("latest", "latest rate, per USD"),
        Column("source", "source"),
    )
    listing = Listing(
        "currencies",
        columns,
        note="A price or a claim's figure written in one of these (`price 0.25 EUR/kWh`) is "
        "converted to US dollars at its scenario year's annual average; a later year takes the "
        "latest.",
    )
    for code, name in currency_names().items():
        years = rate_years(code)
        first, last = years[0], exchange_rate(code, years[-1])
        listing.rows.append(
            {
                "code": code,
                "name": name,
                "years": [first, last.year_used],
                "latest": last.per_usd,
                "source": last.source,
            }
        )
        listing.texts.append(
            {
                "years": f"{first}–{last.year_used}",
                "latest": f"{last.per_usd:g} {code} ({last.year_used})",
                "source": _series(last.source),
            }
        )
    return listing


def _series(source: str) -> str:
    """A rate's source in a table cell: the release and the series (`Fed G.5A AEXUSAL`), the
    ECB's reference rates, the World Bank's series (`World Bank WDI PA.NUS.FCRF`), else the
    publisher (the citation up to its first comma); the JSON keeps the whole citation."""
    found = re.search(r"\b(G\.5A?)\b.*?\bseries (\w+)", source)
    if found:
        return f"Fed {found[1]} {found[2]}"
    if source.startswith("European Central Bank, euro foreign exchange reference rates"):
        return "ECB euro reference rates"
    found = re.search(r"World Development Indicators, series ([A-Z.]+)", source)
    if found:
        return f"World Bank WDI {found[1]}"
    return source.split(",", 1)[0]


def rules() -> Listing:
    """The risk register's rules (risk_rules.toml), then the export-control rules."""
    from scendsl.catalog import load_catalog
    from scendsl.model.risk import load_rules

    columns = (
        Column("kind", "kind"),
        Column("id", "id"),
        Column("outcome", "outcome"),
        Column("when", "when"),
        Column("source", "source"),
    )
    listing = Listing("rules", columns)
    for risk in load_rules():
        for number, rule in enumerate(risk.rules, start=1):
            listing.rows.append(
                {
                    "kind": "risk",
                    "id": f"risk.{risk.key}#{number}",
                    "outcome": rule.rating,
                    "when": rule.describe(),
                    "source": rule.source,
                }
            )
            listing.texts.append({})
    for export in load_catalog().export_rules:
        dates = f"from {export.effective.isoformat()}"
        if export.rescinded is not None:
            dates += f" to {export.rescinded.isoformat()}"
        listing.rows.append(
            {
                "kind": "export",
                "id": export.id,
                "outcome": sorted({t.status for t in export.treatments}),
                "when": dates,
                "source": export.citation,
            }
        )
        listing.texts.append({})
    for guidance in load_catalog().export_guidance:
        dates = f"from {guidance.issued.isoformat()}"
        if guidance.withdrawn is not None:
            dates += f" to {guidance.withdrawn.isoformat()}"
        listing.rows.append(
            {
                "kind": "guidance",
                "id": guidance.id,
                "outcome": sorted(guidance.names),
                "when": dates,
                "source": guidance.citation,
            }
        )
        listing.texts.append({})
    return listing


LISTINGS: dict[str, Callable[[], Listing]] = {
    "accelerators": accelerators,
    "regions": regions,
    "energy-sources": energy_sources,
    "metrics": metrics,
    "references": references,
    "currencies": currencies,
    "price-series": price_series,
    "rules": rules,
}


def listing(kind: str) -> Listing:
    """The listing of `kind` (one of KINDS)."""
    return LISTINGS[kind]()


# ------------------------------------------------------------------------------- writing
def write_plain(out: IO[str], table: Listing) -> None:
    """Columns padded with spaces, one row a line: for pipes, grep and cut (tabs would not
    align; the last column is never padded). Widths are in terminal cells, so a name holding
    a combining mark ("Abū Z̧aby") or a wide character keeps its row aligned."""
    from rich.cells import cell_len

    from scendsl.terminal import visible

    keys = [c.key for c in table.columns]
    cells = [[c.title for c in table.columns]]
    cells += [
        [visible(table.text_of(i, k)).replace("\n", " ") for k in keys]
        for i in range(len(table.rows))
    ]
    widths = [max(cell_len(row[j]) for row in cells) for j in range(len(keys))]
    for row in cells:
        padded = [cell + " " * (widths[j] - cell_len(cell)) for j, cell in enumerate(row[:-1])]
        padded.append(row[-1])
        out.write("  ".join(padded).rstrip() + "\n")
    if table.note:
        out.write(f"\n{table.note}\n")


def write_rich(console, table: Listing) -> None:
    """A rich table for a terminal."""
    from rich.table import Table

    from scendsl.terminal import rich_text

    rich_table = Table(title=rich_text(f"scendsl list {table.kind}"), show_lines=False)
    for column in table.columns:
        rich_table.add_column(rich_text(column.title), overflow="fold")
    for i in range(len(table.rows)):
        rich_table.add_row(*(rich_text(table.text_of(i, c.key)) for c in table.columns))
    console.print(rich_table)
    if table.note:
        console.print(rich_text(table.note))
