"""Sweeps at scale: every variant of a sweep evaluated at once, on numpy arrays.

A sweep's variants differ only in the fields its axes set. The metric formulas run element-wise on
arrays (registry contract), so the variants of a chunk go through each metric in one call. The
cost that remains is in the *input* nodes, which look things up with plain Python (the catalog
price for the year, the accelerator's figures, the export rule for the region and date). Each
input node is therefore classified once per sweep, by watching which scenario fields it reads
(a recording view of the scenario, and of the context's accelerator):

* it reads no swept field → a constant, evaluated once;
* it returns a swept number unchanged (`cluster.count`, `cluster.mfu`, `scenario.year`,
  `energy.pue` ...) → the axis values themselves become its array ("identity");
* anything else (`market.unit_price` reads the year and the accelerator, the grid intensity the
  region and the year) → it is evaluated once per distinct combination of the axes it reads (a
  handful: years × accelerators) and the variants index that small table.

Categories and "n/a" then split a chunk into groups inside which they are constants (variants
that share an accelerator, a region, a framework ...), so formulas that use a category as a plain
Python value still receive a string. Flags and categories that metrics compute from varying
numbers (value types "bool" and "text" may use plain Python) are evaluated once per distinct
combination of their inputs. A number formula that fails on arrays is evaluated the same way and
named in `SweepTable.notes`, so the result stays right while the lead can see what to vectorise.

The result equals evaluating every variant one by one with `evaluate(variant)`
(tests/test_sweep.py checks every numeric node, relative 1e-9); variants are processed in chunks
so a million of them fit in memory. The engine that runs the chunks is scendsl/model/engine.py,
the field tracing scendsl/model/trace.py.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np

from scendsl.catalog import Catalog, load_catalog
from scendsl.defaults import ARRAY_MEMORY_BUDGET
from scendsl.model.context import Context, Found, WrittenMoney
from scendsl.model.engine import (
    Categorical,
    Partial,
    distinct_rows,
    element,
    factorize,
    gather_category,
    gather_number,
    hashable,
    run_frames,
)
from scendsl.model.evaluate import call_input, compute_values, layout_nodes, nodes_for
from scendsl.model.layout import (
    COUNT,
    DOMAIN,
    FULL,
    HBM,
    LAYERS,
    MEMORY,
    Layout,
    choose_columns,
    ladder,
    recompute_choices,
    writes_no_layout,
)
from scendsl.model.registry import Node
from scendsl.model.trace import (
    LAYOUT,
    WHOLE,
    Probe,
    same,
    touches,
    traced_found,
    traced_input,
    with_field,
)
from scendsl.model.values import nan_to_none, spread
from scendsl.scenario import Scenario, Sweep, Uncertain, Value, apply_sweep_point, central

#: Default number of variants evaluated together (bounds memory for 10^6-variant sweeps).
DEFAULT_CHUNK = 200_000
#: An input looked up for more combinations of axis labels than this is named in the notes.
_MANY_COMBINATIONS = 10_000


# ================================================================================== the plan
@dataclass
class _InputColumn:
    """How one input node's values are made for any set of variants."""

    kind: str  # constant | identity | table
    value: Any = None  # constant
    axes: tuple[int, ...] = ()  # identity (one axis) or table axes
    grid: Any = None  # ndarray over the axes' labels, or (codes ndarray, categories), or Partial

    def column(self, indices: tuple[np.ndarray, ...]) -> Any:
        if self.kind == "constant":
            return self.value
        where = tuple(indices[a] for a in self.axes)
        if isinstance(self.grid, Partial):
            return Partial(self.grid.values[where], self.grid.missing[where])
        if isinstance(self.grid, Categorical):
            return Categorical(self.grid.codes[where], self.grid.categories)
        return self.grid[where]


