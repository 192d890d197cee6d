"""The bottom-up step time: the parts of one optimizer step and what they imply.

Matrix maths at a calibrated GEMM efficiency and precision gain (a mixture's routed GEMMs at
their roofline rate), memory-bound element-wise work, a mixture's per-expert kernel time,
tensor-, expert- and data-parallel communication, the optimizer update and host-link traffic,
stretched by the pipeline bubble and the slowest accelerator (`performance.straggler_factor`);
then the scaling efficiency, the achieved MFU and the achieved FLOP/s per accelerator.
"""

from __future__ import annotations

from scendsl.model import scalar
from scendsl.model.domains.training_formulas import (
    ACTIVATION_BYTES,
    ACTIVATION_OFFLOAD,
    ACTIVATION_PRECISION,
    ATTENTION_PRECISION,
    ATTENTION_RATE,
    COLLECTIVE_LATENCY,
    CONTEXT_PARALLEL,
    DISTILLATION,
    DROPOUT,
    FLASH,
    FORWARD_RERUN,
    FP8_ATTENTION,
    FP8_WEIGHTS,
    FRAMEWORK_EFFICIENCY,
    GEMM,
    GRADIENT_BUCKETS,
    GRADIENT_BYTES,
    GSHARD,
    HYBRID_SHARD,
    KORTHIKANTI,
    LLM_ANALYSIS,
    LORA,
    LORA_ADAPTER_KERNELS,
    LORA_SP_EXCHANGE,
    MEGATRON_RECOMPUTE,
    MLP_ACTIVATIONS,
    MOE_GEMM,
    MOE_KERNELS,
    MOE_LAYOUT,
    MOE_OPTIMIZER,
    MOE_OVERLAP,
    MOE_PERMUTATION,
    NARAYANAN,
    NARAYANAN_FLOPS,
    NCCL_CHANNELS,
    NCCL_TUNER,
    NO_IMPLICIT_SPILL,
    OVERLAP_INTERFERENCE,
    PALM,
    PIPELINE_P2P,
    PLATFORM_MATMUL,
    POWER_CAP,
    RANK_ORDER,
    RING,
    RING_ATTENTION,
    STRAGGLER,
    TE_SPEEDUP,
    TP_OVERLAP,
    UNFUSED_ATTENTION,
    VENDOR_LINKS,
    ZERO,
    ZERO3_OVERLAP,
    ZERO_OFFLOAD,
    activation_traffic_bytes,
    chunked_overlap_exposed_seconds,
    context_parallel_exchange_seconds,
    effective_interleave,
    exposed_after_overlap,
    host_link_seconds,
    link_for,
    matmul_efficiency_at,
    matrix_time_per_flop,
    partial_recompute,
    recomputed_attention_share,
    ring_allreduce_seconds,
    ring_latency_seconds,
    send_latency_seconds,
    straggler_factor,
    tree_allreduce_seconds,
    tree_latency_seconds,
)
from scendsl.model.registry import calibration_input, metric


# ================================================================ parts of one step
@metric(
    "performance.matmul_efficiency",
    "fraction",
    "Share of the dense BF16 peak that the model's matrix multiplications reach",
    "matmul_efficiency_large × platform_matmul_factor × W / (W + matmul_half_width), W = h / t",
    (
        "workload.hidden_size",
        "workload.tensor_parallel",
        "performance.matmul_efficiency_large",
        "performance.matmul_half_width",
        "performance.platform_matmul_factor",
    ),
    sources=(GEMM, PLATFORM_MATMUL),
)
def matmul_efficiency(hidden, tensor, plateau, half_width, platform):
    """Wide GEMMs come near the plateau (the GPUs' times the platform's factor); tensor
    parallelism narrows each accelerator's GEMMs."""
    return matmul_efficiency_at(hidden / tensor, plateau * platform, half_width)


@metric(
    "performance.executed_attention_share",
    "fraction",
    "Share of the FLOPs the accelerators execute (recomputation included) in the attention "
    "scores and their weighting",
    "attention_flop_share × (1 + ⅓ × performance.recomputed_layer_share with selective or full "
    "recomputation, else 1) / recompute_factor",
    (
        "performance.attention_flop_share",
        "workload.recompute",
        "performance.recompute_factor",
        "performance.recomputed_layer_share",
    ),
    sources=(NARAYANAN_FLOPS, KORTHIKANTI, MEGATRON_RECOMPUTE),
)
def executed_attention_share(share, recompute, factor, recomputed):
    """Selective recomputation runs only the attention scores again: their share of the
    executed work is larger than of the model's."""
    return recomputed_attention_share(share, recompute, factor, recomputed)


@metric(
    "performance.attention_compute_rate",
    "flop_rate",
    "FLOP/s one accelerator's attention scores and their weighting sustain (at "
    "workload.attention_precision, BF16 by default, and the attention rate of the matrix rate)",
    "bf16_dense × g_a × matmul_efficiency × framework_efficiency × r × power_cap_throughput, "
    "g_a = performance.attention_precision_gain, r = performance.attention_rate with flash "
    "attention, 1 without (the scores are batched GEMMs; the softmax is in memory_time)",
    (
        "accelerator.bf16_dense",
        "performance.matmul_efficiency",
        "performance.framework_efficiency",
        "performance.attention_rate",
        "workload.flash_attention",
        "performance.power_cap_throughput",
        "performance.attention_precision_gain",
    ),
    sources=(
        GEMM,
        ATTENTION_PRECISION,
        FP8_ATTENTION,
        ATTENTION_RATE,
        FRAMEWORK_EFFICIENCY,
        UNFUSED_ATTENTION,
        POWER_CAP,
    ),
)
def attention_compute_rate(bf16_dense, efficiency, framework, rate, flash, capped, gain):
    """Fused (flash) attention kernels run at a share r of the linear layers' rate in their
    own precision: the softmax's exponentials bound them (the same r the default MFU is
    carried with); FP8 attention runs its matmuls at the FP8 gain; a power cap slows them as it
    slows the linear layers."""
    return bf16_dense * gain * efficiency * framework * _fused_rate(rate, flash) * capped


def _fused_rate(rate, flash):
    """The attention rate of the matrix maths: r for fused kernels, whose softmax runs between
    the matrix products; 1 unfused, where the score products are plain batched GEMMs and the
    softmax is memory traffic of its own (memory_time counts it)."""
    return scalar.where(flash == "on", rate, 1.0)


@metric(
    "performance.matmul_rate",
    "flop_rate",
    "FLOP/s one accelerator's matrix maths sustain over the FLOPs it executes, at the "
    "workload's precision: the linear layers at the precision gain, the attention scores and "
    "their weighting at the attention rate",
    "bf16_dense × matmul_efficiency × framework_efficiency × power_cap_throughput / T, T = "
    "(1 − A)·(1/G − a/g_a)/(1 − a) + A/(r·g_a): G = performance.precision_gain, a = "
    "attention_flop_share, A = executed_attention_share, r = performance.attention_rate with "
    "flash attention, 1 without, g_a = performance.attention_precision_gain (T = 1/G at r = 1 "
    "without recomputation)",
    (
        "accelerator.bf16_dense",
        "performance.precision_gain",
        "performance.matmul_efficiency",
        "performance.framework_efficiency",
        "performance.attention_flop_share",
        "performance.executed_attention_share",
        "performance.attention_rate",
        "workload.flash_attention",
        "performance.power_cap_throughput",
        "performance.attention_precision_gain",
    ),
    sources=(
        GEMM,
        TE_SPEEDUP,
        ATTENTION_PRECISION,
        FP8_ATTENTION,
        ATTENTION_RATE,
        FRAMEWORK_EFFICIENCY,
        POWER_CAP,
    ),
)
def matmul_rate(
    bf16_dense, gain, efficiency, framework, share, executed, rate, flash, capped, attention_gain
):
    """The BF16 GEMM rate, the share of it the training framework's kernels reach, over the
    time per executed FLOP: the linear layers at what FP8/FP4 really gain end to end, the
    attention at r of the rate of its own precision (BF16 unless the recipe runs it in FP8) —
    the gains and the attention rate the default MFU is carried with too. A power cap below
    the TDP lowers the clock the matrix maths run at (`capped`, 1 uncapped); memory-bound work
    keeps its speed."""
    per_flop = matrix_time_per_flop(gain, share, _fused_rate(rate, flash), executed, attention_gain)
    return bf16_dense * efficiency * framework * capped / per_flop


