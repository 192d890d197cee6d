"""Reliability: how often a large job is interrupted, and what that costs in wall-clock time.

The article's risk: "Colossus2's scale (100,000+ units) means that hardware failures will be a
daily occurrence." The model makes that a number and follows it through to the training time:

- interruptions per day = accelerators × per-accelerator interruption rate, calibrated on the
  largest public report (Meta's Llama 3 405B run: 419 unexpected interruptions in 54 days on
  16,384 H100); the job's mean time between interruptions M = 1 day / that;
- the checkpoint interval τ that minimises lost time, Young (1974) refined by Daly (2006);
- goodput ≈ 1 − δ/τ − (τ/2 + R)/M: the share of wall-clock time spent on work that is kept
  (δ checkpoint write time, R restart time), and the training time stretched by it.

At frontier scale a whole-job restart from stored checkpoints (R = 10 minutes) makes goodput fall
to 0 once the job is interrupted every few minutes. Operators do not run that way: Gemini keeps
redundant in-memory copies of the model state and recovers from an intact replica with hot
spares (goodput 85 % → 97 %, Google 2023). The model evaluates both recoveries — whole-job
restart (Llama 3 practice) and hot spares with in-memory checkpoints (Gemini practice) — and
takes the one the scenario names, else the better (`cluster.recovery auto`). Interruption rate,
restart time and checkpoint stall are scenario inputs. Partial restarts are not modelled.

Which MFU the analyst gives matters (`cluster.mfu_basis`): an MFU measured while the job runs
(how PaLM, Llama 3 and MegaScale report it) leaves the downtime out, so the run is stretched by
goodput; an MFU over wall-clock already contains it and is not divided again.

The rate is per accelerator and depends on the chip's generation where a published count of a
comparable cluster exists (catalog `hardware_interruption_rate_<accelerator>`: the A100 family from
Meta's RSC-1, Kokolis et al. 2024); every other chip takes the H100 rate of Llama 3, labelled as a
stand-in. A published count says what it counts: every unexpected interruption (Llama 3's 419,
software included), hardware failures only (GPU, host and network: the node-failure rates of
reliability studies) or GPU failures only (reports of "GPU failures"). The causes of Llama 3's
Table 5 are catalog data (calibration.llama3_interruptions_<cause>); from them the model takes the
hardware and GPU shares, turns a rate of one kind into the every-cause rate that stops a job
(`reliability.interruption_rate`, what goodput pays for) and gives each kind back as its own
figure (`reliability.failures_per_day`, `hardware_failures_per_day`, `gpu_failures_per_day`), so a
comparison reads the count of the kind the source gives. A scenario's own rate counts what
`cluster.interruption_rate_counts` says (default every interruption).

A rate is counted on one accelerator and applied to another by the parts that fail: Table 5's GPU
memory interruptions (72 of 419) grow with the memory an accelerator holds, as DRAM failures grow
with the bits (per-Mbit field rates, Schroeder et al. 2009), while every other cause is counted per
accelerator as it was. So a B200 (192 GB) standing in on the H100 rate (80 GB) is interrupted more
often, more of its interruptions are the GPU's, and a chip with its own rate keeps it
(`reliability.memory_weight`, `reliability.accelerator_hardware_share`). No comparable public count exists for GB200 (the article's "higher failure rate" is not
quantified). Two A100 clusters of one operator differ ~2.8x (RSC-1 vs RSC-2), and new clusters
fail more often than run-in ones: the rate is a typical figure, not a property of the chip.
"""

from __future__ import annotations

from scendsl.model import scalar
from scendsl.model.context import Context, Found, from_figure
from scendsl.model.domains.inputs import OWN_UTILISATION
from scendsl.model.registry import calibration_input, input_node, metric, scenario_input

SECONDS_PER_DAY = 86400.0
SECONDS_PER_HOUR = 3600.0  # a unit conversion

_LLAMA3 = "Meta, The Llama 3 Herd of Models (2024)"
_GEMINI = (
    "Google, Gemini: A Family of Highly Capable Multimodal Models (2023), training "
    "infrastructure: in-memory model-state replicas, goodput 85% to 97%"
)
_DRAM_FIELD = (
    "Schroeder, Pinheiro and Weber, DRAM Errors in the Wild: A Large-Scale Field Study "
    "(SIGMETRICS 2009): field error rates per Mbit"
)
_YOUNG_DALY = (
    "Young, A first order approximation to the optimum checkpoint interval (1974)",
    "Daly, A higher order estimate of the optimum checkpoint interval for restart dumps (2006)",
)


