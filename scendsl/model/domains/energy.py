"""Energy domain: power, energy, emissions and cost of the cluster and of its training run.

IT power = accelerators × power per accelerator × (1 + network overhead); facility power = IT power
× PUE (ML CO2 Impact, LLMCarbon). Rated power sizes the site; measured training power
sits below it (Latif et al. 2024), so energy uses the measured fraction.
"""

from __future__ import annotations

from scendsl.model.context import Context, Found, from_figure
from scendsl.model.registry import input_node, metric

SECONDS_PER_YEAR = 365.25 * 86400.0  # a unit conversion, not a fact about the world


@input_node("energy.pue", "number", "Power usage effectiveness: facility power ÷ IT power")
def _pue(ctx: Context) -> Found:
    return ctx.scenario_or_calibration("energy.pue", "default_pue")


@input_node("energy.network_overhead", "fraction",
            "Cluster network and storage power on top of the servers")
def _network_overhead(ctx: Context) -> Found:
    return ctx.scenario_or_calibration("cluster.overhead", "network_overhead")


@input_node("energy.training_power_fraction", "fraction",
            "Measured power while training ÷ rated power")
def _training_fraction(ctx: Context) -> Found:
    return ctx.calibration("training_power_fraction")


@input_node("energy.utilization", "fraction", "Share of the year the cluster draws power")
def _utilization(ctx: Context) -> Found:
    return ctx.scenario_or_calibration("energy.utilization", "default_utilization")


@input_node("accelerator.system_power", "power",
            "Rated power per accelerator with its share of hosts, NICs and fans",
            formula="scenario cluster.accelerator_power, else the platform's figure, "
                    "else tdp × (1 + calibration.node_overhead)")
def _system_power(ctx: Context) -> Found:
    if ctx.field("cluster.accelerator_power") is not None:
        return ctx.scenario_value("cluster.accelerator_power")
    tdp = ctx.accelerator_figure("tdp")
    overhead = ctx.calibration("node_overhead")
    fallback = Found(tdp.value * (1 + overhead.value),
                     f"derived: tdp ({tdp.origin}) × (1 + node_overhead)",
                     overhead.source, "C", "no platform figure; DGX H100 node overhead applied")
    return ctx.accelerator_figure("system_power", fallback)


@input_node("energy.supply_intensity", "carbon_intensity",
            "Lifecycle carbon intensity of the supply mix",
            formula="scenario energy.intensity, else Σ share × intensity of each source "
                    "(grid = the region's grid for the year)")
def _intensity(ctx: Context) -> Found:
    if ctx.field("energy.intensity") is not None:
        return ctx.scenario_value("energy.intensity")
    return _mix_average(ctx, "intensity")


@input_node("energy.supply_price", "energy_price", "Electricity price of the supply mix",
            formula="scenario energy.price, else Σ share × price of each source "
                    "(grid = the region's electricity price)")
def _price(ctx: Context) -> Found:
    if ctx.field("energy.price") is not None:
        return ctx.scenario_value("energy.price")
    return _mix_average(ctx, "price")


def _mix(ctx: Context) -> list[tuple[str, float]]:
    mix = ctx.scenario.energy.mix
    if mix:
        return [(share.source, share.share) for share in mix]
    return [("grid", 1.0)]  # no mix given: the region's grid


def _mix_average(ctx: Context, what: str) -> Found:
    total, parts, sources, notes = 0.0, [], [], []
    for name, share in _mix(ctx):
        found = _source_figure(ctx, name, what)
        total += share * found.value
        parts.append(f"{share:.0%} {name}")
        if found.source:
            sources.append(found.source)
        if found.note and "extrapolated" in found.note:
            notes.append(found.note)
    where = ctx.where("energy.mix") if ctx.scenario.energy.mix else f"grid of {ctx.scenario.region}"
    confidence = "C" if len(parts) > 1 else None
    return Found(total, f"mix at {where}: " + ", ".join(parts), "; ".join(dict.fromkeys(sources)),
                 confidence, "; ".join(notes) or None)


def _source_figure(ctx: Context, name: str, what: str) -> Found:
    source = ctx.catalog.energy_sources[name]
    if source.uses_region_grid:
        region = ctx.catalog.regions[ctx.scenario.region]
        if what == "intensity":
            return ctx.by_year(region.grid_intensity, ctx.scenario.year,
                               f"catalog regions.{region.code}.grid_intensity")
        if region.electricity_price is not None:
            return from_figure(region.electricity_price,
                               f"catalog regions.{region.code}.electricity_price")
        # No regional price: the gas plant sets the marginal price of most grids.
        source = ctx.catalog.energy_sources["gas"]
    figure = getattr(source, what)
    if figure is None:
        raise LookupError(f"energy source '{name}' has no {what}")
    return from_figure(figure, f"catalog energy.{source.name}.{what}")


