"""Incremental builds in one process: what `scendsl serve` runs after every change.

An `IncrementalBuilder` keeps what a build made — the catalog, each scenario's evaluation and
Monte Carlo run, each sweep's evaluated rows, each chart's SVG and each page's bytes — and on
the next build redoes only what a change affects:

- every file is read and resolved again (all of them take a few milliseconds; resolving is
  over the files together, so a scenario that extends or imports a changed one is resolved anew),
  but parsed again only when its text changed (the samples' parsing is half of the load);
  the blocks shown as written are taken from the texts this load parsed (never read again);
- a scenario is evaluated again only when its resolved model differs from the last build's (the
  model includes what it inherited, so importers of a changed file are caught by this too),
  by its `kept_warnings.exact_key` (which fields were written too: pydantic's == ignores it);
- a scenario's page is rendered again only when its scenario, its Monte Carlo run or its sweeps
  changed; the set pages (index, landscape, compute-divide, energy, risk) show every scenario
  and are rendered again when any of them changed; everything is rendered again when a template
  changed (and every page depends on every scenario with user templates, which may show
  anything on any page);
- an unchanged scenario's view gets the figures made for it in the last build (same result,
  same Monte Carlo run: same figures), with their derivations already written as HTML;
- the pages' Jinja environments, with the templates they have loaded and compiled, are kept
  until a template changes (by its bytes, not its time of change);
- a chart is drawn again only when its data changed (charts are keyed by their content);
- a rendered page is converted to HTML again only when its text changed: numbers are
  placeholder tokens in that text, so a set page whose figures changed but whose words did not
  (the usual edit) keeps its HTML body, and only the numbers are filled in anew.

Everything runs in this process (no workers: their start costs more than a rebuild). The
files are the same bytes as a cold `build` of the same inputs, and are written the same way
(scendsl.files.write_output: the output guard, the manifest, the atomic swap).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scendsl.app.build import (
    MAX_BUILD_SWEEP_ROWS,
    MONTE_CARLO_SAMPLES,
    BuildReport,
    axis_values,
    host_sweep,
    sweep_rows,
)
from scendsl.app.build_bounds import check_build_size
from scendsl.app.collector import cyclic_gc_paused
from scendsl.app.kept_warnings import exact_key
from scendsl.app.pipeline import load, monte_carlo_runs
from scendsl.app.sources import attach_sources
from scendsl.files import check_output_folder, out_of_date, write_output
from scendsl.report.pages import page_names, page_renderer, render_pages
from scendsl.report.render import TOPICAL_PAGES

#: Chart drawings kept between builds (the samples draw about 20; each is a few tens of kB).
MAX_KEPT_CHARTS = 200
#: HTML bodies kept between builds, by page text (the samples have 18 pages).
MAX_KEPT_BODIES = 100

if TYPE_CHECKING:
    from scendsl.catalog import Catalog
    from scendsl.report.render import Renderer


@dataclass
class _Evaluated:
    #: The scenario's `exact_key` (pydantic's == takes a field written at its default for one
    #: not written, which the model reads).
    key: Any
    result: Any
    nodes: dict[str, Any]
    #: The figures its views made (each with its derivation's HTML once shown), kept for the
    #: next build's view of the same result and Monte Carlo run (`run`).
    numbers: dict[str, Any] = field(default_factory=dict)
    run: Any = None
    #: The result at both ends of the default MFU's spread (None when the scenario gives its
    #: MFU): made with the result, as the figures depend on it.
    spread: Any = None


@dataclass
class _SweepRows:
    key: Any  # the sweep's `exact_key`
    indices: list[int]
    #: (variant name, sweep point, result, nodes, axis values) per tabulated variant.
    rows: list[tuple[str, dict[str, str], Any, dict[str, Any], dict[str, Any]]]


@dataclass
class _Page:
    key: Any
    markdown: bytes
    html: bytes


@dataclass
class _State:
    evaluated: dict[str, _Evaluated] = field(default_factory=dict)
    #: scenario name -> (its `exact_key`, its Monte Carlo run)
    runs: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    sweeps: dict[str, _SweepRows] = field(default_factory=dict)
    pages: dict[str, _Page] = field(default_factory=dict)
    charts: dict[str, str | None] = field(default_factory=dict)
    #: HTML body (`html_body`) by the rendered text it was converted from.
    bodies: dict[str, str] = field(default_factory=dict)
    templates: str = ""


class _CachedCharts:
    """The WorkSharer of an incremental build: pages converted here, charts drawn here once
    per content key and kept for the next build."""

    def __init__(
        self, charts: dict[str, str | None], bodies: dict[str, str], timings: dict[str, float]
    ) -> None:
        self.known = charts
        self.bodies = bodies
        self.wanted: dict[str, tuple[str, tuple[Any, ...]]] = {}
        self.pages: list[str] = []
        self.timings = timings
        #: How many pages were converted from Markdown to HTML (not kept from a build before).
        self.converted = 0

    def chart(self, key: str, job: tuple[str, tuple[Any, ...]]) -> None:
        self.wanted.setdefault(key, job)

    def page(self, text: str) -> None:
        self.pages.append(text)

    def finish(self) -> tuple[dict[str, str | None], list[str]]:
        from scendsl.report.render import html_body

        clock = time.perf_counter()
        bodies = []
        for text in self.pages:
            # html_body is a pure function of the text: a page whose words are unchanged
            # (only its numbers, which are tokens here) keeps its body.
            body = self.bodies.pop(text, None)
            if body is None:
                body = html_body(text)
                self.converted += 1
            self.bodies[text] = body  # put back last: most recently used
            bodies.append(body)
        self.timings["markdown to html"] = time.perf_counter() - clock
        clock = time.perf_counter()
        drawn = {}
        for key, job in self.wanted.items():
            if key in self.known:
                drawn[key] = self.known.pop(key)  # put back last: most recently used
            else:
                from scendsl.report.charts import draw

                drawn[key], _ = draw(job)
            self.known[key] = drawn[key]
        self.timings["charts"] = time.perf_counter() - clock
        return drawn, bodies


class IncrementalBuilder:
    """Builds the briefings of `paths` into `out_dir` again and again, redoing only what
    changed since its last build (see the module's docstring). Not thread-safe: one build at
    a time."""

    def __init__(
        self,
        paths: list[str],
        out_dir: str,
        templates_dir: str | None = None,
        samples: int = MONTE_CARLO_SAMPLES,
        seed: int | None = None,
    ) -> None:
        self.paths, self.out_dir, self.templates_dir = list(paths), out_dir, templates_dir
        self.samples, self.seed = samples, seed
        from scendsl.language.resolve import ParsedFiles

        self._state = _State()
        self._catalog: Catalog | None = None
        #: The last build's parsed files: an unchanged file is not parsed again.
        self._parsed = ParsedFiles()
        #: The pages rendered by the last build (for tests and the terminal).
        self.rendered: list[str] = []
        #: How many of those were converted from Markdown to HTML anew (the others' words were
        #: unchanged, only their numbers).
        self.converted = 0
        self._written = False
        #: The pages' Jinja environments and the templates stamp they were made under.
        self._kept_renderer: tuple[str, Renderer] | None = None

    def template_folders(self) -> list[Path]:
        """The folders whose files the pages are rendered from (watched by `serve`)."""
        from scendsl.report.loader import builtin_templates_dir

        folders = [Path(builtin_templates_dir())]
        if self.templates_dir is not None:
            folders.insert(0, Path(self.templates_dir))
        return folders

    def build(self, write: bool = True) -> BuildReport:
        """Build (and with `write`, write) every file; raises ScenarioError before anything is
        written, the last good output then stays."""
        timings: dict[str, float] = {}
        start = time.perf_counter()
        check_output_folder(self.out_dir, self.paths)
        with cyclic_gc_paused():
            files = self._files(timings)
        report = BuildReport(out_dir=self.out_dir, files=list(files), timings=timings)
        if write:
            clock = time.perf_counter()
            # Nothing rendered anew and the folder as this builder left it: nothing to write.
            if self.rendered or not self._written or out_of_date(files, Path(self.out_dir)):
                report.written, report.removed = write_output(files, Path(self.out_dir))
                self._written = True
            timings["write"] = time.perf_counter() - clock
        timings["total"] = time.perf_counter() - start
        return report

    def _files(self, timings: dict[str, float]) -> dict[str, bytes]:
        from scendsl.model.default_spread import default_spread
        from scendsl.model.evaluate import evaluate, nodes_for
        from scendsl.report.pages import attach_risks
        from scendsl.report.views import ScenarioView, VariantView

        clock = time.perf_counter()
        scenarios = load(self.paths, parsed=self._parsed)
        check_build_size(scenarios)
        if self._catalog is None:
            from scendsl.catalog import load_catalog

            self._catalog = load_catalog()
        catalog = self._catalog
        timings["load"] = time.perf_counter() - clock
        old, new = self._state, _State(charts=self._state.charts, bodies=self._state.bodies)
        new.templates = self._templates_stamp()

        clock = time.perf_counter()
        plain = list(scenarios.scenarios)
        if self.samples > 0:
            from scendsl.model.uncertainty import check_sample_budget

            check_sample_budget(plain, self.samples, catalog, together=False)
        pages = page_names([s.name for s in plain])
        keyed = {scenario.name: exact_key(scenario) for scenario in plain}
        views = []
        for scenario in plain:
            done = old.evaluated.get(scenario.name)
            if done is None or done.key != keyed[scenario.name]:
                result = evaluate(scenario, catalog)
                nodes = {node.name: node for node, _ in nodes_for(scenario, catalog)}
                done = _Evaluated(keyed[scenario.name], result, nodes)
                done.spread = default_spread(scenario, catalog, result)
            new.evaluated[scenario.name] = done
            views.append(ScenarioView(done.result, catalog, pages[scenario.name], done.nodes))
            views[-1].attach_default_spread(done.spread)
        attach_sources(views, plain, self._parsed.documents())
        by_name = {view.name: view for view in views}
        sweeps = []
        rows_left = MAX_BUILD_SWEEP_ROWS
        for sweep in scenarios.sweeps:
            indices = sweep_rows(sweep.size, rows_left)
            rows_left = max(rows_left - len(indices), 0)
            rows = old.sweeps.get(sweep.name)
            key = exact_key(sweep)
            if rows is None or rows.key != key or rows.indices != indices:
                rows = _SweepRows(key, indices, [])
                for index in indices:
                    variant = sweep.variant_at(index)
                    result = evaluate(variant, catalog)
                    nodes = {node.name: node for node, _ in nodes_for(variant, catalog)}
                    rows.rows.append(
                        (
                            variant.name,
                            dict(variant.sweep_point),
                            result,
                            nodes,
                            axis_values(sweep, index),
                        )
                    )
            new.sweeps[sweep.name] = rows
            variants = [
                VariantView(name, point, ScenarioView(result, catalog, "", nodes), values)
                for name, point, result, nodes, values in rows.rows
            ]
            sweeps.append(host_sweep(sweep, variants, by_name, catalog))
        timings["evaluate"] = time.perf_counter() - clock

        clock = time.perf_counter()
        for scenario in plain:
            previous = old.runs.get(scenario.name)
            if previous is not None and previous[0] == keyed[scenario.name]:
                new.runs[scenario.name] = previous
            else:
                run = monte_carlo_runs([scenario], self.samples, self.seed).get(scenario.name)
                new.runs[scenario.name] = (keyed[scenario.name], run)
        for view in views:
            run = new.runs[view.name][1]
            if run is not None:
                view.attach_run(run)
            # A figure is made from the result, its nodes and the run alone: the same ones
            # make the same figures, whose derivations need not be made and written again.
            done = new.evaluated[view.name]
            if done.run is not run:
                done.numbers, done.run = {}, run
            view._numbers = done.numbers
        attach_risks(views)
        timings["monte carlo"] = time.perf_counter() - clock

        # What each page shows, compared with what it showed in the last build.
        sweep_keys = {name: (rows.key, rows.indices) for name, rows in new.sweeps.items()}
        everything: tuple[Any, ...] = (
            new.templates,
            tuple(pages.items()),
            tuple((keyed[s.name], new.runs[s.name][1]) for s in plain),
            tuple(sweep_keys.items()),
        )
        if self.templates_dir is not None:  # the built-in set pages do not show the blocks
            everything += (tuple(view.source_text for view in views),)
        keys: dict[str, Any] = dict.fromkeys(TOPICAL_PAGES, everything)
        for view in views:
            hosted = tuple(sweep_keys[s.name] for s in view.sweeps)
            keys[view.page] = (
                everything
                if self.templates_dir is not None
                else (
                    new.templates,
                    view.page,
                    keyed[view.name],
                    view.source_text,
                    new.runs[view.name][1],
                    hosted,
                )
            )
        order = [*TOPICAL_PAGES, *(view.page for view in views)]
        stale = [
            name for name in order if name not in old.pages or old.pages[name].key != keys[name]
        ]

        files: dict[str, bytes] = {}
        converted = 0
        if stale:
            sharing = _CachedCharts(new.charts, new.bodies, timings)
            files = render_pages(
                views,
                sweeps,
                catalog,
                self.templates_dir,
                timings,
                sharing,
                only=set(stale),
                renderer=self._renderer(new.templates),
            )
            converted = sharing.converted
        for name in order:
            if name in stale:
                new.pages[name] = _Page(keys[name], files[f"{name}.md"], files[f"{name}.html"])
            else:
                new.pages[name] = old.pages[name]
        # The oldest drawings go once there are many: a long session of edits stays bounded.
        while len(new.charts) > MAX_KEPT_CHARTS:
            del new.charts[next(iter(new.charts))]
        while len(new.bodies) > MAX_KEPT_BODIES:
            del new.bodies[next(iter(new.bodies))]
        self._state = new
        self.rendered = stale
        self.converted = converted
        out: dict[str, bytes] = {}
        for name in order:
            out[f"{name}.md"] = new.pages[name].markdown
            out[f"{name}.html"] = new.pages[name].html
        return out

    def _renderer(self, templates: str) -> Renderer:
        """The pages' Jinja environments, made again only when a template changed (`templates`:
        `_templates_stamp`): otherwise the last build's, with the templates they loaded."""
        if self._kept_renderer is None or self._kept_renderer[0] != templates:
            self._kept_renderer = (templates, page_renderer(self.templates_dir))
        return self._kept_renderer[1]

    def _templates_stamp(self) -> str:
        """A digest of every template file's name and bytes: any edit renders every page."""
        from scendsl.app.cache import folder_digest

        # The cache's digest, not a second reading of the folder: it opens regular files only
        # (a FIFO there blocked every rebuild, a link to a device read for ever), in pieces.
        return "".join(folder_digest(str(folder)) for folder in self.template_folders())
