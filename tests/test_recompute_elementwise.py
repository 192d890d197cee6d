"""`recompute elementwise`: MaxText's remat_policy 'minimal' (issue 12).

The layer keeps its input and the output of every weight matmul (q, k, v, the attention output
projection, the MLP's input projections and its output projection) and recomputes the rest: the
attention core, whose matmuls are batched, and every element-wise op. Its recomputed FLOPs are
selective's; its element-wise kernels run their forward pass twice, as under full recomputation.
"""

from __future__ import annotations

import pytest

from scendsl.model.domains.training_formulas import (
    activation_bytes_per_layer,
    activation_traffic_bytes,
    recompute_flops_factor,
    recomputed_attention_share,
)
from tests.test_recompute_offload import BATCH, FFN, HIDDEN, SEQUENCE, run


def test_elementwise_keeps_the_input_and_every_weight_matmuls_output_per_layer():
    sbh = SEQUENCE * BATCH * HIDDEN
    # input 2, q 2, k and v at 8 of 32 heads' width (2 x 2 x 1/4), output projection 2, gate and
    # up projections 2 x 2 x f/h, down projection 2 bytes
    expected = sbh * (2 + 2 + 1 + 2 + 4 * FFN / HIDDEN + 2)
    got = activation_bytes_per_layer(
        SEQUENCE, BATCH, HIDDEN, 32, 1, "elementwise", False, None, FFN / HIDDEN, True, 0.25
    )
    assert float(got) == pytest.approx(expected)


def test_elementwise_splits_the_matmul_outputs_by_the_tensor_degree_not_the_input():
    one = activation_bytes_per_layer(SEQUENCE, BATCH, HIDDEN, 32, 1, "elementwise", False)
    four = activation_bytes_per_layer(SEQUENCE, BATCH, HIDDEN, 32, 4, "elementwise", False)
    sbh = SEQUENCE * BATCH * HIDDEN
    # plain 4h MLP, one KV head per head: 2 + 4 + 2 + 8 + 2 = 18 bytes per sbh beside the input 2
    assert float(one) == pytest.approx(sbh * 20)
    assert float(four) == pytest.approx(sbh * (2 + 18 / 4))


def test_elementwise_recomputes_the_attention_core_as_selective_does():
    args = (SEQUENCE, HIDDEN, FFN, True)
    assert recompute_flops_factor("elementwise", *args) == pytest.approx(
        recompute_flops_factor("selective", *args)
    )
    factor = recompute_flops_factor("elementwise", *args)
    assert recomputed_attention_share(0.2, "elementwise", factor) == pytest.approx(
        recomputed_attention_share(0.2, "selective", factor)
    )
    assert run("elementwise")["performance.recompute_factor"].value == pytest.approx(
        run("selective")["performance.recompute_factor"].value
    )


def test_elementwise_reruns_the_element_wise_kernels_forward():
    def traffic(recompute):
        return activation_traffic_bytes(SEQUENCE, BATCH, HIDDEN, 32, 1, 1, 1, recompute, False)

    # written and read once (2 passes) under selective, written again (3) under elementwise
    assert traffic("elementwise") == pytest.approx(traffic("selective") * 3 / 2)
    assert traffic("elementwise") == pytest.approx(traffic("full"))


@pytest.mark.parametrize(
    ("fewer", "more"), [("elementwise", "selective"), ("mlp_input", "elementwise")]
)
def test_keeping_fewer_tensors_takes_less_memory_and_a_longer_step(fewer, more):
    kept_fewer, kept_more = run(fewer), run(more)
    assert (
        kept_fewer["performance.activation_memory"].value
        < kept_more["performance.activation_memory"].value
    )
    assert kept_fewer["performance.step_time"].value > kept_more["performance.step_time"].value


def test_mlp_input_keeps_all_but_the_mlp_input_projections():
    sbh = SEQUENCE * BATCH * HIDDEN
    # as elementwise without the gate and up projections' 2 x 2 x f/h bytes
    expected = sbh * (2 + 2 + 1 + 2 + 2)
    got = activation_bytes_per_layer(
        SEQUENCE, BATCH, HIDDEN, 32, 1, "mlp_input", False, None, FFN / HIDDEN, True, 0.25
    )
    assert float(got) == pytest.approx(expected)


def test_mlp_input_recomputes_the_attention_core_and_the_mlp_input_projections():
    args = (SEQUENCE, HIDDEN, FFN, True)
    # forward weights per layer: four h-wide projections 4h^2, a gated MLP 3hf, of which the
    # gate and up projections 2hf run again
    extra = 2 * FFN * HIDDEN / (4 * HIDDEN * HIDDEN + 3 * FFN * HIDDEN) / 3
    assert recompute_flops_factor("mlp_input", *args) == pytest.approx(
        recompute_flops_factor("selective", *args) + extra
    )
    assert recompute_flops_factor("mlp_input", *args) < recompute_flops_factor("offload", *args)
