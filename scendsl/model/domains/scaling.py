"""Scaling: what the workload's compute buys in model quality (the "scaling-law plateau" risk).

The article: "There is growing evidence that scaling laws for LLMs are flattening ... the returns
on additional parameters are diminishing." The model puts the published scaling law next to that:
the Chinchilla fit (Hoffmann et al. 2022, approach 3)

    L(N, D) = E + A / N^α + B / D^β        (nats per token; N parameters, D training tokens)

gives the workload's loss, a baseline's loss, the gain over the baseline, and the share of the
baseline's *reducible* loss (L − E) the workload removes. A power law never plateaus, but each
step of compute buys a smaller absolute gain: `scaling.loss_drop_per_doubling` shows it.

Baseline: the scenario's `workload.baseline_parameters` / `baseline_tokens` when set (one of them
alone is completed at 20 tokens per parameter); otherwise the compute-optimal model (20 tokens per
parameter) trained with `baseline_compute_fraction` (10 %) of the workload's 6·N·D compute, i.e.
"the same lab one 10× compute step earlier". The default is computed from the scenario's central
values, so uncertainty samples and sweeps of the workload compare against one fixed baseline.

Limits: the fit is for dense transformers on MassiveText; N is the total parameter count (for a
mixture of experts the law is not established, and the loss is only indicative); loss is not
capability, and the article's "smarter training" levers are outside the law.
"""

from __future__ import annotations

from scendsl.model import scalar
from scendsl.model.context import Context, Found
from scendsl.model.registry import input_node, metric

_CHINCHILLA = "Hoffmann et al. 2022, Training Compute-Optimal Large Language Models (approach 3)"
_LAW = "E + A/N^α + B/D^β"
_LAW_INPUTS = (
    "scaling.irreducible_loss",
    "scaling.parameter_coefficient",
    "scaling.data_coefficient",
    "scaling.parameter_exponent",
    "scaling.data_exponent",
)


# ------------------------------------------------------------------------------ constants
def _constant(name: str, key: str, meaning: str) -> None:
    @input_node(f"scaling.{name}", "number", meaning, sources=(_CHINCHILLA,))
    def _lookup(ctx: Context) -> Found:
        return ctx.calibration(key)


_constant(
    "irreducible_loss", "chinchilla_E", "Chinchilla E: loss of an infinite model on infinite data"
)
_constant(
    "parameter_coefficient", "chinchilla_A", "Chinchilla A: coefficient of the model-size term"
)
_constant("data_coefficient", "chinchilla_B", "Chinchilla B: coefficient of the data term")
_constant("parameter_exponent", "chinchilla_alpha", "Chinchilla α: exponent of the model-size term")
_constant("data_exponent", "chinchilla_beta", "Chinchilla β: exponent of the data term")


# ------------------------------------------------------------------------------ baseline
def _workload_center(ctx: Context, path: str) -> float:
    """The scenario's central value of a workload field (LookupError when unset)."""
    return float(ctx.scenario_value(path).value)


def default_baseline(parameters, tokens, fraction, tokens_per_parameter):
    """Compute-optimal (N_b, D_b) for `fraction` of the compute 6·N·D of (parameters, tokens).

    With D_b = k·N_b and 6·N_b·D_b = fraction·6·N·D: N_b = √(fraction·N·D / k), D_b = k·N_b.
    """
    baseline_parameters = scalar.sqrt(fraction * parameters * tokens / tokens_per_parameter)
    return baseline_parameters, tokens_per_parameter * baseline_parameters


