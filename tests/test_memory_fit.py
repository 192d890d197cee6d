"""Published layouts fit in memory (issue 12): FP8 linear layers keep their inputs in FP8.

Transformer Engine's linear layers, under FP8, keep for the backward pass the FP8 copy of their
input that the forward GEMM used, not the 16-bit input. Of Korthikanti's 34 bytes per sbh the
QKV and first-MLP inputs (2 each) and the second MLP input (8) shrink to q, q and 4q bytes; the
output projection's input stays in 16 bits (fused attention keeps it) and gains its q-byte copy.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

import scendsl
from scendsl.errors import ScenarioError
from scendsl.model.domains.training_formulas import (
    activation_bytes_per_layer,
    low_precision_linear_terms,
)
from scendsl.model.evaluate import evaluate

ROOT = Path(__file__).resolve().parent.parent

TEXT = """scenario s {{
  year 2025
  region US
  cluster {{
    accelerator H100
    count 512
  }}
  workload {{
    parameters      175B
    tokens          1T
    precision       {precision}
    framework       megatron
    parallelism     tensor 8, pipeline 8, data auto
    recompute       {recompute}
    sequence_parallel {sp}
    sequence_length 2048
    micro_batch     1
    global_batch    512
    layers          96
    hidden_size     12288
    attention_heads 96{extra}
  }}
}}
"""


def run(precision="bf16", recompute="selective", sp="on", extra=""):
    text = TEXT.format(precision=precision, recompute=recompute, sp=sp, extra=extra)
    return evaluate(scendsl.load_text(text).get("s"))


def metric(name, precision="bf16", recompute="selective", sp="on", extra=""):
    return run(precision, recompute, sp, extra).metrics[name].value


def test_sixteen_bit_keeps_korthikantis_34_bytes():
    assert low_precision_linear_terms(None) == (10.0, 24.0)
    replicated, sharded = low_precision_linear_terms(2.0)
    assert (float(replicated), float(sharded)) == (10.0, 24.0)


def test_fp8_saved_inputs_give_29_bytes_per_sbh():
    replicated, sharded = low_precision_linear_terms(1.0)
    assert (float(replicated), float(sharded)) == (8.0, 21.0)


def test_saved_input_bytes_raise_the_activations_monotonically():
    sizes = [
        float(activation_bytes_per_layer(2048, 1, 12288, 96, 8, "selective", True, q))
        for q in (0.5, 1.0, 1.5, 1.99)
    ]
    assert sizes == sorted(sizes) and len(set(sizes)) == len(sizes)
    sixteen = float(activation_bytes_per_layer(2048, 1, 12288, 96, 8, "selective", True))
    assert sizes[1] < sixteen  # at 1 byte the projection's extra copy costs less than it saves
    # Limit: inputs kept in no bytes leave the 22 bytes per sbh no linear layer owns.
    zero = float(activation_bytes_per_layer(2048, 1, 12288, 96, 8, "selective", True, 1e-12))
    assert zero == pytest.approx(2048 * 12288 * 22 / 8)


def test_without_sequence_parallelism_the_replicated_part_shrinks_too():
    bf16 = activation_bytes_per_layer(2048, 1, 12288, 96, 8, "selective", False, 2.0)
    fp8 = activation_bytes_per_layer(2048, 1, 12288, 96, 8, "selective", False, 1.0)
    sbh = 2048 * 12288
    assert float(bf16) == pytest.approx(sbh * (10 + 24 / 8))
    assert float(fp8) == pytest.approx(sbh * (8 + 21 / 8))


def test_fp8_run_keeps_29_of_34_activation_bytes():
    bf16 = metric("performance.activation_memory", "bf16")
    fp8 = metric("performance.activation_memory", "fp8")
    assert fp8 / bf16 == pytest.approx(29 / 34)


def test_fp4_counts_like_fp8_an_upper_bound():
    assert metric("performance.activation_memory", "fp4") == pytest.approx(
        metric("performance.activation_memory", "fp8")
    )


def test_full_recomputation_keeps_only_the_layer_input_at_any_precision():
    full_bf16 = metric("performance.activation_memory", "bf16", "full")
    full_fp8 = metric("performance.activation_memory", "fp8", "full")
    assert full_fp8 == pytest.approx(full_bf16)


def test_saved_input_bytes_come_from_the_catalog_and_explain_shows_them():
    result = run("fp8")
    entry = result.inputs["performance.low_precision_saved_input_bytes"]
    assert float(entry.value) == 1.0
    assert "low_precision_saved_input_bytes" in str(entry.origin)


def _offload(layers):
    return f"\n    activation_offload_layers {layers}"


def test_offloaded_layers_leave_hbm_and_the_total_is_kept():
    # 96 layers on 8 stages: 12 per stage; offloading 3 of them moves a quarter to the host.
    before = run().metrics
    after = run(extra=_offload(3)).metrics
    held = after["performance.activation_memory"].value
    moved = after["performance.offloaded_activation_memory"].value
    assert before["performance.offloaded_activation_memory"].value == 0
    assert held + moved == pytest.approx(before["performance.activation_memory"].value)
    assert moved == pytest.approx(0.25 * before["performance.activation_memory"].value)


def test_offloading_more_layers_monotonically_frees_hbm_and_keeps_one_layer():
    # 12 is every layer of a stage (96 over 8); more is refused where the field is checked.
    held = [metric("performance.activation_memory", extra=_offload(n)) for n in (0, 1, 6, 11, 12)]
    assert held[:4] == sorted(held[:4], reverse=True)
    assert held[3] == pytest.approx(held[4])  # at most L/p − 1 layers leave: one stays
    assert held[4] == pytest.approx(held[0] / 12)


def test_offloaded_activations_travel_the_host_link_both_ways():
    plain = run().metrics
    offloaded = run(extra=_offload(6)).metrics
    moved = offloaded["performance.offloaded_activation_memory"].value
    extra_traffic = (
        offloaded["performance.offload_traffic"].value - plain["performance.offload_traffic"].value
    )
    assert extra_traffic == pytest.approx(2 * moved)


def test_negative_activation_offload_is_a_located_error():
    text = TEXT.format(precision="bf16", recompute="selective", sp="on", extra=_offload(-1))
    with pytest.raises(ScenarioError) as caught:
        scendsl.load_text(text)
    rendered = caught.value.diagnostics[0].render()
    assert "activation_offload_layers" in rendered and ":" in rendered


def _nemo_with_a_plain_4h_mlp(name):
    """A NeMo validation scenario with its published SwiGLU MLP replaced by Korthikanti's plain
    4h one: the mechanisms below are pinned apart from the MLP (the published widths keep more
    activations; cases.toml notes what they do to the fits)."""
    sys.path.insert(0, str(ROOT))
    from validation.run import HERE

    scenario = scendsl.load(str(HERE / "cases" / "nemo.scn")).get(name)
    assert scenario.workload.mlp == "gated"
    workload = scenario.workload.model_copy(update={"mlp": None, "ffn_hidden_size": None})
    return evaluate(scenario.model_copy(update={"workload": workload}))


def test_nemo_llama3_70b_gb200_fits_with_its_recipes_activation_offload():
    # The recipe offloads 40 of 80 layers' activations (cpu_offloading_num_layers 40); without
    # them the model put the fully sharded 70B run at 1.8x the GB200's HBM.
    result = _nemo_with_a_plain_4h_mlp("nemo_llama3_70b_gb200")
    assert bool(result.metrics["performance.fits_in_hbm"].value)


def test_nemo_llama31_405b_gb300_cp2_fits_in_hbm():
    # The published NeMo 25.11 layout (TP 2, PP 8, CP 2, VP 4 on 256 GB300, FP8) ran; counting
    # its activations in 16 bits put it at ~295 GB against 288 GB.
    result = _nemo_with_a_plain_4h_mlp("nemo_llama31_405b_gb300_cp2")
    memory = result.metrics["performance.memory_per_accelerator"].value
    hbm = result.inputs["accelerator.hbm"].value
    assert bool(result.metrics["performance.fits_in_hbm"].value)
    assert memory / hbm < 0.95
    assert np.isfinite(memory)


def test_the_published_swiglu_mlps_keep_more_activations_than_a_plain_4h_mlp():
    # Llama 3 70B (f = 3.5h) and 405B (3.25h): 6r = 21 and 19.5 bytes per sbh of MLP tensors
    # in 16 bits against 16, so the published widths raise the activation memory.
    sys.path.insert(0, str(ROOT))
    from validation.run import HERE

    scenarios = scendsl.load(str(HERE / "cases" / "nemo.scn"))
    for name in ("nemo_llama3_70b_gb200", "nemo_llama31_405b_gb300_cp2"):
        published = evaluate(scenarios.get(name)).metrics["performance.activation_memory"].value
        plain = _nemo_with_a_plain_4h_mlp(name).metrics["performance.activation_memory"].value
        assert float(published) > float(plain)


# ------------------------------------------------------------------ the validation kind
def _validation():
    sys.path.insert(0, str(ROOT))
    import validation.run as module

    return module


def test_every_published_layout_gets_a_memory_fit_case_with_its_source():
    v = _validation()
    data = v.load_cases()
    flagged = [e for group in ("case", "calibration") for e in data[group] if e.get("memory_fit")]
    assert len(flagged) >= 30  # SC21 Table 1 and 2, Korthikanti, MT-NLG, NeMo, Llama 3 Table 4
    for entry in flagged:
        fit = v.memory_fit_entry(entry)
        assert fit["kind"] == "memory_fit" and fit["kind"] in v.KINDS
        assert (fit["file"], fit["scenario"], fit["source"]) == (
            entry["file"],
            entry["scenario"],
            entry["source"],
        )
        assert fit["metric"] == v.MEMORY_RATIO


def _case(v, kind, model, published=1.0, tolerance=0.0):
    return v.CaseResult(
        id=f"{kind}_{model}",
        kind=kind,
        group=v.VALIDATION,
        metric="m",
        published=published,
        published_text=str(published),
        model=model,
        tolerance=tolerance,
        source="s",
        scenario="f: s",
    )


def test_a_memory_fit_is_within_exactly_when_the_layout_fits():
    v = _validation()
    assert _case(v, "memory_fit", 0.2).within is True  # far below HBM still fits
    assert _case(v, "memory_fit", 1.0).within is True
    assert _case(v, "memory_fit", 1.001).within is False


def test_memory_fit_distance_stays_out_of_the_error_statistics():
    v = _validation()
    results = [_case(v, "throughput", 1.1, tolerance=0.2), _case(v, "memory_fit", 0.2)]
    summary = v.summarise(results)
    assert summary.cases == 2 and summary.within == 2 and summary.kinds == 2
    assert summary.median_error == pytest.approx(0.1)
    assert summary.max_error == pytest.approx(0.1)
