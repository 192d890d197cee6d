"""`workload.expert_overlap`: the share of a mixture of experts' all-to-all that the run hides
behind computation (DeepSeek-V3's DualPipe) is left out of the step, on both paths."""

from __future__ import annotations

import pytest

import scendsl
from scendsl.errors import ScendslError
from scendsl.report.warnings import scenario_warnings

MOE = """
scenario moe {{
  year 2025
  region US
  cluster {{
    accelerator H100
    count 1024
  }}
  workload {{
    parameters 400B
    active_parameters 20B
    tokens 2T
    experts 128
    experts_per_token 8
    parallelism pipeline 8, expert 32, data auto
    {overlap}
  }}
}}
"""


def _result(overlap: str):
    scenario = scendsl.load_text(MOE.format(overlap=overlap), name="moe.scn").get("moe")
    return scendsl.evaluate(scenario)


def _value(result, name: str) -> float:
    value = result[name].value
    assert value is not None, name
    return float(value)


def test_the_exposed_all_to_all_shrinks_with_the_overlap():
    none, half, full = _result(""), _result("expert_overlap 50%"), _result("expert_overlap 100%")
    blocking = _value(none, "performance.expert_parallel_time")
    assert blocking > 0
    assert _value(half, "performance.expert_parallel_time") == pytest.approx(blocking / 2)
    assert _value(full, "performance.expert_parallel_time") == 0
    # The bottom-up step and the default-MFU path's training time both lose it.
    assert _value(full, "performance.step_time") < _value(none, "performance.step_time")
    assert _value(full, "performance.training_time") < _value(none, "performance.training_time")
    # The token permutation stays: it runs on the same accelerator, not over a link.
    assert _value(full, "performance.expert_permutation_time") == pytest.approx(
        _value(none, "performance.expert_permutation_time")
    )


def test_without_the_field_nothing_is_hidden_and_explain_says_so():
    found = _result("")["workload.expert_overlap"]
    assert found.value == 0
    assert found.origin == "default"


def test_an_overlap_past_the_whole_is_refused_at_its_line():
    with pytest.raises(ScendslError) as caught:
        _result("expert_overlap 150%")
    diagnostic = caught.value.diagnostics[0]
    assert "workload.expert_overlap" in diagnostic.message
    assert (diagnostic.span.line, diagnostic.span.col) == (16, 20)  # at the value written


def test_a_sweep_over_the_overlap_equals_each_variant_alone():
    # "On both paths": the vectorised sweep takes the overlap as a column, as a plain
    # evaluation takes one number.
    import numpy as np

    from scendsl.model.sweep import evaluate_sweep
    from scendsl.scenario import apply_sweep_point

    text = MOE.format(overlap="") + (
        "\nsweep hidden from moe {\n  workload.expert_overlap [0, 0.3, 1]\n}\n"
    )
    sweep = scendsl.load_text(text, name="moe.scn").sweeps[-1]
    table = evaluate_sweep(sweep)
    shape = tuple(len(axis.labels) for axis in sweep.axes)
    seen = []
    for flat in range(sweep.size):
        point = tuple(int(i) for i in np.unravel_index(flat, shape))
        one = scendsl.evaluate(apply_sweep_point(sweep, point))
        want = _value(one, "performance.expert_parallel_time")
        assert table.numbers["performance.expert_parallel_time"][flat] == pytest.approx(want)
        seen.append(want)
    assert seen[0] > seen[1] > seen[2] == 0


DENSE = """
scenario dense {
  year 2025
  region US
  cluster {
    accelerator H100
    count 64
  }
  workload {
    parameters 8B
    tokens 100B
    expert_overlap 80%
  }
}
"""


def test_an_overlap_on_a_dense_model_is_warned_about_at_its_line():
    scenarios = scendsl.load_text(DENSE, name="dense.scn")
    result = scendsl.evaluate(scenarios.get("dense"))
    found = {w.id: w for w in scenario_warnings(result)}
    warning = found["expert-overlap-on-dense-model"]
    assert "80%" in warning.text and "dense" in warning.text
    assert (warning.span.line, warning.span.col) == (12, 5)
    # The same scenario as a mixture of experts gets no such warning.
    moe = scendsl.load_text(
        DENSE.replace("expert_overlap", "experts 8\n    expert_overlap"), name="m.scn"
    )
    assert "expert-overlap-on-dense-model" not in {
        w.id for w in scenario_warnings(scendsl.evaluate(moe.get("dense")))
    }
