"""Stage 3: `Scenario` → `Result`: every node of the registry, evaluated with provenance.

Nodes are evaluated once each, in declaration order (which the registry checks is topological).
A node whose inputs are unavailable (a scenario without a workload has no training time) is
`None`, shown as "n/a"; it is never guessed.
"""

from __future__ import annotations

import math
import operator
import sys
from dataclasses import dataclass, replace
from typing import Annotated, Any, cast

from pydantic import BaseModel, ConfigDict, Field

from scendsl.catalog import Catalog, load_catalog
from scendsl.catalog.currency import exchange_rate
from scendsl.memo import IdentityMemo, sized_cache
from scendsl.model import domains  # noqa: F401  (registers every node)
from scendsl.model.claims import (
    REFERENCE_PLACEHOLDER,
    info_of,
    raise_on_bad_claims,
    reference_names,
)
from scendsl.model.context import (
    Context,
    Extrapolated,
    Found,
    MissingFigure,
    WrittenMoney,
    claims_in_usd,
    conversion_note,
    money_code,
)
from scendsl.model.layout import DOMAIN, HBM, LAYERS, MEMORY, Layout
from scendsl.model.registry import REGISTRY, Node, template_of
from scendsl.model.scalar import ieee
from scendsl.model.values import relative_change
from scendsl.scenario import Claim, Scenario, Uncertain
from scendsl.suggest import quoted


# Read-only by convention: nothing changes a MetricResult after `evaluate` made it. Not
# `frozen`: a frozen dataclass sets each field through `object.__setattr__`, which made building
# the two hundred of an evaluation a fifth of its time. `unsafe_hash` keeps the hash by fields
# that `frozen` gave. (The docstring is the JSON Schema's description: unchanged.)
@dataclass(slots=True, unsafe_hash=True)
class MetricResult:
    """One evaluated node: value (SI), unit and how it was obtained.

    A plain dataclass rather than a pydantic model: an evaluation makes two hundred of them and
    they are never validated (they come from the registry), so it saves most of the evaluation
    time; pydantic still types them inside `Result` and its JSON Schema.
    """

    name: str
    kind: str
    value: Any
    unit: str
    dimension: str
    meaning: str
    formula: str = ""
    inputs: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    origin: str | None = None
    confidence: str | None = None
    note: str | None = None
    distribution: Uncertain | None = None
    #: An input written in another currency: the amount as written and the rate applied.
    written: WrittenMoney | None = None
    #: For a value that is a key (`divide.public_resource`: a reference's name), what a reader
    #: calls it (its title): briefings, explain and diff show it; `value` keeps the key.
    label: str | None = None
    #: An input outside its data's years: which year's figure stands in (`note` says so too).
    extrapolated: Extrapolated | None = None
    #: An input that is n/a for want of figures (`energy.supply_water`): the supply's parts
    #: that have none.
    missing: tuple[MissingFigure, ...] = ()


# A plain dataclass, as MetricResult: `model_construct` of a pydantic model took ~8 µs a claim,
# a twentieth of an evaluation with seven claims. The descriptions are the JSON Schema's; the
# docstring is its description (the schema is unchanged).
@dataclass(slots=True, unsafe_hash=True)
class ClaimResult:
    """An `expect` checked against the model."""

    metric: str
    op: str
    #: A number (SI), a category's or rating's value, or a flag (true for `expect METRIC`).
    expected: bool | float | str
    actual: bool | float | str | None
    holds: bool | None
    margin: float | None
    tolerance: float | None
    unit: str
    quote: str
    file: str
    line: int
    #: A figure written in another currency (`< 50M EUR`): `expected` is then in USD, converted
    #: at the rate of the scenario's year, as its prices are; `written` is the one record of how
    #: it was written (its unit, currency, year and rate), `note` says the same in words with
    #: the rate's source.
    note: Annotated[
        str | None,
        Field(
            description="a figure written in another currency: the amount as written, the "
            "rate, its year and its source, in words",
        ),
    ] = None
    written: Annotated[
        WrittenMoney | None,
        Field(
            description="a figure written in another currency than USD (`< 50M EUR`): the "
            "amount and unit as written, its currency, the scenario's year and the rate "
            "applied; `expected` is in USD at that rate",
        ),
    ] = None
    #: For an expected value that is a reference's name (`== jupiter_booster`), what a reader
    #: calls it (its title), as `MetricResult.label` is for the actual value.
    expected_label: Annotated[
        str | None,
        Field(description="the title of the reference `expected` names, where it names one"),
    ] = None


