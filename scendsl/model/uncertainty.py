"""Uncertainty: Monte Carlo over the analyst's ranges, and which range matters most.

**What is uncertain.** Only what the analyst wrote as a range: `a to b` or `x ± y%` in a
scenario field, an `accelerator` block figure or a `reference` count. Catalog figures carry a
confidence code, not a distribution, and are held fixed. An input node carries the range of the
field it reads (`Found.distribution`); nodes that pass on the same written range (the dense
model's `workload.active_parameters` is `workload.parameters`) share one draw.

The laws of the ranges and the random draws are in scendsl/model/laws.py.

**Evaluation.** All samples go through every node at once as arrays (the registry's formulas
are element-wise), with `scendsl.model.engine.run_frames`, which also copes with flags and
categories computed from sampled numbers. Inputs the model *derives* from an uncertain field
(the model width from the parameter count) are held at their value for the centre and listed in
`Samples.held`: that part of the uncertainty is not propagated.

**Sensitivity.** For each headline metric, each uncertain input is moved alone to its P5 and its
P95 with the others at their medians (all 2·k + 1 points in one vectorised evaluation): the
swing ranks the inputs (a tornado chart); the Spearman rank correlation between the input's
samples and the metric's samples says the same with every input moving at once.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeGuard

import numpy as np

from scendsl.catalog import Catalog, load_catalog
from scendsl.defaults import ARRAY_MEMORY_BUDGET, DEFAULT_SAMPLES, DEFAULT_SEED
from scendsl.language.fields import (
    ACCELERATOR_FIGURES,
    REFERENCE_FIELDS,
    SECTIONS,
    FieldSpec,
    field_relations,
)
from scendsl.language.layout import layout_accelerators
from scendsl.model.context import Context, Conversions, claims_in_usd, converted_ranges
from scendsl.model.engine import gather_category, gather_number, run_frames
from scendsl.model.evaluate import claim_holds, input_values, nodes_for
from scendsl.model.laws import InputLaw, correlate, law_for, standard_normals
from scendsl.model.registry import Node
from scendsl.model.trace import touches, traced_input
from scendsl.model.values import json_text, nan_to_none, percentiles_together, spread
from scendsl.scenario import Scenario, Uncertain
from scendsl.wording import counted

#: Memory a Monte Carlo run may take, in bytes: samples × nodes × 8 (one float64 array per
#: node), summed over the scenarios whose runs are held together. `--samples 1000000000` would
#: need tens of gigabytes; it is refused before anything is drawn.
MONTE_CARLO_MEMORY_BUDGET = ARRAY_MEMORY_BUDGET

#: Metrics the sensitivity analysis ranks inputs for (those the model has).
HEADLINE_METRICS = (
    "energy.facility_power",
    "energy.annual_emissions",
    "performance.training_time",
    "reliability.training_time",
    "market.capex",
    "cluster.peak_fp8",
)


def _written_fields(
    scenario: Scenario, conversions: Conversions | None = None
) -> dict[int, tuple[str, FieldSpec | None]]:
    """Each range the analyst wrote, by object identity: its dotted path and field spec; with
    an evaluation's `conversions`, each range it converted to USD too (what the node holds)."""
    found: dict[int, tuple[str, FieldSpec | None]] = {}
    for section, fields in SECTIONS.items():
        part = getattr(scenario, section)
        for name, spec in fields.items():
            value = getattr(part, name, None)
            if isinstance(value, Uncertain):
                found[id(value)] = (f"{section}.{name}", spec)
    for accelerator in scenario.accelerators.values():
        for name, value in accelerator.figures.items():
            if isinstance(value, Uncertain):
                found[id(value)] = (
                    f"accelerator {accelerator.name}.{name}",
                    ACCELERATOR_FIGURES.get(name),
                )
    for reference in scenario.references.values():
        if isinstance(reference.count, Uncertain):
            found[id(reference.count)] = (
                f"reference {reference.name}.count",
                REFERENCE_FIELDS["count"],
            )
    for usd, written in converted_ranges(conversions or {}).items():
        if written in found:
            found[usd] = found[written]
    return found


def has_uncertainty(scenario: Scenario) -> bool:
    """Whether the analyst wrote any range that reaches this scenario: in its own fields, its
    accelerator, a reference's count or a reference's accelerator (not in hardware it never uses)."""
    used = {scenario.cluster.accelerator}
    used.update(reference.accelerator for reference in scenario.references.values())
    for path, _spec in _written_fields(scenario).values():
        if not path.startswith("accelerator "):
            return True
        if path[len("accelerator ") :].split(".", 1)[0] in used:
            return True
    return False