# ------------------------------------------------------------------------------ inputs
#: The causes of Llama 3's Table 5 (catalog calibration.llama3_interruptions_<cause>), and which of
#: them each kind of count holds: every unexpected interruption, hardware (the paper's "confirmed or
#: suspected hardware issues"), or the GPU's own failures.
CAUSES = ("gpu", "network", "host", "maintenance", "software", "unknown")
COUNTED_CAUSES = {
    "all": CAUSES,
    "hardware": ("gpu", "network", "host"),
    "gpu": ("gpu",),
    # Part of the GPU's own count, not a further cause: the interruptions its memory caused.
    "memory": ("gpu_hbm",),
}


@input_node(
    "reliability.published_interruption_rate",
    "number",
    "Job interruptions per accelerator per day as published, counting what "
    "reliability.rate_counts says: the scenario's cluster.interruption_rate, else the published "
    "rate of the accelerator's generation, else the Llama 3 (H100) calibration",
    sources=(_LLAMA3,),
    scenario_field="cluster.interruption_rate",
    inputs=("cluster.accelerator",),
)
def _published_interruption_rate(ctx: Context) -> Found:
    if ctx.field("cluster.interruption_rate") is not None:
        return ctx.scenario_value("cluster.interruption_rate")
    return accelerator_interruption_rate(ctx)[0]


@input_node(
    "reliability.rate_counts",
    "text",
    "Which interruptions the published rate counts: all (software included), hardware (GPU, "
    "host, network) or gpu",
    value_type="text",
    inputs=("reliability.published_interruption_rate",),
)
def _rate_counts(ctx: Context) -> Found:
    if ctx.field("cluster.interruption_rate") is not None:
        return ctx.scenario_or_choice("cluster.interruption_rate_counts")
    found, counts, _ = accelerator_interruption_rate(ctx)
    return Found(counts, found.origin, found.source, found.confidence)


def accelerator_interruption_rate(ctx: Context) -> tuple[Found, str, bool]:
    """The catalog's rate for the scenario's accelerator (a custom one: for the chip it extends),
    what it counts and True, else the H100 rate of Llama 3 (every interruption), labelled as a
    stand-in for any other chip, and False (not the chip's own)."""
    entry = ctx.catalog_accelerator
    name = entry.name if entry is not None else None
    for counts, key in (
        ("all", f"interruption_rate_{name}"),
        ("hardware", f"hardware_interruption_rate_{name}"),
    ):
        if name is not None and key in ctx.catalog.calibration:
            return ctx.calibration(key), counts, True
    if name == "H100":
        return ctx.calibration("interruption_rate_per_accelerator_day"), "all", True
    stand_in = ctx.calibration(
        "interruption_rate_per_accelerator_day",
        f"no published rate for {ctx.accelerator_name} in the catalog: the H100 rate stands in",
    )
    return stand_in, "all", False


def _cause_share(ctx: Context, kind: str) -> Found:
    """The share of Llama 3's unexpected interruptions that a kind of count holds, from the
    catalog's counts by cause, with the arithmetic in the note."""
    held = COUNTED_CAUSES[kind]
    counts = {cause: ctx.calibration(f"llama3_interruptions_{cause}") for cause in (*CAUSES, *held)}
    total = sum(float(counts[cause].value) for cause in CAUSES)
    part = sum(float(counts[cause].value) for cause in held)
    terms = " + ".join(f"{cause} {float(counts[cause].value):g}" for cause in held)
    first = counts["gpu"]
    return Found(
        part / total,
        "catalog calibration.llama3_interruptions_* (" + ", ".join(CAUSES) + ")",
        first.source,
        first.confidence,
        f"({terms}) / {total:g} unexpected interruptions",
    )


@input_node(
    "reliability.hardware_share",
    "fraction",
    "Share of a large job's unexpected interruptions that are hardware failures (GPU, host, "
    "network): Llama 3's Table 5 by cause",
    sources=(_LLAMA3,),
)
def _hardware_share(ctx: Context) -> Found:
    return _cause_share(ctx, "hardware")


