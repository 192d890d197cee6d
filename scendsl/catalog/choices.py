"""Default choices of enum inputs, each with its argument (`choices.toml`).

Kept apart from the numeric catalog: a choice is a word, not a figure with a unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from scendsl.files.kept import read_toml

_FILE = Path(__file__).with_name("choices.toml")


@dataclass(frozen=True, slots=True)
class Choice:
    """One default option and why it was chosen."""

    value: str
    source: str
    confidence: str
    note: str | None = None


@lru_cache(maxsize=1)
def default_choices() -> dict[str, Choice]:
    """Every default choice by field name (`mfu_basis`, `site_class`, `recovery`)."""
    data = read_toml(_FILE)
    return {
        name: Choice(str(raw["value"]), str(raw["source"]), str(raw["confidence"]), raw.get("note"))
        for name, raw in data.items()
    }
