"""Gradient buckets: Megatron-Core and DeepSpeed reduce the gradients in buckets, one collective
each, launched as the backward pass produces them. Each bucket pays the collective's latency,
and the last one can start only when the backward pass ends."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

import scendsl
from scendsl.catalog.load import load_catalog
from scendsl.model.domains.step_time import (
    data_parallel_time,
    gradient_buckets,
    gradient_ring_time,
    gradient_tree_time,
)
from scendsl.model.domains.training_formulas import ring_latency_seconds, tree_latency_seconds
from scendsl.model.evaluate import evaluate
from scendsl.report.explain import explain_text

# MLPerf Training v5.1's Llama 3.1 8B on 512 GB200: tensor 2, context 4, data 64
TEXT = """
scenario s {{
  year 2025
  region US
  cluster {{
    accelerator GB200
    count 512
  }}
  workload {{
    parameters      8.03B
    tokens          1B
    precision       fp8
    framework       {framework}
    parallelism     tensor 2, pipeline 1, context 4, data auto{bucket}
    sequence_length 8192
    micro_batch     1
    global_batch    64
    layers          32
    hidden_size     4096
  }}
}}
"""

BASE, UP, OUT = 8.4e-6, 3.4e-6, 14.0e-6  # NCCL tuning.cc: ring, Simple protocol
TREE = (8.4e-6, 4.0e-6, 14.0e-6)
TREE_EFFICIENCY = 0.92


def run(bucket=None, framework="megatron"):
    written = f"\n    gradient_bucket {bucket}" if bucket else ""
    text = TEXT.format(bucket=written, framework=framework)
    return evaluate(scendsl.load(text).get("s"))


def test_the_catalog_holds_the_frameworks_defaults_with_their_source():
    calibration = load_catalog().calibration
    assert calibration["gradient_bucket_megatron"].value == 40e6
    assert calibration["gradient_bucket_per_replica_megatron"].value == 1e6
    assert "distributed_data_parallel.py" in calibration["gradient_bucket_megatron"].source
    assert calibration["gradient_bucket_deepspeed"].value == 5e8
    assert "reduce_bucket_size" in calibration["gradient_bucket_deepspeed"].source


def test_a_written_bucket_splits_the_reduction_as_the_published_config_does():
    # BUCKET_SIZE=768000000: Ψ / (t = 2) = 4.015B parameters a rank, ⌈4.015 / 0.768⌉ = 6
    result = run("768M")
    assert result.value("performance.gradient_bucket") == pytest.approx(768e6)
    assert result.value("performance.gradient_buckets") == 6


def test_megatrons_default_bucket_grows_with_the_data_parallel_group():
    # max(40M, 1M × d), d = 512 / (2 × 4) = 64: 64M parameters, ⌈4.015B / 64M⌉ = 63 buckets
    result = run()
    assert result.value("performance.gradient_bucket") == pytest.approx(64e6)
    assert result.value("performance.gradient_buckets") == 63
    # DeepSpeed's is fixed: 5e8 elements, ⌈4.015B / 0.5B⌉ = 9
    assert run(framework="deepspeed").value("performance.gradient_buckets") == 9


LAYERS = (6, 32, 1)  # 6 parameter tensors a layer, 32 layers, one pipeline stage


def test_zero3_keeps_its_per_layer_exchange():
    assert gradient_buckets(4e9, 0.0, 64e6, 3, *LAYERS) == 1.0
    assert gradient_buckets(4e9, 0.0, 64e6, 1, *LAYERS) == 63.0
    assert gradient_buckets(1e6, 0.0, 64e6, 1, *LAYERS) == 1.0  # a small model is one bucket


def test_a_bucket_smaller_than_a_tensor_holds_that_tensor_alone():
    # bucket_size 64 (Cisco's MLPerf configs): one bucket per parameter tensor, 6 × 32 of them
    assert gradient_buckets(8e9, 0.0, 64.0, 1, *LAYERS) == 192.0
    # on a stage of a 4-stage pipeline, a quarter of them
    assert gradient_buckets(2e9, 0.0, 64.0, 1, 6, 32, 4) == 48.0
    assert run("64").value("performance.gradient_buckets") == 6 * 32


def _layout(buckets, ranks=256, per_domain=32, parameters=4.015e9, bandwidth=1.8e12):
    return (parameters, ranks, 1, bandwidth, ranks, bandwidth, per_domain, 0.0, buckets)


def test_each_bucket_pays_the_collectives_latency_once():
    ring_one = gradient_ring_time(*_layout(1.0), BASE, UP, OUT)
    ring_six = gradient_ring_time(*_layout(6.0), BASE, UP, OUT)
    # 256 ranks, 32 to a domain: 8 domains, 2 × 7 hops across them, 2 × 248 inside
    alpha = BASE + 2 * 248 * UP + 2 * 7 * OUT
    assert ring_latency_seconds(256, 32, BASE, UP, OUT, 2.0) == pytest.approx(alpha)
    assert ring_six - ring_one == pytest.approx(5 * alpha)
    tree_one = gradient_tree_time(*_layout(1.0), *TREE, TREE_EFFICIENCY)
    tree_six = gradient_tree_time(*_layout(6.0), *TREE, TREE_EFFICIENCY)
    tree_alpha = tree_latency_seconds(256, 32, *TREE)
    assert tree_six - tree_one == pytest.approx(5 * tree_alpha)


def _exposed(buckets, backward, eta, ranks=256, per_domain=32, parameters=4.015e9):
    layout = _layout(buckets, ranks, per_domain, parameters)
    ring = gradient_ring_time(*layout, BASE, UP, OUT)
    tree = gradient_tree_time(*layout, *TREE, TREE_EFFICIENCY)
    exposed = data_parallel_time(
        parameters, 1, 1.5 * backward, 1, ranks, 1.8e12, eta, per_domain,
        BASE, UP, OUT, ring, tree, 0.0, 1.0, 1.8e12, 1.0, buckets,
    )  # fmt: skip
    return exposed, min(ring, tree)


def test_one_bucket_cannot_overlap_the_backward_pass():
    # its gradients are ready only when the backward pass ends
    exposed, allreduce = _exposed(1.0, backward=1.0, eta=1.0)
    assert exposed == pytest.approx(allreduce)
    # with two, half of what overlap could hide is hidden
    exposed, allreduce = _exposed(2.0, backward=1.0, eta=1.0)
    assert exposed == pytest.approx(allreduce / 2)


@given(
    buckets=st.integers(1, 10_000),
    backward=st.floats(0.0, 10.0),
    eta=st.floats(0.0, 0.5),
    ranks=st.integers(2, 100_000),
    per_domain=st.integers(1, 72),
    parameters=st.floats(1e6, 1e12),
)
def test_more_buckets_never_expose_less_than_one_buckets_latency(
    buckets, backward, eta, ranks, per_domain, parameters
):
    per_domain = min(per_domain, ranks)
    exposed, _ = _exposed(float(buckets), backward, eta, ranks, per_domain, parameters)
    one_latency = min(
        ring_latency_seconds(ranks, per_domain, BASE, UP, OUT, 2.0),
        tree_latency_seconds(ranks, per_domain, *TREE),
    )
    assert exposed >= one_latency * (1 - 1e-9)


def test_explain_shows_the_bucket_and_where_it_comes_from():
    text = explain_text(run("768M"), "performance.gradient_buckets")
    assert "workload.gradient_bucket" in text
    assert "768" in text
    default = explain_text(run(), "performance.gradient_bucket")
    assert "gradient_bucket_megatron" in default
    assert "distributed_data_parallel.py" in default