@input_node(
    "reliability.gpu_share",
    "fraction",
    "Share of a large job's unexpected interruptions that a GPU causes (the GPU, its memory, "
    "its system processor, silent data corruption, its thermal interface): Llama 3's Table 5",
    sources=(_LLAMA3,),
)
def _gpu_share(ctx: Context) -> Found:
    return _cause_share(ctx, "gpu")


@input_node(
    "reliability.memory_share",
    "fraction",
    "Share of a large job's unexpected interruptions that the accelerator's memory (HBM) causes, "
    "on the accelerator Llama 3's Table 5 counts (H100, 80 GB)",
    sources=(_LLAMA3,),
)
def _memory_share(ctx: Context) -> Found:
    return _cause_share(ctx, "memory")


calibration_input(
    "reliability.reference_memory",
    "llama3_accelerator_hbm",
    "data",
    "Memory of the accelerator whose interruptions Llama 3's Table 5 counts by cause (H100)",
    (_LLAMA3,),
)


calibration_input(
    "reliability.memory_exponent",
    "memory_interruption_exponent",
    "number",
    "How the memory's interruptions grow with the memory held: exponent on the ratio of memory "
    "(1: in proportion to the bits)",
    (_DRAM_FIELD,),
)


@input_node(
    "reliability.rate_memory",
    "data",
    "Memory of the accelerator the published interruption rate was counted on: the scenario's "
    "accelerator for its own rate, the catalog chip for the catalog's rate, Llama 3's H100 "
    "for the stand-in",
    sources=(_LLAMA3,),
    inputs=("reliability.published_interruption_rate",),
)
def _rate_memory(ctx: Context) -> Found:
    if ctx.field("cluster.interruption_rate") is not None:
        return ctx.accelerator_figure("hbm")
    entry = ctx.catalog_accelerator
    if entry is None or not accelerator_interruption_rate(ctx)[2]:
        return ctx.calibration("llama3_accelerator_hbm")
    return from_figure(entry.figures["hbm"], f"catalog accelerators.{entry.name}.hbm")


scenario_input(
    "reliability.checkpoint_time",
    "time",
    "Time training stalls per checkpoint written to storage (δ, whole-job restart): the "
    "scenario's workload.checkpoint_time, else the calibration estimate",
    field="workload.checkpoint_time",
    calibration="checkpoint_write_time",
)


scenario_input(
    "reliability.restart_time",
    "time",
    "Time to detect an interruption, recover and resume from the last stored checkpoint "
    "(R, whole-job restart): the scenario's cluster.restart_time, else the calibration",
    field="cluster.restart_time",
    calibration="restart_time",
)


scenario_input(
    "reliability.in_memory_checkpoint_time",
    "time",
    "Time training stalls per in-memory checkpoint (hot spares and in-memory "
    "checkpoints): the scenario's workload.checkpoint_time, else the calibration",
    field="workload.checkpoint_time",
    calibration="in_memory_checkpoint_stall",
)


scenario_input(
    "reliability.in_memory_restart_time",
    "time",
    "Time to swap in a hot spare and reload the state from peer memory: the scenario's "
    "cluster.restart_time, else the calibration",
    field="cluster.restart_time",
    calibration="in_memory_restart_time",
)


@input_node(
    "reliability.recovery",
    "text",
    "How interruptions are recovered: restart, in_memory, or auto (the better goodput)",
    value_type="text",
    scenario_field="cluster.recovery",
)
def _recovery(ctx: Context) -> Found:
    return ctx.scenario_or_choice("cluster.recovery")


@input_node(
    "cluster.mfu_basis",
    "text",
    "What the MFU was measured over: running (downtime excluded) or wallclock",
    value_type="text",
    formula="scenario cluster.mfu_basis, else choices.mfu_basis when the scenario gives "
    "cluster.mfu; running for the default MFU (a per-step figure)",
)
def _mfu_basis(ctx: Context) -> Found:
    if not any(ctx.written(path) for path in (*OWN_UTILISATION, "cluster.mfu_basis")):
        mfu = ctx.calibration("default_mfu")
        return Found(
            "running",
            "catalog calibration.default_mfu: measured per training step",
            mfu.source,
            mfu.confidence,
        )
    return ctx.scenario_or_choice("cluster.mfu_basis")