@metric(
    "performance.hardware_flops_per_step",
    "flop",
    "FLOPs the accelerators execute per step (model FLOPs plus recomputation, plus a "
    "distillation teacher's forward pass)",
    "(model_flops_per_token × recompute_factor + teacher_flops_per_token) × tokens_per_step",
    (
        "performance.model_flops_per_token",
        "performance.tokens_per_step",
        "performance.recompute_factor",
        "performance.teacher_flops_per_token",
    ),
    sources=(NARAYANAN_FLOPS, KORTHIKANTI, DISTILLATION),
)
def hardware_flops_per_step(per_token, tokens, factor, teacher):
    """The model's FLOPs, what recomputation runs again, and the teacher's forward pass
    (nothing of it recomputed: it keeps no activations for a backward pass)."""
    return (per_token * factor + teacher) * tokens


@metric(
    "performance.compute_time",
    "time",
    "Matrix-multiplication time per step",
    "hardware_flops_per_step / accelerators_used / matmul_rate / performance.expert_gemm_factor "
    "(the routed experts' GEMMs at their roofline rate; 1 for a dense model)",
    (
        "performance.hardware_flops_per_step",
        "performance.accelerators_used",
        "performance.matmul_rate",
        "performance.expert_gemm_factor",
    ),
    sources=(NARAYANAN_FLOPS, KORTHIKANTI, GEMM, MOE_GEMM),
)
def compute_time(hardware, used, rate, expert):
    """Hardware FLOPs per accelerator over the rate its matmuls reach. A mixture's routed
    GEMMs are short and narrow: the factor the default-MFU path carries (the roofline of the
    experts' GEMMs against a wide one, performance.expert_gemm_factor) stretches this path's
    GEMM time alike, so both paths price the experts with one formula."""
    return hardware / used / rate / expert


@metric(
    "performance.memory_time",
    "time",
    "Memory-bound time per step (element-wise kernels)",
    "activation traffic [2 or 3 × 34·sbh·L/p·m, Korthikanti, the MLP's 16 of them 4r or 6r "
    "for an MLP of width f = r·h, plain or gated; without flash attention + "
    "a·s²·b/t × (13 or 26 + 19) B per layer and micro-batch; at dropout 0 the masks go: 32·sbh, "
    "(8 or 16 + 14) B] × performance.activation_element_factor (float32 activations) / c / "
    "(hbm_bandwidth × hbm_efficiency)",
    (
        "workload.sequence_length",
        "workload.micro_batch",
        "workload.hidden_size",
        "workload.layers",
        "workload.tensor_parallel",
        "workload.pipeline_parallel",
        "performance.microbatches",
        "workload.recompute",
        "workload.sequence_parallel",
        "accelerator.hbm_bandwidth",
        "performance.hbm_efficiency",
        "workload.flash_attention",
        "performance.attention_heads",
        "workload.context_parallel",
        "performance.ffn_width",
        "workload.mlp",
        "workload.dropout",
        "performance.activation_element_factor",
        "performance.recomputed_layer_share",
    ),
    sources=(
        KORTHIKANTI,
        LLM_ANALYSIS,
        FLASH,
        UNFUSED_ATTENTION,
        CONTEXT_PARALLEL,
        MLP_ACTIVATIONS,
        DROPOUT,
        ACTIVATION_PRECISION,
    ),
)
def memory_time(
    sequence,
    micro_batch,
    hidden,
    layers,
    tensor,
    pipeline,
    m,
    recompute,
    sequence_parallel,
    hbm_bandwidth,
    efficiency,
    flash,
    heads,
    context,
    ffn,
    mlp,
    dropout,
    element_factor,
    recomputed,
):
    """Element-wise work is bandwidth-bound and does not overlap the matmuls it sits between;
    without sequence parallelism every tensor-parallel rank repeats it on the whole sequence;
    without flash attention the score matrix adds what the unfused kernels move; context
    parallelism gives each rank s/c of the tokens (and of the score rows); without dropout no
    mask is written or read; float32 activations move twice the bytes."""
    score_heads = scalar.where(flash == "on", 0.0, heads)
    traffic = activation_traffic_bytes(
        sequence,
        micro_batch,
        hidden,
        layers,
        tensor,
        pipeline,
        m,
        recompute,
        sequence_parallel == "on",
        score_heads,
        ffn / hidden,
        mlp == "gated",
        dropout,
        recomputed,
    )
    return traffic * element_factor / context / (hbm_bandwidth * efficiency)


def _forward_repeated(recompute, share):
    """The factor on traffic a layer moves half in its forward pass and half in its backward:
    full recomputation runs the forward pass again (3 halves), and so does offload for the MLP
    (experts included) it recomputes; the other policies do not. `share` of a stage's layers
    recompute (performance.recomputed_layer_share)."""
    repeated = scalar.where(scalar.isin(recompute, FORWARD_RERUN), 1.5, 1.0)
    return partial_recompute(repeated, 1.0, share)


def _tensor_forward_repeated(recompute, share):
    """The same for the tensor-parallel collectives, one after the attention block and one after
    the MLP: offload recomputes the MLP but keeps the output projection's result, so only the
    second is repeated (5 quarters)."""
    repeated = scalar.where(
        recompute == "full", 1.5, scalar.where(recompute == "offload", 1.25, 1.0)
    )
    return partial_recompute(repeated, 1.0, share)


@metric(
    "performance.tensor_parallel_exchange_time",
    "time",
    "Bytes time of one of a layer's tensor-parallel exchanges for one micro-batch: a "
    "sequence-parallel all-gather or reduce-scatter, half of an all-reduce",
    "2 B·b·(s/c)·h·(t−1)/t / (½ link), link = scale-up while t ≤ scaleup_domain else scale-out",
    (
        "workload.sequence_length",
        "workload.micro_batch",
        "workload.hidden_size",
        "workload.tensor_parallel",
        "workload.context_parallel",
        "accelerator.scaleup_domain",
        "accelerator.scaleup_bandwidth",
        "performance.scaleout_bandwidth",
    ),
    sources=(NARAYANAN, KORTHIKANTI, RING),
)
def tensor_parallel_exchange_time(sequence, micro_batch, hidden, tensor, context, domain, up, out):
    """The rank's s/c tokens of width h leave it (t−1)/t at a time around the ring."""
    payload = ACTIVATION_BYTES * micro_batch * sequence / context * hidden
    return 0.5 * ring_allreduce_seconds(payload, tensor, link_for(tensor, domain, up, out))


@metric(
    "performance.tensor_parallel_layer_passes",
    "number",
    "Times a step runs each layer's tensor-parallel exchanges on one accelerator: its stage's "
    "layers once a micro-batch, and again for a recomputed forward pass",
    "L/p × m × (1.5 with full recompute, 1.25 with offload, on the recomputed share of layers)",
    (
        "workload.layers",
        "workload.pipeline_parallel",
        "performance.microbatches",
        "workload.recompute",
        "performance.recomputed_layer_share",
    ),
    sources=(NARAYANAN, MEGATRON_RECOMPUTE),
)
def tensor_parallel_layer_passes(layers, pipeline, m, recompute, recomputed_share):
    """The repeated forward's exchanges count again."""
    return layers / pipeline * m * _tensor_forward_repeated(recompute, recomputed_share)


#: What prices a layer's tensor-parallel exchanges, whether they block the GEMMs or run under them:
#: their bytes time, how often a step runs them, and NCCL's latency on the fabric they cross.
TENSOR_EXCHANGE_PRICE = (
    "performance.tensor_parallel_exchange_time",
    "performance.tensor_parallel_layer_passes",
    "workload.tensor_parallel",
    "accelerator.scaleup_domain",
    "performance.collective_base_latency",
    "performance.collective_hop_latency_scaleup",
    "performance.collective_hop_latency_scaleout",
)


@metric(
    "performance.tensor_parallel_time",
    "time",
    "Tensor-parallel communication per step",
    "4 × (2 × tensor_parallel_exchange_time + α) × tensor_parallel_layer_passes; α = base + "
    "2(t−1) hops, each at the hop latency of the fabric it crosses (NCCL's ring)",
    TENSOR_EXCHANGE_PRICE,
    sources=(NARAYANAN, KORTHIKANTI, RING, COLLECTIVE_LATENCY),
)
def tensor_parallel_time(exchange, passes, tensor, domain, base, hop_up, hop_out):
    """Two all-reduces forward and two backward per layer (with sequence parallelism the same
    volume as all-gathers and reduce-scatters) on the rank's s/c tokens; they block the
    matmuls. Each also pays its fixed latency, which does not shrink with the payload: what
    is left of a step whose per-accelerator work is small."""
    latency = ring_latency_seconds(tensor, domain, base, hop_up, hop_out, 2.0)
    return 4.0 * (2.0 * exchange + latency) * passes


