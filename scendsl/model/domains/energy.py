"""Energy domain: power, energy, emissions and cost of the cluster and of its training run.

IT power = accelerators × power per accelerator × (1 + network overhead); facility power = IT power
× PUE (ML CO2 Impact, LLMCarbon). Rated power sizes the site; measured training power
sits below it (Latif et al. 2024), so energy uses the measured fraction. Embodied (manufacturing)
emissions and idle power follow. The inputs (PUE, power fractions, supply mix) are in
`energy_supply`.
"""

from __future__ import annotations

from scendsl.model.context import Context, Found
from scendsl.model.domains.energy_supply import supply_mix
from scendsl.model.registry import input_node, metric, scenario_input

SECONDS_PER_YEAR = 365.25 * 86400.0  # a unit conversion, not a fact about the world

_BLOOM = (
    "Luccioni, Viguier, Ligozat, Estimating the Carbon Footprint of BLOOM (JMLR 2023): "
    "dynamic energy = GPU-hours × TDP"
)
_LACOSTE = (
    "Lacoste et al. 2019, Quantifying the Carbon Emissions of Machine Learning, and its ML CO2 "
    "Impact calculator (mlco2/impact: energy = the GPU's TDP × hours, × the region's intensity)"
)


@metric(
    "energy.it_power",
    "power",
    "Rated power of the accelerators, their servers and network",
    "cluster.count × accelerator.system_power × (1 + energy.network_overhead)",
    ("cluster.count", "accelerator.system_power", "energy.network_overhead"),
    ("Latif et al. 2024; NVIDIA DGX H100 and GB200 NVL72 power specifications",),
    importance=8,
)
def it_power(count, system_power, network_overhead):
    return count * system_power * (1 + network_overhead)


@metric(
    "energy.facility_power",
    "power",
    "Power the site draws from the grid at rated load",
    "energy.it_power × energy.pue",
    ("energy.it_power", "energy.pue"),
    ("The Green Grid, PUE definition; Uptime Institute surveys",),
    importance=10,
)
def facility_power(it_power, pue):
    return it_power * pue


@metric(
    "energy.average_power",
    "power",
    "Average facility power while the cluster trains",
    "energy.facility_power × energy.training_power_fraction × energy.utilization",
    ("energy.facility_power", "energy.training_power_fraction", "energy.utilization"),
    ("Latif et al. 2024: measured 8.4 kW vs 10.2 kW rated on an 8×H100 node",),
    importance=5,
)
def average_power(facility_power, training_fraction, utilization):
    return facility_power * training_fraction * utilization


@metric(
    "energy.annual_energy",
    "energy",
    "Electricity the site uses in a year",
    "energy.average_power × one year",
    ("energy.average_power",),
    importance=9,
)
def annual_energy(average_power):
    return average_power * SECONDS_PER_YEAR


@metric(
    "energy.annual_emissions",
    "mass",
    "CO2-equivalent emitted per year (lifecycle for a country's grid; a state's or province's may be direct combustion, as its note says)",
    "energy.annual_energy × energy.supply_intensity",
    ("energy.annual_energy", "energy.supply_intensity"),
    ("IPCC AR5 WG3 Annex III; Ember via Our World in Data",),
    importance=8,
)
def annual_emissions(annual_energy, intensity):
    return annual_energy * intensity


@metric(
    "energy.annual_cost",
    "currency",
    "Electricity bill per year",
    "energy.annual_energy × energy.supply_price",
    ("energy.annual_energy", "energy.supply_price"),
    ("Lazard LCOE+",),
    importance=6,
)
def annual_cost(annual_energy, price):
    return annual_energy * price


@metric(
    "energy.households_equivalent",
    "number",
    "Number of homes of the scenario's country (energy.household_country) using as much "
    "electricity in a year",
    "energy.annual_energy ÷ energy.household_annual_energy",
    ("energy.annual_energy", "energy.household_annual_energy"),
    ("households.toml: IEA, World Bank and UN DESA; US EIA; national statistics and utilities",),
    importance=7,
)
def households(annual_energy, household):
    return annual_energy / household


