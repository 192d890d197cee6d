"""Checks of the bottom-up step time: against the MFU path (`performance.path_ratio`,
`performance.paths_disagree`) and against the source article's benchmark table
(`performance.reference_step_time`, one fixed 1B reference workload on the scenario's accelerator).
"""

from __future__ import annotations

from scendsl.model import scalar
from scendsl.model.context import Context, Found
from scendsl.model.domains.inputs import OWN_UTILISATION
from scendsl.model.domains.training_formulas import (
    ATTENTION_RATE,
    DISTILLATION,
    GEMM,
    GRADIENT_BYTES,
    GSHARD,
    KORTHIKANTI,
    LLM_ANALYSIS,
    MOE_PERMUTATION,
    NARAYANAN,
    NARAYANAN_FLOPS,
    PALM,
    RING,
    TE_SPEEDUP,
    VENDOR_LINKS,
    activation_traffic_bytes,
    host_link_seconds,
    link_for,
    matmul_efficiency_at,
    matrix_time_per_flop,
    precision_gain,
    recompute_flops_factor,
    recomputed_attention_share,
    ring_allreduce_seconds,
)
from scendsl.model.layout import writes_no_layout
from scendsl.model.registry import input_node, metric


@metric(
    "performance.mfu_step_time",
    "time",
    "Time of one optimizer step at the MFU (top down)",
    "(model_flops_per_token + teacher_flops_per_token) × tokens_per_step / (accelerators_used "
    "× peak_per_accelerator × performance.mfu)",
    (
        "performance.model_flops_per_token",
        "performance.tokens_per_step",
        "performance.accelerators_used",
        "performance.peak_per_accelerator",
        "performance.mfu",
        "performance.teacher_flops_per_token",
    ),
    sources=(PALM, DISTILLATION),
)
def mfu_step_time(per_token, tokens, used, rate, mfu, teacher):
    """The step the MFU path implies, to set beside the bottom-up one; a distillation
    teacher's forward pass runs at the rate the student's FLOPs do."""
    return (per_token + teacher) * tokens / (used * rate * mfu)


@input_node(
    "cluster.mfu_origin",
    "text",
    "Where the MFU comes from: scenario (measured on the run itself) or default (the dense "
    "calibration, carried to the precision)",
    value_type="text",
    provenance=True,
)
def _mfu_origin(ctx: Context) -> Found:
    for path in OWN_UTILISATION:
        if ctx.written(path):
            return Found("scenario", ctx.where(path))
    return Found("default", "catalog calibration.default_mfu")


@input_node(
    "performance.layout_written",
    "number",
    "Whether the scenario writes its parallel layout (its tensor and pipeline degrees), "
    "rather than leaving the model to choose the least sharding that fits",
    value_type="bool",
    formula="true when workload.parallelism sets the tensor and pipeline degrees (not the "
    "expert degree alone), else false",
)
def _layout_written(ctx: Context) -> Found:
    if writes_no_layout(ctx.scenario):
        return Found(False, "auto layout")
    return Found(True, ctx.where("workload.parallelism"))


@metric(
    "performance.expert_stall_time",
    "time",
    "Expert all-to-all and token permutation time per step that the MFU does not contain: the "
    "bottom-up path's exposed expert-parallel and permutation time when the MFU is the dense "
    "default, else 0",
    "(expert_parallel_time + expert_permutation_time) / (1 − pipeline_bubble) × "
    "straggler_factor if cluster.mfu_origin is default, else 0",
    (
        "cluster.mfu_origin",
        "performance.expert_parallel_time",
        "performance.pipeline_bubble",
        "performance.straggler_factor",
        "performance.expert_permutation_time",
    ),
    sources=(PALM, GSHARD, MOE_PERMUTATION),
)
def expert_stall_time(origin, expert_comm, bubble, stragglers, permutation):
    """The default MFU was measured on dense runs (Llama 3 405B), which have neither the expert
    all-to-all nor the token permutation; an MFU measured on the mixture-of-experts run itself
    already holds both."""
    if origin != "default":
        return 0.0 * scalar.as_float(expert_comm)
    return (expert_comm + permutation) / (1.0 - bubble) * stragglers