@metric(
    "performance.expert_parallel_time",
    "time",
    "Expert-parallel all-to-all communication per step left exposed (mixture of experts)",
    "4 all-to-alls × 2 B·b·(s/c)·k·h/t·(e−1)/e per MoE layer and micro-batch × L_e/p × m / (½ link) "
    "× (1 − expert_overlap), link = scale-up while t·e ≤ scaleup_domain else scale-out; 0 "
    "when e = 1",
    (
        "workload.sequence_length",
        "workload.micro_batch",
        "workload.hidden_size",
        "performance.moe_layers",
        "workload.tensor_parallel",
        "workload.pipeline_parallel",
        "workload.expert_parallel",
        "workload.experts_per_token",
        "performance.microbatches",
        "workload.recompute",
        "performance.recomputed_layer_share",
        "accelerator.scaleup_domain",
        "accelerator.scaleup_bandwidth",
        "performance.scaleout_bandwidth",
        "workload.context_parallel",
        "workload.expert_overlap",
    ),
    sources=(GSHARD, MOE_OVERLAP),
)
def expert_parallel_time(
    sequence,
    micro_batch,
    hidden,
    layers,
    tensor,
    pipeline,
    expert,
    top_k,
    m,
    recompute,
    recomputed_share,
    domain,
    scaleup,
    scaleout,
    context,
    overlap,
):
    """Dispatch and combine, forward and backward: each token's hidden state goes to its k
    experts and comes back; the share (e−1)/e leaves the accelerator. It blocks the experts'
    matmuls except for the share the run overlaps with other work (`expert_overlap`)."""
    e = scalar.maximum(expert, 1)
    tokens = micro_batch * sequence / context
    payload = ACTIVATION_BYTES * tokens * top_k * hidden / tensor * (e - 1) / e
    link = link_for(tensor * e, domain, scaleup, scaleout)
    recomputed = _forward_repeated(recompute, recomputed_share)
    exposed = 1.0 - overlap
    return 4.0 * payload / (link / 2.0) * recomputed * m * layers / pipeline * exposed


@metric(
    "performance.expert_permutation_time",
    "time",
    "Token permutation and un-permutation around the experts per step (mixture of experts)",
    "expert_permutation_passes × 2 B·b·(s/c)·k·h/t per routed block and micro-batch (×1.5 with "
    "full recompute) × (L_e + L_a)/p × m / (hbm_bandwidth × hbm_efficiency), L_e = "
    "performance.moe_layers, L_a = L when workload.attention_experts > 1 (the attention is "
    "routed too) else 0; 0 for a dense model",
    (
        "workload.sequence_length",
        "workload.micro_batch",
        "workload.hidden_size",
        "performance.moe_layers",
        "workload.tensor_parallel",
        "workload.pipeline_parallel",
        "workload.experts",
        "workload.experts_per_token",
        "performance.microbatches",
        "workload.recompute",
        "performance.recomputed_layer_share",
        "accelerator.hbm_bandwidth",
        "performance.hbm_efficiency",
        "performance.expert_permutation_passes",
        "workload.context_parallel",
        "workload.attention_experts",
        "workload.layers",
    ),
    sources=(MOE_PERMUTATION, LLM_ANALYSIS, MOE_LAYOUT),
)
def expert_permutation_time(
    sequence,
    micro_batch,
    hidden,
    moe_layers,
    tensor,
    pipeline,
    experts,
    top_k,
    m,
    recompute,
    recomputed_share,
    hbm_bandwidth,
    efficiency,
    passes,
    context,
    attention_experts,
    layers,
):
    """Routed tokens are copied into expert order and back, with or without expert parallelism
    (grouped and block-sparse expert kernels need them contiguous); the copies are memory-bound
    and sit between the router and the experts' matmuls, so they do not overlap them. A
    mixture of attention heads routes every layer's attention as well (JetMoE)."""
    routed = ACTIVATION_BYTES * micro_batch * sequence / context * top_k * hidden / tensor
    recomputed = _forward_repeated(recompute, recomputed_share)
    blocks = scalar.where(experts > 1, moe_layers, 0.0)
    blocks = blocks + scalar.where(attention_experts > 1, layers, 0.0)
    return passes * routed * recomputed * m * blocks / pipeline / (hbm_bandwidth * efficiency)


@metric(
    "performance.expert_launch_time",
    "time",
    "Time per step the routed experts' small kernels take on top of their FLOPs and bytes "
    "(mixture of experts): a fixed time per local expert, MoE layer and micro-batch",
    "τ × E/e × L_e/p × m (×1.5 with full recompute), τ = performance.expert_kernel_time, E/e = "
    "local experts per rank, L_e = performance.moe_layers; 0 for a dense model",
    (
        "workload.experts",
        "workload.expert_parallel",
        "performance.moe_layers",
        "workload.pipeline_parallel",
        "performance.microbatches",
        "workload.recompute",
        "performance.recomputed_layer_share",
        "performance.expert_kernel_time",
    ),
    sources=(MOE_KERNELS,),
)
def expert_launch_time(
    experts, expert, moe_layers, pipeline, m, recompute, recomputed_share, per_expert
):
    """A dropless dispatcher reads each expert's token count back to the host before it can size
    the experts' buffers, which empties the accelerator's queue; the kernels that follow (each
    local expert's GEMMs and, in FP8, the casts of its inputs and weights, forward and
    backward) are then issued one by one while the accelerator waits. Their number, not their
    work, sets this time, so it grows with the local experts and not with the tokens."""
    local = experts / scalar.maximum(expert, 1)
    time = (
        per_expert
        * local
        * moe_layers
        / pipeline
        * m
        * _forward_repeated(recompute, recomputed_share)
    )
    return scalar.where(experts > 1, time, 0.0)


@metric(
    "performance.pipeline_p2p_time",
    "time",
    "Pipeline point-to-point communication per step (activations forward, gradients back)",
    "2 × v × (2 B·b·(s/c)·h/t / (½ link) + base + one hop) per micro-batch × m; link and hop "
    "= scale-up while t·p ≤ scaleup_domain else scale-out; 0 when p = 1",
    (
        "workload.sequence_length",
        "workload.micro_batch",
        "workload.hidden_size",
        "workload.tensor_parallel",
        "workload.pipeline_parallel",
        "performance.microbatches",
        "workload.interleave",
        "workload.layers",
        "accelerator.scaleup_domain",
        "accelerator.scaleup_bandwidth",
        "performance.scaleout_bandwidth",
        "workload.context_parallel",
        "performance.collective_base_latency",
        "performance.collective_hop_latency_scaleup",
        "performance.collective_hop_latency_scaleout",
    ),
    sources=(PIPELINE_P2P, COLLECTIVE_LATENCY),
)
def pipeline_p2p_time(
    sequence,
    micro_batch,
    hidden,
    tensor,
    pipeline,
    m,
    interleave,
    layers,
    domain,
    scaleup,
    scaleout,
    context,
    base,
    hop_up,
    hop_out,
):
    """Each stage sends every micro-batch on once per model chunk and its gradient back once;
    the sends sit between the stages' matmuls (no overlap modelled)."""
    v = effective_interleave(interleave, layers, pipeline)
    payload = ACTIVATION_BYTES * micro_batch * sequence / context * hidden / tensor
    link = link_for(tensor * pipeline, domain, scaleup, scaleout)
    latency = send_latency_seconds(tensor * pipeline, domain, base, hop_up, hop_out)
    staged = scalar.where(pipeline > 1, 1.0, 0.0)
    return staged * 2.0 * v * (payload / (link / 2.0) + latency) * m


@metric(
    "performance.kv_width",
    "number",
    "Width of one token's keys (and of its values): KV heads × head width",
    "performance.kv_heads × performance.attention_width / performance.attention_heads",
    ("performance.kv_heads", "performance.attention_width", "performance.attention_heads"),
    sources=(CONTEXT_PARALLEL,),
)
def kv_width(kv, width, heads):
    """h under multi-head attention; GQA shares each KV head between several query heads."""
    return kv * width / heads


@metric(
    "performance.tp_comm_overlap_applies",
    "number",
    "Whether the run overlaps its tensor-parallel exchanges with the GEMMs: written on, under "
    "a framework that has the overlap, with sequence parallelism and a tensor-parallel group",
    "workload.tp_comm_overlap = on and workload.framework_tp_overlap and "
    "workload.sequence_parallel = on and t > 1",
    (
        "workload.tp_comm_overlap",
        "workload.framework_tp_overlap",
        "workload.sequence_parallel",
        "workload.tensor_parallel",
    ),
    sources=(TP_OVERLAP,),
    value_type="bool",
)
def tp_comm_overlap_applies(overlap, framework_has_it, sequence_parallel, tensor):
    """Transformer Engine's userbuffers overlap is a framework's (frameworks.toml
    `tp_comm_overlap`), and its exchanges are the sequence-parallel all-gathers and
    reduce-scatters of a tensor-parallel group."""
    wanted = (overlap == "on") & framework_has_it
    return wanted & (sequence_parallel == "on") & (tensor > 1)


