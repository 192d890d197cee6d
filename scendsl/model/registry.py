"""The metric registry: one namespace of named, documented figures.

A *node* is either an **input** (a scenario field, a catalog figure or a calibration constant,
resolved with its origin) or a **metric** (a formula over other nodes). Every node has a dotted
name (`energy.facility_power`), a dimension (hence an SI unit), a one-line meaning, a readable
formula, its inputs and its sources. Claims, JSON, templates, diff and explain all read this one
registry; nothing is computed anywhere else.

Metric functions take their inputs as positional arguments in the declared order and use only
arithmetic and the functions of `scendsl.model.scalar` (`scalar.where`, `scalar.maximum`,
`scalar.sqrt`, ...), so the same formula runs on Python numbers (one scenario: no numpy imported)
and on numpy arrays (sweeps and Monte Carlo samples). A numpy function called on plain numbers
would bring numpy's import into `scendsl check` (tests/test_check_speed.py fails then).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from scendsl.language.units import BASE_UNIT

NodeKind = Literal["input", "metric"]
#: Value types a node may produce: numbers (the usual case), flags and categories.
ValueType = Literal["number", "bool", "text", "breakdown"]  # breakdown: {label: number}


@dataclass(frozen=True)
class Node:
    """One named figure of the model."""

    name: str
    kind: NodeKind
    dimension: str
    meaning: str
    compute: Callable[..., Any]
    formula: str = ""
    inputs: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    value_type: ValueType = "number"
    #: Higher is shown first in briefings and diffs (0 = detail).
    importance: int = 0
    #: Inputs the formula can do without: passed as None when n/a instead of making it n/a.
    optional: tuple[str, ...] = ()
    #: The values a text node can take (empty: any name), least to most severe when `ordered`.
    choices: tuple[str, ...] = ()
    #: A rating: its choices are ordered, so claims may compare them with < and >.
    ordered: bool = False
    #: An input that says where another figure comes from (`energy.pue_origin`): in explain,
    #: JSON, claims and warnings, not among a briefing's assumptions, whose row for that figure
    #: already names its origin.
    provenance: bool = False
    #: A text node whose values are names of a catalog table ("accelerators", "regions",
    #: "references"; a scenario's own blocks of that kind too): a claim may name only those.
    names_of: str = ""
    #: The scenario field an input stands for, when it is declared with `scenario_input`.
    scenario_field: str = ""

    def lacks_input(self, args: Sequence[Any]) -> bool:
        """Whether a required input is n/a (then the metric is n/a too)."""
        return any(
            arg is None and name not in self.optional
            for name, arg in zip(self.inputs, args, strict=True)
        )

    @property
    def domain(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def value_kind(self) -> str:
        """What a claim may do with the node: number, category, rating, boolean or breakdown."""
        return value_kind(self.value_type, self.ordered)

    @property
    def unit(self) -> str:
        """SI base unit of the node's values (JSON, explain)."""
        if self.value_type in ("bool", "text"):
            return ""
        return BASE_UNIT.get(self.dimension, self.dimension)


def value_kind(value_type: str, ordered: bool = False) -> str:
    """The kind people read (`scendsl list metrics`, docs/metrics.md) for a value type."""
    if value_type == "text":
        return "rating" if ordered else "category"
    return {"bool": "boolean"}.get(value_type, value_type)


@dataclass
class Registry:
    """Nodes by name, in declaration order (inputs before the metrics that use them)."""

    nodes: dict[str, Node] = field(default_factory=dict)

    def add(self, node: Node) -> Node:
        if node.name in self.nodes:
            raise ValueError(f"metric '{node.name}' is declared twice")
        self.nodes[node.name] = node
        return node

    def __getitem__(self, name: str) -> Node:
        return self.nodes[name]

    def __contains__(self, name: object) -> bool:
        return name in self.nodes

    def metrics(self) -> list[Node]:
        return [n for n in self.nodes.values() if n.kind == "metric"]

    def inputs(self) -> list[Node]:
        return [n for n in self.nodes.values() if n.kind == "input"]

    def check(self) -> None:
        """Fail fast (at import, in tests) when a formula names an unknown or later node."""
        seen: set[str] = set()
        for node in self.nodes.values():
            for name in node.inputs:
                if node.kind == "input" and name in self.nodes:
                    continue  # an input reads its inputs' fields itself: any order will do
                # A node may name one reference's copy of a per-reference node
                # (`divide.nairr_pilot.compute_ratio` of `divide.{ref}.compute_ratio`).
                declared = name if name in self.nodes else template_of(name, self.nodes)
                if declared is None:
                    raise ValueError(f"'{node.name}' uses unknown node '{name}'")
                if declared not in seen:
                    raise ValueError(f"'{node.name}' uses '{name}' before it is declared")
            seen.add(node.name)


