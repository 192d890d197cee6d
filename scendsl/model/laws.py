"""The laws of the analyst's ranges, and the random draws behind a Monte Carlo run.

**Laws** (docs/uncertainty.md explains the choices):

* `a to b` is a 90 % interval: a and b are the 5th and 95th percentiles. When both are > 0 the
  law is lognormal with median √(ab) and σ = ln(b/a) / (2 · 1.6449): quantities such as PUE,
  prices and utilisations are positive and their ranges read as ratios. Otherwise it is normal
  with mean (a + b)/2 and σ = (b − a) / (2 · 1.6449).
* `x ± y%` is normal with mean x and the ± as the 90 % half-width: σ = x · y / 1.6449. For a
  quantity the language requires to be strictly positive, the normal is truncated at 0 (by
  inverse CDF, so the draw stays a monotone function of the underlying normal); below ±20 % the
  truncated mass is under 10⁻¹⁵ and the plain normal is used. A lognormal is truncated likewise,
  on the logarithm, at an exclusive minimum above 0 (1 parameter, 1 USD a unit).
* Every draw is then kept inside the bounds the language enforces for its field
  (scendsl/language/fields.py): an MFU never above 100 %, a PUE never below 1. Clipping puts the
  tail's mass on the bound.

**Randomness.** `numpy.random.default_rng([seed, key(name)])`: one stream per input, its key
taken from a hash of the input's name, so adding an input leaves the other inputs' draws as they
were. Correlations (`correlations={(a, b): rho}`) use a Gaussian copula: the standard normal
draws of the correlated inputs are mixed through the Cholesky factor of their correlation matrix
before each law is applied, so each input keeps its own law and ρ is the correlation of the
normal scores (Spearman's ρ_s = (6/π)·asin(ρ/2), within 0.02 of ρ).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from scendsl.language.fields import FieldSpec
from scendsl.scenario import Uncertain

#: Φ⁻¹(0.95): a 90 % interval is the centre ± Z90 standard deviations.
Z90 = 1.6448536269514722

#: Below this truncated mass the plain normal is used (indistinguishable in double precision).
_NEGLIGIBLE_TAIL = 1e-15


# ============================================================================ the normal law
_erfc = np.vectorize(math.erfc, otypes=[float])


def normal_cdf(x: Any) -> np.ndarray:
    """Φ(x), the standard normal CDF (element-wise; full double precision via math.erfc)."""
    return 0.5 * _erfc(-np.asarray(x, dtype=float) / math.sqrt(2.0))


# Acklam's rational approximation of Φ⁻¹ (relative error 1.2e-9), refined by one Halley step.
_A = (
    -3.969683028665376e01,
    2.209460984245205e02,
    -2.759285104469687e02,
    1.383577518672690e02,
    -3.066479806614716e01,
    2.506628277459239e00,
)
_B = (
    -5.447609879822406e01,
    1.615858368580409e02,
    -1.556989798598866e02,
    6.680131188771972e01,
    -1.328068155288572e01,
)
_C = (
    -7.784894002430293e-03,
    -3.223964580411365e-01,
    -2.400758277161838e00,
    -2.549732539343734e00,
    4.374664141464968e00,
    2.938163982698783e00,
)
_D = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e00, 3.754408661907416e00)


def normal_quantile(p: Any) -> np.ndarray:
    """Φ⁻¹(p), the standard normal quantile (element-wise, p in [0, 1]).

    Computed on the lower half, Φ⁻¹(p) = −Φ⁻¹(1 − p) above ½ (1 − p is exact there), so the
    refinement never subtracts numbers close to 1.
    """
    p = np.asarray(p, dtype=float)
    lower = np.minimum(p, 1.0 - p)  # in [0, ½]
    with np.errstate(all="ignore"):
        tail = np.sqrt(-2.0 * np.log(lower))
        tail_x = (
            ((((_C[0] * tail + _C[1]) * tail + _C[2]) * tail + _C[3]) * tail + _C[4]) * tail + _C[5]
        ) / ((((_D[0] * tail + _D[1]) * tail + _D[2]) * tail + _D[3]) * tail + 1.0)
        q = lower - 0.5
        r = q * q
        central_x = (
            (((((_A[0] * r + _A[1]) * r + _A[2]) * r + _A[3]) * r + _A[4]) * r + _A[5])
            * q
            / (((((_B[0] * r + _B[1]) * r + _B[2]) * r + _B[3]) * r + _B[4]) * r + 1.0)
        )
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

    def _cut(self) -> float:
        """The normal's mass below an exclusive lower bound, where the law is truncated (on
        the logarithm for a lognormal, whose draws are positive but not above a positive
        minimum such as a parameter or a dollar); 0 when there is none to speak of."""
        if self.lower is None or self.lower_inclusive or self.sigma <= 0:
            return 0.0
        if self.family == "lognormal":
            if self.lower <= 0:
                return 0.0
            lower = math.log(self.lower)
        else:
            lower = self.lower
        cut = float(normal_cdf((lower - self.mu) / self.sigma))
        return cut if cut > _NEGLIGIBLE_TAIL else 0.0

    @property
    def truncated(self) -> bool:
        return self._cut() > 0.0

    @property
    def law_name(self) -> str:
        """The law as the briefings and the JSON name it: `lognormal`, `truncated normal` …"""
        return f"truncated {self.family}" if self.truncated else self.family

    def values(self, z: Any) -> np.ndarray:
        """The input's values for standard normal scores `z` (monotone in z)."""
        z = np.asarray(z, dtype=float)
        cut = self._cut()
        if cut:
            z = normal_quantile(cut + normal_cdf(z) * (1.0 - cut))
        if self.family == "lognormal":
            x = np.exp(self.mu + self.sigma * z)
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
        text = (
            f"{written.low:g} to {written.high:g}"
            if written.kind == "interval"
            else f"{written.center:g} ± {written.rel:.0%}"
        )
        return {
            "written": text,
            "law": self.law_name,
            "mu": self.mu,
            "sigma": self.sigma,
            "lower": self.lower,
            "upper": self.upper,
            "stream": self.stream,
            "p5": self.quantile(0.05),
            "p50": self.quantile(0.5),
            "p95": self.quantile(0.95),
            "unit": self.unit,
        }