@metric(
    "performance.tp_comm_overlap_ignored",
    "number",
    "Whether the scenario writes tensor-parallel overlap where it changes nothing",
    "workload.tp_comm_overlap = on and not performance.tp_comm_overlap_applies",
    ("workload.tp_comm_overlap", "performance.tp_comm_overlap_applies"),
    sources=(TP_OVERLAP,),
    value_type="bool",
)
def tp_comm_overlap_ignored(overlap, applies):
    """Written on, but without a framework that has the overlap, sequence parallelism or a
    tensor-parallel group."""
    return (overlap == "on") & ~applies


@metric(
    "performance.tensor_parallel_exposed_time",
    "time",
    "Tensor-parallel communication per step left on the critical path: all of it unless the "
    "run overlaps it with the GEMMs (workload.tp_comm_overlap); then what the chunked "
    "exchanges add to the GEMMs they run under",
    "performance.tensor_parallel_time unless performance.tp_comm_overlap_applies; then Σ over "
    "the layer's four linear GEMMs (QKV a + 2·kv wide, projection "
    "from a, MLP in f or 2f gated, MLP out from f) of 2 × E(g), forward and backward, × "
    "tensor_parallel_layer_passes: E(g) = g'/t + (t−1)·max(g'/t, x/(t−1) + α) − g, g = "
    "2·b·(s/c)·h·w/t / (bf16_dense × matmul_efficiency × framework_efficiency × "
    "power_cap_throughput × precision_gain), g' = g / (1 − σ), x = "
    "tensor_parallel_exchange_time, α = one send's latency, σ = performance.tp_overlap_sm_share",
    (
        "performance.tensor_parallel_time",
        "performance.tp_comm_overlap_applies",
        *TENSOR_EXCHANGE_PRICE,
        "workload.sequence_length",
        "workload.micro_batch",
        "workload.context_parallel",
        "workload.hidden_size",
        "performance.attention_width",
        "performance.kv_width",
        "performance.ffn_width",
        "workload.mlp",
        "accelerator.bf16_dense",
        "performance.matmul_efficiency",
        "performance.framework_efficiency",
        "performance.power_cap_throughput",
        "performance.precision_gain",
        "performance.tp_overlap_sm_share",
    ),
    sources=(TP_OVERLAP, NARAYANAN, KORTHIKANTI, RING, COLLECTIVE_LATENCY),
)
def tensor_parallel_exposed_time(
    unhidden,
    applies,
    exchange,
    passes,
    tensor,
    domain,
    base,
    hop_up,
    hop_out,
    sequence,
    micro_batch,
    context,
    hidden,
    attention,
    kv,
    ffn,
    mlp,
    bf16_dense,
    efficiency,
    framework,
    capped,
    gain,
    sm_share,
):
    """Transformer Engine's userbuffers run each sequence-parallel all-gather and reduce-scatter
    in tensor-parallel-size chunks under the GEMM that consumes or produces it, forward and
    backward (each GEMM's dgrad and wgrad are its forward's size). A wide GEMM hides its whole
    exchange and pays only the SMs the exchange holds; a narrow one (few tokens a rank) cannot,
    and pays each chunk's launch."""
    step_latency = send_latency_seconds(tensor, domain, base, hop_up, hop_out)
    rate = bf16_dense * efficiency * framework * capped * gain
    tokens = micro_batch * sequence / context
    mlp_in = scalar.where(mlp == "gated", 2.0, 1.0) * ffn
    per_layer = 0.0
    for width in (attention + 2.0 * kv, attention, mlp_in, ffn):
        gemm = 2.0 * tokens * hidden * width / tensor / rate
        exposed = chunked_overlap_exposed_seconds(gemm, exchange, tensor, step_latency, sm_share)
        per_layer = per_layer + 2.0 * exposed  # forward, and the backward's exchange alike
    return scalar.where(applies, per_layer * passes, unhidden)


@metric(
    "performance.adapter_exchange_time",
    "time",
    "Tensor-parallel communication per step of the LoRA adapters' own sequence-parallel "
    "exchanges, which the userbuffers overlap of the frozen layers does not cover",
    "with workload.adapter lora and performance.tp_comm_overlap_applies: per layer pass, the "
    "QKV adapter's all-gather of the 16-bit layer-norm output forward and reduce-scatter of its "
    "gradient backward, 2 × (x + α_ring), and the output projection's adapter all-to-all "
    "forward and backward, 2 × (x/t + α_send); × tensor_parallel_layer_passes, x = "
    "tensor_parallel_exchange_time; else 0",
    ("workload.adapter", "performance.tp_comm_overlap_applies", *TENSOR_EXCHANGE_PRICE),
    sources=(LORA_SP_EXCHANGE, LORA, RING, COLLECTIVE_LATENCY),
)
def adapter_exchange_time(
    adapter, applies, exchange, passes, tensor, domain, base, hop_up, hop_out
):
    """With the overlap on, Transformer Engine hands the adapter the layer norm's local shard,
    so the QKV adapter gathers the full sequence itself (one exchange of the frozen layer's
    size each way); the output projection's adapter returns to the sequence-parallel layout
    by an all-to-all of its h/t-wide shard. NCCL runs them between the GEMMs, unhidden."""
    gather = exchange + ring_latency_seconds(tensor, domain, base, hop_up, hop_out, 1.0)
    all_to_all = exchange / tensor + send_latency_seconds(tensor, domain, base, hop_up, hop_out)
    per_layer = 2.0 * gather + 2.0 * all_to_all
    return scalar.where((adapter == "lora") & applies, per_layer * passes, 0.0)


@metric(
    "performance.adapter_memory_time",
    "time",
    "Memory-bound time per step of the LoRA adapters' own kernels (dropout, the rank-r GEMMs "
    "reading and writing full activations, the sums into the frozen path), forward and backward",
    "with workload.adapter lora: per layer pass, bytes of the QKV adapter (input x of h on the "
    "rank's T' tokens, output of q = a + 2·kv over t on T = b·s/c) and of the output "
    "projection's (input of a over t on T, output of h on T'), T' = T/t with sequence "
    "parallelism else T: dropout 2·2 + 1 B forward and backward on the input, linear_in reads "
    "it (2 B), linear_out writes the output (2 B), the sum 3 × 2 B; backward: the output "
    "gradient read twice, the input read and its gradient written and summed (3 × 2 B); × "
    "tensor_parallel_layer_passes / (hbm_bandwidth × hbm_efficiency); else 0",
    (
        "workload.adapter",
        "workload.sequence_length",
        "workload.micro_batch",
        "workload.context_parallel",
        "workload.hidden_size",
        "workload.tensor_parallel",
        "workload.sequence_parallel",
        "performance.attention_width",
        "performance.kv_width",
        "performance.tensor_parallel_layer_passes",
        "accelerator.hbm_bandwidth",
        "performance.hbm_efficiency",
    ),
    sources=(LORA_ADAPTER_KERNELS, LORA, LLM_ANALYSIS),
)
def adapter_memory_time(
    adapter,
    sequence,
    micro_batch,
    context,
    hidden,
    tensor,
    sequence_parallel,
    attention,
    kv,
    passes,
    hbm_bandwidth,
    efficiency,
):
    """Rank-16 GEMMs do almost no arithmetic on inputs and outputs as wide as the frozen
    layer's, so the adapters cost the bytes they move; the FLOP count has them at 6·N_adapter
    a token, which is nothing beside that."""
    tokens = micro_batch * sequence / context
    shard = scalar.where(sequence_parallel == "on", tokens / tensor, tokens)
    qkv = _adapter_bytes(shard * hidden, tokens * hidden, tokens * (attention + 2.0 * kv) / tensor)
    projection = _adapter_bytes(
        tokens * attention / tensor, tokens * attention / tensor, shard * hidden
    )
    per_layer = qkv + projection
    return scalar.where(adapter == "lora", per_layer * passes / (hbm_bandwidth * efficiency), 0.0)


def _adapter_bytes(dropped, read, output):
    """One adapter's HBM bytes, forward and backward: `dropped` elements through the dropout
    (its output and 1-byte mask written, then read back in the backward), `read` elements of
    input its linear_in reads (again in the backward, which writes their gradient, summed into
    the frozen path's on the `dropped` shard), `output` elements it
    writes and sums into the frozen layer's output, and whose gradient it reads twice."""
    dropout = 2.0 * (2.0 * ACTIVATION_BYTES + 1.0) * dropped
    input_side = 3.0 * ACTIVATION_BYTES * read + 3.0 * ACTIVATION_BYTES * dropped
    output_side = (1.0 + 3.0 + 2.0) * ACTIVATION_BYTES * output
    return dropout + input_side + output_side


