"""What each field of the language means: its kind, dimension and bounds.

This is the schema of the language (not a fact about the world): the resolver reads it to turn
atoms into typed values, and `docs/language.md` documents the same table.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """How to read one field's atoms."""

    kind: str  # quantity | integer | string | enum | accelerator | region | mix | parallelism
    dimension: str | None = None
    uncertain: bool = False
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    #: Whether `minimum` itself is allowed.
    inclusive: bool = True
    doc: str = ""


def _q(dimension: str, doc: str, *, uncertain: bool = True, minimum: float | None = 0.0,
       maximum: float | None = None, inclusive: bool = False) -> FieldSpec:
    return FieldSpec("quantity", dimension, uncertain, (), minimum, maximum, inclusive, doc)


def _int(doc: str, minimum: int = 1, maximum: int | None = None) -> FieldSpec:
    return FieldSpec("integer", "number", False, (), minimum, maximum, True, doc)


_FRACTION = dict(minimum=0.0, maximum=1.0)

#: Top-level attributes of a `scenario` block.
SCENARIO_ATTRIBUTES: dict[str, FieldSpec] = {
    "title": FieldSpec("string", doc="headline of the scenario"),
    "operator": FieldSpec("string", doc="who runs the cluster"),
    "year": _int("forecast year", 2000, 2100),
    "region": FieldSpec("region", doc="ISO 3166-1 alpha-2 code of where the accelerators are"),
    "source": FieldSpec("string", doc="where the scenario's figures come from"),
}

#: Fields of each section, by section name.
SECTIONS: dict[str, dict[str, FieldSpec]] = {
    "cluster": {
        "accelerator": FieldSpec("accelerator", doc="a catalog accelerator or an `accelerator` block"),
        "count": _q("number", "number of accelerators", minimum=1.0, inclusive=True),
        "fabric": FieldSpec("enum", choices=("infiniband", "ethernet", "roce", "nvlink", "ici"),
                            doc="scale-out network"),
        "mfu": _q("fraction", "model FLOPs utilisation", **_FRACTION),
        "accelerator_power": _q("power", "all-in power per accelerator, overrides TDP × overhead"),
        "overhead": _q("fraction", "node and network power on top of the accelerators",
                       minimum=0.0, maximum=5.0, inclusive=True),
    },
    "energy": {
        "mix": FieldSpec("mix", doc="supply mix: `source share%, ...`, adding up to 100%"),
        "pue": _q("number", "power usage effectiveness (≥ 1)", minimum=1.0, maximum=5.0,
                  inclusive=True),
        "price": _q("energy_price", "electricity price, overrides the per-source prices"),
        "intensity": _q("carbon_intensity", "carbon intensity, overrides the mix",
                        inclusive=True),
        "utilization": _q("fraction", "share of the year the cluster draws power", **_FRACTION),
    },
    "workload": {
        "parameters": _q("number", "model parameters (N)"),
        "active_parameters": _q("number", "parameters active per token (mixture of experts)"),
        "tokens": _q("number", "training tokens (D)"),
        "precision": FieldSpec("enum", choices=("fp8", "bf16", "fp4"), doc="training precision"),
        "parallelism": FieldSpec("parallelism",
                                 doc="`tensor 8, pipeline 16, data auto` (also expert, "
                                     "microbatches, interleave)"),
        "framework": FieldSpec("enum", choices=("megatron", "deepspeed", "neox"),
                               doc="training framework"),
        "zero_stage": _int("DeepSpeed ZeRO stage (0–3)", 0, 3),
        "offload": FieldSpec("enum", choices=("none", "cpu"), doc="optimizer-state offload"),
        "recompute": FieldSpec("enum", choices=("none", "selective", "full"),
                               doc="activation recomputation"),
        "sequence_length": _int("tokens per sequence"),
        "micro_batch": _int("sequences per micro-batch"),
        "global_batch": _int("sequences per optimizer step"),
        "layers": _int("transformer layers"),
        "hidden_size": _int("model width"),
        "checkpoint_time": _q("time", "time to write one checkpoint"),
        "baseline_parameters": _q("number", "parameters of the baseline model (scaling)"),
        "baseline_tokens": _q("number", "tokens of the baseline model (scaling)"),
    },
    "market": {
        "unit_price": _q("currency", "price per accelerator, overrides the catalog's"),
        "rental_price": _q("hourly_price", "rental price per accelerator-hour"),
    },
}

#: Figures an `accelerator` block may set (names shared with the catalog).
ACCELERATOR_FIGURES: dict[str, FieldSpec] = {
    "bf16_dense": _q("flop_rate", "dense BF16 FLOP/s"),
    "fp8_dense": _q("flop_rate", "dense FP8 FLOP/s"),
    "fp4_dense": _q("flop_rate", "dense FP4 FLOP/s"),
    "int8_dense": _q("flop_rate", "dense INT8 OP/s"),
    "hbm": _q("data", "HBM capacity"),
    "hbm_bandwidth": _q("bandwidth", "HBM bandwidth"),
    "scaleup_bandwidth": _q("bandwidth", "scale-up (NVLink-class) bandwidth, bidirectional"),
    "scaleup_domain": _q("number", "accelerators in one scale-up domain", minimum=1.0,
                         inclusive=True),
    "scaleout_bandwidth": _q("bandwidth", "scale-out NIC bandwidth per accelerator"),
    "hostlink_bandwidth": _q("bandwidth", "host link bandwidth, bidirectional"),
    "host_memory": _q("data", "host memory reachable over the host link"),
    "tdp": _q("power", "thermal design power"),
    "system_power": _q("power", "rated power per accelerator at the server or rack, with its share "
                                "of CPUs, NICs, switches and fans"),
    "die_area": _q("area", "die area (for performance density)"),
    "price": _q("currency", "unit price"),
}

ACCELERATOR_ATTRIBUTES: dict[str, FieldSpec] = {
    "title": FieldSpec("string", doc="full name"),
    "vendor": FieldSpec("string", doc="maker"),
    "source": FieldSpec("string", doc="where the figures come from"),
    "available_year": _int("year of volume availability", 2000, 2100),
}

#: Figures a new accelerator (without `extends`) must give.
REQUIRED_ACCELERATOR_FIGURES = ("bf16_dense", "hbm", "hbm_bandwidth", "scaleup_bandwidth",
                                "hostlink_bandwidth", "tdp")

REFERENCE_FIELDS: dict[str, FieldSpec] = {
    "title": FieldSpec("string", doc="name of the comparison entity"),
    "accelerator": FieldSpec("accelerator", doc="its accelerator"),
    "count": _q("number", "its number of accelerators", minimum=1.0, inclusive=True),
    "source": FieldSpec("string", doc="where the figures come from"),
}

PARALLELISM_KEYS = ("tensor", "pipeline", "data", "expert", "microbatches", "interleave")

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
