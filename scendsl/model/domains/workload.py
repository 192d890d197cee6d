"""The training workload's inputs: model shape, parallel layout, framework defaults, calibration.

Each input is a scenario field with its documented default (framework-dependent recomputation,
sequence parallelism and interleaving), a width and depth derived from the parameter count when
not given, a calibration constant of the step-time model, or an accelerator figure the
performance metrics need (peak at FP4, scale-out bandwidth).
"""

from __future__ import annotations

from scendsl.defaults import FRAMEWORKS, RECOMPUTE_LEVELS
from scendsl.model import scalar
from scendsl.model.context import Context, Found
from scendsl.model.domains.training_formulas import (
    ACTIVATION_PRECISION,
    ATTENTION_PRECISION,
    ATTENTION_RATE,
    COLLECTIVE_LATENCY,
    CONTEXT_PARALLEL,
    DEEPSPEED,
    DROPOUT,
    FLASH,
    FP8_ATTENTION,
    FP8_WEIGHTS,
    FRAMEWORK_EFFICIENCY,
    GATED_MLP,
    GEMM,
    GRADIENT_BUCKETS,
    GSHARD,
    HOFFMANN,
    KORTHIKANTI,
    LLM_ANALYSIS,
    LORA,
    MEGATRON_RECOMPUTE,
    MOE_GEMM,
    MOE_KERNELS,
    MOE_LAYOUT,
    MOE_OVERLAP,
    MOE_PERMUTATION,
    NARAYANAN,
    NARAYANAN_FLOPS,
    NCCL_TUNER,
    NEOX,
    OVERLAP_INTERFERENCE,
    PLATFORM_MATMUL,
    RING_ATTENTION,
    SLIDING_WINDOW,
    STRAGGLER,
    TE_SPEEDUP,
    TP_OVERLAP,
    ZERO,
    ZERO_OFFLOAD,
    mlp_matrices,
)
from scendsl.model.layout import SOURCE as LAYOUT_SOURCE
from scendsl.model.layout import writes_expert_degree_alone, writes_no_layout
from scendsl.model.registry import calibration_input, input_node, metric, scenario_input
from scendsl.scenario import central

# ================================================================================ inputs
scenario_input(
    "workload.parameters", "number", "Model parameters N (all experts of a mixture)", importance=2
)


scenario_input(
    "workload.adapter",
    "text",
    "Adapters trained on a frozen model (lora) or every weight trained (none)",
    value_type="text",
    sources=(LORA,),
    default=Found("none", "default", note="no adapter: every weight trains"),
)


@input_node(
    "workload.trainable_parameters",
    "number",
    "Parameters of the adapters that train on the frozen model (with `adapter lora`)",
    sources=(LORA,),
)
def _trainable_parameters(ctx: Context) -> Found:
    default = Found(
        0.0,
        "default",
        note="not given: the share calibration.lora_trainable_share of the parameters with "
        "`adapter lora`",
    )
    return ctx.scenario_value("workload.trainable_parameters", default)


calibration_input(
    "performance.lora_trainable_share",
    "lora_trainable_share",
    "fraction",
    "Share of a model's parameters its LoRA adapters hold when the scenario does not say",
    (LORA,),
)


@input_node(
    "workload.active_parameters",
    "number",
    "Parameters active per token (N for a dense model)",
    inputs=("workload.experts", "workload.experts_per_token", "workload.parameters"),
)
def _active_parameters(ctx: Context) -> Found:
    experts, top_k = ctx.field("workload.experts"), ctx.field("workload.experts_per_token")
    if ctx.field("workload.active_parameters") is None and experts and experts > 1:
        hit = ctx.scenario_value("workload.parameters")
        k = top_k or 1
        shared = ctx.field("workload.shared_experts") or 0
        share = 1.0 / 3.0 + (2.0 / 3.0) * (min(k, experts) + shared) / (experts + shared)
        return Found(
            hit.value * share,
            "derived from workload.parameters, experts",
            "Vaswani et al. 2017: the feed-forward block holds 8h² of a layer's 12h²",
            "C",
            f"mixture of experts: the feed-forward ⅔ of the parameters is split in "
            f"{experts} routed experts of which {k} are active and {shared} shared ones every "
            f"token uses: N × (⅓ + ⅔·({k} + {shared})/({experts} + {shared}))",
        )
    if ctx.field("workload.active_parameters") is None:
        hit = ctx.scenario_value("workload.parameters")
        return Found(
            hit.value,
            hit.origin,
            note="dense model: every parameter is active",
            distribution=hit.distribution,
        )
    return ctx.scenario_value("workload.active_parameters")


scenario_input("workload.tokens", "number", "Training tokens D", importance=2)


# unset: n/a, and the time is computed
scenario_input("workload.duration", "time", "Wall-clock duration of the run, given directly")


# unset: n/a
scenario_input("workload.accelerator_hours", "time", "Accelerator-time of the run, given directly")


@input_node(
    "workload.precision",
    "text",
    "Number format of the matrix maths (fp8, bf16, fp16, fp4)",
    value_type="text",
)
def _precision(ctx: Context) -> Found:
    if "workload.precision" not in ctx.scenario.origins:
        return Found(
            ctx.field("workload.precision"),
            "default",
            note="no precision given: the language's default",
        )
    return ctx.scenario_value("workload.precision")


#: The framework of a scenario that names none, on a platform no framework is the default of
#: (frameworks.toml `default_on`): Megatron-LM, whose papers the formulas follow.
DEFAULT_FRAMEWORK = "megatron"


@input_node(
    "workload.framework",
    "text",
    f"Training framework ({', '.join(FRAMEWORKS)})",
    value_type="text",
    inputs=("cluster.accelerator",),
)
def _framework(ctx: Context) -> Found:
    if ctx.field("workload.framework") is not None:
        return ctx.scenario_value("workload.framework")
    name, platform = _platform_default_framework(ctx)
    if platform is None:
        return Found(
            DEFAULT_FRAMEWORK,
            "default",
            note="no framework given: Megatron-LM, whose papers the formulas come from",
        )
    defaults = ctx.catalog.frameworks[name]
    return Found(
        name,
        f"default on platform {platform} (catalog frameworks.{name}.default_on)",
        defaults.source,
        defaults.confidence,
        f"no framework given: {defaults.default_on_note}",
    )


