"""Performance: peak and effective FLOP/s, training compute, the top-down training time.

Two ways to the training time stand side by side:

* **top down** — `performance.training_time` = 6·N·D / (accelerators × peak × MFU), with the MFU
  the analyst gives (or the calibrated default). This is the figure other domains use; it is
  declared in `crosscheck`, because a mixture of experts at the (dense) default MFU also waits
  for the expert all-to-all that only the bottom-up path prices.
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
all-to-all of expert parallelism; both paths run its routed GEMMs at their roofline rate
(`performance.expert_gemm_factor`), and the bottom-up path adds the fixed time of each local
expert's small kernels (`performance.expert_launch_time`). `performance.path_ratio` and `performance.paths_disagree`
compare the two paths.

`performance.reference_step_time` evaluates one fixed, documented reference workload (a 1B model,
calibration `reference_*`) with the scenario's accelerator, to compare with the source article's
benchmark table. Every formula is vectorised (numpy), so sweeps and Monte Carlo samples run
through the same code; categories (framework, precision, recomputation) are plain strings.

This module holds the top-down path and the headline figures; the rest of the domain lives
beside it, registered in this order (see `domains/__init__.py`): `workload` (inputs),
`performance`, `parallel_layout`, `memory`, `step_time` (bottom up, stragglers, scaling
efficiency), `crosscheck` (the two paths compared, the reference step); `training_formulas`
holds the sources and the vectorised formulas they share.
"""

from __future__ import annotations

from bisect import bisect_right

from scendsl.model import scalar
from scendsl.model.context import Context, Found
from scendsl.model.domains.training_formulas import (
    ATTENTION_PRECISION,
    ATTENTION_RATE,
    CHIP_MFU,
    DISTILLATION,
    FLASH,
    FP8_ATTENTION,
    GATED_MLP,
    GEMM,
    GQA,
    GSHARD,
    HOFFMANN,
    KAPLAN,
    KORTHIKANTI,
    LLM_ANALYSIS,
    LORA,
    MEGATRON_RECOMPUTE,
    MOE_GEMM,
    MOE_LAYOUT,
    NARAYANAN_FLOPS,
    PALM,
    POWER_CAP,
    SLIDING_WINDOW,
    TE_SPEEDUP,
    TM101,
    default_ffn_width,
    matrix_time_per_flop,
    mixed_precision_gain,
    mlp_matrices,
    precision_gain,
    recompute_flops_factor,
    roofline_gemm_efficiency,
    training_gemm_intensity,
)
from scendsl.model.registry import input_node, metric, scenario_input


# ============================================================================ peak and MFU
@metric(
    "cluster.peak_bf16",
    "flop_rate",
    "Dense BF16 peak of the whole cluster",
    "cluster.count × accelerator.bf16_dense",
    ("cluster.count", "accelerator.bf16_dense"),
    sources=("vendor datasheets (dense, no sparsity)",),
    importance=2,
)
def peak_bf16(count, bf16_dense):
    """Dense BF16 FLOP/s of all accelerators."""
    return count * bf16_dense


@input_node(
    "performance.peak_per_accelerator",
    "flop_rate",
    "Dense peak of one accelerator at the workload's precision",
    sources=("vendor datasheets (dense, no sparsity)",),
    formula="bf16_dense, fp8_dense or fp4_dense by workload.precision (fp16 at bf16_dense, the "
    "16-bit tensor rate); a chip without the format runs it at the next wider one's rate",
    inputs=("cluster.accelerator", "workload.precision"),
)
def _peak_per_accelerator(ctx: Context) -> Found:
    """Only the figure the precision needs is read: a custom accelerator without `fp8_dense`
    still gets every FLOP/s metric when it trains in BF16 (issue 12)."""
    return _dense_rate(ctx, ctx.field("workload.precision") or "bf16")


@input_node(
    "performance.fp8_per_accelerator",
    "flop_rate",
    "Dense FP8 peak of one accelerator (the BF16 rate on a chip without FP8)",
    sources=("vendor datasheets (dense, no sparsity)",),
    formula="fp8_dense; a chip without FP8 runs FP8 work at its bf16_dense rate",
    inputs=("cluster.accelerator",),
)
def _fp8_per_accelerator(ctx: Context) -> Found:
    """The catalog writes the BF16 rate as fp8_dense of a chip without FP8; a new accelerator
    block that gives no fp8_dense is read by the same rule, not as n/a."""
    return _dense_rate(ctx, "fp8")


def _dense_rate(ctx: Context, precision: str) -> Found:
    """The accelerator's dense rate at `precision`, or the next wider format's, with a note."""
    order = {
        "bf16": ("bf16_dense",),
        # The catalog lists one 16-bit tensor rate: FP16 and BF16 run at the same rate on every
        # chip that has both, and it is the FP16 rate of a chip without BF16 (V100).
        "fp16": ("bf16_dense",),
        "fp8": ("fp8_dense", "bf16_dense"),
        "fp4": ("fp4_dense", "fp8_dense", "bf16_dense"),
    }[precision]
    for number, figure in enumerate(order):
        try:
            hit = ctx.accelerator_figure(figure)
        except LookupError:
            continue
        if number == 0 and precision == "fp16":
            said = "FP16 at the 16-bit tensor rate (bf16_dense)"
            note = f"{said}; {hit.note}" if hit.note else said
            return Found(hit.value, hit.origin, hit.source, hit.confidence, note)
        if number == 0:
            return hit
        return Found(
            hit.value,
            hit.origin,
            hit.source,
            hit.confidence,
            f"no {order[0]} figure: {precision.upper()} work runs at the {figure} rate",
        )
    raise LookupError(f"accelerator has no {order[-1]} figure")


@metric(
    "cluster.peak_fp8",
    "flop_rate",
    "Dense FP8 peak of the whole cluster (the BF16 rate on a chip without FP8)",
    "cluster.count × performance.fp8_per_accelerator",
    ("cluster.count", "performance.fp8_per_accelerator"),
    sources=("vendor datasheets (dense, no sparsity)",),
    importance=3,
)
def peak_fp8(count, per_accelerator):
    """Dense FP8 FLOP/s of all accelerators."""
    return count * per_accelerator


