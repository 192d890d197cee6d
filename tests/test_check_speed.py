"""What makes `scendsl check` and one evaluation fast must not change what they say.

The grid data is parsed one region at a time, export decisions are memoised per catalog, chip,
region and date, and the per-node parts of a result are worked out once per set of references:
each test here pins that the fast path gives what the plain one gives.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from importlib.resources import files
from pathlib import Path

import pytest

import scendsl
from scendsl.catalog import grid
from scendsl.catalog.entries import _ISO_FILE
from scendsl.catalog.load import _FILES, _load_from, load_catalog
from scendsl.files import kept
from scendsl.model.evaluate import evaluate

SAMPLES = Path(__file__).resolve().parent.parent / "scenarios"
CATALOG_FILES = (*_FILES, _ISO_FILE)  # the loader's own list of data files


@pytest.mark.parametrize("file", ["grid.toml", "electricity_prices.toml"])
def test_grid_region_parsed_alone_equals_whole_file(file: str) -> None:
    """Every code's tables, parsed alone, are what parsing the whole file gives (the split
    used without a cache folder; test_kept_cache checks the kept whole parse)."""
    kept._private_kept.cache_clear()
    for memo in (grid._data, grid._sections, grid._entry):
        memo.cache_clear()
    assert not kept.caching()  # the tests run with SCENDSL_CACHE_DIR empty
    whole = tomllib.loads(grid._text(file))
    assert grid._sections(file) is not None, "the shipped layout should be split, not parsed whole"
    for code, entry in whole.items():
        assert grid._entry(file, code) == entry, code
    assert grid._entry(file, "ZZ-NOWHERE") is None


def test_grid_index_groups_a_codes_tables_wherever_they_are() -> None:
    text = (
        "# comment\n[FR]\nname = 'France'\n[DE.grid_intensity]\n'2020' = 1\n"
        "['US-TX']\nname = 'Texas'\n[FR.grid_intensity]\n'2021' = 2\n"
    )
    index = grid._index(text)
    assert index is not None
    fr = tomllib.loads("".join(text[a:b] for a, b in index["FR"]))
    assert fr == {"FR": tomllib.loads(text)["FR"]}
    assert set(index) == {"FR", "DE", "US-TX"}


@pytest.mark.parametrize(
    "text",
    [
        "[[FR]]\nname = 'x'\n",  # an array of tables
        "[FR]\nnote = '''\n[DE]\n'''\n",  # a header-like line inside a multi-line string
        '[FR]\nname = "x"\n["DE"]\nname = "y"\n',  # a double-quoted key
        "[FR]\nname = 'x'\n  [DE]\nname = 'y'\n",  # an indented header
        "FR.name = 'x'\n[DE]\nname = 'y'\n",  # keys before the first table
    ],
)
def test_grid_index_refuses_layouts_it_cannot_split(text: str) -> None:
    """Anything but the generated layout is parsed whole (None), never split wrongly."""
    assert grid._index(text) is None


def _evaluated(name: str, catalog=None):
    scenarios = scendsl.load(str(SAMPLES))
    return evaluate(scenarios.get(name), catalog)


def test_export_decision_memo_keeps_catalogs_apart(tmp_path: Path) -> None:
    """A memoised decision of the shipped catalog is never reused for another catalog."""
    source = files("scendsl.catalog")
    for name in CATALOG_FILES:
        text = (source / name).read_text(encoding="utf-8")
        if name == "export_rules.toml":
            for status in ("allowed", "notification", "licence_required", "case_by_case"):
                text = text.replace(f"status = '{status}'", "status = 'presumption_of_denial'")
        (tmp_path / name).write_text(text, encoding="utf-8")
    shipped = _evaluated("china_h20_cn")
    stricter = _evaluated("china_h20_cn", _load_from(tmp_path))
    assert shipped["export.status"].value != "presumption_of_denial"
    assert stricter["export.status"].value == "presumption_of_denial"
    assert _evaluated("china_h20_cn")["export.status"].value == shipped["export.status"].value


def test_evaluating_twice_gives_the_same_result() -> None:
    """The memoised and per-plan parts give the first evaluation's result again."""
    first = _evaluated("gulf_gb200_ae")
    again = _evaluated("gulf_gb200_ae", load_catalog())
    assert again.inputs == first.inputs
    assert again.metrics == first.metrics
    assert again.claims == first.claims


