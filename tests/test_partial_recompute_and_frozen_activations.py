"""Issue 12, round twenty-five: what a LoRA layer keeps for its backward pass and partial
recomputation (`workload.recompute_num_layers`).

A frozen linear layer keeps no input: its input serves only its weight's gradient. With the
adapters on the attention, a layer keeps neither the MLP's first input nor its second linear
layer's input. Megatron-LM's block method recomputes the first n layers of a stage and keeps
every activation of the others: memory, recomputed FLOPs and repeated traffic scale by n/L."""

import pytest

import scendsl
from scendsl.catalog import load_catalog
from scendsl.model.evaluate import evaluate
from tests.factories import figure_values, scenario_text

CATALOG = load_catalog()

LAYERS = 16
HIDDEN = 2048
FFN = 5632  # gated, r = 2.75
SEQUENCE = 4096
MODEL = (
    "    parameters 1B\n"
    "    tokens 1B\n"
    f"    layers {LAYERS}\n"
    f"    hidden_size {HIDDEN}\n"
    f"    ffn_hidden_size {FFN}\n"
    "    mlp gated\n"
    f"    sequence_length {SEQUENCE}\n"
    "    parallelism tensor 1, pipeline 1, data 8\n"
    "    zero_stage 0\n"
    "    micro_batch 1\n"
    "    global_batch 64\n"
    "    flash_attention on\n"
)
LORA = "    adapter lora\n    trainable_parameters 1M\n"
SBH = SEQUENCE * HIDDEN  # one micro-batch of one sequence


def values(extra: str = "") -> dict:
    body = f"  workload {{\n{MODEL}{extra}  }}\n"
    text = scenario_text("s", accelerator="H100", count=8, body=body)
    return figure_values(evaluate(scendsl.load_text(text).get("s"), CATALOG))


def activations(extra: str) -> float:
    return values(extra)["performance.activation_memory"]


@pytest.mark.parametrize(
    "precision, saved",
    [("bf16", 2.0), ("fp8", CATALOG.calibration["low_precision_saved_input_bytes"].value)],
)
def test_a_lora_layer_keeps_no_input_of_its_frozen_products(precision, saved):
    written = f"    precision {precision}\n    recompute none\n"
    trained = activations(written)
    tuned = activations(written + LORA)
    ratio = FFN / HIDDEN
    # the MLP's first input (q) and second input (r·q) go; the adapter reads the QKV input in
    # 16 bits where an FP8 projection kept q; the projection's q-byte copy of the attention
    # output goes (16-bit runs share that tensor: nothing to drop)
    low = saved < 2.0
    dropped = saved + ratio * saved - (2.0 - saved) + (saved if low else 0.0)
    assert trained - tuned == pytest.approx(dropped * SBH * LAYERS)
    assert tuned < trained


def test_full_recomputation_keeps_the_layer_input_under_lora_too():
    full = activations("    recompute full\n")
    tuned = activations("    recompute full\n" + LORA)
    assert tuned == pytest.approx(full) == pytest.approx(2.0 * SBH * LAYERS)


@pytest.mark.parametrize("layers", [1, 5, LAYERS])
def test_recompute_num_layers_blends_memory_by_the_layers_that_recompute(layers):
    none = activations("    recompute none\n")
    full = activations("    recompute full\n")
    part = values(f"    recompute full\n    recompute_num_layers {layers}\n")
    share = layers / LAYERS
    assert part["performance.recomputed_layer_share"] == pytest.approx(share)
    assert part["performance.activation_memory"] == pytest.approx(
        share * full + (1.0 - share) * none
    )


def test_recompute_num_layers_scales_the_recomputed_flops():
    none = values("    recompute none\n")
    full = values("    recompute full\n")
    part = values("    recompute full\n    recompute_num_layers 4\n")
    extra = full["performance.recompute_factor"] - none["performance.recompute_factor"]
    assert part["performance.recompute_factor"] == pytest.approx(1.0 + extra * 4 / LAYERS)
    assert none["performance.hardware_flops_per_step"] < part["performance.hardware_flops_per_step"]
    assert part["performance.hardware_flops_per_step"] < full["performance.hardware_flops_per_step"]


def test_recompute_num_layers_beyond_a_stage_is_every_layer():
    full = values("    recompute full\n")
    every = values(f"    recompute full\n    recompute_num_layers {LAYERS}\n")
    assert every["performance.step_time"] == pytest.approx(full["performance.step_time"])
    assert every["performance.activation_memory"] == pytest.approx(
        full["performance.activation_memory"]
    )


def test_recompute_num_layers_above_the_layers_is_refused():
    body = (
        f"  workload {{\n{MODEL}    recompute full\n    recompute_num_layers {LAYERS + 1}\n  }}\n"
    )
    text = scenario_text("s", accelerator="H100", count=8, body=body)
    with pytest.raises(scendsl.ScenarioError) as caught:
        scendsl.load_text(text)
    assert "recompute_num_layers" in str(caught.value)


def test_fp8_weight_casts_move_every_held_weight_once_a_step():
    """Transformer Engine casts each 16-bit weight to FP8 with its transpose on a step's first
    micro-batch: the bytes follow the weights a rank holds, not its tokens."""
    per_weight = CATALOG.calibration["low_precision_weight_cast_bytes"].value
    bf16 = values("    precision bf16\n")
    fp8 = values("    precision fp8\n")
    assert bf16["performance.weight_cast_time"] == 0
    held = fp8["performance.parameters_per_accelerator"]
    rate = fp8["accelerator.hbm_bandwidth"] * fp8["performance.hbm_efficiency"]
    assert fp8["performance.weight_cast_time"] == pytest.approx(per_weight * held / rate)
    # the same tokens in half as many micro-batches: still one cast of each weight a step
    doubled = MODEL.replace("micro_batch 1", "micro_batch 2")
    body = f"  workload {{\n{doubled}    precision fp8\n  }}\n"
    text = scenario_text("s", accelerator="H100", count=8, body=body)
    longer = figure_values(evaluate(scendsl.load_text(text).get("s"), CATALOG))
    assert longer["performance.tokens_per_step"] == fp8["performance.tokens_per_step"]
    assert longer["performance.compute_time"] == pytest.approx(fp8["performance.compute_time"])
    assert longer["performance.weight_cast_time"] == pytest.approx(
        fp8["performance.weight_cast_time"]
    )
