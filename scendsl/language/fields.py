"""What each field of the language means: its kind, dimension and bounds.

This is the schema of the language (not a fact about the world): the resolver reads it to turn
atoms into typed values, and `docs/language.md` documents the same table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from scendsl import defaults
from scendsl.defaults import FRAMEWORKS, RECOMPUTE_LEVELS
from scendsl.language.names import alias_in, price_series_names
from scendsl.language.units import UNITS


@dataclass(frozen=True, slots=True)
class Requirement:
    """Another field of the same section that must hold one of `values` for a field to be
    written (with `when`, for the field to hold one of `when`'s values): `unset` is what the
    other field holds when not written, `because` says why, as the error's reason."""

    field: str
    #: The values that meet the requirement; none: any value written meets it.
    values: tuple[str, ...]
    unset: str
    because: str
    when: tuple[str, ...] = ()

    def needed_by(self, value: object) -> bool:
        """Whether a field holding `value` (None: not written) needs the other field."""
        return value is not None and (not self.when or value in self.when)

    def met_by(self, other: object) -> bool:
        """Whether the other field holding `other` (None: not written) meets the requirement."""
        if not self.values:
            return other is not None
        return (other if other is not None else self.unset) in self.values


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """How to read one field's atoms."""

    # quantity | integer | string | enum | accelerator | region | comparison | mix | parallelism
    kind: str
    dimension: str | None = None
    uncertain: bool = False
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    #: Whether `minimum` itself is allowed.
    inclusive: bool = True
    doc: str = ""
    #: Another field of the same section this one may not exceed, when both are set.
    at_most: str | None = None
    #: Another field of the same section this one must divide evenly, when both are set.
    divides: str | None = None
    #: Another field of the same section that says the same thing another way: one or the other.
    excludes: str | None = None
    #: Another field of the same section this one needs, set to one of some values.
    requires: Requirement | None = None
    #: An enum whose choices are the catalog's (its data names them, not the language): the
    #: typed model holds a plain name, which the language has checked against `choices`.
    catalog_choices: bool = False
    #: Words analysts write after a count naming what it counts (`count 10k GPUs`): the field's
    #: own unit, which the language leaves out (the hint removes it).
    nouns: tuple[str, ...] = ()


def _q(
    dimension: str,
    doc: str,
    *,
    uncertain: bool = True,
    minimum: float | None = 0.0,
    maximum: float | None = None,
    inclusive: bool = False,
    nouns: tuple[str, ...] = (),
) -> FieldSpec:
    return FieldSpec(
        "quantity", dimension, uncertain, (), minimum, maximum, inclusive, doc, nouns=nouns
    )


def _int(
    doc: str,
    minimum: int = 1,
    maximum: int | None = None,
    at_most: str | None = None,
    divides: str | None = None,
) -> FieldSpec:
    return FieldSpec("integer", "number", False, (), minimum, maximum, True, doc, at_most, divides)


_FRACTION: dict[str, Any] = dict(minimum=0.0, maximum=1.0)

# Physical bounds, in SI base units (W, B, B/s, FLOP/s, USD, J, s, m²). They are wide (no real
# cluster comes near them) but keep every value the model divides by, raises to a power or draws
# on a log axis away from 0 and infinity: `check` refuses what lies outside, so evaluation never
# meets a zero divisor or an overflow.
# The minimum of a positive quantity stays exclusive: the Monte Carlo truncates a normal law at an
# exclusive bound, where an inclusive one would clip (pile draws on the bound).
_MWH = 3.6e9  # J
_KWH = 3.6e6  # J
_DAY = 86_400.0
_MM2 = 1e-6  # m²
MAX_ACCELERATORS = 1e9
MAX_PARAMETERS = 1e16
MAX_TOKENS = 1e18
MAX_DEGREE = 10**9  # parallel degrees, batch sizes
_POWER: dict[str, Any] = dict(minimum=1.0, maximum=1e6, inclusive=False)  # one accelerator
_FLOP_RATE: dict[str, Any] = dict(
    minimum=1e9, maximum=1e20, inclusive=False
)  # one accelerator, FLOP/s
_LINK: dict[str, Any] = dict(minimum=1e6, maximum=1e17, inclusive=False)
_MEMORY: dict[str, Any] = dict(minimum=1e6, maximum=1e15, inclusive=False)
_UNIT_PRICE: dict[str, Any] = dict(minimum=1.0, maximum=1e9, inclusive=False)

#: Top-level attributes of a `scenario` block.
SCENARIO_ATTRIBUTES: dict[str, FieldSpec] = {
    "title": FieldSpec("string", doc="headline of the scenario"),
    "operator": FieldSpec("string", doc="who runs the cluster"),
    "year": _int("forecast year", 2000, 2100),
    "region": FieldSpec(
        "region",
        doc='ISO 3166 code of where the accelerators are (country, or quoted state "US-TX")',
    ),
    "source": FieldSpec("string", doc="where the scenario's figures come from"),
    "context": FieldSpec(
        "string", doc="free text on the cluster and why it matters, printed in the briefings"
    ),
    "compare_with": FieldSpec(
        "comparison",
        doc="what the briefing's headline compares the cluster with: a national research "
        "resource (a reference of kind national_resource, the catalog's or a `reference` "
        "block), or a country or group of countries (`US`, `EU`) for its largest (default: the "
        "scenario's own country's, else the largest)",
    ),
}

#: Fields of each section, by section name.
#: What a count of accelerators is written with by analysts (`count 10k GPUs`).
ACCELERATOR_NOUNS = (
    "gpu",
    "gpus",
    "accelerator",
    "accelerators",
    "chip",
    "chips",
    "tpu",
    "tpus",
    "device",
    "devices",
    "card",
    "cards",
    "npu",
    "npus",
    "xpu",
    "xpus",
)
#: What a count of parameters is written with (`parameters 70B params`).
PARAMETER_NOUNS = ("param", "params", "parameter", "parameters")

SECTIONS: dict[str, dict[str, FieldSpec]] = {
    "cluster": {
        "accelerator": FieldSpec(
            "accelerator", doc="a catalog accelerator or an `accelerator` block"
        ),
        "count": _q(
            "number",
            "number of accelerators",
            minimum=1.0,
            maximum=MAX_ACCELERATORS,
            inclusive=True,
            nouns=ACCELERATOR_NOUNS,
        ),
        "fabric": FieldSpec(
            "enum",
            choices=("infiniband", "ethernet", "roce", "nvlink", "ici"),
            doc="scale-out network",
        ),
        "mfu": _q("fraction", "model FLOPs utilisation", **_FRACTION),
        "hfu": replace(
            _q(
                "fraction",
                "hardware FLOPs utilisation (recomputed FLOPs counted), as papers that recompute "
                "activations report it; the model turns it into the MFU",
                **_FRACTION,
            ),
            excludes="mfu",
        ),
        "accelerator_power": _q(
            "power", "all-in power per accelerator, overrides TDP × overhead", **_POWER
        ),
        "overhead": _q(
            "fraction",
            "node and network power on top of the accelerators",
            minimum=0.0,
            maximum=5.0,
            inclusive=True,
        ),
        # issue 12: energy/reliability
        "mfu_basis": FieldSpec(
            "enum",
            choices=("running", "wallclock"),
            doc="what cluster.mfu was measured over: while the job runs, or "
            "over wall-clock time (downtime included)",
        ),
        "interruption_rate": _q(
            "number",
            "unexpected job interruptions per accelerator per day",
            minimum=0.0,
            maximum=10.0,
            inclusive=True,
        ),
        "interruption_rate_counts": FieldSpec(
            "enum",
            choices=("all", "hardware", "gpu"),
            doc="which interruptions cluster.interruption_rate counts: every unexpected one "
            "(software included), hardware failures only (GPU, host, network), or GPU "
            "failures only",
        ),
        "restart_time": _q(
            "time", "time to detect an interruption and resume training", maximum=7 * _DAY
        ),
        "recovery": FieldSpec(
            "enum",
            choices=("auto", "restart", "in_memory"),
            doc="how interruptions are recovered: whole-job restart from "
            "stored checkpoints, hot spares with in-memory checkpoints, "
            "or auto (the better of the two)",
        ),
        "server": FieldSpec(
            "enum",
            choices=("dgx", "blade", "workstation"),
            doc="server design, for the power of hosts, NICs and fans per accelerator: the "
            "vendor systems the catalog's server figures describe (DGX/HGX 8-GPU servers, "
            "NVL72 racks), a direct-liquid-cooled HPC blade (HPE Cray EX, BullSequana XH, "
            "IBM AC922: no fans or switch chips in the node, one host per four accelerators) "
            "or a deskside workstation (DGX Station: one host, four liquid-cooled GPUs, "
            "powered from an office outlet)",
        ),
        "accelerators_per_server": _int(
            "accelerators in one server (a node): they share its host CPUs (cluster.host_power "
            "defaults to the calibration servers' two CPUs over this count) and, on a board of "
            "up to eight, its scale-up fabric (a four-GPU HGX board or HPC blade node bounds "
            "tensor parallelism at four); default from the server design: dgx 8, blade 4, "
            "workstation 4, or the accelerator's smaller scale-up domain (GH200: 4)",
            maximum=16,
        ),
        "cooling": FieldSpec(
            "enum",
            choices=("air", "immersion"),
            doc="how the servers are cooled: air (their own fans) or immersion in a "
            "dielectric fluid (no server fans: their share of the power goes)",
        ),
        "power_limit": _q(
            "power",
            "power limit set on each accelerator (nvidia-smi --power-limit, a vendor's cap): "
            "below the TDP, the accelerator draws at most this and runs slower "
            "(performance.power_cap_throughput)",
            **_POWER,
        ),
        "host_power": _q(
            "power",
            "rated power of the host CPUs per accelerator (their TDP x count ÷ the server's "
            "accelerators): a GPU server's power from its parts, which then win over the catalog's "
            "system figure (a vendor's own server with its own hosts); an accelerator whose own "
            "power carries its host CPU keeps its figure (accelerator.host_power_in_module "
            "says why, with a warning)",
            **_POWER,
        ),
        "embodied_carbon": _q(
            "mass",
            "manufacturing emissions per accelerator with its server share, overrides the estimate",
            maximum=1e6,
        ),
        "lifetime": _q(
            "time", "service life over which the hardware is amortised", maximum=50 * 365.25 * _DAY
        ),
    },
    "energy": {
        "mix": FieldSpec("mix", doc="supply mix: `source share%, ...`, adding up to 100%"),
        "pue": _q(
            "number", "power usage effectiveness (≥ 1)", minimum=1.0, maximum=5.0, inclusive=True
        ),
        # the Green Grid's WUE: on-site water over IT energy; evaporative sites in hot climates
        # report up to about 2.5 L/kWh, so 20 is a unit error, not a site
        "wue": _q(
            "water_intensity",
            "water usage effectiveness: on-site water (L) per kWh of IT energy, overrides the"
            " site class's",
            maximum=20e-3 / _KWH,
            inclusive=True,
        ),
        "price": _q(
            "energy_price",
            "electricity price, overrides the per-source prices (or in EUR, JPY...)",
            maximum=10_000 / _MWH,
        ),
        "intensity": _q(
            "carbon_intensity",
            "carbon intensity, overrides the mix",
            maximum=5.0 / _KWH,
            inclusive=True,
        ),  # 5 kgCO2/kWh, 5× coal
        "utilization": _q("fraction", "share of the year the cluster draws power", **_FRACTION),
        # issue 12: energy/reliability
        "site_class": FieldSpec(
            "enum",
            choices=("hyperscale", "colocation", "enterprise"),
            doc="kind of site, for the default PUE by year",
        ),
        "emissions_boundary": FieldSpec(
            "enum",
            choices=("facility", "it", "accelerators"),
            doc="which energy energy.training_emissions counts: the site's (servers, network, "
            "cooling and power losses: IT × PUE), the IT equipment's (servers and network, no "
            "PUE) or the accelerators alone at their rated power (accelerator-hours × TDP, or "
            "the power limit: no host, network or cooling, as the ML CO2 Impact calculator and "
            "BLOOM's dynamic energy count)",
        ),
        "training_power_fraction": _q(
            "fraction",
            "power while training ÷ rated power (the system's, and the accelerator's own for "
            "its accelerator-only energy)",
            **_FRACTION,
        ),
        "idle_power_fraction": _q("fraction", "power while idle ÷ rated power", **_FRACTION),
        "outage": _q(
            "fraction",
            "share of the hours the site has no power at all (grid off, no backup running: "
            "load-shedding beyond the gensets), during which a run pauses",
            minimum=0.0,
            maximum=0.99,  # a site never powered never finishes a run
            inclusive=True,
        ),
    },
    "workload": {
        "parameters": _q(
            "number",
            "model parameters (N)",
            minimum=1.0,
            maximum=MAX_PARAMETERS,
            inclusive=False,
            nouns=PARAMETER_NOUNS,
        ),
        "active_parameters": replace(
            _q(
                "number",
                "parameters active per token (mixture of experts)",
                minimum=1.0,
                maximum=MAX_PARAMETERS,
                inclusive=False,
                nouns=PARAMETER_NOUNS,
            ),
            at_most="parameters",  # a token passes through some of the model, never more
        ),
        "tokens": _q(
            "number",
            "training tokens (D)",
            minimum=1.0,
            maximum=MAX_TOKENS,
            inclusive=False,
            nouns=("token", "tokens"),
        ),
        "precision": FieldSpec(
            "enum", choices=("fp8", "bf16", "fp16", "fp4"), doc="training precision"
        ),
        "parallelism": FieldSpec(
            "parallelism",
            doc="`tensor 8, pipeline 16, data auto` (also context, expert, microbatches, interleave)",
        ),
        "framework": FieldSpec("enum", choices=FRAMEWORKS, doc="training framework"),
        "zero_stage": _int("DeepSpeed ZeRO stage (0–3)", 0, 3),
        "shard_group": _int(
            "data-parallel replicas one ZeRO shard group spans, replicated across groups "
            "(MaxText ici_fsdp with dcn_data_parallelism, FSDP HYBRID_SHARD); 0 = all",
            0,
            MAX_DEGREE,
        ),
        "gradient_bucket": _q(
            "number",
            "parameters whose gradients one data-parallel collective reduces (Megatron-Core "
            "bucket_size, DeepSpeed reduce_bucket_size); 0 = the framework's default",
            minimum=0.0,
            maximum=MAX_PARAMETERS,
            inclusive=True,
            nouns=PARAMETER_NOUNS,
        ),
        "offload": FieldSpec("enum", choices=("none", "cpu"), doc="optimizer-state offload"),
        "activation_offload_layers": _int(
            "transformer layers per pipeline stage whose activations go to host memory "
            "(Megatron Bridge cpu_offloading_num_layers)",
            0,
            10**6,
            at_most="layers",
        ),
        "recompute": FieldSpec(
            "enum",
            choices=RECOMPUTE_LEVELS,
            doc="activation recomputation (offload: the layer input and the attention "
            "projections kept in host memory, the rest recomputed; elementwise: every weight "
            "matmul's output kept, the attention core and the element-wise ops recomputed, "
            "MaxText's remat_policy minimal; mlp_input: the same but the MLP's input "
            "projections recomputed, save_dot_except_mlpwi)",
        ),
        "recompute_num_layers": _int(
            "transformer layers per pipeline stage that recompute as `recompute` says, the "
            "others keeping every activation (Megatron-LM --recompute-num-layers with "
            "--recompute-method block, NeMo activations_checkpoint_num_layers); every layer "
            "when not given",
            1,
            10**6,
            at_most="layers",
        ),
        "sequence_length": _int("tokens per sequence", 1, 10**8),
        "micro_batch": _int("sequences per micro-batch", 1, MAX_DEGREE, at_most="global_batch"),
        "global_batch": _int("sequences per optimizer step", 1, MAX_DEGREE),
        "layers": _int("transformer layers", 1, 10**6),
        "hidden_size": _int("model width", 1, 10**8),
        "checkpoint_time": _q("time", "time to write one checkpoint", maximum=7 * _DAY),
        "baseline_parameters": _q(
            "number",
            "parameters of the baseline model (scaling)",
            minimum=1.0,
            maximum=MAX_PARAMETERS,
            inclusive=False,
        ),
        "baseline_tokens": _q(
            "number",
            "tokens of the baseline model (scaling)",
            minimum=1.0,
            maximum=MAX_TOKENS,
            inclusive=False,
        ),
        "teacher_parameters": _q(
            "number",
            "parameters of the distillation teacher whose forward pass scores every training "
            "token (online knowledge distillation; the sum of the teachers when several score "
            "each token); no teacher when not given",
            minimum=1.0,
            maximum=MAX_PARAMETERS,
            inclusive=False,
            nouns=PARAMETER_NOUNS,
        ),
        "teacher_share": replace(
            _q(
                "fraction",
                "share of the training tokens the distillation teacher scores (a run that "
                "distils over one stage of its training, such as the recovery of a pruned "
                "model); every token when not given",
                **_FRACTION,
            ),
            requires=Requirement(
                "teacher_parameters", (), "no teacher", "a share of tokens scored needs a teacher"
            ),
        ),
        "adapter": FieldSpec(
            "enum",
            choices=("none", "lora"),
            doc="fine-tuning with adapters: lora trains low-rank adapters on a frozen model "
            "(Hu et al. 2021; no gradients or optimizer state for the frozen weights, 4N + 6 "
            "× adapters FLOPs a token); none (the default) trains every weight",
        ),
        "trainable_parameters": FieldSpec(
            "quantity",
            "number",
            True,
            (),
            1.0,
            MAX_PARAMETERS,
            True,
            "parameters of the adapters with `adapter lora` (the run's 'trainable params'); "
            "the catalog's default share of workload.parameters when not given",
            at_most="parameters",
            requires=Requirement(
                "adapter", ("lora",), "none", "without adapters every weight trains"
            ),
            nouns=PARAMETER_NOUNS,
        ),
        # issue 12: performance
        "attention_heads": _int("attention heads a", 1, 10**6),
        "head_dim": _int(
            "width d of one attention head (attention width a·d; h when not given)", 1, 10**6
        ),
        "kv_heads": _int(
            "key/value heads (grouped-query attention; one per attention head when not given)",
            1,
            10**6,
            at_most="attention_heads",
            divides="attention_heads",  # each key/value head serves an equal group of heads
        ),
        "attention_window": _int(
            "tokens each query attends in a sliding-window (banded) attention layer, "
            "config.json sliding_window (Mistral 7B v0.1, Gemma 2 and 3, gpt-oss); every layer "
            "attends the whole sequence when not given",
            1,
            10**8,
        ),
        "attention_window_share": replace(
            _q(
                "fraction",
                "share of the layers whose attention is the sliding window (the others attend "
                "the whole sequence: Gemma 2 and gpt-oss alternate, 50%); every layer when not "
                "given",
                **_FRACTION,
            ),
            requires=Requirement(
                "attention_window", (), "no window", "a share of windowed layers needs a window"
            ),
        ),
        "vocabulary": _int("vocabulary size V (tokens)", 1, 10**9),
        "ffn_hidden_size": _int(
            "MLP (feed-forward) width f, config.json intermediate_size (4·h when not given; "
            "8h/3 rounded down to a multiple of 64 for a gated MLP, as Megatron-LM)",
            1,
            10**8,
        ),
        "mlp": FieldSpec(
            "enum",
            choices=("plain", "gated"),
            doc="MLP kind: plain (two matrices h×f, f×h; GPT-3, Megatron) or gated "
            "(SwiGLU/GeGLU: three, h×f twice and f×h; Llama)",
        ),
        "sequence_parallel": FieldSpec(
            "enum",
            choices=("on", "off"),
            doc="Megatron sequence parallelism (Korthikanti et al. 2022)",
        ),
        "flash_attention": FieldSpec(
            "enum", choices=("on", "off"), doc="fused attention keeping the score matrix on chip"
        ),
        "tp_comm_overlap": FieldSpec(
            "enum",
            choices=("on", "off"),
            doc="tensor-parallel communication overlap (Megatron-Core --tp-comm-overlap, NeMo "
            "tp_comm_overlap, MLPerf configs' TP_COMM_OVERLAP): the sequence-parallel exchanges "
            "run in chunks under the GEMMs they feed (Transformer Engine userbuffers); off when "
            "not given, as Megatron-Core's default; changes nothing without sequence parallelism and "
            "a tensor-parallel group (performance.tensor_parallel_exposed_time)",
        ),
        "activation_precision": FieldSpec(
            "enum",
            choices=("bf16", "fp32"),
            doc="element type of the stored and moved activations: bf16 (16-bit, mixed "
            "precision; the default) or fp32 (a float32 run, e.g. EasyLM's dtype fp32)",
        ),
        "attention_precision": FieldSpec(
            "enum",
            choices=("bf16", "fp8"),
            doc="number format of the attention's score and weighting matmuls: bf16 (16-bit; "
            "the default, what FP8 and FP4 recipes keep unless told) or fp8 (Transformer "
            "Engine's FP8 attention, fp8_dpa)",
            # Transformer Engine's fp8_dpa works inside its FP8 and FP4 autocast; a 16-bit run
            # has no FP8 recipe to extend.
            requires=Requirement(
                "precision",
                ("fp8", "fp4"),
                "bf16",
                "FP8 attention is an option of an FP8 or FP4 recipe",
                when=("fp8",),
            ),
        ),
        "weight_precision": FieldSpec(
            "enum",
            choices=("bf16", "fp8"),
            doc="number format the weights are kept in between steps: bf16 (a 16-bit copy, "
            "cast to FP8 for the matrix maths each step; the default) or fp8 (the weights "
            "themselves held in FP8: Transformer Engine's fp8_model_init, NeMo's fp8_params, "
            "Megatron-LM's --fp8-param-gather)",
            # Weights kept in FP8 feed an FP8 or FP4 recipe's matrix maths; a 16-bit run has no
            # FP8 recipe to hold them for.
            requires=Requirement(
                "precision",
                ("fp8", "fp4"),
                "bf16",
                "FP8 weights are an option of an FP8 or FP4 recipe",
                when=("fp8",),
            ),
        ),
        "dropout": _q(
            "fraction",
            "dropout probability of the attention probabilities and hidden states (0: none, "
            "no masks kept or moved; Megatron-LM's default 0.1)",
            minimum=0.0,
            maximum=1.0,
            inclusive=True,
        ),
        "experts": _int("experts per mixture-of-experts layer E", 1, 10**6),
        "experts_per_token": _int(
            "experts each token is routed to (top-k)", 1, 10**6, at_most="experts"
        ),
        "expert_ffn_hidden_size": _int(
            "width of one routed expert's MLP (Megatron-LM moe_ffn_hidden_size, config.json "
            "moe_intermediate_size; a mixture whose config has only intermediate_size, as "
            "Mixtral and OLMoE, writes that); ffn_hidden_size when not given",
            1,
            10**8,
        ),
        "shared_experts": _int(
            "experts every token passes through beside its routed ones, per MoE layer "
            "(DeepSeek-V2 2, DeepSeek-V3 and Llama 4 1, Qwen MoE 1: n_shared_experts); dense MLP "
            "work, not routed; 0 when not given",
            0,
            10**6,
        ),
        "attention_experts": _int(
            "attention experts per layer (mixture of attention heads, JetMoE 8): each token "
            "is routed to experts_per_token of them; attention_heads and head_dim are one "
            "expert's query heads, keys and values shared; 1 (dense attention) when not given",
            1,
            10**6,
        ),
        "dense_layers": _int(
            "leading layers with a dense MLP instead of experts (DeepSeek "
            "first_k_dense_replace: V2 1, V3 3); 0 when not given",
            0,
            10**6,
            at_most="layers",
        ),
        "moe_layer_interval": _int(
            "an expert layer every n layers, dense MLPs between (Llama 4 Maverick "
            "interleave_moe_layer_step 2, DeepSeek moe_layer_freq); 1 when not given",
            1,
            10**6,
            at_most="layers",
        ),
        "expert_overlap": _q(
            "fraction",
            "share of the expert-parallel all-to-all hidden behind computation (DeepSeek-V3's "
            "DualPipe: nearly all of it; none when not given)",
            minimum=0.0,
            maximum=1.0,
            inclusive=True,
        ),
        # issue 12: energy/reliability
        "duration": _q(
            "time", "wall-clock duration of the run, given directly", maximum=100 * 365.25 * _DAY
        ),
        "accelerator_hours": _q(
            "time",
            "accelerator-time of the run (e.g. '1.08M hours'), given directly",
            maximum=1e9 * 365.25 * _DAY,
        ),
        "training_flops": _q(
            "flop",
            "model FLOPs of the whole run (e.g. '3.8e25 FLOP'), given directly instead of "
            "(6·N + 12·L·h·s)·D",
            minimum=1.0,
            maximum=1e35,
            inclusive=False,
        ),
    },
    "market": {
        "unit_price": _q(
            "currency",
            "price per accelerator, overrides the catalog's (or in EUR, JPY...)",
            **_UNIT_PRICE,
        ),
        "rental_price": _q(
            "hourly_price",
            "rental price per accelerator-hour (or in EUR, JPY...)",
            maximum=10_000 / 3600.0,
        ),
        "price_series": FieldSpec(
            "enum",
            choices=price_series_names(),
            catalog_choices=True,
            doc="which catalog price series sets the unit price: `market` (reported prices, "
            "each sourced) or another series of the catalog's market.toml [price_series], each "
            "described there (`scendsl list price-series`)",
        ),
    },
}

#: Figures an `accelerator` block may set (names shared with the catalog).
ACCELERATOR_FIGURES: dict[str, FieldSpec] = {
    "bf16_dense": _q("flop_rate", "dense BF16 FLOP/s", **_FLOP_RATE),
    "fp8_dense": _q("flop_rate", "dense FP8 FLOP/s", **_FLOP_RATE),
    "fp4_dense": _q("flop_rate", "dense FP4 FLOP/s", **_FLOP_RATE),
    "int8_dense": _q("flop_rate", "dense INT8 OP/s", **_FLOP_RATE),
    "hbm": _q("data", "HBM capacity", **_MEMORY),
    "hbm_bandwidth": _q("bandwidth", "HBM bandwidth", **_LINK),
    "scaleup_bandwidth": _q(
        "bandwidth", "scale-up (NVLink-class) bandwidth, bidirectional", **_LINK
    ),
    "scaleup_domain": _q(
        "number", "accelerators in one scale-up domain", minimum=1.0, maximum=1e6, inclusive=True
    ),
    "scaleout_bandwidth": _q("bandwidth", "scale-out NIC bandwidth per accelerator", **_LINK),
    "hostlink_bandwidth": _q("bandwidth", "host link bandwidth, bidirectional", **_LINK),
    "host_memory": _q("data", "host memory reachable over the host link", **_MEMORY),
    "tdp": _q("power", "thermal design power", **_POWER),
    "system_power": _q(
        "power",
        "rated power per accelerator at the server or rack, with its share "
        "of CPUs, NICs, switches and fans",
        **_POWER,
    ),
    "module_host_cpus": _q(
        "number",
        "host CPUs per accelerator whose power its own figures already carry (a superchip's "
        "CPU: GH200 1, GB200 ½); a written cluster.host_power is then not added",
        uncertain=False,
        minimum=0.0,
        maximum=64.0,
        inclusive=True,
    ),
    "die_area": _q(
        "area",
        "die area (for performance density)",
        minimum=1 * _MM2,
        maximum=1e5 * _MM2,
        inclusive=False,
    ),
    "price": _q("currency", "unit price (or in EUR, JPY...)", **_UNIT_PRICE),
}

ACCELERATOR_ATTRIBUTES: dict[str, FieldSpec] = {
    "title": FieldSpec("string", doc="full name"),
    "vendor": FieldSpec("string", doc="maker"),
    "source": FieldSpec("string", doc="where the figures come from"),
    "available_year": _int("year of volume availability", 2000, 2100),
    "subject_to": FieldSpec(
        "region",
        doc="whose export controls reach it: an ISO 3166-1 country code (a subdivision stands "
        "for its country), US for a chip designed or made with US technology (default: the "
        "extended entry's, else US, with a warning); a chip the US rules do not reach gets no "
        "US licence status",
    ),
}

#: Figures a new accelerator (without `extends`) must give.
REQUIRED_ACCELERATOR_FIGURES = (
    "bf16_dense",
    "hbm",
    "hbm_bandwidth",
    "tdp",
)

REFERENCE_FIELDS: dict[str, FieldSpec] = {
    "title": FieldSpec("string", doc="name of the comparison entity"),
    "accelerator": FieldSpec("accelerator", doc="its accelerator"),
    "count": _q(
        "number",
        "its number of accelerators",
        minimum=1.0,
        maximum=MAX_ACCELERATORS,
        inclusive=True,
        nouns=ACCELERATOR_NOUNS,
    ),
    "source": FieldSpec("string", doc="where the figures come from"),
    "kind": FieldSpec(
        "enum",
        choices=defaults.REFERENCE_KINDS,
        doc="what it is; a national_resource is what scenarios of its region are compared with",
    ),
    "region": FieldSpec(
        "region",
        doc="ISO 3166 code of the country it is in or serves (a subdivision stands for its "
        "country)",
    ),
}
#: Fields a `reference` block must set.
REQUIRED_REFERENCE_FIELDS = ("accelerator", "count")

#: Options of the set-level `briefings { ... }` block: they hold for every scenario loaded
#: together (one value per set, so that pages comparing scenarios compare like with like).
BRIEFINGS_FIELDS: dict[str, FieldSpec] = {
    "comparison_precision": FieldSpec(
        "enum",
        choices=("bf16", "fp8", "fp4"),
        doc="dense precision at which the landscape and the compute divide compare every "
        "scenario and reference (default bf16)",
    ),
}
#: The comparison precision when no `briefings` block sets one.
DEFAULT_COMPARISON_PRECISION = "bf16"

#: Each degree of `workload.parallelism` (`tensor 8`, ...), when not `auto`.
PARALLEL_DEGREE = _int("parallel degree", 1, MAX_DEGREE)
#: Scenario names become page file names: the bound is declared in scendsl.defaults.
MAX_NAME_LENGTH = defaults.MAX_NAME_LENGTH


def name_length_problem(name: str) -> str | None:
    """The message for a definition's name longer than MAX_NAME_LENGTH, else None (one
    wording for the language and `scendsl new`)."""
    if len(name) <= MAX_NAME_LENGTH:
        return None
    return f"a name is at most {MAX_NAME_LENGTH} characters; this one has {len(name)}"


PARALLELISM_KEYS = (
    "tensor",
    "pipeline",
    "data",
    "expert",
    "microbatches",
    "interleave",
    "context",
)

#: A degree of `workload.parallelism` written as a field of its own, under the names analysts
#: bring along: the model's own (`workload.tensor_parallel`, which `eval` prints), Megatron's
#: (`tensor_model_parallel_size`, `expert-model-parallel-size`), MaxText's
#: (`ici_tensor_parallelism`) and the short ones (`tp`, `ep`).
_DEGREE_FIELD = re.compile(
    r"(?:ici_|dcn_)?(tensor|pipeline|data|expert|context)(?:_model)?_parallel(?:ism|_size|_degree)?"
)
_DEGREE_SHORT = {
    "tp": "tensor",
    "pp": "pipeline",
    "dp": "data",
    "ep": "expert",
    "cp": "context",
    "vpp": "interleave",
    "virtual_pipeline_model_parallel_size": "interleave",
    "num_microbatches": "microbatches",
}


def parallel_degree_hint(path: str, written: str = "") -> str | None:
    """The hint for an unknown field that is a parallel degree written on its own
    (`workload { tensor_parallel 8 }`, `workload.ep 16`): the degrees are one field,
    `parallelism`. None for any other name."""
    section, _, key = path.rpartition(".")
    if section not in ("", "workload"):
        return None
    word = key.lower().replace("-", "_")
    match = _DEGREE_FIELD.fullmatch(word)
    axis = match.group(1) if match else _DEGREE_SHORT.get(word)
    if axis is None:
        return None
    # The degree as written when it reads as one ("8", "auto"); anything else is not echoed.
    value = written if re.fullmatch(r"[0-9]{1,9}|auto", written) else "N"
    others = ", ".join(k for k in PARALLELISM_KEYS if k != axis)
    return (
        "parallel degrees are one field: write "
        f"`parallelism {axis} {value}` in `workload`, other degrees after commas ({others})"
    )


def field_named(section: str, written: str) -> str | None:
    """The field of `section` a published configuration's name stands for
    (`num_hidden_layers` is `layers`, `moe_intermediate_size` `expert_ffn_hidden_size`)."""
    return alias_in("field_aliases.toml", section, written)


def words_agree(written: str, guess: str) -> bool:
    """Whether every word of `written` begins a word of `guess` or is a typo of one: a guess
    that shares one word of a two-word name and not the other names another field
    (`inference_tokens` was offered `baseline_tokens`); `seq_len` agrees with
    `sequence_length`, `trainig_power_fraction` with `training_power_fraction`."""
    from scendsl.suggest import one_edit

    words = [w for w in guess.lower().split("_") if w]
    return all(
        any(word.startswith(mine) or one_edit(mine, word) for word in words)
        for mine in written.lower().split("_")
        if mine
    )


def home_of(name: str, section: str) -> str | None:
    """Where a field written in the wrong section belongs: the dotted path of the one other
    section that has a field `name` (`mfu` in `energy` is `cluster.mfu`, `pue` in `cluster`
    `energy.pue`), or `name` itself for a scenario's own field (`region`, `year`); None when
    no other place, or several, have it. Why: a spelling guess within the section had offered
    `energy.pue` for `energy.mfu`."""
    if name in SCENARIO_ATTRIBUTES:
        return name
    homes = [other for other, fields in SECTIONS.items() if other != section and name in fields]
    return f"{homes[0]}.{name}" if len(homes) == 1 else None


#: Scenario fields without which nothing can be computed.
REQUIRED_SCENARIO_FIELDS = ("year", "region", "cluster.accelerator", "cluster.count")


def scenario_field(path: str) -> FieldSpec | None:
    """The spec of a dotted scenario path (`cluster.count`, `year`), or None."""
    if "." not in path:
        return SCENARIO_ATTRIBUTES.get(path)
    section, _, name = path.partition(".")
    fields = SECTIONS.get(section)
    return fields.get(name) if fields else None


def all_scenario_paths() -> list[str]:
    """Every settable dotted path, for suggestions and docs."""
    paths = list(SCENARIO_ATTRIBUTES)
    for section, fields in SECTIONS.items():
        paths.extend(f"{section}.{name}" for name in fields)
    return paths


def _units(*symbols: str) -> tuple[tuple[str, float], ...]:
    """(symbol, factor) of units the language reads, the factors from its one table."""
    return tuple((symbol, UNITS[symbol].factor) for symbol in symbols)


#: How a bound is spelled in an error message: the largest unit not above it, per dimension.
BOUND_UNITS: dict[str, tuple[tuple[str, float], ...]] = {
    "power": _units("GW", "MW", "kW", "W"),
    "data": _units("PB", "TB", "GB", "MB", "B"),
    "bandwidth": _units("TB/s", "GB/s", "MB/s", "B/s"),
    "flop_rate": _units("EFLOPS", "PFLOPS", "TFLOPS", "GFLOPS", "FLOPS"),
    "flop": _units("FLOP"),
    "currency": _units("USD"),
    "energy_price": _units("USD/MWh"),
    "hourly_price": _units("USD/hour"),
    "carbon_intensity": _units("gCO2/kWh"),
    "time": _units("days", "hours", "s"),
    "area": _units("mm2"),
    "mass": _units("tCO2", "kgCO2"),  # issue 12: energy/reliability
    "volume": _units("ML", "m3", "L"),
    "water_intensity": _units("L/kWh"),
}


def describe_bound(value: float, dimension: str | None) -> str:
    """A bound as the user writes it: `1 GFLOPS`, `0.1%`, `1,000,000,000`."""
    if dimension == "fraction":
        return f"{value * 100:g}%"
    units = BOUND_UNITS.get(dimension or "", ())
    symbol, factor = next(
        ((s, f) for s, f in units if value >= f), units[-1] if units else ("", 1.0)
    )
    scaled = float(f"{value / factor:.6g}")
    number = f"{int(scaled):,}" if scaled >= 1e4 and scaled == int(scaled) else f"{scaled:g}"
    if dimension == "flop":  # run compute is written '3.8e25 FLOP', not with 26 digits
        number = f"{scaled:.3g}".replace("e+", "e")
    return f"{number} {symbol}" if symbol else number


def field_relations(relation: str) -> tuple[tuple[str, str], ...]:
    """(path, path it is related to) for every field declared in `relation` to another of its
    section: "at_most" (may not exceed it), "divides" (must divide it) or "excludes" (the two
    say one thing two ways: a scenario writes one)."""
    return tuple(
        (f"{section}.{name}", f"{section}.{other}")
        for section, specs in SECTIONS.items()
        for name, spec in specs.items()
        if (other := getattr(spec, relation)) is not None
    )


def field_requirements() -> tuple[tuple[str, str, Requirement], ...]:
    """(path, path of the field it needs, the requirement) for every field declared to need
    another of its section set to some values (`FieldSpec.requires`)."""
    return tuple(
        (f"{section}.{name}", f"{section}.{need.field}", need)
        for section, specs in SECTIONS.items()
        for name, spec in specs.items()
        if (need := spec.requires) is not None
    )
