"""`scendsl build`: every briefing, in Markdown and HTML, written atomically.

Pages: one per scenario (`<name>.md/.html`), `index`, `landscape` (the article's competitive-
landscape table with the model's figures), and three topical briefings across scenarios:
`compute-divide`, `energy`, `risk`. A sweep is not a page per variant: it gets a table and a
trajectory chart in its base scenario's briefing (or in the index when the base is not built).

The build is all or nothing. Everything is loaded, evaluated and rendered in memory first; any
error (a scenario that does not load or evaluate, a template that fails) leaves the output folder
untouched. The new folder is then written next to the old one and swapped in, so the folder is
either as it was or completely new. `check=True` writes nothing and lists what is out of date.

Same inputs, same bytes: no timestamps, stable ordering, deterministic charts.

Speed: matplotlib is the slowest import, so on a machine with two or more cores a worker process
is forked first to import it while this one loads and evaluates; after the templates, the worker
draws the charts and converts some pages to HTML while this process converts the rest
(`SCENDSL_JOBS=1` keeps everything in one process; the bytes are the same).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from scendsl.errors import DiagnosticSink, ScenarioError, Span
from scendsl.report.render import TOPICAL_PAGES, Page, Renderer, TemplateProblem

#: Largest sweep drawn in a briefing; bigger sweeps get a summary (use `scendsl eval --sweeps`).
MAX_SWEEP_VARIANTS = 200
#: File kinds the build owns in its output folder (others are left alone).
GENERATED_SUFFIXES = (".md", ".html")

#: Claim operators as a reader writes them.
_OPS = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "==": "=", "~=": "≈"}


@dataclass
class BuildReport:
    """What a build wrote, or (with check) what is out of date; `exit_code` for the CLI."""

    out_dir: str
    #: Every file the build produces, by name, in page order.
    files: list[str] = field(default_factory=list)
    #: Paths written (build) — empty for a check.
    written: list[str] = field(default_factory=list)
    #: Generated files of an earlier build that no longer belong (build: removed).
    removed: list[str] = field(default_factory=list)
    #: Check: files missing, changed or extra, as "name (missing|changed|extra)".
    stale: list[str] = field(default_factory=list)
    exit_code: int = 0
    #: Seconds per stage (load, evaluate, templates, charts, HTML, write), for tuning.
    timings: dict[str, float] = field(default_factory=dict)

    def summary(self) -> str:
        """One line for the terminal (the stale files listed under it for a check)."""
        if self.stale:
            return (f"{len(self.stale)} file(s) out of date in {self.out_dir}:\n"
                    + "\n".join(f"  {line}" for line in self.stale))
        if not self.written:
            return f"{self.out_dir} is up to date ({len(self.files)} files)"
        removed = f", removed {len(self.removed)} stale" if self.removed else ""
        return f"wrote {len(self.written)} files to {self.out_dir}{removed}"


# ======================================================================================== views
class Number:
    """A figure as templates see it: `text` to print, `derivation()` for the HTML page."""

    def __init__(self, name: str, value: Any, dimension: str, value_type: str = "number",
                 meaning: str = "", importance: int = 0, kind: str = "metric",
                 origin: str | None = None, confidence: str | None = None,
                 note: str | None = None, sources: tuple[str, ...] = (),
                 explain: Callable[[], dict[str, Any]] | None = None) -> None:
        from scendsl.report.numbers import format_value

        self.name, self.value, self.dimension = name, value, dimension
        self.value_type, self.meaning, self.importance, self.kind = (
            value_type, meaning, importance, kind)
        self.origin, self.confidence, self.note, self.sources = origin, confidence, note, sources
        self.text = format_value(value, dimension, value_type)
        #: The derivation as HTML, kept by the renderer once made (the same on every page).
        self.html_cache: str | None = None
        self._explain = explain
        self._tree: dict[str, Any] | None = None

    @property
    def available(self) -> bool:
        """Whether there is a value to show (not None, not NaN)."""
        return self.text != "n/a"

    @property
    def from_scenario(self) -> bool:
        """An input written in the scenario file (not a catalog figure or default)."""
        return bool(self.origin) and ".scn:" in self.origin

    def derivation(self) -> dict[str, Any] | None:
        if self._explain is None:
            return None
        if self._tree is None:
            self._tree = self._explain()
        return self._tree

    def __str__(self) -> str:
        return self.text


@dataclass
class ClaimView:
    metric: str
    op: str
    expected: str
    tolerance: str
    actual: Number
    holds: bool | None
    margin: str
    quote: str
    file: str
    line: int


@dataclass
class SourceView:
    text: str
    confidence: str
    used_by: list[str]


@dataclass
class ReferenceView:
    name: str
    title: str
    kind: str
    accelerator: str
    count: Number
    peak: Number
    compute_ratio: Number
    time_to_train: Number
    capex_to_close: Number
    power_to_close: Number
    source: str
    confidence: str

    @property
    def label(self) -> str:
        """The title, with the kind of entity unless the title already says it."""
        squash = lambda text: "".join(ch for ch in text.lower() if ch.isalnum())  # noqa: E731
        if squash(self.kind) in squash(self.title):
            return self.title
        return f"{self.title} ({self.kind})"


@dataclass
class RiskView:
    key: str
    title: str
    concern: str
    rating: str | None
    driver: Number
    condition: str
    reason: str
    source: str
    confidence: str
    caveats: list[str]


class ScenarioView:
    """One evaluated scenario for the templates."""

    def __init__(self, result, catalog, page: str, nodes: dict[str, Any]) -> None:
        self._result = result
        self._catalog = catalog
        self._nodes = nodes  # expanded registry nodes of this scenario, by name
        self._numbers: dict[str, Number] = {}
        scenario = result.scenario
        self.name = scenario.name
        self.page = page
        self.title = scenario.title
        self.operator = scenario.operator
        self.year = scenario.year
        self.region = scenario.region
        self.source = scenario.source
        self.file = scenario.span.file
        self.line = scenario.span.line
        self.extends = list(scenario.extends)
        self.accelerator = scenario.cluster.accelerator
        self.sweeps: list[SweepView] = []
        self.risks: list[RiskView] = []

    # ---------------------------------------------------------------------------- numbers
    def m(self, name: str) -> Number:
        """The figure `name` (an input or a metric); an n/a figure when the model lacks it."""
        number = self._numbers.get(name)
        if number is None:
            number = self._numbers[name] = self._make_number(name)
        return number

    def _make_number(self, name: str) -> Number:
        from scendsl.report.explain import explain_tree

        result = self._result
        node = result.metrics.get(name) or result.inputs.get(name)
        if node is None:
            return Number(name, None, "number", meaning=f"{name} (not in the model)")
        registered = self._nodes.get(name)
        value_type = registered.value_type if registered is not None else "number"
        if value_type == "number" and isinstance(node.value, str):
            value_type = "text"
        importance = registered.importance if registered is not None else 0
        return Number(name, node.value, node.dimension, value_type, node.meaning, importance,
                      node.kind, node.origin, node.confidence, node.note, tuple(node.sources),
                      explain=lambda: explain_tree(result, name))

    def has(self, name: str) -> bool:
        return self.m(name).available

    def value(self, name: str) -> Any:
        return self.m(name).value

    def figures(self, *domains: str, min_importance: int = 1) -> list[Number]:
        """Available figures of the given domains, most important first (registry order)."""
        return [n for n in self._domain_numbers(domains, min_importance) if n.available]

    def missing(self, *domains: str, min_importance: int = 1) -> list[Number]:
        """Figures of the domains that are n/a for this scenario (inputs missing)."""
        return [n for n in self._domain_numbers(domains, min_importance) if not n.available]

    def _domain_numbers(self, domains: Iterable[str], min_importance: int) -> list[Number]:
        wanted = set(domains)
        picked = []
        for order, name in enumerate(self._nodes):
            node = self._nodes[name]
            if node.domain not in wanted or node.importance < min_importance:
                continue
            if node.value_type == "breakdown":
                continue
            picked.append((-node.importance, order, self.m(name)))
        return [number for _, _, number in sorted(picked, key=lambda item: item[:2])]

    def breakdown(self, name: str) -> list[tuple[str, Number]]:
        """The parts of a breakdown figure (power by source) as numbers of their own."""
        whole = self.m(name)
        if not isinstance(whole.value, dict):
            return []
        return [(str(label).replace("_", " "),
                 Number(f"{name}[{label}]", part, whole.dimension, meaning=whole.meaning,
                        explain=whole.derivation))
                for label, part in whole.value.items()]

    # ---------------------------------------------------------------------------- sections
    @cached_property
    def claims(self) -> list[ClaimView]:
        from scendsl.report.numbers import format_value, sig

        views = []
        for claim in self._result.claims:
            actual = self.m(claim.metric)
            dimension = actual.dimension
            margin = ""
            if claim.margin is not None:
                sign = "+" if claim.margin >= 0 else "−"
                margin = f"{sign}{sig(abs(claim.margin) * 100, 2)}%"
            tolerance = f"± {sig(claim.tolerance * 100, 2)}%" if claim.tolerance else ""
            views.append(ClaimView(claim.metric, _OPS.get(claim.op, claim.op),
                                   format_value(claim.expected, dimension), tolerance, actual,
                                   claim.holds, margin, claim.quote, claim.file, claim.line))
        return views

    @property
    def claims_held(self) -> int:
        return sum(1 for c in self.claims if c.holds is True)

    @property
    def claims_failed(self) -> int:
        return sum(1 for c in self.claims if c.holds is False)

    @cached_property
    def assumptions(self) -> list[Number]:
        """Every input with a value: the scenario's own first, then catalog figures and defaults."""
        inputs = [self.m(name) for name in self._result.inputs]
        inputs = [n for n in inputs if n.available and not n.name.startswith("reference.")]
        return sorted(inputs, key=lambda n: not n.from_scenario)

    @cached_property
    def sources(self) -> list[SourceView]:
        """Where the inputs' values come from, with confidence codes, in first-use order.

        One row per source text; `confidence` lists the codes its figures carry ("A", "A, B").
        Sources a node declares for its method (not for a value) are listed by `methods`.
        """
        found: dict[str, SourceView] = {}
        if self.source:
            found[self.source] = SourceView(self.source, "", ["scenario"])
        for name, node in self._result.inputs.items():
            if node.value is None:
                continue
            registered = self._nodes.get(name)
            # An input's sources are its node's (methods) followed by its value's own source.
            declared = len(registered.sources) if registered is not None else 0
            for text in dict.fromkeys(node.sources[declared:]):
                view = found.setdefault(text, SourceView(text, "", []))
                codes = [c for c in view.confidence.split(", ") if c]
                if node.confidence and node.confidence not in codes:
                    view.confidence = ", ".join(codes + [node.confidence])
                if name not in view.used_by:
                    view.used_by.append(name)
        return list(found.values())

    @cached_property
    def methods(self) -> list[SourceView]:
        """Published formulas and papers the model's figures rest on, in registry order."""
        found: dict[str, SourceView] = {}
        for name, node in {**self._result.inputs, **self._result.metrics}.items():
            if node.value is None:
                continue
            registered = self._nodes.get(name)
            for text in (registered.sources if registered is not None else node.sources):
                found.setdefault(text, SourceView(text, "", [])).used_by.append(name)
        return list(found.values())

    @cached_property
    def references(self) -> list[ReferenceView]:
        from scendsl.model.evaluate import reference_names

        views = []
        for ref in reference_names(self._result.scenario, self._catalog):
            block = self._result.scenario.references.get(ref)
            entry = self._catalog.references.get(ref)
            title = block.title if block is not None else entry.title if entry else ref
            kind = "scenario file" if block is not None else entry.kind.replace("_", " ")
            source = (block.source if block is not None else entry.source) or ""
            confidence = ("" if block is not None else entry.confidence) or ""
            m = self.m
            views.append(ReferenceView(
                ref, title, kind, m(f"reference.{ref}.accelerator").text,
                m(f"reference.{ref}.count"), m(f"reference.{ref}.peak"),
                m(f"divide.{ref}.compute_ratio"), m(f"divide.{ref}.time_to_train"),
                m(f"divide.{ref}.capex_to_close"), m(f"divide.{ref}.power_to_close"),
                source, confidence))
        return views

    @property
    def peak(self) -> Number:
        """Peak compute at the training precision (what the compute divide compares)."""
        return self.m("cluster.peak") if self.has("cluster.peak") else self.m("cluster.peak_fp8")

    @property
    def top_risks(self) -> list[RiskView]:
        return sorted((r for r in self.risks if r.rating in ("high", "medium")),
                      key=lambda r: (r.rating != "high",))


