"""Whether a scenario's parallel layout can be placed: tensor × pipeline × context × data ranks
on the cluster's accelerators, and the sequence split evenly over the context-parallel ranks.

Checked once the scenario's values are read, so the message can name both lines it ties.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scendsl.errors import DiagnosticSink, Span
from scendsl.language import fields as F
from scendsl.scenario import Parallelism, central

#: The fields a layout check reads: a sweep over any of them checks each combination.
LAYOUT_PATHS = ("cluster.count", "workload.parallelism", "workload.sequence_length")
#: (field, field it may not exceed), declared with the fields (`FieldSpec.at_most`).
RELATIONS = F.field_relations()


def check_relations(
    subject: str,
    values: Mapping[str, Any],
    origins: Mapping[str, Span],
    sink: DiagnosticSink,
    at: Span | None = None,
) -> bool:
    """Report a field set above the field it may not exceed (`workload.kv_heads` above
    `workload.attention_heads`, ...), at `at` when given (a sweep's line), else at the field's
    line. True when nothing was reported."""
    fits = True
    for path, limit_path in RELATIONS:
        value, limit = central(values.get(path)), central(values.get(limit_path))
        if value is None or limit is None or value <= limit:
            continue
        fits = False
        sink.error(
            f"{subject}: '{path}' is {value:,.0f}, more than '{limit_path}' ({limit:,.0f})",
            at or origins.get(path),
            f"make '{path}' at most '{limit_path}'",
            (
                ((f"'{limit_path}' is set here", origins[limit_path]),)
                if limit_path in origins
                else ()
            ),
        )
    return fits


def check_layout(
    subject: str,
    values: Mapping[str, Any],
    origins: Mapping[str, Span],
    sink: DiagnosticSink,
    at: Span | None = None,
) -> bool:
    """Report a layout that needs more accelerators than the cluster has, or a sequence that
    the context-parallel ranks cannot split evenly; `subject` names the scenario or variant.
    Reported at `at` when given (a sweep's line), else at the `parallelism` line. True when
    nothing was reported."""
    layout = values.get("workload.parallelism")
    if not isinstance(layout, Parallelism):
        return True
    errors_before = len(sink.diagnostics)
    span = at or origins.get("workload.parallelism")
    tensor, pipeline = layout.tensor, layout.pipeline
    context = layout.context if layout.context is not None else 1
    replica = tensor * pipeline * context
    written = f"tensor {tensor} × pipeline {pipeline} × context {context}"
    count = central(values.get("cluster.count"))
    related = (
        (("the cluster's accelerators are set here", origins["cluster.count"]),)
        if "cluster.count" in origins
        else ()
    )
    if count is not None and layout.data is not None and replica * layout.data > count:
        sink.error(
            f"{subject}: the layout {written} × data {layout.data} needs "
            f"{replica * layout.data:,} accelerators, but the cluster has {count:,.0f}",
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
    sequence = values.get("workload.sequence_length")
    if context > 1 and isinstance(sequence, (int, float)) and sequence % context:
        sink.error(
            f"{subject}: context parallelism splits each sequence over {context} "
            f"ranks, but the sequence length {sequence:,.0f} is not a multiple of {context}",
            span,
            "choose a context degree that divides workload.sequence_length",
            (
                (("the sequence length is set here", origins["workload.sequence_length"]),)
                if "workload.sequence_length" in origins
                else ()
            ),
        )
    return len(sink.diagnostics) == errors_before
