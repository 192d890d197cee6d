"""The catalog: facts about accelerators, energy, regions, markets and export rules.

Facts live in the TOML files beside this module, every figure with its source and confidence, so
that changing a fact never means changing Python. A figure is written the way an analyst writes a
quantity in a scenario (`"989.4 TFLOPS"`, `"40%"`, `"30k USD"`) and converted to SI base units by
`scendsl.language.units.quantity_from_text`.

`load_catalog()` reads the files once (through `importlib.resources`, so it works from an installed
wheel) and returns a frozen, validated `Catalog`. A broken data file raises `CatalogError`, which
names the file, the entry and the field.
"""

from __future__ import annotations

import datetime as _dt
import functools
import re
import tomllib
from collections.abc import Mapping
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from scendsl.errors import ScendslError
from scendsl.language.units import DIMENSION_EXAMPLES, quantity_from_text

__all__ = [
    "STATUS_ORDER",
    "Accelerator",
    "Catalog",
    "CatalogError",
    "EnergySource",
    "ExportRule",
    "Figure",
    "MarketData",
    "Reference",
    "Region",
    "RuleBounds",
    "RuleClass",
    "RuleTreatment",
    "load_catalog",
]

CONFIDENCE_PATTERN = r"^[ABCU](/[ABCU])?$"

#: Export-control statuses from least to most strict (see the schema in export_rules.toml).
STATUS_ORDER: tuple[str, ...] = (
    "allowed",
    "notification",
    "licence_required",
    "case_by_case",
    "presumption_of_denial",
)

Status = Literal["allowed", "notification", "licence_required", "case_by_case", "presumption_of_denial"]

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
}

_FILES = (
    "accelerators.toml",
    "energy.toml",
    "regions.toml",
    "market.toml",
    "references.toml",
    "calibration.toml",
    "export_rules.toml",
)
_GROUPS = frozenset({"A:5", "A:6", "D:1", "D:2", "D:3", "D:4", "D:5", "E:1", "E:2"})
_YEAR_RE = re.compile(r"^[0-9]{4}$")
_FISCAL_RE = re.compile(r"^FY[0-9]{4}$")
_REGION_RE = re.compile(r"^[A-Z]{2}$")
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
    model_config = ConfigDict(frozen=True, extra="forbid")


class Figure(_Frozen):
    """One sourced fact: its value in SI base units, its dimension and the text it was written as."""

    value: float
    dimension: str
    text: str
    source: str = Field(min_length=1)
    confidence: str = Field(pattern=CONFIDENCE_PATTERN)
    note: str | None = None


class Accelerator(_Frozen):
    """An accelerator: plain facts (vendor, dates, host-link kind) and sourced figures by name.

    `figures` always holds the required figures (`REQUIRED_ACCELERATOR_FIGURES`) and may hold the
    optional ones. `price` is keyed by calendar year. `hostlink_shared_by` says how many
    accelerators share the host link and host memory (2 for a GB200 superchip).
    """

    name: str
    title: str
    vendor: str
    announced: str = Field(pattern=_ISO_DATE_RE.pattern)
    available_year: int
    hostlink_kind: str
    hostlink_shared_by: int = Field(default=1, ge=1)
    note: str | None = None
    figures: dict[str, Figure]
    price: dict[int, Figure] = Field(default_factory=dict)


class EnergySource(_Frozen):
    """An energy source of a mix: lifecycle carbon intensity and price, or the region's grid."""

    name: str
    title: str
    intensity: Figure | None = None
    price: Figure | None = None
    uses_region_grid: bool = False


class Region(_Frozen):
    """A country (ISO 3166-1 alpha-2): grid carbon intensity by year and export-control standing."""

    code: str = Field(pattern=_REGION_RE.pattern)
    name: str
    groups: tuple[str, ...] = ()
    groups_note: str | None = None
    diffusion_tier: Literal[1, 2, 3]
    grid_intensity: dict[int, Figure]
    electricity_price: Figure | None = None


