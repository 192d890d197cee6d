"""`recompute offload`: MaxText's offloading remat policy (issue 12).

The layer input and the attention projections' outputs (q, k, v, the output projection's) are
sent to host memory in the forward pass and brought back for the backward pass; the attention
core and the MLP are recomputed. HBM keeps one layer's set, the host the others; the step pays
the recomputed MLP and the host-link traffic.
"""

from __future__ import annotations

import pytest

import scendsl
from scendsl.model.domains.training_formulas import (
    activation_bytes_per_layer,
    recompute_flops_factor,
)
from scendsl.model.evaluate import evaluate
from tests.factories import LLAMA31_8B_SHAPE

TEXT = """scenario s {{
  year 2025
  region US
  cluster {{
    accelerator TPUv6e
    count 256
  }}
  workload {{
    parameters      8.03B
    tokens          1T
    precision       bf16
    framework       jax
    zero_stage      3
    recompute       {recompute}
    parallelism     tensor 1, pipeline 1, data auto
    sequence_length 8192
    micro_batch     4
    global_batch    1024
    flash_attention on
{shape}
  }}
}}
"""

SEQUENCE, BATCH, HIDDEN, LAYERS, FFN = 8192, 4, 4096, 32, 14336


def run(recompute):
    return evaluate(
        scendsl.load_text(TEXT.format(recompute=recompute, shape=LLAMA31_8B_SHAPE)).get("s")
    ).metrics


def test_offload_keeps_the_input_and_the_attention_projections_per_layer():
    sbh = SEQUENCE * BATCH * HIDDEN
    # input 2 + q 2 + k and v at 8 of 32 heads' width (2 x 2 x 1/4) + output projection 2 bytes
    expected = sbh * (2 + 2 + 1 + 2)
    got = activation_bytes_per_layer(
        SEQUENCE, BATCH, HIDDEN, 32, 1, "offload", False, None, FFN / HIDDEN, True, 0.25
    )
    assert float(got) == pytest.approx(expected)


def test_offload_holds_one_layer_in_hbm_and_sends_the_others_to_the_host():
    metrics = run("offload")
    per_layer = SEQUENCE * BATCH * HIDDEN * 7
    assert metrics["performance.activation_memory"].value == pytest.approx(per_layer)
    assert metrics["performance.offloaded_activation_memory"].value == pytest.approx(
        per_layer * (LAYERS - 1)
    )


def test_offloaded_tensors_cross_the_host_link_out_and_back():
    metrics = run("offload")
    moved = metrics["performance.offloaded_activation_memory"].value
    spill = max(
        0.0,
        metrics["performance.memory_per_accelerator"].value - 32e9,  # v6e: 32 GB of HBM
    )
    assert spill == 0.0
    assert metrics["performance.offload_traffic"].value == pytest.approx(2 * moved)


def test_offload_recomputes_the_mlp_but_not_the_attention_projections():
    # Forward weights per layer: four h-wide projections 4h^2, a gated MLP 3hf.
    mlp = 3 * FFN * HIDDEN
    expected = 1 + mlp / (4 * HIDDEN * HIDDEN + mlp) / 3
    assert recompute_flops_factor("offload", SEQUENCE, HIDDEN, FFN, True) == pytest.approx(expected)
    assert run("offload")["performance.recompute_factor"].value == pytest.approx(expected)
    selective = run("selective")["performance.recompute_factor"].value
    full = run("full")["performance.recompute_factor"].value
    assert selective < expected < full


def test_offload_needs_less_hbm_than_selective_and_a_longer_step_than_it():
    offload, selective = run("offload"), run("selective")
    assert (
        offload["performance.memory_per_accelerator"].value
        < selective["performance.memory_per_accelerator"].value
    )
    assert offload["performance.compute_time"].value > selective["performance.compute_time"].value