@metric(
    "performance.training_time",
    "time",
    "Wall-clock time of the training run at the MFU (with a written layout and no measured "
    "MFU, at least the layout's bottom-up steps)",
    "(workload.training_flops + workload.teacher_flops) / cluster.effective_flops × (1 + "
    "expert_stall_time / mfu_step_time); the bracket is 1 for a dense model, a given MFU or an "
    "unknown layout. Without a measured MFU (cluster.mfu_origin default) and with a written layout "
    "(performance.layout_written), the larger of that and performance.steps × "
    "performance.step_time",
    (
        "workload.training_flops",
        "cluster.effective_flops",
        "performance.expert_stall_time",
        "performance.mfu_step_time",
        "workload.teacher_flops",
        "cluster.mfu_origin",
        "performance.layout_written",
        "performance.steps",
        "performance.step_time",
    ),
    sources=(PALM, NARAYANAN, GSHARD, DISTILLATION, RING),
    importance=3,
    optional=(
        "performance.expert_stall_time",
        "performance.mfu_step_time",
        "workload.teacher_flops",
        "cluster.mfu_origin",
        "performance.layout_written",
        "performance.steps",
        "performance.step_time",
    ),
)
def training_time(flops, effective, stall, mfu_step, teacher, origin, layout, steps, step):
    """Seconds to do the run's FLOPs at peak × MFU, plus a distillation teacher's forward passes
    at the same rate (the MFU counts the student's FLOPs only), plus a mixture of experts'
    all-to-all that a dense MFU leaves out, at least the written layout's own steps."""
    base = (flops if teacher is None else flops + teacher) / effective
    if stall is not None and mfu_step is not None:
        base = base * (1.0 + stall / mfu_step)
    return layout_bound(base, origin, layout, steps, step)


def layout_bound(mfu_time, origin, layout, steps, step):
    """The default MFU was measured on a run (Llama 3 405B) whose own layout's exchanges it
    holds, as far as that run hid them; a written layout whose bottom-up steps take longer
    carries exchanges or a bubble the default's run did not have. The bottom-up step prices
    every kernel at a tuned benchmark's rate, so it bounds the time from below rather than
    replacing the MFU path; a measured MFU, or a layout the model chose, is left as it is."""
    if origin != "default" or layout is not True or steps is None or step is None:
        return mfu_time
    return scalar.maximum(mfu_time, steps * step)


@metric(
    "performance.path_ratio",
    "number",
    "Bottom-up step time over the MFU path's step time (1 = the two paths agree)",
    "performance.step_time / performance.mfu_step_time",
    ("performance.step_time", "performance.mfu_step_time"),
    sources=(PALM, NARAYANAN),
)
def path_ratio(step, mfu_step):
    """> 1: the parts of the step add up to more than the MFU allows."""
    return step / mfu_step


@metric(
    "performance.paths_disagree",
    "number",
    "Whether the MFU path and the bottom-up path differ by more than the stated factor",
    "path_ratio > paths_disagree_factor or path_ratio < 1 / paths_disagree_factor",
    ("performance.path_ratio", "performance.paths_disagree_factor"),
    value_type="bool",
)
def paths_disagree(ratio, factor):
    """A flag for warnings: one of the two training-time estimates is off."""
    return (ratio > factor) | (ratio < 1.0 / factor)


