"""The expert-parallel degree of a mixture of experts that writes no parallelism (issue 12,
mixtures of experts): a framework that shards the experts over the data-parallel ranks (GShard's
sharding, JAX/GSPMD: frameworks.toml `experts_over_data`) spreads them over up to E of those
ranks, so each expert's GEMMs see the tokens of many ranks and the all-to-all is priced; one that
does not (Megatron-LM, DeepSpeed) keeps every expert on every rank unless the model had to shard
the model itself."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import scendsl
from scendsl.catalog import load_catalog

CATALOG = load_catalog()

MOE = """
scenario moe {{
  year 2022
  region US
  cluster {{
    accelerator {accelerator}
    count {count}
  }}
  workload {{
    parameters 1.2T
    active_parameters 96.6B
    tokens 280B
    framework {framework}
    sequence_length 1024
    layers 64
    hidden_size 8192
    experts {experts}
    experts_per_token 2
    moe_layer_interval 2{extra}
  }}
}}
"""


def _result(
    framework: str = "jax",
    count: int = 1024,
    experts: int = 64,
    accelerator: str = "TPUv4",
    extra: str = "",
):
    text = MOE.format(
        framework=framework, count=count, experts=experts, accelerator=accelerator, extra=extra
    )
    return scendsl.evaluate(scendsl.load_text(text, name="moe.scn").get("moe"))


def _value(result, name: str) -> float:
    value = result[name].value
    assert value is not None, name
    return float(value)


def test_the_frameworks_catalog_says_which_framework_spreads_experts_over_the_data_ranks():
    frameworks = CATALOG.frameworks
    assert frameworks["jax"].experts_over_data
    assert frameworks["jax"].experts_over_data_note
    # Megatron-LM's --expert-model-parallel-size and DeepSpeed-MoE's ep_size default to 1.
    assert not frameworks["megatron"].experts_over_data
    assert not frameworks["deepspeed"].experts_over_data


def test_under_jax_the_experts_spread_over_the_data_ranks_and_the_explain_says_why():
    result = _result()
    # ZeRO-3 under JAX: the model state fits unsharded by tensor or pipeline parallelism.
    assert _value(result, "workload.tensor_parallel") == 1
    assert _value(result, "workload.pipeline_parallel") == 1
    found = result["workload.expert_parallel"]
    assert found.value == 64
    assert found.origin == "default for jax"
    assert "data-parallel ranks" in (found.note or "")
    assert _value(result, "performance.expert_gemm_parallel") == 64
    # Each expert gathers b·s·k·e/E tokens: one 1,024-token sequence a rank, two experts each.
    assert _value(result, "performance.expert_gemm_tokens") == pytest.approx(1024 * 2 * 64 / 64)
    assert _value(result, "performance.expert_parallel_time") > 0


def test_spreading_the_experts_makes_their_gemms_faster_than_keeping_them_all_on_each_rank():
    spread = _result("jax")
    kept = _result("jax", extra="\n    parallelism tensor 1, pipeline 1, data auto")
    assert _value(kept, "workload.expert_parallel") == 1
    assert _value(spread, "performance.expert_gemm_factor") > _value(
        kept, "performance.expert_gemm_factor"
    )
    assert _value(spread, "performance.training_time") < _value(kept, "performance.training_time")


def test_a_framework_without_the_rule_keeps_the_experts_on_every_rank_when_nothing_is_sharded():
    result = _result("fsdp", accelerator="H100", extra="\n    recompute full")
    assert _value(result, "workload.tensor_parallel") == 1
    assert _value(result, "workload.pipeline_parallel") == 1
    assert _value(result, "workload.expert_parallel") == 1
    assert _value(result, "performance.expert_parallel_time") == 0


@settings(max_examples=12, deadline=None)
@given(
    count=st.sampled_from([8, 64, 256, 1024, 4096]),
    experts=st.sampled_from([2, 8, 16, 64, 128, 2048]),
)
def test_the_data_rank_degree_is_at_most_the_experts_and_the_data_ranks(count, experts):
    result = _result(count=count, experts=experts)
    degree = _value(result, "workload.expert_parallel")
    data = _value(result, "performance.data_parallel")
    assert degree == min(experts, data)
    assert degree == _value(result, "performance.expert_gemm_parallel")


# A mixture whose paper gives how its experts were spread (GRIN: no expert parallelism) and no
# tensor or pipeline degree writes the expert degree alone; the model lays out the rest.
GRIN_LIKE = """
scenario moe {{
  year 2024
  region US
  cluster {{
    accelerator H100
    count 512
  }}
  workload {{
    parameters 60.8B
    active_parameters 6.6B
    tokens 4T
    layers 32
    hidden_size 4096
    experts 16
    experts_per_token 2
    expert_ffn_hidden_size 6400
    mlp gated{parallelism}
  }}
}}
"""


def _grin_like(parallelism: str = ""):
    text = GRIN_LIKE.format(parallelism=parallelism)
    return scendsl.evaluate(scendsl.load_text(text, name="moe.scn").get("moe"))


def test_the_expert_degree_written_alone_leaves_tensor_and_pipeline_to_the_model():
    chosen = _grin_like()
    alone = _grin_like("\n    parallelism expert 1")
    # Written alone, the degree is kept and the model still shards the model until it fits.
    found = alone["workload.expert_parallel"]
    assert found.value == 1
    assert found.origin != "auto layout"
    assert alone["workload.tensor_parallel"].origin == "auto layout"
    assert "only the expert degree written" in (alone["workload.tensor_parallel"].note or "")
    assert _value(alone, "performance.memory_per_accelerator") <= _value(alone, "accelerator.hbm")
    # Every expert on every rank needs more sharding than experts spread over the layout.
    assert _value(alone, "workload.tensor_parallel") * _value(
        alone, "workload.pipeline_parallel"
    ) >= _value(chosen, "workload.tensor_parallel") * _value(chosen, "workload.pipeline_parallel")
    # No all-to-all; each expert is split as the tensor-parallel layers are (Megatron-Core's
    # default expert tensor parallelism).
    assert _value(alone, "performance.expert_parallel_time") == 0
    assert _value(alone, "performance.expert_gemm_tensor") == _value(
        alone, "workload.tensor_parallel"
    )
    # Another part of the layout written takes the whole layout as written (tensor 1 here).
    written = _grin_like("\n    parallelism expert 1, data auto")
    assert _value(written, "workload.tensor_parallel") == 1
    assert written["workload.tensor_parallel"].origin != "auto layout"


def test_a_sweep_over_an_expert_degree_alone_and_a_written_layout_keeps_each_as_alone():
    from scendsl.model.sweep import evaluate_sweep

    text = GRIN_LIKE.format(parallelism="") + (
        "sweep layouts from moe {\n  workload.parallelism [expert 1, tensor 8]\n}\n"
    )
    sweep = scendsl.load_text(text, name="layouts.scn").sweeps[0]
    table = evaluate_sweep(sweep)
    names = ("workload.tensor_parallel", "workload.pipeline_parallel", "workload.expert_parallel")
    for index in range(table.size):
        alone = scendsl.evaluate(sweep.variant_named(table.name(index)))
        for name in names:
            assert _value(alone, name) == table.numbers[name][index], (table.name(index), name)
