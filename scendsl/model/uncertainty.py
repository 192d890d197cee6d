"""Uncertainty: Monte Carlo over the analyst's ranges, and which range matters most.

**What is uncertain.** Only what the analyst wrote as a range: `a to b` or `x ± y%` in a
scenario field, an `accelerator` block figure or a `reference` count. Catalog figures carry a
confidence code, not a distribution, and are held fixed. An input node carries the range of the
field it reads (`Found.distribution`); nodes that pass on the same written range (the dense
model's `workload.active_parameters` is `workload.parameters`) share one draw.

**Laws** (docs/uncertainty.md explains the choices):

* `a to b` is a 90 % interval: a and b are the 5th and 95th percentiles. When both are > 0 the
  law is lognormal with median √(ab) and σ = ln(b/a) / (2 · 1.6449): quantities such as PUE,
  prices and utilisations are positive and their ranges read as ratios. Otherwise it is normal
  with mean (a + b)/2 and σ = (b − a) / (2 · 1.6449).
* `x ± y%` is normal with mean x and the ± as the 90 % half-width: σ = x · y / 1.6449. For a
  quantity the language requires to be strictly positive, the normal is truncated at 0 (by
  inverse CDF, so the draw stays a monotone function of the underlying normal); below ±20 % the
  truncated mass is under 10⁻¹⁵ and the plain normal is used.
* Every draw is then kept inside the bounds the language enforces for its field
  (scendsl/language/fields.py): an MFU never above 100 %, a PUE never below 1. Clipping puts the
  tail's mass on the bound.

**Randomness.** `numpy.random.default_rng([seed, key(name)])`: one stream per input, its key
taken from a hash of the input's name, so adding an input leaves the other inputs' draws as they
were. Correlations (`correlations={(a, b): rho}`) use a Gaussian copula: the standard normal
draws of the correlated inputs are mixed through the Cholesky factor of their correlation matrix
before each law is applied, so each input keeps its own law and ρ is the correlation of the
normal scores (Spearman's ρ_s = (6/π)·asin(ρ/2), within 0.02 of ρ).

**Evaluation.** All samples go through every node at once as arrays (the registry's formulas
are element-wise), with `scendsl.model.sweep.run_frames`, which also copes with flags and
categories computed from sampled numbers. Inputs the model *derives* from an uncertain field
(the model width from the parameter count) are held at their value for the centre and listed in
`Samples.held`: that part of the uncertainty is not propagated.

**Sensitivity.** For each headline metric, each uncertain input is moved alone to its P5 and its
P95 with the others at their medians (all 2·k + 1 points in one vectorised evaluation): the
swing ranks the inputs (a tornado chart); the Spearman rank correlation between the input's
samples and the metric's samples says the same with every input moving at once.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scendsl.catalog import Catalog, load_catalog
from scendsl.language.fields import ACCELERATOR_FIGURES, REFERENCE_FIELDS, SECTIONS, FieldSpec
from scendsl.model.evaluate import claim_holds, compute_values, nodes_for
from scendsl.model.registry import Node
from scendsl.model.sweep import gather_number, run_frames, traced_input
from scendsl.scenario import Scenario, Uncertain

#: The default seed: fixed so that every run of the same scenario gives the same numbers.
DEFAULT_SEED = 20251126

#: Memory a Monte Carlo run may take, in bytes: samples × nodes × 8 (one float64 array per
#: node), summed over the scenarios whose runs are held together. `--samples 1000000000` would
#: need tens of gigabytes; it is refused before anything is drawn.
MONTE_CARLO_MEMORY_BUDGET = 2 * 1024**3

#: Φ⁻¹(0.95): a 90 % interval is the centre ± Z90 standard deviations.
Z90 = 1.6448536269514722

#: Metrics the sensitivity analysis ranks inputs for (those the model has).
HEADLINE_METRICS = ("energy.facility_power", "energy.annual_emissions",
                    "performance.training_time", "reliability.training_time", "market.capex",
                    "cluster.peak_fp8")

#: Below this truncated mass the plain normal is used (indistinguishable in double precision).
_NEGLIGIBLE_TAIL = 1e-15


# ============================================================================ the normal law
_erfc = np.vectorize(math.erfc, otypes=[float])


def normal_cdf(x: Any) -> np.ndarray:
    """Φ(x), the standard normal CDF (element-wise; full double precision via math.erfc)."""
    return 0.5 * _erfc(-np.asarray(x, dtype=float) / math.sqrt(2.0))


# Acklam's rational approximation of Φ⁻¹ (relative error 1.2e-9), refined by one Halley step.
_A = (-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
      1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00)
_B = (-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
      6.680131188771972e+01, -1.328068155288572e+01)
_C = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
      -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00)
_D = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
      3.754408661907416e+00)


def normal_quantile(p: Any) -> np.ndarray:
    """Φ⁻¹(p), the standard normal quantile (element-wise, p in [0, 1]).

    Computed on the lower half, Φ⁻¹(p) = −Φ⁻¹(1 − p) above ½ (1 − p is exact there), so the
    refinement never subtracts numbers close to 1.
    """
    p = np.asarray(p, dtype=float)
    lower = np.minimum(p, 1.0 - p)  # in [0, ½]
    with np.errstate(all="ignore"):
        tail = np.sqrt(-2.0 * np.log(lower))
        tail_x = (((((_C[0] * tail + _C[1]) * tail + _C[2]) * tail + _C[3]) * tail + _C[4])
                  * tail + _C[5]) / ((((_D[0] * tail + _D[1]) * tail + _D[2]) * tail + _D[3])
                                     * tail + 1.0)
        q = lower - 0.5
        r = q * q
        central_x = ((((((_A[0] * r + _A[1]) * r + _A[2]) * r + _A[3]) * r + _A[4]) * r + _A[5])
                     * q / (((((_B[0] * r + _B[1]) * r + _B[2]) * r + _B[3]) * r + _B[4]) * r
                            + 1.0))
        x = np.where(lower < 0.02425, tail_x, central_x)
        error = normal_cdf(x) - lower
        step = error * math.sqrt(2.0 * math.pi) * np.exp(x * x / 2.0)
        refined = x - step / (1.0 + x * step / 2.0)
        x = np.where(np.isfinite(refined), refined, x)
    x = np.where(p > 0.5, -x, x)
    return np.where(p <= 0.0, -np.inf, np.where(p >= 1.0, np.inf, x))


# ============================================================================== input laws
@dataclass(frozen=True)
class InputLaw:
    """How one uncertain input is drawn from a standard normal score z."""

    name: str
    #: The input whose name keys the random stream (shared by inputs passing on the same range).
    stream: str
    written: Uncertain
    family: str  # "lognormal" | "normal"
    mu: float  # mean of the normal (of the logarithm for a lognormal)
    sigma: float
    #: The field's lower bound; an exclusive one truncates the normal there, an inclusive clips.
    lower: float | None
    lower_inclusive: bool
    upper: float | None
    unit: str
    dimension: str = "number"

    @property
    def truncated(self) -> bool:
        return (self.family == "normal" and self.lower is not None and not self.lower_inclusive
                and self.sigma > 0
                and float(normal_cdf((self.lower - self.mu) / self.sigma)) > _NEGLIGIBLE_TAIL)

    def values(self, z: Any) -> np.ndarray:
        """The input's values for standard normal scores `z` (monotone in z)."""
        z = np.asarray(z, dtype=float)
        if self.family == "lognormal":
            x = np.exp(self.mu + self.sigma * z)
        elif self.truncated:
            cut = float(normal_cdf((self.lower - self.mu) / self.sigma))
            x = self.mu + self.sigma * normal_quantile(cut + normal_cdf(z) * (1.0 - cut))
        else:
            x = self.mu + self.sigma * z
        if self.lower is not None and self.lower_inclusive:
            x = np.maximum(x, self.lower)
        if self.upper is not None:
            x = np.minimum(x, self.upper)
        return x

    def quantile(self, q: float) -> float:
        """The input's q-quantile (0.05 → P5, 0.5 → median)."""
        return float(self.values(normal_quantile(q)))

    def describe(self) -> dict[str, Any]:
        written = self.written
        text = (f"{written.low:g} to {written.high:g}" if written.kind == "interval"
                else f"{written.center:g} ± {written.rel:.0%}")
        law = "truncated normal" if self.truncated else self.family
        return {"written": text, "law": law, "mu": self.mu, "sigma": self.sigma,
                "lower": self.lower, "upper": self.upper, "stream": self.stream,
                "p5": self.quantile(0.05), "p50": self.quantile(0.5),
                "p95": self.quantile(0.95), "unit": self.unit}


