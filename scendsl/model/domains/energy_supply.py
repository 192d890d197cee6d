"""Energy supply: the inputs the energy model reads about the site, its hardware and its supply.

Site class and PUE, network overhead, the measured or rated power per accelerator, the share of
the year the cluster draws power, and the carbon intensity and price of the supply mix (the
region's grid for the year, from grid.py, or a mix of sources), with flags for grid figures that
stand in for missing ones. The metrics built on them are in `energy`.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from scendsl.catalog.grid import (
    WORLD,
    RegionalFigure,
    carried_demand_trend,
    electricity_demand,
    electricity_price,
    generation_mix,
    grid_intensity,
    household_default_region,
    household_electricity,
    named_region,
    national_emissions,
    per_capita_electricity,
    reading_name_or_code,
    region_reading_name,
)
from scendsl.catalog.quantities import read_quantity
from scendsl.language.names import country_of
from scendsl.memo import IdentityMemo
from scendsl.model.context import Context, Extrapolated, Found, MissingFigure, from_figure
from scendsl.model.domains.server import accelerators_per_server
from scendsl.model.registry import calibration_input, input_node, scenario_input


@input_node(
    "energy.site_class",
    "text",
    "Kind of site (hyperscale, colocation, enterprise): sets the default PUE",
    value_type="text",
)
def _site_class(ctx: Context) -> Found:
    return ctx.scenario_or_choice("energy.site_class")


def _by_site_class(figure: str) -> str:
    """The formula of an input the scenario writes or the site class gives (pue, wue)."""
    return (
        f"scenario energy.{figure}, else the {figure.upper()} of the site class "
        f"(energy.site_class) for the scenario's year (calibration.{figure}_<class>_<year>, "
        "nearest year)"
    )


@input_node(
    "energy.pue",
    "number",
    "Power usage effectiveness: facility power ÷ IT power",
    formula=_by_site_class("pue"),
    inputs=("energy.site_class", "scenario.year"),
)
def _pue(ctx: Context) -> Found:
    return _site_class_figure(ctx, "pue")


def _site_class_figure(ctx: Context, figure: str) -> Found:
    """`energy.<figure>` (pue, wue) as the scenario writes it, else the site class's for the
    scenario's year: calibration `<figure>_<class>_<year>`, the nearest year's outside the data."""
    if ctx.field(f"energy.{figure}") is not None:
        return ctx.scenario_value(f"energy.{figure}")
    site = _site_class(ctx)
    series = _calibration_series(ctx.catalog.calibration, f"{figure}_{site.value}_")
    found = ctx.by_year(series, ctx.scenario.year, f"catalog calibration.{figure}_{site.value}")
    note = "; ".join(n for n in (f"site class {site.value} ({site.origin})", found.note) if n)
    return replace(found, note=note)


#: prefix -> (the calibration table it was read from, its figures by year): each evaluation
#: would scan the whole table for the few keys of one site class (15 µs, a sixtieth of it).
#: The prefixes are the site classes' (choices), a handful.
_SERIES_BY_PREFIX: dict[str, tuple[Mapping[str, Any], dict[int, Any]]] = {}


def _calibration_series(calibration: Mapping[str, Any], prefix: str) -> dict[int, Any]:
    """The calibration figures `<prefix><year>` by year, read once per catalog."""
    kept = _SERIES_BY_PREFIX.get(prefix)
    if kept is not None and kept[0] is calibration:
        return kept[1]
    series = {
        int(key[len(prefix) :]): found
        for key, found in calibration.items()
        if key.startswith(prefix)
    }
    _SERIES_BY_PREFIX[prefix] = (calibration, series)
    return series


@input_node(
    "energy.wue",
    "water_intensity",
    "Water usage effectiveness: water the site consumes on site ÷ its IT energy",
    formula=_by_site_class("wue"),
    inputs=("energy.site_class", "scenario.year"),
)
def _wue(ctx: Context) -> Found:
    return _site_class_figure(ctx, "wue")


@input_node(
    "energy.pue_origin",
    "text",
    "Where the PUE comes from: scenario (energy.pue written), site class (energy.site_class "
    "written) or default (the catalog's default site class)",
    value_type="text",
    provenance=True,
)
def _pue_origin(ctx: Context) -> Found:
    # A warning reads it: the default site class is argued for campuses, not for small rooms.
    for path, origin in (("energy.pue", "scenario"), ("energy.site_class", "site class")):
        if ctx.written(path):
            return Found(origin, ctx.where(path))
    return Found("default", "catalog choices.site_class")


def _measured_power(ctx: Context) -> bool:
    return ctx.field("cluster.accelerator_power") is not None


@input_node(
    "energy.network_overhead",
    "fraction",
    "Cluster network and storage power on top of the servers",
    formula="scenario cluster.overhead, else 0 when cluster.accelerator_power (measured "
    "all-in) is given, else calibration.network_overhead",
    scenario_field="cluster.overhead",
    inputs=("accelerator.system_power",),
)
def _network_overhead(ctx: Context) -> Found:
    if ctx.field("cluster.overhead") is None and _measured_power(ctx):
        found = ctx.calibration("measured_power_fraction")
        return Found(
            0.0,
            f"{ctx.where('cluster.accelerator_power')}: measured all-in power, "
            "no overhead added (catalog calibration.measured_power_fraction)",
            found.source,
            found.confidence,
            found.note,
        )
    return ctx.scenario_or_calibration("cluster.overhead", "network_overhead")


@input_node(
    "energy.training_power_fraction",
    "fraction",
    "Power while training ÷ the power per accelerator",
    formula="scenario energy.training_power_fraction, else 100% when "
    "cluster.accelerator_power (measured) is given, else "
    "calibration.training_power_fraction (an H100 server's typical draw under training ÷ its "
    "rated power: a mean, as the run's power and energy are)",
    inputs=("accelerator.system_power",),
)
def _training_fraction(ctx: Context) -> Found:
    if ctx.field("energy.training_power_fraction") is not None:
        return ctx.scenario_value("energy.training_power_fraction")
    if _measured_power(ctx):
        found = ctx.calibration("measured_power_fraction")
        return Found(
            found.value,
            f"{ctx.where('cluster.accelerator_power')}: measured power "
            "used as is (catalog calibration.measured_power_fraction)",
            found.source,
            found.confidence,
            found.note,
        )
    return ctx.calibration("training_power_fraction")


scenario_input(
    "energy.utilization",
    "fraction",
    "Share of the year the cluster draws power",
    calibration="default_utilization",
)


@input_node(
    "cluster.server",
    "text",
    "Server design: dgx (the vendor systems the catalog's server figures describe: DGX/HGX "
    "servers, NVL72 racks), blade (direct-liquid-cooled HPC blade) or workstation (deskside "
    "system on an office outlet)",
    value_type="text",
)
def _server(ctx: Context) -> Found:
    return ctx.scenario_or_choice("cluster.server")


@input_node(
    "cluster.cooling",
    "text",
    "How the servers are cooled: air (their own fans) or immersion (no server fans)",
    value_type="text",
)
def _cooling(ctx: Context) -> Found:
    return ctx.scenario_or_choice("cluster.cooling")


@input_node(
    "accelerator.system_power",
    "power",
    "Rated power per accelerator with its share of hosts, NICs and fans",
    formula="scenario cluster.accelerator_power, else on a blade or workstation "
    "(cluster.server) accelerator.power_limit × (1 + calibration.node_overhead_blade), else "
    "the platform's figure unless the scenario writes its host CPUs (cluster.host_power) or "
    "its servers are not the figure's 8-GPU board (cluster.accelerators_per_server) and "
    "the accelerator carries none of its own (accelerator.module_host_cpus 0: a superchip's "
    "written host_power is not added), else for a GPU server (tdp + cluster.host_power) × (1 + "
    "calibration.node_overhead) (its host CPUs, and the rest of the server in proportion to "
    "the GPUs' and CPUs' power, fitted to DGX H100 and DGX B200), for other hosts "
    "tdp × (1 + node_overhead_<chip> where a generation has its own, else "
    "node_overhead_<platform>); a GPU server's × (1 − calibration.server_fan_share) "
    "when immersed (cluster.cooling immersion); less tdp − accelerator.power_limit when a "
    "limit is set below the TDP",
    scenario_field="cluster.accelerator_power",
    inputs=("cluster.cooling", "cluster.host_power", "accelerator.power_limit"),
)
def _system_power(ctx: Context) -> Found:
    if ctx.field("cluster.accelerator_power") is not None:
        return ctx.scenario_value("cluster.accelerator_power")
    return rated_system_power(ctx, "no platform figure; {overhead} applied")


@input_node(
    "cluster.host_power",
    "power",
    "Rated power of the host CPUs per accelerator of a GPU server",
    formula="scenario cluster.host_power, else calibration.host_power (two 350 W Xeons per 8 "
    "GPUs, as in DGX H100 and DGX B200) × calibration.gpu_server_accelerators ÷ "
    "cluster.accelerators_per_server (the two CPUs shared by the server's own accelerators)",
    inputs=("cluster.accelerators_per_server",),
)
def _host_power(ctx: Context) -> Found:
    return host_power(ctx)


def host_power(ctx: Context) -> Found:
    """The host CPUs' rated power per accelerator: the scenario's, else the calibration
    systems' (what a GPU server without a catalog system figure adds to its GPU's TDP), their
    two CPUs shared by the scenario's server's accelerators rather than by eight."""
    found = ctx.scenario_or_calibration("cluster.host_power", "host_power")
    if ctx.written("cluster.host_power"):
        return found
    return _hosts_shared(ctx, found)


def _hosts_shared(ctx: Context, per_board: Found) -> Found:
    """The calibration servers' host power per accelerator (their CPUs over an 8-GPU board)
    spread over the scenario's server instead: × board ÷ accelerators per server."""
    board = ctx.calibration("gpu_server_accelerators")
    servers = accelerators_per_server(ctx)
    if servers.value == board.value:
        return per_board
    return Found(
        per_board.value * board.value / servers.value,
        f"derived: {per_board.origin} × gpu_server_accelerators ({board.value:g}) ÷ "
        f"cluster.accelerators_per_server ({servers.value:g}, {servers.origin})",
        "; ".join(dict.fromkeys(f.source for f in (per_board, servers) if f.source)),
        per_board.confidence,
        f"the calibration servers' host CPUs ({per_board.value * board.value:g} W a server) "
        f"shared by {servers.value:g} accelerators instead of {board.value:g}",
    )


