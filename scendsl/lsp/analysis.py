"""What the language server knows about a file: diagnostics, hovers, completions, definitions.

Plain Python, no LSP types: positions are 0-based lines and code-point columns (`positions.Pos`),
answers are dataclasses and Markdown strings; `server.py` turns them into protocol messages.

This is the one module that imports the stages of scendsl, through their public entry points
(parser, resolver, field table, catalog, evaluation, formatter), so moving a stage changes only
the imports below.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any

from scendsl.errors import Diagnostic, DiagnosticSink, ScenarioError, Span
from scendsl.files import open_regular
from scendsl.language import fields as F
from scendsl.language.format import format_text
from scendsl.language.names import catalog_names
from scendsl.language.parse import MAX_FILE_BYTES
from scendsl.language.resolve import DEFINITION_KEYWORDS, load_documents, resolve
from scendsl.language.syntax import Atom, Document, Statement
from scendsl.language.units import BASE_UNIT, DIMENSION_EXAMPLES, UNITS, parse_number
from scendsl.lsp.positions import Pos, Range, contains, line_at, span_range

#: Samples drawn for a hover on a claim of an uncertain scenario (a few milliseconds).
HOVER_SAMPLES = 2000
HOVER_SEED = 20251126
#: Where a field that is left out gets its value (the model's `scenario_or_calibration` calls).
CALIBRATION_DEFAULTS = {
    "cluster.mfu": "default_mfu",
    "cluster.overhead": "network_overhead",
    "energy.utilization": "default_utilization",
    "workload.checkpoint_time": "checkpoint_write_time",
    "workload.zero_stage": "default_zero_stage",
    "workload.micro_batch": "default_micro_batch",
    "workload.sequence_length": "default_sequence_length",
}
#: Defaults the model writes in code rather than in the registry's formulas or the calibration.
MODEL_DEFAULTS = {
    "energy.mix": "`grid 100%`: the region's grid",
    "workload.precision": "`bf16`",
    "workload.framework": "`megatron` (Megatron-LM, whose papers the formulas follow)",
    "workload.recompute": "`selective` with megatron, `full` otherwise",
    "workload.offload": "`none`",
}
#: The figures shown beside each scenario: label, metric.
HEADLINE = (
    ("peak", "cluster.peak"),
    ("facility", "energy.facility_power"),
    ("training", "reliability.training_time"),
)


# ---------------------------------------------------------------------------- stage adapters
def catalog():
    """The validated catalog (cached by the catalog module)."""
    from scendsl.catalog import load_catalog

    return load_catalog()


def _validate_claims(scenarios) -> None:
    from scendsl.model.claims import validate_claims

    validate_claims(scenarios)


def _metric_names() -> dict[str, Any]:
    from scendsl.model.claims import metric_index

    return metric_index()


def _evaluate(scenario):
    from scendsl.model.evaluate import evaluate

    return evaluate(scenario)


def _sample(scenario):
    from scendsl.model.uncertainty import has_uncertainty, sample

    return sample(scenario, HOVER_SAMPLES, HOVER_SEED) if has_uncertainty(scenario) else None


def _registry():
    from scendsl.model import domains  # noqa: F401  (registers every node)
    from scendsl.model.registry import REGISTRY

    return REGISTRY


def _registry_node(name: str):
    return _registry().nodes.get(name)


def _catalog_folder() -> str:
    import scendsl.catalog as package

    return os.path.dirname(package.__file__)


def format_value(value: Any, dimension: str) -> str:
    from scendsl.report.numbers import format_value as _format

    return _format(value, dimension)


def formatted(text: str, file: str) -> str | None:
    """The `scendsl fmt` layout of `text`, or None when it has syntax errors."""
    try:
        return format_text(text, file)
    except ScenarioError:
        return None


# ---------------------------------------------------------------------------- loading
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
    _samples: dict[str, Any] = field(default_factory=dict)

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
                self._results[name] = _evaluate(scenario) if scenario is not None else None
            except ScenarioError:
                self._results[name] = None
        return self._results[name]

    def samples(self, name: str):
        """Monte Carlo samples of an uncertain scenario (cached), or None."""
        if name not in self._samples:
            scenario = self.scenario(name)
            self._samples[name] = _sample(scenario) if scenario is not None else None
        return self._samples[name]


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
        for document in documents:
            self.last_good[files[document.file]] = document
        scenarios = None
        try:
            scenarios = resolve(documents, sink)
            _validate_claims(scenarios)
            diagnostics = list(sink.diagnostics)  # warnings only
        except ScenarioError as error:
            scenarios = None
            diagnostics = error.diagnostics
        own = next((d for d in documents if d.file == display), None)
        return Analysis(path, display, own, documents, diagnostics, scenarios, files)

    def _imports_of(self, path: str) -> set[str]:
        """The files `path` imports by its import lines; read from disk once per change."""
        real = os.path.realpath(path)
        key: object = None
        if real not in self.overlay:
            try:
                stat = os.stat(real)
            except OSError:
                return set()
            key = (stat.st_mtime_ns, stat.st_size)
            cached = self._import_cache.get(real)
            if cached is not None and cached[0] == key:
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
        candidates = set(self.overlay)
        folder = os.path.dirname(real)
        try:
            candidates.update(
                os.path.join(folder, n) for n in os.listdir(folder) if n.endswith(".scn")
            )
        except OSError:
            pass
        graph = {os.path.realpath(c): self._imports_of(c) for c in candidates}
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


# ---------------------------------------------------------------------------- where am I
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
    return None


# ---------------------------------------------------------------------------- hover
@dataclass
class Hover:
    markdown: str
    span: Span


def hover(analysis: Analysis, document: Document, pos: Pos) -> Hover | None:
    """Markdown for what is under the cursor: a field, a value, a name or a claim's metric."""
    place = place_at(document, pos)
    if place is None:
        return None
    statement = place.chain[-1]
    kind, path = field_path(place.chain)
    scenario_name = _block_name(place.chain[0])
    if place.atom is None:
        if len(place.chain) == 1:
            return None
        if kind == "scenario" and path in F.SECTIONS:
            names = ", ".join(f"`{n}`" for n in F.SECTIONS[path])
            return Hover(f"**{path}** section: {names}", statement.key_span)
        spec = spec_of(kind, path)
        if spec is None or path is None:  # spec_of gives no spec without a path
            return None
        text = _field_text(kind, path, spec)
        if kind == "scenario" and scenario_name:
            text += _current_input(analysis, scenario_name, path)
        elif kind == "accelerator":
            text += _accelerator_figure(analysis, place.chain[0], path)
        return Hover(text, statement.key_span)
    atom = place.atom
    if len(place.chain) == 1:  # a block's header: its name or what it extends
        if place.index == 2 and atom.kind == "word":
            return _name_hover(
                analysis, "scenario" if kind in ("scenario", "sweep") else kind, atom
            )
        if place.index == 0 and kind == "accelerator":
            return _name_hover(analysis, "accelerator", atom)
        if place.index == 0 and kind == "scenario":
            text = _headline_text(analysis, atom.text)
            return Hover(text, atom.span) if text else None
        return None
    if kind == "scenario" and path == "expect" and place.index == 0:
        return _claim_hover(analysis, scenario_name, statement, atom)
    spec = spec_of(kind, path)
    if spec is None or (atom.kind != "word" and spec.kind not in ("quantity", "integer")):
        return None
    if spec.kind == "accelerator":
        return _name_hover(analysis, "accelerator", atom)
    if spec.kind == "region":
        return _name_hover(analysis, "region", atom)
    if spec.kind == "mix" and atom.kind == "word":
        return _name_hover(analysis, "energy", atom)
    if (
        spec.kind in ("quantity", "integer")
        and kind == "scenario"
        and scenario_name
        and path is not None
    ):
        return _value_hover(analysis, scenario_name, path, statement)
    return None