@dataclass
class VariantView:
    name: str
    labels: dict[str, str]
    view: ScenarioView


class SweepView:
    """A sweep: its variants evaluated (up to MAX_SWEEP_VARIANTS) for a table and a chart."""

    def __init__(self, sweep, variants: list[VariantView], host_page: str) -> None:
        self.name = sweep.name
        self.base = sweep.base
        self.axes = [(axis.path, list(axis.labels)) for axis in sweep.axes]
        self.size = sweep.size
        self.variants = variants
        self.host_page = host_page
        self.truncated = sweep.size > len(variants)

    @property
    def anchor(self) -> str:
        """Id of the sweep's heading ("## Sweep NAME"), as Markdown renderers slug it."""
        return f"sweep-{self.name.lower()}"

    @property
    def x_axis(self) -> str | None:
        """The axis plotted horizontally: `year` when swept, else the first numeric axis."""
        paths = [path for path, _ in self.axes]
        if "year" in paths:
            return "year"
        for path, labels in self.axes:
            if all(_as_float(label) is not None for label in labels):
                return path
        return None

    def series(self, metric: str) -> list[tuple[str, list[tuple[float, Any]]]]:
        """One line per combination of the other axes: (x, value) points along `x_axis`."""
        x_axis = self.x_axis
        if x_axis is None:
            return []
        lines: dict[str, list[tuple[float, Any]]] = {}
        for variant in self.variants:
            others = [f"{path} {label}" for path, label in variant.labels.items() if path != x_axis]
            key = ", ".join(others) or self.name
            x = variant.view.year if x_axis == "year" else _as_float(variant.labels[x_axis])
            lines.setdefault(key, []).append((float(x), variant.view.value(metric)))
        return list(lines.items())


