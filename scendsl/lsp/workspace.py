"""The files the language server knows: open documents (whose text overrides the disk), reading
neighbouring files safely (`read_text`, `import_target`), and analysing a file with its imports
and finding its importers, which gives the diagnostics `scendsl check` would."""

from __future__ import annotations

import itertools
import os
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from scendsl.defaults import MAX_IMPORT_COMPLETION_ENTRIES
from scendsl.errors import Diagnostic, DiagnosticSink, ScenarioError, Span
from scendsl.files import open_regular
from scendsl.files.settled import settled_stamp
from scendsl.lsp import analysis as analysis_module
from scendsl.lsp.analysis import (
    MAX_FILE_BYTES,
    Document,
    Statement,
    evaluate,
    load_documents,
    resolve,
    sample,
    sample_cost,
    validate_claims,
    warnings_of,
)


@dataclass
class Definition:
    """A named top-level block: where its name is and what it says."""

    kind: str
    name: str
    file: str  # display name, as in spans
    span: Span  # of the name
    statement: Statement


@dataclass
class Analysis:
    """One file resolved with everything it imports, as `scendsl check FILE` would."""

    path: str
    display: str
    document: Document | None  # None when the file has syntax errors (see Workspace.last_good)
    documents: list[Document]
    diagnostics: list[Diagnostic]
    scenarios: Any | None  # ScenarioSet when the file and its imports are free of errors
    files: dict[str, str]  # display name -> path of every file read
    _results: dict[str, Any] = field(default_factory=dict)
    _runs: dict[str, RunShown | None] = field(default_factory=dict)

    def definitions(self) -> dict[tuple[str, str], Definition]:
        """Named blocks of the file and its imports, by (table, name); scenarios and sweeps
        share one table, as in the resolver."""
        found: dict[tuple[str, str], Definition] = {}
        for document in self.documents:
            for statement in document.statements:
                if (
                    statement.key in ("scenario", "sweep", "accelerator", "reference")
                    and statement.values
                    and statement.values[0].kind == "word"
                ):
                    table = (
                        statement.key
                        if statement.key in ("accelerator", "reference")
                        else "scenario"
                    )
                    name = statement.values[0].text
                    found.setdefault(
                        (table, name),
                        Definition(
                            statement.key, name, document.file, statement.values[0].span, statement
                        ),
                    )
        return found

    def scenario(self, name: str):
        if self.scenarios is None:
            return None
        return next((s for s in self.scenarios.scenarios if s.name == name), None)

    def result(self, name: str):
        """The evaluation of a scenario (cached), or None."""
        if name not in self._results:
            scenario = self.scenario(name)
            try:
                self._results[name] = evaluate(scenario) if scenario is not None else None
            except ScenarioError:
                self._results[name] = None
        return self._results[name]

    def run(self, name: str, budget: RunBudget | None = None) -> RunShown | None:
        """What the hovers and hints show of an uncertain scenario's Monte Carlo run (cached),
        or None for a certain one, or for one not made because `budget` (the request's) is
        spent: a later request makes it. The run itself is let go once summarised."""
        if name not in self._runs:
            scenario = self.scenario(name)
            if scenario is not None and not (budget or RunBudget()).allows(sample_cost(scenario)):
                return None
            run = sample(scenario) if scenario is not None else None
            result = self.result(name) if run is not None else None
            self._runs[name] = RunShown.of(run, result) if result is not None else None
        return self._runs[name]


@dataclass
class RunBudget:
    """The Monte Carlo work one request of the language server may still start, in figure
    values drawn (`analysis.HINT_RUN_BUDGET`). The hints of a range of lines ran a Monte Carlo
    for each scenario in it, and a client may ask for every line of a document of hundreds of
    scenarios: minutes of CPU in which the server answered nothing else."""

    left: int = field(default_factory=lambda: analysis_module.HINT_RUN_BUDGET)
    made: int = 0
    #: Runs wanted and not made: the request's answer is incomplete, a later one goes on.
    deferred: int = 0

    def allows(self, cost: int) -> bool:
        """Whether a run of `cost` is made now (and counted); the first always is."""
        if self.made and cost > self.left:
            self.deferred += 1
            return False
        self.left -= cost
        self.made += 1
        return True