@input_node(
    "accelerator.module_host_cpus",
    "number",
    "Host CPUs per accelerator whose power the accelerator's own figures already carry (a "
    "superchip's CPU); 0 for a GPU server's accelerator, whose hosts are cluster.host_power",
    formula="the accelerator's module_host_cpus (catalog accelerators.toml or an accelerator "
    "block: GH200 1, GB200 and GB300 ½), else 0",
    inputs=("cluster.accelerator",),
)
def module_host_cpus(ctx: Context) -> Found:
    """How many host CPUs per accelerator the accelerator's own power figures carry: a
    superchip's CPU (GH200's Grace, inside its module; GB200's, inside its rack's figure),
    none for a GPU server's accelerator, whose hosts sit beside it (cluster.host_power)."""
    return ctx.accelerator_figure(
        "module_host_cpus",
        Found(
            0,
            "default: none (the accelerator's figures carry no host CPU: a GPU server's hosts "
            "are cluster.host_power)",
        ),
    )


@input_node(
    "accelerator.host_power_in_module",
    "bool",
    "Whether the scenario writes host CPUs (cluster.host_power) for an accelerator whose own "
    "power already carries its host CPU: the written power is not added",
    value_type="bool",
    formula="scenario writes cluster.host_power and accelerator.module_host_cpus > 0",
    inputs=("cluster.accelerator",),
)
def host_power_in_module(ctx: Context) -> Found:
    """Whether a written cluster.host_power is set aside, the accelerator's own power carrying
    its host CPU; when it is, the note says so in the words the system power's origin and the
    `host-power-in-module` warning read (the one place they are written)."""
    carried = module_host_cpus(ctx)
    written = ctx.written("cluster.host_power")
    held = written and carried.value > 0
    return Found(
        held,
        f"cluster.host_power {'written' if written else 'not written'}; "
        f"module_host_cpus {carried.value:g} ({carried.origin})",
        carried.source,
        carried.confidence,
        f"the written cluster.host_power is not added: the {ctx.accelerator_name}'s own power "
        f"carries {carried.value:g} host CPU a piece ({carried.origin})"
        if held
        else carried.note,
    )