def _as_float(label: str) -> float | None:
    from scendsl.language.units import parse_number

    try:
        return parse_number(label).value
    except ValueError:
        return None


# ======================================================================================== build
def build(paths: list[str], out_dir: str, templates_dir: str | None = None,
          check: bool = False) -> BuildReport:
    """Build every briefing of the scenarios under `paths` into `out_dir`.

    Raises ScenarioError (scenario or template problems) before anything is written.
    With `check`, writes nothing and reports the files that differ from a fresh build.
    """
    timings: dict[str, float] = {}
    start = time.perf_counter()
    check_output_folder(out_dir, paths)
    files = render_files(paths, templates_dir, timings)
    report = BuildReport(out_dir=out_dir, files=list(files), timings=timings)
    started = time.perf_counter()
    if check:
        report.stale = out_of_date(files, Path(out_dir))
        report.exit_code = 1 if report.stale else 0
    else:
        report.written, report.removed = write_atomically(files, Path(out_dir))
    timings["write"] = time.perf_counter() - started
    timings["total"] = time.perf_counter() - start
    return report


def render_files(paths: list[str], templates_dir: str | None = None,
                 timings: dict[str, float] | None = None) -> dict[str, bytes]:
    """Every output file by name, rendered in memory (nothing touches the disk)."""
    timings = timings if timings is not None else {}
    pool = chart_pool()  # starts importing matplotlib in a second process right away
    try:
        return _render_files(paths, templates_dir, timings, pool)
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()


