"""Market: what the cluster costs and how it compares with the AI-accelerator market.

- Unit price: the scenario's `market.unit_price`, else a price given in the scenario's
  `accelerator` block, else the catalog's price for the scenario year in the price series the
  scenario chooses (`market.price_series`: `market`, reported prices, by default; the others
  are the catalog's market.toml [price_series], each described there, whether reported prices
  or one publication's estimates), the nearest year's, labelled "extrapolated", outside the data.
  TPUs are not sold, so they have no price (n/a).
- Capex = accelerators × unit price (accelerators only: no hosts, network, building or power).
- The global AI-GPU market and NVIDIA's share of it come from the source article's market table
  (2024-2026, confidence C); other years hold the nearest year's figure, labelled "extrapolated".
  Holding the 2026 figure flat understates later markets the article expects to keep growing, so
  a 2027+ share of the market is an upper bound.
- A floor to check that market against: NVIDIA's reported data-centre revenue in its last fiscal
  year that falls by the scenario year (`market.vendor_datacenter_revenue`; a fiscal year ending
  in January is nearly all the calendar year before, market.toml [fiscal_calendar]). One
  vendor's sales cannot exceed the whole market: where they do, the warning
  `market-below-vendor-revenue` says the shares of the global market read high.
- Rental cost = rental price per accelerator-hour × accelerators × training time. The time is the
  wall-clock time `reliability.training_time` (rented hours are paid whether or not the job is
  interrupted); `market.rental_cost_ideal` uses the uninterrupted `performance.training_time`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from scendsl.model.context import Context, Found, from_figure
from scendsl.model.registry import input_node, metric

_ARTICLE = "AINews deep dive on GB200 and Colossus2 (source article), market table"

#: Which catalog series holds a vendor's share of the AI-GPU market (market.toml schema).
VENDOR_SHARE_SERIES = {"NVIDIA": "nvidia_share"}


def _catalog_base_note(ctx: Context) -> str | None:
    custom = ctx.custom_accelerator
    if custom is None or ctx.catalog_accelerator is None:
        return None
    if custom.name == ctx.catalog_accelerator.name:
        return None
    return f"catalog figure of {ctx.catalog_accelerator.name}, which {custom.name} extends"


def _with_note(found: Found, note: str | None) -> Found:
    if note is None:
        return found
    return replace(found, note="; ".join(n for n in (found.note, note) if n))


def price_table(ctx: Context, accelerator: str) -> tuple[dict[int, Any], str]:
    """The purchase prices of `accelerator` by year in the scenario's price series, and the
    catalog path they come from (which names the series). A series without a price for the
    accelerator gives way to the default `market` series, whose path then shows; an empty table
    when neither has one."""
    series = str(ctx.scenario_or_choice("market.price_series").value)
    table = ctx.catalog.market.purchase.get(series, {}).get(accelerator)
    if table:
        return dict(table), f"catalog market.purchase.{series}.{accelerator}"
    entry = ctx.catalog.accelerators.get(accelerator)
    return (dict(entry.price) if entry is not None else {}), (
        f"catalog accelerators.{accelerator}.price"
    )


# ------------------------------------------------------------------------------ inputs
@input_node(
    "market.price_series",
    "text",
    "Purchase-price series the unit price comes from (market, the default: reported prices, "
    "each sourced)",
    value_type="text",
    importance=4,
)
def _price_series(ctx: Context) -> Found:
    return ctx.scenario_or_choice("market.price_series")


@input_node(
    "market.price_series_reported",
    "bool",
    "Whether the price series holds reported prices, each sourced (not one publication's "
    "estimates and forecasts)",
    value_type="bool",
    importance=1,
    formula="catalog market.price_series.<series>.reported; its description is the note",
    inputs=("market.price_series",),
)
def _price_series_reported(ctx: Context) -> Found:
    name = str(ctx.scenario_or_choice("market.price_series").value)
    series = ctx.catalog.market.price_series.get(name)
    if series is None:  # a scenario built in Python, past the language's check of the name
        raise LookupError(f"no price series '{name}' in the catalog")
    origin = f"catalog market.price_series.{name}"
    return Found(series.reported, origin, series.source, note=series.description)


@input_node(
    "market.price_extrapolated",
    "bool",
    "Whether the unit price is another year's figure: the series has no price for the "
    "scenario year",
    value_type="bool",
    importance=2,
    formula="the catalog price series has no figure for scenario.year (nearest year used)",
    inputs=("market.unit_price",),
)
def _price_extrapolated(ctx: Context) -> Found:
    if ctx.field("market.unit_price") is not None:
        return Found(False, ctx.where("market.unit_price"), note="the scenario gives the price")
    custom = ctx.custom_accelerator
    if custom is not None and "price" in custom.figures:
        return Found(False, "accelerator block", note="the scenario's accelerator gives the price")
    entry = ctx.catalog_accelerator
    table, origin = price_table(ctx, entry.name) if entry is not None else ({}, "catalog")
    if not table:
        raise LookupError(f"no price for accelerator '{ctx.accelerator_name}'")
    year = ctx.scenario.year
    if year in table:
        return Found(False, f"{origin}[{year}]")
    return Found(
        True, origin, note=f"the price series has no {year} figure; the nearest year's is used"
    )


@input_node(
    "market.unit_price",
    "currency",
    "Price of one accelerator in the scenario year",
    importance=4,
    formula="scenario market.unit_price, else the accelerator block's price, else the "
    "catalog price for scenario.year in market.price_series (nearest year outside the data)",
    inputs=("cluster.accelerator", "market.price_series", "scenario.year"),
)
def _unit_price(ctx: Context) -> Found:
    if ctx.field("market.unit_price") is not None:
        return ctx.scenario_value("market.unit_price")
    custom = ctx.custom_accelerator
    if custom is not None and "price" in custom.figures:
        return ctx.accelerator_figure("price")
    entry = ctx.catalog_accelerator
    table, origin = price_table(ctx, entry.name) if entry is not None else ({}, "catalog")
    if entry is None or not table:
        raise LookupError(f"no price for accelerator '{ctx.accelerator_name}'")
    found = ctx.by_year(table, ctx.scenario.year, origin)
    return _with_note(found, _catalog_base_note(ctx))


@input_node(
    "market.global_market",
    "currency",
    "Global AI-GPU market in the scenario year (catalog market table)",
    importance=3,
    inputs=("scenario.year",),
)
def _global_market(ctx: Context) -> Found:
    return ctx.by_year(
        ctx.catalog.market.ai_gpu_market_size,
        ctx.scenario.year,
        "catalog market.ai_gpu_market_size",
    )


@input_node(
    "market.vendor_share",
    "fraction",
    "The accelerator vendor's share of the AI-GPU market in the scenario year (NVIDIA "
    "only: the catalog has no other vendor's share)",
    importance=1,
    inputs=("cluster.accelerator", "scenario.year"),
)
def _vendor_share(ctx: Context) -> Found:
    custom = ctx.custom_accelerator
    entry = ctx.catalog_accelerator
    vendor = (custom.vendor if custom is not None and custom.vendor else None) or (
        entry.vendor if entry is not None else None
    )
    series_name = VENDOR_SHARE_SERIES.get(vendor or "")
    if series_name is None:
        raise LookupError(f"no market share for vendor {vendor!r}")
    series = getattr(ctx.catalog.market, series_name)
    return ctx.by_year(series, ctx.scenario.year, f"catalog market.{series_name}")


@input_node(
    "market.vendor_datacenter_revenue",
    "currency",
    "NVIDIA's reported data-centre revenue in its last fiscal year by the scenario year: one "
    "vendor's sales, a floor for the AI-accelerator market",
    importance=1,
    formula="catalog market.nvidia_datacenter_revenue of the latest fiscal year FY whose "
    "calendar year (FY + market.fiscal_calendar.nvidia_offset) is at most scenario.year",
    inputs=("scenario.year",),
)
def _vendor_datacenter_revenue(ctx: Context) -> Found:
    market = ctx.catalog.market
    if market.fiscal_offset is None:
        raise LookupError("the catalog does not say which calendar year a fiscal year is")
    shift = round(market.fiscal_offset.value)
    calendar = {
        int(key.removeprefix("FY")) + shift: key for key in market.nvidia_datacenter_revenue
    }
    reached = [year for year in calendar if year <= ctx.scenario.year]
    if not reached:
        raise LookupError(f"no NVIDIA data-centre revenue reported by {ctx.scenario.year}")
    year = max(reached)
    key = calendar[year]
    note = f"NVIDIA {key}, nearly all of calendar {year}"
    if year < ctx.scenario.year:  # a floor still: a later year's sales are not known
        note += f", the last reported year before {ctx.scenario.year}"
    found = market.nvidia_datacenter_revenue[key]
    return from_figure(found, f"catalog market.nvidia_datacenter_revenue[{key}]", note)


@input_node(
    "market.rental_price",
    "hourly_price",
    "Rental price per accelerator-hour",
    importance=2,
    formula="scenario market.rental_price, else the catalog rental price of the "
    "accelerator for scenario.year (nearest year outside the data)",
    inputs=("cluster.accelerator", "scenario.year"),
)
def _rental_price(ctx: Context) -> Found:
    if ctx.field("market.rental_price") is not None:
        return ctx.scenario_value("market.rental_price")
    entry = ctx.catalog_accelerator
    series = ctx.catalog.market.rental.get(entry.name) if entry is not None else None
    if entry is None or not series:
        raise LookupError(f"no rental price for accelerator '{ctx.accelerator_name}'")
    found = ctx.by_year(series, ctx.scenario.year, f"catalog market.rental.{entry.name}")
    return _with_note(found, _catalog_base_note(ctx))


# ------------------------------------------------------------------------------ metrics
@metric(
    "market.capex",
    "currency",
    "Purchase price of the cluster's accelerators",
    "cluster.count × market.unit_price",
    inputs=("cluster.count", "market.unit_price"),
    importance=8,
)
def capex(count, unit_price):
    """Accelerators only: hosts, network, buildings and power plant are not included."""
    return count * unit_price


@metric(
    "market.share_of_global_market",
    "fraction",
    "The cluster's accelerators as a share of the year's global AI-GPU market",
    "market.capex / market.global_market",
    inputs=("market.capex", "market.global_market"),
    sources=(_ARTICLE,),
    importance=6,
)
def share_of_global_market(capex_value, global_market):
    """Share of one year's market; a build-out spread over several years takes less per year."""
    return capex_value / global_market