@input_node(
    "accelerator.power_limit",
    "power",
    "Power the accelerator may draw: its TDP, or less when capped",
    formula="min(tdp, scenario cluster.power_limit); on a workstation (cluster.server "
    "workstation) also at most the office circuit ÷ min(cluster.count, "
    "calibration.workstation_accelerators) ÷ (1 + calibration.node_overhead_blade), the circuit "
    "being max(calibration.workstation_circuit_power, the region's mains_voltage × "
    "calibration.workstation_inlet_current): the "
    "GPUs of a deskside system are capped to keep it within an office circuit",
    scenario_field="cluster.power_limit",
    inputs=("cluster.accelerator", "cluster.count", "cluster.server", "scenario.region"),
)
def _power_limit(ctx: Context) -> Found:
    return power_limit(ctx)


def power_limit(ctx: Context) -> Found:
    """The most the scenario's accelerator draws: its TDP, a limit the scenario sets below it
    (cluster.power_limit), and on a workstation the share of an office circuit left to each
    accelerator after its host's."""
    found = ctx.accelerator_figure("tdp")
    if ctx.field("cluster.power_limit") is not None:
        limit = ctx.scenario_value("cluster.power_limit")
        if limit.value < found.value:
            found = limit
    if _server(ctx).value != "workstation":
        return found
    circuit = workstation_circuit(ctx)
    per_box = ctx.calibration("workstation_accelerators")
    host = ctx.calibration("node_overhead_blade")
    sharing = min(ctx.scenario_value("cluster.count").value, per_box.value)
    share = circuit.value / sharing / (1 + host.value)
    if share >= found.value:
        return found
    return Found(
        share,
        f"derived: office circuit ({circuit.origin}) ÷ min(cluster.count, "
        f"workstation_accelerators = {per_box.value:g}) ÷ (1 + node_overhead_blade), "
        f"{ctx.where('cluster.server')}: server workstation; below the {found.value:g} W of "
        f"{found.origin}",
        circuit.source,
        circuit.confidence,
        "the deskside system's rated power would exceed the office circuit: its GPUs are "
        "power-capped to fit",
    )


@input_node(
    "accelerator.training_draw",
    "power",
    "Average power one accelerator draws while training (the chip alone)",
    formula="accelerator.power_limit × scenario energy.training_power_fraction if given; else "
    "min(accelerator.power_limit, tdp × the accelerator's measured average draw while training "
    "÷ its TDP, calibration.accelerator_training_draw_<name>); the rated power (100 %, an upper "
    "bound) for an accelerator with no such measurement",
    inputs=("energy.training_power_fraction",),
)
def _training_draw(ctx: Context) -> Found:
    """What one accelerator draws on average while training: the share of its power limit the
    scenario states, else the catalog's measurement of the chip under training (a GPU waiting
    on communication, bubbles or memory draws below its TDP), never above its power limit."""
    limit = power_limit(ctx)
    if ctx.field("energy.training_power_fraction") is not None:
        share = _training_fraction(ctx)  # the scenario's, as the system's power takes it
        return Found(
            limit.value * share.value,
            f"derived: power limit ({limit.origin}) × energy.training_power_fraction "
            f"({share.origin})",
            share.source,
            share.confidence,
            share.note,
        )
    measured = ctx.chip_calibration("accelerator_training_draw")
    tdp = ctx.accelerator_figure("tdp")
    if tdp.value * measured.value >= limit.value:
        why = (
            f"no measured draw while training for this accelerator ({measured.origin}): its "
            "rated power, an upper bound"
            if measured.value >= 1
            else f"a cap below its measured draw while training ({measured.origin})"
        )
        return replace(limit, origin=f"{limit.origin}; {why}")
    return Found(
        tdp.value * measured.value,
        f"derived: tdp ({tdp.origin}) × {measured.origin}",
        measured.source,
        measured.confidence,
        measured.note,
    )


