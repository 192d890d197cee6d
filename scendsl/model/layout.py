"""The parallel layout a scenario gets when it writes no `parallelism`.

Without a layout every accelerator would hold the whole model (tensor 1, pipeline 1), which no
large run does: a 400B model then "needs" terabytes per accelerator, the briefing warns that the
run cannot start, and the bottom-up step time is that of an impossible layout. Operators shard
until the job fits, and Narayanan et al. (2021, takeaway 1) give the order: tensor parallelism up
to the accelerators of one server, then pipeline stages across servers. The model does the same:
the first layout of that ladder whose memory per accelerator fits in HBM, judged by the
scenario's own memory model (precision, recomputation, ZeRO stage, sequence length, ...); when
none fits, the most sharded. The ladder's bounds are catalog data (calibration
`auto_layout_max_tensor`, `auto_layout_max_pipeline`). A scenario that writes `parallelism`
keeps what it wrote, and a sweep that varies it keeps each variant's; one that writes only the
expert degree keeps that degree and leaves tensor and pipeline to the ladder.

One rule, two evaluators: `choose` for one scenario (`evaluate`), `choose_columns` for many
variants at once (a sweep's vectorised pass); both walk the same `ladder` and `allowed`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from scendsl.catalog import Catalog
from scendsl.scenario import Parallelism, Scenario, central

if TYPE_CHECKING:  # imported by the columns' path when it runs: `choose` needs none
    import numpy as np

#: Where the choice comes from, for `explain` and the briefings' assumptions.
SOURCE = (
    "Narayanan et al. 2021, Efficient Large-Scale Language Model Training on GPU Clusters Using "
    "Megatron-LM (SC21), takeaway 1: tensor parallelism up to the GPUs of a server, then "
    "pipeline parallelism across servers; Korthikanti et al. 2022, Reducing Activation "
    "Recomputation in Large Transformer Models: full recomputation keeps one input per layer"
)
#: The recomputation tried when no layout fits with the scenario's own.
FULL = "full"

#: The figures a candidate is judged by, and the two that bound the ladder.
MEMORY, HBM = "performance.memory_per_accelerator", "accelerator.hbm"
COUNT, LAYERS = "cluster.count", "workload.layers"
#: The accelerators one scale-up fabric joins as the scenario's servers hold them: tensor
#: parallelism stays inside it (a four-GPU node stops the ladder's tensor degrees at four).
DOMAIN = "accelerator.scaleup_domain"

#: The layout of a scenario that writes none (the language's defaults).
_NOT_WRITTEN = Parallelism()


@dataclass(frozen=True)
class Layout:
    """A chosen layout: its tensor and pipeline degrees, the recomputation it needs (None: the
    scenario's own, or its framework's default) and why they were chosen."""

    tensor: int
    pipeline: int
    note: str
    recompute: str | None = None


def writes_no_layout(scenario: Scenario) -> bool:
    """Whether the layout is the model's to choose: the scenario writes no `parallelism`, or one
    that gives the expert degree alone (`parallelism expert 1`: a paper that says how its
    experts were spread and publishes no tensor or pipeline degree)."""
    if "workload.parallelism" not in scenario.origins:
        return scenario.workload.parallelism == _NOT_WRITTEN
    return writes_expert_degree_alone(scenario)


def writes_expert_degree_alone(scenario: Scenario) -> bool:
    """Whether the scenario's `parallelism` gives the expert degree and nothing else."""
    written = scenario.workload.parallelism.model_fields_set
    return "workload.parallelism" in scenario.origins and written == _EXPERT_ALONE


#: The one part of a `parallelism` that can be written without taking the layout from the model.
_EXPERT_ALONE = frozenset({"expert"})


def recompute_choices(scenario: Scenario) -> tuple[str | None, ...]:
    """The recomputations the ladder is walked with: the scenario's own (None), then full
    recomputation when the scenario writes none (operators turn it on when nothing else fits)."""
    written = "workload.recompute" in scenario.origins or scenario.workload.recompute is not None
    return (None,) if written else (None, FULL)