@dataclass(frozen=True)
class RunShown:
    """What the hovers and hints show of a scenario's Monte Carlo run: the percentiles of each
    claim's figure that varies, and each claim's probability. A run holds every figure of
    every sample (34 MB a scenario with 500 references in the file), and an editor's document
    of hundreds of scenarios is hinted a screen at a time: kept whole, the runs grew with every
    scenario hinted, past what `eval` refuses to hold (2 GiB)."""

    summaries: dict[str, Any]  # figure name -> uncertainty.Summary
    claims: tuple[Any, ...]  # uncertainty.ClaimProbability, in the result's claims' order

    @staticmethod
    def of(run: Any, result: Any) -> RunShown:
        varying = set(run.varying())
        return RunShown(
            {c.metric: run.percentiles(c.metric) for c in result.claims if c.metric in varying},
            tuple(run.claims),
        )

    def percentiles(self, name: str) -> Any:
        """P5, P50, P95 and mean of a claim's figure that varies; None for any other."""
        return self.summaries.get(name)


class Workspace:
    """Open documents (whose text overrides the disk) and the folder that names files.

    File names in diagnostics are relative to `root` when the file is inside it, so the messages
    read like those of `scendsl check` run from the workspace folder.
    """

    def __init__(self, root: str | None = None) -> None:
        self.root = os.path.realpath(root or os.getcwd())
        self.overlay: dict[str, str] = {}  # real path -> text of an open document
        self.last_good: dict[str, Document] = {}  # real path -> last text that parsed
        self._import_cache: dict[str, tuple[object, set[str]]] = {}
        #: display name -> scenario name -> (resolved scenario, its evaluation, its warnings): a
        #: keystroke re-evaluates only the scenarios it changed. Those of open documents are
        #: kept; of other files (importers analysed with a change, documents closed) the most
        #: recent within `analysis.HELD_EVALUATIONS` (`_let_go`), least recent first.
        self._evaluated: OrderedDict[str, dict[str, tuple[Any, Any, list[Diagnostic]]]] = (
            OrderedDict()
        )

    def display(self, path: str) -> str:
        real = os.path.realpath(path)
        if os.path.commonpath([self.root, real]) == self.root:
            return os.path.relpath(real, self.root)
        return real

    def path(self, display: str) -> str:
        return os.path.normpath(os.path.join(self.root, display))

    def text(self, path: str) -> str | None:
        """The open document's text, else the file's; None for anything `read_text` refuses."""
        real = os.path.realpath(path)
        if real in self.overlay:
            return self.overlay[real]
        return read_text(real)

    def analyse(self, path: str) -> Analysis:
        """Parse and resolve a file and its imports; every diagnostic `scendsl check` gives."""
        path = os.path.realpath(path)
        display = self.display(path)
        sink = DiagnosticSink()
        files: dict[str, str] = {}
        # Imports may reach anywhere in the workspace folder (as with `scendsl check FOLDER`).
        root = self.root if display != path else os.path.dirname(path)
        # The loader of `scendsl check`, reading open documents from the editor, not the disk.
        documents = load_documents(
            [path],
            sink,
            roots={path: root},
            overrides=self.overlay,
            displays={path: display},
            visited=files,
        )
        if path in self.overlay:  # what a hover falls back on while the open text does not parse
            own_document = next((d for d in documents if files.get(d.file) == path), None)
            if own_document is not None:
                self.last_good[path] = own_document
        scenarios = None
        try:
            scenarios = resolve(documents, sink)
            validate_claims(scenarios)
            diagnostics = list(sink.diagnostics)  # warnings only
        except ScenarioError as error:
            scenarios = None
            diagnostics = error.diagnostics
        own = next((d for d in documents if d.file == display), None)
        analysis = Analysis(path, display, own, documents, diagnostics, scenarios, files)
        if scenarios is not None:
            analysis.diagnostics = diagnostics + self._warnings(analysis, scenarios, sink)
        return analysis

    def _warnings(
        self, analysis: Analysis, scenarios: Any, sink: DiagnosticSink
    ) -> list[Diagnostic]:
        """The warnings `scendsl check` prints for the scenarios this file defines (those of
        its imports are published when their own files are analysed)."""
        found: list[Diagnostic] = []
        before = self._evaluated.get(analysis.display, {})
        now: dict[str, tuple[Any, Any, list[Diagnostic]]] = {}
        for scenario in scenarios.scenarios:
            if scenario.span.file != analysis.display:
                continue
            kept = before.get(scenario.name)
            if kept is not None and kept[0] == scenario:  # unchanged, spans included
                analysis._results[scenario.name] = kept[1]
                now[scenario.name] = kept
                found.extend(kept[2])
                continue
            result = analysis.result(scenario.name)  # kept: hovers and hints reuse it
            if result is None:
                continue
            warnings = [w.diagnostic for w in warnings_of(result, sink)]
            now[scenario.name] = (scenario, result, warnings)
            found.extend(warnings)
        self._evaluated[analysis.display] = now
        self._evaluated.move_to_end(analysis.display)
        self._let_go()
        return found

    def close(self, path: str) -> None:
        """The editor closed `path`: its text is the disk's again, and what was kept of its
        last good parse goes; its evaluations are kept as any file's not open (`_let_go`)."""
        real = os.path.realpath(path)
        self.overlay.pop(real, None)
        self.last_good.pop(real, None)
        self._let_go()

    def _let_go(self) -> None:
        """Keep the evaluations of files not open within `analysis.HELD_EVALUATIONS`
        scenarios, least recently analysed first (the newest file's always). Each is some 50 KB,
        and every file a server analyses (each document opened, each importer of a file
        edited) was kept for the server's life: 25 MB a document of 500 scenarios closed."""
        opened = {self.display(path) for path in self.overlay}
        closed = [display for display in self._evaluated if display not in opened]
        held = sum(len(self._evaluated[display]) for display in closed)
        for display in closed[:-1]:
            if held <= analysis_module.HELD_EVALUATIONS:
                break
            held -= len(self._evaluated.pop(display))

    def _imports_of(self, real: str) -> set[str]:
        """The files the file at the real path `real` imports by its import lines; read from
        disk once per change (one `stat` a call otherwise)."""
        key: object = None
        if real not in self.overlay:
            # Size and time of change alone took a file written again at its old time
            # (`cp -p`, `touch -d`) for the one read before; a file not settled (or gone: read
            # as no text) is read again.
            key = settled_stamp(real)
            cached = self._import_cache.get(real)
            if key is not None and cached is not None and cached[0] == key:
                return cached[1]
        text = self.text(real) or ""
        targets = (
            {
                os.path.realpath(os.path.join(os.path.dirname(real), target))
                for target in _IMPORT_LINE.findall(text)
            }
            if "import" in text
            else set()
        )
        if key is not None:
            self._import_cache[real] = (key, targets)
        return targets

    def importers(self, path: str) -> list[str]:
        """Open documents, and `.scn` files in the same folder, that import `path` directly or
        through other files (by their import lines; cheap enough for every keystroke)."""
        real = os.path.realpath(path)
        candidates = set(self.overlay)  # real paths
        folder = os.path.dirname(real)
        try:
            # The folder's first entries only, as import completion looks through (a folder
            # of a million files is not read at each keystroke). The folder is real, so only
            # a link among its entries needs resolving: a `realpath` of each of 20,000 files
            # (six system calls apiece, twice) cost 0.4 s of CPU at every pause in typing.
            with os.scandir(folder) as listing:
                candidates.update(
                    os.path.realpath(entry.path) if entry.is_symlink() else entry.path
                    for entry in itertools.islice(listing, MAX_IMPORT_COMPLETION_ENTRIES)
                    if entry.name.endswith(".scn")
                )
        except OSError:
            pass
        graph = {c: self._imports_of(c) for c in sorted(candidates)}
        found: set[str] = set()
        frontier = {real}
        while frontier:
            nxt = {c for c, targets in graph.items() if targets & frontier and c not in found}
            nxt.discard(real)
            found |= nxt
            frontier = nxt
        return sorted(found)