class Result(BaseModel):
    """Everything the model says about one scenario."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True, defer_build=True)

    name: str
    title: str
    scenario: Scenario
    inputs: dict[str, MetricResult]
    metrics: dict[str, MetricResult]
    claims: tuple[ClaimResult, ...]

    def node(self, name: str) -> MetricResult:
        """An input or a metric by name."""
        return self.metrics[name] if name in self.metrics else self.inputs[name]

    def find(self, name: str) -> MetricResult | None:
        """An input or a metric by name; None when the scenario has neither."""
        return self.metrics.get(name) or self.inputs.get(name)

    def value(self, name: str) -> Any:
        return self.node(name).value

    def __getitem__(self, name: str) -> MetricResult:
        """An input or a metric by name (`result["cluster.count"]`): `.value` (SI), `.unit`,
        `.origin` (where an input came from), `.sources`. KeyError with a did-you-mean."""
        if name in self.metrics:
            return self.metrics[name]
        if name in self.inputs:
            return self.inputs[name]
        from scendsl.suggest import suggest

        hint = suggest(name, [*self.inputs, *self.metrics])
        raise KeyError(f"no input or metric {quoted(name)}" + (f"; {hint}" if hint else ""))

    def __contains__(self, name: object) -> bool:
        return name in self.metrics or name in self.inputs


def expand(node: Node, ref: str) -> Node:
    """A per-reference copy of a templated node (`divide.{ref}.compute_ratio`)."""
    return replace(
        node,
        name=node.name.replace(REFERENCE_PLACEHOLDER, ref),
        inputs=tuple(i.replace(REFERENCE_PLACEHOLDER, ref) for i in node.inputs),
        optional=tuple(i.replace(REFERENCE_PLACEHOLDER, ref) for i in node.optional),
        formula=node.formula.replace(REFERENCE_PLACEHOLDER, ref),
        meaning=node.meaning.replace(REFERENCE_PLACEHOLDER, ref),
    )


#: The figures (model nodes, a reference's own counted once per reference) each of the model's
#: memos of reference sets holds in all (`_expanded`, `_plan`, `_layout_nodes`, `_titled_rows`,
#: `_STEPS`, the shared groups' values), besides the newest set, always kept. They kept 64 to
#: 256 sets whatever their size, some 21 MB a set of 1,000 references: a language server whose
#: user renamed references in such a file, or `check` of a folder of such files, held
#: gigabytes. 50,000 figures is some 4 sets of 1,000 references and every set of the catalog's
#: references alone (577 figures) a process meets (64 of them).
HELD_FIGURES = 50_000


#: A title's characters counted as one figure where a memo copies the title into each of its
#: reference's figures (`_titled_rows`, their meanings): a figure held is some 2 KB in all the
#: memos (8.5 MB a set of 300 references, 3,900 figures), a character 1 to 4 bytes a copy.
TITLE_CHARACTERS_PER_FIGURE = 500


def _figures_of(refs: tuple[str, ...], titles: tuple[str, ...] = ()) -> int:
    """How many figures the plan of `refs` has: the registry's, its per-reference ones once for
    each reference; and, where the references' `titles` are copied into each of their figures,
    those copies' characters as figures too (`TITLE_CHARACTERS_PER_FIGURE`). The memos held 64
    sets by their figures alone, and a title may be 10,000 characters: 300 references so
    titled held 88 MB a set, 1.1 GB in all, where the catalog's short titles hold 8.5 MB."""
    per_reference = sum(REFERENCE_PLACEHOLDER in name for name in REGISTRY.nodes)
    copied = per_reference * sum(map(len, titles)) // TITLE_CHARACTERS_PER_FIGURE
    return len(REGISTRY.nodes) + per_reference * (len(refs) - 1) + copied  # the template once