@metric(
    "performance.context_parallel_exchange_time",
    "time",
    "Time per step the context-parallel ring spends sending keys and values (before overlap)",
    "kv_passes × (c−1) × 2 (K, V) × kv_bytes·b·(s/c)·kv_width/min(t, kv_heads) per layer and "
    "micro-batch / (½ link), plus kv_passes × (c−1) sends' latency (base + one hop) (× "
    "(kv_passes+1)/kv_passes with full recompute) × L/p × m, link and hop = scale-up while t·c "
    "≤ scaleup_domain else scale-out; 0 when c = 1",
    (
        "workload.sequence_length",
        "workload.micro_batch",
        "performance.kv_width",
        "performance.kv_heads",
        "workload.tensor_parallel",
        "workload.context_parallel",
        "performance.context_parallel_kv_bytes",
        "performance.context_parallel_kv_passes",
        "workload.layers",
        "workload.pipeline_parallel",
        "performance.microbatches",
        "workload.recompute",
        "performance.recomputed_layer_share",
        "accelerator.scaleup_domain",
        "accelerator.scaleup_bandwidth",
        "performance.scaleout_bandwidth",
        "performance.collective_base_latency",
        "performance.collective_hop_latency_scaleup",
        "performance.collective_hop_latency_scaleout",
    ),
    sources=(CONTEXT_PARALLEL, RING_ATTENTION, COLLECTIVE_LATENCY),
)
def context_parallel_exchange_time(
    sequence,
    micro_batch,
    kv_width,
    kv_heads,
    tensor,
    context,
    kv_bytes,
    kv_passes,
    layers,
    pipeline,
    m,
    recompute,
    recomputed_share,
    domain,
    scaleup,
    scaleout,
    base,
    hop_up,
    hop_out,
):
    """Megatron places a CP group's ranks t apart, so the ring spans t·c consecutive ranks:
    inside one NVLink domain while that fits, over the scale-out fabric beyond."""
    link = link_for(tensor * context, domain, scaleup, scaleout)
    per_layer = context_parallel_exchange_seconds(
        sequence, micro_batch, kv_width, kv_heads, tensor, context, kv_bytes, kv_passes, link
    )
    sends = kv_passes * (scalar.maximum(context, 1) - 1)  # each block is its own send
    per_layer = per_layer + sends * send_latency_seconds(
        tensor * context, domain, base, hop_up, hop_out
    )
    recomputed = scalar.where(
        scalar.isin(recompute, FORWARD_RERUN), (kv_passes + 1.0) / kv_passes, 1.0
    )
    recomputed = partial_recompute(recomputed, 1.0, recomputed_share)
    return per_layer * recomputed * m * layers / pipeline


@metric(
    "performance.context_parallel_time",
    "time",
    "Exposed context-parallel communication per step (ring attention's K/V exchange)",
    "max(0, context_parallel_exchange_time − (c−1)/c × attention time), attention time = "
    "12·b·s·s_a·(a·d) per layer and micro-batch / (t·c) × L/p × m (× recompute factor) / "
    "attention_compute_rate, s_a = performance.attention_span",
    (
        "performance.context_parallel_exchange_time",
        "workload.context_parallel",
        "workload.sequence_length",
        "performance.attention_span",
        "workload.micro_batch",
        "performance.attention_width",
        "workload.tensor_parallel",
        "workload.layers",
        "workload.pipeline_parallel",
        "performance.microbatches",
        "performance.recompute_factor",
        "performance.attention_compute_rate",
    ),
    sources=(CONTEXT_PARALLEL, RING_ATTENTION, NARAYANAN_FLOPS, ATTENTION_RATE),
)
def context_parallel_time(
    exchange, context, sequence, span, micro_batch, width, tensor, layers, pipeline, m, factor, rate
):
    """Ring attention sends the next block while it computes on the one it holds: c−1 of the c
    blocks' attention hide the transfers, and only what they cannot hide stalls the step."""
    c = scalar.maximum(context, 1)
    attention_flops = (
        12.0 * micro_batch * sequence * span * width / (tensor * c) * m * layers / pipeline
    )
    attention = attention_flops * factor / rate
    return scalar.maximum(exchange - (c - 1) / c * attention, 0.0)


