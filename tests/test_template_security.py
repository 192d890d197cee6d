"""User templates (`scendsl build --templates DIR`) are hostile input: the sandbox, the loader,
the limits on size and time, and the errors they give (issue 10, items 1, 4, 12, 13, 14)."""

from __future__ import annotations

import os
import pickle
import re
import time
from pathlib import Path

import pytest

from conftest import SKETCH
from scendsl.app.build import render_files
from scendsl.errors import ScenarioError
from scendsl.report import sandbox

LOCATED = r"index\.md\.j2:\d+:\d+: error: template index\.md\.j2"


def _templates(tmp_path: Path, body: str | bytes, name: str = "index.md.j2") -> Path:
    folder = tmp_path / "tpl"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(body, bytes):
        path.write_bytes(body)
    else:
        path.write_text(body, encoding="utf-8")
    return folder


def _render(folder: Path) -> dict[str, bytes]:
    return render_files([str(SKETCH)], str(folder), samples=0)


def _refused(tmp_path: Path, body: str | bytes, name: str = "index.md.j2") -> str:
    """The message of the ScenarioError the build gives for a user template."""
    with pytest.raises(ScenarioError) as caught:
        _render(_templates(tmp_path, body, name))
    return str(caught.value)


# ------------------------------------------------------------------ 1. code execution
class _Payload:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch '{self.marker}'",))


def test_pickle_escape_via_model_method_is_refused(tmp_path):
    marker = tmp_path / "pwned"
    data = pickle.dumps(_Payload(marker), protocol=0).decode("latin-1")
    body = (
        "{{ reference_catalog.princeton_pli.parse_raw(data, content_type="
        "'application/pickle', allow_pickle=True) }}"
    ).replace("data", repr(data))
    message = _refused(tmp_path, body)
    assert not marker.exists()
    assert "index.md.j2" in message


def test_parse_file_on_a_model_is_refused(tmp_path):
    secret = tmp_path / "secret.json"
    secret.write_text('{"token": "s3cr3t-value"}', encoding="utf-8")
    message = _refused(
        tmp_path, f"{{{{ reference_catalog.princeton_pli.parse_file('{secret}') }}}}"
    )
    assert "s3cr3t-value" not in message


def test_templates_get_plain_read_only_data_not_models(tmp_path):
    folder = _templates(
        tmp_path,
        "{{ reference_catalog.princeton_pli.title }} / "
        "{{ reference_catalog['princeton_pli']['count'] }} / "
        "{{ reference_catalog.princeton_pli.keys()|list|length }}\n",
    )
    assert _render(folder)["index.md"].startswith(
        b"Princeton Language and Intelligence (PLI) cluster / 300 / "
    )


@pytest.mark.parametrize(
    "body",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ s.__class__ }}",
        "{{ scenarios[0].__class__.__init__.__globals__ }}",
        "{{ '{0.__class__}'.format(scenarios) }}",
        "{{ '{0.__class__}'.format_map({'x': 1}) }}",
        "{{ '%s'|format(scenarios) }}",
        "{{ '%s' % scenarios }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ joiner.__init__.__globals__ }}",
        "{{ namespace.__init__.__globals__ }}",
        "{{ self._TemplateReference__context }}",
        "{{ self._TemplateReference__context.environment }}",
        "{{ range.__class__ }}",
        "{{ lipsum.__globals__ }}",
        "{% for x in [1] %}{{ loop.__class__.__init__.__globals__ }}{% endfor %}",
        "{% macro m() %}{{ caller.__globals__ }}{% endmacro %}{% call m() %}x{% endcall %}",
        "{% macro m() %}{{ caller._func.__globals__ }}{% endmacro %}{% call m() %}x{% endcall %}",
        "{{ scenarios[0]._result }}",
        "{{ scenarios[0].attach_run(none) }}",
        "{{ scenarios[0].m('x').derivation.__func__ }}",
        "{{ scenarios[0].percentiles }}{{ scenarios[0].m.__self__._catalog }}",
        "{{ risk_rules[0].rules[0].when.__class__ }}",
        "{{ [].pop() }}",
        "{{ {}.update({'a': 1}) }}",
        "{{ dict.fromkeys }}",
        "{{ reference_catalog.princeton_pli.copy() }}",
        "{{ ('a'|attr('__class__')) }}",
        "{{ scenarios|map(attribute='_result')|list }}",
        "{{ scenarios|sort(attribute='_catalog')|first }}",
    ],
)
def test_known_sandbox_escapes_are_refused(tmp_path, body):
    message = _refused(tmp_path, body)
    assert "index.md.j2" in message
    assert "<class" not in message and "function" not in message.split("error:", 1)[1]


