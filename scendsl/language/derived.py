"""Accelerator figures that follow another figure (`catalog/derived_figures.toml`).

An `accelerator` block that changes a figure (`tdp`) but not a figure derived from it
(`system_power`) would otherwise inherit its parent's derived figure unchanged: a custom B300 with
a 1,400 W TDP would keep the B200's 1.79 kW system power. `derive` scales each such inherited
figure by the change of the figure it follows, keeping the parent's ratio. The resolver applies it
to a block extending another block, the model to a block over a catalog entry.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scendsl.files.kept import read_toml
from scendsl.scenario import Uncertain, central

# Read by path, as the catalog's names are (scendsl.language.names): the language layer may not
# import the catalog package.
_FILE = Path(__file__).resolve().parent.parent / "catalog" / "derived_figures.toml"


@dataclass(frozen=True, slots=True)
class Derivation:
    """`name` follows `follows` by `rule` (only 'ratio': the parent's ratio is kept)."""

    name: str
    follows: str
    rule: str
    source: str
    confidence: str


@functools.lru_cache(maxsize=1)
def derivations() -> dict[str, Derivation]:
    """Every derived accelerator figure, in file order (a figure follows one listed before it
    or a figure that is not derived)."""
    data = read_toml(_FILE)
    return {
        name: Derivation(
            name,
            str(raw["follows"]),
            str(raw["rule"]),
            str(raw["source"]),
            str(raw["confidence"]),
        )
        for name, raw in data.items()
    }


def scaled(value: Any, factor: float) -> Any:
    """`value` (a number or an `Uncertain`) times `factor`."""
    if isinstance(value, Uncertain):
        return value.model_copy(
            update={
                "low": value.low * factor,
                "high": value.high * factor,
                "center": value.center * factor,
            }
        )
    return value * factor


def derive(own: Mapping[str, Any], inherited: Mapping[str, Any]) -> dict[str, Any]:
    """The derived figures a block gets from its parent: for each derivation whose figure the
    block does not set but whose followed figure it changes (or derives), the parent's figure
    scaled by the followed figure's change. Values are numbers or `Uncertain` (SI)."""
    figures = dict(own)
    derived: dict[str, Any] = {}
    for rule in derivations().values():
        name, follows = rule.name, rule.follows
        if name in own or name not in inherited or follows not in inherited:
            continue
        if follows not in figures:
            continue
        before, after = central(inherited[follows]), central(figures[follows])
        if not before or after is None or after == before:
            continue
        derived[name] = figures[name] = scaled(inherited[name], after / before)
    return derived
