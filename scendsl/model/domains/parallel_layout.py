"""The parallel layout of one optimizer step: data-parallel degree, micro-batches, tokens per step,
steps of the run and the pipeline bubble (Narayanan et al. 2021).
"""

from __future__ import annotations

from scendsl.model import scalar
from scendsl.model.domains.training_formulas import (
    CONTEXT_PARALLEL,
    DEEPSPEED,
    MEGATRON,
    NARAYANAN,
    NEOX,
    bubble_fraction,
    effective_interleave,
)
from scendsl.model.registry import metric


# ============================================================================== layout
@metric(
    "performance.data_parallel",
    "number",
    "Data-parallel degree d",
    "workload.data_parallel_setting if given, else ⌊cluster.count / (t·p·c)⌋",
    (
        "workload.data_parallel_setting",
        "cluster.count",
        "workload.tensor_parallel",
        "workload.pipeline_parallel",
        "workload.context_parallel",
    ),
    sources=(NARAYANAN, CONTEXT_PARALLEL),
)
def data_parallel(setting, count, tensor, pipeline, context):
    """d = count / (t·p·c) when auto (whole replicas only)."""
    auto = scalar.maximum(scalar.floor(count / (tensor * pipeline * context)), 1.0)
    return scalar.where(setting > 0, setting, auto)


@metric(
    "performance.accelerators_used",
    "number",
    "Accelerators the parallel layout occupies",
    "t × p × c × d",
    (
        "workload.tensor_parallel",
        "workload.pipeline_parallel",
        "workload.context_parallel",
        "performance.data_parallel",
    ),
)
def accelerators_used(tensor, pipeline, context, data):
    """t·p·c·d (at most the cluster when d is auto)."""
    return tensor * pipeline * context * data


@metric(
    "performance.gradient_replicas",
    "number",
    "Ranks holding the same weights, over which gradients are reduced and ZeRO shards (d × c)",
    "performance.data_parallel × workload.context_parallel",
    ("performance.data_parallel", "workload.context_parallel"),
    sources=(CONTEXT_PARALLEL,),
)
def gradient_replicas(data, context):
    """Context-parallel ranks hold the same weights as data-parallel replicas do."""
    return data * context


@metric(
    "performance.microbatches",
    "number",
    "Micro-batches per optimizer step and replica m",
    "given; else global_batch / (b·d); else microbatches_per_stage × p",
    (
        "workload.microbatches_setting",
        "workload.global_batch_setting",
        "workload.micro_batch",
        "performance.data_parallel",
        "workload.pipeline_parallel",
        "performance.microbatches_per_stage",
    ),
    sources=(NARAYANAN,),
)
def microbatches(setting, global_batch, micro_batch, data, pipeline, per_stage):
    """m: written, or implied by the global batch, or enough to keep the bubble modest."""
    from_batch = scalar.maximum(global_batch / (micro_batch * data), 1.0)
    return scalar.where(
        setting > 0, setting, scalar.where(global_batch > 0, from_batch, per_stage * pipeline)
    )


@metric(
    "performance.tokens_per_step",
    "number",
    "Tokens per optimizer step (whole cluster)",
    "m × b × s × d",
    (
        "performance.microbatches",
        "workload.micro_batch",
        "workload.sequence_length",
        "performance.data_parallel",
    ),
)
def tokens_per_step(m, micro_batch, sequence, data):
    """Global batch in tokens."""
    return m * micro_batch * sequence * data


@metric(
    "performance.steps",
    "number",
    "Optimizer steps of the training run",
    "workload.tokens / performance.tokens_per_step",
    ("workload.tokens", "performance.tokens_per_step"),
)
def steps(tokens, per_step):
    """D over the global batch."""
    return tokens / per_step


@metric(
    "performance.pipeline_bubble",
    "fraction",
    "Idle share of each step in the pipeline",
    "(p − 1) / (v·m + p − 1), v = interleave (≤ L/p; 1 under a framework without the "
    "interleaved schedule)",
    (
        "workload.pipeline_parallel",
        "performance.microbatches",
        "workload.interleave",
        "workload.layers",
    ),
    sources=(NARAYANAN, MEGATRON, DEEPSPEED, NEOX),
)
def pipeline_bubble(pipeline, m, interleave, layers):
    """Bubble of 1F1B (v = 1) or Megatron's interleaved schedule (v chunks per stage)."""
    return bubble_fraction(pipeline, m, effective_interleave(interleave, layers, pipeline))
