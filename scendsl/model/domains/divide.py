"""Compute divide: the scenario's cluster against what universities, open labs and national
research resources have (the article: "This creates a 'compute divide' between frontier labs and
everyone else").

A reference entity is a catalog `references.toml` entry or a `reference` block of the scenario
files (a block with the same name as a catalog entry replaces it). It names an accelerator — a
catalog one or one defined in an `accelerator` block — and how many it has. Every node below is a
template: `{ref}` is replaced by each reference's name by the evaluator.

- peak = its accelerators' dense rate at the scenario's training precision × their count
  (a chip without that precision runs it at its next wider one: FP4 → FP8 → BF16);
- compute ratio = scenario peak / reference peak, both at the set's comparison precision
  (`briefings { comparison_precision ... }`, default BF16 dense): one precision for every
  scenario and reference, whatever each scenario trains in;
- time to train = the scenario's training FLOPs / (reference peak × the scenario's MFU): the same
  run on the reference's hardware, at the same efficiency;
- accelerators to close = what the reference would have to add to match the scenario's peak, with
  their capex (the reference accelerator's catalog price for the scenario year) and their
  facility power (rated power per accelerator × the scenario site's network overhead and PUE).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from scendsl.catalog import Catalog
from scendsl.catalog.grid import comparison_place, reading_name_or_code
from scendsl.catalog.model import Reference
from scendsl.language.names import comparison_countries, country_of, national_resources_in
from scendsl.memo import IdentityMemo
from scendsl.model import scalar
from scendsl.model.context import Context, Conversions, Found
from scendsl.model.domains.energy_supply import rated_system_power
from scendsl.model.domains.market import price_table
from scendsl.model.registry import input_node, metric
from scendsl.scenario import ReferenceEntity, Scenario, Uncertain

#: The scenario-side nodes the comparison uses (declared by the performance domain).
SCENARIO_PEAK = "cluster.peak"
TRAINING_FLOPS = "workload.training_flops"

#: Precisions tried, in order, when an accelerator lacks the scenario's precision.
PRECISION_FALLBACK = {"fp4": ("fp4", "fp8", "bf16"), "fp8": ("fp8", "bf16"), "bf16": ("bf16",)}

_ARTICLE = "AINews deep dive on GB200 and Colossus2 (source article): 'compute divide'"


# ------------------------------------------------------------------------------ reading references
def _entity(ctx: Context, ref: str):
    """The reference entity: the scenario files' block, else the catalog entry."""
    block = ctx.scenario.references.get(ref)
    if block is not None:
        return (
            block,
            f"{block.span} (reference {ref})",
            block.source,
            (None if block.source else "U"),
        )
    entry = ctx.catalog.references.get(ref)
    if entry is None:
        raise LookupError(f"unknown reference '{ref}'")
    return entry, f"catalog references.{ref}", entry.source, entry.confidence


class _ReferenceContext(Context):
    """A reference's context whose server design is the reference's own catalog fact
    (references.toml `server`): read as the scenario's value would be, but said to come from the
    catalog, never from the scenario whose comparison asks for it."""

    def __init__(
        self,
        scenario: Scenario,
        catalog: Catalog,
        conversions: Conversions,
        facts: dict[str, Found],
    ) -> None:
        super().__init__(scenario, catalog, conversions)
        self.facts = facts

    def where(self, path: str) -> str:
        fact = self.facts.get(path)
        return fact.origin if fact is not None else super().where(path)

    def scenario_value(self, path: str, default: Found | None = None) -> Found:
        fact = self.facts.get(path)
        return fact if fact is not None else super().scenario_value(path, default)


def _reference_context(ctx: Context, ref: str) -> Context:
    """A context whose accelerator is the reference's, so lookups follow the usual rules
    (made once per accelerator and evaluation: four inputs of each reference ask for it, and
    references often share an accelerator; a reference with its own server design has its own)."""
    made = ctx.__dict__.setdefault("_reference_contexts", {})
    entity = _entity(ctx, ref)[0]
    accelerator = entity.accelerator
    # A catalog reference may name its server design (an HPC blade system); a reference block
    # of a scenario file has none.
    server = entity.server if isinstance(entity, Reference) else None
    key = (accelerator, ref if server is not None else None)
    if key not in made:
        # A reference is the catalog's system: the scenario's own server design, cooling and
        # power limit are not its.
        cluster = ctx.scenario.cluster.model_copy(
            update={
                "accelerator": accelerator,
                "server": server,
                "accelerators_per_server": None,
                "power_limit": None,
                "cooling": None,
                "host_power": None,
            }
        )
        scenario = ctx.scenario.model_copy(update={"cluster": cluster})
        if server is None:
            made[key] = Context(scenario, ctx.catalog, ctx.conversions)
        else:
            fact = Found(
                server, f"catalog references.{ref}.server", entity.source, entity.confidence
            )
            facts = {"cluster.server": fact}
            made[key] = _ReferenceContext(scenario, ctx.catalog, ctx.conversions, facts)
    return made[key]


