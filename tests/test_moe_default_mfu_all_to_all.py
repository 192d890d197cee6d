"""A mixture of experts at the default MFU (issue 12, mechanism 8): the default was measured on
dense runs, which have no expert all-to-all and no token permutation, so the MFU path adds what
the bottom-up path prices for both; experts kept on one rank still permute their tokens; a dense
model, or an MFU the scenario measured on its own MoE run, is not stretched.
"""

import pytest

import scendsl
from scendsl.catalog import load_catalog
from scendsl.model.evaluate import evaluate

CATALOG = load_catalog()

MOE = """
scenario s {{
  title "moe"
  year 2025
  region US
  cluster {{
    accelerator H800
    count 2048
{mfu}
  }}
  workload {{
    parameters 671B
    tokens 14.8T
    precision fp8
    layers 61
    hidden_size 7168
    experts 256
    experts_per_token 8
    sequence_length 4096
    global_batch 15360
    parallelism tensor 1, pipeline 16, expert {expert}, data auto
  }}
}}
"""


def values(expert: int, mfu: str = "") -> dict:
    result = evaluate(scendsl.load(MOE.format(expert=expert, mfu=mfu)).get("s"), CATALOG)
    return {
        **{k: v.value for k, v in result.inputs.items()},
        **{k: v.value for k, v in result.metrics.items()},
    }


def test_moe_at_the_dense_default_mfu_pays_its_exposed_all_to_all():
    v = values(64)
    ideal = v["workload.training_flops"] / v["cluster.effective_flops"]
    stall = (
        (v["performance.expert_parallel_time"] + v["performance.expert_permutation_time"])
        / (1 - v["performance.pipeline_bubble"])
        * v["performance.straggler_factor"]
    )
    assert stall > 0
    assert v["performance.training_time"] == pytest.approx(
        ideal * (1 + stall / v["performance.mfu_step_time"])
    )


def test_experts_kept_local_cost_no_all_to_all_only_their_permutation():
    v = values(1)
    assert v["performance.expert_parallel_time"] == 0
    stall = (
        v["performance.expert_permutation_time"]
        / (1 - v["performance.pipeline_bubble"])
        * v["performance.straggler_factor"]
    )
    assert v["performance.expert_stall_time"] == pytest.approx(stall)
    assert v["performance.training_time"] == pytest.approx(
        v["workload.training_flops"]
        / v["cluster.effective_flops"]
        * (1 + stall / v["performance.mfu_step_time"])
    )
    assert stall < values(64)["performance.expert_stall_time"]


def test_an_mfu_measured_on_the_moe_run_already_holds_its_all_to_all():
    v = values(64, "    mfu 20%")
    assert v["cluster.mfu_origin"] == "scenario"
    assert v["performance.expert_stall_time"] == 0
    assert v["performance.training_time"] == pytest.approx(
        v["workload.training_flops"] / v["cluster.effective_flops"]
    )