class Reference(_Frozen):
    """A comparison entity for the compute-divide briefing: who has how many of which accelerator."""

    name: str
    title: str
    kind: Literal["university", "open_source_lab", "national_resource"]
    accelerator: str
    count: int = Field(gt=0)
    year: int | None = None
    source: str = Field(min_length=1)
    confidence: str = Field(pattern=CONFIDENCE_PATTERN)
    note: str | None = None


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
    rental: dict[str, dict[int, Figure]]


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


class Catalog(_Frozen):
    """Everything the model knows as data, validated and cross-checked."""

    accelerators: dict[str, Accelerator]
    energy_sources: dict[str, EnergySource]
    regions: dict[str, Region]
    references: dict[str, Reference]
    calibration: dict[str, Figure]
    market: MarketData
    export_rules: tuple[ExportRule, ...]


@functools.lru_cache(maxsize=1)
def load_catalog() -> Catalog:
    """The catalog shipped with the package, read once and cached."""
    return _load_from(files("scendsl.catalog"))


# --------------------------------------------------------------------------------------------
# Loading. Every helper takes the file and entry it works on so that errors can name them.


def _load_from(directory: Traversable | Path) -> Catalog:
    """Read and validate the seven data files of `directory` (a folder or package resource)."""
    directory = Path(directory) if isinstance(directory, str) else directory
    data = {name: _read(directory, name) for name in _FILES}
    accelerators = _accelerators(data["accelerators.toml"])
    regions = _regions(data["regions.toml"])
    return Catalog(
        accelerators=accelerators,
        energy_sources=_energy(data["energy.toml"]),
        regions=regions,
        references=_references(data["references.toml"], accelerators),
        calibration=_calibration(data["calibration.toml"]),
        market=_market(data["market.toml"], accelerators),
        export_rules=_export_rules(data["export_rules.toml"], regions),
    )


def _read(directory: Traversable | Path, name: str) -> dict[str, Any]:
    try:
        text = (directory / name).read_text(encoding="utf-8")
    except OSError as exc:
        raise CatalogError(name, "", "", f"cannot read the file ({exc.__class__.__name__})") from exc
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(name, "", "", f"not valid TOML: {exc}") from exc


def _figure(raw: Any, file: str, entry: str, field: str, dimension: str | None = None) -> Figure:
    """Validate an inline figure table and convert its value; check the dimension if given."""
    if not isinstance(raw, Mapping):
        example = "{ value = '700 W', source = '...', confidence = 'A' }"
        raise CatalogError(file, entry, field, f"expected a figure such as {example}")
    unknown = set(raw) - {"value", "source", "confidence", "note"}
    if unknown:
        raise CatalogError(file, entry, field, f"unknown key(s) in figure: {', '.join(sorted(unknown))}")
    text = raw.get("value")
    if not isinstance(text, str):
        raise CatalogError(file, entry, field, "value must be a string as in a scenario, e.g. '700 W'")
    try:
        value, found = quantity_from_text(text)
    except ValueError as exc:
        raise CatalogError(file, entry, field, str(exc)) from exc
    if dimension is not None and found != dimension:
        example = DIMENSION_EXAMPLES.get(dimension, dimension)
        raise CatalogError(file, entry, field, f"expected {example}, got '{text}' ({found})")
    source = raw.get("source")
    if not isinstance(source, str) or not source.strip():
        raise CatalogError(file, entry, field, "every figure needs a non-empty source")
    confidence = raw.get("confidence")
    if not isinstance(confidence, str) or not re.match(CONFIDENCE_PATTERN, confidence):
        message = f"confidence must be A, B, C or U (or 'A/B' style), got {confidence!r}"
        raise CatalogError(file, entry, field, message)
    note = raw.get("note")
    if note is not None and not isinstance(note, str):
        raise CatalogError(file, entry, field, "note must be a string")
    # Every field was checked above; skip pydantic's second pass to keep load_catalog() fast.
    return Figure.model_construct(
        value=value, dimension=found, text=text, source=source, confidence=confidence, note=note
    )