def _tag(found: Found, ref: str) -> Found:
    """Say in the origin that the figure is the reference's accelerator's."""
    return replace(found, origin=f"{found.origin} (reference {ref})")


def _sharing(ctx: Context) -> frozenset[str]:
    """The references whose look-ups this evaluation may share with others (worked out once
    per evaluation). A traced view (sweeps, Monte Carlo) must see every read it makes, so it
    shares none; a scenario file's reference or accelerator block of a catalog reference's
    name, or of its accelerator's, is the scenario's own."""
    made = ctx.__dict__.get("_sharing")
    if made is not None:
        return made
    scenario, catalog = ctx.scenario, ctx.catalog
    names: frozenset[str] = frozenset()
    if type(scenario) is Scenario:
        names = frozenset(
            name
            for name, entry in catalog.references.items()
            if name not in scenario.references and entry.accelerator not in scenario.accelerators
        )
    ctx.__dict__["_sharing"] = names
    return names


def _shared_by_scenarios(
    reads: Callable[[Context], tuple[Any, ...]],
) -> Callable[[Callable[[Context, str], Found]], Callable[[Context, str], Found]]:
    """Declare what a reference input reads of the scenario besides the catalog: `reads(ctx)`
    gives every such field (a wrong one would serve one scenario another's figure). Evaluate
    shares a catalog reference's look-ups, and the figures made of them alone, over the
    evaluations that read the same (scendsl.model.evaluate._run_groups)."""

    def mark(compute: Callable[[Context, str], Found]) -> Callable[[Context, str], Found]:
        compute.scenario_reads = reads  # type: ignore[attr-defined]
        compute.is_shared = _is_shared  # type: ignore[attr-defined]
        return compute

    return mark


def _is_shared(ctx: Context, ref: str) -> bool:
    """Whether this evaluation may share the look-ups of reference `ref` (see `_sharing`)."""
    return ref in _sharing(ctx)


def _nothing(ctx: Context) -> tuple[()]:
    return ()


def _training_precision(ctx: Context) -> tuple[str]:
    return (ctx.scenario.workload.precision,)


def _comparison_precision_read(ctx: Context) -> tuple[str]:
    return (ctx.scenario.comparison_precision,)


def _year_and_price_series(ctx: Context) -> tuple[int, Any]:
    return (ctx.scenario.year, ctx.field("market.price_series"))


# ------------------------------------------------------------------------------ inputs
@input_node("reference.{ref}.count", "number", "Accelerators of {ref}")
@_shared_by_scenarios(_nothing)
def _count(ctx: Context, ref: str) -> Found:
    entity, origin, source, confidence = _entity(ctx, ref)
    count, note = entity.count, getattr(entity, "note", None)  # catalog entries have a note
    if isinstance(count, Uncertain):
        return Found(count.center, origin, source, confidence, note, count)
    return Found(float(count), origin, source, confidence, note)


@input_node(
    "reference.{ref}.accelerator",
    "text",
    "Accelerator of {ref}",
    value_type="text",
    names_of="accelerators",
)
@_shared_by_scenarios(_nothing)
def _accelerator(ctx: Context, ref: str) -> Found:
    entity, origin, source, confidence = _entity(ctx, ref)
    return Found(entity.accelerator, origin, source, confidence)


@input_node(
    "reference.{ref}.rate",
    "flop_rate",
    "Dense rate of one accelerator of {ref} at the scenario's training precision",
    formula="<precision>_dense of reference.{ref}.accelerator (FP4 → FP8 → BF16 when "
    "the chip lacks the precision)",
)
@_shared_by_scenarios(_training_precision)
def _rate(ctx: Context, ref: str) -> Found:
    found, _ = _rate_at(_reference_context(ctx, ref), ctx.scenario.workload.precision)
    return _tag(found, ref)