def law_for(name: str, written: Uncertain, spec: FieldSpec | None, unit: str = "",
            stream: str | None = None, dimension: str = "number") -> InputLaw:
    """The law of an input written as `written` (see the module docstring)."""
    lower, lower_inclusive, upper = _bounds(spec, written)
    if written.kind == "interval":
        if written.low > 0 and written.high > 0:
            family, mu = "lognormal", 0.5 * (math.log(written.low) + math.log(written.high))
            sigma = math.log(written.high / written.low) / (2.0 * Z90)
        else:
            family, mu = "normal", 0.5 * (written.low + written.high)
            sigma = (written.high - written.low) / (2.0 * Z90)
    else:
        family, mu = "normal", written.center
        sigma = abs(written.center) * (written.rel or 0.0) / Z90
    return InputLaw(name, stream or name, written, family, mu, sigma, lower, lower_inclusive,
                    upper, unit, dimension)


def _bounds(spec: FieldSpec | None, written: Uncertain) -> tuple[float | None, bool, float | None]:
    if spec is None:  # no field to ask: a positive figure stays positive
        return (0.0, False, None) if written.low > 0 else (None, True, None)
    return spec.minimum, spec.inclusive, spec.maximum


def _written_fields(scenario: Scenario) -> dict[int, tuple[str, FieldSpec | None]]:
    """Each range the analyst wrote, by object identity: its dotted path and field spec."""
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
                found[id(value)] = (f"accelerator {accelerator.name}.{name}",
                                    ACCELERATOR_FIGURES.get(name))
    for reference in scenario.references.values():
        if isinstance(reference.count, Uncertain):
            found[id(reference.count)] = (f"reference {reference.name}.count",
                                          REFERENCE_FIELDS["count"])
    return found