def _grid(values: list[Any], shape: tuple[int, ...]) -> Any:
    """A table of input values as the tightest array type (ints stay ints, as in Python)."""
    if values and all(isinstance(v, bool) for v in values):
        return np.asarray(values, dtype=bool).reshape(shape)
    if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return np.asarray(values, dtype=np.int64).reshape(shape)
    if values and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return np.asarray(values, dtype=float).reshape(shape)
    if (
        values
        and all(
            v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)) for v in values
        )
        and any(v is not None for v in values)
    ):
        numbers = np.asarray([math.nan if v is None else float(v) for v in values])
        missing = np.asarray([v is None for v in values])
        return Partial(numbers.reshape(shape), missing.reshape(shape))
    codes, categories = factorize(values)
    return Categorical(codes.reshape(shape), tuple(categories))


def _written_grid(
    found: Sequence[Any], axes: tuple[int, ...], shape: tuple[int, ...]
) -> _Stored | None:
    """The amounts written in another currency among an input's look-ups (`Found` or None,
    one per combination of `axes`' labels), kept as the input's values are; None when none
    is (an input in US dollars everywhere)."""
    written = [hit.written if hit is not None else None for hit in found]
    if all(w is None for w in written):
        return None
    grid = np.empty(len(written), dtype=object)
    grid[:] = written
    return _Stored.of(shape, axes, grid.reshape(tuple(shape[a] for a in axes)))


