"""Work the rendering of a build does once, not per figure (issue 16): the same output, less
repeated work."""

import time
from pathlib import Path

import pytest

import scendsl
from scendsl.model.evaluate import evaluate
from scendsl.report.views.figures import DerivationParts, derivation


@pytest.fixture(scope="module")
def colossus2():
    return evaluate(scendsl.load("scenarios/colossus2.scn").get("colossus2"))


def test_derivations_sharing_parts_equal_derivations_made_alone(colossus2):
    parts = DerivationParts(colossus2)
    names = [*colossus2.metrics, *colossus2.inputs]
    for name in names:
        assert derivation(colossus2, name, parts) == derivation(colossus2, name), name


def test_derivations_of_one_scenario_write_each_input_entry_once(colossus2):
    # The scenario's ~200 derivations name each input many times: each input's entry (its value
    # formatted, its provenance) is made once and shared, not made again per derivation.
    parts = DerivationParts(colossus2)
    seen: dict[str, dict] = {}
    shared = 0
    for name in colossus2.metrics:
        for child in derivation(colossus2, name, parts)["inputs"]:
            if child["kind"] != "input":
                continue
            if child["name"] in seen:
                assert child is seen[child["name"]]
                shared += 1
            seen[child["name"]] = child
    assert shared > 0


def test_derivations_of_one_scenario_write_each_metric_input_entry_once(colossus2):
    # A metric is an input of several others: its entry there (with its own inputs by name and
    # value) is made once and shared, as an input's is.
    parts = DerivationParts(colossus2)
    seen: dict[str, dict] = {}
    shared = 0
    for name in colossus2.metrics:
        for child in derivation(colossus2, name, parts)["inputs"]:
            if child["kind"] == "input":
                continue
            if child["name"] in seen:
                assert child is seen[child["name"]]
                shared += 1
            seen[child["name"]] = child
    assert shared > 0


def test_derivation_html_keeping_its_entries_reads_as_made_alone(colossus2):
    # A page keeps the HTML of each input entry its derivations show (entries are shared
    # between the derivations of one result): the same HTML, each entry written once.
    from scendsl.report.render import derivation_html

    parts = DerivationParts(colossus2)
    items: dict = {}
    shown = 0
    for name in [*colossus2.metrics, *colossus2.inputs]:
        tree = derivation(colossus2, name, parts)
        assert derivation_html(tree, items) == derivation_html(derivation(colossus2, name))
        shown += len(tree.get("inputs") or [])
    assert 0 < len(items) < shown


def test_derivation_parts_of_another_result_are_not_used(colossus2):
    other = evaluate(scendsl.load("scenarios/colossus2.scn").get("colossus2_h100"))
    parts = DerivationParts(other)
    name = "cluster.peak_fp8"
    assert derivation(colossus2, name, parts) == derivation(colossus2, name)
    assert derivation(colossus2, name, parts)["value"] != derivation(other, name)["value"]


def test_markdown_converter_does_not_search_installed_packages_for_its_extensions():
    # Extensions named by string are looked up among every installed package's entry points
    # (importlib.metadata): ~20 ms of each process that converts a page.
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from scendsl.report.render import markdown_to_html\n"
        "assert markdown_to_html('| a |\\n|---|\\n| b |').startswith('<table>')\n"
        "print('importlib.metadata' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_extrapolated_inputs_make_figures_only_of_inputs_extrapolated():
    # A sweep's variants list their extrapolated inputs; making a figure of each of their ~150
    # inputs to read its note was a third of the figures a build made.
    from scendsl.catalog import load_catalog
    from scendsl.model.evaluate import nodes_for
    from scendsl.report.views import ScenarioView
    from scendsl.report.views.figures import extrapolated_inputs

    catalog = load_catalog()
    scenario = scendsl.load("scenarios/colossus2.scn").get("colossus2")
    result = evaluate(scenario, catalog)
    nodes = {node.name: node for node, _ in nodes_for(scenario, catalog)}
    view = ScenarioView(result, catalog, "colossus2", nodes)
    rows = extrapolated_inputs(view)
    assert rows
    made = set(view._numbers)
    assert made and all(view.input_extrapolated(name) for name in made)
    assert len(made) < len(result.inputs) / 4
    fresh = ScenarioView(result, catalog, "colossus2", nodes)
    assert all(
        (fresh.input_extrapolated(name) is not None) == fresh.m(name).extrapolated
        for name in result.inputs
    )


