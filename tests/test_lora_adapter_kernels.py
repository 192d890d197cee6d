"""Issue 12, round twenty-seven: what a LoRA adapter costs beside the frozen layer it sits on,
apart from its FLOPs. With sequence parallelism and Transformer Engine's overlap the QKV
adapter gathers the layer-norm output itself and the output projection's adapter returns by an
all-to-all, outside the userbuffers (performance.adapter_exchange_time); and every adapter's
dropout and rank-16 GEMMs move full-width activations through HBM
(performance.adapter_memory_time)."""

import pytest

import scendsl
from scendsl.model.evaluate import evaluate
from scendsl.report.explain import explain_text

TEXT = """
scenario s {{
  year 2025
  region US
  cluster {{
    accelerator {accelerator}
    count 64
  }}
  workload {{
    parameters        70B
    tokens            1B
    precision         fp8
    parallelism       tensor {tensor}, pipeline 1, context {context}, data auto
    sequence_length   {sequence}
    micro_batch       1
    global_batch      8
    layers            80
    hidden_size       8192
    sequence_parallel {sp}
    tp_comm_overlap   {overlap}
{adapter}  }}
}}
"""

LORA = "    adapter lora\n    trainable_parameters 44.6M\n"


def run(
    adapter=LORA, tensor=4, context=2, sp="on", overlap="on", sequence=8192, accelerator="H100"
):
    text = TEXT.format(
        adapter=adapter,
        tensor=tensor,
        context=context,
        sp=sp,
        overlap=overlap,
        sequence=sequence,
        accelerator=accelerator,
    )
    return evaluate(scendsl.load(text).get("s"))


def test_without_adapters_neither_cost_exists():
    result = run(adapter="")
    assert result.value("performance.adapter_exchange_time") == 0.0
    assert result.value("performance.adapter_memory_time") == 0.0


def test_the_adapters_own_exchanges_are_paid_only_under_the_overlap():
    # Without the overlap Transformer Engine returns the layer norm's output already gathered.
    assert run(overlap="off").value("performance.adapter_exchange_time") == 0.0
    assert run(tensor=1, context=8).value("performance.adapter_exchange_time") == 0.0
    result = run()
    exchange = result.value("performance.tensor_parallel_exchange_time")
    passes = result.value("performance.tensor_parallel_layer_passes")
    paid = result.value("performance.adapter_exchange_time")
    # a gather and a reduce-scatter of the frozen layer's size, two all-to-alls of a t-th of it,
    # each with a launch latency of tens of microseconds on top of its bytes
    bytes_only = (2.0 + 2.0 / 4) * exchange * passes
    assert bytes_only < paid < bytes_only + 4 * 100e-6 * passes


def test_adapter_bytes_follow_the_tokens_a_rank_holds():
    base = run().value("performance.adapter_memory_time")
    assert base > 0.0
    assert run(sequence=16384).value("performance.adapter_memory_time") == pytest.approx(2 * base)
    assert run(context=1).value("performance.adapter_memory_time") == pytest.approx(2 * base)


def test_adapter_kernels_are_bound_by_hbm_bandwidth():
    h100, h200 = run(accelerator="H100"), run(accelerator="H200")
    ratio = h200.value("accelerator.hbm_bandwidth") / h100.value("accelerator.hbm_bandwidth")
    assert ratio > 1.0
    assert h100.value("performance.adapter_memory_time") == pytest.approx(
        ratio * h200.value("performance.adapter_memory_time")
    )


def test_both_costs_lengthen_the_step_by_what_they_are():
    result = run()
    assert result.value("performance.pipeline_bubble") == 0.0
    parts = (
        "compute_time",
        "memory_time",
        "tensor_parallel_exposed_time",
        "expert_parallel_time",
        "pipeline_p2p_time",
        "optimizer_time",
        "offload_time",
        "context_parallel_time",
        "expert_permutation_time",
        "expert_launch_time",
        "weight_cast_time",
        "adapter_exchange_time",
        "adapter_memory_time",
    )
    total = sum(result.value(f"performance.{part}") for part in parts)
    assert result.value("performance.replica_time") == pytest.approx(total)


def test_explain_names_both_mechanisms_and_their_sources():
    text = explain_text(run(), "performance.replica_time", depth=1)
    assert "adapter_exchange_time" in text
    assert "adapter_memory_time" in text
    deep = explain_text(run(), "performance.adapter_exchange_time", depth=0)
    assert "return_layernorm_output_gathered" in deep or "unless TP" in deep