class SweepPlan:
    """What a sweep needs once: the node order and, per input node, how to make its values."""

    def __init__(self, sweep: Sweep, catalog: Catalog) -> None:
        self.sweep = sweep
        self.catalog = catalog
        self.shape = tuple(len(axis.labels) for axis in sweep.axes)
        self.paths = tuple(axis.path for axis in sweep.axes)
        self._variants: dict[tuple[int, ...], Scenario] = {}
        self.notes: set[str] = set()
        first = self.variant((0,) * len(self.shape))
        expanded = nodes_for(first, catalog)
        self.nodes = [node for node, _ in expanded]
        self.columns: dict[str, _InputColumn] = {}
        #: Per input written in another currency in some variant: the amount as written, on
        #: the axes its value is looked up on (an amount and its rate follow the same fields).
        self.written: dict[str, _Stored] = {}
        #: Per input whose values are keys (a reference's name): what a reader calls each.
        self.key_labels: dict[str, dict[str, str]] = {}
        plain, _ = compute_values(first, catalog)
        # A sweep whose variants write no layout gets each variant's chosen in the vectorised
        # pass (`inputs`): a search per variant here would be an evaluation per variant. The
        # inputs that follow the layout (the degrees, and defaults such as interleaving) are
        # made per chunk for the degrees chosen, from the axes they read besides.
        self.auto_layout = writes_no_layout(first) and self._no_variant_writes_a_layout()
        #: The recomputations the ladder is walked with: one for all variants (a sweep that
        #: varies the recomputation writes it in every variant).
        self.recomputes = recompute_choices(first)
        self.layout_nodes = (
            [node for node, _ in layout_nodes(first, catalog)] if self.auto_layout else []
        )
        #: Per input that follows the layout: its node, reference and the axes it reads.
        self.layout_inputs: dict[str, tuple[Node, str | None, tuple[int, ...]]] = {}
        for node, ref in expanded:
            if node.kind != "input":
                continue
            if self.auto_layout:
                _value, reads = traced_input(node, ref, first, catalog, layout=None)
                if LAYOUT in reads:
                    # What it reads may depend on the degrees (interleaving reads the layers
                    # only with a pipeline): traced under every layout of the ladder.
                    for tensor, pipeline in _every_ladder(catalog):
                        for recompute in (None, FULL):
                            layout = Layout(tensor, pipeline, "a candidate", recompute)
                            reads |= traced_input(node, ref, first, catalog, layout=layout)[1]
                    read_axes = tuple(sorted(self._axes_read(reads)))
                    self.layout_inputs[node.name] = (node, ref, read_axes)
                    continue
            column, value = self._classify(node, ref, first)
            if not same(value, plain[node.name]):
                # The recording view changed what the node computes: evaluate it untraced.
                self.notes.add(f"{node.name}: evaluated per variant (not traceable)")
                column = self._opaque_table(node, ref)
            self.columns[node.name] = column
        #: Per node, the axes (indices) its value can vary with: its inputs' axes, passed on.
        self.depends: dict[str, tuple[int, ...]] = {}
        # The chosen degrees vary with whatever the memory per accelerator varies with.
        layout_axes: set[int] = set()
        for node in self.layout_nodes:
            if node.kind == "input":
                held = self.layout_inputs.get(node.name)
                layout_axes.update(held[2] if held else self.columns[node.name].axes)
        for node in self.nodes:
            if node.name in self.layout_inputs:
                axes = layout_axes | set(self.layout_inputs[node.name][2])
            elif node.kind == "input":
                axes = set(self.columns[node.name].axes)
            else:
                axes = set().union(*(self.depends[name] for name in node.inputs))
            self.depends[node.name] = tuple(sorted(axes))

    # ------------------------------------------------------------------------ variants
    def variant(self, indices: tuple[int, ...]) -> Scenario:
        """The variant at one label index per axis (cached: tables revisit the same few)."""
        scenario = self._variants.get(indices)
        if scenario is None:
            scenario = self._variants[indices] = apply_sweep_point(self.sweep, indices)
        return scenario

    def _no_variant_writes_a_layout(self) -> bool:
        """Whether every label of an axis that varies the parallelism leaves the layout to the
        model, as its first does (a sweep over `expert 1` and `tensor 8` keeps the second as
        written, so no variant's layout is chosen in the vectorised pass)."""
        for axis, path in enumerate(self.paths):
            if touches(path, "workload.parallelism"):
                for label in range(self.shape[axis]):
                    at = tuple(label if i == axis else 0 for i in range(len(self.shape)))
                    if not writes_no_layout(self.variant(at)):
                        return False
        return True

    def _axes_read(self, reads: set[str]) -> set[int]:
        if WHOLE in reads:
            return set(range(len(self.paths)))
        return {i for i, path in enumerate(self.paths) if any(touches(r, path) for r in reads)}

    # ------------------------------------------------------------------ classification
    def _classify(self, node: Node, ref: str | None, first: Scenario) -> tuple[_InputColumn, Any]:
        hit, reads = traced_found(node, ref, first, self.catalog)
        value = hit.value if hit is not None else None
        axes = self._axes_read(reads)
        if not axes:
            self._keep_found(node, [hit], ())
            return _InputColumn("constant", value=value), value
        identity = len(axes) == 1 and self._is_identity(node, ref, first, min(axes))
        if identity:
            # _is_identity let only numbers through
            numbers = [central(cast("Value", v)) for v in self.sweep.axes[min(axes)].values]
            column = _InputColumn(
                "identity", axes=(min(axes),), grid=_grid(numbers, (len(numbers),))
            )
        else:
            column = self._table(node, ref, axes)
        # The value for the first variant as the column gives it, for the caller's check.
        first_row = tuple(np.zeros(1, dtype=np.int64) for _ in self.shape)
        return column, element(column.column(first_row), 0)

    def _is_identity(self, node: Node, ref: str | None, first: Scenario, axis: int) -> bool:
        """Whether the node returns the swept number as it is, without looking at it."""
        values = self.sweep.axes[axis].values
        if self.sweep.axes[axis].currencies:
            return False  # amounts in other currencies: the node converts each at its rate
        if not all(
            isinstance(v, (int, float, Uncertain)) and not isinstance(v, bool) for v in values
        ):
            return False
        probe = Probe(cast(float, central(cast("Value", values[0]))))
        scenario = with_field(first, self.paths[axis], probe)
        value, reads = traced_input(node, ref, scenario, self.catalog)
        return (
            value is probe
            and not probe.__dict__.get("inspected")
            and self._axes_read(reads) == {axis}
        )

    def _table(self, node: Node, ref: str | None, axes: set[int]) -> _InputColumn:
        """The node evaluated for every combination of the axes it reads (more if it turns
        out to read more on another branch)."""
        axes = set(axes)
        while True:
            ordered = tuple(sorted(axes))
            found: list[Found | None] = []
            for combo in itertools.product(*(range(self.shape[a]) for a in ordered)):
                indices = [0] * len(self.shape)
                for axis, index in zip(ordered, combo, strict=True):
                    indices[axis] = index
                hit, reads = traced_found(node, ref, self.variant(tuple(indices)), self.catalog)
                extra = self._axes_read(reads) - axes
                if extra:
                    axes |= extra
                    break
                found.append(hit)
            else:
                self._keep_found(node, found, ordered)
                values = [hit.value if hit is not None else None for hit in found]
                return self._table_column(node, ordered, values)

    def _keep_found(self, node: Node, found: Sequence[Found | None], axes: tuple[int, ...]) -> None:
        """Note what an input's look-ups (one per combination of `axes`' labels) say beside
        their values: amounts written in another currency, the labels of keys (each replaces
        an earlier classification's)."""
        written = _written_grid(found, axes, self.shape)
        if written is None:
            self.written.pop(node.name, None)
        else:
            self.written[node.name] = written
        labels = {
            hit.value: hit.label
            for hit in found
            if hit is not None and hit.label is not None and isinstance(hit.value, str)
        }
        if labels:
            self.key_labels[node.name] = labels
        else:
            self.key_labels.pop(node.name, None)

    def _table_column(self, node: Node, axes: tuple[int, ...], values: list[Any]) -> _InputColumn:
        shape = tuple(self.shape[a] for a in axes)
        size = math.prod(shape)
        if size > _MANY_COMBINATIONS:
            self.notes.add(
                f"{node.name}: looked up for {size:,} combinations of "
                + ", ".join(self.paths[a] for a in axes)
            )
        return _InputColumn("table", axes=axes, grid=_grid(values, shape))

    def _opaque_table(self, node: Node, ref: str | None) -> _InputColumn:
        """Untraced evaluation over every variant: correct whatever the node does, and slow."""
        found = [
            call_input(node, ref, Context(self.variant(indices), self.catalog))
            for indices in itertools.product(*(range(n) for n in self.shape))
        ]
        self._keep_found(node, found, tuple(range(len(self.shape))))
        values = [hit.value if hit is not None else None for hit in found]
        return _InputColumn(
            "table", axes=tuple(range(len(self.shape))), grid=_grid(values, self.shape)
        )

    # -------------------------------------------------------------------------- chunks
    def inputs(self, indices: tuple[np.ndarray, ...]) -> dict[str, Any]:
        """Every input node's values for the variants at `indices` (one array per axis), with
        the layout chosen for each variant that writes none."""
        values = {name: column.column(indices) for name, column in self.columns.items()}
        if not self.auto_layout:
            return values
        size = len(indices[0]) if indices else 1

        def memory_of(tensor: int, pipeline: int, recompute: str | None) -> tuple[Any, Any]:
            full = recompute is not None
            candidate = {**values, **self._layout_columns(indices, tensor, pipeline, full)}
            frames = run_frames(self.layout_nodes, candidate, size)
            return gather_number(frames, MEMORY, size), gather_number(frames, HBM, size)

        tensor, pipeline, full = choose_columns(
            self.catalog,
            values.get(COUNT),
            values.get(LAYERS),
            size,
            self.recomputes,
            memory_of,
            values.get(DOMAIN),
        )
        values.update(self._layout_columns(indices, tensor, pipeline, full))
        return values

    def _layout_columns(
        self, indices: tuple[np.ndarray, ...], tensor: Any, pipeline: Any, full: Any
    ) -> dict[str, Any]:
        """The inputs that follow the layout, for the variants at `indices` laid out as
        `tensor` × `pipeline`, with full recomputation where `full` (numbers or flags, or one
        per variant): each input is looked up once per distinct layout and combination of the
        axes it reads."""
        size = len(indices[0]) if indices else 1
        out: dict[str, Any] = {}
        tensors = np.broadcast_to(np.asarray(tensor, dtype=np.int64), (size,))
        pipelines = np.broadcast_to(np.asarray(pipeline, dtype=np.int64), (size,))
        fulls = np.broadcast_to(np.asarray(full, dtype=np.int64), (size,))
        for name, (node, ref, axes) in self.layout_inputs.items():
            while True:  # as `_table`: more axes if a branch turns out to read more
                columns = [tensors, pipelines, fulls, *(indices[a] for a in axes)]
                inverse, firsts = distinct_rows(columns, size)
                distinct = np.stack([column[firsts] for column in columns], axis=1)
                found: list[Any] = []
                extra: set[int] = set()
                for row in distinct.tolist():
                    at = [0] * len(self.shape)
                    for axis, index in zip(axes, row[3:], strict=True):
                        at[axis] = index
                    layout = Layout(row[0], row[1], "a variant's", FULL if row[2] else None)
                    variant = self.variant(tuple(at))
                    value, reads = traced_input(node, ref, variant, self.catalog, layout=layout)
                    extra = self._axes_read(reads) - set(axes)
                    if extra:
                        break
                    found.append(value)
                if not extra:
                    break
                axes = tuple(sorted(set(axes) | extra))
                self.layout_inputs[name] = (node, ref, axes)
            # The distinct values as a one-axis table, read at each variant's row.
            looked_up = _InputColumn("table", axes=(0,), grid=_grid(found, (len(found),)))
            out[name] = looked_up.column((inverse.reshape(-1),))
        return out