def _block_name(statement: Statement) -> str | None:
    values = statement.values
    return values[0].text if values and values[0].kind == "word" else None


def units_for(dimension: str | None) -> list[str]:
    """Unit symbols of a dimension, in the unit table's order."""
    return [symbol for symbol, unit in UNITS.items() if unit.dimension == dimension]


def _field_text(kind: str, path: str, spec: F.FieldSpec) -> str:
    lines = [f"**{path}** — {spec.doc}", ""]
    if spec.kind in ("quantity", "integer"):
        dimension = spec.dimension or "number"
        units = units_for(dimension)
        unit = f"SI unit {BASE_UNIT.get(dimension, dimension)}"
        if units:
            unit += "; write " + ", ".join(units)
        elif spec.kind == "integer":
            unit = "a whole number (no unit)"
        elif dimension == "fraction":
            unit = "a fraction: write `40%` or `0.4`"
        else:
            unit = "a plain number (no unit); `k`, `M`, `B`, `T` multiply"
        lines.append(f"- unit: {unit}")
        lines.append(f"- bounds: {_bounds(spec)}")
        if spec.uncertain:
            lines.append("- may be uncertain: `a to b` or `x ± y%`")
    elif spec.kind == "enum":
        lines.append("- one of: " + ", ".join(f"`{c}`" for c in spec.choices))
    elif spec.kind == "string":
        lines.append("- text in double quotes")
    else:
        lines.append(
            "- "
            + {
                "accelerator": "a catalog accelerator, or the name of an `accelerator` block",
                "region": f"one of the catalog's {len(catalog_names().regions)} region codes",
                "mix": "energy sources of the catalog with their shares, adding up to 100%",
                "parallelism": "degrees by kind: " + ", ".join(F.PARALLELISM_KEYS),
            }.get(spec.kind, spec.kind)
        )
    if kind == "scenario" and spec.kind != "string":
        lines.append("- default: " + _default_text(path))
    return "\n".join(lines)


