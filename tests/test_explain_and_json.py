"""explain's derivation trees (golden, read before committing) and the eval JSON contract."""

import json
from pathlib import Path

import pytest

import scendsl
from scendsl.cli import main
from scendsl.model.evaluate import evaluate
from scendsl.report.explain import explain_text, explain_tree
from tests.factories import CARD_WITHOUT_SCALEUP_DOMAIN

GOLDEN = Path("tests/fixtures/explain")


@pytest.fixture(scope="module")
def colossus2():
    return evaluate(scendsl.load("scenarios/colossus2.scn").get("colossus2"))


@pytest.mark.parametrize(
    "metric",
    ["energy.facility_power", "cluster.peak_fp8", "reliability.failures_per_day", "market.capex"],
)
def test_golden_explain(colossus2, metric, file_regression):
    file_regression.check(explain_text(colossus2, metric), fullpath=GOLDEN / f"{metric}.txt")


def test_explain_reaches_sourced_leaves_for_every_metric(colossus2):
    def leaves(entry):
        if entry.get("inputs"):
            for child in entry["inputs"]:
                yield from leaves(child)
        elif not entry.get("repeat"):
            yield entry

    for name in colossus2.metrics:
        for leaf in leaves(explain_tree(colossus2, name)):
            assert leaf["kind"] == "input", (name, leaf["name"])
            # every leaf says where it came from, unless it is missing (then the metric is n/a)
            assert leaf["origin"] or leaf["value"] == "n/a", (name, leaf["name"])


