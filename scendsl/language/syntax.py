"""Syntax tree of a `.scn` file: what the parser produces and the resolver and formatter read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from scendsl.errors import Span

AtomKind = Literal["number", "string", "word", "op", "plusminus", "dotdot", "comma", "list"]


@dataclass(slots=True)
class Atom:
    """One value token (`100k`, `"text"`, `GB200`, `>=`, `±`, `..`, `,`) or a `[...]` list."""

    kind: AtomKind
    text: str
    span: Span
    items: list[Atom] = field(default_factory=list)  # only for kind == "list"


@dataclass(slots=True)
class Statement:
    """`key value... [{ body }]` — one line of a file, or a block with its body."""

    key: str
    key_span: Span
    values: list[Atom]
    body: list[Statement] | None
    span: Span  # from the key to the end of the statement (closing brace for blocks)


@dataclass(slots=True)
class Document:
    """A parsed file: its name as given, its text, and its top-level statements."""

    file: str
    text: str
    statements: list[Statement]