def has_uncertainty(scenario: Scenario) -> bool:
    """Whether the analyst wrote any range that reaches this scenario: in its own fields, its
    accelerator, a reference's count or a reference's accelerator (not in hardware it never uses)."""
    used = {scenario.cluster.accelerator}
    used.update(reference.accelerator for reference in scenario.references.values())
    for path, _spec in _written_fields(scenario).values():
        if not path.startswith("accelerator "):
            return True
        if path[len("accelerator "):].split(".", 1)[0] in used:
            return True
    return False


def stream_key(name: str) -> int:
    """A stable 64-bit key for an input's random stream (not Python's salted hash)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "little")


def standard_normals(seed: int, stream: str, size: int) -> np.ndarray:
    """The standard normal draws of one input's stream."""
    return np.random.default_rng([seed, stream_key(stream)]).standard_normal(size)


def correlate(scores: dict[str, np.ndarray], correlations: dict[tuple[str, str], float],
              aliases: dict[str, str]) -> dict[str, np.ndarray]:
    """Mix the normal scores of correlated streams (Gaussian copula, Cholesky factor).

    `correlations` names inputs; an input that shares another's range stands for its stream.
    Streams are ordered by name, so the result does not depend on the dict's order.
    """
    if not correlations:
        return scores
    pairs: dict[tuple[str, str], float] = {}
    for (a, b), rho in correlations.items():
        names = []
        for name in (a, b):
            if name not in aliases:
                known = ", ".join(sorted(aliases)) or "none"
                raise ValueError(f"cannot correlate '{name}': it is not an uncertain input of "
                                 f"the scenario (uncertain inputs: {known})")
            names.append(aliases[name])
        first, second = sorted(names)
        if first == second:
            raise ValueError(f"cannot correlate '{a}' with '{b}': they are the same input")
        if not -1.0 <= rho <= 1.0:
            raise ValueError(f"a correlation is between -1 and 1, not {rho:g} ({a}, {b})")
        if (first, second) in pairs and pairs[(first, second)] != rho:
            raise ValueError(f"'{a}' and '{b}' are given two different correlations")
        pairs[(first, second)] = float(rho)
    streams = sorted({name for pair in pairs for name in pair})
    matrix = np.eye(len(streams))
    for (first, second), rho in pairs.items():
        i, j = streams.index(first), streams.index(second)
        matrix[i, j] = matrix[j, i] = rho
    try:
        factor = np.linalg.cholesky(matrix)
    except np.linalg.LinAlgError:
        # Semidefinite (a pair at ρ = ±1) is a valid law that numpy's Cholesky refuses; the
        # resolver has refused anything worse, so this only fails for correlations passed in.
        from scendsl.language.correlation import psd_cholesky

        semidefinite = psd_cholesky(matrix.tolist())
        if semidefinite is None:
            raise ValueError("the correlations are inconsistent (their matrix is not positive "
                             "semidefinite): " + ", ".join(f"{a}~{b} {r:g}" for (a, b), r in
                                                           pairs.items())) from None
        factor = np.array(semidefinite)
    out = dict(scores)
    for i, name in enumerate(streams):  # row i of factor × scores, summed in a fixed order
        mixed = factor[i, 0] * scores[streams[0]]
        for j in range(1, i + 1):
            mixed = mixed + factor[i, j] * scores[streams[j]]
        out[name] = mixed
    return out


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
        return {"p5": self.p5, "p50": self.p50, "p95": self.p95, "mean": self.mean,
                "unit": self.unit}