@sized_cache(_figures_of, HELD_FIGURES, maxsize=64)
def _expanded(refs: tuple[str, ...]) -> tuple[tuple[Node, str | None], ...]:
    ordered: list[tuple[Node, str | None]] = []
    for node in REGISTRY.nodes.values():
        if REFERENCE_PLACEHOLDER in node.name:
            ordered.extend((expand(node, ref), ref) for ref in refs)
        else:
            ordered.append((node, None))
    return tuple(ordered)


def nodes_for(scenario: Scenario, catalog: Catalog) -> tuple[tuple[Node, str | None], ...]:
    """The scenario's nodes in evaluation order, templates expanded per reference."""
    # The expansion depends only on the reference names: computed once per set of names.
    return _expanded(tuple(reference_names(scenario, catalog)))


def compute_values(
    scenario: Scenario, catalog: Catalog, overrides: dict[str, Any] | None = None
) -> tuple[dict[str, Any], dict[str, Found]]:
    """Evaluate every node; `overrides` replaces input values (arrays for sampling and sweeps)."""
    if overrides:
        return _values(nodes_for(scenario, catalog), Context(scenario, catalog), overrides)
    return _computed(_plan(tuple(reference_names(scenario, catalog))), scenario, catalog)


def _computed(
    plan: _Plan, scenario: Scenario, catalog: Catalog
) -> tuple[dict[str, Any], dict[str, Found]]:
    """Every node's value and what each input found, by the plan's steps: the references'
    shareable groups first, then the rest."""
    values: dict[str, Any] = {}
    found: dict[str, Found] = {}
    context = Context(scenario, catalog)
    with _quiet_numpy():
        if plan.shared.groups:
            _run_groups(plan.shared, context, values, found)
        _run_steps(plan.shared.rest, context, values, found)
    return values, found


@dataclass(frozen=True, eq=False)  # hashed by identity: a memo key holds the groups
class _ReferenceGroup:
    """A reference's look-ups that evaluations may share (`scenario_reads` on the input's
    function: what of the scenario it reads besides the catalog), and the figures made of them
    alone (its peak)."""

    ref: str
    is_shared: Any  # (context, ref) -> whether this evaluation may share them
    steps: tuple[_Step, ...]


@dataclass(frozen=True)
class _SharedPlan:
    groups: tuple[_ReferenceGroup, ...]
    #: What of the scenario any group's look-ups read: context -> value, each once.
    reads: tuple[Any, ...]
    rest: tuple[_Step, ...]  # every other node, in evaluation order


def _shared_plan(nodes: tuple[tuple[Node, str | None], ...]) -> _SharedPlan:
    """`nodes` split into each reference's shareable group and the rest. A group's nodes read
    nothing but the catalog, the scenario's `reads` and each other, so they may run first."""
    grouped: dict[str, list[_Step]] = {}
    member: dict[str, str] = {}
    reads: dict[Any, None] = {}
    for step in _steps(nodes):
        name, compute, ref, _arguments, _single, node = step
        if ref is None:
            continue
        if node.kind == "input":
            read = getattr(compute, "scenario_reads", None)
            if read is None:
                continue
            reads[read] = None
        elif not node.inputs or any(member.get(i) != ref for i in node.inputs):
            continue
        grouped.setdefault(ref, []).append(step)
        member[name] = ref
    return _SharedPlan(
        tuple(
            _ReferenceGroup(ref, steps[0][1].is_shared, tuple(steps))
            for ref, steps in grouped.items()
        ),
        tuple(reads),
        tuple(s for s in _steps(nodes) if s[0] not in member),
    )


#: Per catalog: (plan, the references shared, what their look-ups read) -> (values, found) of
#: those references' groups. Catalog references are the same for every scenario of a set but for
#: a few fields; their look-ups and peaks were a sixth of an evaluation. The figures each memo
#: holds in all (within HELD_FIGURES) follow it.
_SHARED_GROUPS: IdentityMemo[tuple[dict[tuple[Any, ...], Any], list[int]]] = IdentityMemo(8)