def _modules_after_check(env: dict[str, str]) -> str:
    code = (
        "import sys\n"
        "from scendsl.cli import _without_pydantic_plugins\n"
        "_without_pydantic_plugins()\n"
        "import scendsl\n"
        "from scendsl.app.pipeline import check_warnings\n"
        f"assert check_warnings(scendsl.check([{str(SAMPLES)!r}]))\n"
        "print('importlib.metadata' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    return done.stdout.strip()


def test_check_command_does_not_look_for_pydantic_plugins() -> None:
    """The command's pydantic builds its models without reading every package's entry points
    (importlib.metadata and the scan were 40-75 ms of `scendsl check`); naming plugins to skip keeps them."""
    env = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    assert _modules_after_check(env) == "False"
    assert _modules_after_check({**env, "PYDANTIC_DISABLE_PLUGINS": "some_plugin"}) == "True"


def test_metric_result_unfrozen_keeps_equality_hash_repr_and_replace() -> None:
    """MetricResult is a slots dataclass without `frozen` (frozen fields cost a fifth of an
    evaluation): equal results still compare and hash equal, and repr and replace still work."""
    import dataclasses

    from scendsl.model import evaluate as evaluation

    first = _evaluated("colossus2")
    # Made anew, not reused from the evaluation before (evaluate shares equal results).
    evaluation._INPUT_RESULTS.clear()
    again = _evaluated("colossus2")
    one, other = first["cluster.count"], again["cluster.count"]
    assert one == other and one is not other
    assert hash(one) == hash(other)
    assert {one, other} == {one}
    assert repr(one).startswith("MetricResult(name='cluster.count', kind='input', value=")
    changed = dataclasses.replace(one, value=7)
    assert changed.value == 7 and changed != one and one.value != 7
    assert not hasattr(one, "__dict__")  # slots: a misspelt attribute cannot be set


def _openblas_threads_after_main(env: dict[str, str]) -> str:
    code = (
        "import os, sys\n"
        "from scendsl.cli import main\n"
        "assert 'numpy' not in sys.modules, 'numpy imported before main could set its threads'\n"
        # Monte Carlo of the uncertain sample: numpy's arrays (check imports no numpy).
        f"assert main(['eval', '--format', 'json', {str(SAMPLES / 'colossus2.scn')!r}]) == 0\n"
        "assert 'numpy' in sys.modules\n"
        "print(os.environ['OPENBLAS_NUM_THREADS'])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    return done.stdout.splitlines()[-1]


def test_command_line_starts_one_openblas_thread_unless_told() -> None:
    """numpy's OpenBLAS started a thread per core on import (35-50 ms of `scendsl check`, when
    it imported numpy); the command line asks for one before numpy is imported, and a user's
    own setting is kept."""
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    assert _openblas_threads_after_main(env) == "1"
    assert _openblas_threads_after_main({**env, "OPENBLAS_NUM_THREADS": "3"}) == "3"


@pytest.mark.parametrize(
    "argv",
    [
        ["check", str(SAMPLES)],
        ["eval", str(SAMPLES)],
        ["explain", str(SAMPLES / "colossus2.scn"), "colossus2", "energy.facility_power"],
        ["list", "accelerators"],
    ],
    ids=lambda argv: argv[0],
)
def test_commands_run_without_cycle_collection_and_turn_it_back_on(argv: list[str]) -> None:
    """The collector walked start-up's long-lived objects again and again while a command ran
    (a tenth of `scendsl check`'s CPU, 6 % of `eval`'s: 148 collections in `eval` of the
    samples, 46 in `list`): off while any command but the long-running ones runs, on again
    afterwards for whoever called `main`."""
    code = (
        "import contextlib, gc, io, sys\n"
        "runs = []\n"
        "gc.callbacks.append(lambda phase, info: runs.append(1) if phase == 'start' else None)\n"
        "from scendsl import cli\n"
        f"command = cli.COMMANDS[{argv[0]!r}]\n"
        "def counted(args):\n"
        "    before = len(runs)\n"
        "    code = command(args)\n"
        "    print(len(runs) - before, file=sys.stderr)\n"
        "    return code\n"
        f"cli.COMMANDS[{argv[0]!r}] = counted\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    assert cli.main({argv!r}) == 0\n"
        "print(gc.isenabled())\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    collections = int(done.stderr.split()[-1])
    assert collections < 3
    assert done.stdout.split() == ["True"]


def test_only_commands_that_exist_are_long_running() -> None:
    """The commands left with the collector on (they run until stopped) are real ones."""
    from scendsl.cli import COMMANDS, LONG_RUNNING

    assert LONG_RUNNING == {"serve", "lsp"} and LONG_RUNNING <= set(COMMANDS)


def test_console_check_does_not_collect_after_it_is_done() -> None:
    """Turning the collector back on at the end of the console script's `check` started one
    collection of every object the check had made (~12 ms) in a process about to exit: the
    console script (`run`, which ends the process) leaves the collector off."""
    code = (
        "import gc, os, sys\n"
        "from scendsl import cli\n"
        "check = cli.COMMANDS['check']\n"
        "state = {'checking': False}\n"
        "def observed(args):\n"
        "    state['checking'] = True\n"
        "    return check(args)\n"
        "cli.COMMANDS['check'] = observed\n"
        "def note(phase, info):\n"
        "    if phase == 'start' and state['checking']:\n"
        "        os.write(1, b'collected\\n')\n"
        "gc.callbacks.append(note)\n"
        f"sys.argv = ['scendsl', 'check', {str(SAMPLES)!r}]\n"
        "cli.run()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "ok: " in done.stderr
    assert done.stdout.count("collected") == 0


#: What renders briefings and terminals, writes workbooks, watches files or serves editors:
#: `check` prints plain diagnostics and needs none of it.
RENDERING = (
    "rich",
    "jinja2",
    "markdown",
    "matplotlib",
    "pygments",
    "nh3",
    "pycountry",
    "openpyxl",
    "watchfiles",
    "pygls",
    "lsprotocol",
)


def test_check_imports_no_numpy() -> None:
    """numpy's import was some 60 ms of `scendsl check`. A plain scenario's numbers are
    Python's (scendsl.model.scalar: cbrt, log and power by `math` within `python_math`, which
    check asks for), and arrays are made only for sweeps and Monte Carlo, which check does not
    run: a module-level `import numpy` on check's way, or a formula that calls numpy on plain
    numbers, fails this."""
    assert _imported_by_check(("numpy",)) == []


def test_check_imports_no_rendering_library() -> None:
    """Each of these costs `scendsl check` 10-100 ms of start-up; the warnings it prints are
    plain text, so none may be imported on its way (text or JSON diagnostics alike)."""
    assert _imported_by_check(RENDERING) == []


def _imported_by_check(modules: tuple[str, ...]) -> list[str]:
    """Which of `modules` a fresh process has imported after `scendsl check` of the samples,
    with text and with JSON diagnostics."""
    code = (
        "import sys\n"
        "from scendsl.cli import main\n"
        f"assert main(['check', {str(SAMPLES)!r}]) == 0\n"
        f"assert main(['check', '--format', 'json', {str(SAMPLES)!r}]) == 0\n"
        f"print('imported:', *(m for m in {modules!r} if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()[-1].split()[1:]


def test_check_does_not_import_the_listings_for_the_list_commands_choices() -> None:
    """The command line's parser offers `scendsl list`'s kinds from scendsl.defaults: importing
    the listings module for them cost every `scendsl check` 2-4 ms of start-up."""
    code = (
        "import sys\n"
        "from scendsl.cli import build_parser, main\n"
        "build_parser().parse_args(['list', 'rules'])\n"
        f"assert main(['check', {str(SAMPLES)!r}]) == 0\n"
        "print('scendsl.report.listing' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "False"


def test_list_kinds_are_the_kinds_the_listings_make() -> None:
    """Every kind the parser offers is one `scendsl list` makes, and no other."""
    from scendsl.cli import build_parser
    from scendsl.report.listing import KINDS, LISTINGS

    assert tuple(LISTINGS) == KINDS
    for kind in KINDS:
        assert build_parser().parse_args(["list", kind]).kind == kind
    with pytest.raises(SystemExit):
        build_parser().parse_args(["list", "chips"])


def test_compiled_toml_parser_reads_every_shipped_file_as_the_standard_library() -> None:
    """The catalog is parsed with tomli (compiled: ~10 ms less of `scendsl check`) rather
    than the standard library's tomllib, its pure-Python copy: the same data, to the type."""
    import tomli

    catalog = files("scendsl.catalog")
    names = sorted(entry.name for entry in catalog.iterdir() if entry.name.endswith(".toml"))
    assert "accelerators.toml" in names and "warnings.toml" in names
    for name in names:
        text = catalog.joinpath(name).read_text(encoding="utf-8")
        fast, plain = tomli.loads(text), tomllib.loads(text)
        assert fast == plain, name
        assert repr(fast) == repr(plain), name  # 1 and 1.0, dates, nesting order


def test_check_parses_each_shipped_catalog_file_once() -> None:
    """The resolver's names and the evaluator's catalog come from the same files: `check`
    parsed accelerators.toml and three others twice (some 6 ms). The shared parse gives the
    catalog a folder read afresh gives."""
    code = (
        "import scendsl\n"
        "from scendsl.app.pipeline import check_warnings\n"
        "from scendsl.catalog.load import _FILES\n"
        "from scendsl.language.names import shipped_file\n"
        f"check_warnings(scendsl.check([{str(SAMPLES)!r}]))\n"
        "info = shipped_file.cache_info()\n"
        "print(info.hits, info.misses, len(_FILES))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    hits, misses, files = map(int, done.stdout.split())
    assert misses == files  # each catalog file parsed once, by whichever asked first
    assert hits >= 4  # accelerators, energy, regions, references: names first, then the catalog
    assert _load_from(Path(scendsl.__file__).parent / "catalog") == load_catalog()


def test_found_unfrozen_keeps_equality_and_hash_and_catalog_lookups_shared() -> None:
    """Found is a slots dataclass without `frozen` (a hundred per evaluation): equal look-ups
    still compare and hash equal, and a catalog figure's Found, and a scenario's written
    value's for the same scenario, is the same object each time (which is why nothing may
    change one)."""
    from scendsl.model.context import Context, Found

    scenario = scendsl.load(str(SAMPLES)).get("colossus2")
    loaded_again = scendsl.load(str(SAMPLES)).get("colossus2")  # equal, not the same object
    catalog = load_catalog()
    first, again = Context(scenario, catalog), Context(loaded_again, catalog)
    count, count_again = (
        first.scenario_value("cluster.count"),
        again.scenario_value("cluster.count"),
    )
    assert count == count_again and count is not count_again
    assert hash(count) == hash(count_again)
    assert Context(scenario, catalog).scenario_value("cluster.count") is count
    assert first.accelerator_figure("tdp") is again.accelerator_figure("tdp")
    assert repr(Found(1.0, "here")).startswith("Found(value=1.0, origin='here', source=None")
    assert not hasattr(count, "__dict__")


#: Modules of the sampled (Monte Carlo, sweep, default-spread) and output paths: they work on
#: arrays of samples or write files, and `scendsl check` does neither, so none is on its way.
#: A check of the samples' sweeps evaluates each variant as a plain scenario.
SAMPLED_AND_OUTPUT = (
    "scendsl.model.uncertainty",
    "scendsl.model.sweep",
    "scendsl.model.default_spread",
    "scendsl.model.trace",
    "scendsl.app.pools",
    "scendsl.report.export",
    "scendsl.report.tables",
    "scendsl.report.diff_json",
    "scendsl.report.diff_sweeps",
)


def test_check_imports_no_sampled_or_output_path() -> None:
    """Each module here costs start-up it does not need; one imported at the top of a module
    `check` reads pulls its whole path in (text or JSON diagnostics alike)."""
    assert _imported_by_check(SAMPLED_AND_OUTPUT) == []
