"""Whether a scenario's parallel layout can be placed: tensor × pipeline × context × data ranks
on the cluster's accelerators, at least one layer per pipeline stage, and the sequence split
evenly over the context-parallel ranks; and the fields declared relative to one another.

Checked once the scenario's values are read, so the message can name both lines it ties.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from scendsl.errors import DiagnosticSink, Span
from scendsl.language import fields as F
from scendsl.scenario import Parallelism, central

#: (a layout's degree, the field whose count its ranks split evenly, what that count counts,
#: whether a count below the degree is copied to each group of ranks instead): Megatron-Core
#: asserts each (experts over the expert-parallel ranks; attention heads and the MLP's width —
#: its column-parallel output — over the tensor-parallel ones). Fewer key/value heads than
#: tensor ranks are copied, the ranks in equal groups, each holding one head (multi-query
#: attention under tensor 4, as StarCoder trained; vLLM's rule), so the heads and the degree
#: divide one another either way.
SPLITS = (
    ("expert", "workload.experts", "experts", False),
    ("tensor", "workload.attention_heads", "attention heads", False),
    ("tensor", "workload.kv_heads", "key/value heads", True),
    ("tensor", "workload.ffn_hidden_size", "units of MLP width", False),
)
#: Fields that count layers of one pipeline stage (Megatron-LM's --recompute-num-layers with
#: the block method, Megatron Bridge's cpu_offloading_num_layers), so at most a stage's layers.
PER_STAGE = ("workload.recompute_num_layers", "workload.activation_offload_layers")
#: The fields a layout check reads: a sweep over any of them checks each combination.
LAYOUT_PATHS = (
    "cluster.count",
    "workload.parallelism",
    "workload.sequence_length",
    "workload.layers",
    *(path for _, path, _, _ in SPLITS),
    *PER_STAGE,
)


def splits_unevenly(degree: int, whole: float, copied: bool) -> bool:
    """Whether `degree` ranks cannot take equal shares of `whole` (`SPLITS`): it is not a
    multiple of the degree, nor, where a count below the degree is `copied`, a divisor of it."""
    if degree <= 1 or not whole % degree:
        return False
    return not (copied and whole < degree and degree % whole == 0)


#: (field, field it may not exceed), declared with the fields (`FieldSpec.at_most`).
RELATIONS = F.field_relations("at_most")
#: (field, field it must divide), declared with the fields (`FieldSpec.divides`).
DIVISORS = F.field_relations("divides")
#: (field, field it says the same thing as), declared with the fields (`FieldSpec.excludes`).
EXCLUSIONS = F.field_relations("excludes")
#: (field, field it needs, the values it needs), declared with the fields (`FieldSpec.requires`).
REQUIREMENTS = F.field_requirements()


def _set_here(what: str, path: str, origins: Mapping[str, Span]) -> tuple[tuple[str, Span], ...]:
    """The note pointing at the line that set `path` ("<what> set here"), when one did."""
    return ((f"{what} set here", origins[path]),) if path in origins else ()


def _first(values: tuple[str, ...]) -> str:
    """The value a hint writes after the field it needs: ` fp8` for `("fp8", "fp4")`, nothing
    when any value meets the requirement."""
    return f" {values[0]}" if values else ""


def _or_else(values: tuple[str, ...]) -> str:
    """The other values a hint offers after its first: `(or fp4)` for `("fp4",)`, nothing for
    none."""
    return f" (or {', '.join(values)})" if values else ""


def _needing_nothing(path: str, need: F.Requirement) -> str:
    """How a hint undoes `path`'s need: write a value of it that needs nothing, where it has
    one (`weight_precision bf16`: a scenario extending one with FP8 weights, or a sweep's
    variant of its base, cannot remove what it inherits), else remove it."""
    spec = F.scenario_field(path)
    choices = spec.choices if spec is not None else ()
    neutral = next((c for c in choices if need.when and c not in need.when), None)
    if neutral is None:
        return f"remove '{path}'"
    return f"write '{path} {neutral}' (a scenario extending one that writes it cannot remove it)"


def check_relations(
    subject: str,
    values: Mapping[str, Any],
    origins: Mapping[str, Span],
    sink: DiagnosticSink,
    at: Span | None = None,
    between: frozenset[str] | None = None,
) -> bool:
    """Report a field set above the field it may not exceed (`workload.kv_heads` above
    `workload.attention_heads`, ...) or one that does not divide the field it must divide
    (`workload.kv_heads` into `workload.attention_heads`), at `at` when given (a sweep's line),
    else at the field's line. `values` holds every field set (one left out is not set); with
    `between`, two paths, only the relations between those two are checked (a sweep's pair of
    values, the other fields unknown). True when nothing was reported."""

    def checked(path: str, other_path: str) -> bool:
        return between is None or between == {path, other_path}

    fits = True
    for path, limit_path in filter(lambda pair: checked(*pair), RELATIONS):
        value, limit = central(values.get(path)), central(values.get(limit_path))
        if value is None or limit is None or value <= limit:
            continue
        fits = False
        sink.error(
            f"{subject}: '{path}' is {value:,.0f}, more than '{limit_path}' ({limit:,.0f})",
            at or origins.get(path),
            f"make '{path}' at most '{limit_path}'",
            _set_here(f"'{limit_path}' is", limit_path, origins),
        )
    for path, other_path in filter(lambda pair: checked(*pair), EXCLUSIONS):
        if values.get(path) is None or values.get(other_path) is None:
            continue
        fits = False
        sink.error(
            f"{subject}: '{path}' and '{other_path}' are both set: they say the same thing two "
            "ways",
            at or origins.get(path),
            f"write '{path}' or '{other_path}', not both",
            _set_here(f"'{other_path}' is", other_path, origins),
        )
    for path, other_path, need in REQUIREMENTS:
        value, other = values.get(path), values.get(other_path)
        if not checked(path, other_path) or not need.needed_by(value) or need.met_by(other):
            continue
        fits = False
        written = f"is {value}" if need.when else "is set"
        other_written = f"is {other}" if other is not None else f"is not set ({need.unset})"
        sink.error(
            f"{subject}: '{path}' {written}, but '{other_path}' {other_written}: {need.because}",
            at or origins.get(path),
            f"write '{other_path}{_first(need.values)}'{_or_else(need.values[1:])}, or "
            + _needing_nothing(path, need),
            _set_here(f"'{other_path}' is", other_path, origins),
        )
    for path, whole_path in filter(lambda pair: checked(*pair), DIVISORS):
        value, whole = central(values.get(path)), central(values.get(whole_path))
        if value is None or whole is None or value > whole or whole % value == 0:
            continue  # a value above the whole is reported above, as too large
        fits = False
        sink.error(
            f"{subject}: '{path}' is {value:,.0f}, which does not divide '{whole_path}' "
            f"({whole:,.0f})",
            at or origins.get(path),
            f"make '{path}' a divisor of '{whole_path}'",
            _set_here(f"'{whole_path}' is", whole_path, origins),
        )
    return fits


def layout_accelerators(tensor: int, pipeline: int, context: int, data: int | None) -> int:
    """Accelerators a written layout places: tensor × pipeline × context × data ranks, one
    replica's when the data degree is `auto` (None or 0: every accelerator the replicas leave).
    The cluster holds at least this many, at its centre (`check_layout`) and in every Monte
    Carlo draw of its count."""
    return tensor * pipeline * context * (data or 1)


def check_layout(
    subject: str,
    values: Mapping[str, Any],
    origins: Mapping[str, Span],
    sink: DiagnosticSink,
    at: Span | None = None,
) -> bool:
    """Report a layout that needs more accelerators than the cluster has, more pipeline stages
    than the model has layers, a per-stage count of layers (`PER_STAGE`) above one stage's, an expert or tensor degree that does not divide the experts, the
    attention or key/value heads or the MLP's width (`SPLITS`), a sequence that the context-parallel ranks cannot split
    evenly, or a ZeRO shard group that does not divide the replicas; `subject` names the
    scenario or variant.
    Reported at `at` when given (a sweep's line), else at the `parallelism` line. True when
    nothing was reported."""
    layout = values.get("workload.parallelism")
    if not isinstance(layout, Parallelism):
        return True
    errors_before = len(sink.diagnostics)
    span = at or origins.get("workload.parallelism")
    tensor, pipeline = layout.tensor, layout.pipeline
    context = layout.context if layout.context is not None else 1
    replica = layout_accelerators(tensor, pipeline, context, None)
    written = f"tensor {tensor} × pipeline {pipeline} × context {context}"
    count = central(values.get("cluster.count"))
    related = _set_here("the cluster's accelerators are", "cluster.count", origins)
    placed = layout_accelerators(tensor, pipeline, context, layout.data)
    if count is not None and layout.data is not None and placed > count:
        sink.error(
            f"{subject}: the layout {written} × data {layout.data} needs "
            f"{placed:,} accelerators, but the cluster has {count:,.0f}",
            span,
            "make tensor × pipeline × context × data at most cluster.count, or write 'data auto'",
            related,
        )
    elif count is not None and replica > count:
        sink.error(
            f"{subject}: one replica of the layout ({written}) needs {replica:,} "
            f"accelerators, but the cluster has {count:,.0f}",
            span,
            "lower the tensor, pipeline or context degree, or raise cluster.count",
            related,
        )
    layers = central(values.get("workload.layers"))
    if layers is not None and pipeline > layers:
        sink.error(
            f"{subject}: the layout has {pipeline:,} pipeline stages, but the model has "
            f"{layers:,.0f} layers (a stage holds at least one layer)",
            span,
            "make the pipeline degree at most workload.layers",
            _set_here("the layers are", "workload.layers", origins),
        )
    stage = math.ceil(layers / pipeline) if layers is not None and pipeline > 1 else None
    for path in PER_STAGE:
        value = values.get(path)
        if stage is not None and isinstance(value, int | float) and value > stage:
            sink.error(
                f"{subject}: '{path}' is {value:,.0f}, more than the {stage:,} layers of one "
                f"pipeline stage ({layers:,.0f} layers over {pipeline:,} stages): it counts "
                "layers per stage, not the run's",
                at or origins.get(path),
                f"make '{path}' at most {stage:,} (a count of the run's layers divided by the "
                "pipeline degree)",
                _set_here("the layout is", "workload.parallelism", origins),
            )
    uneven: set[str] = set()  # a degree is told once, at the first count it splits unevenly
    for axis, path, noun, copied in SPLITS:
        degree, whole = getattr(layout, axis), values.get(path)
        if axis in uneven or not isinstance(whole, int | float):
            continue
        if splits_unevenly(degree, whole, copied):
            uneven.add(axis)
            sink.error(
                f"{subject}: the layout's {axis} degree {degree:,} does not divide the model's "
                f"{whole:,.0f} {noun} (each {axis}-parallel rank holds an equal share"
                f"{', or one of those it copies' if copied else ''})",
                span,
                f"make the {axis} degree a divisor of {path}"
                f"{' or a multiple of it' if copied else ''}",
                _set_here(f"the {noun} are", path, origins),
            )
    sequence = values.get("workload.sequence_length")
    if context > 1 and isinstance(sequence, (int, float)) and sequence % context:
        sink.error(
            f"{subject}: context parallelism splits each sequence over {context} "
            f"ranks, but the sequence length {sequence:,.0f} is not a multiple of {context}",
            span,
            "make the context degree a divisor of workload.sequence_length",
            _set_here("the sequence length is", "workload.sequence_length", origins),
        )
    group = values.get("workload.shard_group")
    if isinstance(group, int) and group > 0:
        data = layout.data
        if data is None and count is not None and count % replica == 0:
            data = int(count // replica)  # `data auto`: every accelerator the replica leaves
        replicas = data * context if data is not None else None
        if replicas is not None and (group > replicas or replicas % group):
            sink.error(
                f"{subject}: a ZeRO shard group of {group:,} replicas does not divide the "
                f"layout's {replicas:,} replicas (data {data:,} × context {context}): each "
                "group holds one whole copy of the model state",
                origins.get("workload.shard_group") or span,
                "choose a shard group that divides data × context, or 0 for all of them",
                (("the layout is", span),) if span is not None else (),
            )
    return len(sink.diagnostics) == errors_before