def _render_files(paths: list[str], templates_dir: str | None, timings: dict[str, float],
                  pool) -> dict[str, bytes]:
    clock = time.perf_counter()
    from scendsl.catalog import load_catalog
    from scendsl.language.resolve import load_paths
    from scendsl.model.evaluate import evaluate, nodes_for

    scenarios = load_paths(paths)
    catalog = load_catalog()
    timings["load"] = time.perf_counter() - clock

    clock = time.perf_counter()
    pages = _page_names([s.name for s in scenarios.scenarios])
    views: list[ScenarioView] = []
    for scenario in scenarios.scenarios:
        result = evaluate(scenario, catalog)
        nodes = {node.name: node for node, _ in nodes_for(scenario, catalog)}
        views.append(ScenarioView(result, catalog, pages[scenario.name], nodes))
    by_name = {view.name: view for view in views}
    sweeps: list[SweepView] = []
    for sweep in scenarios.sweeps:
        variants = []
        for index, variant in enumerate(sweep.variants()):
            if index >= MAX_SWEEP_VARIANTS:
                break
            result = evaluate(variant, catalog)
            nodes = {node.name: node for node, _ in nodes_for(variant, catalog)}
            variants.append(VariantView(variant.name, dict(variant.sweep_point),
                                        ScenarioView(result, catalog, "", nodes)))
        host = by_name.get(sweep.base)
        view = SweepView(sweep, variants, host.page if host is not None else "index")
        sweeps.append(view)
        if host is not None:
            host.sweeps.append(view)
    _attach_risks(views)
    timings["evaluate"] = time.perf_counter() - clock

    return render_pages(views, sweeps, catalog, templates_dir, timings, pool)