def _run_groups(
    plan: _SharedPlan, context: Context, values: dict[str, Any], found: dict[str, Found]
) -> None:
    """Run the plan's reference groups: those this evaluation may share taken whole from an
    earlier evaluation that read the same, the others run."""
    shared = []
    for group in plan.groups:
        if group.is_shared(context, group.ref):
            shared.append(group)
        else:
            _run_steps(group.steps, context, values, found)
    if not shared:
        return
    catalog = context.catalog
    held = _SHARED_GROUPS.get(catalog)
    if held is None:
        held = _SHARED_GROUPS.put(catalog, ({}, [0]))
    memo, figures = held
    # The key holds the groups themselves (a plan made again has new ones: its first
    # evaluation fills the memo again, never reads another plan's entry).
    key = (tuple(shared), *(read(context) for read in plan.reads))
    made = memo.get(key)
    if made is None:
        made = {}, {}
        for group in shared:
            _run_steps(group.steps, context, *made)
        size = sum(len(group.steps) for group in shared)
        if len(memo) >= 4096 or figures[0] + size > max(HELD_FIGURES, size):
            memo.clear()
            figures[0] = 0
        memo[key] = made
        figures[0] += size
    values.update(made[0])
    found.update(made[1])


def input_values(
    scenario: Scenario, catalog: Catalog, context: Context | None = None
) -> tuple[dict[str, Any], dict[str, Found]]:
    """Every input node's value (None when unavailable) and what it found; no metric is run.
    `context`: the scenario's, when the caller reads its memo of conversions afterwards."""
    inputs = [(node, ref) for node, ref in nodes_for(scenario, catalog) if node.kind == "input"]
    return _values(inputs, context or Context(scenario, catalog))


def _values(
    nodes, context: Context, overrides: dict[str, Any] | None = None
) -> tuple[dict[str, Any], dict[str, Found]]:
    """The values of `nodes` (in evaluation order) for the context's scenario, and what each
    input found."""
    values: dict[str, Any] = {}
    found: dict[str, Found] = {}
    with _quiet_numpy():
        _run_nodes(nodes, context, values, found, overrides)
    return values, found


#: What a candidate layout is judged by (scendsl.model.layout) and what bounds the pipeline.
_LAYOUT_TARGETS = (MEMORY, HBM, LAYERS, DOMAIN)


def layout_nodes(scenario: Scenario, catalog: Catalog) -> tuple[tuple[Node, str | None], ...]:
    """The nodes a candidate layout is judged by (scendsl.model.layout), in evaluation order."""
    return _layout_nodes(tuple(reference_names(scenario, catalog)))


@sized_cache(_figures_of, HELD_FIGURES, maxsize=64)
def _layout_nodes(refs: tuple[str, ...]) -> tuple[tuple[Node, str | None], ...]:
    """The nodes the memory per accelerator depends on, in evaluation order."""
    nodes = _expanded(refs)
    needed = set(_LAYOUT_TARGETS)
    for node, _ref in reversed(nodes):
        if node.name in needed:
            needed.update(node.inputs)
    return tuple((node, ref) for node, ref in nodes if node.name in needed)


def layout_memory(
    scenario: Scenario, catalog: Catalog, layout: Layout
) -> tuple[Any, Any, Any, Any]:
    """(memory per accelerator, HBM, layers, scale-up domain) of the scenario laid out as
    `layout` (a candidate of scendsl.model.layout); only the nodes they depend on are run."""
    context = Context(scenario, catalog).with_layout(layout)
    values, _found = _values(layout_nodes(scenario, catalog), context)
    memory, hbm, layers, domain = (_plain(values.get(name)) for name in _LAYOUT_TARGETS)
    return memory, hbm, layers, domain


def call_input(node: Node, ref: str | None, context: Context) -> Found | None:
    """An input node's look-up for the context's scenario (None when it finds nothing)."""
    try:
        return node.compute(context, ref) if ref is not None else node.compute(context)
    except LookupError:
        return None