# ================================================================================ samples
@dataclass(frozen=True)
class Summary:
    """A number node over the samples."""

    p5: float
    p50: float
    p95: float
    mean: float
    unit: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "p5": self.p5,
            "p50": self.p50,
            "p95": self.p95,
            "mean": self.mean,
            "unit": self.unit,
        }


@dataclass(frozen=True)
class ClaimProbability:
    """An `expect` under uncertainty: the share of samples in which it holds."""

    metric: str
    op: str
    expected: float | str | bool
    tolerance: float | None
    unit: str
    quote: str
    file: str
    line: int
    #: None when the metric is n/a (or never finite) for the scenario.
    probability: float | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "op": self.op,
            "expected": self.expected,
            "tolerance": self.tolerance,
            "unit": self.unit,
            "quote": self.quote,
            "file": self.file,
            "line": self.line,
            "probability": self.probability,
        }


@dataclass
class Samples:
    """A Monte Carlo run: the laws drawn, the draws, and every number node over the samples.

    `numbers[name]` is a float array of `size` samples, or the node's single value when it does
    not depend on any uncertain input (None when n/a).
    """

    scenario: str
    size: int
    seed: int
    laws: tuple[InputLaw, ...]
    correlations: dict[tuple[str, str], float]
    draws: dict[str, np.ndarray]
    numbers: dict[str, Any]
    units: dict[str, str]
    claims: tuple[ClaimProbability, ...]
    #: Inputs derived from an uncertain field but held at their value for the centre.
    held: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    _nodes: list[Node] = field(default_factory=list, repr=False)
    _inputs: dict[str, Any] = field(default_factory=dict, repr=False)

    def percentiles(self, name: str) -> Summary | None:
        """P5, P50, P95 and mean of one number node (None when n/a)."""
        value = self.numbers.get(name)
        unit = self.units.get(name, "")
        if value is None:
            return None
        if not isinstance(value, np.ndarray):
            number = float(value)
            return Summary(number, number, number, number, unit)
        stats = spread(value)  # n/a samples are left out
        if stats is None:
            return None
        _low, p5, p50, p95, _high, mean = stats
        return Summary(p5, p50, p95, mean, unit)

    def summaries(self) -> dict[str, Summary]:
        """Every number node that is not n/a, in evaluation order."""
        out = {}
        for name in self.numbers:
            summary = self.percentiles(name)
            if summary is not None:
                out[name] = summary
        return out

    def varying_summaries(self) -> dict[str, Summary]:
        """`percentiles` of every node that moves with the uncertain inputs (those with no known
        sample left out), the arrays without an n/a sample taken together (`percentiles_together`:
        a few numpy calls rather than hundreds, the same floats)."""
        names = self.varying()
        whole = [
            name
            for name in names
            if self.numbers[name].size and not np.isnan(self.numbers[name]).any()
        ]
        together = dict(
            zip(whole, percentiles_together([self.numbers[n] for n in whole]), strict=True)
        )
        out = {}
        for name in names:
            found = together.get(name)
            if found is not None:
                out[name] = Summary(*found, self.units.get(name, ""))
                continue
            summary = self.percentiles(name)
            if summary is not None:
                out[name] = summary
        return out

    def varying(self) -> list[str]:
        """Number nodes that move with the uncertain inputs."""
        return [name for name, value in self.numbers.items() if isinstance(value, np.ndarray)]

    def to_dict(self) -> dict[str, Any]:
        """Everything as plain data (deterministic: the same seed gives the same bytes)."""
        return {
            "scenario": self.scenario,
            "samples": self.size,
            "seed": self.seed,
            "inputs": {law.name: law.describe() for law in self.laws},
            "correlations": [
                {"inputs": list(pair), "rho": rho}
                for pair, rho in sorted(self.correlations.items())
            ],
            "metrics": {name: summary.as_dict() for name, summary in self.summaries().items()},
            "claims": [claim.as_dict() for claim in self.claims],
            "held": list(self.held),
            "notes": list(self.notes),
        }

    def to_json(self) -> str:
        return json_text(self.to_dict(), indent=2) + "\n"