@metric(
    "cluster.peak",
    "flop_rate",
    "Dense peak of the cluster at the workload's precision",
    "cluster.count × performance.peak_per_accelerator",
    ("cluster.count", "performance.peak_per_accelerator"),
    importance=2,
)
def peak(count, per_accelerator):
    """Cluster peak at the workload precision."""
    return count * per_accelerator


# ==================================================================== compute and time
@metric(
    "performance.attention_heads",
    "number",
    "Attention heads a",
    "workload.attention_heads if given, else h / performance.head_dim",
    ("workload.attention_heads_setting", "workload.hidden_size", "performance.head_dim"),
    sources=(KORTHIKANTI,),
)
def attention_heads(setting, hidden, head_dim):
    """Heads as written, or the width over the usual head width."""
    return scalar.where(setting > 0, setting, hidden / head_dim)


@metric(
    "performance.kv_heads",
    "number",
    "Key/value heads (grouped-query attention; = attention heads without it)",
    "workload.kv_heads if given, else performance.attention_heads",
    ("workload.kv_heads_setting", "performance.attention_heads"),
    sources=(GQA,),
)
def kv_heads(setting, heads):
    """Heads whose keys and values are stored and exchanged."""
    return scalar.where(setting > 0, setting, heads)


@metric(
    "performance.attention_width",
    "number",
    "Width of the attention scores and their weighting, a·d (= h unless heads are narrower or "
    "wider than h/a)",
    "workload.head_dim × performance.attention_heads if head_dim is given, else h",
    ("workload.head_dim_setting", "performance.attention_heads", "workload.hidden_size"),
    sources=(NARAYANAN_FLOPS,),
)
def attention_width(head_dim, heads, hidden):
    """Narayanan's count assumes a·d = h; multi-head latent attention (DeepSeek-V2/V3: 128
    heads of 192 + 128 on h = 7,168) and other shapes do not."""
    return scalar.where(head_dim > 0, head_dim * heads, hidden)


@metric(
    "performance.attention_span",
    "number",
    "Keys each query's attention scores and weights, averaged over the layers, counted as the "
    "model FLOPs count full attention (s: the whole score matrix)",
    "s × (1 − f) + f × (2·v − v²/s), v = min(w, s), w = workload.attention_window, f = "
    "workload.attention_window_share; s without a window",
    (
        "workload.sequence_length",
        "workload.attention_window_setting",
        "workload.attention_window_share",
    ),
    sources=(SLIDING_WINDOW, NARAYANAN_FLOPS, FLASH),
)
def attention_span(sequence, window, share):
    """A causal layer's queries attend (s+1)/2 keys on average and a window's w − w(w−1)/(2s),
    which the FLOP count, whose full attention scores all s, doubles alike: a window priced at
    the same share of a full layer's work as the kernels, which skip the blocks the causal mask
    and the band leave empty (flash attention), execute. Unfused kernels write the whole masked
    score matrix, so the window leaves the score memory and traffic as they are."""
    banded = scalar.minimum(scalar.where(window > 0, window, sequence), sequence)
    windowed = 2.0 * banded - banded**2 / sequence
    return sequence * (1.0 - share) + share * windowed


@metric(
    "performance.ffn_width",
    "number",
    "MLP (feed-forward) width f",
    "workload.ffn_hidden_size if given, else 4h (plain) or ⌊8h/3 / 64⌋·64 (gated)",
    ("workload.ffn_hidden_size_setting", "workload.mlp", "workload.hidden_size"),
    sources=(GATED_MLP,),
)
def ffn_width(setting, mlp, hidden):
    """The width as written, else the framework default for the MLP kind: a gated MLP's three
    h×f matrices then hold what a plain MLP's two h×4h do."""
    return scalar.where(setting > 0, setting, default_ffn_width(hidden, mlp == "gated"))


@metric(
    "performance.expert_ffn_width",
    "number",
    "Width of one routed expert's MLP (mixture of experts; the MLP width of a dense model)",
    "workload.expert_ffn_hidden_size if given, else performance.ffn_width",
    ("workload.expert_ffn_hidden_size_setting", "performance.ffn_width"),
    sources=(MOE_GEMM, GATED_MLP),
)
def expert_ffn_width(setting, ffn):
    """A fine-grained mixture splits the MLP into narrow experts (OLMoE: 64 of width 1,024 on
    h = 2,048; DeepSeek-V3: 256 of 2,048 on 7,168); a configuration with one MLP width (Mixtral)
    gives each expert that width."""
    return scalar.where(setting > 0, setting, ffn)


@metric(
    "performance.attention_query_sets",
    "number",
    "Sets of query heads each token attends with: k under a mixture of attention heads "
    "(each of its k attention experts scores the sequence with its own queries), else 1",
    "workload.experts_per_token if workload.attention_experts > 1, else 1",
    ("workload.attention_experts", "workload.experts_per_token"),
    sources=(MOE_LAYOUT,),
)
def attention_query_sets(attention_experts, top_k):
    """JetMoE: two of eight attention experts per token, 16 query heads each over shared keys
    and values, so 32 heads' scores per token."""
    return scalar.where(attention_experts > 1, top_k, 1.0)


@metric(
    "performance.adapter_parameters",
    "number",
    "Parameters of the adapters trained on the frozen model (0 when every weight trains)",
    "with workload.adapter lora: workload.trainable_parameters when given, else "
    "performance.lora_trainable_share × workload.parameters; 0 without adapters",
    (
        "workload.adapter",
        "workload.trainable_parameters",
        "performance.lora_trainable_share",
        "workload.parameters",
    ),
    sources=(LORA,),
)
def adapter_parameters(adapter, given, share, parameters):
    """The low-rank matrices A and B beside the frozen weights: a few parts in ten thousand of
    the model at the usual ranks."""
    return scalar.where(adapter == "lora", scalar.where(given > 0, given, share * parameters), 0.0)


