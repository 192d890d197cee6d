"""Performance: peak and effective FLOP/s, training compute and time, memory and step time.

Two ways to the training time stand side by side:

* **top down** — `performance.training_time` = 6·N·D / (accelerators × peak × MFU), with the MFU
  the analyst gives (or the calibrated default). This is the figure other domains use.
* **bottom up** — `performance.step_time` adds the parts of one optimizer step (matrix maths at
  a calibrated efficiency, memory-bound element-wise work, tensor- and data-parallel
  collectives, the pipeline bubble, the optimizer update and host-link traffic), each from a
  published formula; `performance.achieved_mfu` is the MFU that step implies.

Model FLOPs count attention (Narayanan et al. 2021, eq. 3: 6·N + 12·L·h·s per token); the
matrix maths run at a GEMM efficiency that grows with the per-accelerator width h/t, times the
end-to-end gain of FP8/FP4 over BF16 (not the datasheet ratio); the default MFU at FP8/FP4 is
the BF16 default carried over the same gain. A synchronous step waits for its slowest
accelerator (`performance.straggler_factor`), and `performance.scaling_efficiency` is the share
left after that and the exposed data-parallel exchange. A mixture of experts computes with its
active parameters, holds all of them (experts spread over the `expert` ranks) and pays the
all-to-all of expert parallelism. `performance.path_ratio` and `performance.paths_disagree`
compare the two paths.

`performance.reference_step_time` evaluates one fixed, documented reference workload (a 1B model,
calibration `reference_*`) with the scenario's accelerator, to compare with the source article's
benchmark table. Every formula is vectorised (numpy), so sweeps and Monte Carlo samples run
through the same code; categories (framework, precision, recomputation) are plain strings.
"""

from __future__ import annotations

import numpy as np

from scendsl.model.context import Context, Found
from scendsl.model.registry import input_node, metric

# ---------------------------------------------------------------------------------- sources
KAPLAN = "Kaplan et al. 2020, Scaling Laws for Neural Language Models (training compute C ≈ 6ND)"
TM101 = "EleutherAI, Transformer Math 101 (2023): forward 2ND + backward 4ND"
PALM = "Chowdhery et al. 2022, PaLM, App. B (model FLOPs utilisation, MFU)"
NARAYANAN = ("Narayanan et al. 2021, Efficient Large-Scale Language Model Training on GPU Clusters "
             "Using Megatron-LM (SC21): pipeline bubble (p−1)/m, interleaved schedule, tensor "
             "parallelism all-reduces")
KORTHIKANTI = ("Korthikanti et al. 2022, Reducing Activation Recomputation in Large Transformer "
               "Models: activation memory sbh(34 + 5as/h), sequence parallelism, selective "
               "recomputation")
ZERO = ("Rajbhandari et al. 2020, ZeRO: Memory Optimizations Toward Training Trillion Parameter "
        "Models (SC20): 16Ψ bytes, ZeRO-1/2/3 partitioning, ZeRO-3 moves 1.5× the data-parallel "
        "volume")
ZERO_OFFLOAD = ("Ren et al. 2021, ZeRO-Offload: Democratizing Billion-Scale Model Training "
                "(USENIX ATC): optimizer state and update on the CPU, fp16 gradients down and "
                "parameters up")
RING = "Calculon (Isaev et al., SC23), ring all-reduce 2·S·(n−1)/n per device"
HOFFMANN = ("Hoffmann et al. 2022, Training Compute-Optimal Large Language Models "
            "(≈ 20 tokens per parameter)")
NEOX = ("Black et al. 2022, GPT-NeoX-20B (BigScience workshop): Megatron-style 3D parallelism on "
        "DeepSpeed's non-interleaved 1F1B pipeline, ZeRO-1, full activation checkpointing")
DEEPSPEED = ("DeepSpeed (Rasley et al. 2020, KDD): pipeline engine without interleaving, ZeRO "
             "stages 0–3, whole-layer activation checkpointing, ZeRO-Offload")
MEGATRON = ("Megatron-LM (Shoeybi et al. 2019; Narayanan et al. 2021; Korthikanti et al. 2022): "
            "tensor + pipeline + data parallelism, interleaved 1F1B, sequence parallelism, "
            "selective recomputation")
LLM_ANALYSIS = ("Cheng Li 2023, llm-analysis (flops and HBM efficiency of the compute and "
                "memory terms)")
NARAYANAN_FLOPS = ("Narayanan et al. 2021 (SC21), eq. 3: model FLOPs per iteration "
                   "72·B·s·l·h²·(1 + s/(6h) + V/(12·l·h)) without recomputation (96·… with); "
                   "per token 6·N + 12·l·h·s when N = 12·l·h² + V·h (= PaLM App. B, 6N + 12LHQT)")
GEMM = ("Anthony et al. 2024, The Case for Co-Designing Model Architectures with Hardware "
        "(arXiv:2401.14489): GEMM throughput grows with the matrix width and plateaus")
TE_SPEEDUP = ("NVIDIA Transformer Engine docs, GEMM Speedups Across Precisions: FP8 1.41–1.61×, "
              "NVFP4 2.03× over BF16 end to end (5B model, B300)")
GSHARD = ("Lepikhin et al. 2021, GShard; Fedus et al. 2022, Switch Transformer: expert parallelism "
          "dispatches and combines every token's hidden state to its top-k experts with "
          "all-to-all, twice forward and twice backward per MoE layer")
STRAGGLER = ("expected maximum of n independent normal step times: μ(1 + σ·√(2 ln n)) (extreme "
             "value statistics); Jiang et al. 2024, MegaScale (NSDI): stragglers at 10,000+ GPUs")
FLASH = ("Dao et al. 2022, FlashAttention: Fast and Memory-Efficient Exact Attention with "
         "IO-Awareness (NeurIPS): the s×s score matrix stays on chip")
VENDOR_LINKS = "vendor datasheets: PCIe Gen5 x16 128 GB/s, NVLink-C2C 900 GB/s per GB200 superchip"

FRAMEWORKS = ("megatron", "deepspeed", "neox")
#: Mixed-precision Adam keeps 2 B of 16-bit parameters, 2 B of 16-bit gradients and K = 12 B of
#: fp32 master weights and moments per parameter (Rajbhandari et al. 2020, §3.1).
PARAMETER_BYTES, GRADIENT_BYTES, OPTIMIZER_BYTES = 2.0, 2.0, 12.0
#: Activations and the collectives that carry them are 16-bit (Korthikanti's byte counts).
ACTIVATION_BYTES = 2.0


# ================================================================================ inputs
@input_node("workload.parameters", "number", "Model parameters N (all experts of a mixture)",
            importance=2)
def _parameters(ctx: Context) -> Found:
    return ctx.scenario_value("workload.parameters")


@input_node("workload.active_parameters", "number",
            "Parameters active per token (N for a dense model)")
def _active_parameters(ctx: Context) -> Found:
    experts, top_k = ctx.field("workload.experts"), ctx.field("workload.experts_per_token")
    if ctx.field("workload.active_parameters") is None and experts and experts > 1:
        hit = ctx.scenario_value("workload.parameters")
        k = top_k or 1
        share = 1.0 / 3.0 + (2.0 / 3.0) * min(k, experts) / experts
        return Found(hit.value * share, "derived from workload.parameters, experts",
                     "Vaswani et al. 2017: the feed-forward block holds 8h² of a layer's 12h²",
                     "C", f"mixture of experts: the feed-forward ⅔ of the parameters is split in "
                     f"{experts} experts of which {k} are active: N × (⅓ + ⅔·{k}/{experts})")
    if ctx.field("workload.active_parameters") is None:
        hit = ctx.scenario_value("workload.parameters")
        return Found(hit.value, hit.origin, note="dense model: every parameter is active",
                     distribution=hit.distribution)
    return ctx.scenario_value("workload.active_parameters")