def _page_names(names: list[str]) -> dict[str, str]:
    """File stem per scenario; names that clash with a topical page, or with each other on a
    case-insensitive file system, get a `scenario-` prefix or a number."""
    stems: dict[str, str] = {}
    taken = {page.casefold() for page in TOPICAL_PAGES}
    for name in names:
        stem = name if name.casefold() not in taken else f"scenario-{name}"
        number = 2
        while stem.casefold() in taken:
            stem, number = f"scenario-{name}-{number}", number + 1
        taken.add(stem.casefold())
        stems[name] = stem
    return stems


def _attach_risks(views: list[ScenarioView]) -> None:
    from scendsl.report.risk import assess, load_rules

    rules = load_rules()
    for view in views:
        for assessment in assess(view.value, rules):
            rule = assessment.rule
            view.risks.append(RiskView(
                assessment.risk.key, assessment.risk.title, assessment.risk.concern,
                assessment.rating, view.m(assessment.risk.driver),
                rule.describe() if rule else "", rule.reason if rule else "",
                rule.source if rule else "", rule.confidence if rule else "",
                list(assessment.caveats)))


# ---------------------------------------------------------------------------------- charts
class ChartRequests:
    """Charts templates ask for, as plain-data jobs; drawn after rendering.

    Deferring the drawing lets a second process draw while this one turns Markdown into HTML.
    A chart is keyed by its content, so pages that show the same data share one drawing (five
    Colossus2 variants with the same peak get the same chart against the references).
    """

    def __init__(self) -> None:
        self.jobs: dict[str, tuple[str, tuple[Any, ...]]] = {}
        self._taken = 0

    def take_new(self) -> list[tuple[str, tuple[str, tuple[Any, ...]]]]:
        """Jobs asked for since the last call, in order."""
        items = list(self.jobs.items())[self._taken:]
        self._taken = len(self.jobs)
        return items

    def _add(self, kind: str, function: str, *args: Any) -> str:
        import hashlib

        # repr of plain data (str, float, tuples, lists, dicts in insertion order) is stable.
        digest = hashlib.sha256(repr((function, args)).encode("utf-8")).hexdigest()[:12]
        key = f"{kind}-{digest}"
        self.jobs.setdefault(key, (function, (*args, key)))
        return key

    def power_by_source(self, subject) -> str:
        views = subject if isinstance(subject, list) else [subject]
        rows = [(v.title, dict(v.value("energy.power_by_source") or {})) for v in views]
        return self._add("power", "power_by_source", rows)

    def compute(self, subject) -> str:
        """All scenarios (a list) by title, or one scenario as "This cluster", against the
        references."""
        views = subject if isinstance(subject, list) else [subject]
        single = not isinstance(subject, list)
        bars: list[tuple[str, float, bool]] = [
            ("This cluster" if single else v.title, v.peak.value, True)
            for v in views if v.peak.value is not None]
        seen: set[str] = set()
        for view in views:
            for ref in view.references:
                if ref.name not in seen and ref.peak.value is not None:
                    seen.add(ref.name)
                    bars.append((ref.title, ref.peak.value, False))
        return self._add("compute", "compute_bars", bars)

    def trajectory(self, sweep: SweepView, metric: str) -> str | None:
        if not sweep.variants:
            return None
        sample = sweep.variants[0].view.m(metric)
        title = f"{sample.meaning} — sweep {sweep.name}"
        return self._add("sweep", "trajectory", sweep.series(metric), sample.dimension,
                         sweep.x_axis or "", title)


@dataclass(frozen=True)
class ChartSlot:
    """A chart's place in a page, filled with its SVG once drawn."""

    key: str


