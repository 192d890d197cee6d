"""`scendsl build`: every briefing, in Markdown and HTML, written atomically.

Pages: one per scenario (`<name>.md/.html`), `index`, `landscape` (the article's competitive-
landscape table with the model's figures), and three topical briefings across scenarios:
`compute-divide`, `energy`, `risk`. A sweep is not a page per variant: it gets a table and a
trajectory chart in its base scenario's briefing (or in the index when the base is not built).

The build is all or nothing. Everything is loaded, evaluated and rendered in memory first; any
error (a scenario that does not load or evaluate, a template that fails) leaves the output folder
untouched. The new folder is then written next to the old one and swapped in, so the folder is
either as it was or completely new. `check=True` writes nothing and lists what is out of date.

Uncertainty: a scenario that carries ranges gets a Monte Carlo run (10,000 draws, a fixed seed)
and a sensitivity ranking (scendsl.model.uncertainty). Its briefing then shows each figure that
moves with the 90 % interval of its samples, each claim with the share of samples in which it
holds, and an "Uncertainty and sensitivity" section (an interval chart, a tornado chart, tables).
Numbers are computed here, never in templates.

Same inputs, same bytes: no timestamps, stable ordering, a fixed Monte Carlo seed, deterministic
charts.

Speed: on a machine with two or more cores a chart worker is forked, before anything is loaded:
it imports matplotlib (the slowest import of a build) on the second core while this process
imports the model, loads and evaluates, then draws each chart as soon as a template asks for it.
The Monte Carlo and the pages' conversion to HTML are done here (a second worker for them cost
more CPU than it saved: scendsl.app.pools). `SCENDSL_JOBS=1` keeps everything in one process;
the bytes are the same. No worker is forked while every core is busy.

With a build cache (`cache_dir`; scendsl.app.cache) a build whose every input is unchanged is
taken whole from the cache (nothing loaded or drawn), and otherwise each scenario page, chart
and HTML body already made is; either way the bytes are those of a build without it. Files whose bytes are
already in the output folder are not rewritten (scendsl.files.write_output).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scendsl.app.build_bounds import check_build_size
from scendsl.app.collector import cyclic_gc_paused
from scendsl.app.kept_warnings import exact_key
from scendsl.app.pipeline import MonteCarloRun, load, monte_carlo_runs
from scendsl.app.pools import WorkSharing, chart_pool, end_pool
from scendsl.app.sources import attach_sources
from scendsl.defaults import DEFAULT_SAMPLES
from scendsl.errors import quoting_from
from scendsl.files import check_output_folder, out_of_date, scenario_files, write_output
from scendsl.files.settled import ReadFiles
from scendsl.progress import Ticker, progress
from scendsl.report.pages import attach_risks, page_names, render_pages
from scendsl.report.render import TOPICAL_PAGES
from scendsl.report.views import MAX_SWEEP_VARIANTS, ScenarioView, SweepView, VariantView
from scendsl.report.views.variation import SWEEP_CATEGORY_COLUMNS, SWEEP_SUMMARY_METRICS
from scendsl.terminal import visible_path
from scendsl.wording import counted

if TYPE_CHECKING:
    from collections.abc import Mapping
    from multiprocessing.pool import Pool

    from scendsl.app.cache import BuildCache
    from scendsl.catalog import Catalog
    from scendsl.language.syntax import Document
    from scendsl.scenario import Scenario, ScenarioSet, Sweep

#: Monte Carlo draws per scenario with ranges (the seed is scendsl.defaults.DEFAULT_SEED).
MONTE_CARLO_SAMPLES = DEFAULT_SAMPLES
#: A bigger sweep's table: this many evenly spaced variants (the first and the last among them),
#: and the least, median and greatest figure over all its variants.
SWEEP_SAMPLE_ROWS = 11
#: Variants evaluated one by one for the sweep tables of one build, over all its sweeps: once
#: spent, each further sweep shows 3 (first, middle, last). A variant takes ~2 ms, so a file of
#: hundreds of sweeps cannot keep a build busy for minutes.
MAX_BUILD_SWEEP_ROWS = 2_000


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

    def status_line(self) -> str:
        """One line for the terminal (the stale files listed under it for a check)."""
        if self.stale:
            return (
                f"{counted(len(self.stale), 'file')} out of date in {visible_path(self.out_dir)}:\n"
                + "\n".join(f"  {line}" for line in self.stale)
            )
        if not self.written:
            return f"{visible_path(self.out_dir)} is up to date ({len(self.files)} files)"
        removed = f", removed {len(self.removed)} stale" if self.removed else ""
        return f"wrote {len(self.written)} files to {visible_path(self.out_dir)}{removed}"


def sweep_rows(size: int, rows_left: int) -> list[int]:
    """Which variants of a sweep of `size` a briefing tabulates, with `rows_left` of the build's
    MAX_BUILD_SWEEP_ROWS: all of a small sweep; else evenly spaced ones, first and last."""
    if size <= min(MAX_SWEEP_VARIANTS, rows_left):
        return list(range(size))
    count = min(size, SWEEP_SAMPLE_ROWS if rows_left >= SWEEP_SAMPLE_ROWS else 3)
    if count < 2:
        return list(range(count))
    return sorted({round(i * (size - 1) / (count - 1)) for i in range(count)})


def axis_values(sweep: Sweep, index: int) -> dict[str, Any]:
    """Each axis's resolved value (SweepAxis.values) at variant number `index` of the sweep
    (the order of Sweep.variant_at: the last axis runs fastest)."""
    values = {}
    for axis in reversed(sweep.axes):
        index, position = divmod(index, len(axis.labels))
        values[axis.path] = axis.values[position]
    return {axis.path: values[axis.path] for axis in sweep.axes}


def build(
    paths: list[str],
    out_dir: str,
    templates_dir: str | None = None,
    check: bool = False,
    samples: int = MONTE_CARLO_SAMPLES,
    seed: int | None = None,
    cache_dir: str | Path | None = None,
) -> BuildReport:
    """Build every briefing of the scenarios under `paths` into `out_dir`.

    Scenarios with ranges get a Monte Carlo run of `samples` draws (0: none) with `seed`
    (None: the fixed default of scendsl.model.uncertainty, so a build is reproducible).
    Raises ScenarioError (scenario or template problems) before anything is written.
    With `check`, writes nothing and reports the files that differ from a fresh build.
    With `cache_dir` (the command line passes scendsl.app.cache.default_cache_dir()), work done
    before is taken from the build cache there: the same bytes, sooner (scendsl.app.cache).
    """
    timings: dict[str, float] = {}
    start = time.perf_counter()
    check_output_folder(out_dir, paths)
    files = _cached_render(paths, templates_dir, timings, samples, seed, cache_dir)
    report = BuildReport(out_dir=out_dir, files=list(files), timings=timings)
    started = time.perf_counter()
    if check:
        report.stale = out_of_date(files, Path(out_dir))
        report.exit_code = 1 if report.stale else 0
    else:
        report.written, report.removed = write_output(files, Path(out_dir))
    timings["write"] = time.perf_counter() - started
    timings["total"] = time.perf_counter() - start
    return report


def _cached_render(
    paths: list[str],
    templates_dir: str | None,
    timings: dict[str, float],
    samples: int,
    seed: int | None,
    cache_dir: str | Path | None,
) -> dict[str, bytes]:
    """`render_files`, or the files of an earlier build whose every input is unchanged."""
    from scendsl.app.cache import build_key, folder_digest, open_cache

    clock, started_ns = time.perf_counter(), time.time_ns()
    cache = open_cache(Path(cache_dir)) if cache_dir is not None else None
    discovered = _discovered(paths) if cache is not None else None
    key = templates = None
    if cache is not None and discovered is not None:
        templates = folder_digest(templates_dir)
        key = build_key(cache, paths, templates, samples, seed, discovered)
        files = cache.load_build(key)
        timings["build cache"] = time.perf_counter() - clock
        if files is not None:
            return files
    read = ReadFiles()  # each file stamped as the load reads it (files.settled)
    files = render_files(paths, templates_dir, timings, samples, seed, cache=cache, read=read)
    # Not recorded when a template changed while the build read them (scenario files: see
    # keep_build).
    if cache is not None and key is not None and folder_digest(templates_dir) == templates:
        clock = time.perf_counter()
        cache.keep_build(key, read, files, started_ns)
        timings["keeping the build"] = time.perf_counter() - clock
    if cache is not None:
        cache.trim()
    return files


def _discovered(paths: list[str]) -> list[str] | None:
    """The scenario files `paths` name (None when any is refused: the build then says why)."""
    from scendsl.errors import DiagnosticSink

    sink = DiagnosticSink()
    files = scenario_files(list(paths), sink)
    return None if sink.has_errors else files


def render_files(
    paths: list[str],
    templates_dir: str | None = None,
    timings: dict[str, float] | None = None,
    samples: int = MONTE_CARLO_SAMPLES,
    seed: int | None = None,
    *,
    cache: BuildCache | None = None,
    read: dict[str, str] | None = None,
) -> dict[str, bytes]:
    """Every output file by name, rendered in memory (nothing touches the disk but `cache`).

    Charts and HTML bodies found in `cache` are taken from it, and new ones kept there; `read`
    receives every scenario file read (shown path -> real path).
    """
    with cyclic_gc_paused():
        return _load_and_render(
            paths, templates_dir, timings if timings is not None else {}, samples, seed, cache, read
        )


def _load_and_render(
    paths: list[str],
    templates_dir: str | None,
    timings: dict[str, float],
    samples: int,
    seed: int | None,
    cache: BuildCache | None = None,
    read: dict[str, str] | None = None,
) -> dict[str, bytes]:
    # The chart worker is forked first: it imports matplotlib (the slowest import of a build)
    # on the second core while this process imports the model, loads and evaluates. Not when
    # these scenarios were built before with this cache: their charts are then mostly in it,
    # and the few that are not are drawn here rather than paying for the import on spec.
    charts = chart_pool() if cache is None or not cache.seen(paths) else None
    try:
        clock = time.perf_counter()
        from scendsl.catalog import load_catalog
        from scendsl.language.resolve import ParsedFiles

        parsed = ParsedFiles()  # the texts loaded: the pages show their blocks, not a re-read
        scenarios = load(paths, visited=read, parsed=parsed)
        check_build_size(scenarios)
        catalog = load_catalog()
        timings["load"] = time.perf_counter() - clock
        with build_progress(scenarios, samples) as ticker, quoting_from(scenarios.texts):
            files = _render_files(
                scenarios,
                catalog,
                templates_dir,
                timings,
                samples,
                seed,
                charts,
                ticker,
                cache,
                documents=parsed.documents(),
            )
        if cache is not None:
            cache.mark_seen(paths)
        return files
    finally:
        if charts is not None:
            end_pool(charts)


def host_sweep(
    sweep: Sweep,
    variants: list[VariantView],
    by_name: dict[str, ScenarioView],
    catalog: Catalog,
) -> SweepView:
    """A sweep's view, shown on its base scenario's page when that scenario is built (else on
    the index). When its table shows only some variants, the min/median/max over every variant
    are evaluated here (vectorised), not while a template renders."""
    host = by_name.get(sweep.base)
    view = SweepView(sweep, variants, host.page if host is not None else "index")
    if view.sampled:
        from scendsl.model.sweep import evaluate_sweep

        # The export status too: a category that differs only in variants the table leaves
        # out must not be said to be "the same in every variant".
        table = evaluate_sweep(
            sweep, catalog, nodes=[*SWEEP_SUMMARY_METRICS, *SWEEP_CATEGORY_COLUMNS]
        )
        view.attach_spreads(
            table.spreads(),
            varying={name: table.distinct(name) > 1 for name in SWEEP_CATEGORY_COLUMNS},
        )
    if host is not None:
        host.sweeps.append(view)
    return view


def _render_files(
    scenarios: ScenarioSet,
    catalog: Catalog,
    templates_dir: str | None,
    timings: dict[str, float],
    samples: int,
    seed: int | None,
    chart_workers: Pool | None = None,
    ticker: Ticker | None = None,
    cache: BuildCache | None = None,
    *,
    documents: Mapping[str, Document],
) -> dict[str, bytes]:
    from scendsl.model.default_spread import default_spread
    from scendsl.model.evaluate import evaluate, nodes_for

    ticker = ticker or Ticker()

    plain = list(scenarios.scenarios)
    if samples > 0:  # refused before any work starts
        from scendsl.model.uncertainty import check_sample_budget

        check_sample_budget(plain, samples, catalog, together=False)
    # Runs made before with this cache are taken from it: after an edit, only the edited
    # scenarios' (there is nothing to run for a scenario without ranges).
    kept_runs, run_keys = find_runs(cache, plain, samples, seed)
    to_run = [scenario for scenario in plain if scenario.name in run_keys]

    clock = time.perf_counter()
    pages = page_names([s.name for s in scenarios.scenarios])
    views: list[ScenarioView] = []
    for scenario in scenarios.scenarios:
        ticker.advance()
        result = evaluate(scenario, catalog)
        nodes = {node.name: node for node, _ in nodes_for(scenario, catalog)}
        views.append(ScenarioView(result, catalog, pages[scenario.name], nodes))
        views[-1].attach_default_spread(default_spread(scenario, catalog, result))
    attach_sources(views, scenarios.scenarios, documents)
    by_name = {view.name: view for view in views}
    sweeps: list[SweepView] = []
    tabulated: dict[str, tuple[Sweep, list[int]]] = {}
    rows_left = MAX_BUILD_SWEEP_ROWS
    for sweep in scenarios.sweeps:
        variants = []
        indices = sweep_rows(sweep.size, rows_left)
        tabulated[sweep.name] = (sweep, indices)
        rows_left = max(rows_left - len(indices), 0)
        # One by one, not with the vectorised engine (model.sweep.evaluate_sweep): a table row
        # is a whole ScenarioView (derivations, sources, notes for the caveats), which the
        # engine's number columns do not carry. The rows are few (MAX_BUILD_SWEEP_ROWS); the
        # summaries over every variant of a big sweep are vectorised (evaluate_sweep below).
        for index in indices:
            ticker.advance()
            variant = sweep.variant_at(index)
            result = evaluate(variant, catalog)
            nodes = {node.name: node for node, _ in nodes_for(variant, catalog)}
            variants.append(
                VariantView(
                    variant.name,
                    dict(variant.sweep_point),
                    ScenarioView(result, catalog, "", nodes),
                    axis_values(sweep, index),
                )
            )
        sweeps.append(host_sweep(sweep, variants, by_name, catalog))
    timings["evaluate"] = time.perf_counter() - clock

    clock = time.perf_counter()
    if samples > 0:
        ticker.describe(f"Monte Carlo ({samples:,} samples)")
    runs = monte_carlo_runs(to_run, samples, seed)
    timings["monte carlo"] = time.perf_counter() - clock
    if cache is not None:
        keep_runs(cache, run_keys, runs)
        runs = {**runs, **kept_runs}
    for view in views:  # before any figure of a view is read: figures take their intervals
        if view.name in runs:
            view.attach_run(runs[view.name])
    attach_risks(views)
    ticker.advance(2 if samples > 0 else 1)
    ticker.describe("rendering")

    sharing = WorkSharing(timings, chart_workers, cache)
    if cache is None or templates_dir is not None:
        # User templates may show anything on any page: every page depends on everything.
        return render_pages(views, sweeps, catalog, templates_dir, timings, sharing)
    clock = time.perf_counter()
    keys = scenario_page_keys(cache, plain, views, tabulated, pages, samples, seed)
    found = {page: cache.find_page(key) for page, key in keys.items()}
    timings["pages from the cache"] = time.perf_counter() - clock
    order = [*TOPICAL_PAGES, *(view.page for view in views)]
    only = {page for page in order if found.get(page) is None}
    made = render_pages(views, sweeps, catalog, templates_dir, timings, sharing, only=only)
    files: dict[str, bytes] = {}
    for page in order:
        both = found.get(page)
        if both is None:
            both = made[f"{page}.md"], made[f"{page}.html"]
            if page in keys:
                cache.keep_page(keys[page], *both)
        files[f"{page}.md"], files[f"{page}.html"] = both
    return files


#: What a kept Monte Carlo run is made of (scendsl.files.kept.unpickle_only makes no other class).
_RUN_CLASSES = frozenset(
    [
        ("scendsl.app.pipeline", "MonteCarloRun"),
        ("scendsl.model.laws", "InputLaw"),
        ("scendsl.scenario", "Uncertain"),
        *(
            ("scendsl.model.uncertainty", name)
            for name in ("ClaimProbability", "MetricSensitivity", "Sensitivity", "Summary", "Swing")
        ),
    ]
)


def find_runs(
    cache: BuildCache | None, plain: list[Scenario], samples: int, seed: int | None
) -> tuple[dict[str, Any], dict[str, str]]:
    """(the Monte Carlo runs of `plain` found in the build cache, by scenario name; the cache
    key of each scenario whose run is still to make). A run is made from its scenario as
    resolved, `samples` and `seed` alone (each scenario's draws are its own); the catalog and
    the model's code are in every key (the fingerprint). Without a cache every scenario with
    ranges is to run, each under an empty key."""
    if samples <= 0:
        return {}, {}
    from scendsl.model.uncertainty import has_uncertainty

    uncertain = [scenario for scenario in plain if has_uncertainty(scenario)]
    if cache is None:
        return {}, {scenario.name: "" for scenario in uncertain}
    from scendsl.files.kept import unpickle_only

    found: dict[str, Any] = {}
    keys: dict[str, str] = {}
    for scenario in uncertain:
        key = cache.key("run", str(samples), repr(seed), exact_key(scenario))
        entry = cache.get("run", key)
        run = unpickle_only(entry, _RUN_CLASSES) if entry is not None else None
        if isinstance(run, MonteCarloRun) and run.scenario == scenario.name:
            found[scenario.name] = run
        elif entry == b"-":  # no input drawn: no run
            continue
        else:
            keys[scenario.name] = key
    return found, keys


def keep_runs(cache: BuildCache, keys: dict[str, str], runs: dict[str, Any]) -> None:
    """Keep each run made under its key (`find_runs`): `-` for a scenario that has none."""
    import pickle

    for name, key in keys.items():
        run = runs.get(name)
        cache.put("run", key, b"-" if run is None else pickle.dumps(run, pickle.HIGHEST_PROTOCOL))


def scenario_page_keys(
    cache: BuildCache,
    plain: list[Scenario],
    views: list[ScenarioView],
    tabulated: dict[str, tuple[Sweep, list[int]]],
    pages: dict[str, str],
    samples: int,
    seed: int | None,
) -> dict[str, str]:
    """The build cache's key of each scenario's page, with the built-in templates: what the
    page shows is made from its scenario as resolved (with all it inherited), its block as
    written, its Monte Carlo run (the scenario, `samples`, `seed`), the sweeps it hosts (each
    with the variants its table shows) and the pages' names; the catalog, the templates and
    the code are in every key (the cache's fingerprint). So after an edit of one file only the
    pages of the scenarios it changed are rendered again, with the topical pages, which show
    every scenario.

    A resolved model is keyed by its `exact_key` (its `repr` does not say which fields were
    written, which the model reads)."""
    shared = (str(samples), repr(seed), repr(sorted(pages.items())))
    keys = {}
    for scenario, view in zip(plain, views, strict=True):
        hosted = [
            repr((exact_key(tabulated[sweep.name][0]), tabulated[sweep.name][1]))
            for sweep in view.sweeps
        ]
        keys[view.page] = cache.key(
            "page", view.page, *shared, exact_key(scenario), view.source_text or "", *hosted
        )
    return keys


def build_progress(scenarios: ScenarioSet, samples: int) -> Any:
    """A progress bar on the terminal (nothing when stderr is piped) over a build's steps: each
    scenario and sweep row evaluated, the Monte Carlo runs, the rendering."""
    rows, rows_left = 0, MAX_BUILD_SWEEP_ROWS
    for sweep in scenarios.sweeps:
        count = len(sweep_rows(sweep.size, rows_left))
        rows, rows_left = rows + count, max(rows_left - count, 0)
    steps = len(scenarios.scenarios) + rows + (1 if samples > 0 else 0) + 1
    return progress(steps, "evaluating")
