"""`scendsl fmt`: the one canonical layout of `.scn` files.

The formatter parses a file (so it never touches one with syntax errors), recovers the comments the
grammar ignores from the original text, and prints the syntax tree again. It changes layout only:
the resolver sees the same statements, the same atoms in the same order and, for every number, the
same value. `format_text(format_text(x)) == format_text(x)`.

Layout rules
------------
- Two spaces of indentation per block level; `{` ends its block's first line, `}` stands alone on
  its own line at the block's indentation (a one-line block `cluster { count 8 }` is expanded).
  An empty block with no comments inside prints as `name {}`.
- A *run* is a sequence of consecutive simple (body-less) statements of one block, not interrupted
  by a blank line or a block. Within a run the values start in one column: each key is padded to
  the longest key of the run plus one space. A statement without values is just its key.
- Blank lines: at most one in a row; none at the start or end of a block or of the file. There is
  always exactly one blank line after a block statement that is followed by anything in the same
  block, and between top-level statements when either is a block (placed before the comments that
  lead into the block). Other single blank lines are kept where the analyst put them.
- Atoms are separated by one space, except none before `,` and none inside the edges of `[` `]`
  (`[50k, 100k]`). A statement whose values are comma-separated entries (a mix, a parallelism) is
  printed on one line when its code fits in 100 columns; otherwise, or when a comment sits after
  one of its inner entries, one entry per line, continuation lines aligned with the first entry.
  A list `[...]` is always printed on one line.
- Strings, words (names, dotted paths, units) and operators are re-emitted exactly as written.
  `+/-` becomes `±`.
- Numbers keep the analyst's spelling and magnitude (`100k` stays `100k`, `100000` stays
  `100000`); only digit separators and exponents are normalised: an integer part that already
  uses `_` is regrouped in threes from the right (`1_00_000` becomes `100_000`), `1E+6` becomes
  `1e6`. A number the resolver would reject (`1__0`, `10_`) is left exactly as written, so the
  formatter never turns an error into a value.
- Inside a `sweep` block every atom is re-emitted verbatim (only the spaces between them change),
  because the resolver names each variant after the text of its values (`cluster.count=100_000`).
- Comments are kept with what they describe: a comment on its own line stays before the next
  statement (or at the end of its block), at the block's indentation; a trailing comment stays on
  its statement's line; a comment after `{` stays on the block's first line and one after `}` on
  the closing line. The quotes of consecutive one-line claims (`expect ... "quote"`) start in one
  column, two spaces after the longest claim. Trailing comments of a run are aligned two spaces after its longest commented
  line; elsewhere they follow the code after two spaces. Comment text is kept as written except
  for trailing whitespace; when a layout change brings two comments onto one line they are joined
  with two spaces.
- Trailing whitespace is removed, lines end in `\\n` (also for CRLF input) and the file ends with
  exactly one newline (an empty file stays empty).
"""

from __future__ import annotations

import bisect
import difflib
import os
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeGuard, cast

from scendsl.errors import Diagnostic, DiagnosticSink, ScenarioError, Span, sorted_diagnostics
from scendsl.files import open_regular, replace_file, scenario_files
from scendsl.language.parse import parse, parse_file
from scendsl.language.syntax import Atom, Document, Statement
from scendsl.terminal import visible_path

INDENT = "  "
MAX_WIDTH = 100
COMMENT_GAP = "  "

#: The number grammar of the language (grammar.lark NUMBER), split into the parts we normalise.
_NUMBER_PARTS = re.compile(
    r"(?P<sign>-?)(?P<whole>[0-9][0-9_]*)(?P<fraction>\.[0-9_]+)?"
    r"(?P<exponent>[eE][+-]?[0-9]+)?(?P<tail>[kMBGT]?%?)"
)


def format_text(text: str, file: str = "<string>") -> str:
    """The canonical layout of scenario `text`; raises ScenarioError when it has syntax errors."""
    return format_document(parse(text, file))


