"""The routed experts' small kernels on the bottom-up path (issue 12, mixtures of experts): a
fixed time per local expert, MoE layer and micro-batch (performance.expert_launch_time), which
grows with the kernels issued, not with the tokens."""

from __future__ import annotations

import pytest

import scendsl

SCENARIO = """
scenario moe {{
  year 2025
  region US
  cluster {{
    accelerator B200
    count 16
  }}
  workload {{
    parameters 30.5B
    active_parameters 3.3B
    tokens 1T
    framework megatron
    layers 48
    hidden_size 2048
    attention_heads 32
    mlp gated
    sequence_length 4096
    global_batch 512
    micro_batch {micro}
    parallelism tensor 1, pipeline 1, expert {expert}, data auto
    {experts}
  }}
}}
"""
EXPERTS = "experts 128\n    experts_per_token 8\n    expert_ffn_hidden_size 768"


def _result(micro: int = 1, expert: int = 8, experts: str = EXPERTS):
    text = SCENARIO.format(micro=micro, expert=expert, experts=experts)
    return scendsl.evaluate(scendsl.load_text(text, name="moe.scn").get("moe"))


def _value(result, name: str) -> float:
    value = result[name].value
    assert value is not None, name
    return float(value)


def test_a_dense_model_pays_no_expert_kernel_time():
    dense = _result(expert=1, experts="ffn_hidden_size 6144")
    assert _value(dense, "performance.expert_launch_time") == 0.0


def test_it_follows_the_local_experts_not_the_tokens():
    spread, gathered = _result(expert=16), _result(expert=8)
    # Twice the expert ranks: half the experts on each, half the kernels issued...
    assert _value(spread, "performance.expert_launch_time") == pytest.approx(
        _value(gathered, "performance.expert_launch_time") / 2
    )
    # ...while four sequences per micro-batch instead of one leave a quarter of the
    # micro-batches, and so a quarter of the time, whatever the tokens in each.
    assert _value(_result(micro=4), "performance.expert_launch_time") == pytest.approx(
        _value(gathered, "performance.expert_launch_time") / 4
    )


def test_it_is_part_of_the_step():
    result = _result()
    launch = _value(result, "performance.expert_launch_time")
    assert launch > 0
    assert _value(result, "performance.replica_time") > launch
    # A larger micro-batch shortens the step mostly through this term.
    assert _value(_result(micro=4), "performance.step_time") < _value(
        result, "performance.step_time"
    )