def _year_table(
    raw: Any, file: str, entry: str, field: str, dimension: str | None = None
) -> dict[int, Figure]:
    """A table of figures keyed by four-digit year ("2024"), returned keyed by int."""
    if not isinstance(raw, Mapping):
        raise CatalogError(file, entry, field, "expected a table keyed by year, e.g. '2024' = { ... }")
    out: dict[int, Figure] = {}
    for key, item in raw.items():
        where = f"{field}.{key}" if field else key
        if not _YEAR_RE.match(key):
            raise CatalogError(file, entry, where, "keys must be four-digit years such as '2024'")
        out[int(key)] = _figure(item, file, entry, where, dimension)
    return out


def _table(raw: Any, file: str, entry: str) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise CatalogError(file, entry, "", "expected a table")
    return raw


def _string(
    raw: Mapping[str, Any], file: str, entry: str, field: str, required: bool = True
) -> str | None:
    value = raw.get(field)
    if value is None:
        if required:
            raise CatalogError(file, entry, field, "missing")
        return None
    if not isinstance(value, str) or not value.strip():
        raise CatalogError(file, entry, field, "must be a non-empty string")
    return value


def _int(
    raw: Mapping[str, Any], file: str, entry: str, field: str, required: bool = True
) -> int | None:
    value = raw.get(field)
    if value is None:
        if required:
            raise CatalogError(file, entry, field, "missing")
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise CatalogError(file, entry, field, f"must be an integer, got {value!r}")
    return value


def _check_keys(raw: Mapping[str, Any], allowed: set[str], file: str, entry: str) -> None:
    for key in raw:
        if key not in allowed:
            expected = ", ".join(sorted(allowed))
            raise CatalogError(file, entry, key, f"unknown field; expected one of {expected}")


def _build(model: type[BaseModel], file: str, entry: str, *, _where: str = "", **fields: Any) -> Any:
    """Construct `model`, turning pydantic's first error into a CatalogError at `_where.field`."""
    try:
        return model(**fields)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in (_where, *error["loc"]) if part != "")
        raise CatalogError(file, entry, field, error["msg"]) from exc


_ACCELERATOR_FIELDS = {
    "title", "vendor", "announced", "available_year", "hostlink_kind", "hostlink_shared_by",
    "note", "price",
}


def _accelerators(data: Mapping[str, Any]) -> dict[str, Accelerator]:
    file = "accelerators.toml"
    dims = {**REQUIRED_ACCELERATOR_FIGURES, **OPTIONAL_ACCELERATOR_FIGURES}
    out: dict[str, Accelerator] = {}
    for name, raw in data.items():
        raw = _table(raw, file, name)
        _check_keys(raw, _ACCELERATOR_FIELDS | set(dims), file, name)
        for required in REQUIRED_ACCELERATOR_FIGURES:
            if required not in raw:
                raise CatalogError(file, name, required, "required figure is missing")
        announced = _string(raw, file, name, "announced")
        if not _ISO_DATE_RE.match(announced or ""):
            message = f"expected an ISO date such as '2024-03-18' (or '2024-03'), got {announced!r}"
            raise CatalogError(file, name, "announced", message)
        figures = {
            key: _figure(raw[key], file, name, key, dim) for key, dim in dims.items() if key in raw
        }
        out[name] = _build(
            Accelerator, file, name,
            name=name,
            title=_string(raw, file, name, "title"),
            vendor=_string(raw, file, name, "vendor"),
            announced=announced,
            available_year=_int(raw, file, name, "available_year"),
            hostlink_kind=_string(raw, file, name, "hostlink_kind"),
            hostlink_shared_by=_int(raw, file, name, "hostlink_shared_by", required=False) or 1,
            note=_string(raw, file, name, "note", required=False),
            figures=figures,
            price=_year_table(raw.get("price", {}), file, name, "price", "currency"),
        )
    return out


