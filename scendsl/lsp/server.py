"""`scendsl lsp`: the language server, over stdio (pygls + lsprotocol).

Thin: it keeps the open documents, turns protocol positions (UTF-16 by default) into the
code-point positions of the answering modules and back, and publishes diagnostics. Every answer
is computed in plain Python: `workspace.py` (analyses, diagnostics), `hover.py`, `completion.py`,
`navigation.py` (definition, outline) and `hints.py` (inlay hints).

Hostile or broken clients: a message larger than `MAX_MESSAGE_BYTES` is skipped unread (a
`Content-Length` of 3 GB is not allocated), a request about a document that was never opened
gets an empty answer and a log line (never a read of the disk), and an exception in a handler
becomes a plain JSON-RPC error with one line of text, without the traceback pygls would send.
A message whose fields do not fit the protocol's types (a position of -1 or 2**40) is answered
with an "invalid params" error (pygls logged two tracebacks and left the request unanswered), and
pygls' own log records are one line each (`OneLineLog`).
"""

from __future__ import annotations

import asyncio
import functools
import gc
import hashlib
import json
import logging
import os
import re
import sys
from urllib.parse import unquote

from lsprotocol import types as T
from pygls.exceptions import JsonRpcException, JsonRpcInternalError, JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.uris import from_fs_path, to_fs_path

from scendsl import __version__, errors
from scendsl.errors import Diagnostic
from scendsl.lsp.analysis import MAX_FILE_BYTES, Document, formatted, warm_up
from scendsl.lsp.completion import complete
from scendsl.lsp.hints import inlay_hints
from scendsl.lsp.hover import hover as hover_at
from scendsl.lsp.navigation import Symbol, symbols
from scendsl.lsp.navigation import definition as definition_at
from scendsl.lsp.positions import Pos, Range, span_range
from scendsl.lsp.workspace import Analysis, RunBudget, Workspace, internal_error
from scendsl.terminal import spelt_surrogates, visible

#: The largest message the server reads (an 8 MiB scenario, escaped as JSON, fits many times).
MAX_MESSAGE_BYTES = 64 * 1024 * 1024
#: Files not open in the editor that import a changed one and are analysed again with it (their
#: diagnostics published): a folder of 2,000 files importing the document analysed them all at
#: each change, 20 s of CPU a keystroke. The others are analysed when opened.
MAX_REFRESHED_IMPORTERS = 32
#: The longest header line read at once (a real one is about 30 bytes).
MAX_HEADER_LINE = 4096
#: Seconds after a change at which a changed document is analysed and its diagnostics
#: published, if the client is not sending another message then (else as soon as it is not);
#: a request about any document analyses what changed first, at once.
ANALYSIS_DELAY = 0.01
_SKIPPED = b'{"jsonrpc": "2.0", "method": "$/scendsl/skipped", "params": null}'
logger = logging.getLogger(__name__)

_SEVERITY = {"error": T.DiagnosticSeverity.Error, "warning": T.DiagnosticSeverity.Warning}
_SYMBOL_KIND = {
    "scenario": T.SymbolKind.Class,
    "sweep": T.SymbolKind.Array,
    "accelerator": T.SymbolKind.Struct,
    "reference": T.SymbolKind.Object,
    "import": T.SymbolKind.File,
    "section": T.SymbolKind.Namespace,
    "field": T.SymbolKind.Field,
    "claim": T.SymbolKind.Boolean,
}
_COMPLETION_KIND = {
    "field": T.CompletionItemKind.Field,
    "section": T.CompletionItemKind.Module,
    "keyword": T.CompletionItemKind.Keyword,
    "value": T.CompletionItemKind.Value,
    "unit": T.CompletionItemKind.Unit,
    "metric": T.CompletionItemKind.Property,
    "name": T.CompletionItemKind.Reference,
    "file": T.CompletionItemKind.File,
}