# ------------------------------------------------------------------ 4. loader symlinks
def test_template_symlink_out_of_the_folder_is_refused(tmp_path):
    outside = tmp_path / "etc"
    outside.mkdir()
    (outside / "passwd").write_text("root:x:0:0:secret-line\n", encoding="utf-8")
    folder = _templates(tmp_path, "before\n{% include 'sub/passwd' %}\n")
    (folder / "sub").symlink_to(outside)
    with pytest.raises(ScenarioError) as caught:
        _render(folder)
    message = str(caught.value)
    assert "index.md.j2:2:" in message and "sub/passwd" in message and "outside" in message
    assert "secret-line" not in message


def test_a_page_template_that_is_a_symlink_out_of_the_folder_is_refused(tmp_path):
    outside = tmp_path / "elsewhere.txt"
    outside.write_text("secret-line\n", encoding="utf-8")
    folder = tmp_path / "tpl"
    folder.mkdir()
    (folder / "index.md.j2").symlink_to(outside)
    with pytest.raises(ScenarioError, match="outside the templates folder") as caught:
        _render(folder)
    assert "secret-line" not in str(caught.value)


def test_symlinks_inside_the_template_folder_still_work(tmp_path):
    folder = _templates(tmp_path, "shared part\n", name="parts/real.md.j2")
    (folder / "linked").symlink_to(folder / "parts")
    (folder / "index.md.j2").write_text("{% include 'linked/real.md.j2' %}", encoding="utf-8")
    assert _render(folder)["index.md"] == b"shared part\n"


def test_a_fifo_named_like_a_template_is_refused_without_hanging(tmp_path):
    folder = tmp_path / "tpl"
    folder.mkdir()
    os.mkfifo(folder / "index.md.j2")
    with pytest.raises(ScenarioError, match="not a regular file"):
        _render(folder)


# ------------------------------------------------------------------ 12. denial of service
@pytest.fixture
def short_budget(monkeypatch):
    monkeypatch.setattr(sandbox, "RENDER_SECONDS", 0.5)


def _refused_quickly(tmp_path: Path, body: str) -> str:
    started = time.perf_counter()
    message = _refused(tmp_path, body)
    assert time.perf_counter() - started < 10
    return message


def test_nested_range_loops_stop_at_the_time_budget(tmp_path, short_budget):
    # Each item does some work (an operator, a number printed): a loop printing '' goes through
    # the million loop items the sandbox allows in less than the budget.
    message = _refused_quickly(
        tmp_path,
        "\n{% for i in range(10000) %}{% for j in range(10000) %}{{ i * j }}{% endfor %}{% endfor %}",
    )
    assert "index.md.j2:2:" in message and "longer than 0.5 s" in message


def test_nested_loops_over_big_strings_stop_at_the_time_budget(tmp_path, short_budget):
    message = _refused_quickly(
        tmp_path,
        "{% set x = 'x' * 100000 %}{% for i in x %}{% for j in x %}{% endfor %}{% endfor %}",
    )
    assert "longer than" in message or "loops went through more than" in message


def test_recursive_macros_stop_at_the_time_budget_or_depth(tmp_path, short_budget):
    message = _refused_quickly(
        tmp_path, "{% macro f(n) %}{{ f(n + 1) }}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}"
    )
    assert re.search(LOCATED, message)


def test_many_different_charts_are_refused(tmp_path):
    # Charts are drawn after the templates, outside their time budget: their number is bounded.
    message = _refused_quickly(
        tmp_path,
        "{% for i in range(1, 500) %}{{ chart('compute', [scenarios[0]] * i) }}{% endfor %}",
    )
    assert "different charts" in message


def test_unknown_figures_a_template_asks_for_are_not_kept():
    from scendsl.catalog import load_catalog
    from scendsl.language.resolve import load_paths
    from scendsl.model.evaluate import evaluate, nodes_for
    from scendsl.report.views import ScenarioView

    scenario = next(s for s in load_paths([str(SKETCH)]).scenarios if s.name == "colossus2")
    catalog = load_catalog()
    nodes = {node.name: node for node, _ in nodes_for(scenario, catalog)}
    view = ScenarioView(evaluate(scenario, catalog), catalog, "colossus2", nodes)
    for index in range(1000):
        assert view.m(f"no.such.figure{index}").text == "n/a"
    assert view.m("energy.facility_power") is view.m("energy.facility_power")
    assert len(view._numbers) == 1