def _energy(data: Mapping[str, Any]) -> dict[str, EnergySource]:
    file = "energy.toml"
    out: dict[str, EnergySource] = {}
    for name, raw in data.items():
        raw = _table(raw, file, name)
        _check_keys(raw, {"title", "intensity", "price", "uses_region_grid"}, file, name)
        grid = raw.get("uses_region_grid", False)
        if not isinstance(grid, bool):
            raise CatalogError(file, name, "uses_region_grid", "must be true or false")
        figures: dict[str, Any] = {"intensity": None, "price": None}  # Figure | None
        for key, dimension in (("intensity", "carbon_intensity"), ("price", "energy_price")):
            if key in raw:
                figures[key] = _figure(raw[key], file, name, key, dimension)
            elif not grid:
                message = "required figure is missing (or set uses_region_grid = true)"
                raise CatalogError(file, name, key, message)
        out[name] = _build(
            EnergySource, file, name,
            name=name, title=_string(raw, file, name, "title"), uses_region_grid=grid, **figures,
        )
    return out


_REGION_FIELDS = {
    "name", "groups", "groups_note", "diffusion_tier", "grid_intensity", "electricity_price",
}


def _regions(data: Mapping[str, Any]) -> dict[str, Region]:
    """Regions by ISO code; `[series.NAME]` tables hold grid series shared by several regions."""
    file = "regions.toml"
    series = {
        name: _year_table(table, file, f"series.{name}", "", "carbon_intensity")
        for name, table in _table(data.get("series", {}), file, "series").items()
    }
    out: dict[str, Region] = {}
    for code, raw in data.items():
        if code == "series":
            continue
        raw = _table(raw, file, code)
        if not _REGION_RE.match(code):
            message = "region codes are ISO 3166-1 alpha-2: two upper-case letters"
            raise CatalogError(file, code, "", message)
        _check_keys(raw, _REGION_FIELDS, file, code)
        groups = raw.get("groups", [])
        if not isinstance(groups, list) or any(group not in _GROUPS for group in groups):
            message = f"must be a list of country groups among {', '.join(sorted(_GROUPS))}"
            raise CatalogError(file, code, "groups", message)
        grid = raw.get("grid_intensity")
        if grid is None:
            raise CatalogError(file, code, "grid_intensity", "missing")
        if isinstance(grid, str):
            if grid not in series:
                message = f"'{grid}' is not a [series.NAME] of this file"
                raise CatalogError(file, code, "grid_intensity", message)
            grid_intensity = series[grid]
        else:
            grid_intensity = _year_table(grid, file, code, "grid_intensity", "carbon_intensity")
        price = raw.get("electricity_price")
        if price is not None:
            price = _figure(price, file, code, "electricity_price", "energy_price")
        out[code] = _build(
            Region, file, code,
            code=code,
            name=_string(raw, file, code, "name"),
            groups=tuple(groups),
            groups_note=_string(raw, file, code, "groups_note", required=False),
            diffusion_tier=_int(raw, file, code, "diffusion_tier"),
            grid_intensity=grid_intensity,
            electricity_price=price,
        )
    return out


def _references(
    data: Mapping[str, Any], accelerators: Mapping[str, Accelerator]
) -> dict[str, Reference]:
    file = "references.toml"
    out: dict[str, Reference] = {}
    for name, raw in data.items():
        raw = _table(raw, file, name)
        accelerator = _string(raw, file, name, "accelerator")
        if accelerator not in accelerators:
            message = f"'{accelerator}' is not an accelerator of accelerators.toml"
            raise CatalogError(file, name, "accelerator", message)
        out[name] = _build(Reference, file, name, name=name, **raw)
    return out


def _calibration(data: Mapping[str, Any]) -> dict[str, Figure]:
    """Calibration figures are grouped in sections for reading; names are unique across them."""
    file = "calibration.toml"
    out: dict[str, Figure] = {}
    for section, raw in data.items():
        for name, item in _table(raw, file, section).items():
            if name in out:
                message = "defined twice (names are unique across sections)"
                raise CatalogError(file, section, name, message)
            out[name] = _figure(item, file, section, name)
    return out