# ------------------------------------------------------------------------------ formulas
def daly_interval(delta, mtbi):
    """Optimal checkpoint interval (seconds) for write time `delta` and job MTBI `mtbi`.

    Daly (2006): τ = √(2δM)·[1 + ⅓√(δ/2M) + (δ/2M)/9] − δ when δ < 2M, else τ = M (checkpointing
    costs more than the work it would save). Works element-wise on arrays.
    """
    delta = scalar.as_float(delta)
    mtbi = scalar.as_float(mtbi)
    ratio = delta / (2.0 * mtbi)
    daly = scalar.sqrt(2.0 * delta * mtbi) * (1.0 + scalar.sqrt(ratio) / 3.0 + ratio / 9.0) - delta
    return scalar.where(delta < 2.0 * mtbi, daly, mtbi)


def goodput_fraction(delta, tau, restart, mtbi):
    """Share of wall-clock time doing kept work: 1 − δ/τ − (τ/2 + R)/M, clipped to [0, 1].

    δ/τ is the time spent writing checkpoints; each interruption (every M seconds on average)
    loses on average half an interval of work plus the restart time R.
    """
    delta, tau = scalar.as_float(delta), scalar.as_float(tau)
    restart, mtbi = scalar.as_float(restart), scalar.as_float(mtbi)
    # Edge cases, chosen element-wise: no write cost when δ = 0, no losses when M is infinite
    # (no accelerators fail); both would otherwise be 0/0.
    writing = scalar.where(tau > 0, delta / scalar.where(tau > 0, tau, 1.0), 0.0)
    finite = scalar.isfinite(mtbi)
    losses = scalar.where(finite, (tau / 2.0 + restart) / scalar.where(finite, mtbi, 1.0), 0.0)
    return scalar.clip(1.0 - writing - losses, 0.0, 1.0)


# ------------------------------------------------------------------------------ metrics
def memory_weight(memory, reference, share, exponent):
    """Interruptions of a job on an accelerator holding `memory`, relative to one on the
    reference accelerator (`reference` memory) whose interruptions the memory caused `share`
    of: 1 − share + share × (memory / reference)^exponent. Works element-wise on arrays."""
    ratio = scalar.as_float(memory) / scalar.as_float(reference)
    return 1.0 - share + share * ratio**exponent


def accelerator_share(reference_share, weight):
    """A kind of count's share of every interruption on an accelerator of memory weight `weight`,
    from its share on the reference accelerator: the memory's extra (or missing) interruptions
    are GPU and hardware failures."""
    return (reference_share + weight - 1.0) / weight


_MEMORY_INPUTS = (
    "reliability.reference_memory",
    "reliability.memory_share",
    "reliability.memory_exponent",
)


# The scenario's accelerator and the one its rate was counted on weigh alike; the kinds of count
# carry alike: one function each, registered under both names.
metric(
    "reliability.memory_weight",
    "number",
    "Unexpected interruptions of a job on this accelerator relative to one on Llama 3's H100, "
    "for the memory each holds (every other cause counted per accelerator alike)",
    "1 − s + s × (accelerator.hbm ÷ reliability.reference_memory)^e; "
    "s = reliability.memory_share, e = reliability.memory_exponent",
    inputs=("accelerator.hbm", *_MEMORY_INPUTS),
    sources=(_LLAMA3, _DRAM_FIELD),
)(memory_weight)
metric(
    "reliability.rate_memory_weight",
    "number",
    "The same weight for the accelerator the published interruption rate was counted on",
    "1 − s + s × (reliability.rate_memory ÷ reliability.reference_memory)^e",
    inputs=("reliability.rate_memory", *_MEMORY_INPUTS),
    sources=(_LLAMA3, _DRAM_FIELD),
)(memory_weight)
for _kind, _label in (("hardware", "hardware failures (GPU, host, network)"), ("gpu", "a GPU's")):
    metric(
        f"reliability.accelerator_{_kind}_share",
        "fraction",
        f"Share of a large job's unexpected interruptions on this accelerator that are {_label}",
        f"(reliability.{_kind}_share + w − 1) ÷ w; w = reliability.memory_weight",
        inputs=(f"reliability.{_kind}_share", "reliability.memory_weight"),
        sources=(_LLAMA3,),
    )(accelerator_share)


