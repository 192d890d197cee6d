"""Layers you can see: the application layer between the command line and the stages, report/
as presentation only, one error root with distinct documented exit codes."""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import pickle
import pkgutil
import re

import pytest

import scendsl
from conftest import ROOT
from scendsl import errors
from scendsl.app.pipeline import evaluate_all, find_scenario, load, monte_carlo
from scendsl.cli import main
from scendsl.errors import Diagnostic, ScenarioError, ScendslError, Span
from scendsl.language.units import parse_number
from scendsl.report.views import axis_number


def _imports(path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize(
    "layer, forbidden",
    [
        ("report", ("scendsl.language", "scendsl.app", "scendsl.cli")),
        ("app", ("scendsl.cli",)),
    ],
)
def test_report_imports_no_language_and_app_no_cli(layer, forbidden):
    # report/ is presentation: it gets loaded scenarios and numbers, it does not parse (the
    # build used to load scenarios itself and re-parse sweep labels with parse_number).
    leaks = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in (ROOT / "scendsl" / layer).rglob("*.py")
        for name in _imports(path)
        if name.startswith(forbidden)
    }
    assert not leaks


def test_cli_leaves_evaluation_to_the_app_layer():
    # No Monte Carlo, sweep evaluation, JSON or CSV writing of its own in cli.py.
    names = _imports(ROOT / "scendsl" / "cli.py")
    assert not names & {
        "scendsl.model.uncertainty",
        "scendsl.model.sweep",
        "csv",
        "scendsl.language.resolve",
        "scendsl.report.data",
    }


def _modules():
    for info in pkgutil.walk_packages(scendsl.__path__, "scendsl."):
        # Not the optional extra (pygls), nor `python -m scendsl` (it runs the command line).
        if info.name.startswith("scendsl.lsp") or info.name == "scendsl.__main__":
            continue
        yield importlib.import_module(info.name)


def test_every_error_class_is_a_kind_of_scendsl_error():
    found = {}
    for module in _modules():
        for name, cls in vars(module).items():
            if (
                inspect.isclass(cls)
                and cls.__module__ == module.__name__
                and issubclass(cls, BaseException)
            ):
                found[f"{module.__name__}.{name}"] = cls
    assert "scendsl.errors.ScenarioError" in found and "scendsl.catalog.model.CatalogError" in found
    # StreamClosed is an OSError raised by the terminal wrapper (nowhere to write the results).
    strays = [
        name
        for name, cls in found.items()
        if not issubclass(cls, ScendslError) and name != "scendsl.terminal.StreamClosed"
    ]
    assert strays == []


def test_exit_codes_are_distinct_and_the_readme_lists_each():
    codes = {name: value for name, value in vars(errors).items() if name.startswith("EXIT_")}
    assert len(set(codes.values())) == len(codes)
    assert codes["EXIT_CHANGED"] == 4 and codes["EXIT_USAGE"] == 2
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Exit codes", 1)[1].split("\n## ", 1)[0]
    listed = {int(code) for code in re.findall(r"^\| (\d+) \|", section, re.MULTILINE)}
    assert listed == set(codes.values())


def test_diff_exit_code_is_not_the_usage_error_code(tmp_path):
    new = tmp_path / "new"
    new.mkdir()
    text = (ROOT / "scenarios" / "colossus2.scn").read_text(encoding="utf-8")
    (new / "colossus2.scn").write_text(
        text.replace("    pue 1.25\n", "    pue 3.5\n"), encoding="utf-8"
    )
    old = tmp_path / "old"
    old.mkdir()
    (old / "colossus2.scn").write_text(text, encoding="utf-8")
    assert main(["diff", str(old), str(new), "--exit-code"]) == errors.EXIT_CHANGED
    assert main(["diff", str(old)]) == errors.EXIT_USAGE


def test_scenario_error_crosses_a_process_boundary_whole():
    # The build's worker sends errors back pickled.
    error = ScenarioError([Diagnostic("bad", Span("a.scn", 2, 3), "fix it")])
    again = pickle.loads(pickle.dumps(error))
    assert again.diagnostics == error.diagnostics and str(again) == str(error)


def test_sweep_axis_numbers_are_the_numbers_written(tmp_path):
    # The chart's x axis used to be re-parsed from the labels; the resolved values give the
    # same numbers for plain number labels, and none for a value with a unit or a name.
    scenarios = load([str(ROOT / "scenarios")])
    checked = 0
    for sweep in scenarios.sweeps:
        for axis in sweep.axes:
            for label, value in zip(axis.labels, axis.values, strict=True):
                try:
                    expected = parse_number(label).value
                except ValueError:
                    expected = None
                assert axis_number(label, value) == expected
                checked += 1
    assert checked >= 7
    assert axis_number("400 g/kWh", 0.4) is None
    assert axis_number("H100", "H100") is None
    assert axis_number("40%", 0.4) == 0.4


def test_one_monte_carlo_for_eval_and_explain():
    scenarios = load([str(ROOT / "scenarios")])
    evaluation = evaluate_all(scenarios, samples=200, seed=7)
    uncertain = find_scenario(scenarios, "colossus2_uncertain")
    alone = monte_carlo([uncertain], 200, 7)[uncertain.name]
    together = evaluation.runs[uncertain.name]
    name = "energy.facility_power"
    assert alone.percentiles(name) == together.percentiles(name)
    assert [r.name for r in evaluation.results] == [s.name for s in scenarios.scenarios]


def test_find_scenario_makes_a_sweep_variant_by_name():
    scenarios = load([str(ROOT / "scenarios")])
    sweep = scenarios.sweeps[0]
    name = sweep.variant_at(1).name
    assert find_scenario(scenarios, name).name == name
    assert find_scenario(scenarios, sweep.name + "[nope]") is None


def test_eval_json_still_streams_the_sweeps(capsys):
    assert (
        main(["eval", "--sweeps", "--format", "json", "--samples", "0", "scenarios/colossus2.scn"])
        == 0
    )
    document = json.loads(capsys.readouterr().out)
    assert document["sweeps"][0]["variants"][0]["name"].startswith("colossus2_buildout[")