_BUILD_AND_SAY_HOW_MATPLOTLIB_WAS_IMPORTED = """
import sys
from scendsl.app import pools
from scendsl.app.build import build
if sys.argv[3] == "ends":
    pools.drawing_process_ends_after_the_build()
assert "matplotlib" not in sys.modules
build(["scenarios/colossus2.scn"], sys.argv[1], samples=0)
from matplotlib.lines import Line2D
print(len(Line2D.set.__doc__ or ""))
"""


def test_a_build_process_that_ends_after_it_imports_matplotlib_lean_for_its_charts(tmp_path):
    # A command-line build on a busy machine draws its charts itself: matplotlib was imported
    # with every Artist's `set()` docstring written (~0.08 s CPU), which nothing then reads.
    import os
    import subprocess
    import sys

    def run(out, mode: str) -> int:
        done = subprocess.run(
            [sys.executable, "-c", _BUILD_AND_SAY_HOW_MATPLOTLIB_WAS_IMPORTED, str(out), "", mode],
            env=dict(os.environ, SCENDSL_JOBS="1", SCENDSL_CACHE_DIR=""),
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        return int(done.stdout.split()[-1])

    lean, usual = run(tmp_path / "lean", "ends"), run(tmp_path / "usual", "goes on")
    assert lean < usual / 2  # the property list of set() was not written
    names = sorted(p.name for p in (tmp_path / "usual").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "lean").iterdir())
    for name in names:  # the same charts
        assert (tmp_path / "lean" / name).read_bytes() == (tmp_path / "usual" / name).read_bytes()


def test_scenario_source_highlighted_by_the_shared_lexer_and_formatter_reads_as_by_new_ones():
    # scn_html keeps one lexer and one formatter per process (a new formatter builds its style
    # sheet again): texts highlighted one after another read as each highlighted alone.
    from pygments import highlight
    from pygments.formatters import HtmlFormatter

    from scendsl.pygments_lexer import ScendslLexer
    from scendsl.report.highlight import scn_html

    texts = [path.read_text(encoding="utf-8") for path in sorted(Path("scenarios").glob("*.scn"))]
    texts += ['scenario "a" { note: "<b>&" }', ""]
    for text in texts + texts[::-1]:
        assert scn_html(text) == highlight(text, ScendslLexer(), HtmlFormatter(nowrap=True))