def workstation_circuit(ctx: Context) -> Found:
    """The most a deskside workstation may draw in the scenario's region: the larger of the
    North American office circuit (calibration.workstation_circuit_power, 100-127 V mains) and
    the region's mains voltage × the workstation inlet's rated current (200-240 V mains)."""
    circuit = ctx.calibration("workstation_circuit_power")
    mains = ctx.catalog.regions[ctx.scenario.region].mains_voltage
    if mains is None:
        why = "no mains voltage for the region"
    else:
        inlet = ctx.calibration("workstation_inlet_current")
        if mains.value * inlet.value > circuit.value:
            return Found(
                mains.value * inlet.value,
                f"derived: mains_voltage of region {ctx.scenario.region} ({mains.value:g} V, "
                "regions.toml mains_voltage, a subdivision's being its country's) × "
                f"workstation_inlet_current ({inlet.value:g} A)",
                f"{mains.source}; {inlet.source}",
                # A product is as sure as its least sure part (A best, D worst).
                max((c for c in (mains.confidence, inlet.confidence) if c), default=None),
                inlet.note,
            )
        why = (
            f"region {ctx.scenario.region}: {mains.value:g} V mains × "
            f"workstation_inlet_current {inlet.value:g} A give less"
        )
    return Found(
        circuit.value,
        f"calibration.workstation_circuit_power ({why})",
        circuit.source,
        circuit.confidence,
        circuit.note,
    )


def rated_system_power(ctx: Context, note: str | None = None) -> Found:
    """The accelerator's rated power with its share of hosts, NICs and fans: on a
    direct-liquid-cooled blade or a workstation its power limit × (1 +
    calibration.node_overhead_blade); else the catalog's (or an `accelerator` block's) figure,
    else its TDP × (1 + its host platform's node overhead), on a GPU server with its host CPUs
    (cluster.host_power) added to the TDP before the share, without its fans' share when
    immersed, less what a power limit below the TDP saves."""
    server = _server(ctx).value
    limit = power_limit(ctx)
    if server in ("blade", "workstation"):
        # The catalog's system figures are air-cooled vendor servers' (DGX, HGX, NVL72 racks):
        # a blade has none of their fans or switch chips, so it is derived from the TDP alone.
        # A deskside workstation has the blade's structure (one host per four accelerators,
        # liquid-cooled GPUs, no switch chips or fabric NICs).
        blade = ctx.calibration("node_overhead_blade")
        capped = limit.value < ctx.accelerator_figure("tdp").value
        sources = (limit.source, blade.source) if capped else (blade.source,)
        return Found(
            limit.value * (1 + blade.value),
            f"derived: power limit ({limit.origin}) × (1 + node_overhead_blade), "
            f"{ctx.where('cluster.server')}: server {server}",
            "; ".join(dict.fromkeys(source for source in sources if source)),
            blade.confidence,
            "a direct-liquid-cooled blade's hosts, NICs and conversion losses (a workstation "
            "shares its one host per four accelerators); the catalog's server figure (if any) "
            "describes an air-cooled server",
        )
    tdp = ctx.accelerator_figure("tdp")
    # The host platform's constant (a custom block has its catalog base's; a new chip is
    # taken for a GPU server): GPU servers share one, calibrated on DGX H100 and DGX B200; a
    # generation measured on its own system (TPU v4) has its own.
    entry = ctx.catalog_accelerator
    platform = entry.node_overhead_key if entry is not None else "node_overhead"
    key = ctx.chip_calibration_key("node_overhead")
    overhead = ctx.calibration(key)
    value, origin = tdp.value * (1 + overhead.value), f"derived: tdp ({tdp.origin}) × (1 + {key})"
    what = f"calibration.{key}"
    carried = module_host_cpus(ctx)
    if platform == "node_overhead":
        # A GPU server's non-GPU power is its host CPUs and the rest (memory, NICs, switch
        # chips, fans, supply losses) in proportion to the power of the GPUs and CPUs it cools
        # and feeds: a DGX-1's two 135 W hosts are not a DGX H100's two 350 W ones. A
        # superchip's host is its own module's (carried), counted once.
        host = host_power(ctx) if carried.value == 0 else _carried_host(carried)
        value = (tdp.value + host.value) * (1 + overhead.value)
        origin = f"derived: (tdp ({tdp.origin}) + host_power ({host.origin})) × (1 + {key})"
        what = "GPU-server node overhead (DGX H100 and DGX B200)"
    fallback = Found(
        value,
        origin,
        overhead.source,
        "C",
        note.format(overhead=what) if note is not None else None,
    )
    own_parts = platform == "node_overhead" and carried.value == 0
    rated = _server_figure(ctx, fallback) if own_parts else None
    if rated is None:
        rated = ctx.accelerator_figure("system_power", fallback)
    set_aside = host_power_in_module(ctx)
    if set_aside.value:
        rated = replace(rated, origin=f"{rated.origin}; {set_aside.note}", note=carried.note)
    if _cooling(ctx).value == "immersion":
        # Immersed servers have no fans: the fluid carries the heat to the facility's loop.
        fans = ctx.calibration("server_fan_share")
        rated = Found(
            rated.value * (1 - fans.value),
            f"{rated.origin} × (1 − server_fan_share), {ctx.where('cluster.cooling')}: "
            "cooling immersion",
            fans.source,
            fans.confidence,
            fans.note,
        )
    if limit.value >= tdp.value:
        return rated
    # A capped GPU draws less; its host, switches and fans are the same server's.
    return Found(
        rated.value - (tdp.value - limit.value),
        f"{rated.origin} − (tdp − power limit, {limit.origin})",
        rated.source,
        rated.confidence,
        rated.note,
    )


def _carried_host(carried: Found) -> Found:
    """The host power a superchip adds to its own: none, its CPU being in its power."""
    return Found(
        0,
        f"none beyond the accelerator's own power ({carried.value:g} host CPU a piece, "
        f"{carried.origin})",
        carried.source,
        carried.confidence,
        carried.note,
    )