def _platform_default_framework(ctx: Context) -> tuple[str, str | None]:
    """The framework of a scenario that names none: the one frameworks.toml makes the default on
    the accelerator's platform (with that platform), else Megatron-LM (and None)."""
    entry = ctx.catalog_accelerator  # a custom block has its base's platform
    if entry is not None:
        for name, defaults in ctx.catalog.frameworks.items():
            if entry.platform in defaults.default_on:
                return name, entry.platform
    return DEFAULT_FRAMEWORK, None


def _framework_of(ctx: Context) -> str:
    """The framework the scenario names, else the default: the key of its catalog defaults."""
    return ctx.field("workload.framework") or _platform_default_framework(ctx)[0]


@input_node(
    "workload.recompute",
    "text",
    f"Activation recomputation ({', '.join(RECOMPUTE_LEVELS)})",
    value_type="text",
    sources=(KORTHIKANTI, DEEPSPEED, NEOX),
    inputs=("workload.tensor_parallel", "workload.framework"),
)
def _recompute(ctx: Context) -> Found:
    chosen = _chosen(ctx, "recompute")
    if chosen is not None:
        return chosen
    framework = _framework_of(ctx)
    defaults = ctx.catalog.frameworks[framework]
    default = Found(
        defaults.recompute,
        f"default for {framework}",
        defaults.source,
        note=defaults.recompute_note,
    )
    return ctx.scenario_value("workload.recompute", default)


@input_node(
    "workload.zero_stage",
    "number",
    "ZeRO stage 0–3 (how much model state is sharded)",
    sources=(ZERO,),
    inputs=("workload.framework",),
)
def _zero_stage(ctx: Context) -> Found:
    framework = _framework_of(ctx)
    defaults = ctx.catalog.frameworks[framework]
    if defaults.zero_stage is None:
        return ctx.scenario_value("workload.zero_stage", ctx.calibration("default_zero_stage"))
    # Sharding every model state over the data-parallel group is what FSDP and GSPMD's fully
    # sharded data parallelism are: a definition of the framework, not a calibration.
    sharded = Found(
        defaults.zero_stage,
        f"default for {framework}",
        defaults.source,
        defaults.confidence,
        "parameters, gradients and optimizer state sharded over the data-parallel group",
    )
    return ctx.scenario_value("workload.zero_stage", sharded)


scenario_input(
    "workload.offload",
    "text",
    "Optimizer state offloaded to host memory (none, cpu)",
    value_type="text",
    sources=(ZERO_OFFLOAD,),
    default=Found("none", "default", note="no offload unless asked"),
)


scenario_input(
    "workload.gradient_bucket",
    "number",
    "Parameters whose gradients one data-parallel collective reduces (0 = the framework's default)",
    sources=(GRADIENT_BUCKETS,),
    default=Found(0, "default", note="not given: the framework's default bucket"),
)


def _framework_figure(ctx: Context, constant: str) -> Found:
    """Calibration `constant`_<framework> where the catalog has one, else `constant`."""
    keyed = f"{constant}_{_framework_of(ctx)}"
    return ctx.calibration(keyed if keyed in ctx.catalog.calibration else constant)


@input_node(
    "performance.gradient_bucket_fixed",
    "number",
    "Parameters in the framework's default gradient bucket, before its data-parallel term",
    sources=(GRADIENT_BUCKETS,),
    formula="calibration.gradient_bucket_<framework>, else gradient_bucket",
    inputs=("workload.framework",),
)
def _gradient_bucket_fixed(ctx: Context) -> Found:
    return _framework_figure(ctx, "gradient_bucket")


@input_node(
    "performance.gradient_bucket_per_replica",
    "number",
    "Parameters the framework's default gradient bucket grows by per data-parallel rank",
    sources=(GRADIENT_BUCKETS,),
    formula="calibration.gradient_bucket_per_replica_<framework>, else gradient_bucket_per_replica",
    inputs=("workload.framework",),
)
def _gradient_bucket_per_replica(ctx: Context) -> Found:
    return _framework_figure(ctx, "gradient_bucket_per_replica")


def _parallelism_found(ctx: Context, value: object, note: str | None = None) -> Found:
    """A `parallelism` entry, attributed to the scenario line that set it."""
    return Found(value, ctx.where("workload.parallelism"), note=note)


def _chosen(ctx: Context, part: str) -> Found | None:
    """A part of the layout chosen for a scenario that writes none (scendsl.model.layout): its
    `tensor` or `pipeline` degree, or the `recompute` it needs; None when none is chosen."""
    layout = ctx.chosen_layout()
    if layout is None or getattr(layout, part) is None:
        return None
    return Found(getattr(layout, part), "auto layout", LAYOUT_SOURCE, "C", layout.note)


def _degrees(ctx: Context) -> tuple[int, int]:
    """The tensor and pipeline degrees the run uses: chosen, else as written (the defaults that
    follow from them, interleaving and sequence parallelism, must see the chosen ones)."""
    layout = ctx.chosen_layout()
    if layout is not None:
        return layout.tensor, layout.pipeline
    written = ctx.scenario.workload.parallelism
    return written.tensor, written.pipeline


@input_node(
    "workload.tensor_parallel",
    "number",
    "Tensor-parallel degree t",
    formula="as written, else (no parallelism written, or the expert degree alone) the least "
    "sharding that fits in HBM",
)
def _tensor(ctx: Context) -> Found:
    chosen = _chosen(ctx, "tensor")
    if chosen is not None:
        return chosen
    return _parallelism_found(ctx, ctx.scenario.workload.parallelism.tensor)


@input_node(
    "workload.pipeline_parallel",
    "number",
    "Pipeline-parallel degree p",
    formula="as written, else (no parallelism written, or the expert degree alone) the least "
    "sharding that fits in HBM",
)
def _pipeline(ctx: Context) -> Found:
    chosen = _chosen(ctx, "pipeline")
    if chosen is not None:
        return chosen
    return _parallelism_found(ctx, ctx.scenario.workload.parallelism.pipeline)