def read_text(path: str) -> str | None:
    """A neighbouring file's text, read as the parser reads it: a regular file only (a FIFO or
    a device beside the document is never opened blocking nor read), at most the parser's
    size limit, UTF-8. None for anything else, and for a file over the limit."""
    try:
        with open_regular(path) as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError:
        return None
    if len(raw) > MAX_FILE_BYTES:
        return None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def import_target(workspace: Workspace, importing: str, target: str) -> str | None:
    """The file an import line names, by the resolver's rules (a relative path that stays inside
    the scenario folder, as `analyse` checks it); None for an import those rules refuse."""
    if (
        not target
        or os.path.isabs(target)
        or target.startswith("~")
        or "\0" in target
        or not target.endswith(".scn")
    ):
        return None
    importing = os.path.realpath(importing)
    root = (
        workspace.root if workspace.display(importing) != importing else os.path.dirname(importing)
    )
    path = os.path.normpath(os.path.join(os.path.dirname(importing), target))
    if os.path.commonpath([root, os.path.realpath(path)]) != root:
        return None
    return path


def internal_error(workspace: Workspace, path: str, error: Exception) -> Analysis:
    """What to show when the analysis itself fails: the CLI's words for a bug of ours."""
    display = workspace.display(path)
    message = (
        f"internal error: {type(error).__name__}: {error}\n"
        "This is a bug in scendsl, not in your scenario. "
        "Set SCENDSL_DEBUG=1 to see the traceback."
    )
    return Analysis(
        os.path.realpath(path),
        display,
        None,
        [],
        [Diagnostic(message, Span(display, 1, 1))],
        None,
        {display: os.path.realpath(path)},
    )


_IMPORT_LINE = re.compile(r'^[ \t]*import[ \t]+"([^"\n]+)"', re.MULTILINE)
