"""`scendsl diff OLD.json NEW.json`: two results of `scendsl eval --format json`, each made by
its own scendsl and catalog (read the golden .md files before committing them)."""

import copy
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import scendsl
from scendsl.cli import main
from scendsl.report import diff_json
from scendsl.report.diff import render_markdown, render_text
from scendsl.report.diff_json import diff_result_files
from tests.test_diff import EDITS, compare, edited_copy, evaluate_folder

SAMPLES = Path("scenarios")
GOLDEN = Path(__file__).parent / "fixtures" / "diff_results"


def eval_json(target, out, *, sweeps=True):
    """`scendsl eval TARGET --format json [--sweeps]` written to `out`, in this process."""
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        assert (
            main(["eval", str(target), "--format", "json", *(["--sweeps"] if sweeps else [])]) == 0
        )
    out.write_text(buffer.getvalue())
    return out


@pytest.fixture(scope="module")
def base_json(tmp_path_factory):
    return eval_json(SAMPLES, tmp_path_factory.mktemp("base") / "base.json")


@pytest.fixture(scope="module")
def baseline():
    return evaluate_folder(SAMPLES)


# ------------------------------------------------------------------- one path, one rendering
@pytest.mark.parametrize("name", ["flipped_claim", "warning_flip", "changed_sweep", "risk_flip"])
def test_json_results_diff_exactly_as_the_scenario_files_do(name, tmp_path, base_json, baseline):
    """The same comparison and renderers: a diff of the two JSON results is the diff of the
    scenario files, line for line, after the header that says where the sides come from."""
    edited = edited_copy(tmp_path, *EDITS[name])
    head = eval_json(edited, tmp_path / "head.json")
    live = compare(baseline, evaluate_folder(edited), threshold=1.0)
    from_json = diff_result_files(str(base_json), str(head), 1.0)
    header, rest = render_text(from_json).split("\n", 1)
    assert header.startswith("Both sides from JSON results: old ")
    assert rest == render_text(live)
    markdown = render_markdown(from_json).splitlines()
    assert markdown[2].startswith("Both sides from JSON results")
    assert markdown[:2] + markdown[4:] == render_markdown(live).splitlines()


# ------------------------------------------------------------- a change of the catalog itself
def scendsl_with_catalog_edit(tmp_path, edits):
    """A copy of the installed scendsl package whose catalog has `edits` (file, old, new)."""
    package = Path(scendsl.__file__).parent
    root = tmp_path / "other_scendsl"
    shutil.copytree(package, root / "scendsl", ignore=shutil.ignore_patterns("__pycache__"))
    for file, old, new in edits:
        target = root / "scendsl" / "catalog" / file
        text = target.read_text(encoding="utf-8")
        assert old in text, f"the catalog no longer contains {old!r}: update the edit"
        target.write_text(text.replace(old, new, 1), encoding="utf-8")
    return root


PUE_2024 = (
    "pue_hyperscale_2024 = { value = '1.09', source = 'Google 2025 Environmental Report: "
    "fleet-wide trailing twelve-month PUE 1.09 in 2024', confidence = 'B' }"
)
CATALOG_EDITS = [
    # The 2024 figure revised with a new source, and a 2025 figure added: the 2025 benchmarks
    # no longer borrow 2024's (their extrapolated-year warning goes).
    (
        "calibration.toml",
        PUE_2024,
        "pue_hyperscale_2024 = { value = '1.15', source = 'A revised fleet PUE for 2024 (test)', "
        "confidence = 'B' }\npue_hyperscale_2025 = { value = '1.12', source = 'A fleet PUE for "
        "2025 (test)', confidence = 'B' }",
    ),
]