def template_of(name: str, nodes: dict[str, Node]) -> str | None:
    """The per-reference node (`a.{ref}.b`) whose copy for one reference `name` is."""
    parts = name.split(".")
    for index in range(1, len(parts) - 1):
        template = ".".join([*parts[:index], "{ref}", *parts[index + 1 :]])
        if template in nodes:
            return template
    return None


REGISTRY = Registry()


def metric(
    name: str,
    dimension: str,
    meaning: str,
    formula: str,
    inputs: tuple[str, ...] = (),
    sources: tuple[str, ...] = (),
    value_type: ValueType = "number",
    importance: int = 0,
    optional: tuple[str, ...] = (),
    choices: tuple[str, ...] = (),
    ordered: bool = False,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a metric: `compute(*values_of_inputs)` returns its value; `optional` inputs reach
    it as None when n/a."""

    def register(function: Callable[..., Any]) -> Callable[..., Any]:
        REGISTRY.add(
            Node(
                name,
                "metric",
                dimension,
                meaning,
                function,
                formula,
                tuple(inputs),
                tuple(sources),
                value_type,
                importance,
                tuple(optional),
                tuple(choices),
                ordered,
            )
        )
        return function

    return register


def input_node(
    name: str,
    dimension: str,
    meaning: str,
    sources: tuple[str, ...] = (),
    value_type: ValueType = "number",
    importance: int = 0,
    formula: str = "",
    choices: tuple[str, ...] = (),
    provenance: bool = False,
    names_of: str = "",
    scenario_field: str = "",
    inputs: tuple[str, ...] = (),
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare an input: `compute(context)` returns a `Found` (value and where it came from);
    `provenance`: it says where another figure comes from (`Node.provenance`); `names_of`: its
    values are names of that catalog table (`Node.names_of`); `scenario_field`: the field it
    stands for (`Node.scenario_field`); `inputs`: the other inputs whose fields it reads
    through the context besides its own (the accelerator it looks a figure up for, the
    framework whose default it takes): what it depends on, in the registry
    (tests/test_input_reads.py checks them against what it reads)."""

    def register(function: Callable[..., Any]) -> Callable[..., Any]:
        REGISTRY.add(
            Node(
                name,
                "input",
                dimension,
                meaning,
                function,
                formula,
                tuple(inputs),
                tuple(sources),
                value_type,
                importance,
                choices=tuple(choices),
                provenance=provenance,
                names_of=names_of,
                scenario_field=scenario_field,
            )
        )
        return function

    return register


def scenario_input(
    name: str,
    dimension: str,
    meaning: str,
    sources: tuple[str, ...] = (),
    *,
    field: str = "",
    default: Any = None,
    calibration: str = "",
    **options: Any,
) -> None:
    """Declare an input that is what the scenario writes as `field` (the input's own name
    unless given), else the calibration constant `calibration`, else `default` (a `Found`:
    what not writing it means), else n/a. `options` are `input_node`'s."""
    path = field or name
    if calibration:

        def compute(ctx: Any) -> Any:
            return ctx.scenario_or_calibration(path, calibration)

    else:

        def compute(ctx: Any) -> Any:
            return ctx.scenario_value(path, default)

    input_node(name, dimension, meaning, sources, scenario_field=path, **options)(compute)


def calibration_input(
    name: str,
    key: str,
    dimension: str,
    meaning: str,
    sources: tuple[str, ...] = (),
    per_chip: bool = False,
) -> None:
    """Declare an input that is the catalog's calibration constant `key`. `per_chip`: the
    figure was measured on one vendor's chips, and a chip whose own measurement the catalog
    holds (`key_<accelerator>`) takes that one (`Context.chip_calibration`)."""
    formula = f"calibration.{key}_<accelerator>, else {key}" if per_chip else ""

    def compute(ctx: Any) -> Any:
        return ctx.chip_calibration(key) if per_chip else ctx.calibration(key)

    # A figure kept per chip is read for the scenario's accelerator.
    chip = ("cluster.accelerator",) if per_chip else ()
    input_node(name, dimension, meaning, sources=sources, formula=formula, inputs=chip)(compute)