def _server_figure(ctx: Context, parts: Found) -> Found | None:
    """A GPU server's power from its parts when the scenario writes its host CPUs
    (cluster.host_power), or its servers hold other than the catalog server's board of
    accelerators (cluster.accelerators_per_server, written or by design), and no system power
    of its own: the catalog's system figure is a vendor's own server (NVIDIA's DGX, with its
    hosts), which the written hosts or the server's size say this one is not. None where the
    catalog's (or the scenario's accelerator block's) figure applies."""
    custom = ctx.custom_accelerator
    hosts_written = ctx.written("cluster.host_power")
    # The size is read only where the hosts are not written (a sweep reads what a node reads).
    size = None if hosts_written else accelerators_per_server(ctx)
    board = ctx.calibration("gpu_server_accelerators")
    if size is not None and size.value == board.value:
        return None  # the catalog's own server
    if custom is not None and "system_power" in custom.figures:
        return None
    entry = ctx.catalog_accelerator
    if entry is None or "system_power" not in entry.figures:
        return None  # no catalog figure to set aside: the parts are the figure already
    if size is None:
        why = f"{ctx.where('cluster.host_power')}: its host CPUs written"
        what = "the server's host CPUs are written"
    else:
        why = f"a server of {size.value:g} accelerators, {size.origin}"
        what = (
            f"the server holds {size.value:g} accelerators, not the catalog server's "
            f"{board.value:g}"
        )
    return replace(
        parts,
        origin=f"{parts.origin}; the server's own parts ({why}) rather than the catalog's "
        f"system figure (accelerators.{entry.name}.system_power, a vendor's own server)",
        note=f"{what}, so it is priced from its GPUs and hosts with the GPU-server node "
        "overhead rather than as the vendor's server the catalog describes",
    )


@input_node(
    "energy.supply_intensity",
    "carbon_intensity",
    "Carbon intensity of the supply mix (lifecycle for a country's grid; a state's or province's may be direct combustion, as its note says)",
    formula="scenario energy.intensity, else Σ share × intensity of each source "
    "(grid = the region's grid for the year, grid.toml: its own figure, else its country's, "
    "else the world average; a year past the data takes the latest year)",
    scenario_field="energy.intensity",
    inputs=("energy.mix_shares", "scenario.region", "scenario.year"),
)
def _intensity(ctx: Context) -> Found:
    if ctx.field("energy.intensity") is not None:
        return ctx.scenario_value("energy.intensity")
    return _mix_average(ctx, "intensity")


@input_node(
    "energy.supply_price",
    "energy_price",
    "Electricity price of the supply mix",
    formula="scenario energy.price, else Σ share × price of each source "
    "(grid = the region's industrial electricity price for the year, electricity_prices.toml, "
    "else the country's commercial tariff, commercial_prices.toml, else the gas plant's price)",
    scenario_field="energy.price",
    inputs=("energy.mix_shares", "scenario.region", "scenario.year"),
)
def _price(ctx: Context) -> Found:
    if ctx.field("energy.price") is not None:
        return ctx.scenario_value("energy.price")
    return _mix_average(ctx, "price")


@input_node(
    "energy.supply_water",
    "water_intensity",
    "Water consumed off site to generate a kWh of the supply mix (operational, mostly the "
    "power plants' cooling)",
    formula="Σ share × water of each source of energy.mix (energy.toml, Macknick et al. 2012 "
    "medians), the region's grid weighed by its generation shares by fuel (grid_mix.toml, a "
    "fuel without a figure counted as none); none when a source has no figure or the grid's "
    "shares are not in the catalog",
    inputs=("energy.mix_shares", "scenario.region", "scenario.year"),
)
def _supply_water(ctx: Context) -> Found:
    missing = _water_missing(ctx)
    if missing:
        # n/a, as an input that finds nothing, with the parts that leave it so (no origin: no
        # figure was read).
        return Found(None, "", missing=missing)
    return _mix_average(ctx, "water")


def _water_missing(ctx: Context) -> tuple[MissingFigure, ...]:
    """The parts of the supply (with a share) that have no water figure: an energy source
    without one in energy.toml, or the region's grid when the catalog has no generation shares
    by fuel to weigh its fuels' figures with."""
    missing = []
    for name, share in supply_mix(ctx):
        source = ctx.catalog.energy_sources.get(name)
        if source is None or not share > 0:
            continue
        if source.uses_region_grid:
            region, year = ctx.scenario.region, ctx.scenario.year
            if generation_mix(region, year) is None:
                missing.append(MissingFigure(name, region))
        elif source.water is None:
            missing.append(MissingFigure(name))
    return tuple(missing)


def supply_mix(ctx: Context) -> list[tuple[str, float]]:
    """(energy source, share) of the supply: the scenario's mix, else the region's grid."""
    mix = ctx.scenario.energy.mix
    if mix:
        return [(share.source, share.share) for share in mix]
    return [("grid", 1.0)]  # no mix given: the region's grid


#: Per catalog: (what, the mix, the region, the year, where the mix is written) -> the mix's
#: Found. A blend's look-ups, its grid figure read from text and its origin written out were
#: some 40 µs an evaluation each for the intensity and the price, the same for every scenario
#: of a mix, region and year; the Found is shared as a catalog figure's is (`from_figure`:
#: never changed once made), so its input's result is reused at once too. Each entry is one
#: figure and its origin's line of text (a few hundred bytes with a usual path, 4 KB at most
#: with the longest): a thousand of them, three a mix, hold at most a few megabytes.
_MIX_FOUND: IdentityMemo[Found] = IdentityMemo(1024)