def format_document(document: Document) -> str:
    """The canonical layout of a parsed document (its text supplies the comments)."""
    return _Formatter(document).render()


def format_paths(
    paths: list[str],
    check: bool,
    *,
    diagnostics: list[Diagnostic] | None = None,
    diffs: list[str] | None = None,
) -> tuple[list[str], int]:
    """Format `.scn` files in place (folders are searched recursively for `*.scn`).

    Returns the files that changed (or, with `check`, would change) and an exit code: 1 when a
    file has errors or, with `check`, when any file would change; 0 otherwise. With `check`
    nothing is written. Each rewrite is atomic (a temporary file in the same folder, then
    `os.replace`), and a file with syntax errors is never written. Their diagnostics are appended
    to `diagnostics` when a list is given; otherwise a ScenarioError carrying all of them is raised
    after every other file has been handled. When `diffs` is given (use it with `check`), the
    unified diff of each file that would change is appended to it.
    """
    changed: list[str] = []
    errors: list[Diagnostic] = []
    roots: dict[str, str] = {}
    for path in _expand(paths, errors, roots):
        inside = roots.get(path)  # a file found in a named folder stays inside it
        try:
            document = parse_file(path, inside=inside)
            formatted = format_document(document)
        except ScenarioError as error:
            errors.extend(error.diagnostics)
            continue
        new_bytes = formatted.encode("utf-8")
        try:
            with open_regular(path, inside=inside) as handle:
                old_bytes = handle.read()
        except OSError as error:
            errors.append(
                Diagnostic(f"cannot read file: {error.strerror or error}", Span(path, 1, 1))
            )
            continue
        if old_bytes == new_bytes:
            continue
        if old_bytes.decode("utf-8-sig", errors="replace") != document.text:
            # Edited between our two reads: writing would lose the edit.
            errors.append(
                Diagnostic(
                    "file changed while it was being formatted; run fmt again", Span(path, 1, 1)
                )
            )
            continue
        changed.append(path)
        if diffs is not None:
            diffs.append(unified_diff(path, document.text, formatted))
        if check:
            continue
        try:
            replace_file(path, new_bytes, inside=inside)
        except OSError as error:
            changed.remove(path)
            errors.append(
                Diagnostic(f"cannot write file: {error.strerror or error}", Span(path, 1, 1))
            )
    if errors and diagnostics is None:
        raise ScenarioError(sorted_diagnostics(errors))
    if diagnostics is not None:
        diagnostics.extend(sorted_diagnostics(errors))
    code = 1 if errors or (check and changed) else 0
    return changed, code


def unified_diff(path: str, old: str, new: str) -> str:
    """The unified diff from `old` to `new` with `--- a/PATH` / `+++ b/PATH` headers."""
    name = visible_path(os.path.normpath(path))  # `./x.scn` reads as `a/x.scn`, not `a/./x.scn`
    lines = difflib.unified_diff(
        old.splitlines(keepends=True),
        new.splitlines(keepends=True),
        fromfile=f"a/{name}",
        tofile=f"b/{name}",
    )
    # A last line without its newline would run into the next header.
    return "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines
    )


def _expand(
    paths: Iterable[str], errors: list[Diagnostic], roots: dict[str, str] | None = None
) -> list[str]:
    """Files named on the command line, and the `*.scn` files under named folders, sorted, by
    the discovery policy of every command (links leaving a named folder and FIFOs refused);
    `roots` receives the named folder of each file found in one."""
    sink = DiagnosticSink()
    files = scenario_files(list(paths), sink, roots, empty_is_error=False)
    errors.extend(sink.diagnostics)
    return files


