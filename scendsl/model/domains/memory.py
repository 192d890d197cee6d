"""HBM per accelerator: model state under ZeRO and offload, activations under recomputation and
the pipeline schedule, and whether the job fits (Rajbhandari et al. 2020; Korthikanti et al. 2022).
"""

from __future__ import annotations

import numpy as np

from scendsl.model.context import Context, Found
from scendsl.model.domains.training_formulas import (
    CONTEXT_PARALLEL,
    GSHARD,
    KORTHIKANTI,
    NARAYANAN,
    ZERO,
    ZERO_OFFLOAD,
    activation_bytes_per_layer,
    effective_interleave,
    model_state_bytes,
)
from scendsl.model.registry import input_node, metric

#: Where an FP8 linear layer's saved input comes from (calibration.low_precision_saved_input_bytes).
TE_SAVED_INPUT = (
    "NVIDIA Transformer Engine, pytorch/module/linear.py, layernorm_linear.py, layernorm_mlp.py: "
    "under FP8 a linear layer keeps its FP8 input copy for the backward pass, not the 16-bit input"
)


@input_node(
    "performance.low_precision_saved_input_bytes",
    "number",
    "Bytes per element of a linear layer's input kept for the backward pass under FP8 or FP4",
    sources=(TE_SAVED_INPUT, KORTHIKANTI),
)
def _low_precision_saved_input_bytes(ctx: Context) -> Found:
    return ctx.calibration("low_precision_saved_input_bytes")


# ============================================================================== memory
@metric(
    "performance.parameters_per_accelerator",
    "number",
    "Parameters held per accelerator (all experts counted, split over t, p and e)",
    "(N_shared + N_expert / e) / (t·p), N_expert = (N − N_active) / (1 − k/E)",
    (
        "workload.parameters",
        "workload.active_parameters",
        "workload.experts",
        "workload.experts_per_token",
        "workload.expert_parallel",
        "workload.tensor_parallel",
        "workload.pipeline_parallel",
    ),
    sources=(GSHARD, NARAYANAN),
)
def parameters_per_accelerator(parameters, active, experts, top_k, expert, tensor, pipeline):
    """Total parameters drive memory: the experts' weights are spread over the e ranks."""
    inactive_share = np.where(experts > 1, 1.0 - np.minimum(top_k, experts) / experts, 1.0)
    expert_total = np.minimum((parameters - active) / np.maximum(inactive_share, 1e-9), parameters)
    shared = parameters - expert_total
    return (shared + expert_total / np.maximum(expert, 1)) / (tensor * pipeline)


@metric(
    "performance.model_state_memory",
    "data",
    "Parameters, gradients and optimizer state held per accelerator",
    "Ψ = N/(t·p); 16Ψ | 4Ψ+12Ψ/N_d | 2Ψ+14Ψ/N_d | 16Ψ/N_d by ZeRO stage, N_d = d·c; −12Ψ' if "
    "offloaded",
    (
        "performance.parameters_per_accelerator",
        "performance.gradient_replicas",
        "workload.zero_stage",
        "workload.offload",
    ),
    sources=(ZERO, ZERO_OFFLOAD, CONTEXT_PARALLEL),
)
def model_state_memory(parameters, data, zero_stage, offload):
    """Model state per accelerator under t, p, e and the ZeRO stage (sharded over d·c ranks:
    Megatron's distributed optimizer spans the data- and context-parallel ranks)."""
    return model_state_bytes(parameters, zero_stage, data, offload == "cpu")


@metric(
    "performance.activation_memory",
    "data",
    "Activations held per accelerator",
    "activation_bytes_per_layer / c × L/p layers × min(m, p) micro-batches in flight × "
    "(1 + (p−1)/(p·v)) when interleaved; at fp8 or fp4 the linear layers keep their inputs in "
    "q bytes: 34 → (6 + 2q) + (16 + 5q) per sbh",
    (
        "workload.sequence_length",
        "workload.micro_batch",
        "workload.hidden_size",
        "workload.layers",
        "performance.head_dim",
        "workload.tensor_parallel",
        "workload.pipeline_parallel",
        "performance.microbatches",
        "workload.interleave",
        "workload.recompute",
        "workload.framework",
        "performance.attention_heads",
        "workload.sequence_parallel",
        "workload.context_parallel",
        "workload.precision",
        "performance.low_precision_saved_input_bytes",
    ),
    sources=(KORTHIKANTI, NARAYANAN, CONTEXT_PARALLEL, TE_SAVED_INPUT),
)
def activation_memory(
    sequence,
    micro_batch,
    hidden,
    layers,
    head_dim,
    tensor,
    pipeline,
    m,
    interleave,
    recompute,
    framework,
    heads,
    sequence_parallel,
    context,
    precision,
    saved_input_bytes,
):
    """Activations on the first pipeline stage, which holds the most (1F1B). Context
    parallelism splits every activation along the sequence, the 5as/h scores too (each rank's
    s/c queries against all s keys): per layer sbh(34 + 5as/h) / c. At fp8 or fp4 the linear
    layers keep their inputs in low precision (Transformer Engine)."""
    low = np.isin(precision, ("fp8", "fp4"))
    saved = np.where(low, saved_input_bytes, 2.0)
    per_layer = activation_bytes_per_layer(
        sequence, micro_batch, hidden, heads, tensor, recompute, sequence_parallel == "on", saved
    )
    v = effective_interleave(framework, interleave, layers, pipeline)
    in_flight = np.minimum(m, pipeline) * layers / pipeline
    interleaved = np.where(v > 1, 1.0 + (pipeline - 1) / (pipeline * v), 1.0)
    return per_layer / context * in_flight * interleaved


@metric(
    "performance.memory_per_accelerator",
    "data",
    "HBM the training job needs per accelerator",
    "performance.model_state_memory + performance.activation_memory",
    ("performance.model_state_memory", "performance.activation_memory"),
    sources=(ZERO, KORTHIKANTI),
    importance=1,
)
def memory_per_accelerator(model_state, activations):
    """Model state plus activations (workspace and fragmentation not counted)."""
    return model_state + activations


@metric(
    "performance.fits_in_hbm",
    "number",
    "Whether the job fits in HBM without spilling",
    "performance.memory_per_accelerator ≤ accelerator.hbm",
    ("performance.memory_per_accelerator", "accelerator.hbm"),
    value_type="bool",
    importance=1,
)
def fits_in_hbm(memory, hbm):
    """True where the memory need is within HBM."""
    return memory <= hbm