@metric(
    "performance.trainable_share",
    "number",
    "Parameters whose gradients and optimizer state the run keeps, over the model's: 1 when "
    "every weight trains, the adapters' share of a LoRA run",
    "1 without adapters; performance.adapter_parameters / workload.parameters with "
    "workload.adapter lora",
    ("workload.adapter", "performance.adapter_parameters", "workload.parameters"),
    sources=(LORA,),
)
def trainable_share(adapter, adapters, parameters):
    """What scales the gradients, their all-reduce and the optimizer's state and update: the
    adapters are split over the ranks as the weights they sit beside."""
    return scalar.where(adapter == "lora", adapters / parameters, 1.0)


@metric(
    "performance.model_flops_per_token",
    "number",
    "Model FLOPs per training token (forward and backward), attention included",
    "6·N_active + 12·L·(a·d)·s·q (Narayanan eq. 3 per token with N = 12·L·h² + V·h, a·d = h "
    "unless given; q = performance.attention_query_sets; s = performance.attention_span, the "
    "sequence length without a sliding window); with workload.adapter lora the "
    "weights' 6·N_active becomes 4·N_active + 6·N_adapter·N_active/N (frozen weights: forward "
    "and activation gradients, no weight gradients; Hu et al. 2021)",
    (
        "workload.active_parameters",
        "workload.layers",
        "performance.attention_width",
        "performance.attention_span",
        "performance.attention_query_sets",
        "workload.adapter",
        "performance.adapter_parameters",
        "workload.parameters",
    ),
    sources=(NARAYANAN_FLOPS, PALM, KAPLAN, LORA),
    optional=("performance.adapter_parameters", "workload.parameters"),
)
def model_flops_per_token(active, layers, width, sequence, sets, adapter, adapters, parameters):
    """Weights (6N, the logit layer V·h inside N) plus the attention scores and their
    weighting (2·2·s·a·d per layer forward, ×3 with the backward pass): ~15 % more than 6N at
    h ≈ 2k, s = 2k; a few percent for frontier widths. A token routed to k attention experts
    scores the sequence k times. A frozen weight costs its forward product and the product that
    carries the gradient back to its input (4N), not the one that forms its own gradient; the
    adapters pay all three on the active share of them; attention has no weights, so its
    backward pass is unchanged."""
    weights = 6.0 * active
    if adapter == "lora" and adapters is not None and parameters is not None:
        weights = lora_weight_flops(active, adapters, parameters)
    return weights + 12.0 * layers * width * sequence * sets


def lora_weight_flops(active, adapters, parameters):
    """The weights' FLOPs per token of a LoRA run, 4·N_active + 6·N_adapter·N_active/N, in
    place of training every weight's 6·N_active: a frozen weight costs its forward product and
    the one that carries the gradient back to its input, the adapters all three on the active
    share of them (Hu et al. 2021)."""
    return 4.0 * active + 6.0 * adapters * active / parameters


@metric(
    "performance.attention_flop_share",
    "fraction",
    "Share of the model FLOPs in the attention scores and their weighting (the part that "
    "stays in BF16 when the linear layers train in FP8/FP4)",
    "12·L·(a·d)·s·q / performance.model_flops_per_token, q = performance.attention_query_sets, "
    "s = performance.attention_span",
    (
        "workload.layers",
        "performance.attention_width",
        "performance.attention_span",
        "performance.model_flops_per_token",
        "performance.attention_query_sets",
    ),
    sources=(NARAYANAN_FLOPS, ATTENTION_PRECISION),
)
def attention_flop_share(layers, width, sequence, per_token, sets):
    """Grows with s/h: ~20 % for an 8B model at 8k tokens, a few percent at frontier widths."""
    return 12.0 * layers * width * sequence * sets / per_token


@metric(
    "performance.attention_precision_gain",
    "number",
    "Speed-up of the attention's score and weighting matmuls over BF16 at "
    "workload.attention_precision (1 in BF16)",
    "g_a = 1 at attention_precision bf16; at fp8 min(precision_speedup_fp8, fp8_per_accelerator "
    "/ bf16_dense), the linear layers' FP8 gain",
    (
        "workload.attention_precision",
        "accelerator.bf16_dense",
        "performance.fp8_per_accelerator",
        "performance.precision_speedup_fp8",
    ),
    sources=(FP8_ATTENTION, TE_SPEEDUP),
)
def attention_precision_gain(attention_precision, bf16_dense, fp8_peak, speedup_fp8):
    """FP8 attention runs its two matmuls on the FP8 tensor cores, as the FP8 linear layers do,
    so it gains what they gain end to end; the softmax between them stays where the attention
    rate puts it (performance.attention_rate applies on top)."""
    return precision_gain(attention_precision, bf16_dense, fp8_peak, speedup_fp8, speedup_fp8)


@metric(
    "performance.precision_gain",
    "number",
    "Speed-up of the model's matrix maths over BF16 at the workload's precision (1 in BF16): "
    "the one gain both the MFU path and the bottom-up path use",
    "G = 1 / ((1 − a)/g + a/g_a), g = min(precision_speedup_fp8 or _fp4, peak / bf16_dense) "
    "for the linear layers, a = attention_flop_share at g_a = "
    "performance.attention_precision_gain (1: kept in BF16); without a known shape a = 0 (the "
    "linear-layer gain g over all FLOPs)",
    (
        "workload.precision",
        "accelerator.bf16_dense",
        "performance.peak_per_accelerator",
        "performance.precision_speedup_fp8",
        "performance.precision_speedup_fp4",
        "performance.attention_flop_share",
        "performance.attention_precision_gain",
    ),
    sources=(TE_SPEEDUP, ATTENTION_PRECISION, FP8_ATTENTION),
    optional=("performance.attention_flop_share",),
)
def blended_precision_gain(
    precision, bf16_dense, peak, speedup_fp8, speedup_fp4, attention, attention_gain
):
    """The published FP8/FP4 gain is for the linear-layer GEMMs; attention runs in BF16 unless
    the recipe puts it in FP8 (Amdahl). A workload without parameters has no shape, hence no
    attention share."""
    gain = precision_gain(precision, bf16_dense, peak, speedup_fp8, speedup_fp4)
    return mixed_precision_gain(gain, 0.0 if attention is None else attention, attention_gain)