@metric(
    "energy.people_equivalent",
    "number",
    "Number of people of the region whose electricity (generated per person) equals the "
    "site's in a year",
    "energy.annual_energy ÷ energy.per_capita_electricity",
    ("energy.annual_energy", "energy.per_capita_electricity"),
    ("Ember and Energy Institute via Our World in Data, per capita electricity",),
    importance=7,
)
def people(annual_energy, per_person):
    """Per-person generation, not household use: citable for every country alike."""
    return annual_energy / per_person


@metric(
    "energy.national_share",
    "fraction",
    "Share of the country's electricity demand the site uses in a year",
    "energy.annual_energy ÷ energy.national_demand",
    ("energy.annual_energy", "energy.national_demand"),
    ("Ember and Energy Institute via Our World in Data, electricity demand",),
    importance=7,
)
def national_share(annual_energy, national_demand):
    """The site's year against the country's whole year of demand (a subdivision's country)."""
    return annual_energy / national_demand


@metric(
    "energy.national_emissions_share",
    "fraction",
    "Share of the country's greenhouse-gas emissions (its inventory's gross total, land use "
    "excluded) that the site's electricity emits in a year",
    "energy.annual_emissions ÷ energy.national_emissions",
    ("energy.annual_emissions", "energy.national_emissions"),
    ("Climate Watch (CAIT) via Our World in Data, greenhouse-gas emissions excluding LUCF",),
    # Below the energy table's cut: the briefing's sentence gives it with the year it is of.
    importance=3,
)
def national_emissions_share(annual_emissions, national_emissions):
    """A yardstick, not an inventory entry: the site's emissions are its electricity's
    (lifecycle for a country's grid), which the inventory counts at the power plants, partly
    abroad for imported fuel and equipment."""
    return annual_emissions / national_emissions


@metric(
    "energy.smr_equivalent",
    "number",
    "Small modular reactors needed to supply the facility at rated load",
    "energy.facility_power ÷ energy.smr_unit_power",
    ("energy.facility_power", "energy.smr_unit_power"),
    ("OPG Darlington BWRX-300",),
    importance=6,
)
def smr_equivalent(facility_power, smr_power):
    return facility_power / smr_power


@metric(
    "energy.training_energy",
    "energy",
    "Electricity used by the training run",
    "energy.facility_power × energy.training_power_fraction × reliability.training_time",
    ("energy.facility_power", "energy.training_power_fraction", "reliability.training_time"),
    importance=7,
)
def training_energy(facility_power, training_fraction, training_time):
    return facility_power * training_fraction * training_time


@metric(
    "energy.training_cost",
    "currency",
    "Electricity cost of the training run",
    "energy.training_energy × energy.supply_price",
    ("energy.training_energy", "energy.supply_price"),
    importance=5,
)
def training_cost(training_energy, price):
    return training_energy * price


def _power_by_source(ctx: Context) -> Found:
    shares = {name: share for name, share in supply_mix(ctx)}
    return Found(shares, ctx.where("energy.mix") if ctx.scenario.energy.mix else "default: grid")


input_node(
    "energy.mix_shares",
    "fraction",
    "Share of each energy source in the supply",
    value_type="breakdown",
)(_power_by_source)


@metric(
    "energy.power_by_source",
    "power",
    "Facility power supplied by each energy source",
    "energy.facility_power × share of each source",
    ("energy.facility_power", "energy.mix_shares"),
    value_type="breakdown",
    importance=4,
)
def power_by_source(facility_power, shares):
    return {name: facility_power * share for name, share in shares.items()}


# ---------------------------------------------------------------- issue 12: energy/reliability
_ACT = (
    "Gupta et al., ACT: Designing Sustainable Computer Systems with an Architectural Carbon "
    "Modeling Tool (ISCA 2022)"
)
_LLMCARBON = (
    "Faiz et al., LLMCarbon: Modeling the End-to-End Carbon Footprint of Large Language "
    "Models (ICLR 2024)"
)
_DODGE = (
    "Dodge et al., Measuring the Carbon Intensity of AI in Cloud Instances (FAccT 2022): GPU "
    "energy measured with nvidia-smi, 256 A100 pre-training a 6.1B transformer at 281 W each"
)