# ============================================================================ the results
class VariantNames(Sequence[str]):
    """The variants' names (`Sweep.variant_name`), made on demand: a million strings would
    otherwise be built for nothing."""

    def __init__(self, table: SweepTable) -> None:
        self._table = table

    def __len__(self) -> int:
        return self._table.size

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self._table.name(i) for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self._table.name(index)

    def __iter__(self) -> Iterator[str]:
        return (self._table.name(i) for i in range(len(self)))


class _Stored:
    """One node's values kept on the axes it depends on only (`grid`, one cell per combination
    of their labels), and spread over the variants when asked: a figure that depends on the year
    alone costs a few numbers, not a million."""

    def __init__(self, shape: tuple[int, ...], axes: tuple[int, ...], dtype: Any) -> None:
        self.shape = shape
        self.axes = axes
        fill = math.nan if dtype is float else 0
        self.grid = np.full(tuple(shape[a] for a in axes), fill, dtype=dtype)

    @staticmethod
    def of(shape: tuple[int, ...], axes: tuple[int, ...], grid: np.ndarray) -> _Stored:
        """Values already gathered on their axes (`grid`, one cell per combination)."""
        stored = _Stored(shape, axes, grid.dtype)
        stored.grid = grid
        return stored

    def add(self, indices: tuple[np.ndarray, ...], values: Any) -> None:
        if not self.axes:  # the same in every variant
            self.grid[()] = values[0] if isinstance(values, np.ndarray) else values
            return
        self.grid[tuple(indices[a] for a in self.axes)] = values

    def expand(self) -> np.ndarray:
        """Values over all variants (a view when the node depends on every axis)."""
        size = math.prod(self.shape)
        if self.axes == tuple(range(len(self.shape))):
            return self.grid.reshape(size)
        spread = [self.shape[a] if a in self.axes else 1 for a in range(len(self.shape))]
        view = np.broadcast_to(self.grid.reshape(spread), self.shape)
        if not self.axes:
            return np.broadcast_to(self.grid.reshape(()), (size,))
        return view.reshape(size)

    def rows(self, start: int, stop: int) -> np.ndarray:
        """Values of variants start..stop-1 (without spreading the whole column)."""
        if not self.axes:
            return np.full(stop - start, self.grid[()], dtype=self.grid.dtype)
        position = np.unravel_index(np.arange(start, stop), self.shape)
        return self.grid[tuple(position[a] for a in self.axes)]

    def at(self, index: int) -> Any:
        position = np.unravel_index(index, self.shape)
        return self.grid[tuple(position[a] for a in self.axes)]