@input_node(
    "workload.data_parallel_setting",
    "number",
    "Data-parallel degree as written (0 = auto: accelerators / (t·p·c))",
)
def _data(ctx: Context) -> Found:
    data = ctx.scenario.workload.parallelism.data
    if data is None:
        return _parallelism_found(ctx, 0, "auto: every accelerator left over by t·p·c")
    return _parallelism_found(ctx, data)


@input_node(
    "workload.context_parallel",
    "number",
    "Context-parallel degree c (ranks each sequence is split over)",
    sources=(CONTEXT_PARALLEL, RING_ATTENTION),
)
def _context(ctx: Context) -> Found:
    context = ctx.scenario.workload.parallelism.context
    if context is None or context == 1:
        return Found(1, "default", note="no context parallelism: each sequence on one rank")
    return _parallelism_found(ctx, context)


scenario_input(
    "workload.attention_window_setting",
    "number",
    "Tokens each query attends in a sliding-window attention layer, as written (0 = full "
    "attention)",
    sources=(SLIDING_WINDOW,),
    field="workload.attention_window",
    default=Found(0, "default", note="not given: every layer attends the whole sequence"),
)


scenario_input(
    "workload.attention_window_share",
    "fraction",
    "Share of the layers whose attention is the sliding window",
    sources=(SLIDING_WINDOW,),
    default=Found(1.0, "default", note="a window, if any, in every layer"),
)


scenario_input(
    "workload.kv_heads_setting",
    "number",
    "Key/value heads as written (0 = one per attention head)",
    sources=(CONTEXT_PARALLEL,),
    field="workload.kv_heads",
    default=Found(0, "default", note="not given: one per attention head"),
)