def _run_nodes(
    nodes,
    context: Context,
    values: dict[str, Any],
    found: dict[str, Found],
    overrides: dict[str, Any] | None,
) -> None:
    if not overrides:
        _run_steps(_steps(nodes), context, values, found)
        return
    for node, ref in nodes:
        if node.kind == "input":
            hit = call_input(node, ref, context)
            if hit is not None:
                found[node.name] = hit
            values[node.name] = overrides.get(node.name, hit.value if hit is not None else None)
            continue
        args = [values[name] for name in node.inputs]
        if any(arg is None for arg in args) and node.lacks_input(args):
            values[node.name] = None
            continue
        try:
            values[node.name] = node.compute(*args)
        except ArithmeticError:  # a division by zero: numpy's inf or NaN (scalar.ieee)
            values[node.name] = ieee(node.compute, args)


#: A node as `_run_steps` runs it: (name, compute, reference or None, the getter of its
#: arguments from the values, or None for an input, whether it has one input, the node).
_Step = tuple[str, Any, str | None, Any, bool, Node]

#: Steps by the identity of the node sequence they were made from (held, so the identity cannot
#: be reused): the sequences are the cached expansions, a few per set of references.
_STEPS: IdentityMemo[tuple[_Step, ...]] = IdentityMemo(256)
#: The nodes `_STEPS` holds in all (within HELD_FIGURES).
_STEPS_HELD = [0]


def _steps(nodes) -> tuple[_Step, ...]:
    """`nodes` worked out once for `_run_steps`: attribute look-ups and argument lists were a
    third of an evaluation, for four hundred nodes."""
    held = _STEPS.get(nodes)
    if held is not None:
        return held
    steps = tuple(
        (
            node.name,
            node.compute,
            ref,
            operator.itemgetter(*node.inputs) if node.kind != "input" and node.inputs else None,
            len(node.inputs) == 1,
            node,
        )
        for node, ref in nodes
    )
    if type(nodes) is tuple:  # a list may change: worked out again each time
        if len(_STEPS) >= _STEPS.most or _STEPS_HELD[0] + len(nodes) > max(
            HELD_FIGURES, len(nodes)
        ):
            _STEPS.clear()
            _STEPS_HELD[0] = 0
        _STEPS.put(nodes, steps)
        _STEPS_HELD[0] += len(nodes)
    return steps


def _run_steps(
    steps: tuple[_Step, ...], context: Context, values: dict[str, Any], found: dict[str, Found]
) -> None:
    for name, compute, ref, arguments, single, node in steps:
        if arguments is None:
            if node.kind == "input":
                # call_input, inlined: a function call per input is a twentieth of an evaluation.
                try:
                    hit = compute(context, ref) if ref is not None else compute(context)
                except LookupError:
                    hit = None
                if hit is not None:
                    found[name] = hit
                    values[name] = hit.value
                else:
                    values[name] = None
            else:
                values[name] = compute()
            continue
        args = (arguments(values),) if single else arguments(values)
        # lacks_input only when an input is n/a: most metrics have all theirs, and this plain
        # loop is cheaper than its generator.
        for arg in args:
            if arg is None:
                break
        else:
            try:
                values[name] = compute(*args)
            except ArithmeticError:  # a division by zero: numpy's inf or NaN (scalar.ieee)
                values[name] = ieee(compute, args)
            continue
        if node.lacks_input(args):
            values[name] = None
            continue
        try:
            values[name] = compute(*args)
        except ArithmeticError:
            values[name] = ieee(compute, args)


class _quiet_numpy:
    """Division by zero in a formula gives inf/nan, reported as such, not as a warning. Only
    numpy warns: a plain scenario's numbers are Python's (scendsl.model.scalar), whose
    division by zero `ieee` answers under its own errstate, so numpy is not imported here."""

    def __enter__(self):
        numpy = sys.modules.get("numpy")
        self._old = None if numpy is None else numpy.seterr(all="ignore")

    def __exit__(self, *exc):
        if self._old is not None:
            sys.modules["numpy"].seterr(**self._old)


@dataclass(frozen=True)
class _Plan:
    """What `evaluate` needs of the nodes of one set of reference names, worked out once."""

    nodes: tuple[tuple[Node, str | None], ...]
    #: (name, is an input, unit, dimension, meaning, formula, inputs, sources) per node.
    rows: tuple[tuple[str, bool, str, str, str, str, tuple[str, ...], tuple[str, ...]], ...]
    infos: dict[str, Any]
    by_name: dict[str, Node]
    shared: _SharedPlan