class _Columns(Mapping[str, np.ndarray]):
    """`SweepTable.numbers`: name → float array over the variants, made on access."""

    def __init__(self, stored: dict[str, _Stored]) -> None:
        self._stored = stored

    def __getitem__(self, name: str) -> np.ndarray:
        return self._stored[name].expand()

    def __iter__(self) -> Iterator[str]:
        return iter(self._stored)

    def __len__(self) -> int:
        return len(self._stored)


@dataclass
class SweepTable:
    """Every variant of a sweep: names, axis values, and one array per node.

    `numbers[name]` is a float array over the variants (NaN where the node is n/a) for each
    number node, inputs and metrics, in evaluation order; `categories[name]` holds text and flag
    nodes as codes into their distinct values. Variants are in `Sweep.variants()` order (the last
    axis changes fastest). `depends[name]` names the axes a node varies with; the values are
    stored on those axes only and spread over the variants when read. What an input's look-up
    says beside its value is kept as `evaluate` keeps it on a MetricResult: an amount written in
    another currency (`written`) and a key's label (`key_labels`).
    """

    sweep: Sweep
    size: int
    units: dict[str, str]
    depends: dict[str, tuple[str, ...]]
    notes: tuple[str, ...]
    _numbers: dict[str, _Stored] = field(repr=False)
    _codes: dict[str, _Stored] = field(repr=False)
    _categories: dict[str, tuple[Any, ...]] = field(repr=False)
    #: Per input written in another currency in some variant: its amount as written, its
    #: currency and rate (WrittenMoney; None in a variant where it is in US dollars).
    _written: dict[str, _Stored] = field(default_factory=dict, repr=False)
    #: Per input whose values are keys (`divide.public_resource`: a reference's name): each
    #: key's label, what a reader calls it (`MetricResult.label`); the values keep the keys.
    key_labels: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(len(axis.labels) for axis in self.sweep.axes)

    @property
    def numbers(self) -> Mapping[str, np.ndarray]:
        return _Columns(self._numbers)

    @property
    def categories(self) -> dict[str, Categorical]:
        return {
            name: Categorical(stored.expand(), self._categories[name])
            for name, stored in self._codes.items()
        }

    @property
    def names(self) -> VariantNames:
        return VariantNames(self)

    def labels(self, index: int) -> tuple[str, ...]:
        """The label of each axis for variant `index`."""
        position = np.unravel_index(index, self.shape)
        return tuple(axis.labels[int(i)] for axis, i in zip(self.sweep.axes, position, strict=True))

    def name(self, index: int) -> str:
        return self.sweep.variant_name(self.labels(index))

    def axis_values(self, path: str) -> np.ndarray:
        """The value of axis `path` for every variant (numbers as numbers, else labels)."""
        position = next(i for i, axis in enumerate(self.sweep.axes) if axis.path == path)
        axis = self.sweep.axes[position]
        # Amounts in several currencies are no one scale: their labels say what they are.
        if not axis.currencies and all(
            isinstance(v, (int, float, Uncertain)) and not isinstance(v, bool) for v in axis.values
        ):
            table = np.asarray([central(cast("Value", v)) for v in axis.values])
        else:
            table = np.asarray(axis.labels, dtype=object)
        along = [len(table) if i == position else 1 for i in range(len(self.shape))]
        return np.broadcast_to(table.reshape(along), self.shape).reshape(self.size)

    def value(self, name: str, index: int) -> Any:
        """One node's value for one variant, as `evaluate` gives it (None when n/a)."""
        if name in self._numbers:
            return nan_to_none(self._numbers[name].at(index))
        return self._categories[name][int(self._codes[name].at(index))]

    @property
    def columns(self) -> tuple[str, ...]:
        """The kept nodes: number nodes first, then text and flag nodes (evaluation order)."""
        return (*self._numbers, *self._codes)

    def infinite_columns(self) -> tuple[str, ...]:
        """The number columns holding an infinity in some variant (a run that never finishes):
        the figures whose records give the sign JSON cannot write (`export.iter_records`)."""
        return tuple(name for name, stored in self._numbers.items() if np.isinf(stored.grid).any())

    def block(self, start: int, stop: int) -> dict[str, list[Any]]:
        """Every kept node's values for variants start..stop-1 as plain Python lists (numbers
        as floats, NaN where n/a), in `columns` order: for export without spreading a column."""
        out: dict[str, list[Any]] = {
            name: stored.rows(start, stop).tolist() for name, stored in self._numbers.items()
        }
        for name, stored in self._codes.items():
            categories = self._categories[name]
            out[name] = [categories[c] for c in stored.rows(start, stop).tolist()]
        return out

    @property
    def written_inputs(self) -> tuple[str, ...]:
        """The kept inputs some variant wrote in another currency (their values are in USD)."""
        return tuple(self._written)

    def written(self, name: str, index: int) -> WrittenMoney | None:
        """How input `name` was written in variant `index` when in another currency than USD
        (as `MetricResult.written` of `evaluate`); None otherwise."""
        stored = self._written.get(name)
        return stored.at(index) if stored is not None else None

    def written_block(self, start: int, stop: int) -> dict[str, list[WrittenMoney | None]]:
        """`written` for variants start..stop-1, per input of `written_inputs`."""
        return {name: stored.rows(start, stop).tolist() for name, stored in self._written.items()}

    def distinct(self, name: str) -> int:
        """How many different values the text or flag node `name` takes over the variants."""
        return len(self._categories[name])

    def spreads(self) -> dict[str, dict[str, float | None]]:
        """Per number node: min, P5, P50, P95, max and mean over the variants (n/a ignored)."""
        out: dict[str, dict[str, float | None]] = {}
        for name, stored in self._numbers.items():
            if not stored.axes:
                stats: Sequence[float | None] = [nan_to_none(stored.grid[()])] * 6
            else:
                stats = spread(stored.expand()) or [None] * 6
            out[name] = dict(zip(("min", "p5", "p50", "p95", "max", "mean"), stats, strict=True))
        return out