def sample_cells(scenario: Scenario, samples: int, catalog: Catalog) -> int:
    """How many figure values `samples` draws of the scenario hold (samples × its figures, the
    references' included): the size of its Monte Carlo run, 8 bytes each; 0 when certain."""
    return samples * len(nodes_for(scenario, catalog)) if has_uncertainty(scenario) else 0


def check_sample_budget(
    scenarios: Iterable[Scenario],
    samples: int,
    catalog: Catalog | None = None,
    together: bool = True,
) -> None:
    """Raise ScenarioError if `samples` draws of the `scenarios` with ranges would take more
    than MONTE_CARLO_MEMORY_BUDGET: held `together` (their sum), or one at a time (the most)."""
    from scendsl.errors import ScenarioError

    if samples <= 0:
        return
    catalog = catalog or load_catalog()
    sizes = [8 * sample_cells(s, samples, catalog) for s in scenarios if has_uncertainty(s)]
    need = sum(sizes) if together else max(sizes, default=0)
    if need <= MONTE_CARLO_MEMORY_BUDGET:
        return
    most = samples * MONTE_CARLO_MEMORY_BUDGET // max(need, 1)
    raise ScenarioError.one(
        f"{samples:,} Monte Carlo samples of {counted(len(sizes), 'scenario')} with ranges would "
        f"take about {need / 1024**3:,.1f} GiB; the limit is "
        f"{MONTE_CARLO_MEMORY_BUDGET / 1024**3:g} GiB",
        hint=f"use --samples {most:,} or fewer",
    )


def sample(
    scenario: Scenario,
    samples: int = DEFAULT_SAMPLES,
    seed: int = DEFAULT_SEED,
    catalog: Catalog | None = None,
    correlations: dict[tuple[str, str], float] | None = None,
) -> Samples:
    """Monte Carlo over the scenario's ranges: `samples` draws of every uncertain input, every
    node evaluated once on the arrays, claims as probabilities (see the module docstring)."""
    if samples < 1:
        raise ValueError("at least one sample is needed")
    catalog = catalog or load_catalog()
    # Input nodes only: the metrics are computed once, on the sample arrays, below.
    context = Context(scenario, catalog)
    values, found = input_values(scenario, catalog, context)
    expanded = nodes_for(scenario, catalog)
    nodes = [node for node, _ in expanded]
    written = _written_fields(scenario, context.conversions)
    laws: list[InputLaw] = []
    aliases: dict[str, str] = {}  # input name → its stream
    first_by_range: dict[int, str] = {}
    notes: list[str] = []
    for node, _ref in expanded:
        hit = found.get(node.name)
        if node.kind != "input" or hit is None or hit.distribution is None:
            continue
        distribution = hit.distribution
        if not _is_center(hit.value, distribution.center):
            notes.append(
                f"{node.name}: holds {hit.value!r}, not the centre of its range; held fixed"
            )
            continue
        stream = first_by_range.setdefault(id(distribution), node.name)
        aliases[node.name] = stream
        spec = written.get(id(distribution), (None, None))[1]
        laws.append(law_for(node.name, distribution, spec, node.unit, stream, node.dimension))
    correlations = {
        **_written_correlations(scenario, expanded, found, written),
        **dict(correlations or {}),
    }
    streams = sorted({law.stream for law in laws})
    scores = {name: standard_normals(seed, name, samples) for name in streams}
    scores = correlate(scores, correlations, aliases)
    draws = {law.name: law.values(scores[law.stream]) for law in laws}
    inputs = {node.name: values[node.name] for node in nodes if node.kind == "input"}
    _hold_to_limits(draws, inputs, aliases)
    inputs.update(draws)
    slow: set[str] = set()
    frames = run_frames(nodes, inputs, samples, slow)
    numbers = {
        node.name: _collapse(gather_number(frames, node.name, samples))
        for node in nodes
        if node.value_type == "number"
    }
    notes.extend(f"{name}: not vectorised (evaluated per distinct input)" for name in sorted(slow))
    units = {node.name: node.unit for node in nodes}
    by_name = {node.name: node for node in nodes}
    claims = tuple(
        _named_claim_probability(claim, frames, samples, units, by_name.get(claim.metric))
        if claim.dimension in ("category", "bool")
        else _claim_probability(claim, numbers.get(claim.metric), units)
        for claim in claims_in_usd(scenario)
    )
    held = _held_inputs(scenario, catalog, expanded, found, written) if laws else ()
    normalized: dict[tuple[str, str], float] = {}
    for (a, b), rho in (correlations or {}).items():
        first, second = sorted((aliases[a], aliases[b]))
        normalized[first, second] = float(rho)
    return Samples(
        scenario=scenario.name,
        size=samples,
        seed=seed,
        laws=tuple(laws),
        correlations=normalized,
        draws=draws,
        numbers=numbers,
        units=units,
        claims=claims,
        held=held,
        notes=tuple(notes),
        _nodes=nodes,
        _inputs=inputs,
    )


