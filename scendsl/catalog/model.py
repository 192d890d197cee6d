"""The catalog's types: the frozen entry models, the error a broken data file raises, and the
constants (statuses, required figures, code patterns) the models and the loader share."""

from __future__ import annotations

import datetime as _dt
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from scendsl.defaults import Recompute, ReferenceKind
from scendsl.errors import ScendslError
from scendsl.language.names import country_of

CONFIDENCE_PATTERN = r"^[ABCU](/[ABCU])?$"

#: Export-control statuses from least to most strict (see the schema in export_rules.toml).
STATUS_ORDER: tuple[str, ...] = (
    "allowed",
    "notification",
    "licence_required",
    "case_by_case",
    "presumption_of_denial",
)

Status = Literal[
    "allowed", "notification", "licence_required", "case_by_case", "presumption_of_denial"
]

#: Figures every accelerator must have, with their dimension.
REQUIRED_ACCELERATOR_FIGURES: dict[str, str] = {
    "bf16_dense": "flop_rate",
    "fp8_dense": "flop_rate",
    "hbm": "data",
    "hbm_bandwidth": "bandwidth",
    "scaleup_bandwidth": "bandwidth",
    "scaleup_domain": "number",
    "hostlink_bandwidth": "bandwidth",
    "tdp": "power",
}
#: Figures an accelerator may have, with their dimension.
OPTIONAL_ACCELERATOR_FIGURES: dict[str, str] = {
    "fp4_dense": "flop_rate",
    "int8_dense": "flop_rate",
    "scaleout_bandwidth": "bandwidth",
    "die_area": "area",
    "host_memory": "data",
    "system_power": "power",
    "module_host_cpus": "number",
}