def _bounds(spec: F.FieldSpec) -> str:
    lo, hi = spec.minimum, spec.maximum
    if spec.dimension == "fraction" and lo == 0.0 and hi == 1.0:
        return "0% to 100%" if spec.inclusive else "above 0%, at most 100%"
    parts = []
    if lo is not None:
        parts.append(f"≥ {lo:g}" if spec.inclusive else f"> {lo:g}")
    if hi is not None:
        parts.append(f"≤ {hi:g}")
    return ", ".join(parts) if parts else "none"


def _default_text(path: str) -> str:
    if path in F.REQUIRED_SCENARIO_FIELDS:
        return "none: every scenario sets it"
    key = CALIBRATION_DEFAULTS.get(path)
    if key is None:
        if path in MODEL_DEFAULTS:
            return MODEL_DEFAULTS[path]
        # An input node that reads the field says in its formula what it falls back on.
        for node in _registry().nodes.values():
            if node.formula.startswith(f"scenario {path}, else "):
                sources = f" ({'; '.join(node.sources)})" if node.sources else ""
                return node.formula.removeprefix(f"scenario {path}, else ") + sources
        return (
            "none: the model derives it from other inputs or leaves what needs it n/a "
            "(`scendsl explain` shows which)"
        )
    figure = catalog().calibration.get(key)
    if figure is None:
        return f"calibration `{key}`"
    return f"{figure.text} — calibration `{key}`: {figure.source} (confidence {figure.confidence})"


def _current_input(analysis: Analysis, scenario: str, path: str) -> str:
    result = analysis.result(scenario)
    if result is None:
        return ""
    node = result.inputs.get(path) or result.inputs.get(f"scenario.{path}")
    if node is None:
        return ""
    text = f"\n\nIn `{scenario}`: **{format_value(node.value, node.dimension)}**"
    if node.origin:
        text += f" — from {node.origin}"
    return text


def _accelerator_figure(analysis: Analysis, block: Statement, figure: str) -> str:
    base = None
    values = block.values
    if len(values) == 3 and values[1].text == "extends":
        base = values[2].text
    elif values:
        base = values[0].text
    entry = catalog().accelerators.get(base or "")
    if entry is None or figure not in entry.figures:
        return ""
    value = entry.figures[figure]
    return f"\n\nCatalog `{base}`: {value.text} — {value.source} (confidence {value.confidence})"


def _value_hover(
    analysis: Analysis, scenario: str, path: str, statement: Statement
) -> Hover | None:
    sc = analysis.scenario(scenario)
    if sc is None:
        return None
    section, _, name = path.rpartition(".")
    value = getattr(getattr(sc, section), name, None) if section else getattr(sc, name, None)
    if value is None:
        return None
    spec = F.scenario_field(path)
    dimension = spec.dimension if spec is not None else "number"
    unit = BASE_UNIT.get(dimension or "number", "")
    unit = "" if unit == "1" else f" {unit}"
    if hasattr(value, "low"):
        si = f"{value.low:g}{unit} to {value.high:g}{unit} (centre {value.center:g}{unit})"
        shown = f"{format_value(value.low, dimension)} to {format_value(value.high, dimension)}"
    else:
        si = f"{value:g}{unit}"
        shown = format_value(value, dimension)
    origin = sc.origins.get(path)
    where = f"`{origin}`" if origin is not None else "inherited"
    if origin is not None and (origin.file, origin.line) != (
        statement.span.file,
        statement.span.line,
    ):
        where += " (this line is overridden)"
    text = f"**{path}** = {shown}\n\n- SI: `{si}`\n- set at {where} in `{scenario}`"
    return Hover(text, _values_span(statement))