@dataclass(frozen=True)
class ClaimProbability:
    """An `expect` under uncertainty: the share of samples in which it holds."""

    metric: str
    op: str
    expected: float
    tolerance: float | None
    unit: str
    quote: str
    file: str
    line: int
    #: None when the metric is n/a (or never finite) for the scenario.
    probability: float | None

    def as_dict(self) -> dict[str, Any]:
        return {"metric": self.metric, "op": self.op, "expected": self.expected,
                "tolerance": self.tolerance, "unit": self.unit, "quote": self.quote,
                "file": self.file, "line": self.line, "probability": self.probability}


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

    def summary(self, name: str) -> Summary | None:
        """P5, P50, P95 and mean of one number node (None when n/a)."""
        value = self.numbers.get(name)
        unit = self.units.get(name, "")
        if value is None:
            return None
        if not isinstance(value, np.ndarray):
            number = float(value)
            return Summary(number, number, number, number, unit)
        known = value[~np.isnan(value)]  # n/a samples are left out
        if known.size == 0:
            return None
        with np.errstate(invalid="ignore"):  # inf − inf between infinite values
            p5, p50, p95 = (float(v) for v in np.percentile(known, [5, 50, 95]))
            mean = float(known.mean())
        return Summary(p5, p50, p95, mean, unit)

    def summaries(self) -> dict[str, Summary]:
        """Every number node that is not n/a, in evaluation order."""
        out = {}
        for name in self.numbers:
            summary = self.summary(name)
            if summary is not None:
                out[name] = summary
        return out

    def varying(self) -> list[str]:
        """Number nodes that move with the uncertain inputs."""
        return [name for name, value in self.numbers.items() if isinstance(value, np.ndarray)]

    def to_dict(self) -> dict[str, Any]:
        """Everything as plain data (deterministic: the same seed gives the same bytes)."""
        return {
            "scenario": self.scenario, "samples": self.size, "seed": self.seed,
            "inputs": {law.name: law.describe() for law in self.laws},
            "correlations": [{"inputs": list(pair), "rho": rho}
                             for pair, rho in sorted(self.correlations.items())],
            "metrics": {name: summary.as_dict() for name, summary in self.summaries().items()},
            "claims": [claim.as_dict() for claim in self.claims],
            "held": list(self.held), "notes": list(self.notes),
        }

    def to_json(self) -> str:
        return json.dumps(_finite(self.to_dict()), indent=2, ensure_ascii=False) + "\n"


