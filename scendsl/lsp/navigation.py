"""Navigation: go to the definition of a name (an extended block, an imported file, a catalog
entry, a reference in a metric) and the document outline."""

from __future__ import annotations

import os
from dataclasses import dataclass

from scendsl.lsp.analysis import Document, Statement, catalog_folder
from scendsl.lsp.places import field_path, place_at, spec_of
from scendsl.lsp.positions import Pos, Range, span_range
from scendsl.lsp.workspace import Analysis, Definition, Workspace, import_target, read_text


@dataclass
class Location:
    path: str
    range: Range


def definition(
    analysis: Analysis, workspace: Workspace, document: Document, pos: Pos
) -> Location | None:
    """Where the name under the cursor is defined: an extended scenario or accelerator, an
    imported file, a custom accelerator, a reference named in a metric."""
    place = place_at(document, pos)
    if place is None or place.atom is None:
        return None
    atom, top = place.atom, place.chain[0]
    defs = analysis.definitions()
    target: Definition | None = None
    if len(place.chain) == 1:
        if top.key == "import" and atom.kind == "string":
            imported = import_target(
                workspace,
                analysis.files.get(document.file, workspace.path(document.file)),
                atom.text[1:-1],
            )
            if imported is None or read_text(imported) is None:
                return None  # refused by the import rules, or not a scenario file we can read
            return Location(imported, Range(Pos(0, 0), Pos(0, 0)))
        if place.index == 2 and atom.kind == "word":
            table = "accelerator" if top.key == "accelerator" else "scenario"
            target = defs.get((table, atom.text))
            if target is None and table == "accelerator":
                return _catalog_location("accelerators.toml", atom.text)
    else:
        kind, path = field_path(place.chain)
        spec = spec_of(kind, path)
        if spec is not None and spec.kind == "accelerator" and atom.kind == "word":
            target = defs.get(("accelerator", atom.text))
            if target is None:
                return _catalog_location("accelerators.toml", atom.text)
        elif spec is not None and spec.kind == "region" and atom.kind == "word":
            return _catalog_location("regions.toml", atom.text)
        elif spec is not None and spec.kind == "mix" and atom.kind == "word":
            return _catalog_location("energy.toml", atom.text)
        elif path == "expect" and place.index == 0:
            from scendsl.model.claims import PER_REFERENCE_DOMAINS

            parts = atom.text.split(".")
            if len(parts) >= 3 and parts[0] in PER_REFERENCE_DOMAINS:
                target = defs.get(("reference", parts[1]))
                if target is None:
                    return _catalog_location("references.toml", parts[1])
    if target is None:
        return None
    file = analysis.files.get(target.file) or workspace.path(target.file)
    return Location(file, span_range(target.span))


def _catalog_location(file: str, name: str) -> Location | None:
    path = os.path.join(catalog_folder(), file)
    try:
        with open(path, encoding="utf-8") as handle:
            for number, line in enumerate(handle):
                if line.strip() == f"[{name}]":
                    return Location(path, Range(Pos(number, 1), Pos(number, 1 + len(name))))
    except OSError:
        return None
    return None


@dataclass
class Symbol:
    name: str
    kind: str  # scenario | sweep | accelerator | reference | import | section | field | claim
    detail: str
    range: Range
    selection: Range
    children: list[Symbol]


def symbols(document: Document) -> list[Symbol]:
    """The outline: definitions, their sections and fields."""

    def walk(statements: list[Statement], depth: int) -> list[Symbol]:
        out = []
        for s in statements:
            if depth == 0:
                name = s.values[0].text if s.values else s.key
                selection = s.values[0].span if s.values else s.key_span
                detail = " ".join(v.text for v in s.values[1:]) or s.key
                kind = s.key
            else:
                name = s.key if s.key != "expect" or not s.values else f"expect {s.values[0].text}"
                selection = s.key_span
                detail = " ".join(v.text for v in s.values)[:60]
                kind = (
                    "section"
                    if s.body is not None
                    else ("claim" if s.key in ("expect", "correlate") else "field")
                )
            children = walk(s.body, depth + 1) if s.body else []
            out.append(
                Symbol(name, kind, detail, span_range(s.span), span_range(selection), children)
            )
        return out

    return walk(document.statements, 0)
