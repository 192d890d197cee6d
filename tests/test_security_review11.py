"""Eleventh hostile-input review: result files that `scendsl diff` reads (numbers of thousands
of digits, keys written twice, text longer than any result holds), and what this round tried
elsewhere. Each test is named after the class of problem it pins."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

from scendsl.cli import main
from scendsl.defaults import MAX_LINE_LENGTH, MAX_NAME_LENGTH

SAMPLE = Path(__file__).parent.parent / "scenarios" / "china_h20_cn.scn"


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    """`scendsl eval SAMPLE --format json` of one sample file: a real result file."""
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        assert main(["eval", str(SAMPLE), "--format", "json"]) == 0
    path = tmp_path_factory.mktemp("result") / "base.json"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def _refused(base: Path, bad: Path, capsys) -> str:
    """The error output of `scendsl diff base bad`, which must refuse with a located error."""
    assert main(["diff", str(base), str(bad)]) == 1
    err = capsys.readouterr().err
    assert "internal error" not in err and "Traceback" not in err
    assert f"{bad}:" in err
    return err


# ------------------------------------------------ diff: numbers Python's int() will not read
@pytest.mark.parametrize("digits", [4_301, 100_000])
def test_a_json_integer_of_thousands_of_digits_is_a_located_error_not_an_internal_one(
    digits, tmp_path, result, capsys
):
    text = result.read_text(encoding="utf-8")
    bad = tmp_path / "bad.json"
    at = text.index('"value": ') + len('"value": ')
    end = text.index(",", at)
    bad.write_text(text[:at] + "9" * digits + text[end:], encoding="utf-8")
    line = text.count("\n", 0, at) + 1
    column = at - text.rfind("\n", 0, at)
    err = _refused(result, bad, capsys)
    assert f"{bad}:{line}:{column}: error: " in err
    assert f"a number too large ({digits:,} digits" in err
    assert len(err) < 1_000


def test_a_json_integer_of_thousands_of_digits_outside_any_value_is_refused_too(
    tmp_path, result, capsys
):
    bad = tmp_path / "bad.json"
    bad.write_text('{"version": 1, "scenarios": [], "x": ' + "9" * 5_000 + "}")
    err = _refused(result, bad, capsys)
    assert f"{bad}:1:38: error: " in err and "a number too large (5,000 digits" in err


# ------------------------------------------------------------- diff: a key written twice
def test_a_key_written_twice_in_one_object_is_refused_not_read_as_the_last(
    tmp_path, result, capsys
):
    text = result.read_text(encoding="utf-8")
    bad = tmp_path / "bad.json"
    # A later "version" would win silently: the file would be read as another format's.
    bad.write_text(text.replace('"version": 1,', '"version": 1, "version": 1,', 1))
    err = _refused(result, bad, capsys)
    assert "the key 'version' twice in one object" in err
    document = json.loads(text)
    metrics = document["scenarios"][0]["metrics"]
    name = next(iter(metrics))
    pairs = json.dumps(metrics[name])
    twice = text.replace(f'"{name}": ', f'"{name}": {pairs}, "{name}": ', 1)
    bad.write_text(twice, encoding="utf-8")
    assert f"the key '{name}' twice in one object" in _refused(result, bad, capsys)


# --------------------------------------------- diff: text longer than any result file holds
def _with(result: Path, tmp_path: Path, change) -> Path:
    document = json.loads(result.read_text(encoding="utf-8"))
    change(document)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(document), encoding="utf-8")
    return bad


_LONG_NAME = "n" * (MAX_NAME_LENGTH + 1)
_LONG_TEXT = "t" * (MAX_LINE_LENGTH + 1)


def _first_input(d):
    inputs = d["scenarios"][0]["inputs"]
    return inputs[next(iter(inputs))]


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda d: d.update(scendsl=_LONG_NAME), "scendsl"),
        (lambda d: d["scenarios"][0].update(name=_LONG_NAME), "scenarios[0].name"),
        (lambda d: d["scenarios"][0].update(title=_LONG_TEXT), "scenarios[0].title"),
        (
            lambda d: d["scenarios"][0]["metrics"].update({_LONG_TEXT: {"value": 1}}),
            "scenarios[0].metrics",
        ),
        (lambda d: _first_input(d).update(value=_LONG_TEXT), ".value"),
    ],
    ids=["version", "scenario-name", "title", "figure-name", "text-value"],
)
def test_text_longer_than_any_result_holds_is_refused_not_echoed(
    change, where, tmp_path, result, capsys
):
    bad = _with(result, tmp_path, change)
    err = _refused(result, bad, capsys)
    assert where in err and "characters" in err
    assert len(err) < 1_000


def test_text_as_long_as_a_scenario_may_write_is_still_read(tmp_path, result, capsys):
    def change(d):
        d["scenarios"][0]["title"] = "t" * 10_000
        d["scenarios"][0]["name"] = "n" * MAX_NAME_LENGTH

    bad = _with(result, tmp_path, change)
    assert main(["diff", str(result), str(bad)]) == 0
    assert "n" * MAX_NAME_LENGTH in capsys.readouterr().out


def test_the_longest_variant_names_eval_writes_are_read(tmp_path, capsys):
    """A variant's name holds a label of each axis: three axes of 9,000-character strings make
    names of 27,034 characters, longer than one line, and `eval` writes them."""
    from factories import scenario_text

    a, b = '"' + "A" * 9_000 + '"', '"' + "B" * 9_000 + '"'
    axes = "".join(f"  {field} [{a}, {b}]\n" for field in ("operator", "context", "title"))
    source = tmp_path / "s.scn"
    source.write_text(scenario_text() + f"sweep w from base {{\n{axes}}}\n", encoding="utf-8")
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        assert main(["eval", str(source), "--format", "json", "--sweeps", "--samples", "0"]) == 0
    result = tmp_path / "r.json"
    result.write_text(buffer.getvalue(), encoding="utf-8")
    assert main(["diff", str(result), str(result)]) == 0
    assert "No change in results." in capsys.readouterr().out


def test_a_version_written_as_a_float_is_another_format(tmp_path, result, capsys):
    bad = _with(result, tmp_path, lambda d: d.update(version=1.0))
    assert "its format is version 1.0" in _refused(result, bad, capsys)


# ------------------------------- templates: what a page writes is data, never an object's repr
def _user_templates(tmp_path: Path, body: str) -> Path:
    folder = tmp_path / "tpl"
    folder.mkdir(exist_ok=True)
    (folder / "index.md.j2").write_text(body, encoding="utf-8")
    return folder


def _render_with(tmp_path: Path, body: str) -> dict[str, bytes]:
    from conftest import SKETCH
    from scendsl.app.build import render_files

    return render_files([str(SKETCH)], str(_user_templates(tmp_path, body)), samples=0)


@pytest.mark.parametrize(
    "body",
    [
        "{{ scenarios[0] }}",
        "{{ scenarios[0].m }}",
        "{{ scenarios[0]|attr('m') }}",
        "{{ scenarios[:1] }}",
        "{{ {'a': scenarios[0]} }}",
        "{{ range }}",
        "{{ url }}",
        "{{ namespace }}",
        "{{ namespace(text='x', derivation=none) }}",
        "{{ 'a'.upper }}",
        "{{ scenarios[0]|with_range }}",
        "{{ chart(url, scenarios) }}",
        "{{ scenarios|map(attribute='name') }}",
        "{{ 'x' ~ scenarios[0] }}",
        "{{ scenarios[0]|string }}",
        "{{ scenarios[0]|upper }}",
        "{{ scenarios[0]|replace('a', 'b') }}",
        "{{ scenarios[0]|truncate(300) }}",
        "{{ scenarios[0]|code }}",
        "{{ scenarios[0]|e }}",
        "{{ scenarios|join(', ') }}",
        "{{ scenarios[0]|shorten }}",
        "{{ scenarios[0]|badge }}",
        "{{ scenarios[0]|scn_block }}",
        "{{ em(scenarios[0]) }}",
        "{{ link(scenarios[0], 'index') }}",
        "{{ url(scenarios[0]) }}",
        "{{ per_format(scenarios[0], 'x') }}",
        "{% call table(url) %}| a |{% endcall %}",
        "{% macro m(a) %}{{ a }}{% endmacro %}{{ m(url) }}",
    ],
)
def test_a_template_cannot_write_an_object_that_is_not_data(tmp_path, body):
    """Python makes up the text of a view, a method or a function from its class and memory
    address: internal names, and never the same bytes twice."""
    from scendsl.errors import ScenarioError

    with pytest.raises(ScenarioError) as caught:
        _render_with(tmp_path, body + "\n")
    message = str(caught.value)
    assert "index.md.j2:1:" in message
    assert any(
        words in message
        for words in ("not data a page can write", "not a figure of the model: a ", "chart a ")
    )
    assert " at 0x" not in message


@pytest.mark.parametrize(
    ("body", "written"),
    [
        ("{{ scenarios[0].name }}", "colossus2"),
        ("{{ [1, 'a', none, true, 2.5] }}", "\\[1, 'a', None, True, 2.5\\]"),
        ("{{ {'a': (1, 2)} }}", "{'a': (1, 2)}"),
        ("{{ 'n: ' ~ 3 ~ scenarios[0].m('cluster.count') }}", "n: 3"),
        ("{{ scenarios|map(attribute='name')|list }}", "\\['colossus2"),
        ("{{ scenarios[0].m('cluster.count')|string }}", ""),
        ("{{ scenarios|map(attribute='name')|join(', ') }}", "colossus2, "),
        ("{{ link(scenarios[0].name, 'index') }} {{ 3|code }}", "](index.md) `3`"),
    ],
)
def test_plain_data_and_figures_are_still_written(tmp_path, body, written):
    files = _render_with(tmp_path, body + "\n")
    page = files["index.md"].decode("utf-8")
    assert written in page


# ------------------------------- diff: a sweep whose variants each name figures of their own
@pytest.fixture(scope="module")
def sweep_result(tmp_path_factory):
    """`eval --format json --sweeps` of a sample file with a sweep."""
    sample = Path(__file__).parent.parent / "scenarios" / "gulf_gb200_ae.scn"
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        assert main(["eval", str(sample), "--format", "json", "--sweeps"]) == 0
    path = tmp_path_factory.mktemp("sweep") / "base.json"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def test_sweep_variants_that_name_other_figures_are_refused_not_held_as_a_square_table(
    tmp_path, sweep_result, capsys
):
    """Each variant naming a figure of its own made a table of variants x names cells: a
    700 KB file of 4,000 such variants held 430 MB; a 10 MB one would not fit in memory."""
    document = json.loads(sweep_result.read_text(encoding="utf-8"))
    assert document["sweeps"], "the sample has a sweep"
    sweep = document["sweeps"][0]
    count = 2_000
    sweep["axes"] = [{"path": "year", "values": [str(i) for i in range(count)]}]
    sweep["variants"] = [
        {"name": f"v{i}", "point": {"year": str(i)}, "values": {f"k{i}": 1}} for i in range(count)
    ]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(document), encoding="utf-8")
    import time

    started = time.process_time()
    err = _refused(sweep_result, bad, capsys)
    assert time.process_time() - started < 2.0
    assert "sweeps[0].variants[1].values: not the figures of sweeps[0].variants[0]" in err


def test_sweep_variants_with_the_same_figures_still_diff(tmp_path, sweep_result, capsys):
    document = json.loads(sweep_result.read_text(encoding="utf-8"))
    values = document["sweeps"][0]["variants"][-1]["values"]
    name = next(k for k, v in values.items() if isinstance(v, float))
    values[name] = values[name] * 2 + 1
    head = tmp_path / "head.json"
    head.write_text(json.dumps(document), encoding="utf-8")
    assert main(["diff", str(sweep_result), str(head)]) == 0
    assert "sweep" in capsys.readouterr().out


# ----------------------------------------- diff: a figure name of many parts, looked up once
def test_a_figure_name_of_thousands_of_parts_costs_its_length_not_its_square(
    tmp_path, result, capsys
):
    """The registry lookup tried every part of a name as a reference (`a.{ref}.c`), building
    the name again each time: 50 names of 10,000 parts took 29 s of CPU from a 1.4 MB file."""
    document = json.loads(result.read_text(encoding="utf-8"))
    metrics = document["scenarios"][0]["metrics"]
    for i in range(10):
        metrics["a." * 9_990 + f"x{i}"] = {"value": 1, "unit": "zz", "meaning": ""}
    head = tmp_path / "head.json"
    head.write_text(json.dumps(document), encoding="utf-8")
    import time

    started = time.process_time()
    assert main(["diff", str(result), str(head)]) == 0
    assert time.process_time() - started < 1.5
    assert "Only the new results have a.a.a." in capsys.readouterr().out


# ------------------------------------- new: a name the language refuses is refused by new too
def test_new_refuses_a_name_longer_than_the_language_takes(tmp_path, capsys):
    """`new` wrote a scenario of a 150-character name that `check` then refused, and for 300
    characters failed on the file system ("cannot write ...: file name too long")."""
    import scendsl

    for length in (MAX_NAME_LENGTH + 1, 300):
        assert main(["new", "a" * length, "-o", str(tmp_path / "x.scn")]) == 1
        err = capsys.readouterr().err
        assert f"a name is at most {MAX_NAME_LENGTH} characters; this one has {length}" in err
        assert not (tmp_path / "x.scn").exists()
    assert main(["new", "a" * MAX_NAME_LENGTH, "-o", "-"]) == 0
    assert scendsl.load_text(capsys.readouterr().out)