def _mix_average(ctx: Context, what: str) -> Found:
    if not ctx.shares_found:  # a context that records reads looks each one up
        return _blend(ctx, what)
    scenario = ctx.scenario
    key = (what, tuple(supply_mix(ctx)), scenario.region, scenario.year, _mix_where(ctx))
    try:
        made = _MIX_FOUND.get(ctx.catalog, *key)
    except TypeError:  # a share that is not a plain number (hashable): not kept
        return _blend(ctx, what)
    if made is None:
        made = _MIX_FOUND.put(ctx.catalog, _blend(ctx, what), *key)
    return made


def _mix_where(ctx: Context) -> str:
    """Where the blend's origin says the mix is: the scenario's line, else the region's grid."""
    return ctx.where("energy.mix") if ctx.scenario.energy.mix else f"grid of {ctx.scenario.region}"


#: Words of a mix part's note that the blend's note repeats: another region's or series' figure
#: (`_regional_found`), a direct-emissions rate (grid.toml notes), the fuels the water weighs.
_FLAGGED_WORDS = ("fallback", "not lifecycle", "generation mix")


def _flagged_note(note: str) -> bool:
    """Whether a mix part's note says something the blend's note must repeat."""
    return any(word in note for word in _FLAGGED_WORDS)


def _blend(ctx: Context, what: str) -> Found:
    """The supply mix's figure `what`: Σ share × each source's, with their origins and notes."""
    total, parts, sources, notes, confidences = 0.0, [], [], [], []
    extrapolated = None  # the first part's that stands in for another year's
    for name, share in supply_mix(ctx):
        found = _source_figure(ctx, name, what)
        confidences.append(found.confidence)
        total += share * found.value
        # The grid's figure depends on the region and year: say which one was read.
        regional = ctx.catalog.energy_sources[name].uses_region_grid
        parts.append(f"{share:.0%} {name}" + (f" ({found.origin})" if regional else ""))
        if found.source:
            sources.append(found.source)
        # Stand-ins, and a figure on another basis than lifecycle (a subdivision's direct rate).
        # Another year's figure is known from the Found; the rest still from the note's words.
        if found.note and (found.extrapolated is not None or _flagged_note(found.note)):
            notes.append(found.note)
            extrapolated = extrapolated or found.extrapolated
    where = _mix_where(ctx)
    # A blend is an estimate; a single source keeps its figure's confidence.
    confidence = "C" if len(parts) > 1 else confidences[0]
    return Found(
        total,
        f"mix at {where}: " + ", ".join(parts),
        "; ".join(dict.fromkeys(sources)),
        confidence,
        "; ".join(notes) or None,
        extrapolated=extrapolated,
    )


def _grid_lookup(ctx: Context, what: str) -> RegionalFigure:
    """The regional figure for the scenario's region and year (grid.py never raises)."""
    if what == "intensity":
        return grid_intensity(ctx.scenario.region, ctx.scenario.year)
    return electricity_price(ctx.scenario.region, ctx.scenario.year)


#: The catalog file of a stand-in series grid.py may return.
_SERIES_FILE = {"commercial_price": "commercial_prices.toml"}


def _regional_found(
    figure: RegionalFigure, file: str, series: str, carried: str | None = None
) -> Found:
    """A grid.py figure as an input's value, labelled when another region or year stands in.

    The year label has the words of Context.by_year, which the briefings' caveats read;
    `carried` says how a value of another year was brought to the year asked for (else it is
    used as it is).
    """
    value, _ = read_quantity(f"{figure.value} {figure.unit}")
    notes = [figure.note] if figure.note else []
    confidence = figure.confidence
    if figure.region_used != figure.region:
        stand_in = figure.region_used or WORLD
        used = "the world average" if stand_in == WORLD else named_region(stand_in)
        notes.append(f"fallback: no figure for {named_region(figure.region)}; {used} used")
        confidence = "C"  # another region's figure: a stand-in, not a measurement
    if figure.series is not None and figure.series != series:
        # Another series stands in (a commercial tariff for an industrial price): said first,
        # since the briefings shorten a long note to its start.
        notes.insert(0, f"fallback: {figure.reason}")
        confidence = "C"
        file, series = _SERIES_FILE[figure.series], figure.series
    extrapolated = None
    if figure.year_used is not None and figure.year_used != figure.year:
        extrapolated = Extrapolated(figure.year, figure.year_used, carried)
        notes.append(extrapolated.clause)
    return Found(
        value,
        f"catalog {file} {figure.region_used}.{series}[{figure.year_used}]",
        figure.source,
        confidence,
        "; ".join(notes) or None,
        extrapolated=extrapolated,
    )


def _grid_water(ctx: Context) -> Found:
    """The water the region's grid consumes per kWh it generates: its generation shares by fuel
    (grid_mix.toml) weighing each fuel's energy.toml figure; a fuel without one (oil,
    bioenergy, geothermal) counts as none, and the note says how much of the mix that is. Its
    confidence is the lowest of the mix's and each counted fuel's water figure's."""
    mix = generation_mix(ctx.scenario.region, ctx.scenario.year)
    if mix is None:
        raise LookupError(f"no water figure for the grid of {ctx.scenario.region}")
    total, uncounted, sources, grades = 0.0, [], [mix.source], [mix.confidence]
    for fuel, share in mix.shares.items():
        if not share:
            continue
        source = ctx.catalog.energy_sources.get(mix.energy_source.get(fuel) or "")
        if source is None or source.water is None:
            uncounted.append(f"{fuel} {share:.1f}%")
            continue
        water = from_figure(source.water, f"catalog energy.{source.name}.water")
        total += share / 100 * water.value
        sources.append(water.source or "")
        grades.append(water.confidence or "C")
    largest = sorted(mix.shares.items(), key=lambda item: -item[1])[:3]
    notes = [
        f"the {mix.year_used} generation mix of {reading_name_or_code(mix.region)} ("
        + ", ".join(f"{fuel} {share:.1f}%" for fuel, share in largest)
        + ", ...) weighing each fuel's water"
    ]
    region = ctx.scenario.region
    if region != mix.region:
        # A province's own fuels can be nothing like its country's (Alberta's gas against
        # Canada's hydro): the Ottawa trial's Alberta site read Canada's mix without a word.
        notes.append(
            f"the country's mix stands in for {named_region(region)}, whose own generation "
            "mix the catalog does not hold"
        )
    if uncounted:
        notes.append(f"{', '.join(uncounted)} of it have no water figure and are not counted")
    extrapolated = None
    if mix.year_used != mix.year:
        extrapolated = Extrapolated(mix.year, mix.year_used)
        notes.append(extrapolated.clause)
    return Found(
        total,
        f"catalog grid_mix.toml {mix.region}.grid_mix[{mix.year_used}]",
        "; ".join(dict.fromkeys(s for s in sources if s)),
        # A blend is as sure as the least sure figure it blends (grades run A to C).
        max(grades),
        "; ".join(notes),
        extrapolated=extrapolated,
    )


