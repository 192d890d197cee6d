"""HBM per accelerator: model state under ZeRO and offload, activations under recomputation and
the pipeline schedule, and whether the job fits (Rajbhandari et al. 2020; Korthikanti et al. 2022).
"""

from __future__ import annotations

from scendsl.model import scalar
from scendsl.model.context import Found
from scendsl.model.domains.training_formulas import (
    ACTIVATION_OFFLOAD,
    ACTIVATION_PRECISION,
    CONTEXT_PARALLEL,
    DROPOUT,
    FLASH,
    FP8_PARAMETER_BYTES,
    FP8_WEIGHTS,
    GQA,
    GSHARD,
    HYBRID_SHARD,
    KORTHIKANTI,
    LORA,
    MLP_ACTIVATIONS,
    MOE_OPTIMIZER,
    NARAYANAN,
    PARAMETER_BYTES,
    ZERO,
    ZERO_OFFLOAD,
    activation_bytes_per_layer,
    effective_interleave,
    lora_dropped_terms,
    model_state_bytes,
)
from scendsl.model.registry import calibration_input, metric, scenario_input

#: Where an FP8 linear layer's saved input comes from (calibration.low_precision_saved_input_bytes).
TE_SAVED_INPUT = (
    "NVIDIA Transformer Engine source, PyTorch modules Linear, LayerNormLinear, LayerNormMLP: "
    "under FP8 a linear layer keeps its FP8 input copy for the backward pass, not the 16-bit input"
)


calibration_input(
    "performance.low_precision_saved_input_bytes",
    "low_precision_saved_input_bytes",
    "number",
    "Bytes per element of a linear layer's input kept for the backward pass under FP8 or FP4",
    (TE_SAVED_INPUT, KORTHIKANTI),
)

#: Why a frozen linear layer keeps no input (performance.lora_adapted_mlp_share).
FROZEN_INPUT = (
    "NVIDIA Transformer Engine source, "
    "https://github.com/NVIDIA/TransformerEngine/blob/main/transformer_engine/pytorch/module/linear.py, "
    "_Linear.forward: the input is saved for the backward pass only if weight.requires_grad "
    "(a frozen weight needs no weight gradient, and the input's gradient dY·Wᵀ takes the "
    "weight alone); Zhang et al. 2023, LoRA-FA (arXiv:2308.03303) §2: what LoRA keeps is the "
    "full-rank input of each adapted layer"
)

calibration_input(
    "performance.lora_adapted_mlp_share",
    "lora_adapted_mlp_share",
    "fraction",
    "Share of the MLP's weight products a LoRA run's adapters sit on: the share of the MLP's "
    "linear-layer inputs a frozen layer still keeps",
    (LORA, FROZEN_INPUT),
)


# ============================================================================== memory
#: What splits a model's parameters over the ranks: its size, which of them are experts (the
#: active share, E and k), and the expert, tensor and pipeline degrees.
_PARAMETER_SPLIT = (
    "workload.parameters",
    "workload.active_parameters",
    "workload.experts",
    "workload.experts_per_token",
    "workload.expert_parallel",
    "workload.tensor_parallel",
    "workload.pipeline_parallel",
)


@metric(
    "performance.parameters_per_accelerator",
    "number",
    "Parameters held per accelerator (all experts counted, split over t, p and e)",
    "(N_shared + N_expert / e) / (t·p), N_expert = (N − N_active) / (1 − k/E)",
    _PARAMETER_SPLIT,
    sources=(GSHARD, NARAYANAN),
)
def parameters_per_accelerator(parameters, active, experts, top_k, expert, tensor, pipeline):
    """Total parameters drive memory: the experts' weights are spread over the e ranks."""
    shared, expert_total = _shared_and_expert_parameters(parameters, active, experts, top_k)
    return (shared + expert_total / scalar.maximum(expert, 1)) / (tensor * pipeline)


@metric(
    "performance.expert_parameters_per_accelerator",
    "number",
    "Routed-expert parameters held per accelerator (0 for a dense model), part of "
    "performance.parameters_per_accelerator",
    "N_expert / (e·t·p), N_expert = (N − N_active) / (1 − k/E)",
    _PARAMETER_SPLIT,
    sources=(GSHARD, MOE_OPTIMIZER),
)
def expert_parameters_per_accelerator(parameters, active, experts, top_k, expert, tensor, pipeline):
    """The experts' share of a rank's weights: their gradients are reduced over another group
    than the shared weights' (performance.expert_gradient_replicas)."""
    _, expert_total = _shared_and_expert_parameters(parameters, active, experts, top_k)
    return expert_total / scalar.maximum(expert, 1) / (tensor * pipeline)


