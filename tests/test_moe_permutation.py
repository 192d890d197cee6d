"""Token permutation around the experts (issue 12): every routed copy of a token's hidden state
is gathered into expert order and scattered back, a memory-bound copy the dense calibration
never saw. It grows with the routed copies (k), shrinks with the tensor ranks, is paid with or
without expert parallelism, and is zero for a dense model, whose step must not move.
"""

import pytest

import scendsl
from scendsl.catalog import load_catalog
from scendsl.model.evaluate import evaluate
from tests.factories import figure_values

CATALOG = load_catalog()

SCENARIO = """
scenario s {{
  title "moe"
  year 2025
  region US
  cluster {{
    accelerator H100
    count 1024
{mfu}
  }}
  workload {{
    parameters {parameters}
    active_parameters 40B
    tokens 1T
    precision bf16
    layers 48
    hidden_size 6144
{experts}
    sequence_length 4096
    micro_batch 1
    global_batch 1024
    parallelism tensor {tensor}, pipeline 4, expert {expert}, data auto
  }}
}}
"""


def values(
    experts: int = 8, top_k: int = 2, expert: int = 8, tensor: int = 4, mfu: str = ""
) -> dict:
    moe = experts > 1
    text = SCENARIO.format(
        parameters="160B" if moe else "40B",
        experts=f"    experts {experts}\n    experts_per_token {top_k}" if moe else "",
        expert=expert if moe else 1,
        tensor=tensor,
        mfu=mfu,
    )
    return figure_values(evaluate(scendsl.load(text).get("s"), CATALOG))


def step_from_parts(v: dict) -> float:
    """The bottom-up step summed here from its parts, the permutation and the experts' kernel
    time among the per-micro-batch work (0 for a dense model), as a check on the model's own
    sum."""
    per_microbatch = (
        v["performance.compute_time"]
        + v["performance.memory_time"]
        + v["performance.tensor_parallel_time"]
        + v["performance.expert_parallel_time"]
        + v["performance.pipeline_p2p_time"]
        + v["performance.context_parallel_time"]
        + v["performance.expert_permutation_time"]
        + v["performance.expert_launch_time"]
    )
    parts = per_microbatch / (1 - v["performance.pipeline_bubble"])
    parts += v["performance.data_parallel_time"]
    parts += v["performance.optimizer_time"] + v["performance.offload_time"]
    return parts * v["performance.straggler_factor"]


def test_dense_model_pays_no_permutation_and_its_step_is_untouched():
    v = values(experts=1)
    assert v["performance.expert_permutation_time"] == 0
    assert v["performance.expert_stall_time"] == 0
    assert v["performance.step_time"] == pytest.approx(step_from_parts(v))


def test_permutation_is_a_part_of_the_moe_step():
    v = values()
    assert v["performance.expert_permutation_time"] > 0
    assert v["performance.step_time"] == pytest.approx(step_from_parts(v))


def test_permutation_grows_with_the_routed_copies_and_shrinks_with_tensor_ranks():
    def per_microbatch(v: dict) -> float:
        return v["performance.expert_permutation_time"] / v["performance.microbatches"]

    base = per_microbatch(values())
    assert per_microbatch(values(top_k=4)) == pytest.approx(2 * base)
    # twice the tensor ranks: half a rank's share of each micro-batch's routed copies
    assert per_microbatch(values(tensor=8)) == pytest.approx(base / 2)


def test_experts_kept_on_one_rank_still_permute_their_tokens():
    # grouped and block-sparse expert kernels (MegaBlocks) need each expert's tokens contiguous
    local = values(expert=1)
    assert local["performance.expert_parallel_time"] == 0
    assert local["performance.expert_permutation_time"] == pytest.approx(
        values()["performance.expert_permutation_time"]
    )


def test_default_mfu_path_adds_the_permutation_a_measured_mfu_already_holds():
    v = values()
    stall = (
        (v["performance.expert_parallel_time"] + v["performance.expert_permutation_time"])
        / (1 - v["performance.pipeline_bubble"])
        * v["performance.straggler_factor"]
    )
    assert v["performance.expert_stall_time"] == pytest.approx(stall)
    measured = values(mfu="    mfu 30%")
    assert measured["performance.expert_stall_time"] == 0