def _finite(data: Any) -> Any:
    """NaN and infinities become null (JSON has no such numbers)."""
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, dict):
        return {k: _finite(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [_finite(v) for v in data]
    return data


def check_sample_budget(scenarios: Iterable[Scenario], samples: int,
                        catalog: Catalog | None = None, together: bool = True) -> None:
    """Raise ScenarioError if `samples` draws of the `scenarios` with ranges would take more
    than MONTE_CARLO_MEMORY_BUDGET: held `together` (their sum), or one at a time (the most)."""
    from scendsl.errors import Diagnostic, ScenarioError

    if samples <= 0:
        return
    catalog = catalog or load_catalog()
    sizes = [8 * samples * len(nodes_for(s, catalog)) for s in scenarios if has_uncertainty(s)]
    need = (sum(sizes) if together else max(sizes, default=0))
    if need <= MONTE_CARLO_MEMORY_BUDGET:
        return
    most = samples * MONTE_CARLO_MEMORY_BUDGET // max(need, 1)
    raise ScenarioError([Diagnostic(
        f"{samples:,} Monte Carlo samples of {len(sizes)} scenario(s) with ranges would take "
        f"about {need / 1024**3:,.1f} GiB; the limit is {MONTE_CARLO_MEMORY_BUDGET / 1024**3:g} "
        "GiB", hint=f"use --samples {most:,} or fewer")])


def sample(scenario: Scenario, samples: int = 10_000, seed: int = DEFAULT_SEED,
           catalog: Catalog | None = None,
           correlations: dict[tuple[str, str], float] | None = None) -> Samples:
    """Monte Carlo over the scenario's ranges: `samples` draws of every uncertain input, every
    node evaluated once on the arrays, claims as probabilities (see the module docstring)."""
    if samples < 1:
        raise ValueError("at least one sample is needed")
    catalog = catalog or load_catalog()
    values, found = compute_values(scenario, catalog)
    expanded = nodes_for(scenario, catalog)
    nodes = [node for node, _ in expanded]
    written = _written_fields(scenario)
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
            notes.append(f"{node.name}: holds {hit.value!r}, not the centre of its range; "
                         "held fixed")
            continue
        stream = first_by_range.setdefault(id(distribution), node.name)
        aliases[node.name] = stream
        spec = written.get(id(distribution), (None, None))[1]
        laws.append(law_for(node.name, distribution, spec, node.unit, stream, node.dimension))
    correlations = {**_written_correlations(scenario, expanded, found, written),
                    **dict(correlations or {})}
    streams = sorted({law.stream for law in laws})
    scores = {name: standard_normals(seed, name, samples) for name in streams}
    scores = correlate(scores, correlations, aliases)
    draws = {law.name: law.values(scores[law.stream]) for law in laws}
    inputs = {node.name: values[node.name] for node in nodes if node.kind == "input"}
    inputs.update(draws)
    slow: set[str] = set()
    frames = run_frames(nodes, inputs, samples, slow)
    numbers = {node.name: _collapse(gather_number(frames, node.name, samples))
               for node in nodes if node.value_type == "number"}
    notes.extend(f"{name}: not vectorised (evaluated per distinct input)" for name in sorted(slow))
    units = {node.name: node.unit for node in nodes}
    claims = tuple(_claim_probability(claim, numbers.get(claim.metric), units)
                   for claim in scenario.claims)
    held = _held_inputs(scenario, catalog, expanded, found, written) if laws else ()
    normalized = {tuple(sorted((aliases[a], aliases[b]))): float(rho)
                  for (a, b), rho in (correlations or {}).items()}
    return Samples(scenario=scenario.name, size=samples, seed=seed, laws=tuple(laws),
                   correlations=normalized, draws=draws, numbers=numbers, units=units,
                   claims=claims, held=held, notes=tuple(notes), _nodes=nodes, _inputs=inputs)


def _written_correlations(scenario: Scenario, expanded, found, written) -> dict[tuple[str, str], float]:
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
    return ClaimProbability(claim.metric, claim.op, claim.value, claim.tolerance,
                            units.get(claim.metric, ""), claim.quote, claim.span.file,
                            claim.span.line, probability)


def _held_inputs(scenario: Scenario, catalog: Catalog, expanded: list[tuple[Node, str | None]],
                 found: dict[str, Any], written: dict[int, tuple[str, FieldSpec | None]]
                 ) -> tuple[str, ...]:
    """Inputs that read an uncertain scenario field but do not carry its range."""
    from scendsl.model.sweep import _touches

    paths = [path for path, _spec in written.values() if not path.startswith(("accelerator ",
                                                                               "reference "))]
    held = []
    for node, ref in expanded:
        hit = found.get(node.name)
        if node.kind != "input" or (hit is not None and hit.distribution is not None):
            continue
        _value, reads = traced_input(node, ref, scenario, catalog)
        if any(_touches(read, path) for read in reads for path in paths):
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
        return {"input": self.input, "also": list(self.also), "unit": self.unit,
                "input_p5": self.input_low, "input_p95": self.input_high,
                "metric_at_p5": self.metric_at_low, "metric_at_p95": self.metric_at_high,
                "swing": self.swing, "spearman": self.spearman}


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
        return {"metric": self.metric, "unit": self.unit, "meaning": self.meaning,
                "baseline": self.baseline, "swings": [s.as_dict() for s in self.swings]}


@dataclass(frozen=True)
class Sensitivity:
    """Tornado data for the headline metrics of one scenario."""

    scenario: str
    samples: int
    seed: int
    metrics: tuple[MetricSensitivity, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"scenario": self.scenario, "samples": self.samples, "seed": self.seed,
                "metrics": [m.as_dict() for m in self.metrics]}

    def rows(self) -> list[dict[str, Any]]:
        """One flat row per (metric, input), largest swing first: for a table."""
        return [{"metric": m.metric, "metric_unit": m.unit, "baseline": m.baseline,
                 **s.as_dict()} for m in self.metrics for s in m.swings]


def sensitivity(scenario: Scenario, samples: Samples | int = 10_000, seed: int = DEFAULT_SEED,
                metrics: Sequence[str] = HEADLINE_METRICS, catalog: Catalog | None = None,
                correlations: dict[tuple[str, str], float] | None = None) -> Sensitivity:
    """Rank the uncertain inputs by their swing on each metric (those the scenario has).

    `samples` is a Monte Carlo run of this scenario (for the rank correlations) or a number of
    samples to draw. The one-at-a-time points ignore correlations by construction; the rank
    correlations include them.
    """
    catalog = catalog or load_catalog()
    if not isinstance(samples, Samples):
        samples = sample(scenario, samples, seed, catalog, correlations)
    elif samples.scenario != scenario.name:
        raise ValueError(f"the samples are of scenario '{samples.scenario}', "
                         f"not '{scenario.name}'")
    nodes = samples._nodes
    by_name = {node.name: node for node in nodes}
    chosen = [name for name in metrics if name in by_name
              and by_name[name].value_type == "number" and samples.numbers.get(name) is not None]
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
            low, high = _number(at[2 * index]), _number(at[2 * index + 1])
            swing = abs(high - low) if low is not None and high is not None else 0.0
            swings.append(Swing(
                input=lead.name, also=tuple(law.name for law in streams[stream][1:]),
                unit=lead.unit, dimension=lead.dimension, input_low=lead.quantile(0.05),
                input_high=lead.quantile(0.95),
                metric_at_low=low, metric_at_high=high, swing=swing,
                spearman=spearman(samples.draws[lead.name], samples.numbers.get(name),
                                  rank_cache)))
        swings.sort(key=lambda s: (-s.swing, s.input))
        node = by_name[name]
        results.append(MetricSensitivity(name, node.unit, node.dimension, node.meaning,
                                         _number(at[-1]), tuple(swings)))
    return Sensitivity(scenario.name, samples.size, samples.seed, tuple(results))


def _number(value: Any) -> float | None:
    value = float(value)
    return None if math.isnan(value) else value


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


# ============================================================================ the tornado
def tornado_svg(result: Sensitivity, metrics: Iterable[str] | None = None) -> str:
    """A tornado chart per metric as one SVG document (deterministic bytes).

    Each bar runs from the metric with the input at its P5 to the metric with it at its P95,
    across the baseline (every input at its median); the largest swing is on top.
    """
    from matplotlib import rc_context
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    from scendsl.report.numbers import format_value

    wanted = set(metrics) if metrics is not None else None
    panels = [m for m in result.metrics if (wanted is None or m.metric in wanted)]
    rows = [max(len(m.swings), 1) for m in panels] or [1]
    settings = {"svg.hashsalt": "scendsl-tornado", "svg.fonttype": "path", "font.size": 9,
                "path.simplify": False}
    with rc_context(settings):
        figure = Figure(figsize=(7.5, 0.9 + sum(0.45 * r + 0.9 for r in rows)))
        axes_list = figure.subplots(len(rows), 1, squeeze=False,
                                    gridspec_kw={"height_ratios": rows})[:, 0]
        for axes, panel in zip(axes_list, panels):
            _draw_panel(axes, panel, FuncFormatter(
                lambda v, _pos, d=panel.dimension: format_value(v, d)), format_value)
        if not panels:
            axes_list[0].set_axis_off()
            axes_list[0].text(0.5, 0.5, "no uncertain input", ha="center", va="center")
        figure.tight_layout()
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return buffer.getvalue()


def _draw_panel(axes: Any, panel: MetricSensitivity, formatter: Any, format_value: Any) -> None:
    swings = list(panel.swings)
    baseline = panel.baseline if panel.baseline is not None else 0.0
    labels = []
    for position, swing in enumerate(reversed(swings)):  # largest on top
        low = swing.metric_at_low if swing.metric_at_low is not None else baseline
        high = swing.metric_at_high if swing.metric_at_high is not None else baseline
        axes.barh(position, low - baseline, left=baseline, color="#4C72B0", height=0.6,
                  label="input at P5" if position == 0 else None)
        axes.barh(position, high - baseline, left=baseline, color="#DD8452", height=0.6,
                  label="input at P95" if position == 0 else None)
        labels.append(f"{swing.input}\n"
                      f"{format_value(swing.input_low, swing.dimension)} to "
                      f"{format_value(swing.input_high, swing.dimension)}")
    axes.axvline(baseline, color="black", linewidth=0.8)
    axes.set_yticks(range(len(labels)), labels)
    axes.xaxis.set_major_formatter(formatter)
    axes.set_title(f"{panel.metric}: baseline {format_value(panel.baseline, panel.dimension)}",
                   loc="left")
    if any(s.swing > 0 for s in swings):
        axes.legend(loc="lower right", fontsize=7, frameon=False)
    else:
        axes.text(0.5, 0.5, "no uncertain input moves this metric", transform=axes.transAxes,
                  ha="center", va="center")