def ladder(catalog: Catalog, domain: Any = None) -> list[tuple[int, int]]:
    """Candidate (tensor, pipeline) degrees in the order they are tried: tensor 1, 2, 4, … up to
    the catalog's bound or the scale-up domain (`domain`, when known) if smaller, then pipeline
    2, 4, … at the largest tensor degree."""
    calibration = catalog.calibration
    max_tensor = int(calibration["auto_layout_max_tensor"].value)
    if _known(domain) and domain >= 1:
        max_tensor = min(max_tensor, int(domain))
    max_pipeline = int(calibration["auto_layout_max_pipeline"].value)
    steps, tensor = [], 1
    while tensor <= max_tensor:
        steps.append((tensor, 1))
        tensor *= 2
    tensor, pipeline = steps[-1][0], 2
    while pipeline <= max_pipeline:
        steps.append((tensor, pipeline))
        pipeline *= 2
    return steps


def allowed(tensor: int, pipeline: int, count: Any, layers: Any) -> Any:
    """Whether a candidate is a layout at all: no more model-parallel ranks than accelerators
    and no more stages than layers (element-wise on columns)."""
    return (tensor * pipeline <= count) & (pipeline <= layers)


def choose(
    scenario: Scenario,
    catalog: Catalog,
    memory_of: Callable[[Scenario, Catalog, Layout], tuple[Any, Any, Any, Any]],
) -> Layout | None:
    """The layout for a scenario that writes no `parallelism`, or None to keep tensor 1,
    pipeline 1 (the scenario wrote a layout, or the whole model fits on one accelerator, or its
    memory is not known).

    The ladder is walked with the scenario's recomputation, then (if it writes none) with full
    recomputation; the first layout that fits is taken, else the most sharded of the first walk.
    `memory_of(scenario, catalog, layout)` gives (memory per accelerator, HBM, layers) of the
    scenario laid out so: the evaluation engine's, passed in so that this module does not
    import the engine, which imports the model's domains.
    """
    if not writes_no_layout(scenario):
        return None
    memory, hbm, layers, domain = memory_of(scenario, catalog, Layout(1, 1, _CANDIDATE))
    if not (_known(memory) and _known(hbm)) or memory <= hbm:
        return None
    count = central(scenario.cluster.count, 1.0)
    layers = layers if _known(layers) else 1.0
    last: tuple[int, int, float] | None = None
    for recompute in recompute_choices(scenario):
        for tensor, pipeline in ladder(catalog, domain)[0 if recompute else 1 :]:
            if not allowed(tensor, pipeline, count, layers):
                continue
            candidate = Layout(tensor, pipeline, _CANDIDATE, recompute)
            memory, hbm, *_ = memory_of(scenario, catalog, candidate)
            if not (_known(memory) and _known(hbm)):
                continue
            if recompute is None:
                last = (tensor, pipeline, memory)
            if memory <= hbm:
                note = _fits_note(_unwritten(scenario), memory, hbm, recompute)
                return Layout(tensor, pipeline, note, recompute)
    if last is None:
        return None
    tensor, pipeline, memory = last
    return Layout(
        tensor,
        pipeline,
        f"{_unwritten(scenario)}, and no layout of the ladder fits in HBM, even with full "
        f"recomputation ({_gb(memory)} of {_gb(hbm)} per accelerator at tensor {tensor} × "
        f"pipeline {pipeline}): the most sharded one is used",
    )


