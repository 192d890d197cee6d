"""`cluster.hfu`: papers that recompute activations often report hardware FLOPs utilisation
(Megatron-LM's "% of peak", GLM-130B's HFU), which counts the recomputed forward passes as work.
Written as `mfu`, such a figure made the run up to a third faster than it was; `hfu` is turned
into the MFU by the recomputation the scenario has."""

import pytest

import scendsl
from scendsl.errors import ScenarioError
from scendsl.model.evaluate import evaluate

TEXT = """
scenario s {{
  year 2022
  region US
  cluster {{
    accelerator A100_80GB
    count       1024
    {utilisation}
  }}
  workload {{
    parameters  175B
    tokens      300B
    recompute   {recompute}
    parallelism tensor 8, pipeline 8, data auto
  }}
}}
"""


def run(utilisation, recompute="full"):
    text = TEXT.format(utilisation=utilisation, recompute=recompute)
    return evaluate(scendsl.load_text(text).get("s"))


def test_full_recomputation_takes_a_quarter_of_the_hfu_away():
    result = run("hfu 52%")
    assert result.value("performance.recompute_factor") == pytest.approx(4 / 3)
    assert result.value("performance.mfu") == pytest.approx(0.52 * 3 / 4)
    same = run("mfu 39%")
    assert result.value("performance.training_time") == pytest.approx(
        same.value("performance.training_time")
    )


def test_without_recomputation_hfu_is_mfu():
    assert run("hfu 45%", recompute="none").value("performance.mfu") == pytest.approx(0.45)


def test_an_hfu_is_the_scenario_own_figure_not_the_default():
    result = run("hfu 52%")
    assert result.value("cluster.mfu_origin") == "scenario"
    assert result.value("cluster.default_mfu") is None  # so no default-MFU spread either


def test_mfu_and_hfu_together_are_refused_at_the_hfu_with_the_mfu_line():
    text = TEXT.format(utilisation="hfu 52%\n    mfu 40%", recompute="full")
    with pytest.raises(ScenarioError) as raised:
        scendsl.load_text(text, name="s.scn")
    (diagnostic,) = raised.value.diagnostics
    assert "'cluster.hfu' and 'cluster.mfu' are both set" in diagnostic.message
    assert text.splitlines()[diagnostic.span.line - 1].strip() == "hfu 52%"
    assert "'cluster.mfu' is set here" in [note for note, _ in diagnostic.related]


def test_a_sweep_over_hfu_replaces_its_base_mfu_as_a_child_would():
    text = TEXT.format(utilisation="mfu 40%", recompute="full") + (
        "sweep w from s {\n  cluster.hfu [40%, 52%]\n}\n"
    )
    (sweep,) = scendsl.load_text(text, name="s.scn").sweeps
    scenarios = list(sweep.variants())
    assert all("cluster.mfu" not in variant.origins for variant in scenarios)
    results = [evaluate(variant) for variant in scenarios]
    assert [r.value("cluster.mfu") for r in results] == [None, None]
    assert [r.value("performance.mfu") for r in results] == pytest.approx([0.30, 0.39])


def test_a_sweep_over_both_hfu_and_mfu_is_refused():
    text = TEXT.format(utilisation="mfu 40%", recompute="full") + (
        "sweep w from s {\n  cluster.hfu [40%, 50%]\n  cluster.mfu [30%, 35%]\n}\n"
    )
    with pytest.raises(ScenarioError) as raised:
        scendsl.load_text(text, name="s.scn")
    assert "both set" in str(raised.value)


def test_a_child_writing_hfu_replaces_its_parent_mfu():
    text = TEXT.format(utilisation="mfu 40%", recompute="full") + (
        "scenario child extends s {\n  cluster.hfu 52%\n}\n"
        "scenario grandchild extends child {\n  cluster.mfu 30%\n}\n"
    )
    scenarios = scendsl.load_text(text)
    child = evaluate(scenarios.get("child"))
    assert child.value("cluster.mfu") is None
    assert child.value("performance.mfu") == pytest.approx(0.39)
    grandchild = evaluate(scenarios.get("grandchild"))
    assert grandchild.value("cluster.hfu") is None
    assert grandchild.value("performance.mfu") == pytest.approx(0.30)
