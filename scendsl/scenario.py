"""Typed scenarios: the output of the resolver and the input of the evaluator.

All quantities are in SI base units (W, J, B, B/s, FLOP, FLOP/s, s, USD, kg/J, USD/J). A value the
analyst wrote as a range (`30% to 45%`) or a spread (`1.25 ± 10%`) is kept as an `Uncertain`; the
evaluator uses its `central` value and the uncertainty stage samples it.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

from scendsl.defaults import Framework, Recompute, ReferenceKind
from scendsl.errors import Span


class _Frozen(BaseModel):
    # The resolver has checked every value already and builds these with `model_construct`;
    # deferring pydantic's schema build keeps `scendsl check` from paying for it at start-up.
    # Validation still applies to anyone who instantiates a model directly.
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    # Serialising a model can reach another one through an `object` field (a sweep axis holds
    # Uncertain values) whose deferred serializer pydantic does not build on its own: build them
    # all the first time anything is serialised.
    def model_dump(self, *args, **kwargs):
        complete_models()
        return super().model_dump(*args, **kwargs)

    def model_dump_json(self, *args, **kwargs):
        complete_models()
        return super().model_dump_json(*args, **kwargs)

    @classmethod
    def model_json_schema(cls, *args, **kwargs):
        complete_models()
        return super().model_json_schema(*args, **kwargs)


class Uncertain(_Frozen):
    """An uncertain input: `low to high` (a 90 % interval) or `center ± rel`."""

    kind: Literal["interval", "relative"]
    low: float = Field(description="5th percentile (interval) or center × (1 − rel)")
    high: float = Field(description="95th percentile (interval) or center × (1 + rel)")
    center: float = Field(description="the value used when a single number is needed (median)")
    rel: float | None = Field(None, description="relative spread for '±' values")


Value = float | Uncertain


def central(value: Value | None, default: float | None = None) -> float | None:
    """The single number that stands for `value` (the median of an uncertain one)."""
    if value is None:
        return default
    if isinstance(value, Uncertain):
        return value.center
    return value


class MixShare(_Frozen):
    """One energy source of a supply mix and its share (0–1)."""

    source: str
    share: float


class Parallelism(_Frozen):
    """How the workload is split: tensor × pipeline × context × data ranks (data may be `auto`)."""

    tensor: int = 1
    pipeline: int = 1
    data: int | None = Field(
        None, description="None means 'auto': count / (tensor × pipeline × context)"
    )
    expert: int = 1
    microbatches: int | None = None
    interleave: int | None = Field(None, description="None: the framework's default")
    context: int = Field(1, description="context-parallel ranks the sequence is split over")


# Each section's fields, their types and their enumerated choices follow the language's field
# table (`scendsl.language.fields`, which this layer may not import); `tests/test_fields.py`
# holds the two equal.
class Cluster(_Frozen):
    accelerator: str
    count: Value
    fabric: Literal["infiniband", "ethernet", "roce", "nvlink", "ici"] | None = None
    mfu: Value | None = None
    hfu: Value | None = None
    accelerator_power: Value | None = Field(None, description="measured all-in W per accelerator")
    overhead: Value | None = Field(None, description="node and network power overhead, fraction")
    # issue 12: energy/reliability
    mfu_basis: Literal["running", "wallclock"] | None = None
    interruption_rate: Value | None = Field(None, description="per accelerator per day")
    interruption_rate_counts: Literal["all", "hardware", "gpu"] | None = None
    restart_time: Value | None = Field(None, description="seconds to resume after an interruption")
    recovery: Literal["auto", "restart", "in_memory"] | None = None
    server: Literal["dgx", "blade", "workstation"] | None = None
    accelerators_per_server: int | None = None
    power_limit: Value | None = Field(None, description="W per accelerator, a cap below TDP")
    cooling: Literal["air", "immersion"] | None = None
    host_power: Value | None = Field(None, description="W of host CPUs per accelerator")
    embodied_carbon: Value | None = Field(None, description="kg CO2e per accelerator")
    lifetime: Value | None = Field(None, description="service life, seconds")


class Energy(_Frozen):
    mix: tuple[MixShare, ...] = ()
    pue: Value | None = None
    wue: Value | None = Field(None, description="m3 of water per joule of IT energy")
    price: Value | None = Field(None, description="USD per joule; overrides the per-source prices")
    intensity: Value | None = Field(None, description="kg CO2 per joule; overrides the mix")
    utilization: Value | None = Field(None, description="share of the year the cluster runs")
    # issue 12: energy/reliability
    site_class: Literal["hyperscale", "colocation", "enterprise"] | None = None
    training_power_fraction: Value | None = None
    idle_power_fraction: Value | None = None
    outage: Value | None = Field(None, description="share of the hours the site has no power")
    emissions_boundary: Literal["facility", "it", "accelerators"] | None = None


class Workload(_Frozen):
    parameters: Value | None = None
    active_parameters: Value | None = None
    tokens: Value | None = None
    precision: Literal["fp8", "bf16", "fp16", "fp4"] = "bf16"
    parallelism: Parallelism = Parallelism.model_construct()
    framework: Framework | None = None
    zero_stage: int | None = None
    shard_group: int | None = None
    gradient_bucket: Value | None = None
    offload: Literal["none", "cpu"] | None = None
    activation_offload_layers: int | None = None
    recompute: Recompute | None = None
    recompute_num_layers: int | None = None
    sequence_length: int | None = None
    micro_batch: int | None = None
    global_batch: int | None = Field(None, description="sequences per optimizer step")
    layers: int | None = None
    hidden_size: int | None = None
    checkpoint_time: Value | None = None
    baseline_parameters: Value | None = None
    baseline_tokens: Value | None = None
    teacher_parameters: Value | None = Field(
        None, description="parameters of the distillation teacher(s); None: no teacher"
    )
    teacher_share: Value | None = Field(
        None, description="share of the training tokens the teacher scores; None: every token"
    )
    adapter: Literal["none", "lora"] | None = None
    trainable_parameters: Value | None = Field(
        None, description="parameters of the adapters (with adapter lora); None: the default share"
    )
    # issue 12: performance
    attention_heads: int | None = None
    head_dim: int | None = None
    kv_heads: int | None = Field(None, description="key/value heads (GQA); None: one per head")
    attention_window: int | None = Field(
        None, description="tokens a sliding-window attention layer attends; None: full attention"
    )
    attention_window_share: Value | None = Field(
        None, description="share of the layers with the sliding window; None: every layer"
    )
    vocabulary: int | None = None
    ffn_hidden_size: int | None = Field(None, description="MLP width f; None: 4h (8h/3 gated)")
    mlp: Literal["plain", "gated"] | None = None
    sequence_parallel: Literal["on", "off"] | None = None
    flash_attention: Literal["on", "off"] | None = None
    tp_comm_overlap: Literal["on", "off"] | None = None
    activation_precision: Literal["bf16", "fp32"] | None = None
    attention_precision: Literal["bf16", "fp8"] | None = None
    weight_precision: Literal["bf16", "fp8"] | None = None
    dropout: Value | None = Field(None, description="dropout probability; None: the default")
    experts: int | None = None
    experts_per_token: int | None = None
    expert_ffn_hidden_size: int | None = Field(
        None, description="width of one routed expert's MLP; None: ffn_hidden_size"
    )
    shared_experts: int | None = Field(None, description="shared experts per MoE layer; None: 0")
    attention_experts: int | None = Field(
        None, description="attention experts per layer (JetMoE); None: 1, dense attention"
    )
    dense_layers: int | None = Field(None, description="leading dense layers; None: 0")
    moe_layer_interval: int | None = Field(
        None, description="an expert layer every n layers; None: 1 (every layer)"
    )
    expert_overlap: Value | None = Field(
        None, description="share of the expert all-to-all hidden; None: none"
    )
    # issue 12: energy/reliability
    duration: Value | None = Field(None, description="wall-clock seconds, given directly")
    accelerator_hours: Value | None = Field(None, description="accelerator-seconds, given directly")
    training_flops: Value | None = Field(None, description="model FLOPs of the run, given directly")


class Market(_Frozen):
    unit_price: Value | None = None
    rental_price: Value | None = Field(None, description="USD per accelerator-second")
    price_series: str | None = None  # a series of the catalog (checked by the language)


#: The comparisons a claim may make (the grammar's OP token).
ClaimOp = Literal["<", "<=", ">", ">=", "==", "!=", "~="]


class Claim(_Frozen):
    """`expect METRIC OP VALUE "quote"`: a statement of the source, checked by the model.

    The value is a number (with `dimension` from its unit), a name (`dimension` "category": a
    category's or rating's value, `expect export.status == allowed`) or a flag (`dimension`
    "bool": `expect performance.fits_in_hbm` is `== True`, `expect not ...` is `== False`).
    """

    metric: str
    op: ClaimOp
    value: bool | float | str
    dimension: str
    unit: str | None = Field(None, description="the unit as written, for display")
    #: An amount written in another currency than USD (`< 50M EUR`): the unit as written
    #: (`EUR`, `EUR/kWh`). `value` then holds the amount in that currency (SI: per joule, per
    #: second), which the model converts to USD at the scenario year's rate, as its prices.
    currency: str | None = None
    tolerance: float | None = Field(None, description="relative tolerance of '~=' (± y%)")
    quote: str
    span: Span
    metric_span: Span
    #: Where the compared value was written (None for a flag claim).
    value_span: Span | None = None


class Correlation(_Frozen):
    """`correlate PATH, PATH RHO`: two uncertain inputs that move together (Gaussian copula)."""

    a: str
    b: str
    rho: float
    span: Span


class CustomAccelerator(_Frozen):
    """An `accelerator` block: new hardware, or an override of a catalog entry."""

    name: str
    base: str | None = None
    title: str | None = None
    vendor: str | None = None
    available_year: int | None = None
    source: str | None = None
    #: Whose export controls reach it (an ISO 3166-1 code); None: the catalog entry's, else US.
    subject_to: str | None = None
    figures: dict[str, Value] = {}
    #: A figure's own source, written after its value (`tdp 650 W source "..."`).
    citations: dict[str, str] = {}
    #: A price written in another currency (`price 4.5M JPY`): figure -> the unit as written.
    #: The figure holds the amount in that currency; the model converts it at the year of the
    #: scenario that uses the block (the block has no year of its own).
    currencies: dict[str, str] = {}
    span: Span


class ReferenceEntity(_Frozen):
    """A `reference` block: a comparison entity for the compute divide."""

    name: str
    title: str
    accelerator: str
    count: Value
    source: str | None = None
    #: What it is, when the block says.
    kind: ReferenceKind | None = None
    #: ISO 3166-1 code of the country it is in or serves, when the block says.
    region: str | None = None
    span: Span


class Scenario(_Frozen):
    """One resolved scenario: a cluster, its energy supply, its workload, one forecast year."""

    name: str
    title: str
    operator: str | None = None
    year: int
    region: str
    source: str | None = None
    context: str | None = None
    #: What the headline compares the cluster with (`compare_with`): a reference's name, or a
    #: country or named group of countries (`US`, `EU`) for its largest national research
    #: resource; None: the scenario's own country's, else the largest.
    compare_with: str | None = None
    cluster: Cluster
    energy: Energy = Energy.model_construct()
    workload: Workload = Workload.model_construct()
    market: Market = Market.model_construct()
    claims: tuple[Claim, ...] = ()
    correlations: tuple[Correlation, ...] = ()
    #: Hardware defined in the loaded files (by name); the catalog supplies the rest.
    accelerators: dict[str, CustomAccelerator] = {}
    #: Comparison entities defined in the loaded files; the catalog supplies more.
    references: dict[str, ReferenceEntity] = {}
    #: The set's `briefings { comparison_precision ... }`: the dense precision at which pages
    #: comparing scenarios (landscape, compute divide) put every peak side by side.
    comparison_precision: Literal["bf16", "fp8", "fp4"] = "bf16"
    #: Where each input was written: dotted path -> span (for explain and diagnostics).
    origins: dict[str, Span] = {}
    #: The analyst's source for an input, written after its value (`price 95 USD/MWh source
    #: "..."`): dotted path -> text. Shown wherever the input's origin is.
    citations: dict[str, str] = {}
    #: A price written in another currency than USD (`price 0.25 EUR/kWh`): dotted path -> the
    #: unit as written, whose first part is the ISO 4217 code. The field then holds the amount in
    #: that currency (per joule, per second), which the model converts to USD at the scenario
    #: year's rate, saying which it used.
    currencies: dict[str, str] = {}
    #: The chain of scenarios this one extends, nearest first.
    extends: tuple[str, ...] = ()
    #: The dotted paths whose values come from an ancestor, not from this scenario's own lines,
    #: each with the name of the scenario whose line it is (a figure written for an ancestor may
    #: stand over a field the child changes).
    inherited: dict[str, str] = {}
    #: For a sweep variant: the sweep's name and the values that make this variant.
    sweep: str | None = None
    sweep_point: dict[str, str] = {}
    span: Span


class SweepAxis(_Frozen):
    path: str
    labels: tuple[str, ...]
    #: The resolved value of each label, in the same order.
    values: tuple[object, ...]
    #: Per label, the unit of an amount written in another currency (`EUR/kWh`), else None;
    #: empty when no value of the axis is (the value then holds the amount in that currency).
    currencies: tuple[str | None, ...] = ()


class Sweep(_Frozen):
    """`sweep NAME from SCENARIO { path values }`: the cartesian product of its axes."""

    name: str
    base: str
    axes: tuple[SweepAxis, ...]
    span: Span
    #: One scenario per variant would be too many to hold for large sweeps: variants are made on
    #: demand by `variants()` from this template and the axes.
    template: Scenario

    @property
    def size(self) -> int:
        size = 1
        for axis in self.axes:
            size *= len(axis.labels)
        return size

    def variant_name(self, labels: tuple[str, ...]) -> str:
        inner = ",".join(
            f"{axis.path}={label}" for axis, label in zip(self.axes, labels, strict=False)
        )
        return f"{self.name}[{inner}]"

    def variants(self) -> Iterator[Scenario]:
        """Each variant as a Scenario, in a deterministic order (last axis fastest)."""
        indices = [range(len(axis.labels)) for axis in self.axes]
        for combo in itertools.product(*indices):
            yield apply_sweep_point(self, combo)

    def variant_at(self, index: int) -> Scenario:
        """Variant number `index` of `variants()`, made alone (no other variant is built)."""
        if not 0 <= index < self.size:
            raise IndexError(index)
        combo = []
        for axis in reversed(self.axes):  # the last axis runs fastest
            index, position = divmod(index, len(axis.labels))
            combo.append(position)
        return apply_sweep_point(self, tuple(reversed(combo)))

    def variant_named(self, name: str) -> Scenario | None:
        """The variant called `name` (`NAME[path=label,...]`), made alone; None if none is."""
        rest = name.removeprefix(f"{self.name}[")
        if rest == name or not rest.endswith("]"):
            return None
        rest, combo = rest[:-1], []
        for number, axis in enumerate(self.axes):
            rest = rest.removeprefix(f"{axis.path}=")
            if number + 1 < len(self.axes):
                label, _, rest = rest.partition(f",{self.axes[number + 1].path}=")
                rest = f"{self.axes[number + 1].path}=" + rest
            else:
                label, rest = rest, ""
            try:
                combo.append(axis.labels.index(label))
            except ValueError:
                return None
        if (
            self.variant_name(tuple(a.labels[i] for a, i in zip(self.axes, combo, strict=False)))
            != name
        ):
            return None
        return apply_sweep_point(self, tuple(combo))


def apply_sweep_point(sweep: Sweep, indices: tuple[int, ...]) -> Scenario:
    """The variant of `sweep` at one index per axis."""
    template = sweep.template
    top: dict[str, object] = {}
    sections: dict[str, dict[str, object]] = {}
    point: dict[str, str] = {}
    origins = dict(template.origins)
    # A swept value replaces the base's, and with it the base's source for that value.
    swept = {axis.path for axis in sweep.axes}
    citations = {p: c for p, c in template.citations.items() if p not in swept}
    currencies = {p: c for p, c in template.currencies.items() if p not in swept}
    for axis, index in zip(sweep.axes, indices, strict=False):
        value = axis.values[index]
        written = axis.currencies[index] if axis.currencies else None
        if written is not None:
            currencies[axis.path] = written
        point[axis.path] = axis.labels[index]
        origins[axis.path] = sweep.span
        if "." in axis.path:
            section, _, name = axis.path.partition(".")
            sections.setdefault(section, {})[name] = value
        else:
            top[axis.path] = value
    for section, changes in sections.items():
        top[section] = getattr(template, section).model_copy(update=changes)
    labels = tuple(axis.labels[i] for axis, i in zip(sweep.axes, indices, strict=False))
    top.update(
        name=sweep.variant_name(labels),
        sweep=sweep.name,
        sweep_point=point,
        origins=origins,
        citations=citations,
        currencies=currencies,
        # The variant writes its swept values; the base's lines are inherited, as a child's are.
        inherited={
            path: template.inherited.get(path, template.name)
            for path in sorted((template.inherited.keys() | template.origins.keys()) - swept)
        },
    )
    return template.model_copy(update=top)


class ScenarioSet(_Frozen):
    """Everything `load` resolved: scenarios in file order, then sweeps."""

    scenarios: tuple[Scenario, ...] = ()
    sweeps: tuple[Sweep, ...] = ()
    #: The text of each file the load read, by the name it is shown by: what a later stage's
    #: diagnostic (a claim's error, a warning) quotes its line from, never the file read again
    #: (`DiagnosticSink(loaded=...)`). Not part of the scenarios' data: not serialised.
    texts: SkipJsonSchema[dict[str, str]] = Field(default_factory=dict, exclude=True, repr=False)

    def get(self, name: str) -> Scenario:
        """The scenario named `name`. KeyError with a did-you-mean, as `result[name]` gives, or
        naming a sweep of that name (a sweep is many scenarios: `sweep.variants()`)."""
        for scenario in self.scenarios:
            if scenario.name == name:
                return scenario
        from scendsl.suggest import quoted, suggest

        if any(sweep.name == name for sweep in self.sweeps):
            raise KeyError(
                f"{quoted(name)} is a sweep, not a scenario: its variants are the scenarios of"
                " `next(s for s in scenarios.sweeps if s.name == NAME).variants()`"
            )
        hint = suggest(name, [scenario.name for scenario in self.scenarios])
        raise KeyError(f"no scenario {quoted(name)}" + (f"; {hint}" if hint else ""))

    def all_scenarios(self) -> Iterator[Scenario]:
        """Plain scenarios, then every sweep variant."""
        yield from self.scenarios
        for sweep in self.sweeps:
            yield from sweep.variants()


_completed = False


def complete_models() -> None:
    """Build every model's (deferred) schema, once: before serialising or a JSON Schema."""
    global _completed
    if _completed:
        return
    for model in (
        Uncertain,
        MixShare,
        Parallelism,
        Cluster,
        Energy,
        Workload,
        Market,
        Claim,
        Correlation,
        CustomAccelerator,
        ReferenceEntity,
        Scenario,
        SweepAxis,
        Sweep,
        ScenarioSet,
    ):
        model.model_rebuild(force=True)
    _completed = True