def _baseline(ctx: Context) -> tuple[Found, Found]:
    """Baseline parameters and tokens with their provenance (see the module docstring)."""
    ratio = ctx.calibration("chinchilla_tokens_per_parameter")
    k = ratio.value
    set_parameters = ctx.field("workload.baseline_parameters")
    set_tokens = ctx.field("workload.baseline_tokens")
    if set_parameters is not None or set_tokens is not None:
        completed = f"completed at {k:g} tokens per parameter (compute-optimal)"
        if set_parameters is not None and set_tokens is not None:
            return (
                ctx.scenario_value("workload.baseline_parameters"),
                ctx.scenario_value("workload.baseline_tokens"),
            )
        if set_parameters is not None:
            parameters = ctx.scenario_value("workload.baseline_parameters")
            tokens = Found(
                k * parameters.value,
                f"derived from {parameters.origin}",
                ratio.source,
                "C",
                completed,
            )
            return parameters, tokens
        tokens = ctx.scenario_value("workload.baseline_tokens")
        parameters = Found(
            tokens.value / k, f"derived from {tokens.origin}", ratio.source, "C", completed
        )
        return parameters, tokens
    fraction = ctx.calibration("baseline_compute_fraction")
    parameters, tokens = default_baseline(
        _workload_center(ctx, "workload.parameters"),
        _workload_center(ctx, "workload.tokens"),
        fraction.value,
        k,
    )
    origin = "default: catalog calibration.baseline_compute_fraction"
    note = (
        f"compute-optimal model ({k:g} tokens/parameter) trained with {fraction.value:.0%} "
        f"of the workload's 6·N·D compute (central values); set workload.baseline_parameters "
        f"/ baseline_tokens to compare with a named model"
    )
    return (
        Found(float(parameters), origin, fraction.source, "C", note),
        Found(float(tokens), origin, fraction.source, "C", note),
    )


@input_node(
    "scaling.baseline_parameters",
    "number",
    "Parameters of the baseline model the workload is compared with",
    sources=(_CHINCHILLA,),
    scenario_field="workload.baseline_parameters",
    inputs=("workload.parameters", "workload.tokens", "scaling.baseline_tokens"),
)
def _baseline_parameters(ctx: Context) -> Found:
    return _baseline(ctx)[0]


@input_node(
    "scaling.baseline_tokens",
    "number",
    "Training tokens of the baseline model the workload is compared with",
    sources=(_CHINCHILLA,),
    scenario_field="workload.baseline_tokens",
    inputs=("workload.parameters", "workload.tokens", "scaling.baseline_parameters"),
)
def _baseline_tokens(ctx: Context) -> Found:
    return _baseline(ctx)[1]


# ------------------------------------------------------------------------------ formulas
def chinchilla_loss(parameters, tokens, e, a, b, alpha, beta):
    """Chinchilla loss L(N, D) = E + A/N^α + B/D^β in nats per token (arrays welcome)."""
    parameters = scalar.as_float(parameters)
    tokens = scalar.as_float(tokens)
    return e + a / scalar.power(parameters, alpha) + b / scalar.power(tokens, beta)


# ------------------------------------------------------------------------------ metrics
@metric(
    "scaling.loss",
    "number",
    "Pre-training loss the Chinchilla law predicts for the workload (nats per token)",
    f"L(N, D) = {_LAW}; N = workload.parameters, D = workload.tokens",
    inputs=("workload.parameters", "workload.tokens", *_LAW_INPUTS),
    sources=(_CHINCHILLA,),
    importance=1,
)
def loss(parameters, tokens, e, a, b, alpha, beta):
    """The workload's predicted loss."""
    return chinchilla_loss(parameters, tokens, e, a, b, alpha, beta)


@metric(
    "scaling.baseline_loss",
    "number",
    "Pre-training loss the Chinchilla law predicts for the baseline model (nats per token)",
    f"L(N_b, D_b) = {_LAW}; N_b = scaling.baseline_parameters, D_b = scaling.baseline_tokens",
    inputs=("scaling.baseline_parameters", "scaling.baseline_tokens", *_LAW_INPUTS),
    sources=(_CHINCHILLA,),
)
def baseline_loss(parameters, tokens, e, a, b, alpha, beta):
    """The baseline's predicted loss."""
    return chinchilla_loss(parameters, tokens, e, a, b, alpha, beta)


