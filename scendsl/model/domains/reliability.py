"""Reliability: how often a large job is interrupted, and what that costs in wall-clock time.

The article's risk: "Colossus2's scale (100,000+ units) means that hardware failures will be a
daily occurrence." The model makes that a number and follows it through to the training time:

- interruptions per day = accelerators × per-accelerator interruption rate, calibrated on the
  largest public report (Meta's Llama 3 405B run: 419 unexpected interruptions in 54 days on
  16,384 H100); the job's mean time between interruptions M = 1 day / that;
- the checkpoint interval τ that minimises lost time, Young (1974) refined by Daly (2006);
- goodput ≈ 1 − δ/τ − (τ/2 + R)/M: the share of wall-clock time spent on work that is kept
  (δ checkpoint write time, R restart time), and the training time stretched by it.

The rate is per accelerator and does not depend on the accelerator model: the calibration run
used H100, and no comparable public count exists for GB200 (the article's "higher failure rate"
is not quantified). That is a stated limitation, shown by the input's source.
"""

from __future__ import annotations

import numpy as np

from scendsl.model.context import Context, Found
from scendsl.model.registry import input_node, metric

SECONDS_PER_DAY = 86400.0

_LLAMA3 = "Meta, The Llama 3 Herd of Models (2024)"
_YOUNG_DALY = ("Young, A first order approximation to the optimum checkpoint interval (1974)",
               "Daly, A higher order estimate of the optimum checkpoint interval for restart "
               "dumps (2006)")


# ------------------------------------------------------------------------------ inputs
@input_node("reliability.interruption_rate", "number",
            "Unexpected job interruptions per accelerator per day", sources=(_LLAMA3,))
def _interruption_rate(ctx: Context) -> Found:
    return ctx.calibration("interruption_rate_per_accelerator_day")


@input_node("reliability.checkpoint_time", "time",
            "Time to write one checkpoint (δ): the scenario's workload.checkpoint_time, "
            "else the calibration estimate")
def _checkpoint_time(ctx: Context) -> Found:
    return ctx.scenario_or_calibration("workload.checkpoint_time", "checkpoint_write_time")


@input_node("reliability.restart_time", "time",
            "Time to detect an interruption, recover and resume from the last checkpoint (R)")
def _restart_time(ctx: Context) -> Found:
    return ctx.calibration("restart_time")


# ------------------------------------------------------------------------------ formulas
def daly_interval(delta, mtbi):
    """Optimal checkpoint interval (seconds) for write time `delta` and job MTBI `mtbi`.

    Daly (2006): τ = √(2δM)·[1 + ⅓√(δ/2M) + (δ/2M)/9] − δ when δ < 2M, else τ = M (checkpointing
    costs more than the work it would save). Works element-wise on arrays.
    """
    delta = np.asarray(delta, dtype=float)
    mtbi = np.asarray(mtbi, dtype=float)
    ratio = delta / (2.0 * mtbi)
    daly = np.sqrt(2.0 * delta * mtbi) * (1.0 + np.sqrt(ratio) / 3.0 + ratio / 9.0) - delta
    return np.where(delta < 2.0 * mtbi, daly, mtbi)


def goodput_fraction(delta, tau, restart, mtbi):
    """Share of wall-clock time doing kept work: 1 − δ/τ − (τ/2 + R)/M, clipped to [0, 1].

    δ/τ is the time spent writing checkpoints; each interruption (every M seconds on average)
    loses on average half an interval of work plus the restart time R.
    """
    delta, tau = np.asarray(delta, dtype=float), np.asarray(tau, dtype=float)
    restart, mtbi = np.asarray(restart, dtype=float), np.asarray(mtbi, dtype=float)
    # Edge cases, chosen element-wise: no write cost when δ = 0, no losses when M is infinite
    # (no accelerators fail); both would otherwise be 0/0.
    writing = np.where(tau > 0, delta / np.where(tau > 0, tau, 1.0), 0.0)
    finite = np.isfinite(mtbi)
    losses = np.where(finite, (tau / 2.0 + restart) / np.where(finite, mtbi, 1.0), 0.0)
    return np.clip(1.0 - writing - losses, 0.0, 1.0)


