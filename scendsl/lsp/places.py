"""Where the cursor is: the statement, key or value under a position, the field it sets and
that field's spec; and the metric names claims use (the units a field takes are
scendsl.language.money's `accepted_units`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from scendsl.lsp.analysis import Atom, Document, F, Statement
from scendsl.lsp.positions import Pos, contains


@dataclass
class Place:
    """What is under a position in a parsed document."""

    chain: list[Statement]  # enclosing statements, outermost first; the last holds the cursor
    atom: Atom | None  # the value under the cursor, None when on the key
    index: int  # the atom's index in the statement's values (-1 for the key)


def place_at(document: Document, pos: Pos) -> Place | None:
    """The statement, and key or value, under a 0-based position."""
    statements = document.statements
    chain: list[Statement] = []
    while True:
        hit = next((s for s in statements if contains(s.span, pos)), None)
        if hit is None:
            return None
        chain.append(hit)
        if contains(hit.key_span, pos):
            return Place(chain, None, -1)
        for index, atom in enumerate(hit.values):
            inner = _atom_at(atom, pos)
            if inner is not None:
                return Place(chain, inner, index)
        if hit.body is None:
            return None
        statements = hit.body


def _atom_at(atom: Atom, pos: Pos) -> Atom | None:
    if not contains(atom.span, pos):
        return None
    for item in atom.items:
        inner = _atom_at(item, pos)
        if inner is not None:
            return inner
    return atom


def field_path(chain: list[Statement]) -> tuple[str, str | None]:
    """(block kind, field path) of the innermost statement: ('scenario', 'cluster.count'),
    ('accelerator', 'tdp'), ('sweep', 'year'), or (kind, None) on a block's header."""
    top = chain[0]
    if len(chain) == 1:
        return top.key, None
    keys = [s.key for s in chain[1:]]
    if top.key == "scenario":
        return "scenario", ".".join(keys)
    return top.key, keys[-1]


def spec_of(kind: str, path: str | None) -> F.FieldSpec | None:
    if path is None:
        return None
    if kind in ("scenario", "sweep"):
        return F.scenario_field(path)
    if kind == "accelerator":
        return F.ACCELERATOR_FIGURES.get(path) or F.ACCELERATOR_ATTRIBUTES.get(path)
    if kind == "reference":
        return F.REFERENCE_FIELDS.get(path)
    if kind == "briefings":
        return F.BRIEFINGS_FIELDS.get(path)
    return None


def metric_template(metric: str) -> str:
    """The registry's name of a per-reference metric: `divide.csu.x` → `divide.{ref}.x`."""
    return re.sub(r"^(divide|reference)\.[^.]+\.", r"\1.{ref}.", metric)