#: (field, field it may not exceed), declared with the fields (`FieldSpec.at_most`).
_AT_MOST = field_relations("at_most")
#: The degrees of a written layout before its data degree, as `layout_accelerators` takes them.
_LAYOUT_AXES = ("tensor", "pipeline", "context")


def _hold_to_limits(
    draws: dict[str, np.ndarray], inputs: dict[str, Any], aliases: dict[str, str]
) -> None:
    """Hold each draw of a field declared at most another to that field's draw or value, and
    each draw of the cluster's count to the accelerators its written layout places: `check`
    refuses such a scenario at the centres, and a draw of it is a run that cannot be (adapters
    holding more parameters than their model, a trainable share above 1, a layout on
    accelerators the cluster lacks), as the draws are clipped at the field's own bounds. What
    is drawn gives way to what is fixed: a drawn field is clipped at its limit, a drawn limit
    raised to the fixed field's value, with every input drawn from its stream (`aliases`: a
    dense model's active parameters are its parameters)."""

    def raise_to(name: str, floor: float | np.ndarray) -> None:
        for other in [n for n in draws if aliases.get(n, n) == aliases.get(name, name)]:
            draws[other] = np.maximum(draws[other], floor)

    for path, limit_path in _AT_MOST:
        value = draws.get(path, inputs.get(path))
        limit = draws.get(limit_path, inputs.get(limit_path))
        if not (_is_number(value) and _is_number(limit)):
            continue
        if path in draws:
            draws[path] = np.minimum(draws[path], limit)
        elif limit_path in draws:
            raise_to(limit_path, value)
    if "cluster.count" in draws:
        tensor, pipeline, context = (
            int(inputs.get(f"workload.{axis}_parallel") or 1) for axis in _LAYOUT_AXES
        )
        data = int(inputs.get("workload.data_parallel_setting") or 0)
        raise_to("cluster.count", layout_accelerators(tensor, pipeline, context, data))


def _is_number(value: object) -> TypeGuard[float | np.ndarray]:
    """Whether an input holds a number or an array of draws (not a name, a flag or nothing)."""
    return isinstance(value, int | float | np.ndarray) and not isinstance(value, bool)


def _written_correlations(
    scenario: Scenario, expanded, found, written
) -> dict[tuple[str, str], float]:
    """The scenario's `correlate` statements, from field paths to the input nodes they feed."""
    if not scenario.correlations:
        return {}
    node_of_path: dict[str, str] = {}
    for node, _ref in expanded:
        hit = found.get(node.name)
        if node.kind == "input" and hit is not None and hit.distribution is not None:
            path = written.get(id(hit.distribution), (None, None))[0]
            if path is not None:
                node_of_path.setdefault(path, node.name)
    pairs = {}
    for correlation in scenario.correlations:
        if correlation.a in node_of_path and correlation.b in node_of_path:
            pairs[(node_of_path[correlation.a], node_of_path[correlation.b])] = correlation.rho
    return pairs


def _is_center(value: Any, center: float) -> bool:
    try:
        return math.isclose(float(value), center, rel_tol=1e-12, abs_tol=0.0)
    except (TypeError, ValueError):
        return False


def _collapse(value: Any) -> Any:
    """A column whose samples are all the same value (no uncertain input reaches it) is that
    value; numpy scalars become Python numbers."""
    if isinstance(value, np.ndarray) and value.ndim == 1 and value.size:
        first = value[0]
        if np.all(value == first) or (np.isnan(first) and np.isnan(value).all()):
            return None if np.isnan(first) else float(first)
    return value


def _claim_probability(claim: Any, actual: Any, units: dict[str, str]) -> ClaimProbability:
    probability: float | None = None
    if actual is not None:
        array = np.atleast_1d(np.asarray(actual, dtype=float))
        finite = array[np.isfinite(array)]
        if finite.size:
            holds = claim_holds(claim.op, finite, claim.value, claim.tolerance)
            probability = float(np.mean(holds))
    return ClaimProbability(
        claim.metric,
        claim.op,
        claim.value,
        claim.tolerance,
        units.get(claim.metric, ""),
        claim.quote,
        claim.span.file,
        claim.span.line,
        probability,
    )


