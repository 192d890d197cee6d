"""The Python API (issue 14, tool builder): scenarios made or changed in Python pass the same
checks as the language, errors name the field, and a result answers for inputs and metrics."""

from __future__ import annotations

import pytest

import scendsl
from scendsl.errors import ScenarioError, ScendslError


@pytest.fixture(scope="module")
def base():
    return scendsl.make_scenario(
        "demo", accelerator="H100", count=1000, year=2026, region="US", pue="1.2"
    )


def _message(error: ScendslError) -> str:
    return "\n".join(f"{d.message} {d.hint or ''}" for d in error.diagnostics)


def test_make_scenario_needs_no_internal_fields(base):
    assert base.title == "demo"
    assert base.cluster.count == 1000.0
    assert base.energy.pue == 1.2


def test_with_changes_negative_count_names_the_field_and_its_bound(base):
    with pytest.raises(ScendslError) as caught:
        scendsl.with_changes(base, count=-5)
    assert "'cluster.count' must be at least 1" in _message(caught.value)


def test_with_changes_refuses_mfu_above_one(base):
    with pytest.raises(ScenarioError) as caught:
        scendsl.with_changes(base, mfu=3.0)
    assert "'cluster.mfu' must be between 0% and 100%" in _message(caught.value)


def test_unknown_accelerator_names_the_field_with_a_suggestion(base):
    with pytest.raises(ScenarioError) as caught:
        scendsl.with_changes(base, accelerator="h100")
    text = _message(caught.value)
    assert "unknown accelerator 'h100'" in text and "did you mean 'H100'?" in text


def test_units_are_checked_like_the_language(base):
    with pytest.raises(ScenarioError) as caught:
        scendsl.with_changes(base, pue="1.2 GW")
    assert "'energy.pue' has no unit" in _message(caught.value)
    changed = scendsl.with_changes(base, accelerator_power="1.1 kW", count="100k to 200k")
    assert changed.cluster.accelerator_power == 1100.0
    assert changed.cluster.count.low == 100_000 and changed.cluster.count.high == 200_000


def test_unknown_field_is_refused_with_a_suggestion(base):
    with pytest.raises(ScenarioError) as caught:
        scendsl.with_changes(base, cuont=5)
    assert "unknown field 'cuont'" in _message(caught.value)


def test_missing_required_fields_are_named():
    with pytest.raises(ScenarioError) as caught:
        scendsl.make_scenario("x", accelerator="H100")
    text = _message(caught.value)
    assert "'year'" in text and "'region'" in text and "'cluster.count'" in text


def test_mix_and_parallelism_given_as_mappings_are_checked(base):
    changed = scendsl.with_changes(
        base, mix={"solar": 0.6, "grid": 0.4}, parallelism={"tensor": 8, "data": None}
    )
    assert [m.source for m in changed.energy.mix] == ["solar", "grid"]
    assert changed.workload.parallelism.tensor == 8
    with pytest.raises(ScenarioError) as caught:
        scendsl.with_changes(base, mix={"solar": 0.6, "grid": 0.3})
    assert "add up to 90%" in _message(caught.value)


def test_evaluate_refuses_a_model_copy_that_bypassed_the_checks(base):
    # pydantic's model_copy does not validate: evaluate checks the fields before computing.
    bad = base.model_copy(update={"cluster": base.cluster.model_copy(update={"count": -5})})
    with pytest.raises(ScenarioError) as caught:
        scendsl.evaluate(bad)
    assert "'cluster.count' must be at least 1" in _message(caught.value)


def test_result_lookup_covers_inputs_and_metrics(base):
    result = scendsl.evaluate(base)
    count = result["cluster.count"]
    assert (count.value, count.kind) == (1000.0, "input")
    assert count.origin is not None
    power = result["energy.facility_power"]
    assert power.unit == "W" and power.value > 0
    with pytest.raises(KeyError, match=r"did you mean 'energy\.facility_power'"):
        result["energy.facility_pwr"]