def _source_figure(ctx: Context, name: str, what: str) -> Found:
    source = ctx.catalog.energy_sources[name]
    if source.uses_region_grid and what == "water":
        return _grid_water(ctx)
    if source.uses_region_grid:
        figure = _grid_lookup(ctx, what)
        if what == "intensity" and figure.value is not None:
            return _regional_found(figure, "grid.toml", "grid_intensity")
        if what == "price" and figure.value is not None:
            return _regional_found(figure, "electricity_prices.toml", "industrial_price")
        region = ctx.catalog.regions[ctx.scenario.region]
        if what == "intensity":  # not an ISO 3166 code grid.py knows: regions.toml's series
            return ctx.by_year(
                region.grid_intensity,
                ctx.scenario.year,
                f"catalog regions.{region.code}.grid_intensity",
            )
        if region.electricity_price is not None:
            return from_figure(
                region.electricity_price, f"catalog regions.{region.code}.electricity_price"
            )
        # No regional price: the gas plant sets the marginal price of most grids.
        source = ctx.catalog.energy_sources["gas"]
    figure = getattr(source, what)
    if figure is None:
        raise LookupError(f"energy source '{name}' has no {what}")
    return from_figure(figure, f"catalog energy.{source.name}.{what}")


def _grid_used(ctx: Context, path: str) -> bool:
    """Whether the grid's figure enters the supply's figure (`path`: energy.intensity/price)."""
    if ctx.field(path) is not None:
        return False
    return any(
        share > 0 and ctx.catalog.energy_sources[name].uses_region_grid
        for name, share in supply_mix(ctx)
    )


def _grid_fallback(ctx: Context, what: str, path: str, default: str | None) -> Found:
    # Kept in the result for a warnings stage: True when the grid figure the supply uses is
    # another region's or year's, or missing (`default` then says what stood in).
    figure = _grid_lookup(ctx, what)
    file = "grid.toml" if what == "intensity" else "electricity_prices.toml"
    origin = f"catalog {file}, region {figure.region}, year {figure.year}"
    if not _grid_used(ctx, path):
        return Found(False, origin, note="the grid's figure is not used by this scenario")
    reason = figure.reason
    if figure.value is None and default:
        reason = f"{reason}; {default}" if reason else default
    return Found(figure.fallback, origin, note=reason)


@input_node(
    "energy.grid_intensity_fallback",
    "bool",
    "Whether the grid carbon intensity used is a stand-in: another year's figure, the "
    "country's for a subdivision, or the world average",
    value_type="bool",
    importance=2,
    formula="the grid is in the supply mix and grid.toml has no figure for the scenario's "
    "region and year",
    inputs=("energy.supply_intensity",),
)
def _grid_intensity_fallback(ctx: Context) -> Found:
    return _grid_fallback(ctx, "intensity", "energy.intensity", None)


@input_node(
    "energy.grid_price_fallback",
    "bool",
    "Whether the grid electricity price used is a stand-in: another year's figure, the "
    "country's for a subdivision, or, without one, a default price",
    value_type="bool",
    importance=2,
    formula="the grid is in the supply mix and electricity_prices.toml has no industrial "
    "price for the scenario's region and year (a commercial tariff or a default stands in)",
    inputs=("energy.supply_price",),
)
def _grid_price_fallback(ctx: Context) -> Found:
    region = ctx.catalog.regions[ctx.scenario.region]
    default = (
        f"catalog regions.{region.code}.electricity_price used"
        if region.electricity_price is not None
        else "the gas plant's price (catalog energy.gas.price) used"
    )
    return _grid_fallback(ctx, "price", "energy.price", default)


def _household_figure(ctx: Context) -> RegionalFigure:
    """The region's household figure, else the default country's (households.toml's
    `default_region`), with the missing region's reason kept for the warning."""
    figure = household_electricity(ctx.scenario.region, ctx.scenario.year)
    if figure.value is not None:
        return figure
    default = household_electricity(household_default_region(), ctx.scenario.year)
    return replace(default, region=figure.region, fallback=True, reason=figure.reason)


def _household_country(ctx: Context, figure: RegionalFigure) -> str:
    """The name of the country whose homes the comparison counts (`figure`: _household_figure)."""
    used = figure.region_used or household_default_region()
    # Said in sentences ("homes in the United States"), so the name a sentence uses.
    return region_reading_name(used) or ctx.catalog.regions[used].name