def _values_span(statement: Statement) -> Span:
    first, last = statement.values[0].span, statement.values[-1].span
    return Span(first.file, first.line, first.col, last.end_line, last.end_col)


def _figure_line(label: str, figure) -> str:
    note = f" — {figure.source} (confidence {figure.confidence})"
    return f"- {label}: {figure.text}{note}"


def name_info(analysis: Analysis | None, kind: str, name: str) -> str | None:
    """Markdown about an accelerator, region, energy source or scenario name."""
    cat = catalog()
    if kind == "accelerator":
        custom = analysis.definitions().get(("accelerator", name)) if analysis else None
        if analysis is not None and custom is not None:
            text = f"**{name}**: accelerator defined at `{custom.span}`"
            scenarios = analysis.scenarios
            built = None
            if scenarios is not None and scenarios.scenarios:
                built = scenarios.scenarios[0].accelerators.get(name)
            if built is not None:
                if built.base:
                    text += f", based on `{built.base}`"
                for figure, value in built.figures.items():
                    spec = F.ACCELERATOR_FIGURES.get(figure)
                    shown = value.center if hasattr(value, "center") else value
                    text += (
                        f"\n- {figure}: {format_value(shown, spec.dimension if spec else 'number')}"
                    )
            return text
        entry = cat.accelerators.get(name)
        if entry is None:
            return None
        lines = [
            f"**{name}** — {entry.title} ({entry.vendor}, available {entry.available_year})",
            "",
        ]
        for figure in (
            "bf16_dense",
            "fp8_dense",
            "fp4_dense",
            "hbm",
            "hbm_bandwidth",
            "scaleup_bandwidth",
            "tdp",
        ):
            if figure in entry.figures:
                lines.append(_figure_line(figure, entry.figures[figure]))
        if entry.price:
            year = max(entry.price)
            lines.append(_figure_line(f"price {year}", entry.price[year]))
        return "\n".join(lines)
    if kind == "region":
        region = cat.regions.get(name)
        if region is None:
            return None
        lines = [
            f"**{name}** — {region.name}",
            "",
            f"- export-control tier: {region.diffusion_tier}"
            + (f"; groups {', '.join(region.groups)}" if region.groups else ""),
        ]
        if region.grid_intensity:
            year = max(region.grid_intensity)
            lines.append(_figure_line(f"grid intensity {year}", region.grid_intensity[year]))
        if region.electricity_price is not None:
            lines.append(_figure_line("electricity price", region.electricity_price))
        return "\n".join(lines)
    if kind == "energy":
        source = cat.energy_sources.get(name)
        if source is None:
            return None
        lines = [f"**{name}** — {source.title}", ""]
        if source.uses_region_grid:
            lines.append("- the region's grid: its intensity and price")
        if source.intensity is not None:
            lines.append(_figure_line("carbon intensity", source.intensity))
        if source.price is not None:
            lines.append(_figure_line("price", source.price))
        return "\n".join(lines)
    if kind == "scenario" and analysis is not None:
        definition = analysis.definitions().get(("scenario", name))
        if definition is None:
            return None
        return f"**{name}**: {definition.kind} defined at `{definition.span}`" + (
            "\n\n" + _headline_text(analysis, name) if analysis.scenario(name) else ""
        )
    return None


def _name_hover(analysis: Analysis, kind: str, atom: Atom) -> Hover | None:
    text = name_info(analysis, kind, atom.text)
    return Hover(text, atom.span) if text else None


def headline(analysis: Analysis, name: str) -> list[tuple[str, str]]:
    """(label, value) of a scenario's headline figures, [] when it cannot be evaluated."""
    result = analysis.result(name)
    if result is None:
        return []
    out = []
    for label, metric in HEADLINE:
        node = result.metrics.get(metric) or result.inputs.get(metric)
        if node is not None and node.value is not None:
            out.append((label, format_value(node.value, node.dimension)))
    return out


def _headline_text(analysis: Analysis, name: str) -> str:
    figures = headline(analysis, name)
    return " · ".join(f"{label} **{value}**" for label, value in figures)