def written_inputs(sweep: Sweep, catalog: Catalog | None = None) -> tuple[str, ...]:
    """The inputs some variant of `sweep` writes in another currency than USD, without
    evaluating the variants (what `SweepTable.written_inputs` will hold: a table's header is
    written before its rows)."""
    return tuple(SweepPlan(sweep, catalog or load_catalog()).written)


#: Bytes of one figure of one variant in the arrays: a float64 or an int64 category code.
_CELL_BYTES = 8


def check_sweep_memory(
    sweep: Sweep,
    catalog: Catalog | None = None,
    nodes: Sequence[str] | None = None,
    held: int = 0,
) -> int:
    """Raise a ScenarioError at the sweep, before anything is evaluated, when its table (of
    the figures `nodes`, every one by default) would take more than the ARRAY_MEMORY_BUDGET
    beside the `held` bytes of other tables held with it (a diff holds every sweep of both
    sides): what `evaluate_sweep` checks first, for a caller that writes other output before it
    (a table streamed to standard output). Returns the table's bytes."""
    plan = SweepPlan(sweep, catalog or load_catalog())
    keep = _kept(plan, nodes)
    _check_memory(plan, keep, held)
    return _table_bytes(plan, keep)


def _kept(plan: SweepPlan, nodes: Sequence[str] | None) -> list[Node]:
    wanted = set(nodes) if nodes is not None else None
    return [node for node in plan.nodes if wanted is None or node.name in wanted]