def choose_columns(
    catalog: Catalog,
    count: Any,
    layers: Any,
    size: int,
    recomputes: tuple[str | None, ...],
    memory_of: Callable[[int, int, str | None], tuple[Any, Any]],
    domain: Any = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`choose` for `size` variants at once: the tensor and pipeline degree of each, and
    whether it takes full recomputation.

    `count`, `layers` and `domain` (the scale-up domain, which bounds the tensor degrees) are
    the variants' values or columns; `recomputes` is `recompute_choices` of the variants (the
    same for all: a sweep that varies the recomputation writes it); `memory_of(tensor,
    pipeline, recompute)` gives the memory per accelerator and the HBM of every variant laid
    out so (values or columns). Variants of different scale-up domains walk their own ladders.
    """
    import numpy as np

    domains = _column(domain, size, np.nan)
    ladders: dict[tuple[tuple[int, int], ...], np.ndarray] = {}
    for bound in np.unique(domains):  # NaN sorts last and is its own value
        steps = tuple(ladder(catalog, None if np.isnan(bound) else float(bound)))
        same = np.isnan(domains) if np.isnan(bound) else domains == bound
        ladders[steps] = ladders.get(steps, np.zeros(size, dtype=bool)) | same
    if len(ladders) == 1:
        return _columns_within(count, layers, size, recomputes, memory_of, next(iter(ladders)))
    tensor = np.ones(size, dtype=np.int64)
    pipeline = np.ones(size, dtype=np.int64)
    full = np.zeros(size, dtype=bool)
    for steps, rows in ladders.items():
        t, p, f = _columns_within(count, layers, size, recomputes, memory_of, steps)
        tensor[rows], pipeline[rows], full[rows] = t[rows], p[rows], f[rows]
    return tensor, pipeline, full


def _columns_within(
    count: Any,
    layers: Any,
    size: int,
    recomputes: tuple[str | None, ...],
    memory_of: Callable[[int, int, str | None], tuple[Any, Any]],
    steps: tuple[tuple[int, int], ...],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`choose_columns` for variants whose ladder is `steps`."""
    import numpy as np

    tensor = np.ones(size, dtype=np.int64)
    pipeline = np.ones(size, dtype=np.int64)
    full = np.zeros(size, dtype=bool)
    count, layers = _column(count, size, 1.0), _column(layers, size, 1.0)
    settled = np.zeros(size, dtype=bool)  # the first fit is kept
    for recompute in recomputes:
        for number, (t, p) in enumerate(steps):
            first = recompute is None and not number
            ok = allowed(t, p, count, layers)
            if not first and not (ok & ~settled).any():
                continue
            memory, hbm = memory_of(t, p, recompute)
            memory, hbm = _column(memory, size, np.nan), _column(hbm, size, np.nan)
            known = ~np.isnan(memory) & ~np.isnan(hbm)
            fits = memory <= hbm
            if first:  # (1, 1): kept where it fits or the memory is not known, as in `choose`
                settled = ~known | fits
                if settled.all():
                    return tensor, pipeline, full
                continue
            # The latest allowed candidate (the most sharded so far); full recomputation only
            # where it makes the job fit.
            take = ~settled & ok & known
            if recompute is not None:
                take &= fits
            tensor[take], pipeline[take], full[take] = t, p, recompute is not None
            settled |= take & fits
    return tensor, pipeline, full


def _unwritten(scenario: Scenario) -> str:
    """What the scenario left to the model, for the layout's note."""
    if writes_expert_degree_alone(scenario):
        return "only the expert degree written"
    return "no parallelism written"


def _fits_note(unwritten: str, memory: float, hbm: float, recompute: str | None) -> str:
    how = (
        "tensor within a server first, then pipeline stages"
        if recompute is None
        else "with full recomputation, as no layout fits without it"
    )
    return (
        f"{unwritten}: the least sharding that fits in HBM "
        f"({_gb(memory)} of {_gb(hbm)} per accelerator), {how}"
    )


#: The note of a layout being judged (never shown).
_CANDIDATE = "a candidate"


def _column(value: Any, size: int, missing: float) -> np.ndarray:
    """A value or column as `size` floats (NaN, or `missing`, where n/a)."""
    import numpy as np

    if value is None:
        return np.full(size, missing)
    values = getattr(value, "values", value)  # an n/a-aware column: its numbers
    column = np.broadcast_to(np.asarray(values, dtype=float), (size,)).copy()
    where = getattr(value, "missing", None)
    if where is not None:
        column[np.broadcast_to(where, (size,))] = missing
    return column


def _known(value: Any) -> bool:
    return isinstance(value, (int, float)) and value == value


def _gb(value: float) -> str:
    return f"{value / 1e9:,.0f} GB"