@input_node("workload.tokens", "number", "Training tokens D", importance=2)
def _tokens(ctx: Context) -> Found:
    return ctx.scenario_value("workload.tokens")


@input_node("workload.precision", "text", "Number format of the matrix maths (fp8, bf16, fp4)",
            value_type="text")
def _precision(ctx: Context) -> Found:
    if "workload.precision" not in ctx.scenario.origins:
        return Found(ctx.field("workload.precision"), "default",
                     note="no precision given: the language's default")
    return ctx.scenario_value("workload.precision")


@input_node("workload.framework", "text", "Training framework (megatron, deepspeed, neox)",
            value_type="text")
def _framework(ctx: Context) -> Found:
    return ctx.scenario_value("workload.framework", Found(
        "megatron", "default", note="no framework given: Megatron-LM, whose papers the formulas "
        "come from"))


@input_node("workload.recompute", "text", "Activation recomputation (none, selective, full)",
            value_type="text", sources=(KORTHIKANTI, DEEPSPEED, NEOX))
def _recompute(ctx: Context) -> Found:
    framework = ctx.field("workload.framework") or "megatron"
    default = "selective" if framework == "megatron" else "full"
    why = ("Megatron-LM recomputes attention only (Korthikanti et al. 2022)"
           if default == "selective" else
           "DeepSpeed and GPT-NeoX checkpoint whole layers (activation checkpointing)")
    return ctx.scenario_value("workload.recompute", Found(
        default, f"default for {framework}", note=why))


@input_node("workload.zero_stage", "number", "ZeRO stage 0–3 (how much model state is sharded)",
            sources=(ZERO,))
def _zero_stage(ctx: Context) -> Found:
    return ctx.scenario_value("workload.zero_stage", ctx.calibration("default_zero_stage"))


@input_node("workload.offload", "text", "Optimizer state offloaded to host memory (none, cpu)",
            value_type="text", sources=(ZERO_OFFLOAD,))
def _offload(ctx: Context) -> Found:
    return ctx.scenario_value("workload.offload", Found("none", "default",
                                                         note="no offload unless asked"))


def _parallelism_found(ctx: Context, value: object, note: str | None = None) -> Found:
    """A `parallelism` entry, attributed to the scenario line that set it."""
    return Found(value, ctx.where("workload.parallelism"), note=note)


@input_node("workload.tensor_parallel", "number", "Tensor-parallel degree t")
def _tensor(ctx: Context) -> Found:
    return _parallelism_found(ctx, ctx.scenario.workload.parallelism.tensor)


@input_node("workload.pipeline_parallel", "number", "Pipeline-parallel degree p")
def _pipeline(ctx: Context) -> Found:
    return _parallelism_found(ctx, ctx.scenario.workload.parallelism.pipeline)


@input_node("workload.data_parallel_setting", "number",
            "Data-parallel degree as written (0 = auto: accelerators / (t·p))")
def _data(ctx: Context) -> Found:
    data = ctx.scenario.workload.parallelism.data
    if data is None:
        return _parallelism_found(ctx, 0, "auto: every accelerator left over by t·p")
    return _parallelism_found(ctx, data)


@input_node("workload.interleave", "number",
            "Model chunks per pipeline stage v (interleaved schedule; 1 = plain 1F1B)")