@metric(
    "reliability.interruption_rate",
    "number",
    "Unexpected job interruptions per accelerator per day, every cause counted (what stops a "
    "synchronous job and what goodput pays for)",
    "reliability.published_interruption_rate ÷ the share of every interruption it counts on "
    "the accelerator it was counted on (1 for all; for hardware or gpu, as "
    "reliability.rate_counts says, (reliability.hardware_share or reliability.gpu_share + "
    "w_c − 1) ÷ w_c) × w ÷ w_c; w = reliability.memory_weight, w_c = "
    "reliability.rate_memory_weight",
    inputs=(
        "reliability.published_interruption_rate",
        "reliability.rate_counts",
        "reliability.hardware_share",
        "reliability.gpu_share",
        "reliability.memory_weight",
        "reliability.rate_memory_weight",
    ),
    sources=(_LLAMA3, _DRAM_FIELD),
)
def interruption_rate(published, counts, hardware_share, gpu_share, weight, rate_weight):
    """The rate of every unexpected interruption on the scenario's accelerator, from a rate that
    counts only some of them on the accelerator it was counted on."""
    if counts == "all":
        share = 1.0
    else:
        reference_share = {"hardware": hardware_share, "gpu": gpu_share}[counts]
        share = accelerator_share(reference_share, rate_weight)
    return scalar.as_float(published) / share * weight / rate_weight


@metric(
    "reliability.failures_per_day",
    "number",
    "Unexpected interruptions of the whole job per day (any accelerator, memory, network, host "
    "or software fault stops a synchronous training job)",
    "cluster.count × reliability.interruption_rate",
    inputs=("cluster.count", "reliability.interruption_rate"),
    sources=(_LLAMA3,),
    importance=2,
)
def failures_per_day(count, rate_per_accelerator_day):
    """Job interruptions per day: every accelerator adds its own rate."""
    return count * rate_per_accelerator_day


@metric(
    "reliability.hardware_failures_per_day",
    "number",
    "Job interruptions per day caused by hardware: GPU, host and network failures (the count "
    "that hardware reliability studies give, as node failures per node-day)",
    "reliability.failures_per_day × reliability.accelerator_hardware_share",
    inputs=("reliability.failures_per_day", "reliability.accelerator_hardware_share"),
    sources=(_LLAMA3,),
    importance=1,
)
def hardware_failures_per_day(failures, share):
    """The hardware-caused part of the job's interruptions."""
    return failures * share


@metric(
    "reliability.gpu_failures_per_day",
    "number",
    "Job interruptions per day caused by a GPU (the count that reports of GPU failures give)",
    "reliability.failures_per_day × reliability.accelerator_gpu_share",
    inputs=("reliability.failures_per_day", "reliability.accelerator_gpu_share"),
    sources=(_LLAMA3,),
    importance=1,
)
def gpu_failures_per_day(failures, share):
    """The GPU-caused part of the job's interruptions."""
    return failures * share


@metric(
    "reliability.mtbi",
    "time",
    "Mean time between interruptions of the job (M)",
    "1 day / reliability.failures_per_day",
    inputs=("reliability.failures_per_day",),
    importance=1,
)
def mtbi(failures):
    """Mean time between job interruptions, seconds (infinite when nothing can fail)."""
    failures = scalar.as_float(failures)
    return scalar.where(
        failures > 0, SECONDS_PER_DAY / scalar.where(failures > 0, failures, 1.0), scalar.inf
    )


@metric(
    "reliability.restart_checkpoint_interval",
    "time",
    "Checkpoint interval that minimises lost time with whole-job restarts (Young/Daly)",
    "τ = √(2δM)·[1 + ⅓√(δ/2M) + (δ/2M)/9] − δ if δ < 2M else M; "
    "δ = reliability.checkpoint_time, M = reliability.mtbi",
    inputs=("reliability.checkpoint_time", "reliability.mtbi"),
    sources=_YOUNG_DALY,
)
def restart_checkpoint_interval(delta, job_mtbi):
    """Daly's optimal checkpoint interval with checkpoints written to storage."""
    return daly_interval(delta, job_mtbi)


