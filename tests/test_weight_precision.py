"""Weights held in FP8 (issue 12, the MLPerf Llama 2 70B LoRA runs on AMD GPUs).

NeMo's fp8_params (Transformer Engine's fp8_model_init) keeps the weights themselves in FP8:
one byte a weight where a 16-bit copy takes two, and no cast to FP8 each step, only the FP8
weight's transpose. `weight_precision fp8` says so; the matrix maths and the activations do not
move.
"""

from __future__ import annotations

import pytest

import scendsl
from scendsl.catalog import load_catalog
from scendsl.errors import ScendslError

CATALOG = load_catalog()

TEXT = """
scenario s {{
  year 2025
  region US
  cluster {{
    accelerator MI300X
    count       8
  }}
  workload {{
    parameters      70B
    tokens          1B
    precision       {precision}
    framework       megatron
    parallelism     tensor 1, pipeline 1, data auto
    recompute       full
    sequence_length 8192
    micro_batch     1
    global_batch    8
    layers          80
    hidden_size     8192
    ffn_hidden_size 28672
    mlp             gated
    attention_heads 64
    kv_heads        8
{extra}  }}
}}
"""

LORA = "    adapter lora\n    trainable_parameters 44.6M\n"


def run(extra: str = "", precision: str = "fp8"):
    text = TEXT.format(extra=extra, precision=precision)
    return scendsl.evaluate(scendsl.load_text(text, name="s.scn").get("s"))


def test_the_default_keeps_a_16_bit_copy():
    assert run(LORA).value("workload.weight_precision") == "bf16"


def test_frozen_weights_held_in_fp8_take_one_byte_instead_of_two():
    bf16, fp8 = run(LORA), run(LORA + "    weight_precision fp8\n")
    held = bf16.value("performance.parameters_per_accelerator")
    saved = bf16.value("performance.model_state_memory") - fp8.value(
        "performance.model_state_memory"
    )
    assert saved == pytest.approx(held * 1.0, rel=1e-9)
    for name in ("performance.activation_memory", "performance.compute_time"):
        assert fp8.value(name) == pytest.approx(bf16.value(name), rel=1e-12), name


def test_full_training_drops_the_16_bit_copy_not_the_master_or_gradients():
    # ZeRO-1 (the default): 2Ψ of weights, 2Ψ of gradients, 12Ψ/N_d of optimizer state.
    bf16, fp8 = run(), run("    weight_precision fp8\n")
    held = bf16.value("performance.parameters_per_accelerator")
    saved = bf16.value("performance.model_state_memory") - fp8.value(
        "performance.model_state_memory"
    )
    assert saved == pytest.approx(held * 1.0, rel=1e-9)


def test_weights_held_in_fp8_are_transposed_not_cast():
    bf16, fp8 = run(LORA), run(LORA + "    weight_precision fp8\n")
    cast = CATALOG.calibration["low_precision_weight_cast_bytes"].value
    transpose = CATALOG.calibration["fp8_weight_transpose_bytes"].value
    assert 0 < transpose < cast
    assert fp8.value("performance.weight_cast_time") == pytest.approx(
        bf16.value("performance.weight_cast_time") * transpose / cast, rel=1e-9
    )
    assert fp8.value("performance.step_time") < bf16.value("performance.step_time")


def test_fp8_weights_in_a_16_bit_run_are_a_located_error_with_a_hint():
    with pytest.raises(ScendslError) as caught:
        run("    weight_precision fp8\n", precision="bf16")
    [diagnostic] = caught.value.diagnostics
    assert "weight_precision" in diagnostic.message and "bf16" in diagnostic.message
    assert diagnostic.source_line.strip() == "weight_precision fp8"
    assert "precision fp8" in diagnostic.hint


def test_the_editor_completes_the_field_and_its_two_formats():
    from scendsl.lsp.completion import Pos, complete

    value = "scenario s {\n  workload {\n    weight_precision \n  }\n}\n"
    choices = complete(None, value, Pos(2, len("    weight_precision ")))
    assert [c.label for c in choices] == ["bf16", "fp8"]