def _table_bytes(plan: SweepPlan, keep: Sequence[Node]) -> int:
    return _CELL_BYTES * sum(math.prod(plan.shape[a] for a in plan.depends[n.name]) for n in keep)


def _check_memory(plan: SweepPlan, keep: Sequence[Node], held: int = 0) -> None:
    """The table of the figures `keep`, each held on the axes it depends on, within the
    ARRAY_MEMORY_BUDGET beside `held` bytes of other tables: a file of a thousand references
    and a sweep of a hundred thousand variants would need some 4 GB, which no limit of the
    language's counts."""
    from scendsl.errors import ScenarioError

    need = _table_bytes(plan, keep)
    if held + need <= ARRAY_MEMORY_BUDGET:
        return
    sweep = plan.sweep
    most = sweep.size * max(0, ARRAY_MEMORY_BUDGET - held) // need
    beside = f", beside the {_gib(held)} of the other sweeps' tables held with it" if held else ""
    raise ScenarioError.one(
        f"sweep '{sweep.name}': the table of its {sweep.size:,} variants would take about "
        f"{_gib(need)} ({len(keep):,} figures each){beside}; the limit is "
        f"{ARRAY_MEMORY_BUDGET / 1024**3:g} GiB",
        sweep.span,
        f"sweep fewer values (about {most:,} variants fit{' beside them' if held else ''}), "
        "or define fewer references",
    )