@metric(
    "reliability.restart_goodput",
    "fraction",
    "Goodput with whole-job restarts from stored checkpoints (Llama 3 practice)",
    "1 − δ/τ − (τ/2 + R)/M, clipped to [0, 1]; δ = reliability.checkpoint_time, "
    "τ = reliability.restart_checkpoint_interval, R = reliability.restart_time, "
    "M = reliability.mtbi",
    inputs=(
        "reliability.checkpoint_time",
        "reliability.restart_checkpoint_interval",
        "reliability.restart_time",
        "reliability.mtbi",
    ),
    sources=(*_YOUNG_DALY, _LLAMA3),
)
def restart_goodput(delta, tau, restart, job_mtbi):
    """Goodput of a whole-job restart at its optimal checkpoint interval."""
    return goodput_fraction(delta, tau, restart, job_mtbi)


@metric(
    "reliability.in_memory_checkpoint_interval",
    "time",
    "Checkpoint interval that minimises lost time with in-memory checkpoints (Young/Daly)",
    "Daly's τ with δ = reliability.in_memory_checkpoint_time, M = reliability.mtbi",
    inputs=("reliability.in_memory_checkpoint_time", "reliability.mtbi"),
    sources=_YOUNG_DALY,
)
def in_memory_checkpoint_interval(delta, job_mtbi):
    """Daly's optimal interval for checkpoints copied to host or peer memory."""
    return daly_interval(delta, job_mtbi)


@metric(
    "reliability.in_memory_goodput",
    "fraction",
    "Goodput with hot spares and in-memory checkpoints (Gemini practice)",
    "1 − δ/τ − (τ/2 + R)/M with δ = reliability.in_memory_checkpoint_time, "
    "τ = reliability.in_memory_checkpoint_interval, R = reliability.in_memory_restart_time",
    inputs=(
        "reliability.in_memory_checkpoint_time",
        "reliability.in_memory_checkpoint_interval",
        "reliability.in_memory_restart_time",
        "reliability.mtbi",
    ),
    sources=(*_YOUNG_DALY, _GEMINI),
)
def in_memory_goodput(delta, tau, restart, job_mtbi):
    """Goodput of recovery from in-memory replicas onto hot spares."""
    return goodput_fraction(delta, tau, restart, job_mtbi)


def _use_in_memory(recovery, restart_kept, in_memory_kept):
    """Whether the in-memory recovery applies: named, or `auto` and at least as good."""
    if recovery == "in_memory":
        return scalar.asarray(True)
    if recovery == "restart":
        return scalar.asarray(False)
    return scalar.asarray(in_memory_kept) >= scalar.asarray(restart_kept)


@metric(
    "reliability.goodput",
    "fraction",
    "Share of wall-clock time spent on training work that is kept (not lost to checkpoint "
    "stalls, re-done work and restarts), with the recovery the operator uses",
    "reliability.restart_goodput or reliability.in_memory_goodput as reliability.recovery "
    "says; auto: the larger",
    inputs=("reliability.recovery", "reliability.restart_goodput", "reliability.in_memory_goodput"),
    sources=(*_YOUNG_DALY, _LLAMA3, _GEMINI),
    importance=2,
)
def goodput(recovery, restart_kept, in_memory_kept):
    """Goodput of the job with its recovery."""
    use = _use_in_memory(recovery, restart_kept, in_memory_kept)
    return scalar.where(use, in_memory_kept, restart_kept)


@metric(
    "reliability.checkpoint_interval",
    "time",
    "Checkpoint interval of the recovery in use (Young/Daly optimum)",
    "reliability.restart_checkpoint_interval or reliability.in_memory_checkpoint_interval, "
    "as for reliability.goodput",
    inputs=(
        "reliability.recovery",
        "reliability.restart_goodput",
        "reliability.in_memory_goodput",
        "reliability.restart_checkpoint_interval",
        "reliability.in_memory_checkpoint_interval",
    ),
    sources=_YOUNG_DALY,
)
def checkpoint_interval(recovery, restart_kept, in_memory_kept, restart_tau, in_memory_tau):
    """The optimal interval of whichever recovery applies."""
    use = _use_in_memory(recovery, restart_kept, in_memory_kept)
    return scalar.where(use, in_memory_tau, restart_tau)