def _rate_at(ctx: Context, precision: str) -> tuple[Found, str]:
    """The dense rate of ctx's accelerator at `precision`, or at the next wider one it has."""
    for candidate in PRECISION_FALLBACK[precision]:
        try:
            found = ctx.accelerator_figure(f"{candidate}_dense")
        except LookupError:
            continue
        if candidate != precision:
            note = "; ".join(n for n in (found.note, f"no {precision} rate: {candidate} used") if n)
            found = replace(found, note=note)
        return found, candidate
    raise LookupError(f"no dense rate for {precision}")


@input_node(
    "divide.precision",
    "text",
    "Dense precision at which the landscape and the compute divide compare peaks",
    value_type="text",
    formula="comparison_precision of the set's briefings block (default bf16)",
)
def _comparison_precision(ctx: Context) -> Found:
    precision = ctx.scenario.comparison_precision
    return Found(
        precision,
        "briefings block of the scenario set, else the default (bf16)",
        note="one precision for every scenario and reference of the set",
    )


@input_node(
    "divide.rate",
    "flop_rate",
    "Dense rate of one accelerator of the scenario at the comparison precision",
    sources=("vendor datasheets (dense, no sparsity)",),
    formula="<comparison precision>_dense of the scenario's accelerator (FP4 → FP8 → BF16 "
    "when the chip lacks the precision)",
    inputs=("cluster.accelerator", "divide.precision"),
)
def _comparison_rate(ctx: Context) -> Found:
    return _rate_at(ctx, ctx.scenario.comparison_precision)[0]


@metric(
    "divide.peak",
    "flop_rate",
    "Dense peak of the cluster at the comparison precision (what the compute divide compares)",
    "cluster.count × divide.rate",
    inputs=("cluster.count", "divide.rate"),
    importance=2,
)
def comparison_peak(count, rate):
    """All accelerators of the scenario at their dense rate at the comparison precision."""
    return count * rate


@input_node(
    "reference.{ref}.comparison_rate",
    "flop_rate",
    "Dense rate of one accelerator of {ref} at the comparison precision",
    formula="<comparison precision>_dense of reference.{ref}.accelerator (FP4 → FP8 → BF16 "
    "when the chip lacks the precision)",
)
@_shared_by_scenarios(_comparison_precision_read)
def _reference_comparison_rate(ctx: Context, ref: str) -> Found:
    found, _ = _rate_at(_reference_context(ctx, ref), ctx.scenario.comparison_precision)
    return _tag(found, ref)


@metric(
    "reference.{ref}.comparison_peak",
    "flop_rate",
    "Peak dense compute of {ref} at the comparison precision",
    "reference.{ref}.comparison_rate × reference.{ref}.count",
    inputs=("reference.{ref}.comparison_rate", "reference.{ref}.count"),
    importance=2,
)
def reference_comparison_peak(rate, count):
    """All accelerators of the reference at their dense rate at the comparison precision."""
    return rate * count


@input_node(
    "reference.{ref}.unit_price",
    "currency",
    "Price of one accelerator of {ref} in the scenario year",
    formula="accelerator block's price, else the catalog price for scenario.year",
)
@_shared_by_scenarios(_year_and_price_series)
def _unit_price(ctx: Context, ref: str) -> Found:
    reference_ctx = _reference_context(ctx, ref)
    custom = reference_ctx.custom_accelerator
    if custom is not None and "price" in custom.figures:
        return _tag(reference_ctx.accelerator_figure("price"), ref)
    entry = reference_ctx.catalog_accelerator
    # The scenario's price series (market.price_series) prices the references too.
    table, origin = price_table(ctx, entry.name) if entry is not None else ({}, "catalog")
    if entry is None or not table:
        raise LookupError(f"no price for the accelerator of reference '{ref}'")
    return _tag(reference_ctx.by_year(table, ctx.scenario.year, origin), ref)


@input_node(
    "reference.{ref}.system_power",
    "power",
    "Rated power per accelerator of {ref} with its share of hosts, NICs and fans",
    formula="the platform's figure of reference.{ref}.accelerator, else its tdp × (1 + its "
    "host platform's node overhead: calibration.node_overhead, node_overhead_<name> for a "
    "generation measured on its own or node_overhead_<platform>), "
    "on a GPU server (tdp + calibration.host_power) × (1 + calibration.node_overhead)",
)
@_shared_by_scenarios(_nothing)
def _system_power(ctx: Context, ref: str) -> Found:
    return _tag(rated_system_power(_reference_context(ctx, ref)), ref)


#: How the reference a scenario is compared with was chosen (`_public_resource`).
OWN, LARGEST, CHOSEN = "own", "largest", "chosen"


