"""Positions: 1-based `Span`s (exclusive end column) to 0-based ranges, and back.

Everything here counts columns in code points, as the parser does; the server converts to the
client's encoding (UTF-16 by default) with the open document's lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from scendsl.errors import source_lines

if TYPE_CHECKING:  # the stages are imported by analysis.py alone
    from scendsl.errors import Span


@dataclass(frozen=True, slots=True)
class Pos:
    """A 0-based line and code-point column."""

    line: int
    char: int


@dataclass(frozen=True, slots=True)
class Range:
    start: Pos
    end: Pos


def span_range(span: Span | None) -> Range:
    """The 0-based range of a span; an unlocated diagnostic sits at the start of the file."""
    if span is None:
        return Range(Pos(0, 0), Pos(0, 0))
    start = Pos(max(span.line - 1, 0), max(span.col - 1, 0))
    if span.end_line is None or span.end_col is None:
        return Range(start, Pos(start.line, start.char + 1))
    return Range(start, Pos(max(span.end_line - 1, 0), max(span.end_col - 1, 0)))


def contains(span: Span, pos: Pos) -> bool:
    """Whether a 0-based position falls on a span (its end included, so a cursor just after a
    word still counts as on it)."""
    r = span_range(span)
    if not r.start.line <= pos.line <= r.end.line:
        return False
    if pos.line == r.start.line and pos.char < r.start.char:
        return False
    return not (pos.line == r.end.line and pos.char > r.end.char)


def line_at(text: str, line: int) -> str:
    """Line `line` (0-based) of text, split as the parser counts lines (only at '\\n')."""
    lines = source_lines(text)
    return lines[line] if 0 <= line < len(lines) else ""