@metric(
    "performance.recompute_factor",
    "number",
    "FLOPs the accelerators execute per model FLOP: 1 without recomputation, 4/3 with full "
    "recomputation (the forward pass run twice), a little above 1 with selective",
    "1 + the recomputed forward share: full 1/3, selective the attention scores' forward "
    "pass (a third of their share of the model FLOPs, over performance.attention_span keys), "
    "offload ⅓ × the MLP's share of the "
    "layer's weights (4h² + MLP); that share × performance.recomputed_layer_share (the layers "
    "of a stage that recompute); with workload.adapter lora × F_full / F, F the "
    "model FLOPs per token and F_full = F + 2·N_active − 6·N_adapter·N_active/N, those of "
    "training every weight (the forward pass recomputed is the same)",
    (
        "workload.recompute",
        "performance.recomputed_layer_share",
        "performance.attention_span",
        "workload.hidden_size",
        "performance.ffn_width",
        "workload.mlp",
        "workload.adapter",
        "performance.model_flops_per_token",
        "workload.active_parameters",
        "performance.adapter_parameters",
        "workload.parameters",
    ),
    sources=(NARAYANAN_FLOPS, KORTHIKANTI, GATED_MLP, LORA, MEGATRON_RECOMPUTE),
    optional=(
        "performance.model_flops_per_token",
        "workload.active_parameters",
        "performance.adapter_parameters",
        "workload.parameters",
    ),
)
def recompute_factor(
    recompute, share, span, hidden, ffn, mlp, adapter, per_token, active, adapters, parameters
):
    """Full recomputation repeats the forward pass; selective only the attention scores, whose
    share of a layer's work shrinks as the MLP widens; offload all but the attention
    projections, whose outputs it kept in host memory. A LoRA run recomputes the same forward
    pass over fewer model FLOPs (no weight gradients for the frozen weights), so a larger
    share of them: full recomputation adds ~1/2 of a LoRA run's FLOPs, not 1/3."""
    factor = recompute_flops_factor(recompute, span, hidden, ffn, mlp == "gated", share)
    known = all(x is not None for x in (per_token, active, adapters, parameters))
    if adapter != "lora" or not known:
        return factor
    full = per_token - lora_weight_flops(active, adapters, parameters) + 6.0 * active
    return 1.0 + (factor - 1.0) * full / per_token


@metric(
    "performance.elementwise_factor",
    "number",
    "Factor on the default MFU for the model's width and the accelerator's FLOP per byte: "
    "memory-bound element-wise kernels take a larger share of a narrow model's step, and of "
    "a step on a chip with more FLOPs per byte of HBM bandwidth",
    "(1 + B × R₀ / (72 × h₀)) / (1 + B × R / (72 × h)), B = performance.elementwise_bytes, "
    "R = accelerator.bf16_dense / accelerator.hbm_bandwidth, h = workload.hidden_size, "
    "h₀ and R₀ those of the default MFU's run",
    (
        "performance.elementwise_bytes",
        "accelerator.bf16_dense",
        "accelerator.hbm_bandwidth",
        "workload.hidden_size",
        "performance.default_mfu_width",
        "performance.default_mfu_flop_per_byte",
    ),
    sources=(KORTHIKANTI, NARAYANAN_FLOPS),
)
def elementwise_factor(traffic, bf16_dense, bandwidth, hidden, reference_width, reference_ratio):
    """Per token and layer a training step's GEMMs do 72·h² FLOPs (Narayanan et al. 2021) and
    its element-wise kernels move B·h bytes (Korthikanti et al. 2022): at R FLOPs per byte the
    latter take B·R/(72·h) of the GEMM time. Both run at a similar share of their peak, so
    that share is the step's overhead over its matrix maths, relative to the default's run."""
    share = traffic * (bf16_dense / bandwidth) / (72.0 * hidden)
    reference = traffic * reference_ratio / (72.0 * reference_width)
    return (1.0 + reference) / (1.0 + share)


@metric(
    "performance.attention_factor",
    "number",
    "Factor on the default MFU for the attention share of the model FLOPs and the accelerator's "
    "attention rate: the attention kernels run slower than the linear layers, more so on a chip "
    "whose matrix units outpace its special-function units",
    "((1 − a₀) + a₀ / r₀) × (1/G) / ((1/G − a/g_a) + a / (r·g_a)), a = "
    "performance.attention_flop_share, r = performance.attention_rate, G = "
    "performance.precision_gain, g_a = performance.attention_precision_gain (1 in BF16: "
    "((1 − a₀) + a₀ / r₀) / ((1 − a) + a / r)), a₀ and r₀ those of the default MFU's run",
    (
        "performance.attention_flop_share",
        "performance.attention_rate",
        "performance.default_mfu_attention_share",
        "performance.default_mfu_attention_rate",
        "performance.precision_gain",
        "performance.attention_precision_gain",
    ),
    sources=(ATTENTION_RATE, NARAYANAN_FLOPS, ATTENTION_PRECISION, FP8_ATTENTION),
)
def attention_factor(share, rate, reference_share, reference_rate, gain, attention_gain):
    """Time per model FLOP is (1 − a) at the linear layers' rate plus a at r times it; the
    default MFU was measured at a₀ and r₀ (Llama 3 405B: 8k tokens on a 16k-wide model), so a
    narrow model at long sequences, or a chip with a lower r, loses MFU. At FP8/FP4 the linear
    layers' time is 1/G − a/g_a (the attention in its own precision), so the factor and G
    together give the default over (1 − a)/g + a/(r·g_a), counting the attention once."""
    reference = matrix_time_per_flop(1.0, reference_share, reference_rate)
    return reference / gain / matrix_time_per_flop(gain, share, rate, None, attention_gain)