@input_node(
    "workload.interleave",
    "number",
    "Model chunks per pipeline stage v (interleaved schedule; 1 = plain 1F1B)",
    inputs=(
        "workload.tensor_parallel",
        "workload.framework",
        "workload.layers",
        "workload.pipeline_parallel",
    ),
)
def _interleave(ctx: Context) -> Found:
    given = ctx.scenario.workload.parallelism.interleave
    framework = _framework_of(ctx)
    defaults = ctx.catalog.frameworks[framework]
    if not defaults.interleaved_schedule:
        # The framework's pipeline engine has no interleaved schedule: a written v cannot apply.
        ignored = (
            f" (the {given} written does not apply)" if given is not None and given > 1 else ""
        )
        return Found(
            1,
            f"default for {framework}",
            defaults.source,
            defaults.confidence,
            f"no interleaving{ignored}: {defaults.interleaved_schedule_note}",
        )
    if given is not None:
        return _parallelism_found(ctx, given)
    pipeline = _degrees(ctx)[1]
    if pipeline <= 1:
        return Found(1, "default", note="no interleaving: no pipeline")
    chunk = ctx.calibration("default_layers_per_chunk")
    layers = ctx.field("workload.layers")
    if layers is None:
        layers = _derived_width(ctx)[0] / ctx.calibration("default_width_per_layer").value
    chunks = max(1, int(float(layers) // (pipeline * chunk.value)))
    return Found(
        chunks,
        "default: catalog calibration.default_layers_per_chunk",
        chunk.source,
        chunk.confidence,
        f"Megatron-LM recipes cut each of the {pipeline} stages into "
        f"chunks of ~{chunk.value:g} layers: v = ⌊L / (p·{chunk.value:g})⌋ = {chunks}",
    )


@input_node(
    "workload.microbatches_setting",
    "number",
    "Micro-batches per step as written (0 = derived from the global batch)",
)
def _microbatches(ctx: Context) -> Found:
    given = ctx.scenario.workload.parallelism.microbatches
    if given is None:
        return _parallelism_found(ctx, 0, "not given: derived")
    return _parallelism_found(ctx, given)


scenario_input(
    "workload.global_batch_setting",
    "number",
    "Sequences per optimizer step as written (0 = derived from the micro-batches)",
    field="workload.global_batch",
    default=Found(0, "default", note="not given: derived"),
)


scenario_input(
    "workload.micro_batch",
    "number",
    "Sequences per micro-batch b",
    calibration="default_micro_batch",
)


scenario_input(
    "workload.sequence_length",
    "number",
    "Tokens per sequence s",
    calibration="default_sequence_length",
)


def _newton_width(parameters, aspect, vocabulary, cubic, quadratic, steps):
    """The h with (cubic·h³ + quadratic·h²)/(h/L) + V·h = N, by Newton from (h/L·N/cubic)^(1/3),
    which lies above the root, so the steps converge."""
    width = float(scalar.cbrt(aspect * parameters / cubic))
    for _ in range(steps):
        width -= (
            (cubic * width**3 + quadratic * width**2) / aspect + vocabulary * width - parameters
        ) / ((3.0 * cubic * width**2 + 2.0 * quadratic * width) / aspect + vocabulary)
    return width


def _derived_width_with_ffn(ctx: Context, ffn: int) -> tuple[float, str]:
    """Width h of a model of N (active) parameters whose MLP width f is given:
    N = L·(4h² + k·h·f) + V·h with k = 2 or 3 matrices and L = h / (h/L)."""
    parameters = _active_parameters(ctx).value
    aspect = ctx.calibration("default_width_per_layer").value
    vocabulary = ctx.field("workload.vocabulary") or 0
    k = float(mlp_matrices(ctx.field("workload.mlp") == "gated"))
    width = _newton_width(parameters, aspect, vocabulary, 4.0, k * ffn, 60)
    if not vocabulary:
        return width, f"L·(4h² + {k:g}·h·f) = N, f = {ffn:,}, h/L = {aspect:g}"
    how = f"L·(4h² + {k:g}·h·f) + V·h = N, f = {ffn:,}, h/L = {aspect:g}, V = {vocabulary:,}"
    return width, how


def _shape_law(ctx: Context) -> str:
    """Which parameter count the derived width follows, for the note."""
    if ctx.field("workload.ffn_hidden_size") is None:
        return "N ≈ 12·L·h², Kaplan et al. 2020"
    return "attention 4h² and the MLP's k·h·f per layer"


def _derived_width(ctx: Context) -> tuple[float, str]:
    """Width h of a model of N (active) parameters with N ≈ 12·L·h² (+ V·h of embeddings when
    the scenario gives the vocabulary) and h/L = calibrated aspect; with the MLP width f
    given, N = L·(4h² + k·h·f) + V·h instead."""
    # A mixture of experts' layers are as wide as its active parameters say (DeepSeek-V3:
    # 12 · 61 · 7,168² = 37.6B for 37B active of 671B): the inactive experts add no width.
    ffn = ctx.field("workload.ffn_hidden_size")
    if ffn is not None:
        return _derived_width_with_ffn(ctx, ffn)
    parameters = _active_parameters(ctx).value
    aspect = ctx.calibration("default_width_per_layer").value
    vocabulary = ctx.field("workload.vocabulary")
    if vocabulary is None:
        width = float(scalar.cbrt(aspect * parameters / 12.0))
        return width, f"h = (h/L · N / 12)^(1/3), h/L = {aspect:g}"
    width = _newton_width(parameters, aspect, vocabulary, 12.0, 0.0, 30)
    return width, f"12·h³/(h/L) + V·h = N, h/L = {aspect:g}, V = {vocabulary:,}"


@input_node(
    "workload.hidden_size",
    "number",
    "Model width h",
    formula="given, else (h/L · N / 12)^(1/3) from N ≈ 12·L·h²",
    inputs=(
        "workload.active_parameters",
        "workload.ffn_hidden_size_setting",
        "workload.vocabulary",
    ),
)
def _hidden_size(ctx: Context) -> Found:
    if ctx.field("workload.hidden_size") is not None:
        return ctx.scenario_value("workload.hidden_size")
    width, how = _derived_width(ctx)
    aspect = ctx.calibration("default_width_per_layer")
    return Found(
        width,
        "derived from workload.parameters",
        aspect.source,
        "C",
        f"not given: {how} ({_shape_law(ctx)})",
    )


@input_node(
    "workload.layers",
    "number",
    "Transformer layers L",
    formula="given, else h / (h/L) from the derived width",
    inputs=(
        "workload.active_parameters",
        "workload.ffn_hidden_size_setting",
        "workload.vocabulary",
    ),
)
def _layers(ctx: Context) -> Found:
    if ctx.field("workload.layers") is not None:
        return ctx.scenario_value("workload.layers")
    width, how = _derived_width(ctx)
    aspect = ctx.calibration("default_width_per_layer")
    return Found(
        width / aspect.value,
        "derived from workload.parameters",
        aspect.source,
        "C",
        f"not given: L = h / (h/L), {how}",
    )


# issue 12: performance
scenario_input(
    "workload.attention_heads_setting",
    "number",
    "Attention heads as written (0 = derived from the width)",
    sources=(KORTHIKANTI,),
    field="workload.attention_heads",
    default=Found(0, "default", note="not given: h / head width"),
)


scenario_input(
    "workload.head_dim_setting",
    "number",
    "Width of one attention head as written (0 = not given: the heads span the hidden width)",
    sources=(NARAYANAN_FLOPS,),
    field="workload.head_dim",
    default=Found(0, "default", note="not given: a·d = h"),
)


scenario_input(
    "workload.ffn_hidden_size_setting",
    "number",
    "MLP width f as written (0 = not given: 4h, or 8h/3 to a multiple of 64 when gated)",
    sources=(GATED_MLP,),
    field="workload.ffn_hidden_size",
    default=Found(0, "default", note="not given: the MLP kind's default"),
)


scenario_input(
    "workload.mlp",
    "text",
    "MLP kind (plain: two matrices h×f, f×h; gated: SwiGLU/GeGLU, three)",
    value_type="text",
    sources=(GATED_MLP,),
    default=Found("plain", "default", note="not given: a plain MLP (GPT-3, Megatron-LM's default)"),
)


scenario_input(
    "workload.vocabulary",
    "number",
    "Vocabulary size V",
    sources=(NARAYANAN_FLOPS,),
    calibration="default_vocabulary",
)


@input_node(
    "workload.sequence_parallel",
    "text",
    "Megatron sequence parallelism (on, off): splits the non-tensor-parallel activations",
    value_type="text",
    sources=(KORTHIKANTI,),
    inputs=("workload.tensor_parallel", "workload.framework", "workload.pipeline_parallel"),
)
def _sequence_parallel(ctx: Context) -> Found:
    framework = _framework_of(ctx)
    tensor = _degrees(ctx)[0]
    defaults = ctx.catalog.frameworks[framework]
    default = "on" if defaults.sequence_parallel and tensor > 1 else "off"
    why = defaults.sequence_parallel_note if default == "on" else defaults.no_sequence_parallel_note
    found = Found(default, f"default for {framework}", defaults.source, note=why)
    return ctx.scenario_value("workload.sequence_parallel", found)


scenario_input(
    "workload.flash_attention",
    "text",
    "Fused (flash) attention: on keeps the score matrix out of HBM",
    value_type="text",
    sources=(FLASH,),
    default=Found(
        "on",
        "default",
        note="every current framework fuses attention (FlashAttention, 2022); "
        "runs before 2022 had none: write `flash_attention off`",
    ),
)


scenario_input(
    "workload.tp_comm_overlap",
    "text",
    "Tensor-parallel communication overlap (on, off): the sequence-parallel all-gathers and "
    "reduce-scatters run in chunks under the GEMMs they feed (Transformer Engine userbuffers)",
    value_type="text",
    sources=(TP_OVERLAP,),
    default=Found(
        "off",
        "default",
        note="Megatron-Core's tp_comm_overlap (Megatron-LM's --tp-comm-overlap) is off unless "
        "set, and other frameworks have no such overlap; NVIDIA's MLPerf configs "
        "(TP_COMM_OVERLAP=True) and Megatron-Bridge's 70B and 405B Llama recipes turn it on "
        "(its performance configs off again for NVFP4): write `tp_comm_overlap on` where a "
        "run's config says so",
    ),
)


@input_node(
    "workload.framework_tp_overlap",
    "bool",
    "Whether the training framework has the tensor-parallel communication overlap that "
    "workload.tp_comm_overlap turns on",
    value_type="bool",
    sources=(TP_OVERLAP,),
    formula="catalog frameworks.<workload.framework>.tp_comm_overlap",
    inputs=("workload.framework",),
)
def _framework_tp_overlap(ctx: Context) -> Found:
    framework = _framework_of(ctx)
    defaults = ctx.catalog.frameworks[framework]
    return Found(
        defaults.tp_comm_overlap,
        f"catalog frameworks.{framework}.tp_comm_overlap",
        defaults.source,
        defaults.confidence,
        defaults.tp_comm_overlap_note,
    )


calibration_input(
    "performance.tp_overlap_sm_share",
    "tp_overlap_sm_share",
    "fraction",
    "Share of the compute units a tensor-parallel exchange overlapped with a GEMM holds while "
    "it runs (Transformer Engine userbuffers' num_sm)",
    (TP_OVERLAP,),
)


scenario_input(
    "workload.activation_precision",
    "text",
    "Element type of the stored and moved activations (bf16 or fp32)",
    value_type="text",
    sources=(ACTIVATION_PRECISION,),
    default=Found(
        "bf16",
        "default",
        note="mixed-precision training keeps 16-bit activations; a float32 run (EasyLM's "
        "dtype fp32) writes `activation_precision fp32`",
    ),
)


scenario_input(
    "workload.attention_precision",
    "text",
    "Number format of the attention's score and weighting matmuls (bf16 or fp8)",
    value_type="text",
    sources=(ATTENTION_PRECISION, FP8_ATTENTION),
    default=Found(
        "bf16",
        "default",
        note="FP8 and FP4 recipes cover the linear layers and leave attention in 16 bits "
        "unless FP8 attention is switched on (Transformer Engine's fp8_dpa, off by default): "
        "a run that sets it writes `attention_precision fp8`",
    ),
)


scenario_input(
    "workload.weight_precision",
    "text",
    "Number format the weights are kept in between steps (bf16 or fp8)",
    value_type="text",
    sources=(FP8_WEIGHTS,),
    default=Found(
        "bf16",
        "default",
        note="FP8 and FP4 recipes keep a 16-bit copy of every weight and cast it to FP8 each "
        "step unless the weights are held in FP8 (NeMo's fp8_params, Transformer Engine's "
        "fp8_model_init): a run that sets it writes `weight_precision fp8`",
    ),
)


scenario_input(
    "workload.dropout",
    "fraction",
    "Dropout probability of the attention probabilities and hidden states (0: no masks)",
    sources=(DROPOUT,),
    calibration="default_dropout",
)


scenario_input(
    "workload.experts",
    "number",
    "Experts per mixture-of-experts layer (1 = dense)",
    sources=(GSHARD,),
    default=Found(1, "default", note="dense model"),
)


scenario_input(
    "workload.experts_per_token",
    "number",
    "Experts each token is routed to (top-k)",
    sources=(GSHARD,),
    default=Found(1, "default", note="one expert per token unless given (Switch Transformer)"),
)


scenario_input(
    "workload.expert_ffn_hidden_size_setting",
    "number",
    "Width of one routed expert's MLP as written (0 = not given: the MLP width f)",
    sources=(MOE_GEMM,),
    field="workload.expert_ffn_hidden_size",
    default=Found(
        0, "default", note="not given: each expert is as wide as the MLP (ffn_hidden_size)"
    ),
)


scenario_input(
    "workload.shared_experts",
    "number",
    "Shared experts per MoE layer, which every token passes through beside its routed ones",
    sources=(MOE_LAYOUT,),
    default=Found(0, "default", note="not given: no shared expert"),
)


scenario_input(
    "workload.attention_experts",
    "number",
    "Attention experts per layer (mixture of attention heads; 1 = dense attention)",
    sources=(MOE_LAYOUT,),
    default=Found(1, "default", note="not given: dense attention"),
)


scenario_input(
    "workload.dense_layers",
    "number",
    "Leading layers with a dense MLP instead of experts",
    sources=(MOE_LAYOUT,),
    default=Found(0, "default", note="not given: every layer has experts"),
)


scenario_input(
    "workload.moe_layer_interval",
    "number",
    "An expert layer every n layers (dense MLPs between)",
    sources=(MOE_LAYOUT,),
    default=Found(1, "default", note="not given: every layer past the dense ones has experts"),
)


scenario_input(
    "workload.expert_overlap",
    "fraction",
    "Share of the expert-parallel all-to-all hidden behind computation",
    sources=(MOE_OVERLAP, GSHARD),
    default=Found(
        0.0,
        "default",
        note="not given: the all-to-all blocks the experts' matrix maths (Megatron-Core's "
        "default); a run that overlaps it (DeepSeek-V3's DualPipe) says so",
    ),
)


@input_node(
    "workload.expert_parallel",
    "number",
    "Expert-parallel degree e",
    sources=(GSHARD, MOE_GEMM),
    formula="as written (a `parallelism` that gives it alone leaves tensor and pipeline to the "
    "model), else (no parallelism written) performance.expert_gemm_parallel: the data-parallel "
    "ranks under a framework that spreads the experts over them, else the chosen layout's "
    "model-parallel degree t·p, at most E (1 for a dense model)",
    inputs=(
        "workload.tensor_parallel",
        "cluster.count",
        "workload.experts",
        "workload.framework",
        "performance.layout_written",
        "workload.pipeline_parallel",
    ),
)
def _expert_parallel(ctx: Context) -> Found:
    # A mixture the model lays out is spread by expert parallelism as far as the layout it
    # needed shards the model, so its all-to-all is priced with its expert GEMMs.
    if writes_no_layout(ctx.scenario):
        return _expert_gemm_parallel(ctx)
    return _parallelism_found(ctx, ctx.scenario.workload.parallelism.expert)


@input_node(
    "performance.expert_gemm_parallel",
    "number",
    "Expert-parallel degree the routed experts' GEMMs gather tokens over: as written; with no "
    "parallelism written, the data-parallel ranks (at most E) under a framework that spreads "
    "the experts over them, else the model-parallel degree t·p of the layout the model chose "
    "(at most E)",
    sources=(MOE_GEMM, GSHARD),
    formula="workload.expert_parallel when the scenario writes its parallelism; else min(E, "
    "⌊count / (t·p)⌋) when the framework's experts_over_data (frameworks.toml); else min(E, t·p) "
    "of the chosen layout",
    inputs=("workload.expert_parallel",),
)
def _expert_gemm_parallel(ctx: Context) -> Found:
    """The layout the model chooses shards by tensor and pipeline parallelism only; a mixture
    that needs that sharding is run with its experts spread by expert parallelism instead (MoE
    recipes set --expert-model-parallel-size and --expert-tensor-parallel-size 1), so its expert
    GEMMs see the tokens of that many ranks, not a 1/t slice of every expert. A framework that
    spreads the experts over the data-parallel ranks (GShard's sharding under JAX) does so
    whether or not the model needed a layout."""
    experts = ctx.field("workload.experts") or 1
    if (
        not writes_no_layout(ctx.scenario)
        or writes_expert_degree_alone(ctx.scenario)
        or experts <= 1
    ):
        return _parallelism_found(ctx, ctx.scenario.workload.parallelism.expert)
    framework = _framework_of(ctx)
    defaults = ctx.catalog.frameworks[framework]
    layout = ctx.chosen_layout()
    if defaults.experts_over_data:
        tensor, pipeline = _degrees(ctx)
        count = central(ctx.field("cluster.count"), 1.0) or 1.0
        data = max(1, int(count // (tensor * pipeline)))
        return Found(
            max(1, min(int(experts), data)),
            f"default for {framework}",
            defaults.source,
            defaults.confidence,
            f"no parallelism written: the {int(experts)} experts spread over the {data:,} "
            f"data-parallel ranks, at most one rank an expert: {defaults.experts_over_data_note}",
        )
    if layout is None:
        return _parallelism_found(ctx, ctx.scenario.workload.parallelism.expert)
    degree = max(1, min(int(experts), layout.tensor * layout.pipeline))
    return Found(
        degree,
        "auto layout",
        MOE_GEMM,
        "C",
        f"no parallelism written: the chosen layout's model-parallel degree "
        f"{layout.tensor} × {layout.pipeline}, at most the {int(experts)} experts, taken as "
        "expert parallelism with expert tensor parallelism 1, as MoE recipes shard experts",
    )


@input_node(
    "performance.expert_gemm_tensor",
    "number",
    "Tensor-parallel split of each routed expert's GEMMs: t as written; 1 on a layout the model "
    "chose (expert tensor parallelism 1), t when the scenario wrote the expert degree alone",
    sources=(MOE_GEMM,),
    formula="workload.tensor_parallel when the scenario writes its parallelism or its expert "
    "degree alone, else 1",
    inputs=("workload.tensor_parallel", "workload.experts", "performance.layout_written"),
)
def _expert_gemm_tensor(ctx: Context) -> Found:
    # A written expert degree keeps Megatron-Core's default expert tensor parallelism: the
    # tensor degree, chosen or written.
    layout = ctx.chosen_layout()
    experts = ctx.field("workload.experts") or 1
    if layout is None or experts <= 1 or writes_expert_degree_alone(ctx.scenario):
        return _tensor(ctx)
    return Found(
        1,
        "auto layout",
        MOE_GEMM,
        "C",
        "no parallelism written: the experts are spread by expert parallelism "
        "(performance.expert_gemm_parallel), each whole on its rank",
    )


calibration_input(
    "performance.head_dim",
    "default_head_dim",
    "number",
    "Width of one attention head (heads a = h / head width)",
)
calibration_input(
    "performance.width_per_layer",
    "default_width_per_layer",
    "number",
    "Model width per layer h/L, to derive h and L from N",
)
calibration_input(
    "performance.matmul_efficiency_large",
    "matmul_efficiency_large",
    "fraction",
    "Share of the dense BF16 peak that wide GEMMs reach (plateau)",
    (GEMM,),
)
calibration_input(
    "performance.matmul_half_width",
    "matmul_half_width",
    "number",
    "Per-accelerator GEMM width at which the GEMM efficiency is half its plateau",
    (GEMM,),
)
calibration_input(
    "performance.precision_speedup_fp8",
    "precision_speedup_fp8",
    "number",
    "End-to-end speed-up of FP8 matrix maths over BF16",
    (TE_SPEEDUP,),
    per_chip=True,
)
calibration_input(
    "performance.precision_speedup_fp4",
    "precision_speedup_fp4",
    "number",
    "End-to-end speed-up of FP4 matrix maths over BF16",
    (TE_SPEEDUP,),
    per_chip=True,
)
calibration_input(
    "performance.parameter_tensors_per_layer",
    "parameter_tensors_per_layer",
    "number",
    "Parameter tensors of one transformer layer: the most gradient buckets a layer can split into",
    (GRADIENT_BUCKETS,),
)
calibration_input(
    "performance.overlap_efficiency",
    "overlap_efficiency",
    "fraction",
    "Share of the time an ideal overlap of a collective with computation would hide that "
    "running them concurrently saves",
    (OVERLAP_INTERFERENCE,),
)
calibration_input(
    "performance.collective_base_latency",
    "collective_base_latency",
    "time",
    "Fixed launch latency of one collective or point-to-point send (NCCL's α)",
    (COLLECTIVE_LATENCY,),
)
calibration_input(
    "performance.collective_hop_latency_scaleup",
    "collective_hop_latency_scaleup",
    "time",
    "Latency per ring step of a collective on the scale-up fabric (NVLink-class)",
    (COLLECTIVE_LATENCY,),
    per_chip=True,
)
calibration_input(
    "performance.collective_hop_latency_scaleout",
    "collective_hop_latency_scaleout",
    "time",
    "Latency per ring step of a collective that crosses the scale-out network",
    (COLLECTIVE_LATENCY,),
)
calibration_input(
    "performance.collective_tree_base_latency",
    "collective_tree_base_latency",
    "time",
    "Fixed launch latency of one tree all-reduce (NCCL's α for its Tree algorithm)",
    (NCCL_TUNER,),
)
calibration_input(
    "performance.collective_tree_hop_latency_scaleup",
    "collective_tree_hop_latency_scaleup",
    "time",
    "Latency per step of a tree all-reduce's chain inside a scale-up domain",
    (NCCL_TUNER,),
)
calibration_input(
    "performance.collective_tree_hop_latency_scaleout",
    "collective_tree_hop_latency_scaleout",
    "time",
    "Latency per level of a tree all-reduce across the scale-out network",
    (NCCL_TUNER,),
)
calibration_input(
    "performance.collective_tree_bandwidth_efficiency",
    "collective_tree_bandwidth_efficiency",
    "fraction",
    "Share of the link's bandwidth a tree all-reduce moves its bytes at (NCCL's model)",
    (NCCL_TUNER,),
)
calibration_input(
    "performance.straggler_variability",
    "straggler_variability",
    "fraction",
    "Coefficient of variation of one accelerator's time per step",
    (STRAGGLER,),
)


@input_node(
    "performance.framework_efficiency",
    "fraction",
    "Share of the modelled matrix rate the training framework's kernels reach",
    sources=(FRAMEWORK_EFFICIENCY,),
    formula="calibration.framework_efficiency_<framework>_<accelerator>, else "
    "framework_efficiency_<framework>",
    inputs=("workload.framework",),
)
def _framework_efficiency(ctx: Context) -> Found:
    # Published runs on the same GEMM widths differ by framework (fusion, pipeline engine,
    # per-layer synchronisation): one calibrated share per framework, Megatron-LM the reference.
    # A framework's port to another vendor's chip (Habana's Megatron-DeepSpeed on Gaudi) is
    # other code: its own share where the catalog has one (framework_efficiency_<name>_<chip>).
    framework = _framework_of(ctx)
    return ctx.chip_calibration(f"framework_efficiency_{framework}")


@input_node(
    "performance.platform_matmul_factor",
    "fraction",
    "Factor on the GEMM plateau the accelerator platform's matrix units reach (1 on GPUs)",
    formula="calibration.platform_matmul_factor_<accelerator>, else "
    "platform_matmul_factor_<platform>, else platform_matmul_factor",
    sources=(PLATFORM_MATMUL,),
    inputs=("cluster.accelerator",),
)
def _platform_matmul_factor(ctx: Context) -> Found:
    # How near its peak a chip's matrix units run is the chip's, not the framework's: the GEMM
    # plateau was measured on GPUs, a TPU's systolic arrays reach more, and a generation with
    # its own calibration run (v6e's wider arrays feed less well) has its own figure. A custom
    # block has its catalog base's; a new chip is taken for a GPU.
    return ctx.chip_calibration("platform_matmul_factor")


@input_node(
    "performance.attention_rate",
    "fraction",
    "Rate of the fused attention kernels (the scores and their weighting) as a share of the "
    "linear layers' rate on the scenario's accelerator with its framework's kernels (both "
    "paths: the MFU path's attention factor and the bottom-up matrix rate)",
    formula="calibration.attention_rate_factor_<framework>_<accelerator> for the framework the "
    "scenario names, else attention_rate_factor_<accelerator>, else _<platform>, else "
    "attention_rate_factor (fitted on the H100)",
    sources=(ATTENTION_RATE,),
    inputs=("workload.framework",),
)
def _attention_rate(ctx: Context) -> Found:
    # FlashAttention-2's rate was fitted per chip; a framework whose attention kernel runs
    # faster on a chip (Megatron-Core's cuDNN fused attention on Hopper) has its own figure
    # there. The kernel is known only where the scenario names its framework: one that names
    # none runs attention as the default MFU's run and the fitted runs did. Any other chip is
    # taken to run attention as the default MFU's chip does; a custom block has its catalog
    # base's. The bottom-up step reads it whatever the MFU.
    return ctx.chip_calibration("attention_rate_factor", ctx.field("workload.framework"))


#: The framework whose attention-rate figures describe the reference workload's attention:
#: Transformer Engine's FP8 dot-product attention (cuDNN fused kernels), Megatron-Core's.
REFERENCE_ATTENTION_FRAMEWORK = "megatron"


@input_node(
    "performance.reference_attention_rate",
    "fraction",
    "Rate of the reference workload's attention (Transformer Engine's FP8 dot-product "
    "attention, cuDNN fused kernels) as a share of its linear layers' rate on this accelerator",
    formula="calibration.attention_rate_factor_megatron_<accelerator>, else the chip's "
    "attention_rate_factor (performance.attention_rate's look-up for Megatron-Core)",
    sources=(ATTENTION_RATE,),
    inputs=("cluster.accelerator",),
)
def _reference_attention_rate(ctx: Context) -> Found:
    # The reference workload (calibration reference_*) names no framework; its FP8 attention
    # is Transformer Engine's, the kernels the Megatron-Core figures measure.
    return ctx.chip_calibration("attention_rate_factor", REFERENCE_ATTENTION_FRAMEWORK)


@input_node(
    "performance.paths_disagree_factor",
    "number",
    "Factor between the MFU and bottom-up step times above which they disagree",
    formula="calibration.default_mfu_high / calibration.default_mfu_low",
)
def _paths_disagree_factor(ctx: Context) -> Found:
    # Step times in the ratio of the published MFU spread's ends are both plausible: only a
    # larger gap says one path misses a mechanism. One spread, so one source of truth.
    high, low = ctx.calibration("default_mfu_high"), ctx.calibration("default_mfu_low")
    return Found(
        high.value / low.value,
        "derived: catalog calibration.default_mfu_high / calibration.default_mfu_low",
        f"{high.source}; {low.source}",
        "C",
        f"the ratio of the ends of the published spread of achieved MFU ({high.value:.1%} / "
        f"{low.value:.1%}): step times further apart than that disagree",
    )


calibration_input(
    "performance.context_parallel_kv_bytes",
    "context_parallel_kv_bytes",
    "number",
    "Bytes per element of the keys and values sent around the context-parallel ring",
    (CONTEXT_PARALLEL,),
)
calibration_input(
    "performance.context_parallel_kv_passes",
    "context_parallel_kv_passes",
    "number",
    "Times a layer's K/V go around the context-parallel ring per micro-batch",
    (CONTEXT_PARALLEL,),
)
calibration_input(
    "performance.hbm_efficiency",
    "hbm_efficiency",
    "fraction",
    "Share of HBM bandwidth that memory-bound kernels reach",
    (LLM_ANALYSIS,),
)
calibration_input(
    "performance.low_precision_gemm_operand_bytes",
    "low_precision_gemm_operand_bytes",
    "number",
    "Bytes per element of an FP8/FP4 GEMM's operands (its output stays BF16)",
    (MOE_GEMM,),
)
calibration_input(
    "performance.default_mfu_gemm_intensity",
    "default_mfu_gemm_intensity",
    "number",
    "FLOP per byte of the reference wide GEMM (the MLP GEMM of Llama 3 405B's run) the routed "
    "experts' GEMM rate is read against, on both step-time paths",
    (MOE_GEMM,),
)
calibration_input(
    "performance.expert_kernel_time",
    "expert_kernel_time",
    "time",
    "Time the small kernels of one local expert take per MoE layer and micro-batch, forward "
    "and backward, beyond their FLOPs and bytes (issued after the dispatcher's host sync)",
    (MOE_KERNELS,),
)
calibration_input(
    "performance.expert_permutation_passes",
    "expert_permutation_passes",
    "number",
    "Passes over every routed copy of a token's hidden state per MoE layer and micro-batch "
    "(permute and unpermute, each read and written, forward and backward)",
    (MOE_PERMUTATION,),
)
calibration_input(
    "performance.microbatches_per_stage",
    "default_microbatches_per_stage",
    "number",
    "Micro-batches per pipeline stage when the batch is not given",
    (NARAYANAN,),
)
calibration_input(
    "performance.offload_traffic_per_parameter",
    "offload_traffic_per_parameter",
    "number",
    "Host-link bytes per offloaded parameter per step (ZeRO-Offload)",
    (ZERO_OFFLOAD,),
)
calibration_input(
    "performance.adam_traffic_per_parameter",
    "adam_update_traffic_per_parameter",
    "number",
    "HBM bytes read and written per parameter by the Adam update",
    (ZERO,),
)
calibration_input(
    "performance.tokens_per_parameter_optimal",
    "chinchilla_tokens_per_parameter",
    "number",
    "Compute-optimal training tokens per parameter",
    (HOFFMANN,),
)
calibration_input(
    "performance.reference_parameters",
    "reference_parameters",
    "number",
    "Reference workload: model parameters",
)
calibration_input(
    "performance.reference_sequence_length",
    "reference_sequence_length",
    "number",
    "Reference workload: tokens per sequence",
)
calibration_input(
    "performance.reference_micro_batch",
    "reference_micro_batch",
    "number",
    "Reference workload: sequences per micro-batch",
)
calibration_input(
    "performance.reference_microbatches",
    "reference_microbatches",
    "number",
    "Reference workload: micro-batches (gradient accumulation) per step",
)
calibration_input(
    "performance.reference_accelerators",
    "reference_accelerators",
    "number",
    "Reference workload: data-parallel accelerators",
)
calibration_input(
    "performance.reference_host_traffic_per_parameter",
    "reference_host_traffic_per_parameter",
    "number",
    "Reference workload: host-link bytes per parameter per step",
)


@input_node(
    "accelerator.fp4_speedup",
    "number",
    "FP4 rate over FP8 rate (1 where the chip has no FP4 units)",
    inputs=("cluster.accelerator",),
)
def _fp4_speedup(ctx: Context) -> Found:
    fp8 = ctx.accelerator_figure("fp8_dense")  # n/a without FP8: only FP4 scenarios need it
    try:
        fp4 = ctx.accelerator_figure("fp4_dense")
    except LookupError:
        return Found(1.0, fp8.origin, note="no FP4 figure: FP4 work runs at the FP8 rate")
    return Found(
        fp4.value / fp8.value, fp4.origin, fp4.source, fp4.confidence, "fp4_dense / fp8_dense"
    )


@input_node(
    "performance.scaleout_bandwidth",
    "bandwidth",
    "Scale-out bandwidth per accelerator (bidirectional) used beyond the scale-up domain",
    inputs=("cluster.accelerator",),
)
def _scaleout(ctx: Context) -> Found:
    try:
        return ctx.accelerator_figure("scaleout_bandwidth")
    except LookupError:
        hit = ctx.accelerator_figure("scaleup_bandwidth")
        return Found(
            hit.value,
            hit.origin,
            hit.source,
            hit.confidence,
            "no scale-out figure: the scale-up fabric (e.g. TPU ICI) is used throughout",
        )


scenario_input(
    "workload.recompute_num_layers",
    "number",
    "Transformer layers per pipeline stage that recompute as workload.recompute says (Megatron-LM "
    "--recompute-num-layers, block method), the others keeping every activation",
    sources=(KORTHIKANTI, MEGATRON_RECOMPUTE),
    default=Found(0, "default", note="not given: every layer of a stage recomputes"),
)


@metric(
    "performance.recomputed_layer_share",
    "fraction",
    "Share of a pipeline stage's layers that recompute as workload.recompute says; the others "
    "run as without recomputation",
    "min(recompute_num_layers, L/p) / (L/p) when workload.recompute_num_layers is given, else 1",
    ("workload.recompute_num_layers", "workload.layers", "workload.pipeline_parallel"),
    sources=(MEGATRON_RECOMPUTE,),
)
def recomputed_layer_share(written, layers, pipeline):
    """Megatron-LM's block method recomputes the first n layers of each stage in full and keeps
    every activation of the others: partial recomputation trades memory for FLOPs layer by
    layer (AMD's and MangoBoost's MLPerf Llama 2 70B LoRA configs: ACG=full ACM=block ACL=21)."""
    stage = layers / pipeline
    return scalar.where(written > 0, scalar.minimum(written, stage) / stage, 1.0)