def test_with_changes_moves_the_result(base):
    doubled = scendsl.with_changes(base, count=2000)
    one = scendsl.evaluate(base)["energy.facility_power"].value
    two = scendsl.evaluate(doubled)["energy.facility_power"].value
    assert two == pytest.approx(2 * one)


def test_package_build_writes_briefings(tmp_path):
    source = tmp_path / "one.scn"
    source.write_text(
        "scenario one {\n  year 2026\n  region US\n"
        "  cluster.accelerator H100\n  cluster.count 1000\n}\n"
    )
    report = scendsl.build([source], tmp_path / "out", samples=0)
    assert "one.md" in report.files
    assert (tmp_path / "out" / "one.html").is_file()


def test_names_are_taken_whole_us_state_region_and_enum(base):
    changed = scendsl.with_changes(base, region="US-TX", precision="fp8")
    assert (changed.region, changed.workload.precision) == ("US-TX", "fp8")
    with pytest.raises(ScenarioError) as caught:
        scendsl.with_changes(base, precision="fp9")
    assert "did you mean 'fp8'?" in _message(caught.value)


def test_every_shipped_scenario_passes_the_python_checks():
    # The same reader checks both ways in: what the language accepted, Python accepts too.
    from scendsl.language.typed import check_scenario

    scenarios = scendsl.load_file("scenarios")
    for scenario in scenarios.all_scenarios():
        check_scenario(scenario)


@pytest.mark.parametrize("name", ["../x", "a/b", "", "a.b", "x" * 101])
def test_scenario_names_are_words_as_in_a_file(name):
    with pytest.raises(ScenarioError, match="a scenario name is a word"):
        scendsl.make_scenario(name, accelerator="H100", count=1, year=2026, region="US")


SWEPT = """
scenario colossus {
  year 2026
  region US
  cluster.accelerator H100
  cluster.count 1000
}
sweep colossus_growth from colossus {
  cluster.count [1000, 2000]
}
"""


@pytest.mark.parametrize(
    ("name", "said"),
    [
        # misspelt: a suggestion, as `result[name]` gives
        ("colosus", ["no scenario 'colosus'", "did you mean 'colossus'?"]),
        # a sweep's name: what it is and where its variants are
        ("colossus_growth", ["'colossus_growth' is a sweep", "variants()"]),
    ],
)
def test_get_of_a_name_no_scenario_has_says_why_and_what_to_write(name, said):
    with pytest.raises(KeyError) as caught:
        scendsl.load_text(SWEPT).get(name)
    assert all(words in str(caught.value) for words in said)


RANGED = SWEPT.replace(
    "  cluster.count 1000\n}", "  cluster.count 1000\n  energy.pue 1.1 to 1.4\n}", 1
)


def test_eval_document_is_the_document_eval_json_prints_with_monte_carlo_and_sweeps(
    tmp_path, capsys
):
    import json

    from scendsl.cli import main

    path = tmp_path / "hall.scn"
    path.write_text(RANGED, encoding="utf-8")
    options = ["--sweeps", "--samples", "300", "--seed", "5"]
    assert main(["eval", str(path), "--format", "json", *options]) == 0
    printed = json.loads(capsys.readouterr().out)
    document = scendsl.eval_document(scendsl.load_file(path), sweeps=True, samples=300, seed=5)
    assert document == printed
    power = document["scenarios"][0]["metrics"]["energy.facility_power"]
    assert power["p5"] < power["p50"] < power["p95"]
    assert [v["point"]["cluster.count"] for v in document["sweeps"][0]["variants"]] == [
        "1000",
        "2000",
    ]


def test_eval_document_checks_its_arguments_as_the_other_verbs_do():
    with pytest.raises(TypeError, match=r"scendsl.eval_document\(\) takes the scenarios"):
        scendsl.eval_document("hall.scn")  # type: ignore[arg-type]
    with pytest.raises(ScenarioError, match="samples must be between"):
        scendsl.eval_document(scendsl.load_text(SWEPT), samples=-1)
    assert "sweeps" not in scendsl.eval_document(scendsl.load_text(SWEPT), samples=0)
