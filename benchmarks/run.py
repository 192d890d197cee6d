"""The project's one benchmark harness: one line per figure, `name value unit`.

    python benchmarks/run.py            # every figure
    python benchmarks/run.py parse eval # only some groups

Figures are wall-clock on this machine (report the machine with them); each is the best of a few
runs, which is the figure least disturbed by other load.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Fresh processes per figure (the best is reported); BENCH_RUNS=3 for a quicker, rougher run.
RUNS = int(os.environ.get("BENCH_RUNS", "7"))
SKETCH = ROOT / "tests" / "fixtures" / "sketch" / "language-sketch.scn"
GROUPS: dict[str, callable] = {}


def group(name):
    def register(function):
        GROUPS[name] = function
        return function

    return register


def report(name: str, value: float, unit: str) -> None:
    print(f"{name} {value:.4g} {unit}", flush=True)


def best_of(runs: int, function, clock=time.perf_counter) -> float:
    best = float("inf")
    for _ in range(runs):
        start = clock()
        function()
        best = min(best, clock() - start)
    return best


_KEPT_CACHES: list[Path] = []


def _kept_caches() -> Path:
    """The harness's own cache folder (made once, removed at exit): the grammar's analysis and
    the compiled templates of the processes measured, as a user's ~/.cache/scendsl holds them."""
    if not _KEPT_CACHES:
        import atexit

        folder = Path(tempfile.mkdtemp(prefix="scendsl-bench-caches-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        _KEPT_CACHES.append(folder)
    return _KEPT_CACHES[0]


def cold(args: list[str], runs: int | None = None, before=None, **env_vars: str) -> float:
    """Wall time of a fresh `python -m scendsl ...` process (see `cold_with_cpu`)."""
    return cold_with_cpu(args, runs, before, **env_vars)[0]


def cold_with_cpu(
    args: list[str], runs: int | None = None, before=None, **env_vars: str
) -> tuple[float, float]:
    """(wall, CPU) seconds of the best of `runs` fresh `python -m scendsl ...` processes; the
    CPU is that of the process and of every worker it started (each is waited for).

    With bytecode caching on, as for a user: `pip install` compiles the package, so a shell
    that sets PYTHONDONTWRITEBYTECODE would otherwise measure recompiling our sources each run.
    The caches, as a user's cold process has them: the grammar's analysis, the compiled
    templates, the catalog as read, the charts' text layouts and the checks' outputs (`kept`:
    the data files' parses, the validated catalog, `chart_kit.keep_text_extents`,
    `app.kept_check`) are kept (in a folder of the harness's own, filled by the warm-up run),
    the build cache is not (its `v1` folder is removed before each run), unless
    `SCENDSL_CACHE_DIR` is given in `env_vars` (then every cache is kept there). SCENDSL_CACHE_DIR="" would turn off every
    cache (`files.private.cache_root`), and add the grammar's analysis (~20 ms) and the
    catalog's reading (~30 ms) to every figure. `before()` runs before each process, outside
    the timing.
    """
    import resource

    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["SCENDSL_CACHE_DIR"] = str(_kept_caches())
    env.update(env_vars)
    no_build_cache = "SCENDSL_CACHE_DIR" not in env_vars

    def cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    def run() -> tuple[float, float]:
        if no_build_cache:
            shutil.rmtree(_kept_caches() / "v1", ignore_errors=True)
        if before is not None:
            before()
        used, start = cpu(), time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "scendsl", *args],
            cwd=ROOT,
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        return time.perf_counter() - start, cpu() - used

    run()  # warm the OS file cache and Python's bytecode cache
    results = [run() for _ in range(RUNS if runs is None else min(runs, RUNS))]
    return min(wall for wall, _ in results), min(used for _, used in results)


@group("check")
def bench_check() -> None:
    wall, cpu = cold_with_cpu(["check", "scenarios"])
    report("check_cold", wall, "s")
    # CPU of the same runs: what the wall time is on an idle machine, read on a busy one.
    report("check_cold_cpu", cpu, "s")
    report("check_sketch_cold", cold(["check", str(SKETCH)]), "s")

    # The check itself, as after an edit of a scenario file: the kept output forgotten (it
    # is written again only while every file the check read is unchanged: app.kept_check),
    # the catalog and the data files' parses kept.
    def forget_output() -> None:
        for entry in (_kept_caches() / "kept").glob("check-*"):
            entry.unlink()

    wall, cpu = cold_with_cpu(["check", "scenarios"], before=forget_output)
    report("check_cold_edited", wall, "s")
    report("check_cold_edited_cpu", cpu, "s")

    # The same with only the whole output forgotten (as after an option changed, `--strict`):
    # each scenario's warnings and each file's parse kept (app.kept_warnings, kept_parses).
    def forget_whole_output() -> None:
        whole = re.compile(r"check-[0-9a-f]{24}\.pickle")
        for entry in (_kept_caches() / "kept").glob("check-*"):
            if whole.fullmatch(entry.name):
                entry.unlink()

    wall, cpu = cold_with_cpu(["check", "scenarios"], before=forget_whole_output)
    report("check_cold_parts_kept", wall, "s")
    report("check_cold_parts_kept_cpu", cpu, "s")

    # What a user feels after editing one file: a line added at the top of the samples' file
    # with the most scenarios (each of its scenarios moves: its file is parsed and resolved
    # again; a scenario that only moved keeps its warnings, app.kept_warnings), the other
    # files' parses kept. A copy of the samples is edited, a new line count each run.
    copy = _kept_caches() / "edited" / "scenarios"
    shutil.copytree(ROOT / "scenarios", copy, dirs_exist_ok=True)
    edited, original, edits = copy / "colossus2.scn", (copy / "colossus2.scn").read_text(), []

    def edit_one_file() -> None:
        edits.append(None)
        edited.write_text("# edited\n" * len(edits) + original)

    wall, cpu = cold_with_cpu(["check", str(copy)], before=edit_one_file)
    report("check_cold_one_edited", wall, "s")
    report("check_cold_one_edited_cpu", cpu, "s")

    # The same file with one value edited, a new one each run: the root scenario's PUE, which
    # its five variants inherit, so these six scenarios are evaluated again.
    assert "pue 1.25" in original
    values = iter(range(1, 1000))

    def edit_one_value() -> None:
        edited.write_text(original.replace("pue 1.25", f"pue 1.{next(values):03d}", 1))

    wall, cpu = cold_with_cpu(["check", str(copy)], before=edit_one_value)
    report("check_cold_one_value_edited", wall, "s")
    report("check_cold_one_value_edited_cpu", cpu, "s")

    # The first check after an install or an edit of the catalog's data: nothing kept yet (the
    # data files are parsed whole and the catalog validated, then kept for the next run).
    def forget_kept() -> None:
        shutil.rmtree(_kept_caches() / "kept", ignore_errors=True)

    report("check_cold_nothing_kept", cold(["check", "scenarios"], before=forget_kept), "s")
    report(
        "python_startup", best_of(7, lambda: subprocess.run([sys.executable, "-c", "pass"])), "s"
    )
    # What part of check_cold is imports alone (CPU of a fresh process that only imports what
    # `check` imports), and how much of that the libraries it stands on take: the floor that
    # no change to the check's own work can go under.
    report("check_imports_cpu", cold_python_cpu(CHECK_IMPORTS), "s")
    report("check_library_imports_cpu", cold_python_cpu(CHECK_LIBRARY_IMPORTS), "s")


#: What `scendsl check` imports (its command, the loader, the model, the warnings), as the
#: command does (the collector paused, no pydantic plugins looked for: `cli.run`), and the
#: libraries of it: pydantic's models and Lark's parser.
CHECK_IMPORTS = (
    "import gc; gc.disable(); from scendsl.cli import _without_pydantic_plugins; "
    "_without_pydantic_plugins(); import scendsl.language.resolve, scendsl.language.parse, "
    "scendsl.model.evaluate, scendsl.report.warnings, scendsl.app.pipeline"
)
CHECK_LIBRARY_IMPORTS = (
    "import gc; gc.disable(); from pydantic import BaseModel, Field; import lark.lark"
)


def cold_python_cpu(code: str) -> float:
    """CPU seconds (the least of RUNS) of a fresh `python -c code` in the project's folder."""
    import resource

    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["SCENDSL_CACHE_DIR"] = str(_kept_caches())

    def run() -> float:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, env=env)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        return (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)

    run()
    return min(run() for _ in range(RUNS))