def test_range_larger_than_the_limit_is_refused(tmp_path):
    assert "at most 10,000" in _refused_quickly(tmp_path, "{{ range(100000)|length }}")


def test_lipsum_is_not_available(tmp_path):
    assert "lipsum" in _refused_quickly(tmp_path, "{{ lipsum(n=2000000) }}")


@pytest.mark.parametrize(
    "body",
    [
        "{{ ('x' * 10**4) * 10**5 }}",
        "{{ ['x' * 1000] * 10**6 }}",
        "{% set x = ['y' * 10**5] * 5 %}{{ [x, x, x] }}",
        "{{ ('x' * 1000)|replace('x', 'x' * 1000)|replace('x', 'x' * 1000) }}",
        "{{ ('x' * 1001).replace('x', 'x' * 1001) }}",
        "{{ ('x' * 1000).join(['y'] * 10000) }}",
        "{{ ['x' * 1000] * 1000|join('y' * 1000) }}",
        "{% set ns = namespace(s='x' * 100000) %}{% for i in range(40) %}"
        "{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
        "{% set a = 'x' * 600000 %}{% set a = a ~ a %}{% set a = a ~ a %}{{ a }}",
        "{{ 10 ** (10 ** 8) }}",
        "{{ (2 ** 90000) * (2 ** 90000) }}",
        "{{ 'x'|center(10**9) }}",
        "{{ 'x'.ljust(10**9) }}",
        "{% for i in range(10000) %}{{ 'x' * 900000 }}{% endfor %}",
    ],
)
def test_string_and_number_growth_is_bounded(tmp_path, body):
    assert re.search(LOCATED, _refused_quickly(tmp_path, body))


# ------------------------------------------------------------------ 13. errors are the user's
@pytest.mark.parametrize(
    "body",
    [
        "{{ 1 // 0 }}",
        "{{ [].pop() }}",
        "{% include 'index.md.j2' %}",
        "{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}",
        "{{ chart('bogus', scenarios) }}",
        "{{ chart('compute', 'not a scenario') }}",
        "{{ chart('trajectory', scenarios[0], 3) }}",
        "{{ chart('trajectory', sweeps[0], 'no.such.metric') }}",
        "{{ scenarios[0].m([]) }}",
        "{{ 'x'|num }}",
        "{{ 1.5|with_range }}",
        "{{ 'maybe'|verdict }}",
        "{{ 10.0 ** 400 }}",
        "{{ int('9' * 5000) }}",
        "{{ undefined_name }}",
        "{% for %}",
        "{% extends 'index.md.j2' %}",
        "{{ " + "(" * 3000 + "1" + ")" * 3000 + " }}",
        "{% for i in [1] %}" * 30 + "{% endfor %}" * 30,
    ],
)
def test_template_errors_are_located_user_errors(tmp_path, body):
    message = _refused_quickly(tmp_path, body)
    assert re.search(LOCATED, message), message
    assert "internal error" not in message and "bug in scendsl" not in message


def test_non_utf8_template_is_a_located_error(tmp_path):
    message = _refused(tmp_path, b"line one\nline two \xff\xfe\n")
    assert re.search(r"index\.md\.j2:2:1: error: .*not UTF-8", message)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads unreadable files")
def test_unreadable_template_is_a_located_error(tmp_path):
    folder = _templates(tmp_path, "x")
    (folder / "index.md.j2").chmod(0)
    with pytest.raises(ScenarioError, match=r"cannot read template 'index\.md\.j2'"):
        _render(folder)


def test_template_error_exits_1_on_the_command_line(tmp_path, capsys):
    from scendsl.cli import main

    folder = _templates(tmp_path, "\n{{ 1 // 0 }}")
    code = main(["build", str(SKETCH), "-o", str(tmp_path / "out"), "--templates", str(folder)])
    err = capsys.readouterr().err
    assert code == 1
    assert "index.md.j2:2:" in err and "ZeroDivisionError" in err
    assert "internal error" not in err
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------------ 14. raw HTML
def test_page_token_is_not_reachable_from_templates(tmp_path):
    message = _refused(tmp_path, "{{ page.token('x', '<script>alert(1)</script>') }}")
    assert "token" in message


def test_a_fake_number_cannot_bring_raw_html(tmp_path):
    body = (
        "{% set n = namespace(text='x', derivation=none, html_cache='<script>bad()</script>'"
        ") %}{{ n.text }} {{ n.html_cache }} "
        "{{ '<script>c()</script>'|badge }}"
    )
    files = _render(_templates(tmp_path, body))
    html = files["index.html"].decode()
    assert "<script" not in html and "<script" not in files["index.md"].decode()
    assert "&lt;script&gt;" in html


