"""Total training compute given directly (issue 12: runs publish their FLOPs more often than
their shape): `workload.training_flops` replaces (6·N + 12·L·h·s)·D."""

import pytest

import scendsl
from scendsl.model.evaluate import evaluate

TEXT = """
scenario run {{
  title "published compute"
  year 2024
  region US
  cluster {{
    accelerator H100
    count 16384
    mfu 40%
    mfu_basis running
  }}
  workload {{
    {workload}
  }}
}}
"""


def result(workload: str):
    return evaluate(scendsl.load(TEXT.format(workload=workload)).get("run"))


def test_given_compute_sets_the_training_time_without_a_model_shape():
    r = result("training_flops 3.8e25 FLOP\n    precision bf16")
    assert r.value("workload.training_flops") == pytest.approx(3.8e25)
    # 3.8e25 / (16,384 × 989.4 TFLOP/s × 40 %)
    expected = 3.8e25 / (16_384 * 989.4e12 * 0.40)
    assert r.value("performance.training_time") == pytest.approx(expected)


def test_given_compute_wins_over_parameters_and_tokens():
    r = result("parameters 405B\n    tokens 15.6T\n    training_flops 1e25 FLOP")
    assert r.value("workload.training_flops") == pytest.approx(1e25)


def test_without_it_the_compute_comes_from_the_shape():
    r = result("parameters 405B\n    tokens 15.6T")
    per_token = r.value("performance.model_flops_per_token")
    assert r.value("workload.training_flops") == pytest.approx(per_token * 15.6e12)


def test_out_of_range_compute_is_a_located_error_written_as_the_user_writes_it():
    import scendsl.errors

    with pytest.raises(scendsl.errors.ScenarioError) as caught:
        result("training_flops 1e40 FLOP")
    message = caught.value.diagnostics[0].render()
    assert "must be at most 1e35 FLOP" in message
    assert ":" in message.split("error")[0]  # path:line:col