@sized_cache(_figures_of, HELD_FIGURES, maxsize=64)
def _plan(refs: tuple[str, ...]) -> _Plan:
    nodes = _expanded(refs)
    rows = tuple(
        (
            node.name,
            node.kind == "input",
            node.unit,
            node.dimension,
            node.meaning,
            node.formula,
            node.inputs,
            node.sources,
        )
        for node, _ref in nodes
    )
    return _Plan(
        nodes,
        rows,
        {node.name: info_of(node) for node, _ref in nodes},
        {node.name: node for node, _ref in nodes},
        _shared_plan(nodes),
    )


def evaluate(scenario: Scenario, catalog: Catalog | None = None) -> Result:
    """Evaluate one resolved scenario against the shared model."""
    catalog = catalog or load_catalog()
    refs = tuple(reference_names(scenario, catalog))
    plan = _plan(refs)
    if scenario.claims:
        raise_on_bad_claims(scenario, plan.infos)
    values, found = _computed(plan, scenario, catalog)
    inputs: dict[str, MetricResult] = {}
    metrics: dict[str, MetricResult] = {}
    rows = _titled_rows(refs, _reference_titles(refs, scenario, catalog))
    input_results, metric_results = _INPUT_RESULTS.get, _METRIC_RESULTS.get
    # Positional arguments in field order: two hundred results per evaluation. Most rows reuse
    # the result kept by name, so a row's other fields are unpacked only to make a new one.
    for row in rows:
        name = row[0]
        value = values[name]
        if type(value) not in _PLAIN_TYPES:  # most are plain: no call for them
            value = _plain(value)
        if row[1]:  # an input
            hit = found.get(name)
            shared = input_results(name)
            if (
                shared is not None
                and shared[0] is row
                and (shared[1] is hit or _same_found(shared[1], hit))
            ):
                inputs[name] = shared[2]
                continue
            # An input's inputs: the other inputs whose fields it reads (`input_node`).
            _, _, unit, dimension, meaning, formula, reads, sources = row
            if hit is None:  # nothing found: n/a
                made = MetricResult(
                    name, "input", value, unit, dimension, meaning, formula, reads, sources
                )
            else:
                made = MetricResult(
                    name,
                    "input",
                    value,
                    unit,
                    dimension,
                    meaning,
                    formula,
                    reads,
                    (*sources, hit.source) if hit.source else sources,
                    hit.origin,
                    hit.confidence,
                    hit.note,
                    hit.distribution,
                    hit.written,
                    hit.label,
                    hit.extrapolated,
                    hit.missing,
                )
            _INPUT_RESULTS.keep(name, (row, hit, made))  # a long `serve` session's own blocks
            inputs[name] = made
        else:
            held = metric_results(name)
            if held is not None and held[0] is row:
                last = held[1].value
                # _same, inlined: a call per metric was a twentieth of the results' making.
                if last is value or (
                    type(last) is type(value)
                    and last == value
                    and (value or _same_zero(last, value))
                ):
                    metrics[name] = held[1]
                    continue
            _, _, unit, dimension, meaning, formula, node_inputs, sources = row
            made = MetricResult(
                name, "metric", value, unit, dimension, meaning, formula, node_inputs, sources
            )
            _METRIC_RESULTS.keep(name, (row, made))  # a long `serve` session's references
            metrics[name] = made
    by_name = plan.by_name
    claims = tuple(
        _check_claim(claim, values, metrics, inputs, by_name, scenario.year)
        for claim in claims_in_usd(scenario)
    )
    if any(_names_references(by_name, c.metric) for c in claims):
        claims = tuple(
            _with_expected_label(claim, scenario, catalog)
            if _names_references(by_name, claim.metric)
            else claim
            for claim in claims
        )
    return Result.model_construct(
        name=scenario.name,
        title=scenario.title,
        scenario=scenario,
        inputs=inputs,
        metrics=metrics,
        claims=claims,
    )


_PLAIN_TYPES = frozenset({float, int, bool, str, type(None)})


def _reference_entity(name: str, scenario: Scenario, catalog: Catalog) -> Any:
    """The reference `name` as the model reads it: the file's own block, else the catalog's
    entry; None when there is neither."""
    return scenario.references.get(name) or catalog.references.get(name)