def _shared_and_expert_parameters(parameters, active, experts, top_k):
    """(N_shared, N_expert): a token runs k of the E experts, so the inactive parameters are
    the (1 − k/E) share of the experts' N_expert; a dense model is all shared."""
    inactive_share = scalar.where(experts > 1, 1.0 - scalar.minimum(top_k, experts) / experts, 1.0)
    expert_total = scalar.minimum(
        (parameters - active) / scalar.maximum(inactive_share, 1e-9), parameters
    )
    return parameters - expert_total, expert_total


scenario_input(
    "workload.shard_group",
    "number",
    "Data-parallel replicas one ZeRO shard group spans (0 = all of them)",
    sources=(HYBRID_SHARD,),
    default=Found(0, "default", note="not given: the model state is sharded over every replica"),
)


@metric(
    "performance.shard_replicas",
    "number",
    "Replicas over which ZeRO shards the model state (N_d)",
    "min(shard_group, d·c) if shard_group > 0, else d·c: a hybrid layout shards within a group "
    "(a TPU slice, a node) and replicates across groups",
    ("workload.shard_group", "performance.gradient_replicas"),
    sources=(HYBRID_SHARD, ZERO),
)
def shard_replicas(group, replicas):
    """Each shard group holds one whole copy of the model state, so a chip keeps 1/group of it
    however many groups the job has."""
    return scalar.where(group > 0, scalar.minimum(group, replicas), replicas)


@metric(
    "performance.sharded_parameters",
    "number",
    "Parameters whose ZeRO-sharded state (optimizer; from stage 2 the gradients, from stage 3 "
    "the weights) one accelerator keeps: its 1/N_d share of the t·p slice, the experts' too, as "
    "each expert is held by e times fewer ranks than the shared weights",
    "(N_shared / N_d + N_expert / max(N_d, e)) / (t·p), N_expert = (N − N_active) / (1 − k/E), "
    "N_d = performance.shard_replicas",
    (*_PARAMETER_SPLIT, "performance.shard_replicas"),
    sources=(ZERO, GSHARD, MOE_OPTIMIZER),
)
def sharded_parameters(parameters, active, experts, top_k, expert, tensor, pipeline, replicas):
    """The expert-parallel ranks are drawn from the data-parallel ones, so each expert's weights
    are replicated over N_d / e ranks only, and its optimizer state is sharded over those: a
    rank keeps (N_expert / e) / (N_d / e) of it, as much as if the experts were not spread. At
    most one rank an expert when e exceeds the shard group."""
    shared, expert_total = _shared_and_expert_parameters(parameters, active, experts, top_k)
    data = scalar.maximum(replicas, 1)
    spread = scalar.maximum(data, scalar.maximum(expert, 1))
    return (shared / data + expert_total / spread) / (tensor * pipeline)


def _trainable(held, share):
    """The trainable part of what a rank holds: the adapters sit beside the weights they adapt,
    split over the same ranks."""
    return held * share


for _name, _held, _meaning in (
    (
        "performance.trainable_parameters_per_accelerator",
        "performance.parameters_per_accelerator",
        "Trainable parameters held per accelerator (all of them unless adapters train on a "
        "frozen model): what its gradients and optimizer state count",
    ),
    (
        "performance.trainable_expert_parameters_per_accelerator",
        "performance.expert_parameters_per_accelerator",
        "Trainable routed-expert parameters held per accelerator, whose gradients the expert "
        "group reduces",
    ),
    (
        "performance.trainable_sharded_parameters",
        "performance.sharded_parameters",
        "Trainable parameters whose ZeRO-sharded state one accelerator keeps",
    ),
):
    metric(
        _name,
        "number",
        _meaning,
        f"{_held} × performance.trainable_share",
        (_held, "performance.trainable_share"),
        sources=(LORA, ZERO),
    )(_trainable)