# ------------------------------------------------------------------------------ training time
@metric(
    "reliability.training_time",
    "time",
    "Wall-clock training time including interruptions: checkpoint stalls, re-done work and "
    "restarts",
    "workload.duration if given; else workload.accelerator_hours / cluster.count if given; "
    "else performance.training_time if cluster.mfu_basis is wallclock (the MFU already "
    "holds the downtime); else performance.training_time / reliability.goodput",
    inputs=(
        "performance.training_time",
        "reliability.goodput",
        "cluster.mfu_basis",
        "workload.duration",
        "workload.accelerator_hours",
        "cluster.count",
    ),
    sources=_YOUNG_DALY,
    importance=2,
    optional=("performance.training_time", "workload.duration", "workload.accelerator_hours"),
)
def training_time(ideal_time, kept_share, basis, duration, accelerator_time, count):
    """The run's wall-clock time: given, or computed without counting downtime twice (None when
    neither is possible)."""
    if ideal_time is None and duration is None and accelerator_time is None:
        return None  # nothing to compute it from
    if ideal_time is None:
        ideal_time = scalar.nan  # not computable: only a given duration or accelerator-time helps
    duration = 0.0 if duration is None else duration
    accelerator_time = 0.0 if accelerator_time is None else accelerator_time
    kept_share = scalar.as_float(kept_share)
    stretched = scalar.where(
        kept_share > 0, ideal_time / scalar.where(kept_share > 0, kept_share, 1.0), scalar.inf
    )
    computed = scalar.as_float(ideal_time) if basis == "wallclock" else stretched
    computed = scalar.where(
        scalar.as_float(accelerator_time) > 0, accelerator_time / count, computed
    )
    result = scalar.where(scalar.as_float(duration) > 0, duration, computed)
    if scalar.ndim(result) == 0:
        return None if scalar.isnan(result) else float(result)
    return result


@metric(
    "reliability.lost_time",
    "time",
    "Wall-clock time lost to interruptions over the run",
    "reliability.training_time × (1 − reliability.goodput)",
    inputs=("reliability.training_time", "reliability.goodput"),
    sources=_YOUNG_DALY,
    importance=1,
)
def lost_time(real_time, kept_share):
    """Time the run spends stalled for checkpoints, re-doing lost work and restarting."""
    # No special case for a goodput of 0: a computed training time is then already infinite,
    # and a given one (workload.duration) is lost whole, not infinitely.
    return scalar.as_float(real_time) * (1.0 - scalar.as_float(kept_share))


scenario_input(
    "energy.outage",
    "fraction",
    "Share of the hours the site has no power at all (grid off and no backup running), during "
    "which a run pauses",
    default=Found(0.0, "default", note="not given: power every hour"),
    importance=2,
)


@metric(
    "reliability.calendar_time",
    "time",
    "Calendar time of the training run with the site's power cuts: the wall-clock training "
    "time stretched by the hours without power, when the run pauses",
    "reliability.training_time ÷ (1 − energy.outage)",
    inputs=("reliability.training_time", "energy.outage"),
    # not a row of the tables, where it would repeat the training time at every site with power
    # every hour: the key findings give it when the site has power cuts
    importance=0,
)
def calendar_time(real_time, outage):
    """A run on a grid with load-shedding the site's own generators do not cover waits for the
    power to return: its wall-clock time counts only the hours it has power (its energy,
    rental hours and accelerator-hours stay those of the powered hours)."""
    return real_time / (1.0 - outage)


@metric(
    "reliability.accelerator_hours",
    "number",
    "Accelerator-hours of the run: wall-clock time × accelerators, in hours",
    "reliability.training_time × cluster.count ÷ 1 hour",
    inputs=("reliability.training_time", "cluster.count"),
    importance=2,
)
def accelerator_hours(real_time, count):
    """Accelerator-hours the run occupies."""
    return real_time * count / SECONDS_PER_HOUR


@metric(
    "reliability.interruptions",
    "number",
    "Interruptions expected over the whole run",
    "reliability.failures_per_day × reliability.training_time / 1 day",
    inputs=("reliability.failures_per_day", "reliability.training_time"),
    sources=(_LLAMA3,),
    importance=1,
)
def interruptions(failures, real_time):
    """Interruptions the run will live through (how often the pipeline must recover)."""
    return failures * real_time / SECONDS_PER_DAY