# ------------------------------------------------------------------------------ metrics
@metric("reliability.failures_per_day", "number",
        "Unexpected interruptions of the whole job per day (any accelerator, memory, network or "
        "host fault stops a synchronous training job)",
        "cluster.count × reliability.interruption_rate",
        inputs=("cluster.count", "reliability.interruption_rate"), sources=(_LLAMA3,),
        importance=2)
def failures_per_day(count, rate_per_accelerator_day):
    """Job interruptions per day: every accelerator adds its own rate."""
    return count * rate_per_accelerator_day


@metric("reliability.mtbi", "time",
        "Mean time between interruptions of the job (M)",
        "1 day / reliability.failures_per_day",
        inputs=("reliability.failures_per_day",), importance=1)
def mtbi(failures):
    """Mean time between job interruptions, seconds (infinite when nothing can fail)."""
    failures = np.asarray(failures, dtype=float)
    return np.where(failures > 0, SECONDS_PER_DAY / np.where(failures > 0, failures, 1.0), np.inf)


@metric("reliability.checkpoint_interval", "time",
        "Checkpoint interval that minimises lost time (Young/Daly)",
        "τ = √(2δM)·[1 + ⅓√(δ/2M) + (δ/2M)/9] − δ if δ < 2M else M; "
        "δ = reliability.checkpoint_time, M = reliability.mtbi",
        inputs=("reliability.checkpoint_time", "reliability.mtbi"), sources=_YOUNG_DALY)
def checkpoint_interval(delta, job_mtbi):
    """Daly's optimal checkpoint interval for this job."""
    return daly_interval(delta, job_mtbi)


@metric("reliability.goodput", "fraction",
        "Share of wall-clock time spent on training work that is kept (not lost to checkpoint "
        "writes, re-done work and restarts)",
        "1 − δ/τ − (τ/2 + R)/M, clipped to [0, 1]; δ = reliability.checkpoint_time, "
        "τ = reliability.checkpoint_interval, R = reliability.restart_time, M = reliability.mtbi",
        inputs=("reliability.checkpoint_time", "reliability.checkpoint_interval",
                "reliability.restart_time", "reliability.mtbi"),
        sources=_YOUNG_DALY, importance=2)
def goodput(delta, tau, restart, job_mtbi):
    """Goodput of the job at the optimal checkpoint interval."""
    return goodput_fraction(delta, tau, restart, job_mtbi)


# ------------------------------------------------------------------------------ training time
@metric("reliability.training_time", "time",
        "Wall-clock training time including interruptions: checkpoint writes, re-done work and "
        "restarts",
        "performance.training_time / reliability.goodput",
        inputs=("performance.training_time", "reliability.goodput"), sources=_YOUNG_DALY,
        importance=2)
def training_time(ideal_time, kept_share):
    """Failure-free training time stretched by the goodput (infinite when goodput is 0)."""
    kept_share = np.asarray(kept_share, dtype=float)
    return np.where(kept_share > 0, ideal_time / np.where(kept_share > 0, kept_share, 1.0), np.inf)


@metric("reliability.lost_time", "time",
        "Wall-clock time lost to interruptions over the run",
        "reliability.training_time − performance.training_time",
        inputs=("reliability.training_time", "performance.training_time"), sources=_YOUNG_DALY,
        importance=1)
def lost_time(real_time, ideal_time):
    """Time the run spends writing checkpoints, re-doing lost work and restarting."""
    return real_time - ideal_time


@metric("reliability.interruptions", "number",
        "Interruptions expected over the whole run",
        "reliability.failures_per_day × reliability.training_time / 1 day",
        inputs=("reliability.failures_per_day", "reliability.training_time"),
        sources=(_LLAMA3,), importance=1)
def interruptions(failures, real_time):
    """Interruptions the run will live through (how often the pipeline must recover)."""
    return failures * real_time / SECONDS_PER_DAY