def test_a_fake_number_is_not_taken_as_a_figure(tmp_path):
    body = "{{ namespace(text='x', derivation=none, html_cache='<script>bad()</script>')|num }}"
    assert "not a figure of the model" in _refused(tmp_path, body)


# ------------------------------------------------------------------ fuzzing
def test_template_fuzzer_finds_no_internal_errors_in_a_short_run():
    import sys

    from conftest import ROOT

    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import fuzz_templates
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    budget = sandbox.RENDER_SECONDS
    result = fuzz_templates.run(60, seed=3)
    assert sandbox.RENDER_SECONDS == budget
    assert result["cases"] == 60 and result["refused"] < 60
    assert result["failures"] == [], result["failures"][:1]


def test_the_counted_filter_refuses_what_is_no_count_and_escapes_its_noun(tmp_path):
    message = _refused(tmp_path, '{{ "many"|counted("scenario") }}')
    assert re.search(LOCATED, message) and "counted counts a whole number, not str" in message
    assert "counted counts a whole number" in _refused(tmp_path, '{{ true|counted("x") }}')
    pages = _render(_templates(tmp_path, '{{ 2|counted("<img src=x onerror=alert(1)>") }}'))
    for page in ("index.md", "index.html"):
        text = pages[page].decode()
        assert "<img" not in text.split("</style>")[-1] and "2 &lt;img" in text


# ------------------------------------------------------------------ the trusted environment
def test_a_named_templates_folder_runs_every_template_in_the_sandbox(tmp_path):
    # The built-in set alone runs in the trusted environment: once the user names a folder,
    # its templates and the built-in ones they include, import or extend run in the sandbox.
    from scendsl.report.render import Renderer

    folder = _templates(tmp_path, "{% include 'scenario.md.j2' %}\n", name="mine.md.j2")
    sandboxed, trusted = sandbox.sandbox_environment_class(), sandbox.trusted_environment_class()
    renderer = Renderer(str(folder))
    assert type(renderer.markdown_env) is sandboxed
    assert type(renderer.markdown_env.get_template("scenario.md.j2").environment) is sandboxed
    assert not isinstance(renderer.markdown_env, trusted)
    assert type(Renderer(None).markdown_env) is trusted  # (no folder named: the built-in set)


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("index.md.j2", "{{ ''.__class__.__mro__[1].__subclasses__() }}"),
        ("scenario.md.j2", "{{ s.__class__ }}"),  # a built-in template's name
        ("index.md.j2", "{% import '_macros.md.j2' as m %}{{ m.__class__ }}"),
        ("index.md.j2", "{% include 'scenario.md.j2' %}{{ range.__class__ }}"),
    ],
)
def test_a_user_template_beside_the_built_in_ones_still_cannot_escape(tmp_path, name, body):
    # A user template named like a built-in one, or using one, is refused what the sandbox
    # refuses: the folder decides the environment, not the template's name.
    folder = _templates(tmp_path, body, name)
    with pytest.raises(ScenarioError) as caught:
        _render(folder)
    message = str(caught.value)
    assert name in message and "<class" not in message


@pytest.mark.parametrize(
    "paths",
    [[str(SKETCH)], [str(Path(__file__).resolve().parent.parent / "scenarios")]],
    ids=["sketch", "samples"],
)
def test_the_built_in_templates_write_the_same_bytes_in_the_sandbox(paths):
    # The trusted environment only leaves out checks: the built-in set, named as a user's
    # folder (so run in the sandbox), writes every page byte for byte as it does trusted.
    from scendsl.report.loader import builtin_templates_dir

    trusted = render_files(paths, None, samples=200, seed=1)
    sandboxed = render_files(paths, str(builtin_templates_dir()), samples=200, seed=1)
    assert sorted(sandboxed) == sorted(trusted)
    for name, data in trusted.items():
        assert sandboxed[name] == data, name


def test_the_two_environments_keep_their_compiled_templates_apart(tmp_path, monkeypatch):
    # Code compiled for the trusted environment has no checks: the sandbox never loads it.
    from scendsl.report.render import Renderer

    monkeypatch.setenv("SCENDSL_CACHE_DIR", str(tmp_path / "cache"))
    folder = _templates(tmp_path, "x\n")
    trusted, sandboxed = Renderer(None).markdown_env, Renderer(str(folder)).markdown_env
    assert trusted.bytecode_cache is not None and sandboxed.bytecode_cache is not None
    assert trusted.bytecode_cache.directory != sandboxed.bytecode_cache.directory
