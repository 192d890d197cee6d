"""The parses of `scendsl check`'s scenario files kept across processes, so that a check after
an edit parses only the files whose text changed.

After an edit the kept check (`app.kept_check`) misses and every file was lexed and parsed
again: the samples' nine files took some 14 ms of CPU, and the first parse of a process
imports Lark and makes its parser (some 20 ms more). A file's document is a function of its
text, the name it is shown by (every span holds it), the token limit and the package (the
grammar, the parser's code, Lark's version: `kept_check.package_key`), so it is kept under a
digest of these (`document_digest`); a file whose digest is kept is not parsed again. A check
whose every file is kept (a check after one of its options changed, or after the kept
output was deleted) imports no parser at all.

One entry per package, current folder and paths checked (as the kept check's, and as many:
`kept_check.MAX_KEPT_CHECKS`), holding the documents of the last check's files only, so it
never grows. A document is kept as built-in values (tuples, lists, text and numbers) and read
making no class; deleting the entry is safe, and a stale or damaged one is a miss. A file that
does not parse is never kept (its errors are found again).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scendsl.errors import Span
from scendsl.files.kept import caching, digest, keep, keep_newest, read_entry
from scendsl.language.resolve import ParsedFiles
from scendsl.language.syntax import Atom, Document, Statement

_FORMAT = "check-parses-1"


def kept_parses(paths: Sequence[str]) -> KeptParses | None:
    """The kept parses of a check of `paths`, or None when nothing is kept (no cache folder:
    `files.kept.caching`)."""
    return KeptParses(paths) if caching() else None


class KeptParses(ParsedFiles):
    """The `parsed` of a check's load (`language.loading.load_documents`): each file's
    document as kept by the last check of the same `paths` when its text, name and token
    limit are the same, else parsed; `loaded()` keeps this load's documents for the next."""

    def __init__(self, paths: Sequence[str]) -> None:
        super().__init__()
        from scendsl.app.kept_check import MAX_KEPT_CHECKS, entry_kind, entry_name, package_key

        self._name, self._key = entry_name(paths, "check-parses"), digest(_FORMAT, package_key())
        self._most, self._kind = MAX_KEPT_CHECKS, entry_kind("check-parses")
        entry = read_entry(self._name, self._key, frozenset())
        self._found: dict[str, Any] = entry if isinstance(entry, dict) else {}
        self._now: dict[str, Any] = {}

    def document(self, text: str, file: str, max_tokens: int) -> Document:
        """`parse(text, file)`, or the document kept for the same text, name and limit."""
        hashed = document_digest(text, file, max_tokens)
        plain = self._found.get(hashed)
        document = _document(plain, text)
        if document is None:
            document = super().document(text, file, max_tokens)
            plain = _plain(document)
        else:  # one of this load's documents (`documents()`), as a parsed one is
            self._used[file, max_tokens, text] = document
        self._now[hashed] = plain
        return document

    def loaded(self) -> None:
        """A load is done: keep its documents (and only them) for the next check."""
        super().loaded()
        # The same digests, the same documents: nothing to write.
        if self._now.keys() != self._found.keys():
            keep(self._name, self._key, self._now)
            keep_newest(self._kind, self._most, self._name)
        self._found, self._now = self._now, {}


def document_digest(text: str, file: str, max_tokens: int) -> str:
    """The key (hex) of what a document is parsed from besides the package: the text, the
    name it is shown by and the token limit (`files.kept.digest`)."""
    return digest(file, str(max_tokens), text).hex()


def _plain(document: Document) -> tuple[Any, ...]:
    """A document as built-in values, its text left out (the reader has it)."""
    return (document.file, [_plain_statement(s) for s in document.statements])


def _plain_statement(statement: Statement) -> tuple[Any, ...]:
    body = None if statement.body is None else [_plain_statement(s) for s in statement.body]
    return (
        statement.key,
        _plain_span(statement.key_span),
        [_plain_atom(atom) for atom in statement.values],
        body,
        _plain_span(statement.span),
    )


def _plain_atom(atom: Atom) -> tuple[Any, ...]:
    return (atom.kind, atom.text, _plain_span(atom.span), [_plain_atom(i) for i in atom.items])


def _plain_span(span: Span) -> tuple[Any, ...]:
    return (span.file, span.line, span.col, span.end_line, span.end_col)


def _document(plain: Any, text: str) -> Document | None:
    """The document `_plain` made `plain` from, with its `text`; None when `plain` is not
    one (a miss)."""
    if plain is None:
        return None
    try:
        file, statements = plain
        return Document(file, text, [_statement(s) for s in statements])
    except (TypeError, ValueError):  # not the shape `_plain` writes: parsed again
        return None


def _statement(plain: Any) -> Statement:
    key, key_span, values, body, span = plain
    return Statement(
        key,
        Span(*key_span),
        [_atom(atom) for atom in values],
        None if body is None else [_statement(s) for s in body],
        Span(*span),
    )


def _atom(plain: Any) -> Atom:
    kind, text, span, items = plain
    return Atom(kind, text, Span(*span), [_atom(item) for item in items])