@input_node(
    "accelerator.embodied_carbon",
    "mass",
    "Manufacturing emissions of one accelerator with its share of the server",
    sources=(_ACT, _LLMCARBON),
    formula="scenario cluster.embodied_carbon, else die_area × "
    "calibration.embodied_logic_kgco2_per_cm2 + hbm (GB) × "
    "calibration.embodied_hbm_kgco2_per_gb + calibration.embodied_server_share",
    scenario_field="cluster.embodied_carbon",
    inputs=("cluster.accelerator",),
)
def _embodied(ctx: Context) -> Found:
    if ctx.field("cluster.embodied_carbon") is not None:
        return ctx.scenario_value("cluster.embodied_carbon")
    reticle = ctx.calibration("embodied_default_die_area")
    area = ctx.accelerator_figure(
        "die_area",
        Found(
            reticle.value,
            "catalog calibration.embodied_default_die_area (no die area published)",
            reticle.source,
            reticle.confidence,
            reticle.note,
        ),
    )
    hbm = ctx.accelerator_figure("hbm")
    logic = ctx.calibration("embodied_logic_kgco2_per_cm2")
    memory = ctx.calibration("embodied_hbm_kgco2_per_gb")
    server = ctx.calibration("embodied_server_share")
    value = area.value * 1e4 * logic.value + hbm.value / 1e9 * memory.value + server.value
    sources = "; ".join(dict.fromkeys(f.source for f in (logic, memory, server) if f.source))
    return Found(
        value,
        f"derived: die_area ({area.origin}) × logic + hbm ({hbm.origin}) × "
        "memory + server share (ACT/LLMCarbon approach)",
        sources,
        "C",
        "per-area and per-GB factors of ACT; the server share after Chien et al. 2023",
    )


scenario_input(
    "cluster.lifetime",
    "time",
    "Service life over which the hardware is amortised",
    calibration="default_hardware_lifetime",
)


@metric(
    "energy.embodied_carbon",
    "mass",
    "Manufacturing emissions of the cluster's accelerators and their servers",
    "cluster.count × accelerator.embodied_carbon",
    ("cluster.count", "accelerator.embodied_carbon"),
    (_ACT, _LLMCARBON),
    importance=4,
)
def embodied_carbon(count, per_accelerator):
    return count * per_accelerator


@metric(
    "energy.annual_embodied_carbon",
    "mass",
    "Manufacturing emissions amortised over one year of the hardware's life",
    "energy.embodied_carbon × one year ÷ cluster.lifetime",
    ("energy.embodied_carbon", "cluster.lifetime"),
    (_LLMCARBON,),
    importance=3,
)
def annual_embodied_carbon(embodied, lifetime):
    return embodied * SECONDS_PER_YEAR / lifetime


@metric(
    "energy.training_embodied_carbon",
    "mass",
    "Manufacturing emissions amortised over the training run",
    "energy.embodied_carbon × reliability.training_time ÷ cluster.lifetime",
    ("energy.embodied_carbon", "reliability.training_time", "cluster.lifetime"),
    (_LLMCARBON,),
    importance=3,
)
def training_embodied_carbon(embodied, training_time, lifetime):
    return embodied * training_time / lifetime


@metric(
    "energy.accelerator_energy",
    "energy",
    "Accelerator-only energy of the run: accelerator-hours at what the chips draw while "
    "training (no host, network or cooling)",
    "reliability.accelerator_hours × 1 hour × accelerator.training_draw (a measured average "
    "where the catalog has one, else the TDP or cap)",
    ("reliability.accelerator_hours", "accelerator.training_draw"),
    (_BLOOM, _DODGE),
    importance=4,
)
def accelerator_energy(accelerator_hours, power):
    return accelerator_hours * 3600.0 * power


@metric(
    "energy.training_it_energy",
    "energy",
    "IT energy of the training run: servers and network, before cooling and power losses",
    "energy.training_energy ÷ energy.pue",
    ("energy.training_energy", "energy.pue"),
    importance=4,
)
def training_it_energy(training_energy, pue):
    return training_energy / pue