def test_a_catalog_change_is_seen_through_two_json_results(tmp_path, monkeypatch, file_regression):
    """What `diff OLD NEW` of scenario files cannot show: the same scenarios evaluated by two
    scendsl installations whose catalogs differ (a PUE revised with its source, a year added)."""
    shutil.copy(SAMPLES / "benchmarks.scn", tmp_path / "benchmarks.scn")
    other = scendsl_with_catalog_edit(tmp_path, CATALOG_EDITS)
    monkeypatch.chdir(tmp_path)
    eval_json("benchmarks.scn", tmp_path / "base.json", sweeps=False)
    with open(tmp_path / "head.json", "w", encoding="utf-8") as out:
        subprocess.run(
            [sys.executable, "-m", "scendsl", "eval", "benchmarks.scn", "--format", "json"],
            cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": str(other)},
            stdout=out,
            check=True,
        )
    # The goldens name the two sides' versions; pinned here so that a release keeps them.
    for side in ("base", "head"):
        data = json.loads((tmp_path / f"{side}.json").read_text())
        assert data["scendsl"] == scendsl.__version__
        data["scendsl"] = f"{side}-version"
        (tmp_path / f"{side}.json").write_text(json.dumps(data))
    diff = diff_result_files("base.json", "head.json")
    by_name = {entry.name: entry for entry in diff.scenarios}
    assert [c.name for c in by_name["bench_h100"].inputs] == ["energy.pue"]
    assert by_name["bench_h100"].inputs[0].new == pytest.approx(1.15)
    assert by_name["bench_h100"].sources[0].new == "A revised fleet PUE for 2024 (test)"
    assert "extrapolated-year:energy.pue" in [w.id for w in by_name["bench_b200"].warnings]
    # The catalog's figure is the cause shown, not "a figure that follows" a written input.
    assert by_name["bench_h100"].metrics[0].moved_by == ("energy.pue",)
    file_regression.check(render_markdown(diff), fullpath=GOLDEN / "catalog_pue.md")


# --------------------------------------------------------- results edited by hand from real ones
def test_claim_flip_warning_gone_and_scenarios_added_or_removed(
    tmp_path, monkeypatch, file_regression
):
    shutil.copy(SAMPLES / "benchmarks.scn", tmp_path / "benchmarks.scn")
    monkeypatch.chdir(tmp_path)
    old = json.loads(eval_json("benchmarks.scn", tmp_path / "old.json", sweeps=False).read_text())
    old["scendsl"] = "0.1.0"
    (tmp_path / "old.json").write_text(json.dumps(old))
    new = copy.deepcopy(old)
    scenarios = {s["name"]: s for s in new["scenarios"]}
    # A newer model's step time: the reference claim now fails.
    claim = next(
        c
        for c in scenarios["bench_h100"]["claims"]
        if c["metric"] == "performance.reference_step_time"
    )
    metric = scenarios["bench_h100"]["metrics"]["performance.reference_step_time"]
    claim["actual"] = metric["value"] = claim["actual"] * 3
    claim["holds"] = False
    # A newer catalog covers 2025: the stand-in warning goes.
    scenarios["bench_b200"]["warnings"] = [
        w for w in scenarios["bench_b200"]["warnings"] if w["id"] != "grid-intensity-fallback"
    ]
    # One scenario renamed: one rename, not one removed and one added.
    scenarios["bench_gb200"]["name"] = "bench_gb300"
    new["scendsl"] = "0.2.0"
    (tmp_path / "new.json").write_text(json.dumps(new))

    assert main(["diff", "old.json", "new.json", "--format", "markdown"]) == 0
    assert main(["diff", "old.json", "new.json", "--fail-on-claims"]) == 3
    assert main(["diff", "old.json", "new.json", "--exit-code"]) == 4
    assert main(["diff", "old.json", "old.json", "--exit-code"]) == 0
    diff = diff_result_files("old.json", "new.json")
    assert diff.claims_now_failing == 1
    statuses = {e.name: (e.status, e.renamed_from) for e in diff.scenarios}
    assert statuses["bench_gb300"] == ("~", "bench_gb200") and "bench_gb200" not in statuses
    assert "old old.json (scendsl 0.1.0), new new.json (scendsl 0.2.0)" in diff.sides
    file_regression.check(render_markdown(diff), fullpath=GOLDEN / "edited_results.md")