@dataclass
class ClaimValue:
    """An `expect` evaluated: the metric's value, its 90% range, whether the claim holds."""

    metric: str
    value: str
    holds: bool | None
    range: str | None = None
    probability: float | None = None

    def short(self) -> str:
        verdict = {True: "holds", False: "FAILS", None: "n/a"}[self.holds]
        return f"= {self.value} ({verdict})"


def claim_value(
    analysis: Analysis, scenario: str | None, statement: Statement
) -> ClaimValue | None:
    """The current value of the metric an `expect` line names, in its scenario."""
    if scenario is None or not statement.values:
        return None
    result = analysis.result(scenario)
    if result is None:
        return None
    metric = statement.values[0].text
    node = result.metrics.get(metric) or result.inputs.get(metric)
    if node is None:
        return None
    claim = next(
        (
            c
            for c in result.claims
            if c.line == statement.span.line and c.file == statement.span.file
        ),
        None,
    )
    out = ClaimValue(
        metric, format_value(node.value, node.dimension), claim.holds if claim is not None else None
    )
    run = analysis.samples(scenario)
    if run is not None:
        summary = run.summary(metric) if metric in run.varying() else None
        if summary is not None:
            out.range = (
                f"{format_value(summary.p5, node.dimension)} to "
                f"{format_value(summary.p95, node.dimension)}"
            )
        if claim is not None:
            index = result.claims.index(claim)
            if index < len(run.claims) and run.claims[index].probability is not None:
                out.probability = run.claims[index].probability
    return out


def _claim_hover(
    analysis: Analysis, scenario: str | None, statement: Statement, atom: Atom
) -> Hover | None:
    node = _registry_node(atom.text) or _registry_node(_template(atom.text))
    parts = atom.text.split(".")
    ref = parts[1] if len(parts) > 2 else ""
    lines = [
        f"**{atom.text}**"
        + (f" — {node.meaning.replace('{ref}', ref)}" if node is not None else "")
    ]
    if node is not None and node.formula:
        lines += ["", f"`{node.formula.replace('{ref}', ref)}`"]
    value = claim_value(analysis, scenario, statement)
    if value is not None:
        verdict = {True: "the claim holds", False: "the claim FAILS", None: "not decidable"}[
            value.holds
        ]
        lines += ["", f"Now in `{scenario}`: **{value.value}** — {verdict}"]
        if value.range:
            lines.append(f"- 90% range (P5–P95): {value.range}")
        if value.probability is not None:
            lines.append(f"- holds in {value.probability:.0%} of {HOVER_SAMPLES:,} samples")
    elif analysis.scenarios is None:
        lines += ["", "_(no value: fix the errors first)_"]
    return Hover("\n".join(lines), atom.span)


# ---------------------------------------------------------------------------- completion
@dataclass
class Completion:
    label: str
    kind: str  # field | section | keyword | value | unit | metric | name | file
    detail: str = ""
    documentation: str = ""


_TOKEN = re.compile(r'"[^"\n]*"?|[^\s,"]+|,')


def _block_stack(text: str, pos: Pos) -> list[list[str]]:
    """The headers (as token lists) of the blocks open at `pos`, from the text alone, so that
    completion works while the file does not parse."""
    lines = text.split("\n")
    stack: list[list[str]] = []
    for number in range(min(pos.line + 1, len(lines))):
        line = lines[number] if number < pos.line else lines[number][: pos.char]
        line = _strip_comment(line)
        tokens = _TOKEN.findall(line.replace("{", " { ").replace("}", " } "))
        header: list[str] = []
        for token in tokens:
            if token == "{":
                stack.append(header)
                header = []
            elif token == "}":
                if stack:
                    stack.pop()
                header = []
            else:
                header.append(token)
    return stack


def _strip_comment(line: str) -> str:
    out, quoted = [], False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif char == "#" and not quoted:
            break
        out.append(char)
    return "".join(out)