@metric(
    "performance.gradient_replicas_per_domain",
    "number",
    "Ranks of one gradient-reduction group (data × context) inside one scale-up domain",
    "min(d·c, max(1, ⌊scaleup_domain / t⌋)): ranks are numbered tensor first, then context "
    "and data, so a domain holds ⌊domain / t⌋ consecutive replicas",
    (
        "performance.gradient_replicas",
        "accelerator.scaleup_domain",
        "workload.tensor_parallel",
    ),
    sources=(RANK_ORDER,),
)
def gradient_replicas_per_domain(replicas, domain, tensor):
    """With t = 8 on 8-GPU servers each server holds one replica of a group; with t = 1 (FSDP,
    ZeRO-3 without tensor parallelism) all eight of its GPUs are replicas of one group."""
    return scalar.minimum(replicas, scalar.maximum(domain // tensor, 1))


@metric(
    "performance.data_parallel_bandwidth",
    "bandwidth",
    "Bandwidth (bidirectional) at which each rank's share of the gradient collectives moves",
    "the scale-up bandwidth while the job fits in one domain; beyond it min(scale-up, g × "
    "scale-out), g = gradient_replicas_per_domain: the rings leave each domain over the NICs "
    "of all its g replicas, and the traffic inside the domain runs on the scale-up fabric",
    (
        "performance.accelerators_used",
        "accelerator.scaleup_domain",
        "accelerator.scaleup_bandwidth",
        "performance.scaleout_bandwidth",
        "performance.gradient_replicas_per_domain",
    ),
    sources=(RING, NCCL_CHANNELS, RANK_ORDER),
)
def data_parallel_bandwidth(used, domain, scaleup, scaleout, per_domain):
    """A ring of n ranks, g to a domain, crosses each domain boundary once per channel: the
    domain's 2·S of traffic leaves over g NICs at once, as fast as g × scale-out per rank."""
    return link_for(used, domain, scaleup, scalar.minimum(scaleup, per_domain * scaleout))


@metric(
    "performance.expert_gradient_replicas",
    "number",
    "Ranks holding the same routed experts, over which their gradients are reduced (the "
    "expert-data-parallel group; 1 for a dense model)",
    "max(1, d·c / e) for a mixture (E > 1), else 1: the expert-parallel ranks are carved out "
    "of the data-parallel ones",
    ("performance.gradient_replicas", "workload.expert_parallel", "workload.experts"),
    sources=(MOE_OPTIMIZER,),
)
def expert_gradient_replicas(replicas, expert, experts):
    """Each expert lives on one rank of every e data-parallel ranks: d·c / e copies of it."""
    copies = scalar.maximum(replicas / scalar.maximum(expert, 1), 1.0)
    return scalar.where(experts > 1, copies, 1.0)


@metric(
    "performance.expert_gradient_replicas_per_domain",
    "number",
    "Copies of one routed expert inside one scale-up domain",
    "min(expert_gradient_replicas, max(1, ⌊scaleup_domain / (t·e)⌋)): expert ranks are "
    "numbered tensor, then expert, then data, so the copies of one expert are t·e ranks apart",
    (
        "performance.expert_gradient_replicas",
        "accelerator.scaleup_domain",
        "workload.tensor_parallel",
        "workload.expert_parallel",
    ),
    sources=(MOE_OPTIMIZER, RANK_ORDER),
)
def expert_gradient_replicas_per_domain(replicas, domain, tensor, expert):
    """With e = 8 on 8-GPU servers each server holds one copy of an expert."""
    return scalar.minimum(
        replicas, scalar.maximum(domain // (tensor * scalar.maximum(expert, 1)), 1)
    )


@metric(
    "performance.expert_gradient_bandwidth",
    "bandwidth",
    "Bandwidth (bidirectional) at which each rank's share of the routed experts' gradient "
    "collectives moves (performance.data_parallel_bandwidth for a dense model)",
    "for a mixture (E > 1): the scale-up bandwidth while the job fits in one domain; beyond it "
    "min(scale-up, g_e × scale-out), g_e = performance.expert_gradient_replicas_per_domain",
    (
        "performance.accelerators_used",
        "accelerator.scaleup_domain",
        "accelerator.scaleup_bandwidth",
        "performance.scaleout_bandwidth",
        "performance.expert_gradient_replicas_per_domain",
        "workload.experts",
        "performance.data_parallel_bandwidth",
    ),
    sources=(MOE_OPTIMIZER, RANK_ORDER, RING, NCCL_CHANNELS),
)
def expert_gradient_bandwidth(used, domain, scaleup, scaleout, per_domain, experts, data_bandwidth):
    """With the expert-parallel group filling a server (e = 8 on 8-GPU servers), every copy of
    an expert sits in another server: its ring leaves the domain at every hop over one NIC,
    where the shared weights' ring has eight replicas to a server and eight NICs."""
    spread = link_for(used, domain, scaleup, scalar.minimum(scaleup, per_domain * scaleout))
    return scalar.where(experts > 1, spread, data_bandwidth)


@metric(
    "performance.shard_group_bandwidth",
    "bandwidth",
    "Bandwidth (bidirectional) of the ZeRO collectives inside one shard group",
    "performance.data_parallel_bandwidth without a shard group; with one, the scale-up "
    "bandwidth while a group's t × shard_replicas ranks fit in one domain",
    (
        "performance.shard_replicas",
        "performance.gradient_replicas",
        "workload.tensor_parallel",
        "accelerator.scaleup_domain",
        "accelerator.scaleup_bandwidth",
        "performance.data_parallel_bandwidth",
    ),
    sources=(HYBRID_SHARD, RANK_ORDER),
)
def shard_group_bandwidth(shard, replicas, tensor, domain, scaleup, data_bandwidth):
    """A shard group that fits in a slice or node gathers and reduce-scatters over its ICI or
    NVLink; only the replicas of each shard talk across domains."""
    inside = link_for(shard * tensor, domain, scaleup, data_bandwidth)
    return scalar.where(shard < replicas, inside, data_bandwidth)


@metric(
    "performance.cross_group_bandwidth",
    "bandwidth",
    "Bandwidth (bidirectional) per rank of the all-reduce of each shard across shard groups",
    "the scale-up bandwidth while the job fits in one domain, else min(scale-up, scale-out): "
    "every rank all-reduces its own shard with its counterparts at once, each over its own "
    "share of the scale-out network",
    (
        "performance.accelerators_used",
        "accelerator.scaleup_domain",
        "accelerator.scaleup_bandwidth",
        "performance.scaleout_bandwidth",
    ),
    sources=(HYBRID_SHARD, RING),
)
def cross_group_bandwidth(used, domain, scaleup, scaleout):
    """All ranks of a domain leave it together, so none gets more than its own NIC share."""
    return link_for(used, domain, scaleup, scalar.minimum(scaleup, scaleout))


@metric(
    "performance.gradient_bucket",
    "number",
    "Parameters whose gradients one data-parallel collective reduces",
    "workload.gradient_bucket if above 0, else max(gradient_bucket_fixed, "
    "gradient_bucket_per_replica × data_parallel): the framework's default (Megatron-Core "
    "max(40M, 1M × d), DeepSpeed 5 × 10⁸)",
    (
        "workload.gradient_bucket",
        "performance.gradient_bucket_fixed",
        "performance.gradient_bucket_per_replica",
        "performance.data_parallel",
    ),
    sources=(GRADIENT_BUCKETS,),
)
def gradient_bucket(written, fixed, per_replica, data):
    """Megatron-Core grows its default bucket with the data-parallel group so that each rank's
    share of a ring stays large enough to be bandwidth-bound."""
    return scalar.where(written > 0, written, scalar.maximum(fixed, per_replica * data))


@metric(
    "performance.gradient_buckets",
    "number",
    "Data-parallel collectives the once-a-step gradient reduction is split into",
    "min(⌈(trainable_parameters_per_accelerator − trainable_expert_parameters_per_accelerator) "
    "/ gradient_bucket⌉, parameter_tensors_per_layer × layers / pipeline), at least 1 (a bucket "
    "closes only between parameters); 1 with ZeRO-3 (its reduction is per layer, in "
    "performance.data_parallel_time)",
    (
        "performance.trainable_parameters_per_accelerator",
        "performance.trainable_expert_parameters_per_accelerator",
        "performance.gradient_bucket",
        "workload.zero_stage",
        "performance.parameter_tensors_per_layer",
        "workload.layers",
        "workload.pipeline_parallel",
    ),
    sources=(GRADIENT_BUCKETS,),
)
def gradient_buckets(parameters, experts, bucket, zero_stage, tensors, layers, pipeline):
    """Each bucket is a collective of its own, launched when the backward pass has produced its
    gradients: B buckets pay B latencies, and the first B − 1 can run beside the backward pass
    of the layers before them. A bucket smaller than a parameter tensor holds that one tensor."""
    count = -scalar.floor(-(parameters - experts) / bucket)  # ceil
    count = scalar.maximum(scalar.minimum(count, tensors * layers / pipeline), 1.0)
    return scalar.where(zero_stage >= 3, 1.0, count)


#: What the once-a-step gradient all-reduce is made of, for each algorithm's time.
GRADIENT_ALLREDUCE_INPUTS = (
    "performance.trainable_parameters_per_accelerator",
    "performance.gradient_replicas",
    "workload.zero_stage",
    "performance.data_parallel_bandwidth",
    "performance.shard_replicas",
    "performance.cross_group_bandwidth",
    "performance.gradient_replicas_per_domain",
    "performance.trainable_expert_parameters_per_accelerator",
    "performance.gradient_buckets",
)
_GRADIENT_ALLREDUCE_FORMULA = (
    "of the once-a-step gradient all-reduce (trainable parameters only: the adapters of a LoRA "
    "run): ZeRO-0/1/2, 2 B × (trainable_parameters_per_accelerator − "
    "trainable_expert_parameters_per_accelerator) over "
    "d·c ranks, gradient_replicas_per_domain to a domain, at performance.data_parallel_bandwidth; "
    "ZeRO-3, each shard (2 B × trainable_parameters_per_accelerator / N_d) across the d·c / N_d "
    "shard groups, one rank to a domain, at performance.cross_group_bandwidth (nothing without "
    "groups); one collective per gradient bucket (performance.gradient_buckets), each paying the "
    "latency"
)


def _gradient_allreduce(
    parameters, data, zero_stage, bandwidth, shard, cross_bandwidth, per_domain, experts
):
    """Payload, ranks, link and ranks per domain of the once-a-step gradient all-reduce (up to
    ZeRO-2 the shared weights only: a mixture's experts are reduced over a group of their own)."""
    stage3 = zero_stage >= 3
    payload = GRADIENT_BYTES * scalar.where(stage3, parameters / shard, parameters - experts)
    ranks = scalar.where(stage3, data / shard, data)
    link = scalar.where(stage3, cross_bandwidth, bandwidth)
    # every rank's shard crosses the domains with its counterparts: one per domain
    return payload, ranks, link, scalar.where(stage3, 1.0, per_domain)


@metric(
    "performance.gradient_ring_time",
    "time",
    "Time of the once-a-step gradient all-reduce as NCCL's ring would run it",
    "2·S·(n−1)/n / (½ link) + B × (base + 2(n−1) hops), those between domains at the scale-out "
    "hop latency (NCCL's ring, Simple protocol), " + _GRADIENT_ALLREDUCE_FORMULA,
    (
        *GRADIENT_ALLREDUCE_INPUTS,
        "performance.collective_base_latency",
        "performance.collective_hop_latency_scaleup",
        "performance.collective_hop_latency_scaleout",
    ),
    sources=(RING, COLLECTIVE_LATENCY, NCCL_TUNER, GRADIENT_BUCKETS),
)
def gradient_ring_time(psi, d, zero, link, n_d, cross, g, psi_e, buckets, base, up, out):
    """The ring's bytes are the least a rank can send, but its latency grows with every rank:
    2(n−1) steps, so a ring of tens of thousands pays hundreds of milliseconds, once per
    bucket."""
    payload, ranks, link, domain = _gradient_allreduce(psi, d, zero, link, n_d, cross, g, psi_e)
    transfer = ring_allreduce_seconds(payload, ranks, link)
    return transfer + buckets * ring_latency_seconds(ranks, domain, base, up, out, 2.0)


@metric(
    "performance.gradient_tree_time",
    "time",
    "Time of the once-a-step gradient all-reduce as NCCL's tree would run it",
    "2·S / (tree_bandwidth_efficiency × ½ link) + B × (tree_base + 2·((n/N − 1) scale-up hops "
    "+ ⌊log₂ N⌋ scale-out levels)), N = ⌈n / ranks per domain⌉ (NCCL's tree, Simple protocol), "
    + _GRADIENT_ALLREDUCE_FORMULA,
    (
        *GRADIENT_ALLREDUCE_INPUTS,
        "performance.collective_tree_base_latency",
        "performance.collective_tree_hop_latency_scaleup",
        "performance.collective_tree_hop_latency_scaleout",
        "performance.collective_tree_bandwidth_efficiency",
    ),
    sources=(NCCL_TUNER, GRADIENT_BUCKETS),
)
def gradient_tree_time(psi, d, zero, link, n_d, cross, g, psi_e, buckets, base, up, out, eff):
    """The tree sends each byte up and back down at a little less than the link's rate, but its
    latency grows with the logarithm of the domains: what a large cluster's all-reduce runs.
    Buckets are all of one size, so NCCL's choice for one bucket is its choice for all."""
    payload, ranks, link, domain = _gradient_allreduce(psi, d, zero, link, n_d, cross, g, psi_e)
    transfer = tree_allreduce_seconds(payload, ranks, link, eff)
    return transfer + buckets * tree_latency_seconds(ranks, domain, base, up, out)


@metric(
    "performance.data_parallel_time",
    "time",
    "Exposed data-parallel gradient communication per step",
    "E(x, w) = x − η·(B − 1)/B·min(x, w), η = performance.overlap_efficiency (the share of "
    "ideally hidden time that overlapping saves), B = gradient_buckets (the last bucket waits "
    "for the end of the backward pass; B taken as unbounded for ZeRO-3's per-layer "
    "reductions); A = min(gradient_ring_time, gradient_tree_time), the "
    "once-a-step all-reduce as NCCL's tuner runs it (the algorithm of least time, latency + "
    "bytes / bandwidth); ZeRO-0/1/2: E(A + ring(2 B × Ψ_e, d_e) at "
    "performance.expert_gradient_bandwidth, ⅔ compute_time / m), Ψ_e = "
    "expert_parameters_per_accelerator, d_e = expert_gradient_replicas (the experts' own "
    "reduction stays on the ring); ZeRO-3: m × max(0, 1.5 × ring(2 B × "
    "parameters_per_accelerator, N_d) − compute_time / m) at performance.shard_group_bandwidth "
    "(gathers and reduce-scatters: NCCL runs them on the ring), plus E(A, ⅔ compute_time / m) "
    "across shard groups; each ring pays its latency α = base + 2(n−1) hops, those between "
    "domains at the scale-out hop latency",
    (
        "performance.parameters_per_accelerator",
        "workload.zero_stage",
        "performance.compute_time",
        "performance.microbatches",
        "performance.shard_replicas",
        "performance.shard_group_bandwidth",
        "performance.overlap_efficiency",
        "performance.gradient_replicas_per_domain",
        "performance.collective_base_latency",
        "performance.collective_hop_latency_scaleup",
        "performance.collective_hop_latency_scaleout",
        "performance.gradient_ring_time",
        "performance.gradient_tree_time",
        "performance.trainable_expert_parameters_per_accelerator",
        "performance.expert_gradient_replicas",
        "performance.expert_gradient_bandwidth",
        "performance.expert_gradient_replicas_per_domain",
        "performance.gradient_buckets",
    ),
    sources=(
        GRADIENT_BUCKETS,
        RING,
        ZERO,
        MOE_OPTIMIZER,
        ZERO3_OVERLAP,
        NARAYANAN,
        CONTEXT_PARALLEL,
        HYBRID_SHARD,
        OVERLAP_INTERFERENCE,
        COLLECTIVE_LATENCY,
        NCCL_TUNER,
    ),
)
def data_parallel_time(
    parameters,
    zero_stage,
    compute,
    m,
    shard,
    shard_bandwidth,
    efficiency,
    per_domain,
    base,
    hop_up,
    hop_out,
    ring,
    tree,
    expert_parameters,
    expert_replicas,
    expert_bandwidth,
    expert_per_domain,
    buckets,
):
    """Up to ZeRO-2 the gradients are reduced once a step, overlapping only the backward pass
    of the last micro-batch: with a fixed global batch, more replicas mean fewer micro-batches
    each and more of it exposed. NCCL runs that all-reduce as a ring or a tree, whichever its
    model says is faster: the ring for large payloads on few domains, the tree when the ring's
    2(n−1) steps of latency outweigh the tree's 8% slower bytes. ZeRO-3 (FSDP) gathers the
    parameters for the forward and again for the backward pass and reduce-scatters the gradients
    in every micro-batch, prefetching the next gather while it computes: half a ring three
    times per micro-batch, beside that micro-batch's forward and backward passes (NCCL has no
    tree for gathers and reduce-scatters). A hybrid ZeRO-3 layout runs those rings inside its
    shard group only and all-reduces each reduced shard across the groups once a step, as the
    plain data-parallel reduction does. Overlap of the once-a-step exchange is not free: the
    collective's kernels share the compute units and HBM with the matmuls beside them, so a
    step saves only the share η of the time an ideal overlap would hide. ZeRO-3's
    per-micro-batch prefetch keeps ideal overlap (see calibration.overlap_efficiency). A
    mixture's routed experts are reduced over their own, smaller group (d·c / e copies), whose
    ranks lie in different servers when the expert-parallel group fills one."""
    per_microbatch = compute / m
    backward = (2.0 / 3.0) * per_microbatch
    experts = ring_allreduce_seconds(
        GRADIENT_BYTES * expert_parameters, expert_replicas, expert_bandwidth
    )
    experts = experts + scalar.where(
        expert_replicas > 1,
        ring_latency_seconds(expert_replicas, expert_per_domain, base, hop_up, hop_out, 2.0),
        0.0,
    )
    experts = scalar.where(zero_stage >= 3, 0.0, experts)  # ZeRO-3 reduces Ψ whole, in shards
    allreduce = scalar.minimum(ring, tree) + experts
    # the last bucket's gradients are ready only when the backward pass ends: of B buckets,
    # B − 1 can run beside it (ZeRO-3's shards are reduced layer by layer, as many as there are)
    overlappable = scalar.where(zero_stage >= 3, 1.0, 1.0 - 1.0 / buckets)
    once_a_step = exposed_after_overlap(allreduce, backward, efficiency * overlappable)
    in_group = ring_allreduce_seconds(GRADIENT_BYTES * parameters, shard, shard_bandwidth)
    in_group = in_group + ring_latency_seconds(shard, per_domain, base, hop_up, hop_out, 2.0)
    every_microbatch = m * scalar.maximum(1.5 * in_group - per_microbatch, 0.0)
    return scalar.where(zero_stage >= 3, every_microbatch + once_a_step, once_a_step)


@metric(
    "performance.optimizer_time",
    "time",
    "Adam update time per step on the accelerator",
    "adam_traffic_per_parameter × trainable_parameters_per_accelerator "
    "(performance.trainable_sharded_parameters with ZeRO ≥ 1) / (hbm_bandwidth × "
    "hbm_efficiency); 0 when offloaded",
    (
        "performance.trainable_parameters_per_accelerator",
        "performance.trainable_sharded_parameters",
        "workload.zero_stage",
        "workload.offload",
        "performance.adam_traffic_per_parameter",
        "accelerator.hbm_bandwidth",
        "performance.hbm_efficiency",
    ),
    sources=(ZERO, LLM_ANALYSIS),
)
def optimizer_time(
    parameters, sharded, zero_stage, offload, per_parameter, hbm_bandwidth, efficiency
):
    """The update streams the fp32 state through HBM once; with offload it runs on the CPU."""
    shard = scalar.where(zero_stage >= 1, sharded, parameters)
    on_device = scalar.where(offload == "cpu", 0.0, 1.0)
    return on_device * per_parameter * shard / (hbm_bandwidth * efficiency)


#: Where the FP8 weight casts' bytes come from (calibration.low_precision_weight_cast_bytes).
TE_WEIGHT_CAST = (
    "NVIDIA Transformer Engine source, PyTorch Linear: a 16-bit weight is cast to FP8 with its "
    "transpose (fp8_cast_transpose_fused) on the first micro-batch of a step and reused by the "
    "others (is_first_microbatch), unless the weights are kept in FP8"
)

calibration_input(
    "performance.low_precision_weight_cast_bytes",
    "low_precision_weight_cast_bytes",
    "number",
    "HBM bytes per weight held that the FP8 or FP4 weight casts move each step",
    (TE_WEIGHT_CAST,),
)

calibration_input(
    "performance.fp8_weight_transpose_bytes",
    "fp8_weight_transpose_bytes",
    "number",
    "HBM bytes per weight held that the transposes of weights kept in FP8 move each step",
    (FP8_WEIGHTS,),
)


@metric(
    "performance.weight_cast_time",
    "time",
    "Time per step the FP8 or FP4 weight casts take: every rank casts all the weights it holds",
    "b × parameters_per_accelerator / (hbm_bandwidth × hbm_efficiency) at fp8 or fp4, else 0; "
    "b = low_precision_weight_cast_bytes, or fp8_weight_transpose_bytes with "
    "workload.weight_precision fp8 (no cast, the FP8 weight's transpose only)",
    (
        "workload.precision",
        "performance.low_precision_weight_cast_bytes",
        "performance.parameters_per_accelerator",
        "accelerator.hbm_bandwidth",
        "performance.hbm_efficiency",
        "workload.weight_precision",
        "performance.fp8_weight_transpose_bytes",
    ),
    sources=(TE_WEIGHT_CAST, FP8_WEIGHTS, LLM_ANALYSIS),
)
def weight_cast_time(
    precision, per_weight, held, hbm_bandwidth, efficiency, weight_precision, transpose
):
    """The casts read every 16-bit weight a rank holds and write its low-precision copies once a
    step: memory-bound kernels between the forward products that neither data nor context
    parallelism shrink, since each rank holds and casts its whole share of the model. Weights
    held in FP8 are not cast; their transpose for the backward pass is still made."""
    low = scalar.isin(precision, ("fp8", "fp4"))
    moved = scalar.where(weight_precision == "fp8", transpose, per_weight)
    return scalar.where(low, moved * held / (hbm_bandwidth * efficiency), 0.0)


@metric(
    "performance.offload_traffic",
    "data",
    "Host-link traffic per step and accelerator: what the run sends to host memory on purpose",
    "offload_traffic_per_parameter × optimizer shard (trainable_parameters_per_accelerator, "
    "performance.trainable_sharded_parameters with ZeRO ≥ 1; if offload cpu) + 2 × "
    "offloaded_activation_memory; memory over HBM is not traffic (performance.fits_in_hbm: "
    "the run as written cannot start)",
    (
        "performance.trainable_parameters_per_accelerator",
        "performance.trainable_sharded_parameters",
        "workload.zero_stage",
        "workload.offload",
        "performance.offload_traffic_per_parameter",
        "performance.offloaded_activation_memory",
    ),
    sources=(ZERO_OFFLOAD, ACTIVATION_OFFLOAD, NO_IMPLICIT_SPILL),
)
def offload_traffic(parameters, sharded, zero_stage, offload, per_parameter, offloaded_activations):
    """ZeRO-Offload's gradients down and parameters up, plus the activations offloaded on
    purpose (read in and written back once per step: a lower bound). What exceeds HBM is not
    priced as traffic: the frameworks move nothing to the host unless told to (an allocation
    past HBM fails), so a layout that does not fit has no step time of its own; the step is
    that of the layout as written and performance.fits_in_hbm says it cannot start."""
    shard = scalar.where(zero_stage >= 1, sharded, parameters)
    optimizer = scalar.where(offload == "cpu", per_parameter * shard, 0.0)
    return optimizer + 2.0 * offloaded_activations


@metric(
    "performance.offload_time",
    "time",
    "Host-link time per step",
    "performance.offload_traffic / (accelerator.hostlink_bandwidth / hostlink_shared_by)",
    (
        "performance.offload_traffic",
        "accelerator.hostlink_bandwidth",
        "accelerator.hostlink_shared_by",
    ),
    sources=(ZERO_OFFLOAD, VENDOR_LINKS),
)
def offload_time(traffic, hostlink, shared_by):
    """Host traffic over this accelerator's share of PCIe or NVLink-C2C."""
    return host_link_seconds(traffic, hostlink, shared_by)


@metric(
    "performance.straggler_factor",
    "number",
    "Stretch of a synchronous step by its slowest accelerator",
    "1 + straggler_variability × √(2 ln accelerators_used)",
    ("performance.accelerators_used", "performance.straggler_variability"),
    sources=(STRAGGLER,),
)
def straggler(used, variability):
    """Grows slowly but without bound with the number of accelerators."""
    return straggler_factor(used, variability)


@metric(
    "performance.replica_time",
    "time",
    "Time of one data-parallel replica's step alone: per-micro-batch work stretched by the "
    "pipeline bubble, then the optimizer and host traffic (no data-parallel exchange, no "
    "stragglers)",
    "(compute + memory + tensor_parallel_exposed + expert_parallel + expert_permutation + "
    "expert_launch + pipeline_p2p + context_parallel + adapter_exchange + adapter_memory) / "
    "(1 − pipeline_bubble) + optimizer + offload + weight_cast",
    (
        "performance.compute_time",
        "performance.memory_time",
        "performance.tensor_parallel_exposed_time",
        "performance.expert_parallel_time",
        "performance.pipeline_p2p_time",
        "performance.pipeline_bubble",
        "performance.optimizer_time",
        "performance.offload_time",
        "performance.context_parallel_time",
        "performance.expert_permutation_time",
        "performance.expert_launch_time",
        "performance.weight_cast_time",
        "performance.adapter_exchange_time",
        "performance.adapter_memory_time",
    ),
    sources=(
        NARAYANAN,
        KORTHIKANTI,
        ZERO,
        ZERO_OFFLOAD,
        GSHARD,
        PIPELINE_P2P,
        CONTEXT_PARALLEL,
        MOE_PERMUTATION,
        MOE_KERNELS,
    ),
)
def replica_time(
    compute,
    memory,
    tensor_comm,
    expert_comm,
    p2p,
    bubble,
    optimizer,
    offload,
    context_comm,
    permutation,
    launches,
    casts,
    adapter_comm,
    adapter_memory,
):
    """Every part of a step that one replica pays on its own, declared once: the step time and
    the scaling efficiency both start from it."""
    per_microbatch = compute + memory + tensor_comm + expert_comm + p2p + context_comm
    per_microbatch = per_microbatch + permutation + launches + adapter_comm + adapter_memory
    return per_microbatch / (1.0 - bubble) + optimizer + offload + casts


@metric(
    "performance.step_time",
    "time",
    "Time of one optimizer step (bottom up)",
    "(replica_time + data_parallel) × straggler_factor, replica_time = (compute + memory + "
    "tensor_parallel_exposed + expert_parallel + expert_permutation + expert_launch + "
    "pipeline_p2p + context_parallel + adapter_exchange + adapter_memory) / (1 − "
    "pipeline_bubble) + optimizer + offload + weight_cast",
    (
        "performance.replica_time",
        "performance.data_parallel_time",
        "performance.straggler_factor",
    ),
    sources=(RING, STRAGGLER),
    importance=2,
)
def step_time(replica, data_comm, stragglers):
    """One replica's step, then the exposed gradient exchange, stretched by the slowest rank."""
    return (replica + data_comm) * stragglers


@metric(
    "performance.scaling_efficiency",
    "fraction",
    "Share of the step left after data-parallel exchange and stragglers (1 = linear scaling)",
    "performance.replica_time / performance.step_time",
    ("performance.replica_time", "performance.step_time"),
    sources=(RING, NARAYANAN, STRAGGLER),
    importance=1,
)
def scaling_efficiency(replica, step):
    """What adding replicas costs: the exposed gradient exchange and the wait for the slowest."""
    return replica / step


@metric(
    "performance.achieved_mfu",
    "fraction",
    "MFU implied by the bottom-up step time",
    "model_flops_per_token·tokens_per_step / (step_time × accelerators_used × "
    "peak_per_accelerator)",
    (
        "performance.model_flops_per_token",
        "performance.tokens_per_step",
        "performance.step_time",
        "performance.accelerators_used",
        "performance.peak_per_accelerator",
    ),
    sources=(PALM, NARAYANAN_FLOPS),
    importance=1,
)
def achieved_mfu(per_token, tokens, step, used, rate):
    """Model FLOPs per second over the peak of the accelerators in use."""
    return per_token * tokens / (step * used * rate)


@metric(
    "performance.model_flops_per_accelerator",
    "flop_rate",
    "Achieved model FLOP/s per accelerator (bottom up)",
    "model_flops_per_token × tokens_per_step / (step_time × accelerators_used)",
    (
        "performance.model_flops_per_token",
        "performance.tokens_per_step",
        "performance.step_time",
        "performance.accelerators_used",
    ),
    sources=(NARAYANAN_FLOPS,),
    importance=1,
)
def model_flops_per_accelerator(per_token, tokens, step, used):
    """Useful FLOP/s, the figure papers report as 'TFLOP/s per GPU' without recomputation."""
    return per_token * tokens / (step * used)


@metric(
    "performance.hardware_flops_per_accelerator",
    "flop_rate",
    "Achieved hardware FLOP/s per accelerator (recomputation included, bottom up)",
    "hardware_flops_per_step / (step_time × accelerators_used)",
    (
        "performance.hardware_flops_per_step",
        "performance.step_time",
        "performance.accelerators_used",
    ),
    sources=(NARAYANAN_FLOPS, KORTHIKANTI),
)
def hardware_flops_per_accelerator(hardware, step, used):
    """Executed FLOP/s: Megatron's papers report this one (with recomputation)."""
    return hardware / (step * used)