def _named_claim_probability(
    claim: Any, frames: list, size: int, units: dict[str, str], node: Node | None
) -> ClaimProbability:
    """A claim on a category, a rating or a flag: the share of the samples where the metric is
    not n/a in which it holds."""
    column = gather_category(frames, claim.metric, size)
    order = node.choices if node is not None and node.ordered else ()
    verdicts = [
        None if value is None else claim_holds(claim.op, value, claim.value, None, order)
        for value in column.categories
    ]
    decided = np.asarray([v is not None for v in verdicts], dtype=bool)[column.codes]
    held = np.asarray([bool(v) for v in verdicts], dtype=bool)[column.codes]
    probability = float(held[decided].mean()) if decided.any() else None
    return ClaimProbability(
        claim.metric,
        claim.op,
        claim.value,
        None,
        units.get(claim.metric, ""),
        claim.quote,
        claim.span.file,
        claim.span.line,
        probability,
    )


def _held_inputs(
    scenario: Scenario,
    catalog: Catalog,
    expanded: Sequence[tuple[Node, str | None]],
    found: dict[str, Any],
    written: dict[int, tuple[str, FieldSpec | None]],
) -> tuple[str, ...]:
    """Inputs that read an uncertain scenario field but do not carry its range."""
    paths = [
        path
        for path, _spec in written.values()
        if not path.startswith(("accelerator ", "reference "))
    ]
    if not paths:  # only accelerator figures or reference counts vary: nothing to trace
        return ()
    held = []
    for node, ref in expanded:
        hit = found.get(node.name)
        # An n/a input holds no value (cluster.default_mfu when the scenario gives the MFU).
        if node.kind != "input" or hit is None or hit.distribution is not None:
            continue
        _value, reads = traced_input(node, ref, scenario, catalog)
        if any(touches(read, path) for read in reads for path in paths):
            held.append(node.name)
    return tuple(held)


# ============================================================================ sensitivity
@dataclass(frozen=True)
class Swing:
    """One uncertain input moved alone from its P5 to its P95, the others at their medians."""

    input: str
    #: Other inputs that share this range (they move with it).
    also: tuple[str, ...]
    unit: str
    dimension: str
    input_low: float
    input_high: float
    metric_at_low: float | None
    metric_at_high: float | None
    #: |metric at P95 − metric at P5| (0 when n/a).
    swing: float
    #: Rank correlation of the input's samples with the metric's (None when either is fixed).
    spearman: float | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "input": self.input,
            "also": list(self.also),
            "unit": self.unit,
            "input_p5": self.input_low,
            "input_p95": self.input_high,
            "metric_at_p5": self.metric_at_low,
            "metric_at_p95": self.metric_at_high,
            "swing": self.swing,
            "spearman": self.spearman,
        }


@dataclass(frozen=True)
class MetricSensitivity:
    """The uncertain inputs ranked by how far they move one metric."""

    metric: str
    unit: str
    dimension: str
    meaning: str
    #: The metric with every uncertain input at its median.
    baseline: float | None
    swings: tuple[Swing, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "unit": self.unit,
            "meaning": self.meaning,
            "baseline": self.baseline,
            "swings": [s.as_dict() for s in self.swings],
        }


@dataclass(frozen=True)
class Sensitivity:
    """Tornado data for the headline metrics of one scenario."""

    scenario: str
    samples: int
    seed: int
    metrics: tuple[MetricSensitivity, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "samples": self.samples,
            "seed": self.seed,
            "metrics": [m.as_dict() for m in self.metrics],
        }

    def rows(self) -> list[dict[str, Any]]:
        """One flat row per (metric, input), largest swing first: for a table."""
        return [
            {"metric": m.metric, "metric_unit": m.unit, "baseline": m.baseline, **s.as_dict()}
            for m in self.metrics
            for s in m.swings
        ]