@metric(
    "performance.recompute_mfu_factor",
    "number",
    "Factor on the default MFU for the workload's activation recomputation: the default's run "
    "executed its hardware FLOPs at a rate that carries to the workload, and the forward work "
    "the workload repeats counts as hardware FLOPs, not model FLOPs",
    "ρ₀ / ρ, ρ = performance.recompute_factor, ρ₀ = performance.default_mfu_recompute_factor",
    ("performance.default_mfu_recompute_factor", "performance.recompute_factor"),
    sources=(PALM, KORTHIKANTI),
)
def recompute_mfu_factor(reference, recompute):
    """MFU = HFU / ρ (PaLM App. B): at the hardware utilisation of the default's run (ρ₀, its
    own recomputation), a run that repeats its whole forward pass (ρ = 4/3) spends a quarter of
    its FLOPs on work that is not model FLOPs; one that recomputes less than the default's run
    gains that share back."""
    return reference / recompute


@metric(
    "performance.precision_overhead_factor",
    "number",
    "Factor on the default MFU at FP8/FP4 for the share of the default's step that is not "
    "matrix maths (pipeline bubble, exposed communication, element-wise kernels, optimizer): "
    "it runs as in BF16, so the precision gain speeds up the matrix share only (1 in BF16)",
    "1 / (σ + (1 − σ) × M(G) / M(1)), σ = min(1, cluster.default_mfu × M₀ / e₀ × "
    "performance.elementwise_factor), M(G) = (1/G − a/g_a) + a/(r·g_a) (training_formulas."
    "matrix_time_per_flop), M₀ the same at a₀, r₀ and G = g_a = 1, e₀ = 1 / (1/ε + R₀ / "
    "(η·I₀)) the roofline share of the peak of the default run's MLP GEMM, G = "
    "performance.precision_gain, g_a = performance.attention_precision_gain",
    (
        "cluster.default_mfu",
        "performance.precision_gain",
        "performance.attention_flop_share",
        "performance.attention_rate",
        "performance.default_mfu_attention_share",
        "performance.default_mfu_attention_rate",
        "performance.default_mfu_gemm_intensity",
        "performance.default_mfu_flop_per_byte",
        "performance.matmul_efficiency_large",
        "performance.hbm_efficiency",
        "performance.elementwise_factor",
        "performance.attention_precision_gain",
    ),
    sources=(TE_SPEEDUP, MOE_GEMM, PALM, FP8_ATTENTION),
)
def precision_overhead_factor(
    default,
    gain,
    share,
    rate,
    reference_share,
    reference_rate,
    reference_intensity,
    reference_ratio,
    plateau,
    hbm,
    elementwise,
    attention_gain,
):
    """The published FP8/FP4 gain is a GEMM gain (the linear layers' GEMMs and their
    quantization; TE_SPEEDUP), and the bottom-up path applies it to the matrix time alone. The
    default MFU's step also holds time that is no GEMM: at the default MFU and the roofline rate
    of the default run's GEMMs, its matrix maths fill σ of the step (~57 % for Llama 3 405B on
    H100); the rest does not run faster in FP8, and a narrower model's element-wise share
    (performance.elementwise_factor) leaves less of the step to the matrix maths."""
    reference = roofline_gemm_efficiency(reference_intensity, reference_ratio, plateau, hbm)
    matrix = default * matrix_time_per_flop(1.0, reference_share, reference_rate) / reference
    sigma = scalar.minimum(matrix * elementwise, 1.0)
    lowered = matrix_time_per_flop(gain, share, rate, None, attention_gain)
    speedup = matrix_time_per_flop(1.0, share, rate) / lowered
    return 1.0 / (sigma + (1.0 - sigma) * speedup)


@metric(
    "performance.expert_gemm_tokens",
    "number",
    "Tokens each routed expert multiplies per micro-batch and accelerator (the rows M of its "
    "GEMMs): a micro-batch's tokens split over the experts, gathered from the e expert-parallel "
    "ranks",
    "b · (s/c) · k · e / E, e = performance.expert_gemm_parallel (0 for a dense model)",
    (
        "workload.micro_batch",
        "workload.sequence_length",
        "workload.context_parallel",
        "workload.experts_per_token",
        "performance.expert_gemm_parallel",
        "workload.experts",
    ),
    sources=(MOE_GEMM, GSHARD),
)
def expert_gemm_tokens(micro_batch, sequence, context, top_k, expert, experts):
    """Each token goes to k of E experts, so an expert sees k/E of the tokens; expert
    parallelism sends each expert the tokens of e ranks (the all-to-all), so its GEMMs are e
    times taller than without."""
    tokens = micro_batch * sequence / context * top_k * scalar.maximum(expert, 1) / experts
    return scalar.where(experts > 1, tokens, 0.0)


@metric(
    "performance.moe_layers",
    "number",
    "Layers whose MLP is a mixture of experts (0 for a dense model)",
    "⌊(L − workload.dense_layers) / workload.moe_layer_interval⌋ when E > 1, else 0",
    ("workload.experts", "workload.layers", "workload.dense_layers", "workload.moe_layer_interval"),
    sources=(MOE_LAYOUT,),
)
def moe_layers(experts, layers, dense, interval):
    """DeepSeek-V3 keeps its first 3 of 61 layers dense (58 with experts); Llama 4 Maverick
    has experts in every second of its 48 layers (24); the others every layer."""
    count = scalar.floor(scalar.maximum(layers - dense, 0.0) / interval)
    return scalar.where(experts > 1, count, 0.0)


@metric(
    "performance.expert_flop_share",
    "fraction",
    "Share of the model FLOPs in the routed experts' GEMMs (mixture of experts; 0 when dense)",
    "min(6·L_e·k·m·h·f_e, 6·(N_active − 4·L·h²)) / performance.model_flops_per_token, L_e = "
    "performance.moe_layers, m = 3 gated or 2 plain, f_e = performance.expert_ffn_width; 0 when "
    "E = 1",
    (
        "workload.experts",
        "workload.experts_per_token",
        "performance.moe_layers",
        "workload.layers",
        "workload.hidden_size",
        "performance.expert_ffn_width",
        "workload.mlp",
        "workload.active_parameters",
        "performance.model_flops_per_token",
    ),
    sources=(MOE_GEMM, NARAYANAN_FLOPS, GATED_MLP),
)
def expert_flop_share(experts, top_k, moe, layers, hidden, expert_width, mlp, active, per_token):
    """Each MoE layer runs k routed experts of m·h·f_e weights per token; dense layers and
    shared experts run dense GEMMs over every token and stay at the default's rate. At most
    what the active parameters leave beside the attention projections (4h² a layer): a shape
    derived from the active parameters alone (no expert width written) cannot put more in the
    experts than the model has."""
    routed = 6.0 * moe * top_k * mlp_matrices(mlp == "gated") * hidden * expert_width
    beside_attention = scalar.maximum(6.0 * (active - 4.0 * layers * hidden * hidden), 0.0)
    share = scalar.minimum(routed, beside_attention) / per_token
    return scalar.where(experts > 1, share, 0.0)