@input_node(
    "energy.household_annual_energy",
    "energy",
    "Electricity an average home of the scenario's country (energy.household_country) uses in a "
    "year",
    formula="households.toml household_electricity of scenario.region for scenario.year (a "
    "published average, else residential electricity ÷ households); a subdivision takes its "
    "country's, a region without a figure the default country's ([meta] default_region), "
    "each with a warning",
    inputs=("scenario.region", "scenario.year"),
)
def _household(ctx: Context) -> Found:
    figure = _household_figure(ctx)
    if figure.region_used in (figure.region, country_of(figure.region)):
        return _regional_found(figure, "households.toml", "household_electricity")
    # Another country's homes: said first, since the briefings shorten a long note to its start
    # (and once: the figure is labelled as the default country's own).
    used = replace(figure, region=figure.region_used or household_default_region())
    found = _regional_found(used, "households.toml", "household_electricity")
    note = f"fallback: {figure.reason}; homes in {_household_country(ctx, figure)} used"
    rest = f"; {found.note}" if found.note else ""
    return replace(found, confidence="C", note=note + rest)


@input_node(
    "energy.household_country",
    "text",
    "The country whose average home energy.households_equivalent counts",
    value_type="text",
    formula="the scenario's country when households.toml has its figure, else the default "
    "country of households.toml ([meta] default_region)",
    names_of="regions",
    inputs=("scenario.region", "scenario.year"),
)
def _household_country_node(ctx: Context) -> Found:
    figure = _household_figure(ctx)
    code = figure.region_used or household_default_region()
    # The value is the country's code, what a claim names (`== PH`); its name is the label.
    return Found(code, f"catalog households.toml {code}", label=_household_country(ctx, figure))


@input_node(
    "energy.household_fallback",
    "bool",
    "Whether the household figure used is another region's: the country's for a "
    "subdivision, or the default country's",
    value_type="bool",
    importance=2,
    formula="households.toml has no figure for the scenario's region (another year's figure "
    "of the region itself is labelled extrapolated, not flagged: it is a comparison)",
    inputs=("scenario.region", "scenario.year"),
)
def _household_fallback(ctx: Context) -> Found:
    figure = _household_figure(ctx)
    origin = f"catalog households.toml, region {figure.region}, year {figure.year}"
    return Found(figure.region_used != figure.region, origin, note=figure.reason)


@input_node(
    "energy.per_capita_electricity",
    "energy",
    "Electricity generated per person and year in the scenario's region",
    importance=2,
    formula="grid.toml per_capita_electricity of scenario.region for scenario.year (Ember and "
    "Energy Institute via Our World in Data); another year's figure is labelled extrapolated",
    inputs=("scenario.region", "scenario.year"),
)
def _per_capita(ctx: Context) -> Found:
    figure = per_capita_electricity(ctx.scenario.region, ctx.scenario.year)
    if figure.value is None:
        raise LookupError(f"no electricity per person for {ctx.scenario.region}")
    return _regional_found(figure, "grid.toml", "per_capita_electricity")


@input_node(
    "energy.national_demand",
    "energy",
    "Electricity demand of the scenario's country in the scenario year (generation plus net "
    "imports)",
    importance=2,
    formula="electricity_demand.toml electricity_demand of the country of scenario.region for "
    "scenario.year (Ember and Energy Institute via Our World in Data); a year past the data "
    "takes the latest figure carried toward the country's published forecast "
    "(electricity_demand_forecasts.toml), else grown at the country's average yearly growth "
    "over the data's years, labelled extrapolated; a country without a figure has none",
    inputs=("scenario.region", "scenario.year"),
)
def _national_demand(ctx: Context) -> Found:
    # A subdivision's site draws on its country's grid: the share is of the country's demand.
    return _national_demand_of(country_of(ctx.scenario.region), ctx.scenario.year)


# Catalog data alone decides it (grid.py's lookups are cached the same way); a shared Found
# is read-only (context.Found).
@functools.lru_cache(maxsize=1024)
def _national_demand_of(country: str, year: int) -> Found:
    figure = electricity_demand(country, year)
    if figure.value is None:
        raise LookupError(f"no electricity demand for {figure.region}")
    trend = carried_demand_trend(figure)
    if trend is None:
        return _regional_found(figure, "electricity_demand.toml", "electricity_demand")
    # A forecast year: demand held at the last figure would not move over a sweep of years
    # (a share of 2030's demand read as one of 2023's); it moves toward the country's
    # published forecast, or without one as it did over the data.
    carried = replace(figure, value=trend.carried(figure.value, year))
    if trend.forecast is not None:
        carried = replace(
            carried,
            source=f"{figure.source}; {trend.forecast.source}",
            confidence=max(figure.confidence or "C", trend.forecast.confidence),
        )
    return _regional_found(
        carried,
        "electricity_demand.toml",
        "electricity_demand",
        carried=trend.described,
    )


@input_node(
    "energy.national_emissions",
    "mass",
    "Greenhouse-gas emissions of the scenario's country in a year, excluding land use, "
    "land-use change and forestry (its inventory's gross emissions)",
    importance=2,
    formula="national_emissions.toml national_emissions of the country of scenario.region for "
    "scenario.year (Climate Watch CAIT via Our World in Data); a year past the data takes the "
    "latest year, held flat and labelled extrapolated; a country without a figure has none",
    inputs=("scenario.region", "scenario.year"),
)
def _national_emissions(ctx: Context) -> Found:
    # A subdivision's site counts in its country's inventory.
    figure = national_emissions(country_of(ctx.scenario.region), ctx.scenario.year)
    if figure.value is None:
        raise LookupError(f"no national greenhouse-gas emissions for {figure.region}")
    return _regional_found(figure, "national_emissions.toml", "national_emissions")


calibration_input(
    "energy.smr_unit_power",
    "smr_unit_power",
    "power",
    "Electric output of one small modular reactor",
)