def chart_pool():
    """A worker process that imports matplotlib now and draws charts later, or None.

    Used on Linux with two or more cores (fork keeps the start cheap); `SCENDSL_JOBS=1` turns
    it off. The worker's charts are byte-identical to ones drawn here.
    """
    import sys

    if os.environ.get("SCENDSL_JOBS") == "1" or not sys.platform.startswith("linux"):
        return None
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if (cores or 1) < 2:
        return None
    try:
        import multiprocessing

        from scendsl.report.charts import warm_up

        return multiprocessing.get_context("fork").Pool(1, initializer=warm_up)
    except (OSError, ValueError, ImportError):
        return None


#: Rough costs for sharing work with the worker: seconds per chart and per character of
#: Markdown turned into HTML (measured on the sample scenarios; only the balance depends on them).
_CHART_COST, _MARKDOWN_COST_PER_CHAR = 0.025, 0.9e-6


def _worker_task(task: tuple[str, Any]) -> tuple[Any, float]:
    """One job of the worker process: draw a chart, or turn a page's Markdown into HTML."""
    kind, payload = task
    if kind == "chart":
        from scendsl.report.charts import draw

        return draw(payload)
    started = time.perf_counter()
    from scendsl.report.render import html_body

    return html_body(payload), time.perf_counter() - started


class WorkSharing:
    """Charts and HTML conversion of the pages, shared with the worker as pages are rendered.

    Every chart goes to the worker as soon as a template asks for it; a page's Markdown goes to
    the worker while the worker's estimated backlog is no larger than this process's (which
    includes the time spent rendering templates, during which the worker is free), and is
    otherwise converted here after the last template. Without a worker everything is done here.
    """

    def __init__(self, pool, timings: dict[str, float]) -> None:
        self.pool, self.timings = pool, timings
        self.charts: dict[str, Any] = {}  # key -> job (here) or AsyncResult (worker)
        self.pages: list[Any] = []  # text (here) or AsyncResult (worker)
        self.worker_backlog = self.local_backlog = 0.0

    def chart(self, key: str, job: tuple[str, tuple[Any, ...]]) -> None:
        if key in self.charts:
            return
        if self.pool is None:
            self.charts[key] = job
            return
        self.charts[key] = self.pool.apply_async(_worker_task, (("chart", job),))
        self.worker_backlog += _CHART_COST

    def page(self, text: str, template_seconds: float) -> None:
        cost = len(text) * _MARKDOWN_COST_PER_CHAR
        if self.pool is not None and self.worker_backlog <= self.local_backlog + template_seconds:
            self.pages.append(self.pool.apply_async(_worker_task, (("page", text),)))
            self.worker_backlog += cost
        else:
            self.pages.append(text)
            self.local_backlog += cost

    def finish(self) -> tuple[dict[str, str | None], list[str]]:
        """Convert this process's pages, then collect the worker's: (charts, page bodies)."""
        from scendsl.report.charts import draw
        from scendsl.report.render import html_body

        clock = time.perf_counter()
        bodies: list[Any] = [html_body(p) if isinstance(p, str) else p for p in self.pages]
        self.timings["markdown to html (here)"] = time.perf_counter() - clock
        clock = time.perf_counter()
        drawn: dict[str, str | None] = {}
        worker_seconds = {"chart": 0.0, "page": 0.0}
        for key, job in self.charts.items():
            if isinstance(job, tuple):
                drawn[key] = draw(job)[0]
            else:
                drawn[key], seconds = job.get()
                worker_seconds["chart"] += seconds
        for index, body in enumerate(bodies):
            if not isinstance(body, str):
                bodies[index], seconds = body.get()
                worker_seconds["page"] += seconds
        label = "charts" if self.pool is None else "waiting for the worker"
        self.timings[label] = time.perf_counter() - clock
        if self.pool is not None:
            self.timings["charts (in the worker)"] = worker_seconds["chart"]
            self.timings["markdown to html (in the worker)"] = worker_seconds["page"]
        return drawn, bodies