def _reference_titles(refs: tuple[str, ...], scenario: Scenario, catalog: Catalog) -> tuple:
    """Each reference's title, in the order of `refs`."""
    return tuple(_reference_entity(ref, scenario, catalog).title for ref in refs)


@sized_cache(_figures_of, HELD_FIGURES, maxsize=64)
def _titled_rows(refs: tuple[str, ...], titles: tuple[str, ...]) -> tuple:
    """The plan's rows with each per-reference meaning naming its reference by title, quoted
    (a title may hold commas: "Time “JUPITER Booster, EuroHPC exascale system at Jülich” would
    need …"), where the expanded node names it by key: names and formulas keep the key, which
    is what they are written in; a meaning is read by people."""
    plan = _plan(refs)
    title_of = dict(zip(refs, titles, strict=True))
    rows = []
    for (node, ref), row in zip(plan.nodes, plan.rows, strict=True):
        if ref is not None:
            template = REGISTRY.nodes[cast(str, template_of(node.name, REGISTRY.nodes))]
            meaning = template.meaning.replace(REFERENCE_PLACEHOLDER, f"“{title_of[ref]}”")
            row = (*row[:4], meaning, *row[5:])
        rows.append(row)
    return tuple(rows)


class _ByName(dict[str, Any]):
    """Results kept by name (each entry's last item the MetricResult), let go all at once
    when they reach `entries` or `HELD_FIGURES` figures, a result's meaning and label counted
    as the titled rows count a title (`TITLE_CHARACTERS_PER_FIGURE`). By entries alone, the
    8,192 metrics' meanings of a file's references titled with 10,000 characters held 160 MB
    (`serve` names a long session's own blocks; a language server, each edit's references)."""

    def __init__(self, entries: int) -> None:
        super().__init__()
        self.entries = entries
        self.figures = 0

    def keep(self, name: str, entry: tuple[Any, ...]) -> None:
        """Keep `entry` under `name`, after letting every entry go when it would not fit."""
        old = self.get(name)
        if old is not None:
            self.figures -= _result_figures(old[-1])
        weight = _result_figures(entry[-1])
        if len(self) >= self.entries or self.figures + weight > HELD_FIGURES:
            self.clear()
        self[name] = entry
        self.figures += weight

    def clear(self) -> None:
        super().clear()
        self.figures = 0


def _result_figures(result: MetricResult) -> int:
    """A kept result as figures: one, and its text's characters as `_figures_of` counts a
    title's copies."""
    return 1 + (len(result.meaning) + len(result.label or "")) // TITLE_CHARACTERS_PER_FIGURE


#: An input's result, by name, with the row (meaning) and the look-up it was made from: a catalog
#: figure (and a catalog reference's figures) is found as the same `Found` by every evaluation,
#: and a scenario's field as an equal one, so its result is made once and shared (results are
#: never changed after `evaluate` makes them). The entry holds the row and the `Found`, so their
#: identities cannot be reused while the entry lives.
_INPUT_RESULTS = _ByName(4096)  # name -> (row, its Found, its MetricResult)


#: A metric's last result, by name, with the row (of a cached plan: held, so its identity cannot
#: be reused) it was made from: reused when the metric's value is the same again (same type,
#: equal, a zero of the same sign), as most are from one evaluation to the next (the references'
#: figures of every scenario of a set, a scenario evaluated again after an edit elsewhere).
#: Making two hundred results was a fifth of an evaluation, and their collection by the cyclic
#: collector another tenth where the results are kept. Results are never changed once made.
_METRIC_RESULTS = _ByName(8192)  # name -> (row, its MetricResult)


def _same(last: Any, value: Any) -> bool:
    """Whether a result made for the value `last` shows `value` alike: the same type and equal
    (1 is not True), a float zero of the same sign."""
    return last is value or (
        type(last) is type(value) and last == value and (value or _same_zero(last, value))
    )