def test_json_format_of_the_diff_says_where_the_sides_come_from(tmp_path, base_json, capsys):
    assert main(["diff", str(base_json), str(base_json), "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["sides"].startswith("Both sides from JSON results")
    assert document["changed"] is False and document["scenarios"] == []


def test_eval_json_names_the_scendsl_that_wrote_it_and_older_files_still_diff(
    tmp_path, base_json, capsys
):
    document = json.loads(base_json.read_text())
    assert document["scendsl"] == scendsl.__version__
    del document["scendsl"]
    older = tmp_path / "older.json"
    older.write_text(json.dumps(document))
    assert main(["diff", str(older), str(base_json)]) == 0
    assert "(scendsl version not recorded)" in capsys.readouterr().out


def test_a_figure_only_one_model_has_is_named_once_not_as_a_change_of_every_scenario(
    tmp_path, base_json, capsys
):
    # The old model as if it had no energy.pue_origin input: a model change, not an edit.
    document = json.loads(base_json.read_text())
    for scenario in document["scenarios"]:
        scenario["inputs"].pop("energy.pue_origin", None)
    older = tmp_path / "older.json"
    older.write_text(json.dumps(document))
    assert main(["diff", str(older), str(base_json)]) == 0
    out = capsys.readouterr().out
    assert "Only the new results have energy.pue_origin (a change of the model" in out
    assert "input  energy.pue_origin" not in out


def test_a_long_source_that_changed_is_shown_by_the_words_that_changed():
    from scendsl.report.diff import SourceChange

    shared = "Shehabi et al. 2024, United States Data Center Energy Usage Report (LBNL), "
    old = shared + "colocation PUE 1.4 in 2023; " + shared
    new = shared + "colocation PUE 1.45 in 2024; " + shared
    line = SourceChange("energy.pue", old, new, kind="catalog").line()
    assert "PUE 1.4 in 2023" in line and "PUE 1.45 in 2024" in line
    assert line.count("Shehabi") < 4 and "…" in line  # the shared text is not repeated whole
    short = SourceChange("energy.pue", "LBNL 2024", "LBNL 2025").line()
    assert short == 'source of energy.pue: "LBNL 2024" → "LBNL 2025"'


# ------------------------------------------------------------------------------- refusals
def real_document(base_json):
    return json.loads(base_json.read_text())


def _breakers():
    def figure_without_value(d):
        del d["scenarios"][0]["metrics"]["energy.facility_power"]["value"]

    def text_for_a_list(d):
        d["scenarios"][0]["claims"] = "none"

    def claim_with_unknown_op(d):
        d["scenarios"][0]["claims"][0]["op"] = "=~"

    def sweep_missing_variants(d):
        d["sweeps"][0]["variants"].pop()

    def sweep_variants_shuffled(d):
        variants = d["sweeps"][0]["variants"]
        variants[0], variants[1] = variants[1], variants[0]

    def two_scenarios_of_one_name(d):
        d["scenarios"].append(d["scenarios"][0])

    return {
        "a list, not an object": (lambda d: [d], "the document: expected an object, got a list"),
        "no version": (lambda d: d.pop("version"), "no `version`"),
        "another format version": (
            lambda d: d.update(version=2),
            "its format is version 2, this scendsl reads version 1",
        ),
        "a flag for a version": (lambda d: d.update(version=True), "format is version true"),
        "no scenarios": (lambda d: d.pop("scenarios"), "scenarios: expected a list, got null"),
        "a figure without value": (figure_without_value, "energy.facility_power: no `value`"),
        "text for a list": (text_for_a_list, "claims: expected a list, got text"),
        "unknown comparison": (claim_with_unknown_op, "unknown comparison '=~'"),
        "a variant missing": (sweep_missing_variants, "11 variants where its axes make 12"),
        "variants out of order": (sweep_variants_shuffled, "not in the order of the axes"),
        "a name twice": (two_scenarios_of_one_name, "two scenarios named 'bench_h100'"),
    }


BREAKERS = _breakers()


@pytest.mark.parametrize("name", sorted(BREAKERS))
def test_a_file_not_of_the_eval_shape_is_refused_with_a_located_error(
    name, tmp_path, base_json, capsys
):
    breaker, expected = BREAKERS[name]
    document = real_document(base_json)
    broken = breaker(document)
    if name == "a list, not an object":
        document = broken
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(document))
    assert main(["diff", str(base_json), str(bad)]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:1:1: error: not a result of `scendsl eval --format json`: " in err
    assert expected in err
    assert "Traceback" not in err and "internal error" not in err


def test_not_json_is_refused_at_its_line_and_column(tmp_path, base_json, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text('{"version": 1,\n  "scenarios": [,]}\n')
    assert main(["diff", str(bad), str(base_json)]) == 1
    assert f"{bad}:2:17: error: not JSON: Expecting value" in capsys.readouterr().err


def test_not_utf8_and_nested_too_deeply_are_refused(tmp_path, base_json, capsys):
    binary = tmp_path / "binary.json"
    binary.write_bytes(b'{"version": 1, "title": "\xff"}')
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    assert main(["diff", str(binary), str(base_json)]) == 1
    assert "not UTF-8 text (byte 25)" in capsys.readouterr().err
    assert main(["diff", str(deep), str(base_json)]) == 1
    assert "nested too deeply" in capsys.readouterr().err


def test_a_file_over_the_size_bound_is_refused_unparsed(tmp_path, base_json, monkeypatch, capsys):
    monkeypatch.setattr(diff_json, "MAX_RESULT_JSON_BYTES", 2**20)
    big = tmp_path / "big.json"
    big.write_text('{"version": 1, "scenarios": [], "pad": "' + "x" * 2**20 + '"}')
    assert main(["diff", str(big), str(base_json)]) == 1
    assert f"{big}:1:1: error: the result file is larger than 1 MiB" in capsys.readouterr().err


def test_missing_file_a_folder_and_a_mix_with_scenario_files(tmp_path, base_json, capsys):
    assert main(["diff", str(tmp_path / "missing.json"), str(base_json)]) == 1
    assert "cannot read the result file: no such file or directory" in capsys.readouterr().err
    (tmp_path / "folder.json").mkdir()
    assert main(["diff", str(tmp_path / "folder.json"), str(base_json)]) == 1
    assert "cannot read the result file" in capsys.readouterr().err
    # A result file against scenario files: a usage error (exit 2), not a guess.
    assert main(["diff", str(base_json), "scenarios"]) == 2
    assert "usage: scendsl diff OLD.json NEW.json" in capsys.readouterr().err


def test_control_characters_in_names_are_shown_not_obeyed(tmp_path, base_json, capsys):
    document = real_document(base_json)
    document["scenarios"][0]["name"] = "evil\x1b[2J\nforged: ok"
    bad = tmp_path / "evil.json"
    bad.write_text(json.dumps(document))
    # No result names a scenario so (docs/security.md, item 114): refused, the name spelt.
    assert main(["diff", str(base_json), str(bad)]) == 1
    captured = capsys.readouterr()
    assert "\x1b" not in captured.out + captured.err and "\nforged" not in captured.err
    assert "evil\\u001b[2J\\nforged: ok" in captured.err


def test_the_readme_states_the_size_bound_the_code_declares():
    from scendsl.defaults import MAX_RESULT_JSON_BYTES

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    assert f"larger than {MAX_RESULT_JSON_BYTES // 2**20} MiB (`MAX_RESULT_JSON_BYTES`" in readme


def test_nan_literals_and_unbounded_integers_are_refused(tmp_path, base_json, capsys):
    text = base_json.read_text()
    nan = tmp_path / "nan.json"
    nan.write_text(text.replace('"value": 1.25,', '"value": NaN,', 1))
    big = tmp_path / "big.json"
    big.write_text(text.replace('"value": 1.25,', '"value": 1' + "0" * 400 + ",", 1))
    assert main(["diff", str(base_json), str(nan)]) == 1
    assert "NaN is not a value `eval --format json` writes" in capsys.readouterr().err
    assert main(["diff", str(base_json), str(big)]) == 1
    assert "a number too large" in capsys.readouterr().err
    # An exponent beyond a float's range reads as an infinity, which no result holds.
    infinite = tmp_path / "infinite.json"
    infinite.write_text(text.replace('"value": 1.25,', '"value": -1e400,', 1))
    assert main(["diff", str(base_json), str(infinite)]) == 1
    assert "a number too large" in capsys.readouterr().err


def test_an_input_graph_that_is_a_long_chain_or_a_cycle_does_not_recurse(tmp_path, base_json):
    """The graph of a hand-made file is not the registry's: 20,000 metrics in a chain, and two
    that name each other, are walked without recursion."""
    document = real_document(base_json)
    for side in ("old", "new"):
        data = copy.deepcopy(document)
        metrics = data["scenarios"][0]["metrics"]
        value = 1.0 if side == "old" else 2.0
        metrics["chain.0"] = {
            "value": value,
            "unit": "1",
            "meaning": "",
            "inputs": ["cluster.count"],
        }
        for i in range(1, 20_000):
            metrics[f"chain.{i}"] = {
                "value": value,
                "unit": "1",
                "meaning": "",
                "inputs": [f"chain.{i - 1}"],
            }
        metrics["loop.a"] = {"value": value, "unit": "1", "meaning": "", "inputs": ["loop.b"]}
        metrics["loop.b"] = {"value": value, "unit": "1", "meaning": "", "inputs": ["loop.a"]}
        (tmp_path / f"{side}.json").write_text(json.dumps(data))
    diff = diff_result_files(str(tmp_path / "old.json"), str(tmp_path / "new.json"), show_all=True)
    moved = {c.name: c.moved_by for c in diff.scenarios[0].metrics}
    assert len(moved) == 20_002
    assert moved["loop.a"] == moved["loop.b"] == ()


def test_the_version_written_in_the_json_is_the_package_version():
    import tomllib

    from scendsl.defaults import VERSION

    pyproject = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text())
    assert VERSION == scendsl.__version__ == pyproject["project"]["version"]