def law_for(
    name: str,
    written: Uncertain,
    spec: FieldSpec | None,
    unit: str = "",
    stream: str | None = None,
    dimension: str = "number",
) -> InputLaw:
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
    return InputLaw(
        name,
        stream or name,
        written,
        family,
        mu,
        sigma,
        lower,
        lower_inclusive,
        upper,
        unit,
        dimension,
    )


def _bounds(spec: FieldSpec | None, written: Uncertain) -> tuple[float | None, bool, float | None]:
    if spec is None:  # no field to ask: a positive figure stays positive
        return (0.0, False, None) if written.low > 0 else (None, True, None)
    return spec.minimum, spec.inclusive, spec.maximum


def stream_key(name: str) -> int:
    """A stable 64-bit key for an input's random stream (not Python's salted hash)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "little")


def standard_normals(seed: int, stream: str, size: int) -> np.ndarray:
    """The standard normal draws of one input's stream."""
    return np.random.default_rng([seed, stream_key(stream)]).standard_normal(size)


def correlate(
    scores: dict[str, np.ndarray],
    correlations: dict[tuple[str, str], float],
    aliases: dict[str, str],
) -> dict[str, np.ndarray]:
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
                raise ValueError(
                    f"cannot correlate '{name}': it is not an uncertain input of "
                    f"the scenario (uncertain inputs: {known})"
                )
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
            raise ValueError(
                "the correlations are inconsistent (their matrix is not positive "
                "semidefinite): " + ", ".join(f"{a}~{b} {r:g}" for (a, b), r in pairs.items())
            ) from None
        factor = np.array(semidefinite)
    out = dict(scores)
    for i, name in enumerate(streams):  # row i of factor × scores, summed in a fixed order
        mixed = factor[i, 0] * scores[streams[0]]
        for j in range(1, i + 1):
            mixed = mixed + factor[i, j] * scores[streams[j]]
        out[name] = mixed
    return out