_GROUPS = frozenset({"A:5", "A:6", "D:1", "D:2", "D:3", "D:4", "D:5", "E:1", "E:2"})
_REGION_RE = re.compile(r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$")
_ISO_DATE_RE = re.compile(r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$")


class CatalogError(ScendslError, ValueError):
    """A data file of the catalog is wrong; the message names the file, the entry and the field."""

    def __init__(self, file: str, entry: str, field: str, message: str) -> None:
        self.file = file
        self.entry = entry
        self.field = field
        self.reason = message
        where = ".".join(part for part in (entry, field) if part)
        super().__init__(f"{file}: {where}: {message}" if where else f"{file}: {message}")


class _Frozen(BaseModel):
    # A catalog kept by `load_catalog` is unpickled, not validated: pydantic's schema is built
    # when a process first validates an entry (reading the data files), not at import.
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class Figure(_Frozen):
    """One sourced fact: its value in SI base units, its dimension and the text it was written as."""

    value: float
    dimension: str
    text: str
    source: str = Field(min_length=1)
    confidence: str = Field(pattern=CONFIDENCE_PATTERN)
    note: str | None = None


#: The jurisdiction whose export rules export_rules.toml models: a chip not subject to it gets
#: no US licence status (see `Jurisdiction`).
US = "US"

#: An ISO 3166-1 alpha-2 country code (a jurisdiction is a country, never a subdivision).
_COUNTRY_RE = re.compile(r"^[A-Z]{2}$")


class Jurisdiction(_Frozen):
    """Whose export controls reach an accelerator as an item (accelerators.toml `subject_to`):
    ISO 3166-1 codes, sourced. `assumed` marks the default of an entry or block that says
    nothing (US, the jurisdiction of every accelerator before this field existed)."""

    codes: tuple[str, ...] = Field(min_length=1)
    source: str = Field(min_length=1)
    confidence: str = Field(pattern=CONFIDENCE_PATTERN)
    note: str | None = None
    assumed: bool = False
    #: Where the catalog states it (`accelerators.H100.subject_to`, `vendors.NVIDIA.subject_to`).
    declared_in: str = ""

    @property
    def reached_by_us_rules(self) -> bool:
        """Whether the US licence rules of export_rules.toml apply to the chip at all."""
        return US in self.codes


#: What an accelerator that does not say is taken to be subject to (documented in
#: docs/export-control.md; a custom block without it gets a warning).
DEFAULT_JURISDICTION = Jurisdiction(
    codes=(US,),
    source="default: the entry does not say whose export controls reach it; US assumed",
    confidence="U",
    assumed=True,
)


class Accelerator(_Frozen):
    """An accelerator: plain facts (vendor, dates, host-link kind) and sourced figures by name.

    `figures` always holds the required figures (`REQUIRED_ACCELERATOR_FIGURES`) and may hold the
    optional ones. `price` is keyed by calendar year. `hostlink_shared_by` says how many
    accelerators share the host link and host memory (2 for a GB200 superchip). `platform` says
    what kind of host the accelerator sits in, which sets the node overhead used when the catalog
    has no system power for it (calibration `node_overhead` on the TDP plus the host CPUs'
    `host_power`, for a GPU server; on the TDP for others `node_overhead_<name>` for a generation
    measured on its own system, else `node_overhead_<platform>`), and the factor on the
    GEMM plateau its matrix units reach (`platform_matmul_factor_<name>` for a generation
    calibrated on its own, else `platform_matmul_factor_<platform>`, 1 when absent: the rule
    of `calibration_keys`).
    """

    name: str
    title: str
    vendor: str
    announced: str = Field(pattern=_ISO_DATE_RE.pattern)
    available_year: int
    hostlink_kind: str
    hostlink_shared_by: int = Field(default=1, ge=1)
    platform: str = "gpu_server"
    note: str | None = None
    figures: dict[str, Figure]
    price: dict[int, Figure] = Field(default_factory=dict)
    #: Whose export controls reach the chip (US unless the entry says otherwise).
    subject_to: Jurisdiction = DEFAULT_JURISDICTION

    def platform_key(self, constant: str) -> str:
        """The calibration key of a per-platform constant: `constant` itself for a GPU server
        (the platform the constants were first measured on), else `constant_<platform>`."""
        return constant if self.platform == "gpu_server" else f"{constant}_{self.platform}"

    @property
    def node_overhead_key(self) -> str:
        """The calibration constant of this accelerator's host platform."""
        return self.platform_key("node_overhead")

    def calibration_keys(self, constant: str, qualifier: str | None = None) -> tuple[str, ...]:
        """Where a per-chip calibration constant is looked up, first found wins: this chip's
        own (`constant_<name>`, lower case: a generation measured on its own), its platform's
        (`platform_key`), then `constant` (the figure of the chip it was first measured on).
        With a `qualifier` (a framework whose kernels differ on some chips), this chip's figure
        for it (`constant_<qualifier>_<name>`) comes first."""
        name = self.name.lower()
        keys: tuple[str, ...] = (f"{constant}_{name}", self.platform_key(constant), constant)
        if qualifier is not None:
            keys = (f"{constant}_{qualifier}_{name}", *keys)
        return tuple(dict.fromkeys(keys))


class EnergySource(_Frozen):
    """An energy source of a mix: lifecycle carbon intensity and price, or the region's grid."""

    name: str
    title: str
    intensity: Figure | None = None
    price: Figure | None = None
    #: Water its generation consumes per kWh (operational, mostly cooling); None where no
    #: review gives one (and for the grid, whose fuel shares the catalog does not hold).
    water: Figure | None = None
    uses_region_grid: bool = False
    #: When a source whose output follows the weather or the sun, not the load, supplies
    #: ("the sun shines"; None for one that follows the load): its share of a mix is of the
    #: year's electricity, not of every hour's.
    variable: str | None = None


class Region(_Frozen):
    """A country (ISO 3166-1 alpha-2) or subdivision (ISO 3166-2): grid intensity, export standing.

    `fallback` marks a region regions.toml does not describe: its figures are stand-ins (the
    parent country's or the world average, each figure's note says which), for a warning.
    """

    code: str = Field(pattern=_REGION_RE.pattern)
    name: str
    groups: tuple[str, ...] = ()
    groups_note: str | None = None
    diffusion_tier: Literal[1, 2, 3]
    grid_intensity: dict[int, Figure]
    electricity_price: Figure | None = None
    mains_voltage: Figure | None = None
    fallback: bool = False


class GroupMembership(_Frozen):
    """A dated membership of one region in one EAR country group (country_groups.toml)."""

    region: str
    group: str
    start: _dt.date
    end: _dt.date | None = None
    citation: str
    source: str = Field(min_length=1)
    confidence: str = Field(pattern=CONFIDENCE_PATTERN)


class CountryGroups(_Frozen):
    """EAR country groups (15 CFR 740 Supp. 1) by date: `groups_on(code, date)`."""

    as_of: _dt.date
    members: dict[str, tuple[str, ...]]
    sources: dict[str, str]
    changes: tuple[GroupMembership, ...] = ()

    def groups_on(self, region: str, date: _dt.date) -> tuple[str, ...]:
        """The groups `region` (or, for a subdivision, its country) is in on `date`, sorted."""
        code = country_of(region)
        found = {group for group, codes in self.members.items() if code in codes}
        found |= {
            change.group
            for change in self.changes
            if change.region == code
            and change.start <= date
            and (change.end is None or date < change.end)
        }
        return tuple(sorted(found))

    def memberships(self, region: str) -> tuple[GroupMembership, ...]:
        """The dated changes that concern `region` (or its country)."""
        code = country_of(region)
        return tuple(change for change in self.changes if change.region == code)


class Reference(_Frozen):
    """A comparison entity for the compute-divide briefing: who has how many of which accelerator."""

    name: str
    title: str
    kind: ReferenceKind
    #: ISO 3166-1 code of the country the resource is in or serves.
    region: str = Field(pattern=r"^[A-Z]{2}$")
    accelerator: str
    count: int = Field(gt=0)
    year: int | None = None
    #: Its server design (`cluster.server`) where it is not the vendor's GPU server the model
    #: assumes otherwise (an HPC blade system), with the source saying so.
    server: Literal["dgx", "blade", "workstation"] | None = None
    source: str = Field(min_length=1)
    confidence: str = Field(pattern=CONFIDENCE_PATTERN)
    note: str | None = None


class PriceSeries(_Frozen):
    """A purchase-price series a scenario may choose (`market.price_series`)."""

    name: str
    description: str  # what its figures are, as a briefing says it
    reported: bool  # reported prices (True) or one publication's estimates and forecasts
    source: str | None = None  # the publication of a series that is one publication's
    confidence: str | None = None  # of that source (A primary ... C secondary or estimated)


class MarketData(_Frozen):
    """Market series: the source article's table plus cross-checks and rental prices.

    Calendar-year series are keyed by int; NVIDIA's fiscal-year series by "FY2025" (the fiscal
    year ending in late January 2025). `rental` maps an accelerator to its price per hour by year.
    """

    ai_gpu_market_size: dict[int, Figure]
    nvidia_share: dict[int, Figure]
    nvidia_datacenter_revenue: dict[str, Figure]
    nvidia_total_revenue: dict[str, Figure]
    figures: dict[str, Figure]
    #: The calendar year a fiscal-year figure stands for, minus its fiscal year (-1 for a
    #: fiscal year ending in January); None when the catalog does not say.
    fiscal_offset: Figure | None = None
    rental: dict[str, dict[int, Figure]]
    #: Purchase-price series other than the default `market` one (accelerators.toml `price`):
    #: series name → accelerator → price by calendar year.
    purchase: dict[str, dict[str, dict[int, Figure]]] = {}
    #: Every series a scenario may choose, `market` among them, by name.
    price_series: dict[str, PriceSeries] = {}


class RuleBounds(_Frozen):
    """One alternative of a class: all set bounds must hold (bandwidths in B/s, PD in TPP/mm2)."""

    tpp_min: float | None = None
    tpp_below: float | None = None
    tpp_max: float | None = None
    pd_min: float | None = None
    pd_below: float | None = None
    io_min: float | None = None
    hbm_bandwidth_min: float | None = None
    hbm_bandwidth_max: float | None = None
    hbm_bandwidth_density_min: float | None = None


class RuleClass(_Frozen):
    """A class a rule defines (e.g. 3A090.a): a chip is in it if it meets any alternative."""

    id: str
    applies_to: Literal["accelerator", "hbm"] = "accelerator"
    when: tuple[RuleBounds, ...] = Field(min_length=1)


class RuleTreatment(_Frozen):
    """The status some classes get in the destinations the selectors match."""

    classes: tuple[str, ...] = Field(min_length=1)
    regions: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    tiers: tuple[int, ...] = ()
    everywhere: bool = False
    except_groups: tuple[str, ...] = ()
    except_regions: tuple[str, ...] = ()
    status: Status


class ExportRule(_Frozen):
    """A dated export-control action with its classes and destination treatments."""

    id: str
    title: str
    effective: _dt.date
    compliance: _dt.date | None = None
    rescinded: _dt.date | None = None
    superseded_by: str | None = None
    citation: str
    source: str = Field(min_length=1)
    confidence: str = Field(pattern=CONFIDENCE_PATTERN)
    note: str | None = None
    combine: Literal["strictest", "relax"]
    classes: tuple[RuleClass, ...] = ()
    treatments: tuple[RuleTreatment, ...] = ()
    limits: dict[str, Figure] = Field(default_factory=dict)


class ExportGuidance(_Frozen):
    """A dated agency statement on how the rules apply to some chips (export_rules.toml
    `[[guidance]]`): not a licence requirement, a warning that dealing in the chips risks
    violating the rules. It reaches a chip it names, or one subject to one of `origins` that is
    in a 3A090 advanced-computing class on the date."""

    id: str
    title: str
    issued: _dt.date
    withdrawn: _dt.date | None = None
    citation: str
    source: str = Field(min_length=1)
    confidence: str = Field(pattern=CONFIDENCE_PATTERN)
    note: str | None = None
    #: Catalog accelerators the guidance names.
    names: tuple[str, ...] = ()
    #: Jurisdictions of origin: a chip subject to one of them and in a 3A090 class is covered.
    origins: tuple[str, ...] = ()
    #: What it means for the scenario, in one sentence (shown as the node's note).
    effect: str = Field(min_length=1)


class Framework(_Frozen):
    """A training framework's defaults: what a scenario that names it gets for the settings it
    does not write (frameworks.toml)."""

    #: Other names of the framework or of tools built on it (NeMo is Megatron-LM).
    also_known_as: tuple[str, ...] = ()
    #: Accelerator platforms whose scenarios get this framework when they name none, and why.
    default_on: tuple[str, ...] = ()
    default_on_note: str = ""
    recompute: Recompute
    recompute_note: str = Field(min_length=1)
    #: The ZeRO stage the framework always shards with, else None (calibration default).
    zero_stage: int | None = Field(default=None, ge=0, le=3)
    sequence_parallel: bool
    sequence_parallel_note: str = ""
    no_sequence_parallel_note: str = Field(min_length=1)
    #: Whether its pipeline runs the interleaved 1F1B schedule (else v = 1 whatever is written).
    interleaved_schedule: bool
    interleaved_schedule_note: str = Field(min_length=1)
    #: Whether it overlaps its tensor-parallel exchanges with the GEMMs when the scenario writes
    #: `tp_comm_overlap on` (else that changes nothing), and why.
    tp_comm_overlap: bool
    tp_comm_overlap_note: str = Field(min_length=1)
    #: Whether a mixture of experts with no parallelism written has its experts spread over the
    #: data-parallel ranks (GShard's sharding), else over the model-parallel ranks of the layout
    #: the model chooses (none when the model fits unsharded).
    experts_over_data: bool = False
    experts_over_data_note: str = ""
    source: str | None = None
    confidence: str | None = Field(default=None, pattern=CONFIDENCE_PATTERN)


class Catalog(_Frozen):
    """Everything the model knows as data, validated and cross-checked."""

    accelerators: dict[str, Accelerator]
    energy_sources: dict[str, EnergySource]
    regions: dict[str, Region]
    references: dict[str, Reference]
    calibration: dict[str, Figure]
    frameworks: dict[str, Framework]
    market: MarketData
    export_rules: tuple[ExportRule, ...]
    country_groups: CountryGroups
    #: Guidance on how the export rules apply to named chips (export_rules.toml `[[guidance]]`).
    export_guidance: tuple[ExportGuidance, ...] = ()