@input_node(
    "energy.emissions_boundary",
    "text",
    "Which energy the training emissions count: facility (IT × PUE), it (servers and "
    "network) or accelerators (the accelerators alone at their rated power)",
    value_type="text",
)
def _emissions_boundary(ctx: Context) -> Found:
    return ctx.scenario_or_choice("energy.emissions_boundary")


@metric(
    "energy.emissions_energy",
    "energy",
    "Energy the training emissions count, within energy.emissions_boundary",
    "energy.training_energy (facility); energy.training_it_energy (it); "
    "reliability.accelerator_hours × 1 hour × accelerator.power_limit (accelerators: the rated "
    "power, TDP or cap, with no training fraction, as published accelerator-only figures count)",
    (
        "energy.emissions_boundary",
        "energy.training_energy",
        "energy.training_it_energy",
        "reliability.accelerator_hours",
        "accelerator.power_limit",
    ),
    (_LACOSTE, _BLOOM),
    importance=3,
)
def emissions_energy(boundary, training_energy, it_energy, accelerator_hours, rated_power):
    """The run's energy within the boundary a published emissions figure draws."""
    if boundary == "it":
        return it_energy
    if boundary == "accelerators":
        return accelerator_energy(accelerator_hours, rated_power)  # at the rated power
    return training_energy


@metric(
    "energy.training_emissions",
    "mass",
    "CO2-equivalent emitted by the training run",
    "energy.emissions_energy × energy.supply_intensity (the site's energy unless "
    "energy.emissions_boundary says)",
    ("energy.emissions_energy", "energy.supply_intensity"),
    importance=7,
)
def training_emissions(emissions_energy, intensity):
    return emissions_energy * intensity


@metric(
    "energy.water_use",
    "volume",
    "Water the site consumes on site in a year (evaporated by its cooling, not returned): its "
    "IT energy × its WUE; the water of the electricity's generation is not counted",
    "energy.annual_energy ÷ energy.pue × energy.wue",
    ("energy.annual_energy", "energy.pue", "energy.wue"),
    (
        "The Green Grid, White Paper 35, Water Usage Effectiveness (2011); Li et al., Making AI "
        "Less Thirsty (2023)",
    ),
    importance=6,
)
def water_use(annual_energy, pue, wue):
    return annual_energy / pue * wue


@metric(
    "energy.offsite_water",
    "volume",
    "Water the power plants of the supply mix consume in a year to generate the site's "
    "electricity (where energy.mix names its sources, or the catalog holds its grid's generation "
    "mix)",
    "energy.annual_energy × energy.supply_water",
    ("energy.annual_energy", "energy.supply_water"),
    (
        "Macknick et al. 2012, operational water consumption factors for electricity generating "
        "technologies; Li et al., Making AI Less Thirsty (2023), for the method",
    ),
    importance=4,
)
def offsite_water(annual_energy, supply_water):
    return annual_energy * supply_water


@metric(
    "energy.training_water",
    "volume",
    "Water the site consumes on site for the training run: its IT energy × the WUE",
    "energy.training_it_energy × energy.wue",
    ("energy.training_it_energy", "energy.wue"),
    ("The Green Grid, White Paper 35, Water Usage Effectiveness (2011)",),
    importance=4,
)
def training_water(training_it_energy, wue):
    return training_it_energy * wue


scenario_input(
    "energy.idle_power_fraction",
    "fraction",
    "Power while idle ÷ rated power per accelerator (servers powered, no work)",
    calibration="idle_power_fraction",
)


@metric(
    "energy.idle_power",
    "power",
    "Facility power while the cluster is powered but idle",
    "energy.facility_power × energy.idle_power_fraction",
    ("energy.facility_power", "energy.idle_power_fraction"),
    (_BLOOM,),
    importance=3,
)
def idle_power(facility_power, idle_fraction):
    return facility_power * idle_fraction


@metric(
    "energy.annual_idle_energy",
    "energy",
    "Electricity drawn in a year while the cluster is powered but not training "
    "(not in energy.annual_energy)",
    "energy.idle_power × (1 − energy.utilization) × one year",
    ("energy.idle_power", "energy.utilization"),
    (_BLOOM,),
    importance=3,
)
def annual_idle_energy(idle, utilization):
    return idle * (1 - utilization) * SECONDS_PER_YEAR