def sensitivity(
    scenario: Scenario,
    samples: Samples | int = DEFAULT_SAMPLES,
    seed: int = DEFAULT_SEED,
    metrics: Sequence[str] = HEADLINE_METRICS,
    catalog: Catalog | None = None,
    correlations: dict[tuple[str, str], float] | None = None,
) -> Sensitivity:
    """Rank the uncertain inputs by their swing on each metric (those the scenario has).

    `samples` is a Monte Carlo run of this scenario (for the rank correlations) or a number of
    samples to draw. The one-at-a-time points ignore correlations by construction; the rank
    correlations include them.
    """
    catalog = catalog or load_catalog()
    if not isinstance(samples, Samples):
        samples = sample(scenario, samples, seed, catalog, correlations)
    elif samples.scenario != scenario.name:
        raise ValueError(f"the samples are of scenario '{samples.scenario}', not '{scenario.name}'")
    nodes = samples._nodes
    by_name = {node.name: node for node in nodes}
    chosen = [
        name
        for name in metrics
        if name in by_name
        and by_name[name].value_type == "number"
        and samples.numbers.get(name) is not None
    ]
    streams: dict[str, list[InputLaw]] = {}
    for law in samples.laws:
        streams.setdefault(law.stream, []).append(law)
    ordered = sorted(streams)
    points = 2 * len(ordered) + 1  # P5 and P95 per stream, then all at the median
    inputs = dict(samples._inputs)
    for law in samples.laws:  # every uncertain input at its median ...
        inputs[law.name] = np.full(points, law.quantile(0.5))
    for index, stream in enumerate(ordered):  # ... except one stream per pair of points
        for law in streams[stream]:
            inputs[law.name][2 * index] = law.quantile(0.05)
            inputs[law.name][2 * index + 1] = law.quantile(0.95)
    frames = run_frames(nodes, inputs, points)
    rank_cache: dict[int, np.ndarray] = {}
    results = []
    for name in chosen:
        column = gather_number(frames, name, points)
        if isinstance(column, np.ndarray):
            at = column
        else:  # no uncertain input reaches this metric (or it is n/a)
            at = np.full(points, math.nan if column is None else float(column))
        swings = []
        for index, stream in enumerate(ordered):
            lead = streams[stream][0]
            low, high = nan_to_none(at[2 * index]), nan_to_none(at[2 * index + 1])
            swing = abs(high - low) if low is not None and high is not None else 0.0
            swings.append(
                Swing(
                    input=lead.name,
                    also=tuple(law.name for law in streams[stream][1:]),
                    unit=lead.unit,
                    dimension=lead.dimension,
                    input_low=lead.quantile(0.05),
                    input_high=lead.quantile(0.95),
                    metric_at_low=low,
                    metric_at_high=high,
                    swing=swing,
                    spearman=spearman(
                        samples.draws[lead.name], samples.numbers.get(name), rank_cache
                    ),
                )
            )
        swings.sort(key=lambda s: (-s.swing, s.input))
        node = by_name[name]
        results.append(
            MetricSensitivity(
                name, node.unit, node.dimension, node.meaning, nan_to_none(at[-1]), tuple(swings)
            )
        )
    return Sensitivity(scenario.name, samples.size, samples.seed, tuple(results))


def ranks(values: np.ndarray) -> np.ndarray:
    """Ranks 1..n with ties sharing their average rank."""
    values = np.asarray(values, dtype=float)
    order = np.argsort(values)  # ties get their average rank, so their order does not matter
    ordered = values[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    ends = np.r_[starts[1:], len(values)]
    average = (starts + ends + 1) / 2.0  # ranks starts+1 .. ends, averaged
    out = np.empty(len(values))
    out[order] = np.repeat(average, ends - starts)
    return out


def spearman(x: Any, y: Any, _cache: dict[int, np.ndarray] | None = None) -> float | None:
    """Spearman's rank correlation of two samples (None when either does not vary)."""
    if not isinstance(x, np.ndarray) or not isinstance(y, np.ndarray):
        return None
    keep = np.isfinite(x) & np.isfinite(y)
    if keep.sum() < 3:
        return None
    if keep.all() and _cache is not None:  # the same draws are ranked for every metric
        rx = _cache.get(id(x))
        if rx is None:
            rx = _cache[id(x)] = _centred(ranks(x))
        ry = _cache.get(id(y))
        if ry is None:
            ry = _cache[id(y)] = _centred(ranks(y))
    else:
        rx, ry = _centred(ranks(x[keep])), _centred(ranks(y[keep]))
    # Element-wise sums, not BLAS: the same bytes on every machine (and no thread start-up).
    denominator = math.sqrt(float((rx * rx).sum()) * float((ry * ry).sum()))
    return None if denominator == 0 else float((rx * ry).sum()) / denominator


def _centred(values: np.ndarray) -> np.ndarray:
    return values - values.mean()