def generated_text(target_bytes: int) -> str:
    """A large valid file: many scenarios shaped like the sketch's."""
    block = SKETCH.read_text().split("# Inheritance")[0].replace('import "references.scn"', "")
    parts, size, index = [], 0, 0
    while size < target_bytes:
        chunk = block.replace("scenario colossus2 ", f"scenario s{index} ")
        parts.append(chunk)
        size += len(chunk)
        index += 1
    return "".join(parts)


@group("parse")
def bench_parse() -> None:
    from scendsl.language.parse import parse

    text = generated_text(5 * 1024 * 1024)
    parse(generated_text(100_000), "warm.scn")
    # The default token limit (25,000) keeps hostile files fast to refuse; a 5 MB file of trusted
    # scenarios is parsed with the limit raised, as `--max-tokens` does.
    seconds = best_of(2, lambda: parse(text, "big.scn", max_tokens=10**8))
    report("parse_throughput", len(text.encode()) / seconds / 1e6, "MB/s")


@group("eval")
def bench_eval() -> None:
    """One scenario evaluated again and again, every sample in turn, and the catalog's
    reading; where an evaluation's time goes (by part, node and feature):
    benchmarks/profile_eval.py."""
    import scendsl
    from scendsl.model.evaluate import evaluate

    scenarios = scendsl.load(str(ROOT / "scenarios"))
    scenario = scenarios.get("colossus2")
    evaluate(scenario)
    runs = 200
    seconds = best_of(3, lambda: [evaluate(scenario) for _ in range(runs)]) / runs
    report("eval_one_scenario", seconds * 1e3, "ms")
    # CPU of the same loop: what the wall time is on an idle machine, read on a busy one.
    cpu = best_of(3, lambda: [evaluate(scenario) for _ in range(runs)], time.process_time) / runs
    report("eval_one_scenario_cpu", cpu * 1e3, "ms")
    # Every plain sample in turn (the same scenario is never evaluated twice in a row): what
    # a figure reused from the evaluation before is worth across a set, not only for a repeat.
    plain = list(scenarios.scenarios)
    for each in plain:
        evaluate(each)
    rounds = max(1, runs // len(plain))
    cpu = best_of(3, lambda: [evaluate(s) for _ in range(rounds) for s in plain], time.process_time)
    report("eval_each_sample_cpu", cpu / (rounds * len(plain)) * 1e3, "ms")
    # Reading the catalog's data files once (every command does it): target < 20 ms of CPU.
    from importlib.resources import files

    from scendsl.catalog.load import _load_from

    directory = files("scendsl.catalog")
    _load_from(directory)
    load = best_of(5, lambda: _load_from(directory), time.process_time)
    report("catalog_load_cpu", load * 1e3, "ms")


@group("templates")
def bench_templates() -> None:
    """CPU time of the samples' templates (`Renderer.render`, every page of a build summed;
    the charts and the HTML conversion apart), in this process: the built-in set as a build
    without `--templates` runs it (the trusted environment), and the same folder named as a
    user's (the sandbox): what the sandbox's checks cost on the built-in set."""
    from scendsl.app.build import render_files
    from scendsl.report.loader import builtin_templates_dir
    from scendsl.report.render import Renderer

    saved = {name: os.environ.get(name) for name in ("SCENDSL_JOBS", "SCENDSL_CACHE_DIR")}
    os.environ["SCENDSL_JOBS"] = "1"  # no workers
    os.environ["SCENDSL_CACHE_DIR"] = str(_kept_caches())  # compiled templates kept
    paths = [str(ROOT / "scenarios")]
    spent = [0.0]
    render = Renderer.render

    def timed(self, *args, **kwargs):
        started = time.process_time()
        try:
            return render(self, *args, **kwargs)
        finally:
            spent[0] += time.process_time() - started

    def rendering(folder: str | None) -> float:
        spent[0] = 0.0
        render_files(paths, folder, samples=0)
        return spent[0]

    Renderer.render = timed
    try:
        for name, folder in (
            ("templates_trusted_cpu", None),
            ("templates_sandboxed_cpu", str(builtin_templates_dir())),
        ):
            rendering(folder)  # compiles the templates into the kept cache
            report(name, min(rendering(folder) for _ in range(RUNS)), "s")
    finally:
        Renderer.render = render
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@group("build")
def bench_build() -> None:
    """The samples' build from a fresh process: with no cache (into an emptied folder), one
    process without workers, and with a warm build cache: nothing changed into an empty folder
    (`build_cached`) and into the folder it wrote (`build_unchanged`: nothing rewritten), and
    one scenario edited before each run (`build_one_edit`: its charts and pages made again)."""
    work = Path(tempfile.mkdtemp(prefix="scendsl-bench-"))
    out, cache, scenarios = work / "out", work / "cache", work / "scenarios"
    shutil.copytree(ROOT / "scenarios", scenarios)
    try:

        def empty_out() -> None:
            shutil.rmtree(out, ignore_errors=True)

        args = ["build", "scenarios", "-o", str(out)]
        wall, cpu = cold_with_cpu(args, before=empty_out)
        report("build_cold", wall, "s")
        report("build_cold_cpu", cpu, "s")
        wall, cpu = cold_with_cpu(args, before=empty_out, SCENDSL_JOBS="1")
        report("build_cold_one_process", wall, "s")
        report("build_cold_one_process_cpu", cpu, "s")

        # The first build after an install or an upgrade of matplotlib: no text layout kept,
        # every chart's text laid out.
        def forget_layouts() -> None:
            empty_out()
            (_kept_caches() / "kept" / "chart-text-extents.pickle").unlink(missing_ok=True)

        wall, cpu = cold_with_cpu(args, before=forget_layouts, SCENDSL_JOBS="1")
        report("build_cold_one_process_layouts_not_kept", wall, "s")
        report("build_cold_one_process_layouts_not_kept_cpu", cpu, "s")

        cached = {"SCENDSL_CACHE_DIR": str(cache)}
        wall, cpu = cold_with_cpu(args, before=empty_out, **cached)
        report("build_cached", wall, "s")
        report("build_cached_cpu", cpu, "s")
        wall, cpu = cold_with_cpu(args, **cached)
        report("build_unchanged", wall, "s")
        report("build_unchanged_cpu", cpu, "s")

        edited = scenarios / "colossus2.scn"
        original = edited.read_text(encoding="utf-8")
        assert "pue 1.25" in original
        edits = iter(range(1, 1000))

        def edit() -> None:
            edited.write_text(original.replace("pue 1.25", f"pue 1.{next(edits):03d}", 1))

        edit_args = ["build", str(scenarios), "-o", str(work / "edited")]
        cold_with_cpu(edit_args, runs=1, **cached)  # the cache holds these scenarios' parts
        wall, cpu = cold_with_cpu(edit_args, runs=5, before=edit, **cached)
        report("build_one_edit", wall, "s")
        report("build_one_edit_cpu", cpu, "s")
    finally:
        shutil.rmtree(work, ignore_errors=True)


NOTEBOOK_CELLS = [
    "import scendsl\nfrom scendsl.model.evaluate import evaluate\n"
    "import matplotlib.pyplot as plt\nfrom IPython.display import Markdown, display",
    "scenarios = scendsl.load({folder!r})\nnames = {names!r}\n"
    "results = {{n: evaluate(scenarios.get(n)) for n in names}}",
    "for name, result in results.items():\n"
    "    rows = ['| metric | value |', '|---|---|']\n"
    "    rows += [f'| {{k}} | {{m.value}} {{m.unit}} |' for k, m in sorted(result.metrics.items())]\n"
    "    display(Markdown(f'## {{name}}\\n' + '\\n'.join(rows)))",
    "for metric in ['energy.facility_power', 'cluster.peak']:\n"
    "    figure, axes = plt.subplots(figsize=(6.4, 2.5))\n"
    "    axes.barh(names, [float(results[n].value(metric)) for n in names])\n"
    "    axes.set_title(metric)\n    plt.show()",
]


@group("notebook")
def bench_notebook() -> None:
    """The route analysts use today: a notebook of five sample scenarios (their tables and two
    charts) executed to HTML by `jupyter nbconvert`, against `build_cold` of all the samples;
    needs the `bench` extra (nbconvert, ipykernel)."""
    try:
        import nbformat
        from nbconvert import HTMLExporter
        from nbconvert.preprocessors import ExecutePreprocessor  # noqa: F401
    except ImportError as error:
        print(f"notebook_ratio skipped: {error.name} is not installed (the 'bench' extra)")
        return
    del HTMLExporter
    names = ["colossus2", "colossus2_h100", "bench_b200", "bench_gb200", "bench_h100"]
    cells = [c.format(folder=str(ROOT / "scenarios"), names=names) for c in NOTEBOOK_CELLS]
    with tempfile.TemporaryDirectory() as folder:
        notebook = Path(folder) / "five.ipynb"
        document = nbformat.v4.new_notebook()
        document.cells = [nbformat.v4.new_code_cell(cell) for cell in cells]
        nbformat.write(document, str(notebook))
        command = [sys.executable, "-m", "jupyter", "nbconvert", "--execute", "--to", "html"]
        command += ["--output-dir", folder, str(notebook)]

        def convert() -> tuple[float, float]:
            import resource

            def cpu() -> float:
                usage = resource.getrusage(resource.RUSAGE_CHILDREN)
                return usage.ru_utime + usage.ru_stime

            used, start = cpu(), time.perf_counter()
            subprocess.run(command, check=True, capture_output=True, cwd=folder)
            return time.perf_counter() - start, cpu() - used

        convert()
        runs = [convert() for _ in range(3)]
        seconds, seconds_cpu = min(w for w, _ in runs), min(c for _, c in runs)
    work = Path(tempfile.mkdtemp(prefix="scendsl-bench-"))
    out = work / "out"
    try:
        args = ["build", "scenarios", "-o", str(out)]

        def empty_out() -> None:
            shutil.rmtree(out, ignore_errors=True)

        build, build_cpu = cold_with_cpu(args, runs=3, before=empty_out)
        cached = {"SCENDSL_CACHE_DIR": str(work / "cache")}
        build_cached, _ = cold_with_cpu(args, runs=3, before=empty_out, **cached)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report("notebook_five_scenarios", seconds, "s")
    report("notebook_five_scenarios_cpu", seconds_cpu, "s")
    report("notebook_ratio", seconds / build, "x")  # against a build with no cache
    report("notebook_cpu_ratio", seconds_cpu / build_cpu, "x")
    report("notebook_ratio_cached", seconds / build_cached, "x")


# ------------------------------------------------------------------ uncertainty and sweeps
SWEEP_TEMPLATE = """
sweep bench_sweep from colossus2 {{
  cluster.accelerator [GB200, H100]
  year           2024 .. 2028
  cluster.count  {first} .. {last}
}}
"""
#: colossus2 lays its model out as tensor 8 × pipeline 16: a smaller cluster is refused.
SWEEP_FIRST_COUNT = 128


def sweep_text(variants: int) -> str:
    """scenarios/colossus2.scn plus a sweep of `variants` (2 accelerators × 5 years × counts)."""
    return (ROOT / "scenarios" / "colossus2.scn").read_text() + SWEEP_TEMPLATE.format(
        first=SWEEP_FIRST_COUNT, last=SWEEP_FIRST_COUNT + variants // 10 - 1
    )


@group("mc")
def bench_mc() -> None:
    import scendsl
    from scendsl.catalog import load_catalog
    from scendsl.model.uncertainty import sample

    catalog = load_catalog()
    scenario = scendsl.load(str(ROOT / "scenarios")).get("colossus2_uncertain")
    sample(scenario, 1_000, catalog=catalog)  # warm caches

    def run():
        sample(scenario, 100_000, catalog=catalog).summaries()

    report("mc_100k_samples", best_of(5, run), "s")


_SWEEP_1M_CHILD = """
import resource, sys, time
sys.path.insert(0, {root!r})
import scendsl
from scendsl.catalog import load_catalog
from scendsl.model.sweep import evaluate_sweep
catalog = load_catalog()
sweep = scendsl.load({text!r}, max_variants=2_000_000).sweeps[-1]
start = time.perf_counter()
evaluate_sweep(sweep, catalog).spreads()
elapsed = time.perf_counter() - start
print(elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


@group("sweep")
def bench_sweep() -> None:
    import scendsl
    from scendsl.catalog import load_catalog
    from scendsl.model.evaluate import evaluate
    from scendsl.model.sweep import evaluate_sweep
    from scendsl.scenario import apply_sweep_point

    catalog = load_catalog()
    sweep = scendsl.load(sweep_text(100_000), max_variants=200_000).sweeps[-1]
    evaluate_sweep(sweep, catalog, chunk=1_000)  # warm caches
    vectorised = best_of(3, lambda: evaluate_sweep(sweep, catalog).spreads())
    report("sweep_100k_variants", vectorised, "s")

    # One by one, on 200 variants spread over the sweep.
    shape = tuple(len(axis.labels) for axis in sweep.axes)
    import numpy

    picks = numpy.linspace(0, sweep.size - 1, 200).astype(int)
    variants = [
        apply_sweep_point(sweep, tuple(int(i) for i in numpy.unravel_index(p, shape)))
        for p in picks
    ]
    per_variant = best_of(3, lambda: [evaluate(v, catalog) for v in variants]) / len(variants)
    report("sweep_vectorised_speedup", per_variant * sweep.size / vectorised, "x")

    # A million variants in a fresh process, for its peak memory.
    child = _SWEEP_1M_CHILD.format(root=str(ROOT), text=sweep_text(1_000_000))
    times, peaks = [], []
    for _ in range(2):
        output = subprocess.run(
            [sys.executable, "-c", child], cwd=ROOT, check=True, capture_output=True, text=True
        ).stdout.split()
        times.append(float(output[0]))
        peaks.append(float(output[1]))
    report("sweep_1m_variants", min(times), "s")
    report("sweep_1m_peak_memory", max(peaks), "MB")


@group("validation")
def bench_validation() -> None:
    """Model error against published measurements (validation/cases.toml), not a timing."""
    sys.path.insert(0, str(ROOT))
    from validation.run import run, summarise

    summary = summarise(run())
    report("validation_cases", summary.cases, "cases")
    # The median and the maximum are over the cases with an error; a memory fit has none.
    report("validation_cases_with_error", summary.with_error, "cases")
    report("validation_median_error", summary.median_error * 100, "%")
    report("validation_max_error", summary.max_error * 100, "%")
    report("validation_within_tolerance", summary.within, "cases")
    report("validation_over_30_percent", summary.far_off, "cases")
    report("validation_memory_fit_cases", summary.memory_fits, "cases")
    report("validation_memory_fit_within", summary.memory_fits_within, "cases")
    report("validation_not_expressible", summary.not_expressible, "cases")
    # The cases written after the model (held_out): what to expect on cases a reviewer holds back.
    report("validation_held_out_cases", summary.held_out, "cases")
    report("validation_held_out_median_error", summary.held_out_median_error * 100, "%")
    report("validation_held_out_max_error", summary.held_out_max_error * 100, "%")
    report("validation_held_out_over_30_percent", summary.held_out_far_off, "cases")
    # The second measure: cases whose scenario leans on the default MFU get a range from its
    # spread; how many published figures lie inside it (all cases, then the held-out ones).
    report("validation_default_range_cases", summary.default_range_cases, "cases")
    report("validation_within_default_range", summary.within_default_range, "cases")
    report("validation_held_out_default_range_cases", summary.held_out_default_range_cases, "cases")
    report(
        "validation_held_out_within_default_range", summary.held_out_within_default_range, "cases"
    )


def lsp_text(lines: int = 200) -> str:
    """A sample scenario file grown to `lines` lines with renamed copies of its first scenario."""
    text = (ROOT / "scenarios" / "colossus2.scn").read_text("utf-8")
    block = text[text.index("scenario colossus2 {") : text.index("# The article's market table")]
    index = 0
    while text.count("\n") + block.count("\n") + 1 <= lines:
        text += "\n" + block.replace("scenario colossus2 {", f"scenario copy{index} {{")
        index += 1
    return text + "# padding\n" * (lines - text.count("\n"))


@group("lsp")
def bench_lsp() -> None:
    """A keystroke in a 200-line file: from `didChange` sent to its diagnostics received, through
    a real `scendsl lsp` over stdio (median of 30 keystrokes)."""
    import json
    import statistics

    try:
        import pygls  # noqa: F401
    except ImportError:
        print("lsp: skipped (install the 'lsp' extra)", file=sys.stderr)
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "keystrokes.scn"
        text = lsp_text()
        path.write_text(text, "utf-8")
        uri = path.as_uri()
        server = subprocess.Popen(
            [sys.executable, "-m", "scendsl", "lsp"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=ROOT,
        )

        def send(method: str, params: dict, id_: int | None = None) -> None:
            message = {"jsonrpc": "2.0", "method": method, "params": params}
            if id_ is not None:
                message["id"] = id_
            body = json.dumps(message).encode()
            server.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            server.stdin.flush()

        def receive() -> dict:
            length = 0
            while line := server.stdout.readline().strip():
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            return json.loads(server.stdout.read(length))

        def diagnostics() -> list:
            while True:
                message = receive()
                if message.get("method") == "textDocument/publishDiagnostics":
                    return message["params"]["diagnostics"]

        send(
            "initialize",
            {"processId": None, "rootUri": Path(folder).as_uri(), "capabilities": {}},
            1,
        )
        while receive().get("id") != 1:
            pass
        send("initialized", {})
        send(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "scendsl", "version": 1, "text": text}},
        )
        errors = [d for d in diagnostics() if d.get("severity") == 1]  # warnings are fine
        assert errors == [], "the benchmark file should be free of errors"
        times = []
        for version in range(2, 32):
            # Alternately a typo and its fix: half the keystrokes report an error.
            changed = (
                text.replace("count       100k", "count       100kk", 1) if version % 2 else text
            )
            start = time.perf_counter()
            send(
                "textDocument/didChange",
                {
                    "textDocument": {"uri": uri, "version": version},
                    "contentChanges": [{"text": changed}],
                },
            )
            diagnostics()
            times.append(time.perf_counter() - start)
        send("shutdown", None, 2)
        send("exit", None)
        server.wait(timeout=10)
    report("lsp_diagnostics_ms", statistics.median(times) * 1000, "ms")
    report("lsp_diagnostics_max_ms", max(times) * 1000, "ms")


# ------------------------------------------------------------------ serve and incremental builds
def _sample_copy() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="scendsl-bench-"))
    shutil.copytree(ROOT / "scenarios", folder / "scenarios")
    return folder


def _one_line_change(folder: Path, run: int) -> None:
    """A one-line change in a sample scenario: xAI Memphis's accelerator count, a new value
    each run (so its charts are drawn anew, as after a real edit)."""
    path = folder / "scenarios" / "landscape.scn"
    text = path.read_text()
    path.write_text(
        re.sub(r"count       [0-9]+k  #", f"count       {101 + run}k  #", text, count=1)
    )


@group("serve")
def bench_serve() -> None:
    """`build_incremental`: a second build in the same process after a one-line change
    (rendering and writing); `serve_rebuild`: from the file write to the reload event of a
    running `scendsl serve`."""
    import gc
    import signal
    import urllib.request

    from scendsl.app.collector import IdleCollection
    from scendsl.app.incremental import IncrementalBuilder

    folder = _sample_copy()
    # As `serve` rebuilds (LiveServer.rebuild): the cyclic collector paused during a build and
    # let run once the process is idle, here between builds, outside the timing.
    collection = IdleCollection(idle=0.05)
    try:
        builder = IncrementalBuilder([str(folder / "scenarios")], str(folder / "out"))
        with collection.burst():
            builder.build()
        times, renders, cpus = [], [], []
        for run in range(7):
            _one_line_change(folder, run)
            deadline = time.monotonic() + 5
            while not gc.isenabled() and time.monotonic() < deadline:
                time.sleep(0.01)
            gc.collect(0)  # the collection the idle moment lets run
            start, used = time.perf_counter(), time.process_time()
            with collection.burst():
                built = builder.build()
            times.append(time.perf_counter() - start)
            cpus.append(time.process_time() - used)
            renders.append(times[-1] - built.timings.get("write", 0.0))
        report("build_incremental", min(times), "s")
        # CPU of the same builds: what the wall time is on an idle machine, read on a busy one.
        report("build_incremental_cpu", min(cpus), "s")
        report("build_incremental_without_write", min(renders), "s")
    finally:
        collection.close()
        shutil.rmtree(folder, ignore_errors=True)

    folder = _sample_copy()
    log = folder / "serve.log"
    with open(log, "w") as handle:
        server = subprocess.Popen(
            [sys.executable, "-m", "scendsl", "serve", "scenarios", "--port", "0"],
            cwd=folder,
            stdout=handle,
            stderr=subprocess.STDOUT,
            # Ctrl-C as at a terminal: a harness started in the background (`run.py &` in a
            # script) has SIGINT ignored, which its children inherit, and serve never stopped.
            preexec_fn=_interruptible,
        )
    try:
        deadline = time.monotonic() + 120
        while not (found := re.search(r"http://127\.0\.0\.1:([0-9]+)/", log.read_text())):
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"serve did not start: {log.read_text()}")
            time.sleep(0.05)
        url = f"http://127.0.0.1:{found.group(1)}/__scendsl/events"
        times = []
        with urllib.request.urlopen(url, timeout=60) as stream:
            for run in range(7):
                _one_line_change(folder, run)
                start = time.perf_counter()
                while not stream.readline().startswith(b"event: "):
                    pass
                times.append(time.perf_counter() - start)
                stream.readline()  # the event's data
        report("serve_rebuild", min(times), "s")
        report("serve_rebuild_median", sorted(times)[len(times) // 2], "s")
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            print("serve did not stop on Ctrl-C within 30 s; killed", file=sys.stderr)
            server.kill()
            server.wait()
        shutil.rmtree(folder, ignore_errors=True)


def _interruptible() -> None:
    """In a child before it runs: SIGINT as a terminal's Ctrl-C delivers it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def main(argv: list[str]) -> int:
    chosen = argv or list(GROUPS)
    unknown = [name for name in chosen if name not in GROUPS]
    if unknown:
        print(
            f"unknown group(s): {', '.join(unknown)}; known: {', '.join(GROUPS)}", file=sys.stderr
        )
        return 2
    os.chdir(ROOT)
    for name in chosen:
        GROUPS[name]()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
