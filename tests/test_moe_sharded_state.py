"""A mixture of experts' sharded model state (issue 12, mixtures of experts): the expert-parallel
ranks are drawn from the data-parallel ones, so each expert is held by N_d / e ranks and its
ZeRO-sharded state (optimizer; gradients and weights at stages 2 and 3) is split over those
ranks only. Spreading the experts over more ranks cuts the unsharded state (the weights at
ZeRO-1), never the sharded state a rank keeps (performance.sharded_parameters)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import scendsl
from scendsl.model.domains.memory import parameters_per_accelerator, sharded_parameters

MOE = """
scenario moe {{
  year 2025
  region US
  cluster {{
    accelerator H100
    count 256
  }}
  workload {{
    parameters 236B
    active_parameters 21B
    tokens 1T
    layers 60
    hidden_size 5120
    experts 160
    experts_per_token 6
    expert_ffn_hidden_size 1536
    mlp gated
    zero_stage {zero}
    parallelism tensor 1, pipeline 16, data auto, expert {expert}
  }}
}}
"""


def _result(expert: int, zero: int = 1):
    text = MOE.format(expert=expert, zero=zero)
    return scendsl.evaluate(scendsl.load_text(text, name="moe.scn").get("moe"))


def _value(result, name: str) -> float:
    value = result[name].value
    assert value is not None, name
    return float(value)


@settings(max_examples=40, deadline=None)
@given(
    total=st.floats(1e9, 2e12),
    active_share=st.floats(0.02, 0.5),
    experts=st.sampled_from([8, 16, 64, 128, 256]),
    top_k=st.sampled_from([1, 2, 8]),
    expert=st.sampled_from([1, 2, 8, 32, 64]),
    data=st.sampled_from([64, 128, 512]),
    tensor=st.sampled_from([1, 2, 8]),
    pipeline=st.sampled_from([1, 4, 16]),
)
def test_the_sharded_state_over_the_data_ranks_is_one_copy_of_the_slice(
    total, active_share, experts, top_k, expert, data, tensor, pipeline
):
    active = total * active_share
    expert = min(expert, experts)
    sharded = sharded_parameters(total, active, experts, top_k, expert, tensor, pipeline, data)
    # e ≤ N_d: the N_d ranks of one model-parallel slice together keep its state once, however
    # the experts are spread.
    assert sharded * data == pytest.approx(total / (tensor * pipeline), rel=1e-9)
    # Never more than a rank's own parameters, never less than a 1/N_d share of them.
    held = parameters_per_accelerator(total, active, experts, top_k, expert, tensor, pipeline)
    assert held / data <= sharded * (1 + 1e-12)
    assert sharded <= held * (1 + 1e-12)


def test_a_dense_model_shards_its_state_over_every_data_rank():
    assert sharded_parameters(70e9, 70e9, 1, 1, 1, 8, 4, 32) == pytest.approx(70e9 / (8 * 4 * 32))


def test_an_expert_held_by_fewer_ranks_than_the_group_keeps_one_rank_of_state():
    # Expert parallelism beyond the shard group: each expert on one rank, its state unsharded.
    total, active, experts = 100e9, 10e9, 64
    sharded = sharded_parameters(total, active, experts, 1, 64, 1, 1, 16)
    held = parameters_per_accelerator(total, active, experts, 1, 64, 1, 1)
    expert_share = (total - active) / (1 - 1 / experts)
    assert sharded == pytest.approx((total - expert_share) / 16 + expert_share / 64)
    assert sharded <= held


def test_spreading_the_experts_cuts_the_weights_kept_whole_not_the_optimizer_shard():
    narrow, wide = _result(expert=1), _result(expert=8)
    assert _value(wide, "performance.parameters_per_accelerator") < _value(
        narrow, "performance.parameters_per_accelerator"
    )
    assert _value(wide, "performance.sharded_parameters") == pytest.approx(
        _value(narrow, "performance.sharded_parameters")
    )
    # ZeRO-1: the Adam update streams the same optimizer shard through HBM either way.
    assert _value(wide, "performance.optimizer_time") == pytest.approx(
        _value(narrow, "performance.optimizer_time")
    )
    # ZeRO-3: every state is sharded, so the model state does not depend on e at all.
    assert _value(_result(8, zero=3), "performance.model_state_memory") == pytest.approx(
        _value(_result(1, zero=3), "performance.model_state_memory")
    )