def _interleave(ctx: Context) -> Found:
    given = ctx.scenario.workload.parallelism.interleave
    if given is not None:
        return _parallelism_found(ctx, given)
    framework = ctx.field("workload.framework") or "megatron"
    if framework != "megatron" or ctx.scenario.workload.parallelism.pipeline <= 1:
        return Found(1, "default", note="no interleaving: no pipeline, or a framework whose "
                                        "pipeline does not interleave")
    chunk = ctx.calibration("default_layers_per_chunk")
    layers = ctx.field("workload.layers")
    if layers is None:
        layers = _derived_width(ctx)[0] / ctx.calibration("default_width_per_layer").value
    pipeline = ctx.scenario.workload.parallelism.pipeline
    chunks = max(1, int(float(layers) // (pipeline * chunk.value)))
    return Found(chunks, "default: catalog calibration.default_layers_per_chunk", chunk.source,
                 chunk.confidence, f"Megatron-LM recipes cut each of the {pipeline} stages into "
                 f"chunks of ~{chunk.value:g} layers: v = ⌊L / (p·{chunk.value:g})⌋ = {chunks}")


@input_node("workload.microbatches_setting", "number",
            "Micro-batches per step as written (0 = derived from the global batch)")
def _microbatches(ctx: Context) -> Found:
    given = ctx.scenario.workload.parallelism.microbatches
    if given is None:
        return _parallelism_found(ctx, 0, "not given: derived")
    return _parallelism_found(ctx, given)


@input_node("workload.global_batch_setting", "number",
            "Sequences per optimizer step as written (0 = derived from the micro-batches)")
def _global_batch(ctx: Context) -> Found:
    return ctx.scenario_value("workload.global_batch", Found(0, "default",
                                                             note="not given: derived"))


@input_node("workload.micro_batch", "number", "Sequences per micro-batch b")
def _micro_batch(ctx: Context) -> Found:
    return ctx.scenario_value("workload.micro_batch", ctx.calibration("default_micro_batch"))


@input_node("workload.sequence_length", "number", "Tokens per sequence s")
def _sequence_length(ctx: Context) -> Found:
    return ctx.scenario_value("workload.sequence_length",
                              ctx.calibration("default_sequence_length"))


def _derived_width(ctx: Context) -> tuple[float, str]:
    """Width h of a model of N (active) parameters with N ≈ 12·L·h² (+ V·h of embeddings when
    the scenario gives the vocabulary) and h/L = calibrated aspect."""
    # A mixture of experts' layers are as wide as its active parameters say (DeepSeek-V3:
    # 12 · 61 · 7,168² = 37.6B for 37B active of 671B): the inactive experts add no width.
    parameters = _active_parameters(ctx).value
    aspect = ctx.calibration("default_width_per_layer").value
    width = float(np.cbrt(aspect * parameters / 12.0))
    vocabulary = ctx.field("workload.vocabulary")
    if vocabulary is None:
        return width, f"h = (h/L · N / 12)^(1/3), h/L = {aspect:g}"
    for _ in range(30):  # Newton on 12·h³/(h/L) + V·h − N = 0, from above: converges
        width -= ((12.0 * width**3 / aspect + vocabulary * width - parameters)
                  / (36.0 * width**2 / aspect + vocabulary))
    return width, f"12·h³/(h/L) + V·h = N, h/L = {aspect:g}, V = {vocabulary:,}"


@input_node("workload.hidden_size", "number", "Model width h",
            formula="given, else (h/L · N / 12)^(1/3) from N ≈ 12·L·h²")
def _hidden_size(ctx: Context) -> Found:
    if ctx.field("workload.hidden_size") is not None:
        return ctx.scenario_value("workload.hidden_size")
    width, how = _derived_width(ctx)
    aspect = ctx.calibration("default_width_per_layer")
    return Found(width, "derived from workload.parameters", aspect.source, "C",
                 f"not given: {how} (N ≈ 12·L·h², Kaplan et al. 2020)")


@input_node("workload.layers", "number", "Transformer layers L",
            formula="given, else h / (h/L) from the derived width")
def _layers(ctx: Context) -> Found:
    if ctx.field("workload.layers") is not None:
        return ctx.scenario_value("workload.layers")
    width, how = _derived_width(ctx)
    aspect = ctx.calibration("default_width_per_layer")
    return Found(width / aspect.value, "derived from workload.parameters", aspect.source, "C",
                 f"not given: L = h / (h/L), {how}")


# issue 12: performance
@input_node("workload.attention_heads_setting", "number",
            "Attention heads as written (0 = derived from the width)", sources=(KORTHIKANTI,))
def _attention_heads(ctx: Context) -> Found:
    return ctx.scenario_value("workload.attention_heads", Found(
        0, "default", note="not given: h / head width"))


@input_node("workload.vocabulary", "number", "Vocabulary size V", sources=(NARAYANAN_FLOPS,))
def _vocabulary(ctx: Context) -> Found:
    return ctx.scenario_value("workload.vocabulary", ctx.calibration("default_vocabulary"))


@input_node("workload.sequence_parallel", "text",
            "Megatron sequence parallelism (on, off): splits the non-tensor-parallel activations",
            value_type="text", sources=(KORTHIKANTI,))
def _sequence_parallel(ctx: Context) -> Found:
    framework = ctx.field("workload.framework") or "megatron"
    tensor = ctx.scenario.workload.parallelism.tensor
    default = "on" if framework == "megatron" and tensor > 1 else "off"
    why = ("Megatron-LM turns it on with tensor parallelism since Korthikanti et al. 2022 (runs "
           "before 2022 had none: write `sequence_parallel off`)" if default == "on" else
           "only Megatron-LM implements it, and only with tensor parallelism")
    return ctx.scenario_value("workload.sequence_parallel", Found(
        default, f"default for {framework}", note=why))


@input_node("workload.flash_attention", "text",
            "Fused (flash) attention: on keeps the score matrix out of HBM", value_type="text",
            sources=(FLASH,))
def _flash_attention(ctx: Context) -> Found:
    return ctx.scenario_value("workload.flash_attention", Found(
        "on", "default", note="every current framework fuses attention (FlashAttention, 2022); "
                              "runs before 2022 had none: write `flash_attention off`"))


@input_node("workload.experts", "number", "Experts per mixture-of-experts layer (1 = dense)",
            sources=(GSHARD,))
def _experts(ctx: Context) -> Found:
    return ctx.scenario_value("workload.experts", Found(1, "default", note="dense model"))


@input_node("workload.experts_per_token", "number", "Experts each token is routed to (top-k)",
            sources=(GSHARD,))
def _experts_per_token(ctx: Context) -> Found:
    return ctx.scenario_value("workload.experts_per_token", Found(
        1, "default", note="one expert per token unless given (Switch Transformer)"))


@input_node("workload.expert_parallel", "number", "Expert-parallel degree e", sources=(GSHARD,))
def _expert_parallel(ctx: Context) -> Found:
    return _parallelism_found(ctx, ctx.scenario.workload.parallelism.expert)


def _calibration_input(name: str, key: str, dimension: str, meaning: str,
                       sources: tuple[str, ...] = ()) -> None:
    @input_node(name, dimension, meaning, sources=sources)
    def _lookup(ctx: Context) -> Found:
        return ctx.calibration(key)


_calibration_input("performance.head_dim", "default_head_dim", "number",
                   "Width of one attention head (heads a = h / head width)")
_calibration_input("performance.width_per_layer", "default_width_per_layer", "number",
                   "Model width per layer h/L, to derive h and L from N")
_calibration_input("performance.matmul_efficiency_large", "matmul_efficiency_large", "fraction",
                   "Share of the dense BF16 peak that wide GEMMs reach (plateau)", (GEMM,))
_calibration_input("performance.matmul_half_width", "matmul_half_width", "number",
                   "Per-accelerator GEMM width at which the GEMM efficiency is half its plateau",
                   (GEMM,))
_calibration_input("performance.precision_speedup_fp8", "precision_speedup_fp8", "number",
                   "End-to-end speed-up of FP8 matrix maths over BF16", (TE_SPEEDUP,))
_calibration_input("performance.precision_speedup_fp4", "precision_speedup_fp4", "number",
                   "End-to-end speed-up of FP4 matrix maths over BF16", (TE_SPEEDUP,))
_calibration_input("performance.straggler_variability", "straggler_variability", "fraction",
                   "Coefficient of variation of one accelerator's time per step", (STRAGGLER,))
_calibration_input("performance.paths_disagree_factor", "paths_disagree_factor", "number",
                   "Factor between the MFU and bottom-up step times above which they disagree")
_calibration_input("performance.hbm_efficiency", "hbm_efficiency", "fraction",
                   "Share of HBM bandwidth that memory-bound kernels reach", (LLM_ANALYSIS,))
_calibration_input("performance.microbatches_per_stage", "default_microbatches_per_stage",
                   "number", "Micro-batches per pipeline stage when the batch is not given",
                   (NARAYANAN,))
_calibration_input("performance.offload_traffic_per_parameter", "offload_traffic_per_parameter",
                   "number", "Host-link bytes per offloaded parameter per step (ZeRO-Offload)",
                   (ZERO_OFFLOAD,))
_calibration_input("performance.adam_traffic_per_parameter", "adam_update_traffic_per_parameter",
                   "number", "HBM bytes read and written per parameter by the Adam update",
                   (ZERO,))
_calibration_input("performance.tokens_per_parameter_optimal", "chinchilla_tokens_per_parameter",
                   "number", "Compute-optimal training tokens per parameter", (HOFFMANN,))
_calibration_input("performance.reference_parameters", "reference_parameters", "number",
                   "Reference workload: model parameters")
_calibration_input("performance.reference_sequence_length", "reference_sequence_length",
                   "number", "Reference workload: tokens per sequence")
_calibration_input("performance.reference_micro_batch", "reference_micro_batch", "number",
                   "Reference workload: sequences per micro-batch")
_calibration_input("performance.reference_microbatches", "reference_microbatches", "number",
                   "Reference workload: micro-batches (gradient accumulation) per step")
_calibration_input("performance.reference_accelerators", "reference_accelerators", "number",
                   "Reference workload: data-parallel accelerators")
_calibration_input("performance.reference_host_traffic_per_parameter",
                   "reference_host_traffic_per_parameter", "number",
                   "Reference workload: host-link bytes per parameter per step")


@input_node("accelerator.fp4_speedup", "number",
            "FP4 rate over FP8 rate (1 where the chip has no FP4 units)")
def _fp4_speedup(ctx: Context) -> Found:
    fp8 = ctx.accelerator_figure("fp8_dense")  # n/a without FP8: only FP4 scenarios need it
    try:
        fp4 = ctx.accelerator_figure("fp4_dense")
    except LookupError:
        return Found(1.0, fp8.origin, note="no FP4 figure: FP4 work runs at the FP8 rate")
    return Found(fp4.value / fp8.value, fp4.origin, fp4.source, fp4.confidence,
                 "fp4_dense / fp8_dense")


@input_node("performance.scaleout_bandwidth", "bandwidth",
            "Scale-out bandwidth per accelerator (bidirectional) used beyond the scale-up domain")
def _scaleout(ctx: Context) -> Found:
    try:
        return ctx.accelerator_figure("scaleout_bandwidth")
    except LookupError:
        hit = ctx.accelerator_figure("scaleup_bandwidth")
        return Found(hit.value, hit.origin, hit.source, hit.confidence,
                     "no scale-out figure: the scale-up fabric (e.g. TPU ICI) is used throughout")


# ============================================================== vectorised building blocks
def ring_allreduce_seconds(payload_bytes, ranks, link_bandwidth_bidirectional):
    """Time of a ring all-reduce of `payload_bytes` over `ranks` devices.

    Each device sends 2·S·(n−1)/n bytes (Calculon); links are full duplex, so the send rate is
    half the bidirectional bandwidth the catalog lists.
    """
    ranks = np.maximum(ranks, 1)
    return 2.0 * payload_bytes * (ranks - 1) / ranks / (link_bandwidth_bidirectional / 2.0)


def host_link_seconds(traffic_bytes, hostlink_bandwidth, shared_by):
    """Time to move `traffic_bytes` (both directions together) over this accelerator's share."""
    return traffic_bytes / (hostlink_bandwidth / shared_by)


def bubble_fraction(pipeline, microbatches, interleave):
    """Idle share of a pipelined step: (p−1)/(v·m + p − 1) (Narayanan et al. 2021 §2.2)."""
    return (pipeline - 1) / (interleave * microbatches + pipeline - 1)


def model_state_bytes(parameters, zero_stage, data_parallel, offload_optimizer=False):
    """Model-state bytes per accelerator for mixed-precision Adam (Rajbhandari et al. 2020).

    `parameters` is Ψ on this accelerator (already divided by t·p). ZeRO-1 shards the 12 B of
    optimizer state, ZeRO-2 also the 2 B of gradients, ZeRO-3 also the 2 B of parameters, over
    the data-parallel ranks N_d: 16Ψ, 4Ψ + 12Ψ/N_d, 2Ψ + 14Ψ/N_d, 16Ψ/N_d. With the optimizer
    offloaded to the host, its 12 B leave the accelerator (ZeRO-Offload).
    """
    nd = np.maximum(data_parallel, 1)

    def kept(stage):  # share of a state kept per rank: sharded from this stage on
        return np.where(zero_stage >= stage, 1.0 / nd, 1.0)

    optimizer = OPTIMIZER_BYTES * kept(1) * np.where(offload_optimizer, 0.0, 1.0)
    return parameters * (PARAMETER_BYTES * kept(3) + GRADIENT_BYTES * kept(2) + optimizer)


def activation_bytes_per_layer(sequence, micro_batch, hidden, heads, tensor, recompute,
                               sequence_parallel):
    """Activation bytes one layer keeps for one micro-batch (Korthikanti et al. 2022, Table 2).

    Without recomputation sbh(34 + 5as/h) with tensor and sequence parallelism dividing both
    terms by t (Megatron); without sequence parallelism only 24 of the 34 are divided. Selective
    recomputation drops the 5as/h attention term; full recomputation keeps only the layer input
    (2sbh, divided by t with sequence parallelism).
    """
    sbh = sequence * micro_batch * hidden
    linear = np.where(sequence_parallel, 34.0 / tensor, 10.0 + 24.0 / tensor)
    attention = 5.0 * heads * sequence / (hidden * tensor)
    full = np.where(sequence_parallel, 2.0 / tensor, 2.0)
    factor = {"none": linear + attention, "selective": linear, "full": full}[recompute]
    return sbh * factor


def recompute_flops_factor(recompute, sequence, hidden):
    """Hardware FLOPs over model FLOPs: full recomputation repeats the forward pass (4/3);
    selective recomputation repeats the attention scores, s/(18h) of a layer's work
    (Korthikanti et al. 2022, §5)."""
    return {"none": 1.0 + 0.0 * sequence, "selective": 1.0 + sequence / (18.0 * hidden),
            "full": 4.0 / 3.0 + 0.0 * sequence}[recompute]


def framework_interleave(framework, interleave):
    """Only Megatron-LM implements the interleaved 1F1B schedule; DeepSpeed's pipeline engine
    (also under GPT-NeoX) runs plain 1F1B, so v = 1 there."""
    return np.where(framework == "megatron", interleave, 1)


def effective_interleave(framework, interleave, layers, pipeline):
    """v under the framework, at most one chunk per layer of a stage."""
    most = np.maximum(np.floor(layers / pipeline), 1.0)
    return np.minimum(framework_interleave(framework, interleave), most)


def matmul_efficiency_at(width, plateau, half_width):
    """Share of the dense peak a GEMM of per-accelerator width W reaches: plateau·W/(W + w).

    Narrow GEMMs leave SMs idle in their last wave and pay fixed tile overheads, so the
    efficiency rises with the width and saturates (published GEMM sweeps, Anthony et al. 2024).
    """
    return plateau * width / (width + half_width)


def precision_gain(precision, bf16_dense, peak, speedup_fp8, speedup_fp4):
    """Speed-up of the matrix maths over BF16: the published end-to-end gain, at most the
    chip's own peak ratio (a chip without FP8 units gains nothing)."""
    speedup = np.where(precision == "fp4", speedup_fp4,
                       np.where(precision == "fp8", speedup_fp8, 1.0))
    return np.minimum(speedup, peak / bf16_dense)


def straggler_factor(accelerators, variability):
    """A synchronous step waits for the slowest of n: 1 + σ·√(2 ln n)."""
    return 1.0 + variability * np.sqrt(2.0 * np.log(np.maximum(accelerators, 1.0)))


def _link_for(group_size, scaleup_domain, scaleup_bandwidth, scaleout_bandwidth):
    """A collective stays on the scale-up fabric only while its group fits in one domain."""
    return np.where(group_size <= scaleup_domain, scaleup_bandwidth, scaleout_bandwidth)


# ============================================================================ peak and MFU
@metric("cluster.peak_bf16", "flop_rate", "Dense BF16 peak of the whole cluster",
        "cluster.count × accelerator.bf16_dense", ("cluster.count", "accelerator.bf16_dense"),
        sources=("vendor datasheets (dense, no sparsity)",), importance=2)
def peak_bf16(count, bf16_dense):
    """Dense BF16 FLOP/s of all accelerators."""
    return count * bf16_dense


@metric("cluster.peak_fp8", "flop_rate", "Dense FP8 peak of the whole cluster",
        "cluster.count × accelerator.fp8_dense", ("cluster.count", "accelerator.fp8_dense"),
        sources=("vendor datasheets (dense, no sparsity)",), importance=3)
def peak_fp8(count, fp8_dense):
    """Dense FP8 FLOP/s of all accelerators."""
    return count * fp8_dense


@input_node("performance.peak_per_accelerator", "flop_rate",
            "Dense peak of one accelerator at the workload's precision",
            sources=("vendor datasheets (dense, no sparsity)",),
            formula="bf16_dense, fp8_dense or fp4_dense by workload.precision; a chip without "
                    "the format runs it at the next wider one's rate")
def _peak_per_accelerator(ctx: Context) -> Found:
    """Only the figure the precision needs is read: a custom accelerator without `fp8_dense`
    still gets every FLOP/s metric when it trains in BF16 (issue 12)."""
    precision = ctx.field("workload.precision") or "bf16"
    order = {"bf16": ("bf16_dense",), "fp8": ("fp8_dense", "bf16_dense"),
             "fp4": ("fp4_dense", "fp8_dense", "bf16_dense")}[precision]
    for number, figure in enumerate(order):
        try:
            hit = ctx.accelerator_figure(figure)
        except LookupError:
            continue
        if number == 0:
            return hit
        return Found(hit.value, hit.origin, hit.source, hit.confidence,
                     f"no {order[0]} figure: {precision.upper()} work runs at the {figure} rate")
    raise LookupError(f"accelerator has no {order[-1]} figure")


@metric("cluster.peak", "flop_rate", "Dense peak of the cluster at the workload's precision",
        "cluster.count × performance.peak_per_accelerator",
        ("cluster.count", "performance.peak_per_accelerator"), importance=2)
def peak(count, per_accelerator):
    """Cluster peak at the workload precision."""
    return count * per_accelerator


@metric("cluster.effective_flops", "flop_rate", "Useful FLOP/s the cluster sustains (peak × MFU)",
        "cluster.peak × cluster.mfu", ("cluster.peak", "cluster.mfu"), sources=(PALM,),
        importance=3)
def effective_flops(cluster_peak, mfu):
    """Sustained model FLOP/s."""
    return cluster_peak * mfu


# ==================================================================== compute and time
@metric("performance.attention_heads", "number", "Attention heads a",
        "workload.attention_heads if given, else h / performance.head_dim",
        ("workload.attention_heads_setting", "workload.hidden_size", "performance.head_dim"),
        sources=(KORTHIKANTI,))
def attention_heads(setting, hidden, head_dim):
    """Heads as written, or the width over the usual head width."""
    return np.where(setting > 0, setting, hidden / head_dim)


@metric("performance.model_flops_per_token", "number",
        "Model FLOPs per training token (forward and backward), attention included",
        "6·N_active + 12·L·h·s (Narayanan eq. 3 per token with N = 12·L·h² + V·h)",
        ("workload.active_parameters", "workload.layers", "workload.hidden_size",
         "workload.sequence_length"), sources=(NARAYANAN_FLOPS, PALM, KAPLAN))
def model_flops_per_token(active, layers, hidden, sequence):
    """Weights (6N, the logit layer V·h inside N) plus the attention scores and their
    weighting (2·2·s·h per layer forward, ×3 with the backward pass): ~15 % more than 6N at
    h ≈ 2k, s = 2k; a few percent for frontier widths."""
    return 6.0 * active + 12.0 * layers * hidden * sequence


@metric("workload.training_flops", "flop", "Model FLOPs of the whole training run",
        "performance.model_flops_per_token × workload.tokens",
        ("performance.model_flops_per_token", "workload.tokens"),
        sources=(KAPLAN, TM101, NARAYANAN_FLOPS), importance=3)
def training_flops(per_token, tokens):
    """C = (6·N_active + 12·L·h·s)·D: a mixture of experts counts its active parameters."""
    return per_token * tokens


@metric("performance.training_time", "time", "Wall-clock time of the training run at the MFU",
        "workload.training_flops / cluster.effective_flops",
        ("workload.training_flops", "cluster.effective_flops"), sources=(PALM, NARAYANAN),
        importance=3)
def training_time(flops, effective):
    """Seconds to do the run's FLOPs at peak × MFU."""
    return flops / effective


@metric("workload.chinchilla_tokens", "number", "Compute-optimal tokens for the model size",
        "performance.tokens_per_parameter_optimal × workload.parameters",
        ("performance.tokens_per_parameter_optimal", "workload.parameters"), sources=(HOFFMANN,))
def chinchilla_tokens(per_parameter, parameters):
    """≈ 20 tokens per parameter (Hoffmann et al. 2022)."""
    return per_parameter * parameters


# ============================================================================== layout
@metric("performance.data_parallel", "number", "Data-parallel degree d",
        "workload.data_parallel_setting if given, else ⌊cluster.count / (t·p)⌋",
        ("workload.data_parallel_setting", "cluster.count", "workload.tensor_parallel",
         "workload.pipeline_parallel"), sources=(NARAYANAN,))
def data_parallel(setting, count, tensor, pipeline):
    """d = count / (t·p) when auto (whole replicas only)."""
    auto = np.maximum(np.floor(count / (tensor * pipeline)), 1.0)
    return np.where(setting > 0, setting, auto)


@metric("performance.accelerators_used", "number", "Accelerators the parallel layout occupies",
        "t × p × d", ("workload.tensor_parallel", "workload.pipeline_parallel",
                      "performance.data_parallel"))
def accelerators_used(tensor, pipeline, data):
    """t·p·d (at most the cluster when d is auto)."""
    return tensor * pipeline * data


@metric("performance.microbatches", "number", "Micro-batches per optimizer step and replica m",
        "given; else global_batch / (b·d); else microbatches_per_stage × p",
        ("workload.microbatches_setting", "workload.global_batch_setting",
         "workload.micro_batch", "performance.data_parallel", "workload.pipeline_parallel",
         "performance.microbatches_per_stage"), sources=(NARAYANAN,))
def microbatches(setting, global_batch, micro_batch, data, pipeline, per_stage):
    """m: written, or implied by the global batch, or enough to keep the bubble modest."""
    from_batch = np.maximum(global_batch / (micro_batch * data), 1.0)
    return np.where(setting > 0, setting,
                    np.where(global_batch > 0, from_batch, per_stage * pipeline))


@metric("performance.tokens_per_step", "number", "Tokens per optimizer step (whole cluster)",
        "m × b × s × d", ("performance.microbatches", "workload.micro_batch",
                          "workload.sequence_length", "performance.data_parallel"))
def tokens_per_step(m, micro_batch, sequence, data):
    """Global batch in tokens."""
    return m * micro_batch * sequence * data


@metric("performance.steps", "number", "Optimizer steps of the training run",
        "workload.tokens / performance.tokens_per_step",
        ("workload.tokens", "performance.tokens_per_step"))
def steps(tokens, per_step):
    """D over the global batch."""
    return tokens / per_step


@metric("performance.pipeline_bubble", "fraction", "Idle share of each step in the pipeline",
        "(p − 1) / (v·m + p − 1), v = interleave (≤ L/p) under megatron, 1 under deepspeed and "
        "neox",
        ("workload.pipeline_parallel", "performance.microbatches", "workload.interleave",
         "workload.framework", "workload.layers"), sources=(NARAYANAN, MEGATRON, DEEPSPEED, NEOX))
def pipeline_bubble(pipeline, m, interleave, framework, layers):
    """Bubble of 1F1B (v = 1) or Megatron's interleaved schedule (v chunks per stage)."""
    return bubble_fraction(pipeline, m, effective_interleave(framework, interleave, layers,
                                                             pipeline))


# ============================================================================== memory
@metric("performance.parameters_per_accelerator", "number",
        "Parameters held per accelerator (all experts counted, split over t, p and e)",
        "(N_shared + N_expert / e) / (t·p), N_expert = (N − N_active) / (1 − k/E)",
        ("workload.parameters", "workload.active_parameters", "workload.experts",
         "workload.experts_per_token", "workload.expert_parallel", "workload.tensor_parallel",
         "workload.pipeline_parallel"), sources=(GSHARD, NARAYANAN))
def parameters_per_accelerator(parameters, active, experts, top_k, expert, tensor, pipeline):
    """Total parameters drive memory: the experts' weights are spread over the e ranks."""
    inactive_share = np.where(experts > 1, 1.0 - np.minimum(top_k, experts) / experts, 1.0)
    expert_total = np.minimum((parameters - active) / np.maximum(inactive_share, 1e-9),
                              parameters)
    shared = parameters - expert_total
    return (shared + expert_total / np.maximum(expert, 1)) / (tensor * pipeline)


@metric("performance.model_state_memory", "data",
        "Parameters, gradients and optimizer state held per accelerator",
        "Ψ = N/(t·p); 16Ψ | 4Ψ+12Ψ/N_d | 2Ψ+14Ψ/N_d | 16Ψ/N_d by ZeRO stage; −12Ψ' if offloaded",
        ("performance.parameters_per_accelerator", "performance.data_parallel",
         "workload.zero_stage", "workload.offload"), sources=(ZERO, ZERO_OFFLOAD))
def model_state_memory(parameters, data, zero_stage, offload):
    """Model state per accelerator under t, p, e and the ZeRO stage."""
    return model_state_bytes(parameters, zero_stage, data, offload == "cpu")


@metric("performance.activation_memory", "data", "Activations held per accelerator",
        "activation_bytes_per_layer × L/p layers × min(m, p) micro-batches in flight × "
        "(1 + (p−1)/(p·v)) when interleaved",
        ("workload.sequence_length", "workload.micro_batch", "workload.hidden_size",
         "workload.layers", "performance.head_dim", "workload.tensor_parallel",
         "workload.pipeline_parallel", "performance.microbatches", "workload.interleave",
         "workload.recompute", "workload.framework", "performance.attention_heads",
         "workload.sequence_parallel"), sources=(KORTHIKANTI, NARAYANAN))
def activation_memory(sequence, micro_batch, hidden, layers, head_dim, tensor, pipeline, m,
                      interleave, recompute, framework, heads, sequence_parallel):
    """Activations on the first pipeline stage, which holds the most (1F1B)."""
    per_layer = activation_bytes_per_layer(sequence, micro_batch, hidden, heads, tensor,
                                           recompute, sequence_parallel == "on")
    v = effective_interleave(framework, interleave, layers, pipeline)
    in_flight = np.minimum(m, pipeline) * layers / pipeline
    interleaved = np.where(v > 1, 1.0 + (pipeline - 1) / (pipeline * v), 1.0)
    return per_layer * in_flight * interleaved


@metric("performance.memory_per_accelerator", "data", "HBM the training job needs per accelerator",
        "performance.model_state_memory + performance.activation_memory",
        ("performance.model_state_memory", "performance.activation_memory"),
        sources=(ZERO, KORTHIKANTI), importance=1)
def memory_per_accelerator(model_state, activations):
    """Model state plus activations (workspace and fragmentation not counted)."""
    return model_state + activations


@metric("performance.fits_in_hbm", "number", "Whether the job fits in HBM without spilling",
        "performance.memory_per_accelerator ≤ accelerator.hbm",
        ("performance.memory_per_accelerator", "accelerator.hbm"), value_type="bool",
        importance=1)
def fits_in_hbm(memory, hbm):
    """True where the memory need is within HBM."""
    return memory <= hbm


# ================================================================ parts of one step
@metric("performance.matmul_efficiency", "fraction",
        "Share of the dense BF16 peak that the model's matrix multiplications reach",
        "matmul_efficiency_large × W / (W + matmul_half_width), W = h / t",
        ("workload.hidden_size", "workload.tensor_parallel", "performance.matmul_efficiency_large",
         "performance.matmul_half_width"), sources=(GEMM,))
def matmul_efficiency(hidden, tensor, plateau, half_width):
    """Wide GEMMs come near the plateau; tensor parallelism narrows each accelerator's GEMMs."""
    return matmul_efficiency_at(hidden / tensor, plateau, half_width)


@metric("performance.matmul_rate", "flop_rate",
        "FLOP/s one accelerator's matrix multiplications sustain at the workload's precision",
        "bf16_dense × min(precision speed-up, peak / bf16_dense) × matmul_efficiency",
        ("workload.precision", "accelerator.bf16_dense", "performance.peak_per_accelerator",
         "performance.precision_speedup_fp8", "performance.precision_speedup_fp4",
         "performance.matmul_efficiency"), sources=(GEMM, TE_SPEEDUP))
def matmul_rate(precision, bf16_dense, peak, speedup_fp8, speedup_fp4, efficiency):
    """The BF16 GEMM rate, times what FP8/FP4 really gain end to end."""
    return bf16_dense * precision_gain(precision, bf16_dense, peak, speedup_fp8,
                                       speedup_fp4) * efficiency


@metric("performance.hardware_flops_per_step", "flop",
        "FLOPs the accelerators execute per step (model FLOPs plus recomputation)",
        "model_flops_per_token × tokens_per_step × recompute factor",
        ("performance.model_flops_per_token", "performance.tokens_per_step", "workload.recompute",
         "workload.sequence_length", "workload.hidden_size"), sources=(NARAYANAN_FLOPS, KORTHIKANTI))
def hardware_flops_per_step(per_token, tokens, recompute, sequence, hidden):
    """Full recomputation repeats the forward pass; selective only the attention scores."""
    return per_token * tokens * recompute_flops_factor(recompute, sequence, hidden)


@metric("performance.compute_time", "time", "Matrix-multiplication time per step",
        "hardware_flops_per_step / accelerators_used / matmul_rate",
        ("performance.hardware_flops_per_step", "performance.accelerators_used",
         "performance.matmul_rate"), sources=(NARAYANAN_FLOPS, KORTHIKANTI, GEMM))
def compute_time(hardware, used, rate):
    """Hardware FLOPs per accelerator over the rate its matmuls reach."""
    return hardware / used / rate


def activation_traffic_bytes(sequence, micro_batch, hidden, layers, tensor, pipeline, m,
                             recompute, sequence_parallel, score_heads=0.0):
    """HBM bytes the memory-bound (element-wise) kernels move per step and accelerator.

    Each of a layer's 34·sbh activation bytes (Korthikanti) is written in the forward pass and
    read in the backward pass; full recomputation runs the forward once more. With flash
    attention the s×s score matrix never reaches HBM (score_heads = 0); without it its
    5as/h·sbh bytes (softmax, dropout, their masks) go the same way, once more when selective
    recomputation recomputes them.
    """
    per_layer = activation_bytes_per_layer(sequence, micro_batch, hidden, 0.0, tensor,
                                           "selective", sequence_parallel)
    passes = np.where(recompute == "full", 3.0, 2.0)
    scores = 5.0 * score_heads * sequence / (hidden * tensor) * sequence * micro_batch * hidden
    score_passes = np.where(recompute == "none", 2.0, 3.0)
    return (per_layer * passes + scores * score_passes) * m * layers / pipeline


@metric("performance.memory_time", "time", "Memory-bound time per step (element-wise kernels)",
        "activation traffic [2 or 3 × 34·sbh·L/p·m, Korthikanti] / (hbm_bandwidth × "
        "hbm_efficiency)",
        ("workload.sequence_length", "workload.micro_batch", "workload.hidden_size",
         "workload.layers", "workload.tensor_parallel", "workload.pipeline_parallel",
         "performance.microbatches", "workload.recompute", "workload.sequence_parallel",
         "accelerator.hbm_bandwidth", "performance.hbm_efficiency",
         "workload.flash_attention", "performance.attention_heads"),
        sources=(KORTHIKANTI, LLM_ANALYSIS, FLASH))
def memory_time(sequence, micro_batch, hidden, layers, tensor, pipeline, m, recompute,
                sequence_parallel, hbm_bandwidth, efficiency, flash, heads):
    """Element-wise work is bandwidth-bound and does not overlap the matmuls it sits between;
    without sequence parallelism every tensor-parallel rank repeats it on the whole sequence;
    without flash attention the score matrix adds its traffic."""
    score_heads = np.where(flash == "on", 0.0, heads)
    traffic = activation_traffic_bytes(sequence, micro_batch, hidden, layers, tensor, pipeline,
                                       m, recompute, sequence_parallel == "on", score_heads)
    return traffic / (hbm_bandwidth * efficiency)


@metric("performance.tensor_parallel_time", "time", "Tensor-parallel communication per step",
        "2 B × 8·b·s·h·(t−1)/t per layer and micro-batch (×1.5 with full recompute) × L/p × m "
        "/ (½ link), link = scale-up while t ≤ scaleup_domain else scale-out",
        ("workload.sequence_length", "workload.micro_batch", "workload.hidden_size",
         "workload.layers", "workload.tensor_parallel", "workload.pipeline_parallel",
         "performance.microbatches", "workload.recompute", "accelerator.scaleup_domain",
         "accelerator.scaleup_bandwidth", "performance.scaleout_bandwidth"),
        sources=(NARAYANAN, KORTHIKANTI, RING))
def tensor_parallel_time(sequence, micro_batch, hidden, layers, tensor, pipeline, m, recompute,
                         domain, scaleup, scaleout):
    """Two all-reduces forward and two backward per layer (with sequence parallelism the same
    volume as all-gathers and reduce-scatters); they block the matmuls."""
    payload = ACTIVATION_BYTES * micro_batch * sequence * hidden
    per_layer = 4.0 * ring_allreduce_seconds(payload, tensor, _link_for(tensor, domain, scaleup,
                                                                         scaleout))
    recomputed = np.where(recompute == "full", 1.5, 1.0)  # the repeated forward's 2 all-reduces
    return per_layer * recomputed * m * layers / pipeline


@metric("performance.expert_parallel_time", "time",
        "Expert-parallel all-to-all communication per step (mixture of experts)",
        "4 all-to-alls × 2 B·b·s·k·h/t·(e−1)/e per layer and micro-batch × L/p × m / (½ link), "
        "link = scale-up while t·e ≤ scaleup_domain else scale-out; 0 when e = 1",
        ("workload.sequence_length", "workload.micro_batch", "workload.hidden_size",
         "workload.layers", "workload.tensor_parallel", "workload.pipeline_parallel",
         "workload.expert_parallel", "workload.experts_per_token", "performance.microbatches",
         "workload.recompute", "accelerator.scaleup_domain", "accelerator.scaleup_bandwidth",
         "performance.scaleout_bandwidth"), sources=(GSHARD,))
def expert_parallel_time(sequence, micro_batch, hidden, layers, tensor, pipeline, expert, top_k,
                         m, recompute, domain, scaleup, scaleout):
    """Dispatch and combine, forward and backward: each token's hidden state goes to its k
    experts and comes back; the share (e−1)/e leaves the accelerator. Blocks the experts'
    matmuls (no overlap modelled)."""
    e = np.maximum(expert, 1)
    payload = ACTIVATION_BYTES * micro_batch * sequence * top_k * hidden / tensor * (e - 1) / e
    link = _link_for(tensor * e, domain, scaleup, scaleout)
    recomputed = np.where(recompute == "full", 1.5, 1.0)
    return 4.0 * payload / (link / 2.0) * recomputed * m * layers / pipeline


@metric("performance.data_parallel_time", "time",
        "Exposed data-parallel gradient communication per step",
        "max(0, ring(2 B × parameters_per_accelerator, d) × (1.5 if ZeRO-3) − ⅔ compute_time / m)"
        ", over the scale-out fabric once the job leaves one scale-up domain",
        ("performance.parameters_per_accelerator", "performance.data_parallel",
         "performance.accelerators_used", "workload.zero_stage",
         "performance.compute_time", "performance.microbatches", "accelerator.scaleup_domain",
         "accelerator.scaleup_bandwidth", "performance.scaleout_bandwidth"),
        sources=(RING, ZERO, NARAYANAN))
def data_parallel_time(parameters, data, used, zero_stage, compute, m, domain, scaleup,
                       scaleout):
    """Gradient reduction overlaps only the backward pass of the last micro-batch: with a
    fixed global batch, more replicas mean fewer micro-batches each and more of it exposed."""
    gradients = GRADIENT_BYTES * parameters
    volume = np.where(zero_stage >= 3, 1.5, 1.0)
    seconds = volume * ring_allreduce_seconds(gradients, data,
                                              _link_for(used, domain, scaleup, scaleout))
    return np.maximum(seconds - (2.0 / 3.0) * compute / m, 0.0)


@metric("performance.optimizer_time", "time", "Adam update time per step on the accelerator",
        "adam_traffic_per_parameter × parameters_per_accelerator (÷ d with ZeRO ≥ 1) / "
        "(hbm_bandwidth × hbm_efficiency); 0 when offloaded",
        ("performance.parameters_per_accelerator", "performance.data_parallel",
         "workload.zero_stage", "workload.offload", "performance.adam_traffic_per_parameter",
         "accelerator.hbm_bandwidth", "performance.hbm_efficiency"), sources=(ZERO, LLM_ANALYSIS))
def optimizer_time(parameters, data, zero_stage, offload, per_parameter, hbm_bandwidth,
                   efficiency):
    """The update streams the fp32 state through HBM once; with offload it runs on the CPU."""
    shard = parameters / np.where(zero_stage >= 1, data, 1.0)
    on_device = np.where(offload == "cpu", 0.0, 1.0)
    return on_device * per_parameter * shard / (hbm_bandwidth * efficiency)


@metric("performance.offload_traffic", "data", "Host-link traffic per step and accelerator",
        "offload_traffic_per_parameter × optimizer shard (if offload cpu) + 2 × "
        "max(0, memory_per_accelerator − hbm)",
        ("performance.parameters_per_accelerator", "performance.data_parallel",
         "workload.zero_stage", "workload.offload", "performance.offload_traffic_per_parameter",
         "performance.memory_per_accelerator", "accelerator.hbm"), sources=(ZERO_OFFLOAD,))
def offload_traffic(parameters, data, zero_stage, offload, per_parameter, memory, hbm):
    """ZeRO-Offload's gradients down and parameters up, plus whatever spills out of HBM (read
    in and written back once per step: a lower bound)."""
    shard = parameters / np.where(zero_stage >= 1, data, 1.0)
    optimizer = np.where(offload == "cpu", per_parameter * shard, 0.0)
    return optimizer + 2.0 * np.maximum(memory - hbm, 0.0)


@metric("performance.offload_time", "time", "Host-link time per step",
        "performance.offload_traffic / (accelerator.hostlink_bandwidth / hostlink_shared_by)",
        ("performance.offload_traffic", "accelerator.hostlink_bandwidth",
         "accelerator.hostlink_shared_by"), sources=(ZERO_OFFLOAD, VENDOR_LINKS))
def offload_time(traffic, hostlink, shared_by):
    """Host traffic over this accelerator's share of PCIe or NVLink-C2C."""
    return host_link_seconds(traffic, hostlink, shared_by)


@metric("performance.straggler_factor", "number",
        "Stretch of a synchronous step by its slowest accelerator",
        "1 + straggler_variability × √(2 ln accelerators_used)",
        ("performance.accelerators_used", "performance.straggler_variability"),
        sources=(STRAGGLER,))
def straggler(used, variability):
    """Grows slowly but without bound with the number of accelerators."""
    return straggler_factor(used, variability)


def _replica_time(compute, memory, tensor_comm, expert_comm, bubble, optimizer, offload):
    """One replica's step alone: per-micro-batch work stretched by the bubble, then the
    optimizer and host traffic (no data-parallel exchange, no stragglers)."""
    return (compute + memory + tensor_comm + expert_comm) / (1.0 - bubble) + optimizer + offload


@metric("performance.step_time", "time", "Time of one optimizer step (bottom up)",
        "((compute + memory + tensor_parallel + expert_parallel) / (1 − pipeline_bubble) + "
        "data_parallel + optimizer + offload) × straggler_factor",
        ("performance.compute_time", "performance.memory_time",
         "performance.tensor_parallel_time", "performance.expert_parallel_time",
         "performance.pipeline_bubble", "performance.data_parallel_time",
         "performance.optimizer_time", "performance.offload_time",
         "performance.straggler_factor"),
        sources=(NARAYANAN, KORTHIKANTI, ZERO, ZERO_OFFLOAD, RING, GSHARD, STRAGGLER),
        importance=2)
def step_time(compute, memory, tensor_comm, expert_comm, bubble, data_comm, optimizer, offload,
              stragglers):
    """Per-micro-batch work stretched by the bubble, then the end-of-step work."""
    replica = _replica_time(compute, memory, tensor_comm, expert_comm, bubble, optimizer, offload)
    return (replica + data_comm) * stragglers


@metric("performance.scaling_efficiency", "fraction",
        "Share of the step left after data-parallel exchange and stragglers (1 = linear scaling)",
        "one replica's step time / performance.step_time",
        ("performance.compute_time", "performance.memory_time",
         "performance.tensor_parallel_time", "performance.expert_parallel_time",
         "performance.pipeline_bubble", "performance.optimizer_time", "performance.offload_time",
         "performance.step_time"), sources=(RING, NARAYANAN, STRAGGLER), importance=1)
def scaling_efficiency(compute, memory, tensor_comm, expert_comm, bubble, optimizer, offload,
                       step):
    """What adding replicas costs: the exposed gradient exchange and the wait for the slowest."""
    return _replica_time(compute, memory, tensor_comm, expert_comm, bubble, optimizer,
                         offload) / step


@metric("performance.achieved_mfu", "fraction", "MFU implied by the bottom-up step time",
        "model_flops_per_token·tokens_per_step / (step_time × accelerators_used × "
        "peak_per_accelerator)",
        ("performance.model_flops_per_token", "performance.tokens_per_step",
         "performance.step_time", "performance.accelerators_used",
         "performance.peak_per_accelerator"), sources=(PALM, NARAYANAN_FLOPS), importance=1)
def achieved_mfu(per_token, tokens, step, used, rate):
    """Model FLOPs per second over the peak of the accelerators in use."""
    return per_token * tokens / (step * used * rate)


@metric("performance.model_flops_per_accelerator", "flop_rate",
        "Achieved model FLOP/s per accelerator (bottom up)",
        "model_flops_per_token × tokens_per_step / (step_time × accelerators_used)",
        ("performance.model_flops_per_token", "performance.tokens_per_step",
         "performance.step_time", "performance.accelerators_used"),
        sources=(NARAYANAN_FLOPS,), importance=1)
def model_flops_per_accelerator(per_token, tokens, step, used):
    """Useful FLOP/s, the figure papers report as 'TFLOP/s per GPU' without recomputation."""
    return per_token * tokens / (step * used)


@metric("performance.hardware_flops_per_accelerator", "flop_rate",
        "Achieved hardware FLOP/s per accelerator (recomputation included, bottom up)",
        "hardware_flops_per_step / (step_time × accelerators_used)",
        ("performance.hardware_flops_per_step", "performance.step_time",
         "performance.accelerators_used"), sources=(NARAYANAN_FLOPS, KORTHIKANTI))
def hardware_flops_per_accelerator(hardware, step, used):
    """Executed FLOP/s: Megatron's papers report this one (with recomputation)."""
    return hardware / (step * used)


@metric("performance.mfu_step_time", "time", "Time of one optimizer step at the MFU (top down)",
        "model_flops_per_token × tokens_per_step / (accelerators_used × peak_per_accelerator × "
        "cluster.mfu)",
        ("performance.model_flops_per_token", "performance.tokens_per_step",
         "performance.accelerators_used", "performance.peak_per_accelerator", "cluster.mfu"),
        sources=(PALM,))
def mfu_step_time(per_token, tokens, used, rate, mfu):
    """The step the MFU path implies, to set beside the bottom-up one."""
    return per_token * tokens / (used * rate * mfu)


@metric("performance.path_ratio", "number",
        "Bottom-up step time over the MFU path's step time (1 = the two paths agree)",
        "performance.step_time / performance.mfu_step_time",
        ("performance.step_time", "performance.mfu_step_time"), sources=(PALM, NARAYANAN))
def path_ratio(step, mfu_step):
    """> 1: the parts of the step add up to more than the MFU allows."""
    return step / mfu_step


@metric("performance.paths_disagree", "number",
        "Whether the MFU path and the bottom-up path differ by more than the stated factor",
        "path_ratio > paths_disagree_factor or path_ratio < 1 / paths_disagree_factor",
        ("performance.path_ratio", "performance.paths_disagree_factor"), value_type="bool")
def paths_disagree(ratio, factor):
    """A flag for warnings: one of the two training-time estimates is off."""
    return (ratio > factor) | (ratio < 1.0 / factor)


# ======================================================================== reference step
def reference_step_parts(parameters, sequence, micro_batch, m, accelerators, host_per_parameter,
                         width_per_layer, bf16_dense, fp8_dense, hbm_bandwidth, scaleup_domain,
                         scaleup, scaleout, hostlink, shared_by, plateau, half_width,
                         speedup_fp8, hbm_efficiency) -> dict:
    """The parts of the reference workload's step (seconds), from the scenario functions above.

    Pure data parallelism (t = p = 1), FP8 matrix maths, selective recomputation, the
    optimizer state in host memory read and written by the accelerator every step.
    """
    hidden = np.cbrt(width_per_layer * parameters / 12.0)
    layers = hidden / width_per_layer
    tokens = m * micro_batch * sequence * accelerators
    per_token = 6.0 * parameters + 12.0 * layers * hidden * sequence
    rate = (bf16_dense * precision_gain("fp8", bf16_dense, fp8_dense, speedup_fp8, speedup_fp8)
            * matmul_efficiency_at(hidden, plateau, half_width))
    compute = (per_token * tokens * recompute_flops_factor("selective", sequence, hidden)
               / accelerators / rate)
    memory = activation_traffic_bytes(sequence, micro_batch, hidden, layers, 1.0, 1.0, m,
                                      "selective", False) / (hbm_bandwidth * hbm_efficiency)
    link = _link_for(accelerators, scaleup_domain, scaleup, scaleout)
    gradients = ring_allreduce_seconds(GRADIENT_BYTES * parameters, accelerators, link)
    data_comm = np.maximum(gradients - (2.0 / 3.0) * compute / m, 0.0)
    host = host_link_seconds(host_per_parameter * parameters, hostlink, shared_by)
    return {"compute": compute, "memory": memory, "data_parallel": data_comm, "host": host}


@metric("performance.reference_step_time", "time",
        "Step time of the reference 1B workload on this accelerator (article benchmark table)",
        "compute ((6·N + 12·L·h·s)·tokens·(1+s/18h) / 8 / FP8 matmul rate at width h) + memory "
        "(2·34·sbh·L·m / (hbm_bw × hbm_eff)) + exposed gradient all-reduce (8 GPUs) + host "
        "(24 B × N / (hostlink / shared_by))",
        ("performance.reference_parameters", "performance.reference_sequence_length",
         "performance.reference_micro_batch", "performance.reference_microbatches",
         "performance.reference_accelerators", "performance.reference_host_traffic_per_parameter",
         "performance.width_per_layer", "accelerator.bf16_dense", "accelerator.fp8_dense",
         "accelerator.hbm_bandwidth", "accelerator.scaleup_domain",
         "accelerator.scaleup_bandwidth", "performance.scaleout_bandwidth",
         "accelerator.hostlink_bandwidth", "accelerator.hostlink_shared_by",
         "performance.matmul_efficiency_large", "performance.matmul_half_width",
         "performance.precision_speedup_fp8", "performance.hbm_efficiency"),
        sources=(NARAYANAN_FLOPS, KORTHIKANTI, RING, VENDOR_LINKS, GEMM, TE_SPEEDUP,
                 LLM_ANALYSIS,
                 "AINews deep dive on GB200 and Colossus2 (source article), benchmark table: "
                 "H100 ~1.2 s, B200 ~0.6 s, GB200 ~0.4 s (est.) per step of a 1B model"),
        importance=1)
def reference_step_time(parameters, sequence, micro_batch, m, accelerators, host_per_parameter,
                        width_per_layer, bf16_dense, fp8_dense, hbm_bandwidth, scaleup_domain,
                        scaleup, scaleout, hostlink, shared_by, plateau, half_width, speedup_fp8,
                        hbm_efficiency):
    """Sum of the reference step's parts; only the accelerator's own figures vary."""
    parts = reference_step_parts(parameters, sequence, micro_batch, m, accelerators,
                                 host_per_parameter, width_per_layer, bf16_dense, fp8_dense,
                                 hbm_bandwidth, scaleup_domain, scaleup, scaleout, hostlink,
                                 shared_by, plateau, half_width, speedup_fp8, hbm_efficiency)
    return parts["compute"] + parts["memory"] + parts["data_parallel"] + parts["host"]