@input_node("energy.household_annual_energy", "energy",
            "Electricity an average US household uses in a year")
def _household(ctx: Context) -> Found:
    return ctx.calibration("household_annual_energy")


@input_node("energy.smr_unit_power", "power", "Electric output of one small modular reactor")
def _smr(ctx: Context) -> Found:
    return ctx.calibration("smr_unit_power")


@metric("energy.it_power", "power", "Rated power of the accelerators, their servers and network",
        "cluster.count × accelerator.system_power × (1 + energy.network_overhead)",
        ("cluster.count", "accelerator.system_power", "energy.network_overhead"),
        ("Latif et al. 2024; NVIDIA DGX H100 and GB200 NVL72 power specifications",),
        importance=8)
def it_power(count, system_power, network_overhead):
    return count * system_power * (1 + network_overhead)


@metric("energy.facility_power", "power", "Power the site draws from the grid at rated load",
        "energy.it_power × energy.pue", ("energy.it_power", "energy.pue"),
        ("The Green Grid, PUE definition; Uptime Institute surveys",), importance=10)
def facility_power(it_power, pue):
    return it_power * pue


@metric("energy.average_power", "power", "Average facility power while the cluster trains",
        "energy.facility_power × energy.training_power_fraction × energy.utilization",
        ("energy.facility_power", "energy.training_power_fraction", "energy.utilization"),
        ("Latif et al. 2024: measured 8.4 kW vs 10.2 kW rated on an 8×H100 node",), importance=5)
def average_power(facility_power, training_fraction, utilization):
    return facility_power * training_fraction * utilization


@metric("energy.annual_energy", "energy", "Electricity the site uses in a year",
        "energy.average_power × one year", ("energy.average_power",), importance=9)
def annual_energy(average_power):
    return average_power * SECONDS_PER_YEAR


@metric("energy.annual_emissions", "mass", "CO2-equivalent emitted per year (lifecycle)",
        "energy.annual_energy × energy.supply_intensity",
        ("energy.annual_energy", "energy.supply_intensity"),
        ("IPCC AR5 WG3 Annex III; Ember via Our World in Data",), importance=8)
def annual_emissions(annual_energy, intensity):
    return annual_energy * intensity


@metric("energy.annual_cost", "currency", "Electricity bill per year",
        "energy.annual_energy × energy.supply_price",
        ("energy.annual_energy", "energy.supply_price"), ("Lazard LCOE+",), importance=6)
def annual_cost(annual_energy, price):
    return annual_energy * price


@metric("energy.households_equivalent", "number",
        "Number of US households using as much electricity in a year",
        "energy.annual_energy ÷ energy.household_annual_energy",
        ("energy.annual_energy", "energy.household_annual_energy"), ("US EIA",), importance=7)
def households(annual_energy, household):
    return annual_energy / household


@metric("energy.smr_equivalent", "number",
        "Small modular reactors needed to supply the facility at rated load",
        "energy.facility_power ÷ energy.smr_unit_power",
        ("energy.facility_power", "energy.smr_unit_power"), ("OPG Darlington BWRX-300",),
        importance=6)
def smr_equivalent(facility_power, smr_power):
    return facility_power / smr_power


@metric("energy.training_energy", "energy", "Electricity used by the training run",
        "energy.facility_power × energy.training_power_fraction × reliability.training_time",
        ("energy.facility_power", "energy.training_power_fraction", "reliability.training_time"),
        importance=7)
def training_energy(facility_power, training_fraction, training_time):
    return facility_power * training_fraction * training_time


@metric("energy.training_emissions", "mass", "CO2-equivalent emitted by the training run",
        "energy.training_energy × energy.supply_intensity",
        ("energy.training_energy", "energy.supply_intensity"), importance=7)
def training_emissions(training_energy, intensity):
    return training_energy * intensity


@metric("energy.training_cost", "currency", "Electricity cost of the training run",
        "energy.training_energy × energy.supply_price",
        ("energy.training_energy", "energy.supply_price"), importance=5)
def training_cost(training_energy, price):
    return training_energy * price


def _power_by_source(ctx: Context) -> Found:
    shares = {name: share for name, share in _mix(ctx)}
    return Found(shares, ctx.where("energy.mix") if ctx.scenario.energy.mix else "default: grid")


input_node("energy.mix_shares", "fraction", "Share of each energy source in the supply",
           value_type="breakdown")(_power_by_source)


@metric("energy.power_by_source", "power", "Facility power supplied by each energy source",
        "energy.facility_power × share of each source",
        ("energy.facility_power", "energy.mix_shares"), value_type="breakdown", importance=4)
def power_by_source(facility_power, shares):
    return {name: facility_power * share for name, share in shares.items()}