def test_the_time_budget_reads_the_cpu_clock_once_every_few_template_operations(
    tmp_path, monkeypatch
):
    # The CPU clock is a system call: read at every attribute, call and filter of a template it
    # was a tenth of the rendering time of a build.
    from scendsl.report import sandbox
    from scendsl.report.render import Page, Renderer

    folder = tmp_path / "tpl"
    folder.mkdir()
    operations = 3000
    (folder / "x.md.j2").write_text(
        "{% set d = {'a': 'b'} %}" + "{{ d.a|upper }}" * (operations // 2), encoding="utf-8"
    )
    renderer = Renderer(str(folder))
    clock = time.process_time
    readings = []

    def counted() -> float:
        readings.append(1)
        return clock()

    monkeypatch.setattr(time, "process_time", counted)
    text = renderer.render("x.md.j2", Page("x"), {})
    monkeypatch.undo()
    assert text == "B" * (operations // 2)
    assert 0 < len(readings) <= operations // sandbox.CLOCK_EVERY + 10


def test_a_template_of_operations_without_loops_still_stops_at_the_time_budget(
    tmp_path, monkeypatch
):
    from scendsl.report import sandbox
    from scendsl.report.render import Page, Renderer, TemplateProblem

    folder = tmp_path / "tpl"
    folder.mkdir()
    # A macro doubling its work at each level: calls and attributes, no loop.
    (folder / "x.md.j2").write_text(
        "{% macro f(n) %}{% if n < 40 %}{{ f(n + 1) }}{{ f(n + 1) }}{% endif %}{% endmacro %}"
        "{{ f(0) }}",
        encoding="utf-8",
    )
    monkeypatch.setattr(sandbox, "RENDER_SECONDS", 0.3)
    renderer = Renderer(str(folder))
    started = time.process_time()
    with pytest.raises(TemplateProblem, match=r"longer than 0\.3 s"):
        renderer.render("x.md.j2", Page("x"), {})
    assert time.process_time() - started < 3


def test_values_a_markdown_template_prints_are_escaped_by_finalize_alone(tmp_path):
    # finalize makes Markup of every value (escaped for Markdown): the compiled template does
    # not escape its result again (a copy of every value printed), in an autoescape block or not.
    from scendsl.report.render import Page, Renderer

    folder = tmp_path / "tpl"
    folder.mkdir()
    body = (
        "{{ v }} {{ v|upper }}\n"
        "{% autoescape false %}{{ v }}{% endautoescape %}\n"
        "{% autoescape true %}{{ v }}{% endautoescape %}\n"
    )
    (folder / "x.md.j2").write_text(body, encoding="utf-8")
    renderer = Renderer(str(folder))
    assert "escape(environment.finalize" not in renderer.markdown_env.compile(body, raw=True)
    page = Page("x")
    text = renderer.markdown_file(renderer.render("x.md.j2", page, {"v": "<b>[x](y)</b>"}), page)
    escaped, upper = r"&lt;b&gt;\[x\](y)&lt;/b&gt;", r"&lt;B&gt;\[X\](Y)&lt;/B&gt;"
    assert text == f"{escaped} {upper}\n{escaped}{escaped}\n"  # (a block eats its newline)
    # The HTML page's template has no finalize: what it prints is escaped by autoescape.
    html_code = renderer.html_env.compile("{{ v }}", raw=True)
    assert "escape(" in html_code


def test_formatted_values_kept_once_made_are_told_apart_by_type():
    # format_value keeps the text of each (value, dimension) it made: True, 1 and 1.0 are equal
    # keys to a dict but read differently, and a value's text is the same made or kept.
    from scendsl.report.numbers import _format, format_value

    assert format_value(True, "power") == "yes"
    assert format_value(1, "power") == "1 W"
    assert format_value(1.0, "power") == "1 W"
    assert format_value(False, "fraction") == "no"
    assert format_value(0, "fraction") == "0%"
    values = [None, True, 0, 1, 2.5e6, -3.0, float("nan"), float("inf"), "h100_sxm", 2027]
    values += [{"grid": 1.5e8, "solar": 2e7}]
    for value in values:
        for dimension in ("power", "currency", "year", "fraction", "flop", None):
            assert format_value(value, dimension) == _format(value, dimension, "number")
            assert format_value(value, dimension, "text") == _format(value, dimension, "text")


def test_compiled_templates_are_kept_per_version_of_the_code_generator(monkeypatch, tmp_path):
    # A hand-numbered folder ("templates-sandbox-4") let code compiled by another version of the
    # sandbox run: the folder is named after the generator's and filters' source instead.
    from pathlib import Path

    from scendsl.report import loader

    monkeypatch.delenv("SCENDSL_CACHE_DIR")  # the caches in XDG_CACHE_HOME
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    before = loader._compiler_digest()
    cache = loader.bytecode_cache("markdown")
    assert cache is not None
    assert Path(cache.directory) == tmp_path / "scendsl" / f"templates-{before}" / "markdown"
    real = Path.read_bytes

    def edited(self):
        data = real(self)
        return data + b"\n# edited" if self.name == "sandbox.py" else data

    monkeypatch.setattr(Path, "read_bytes", edited)
    loader._compiler_digest.cache_clear()  # worked out once per process: as a new process
    try:
        assert loader._compiler_digest() != before
    finally:
        monkeypatch.undo()
        loader._compiler_digest.cache_clear()


_PIECES = ["a", "<p>", "</p>", "\n\n", "\ue000", "\ue001", "\ue002", "\x07", "\u202e", "é", " "]


@pytest.mark.parametrize("seed", range(40))
def test_clean_forms_passed_over_give_the_page_cleaned_as_a_whole(seed):
    # A derivation (CleanHTML) is not read through by the page's last cleaning; the page is
    # the same as when everything, derivations included, is cleaned at the end.
    import random

    from scendsl.report.render import _UNWANTED_RE, CleanHTML, _substitute

    rng = random.Random(seed)

    def text(tokens_below: int) -> str:
        parts = []
        for _ in range(rng.randint(0, 8)):
            if tokens_below and rng.random() < 0.3:
                opening = rng.choice(["\ue000", "\ue002"])
                parts.append(f"{opening}{rng.randrange(tokens_below + 2)}\ue001")
            else:
                parts.append(rng.choice(_PIECES))
        return "".join(parts)

    fragments: list = []
    for index in range(rng.randint(0, 6)):
        if rng.random() < 0.4:
            fragments.append(
                CleanHTML(f'<details class="num"><summary>{index}</summary></details>')
            )
        else:
            fragments.append(text(index))
    body = text(len(fragments))
    expected = _substitute(body, [str(form) for form in fragments])  # every form read through
    assert _substitute(body, fragments) == expected
    assert not _UNWANTED_RE.search(expected)