@metric(
    "performance.model_state_memory",
    "data",
    "Parameters, gradients and optimizer state held per accelerator",
    "Ψ = parameters_per_accelerator, Ψ' = performance.sharded_parameters (Ψ/N_d for a dense "
    "model, N_d = performance.shard_replicas: d·c unless a shard group is written); 16Ψ | "
    "4Ψ+12Ψ' | 2Ψ+14Ψ' | 16Ψ' by ZeRO stage; the optimizer's 12 B (12Ψ or 12Ψ') less if "
    "offloaded. With workload.adapter lora those counts apply to the adapters (Ψ and Ψ' × "
    "performance.trainable_share) and the frozen weights add 2 B each, Ψ' of them at ZeRO-3. "
    "With workload.weight_precision fp8 the weight copy is 1 B (2Ψ → Ψ; a frozen weight 1 B, "
    "the adapters' copy 2 B)",
    (
        "performance.trainable_parameters_per_accelerator",
        "performance.shard_replicas",
        "workload.zero_stage",
        "workload.offload",
        "performance.trainable_sharded_parameters",
        "workload.adapter",
        "performance.parameters_per_accelerator",
        "performance.sharded_parameters",
        "workload.weight_precision",
    ),
    sources=(ZERO, ZERO_OFFLOAD, CONTEXT_PARALLEL, HYBRID_SHARD, MOE_OPTIMIZER, LORA, FP8_WEIGHTS),
)
def model_state_memory(
    trainable, data, zero_stage, offload, sharded, adapter, held, held_shard, weight_precision
):
    """Model state per accelerator under t, p, e and the ZeRO stage (sharded over d·c ranks:
    Megatron's distributed optimizer spans the data- and context-parallel ranks; over the shard
    group only in a hybrid layout; a mixture's experts over the ranks that hold them). A frozen
    weight keeps no gradient and no optimizer state: only its 16-bit copy, or its FP8 one when
    the weights are held in FP8."""
    lora = adapter == "lora"
    weight = scalar.where(weight_precision == "fp8", FP8_PARAMETER_BYTES, PARAMETER_BYTES)
    # the adapters are modules of their own beside the FP8 ones: their copy stays 16-bit
    trained = scalar.where(lora, PARAMETER_BYTES, weight)
    state = model_state_bytes(trainable, zero_stage, data, offload == "cpu", sharded, trained)
    frozen = weight * scalar.where(zero_stage >= 3, held_shard, held)
    return state + scalar.where(lora, frozen, 0.0)


#: The inputs the first stage's activations depend on (activation_memory and its offloaded part).
_ACTIVATION_INPUTS = (
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
    "performance.attention_heads",
    "workload.sequence_parallel",
    "workload.context_parallel",
    "workload.precision",
    "performance.low_precision_saved_input_bytes",
    "workload.activation_offload_layers",
    "performance.ffn_width",
    "workload.mlp",
    "performance.kv_heads",
    "workload.flash_attention",
    "workload.dropout",
    "performance.activation_element_factor",
    "performance.recomputed_layer_share",
    "workload.adapter",
    "performance.lora_adapted_mlp_share",
)


@metric(
    "performance.activation_element_factor",
    "number",
    "Bytes of one stored or moved activation element over the 16 bits the activation counts assume",
    "2 with workload.activation_precision fp32 (4 B against 2 B), else 1",
    ("workload.activation_precision",),
    sources=(ACTIVATION_PRECISION, KORTHIKANTI),
)
def activation_element_factor(precision):
    """Korthikanti's bytes and the unfused attention's are 16-bit counts; float32 doubles them."""
    return scalar.where(precision == "fp32", 2.0, 1.0)


scenario_input(
    "workload.activation_offload_layers",
    "number",
    "Transformer layers per pipeline stage whose activations go to host memory",
    sources=(ACTIVATION_OFFLOAD,),
    default=Found(0, "default", note="no activation offload unless asked"),
)