def render_pages(views: list[ScenarioView], sweeps: list[SweepView], catalog,
                 templates_dir: str | None, timings: dict[str, float],
                 pool=None) -> dict[str, bytes]:
    """Render every page for both targets: templates, then charts and HTML conversion."""
    from jinja2 import pass_context
    from markupsafe import Markup

    from scendsl.report.risk import load_rules

    requests = ChartRequests()

    @pass_context
    def chart(context, kind: str, subject, metric: str | None = None) -> Markup:
        """A chart: inline SVG in the HTML page, nothing in the Markdown file."""
        page: Page = context["page"]
        if kind == "power_by_source":
            key = requests.power_by_source(subject)
        elif kind == "compute":
            key = requests.compute(subject)
        elif kind == "trajectory" and metric is not None:
            key = requests.trajectory(subject, metric)
        else:
            raise ValueError(f"unknown chart '{kind}'")
        return page.token("", ChartSlot(key)) if key is not None else Markup("")

    clock = time.perf_counter()
    try:
        renderer = Renderer(templates_dir, {"chart": chart})
    except TemplateProblem as problem:
        raise _as_scenario_error(problem) from None
    site = {
        "scenarios": views,
        "sweeps": sweeps,
        "risk_rules": load_rules(),
        "reference_catalog": catalog.references,
        "pages": [("index", "Index"), ("landscape", "Landscape"),
                  ("compute-divide", "Compute divide"), ("energy", "Energy"), ("risk", "Risk")],
    }
    jobs: list[tuple[str, str, str, dict[str, Any]]] = [
        ("index", "index.md.j2", "Briefings", {}),
        ("landscape", "landscape.md.j2", "Competitive landscape", {}),
        ("compute-divide", "compute-divide.md.j2", "The compute divide", {}),
        ("energy", "energy.md.j2", "Energy", {}),
        ("risk", "risk.md.j2", "Risk register", {}),
    ]
    jobs.extend((view.page, "scenario.md.j2", view.title, {"s": view}) for view in views)
    files: dict[str, bytes] = {}
    rendered = []
    sharing = WorkSharing(pool, timings)
    template_seconds = 0.0
    try:
        for name, template, title, extra in jobs:
            page = Page(name)
            started = time.perf_counter()
            text = renderer.render(template, page, dict(site, **extra))
            files[f"{name}.md"] = renderer.markdown_file(text, page).encode("utf-8")
            files[f"{name}.html"] = b""  # filled below; keeps the order md, html, md, html ...
            template_seconds += time.perf_counter() - started
            for key, job in requests.take_new():
                sharing.chart(key, job)
            sharing.page(text, template_seconds)
            rendered.append((name, title, page))
        timings["templates"] = time.perf_counter() - clock
        charts, bodies = sharing.finish()
        clock = time.perf_counter()
        for (name, title, page), body in zip(rendered, bodies):
            page.fragments = [(md, _chart_fragment(charts.get(form.key)))
                              if isinstance(form, ChartSlot) else (md, form)
                              for md, form in page.fragments]
            files[f"{name}.html"] = renderer.html_document(body, page, title).encode("utf-8")
        timings["html pages"] = time.perf_counter() - clock
    except TemplateProblem as problem:
        raise _as_scenario_error(problem) from None
    return files


def _chart_fragment(svg: str | None) -> str:
    return f'<figure class="chart">{svg}</figure>' if svg else ""


def _as_scenario_error(problem: TemplateProblem) -> ScenarioError:
    """Template problems travel like scenario problems: located diagnostics, exit code 1."""
    span = Span(problem.file, problem.line or 1, 1) if problem.file else None
    hint = None
    if "SecurityError" in problem.message or "TemplateNotFound" in problem.message:
        hint = ("templates run in a sandbox: only the data passed to them and the template "
                "folders are reachable")
    sink = DiagnosticSink()
    sink.error(problem.message, span, hint)  # quotes the template line, like a scenario's
    return ScenarioError(sink.diagnostics)


# ---------------------------------------------------------------------------------- writing
def _generated(folder: Path) -> dict[str, Path]:
    """Files of ours already in `folder`: top-level Markdown and HTML files (not symlinks)."""
    if not folder.is_dir():
        return {}
    return {entry.name: entry for entry in sorted(folder.iterdir())
            if entry.suffix in GENERATED_SUFFIXES and entry.is_file() and not entry.is_symlink()}


def out_of_date(files: dict[str, bytes], folder: Path) -> list[str]:
    """Names that differ between a fresh build and `folder`: missing, changed or extra."""
    present = _generated(folder)
    stale = []
    for name, content in files.items():
        path = present.get(name)
        if path is None:
            stale.append(f"{name} (missing)")
        elif path.read_bytes() != content:
            stale.append(f"{name} (changed)")
    stale.extend(f"{name} (extra)" for name in present if name not in files)
    return stale


