"""Issue 12, round twenty-four: fine-tuning with LoRA adapters on a frozen model
(`workload.adapter lora`, `workload.trainable_parameters`). A frozen weight costs its forward
product and the product that carries the gradient to its input, not its own weight gradient
(4N + 6·N_adapter FLOPs a token instead of 6N, Hu et al. 2021); it keeps no gradient and no
optimizer state; only the adapters' gradients are all-reduced and updated."""

import pytest

import scendsl
from scendsl.catalog import load_catalog
from scendsl.model.evaluate import evaluate
from tests.factories import figure_values, only_diagnostic, scenario_text

CATALOG = load_catalog()

# A small dense model, every shape given, on one 8-GPU server: data parallelism over 8.
MODEL = (
    "    parameters 1B\n"
    "    tokens 1B\n"
    "    layers 16\n"
    "    hidden_size 2048\n"
    "    sequence_length 2048\n"
    "    parallelism tensor 1, pipeline 1, data 8\n"
    "    zero_stage 0\n"
    "    micro_batch 1\n"
    "    global_batch 64\n"
)


def values(adapter: str = "") -> dict:
    body = f"  workload {{\n{MODEL}{adapter}  }}\n"
    text = scenario_text("s", accelerator="H100", count=8, body=body)
    return figure_values(evaluate(scendsl.load_text(text).get("s"), CATALOG))


LORA = "    adapter lora\n    trainable_parameters 1M\n"


def test_full_training_keeps_six_n():
    full = values()
    attention = 12.0 * 16 * 2048 * 2048
    assert full["performance.model_flops_per_token"] == pytest.approx(6e9 + attention)
    assert full["performance.trainable_share"] == 1.0
    # ZeRO-0: 2 B weights + 2 B gradients + 12 B Adam state a parameter
    assert full["performance.model_state_memory"] == pytest.approx(16e9)


def test_lora_flops_are_four_n_plus_six_adapters():
    tuned = values(LORA)
    attention = 12.0 * 16 * 2048 * 2048  # no weights: its backward pass is unchanged
    assert tuned["performance.adapter_parameters"] == pytest.approx(1e6)
    assert tuned["performance.model_flops_per_token"] == pytest.approx(4e9 + 6e6 + attention)
    assert tuned["workload.training_flops"] == pytest.approx((4e9 + 6e6 + attention) * 1e9)


def test_lora_memory_is_frozen_weights_and_the_adapters_state():
    tuned = values(LORA)
    # 2 B a frozen weight; 16 B an adapter parameter (weight, gradient, Adam) at ZeRO-0
    assert tuned["performance.model_state_memory"] == pytest.approx(2e9 + 16e6)


def test_only_the_adapters_are_reduced_and_updated():
    full, tuned = values(), values(LORA)
    assert tuned["performance.trainable_parameters_per_accelerator"] == pytest.approx(1e6)
    assert tuned["performance.gradient_ring_time"] < full["performance.gradient_ring_time"] / 100
    assert tuned["performance.optimizer_time"] == pytest.approx(
        full["performance.optimizer_time"] / 1000
    )
    # both paths run the smaller FLOP count
    assert tuned["performance.compute_time"] < full["performance.compute_time"]
    assert tuned["performance.training_time"] < full["performance.training_time"]


def test_lora_without_a_count_takes_the_catalogs_share():
    tuned = values("    adapter lora\n")
    share = CATALOG.calibration["lora_trainable_share"]
    assert tuned["performance.adapter_parameters"] == pytest.approx(
        float(share.value if hasattr(share, "value") else share) * 1e9, rel=1e-6
    )


def test_trainable_parameters_without_an_adapter_is_an_error_with_a_hint():
    text = scenario_text(
        "s", body="  workload {\n    parameters 1B\n    trainable_parameters 1M\n  }\n"
    )
    diagnostic = only_diagnostic(text)
    assert diagnostic.span.line == text.splitlines().index("    trainable_parameters 1M") + 1
    assert "adapter lora" in diagnostic.hint


def test_more_adapters_than_parameters_is_an_error():
    text = scenario_text(
        "s",
        body="  workload {\n    parameters 1B\n    adapter lora\n    trainable_parameters 2B\n  }\n",
    )
    diagnostic = only_diagnostic(text)
    assert diagnostic.span.line == text.splitlines().index("    trainable_parameters 2B") + 1


def test_explain_names_lora_and_its_source():
    text = scenario_text(
        "s", accelerator="H100", count=8, body=f"  workload {{\n{MODEL}{LORA}  }}\n"
    )
    result = evaluate(scendsl.load_text(text).get("s"), CATALOG)
    node = result.metrics["performance.model_flops_per_token"]
    assert any("Hu et al. 2021" in source for source in node.sources)


def test_full_recomputation_repeats_the_same_forward_pass_over_fewer_flops():
    recompute = "    recompute full\n"
    full, tuned = values(recompute), values(LORA + recompute)
    attention = 12.0 * 16 * 2048 * 2048
    # the recomputed forward pass: 2N + the attention's forward third, LoRA or not
    forward = 2e9 + attention / 3
    assert full["performance.recompute_factor"] == pytest.approx(1 + forward / (6e9 + attention))
    assert tuned["performance.recompute_factor"] == pytest.approx(
        1 + forward / (4e9 + 6e6 + attention), rel=1e-3
    )
