"""Reading scenario files and their imports, and the entry points that load and resolve them.

Which files a folder holds is `scendsl.files.scenario_files` (one discovery policy for every
command); this module follows their `import` lines.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from scendsl.defaults import DEFAULT_MAX_VARIANTS
from scendsl.errors import DiagnosticSink, ScenarioError, Span
from scendsl.files import kind_of, scenario_files
from scendsl.language.parse import MAX_TOKENS, parse, parse_file, read_scenario_text
from scendsl.language.passes import resolve
from scendsl.language.syntax import Document, Statement
from scendsl.scenario import ScenarioSet
from scendsl.suggest import quoted

MAX_IMPORT_DEPTH = 32


class ParsedFiles:
    """The documents of the last load's file texts, for the next load in the same process
    (`scendsl serve`'s rebuilds): a file whose text, name and token limit are unchanged is not
    parsed again. Only the latest load's documents are kept, so it never grows past the files
    loaded; a document is never changed once parsed (the resolver only reads it)."""

    def __init__(self) -> None:
        self._kept: dict[tuple[str, int, str], Document] = {}
        self._used: dict[tuple[str, int, str], Document] = {}

    def document(self, text: str, file: str, max_tokens: int) -> Document:
        """`parse(text, file)`, or the document it gave last time."""
        key = (file, max_tokens, text)
        document = self._used.get(key)
        if document is None:
            document = self._kept.get(key)
        if document is None:
            document = parse(text, file, max_tokens=max_tokens)
        self._used[key] = document
        return document

    def loaded(self) -> None:
        """A load is done: keep its documents only."""
        self._kept, self._used = self._used, {}

    def documents(self) -> dict[str, Document]:
        """The last load's documents read from the disk, by the name they are shown by: the
        texts that load parsed, so what is shown of a file is what was evaluated, never the
        file read again (it may have been edited, or swapped for a link out of the folder)."""
        return {document.file: document for document in self._kept.values()}


def load_documents(
    paths: list[str],
    sink: DiagnosticSink,
    *,
    max_tokens: int = MAX_TOKENS,
    roots: Mapping[str, str] | None = None,
    overrides: Mapping[str, str] | None = None,
    displays: Mapping[str, str] | None = None,
    visited: dict[str, str] | None = None,
    parsed: ParsedFiles | None = None,
) -> list[Document]:
    """Parse the named files and everything they import, each file once, in a stable order.

    Imports are resolved relative to the importing file and may not leave the folder named on the
    command line (`roots`: file -> that folder; by default the file's own folder), nor be
    absolute: a shared scenario cannot read arbitrary files.

    An editor passes the texts it holds unsaved as `overrides` (real path -> text; read instead of
    the disk), the names it shows the named files by as `displays` (path -> name), and receives
    in `visited` every file read or tried (name -> real path), each noted before it is read
    (`files.settled.ReadFiles` stamps it then). With `parsed`, a file read from
    the disk whose text it parsed last time is not parsed again.
    """
    documents: list[Document] = []
    seen: dict[str, Document] = {}

    def visit(path: str, display: str, root: str, stack: tuple[str, ...], via: Span | None):
        real = os.path.realpath(path)
        if real in stack:
            cycle = " → ".join(os.path.basename(p) for p in (*stack[stack.index(real) :], real))
            sink.error(f"import cycle: {cycle}", via, "remove one of the imports")
            return
        if real in seen:
            return
        if len(stack) > MAX_IMPORT_DEPTH:
            sink.error(f"imports are nested more than {MAX_IMPORT_DEPTH} deep", via)
            return
        if via is not None and real not in (overrides or {}) and not os.path.isfile(path):
            kind = kind_of(path)  # a FIFO or a folder is there: the name is right
            if kind is not None:
                sink.error(f"imported file '{display}' is {kind}, not a file; it is not read", via)
            else:
                sink.error(
                    f"imported file '{display}' does not exist",
                    via,
                    "import paths are relative to the importing file",
                )
            return
        if visited is not None:
            visited[display] = real
        try:
            if overrides is not None and real in overrides:
                document = parse(overrides[real], display, max_tokens=max_tokens)
            else:
                # A file found in a named folder, or imported, is read only inside the folder
                # (checked on the file opened: a link swapped in since the check is refused); a
                # file named on the command line is read wherever it leads.
                inside = root if via is not None or path in (roots or {}) else None
                if parsed is None:
                    document = parse_file(path, display, max_tokens=max_tokens, inside=inside)
                else:
                    text = read_scenario_text(path, display, inside=inside)
                    document = parsed.document(text, display, max_tokens)
        except ScenarioError as error:
            sink.extend(error.diagnostics)
            seen[real] = None  # type: ignore[assignment]
            return
        sink.sources[display] = document.text
        seen[real] = document
        documents.append(document)
        for statement in document.statements:
            if statement.key != "import":
                continue
            named = _import_target(statement, sink, "the importing file")
            if named is None:
                continue
            target, span = named
            target_path = os.path.normpath(os.path.join(os.path.dirname(path), target))
            target_real = os.path.realpath(target_path)
            if os.path.commonpath([root, target_real]) != root:
                sink.error(
                    f"import {quoted(target)} reaches outside the scenario folder",
                    span,
                    "name the file on the command line instead",
                )
                continue
            target_display = os.path.normpath(os.path.join(os.path.dirname(display), target))
            visit(target_path, target_display, root, (*stack, real), span)

    for path in paths:
        root = (roots or {}).get(path) or os.path.dirname(os.path.abspath(path))
        visit(path, (displays or {}).get(path, path), os.path.realpath(root), (), None)
    if parsed is not None:
        parsed.loaded()
    return [d for d in documents if d is not None]


def _import_target(
    statement: Statement, sink: DiagnosticSink, relative_to: str
) -> tuple[str, Span] | None:
    """The relative `.scn` path an import line names, or None after saying what is wrong."""
    if len(statement.values) != 1 or statement.values[0].kind != "string" or statement.body:
        sink.error('write imports as: import "file.scn"', statement.span)
        return None
    target, span = statement.values[0].text[1:-1], statement.values[0].span
    if not target or os.path.isabs(target) or target.startswith("~"):
        sink.error(f"an import names a path relative to {relative_to}", span)
        return None
    if not target.endswith(".scn"):  # never parse, and so quote, another kind of file
        sink.error(f"import {quoted(target)} is not a scenario file (.scn)", span)
        return None
    return target, span


def load_paths(
    paths: list[str],
    *,
    max_variants: int = DEFAULT_MAX_VARIANTS,
    max_tokens: int = MAX_TOKENS,
    visited: dict[str, str] | None = None,
    parsed: ParsedFiles | None = None,
) -> ScenarioSet:
    """Parse and resolve files and directories together (one namespace); `visited` receives
    every file read and `parsed` keeps their documents (as for `load_documents`)."""
    sink = DiagnosticSink()
    roots: dict[str, str] = {}
    files = scenario_files(paths, sink, roots)
    documents = load_documents(
        files, sink, max_tokens=max_tokens, roots=roots, visited=visited, parsed=parsed
    )
    if sink.has_errors:
        # Still resolve what parsed, so semantic errors of the other files show too.
        try:
            resolve(documents, sink, max_variants=max_variants)
        except ScenarioError:
            pass
        sink.raise_if_errors()
    return resolve(documents, sink, max_variants=max_variants)


def load_text(
    text: str,
    file: str = "<string>",
    *,
    max_variants: int = DEFAULT_MAX_VARIANTS,
    max_tokens: int = MAX_TOKENS,
) -> ScenarioSet:
    """Parse and resolve scenario text; imports are read relative to the current folder."""
    sink = DiagnosticSink({file: text})
    document = parse(text, file, max_tokens=max_tokens)
    targets: list[str] = []
    root = os.path.realpath(os.getcwd())
    for statement in document.statements:
        if statement.key != "import":
            continue
        # The same rules as imports between files: a relative path inside the current folder.
        named = _import_target(statement, sink, "the current folder")
        if named is None:
            continue
        target, span = named
        if os.path.commonpath([root, os.path.realpath(target)]) != root:
            sink.error(f"import {quoted(target)} reaches outside the current folder", span)
            continue
        if not os.path.isfile(target):
            kind = kind_of(target)
            if kind is not None:
                sink.error(
                    f"imported file {quoted(target)} is {kind}, not a file; it is not read", span
                )
            else:
                sink.error(
                    f"imported file {quoted(target)} does not exist",
                    span,
                    "imports in scenario text are relative to the current folder",
                )
            continue
        targets.append(os.path.normpath(target))
    # One pass over every import, so a file two of them import (a diamond) is read once.
    documents = [document, *load_documents(targets, sink, max_tokens=max_tokens)]
    return resolve(documents, sink, max_variants=max_variants)