@metric(
    "scaling.compute_multiplier",
    "number",
    "Training compute of the workload relative to the baseline (6·N·D ratio)",
    "(workload.parameters × workload.tokens) / (scaling.baseline_parameters × "
    "scaling.baseline_tokens)",
    inputs=(
        "workload.parameters",
        "workload.tokens",
        "scaling.baseline_parameters",
        "scaling.baseline_tokens",
    ),
)
def compute_multiplier(parameters, tokens, baseline_parameters, baseline_tokens):
    """How many times the baseline's compute the workload spends."""
    return (parameters * tokens) / (baseline_parameters * baseline_tokens)


@metric(
    "scaling.marginal_gain",
    "number",
    "Loss reduction of the workload over the baseline (nats per token)",
    "scaling.baseline_loss − scaling.loss",
    inputs=("scaling.baseline_loss", "scaling.loss"),
    sources=(_CHINCHILLA,),
    importance=2,
)
def marginal_gain(baseline, workload):
    """Absolute loss reduction bought by the extra compute."""
    return baseline - workload


@metric(
    "scaling.relative_gain",
    "fraction",
    "Loss reduction of the workload over the baseline, as a share of the baseline's loss",
    "scaling.marginal_gain / scaling.baseline_loss",
    inputs=("scaling.marginal_gain", "scaling.baseline_loss"),
    sources=(_CHINCHILLA,),
    importance=1,
)
def relative_gain(gain, baseline):
    """Relative loss reduction over the baseline."""
    return gain / baseline


@metric(
    "scaling.reducible_loss",
    "number",
    "Loss left above the irreducible floor E after the workload (nats per token)",
    "scaling.loss − scaling.irreducible_loss",
    inputs=("scaling.loss", "scaling.irreducible_loss"),
    sources=(_CHINCHILLA,),
)
def reducible_loss(workload, e):
    """What more parameters and data could still remove, per the law."""
    return workload - e


@metric(
    "scaling.reducible_loss_share",
    "fraction",
    "Share of the baseline's remaining reducible loss (above E) that the workload closes",
    "scaling.marginal_gain / (scaling.baseline_loss − scaling.irreducible_loss)",
    inputs=("scaling.marginal_gain", "scaling.baseline_loss", "scaling.irreducible_loss"),
    sources=(_CHINCHILLA,),
    importance=2,
)
def reducible_loss_share(gain, baseline, e):
    """The policy figure: 'the workload closes X % of the remaining reducible loss'."""
    return gain / (baseline - e)


@metric(
    "scaling.loss_drop_per_doubling",
    "number",
    "Loss reduction one more doubling of the workload's compute would buy (nats per token), "
    "parameters and tokens each × √2",
    f"L(N, D) − L(√2·N, √2·D), L = {_LAW}",
    inputs=("workload.parameters", "workload.tokens", *_LAW_INPUTS),
    sources=(_CHINCHILLA,),
)
def loss_drop_per_doubling(parameters, tokens, e, a, b, alpha, beta):
    """Diminishing returns: the gain of the next 2× compute, shrinking as the scale grows."""
    step = scalar.sqrt(2.0)
    now = chinchilla_loss(parameters, tokens, e, a, b, alpha, beta)
    return now - chinchilla_loss(step * parameters, step * tokens, e, a, b, alpha, beta)


@metric(
    "scaling.compute_optimal_tokens",
    "number",
    "Training tokens that would make the workload's model compute-optimal",
    "workload.parameters × performance.tokens_per_parameter_optimal",
    inputs=("workload.parameters", "performance.tokens_per_parameter_optimal"),
    sources=(_CHINCHILLA,),
)
def compute_optimal_tokens(parameters, tokens_per_parameter):
    """Chinchilla-optimal data for the model size (≈ 20 tokens per parameter)."""
    return parameters * tokens_per_parameter


@metric(
    "scaling.tokens_per_parameter",
    "number",
    "Training tokens per parameter of the workload (≈ 20 is compute-optimal; more means a "
    "smaller model trained longer, cheaper to serve)",
    "workload.tokens / workload.parameters",
    inputs=("workload.tokens", "workload.parameters"),
    sources=(_CHINCHILLA,),
)
def tokens_per_parameter(tokens, parameters):
    """Data-to-model ratio of the workload."""
    return tokens / parameters
