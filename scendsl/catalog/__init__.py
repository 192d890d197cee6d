"""The catalog: facts about accelerators, energy, regions, markets and export rules.

Facts live in the TOML files beside this module, every figure with its source and confidence, so
that changing a fact never means changing Python. A figure is written the way an analyst writes a
quantity in a scenario (`"989.4 TFLOPS"`, `"40%"`, `"30k USD"`) and converted to SI base units by
`scendsl.language.units.quantity_from_text`.

`load_catalog()` reads the files once (through `importlib.resources`, so it works from an installed
wheel) and returns a frozen, validated `Catalog`. A broken data file raises `CatalogError`, which
names the file, the entry and the field.

This module only re-exports. The work is in `model` (the entry types and `CatalogError`), `load`
(reading the files), `fields` (the checks every reader uses), `entries` (accelerators, energy,
regions, groups, references, calibration, market) and `rules` (export_rules.toml). `grid`
(regional series by year), `choices` (default enum choices) and `quantities` stand apart.
"""

from __future__ import annotations

from scendsl.catalog.load import _load_from as _load_from
from scendsl.catalog.load import load_catalog
from scendsl.catalog.model import (
    CONFIDENCE_PATTERN,
    DEFAULT_JURISDICTION,
    OPTIONAL_ACCELERATOR_FIGURES,
    REQUIRED_ACCELERATOR_FIGURES,
    STATUS_ORDER,
    US,
    Accelerator,
    Catalog,
    CatalogError,
    CountryGroups,
    EnergySource,
    ExportGuidance,
    ExportRule,
    Figure,
    GroupMembership,
    Jurisdiction,
    MarketData,
    Reference,
    Region,
    RuleBounds,
    RuleClass,
    RuleTreatment,
    Status,
)

__all__ = [
    "CONFIDENCE_PATTERN",
    "DEFAULT_JURISDICTION",
    "OPTIONAL_ACCELERATOR_FIGURES",
    "REQUIRED_ACCELERATOR_FIGURES",
    "STATUS_ORDER",
    "US",
    "Accelerator",
    "Catalog",
    "CatalogError",
    "CountryGroups",
    "EnergySource",
    "ExportGuidance",
    "ExportRule",
    "Figure",
    "GroupMembership",
    "Jurisdiction",
    "MarketData",
    "Reference",
    "Region",
    "RuleBounds",
    "RuleClass",
    "RuleTreatment",
    "Status",
    "load_catalog",
]
