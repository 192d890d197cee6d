"""The layout of a mixture of experts' layers: leading dense layers (DeepSeek
first_k_dense_replace), an expert layer every n layers (Llama 4 Maverick
interleave_moe_layer_step) and shared experts every token passes through (DeepSeek, Llama 4,
Qwen MoE). Only the routed experts' layers pay the all-to-all, the permutation and the short
expert GEMMs."""

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
    active_parameters 17B
    tokens 20T
    layers 48
    hidden_size 5120
    mlp gated
    experts 128
    experts_per_token 1
    expert_ffn_hidden_size 8192{extra}
  }}
}}
"""


def _result(extra: str = ""):
    scenario = scendsl.load_text(MOE.format(extra=extra), name="moe.scn").get("moe")
    return scendsl.evaluate(scenario)


def _value(result, name: str) -> float:
    value = result[name].value
    assert value is not None, name
    return float(value)


def test_every_layer_has_experts_unless_the_layout_says_otherwise():
    assert _value(_result(), "performance.moe_layers") == 48
    assert _value(_result("\n    moe_layer_interval 2"), "performance.moe_layers") == 24
    assert _value(_result("\n    dense_layers 3"), "performance.moe_layers") == 45
    both = _result("\n    dense_layers 4\n    moe_layer_interval 2")
    assert _value(both, "performance.moe_layers") == 22


def test_dense_layers_between_expert_layers_leave_fewer_flops_in_the_short_expert_gemms():
    every, other = _result(), _result("\n    moe_layer_interval 2")
    share = _value(every, "performance.expert_flop_share")
    assert _value(other, "performance.expert_flop_share") == pytest.approx(share / 2)
    assert _value(other, "performance.expert_gemm_factor") > _value(
        every, "performance.expert_gemm_factor"
    )
    # The same active FLOPs per token: the model FLOPs do not move, the step does.
    assert _value(other, "workload.training_flops") == _value(every, "workload.training_flops")
    assert _value(other, "performance.expert_permutation_time") == pytest.approx(
        _value(every, "performance.expert_permutation_time") / 2
    )
    assert _value(other, "performance.training_time") < _value(every, "performance.training_time")


def test_shared_experts_enter_the_active_parameters_derived_from_the_total():
    text = MOE.replace("    active_parameters 17B\n", "")
    alone = scendsl.evaluate(scendsl.load_text(text.format(extra=""), name="m.scn").get("moe"))
    shared = scendsl.evaluate(
        scendsl.load_text(text.format(extra="\n    shared_experts 1"), name="m.scn").get("moe")
    )
    # N × (1/3 + 2/3 × (k + S)/(E + S)): 400B × (1/3 + 2/3 × 2/129) against 1/128.
    assert _value(alone, "workload.active_parameters") == pytest.approx(400e9 * (1 / 3 + 2 / 384))
    assert _value(shared, "workload.active_parameters") == pytest.approx(
        400e9 * (1 / 3 + 2 / 3 * 2 / 129)
    )


@pytest.mark.parametrize(
    "extra",
    [
        "moe_layer_interval 0",
        "moe_layer_interval 49",
        "dense_layers -1",
        "dense_layers 49",
        "shared_experts -1",
        "shared_experts 1.5",
    ],
)
def test_a_layout_out_of_bounds_is_a_located_error(extra):
    with pytest.raises(ScendslError) as raised:
        _result("\n    " + extra)
    diagnostic = raised.value.diagnostics[0]
    assert "workload." + extra.split()[0] in diagnostic.message
    assert diagnostic.span is not None and diagnostic.span.line == 19


DENSE = """
scenario dense {{
  year 2024
  region US
  cluster {{
    accelerator H100
    count 64
  }}
  workload {{
    parameters 8B
    tokens 100B
    {field}
  }}
}}
"""


@pytest.mark.parametrize(
    ("field", "rule"),
    [
        ("shared_experts 1", "moe-layout-on-dense-model"),
        ("dense_layers 3", "dense-layers-on-dense-model"),
        ("moe_layer_interval 2", "moe-interval-on-dense-model"),
    ],
)
def test_a_moe_layout_on_a_dense_model_is_warned_about_at_its_line(field, rule):
    text = DENSE.format(field=field)
    result = scendsl.evaluate(scendsl.load_text(text, name="dense.scn").get("dense"))
    found = {w.id: w for w in scenario_warnings(result)}
    assert "dense" in found[rule].text
    assert (found[rule].span.line, found[rule].span.col) == (12, 5)
    moe = text.replace(field, "experts 8\n    " + field)
    result = scendsl.evaluate(scendsl.load_text(moe, name="m.scn").get("dense"))
    assert rule not in {w.id for w in scenario_warnings(result)}


JET = """
scenario jet {{
  year 2024
  region US
  cluster {{
    accelerator H100
    count 96
  }}
  workload {{
    parameters 8B
    active_parameters 2.2B
    tokens 1T
    layers 24
    hidden_size 2048
    attention_heads 16
    head_dim 128
    ffn_hidden_size 5632
    mlp gated
    experts 8
    experts_per_token 2{extra}
  }}
}}
"""


def _jet(extra: str = ""):
    scenario = scendsl.load_text(JET.format(extra=extra), name="jet.scn").get("jet")
    return scendsl.evaluate(scenario)


def test_attention_experts_score_the_sequence_once_per_routed_expert():
    dense, routed = _jet(), _jet("\n    attention_experts 8")
    assert _value(dense, "performance.attention_query_sets") == 1
    assert _value(routed, "performance.attention_query_sets") == 2
    attention = 12 * 24 * 2048 * 4096  # 12·L·(a·d)·s per token at the default 4k sequence
    assert _value(routed, "performance.model_flops_per_token") - _value(
        dense, "performance.model_flops_per_token"
    ) == pytest.approx(attention)


def test_attention_experts_add_short_routed_gemms_and_a_second_permutation():
    dense, routed = _jet(), _jet("\n    attention_experts 8")
    assert _value(dense, "performance.attention_expert_flop_share") == 0
    assert _value(routed, "performance.attention_expert_flop_share") > 0
    assert _value(routed, "performance.attention_expert_gemm_rate") < 1
    assert _value(routed, "performance.expert_gemm_factor") < _value(
        dense, "performance.expert_gemm_factor"
    )
    assert _value(routed, "performance.expert_permutation_time") == pytest.approx(
        2 * _value(dense, "performance.expert_permutation_time")
    )
    assert _value(routed, "performance.training_time") > _value(dense, "performance.training_time")


def test_attention_experts_without_mlp_experts_are_warned_about():
    text = DENSE.format(field="attention_experts 8")
    result = scendsl.evaluate(scendsl.load_text(text, name="dense.scn").get("dense"))
    found = {w.id: w for w in scenario_warnings(result)}
    assert (found["attention-experts-on-dense-model"].span.line, 12) == (12, 12)