def _public_resource(ctx: Context) -> tuple[str, float, str]:
    """The reference the scenario is compared with: the one its `compare_with` names, or the
    largest national research resource of the country or group of countries it names; without
    it, the largest of its own country's (a subdivision's country: "US-TX" is in the US), else
    the largest of all. Its name, its peak at the comparison precision, and how it was chosen
    (CHOSEN, OWN or LARGEST). A scenario file's `reference` block counts when it says `kind
    national_resource`; one that replaces a catalog entry replaces it here too."""
    made = ctx.__dict__.get("_public_resource")
    if made is not None:
        return made
    scenario = ctx.scenario
    # Every reference the catalog's and shared (`_sharing`): each peak reads nothing of the
    # scenario but its comparison precision, so the choice is the same for every scenario of
    # that precision, `compare_with` and region.
    shared = not scenario.references and len(_sharing(ctx)) == len(ctx.catalog.references)
    key = (scenario.compare_with, scenario.region, scenario.comparison_precision)
    made = _PUBLIC_RESOURCES.get(ctx.catalog, *key) if shared else None
    if made is None:
        made = _chosen_public_resource(ctx)
        if shared:
            _PUBLIC_RESOURCES.put(ctx.catalog, made, *key)
    ctx.__dict__["_public_resource"] = made
    return made


#: Per catalog: (compare_with, region, comparison precision) -> `_public_resource` of a
#: scenario whose references are all shared. Choosing was ~18 µs of every evaluation (a
#: reference context made for each national resource's accelerator, each rate looked up).
_PUBLIC_RESOURCES: IdentityMemo[tuple[str, float, str]] = IdentityMemo(1024)


def _chosen_public_resource(ctx: Context) -> tuple[str, float, str]:
    """`_public_resource` worked out: (its name, its peak, how it was chosen)."""
    entities: dict[str, Reference | ReferenceEntity] = {
        **ctx.catalog.references,
        **ctx.scenario.references,
    }

    def peak(name: str) -> float:
        rate = _reference_comparison_rate(ctx, name)
        return float(rate.value) * float(_count(ctx, name).value)

    chosen = ctx.scenario.compare_with
    kinds = {name: (getattr(e, "kind", None), e.region) for name, e in entities.items()}
    if chosen is not None and chosen in entities:
        made = (chosen, peak(chosen), CHOSEN)
    else:
        countries = comparison_countries(chosen) if chosen is not None else None
        own = national_resources_in(countries or (country_of(ctx.scenario.region),), kinds)
        if chosen is not None and not own:  # the language refuses it; a changed catalog may not
            raise LookupError(f"no national research resource in '{chosen}' to compare with")
        national = [name for name, (kind, _) in kinds.items() if kind == "national_resource"]
        if not national:
            raise LookupError("no national research resource among the references")
        name = max(own or national, key=peak)
        made = (name, peak(name), CHOSEN if chosen is not None else OWN if own else LARGEST)
    return made


def _public_resource_found(ctx: Context, value: object, titled: bool = False) -> Found:
    name, _, how = _public_resource(ctx)
    entity, origin, source, confidence = _entity(ctx, name)
    country = country_of(ctx.scenario.region)
    place = reading_name_or_code(country)
    chosen = ctx.scenario.compare_with
    asked = (
        "the comparison the scenario chose"
        if chosen == name
        else f"the largest national research resource of {comparison_place(chosen or '')}, "
        "as the scenario asks"
    )
    why = {
        CHOSEN: f"{asked} (compare_with {chosen})",
        OWN: f"the national research resource of {place}",
        LARGEST: f"the largest national research resource: none for {place}",
    }[how]
    label = entity.title if titled else None
    return Found(value, origin, source, confidence, f"{entity.title}: {why}", label=label)


@input_node(
    "divide.public_resource",
    "text",
    "The national research resource the scenario is compared with (its own country's largest, "
    "else the largest of all)",
    value_type="text",
    formula="the reference of kind national_resource (the catalog's, or a scenario file's "
    "block) whose region is the scenario's country, the largest at the comparison precision; "
    "else the largest of that kind",
    names_of="references",
    scenario_field="compare_with",
    inputs=("cluster.accelerator", "divide.precision", "scenario.region"),
)
def _public_resource_name(ctx: Context) -> Found:
    # The key is the value (claims and JSON name it); a reader sees the resource's title.
    return _public_resource_found(ctx, _public_resource(ctx)[0], titled=True)


@input_node(
    "divide.public_resource_peak",
    "flop_rate",
    "Peak dense compute of that national research resource at the comparison precision",
    formula="reference.<divide.public_resource>.comparison_peak: its count × its accelerator's "
    "dense rate at the comparison precision",
    inputs=("divide.public_resource",),
)
def _public_resource_peak(ctx: Context) -> Found:
    return _public_resource_found(ctx, _public_resource(ctx)[1])