# ---------------------------------------------------------------------------- atoms
def normalise_number(text: str) -> str:
    """Regroup `_` separators of the integer part in threes and normalise the exponent.

    The value is unchanged; a number the resolver would reject is returned as written.
    """
    match = _NUMBER_PARTS.fullmatch(text)
    if match is None:
        return text
    whole, fraction, exponent = match["whole"], match["fraction"] or "", match["exponent"] or ""
    digits = whole + fraction + exponent
    if digits.endswith("_") or "__" in digits:  # the resolver's "misplaced '_'" error
        return text
    if "_" in whole:
        plain = whole.replace("_", "")
        groups: list[str] = []
        while len(plain) > 3:
            groups.insert(0, plain[-3:])
            plain = plain[:-3]
        groups.insert(0, plain)
        whole = "_".join(groups)
    if exponent:
        exponent = "e" + exponent[1:].replace("+", "")
    return match["sign"] + whole + fraction + exponent + match["tail"]


def _atom_text(atom: Atom, verbatim: bool) -> str:
    if atom.kind == "list":
        return "[" + _atoms_text(atom.items, verbatim) + "]"
    if verbatim:
        return atom.text
    if atom.kind == "number":
        return normalise_number(atom.text)
    if atom.kind == "plusminus":
        return "±"
    return atom.text


def _atoms_text(atoms: list[Atom], verbatim: bool) -> str:
    """Atoms joined by one space, with no space before a comma."""
    out: list[str] = []
    for atom in atoms:
        if out and atom.kind != "comma":
            out.append(" ")
        out.append(_atom_text(atom, verbatim))
    return "".join(out)


# ---------------------------------------------------------------------------- comments
@dataclass(slots=True)
class _Comment:
    line: int
    col: int  # 1-based column of '#'
    text: str  # from '#' to the end of the line, trailing whitespace removed
    own_line: bool


def _scan_comments(lines: list[str]) -> list[_Comment]:
    """Every comment of a (syntactically valid) text: a '#' outside a string."""
    comments = []
    for number, line in enumerate(lines, start=1):
        in_string = False
        i = 0
        while i < len(line):
            char = line[i]
            if in_string:
                if char == "\\":
                    i += 1
                elif char == '"':
                    in_string = False
            elif char == '"':
                in_string = True
            elif char == "#":
                comments.append(_Comment(number, i + 1, line[i:].rstrip(), not line[:i].strip()))
                break
            i += 1
    return comments


def _joined(comments: list[_Comment]) -> str | None:
    return COMMENT_GAP.join(c.text for c in comments) if comments else None


# ---------------------------------------------------------------------------- output lines
@dataclass(slots=True)
class _Line:
    code: str
    comment: str | None = None
    #: Lines of one group have their trailing comments aligned in one column.
    group: int | None = None


_BLANK = _Line("")