def write_atomically(files: dict[str, bytes], folder: Path) -> tuple[list[str], list[str]]:
    """Replace `folder` by a new one holding `files` and the old folder's other contents.

    The new folder is written beside the old one and swapped in with renames, so a failure at
    any point leaves either the old folder or the complete new one. Files that are not ours
    (anything but top-level .md/.html) are carried over (hard-linked where possible); our stale
    files are dropped. Where no folder can be made beside it (a read-only parent), each file is
    replaced atomically in place instead.
    """
    target = Path(os.path.realpath(folder))
    parent = target.parent
    parent.mkdir(parents=True, exist_ok=True)
    old = _generated(target)
    removed = sorted(str(target / name) for name in old if name not in files)
    try:
        fresh = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=parent))
    except PermissionError:
        if not target.is_dir():
            raise
        return _write_in_place(files, target, removed), removed
    try:
        os.chmod(fresh, 0o777 & ~_umask())
        if target.is_dir():
            os.chmod(fresh, target.stat().st_mode & 0o7777)
            for entry in sorted(target.iterdir()):  # keep what is not ours
                if entry.name in old:
                    continue
                destination = fresh / entry.name
                if entry.is_symlink():
                    os.symlink(os.readlink(entry), destination)
                elif entry.is_dir():
                    shutil.copytree(entry, destination, symlinks=True, copy_function=_link_or_copy)
                else:
                    _link_or_copy(entry, destination)
        for name, content in files.items():
            _write_file(fresh / name, content)
        _swap(fresh, target)
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise
    return [str(target / name) for name in files], removed


def _write_file(path: Path, content: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(path, 0o666 & ~_umask())


def _link_or_copy(source, destination) -> None:
    """A hard link (the carried-over file is not modified), else a copy."""
    try:
        os.link(source, destination)
    except OSError:
        shutil.copy2(source, destination)


def _write_in_place(files: dict[str, bytes], target: Path, removed: list[str]) -> list[str]:
    """Fallback: each file written to a temporary name in `target` and renamed over the old."""
    for name, content in files.items():
        handle, temporary = tempfile.mkstemp(prefix=f".{name}.", dir=target)
        os.close(handle)
        try:
            _write_file(Path(temporary), content)
            os.replace(temporary, target / name)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    for path in removed:
        Path(path).unlink(missing_ok=True)
    return [str(target / name) for name in files]


def check_output_folder(out_dir: str, paths: list[str]) -> None:
    """Refuse an output folder that holds the project: the build replaces the whole folder.

    Raises ScenarioError for the current directory or one of its parents, the home or root
    folder, a folder with `.git` or `pyproject.toml`, and a folder that holds the scenarios.
    """
    target = Path(os.path.realpath(out_dir))
    cwd = Path(os.path.realpath(os.getcwd()))
    reason = None
    if target in (Path(target.anchor), Path(os.path.realpath(os.path.expanduser("~")))):
        reason = "it is the root or home folder"
    elif cwd == target or target in cwd.parents:
        reason = "it holds the current directory"
    elif (target / ".git").exists() or (target / "pyproject.toml").exists():
        reason = "it holds a project (.git or pyproject.toml)"
    else:
        for path in paths:
            real = Path(os.path.realpath(path))
            if real == target or target in real.parents:
                reason = f"it holds the scenario files ({path})"
                break
    if reason:
        sink = DiagnosticSink()
        sink.error(f"refusing to write the briefings into '{out_dir}': {reason}", None,
                   "the build replaces its output folder as a whole: give it a folder of its "
                   "own, such as out/")
        raise ScenarioError(sink.diagnostics)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _swap(fresh: Path, target: Path) -> None:
    """Put `fresh` in place of `target`: an atomic exchange where the OS offers one."""
    if not target.exists():
        os.rename(fresh, target)
        return
    if _exchange(fresh, target):
        shutil.rmtree(fresh)  # now holds the old contents
        return
    backup = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
    os.rmdir(backup)
    os.rename(target, backup)
    try:
        os.rename(fresh, target)
    except BaseException:
        os.rename(backup, target)
        raise
    shutil.rmtree(backup, ignore_errors=True)


def _exchange(first: Path, second: Path) -> bool:
    """Linux renameat2(RENAME_EXCHANGE): swap two directories in one step; False if unsupported."""
    import ctypes
    import sys

    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                          ctypes.c_uint]
    status = renameat2(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second),
                       rename_exchange)
    return status == 0