def _gib(size: int) -> str:
    """A size in GiB as the memory messages give it: `5.1 GiB`, `0.0039 GiB`."""
    return f"{size / 1024**3:,.1f} GiB" if size >= 1024**3 // 10 else f"{size / 1024**3:.2g} GiB"


def evaluate_sweep(
    sweep: Sweep,
    catalog: Catalog | None = None,
    chunk: int = DEFAULT_CHUNK,
    *,
    nodes: Sequence[str] | None = None,
    on_progress: Callable[[int], None] | None = None,
    show_progress: bool = False,
) -> SweepTable:
    """Every variant of `sweep`, evaluated vectorised, chunk by chunk.

    `nodes` restricts the kept columns (all number, text and flag nodes by default); every node
    is still computed. The result equals `evaluate` on each variant (n/a numbers are NaN).
    `on_progress(n)` is called after each chunk with the number of variants it held.
    """
    # moved: the bar is the caller's (scendsl.progress, via on_progress); report/build.py still
    # passes show_progress=False until its split is merged.
    del show_progress
    catalog = catalog or load_catalog()
    plan = SweepPlan(sweep, catalog)
    keep = _kept(plan, nodes)
    _check_memory(plan, keep)
    size, shape = sweep.size, plan.shape
    # A chunk's arrays hold every node of each of its variants: more nodes (a file's many
    # references each add their own), fewer variants at a time. The same table either way.
    chunk = max(1, min(chunk, ARRAY_MEMORY_BUDGET // 2 // (_CELL_BYTES * len(plan.nodes))))
    numbers = {
        n.name: _Stored(shape, plan.depends[n.name], float)
        for n in keep
        if n.value_type == "number"
    }
    codes = {
        n.name: _Stored(shape, plan.depends[n.name], np.int64)
        for n in keep
        if n.value_type in ("text", "bool")
    }
    seen: dict[str, dict[Any, int]] = {name: {} for name in codes}
    categories: dict[str, list[Any]] = {name: [] for name in codes}
    notes: set[str] = set()
    for start in range(0, size, chunk):
        stop = min(size, start + chunk)
        indices = np.unravel_index(np.arange(start, stop), shape)
        frames = run_frames(plan.nodes, plan.inputs(indices), stop - start, notes)
        for name, stored in numbers.items():
            stored.add(indices, gather_number(frames, name, stop - start))
        for name, stored in codes.items():
            local = gather_category(frames, name, stop - start)
            mapping = []
            for category in local.categories:
                key = hashable(category)
                if key not in seen[name]:
                    seen[name][key] = len(categories[name])
                    categories[name].append(category)
                mapping.append(seen[name][key])
            stored.add(indices, np.asarray(mapping, dtype=np.int64)[local.codes])
        if on_progress is not None:
            on_progress(stop - start)
    all_notes = sorted(plan.notes) + [
        f"{name}: not vectorised (evaluated per distinct input)" for name in sorted(notes)
    ]
    node_by_name = {node.name: node for node in plan.nodes}
    kept = (*numbers, *codes)
    return SweepTable(
        sweep=sweep,
        size=size,
        units={name: node_by_name[name].unit for name in kept},
        depends={name: tuple(plan.paths[a] for a in plan.depends[name]) for name in kept},
        notes=tuple(all_notes),
        _numbers=numbers,
        _codes=codes,
        _categories={name: tuple(values) for name, values in categories.items()},
        _written={name: stored for name, stored in plan.written.items() if name in kept},
        key_labels={name: keys for name, keys in plan.key_labels.items() if name in kept},
    )


def _every_ladder(catalog: Catalog) -> list[tuple[int, int]]:
    """The candidates of every ladder a variant may walk, whatever its scale-up domain bounds
    its tensor degrees at (1, 2, 4, … up to the catalog's bound)."""
    steps: dict[tuple[int, int], None] = {}
    bound = 1
    while bound <= catalog.calibration["auto_layout_max_tensor"].value:
        steps.update(dict.fromkeys(ladder(catalog, bound)))
        bound *= 2
    return [*steps]