class _Formatter:
    """Prints one document; comments are first attached to the statement or block they belong to."""

    def __init__(self, document: Document) -> None:
        self.document = document
        self.lines = document.text.split("\n")
        self.blank = {i for i, line in enumerate(self.lines, start=1) if not line.strip()}
        self.line_starts = [0]
        for line in self.lines:
            self.line_starts.append(self.line_starts[-1] + len(line) + 1)
        self.inner: dict[int, list[_Comment]] = defaultdict(
            list
        )  # id(statement) -> header comments
        self.closing: dict[int, list[_Comment]] = defaultdict(list)  # id(statement) -> after '}'
        self.loose: dict[int, list[_Comment]] = defaultdict(list)  # id(body) -> own-line comments
        self.brace: dict[int, tuple[int, int]] = {}  # id(statement) -> (line, col) of '{'
        self.groups = 0
        self._find_braces(document.statements)
        for comment in _scan_comments(self.lines):
            if not self._place(comment, document.statements):
                self.loose[id(document.statements)].append(comment)

    # -- attaching comments
    def _find_braces(self, statements: list[Statement]) -> None:
        text = self.document.text
        for statement in statements:
            if statement.body is None:
                continue
            end = statement.values[-1].span if statement.values else statement.key_span
            end_line, end_col = _end(end)
            pos = self.line_starts[end_line - 1] + end_col - 1
            while text[pos] != "{":  # only blanks, line breaks and comments lie between
                pos = text.index("\n", pos) + 1 if text[pos] == "#" else pos + 1
            line = bisect.bisect_right(self.line_starts, pos)
            self.brace[id(statement)] = (line, pos - self.line_starts[line - 1] + 1)
            self._find_braces(statement.body)

    def _place(self, comment: _Comment, statements: list[Statement]) -> bool:
        """Attach `comment` to the statement of `statements` that contains it; False if none does."""
        line, col = comment.line, comment.col
        for statement in statements:
            end_line, end_col = _end(statement.span)
            if not statement.key_span.line <= line <= end_line:
                continue
            if statement.body is None:
                self.inner[id(statement)].append(comment)
                return True
            close_col = end_col - 1
            brace_line, _ = self.brace[id(statement)]
            if line == end_line and col > close_col:
                self.closing[id(statement)].append(comment)
            elif line < brace_line:
                self.inner[id(statement)].append(comment)
            elif self._place(comment, statement.body):
                pass
            elif line == brace_line:  # after '{': stays on the block's first line
                self.inner[id(statement)].append(comment)
            else:
                self.loose[id(statement.body)].append(comment)
            return True
        return False

    # -- printing
    def render(self) -> str:
        out = self._body(self.document.statements, 0, top=True, verbatim=False)
        aligned: dict[int, int] = {}
        for line in out:
            if line.comment is not None and line.group is not None:
                aligned[line.group] = max(aligned.get(line.group, 0), len(line.code.rstrip()))
        text = []
        for line in out:
            code = line.code.rstrip()
            if line.comment is not None:
                if line.group is not None:
                    code = code.ljust(aligned[line.group]) + COMMENT_GAP + line.comment
                else:
                    code = code + COMMENT_GAP + line.comment
            text.append(code.rstrip())
        return "\n".join(text) + "\n" if text else ""

    def _new_group(self) -> int:
        self.groups += 1
        return self.groups

    def _has_blank(self, after: int, before: int) -> bool:
        return any(line in self.blank for line in range(after + 1, before))

    def _body(
        self, statements: list[Statement], depth: int, top: bool, verbatim: bool
    ) -> list[_Line]:
        items: list[Statement | _Comment] = [*statements, *self.loose[id(statements)]]
        items.sort(key=lambda item: item.line if isinstance(item, _Comment) else item.key_span.line)
        blank_before = []
        previous_last = 0
        for index, item in enumerate(items):
            first, last = (
                (item.line, item.line)
                if isinstance(item, _Comment)
                else (item.key_span.line, _end(item.span)[0])
            )
            blank = index > 0 and (
                self._has_blank(previous_last, first) or _is_block(items[index - 1])
            )
            blank_before.append(blank)
            previous_last = last
        if top:
            for index, item in enumerate(items):
                if index == 0 or not _is_block(item):
                    continue
                start = index  # the comments that lead into a block go with it
                while (
                    start > 0 and isinstance(items[start - 1], _Comment) and not blank_before[start]
                ):
                    start -= 1
                if start > 0:
                    blank_before[start] = True

        indent = INDENT * depth
        out: list[_Line] = []
        run: list[Statement | _Comment] = []

        def flush() -> None:
            if not run:
                return
            width = max((len(i.key) for i in run if isinstance(i, Statement)), default=0)
            group = self._new_group()
            rendered: list[tuple[Statement | None, list[_Line]]] = []
            for entry in run:
                if isinstance(entry, _Comment):
                    rendered.append((None, [_Line(indent + entry.text)]))
                else:
                    prefix = indent + (entry.key.ljust(width) + " " if entry.values else entry.key)
                    rendered.append((entry, self._header(entry, prefix, "", [], group, verbatim)))
            _align_quotes(rendered, verbatim)
            for _entry, lines in rendered:
                out.extend(lines)
            run.clear()

        for index, item in enumerate(items):
            if _is_block(item) or blank_before[index]:
                flush()
            if blank_before[index]:
                out.append(_BLANK)
            if _is_block(item):
                out.extend(self._block(item, depth, verbatim))
            else:
                run.append(item)
        flush()
        return out

    def _block(self, statement: Statement, depth: int, verbatim: bool) -> list[_Line]:
        indent = INDENT * depth
        prefix = indent + statement.key + (" " if statement.values else "")
        inner_verbatim = verbatim or statement.key == "sweep"
        closing = self.closing[id(statement)]
        assert statement.body is not None
        if not statement.body and not self.loose[id(statement.body)]:
            return self._header(statement, prefix, " {}", closing, self._new_group(), verbatim)
        lines = self._header(statement, prefix, " {", [], self._new_group(), verbatim)
        lines.extend(self._body(statement.body, depth + 1, top=False, verbatim=inner_verbatim))
        lines.append(_Line(indent + "}", _joined(closing)))
        return lines

    def _header(
        self,
        statement: Statement,
        prefix: str,
        suffix: str,
        extra: list[_Comment],
        group: int,
        verbatim: bool,
    ) -> list[_Line]:
        """A statement's key and values: one line, or one comma-separated entry per line."""
        entries: list[list[Atom]] = [[]]
        starts = [statement.key_span.line]
        for atom in statement.values:
            if atom.kind == "comma":
                entries.append([])
                starts.append(atom.span.line)  # an empty entry starts where its comma is
            else:
                if not entries[-1]:
                    starts[-1] = atom.span.line
                entries[-1].append(atom)
        last = len(entries) - 1
        before: dict[int, list[_Comment]] = defaultdict(list)
        after: dict[int, list[_Comment]] = defaultdict(list)
        for comment in sorted(self.inner[id(statement)], key=lambda c: (c.line, c.col)):
            if comment.own_line:
                following = next((i for i, s in enumerate(starts) if s > comment.line), None)
                if following:  # an own-line comment between entries (only legal after a comma)
                    before[following].append(comment)
                    continue
            owner = max((i for i, s in enumerate(starts) if s <= comment.line), default=0)
            after[owner].append(comment)
        after[last].extend(extra)

        one_line = (prefix + _atoms_text(statement.values, verbatim)).rstrip() + suffix
        inner_comments = any(after[i] for i in range(last)) or any(before.values())
        if not inner_comments and (len(one_line) <= MAX_WIDTH or last == 0):
            return [_Line(one_line, _joined(after[last]), group)]
        continuation = " " * len(prefix)
        lines = []
        for index, atoms in enumerate(entries):
            for comment in before[index]:
                lines.append(_Line(continuation + comment.text))
            start = prefix if index == 0 else continuation
            end = "," if index < last else suffix
            lines.append(
                _Line(start + _atoms_text(atoms, verbatim) + end, _joined(after[index]), group)
            )
        return lines


def _align_quotes(rendered: list[tuple[Statement | None, list[_Line]]], verbatim: bool) -> None:
    """Within a run, the quotes that end one-line claims start in one column, so a reader
    scans the claimed values and the quotes as two columns."""
    claims = []
    for statement, lines in rendered:
        if (
            statement is not None
            and statement.key == "expect"
            and len(lines) == 1
            and statement.values
            and statement.values[-1].kind == "string"
        ):
            quote = _atom_text(statement.values[-1], verbatim)
            head = lines[0].code[: -len(quote)].rstrip()
            if lines[0].code.endswith(quote):
                claims.append((lines, head, quote))
    if len(claims) < 2:
        return
    column = max(len(head) for _lines, head, _quote in claims) + 2
    for lines, head, quote in claims:
        lines[0] = _Line(head.ljust(column) + quote, lines[0].comment, lines[0].group)


def _end(span: Span) -> tuple[int, int]:
    """(end line, end column) of a span from parse(), which always sets both."""
    return cast(int, span.end_line), cast(int, span.end_col)


def _is_block(item: Statement | _Comment) -> TypeGuard[Statement]:
    return isinstance(item, Statement) and item.body is not None