@metric(
    "market.share_of_vendor_market",
    "fraction",
    "The cluster's accelerators as a share of the vendor's AI-GPU sales in the year",
    "market.capex / (market.global_market × market.vendor_share)",
    inputs=("market.capex", "market.global_market", "market.vendor_share"),
    sources=(_ARTICLE,),
    importance=2,
)
def share_of_vendor_market(capex_value, global_market, vendor_share):
    """Capex over the vendor's slice of the market (NVIDIA parts only)."""
    return capex_value / (global_market * vendor_share)


@metric(
    "market.owned_run_cost",
    "currency",
    "Cost of the training run on bought accelerators: their purchase price spread over the "
    "hours they are used in their service life, for the run's wall-clock time, and the run's "
    "electricity (servers, building, staff and the cost of capital not counted)",
    "market.capex × reliability.training_time ÷ (cluster.lifetime × energy.utilization) "
    "+ energy.training_cost",
    inputs=(
        "market.capex",
        "reliability.training_time",
        "cluster.lifetime",
        "energy.utilization",
        "energy.training_cost",
    ),
    importance=4,
)
def owned_run_cost(capex_value, wall_clock_time, lifetime, utilization, electricity):
    """What owning costs one run, to set against renting it (market.rental_cost): a bought
    cluster is paid for over its life, idle hours included, and a run uses the share of the
    hours used that it takes (straight-line, as energy.training_embodied_carbon spreads the
    manufacturing emissions over the life)."""
    return capex_value * wall_clock_time / (lifetime * utilization) + electricity