_MARKET_TABLES = {
    "ai_gpu_market_size", "nvidia_share", "nvidia_datacenter_revenue", "nvidia_total_revenue",
    "figures", "rental",
}


def _market(data: Mapping[str, Any], accelerators: Mapping[str, Accelerator]) -> MarketData:
    file = "market.toml"
    _check_keys(data, _MARKET_TABLES, file, "")

    def fiscal(table: str) -> dict[str, Figure]:
        raw = _table(data.get(table, {}), file, table)
        for key in raw:
            if not _FISCAL_RE.match(key):
                message = "keys must be NVIDIA fiscal years such as 'FY2025'"
                raise CatalogError(file, table, key, message)
        return {key: _figure(item, file, table, key, "currency") for key, item in raw.items()}

    def calendar(table: str, dimension: str) -> dict[int, Figure]:
        return _year_table(data.get(table, {}), file, table, "", dimension)

    rental: dict[str, dict[int, Figure]] = {}
    for accelerator, raw in _table(data.get("rental", {}), file, "rental").items():
        if accelerator not in accelerators:
            raise CatalogError(file, "rental", accelerator, "not an accelerator of accelerators.toml")
        rental[accelerator] = _year_table(raw, file, "rental", accelerator, "hourly_price")
    figures = _table(data.get("figures", {}), file, "figures")
    return MarketData(
        ai_gpu_market_size=calendar("ai_gpu_market_size", "currency"),
        nvidia_share=calendar("nvidia_share", "fraction"),
        nvidia_datacenter_revenue=fiscal("nvidia_datacenter_revenue"),
        nvidia_total_revenue=fiscal("nvidia_total_revenue"),
        figures={name: _figure(item, file, "figures", name) for name, item in figures.items()},
        rental=rental,
    )


_BOUND_DIMENSIONS = {
    "tpp_min": "number",
    "tpp_below": "number",
    "tpp_max": "number",
    "pd_min": "number",
    "pd_below": "number",
    "hbm_bandwidth_density_min": "number",
    "io_min": "bandwidth",
    "hbm_bandwidth_min": "bandwidth",
    "hbm_bandwidth_max": "bandwidth",
}


def _bounds(raw: Any, file: str, entry: str, field: str) -> RuleBounds:
    """One alternative of a class's `when`: plain numbers for TPP/PD, quantities for bandwidths."""
    raw = _table(raw, file, f"{entry}.{field}")
    values: dict[str, float] = {}
    for key, item in raw.items():
        where = f"{field}.{key}"
        dimension = _BOUND_DIMENSIONS.get(key)
        if dimension is None:
            message = f"unknown bound; expected one of {', '.join(_BOUND_DIMENSIONS)}"
            raise CatalogError(file, entry, where, message)
        if dimension == "number":
            if not isinstance(item, (int, float)) or isinstance(item, bool):
                raise CatalogError(file, entry, where, "must be a plain number")
            values[key] = float(item)
            continue
        if not isinstance(item, str):
            raise CatalogError(file, entry, where, "must be a quantity string such as '600 GB/s'")
        try:
            value, found = quantity_from_text(item)
        except ValueError as exc:
            raise CatalogError(file, entry, where, str(exc)) from exc
        if found != dimension:
            message = f"expected {DIMENSION_EXAMPLES[dimension]}, got '{item}'"
            raise CatalogError(file, entry, where, message)
        values[key] = value
    if not values:
        raise CatalogError(file, entry, field, "an alternative needs at least one bound")
    return RuleBounds(**values)