# ======================================================================== reference step
def reference_step_parts(
    parameters,
    sequence,
    micro_batch,
    m,
    accelerators,
    host_per_parameter,
    width_per_layer,
    bf16_dense,
    fp8_dense,
    hbm_bandwidth,
    scaleup_domain,
    scaleup,
    scaleout,
    hostlink,
    shared_by,
    plateau,
    half_width,
    speedup_fp8,
    hbm_efficiency,
    attention_rate=1.0,
) -> dict:
    """The parts of the reference workload's step (seconds), from the scenario functions above.

    Pure data parallelism (t = p = 1), FP8 matrix maths (FP8 attention too, at
    `attention_rate` of the linear layers' rate), selective recomputation, the optimizer state
    in host memory read and written by the accelerator every step.
    """
    hidden = scalar.cbrt(width_per_layer * parameters / 12.0)
    layers = hidden / width_per_layer
    tokens = m * micro_batch * sequence * accelerators
    attention = 12.0 * layers * hidden * sequence
    per_token = 6.0 * parameters + attention
    rate = (
        bf16_dense
        * precision_gain("fp8", bf16_dense, fp8_dense, speedup_fp8, speedup_fp8)
        * matmul_efficiency_at(hidden, plateau, half_width)
    )
    factor = recompute_flops_factor("selective", sequence, hidden)
    # Attention in FP8 as well: both kinds of FLOP gain the FP8 rate, attention at r of it.
    executed = recomputed_attention_share(attention / per_token, "selective", factor)
    per_flop = matrix_time_per_flop(1.0, executed, attention_rate)
    compute = per_token * tokens * factor / accelerators / rate * per_flop
    memory = activation_traffic_bytes(
        sequence, micro_batch, hidden, layers, 1.0, 1.0, m, "selective", False
    ) / (hbm_bandwidth * hbm_efficiency)
    link = link_for(accelerators, scaleup_domain, scaleup, scaleout)
    gradients = ring_allreduce_seconds(GRADIENT_BYTES * parameters, accelerators, link)
    data_comm = scalar.maximum(gradients - (2.0 / 3.0) * compute / m, 0.0)
    host = host_link_seconds(host_per_parameter * parameters, hostlink, shared_by)
    return {"compute": compute, "memory": memory, "data_parallel": data_comm, "host": host}


@metric(
    "performance.reference_step_time",
    "time",
    "Step time of the calibration's reference workload (a dense 1B model) on this accelerator",
    "compute ((6·N + 12·L·h·s)·tokens·(1+s/18h) / 8 / FP8 matmul rate at width h, the "
    "platform's factor on the plateau, the attention's executed share A at r of it: × (1 − A + "
    "A/r), r = performance.reference_attention_rate) + memory "
    "(2·34·sbh·L·m / (hbm_bw × hbm_eff)) + exposed gradient all-reduce (8 GPUs) + host "
    "(24 B × N / (hostlink / shared_by))",
    (
        "performance.reference_parameters",
        "performance.reference_sequence_length",
        "performance.reference_micro_batch",
        "performance.reference_microbatches",
        "performance.reference_accelerators",
        "performance.reference_host_traffic_per_parameter",
        "performance.width_per_layer",
        "accelerator.bf16_dense",
        "accelerator.fp8_dense",
        "accelerator.hbm_bandwidth",
        "accelerator.scaleup_domain",
        "accelerator.scaleup_bandwidth",
        "performance.scaleout_bandwidth",
        "accelerator.hostlink_bandwidth",
        "accelerator.hostlink_shared_by",
        "performance.matmul_efficiency_large",
        "performance.matmul_half_width",
        "performance.precision_speedup_fp8",
        "performance.hbm_efficiency",
        "performance.platform_matmul_factor",
        "performance.reference_attention_rate",
    ),
    sources=(
        ATTENTION_RATE,
        NARAYANAN_FLOPS,
        KORTHIKANTI,
        RING,
        VENDOR_LINKS,
        GEMM,
        TE_SPEEDUP,
        LLM_ANALYSIS,
        "AINews deep dive on GB200 and Colossus2 (source article), benchmark table: "
        "H100 ~1.2 s, B200 ~0.6 s, GB200 ~0.4 s (est.) per step of a 1B model",
    ),
    importance=1,
)
def reference_step_time(
    parameters,
    sequence,
    micro_batch,
    m,
    accelerators,
    host_per_parameter,
    width_per_layer,
    bf16_dense,
    fp8_dense,
    hbm_bandwidth,
    scaleup_domain,
    scaleup,
    scaleout,
    hostlink,
    shared_by,
    plateau,
    half_width,
    speedup_fp8,
    hbm_efficiency,
    platform,
    attention_rate,
):
    """Sum of the reference step's parts; only the accelerator's own figures vary (its
    platform's matrix units and its attention kernels' rate among them)."""
    parts = reference_step_parts(
        parameters,
        sequence,
        micro_batch,
        m,
        accelerators,
        host_per_parameter,
        width_per_layer,
        bf16_dense,
        fp8_dense,
        hbm_bandwidth,
        scaleup_domain,
        scaleup,
        scaleout,
        hostlink,
        shared_by,
        plateau * platform,
        half_width,
        speedup_fp8,
        hbm_efficiency,
        attention_rate,
    )
    return parts["compute"] + parts["memory"] + parts["data_parallel"] + parts["host"]