# ------------------------------------------------------------------------------ metrics
@metric(
    "divide.public_resource_ratio",
    "number",
    "How many times the scenario's peak compute exceeds the national research resource it is "
    "compared with (its country's, else the largest)",
    "divide.peak / divide.public_resource_peak",
    inputs=("divide.peak", "divide.public_resource_peak"),
    sources=(_ARTICLE,),
    importance=6,
)
def public_resource_ratio(scenario_peak, resource_peak):
    """Scenario peak over the resource's peak, both at the set's comparison precision."""
    return scenario_peak / resource_peak


@metric(
    "reference.{ref}.peak",
    "flop_rate",
    "Peak dense compute of {ref} at the scenario's training precision",
    "reference.{ref}.rate × reference.{ref}.count",
    inputs=("reference.{ref}.rate", "reference.{ref}.count"),
    importance=2,
)
def reference_peak(rate, count):
    """All accelerators of the reference at their dense rate."""
    return rate * count


@metric(
    "divide.{ref}.compute_ratio",
    "number",
    "How many times the scenario's peak compute exceeds that of {ref}",
    "divide.peak / reference.{ref}.comparison_peak",
    inputs=("divide.peak", "reference.{ref}.comparison_peak"),
    sources=(_ARTICLE,),
    importance=6,
)
def compute_ratio(scenario_peak, reference_peak_value):
    """Scenario peak over reference peak, both at the set's comparison precision."""
    return scenario_peak / reference_peak_value


@metric(
    "divide.{ref}.time_to_train",
    "time",
    "Time {ref} would need to train the scenario's model on its own hardware, at the "
    "scenario's MFU and without interruptions",
    f"{TRAINING_FLOPS} / (reference.{{ref}}.peak × performance.mfu)",
    inputs=(TRAINING_FLOPS, "reference.{ref}.peak", "performance.mfu"),
    sources=("Chowdhery et al. 2022 (PaLM): time = FLOPs / (peak × MFU)",),
    importance=5,
)
def time_to_train(training_flops, reference_peak_value, mfu):
    """Seconds; compare with performance.training_time of the scenario itself."""
    return training_flops / (reference_peak_value * mfu)


@metric(
    "divide.{ref}.accelerators_to_close",
    "number",
    "Accelerators {ref} would have to add to match the scenario's peak compute",
    f"max({SCENARIO_PEAK} / reference.{{ref}}.rate − reference.{{ref}}.count, 0)",
    inputs=(SCENARIO_PEAK, "reference.{ref}.rate", "reference.{ref}.count"),
    importance=2,
)
def accelerators_to_close(scenario_peak, rate, count):
    """Additional accelerators of the reference's own kind; 0 when it already has more."""
    return scalar.maximum(scenario_peak / rate - count, 0.0)


@metric(
    "divide.{ref}.capex_to_close",
    "currency",
    "Purchase price of the accelerators {ref} would have to add to match the scenario's peak",
    "divide.{ref}.accelerators_to_close × reference.{ref}.unit_price",
    inputs=("divide.{ref}.accelerators_to_close", "reference.{ref}.unit_price"),
    importance=4,
    optional=("reference.{ref}.unit_price",),
)
def capex_to_close(accelerators, unit_price):
    """Accelerators only, at the catalog price for the scenario year. None to add cost
    nothing, priced or not: a reference larger than the scenario on a chip the catalog has no
    price for needs no money to match it (it read n/a beside another's $0)."""
    if unit_price is None:
        if scalar.is_array(accelerators):
            return scalar.where(accelerators == 0, 0.0, math.nan)
        return 0.0 if accelerators == 0 else None
    return accelerators * unit_price


@metric(
    "divide.{ref}.power_to_close",
    "power",
    "Facility power the accelerators {ref} would have to add would draw (at the scenario "
    "site's network overhead and PUE)",
    "divide.{ref}.accelerators_to_close × reference.{ref}.system_power × "
    "(1 + energy.network_overhead) × energy.pue",
    inputs=(
        "divide.{ref}.accelerators_to_close",
        "reference.{ref}.system_power",
        "energy.network_overhead",
        "energy.pue",
    ),
    importance=3,
)
def power_to_close(accelerators, system_power, network_overhead, pue):
    """Rated facility power of the added accelerators, as energy.facility_power computes it."""
    return accelerators * system_power * (1.0 + network_overhead) * pue