#: What the roofline of a routed GEMM against the default run's MLP GEMM reads (in this order,
#: after the metric's own inputs): see `_relative_gemm_rate`.
_GEMM_ROOFLINE = (
    "workload.hidden_size",
    "performance.default_mfu_gemm_intensity",
    "accelerator.bf16_dense",
    "accelerator.hbm_bandwidth",
    "performance.matmul_efficiency_large",
    "performance.hbm_efficiency",
    "workload.precision",
    "performance.peak_per_accelerator",
    "performance.low_precision_gemm_operand_bytes",
)


@metric(
    "performance.expert_gemm_rate",
    "fraction",
    "Rate of the routed experts' GEMMs as a share of the rate of the dense MLP GEMMs the "
    "default MFU was measured on, on the scenario's accelerator and at the workload's "
    "precision (1 when dense)",
    "e(I_e) / e(I₀), e(I) = 1 / (1/ε + R / (η·I)), I_e = gemm_intensity(M, f_e/t, h) with t = "
    "performance.expert_gemm_tensor, M = "
    "performance.expert_gemm_tokens, I₀ = performance.default_mfu_gemm_intensity, "
    "R = accelerator.bf16_dense / accelerator.hbm_bandwidth, ε = matmul_efficiency_large, "
    "η = hbm_efficiency; at FP8/FP4 both intensities × 6 / (2·b + 2), b = "
    "performance.low_precision_gemm_operand_bytes, and R = performance.peak_per_accelerator / "
    "accelerator.hbm_bandwidth",
    (
        "workload.experts",
        "performance.expert_gemm_tokens",
        "performance.expert_ffn_width",
        "performance.expert_gemm_tensor",
        *_GEMM_ROOFLINE,
    ),
    sources=(MOE_GEMM, GEMM, LLM_ANALYSIS),
)
def expert_gemm_rate(experts, tokens, expert_width, tensor, *roofline):
    """A fine-grained expert's GEMM is short (few tokens per expert) and narrow (f_e), so it
    moves more weight and activation bytes per FLOP: its operand traffic is a visible share of
    its time, which the wide dense GEMMs of the default's run (Llama 3 405B) hid. Relative on
    the same chip: what the chip's FLOP per byte does to a dense model is
    performance.elementwise_factor's. In FP8 the FLOP rate doubles but the bytes fall by a
    third only (the outputs stay BF16), so the short GEMM falls further behind the wide one
    and gains less than performance.precision_gain says (DeepSeek-V3 §3.3, DeepGEMM)."""
    own = _relative_gemm_rate(tokens, expert_width / tensor, *roofline)
    return scalar.where(experts > 1, own, 1.0)


def _relative_gemm_rate(
    tokens, width, hidden, reference, bf16_dense, bandwidth, plateau, hbm, precision, peak, operand
):
    """Roofline rate of a training step's GEMMs of `tokens` × `hidden` × `width` over that of
    the default run's MLP GEMM, on the same chip at the workload's precision."""
    low = scalar.isin(precision, ("fp8", "fp4"))
    ratio = scalar.where(low, peak, bf16_dense) / bandwidth
    operand = scalar.where(low, operand, 2.0)
    rows = scalar.maximum(tokens, 1.0)
    intensity = training_gemm_intensity(rows, width, hidden, operand)
    dense_intensity = reference * 6.0 / (2.0 * operand + 2.0)
    own = roofline_gemm_efficiency(intensity, ratio, plateau, hbm)
    return own / roofline_gemm_efficiency(dense_intensity, ratio, plateau, hbm)


@metric(
    "performance.attention_expert_flop_share",
    "fraction",
    "Share of the model FLOPs in the routed attention experts' query and output projections "
    "(mixture of attention heads; 0 for dense attention)",
    "6·L·k·2·h·(a·d) / performance.model_flops_per_token when workload.attention_experts > 1, "
    "else 0",
    (
        "workload.attention_experts",
        "workload.experts_per_token",
        "workload.layers",
        "workload.hidden_size",
        "performance.attention_width",
        "performance.model_flops_per_token",
    ),
    sources=(MOE_LAYOUT, NARAYANAN_FLOPS),
)
def attention_expert_flop_share(attention_experts, top_k, layers, hidden, width, per_token):
    """Each of a token's k attention experts projects its queries (h → a·d) and its output
    (a·d → h) with weights of its own; the shared keys and values are dense GEMMs."""
    routed = 6.0 * layers * top_k * 2.0 * hidden * width
    return scalar.where(attention_experts > 1, scalar.minimum(routed / per_token, 1.0), 0.0)


@metric(
    "performance.attention_expert_gemm_rate",
    "fraction",
    "Rate of the routed attention experts' projection GEMMs as a share of the rate of the "
    "dense MLP GEMMs the default MFU was measured on (1 for dense attention)",
    "as performance.expert_gemm_rate, with M = b·(s/c)·k / E_a tokens per attention expert "
    "(no expert parallelism) and the width a·d/t of one expert's query heads",
    (
        "workload.attention_experts",
        "workload.micro_batch",
        "workload.sequence_length",
        "workload.context_parallel",
        "workload.experts_per_token",
        "performance.attention_width",
        "performance.expert_gemm_tensor",
        *_GEMM_ROOFLINE,
    ),
    sources=(MOE_LAYOUT, MOE_GEMM),
)
def attention_expert_gemm_rate(
    attention_experts, micro_batch, sequence, context, top_k, width, tensor, *roofline
):
    """The attention experts' GEMMs are as short as the MLP experts' (k/E_a of the tokens)
    and as narrow as one expert's heads."""
    tokens = micro_batch * sequence / context * top_k / attention_experts
    own = _relative_gemm_rate(tokens, width / tensor, *roofline)
    return scalar.where(attention_experts > 1, own, 1.0)