def _rule_classes(raw: Mapping[str, Any], file: str, entry: str) -> tuple[RuleClass, ...]:
    classes = []
    for index, raw_class in enumerate(raw.get("classes", [])):
        where = f"classes[{index}]"
        raw_class = _table(raw_class, file, entry)
        when = raw_class.get("when")
        if not isinstance(when, list) or not when:
            raise CatalogError(file, entry, f"{where}.when", "expected a list of alternatives")
        bounds = tuple(
            _bounds(item, file, entry, f"{where}.when[{i}]") for i, item in enumerate(when)
        )
        fields = {key: value for key, value in raw_class.items() if key != "when"}
        classes.append(_build(RuleClass, file, entry, _where=where, when=bounds, **fields))
    ids = [c.id for c in classes]
    if len(set(ids)) != len(ids):
        raise CatalogError(file, entry, "classes", "class ids must be unique within a rule")
    return tuple(classes)


def _rule_treatments(
    raw: Mapping[str, Any],
    file: str,
    entry: str,
    class_ids: set[str],
    regions: Mapping[str, Region],
) -> tuple[RuleTreatment, ...]:
    treatments = []
    for index, raw_treatment in enumerate(raw.get("treatments", [])):
        where = f"treatments[{index}]"
        fields = _table(raw_treatment, file, entry)
        treatment = _build(RuleTreatment, file, entry, _where=where, **fields)
        for class_id in treatment.classes:
            if class_id not in class_ids:
                message = f"'{class_id}' is not a class of this rule"
                raise CatalogError(file, entry, f"{where}.classes", message)
        for code in treatment.regions + treatment.except_regions:
            if code not in regions:
                message = f"'{code}' is not a region of regions.toml"
                raise CatalogError(file, entry, f"{where}.regions", message)
        for group in treatment.groups + treatment.except_groups:
            if group not in _GROUPS:
                raise CatalogError(file, entry, f"{where}.groups", f"unknown country group '{group}'")
        if not (treatment.regions or treatment.groups or treatment.tiers or treatment.everywhere):
            message = "names no destination (regions, groups, tiers or everywhere)"
            raise CatalogError(file, entry, where, message)
        treatments.append(treatment)
    return tuple(treatments)


def _export_rules(
    data: Mapping[str, Any], regions: Mapping[str, Region]
) -> tuple[ExportRule, ...]:
    """The rules, validated against regions.toml and each other, in order of `effective`."""
    file = "export_rules.toml"
    _check_keys(data, {"rules"}, file, "")
    raw_rules = data.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise CatalogError(file, "", "rules", "expected one or more [[rules]] tables")
    rules: list[ExportRule] = []
    for index, raw in enumerate(raw_rules):
        raw = _table(raw, file, f"rules[{index}]")
        entry = str(raw.get("id") or f"rules[{index}]")
        classes = _rule_classes(raw, file, entry)
        treatments = _rule_treatments(raw, file, entry, {c.id for c in classes}, regions)
        limits = {
            name: _figure(item, file, entry, f"limits.{name}")
            for name, item in _table(raw.get("limits", {}), file, entry).items()
        }
        fields = {k: v for k, v in raw.items() if k not in ("classes", "treatments", "limits")}
        rule = _build(
            ExportRule, file, entry,
            classes=classes, treatments=treatments, limits=limits, **fields,
        )
        if rule.rescinded is not None and rule.rescinded < rule.effective:
            raise CatalogError(file, entry, "rescinded", "is before effective")
        rules.append(rule)
    by_id = {rule.id: rule for rule in rules}
    if len(by_id) != len(rules):
        raise CatalogError(file, "", "rules", "rule ids must be unique")
    for rule in rules:
        if rule.superseded_by is None:
            continue
        later = by_id.get(rule.superseded_by)
        if later is None:
            message = f"'{rule.superseded_by}' is not a rule id"
            raise CatalogError(file, rule.id, "superseded_by", message)
        if later.effective <= rule.effective:
            message = "the superseding rule must take effect later"
            raise CatalogError(file, rule.id, "superseded_by", message)
    return tuple(sorted(rules, key=lambda rule: rule.effective))
