"""The catalog's names, for the resolver: which accelerators, energy sources and regions exist.

The resolver only checks names; reading them straight from the data files (without building the
validated catalog models the evaluator uses) keeps `scendsl check` quick to start. A test proves
these names are exactly the validated catalog's.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path

# The data files sit beside the catalog package; read by path so that checking never imports it.
_CATALOG = Path(__file__).resolve().parent.parent / "catalog"


@dataclass(frozen=True)
class CatalogNames:
    """Names by kind, in the catalog's order (mappings, so membership and listing both work)."""

    accelerators: dict[str, None]
    energy_sources: dict[str, None]
    regions: dict[str, None]
    references: dict[str, None]


def _keys(file: str, skip: tuple[str, ...] = ()) -> dict[str, None]:
    with open(_CATALOG / file, "rb") as handle:
        return {key: None for key in tomllib.load(handle) if key not in skip}


@functools.lru_cache(maxsize=1)
def catalog_names() -> CatalogNames:
    """The names of the shipped catalog (cached)."""
    return CatalogNames(
        accelerators=_keys("accelerators.toml"),
        energy_sources=_keys("energy.toml"),
        regions=_keys("regions.toml", skip=("series",)),  # [series.X]: shared grid series
        references=_keys("references.toml"),
    )