@metric(
    "performance.expert_gemm_factor",
    "number",
    "Factor for the routed experts' GEMMs, which run at a lower rate than wide dense GEMMs: on "
    "the default MFU, and on the bottom-up path's GEMM time (1 for a dense model)",
    "1 / ((1 − a − b) + a / g + b / g_b), a = performance.expert_flop_share, g = "
    "performance.expert_gemm_rate, b = performance.attention_expert_flop_share, g_b = "
    "performance.attention_expert_gemm_rate",
    (
        "performance.expert_flop_share",
        "performance.expert_gemm_rate",
        "performance.attention_expert_flop_share",
        "performance.attention_expert_gemm_rate",
    ),
    sources=(MOE_GEMM, MOE_LAYOUT),
)
def expert_gemm_factor(share, rate, attention_share, attention_rate):
    """Time per model FLOP: the dense share at the default's rate, each routed share at 1/g
    times its time."""
    dense = 1.0 - share - attention_share
    return 1.0 / (dense + share / rate + attention_share / attention_rate)


#: The calibration keys of the power-cap curve: power_cap_throughput_<cap as % of the TDP>.
POWER_CAP_PREFIX = "power_cap_throughput_"


@input_node(
    "performance.power_cap_throughput",
    "fraction",
    "Share of its uncapped training throughput the accelerator keeps under its power limit "
    "(1 at or above the TDP)",
    formula="1 when accelerator.power_limit ≥ tdp; else calibration.power_cap_throughput_<N> "
    "(measured at caps of N % of the TDP) interpolated linearly at power_limit / tdp, and "
    "below the lowest point in proportion to the cap",
    sources=(POWER_CAP,),
    inputs=("accelerator.power_limit",),
)
def _power_cap_throughput(ctx: Context) -> Found:
    # Imported here, not at the top: the energy domain's inputs are declared after this one's
    # nodes (scendsl/model/domains/__init__.py), and importing it first would reorder them.
    from scendsl.model.domains.energy_supply import power_limit

    limit = power_limit(ctx)
    tdp = ctx.accelerator_figure("tdp")
    if limit.value >= tdp.value:
        return Found(1.0, f"no power cap below the TDP ({tdp.value:g} W, {tdp.origin})")
    # The curve is the catalog's points, lowest cap first; the share is 1 at the TDP.
    points = sorted(
        (int(key.removeprefix(POWER_CAP_PREFIX)) / 100, key)
        for key in ctx.catalog.calibration
        if key.startswith(POWER_CAP_PREFIX)
    )
    share = limit.value / tdp.value
    caps = [cap for cap, _ in points] + [1.0]
    kept = [ctx.calibration(key).value for _, key in points] + [1.0]
    if share < caps[0]:
        value = kept[0] * share / caps[0]
        how = f"below the lowest point ({caps[0]:.0%} of the TDP), in proportion to the cap"
    else:
        # Linear between the two points around the cap (numpy is not imported by `check`).
        upper = bisect_right(caps, share)
        lower = upper - 1
        step = (share - caps[lower]) / (caps[upper] - caps[lower])
        value = kept[lower] + step * (kept[upper] - kept[lower])
        how = "interpolated between the catalog points"
    first = ctx.calibration(points[0][1])
    return Found(
        value,
        f"derived: calibration.{POWER_CAP_PREFIX}<N> at a cap of {share:.1%} of the TDP "
        f"(power limit {limit.value:g} W, {limit.origin}; tdp {tdp.value:g} W), {how}",
        first.source,
        first.confidence,
        "the cap lowers the clock: the matrix maths run slower, memory-bound work, "
        "communication and the host do not",
    )


@metric(
    "performance.mfu",
    "fraction",
    "Model FLOPs utilisation the MFU path uses: the scenario's (or its HFU without the "
    "recomputed FLOPs), else the BF16 default carried to the workload's precision",
    "cluster.mfu if given; else cluster.hfu / performance.recompute_factor if given; else "
    "cluster.default_mfu × performance.default_mfu_chip_factor × performance.elementwise_factor "
    "× performance.attention_factor × performance.expert_gemm_factor × "
    "performance.recompute_mfu_factor × performance.precision_gain × "
    "performance.precision_overhead_factor × performance.power_cap_throughput / "
    "(peak_per_accelerator / bf16_dense)",
    (
        "cluster.mfu",
        "cluster.hfu",
        "performance.recompute_factor",
        "cluster.default_mfu",
        "performance.precision_gain",
        "performance.peak_per_accelerator",
        "accelerator.bf16_dense",
        "performance.elementwise_factor",
        "performance.attention_factor",
        "performance.expert_gemm_factor",
        "performance.recompute_mfu_factor",
        "performance.precision_overhead_factor",
        "performance.power_cap_throughput",
        "performance.default_mfu_chip_factor",
    ),
    sources=(PALM, TE_SPEEDUP, KORTHIKANTI, ATTENTION_RATE, MOE_GEMM, POWER_CAP, CHIP_MFU),
    optional=(
        "cluster.mfu",
        "cluster.hfu",
        "performance.recompute_factor",
        "cluster.default_mfu",
        "performance.precision_gain",
        "performance.peak_per_accelerator",
        "accelerator.bf16_dense",
        "performance.elementwise_factor",
        "performance.attention_factor",
        "performance.expert_gemm_factor",
        "performance.recompute_mfu_factor",
        "performance.precision_overhead_factor",
        "performance.power_cap_throughput",
        "performance.default_mfu_chip_factor",
    ),
)
def mfu(
    given,
    hfu,
    recompute_factor,
    default,
    gain,
    peak,
    bf16_dense,
    elementwise,
    attention,
    expert,
    recompute,
    overhead,
    capped,
    chip,
):
    """The default (a share of the BF16 peak) runs `precision_gain` faster at FP8/FP4, not as
    much faster as the datasheet peak ratio: as a share of the lower-precision peak it is
    default × G / ratio. An MFU the scenario gives is used as given; an HFU counts the
    recomputed forward passes as work, which the MFU does not (PaLM App. B). The default was
    measured on one wide model on one chip: `elementwise` carries it to the model's width and
    the accelerator's FLOP per byte, `attention` to the model's attention share and the
    accelerator's attention rate, `expert` to a mixture's short, narrow expert GEMMs and
    `recompute` to the workload's recomputation, `capped` to a power cap below the TDP and
    `chip` to the level the same code reaches on another chip (each 1 where unknown). A given MFU or HFU was measured on the run as it ran, cap and all."""
    if given is not None:
        return given
    if hfu is not None and recompute_factor is not None:
        return hfu / recompute_factor
    if default is None or gain is None or peak is None or bf16_dense is None:
        return None
    if elementwise is None:
        elementwise = 1.0
    if attention is None:
        attention = 1.0
    if expert is None:
        expert = 1.0
    if recompute is None:
        recompute = 1.0
    if overhead is None:
        overhead = 1.0
    if capped is None:
        capped = 1.0
    if chip is None:
        chip = 1.0
    factors = elementwise * attention * expert * recompute * overhead * capped * chip
    return default * factors * gain * bf16_dense / peak