def _first_stage_activations(
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
    heads,
    sequence_parallel,
    context,
    precision,
    saved_input_bytes,
    offload_layers,
    ffn_width,
    mlp,
    kv_heads,
    flash_attention,
    dropout,
    element_factor,
    recomputed_share,
    adapter,
    adapted_mlp_share,
):
    """(held in HBM, offloaded to the host) activation bytes of the first pipeline stage.

    The first stage holds the most (1F1B). Context parallelism splits every activation along
    the sequence, the 5as/h scores too (each rank's s/c queries against all s keys): per layer
    sbh(34 + 5as/h) / c. At fp8 or fp4 the linear layers keep their inputs in low precision
    (Transformer Engine). Offloaded layers' activations leave HBM; at least one layer stays.
    `recompute offload` offloads all of them but that one, whatever activation_offload_layers
    says.
    The MLP's saved tensors grow with its width f and its gate (mlp_activation_terms).
    `recomputed_share` of the stage's layers recompute (workload.recompute_num_layers); a LoRA
    run's frozen linear layers keep no inputs (lora_dropped_terms).
    """
    low = scalar.isin(precision, ("fp8", "fp4"))
    saved = scalar.where(low, saved_input_bytes, 2.0)
    dropped = lora_dropped_terms(saved, ffn_width / hidden, mlp == "gated", adapted_mlp_share)
    lora = scalar.where(adapter == "lora", 1.0, 0.0)
    per_layer = activation_bytes_per_layer(
        sequence,
        micro_batch,
        hidden,
        heads,
        tensor,
        recompute,
        sequence_parallel == "on",
        saved,
        ffn_width / hidden,
        mlp == "gated",
        kv_heads / heads,
        flash_attention == "off",
        dropout,
        recomputed_share,
        (dropped[0] * lora, dropped[1] * lora),
    )
    v = effective_interleave(interleave, layers, pipeline)
    stage_layers = layers / pipeline
    in_flight = scalar.minimum(m, pipeline) * stage_layers
    interleaved = scalar.where(v > 1, 1.0 + (pipeline - 1) / (pipeline * v), 1.0)
    total = per_layer * element_factor / context * in_flight * interleaved
    # recompute offload sends every layer's kept tensors to the host but the one in use
    offload_layers = scalar.where(
        recompute == "offload", scalar.maximum(offload_layers, stage_layers), offload_layers
    )
    offloaded = (
        scalar.clip(offload_layers, 0.0, scalar.maximum(stage_layers - 1.0, 0.0)) / stage_layers
    )
    return total * (1.0 - offloaded), total * offloaded


@metric(
    "performance.activation_memory",
    "data",
    "Activations held per accelerator",
    "activation_bytes_per_layer / c × L/p layers × min(m, p) micro-batches in flight × "
    "(1 + (p−1)/(p·v)) when interleaved, less the offloaded layers' share; at fp8 or fp4 the "
    "linear layers keep their inputs in q bytes: 34 → (6 + 2q) + (16 + 5q) per sbh; an MLP of "
    "width f = r·h keeps 2r (plain) or 4r (gated) bytes per sbh at its activation's input and "
    "2r (or r·q) at its second linear layer's input instead of 8 and 8; keys and values keep "
    "2·kv_heads/heads each instead of 2 (grouped-query attention); with flash attention the "
    "5as/h score term is never kept; at dropout 0 the masks and the dropped scores are not: "
    "34 → 32 per sbh, 5as/h → 2as/h; × performance.activation_element_factor (float32 "
    "activations); recompute offload keeps 2 + (4 + 4·kv_heads/heads)/t "
    "bytes per sbh (the layer input and the attention projections' outputs), all layers' but "
    "one in host memory",
    _ACTIVATION_INPUTS,
    sources=(
        KORTHIKANTI,
        NARAYANAN,
        CONTEXT_PARALLEL,
        TE_SAVED_INPUT,
        ACTIVATION_OFFLOAD,
        MLP_ACTIVATIONS,
        GQA,
        FLASH,
        DROPOUT,
        ACTIVATION_PRECISION,
    ),
)
def activation_memory(*inputs):
    """Activations the first pipeline stage keeps in HBM."""
    return _first_stage_activations(*inputs)[0]


@metric(
    "performance.offloaded_activation_memory",
    "data",
    "Activations offloaded to host memory per accelerator",
    "first-stage activations × min(activation_offload_layers, L/p − 1) / (L/p); with "
    "recompute offload × (L/p − 1) / (L/p)",
    _ACTIVATION_INPUTS,
    sources=(ACTIVATION_OFFLOAD,),
)
def offloaded_activation_memory(*inputs):
    """Activations the first pipeline stage sends to the host and reads back."""
    return _first_stage_activations(*inputs)[1]


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
    "Whether the job fits in HBM (one that does not cannot start: nothing spills to the host "
    "unless the scenario offloads it)",
    "performance.memory_per_accelerator ≤ accelerator.hbm",
    ("performance.memory_per_accelerator", "accelerator.hbm"),
    value_type="bool",
    importance=1,
)
def fits_in_hbm(memory, hbm):
    """True where the memory need is within HBM."""
    return memory <= hbm
