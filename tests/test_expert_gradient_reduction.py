"""A mixture's expert gradients are reduced over their own group (issue 12, mixtures of experts).

Megatron-Core carves the expert-parallel ranks out of the data-parallel ones and numbers the
expert ranks tensor, then expert, then data: each routed expert has d·c / e copies, t·e ranks
apart, and its gradients are reduced among those only. With the expert-parallel group filling an
8-GPU server, every copy of an expert sits in another server, so the experts' ring crosses the
network over one NIC per rank where the shared weights' ring has all eight of a server's NICs.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import scendsl
from scendsl.model.domains.step_time import (
    GRADIENT_ALLREDUCE_INPUTS,
    data_parallel_time,
    expert_gradient_bandwidth,
    expert_gradient_replicas_per_domain,
    gradient_ring_time,
    gradient_tree_time,
)

TEXT = """
scenario s {{
  year 2025
  region US
  cluster {{
    accelerator B200
    count {count}
  }}
  workload {{
    parameters             116.8B
    active_parameters      5.1B
    tokens                 2B
    framework              megatron
    zero_stage             1
    parallelism            tensor 1, pipeline 1, expert {expert}, data auto
    sequence_length        4096
    micro_batch            4
    global_batch           512
    layers                 36
    hidden_size            2880
    attention_heads        64
    head_dim               64
    kv_heads               8
    mlp                    gated
    experts                128
    experts_per_token      4
    expert_ffn_hidden_size 2880
  }}
}}
"""

NIC = 100e9  # B200 catalog scale-out bandwidth, bidirectional: one 400 Gb/s NIC per GPU
NVLINK = 1.8e12


def run(expert: int, count: int = 64):
    text = TEXT.format(expert=expert, count=count)
    return scendsl.evaluate(scendsl.load_text(text, name="s.scn").get("s"))


def test_experts_filling_a_server_reduce_their_gradients_over_one_nic_per_rank():
    result = run(expert=8)
    assert result.value("performance.expert_gradient_replicas") == 8
    assert result.value("performance.expert_gradient_bandwidth") == pytest.approx(NIC)
    # The shared weights' ring still leaves each server over all eight NICs.
    assert result.value("performance.data_parallel_bandwidth") == pytest.approx(8 * NIC)


def test_experts_split_over_two_ranks_leave_four_copies_in_each_server():
    result = run(expert=2)
    assert result.value("performance.expert_gradient_replicas") == 32
    assert result.value("performance.expert_gradient_bandwidth") == pytest.approx(4 * NIC)


def test_experts_held_once_have_no_gradients_to_reduce():
    # e = d·c: one copy of each expert, so only the shared weights are reduced. Against the
    # same run with the expert gradients reduced as if replicated over every rank, less time.
    result = run(expert=64)
    assert result.value("performance.expert_gradient_replicas") == 1
    shared = result.value("performance.parameters_per_accelerator") - result.value(
        "performance.expert_parameters_per_accelerator"
    )
    assert shared > 0
    assert result.value("performance.data_parallel_time") < _exposed_all_over_the_data_group(result)


def test_the_expert_gradients_over_their_own_group_slow_a_short_step():
    # gpt-oss-120b's layout on 64 B200 (two micro-batches a step): 14 billion expert
    # parameters per GPU, reduced over eight copies in eight servers, cost far more than the
    # whole gradient set over the servers' eight NICs each.
    result = run(expert=8)
    experts = result.value("performance.expert_parameters_per_accelerator")
    assert experts > 0.85 * result.value("performance.parameters_per_accelerator")
    assert result.value("performance.data_parallel_time") > 3 * _exposed_all_over_the_data_group(
        result
    )


def _exposed_all_over_the_data_group(result) -> float:
    """The exposed gradient time were every parameter reduced over all d·c ranks at the shared
    weights' bandwidth (the model before the experts' own group)."""
    allreduce = [result.value(name) for name in GRADIENT_ALLREDUCE_INPUTS]
    allreduce[-2] = 0.0  # no expert parameters of their own: all of them over d·c
    latency = [
        result.value(f"performance.collective_{name}")
        for name in ("base_latency", "hop_latency_scaleup", "hop_latency_scaleout")
    ]
    tree_figures = [
        result.value(f"performance.collective_tree_{name}")
        for name in (
            "base_latency",
            "hop_latency_scaleup",
            "hop_latency_scaleout",
            "bandwidth_efficiency",
        )
    ]
    return data_parallel_time(
        result.value("performance.parameters_per_accelerator"),
        1,
        result.value("performance.compute_time"),
        result.value("performance.microbatches"),
        result.value("performance.shard_replicas"),
        result.value("performance.shard_group_bandwidth"),
        result.value("performance.overlap_efficiency"),
        result.value("performance.gradient_replicas_per_domain"),
        *latency,
        gradient_ring_time(*allreduce, *latency),
        gradient_tree_time(*allreduce, *tree_figures),
        0.0,
        1.0,
        result.value("performance.data_parallel_bandwidth"),
        1.0,
        result.value("performance.gradient_buckets"),
    )


@settings(max_examples=60, deadline=None)
@given(
    domain=st.sampled_from([4, 8, 72]),
    tensor=st.sampled_from([1, 2, 4, 8]),
    expert=st.sampled_from([1, 2, 4, 8, 16, 32, 64]),
    replicas=st.sampled_from([1, 2, 4, 8, 16, 64]),
)
def test_spreading_the_experts_wider_never_speeds_their_gradient_links(
    domain, tensor, expert, replicas
):
    # Monotonic: more expert-parallel ranks put the copies of an expert further apart, so no
    # more of them share a domain and its NICs.
    used, experts, dense = 4096, 256, 8 * NIC

    def bandwidth(e):
        per_domain = expert_gradient_replicas_per_domain(replicas, domain, tensor, e)
        return expert_gradient_bandwidth(used, domain, NVLINK, NIC, per_domain, experts, dense)

    narrow, wide = bandwidth(expert), bandwidth(2 * expert)
    assert wide <= narrow
    assert NIC <= wide <= NVLINK