@metric(
    "cluster.effective_flops",
    "flop_rate",
    "Useful FLOP/s the cluster sustains (peak × MFU)",
    "cluster.peak × performance.mfu",
    ("cluster.peak", "performance.mfu"),
    sources=(PALM,),
    importance=3,
)
def effective_flops(cluster_peak, mfu):
    """Sustained model FLOP/s."""
    return cluster_peak * mfu


# unset: n/a, and C is computed
scenario_input(
    "workload.training_flops_given",
    "flop",
    "Model FLOPs of the whole run as the scenario gives them (workload.training_flops)",
    field="workload.training_flops",
)


#: What a run's model FLOPs are read from, the first that has a value: given, from the shape and
#: tokens, or from the cluster's useful rate over the run's given time.
_FLOPS_FROM = (
    "performance.model_flops_per_token",
    "workload.tokens",
    "workload.training_flops_given",
    "cluster.effective_flops",
    "workload.duration",
    "workload.accelerator_hours",
)


@metric(
    "workload.training_flops",
    "flop",
    "Model FLOPs of the whole training run",
    "the scenario's workload.training_flops if given, else performance.model_flops_per_token "
    "× workload.tokens, else cluster.effective_flops × the run's given wall-clock time "
    "(workload.duration, else workload.accelerator_hours / cluster.count; interruptions not "
    "taken off: an upper bound by the share reliability.goodput loses)",
    (*_FLOPS_FROM, "cluster.count"),
    sources=(KAPLAN, TM101, NARAYANAN_FLOPS, PALM),
    importance=3,
    optional=_FLOPS_FROM,
)
def training_flops(per_token, tokens, given, effective, duration, accelerator_time, count):
    """C = (6·N_active + 12·L·h·s)·D: a mixture of experts counts its active parameters. A run
    that publishes its total compute (most do, few publish a shape) gives it directly. A run
    written by how long it lasts (a regulator's "90 days on this cluster") has done the
    cluster's useful FLOP/s over that time: what a compute threshold (10^25 FLOP) is read on."""
    if given is not None:
        return given
    if per_token is not None and tokens is not None:
        return per_token * tokens
    if effective is None:
        return None
    if duration is not None:
        return effective * duration
    if accelerator_time is not None:
        return effective * accelerator_time / count
    return None


scenario_input(
    "workload.teacher_parameters",
    "number",
    "Parameters of the distillation teacher run forward on the tokens it scores (0: none)",
    sources=(DISTILLATION,),
    default=Found(0.0, "default", note="no teacher: the run trains on its data alone"),
)

scenario_input(
    "workload.teacher_share",
    "fraction",
    "Share of the training tokens the distillation teacher scores",
    sources=(DISTILLATION,),
    default=Found(1.0, "default", note="a teacher, if any, scores every token the run trains on"),
)


@metric(
    "performance.teacher_flops_per_token",
    "number",
    "FLOPs per training token of the distillation teacher's forward pass, averaged over the "
    "run (0 without a teacher)",
    "2·workload.teacher_parameters × workload.teacher_share (a forward pass over the tokens it "
    "scores; the teacher's attention scores, a few percent at its width, are not counted: its "
    "shape is not given)",
    ("workload.teacher_parameters", "workload.teacher_share"),
    sources=(DISTILLATION, TM101),
)
def teacher_flops_per_token(teacher, share):
    """The teacher scores the tokens it is given with its forward pass alone; no backward pass
    and no optimizer step, so 2·N_teacher a scored token where the student pays 6·N. A run that
    distils over part of its tokens (one stage, such as a pruned model's recovery) pays that
    share of it on average over its steps."""
    return 2.0 * teacher * share


@metric(
    "workload.teacher_flops",
    "flop",
    "FLOPs of the distillation teacher's forward passes over the run (0 without a teacher); "
    "not model FLOPs of the student, so outside workload.training_flops and the MFU",
    "performance.teacher_flops_per_token × workload.tokens",
    ("performance.teacher_flops_per_token", "workload.tokens"),
    sources=(DISTILLATION,),
    optional=("workload.tokens",),
)
def teacher_flops(per_token, tokens):
    """What online distillation adds to the run's work. A run that generated its teacher's
    logits beforehand prices them apart: it writes no teacher."""
    if tokens is None:
        return None
    return per_token * tokens


# performance.training_time is declared in `crosscheck`: a mixture of experts at the default
# MFU adds the expert all-to-all that only the bottom-up path prices.


@metric(
    "workload.chinchilla_tokens",
    "number",
    "Compute-optimal tokens for the model size",
    "performance.tokens_per_parameter_optimal × workload.parameters",
    ("performance.tokens_per_parameter_optimal", "workload.parameters"),
    sources=(HOFFMANN,),
)
def chinchilla_tokens(per_parameter, parameters):
    """≈ 20 tokens per parameter (Hoffmann et al. 2022)."""
    return per_parameter * parameters