def complete(analysis: Analysis | None, text: str, pos: Pos) -> list[Completion]:
    """Completions at `pos`: fields of the block, names and units that fit the field."""
    line = _strip_comment(line_at(text, pos.line)[: pos.char])
    stack = _block_stack(text, pos)
    tokens = _TOKEN.findall(line)
    at_new = not line or line[-1] in " \t,"
    before = tokens if at_new else tokens[:-1]  # the complete tokens before the cursor
    if re.fullmatch(r'\s*import\s+"[^"]*', line):
        return _import_files(analysis)
    if "{" in line or "}" in line:
        return []
    kinds = [h[0] if h else "" for h in stack]
    if not before:
        return _keys(kinds)
    key = before[0]
    if not stack:
        return _header_values(analysis, key, before)
    block = kinds[0]
    if block == "scenario":
        if key == "expect":
            if len(before) == 1:
                return _metrics(analysis)
            if len(before) == 4 and _is_number(before[3]):  # expect METRIC OP NUMBER |
                names = _metric_names()
                metric = names.get(before[1]) or names.get(_template(before[1]))
                if metric is not None and metric.value_type == "number":
                    return _unit_items(metric.dimension)
            return []
        if key == "correlate":
            return (
                [Completion(p, "field") for p in F.all_scenario_paths()]
                if before[-1] in ("correlate", ",")
                else []
            )
        path = ".".join([*kinds[1:], key]) if len(kinds) > 1 else key
        return _values(analysis, F.scenario_field(path), before)
    if block == "sweep":
        return _values(analysis, F.scenario_field(key), before)
    return _values(analysis, spec_of(block, key), before)


def _template(metric: str) -> str:
    """The registry's name of a per-reference metric: `divide.csu.x` → `divide.{ref}.x`."""
    return re.sub(r"^(divide|reference)\.[^.]+\.", r"\1.{ref}.", metric)


def _import_files(analysis: Analysis | None) -> list[Completion]:
    """`.scn` files beside the file (and in its subfolders), for `import "`."""
    if analysis is None:
        return []
    folder = os.path.dirname(analysis.path)
    found = []
    for current, subfolders, names in os.walk(folder):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))[:20]
        for name in sorted(names):
            path = os.path.join(current, name)
            if name.endswith(".scn") and path != analysis.path:
                found.append(Completion(os.path.relpath(path, folder).replace(os.sep, "/"), "file"))
        if len(found) > 200:
            break
    return found


def _keys(kinds: list[str]) -> list[Completion]:
    if not kinds:
        return [Completion(k, "keyword", "definition") for k in DEFINITION_KEYWORDS]
    block = kinds[0]
    if block == "scenario" and len(kinds) == 1:
        items = [Completion(n, "field", s.doc) for n, s in F.SCENARIO_ATTRIBUTES.items()]
        items += [
            Completion(n, "section", "section: " + ", ".join(f)) for n, f in F.SECTIONS.items()
        ]
        items += [
            Completion("expect", "keyword", 'a claim: expect METRIC OP VALUE "quote"'),
            Completion("correlate", "keyword", "correlate FIELD, FIELD RHO"),
        ]
        items += [Completion(p, "field", _doc(p)) for p in F.all_scenario_paths() if "." in p]
        return items
    if block == "scenario" and kinds[-1] in F.SECTIONS:
        return [Completion(n, "field", s.doc) for n, s in F.SECTIONS[kinds[-1]].items()]
    if block == "sweep":
        return [Completion(p, "field", _doc(p)) for p in F.all_scenario_paths()]
    if block == "accelerator":
        table = {**F.ACCELERATOR_ATTRIBUTES, **F.ACCELERATOR_FIGURES}
        return [Completion(n, "field", s.doc) for n, s in table.items()]
    if block == "reference":
        return [Completion(n, "field", s.doc) for n, s in F.REFERENCE_FIELDS.items()]
    return []


def _header_values(analysis: Analysis | None, key: str, before: list[str]) -> list[Completion]:
    if len(before) == 2 and key in ("scenario", "accelerator"):
        return [Completion("extends", "keyword")]
    if len(before) == 2 and key == "sweep":
        return [Completion("from", "keyword")]
    if len(before) == 3 and before[2] in ("extends", "from"):
        if key == "accelerator":
            return _accelerators(analysis)
        return _scenario_names(analysis, exclude=before[1])
    return []


def _doc(path: str) -> str:
    """The doc of a scenario path that F.all_scenario_paths() lists."""
    spec = F.scenario_field(path)
    return spec.doc if spec is not None else ""