class CappedReader:
    """The server's stdin with bounded reads: a body over `MAX_MESSAGE_BYTES` is read through
    in small pieces and thrown away (so the stream stays in step), and the loop gets a
    notification that nothing handles in its place; a header line is at most `MAX_HEADER_LINE`."""

    def __init__(self, inner) -> None:
        self.inner = inner
        #: Whether the reader is waiting for the client (inside a read of a header line): the
        #: sign that no message is on its way, by which the server analyses changed documents.
        self.waiting = False

    def readline(self) -> bytes:
        self.waiting = True
        try:
            return self.inner.readline(MAX_HEADER_LINE)
        finally:
            self.waiting = False

    def read(self, size: int) -> bytes:
        if size <= MAX_MESSAGE_BYTES:
            return self.inner.read(size)
        left = size
        while left > 0:
            piece = self.inner.read(min(left, 1024 * 1024))
            if not piece:
                return b""  # the client closed the stream mid-message: the loop ends
            left -= len(piece)
        logger.warning("skipped a message of %d bytes (the limit is %d)", size, MAX_MESSAGE_BYTES)
        return _SKIPPED


class OneLineLog(logging.Filter):
    """pygls' log records as one line each: the traceback it attaches to a message it could not
    read or a request that failed is dropped (the client gets its answer; the log says what)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg == "Unable to deserialize message\n%s":
            return False  # ScenarioProtocol logs the message's problem itself, in one line
        if record.exc_info and record.exc_info[1] is not None:
            record.msg = f"{record.getMessage()}: {_first_line(record.exc_info[1])}"
            record.args = None
            record.exc_info = record.exc_text = None
        return True


def _first_line(error: BaseException) -> str:
    """The innermost first cause of `error` (cattrs nests the field's own error in groups), as
    one line: `ValueError: Position.line should be in range [0:2147483647], but was -1.`"""
    while isinstance(error, BaseExceptionGroup) and error.exceptions:
        error = error.exceptions[0]
    if error.__cause__ is not None and str(error) in ("", "Invalid Params", "Internal Error"):
        return _first_line(error.__cause__)
    return f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"[:300]


for _name in ("pygls.protocol.json_rpc", "pygls.io_", "pygls.server"):
    logging.getLogger(_name).addFilter(OneLineLog())


class ScenarioProtocol(LanguageServerProtocol):
    """The protocol, answering a request whose parameters do not fit the protocol's types."""

    def structure_message(self, data: dict):
        if "jsonrpc" not in data:  # an object inside a message: read with the message
            return data
        try:
            return super().structure_message(data)
        except JsonRpcException as error:
            method, request_id = data.get("method"), data.get("id")
            problem = _first_line(error)
            logger.warning("refused a %s message: %s", method, problem)
            if isinstance(request_id, (int, str)) and not isinstance(request_id, bool):
                refusal = JsonRpcInvalidParams(
                    message=f"scendsl: invalid parameters of {method}: {problem}"
                )
                self._send_response(request_id, None, refusal.to_response_error())
            return super().structure_message(json.loads(_SKIPPED))


class ScenarioServer(LanguageServer):
    """The server and its state: the workspace and the latest analysis of each open file."""

    def __init__(self) -> None:
        super().__init__(
            "scendsl",
            __version__,
            text_document_sync_kind=T.TextDocumentSyncKind.Full,
            protocol_cls=ScenarioProtocol,
        )
        self.files = Workspace()
        self.analyses: dict[str, Analysis] = {}  # real path -> analysis (open documents)
        self.published: dict[str, set[str]] = {}  # root path -> uris it published to
        self.virtual: dict[str, str] = {}  # stand-in path -> uri of an unsaved, unnamed buffer
        self.pending: set[str] = set()  # open documents changed since their last analysis
        self.reader: CappedReader | None = None  # the client's messages (`main`)
        self._pending_timer: asyncio.TimerHandle | None = None

    def feature(self, feature_name: str, options=None):
        """Register a handler guarded so that an exception becomes a one-line JSON-RPC error."""
        register = super().feature(feature_name, options)

        def decorate(function):
            @functools.wraps(function)
            def guarded(ls, params):
                try:
                    if feature_name not in _LEAVES_CHANGES_PENDING:
                        ls.analyse_changed()  # an answer about the text as it is now
                    return function(ls, params)
                except JsonRpcException:
                    raise
                except Exception as error:
                    if os.environ.get("SCENDSL_DEBUG"):
                        raise
                    text = (
                        f"scendsl: internal error in {feature_name}: "
                        f"{type(error).__name__}: {error}"
                    )
                    raise JsonRpcInternalError(message=text.split("\n")[0]) from None

            register(guarded)
            return function

        return decorate

    def open_text(self, uri: str, whole: bool = False) -> str | None:
        """The text of an open document; None (and a log line) for a uri never opened, whose
        file is not read: the client asks only about documents it opened. A document over the
        parser's file limit (`MAX_FILE_BYTES`, counted in characters: no more than its bytes)
        is None too unless `whole`, so no request walks it: the limit bounds each request's
        work, not the 64 MiB a message may hold."""
        document = self.workspace.text_documents.get(unquote(uri))
        if document is None:
            logger.warning("request about a document that is not open: %s", uri)
            return None
        if not whole and len(document.source) > MAX_FILE_BYTES:
            logger.warning("request about a document over the file limit: %s", uri)
            return None
        return document.source

    def path_of(self, uri: str) -> str:
        """The file behind a uri; an `untitled:` buffer gets a stand-in path in the workspace."""
        path = to_fs_path(uri) if uri.startswith("file:") else None
        if path and "\0" not in path:  # a NUL names no file: held as an unsaved buffer
            return os.path.realpath(path)
        # The uri's own digest keeps two buffers apart whose names differ only in punctuation.
        digest = hashlib.sha256(uri.encode("utf-8", "surrogatepass")).hexdigest()[:12]
        readable = re.sub(r"[^A-Za-z0-9_-]", "_", uri.split(":", 1)[-1])[-40:]
        name = f"untitled-{readable}-{digest}.scn"
        path = os.path.join(self.files.root, name)
        self.virtual[path] = uri
        return path

    def uri_of(self, path: str) -> str:
        return self.virtual.get(path) or from_fs_path(path)

    # ------------------------------------------------------------------ positions
    def lines_of(self, path: str) -> list[str]:
        text = self.files.text(path) or ""
        return text.split("\n")

    def to_client(self, lines: list[str], pos: Pos) -> T.Position:
        line = lines[pos.line] if pos.line < len(lines) else ""
        codec = self.workspace.position_codec
        return T.Position(pos.line, codec.client_num_units(line[: pos.char]))

    def client_range(self, path: str, r: Range, lines: list[str] | None = None) -> T.Range:
        lines = lines if lines is not None else self.lines_of(path)
        return T.Range(self.to_client(lines, r.start), self.to_client(lines, r.end))

    def from_client(self, uri: str, position: T.Position) -> Pos:
        lines = (self.open_text(uri) or "").split("\n")
        line = lines[position.line] if position.line < len(lines) else ""
        codec = self.workspace.position_codec
        units = char = 0
        for char, c in enumerate(line):  # noqa: B007
            if units >= position.character:
                break
            units += codec.impl.code_units_for_char(c)
        else:
            char = len(line)
        return Pos(position.line, char)

    # ------------------------------------------------------------------ analysis
    def analysis(self, uri: str) -> tuple[Analysis | None, Document | None]:
        if self.open_text(uri) is None:  # never opened, or over the file limit
            return None, None
        path = self.path_of(uri)
        analysis = self.analyses.get(path)
        if analysis is None:
            return None, None
        return analysis, analysis.document or self.files.last_good.get(path)

    def changed(self, path: str) -> None:
        """`path`'s text changed: it is analysed `ANALYSIS_DELAY` later once no message of the
        client is being read (so the changes queued behind an analysis make one), or at the
        next request, whichever comes first. Each change was analysed as it came, and
        an editor sends one per keystroke: a document whose analysis takes 5 s (2,500
        scenarios, within the token limit) held the server 5 s a character typed, a backlog of
        minutes that answered nothing else, for text the next keystroke had replaced."""
        self.pending.add(path)
        if self._pending_timer is not None:
            self._pending_timer.cancel()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # called outside the server's loop: at once
            self.analyse_changed()
            return
        self._pending_timer = loop.call_later(ANALYSIS_DELAY, self._analyse_changed_later)

    def analyse_changed(self) -> None:
        """Analyse the documents changed since their last analysis, and publish."""
        if self._pending_timer is not None:
            self._pending_timer.cancel()
            self._pending_timer = None
        while self.pending:
            self.refresh(self.pending.pop())

    def _analyse_changed_later(self) -> None:
        self._pending_timer = None
        if self.reader is not None and not self.reader.waiting:
            # A message is being read (the changes queued behind the last analysis): after it.
            self._pending_timer = asyncio.get_running_loop().call_later(
                ANALYSIS_DELAY, self._analyse_changed_later
            )
            return
        try:
            self.analyse_changed()
        except Exception as error:  # a bug of ours, outside any request: a log line
            if os.environ.get("SCENDSL_DEBUG"):
                raise
            logger.error("scendsl: internal error in the analysis: %s", _first_line(error))

    def refresh(self, path: str) -> None:
        """Analyse a changed file, and the files that import it, and publish what changed: the
        importers open in the editor, and at most MAX_REFRESHED_IMPORTERS others (by name), so
        a change costs a bounded number of analyses whatever the folder holds."""
        importers = [p for p in self.files.importers(path) if p != path]
        opened = [p for p in importers if p in self.files.overlay]
        closed = [p for p in importers if p not in self.files.overlay]
        roots = [path, *opened, *closed[:MAX_REFRESHED_IMPORTERS]]
        for root in roots:
            try:
                analysis = self.files.analyse(root)
            except (
                Exception
            ) as error:  # a bug of ours: say so where the user looks, as the CLI does
                if os.environ.get("SCENDSL_DEBUG"):
                    raise
                analysis = internal_error(self.files, root, error)
            if root in self.files.overlay:
                self.analyses[root] = analysis
            self.publish(root, analysis)

    def publish(self, root: str, analysis: Analysis) -> None:
        by_uri: dict[str, list[T.Diagnostic]] = {}
        lines: dict[str, list[str]] = {}
        for diagnostic in analysis.diagnostics:
            display = diagnostic.span.file if diagnostic.span else analysis.display
            path = analysis.files.get(display) or self.files.path(display)
            if path not in lines:
                lines[path] = self.lines_of(path)
            by_uri.setdefault(self.uri_of(path), []).append(
                self.diagnostic(path, diagnostic, lines[path])
            )
        uri = self.uri_of(root)
        by_uri.setdefault(uri, [])
        # A file this root no longer reports on is cleared (unless it is open: its own
        # analysis publishes for it).
        for old in self.published.get(root, set()) - set(by_uri):
            if self.path_of(old) not in self.analyses:
                by_uri[old] = []
        self.published[root] = set(by_uri)
        for target, diagnostics in by_uri.items():
            target_path = self.path_of(target)
            if target != uri and target_path in self.analyses and target_path != root:
                # An open imported file: add what its own analysis found.
                own = self.analyses[target_path]
                seen = {
                    (d.range.start.line, d.range.start.character, d.message) for d in diagnostics
                }
                for extra in own.diagnostics:
                    if extra.span is not None and extra.span.file == own.display:
                        converted = self.diagnostic(target_path, extra)
                        key = (
                            converted.range.start.line,
                            converted.range.start.character,
                            converted.message,
                        )
                        if key not in seen:
                            diagnostics.append(converted)
            self.text_document_publish_diagnostics(
                T.PublishDiagnosticsParams(uri=target, diagnostics=diagnostics)
            )

    def diagnostic(self, path: str, d: Diagnostic, lines: list[str] | None = None) -> T.Diagnostic:
        message = d.message + (f"\nhint: {d.hint}" if d.hint else "")
        related = []
        for label, span in d.related:
            other = self.files.path(span.file)
            related.append(
                T.DiagnosticRelatedInformation(
                    T.Location(self.uri_of(other), self.client_range(other, span_range(span))),
                    plain(label),
                )
            )
        return T.Diagnostic(
            range=self.client_range(path, span_range(d.span), lines),
            message=plain(message),
            severity=_SEVERITY.get(d.severity),
            code=d.code,
            source="scendsl",
            related_information=related or None,
            # the one edit that fixes it, offered back as a quick fix (code_action)
            data={"fix": d.fix} if quick_fix(d.fix) is not None else None,
        )

    def current_fixes(self, uri: str) -> dict[tuple[int, int, int, int], str]:
        """The fixes of the diagnostics the server holds now for the open document `uri`, by
        their client range (start line, character, end line, character). Every change is
        analysed as it comes (`did_change`), so these are the fixes of the text as it is: a
        code action offers only these, never the range or text a client sends back."""
        path = self.path_of(uri)
        lines = self.lines_of(path)
        fixes: dict[tuple[int, int, int, int], str] = {}
        for analysis in self.analyses.values():
            for d in analysis.diagnostics:
                fix = quick_fix(d.fix)
                if d.span is None or fix is None:
                    continue
                if (analysis.files.get(d.span.file) or self.files.path(d.span.file)) != path:
                    continue
                r = self.client_range(path, span_range(d.span), lines)
                key = (r.start.line, r.start.character, r.end.line, r.end.character)
                fixes[key] = fix
        return fixes


#: The longest text a quick fix puts in a file (`errors.MAX_FIX_LENGTH`).
MAX_FIX_LENGTH = errors.MAX_FIX_LENGTH


def quick_fix(fix: object) -> str | None:
    """A diagnostic's fix when it may be offered as a quick fix, else None: `Diagnostic` keeps
    only one token of at most MAX_FIX_LENGTH printable characters on a span of one line
    (`errors.is_fix`: a catalog name, an ISO code, a unit, a number, a quoted subdivision, a
    look-alike's plain character), and nothing the editor would show spelt."""
    if not isinstance(fix, str) or not fix:
        return None
    return fix if fix == plain(fix) else None


def plain(text: str) -> str:
    """Text the editor shows as plain text (a diagnostic, a completion's detail, the outline, an
    inlay hint), which may quote what a file writes or a file's name: controls, bidi and
    invisible characters spelt `\\uXXXX`, so that none reorders or hides what is shown, and a
    lone surrogate (a file name that is not UTF-8) spelt too, as strict JSON readers refuse it.
    Hovers are Markdown and escaped as the briefings are (`report.render.md_escape`)."""
    return visible(spelt_surrogates(text)) if text else text


#: The notifications that only record a change: every other message first analyses the
#: documents changed (`ScenarioServer.changed`).
_LEAVES_CHANGES_PENDING = (T.TEXT_DOCUMENT_DID_CHANGE, T.TEXT_DOCUMENT_DID_CLOSE)

server = ScenarioServer()


def settle() -> None:
    """Load what every analysis reads, then take the long-lived objects out of the garbage
    collector's sight.

    Why: a full collection walks every object of the oldest generation. With the model, the
    catalog and the protocol's types loaded that is some 80,000 objects, 25-60 ms on an idle
    machine and over 200 ms on a busy one, and it fell on whichever keystroke happened to cross
    the collector's threshold (the benchmark's worst keystroke). Frozen objects are never
    walked again; what an analysis creates is still collected as before."""
    warm_up()
    gc.collect()
    gc.freeze()


@server.feature(T.INITIALIZED)
def initialized(ls: ScenarioServer, params: T.InitializedParams) -> None:
    root = ls.workspace.root_path
    if ls.workspace.folders:
        root = to_fs_path(next(iter(ls.workspace.folders.values())).uri) or root
    if root:
        ls.files.root = os.path.realpath(root)
        # File names in messages, and the resolver's second reading of a file to quote a line,
        # are relative to the workspace folder, as for `scendsl check` run there.
        try:
            os.chdir(ls.files.root)
        except OSError:
            pass
    settle()


@server.feature(T.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: ScenarioServer, params: T.DidOpenTextDocumentParams) -> None:
    path = ls.path_of(params.text_document.uri)
    ls.files.overlay[path] = params.text_document.text
    ls.refresh(path)


@server.feature(T.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: ScenarioServer, params: T.DidChangeTextDocumentParams) -> None:
    text = ls.open_text(params.text_document.uri, whole=True)  # the parser says it is too large
    if text is None:
        return
    path = ls.path_of(params.text_document.uri)
    ls.files.overlay[path] = text
    ls.changed(path)


@server.feature(T.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: ScenarioServer, params: T.DidCloseTextDocumentParams) -> None:
    path = ls.path_of(params.text_document.uri)
    ls.pending.discard(path)
    ls.analyse_changed()  # the others changed: their importers read this file from disk now
    ls.files.close(path)
    ls.analyses.pop(path, None)
    for uri in ls.published.pop(path, set()):
        ls.text_document_publish_diagnostics(T.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
    # Files importing it now read it from disk again.
    for importer in ls.files.importers(path):
        if importer in ls.analyses:
            ls.refresh(importer)
    ls.virtual.pop(path, None)  # an unnamed buffer closed is gone for good


@server.feature(T.TEXT_DOCUMENT_HOVER)
def hover(ls: ScenarioServer, params: T.HoverParams) -> T.Hover | None:
    analysis, document = ls.analysis(params.text_document.uri)
    if analysis is None or document is None:
        return None
    answer = hover_at(analysis, document, ls.from_client(params.text_document.uri, params.position))
    if answer is None:
        return None
    path = analysis.path
    return T.Hover(
        T.MarkupContent(T.MarkupKind.Markdown, answer.markdown),
        ls.client_range(path, span_range(answer.span)),
    )


@server.feature(T.TEXT_DOCUMENT_COMPLETION, T.CompletionOptions(trigger_characters=[" ", ",", "."]))
def completion(ls: ScenarioServer, params: T.CompletionParams) -> T.CompletionList:
    analysis, _ = ls.analysis(params.text_document.uri)
    text = ls.open_text(params.text_document.uri)
    if text is None:
        return T.CompletionList(is_incomplete=False, items=[])
    items = complete(analysis, text, ls.from_client(params.text_document.uri, params.position))
    return T.CompletionList(
        is_incomplete=False,
        items=[
            T.CompletionItem(
                label=i.label,
                kind=_COMPLETION_KIND.get(i.kind),
                detail=plain(i.detail) or None,
                documentation=plain(i.documentation) or None,
            )
            for i in items
            if plain(i.label) == i.label  # a label is inserted: only one that reads as itself
        ],
    )


@server.feature(T.TEXT_DOCUMENT_DEFINITION)
def definition(ls: ScenarioServer, params: T.DefinitionParams) -> T.Location | None:
    analysis, document = ls.analysis(params.text_document.uri)
    if analysis is None or document is None:
        return None
    found = definition_at(
        analysis, ls.files, document, ls.from_client(params.text_document.uri, params.position)
    )
    if found is None:
        return None
    return T.Location(ls.uri_of(found.path), ls.client_range(found.path, found.range))


@server.feature(T.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
def document_symbol(ls: ScenarioServer, params: T.DocumentSymbolParams) -> list[T.DocumentSymbol]:
    _analysis, document = ls.analysis(params.text_document.uri)
    if document is None:
        return []
    lines = document.text.split("\n")

    def convert(symbol: Symbol) -> T.DocumentSymbol:
        return T.DocumentSymbol(
            name=plain(symbol.name),
            detail=plain(symbol.detail) or None,
            kind=_SYMBOL_KIND.get(symbol.kind, T.SymbolKind.Field),
            range=T.Range(
                ls.to_client(lines, symbol.range.start), ls.to_client(lines, symbol.range.end)
            ),
            selection_range=T.Range(
                ls.to_client(lines, symbol.selection.start),
                ls.to_client(lines, symbol.selection.end),
            ),
            children=[convert(c) for c in symbol.children] or None,
        )

    return [convert(s) for s in symbols(document)]


@server.feature(T.TEXT_DOCUMENT_FORMATTING)
def formatting(ls: ScenarioServer, params: T.DocumentFormattingParams) -> list[T.TextEdit] | None:
    text = ls.open_text(params.text_document.uri)
    if text is None:
        return []
    path = ls.path_of(params.text_document.uri)
    new = formatted(text, ls.files.display(path))
    if new is None or new == text:
        return [] if new is not None else None
    lines = text.split("\n")
    end = T.Position(len(lines) - 1, ls.workspace.position_codec.client_num_units(lines[-1]))
    return [T.TextEdit(T.Range(T.Position(0, 0), end), new)]


@server.feature(
    T.TEXT_DOCUMENT_CODE_ACTION, T.CodeActionOptions(code_action_kinds=[T.CodeActionKind.QuickFix])
)
def code_action(ls: ScenarioServer, params: T.CodeActionParams) -> list[T.CodeAction]:
    """A quick fix for each of our diagnostics in the range that knows the one edit fixing it
    (`Diagnostic.fix`: `H10` -> `H100`, `fabric IB` -> `infiniband`, `region KEN` -> `KE`)."""
    uri = params.text_document.uri
    if ls.open_text(uri) is None:
        return []
    # A client sends its diagnostics back with the request, possibly from before an edit (its
    # list not yet refreshed) or with a range or data of its own: the fix offered is the
    # server's own for the text as it is now, at the range it published.
    current = ls.current_fixes(uri)
    actions = []
    for diagnostic in params.context.diagnostics:
        data = diagnostic.data if isinstance(diagnostic.data, dict) else {}
        r = diagnostic.range
        fix = current.get((r.start.line, r.start.character, r.end.line, r.end.character))
        if diagnostic.source != "scendsl" or fix is None or data.get("fix") != fix:
            continue
        actions.append(
            T.CodeAction(
                title=f"Replace with {fix}",
                kind=T.CodeActionKind.QuickFix,
                diagnostics=[diagnostic],
                is_preferred=True,
                edit=T.WorkspaceEdit(changes={uri: [T.TextEdit(diagnostic.range, fix)]}),
            )
        )
    return actions


def _refreshes_hints(ls: ScenarioServer) -> bool:
    """Whether the client takes `workspace/inlayHint/refresh` requests (LSP 3.17)."""
    workspace = ls.client_capabilities.workspace
    inlay = workspace.inlay_hint if workspace is not None else None
    return bool(inlay is not None and inlay.refresh_support)


@server.feature(T.TEXT_DOCUMENT_INLAY_HINT)
def inlay_hint(ls: ScenarioServer, params: T.InlayHintParams) -> list[T.InlayHint]:
    analysis, _document = ls.analysis(params.text_document.uri)
    if analysis is None or analysis.document is None or analysis.scenarios is None:
        return []
    lines = analysis.document.text.split("\n")
    budget = RunBudget()
    hints = inlay_hints(
        analysis, analysis.document, params.range.start.line, params.range.end.line, budget
    )
    if budget.deferred and _refreshes_hints(ls):
        # The ranges past this request's Monte Carlo budget come with the next request, which
        # the editor makes when told the hints changed (each request makes one run at least).
        ls.workspace_inlay_hint_refresh(None)
    return [
        T.InlayHint(
            position=ls.to_client(lines, h.pos),
            label=plain(h.label),
            kind=T.InlayHintKind.Type,
            tooltip=plain(h.tooltip) or None,
            padding_left=True,
        )
        for h in hints
    ]


def main() -> int:
    """Serve over stdio until the client says exit."""
    server.reader = CappedReader(sys.stdin.buffer)
    server.start_io(stdin=server.reader)  # type: ignore[arg-type]  # reads only
    if sys.stdout.closed:  # pygls closes stdout at exit; the CLI's last flush must not fail
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115  (stays open until exit)
    return 0
