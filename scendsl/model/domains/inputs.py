"""Input nodes: scenario fields, the accelerator's figures and calibration constants.

Each input resolves to a value with its origin: the scenario line that set it, the catalog figure
(with source and confidence) or a documented default from `calibration.toml`.
"""

from __future__ import annotations

from scendsl.language.fields import ACCELERATOR_FIGURES
from scendsl.model.context import Context, Found
from scendsl.model.domains.training_formulas import (
    ATTENTION_RATE,
    CHIP_MFU,
    KORTHIKANTI,
    NARAYANAN_FLOPS,
    PALM,
)
from scendsl.model.registry import input_node, scenario_input

scenario_input("scenario.year", "year", "Forecast year of the scenario", importance=3, field="year")


scenario_input(
    "scenario.region",
    "text",
    "Where the accelerators are installed (ISO 3166-1)",
    value_type="text",
    importance=3,
    names_of="regions",
    field="region",
)


scenario_input(
    "cluster.accelerator",
    "text",
    "Accelerator of the cluster",
    value_type="text",
    importance=3,
    names_of="accelerators",
)


scenario_input("cluster.count", "number", "Accelerators in the cluster", importance=3)


scenario_input(
    "cluster.mfu",
    "fraction",
    "Model FLOPs utilisation: useful share of peak FLOP/s",
    formula="given (unset: n/a, and performance.mfu starts from cluster.default_mfu)",
)


#: The fields in which a scenario gives its own utilisation: an MFU, or an HFU the model turns
#: into one (the language lets a scenario write one of the two).
OWN_UTILISATION = ("cluster.mfu", "cluster.hfu")


scenario_input(
    "cluster.hfu",
    "fraction",
    "Hardware FLOPs utilisation: executed share of peak FLOP/s, recomputation counted",
    formula="given (unset: n/a); performance.mfu = cluster.hfu / performance.recompute_factor",
)


@input_node(
    "cluster.default_mfu",
    "fraction",
    "Default MFU when the scenario gives none: the dense BF16 calibration, a share of the BF16 "
    "peak (performance.mfu carries it to the workload's precision)",
    formula="catalog calibration.default_mfu when neither cluster.mfu nor cluster.hfu is set, "
    "else n/a",
    inputs=("cluster.hfu", "cluster.mfu"),
)
def _default_mfu(ctx: Context) -> Found:
    return _where_the_default_mfu_is(ctx, "default_mfu")


def _where_the_default_mfu_is(ctx: Context, key: str) -> Found:
    """Catalog calibration `key`, read (and shown as an input) only by a scenario without its
    own MFU or HFU; n/a otherwise."""
    for path in OWN_UTILISATION:
        if ctx.field(path) is not None:
            raise LookupError(f"the scenario gives {path}")
    return ctx.calibration(key)


def _default_mfu_input(name: str, key: str, meaning: str, sources: tuple[str, ...] = ()) -> None:
    """A catalog figure that carries the default MFU to the scenario (performance.mfu): read,
    and shown as an input, only where the default is, like cluster.default_mfu."""

    @input_node(
        name,
        "number",
        meaning,
        formula=f"catalog calibration.{key} when neither cluster.mfu nor cluster.hfu is set, "
        "else n/a",
        sources=sources,
        inputs=("cluster.mfu", "cluster.hfu"),
    )
    def _lookup(ctx: Context) -> Found:
        return _where_the_default_mfu_is(ctx, key)


_default_mfu_input(
    "performance.elementwise_bytes",
    "elementwise_bytes",
    "Bytes the memory-bound kernels of a training step move per token, layer and unit of width",
    (KORTHIKANTI, NARAYANAN_FLOPS),
)
_default_mfu_input(
    "performance.default_mfu_width",
    "default_mfu_width",
    "Model width of the run whose MFU is the default MFU",
)
_default_mfu_input(
    "performance.default_mfu_flop_per_byte",
    "default_mfu_flop_per_byte",
    "BF16 FLOP per byte of HBM bandwidth of the accelerator whose MFU is the default MFU",
)

_default_mfu_input(
    "performance.default_mfu_attention_share",
    "default_mfu_attention_share",
    "Attention share of the model FLOPs of the run whose MFU is the default MFU",
    (NARAYANAN_FLOPS,),
)
_default_mfu_input(
    "performance.default_mfu_recompute_factor",
    "default_mfu_recompute_factor",
    "Hardware FLOPs per model FLOP (recomputation) of the run whose MFU is the default MFU",
    (KORTHIKANTI, PALM),
)


@input_node(
    "performance.default_mfu_chip_factor",
    "number",
    "MFU the same code and model reach on the scenario's accelerator over the default MFU's "
    "accelerator (H100), beyond what the width, attention and precision carries hold",
    formula="catalog calibration.default_mfu_chip_factor_<accelerator>, else "
    "default_mfu_chip_factor (1: the default's own chip, or no same-code measurement), when "
    "neither cluster.mfu nor cluster.hfu is set, else n/a",
    sources=(CHIP_MFU,),
    inputs=("cluster.accelerator", "cluster.hfu", "cluster.mfu"),
)
def _default_mfu_chip_factor(ctx: Context) -> Found:
    # Read only where the default MFU is: a measured MFU already holds its chip's level.
    _where_the_default_mfu_is(ctx, "default_mfu_chip_factor")
    return ctx.chip_calibration("default_mfu_chip_factor")


_default_mfu_input(
    "performance.default_mfu_attention_rate",
    "attention_rate_factor",
    "Attention rate as a share of the linear layers' rate on the accelerator of the run whose "
    "MFU is the default MFU",
    (ATTENTION_RATE,),
)


@input_node(
    "accelerator.available_year",
    "year",
    "Year the accelerator is available in volume",
    inputs=("cluster.accelerator",),
)
def _available(ctx: Context) -> Found:
    custom = ctx.custom_accelerator
    if custom is not None and custom.available_year is not None:
        return Found(
            custom.available_year, f"{custom.span} (accelerator {custom.name})", custom.source
        )
    entry = ctx.catalog_accelerator
    if entry is None:
        raise LookupError("no availability year")
    return Found(entry.available_year, f"catalog accelerators.{entry.name}.available_year")


def _figure_input(figure: str, dimension: str, meaning: str) -> None:
    @input_node(f"accelerator.{figure}", dimension, meaning, inputs=("cluster.accelerator",))
    def _lookup(ctx: Context) -> Found:
        return ctx.accelerator_figure(figure)


for _name, _spec in ACCELERATOR_FIGURES.items():
    # The price is a market input (by year); system power falls back on TDP, and the host CPUs
    # a module carries on none (energy domain).
    # The scale-up domain is bounded by the server's board (domain server).
    if _name not in ("price", "system_power", "module_host_cpus", "scaleup_domain"):
        _figure_input(_name, _spec.dimension or "number", f"Accelerator figure: {_spec.doc}")


@input_node(
    "accelerator.hostlink_shared_by",
    "number",
    "Accelerators sharing one host link (2 on a Grace-Blackwell superchip)",
    inputs=("cluster.accelerator",),
)
def _shared(ctx: Context) -> Found:
    entry = ctx.catalog_accelerator
    shared = getattr(entry, "hostlink_shared_by", None) if entry is not None else None
    origin = f"catalog accelerators.{entry.name}.hostlink_shared_by" if entry else "default"
    return Found(float(shared or 1), origin)