def test_eval_json_contract(capsys):
    assert main(["eval", "scenarios/colossus2.scn", "--format", "json", "--samples", "0"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["version"] == 1
    first = document["scenarios"][0]
    assert list(first)[:2] == ["name", "title"]
    assert {"inputs", "metrics", "claims"} <= set(first)
    power = first["metrics"]["energy.facility_power"]
    assert power["unit"] == "W" and power["inputs"] == ["energy.it_power", "energy.pue"]
    assert first["inputs"]["cluster.count"]["value"] == 100_000
    assert first["inputs"]["cluster.count"]["origin"].startswith("scenarios/colossus2.scn:")
    claim = next(c for c in first["claims"] if c["metric"] == "energy.facility_power")
    assert set(claim) >= {"metric", "op", "expected", "actual", "holds", "quote", "file", "line"}
    assert claim["expected"] == 500e6 and claim["holds"] is (claim["actual"] >= 500e6)


def test_eval_json_is_deterministic(capsys):
    outputs = []
    for _ in range(2):
        assert main(["eval", "scenarios", "--format", "json", "--sweeps"]) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1]
    document = json.loads(outputs[0])
    uncertain = next(s for s in document["scenarios"] if s["name"] == "colossus2_uncertain")
    power = uncertain["metrics"]["energy.facility_power"]
    assert power["p5"] < power["p50"] < power["p95"]
    assert 0.0 <= uncertain["claims"][0]["probability"] <= 1.0
    assert len(document["sweeps"][0]["variants"]) == 12


def test_explain_unknown_metric_suggests(capsys):
    assert main(["explain", "scenarios/colossus2.scn", "colossus2", "energy.facilty_power"]) == 1
    assert "did you mean 'energy.facility_power'" in capsys.readouterr().err


def test_metric_index_matches_the_registry():
    from scendsl.model.claims import build_index, metric_index

    assert metric_index() == build_index(), (
        "scendsl/model/metric_index.json is stale: run `python -m scendsl.model.claims`"
    )


def test_an_na_figure_is_explained_by_the_inputs_without_a_value_first(tmp_path, capsys):
    path = tmp_path / "card.scn"
    path.write_text(CARD_WITHOUT_SCALEUP_DOMAIN, encoding="utf-8")
    assert main(["explain", str(path), "card", "performance.step_time"]) == 0
    out = capsys.readouterr().out
    head = out.split("performance.step_time = n/a")[0]
    assert "performance.step_time is n/a: no value for" in head
    assert "accelerator.scaleup_domain" in head
    # A figure with a value says nothing of missing inputs, even when some leaf is n/a.
    assert main(["explain", str(path), "card", "performance.training_time"]) == 0
    assert "is n/a" not in capsys.readouterr().out


def test_explain_depth_counts_the_figures_it_does_not_list(colossus2):
    full = explain_tree(colossus2, "performance.step_time")
    shallow = explain_tree(colossus2, "performance.step_time", depth=1)
    assert [c["name"] for c in shallow["inputs"]] == [c["name"] for c in full["inputs"]]
    for child, whole in zip(shallow["inputs"], full["inputs"], strict=True):
        assert "inputs" not in child
        if whole.get("inputs"):  # a figure expanded in full is counted at depth 1
            assert child["inputs_hidden"] == len(whole["inputs"])
    text = explain_text(colossus2, "performance.step_time", depth=1)
    assert len(text.splitlines()) < len(
        explain_text(colossus2, "performance.step_time").splitlines()
    )
    assert "inputs below (a larger --depth shows them)" in text


def test_explain_depth_still_expands_a_figure_first_met_below_the_cut(colossus2):
    def names(entry, out):
        out.append((entry["name"], "inputs" in entry, entry.get("repeat", False)))
        for child in entry.get("inputs") or []:
            names(child, out)
        return out

    seen = names(explain_tree(colossus2, "energy.training_energy", depth=2), [])
    expanded = {name for name, has_inputs, _ in seen if has_inputs}
    for name, _, repeat in seen:
        # "derived above" only ever points at a figure the tree does expand somewhere
        assert not repeat or name in expanded, name


def test_explain_json_is_the_tree_as_data(capsys):
    argv = ["explain", "scenarios/colossus2.scn", "colossus2", "energy.facility_power"]
    assert main([*argv, "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["scenario"] == "colossus2" and document["metric"] == "energy.facility_power"
    assert document["missing"] == []
    assert document["tree"] == json.loads(json.dumps(explain_tree(colossus2_result(), argv[3])))
    assert main([*argv, "--format", "json", "--depth", "1"]) == 0
    tree = json.loads(capsys.readouterr().out)["tree"]
    assert all("inputs" not in child for child in tree["inputs"])


def test_explain_json_gives_each_number_in_si_beside_its_text(capsys, tmp_path):
    """A dashboard reads the tree's numbers, not the text a reader reads: `value_si` and `unit`
    as the eval JSON gives them, an uncertain input's `range_si`; a category has none."""
    path = tmp_path / "ranged.scn"
    path.write_text(
        "scenario ranged {\n  year 2026\n  region US\n  cluster.accelerator H100\n"
        "  cluster.count 1000\n  energy.pue 1.2 to 1.4\n}\n",
        encoding="utf-8",
    )
    result = evaluate(scendsl.load_file(str(path)).get("ranged"))
    assert main(["explain", str(path), "ranged", "energy.facility_power", "--format", "json"]) == 0
    tree = json.loads(capsys.readouterr().out)["tree"]
    assert (tree["value_si"], tree["unit"]) == (result["energy.facility_power"].value, "W")
    pue = next(child for child in tree["inputs"] if child["name"] == "energy.pue")
    distribution = result["energy.pue"].distribution
    assert pue["range_si"] == [distribution.low, distribution.high]
    assert main(["explain", str(path), "ranged", "export.status", "--format", "json"]) == 0
    status = json.loads(capsys.readouterr().out)["tree"]
    assert "value_si" not in status and "unit" not in status


def colossus2_result():
    return evaluate(scendsl.load("scenarios/colossus2.scn").get("colossus2"))


@pytest.mark.parametrize("depth", ["0", "-1", "two", "1e9"])
def test_explain_depth_out_of_bounds_is_a_usage_error(depth, capsys):
    argv = ["explain", "scenarios/colossus2.scn", "colossus2", "energy.facility_power"]
    assert main([*argv, "--depth", depth]) == 2
    assert "--depth" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("path", "scenario", "metric"),
    [
        ("scenarios/colossus2.scn", "colossus2", "energy.annual_cost"),
        ("examples/trials/santiago.scn", "chile_buy", "market.capex"),
        ("examples/trials/berlin.scn", "eu_gigafactory", "risk.compute_regulation"),
    ],
)
def test_explain_json_conforms_to_its_schema(path, scenario, metric, capsys):
    """`scendsl schema` describes the trace under `explain`: a dashboard can rely on it."""
    from tests.test_eval_schema import conforms

    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)["explain"]
    assert main(["explain", path, scenario, metric, "--format", "json"]) == 0
    conforms(json.loads(capsys.readouterr().out), schema, schema)


def test_the_python_api_explains_a_result_and_refuses_what_it_has_not():
    result = colossus2_result()
    assert scendsl.explain(result, "energy.facility_power")["tree"]["unit"] == "W"
    with pytest.raises(KeyError, match=r"did you mean 'energy\.facility_power'"):
        scendsl.explain(result, "energy.facility_powr")
    for depth in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="depth"):
            scendsl.explain(result, "energy.facility_power", depth=depth)
    with pytest.raises(TypeError):
        scendsl.explain("colossus2", "energy.facility_power")