def _values(
    analysis: Analysis | None, spec: F.FieldSpec | None, before: list[str]
) -> list[Completion]:
    if spec is None:
        return []
    if spec.kind == "accelerator" and len(before) == 1:
        return _accelerators(analysis)
    if spec.kind == "region" and len(before) == 1:
        return [
            Completion(code, "value", region.name) for code, region in catalog().regions.items()
        ]
    if spec.kind == "enum" and len(before) == 1:
        return [Completion(c, "value") for c in spec.choices]
    if spec.kind == "mix" and before[-1] in (",", before[0]):
        return [
            Completion(name, "value", source.title)
            for name, source in catalog().energy_sources.items()
        ]
    if spec.kind == "parallelism" and before[-1] in (",", before[0]):
        return [Completion(k, "value") for k in F.PARALLELISM_KEYS]
    if spec.kind == "quantity" and _is_number(before[-1]) and len(before) >= 2:
        return _unit_items(spec.dimension)
    return []


def _is_number(token: str) -> bool:
    try:
        number = parse_number(token)
    except ValueError:
        return False
    return not number.percent


def _unit_items(dimension: str | None) -> list[Completion]:
    return [
        Completion(u, "unit", DIMENSION_EXAMPLES.get(dimension or "", ""))
        for u in units_for(dimension)
    ]


def _accelerators(analysis: Analysis | None) -> list[Completion]:
    items = [
        Completion(name, "value", entry.title) for name, entry in catalog().accelerators.items()
    ]
    if analysis is not None:
        items += [
            Completion(d.name, "value", f"accelerator defined in {d.file}")
            for (table, _), d in analysis.definitions().items()
            if table == "accelerator" and d.name not in catalog().accelerators
        ]
    return items


def _scenario_names(analysis: Analysis | None, exclude: str) -> list[Completion]:
    if analysis is None:
        return []
    return [
        Completion(d.name, "name", f"scenario in {d.file}")
        for (table, _), d in analysis.definitions().items()
        if d.kind == "scenario" and d.name != exclude
    ]


def _metrics(analysis: Analysis | None) -> list[Completion]:
    references = list(catalog_names().references)
    if analysis is not None:
        references += [d.name for (t, _), d in analysis.definitions().items() if t == "reference"]
    items = []
    for name, info in _metric_names().items():
        unit = info.unit
        names = [name.replace("{ref}", r) for r in references] if "{ref}" in name else [name]
        items += [Completion(n, "metric", unit) for n in names]
    return items


# ---------------------------------------------------------------------------- definition
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
            parts = atom.text.split(".")
            if len(parts) >= 3 and parts[0] in ("divide", "reference"):
                target = defs.get(("reference", parts[1]))
                if target is None:
                    return _catalog_location("references.toml", parts[1])
    if target is None:
        return None
    file = analysis.files.get(target.file) or workspace.path(target.file)
    return Location(file, span_range(target.span))


def _catalog_location(file: str, name: str) -> Location | None:
    path = os.path.join(_catalog_folder(), file)
    try:
        with open(path, encoding="utf-8") as handle:
            for number, line in enumerate(handle):
                if line.strip() == f"[{name}]":
                    return Location(path, Range(Pos(number, 1), Pos(number, 1 + len(name))))
    except OSError:
        return None
    return None


# ---------------------------------------------------------------------------- outline, hints
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


@dataclass
class Hint:
    pos: Pos
    label: str
    tooltip: str = ""


def inlay_hints(analysis: Analysis, document: Document, first: int, last: int) -> list[Hint]:
    """Headline figures after each scenario's header, and the value of each `expect` at its
    line's end, for lines first..last (0-based)."""
    hints: list[Hint] = []
    for statement in document.statements:
        if statement.key != "scenario" or not statement.values:
            continue
        start, end = statement.span.line - 1, (statement.span.end_line or statement.span.line) - 1
        if end < first or start > last:
            continue
        name = statement.values[0].text
        figures = headline(analysis, name)
        if figures:
            line = line_at(document.text, start)
            brace = line.rfind("{")
            at = brace + 1 if brace >= 0 else len(line)
            hints.append(
                Hint(
                    Pos(start, at),
                    "  " + " · ".join(f"{label} {v}" for label, v in figures),
                    "headline figures of " + name,
                )
            )
        for item in statement.body or []:
            if item.key != "expect" or not first <= item.span.line - 1 <= last:
                continue
            value = claim_value(analysis, name, item)
            if value is None:
                continue
            line = line_at(document.text, item.span.line - 1)
            label = "  " + value.short()
            if value.range:
                label += f" [90%: {value.range}]"
            hints.append(
                Hint(
                    Pos(item.span.line - 1, len(line.rstrip())), label, f"{value.metric} in {name}"
                )
            )
    return hints