@metric(
    "market.rental_cost_ideal",
    "currency",
    "Cost of renting the cluster for the uninterrupted training time",
    "market.rental_price × cluster.count × performance.training_time",
    inputs=("market.rental_price", "cluster.count", "performance.training_time"),
    importance=2,
)
def rental_cost_ideal(rental_price, count, training_time):
    """Accelerator-seconds of the ideal run × price per accelerator-second."""
    return rental_price * count * training_time


@metric(
    "market.rental_cost",
    "currency",
    "Cost of renting the cluster for the training run, interruptions included",
    "market.rental_price × cluster.count × reliability.training_time",
    inputs=("market.rental_price", "cluster.count", "reliability.training_time"),
    importance=5,
)
def rental_cost(rental_price, count, wall_clock_time):
    """Rented hours are paid for the whole wall-clock time, lost work included."""
    return rental_price * count * wall_clock_time


@metric(
    "market.rent_to_own_ratio",
    "number",
    "How many times renting the cluster for the training run costs what the run costs on bought "
    "accelerators (above 1, buying is cheaper for this run; below 1, renting is)",
    "market.rental_cost ÷ market.owned_run_cost",
    inputs=("market.rental_cost", "market.owned_run_cost"),
    importance=4,
)
def rent_to_own_ratio(rental, owned):
    """Buying against renting as one figure a claim can take (`expect market.rent_to_own_ratio
    > 1`): a claim compares a metric with a figure, so the Kuala Lumpur trial's "five years of
    rent cost more than buying" had no way to be written."""
    return rental / owned