def _same_found(last: Found | None, found: Found | None) -> bool:
    """Whether an input's result made from `last` is the one for `found`: the same value
    (`_same`) and provenance, and no range: each evaluation's result holds the range its own
    evaluation converted (the uncertainty stage tells ranges apart by identity)."""
    return (
        last is not None
        and found is not None
        and found.distribution is None
        and _same(last.value, found.value)
        and last == found
    )


def _same_zero(last: Any, value: Any) -> bool:
    """Whether two equal falsy values are the same: a float zero only with its sign (-0.0 is
    written "-0"), any other (False, "", an empty breakdown) always."""
    return type(value) is not float or math.copysign(1.0, last) == math.copysign(1.0, value)


def _plain(value: Any) -> Any:
    """numpy scalars → Python numbers, so JSON and templates see plain values."""
    if type(value) in _PLAIN_TYPES:
        return value
    if isinstance(value, float):  # np.float64, most of the rest: float() is its .item()
        return float(value)
    if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
        return value.item()
    return value


_OPS = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}


def claim_holds(
    op: str,
    actual: Any,
    expected: float | str | bool,
    tolerance: float | None,
    order: tuple[str, ...] = (),
) -> Any:
    """Whether `actual OP expected` holds (numbers: works on arrays too). A rating (`order`,
    low to high) compares by rank; a category or a flag by equality."""
    if op == "~=":
        return abs(actual - expected) <= (tolerance or 0.0) * abs(cast(float, expected))
    if isinstance(expected, str) and order:
        if actual not in order or expected not in order:
            return None
        return _OPS[op](order.index(actual), order.index(expected))
    return _OPS[op](actual, expected)


def _check_claim(
    claim: Claim, values: dict[str, Any], metrics, inputs, nodes, year: int
) -> ClaimResult:
    node = metrics.get(claim.metric) or inputs.get(claim.metric)
    actual = _plain(values.get(claim.metric))
    holds = margin = None
    if claim.dimension in ("category", "bool"):
        # A name or a flag: compared as such, with no margin.
        registered = nodes.get(claim.metric)
        order = registered.choices if registered is not None and registered.ordered else ()
        if actual is not None:
            result = claim_holds(claim.op, actual, claim.value, None, order)
            holds = None if result is None else bool(result)
    else:
        if isinstance(actual, bool):
            actual = float(actual)
        expected = cast(float, claim.value)  # a number claim (the resolver made it so)
        if actual is not None and isinstance(actual, (int, float)) and not math.isnan(actual):
            # An infinite figure (a run that never finishes) is decided like any other:
            # `training_time < 100 days` fails; only its margin has no number.
            holds = bool(claim_holds(claim.op, actual, expected, claim.tolerance))
            margin = relative_change(expected, actual)
        else:
            actual = None
    conversion = _conversion(claim, year) if claim.currency else None
    return ClaimResult(
        metric=claim.metric,
        op=claim.op,
        expected=claim.value,
        actual=actual,
        holds=holds,
        margin=margin,
        tolerance=claim.tolerance,
        unit=node.unit if node else "",
        quote=claim.quote,
        file=claim.span.file,
        line=claim.span.line,
        note=conversion[0] if conversion else None,
        written=conversion[1] if conversion else None,
    )


def _names_references(nodes: dict[str, Node], metric: str) -> bool:
    """Whether `metric`'s values are names of references (`Node.names_of`)."""
    node = nodes.get(metric)
    return node is not None and node.names_of == "references"


def _with_expected_label(claim: ClaimResult, scenario: Scenario, catalog: Catalog) -> ClaimResult:
    """The claim with the title of the reference its expected value names, when it names one."""
    if not isinstance(claim.expected, str):
        return claim
    entity = _reference_entity(claim.expected, scenario, catalog)
    if entity is None:
        return claim
    return replace(claim, expected_label=entity.title)


def _conversion(claim: Claim, year: int) -> tuple[str, WrittenMoney] | None:
    """How a claim's figure written in another currency was converted (`claims_in_usd`): in
    words and as data."""
    code = money_code(claim.currency)
    if code is None or not isinstance(claim.value, float):
        return None
    rate = exchange_rate(code, year)
    amount, unit = claim.value * rate.per_usd, cast(str, claim.currency)
    return conversion_note(amount, unit, rate), WrittenMoney.of(amount, unit, rate)
