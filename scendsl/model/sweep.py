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
so a million of them fit in memory. `run_frames` is the same machinery for Monte Carlo samples
(scendsl/model/uncertainty.py).
"""

from __future__ import annotations

import contextlib
import csv
import itertools
import json
import math
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

import numpy as np
from pydantic import BaseModel

from scendsl.catalog import Catalog, load_catalog
from scendsl.model.context import Context
from scendsl.model.evaluate import compute_values, nodes_for
from scendsl.model.registry import Node
from scendsl.scenario import Scenario, Sweep, Uncertain, central

#: Default number of variants evaluated together (bounds memory for 10^6-variant sweeps).
DEFAULT_CHUNK = 200_000


# ============================================================================== progress
class _Ticker:
    """What `progress` yields: `advance(n)` moves the bar (a no-op without a terminal)."""

    def __init__(self, bar: Any = None, task: Any = None) -> None:
        self._bar, self._task = bar, task

    def advance(self, amount: float = 1) -> None:
        if self._bar is not None:
            self._bar.advance(self._task, amount)


@contextlib.contextmanager
def progress(total: float, description: str) -> Iterator[_Ticker]:
    """A progress bar on stderr while the block runs, only when stderr is a terminal.

    Output that is piped or captured (CI, tests, `> file`) stays free of control characters.
    """
    stream = sys.stderr
    if not (hasattr(stream, "isatty") and stream.isatty()):
        yield _Ticker()
        return
    from rich.console import Console
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                               TimeRemainingColumn)

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeRemainingColumn())
    from scendsl.terminal import unfiltered

    with Progress(*columns, console=Console(file=unfiltered(stream)), transient=True) as bar:
        task = bar.add_task(description, total=total)
        yield _Ticker(bar, task)


# ==================================================================== vectorised evaluation
@dataclass(frozen=True)
class Categorical:
    """A column of categories (text, flags, n/a): one code per row into `categories`."""

    codes: np.ndarray
    categories: tuple[Any, ...]

    def take(self, mask: np.ndarray) -> Categorical:
        return Categorical(self.codes[mask], self.categories)

    def value(self, row: int) -> Any:
        return self.categories[int(self.codes[row])]

    def __len__(self) -> int:
        return len(self.codes)


@dataclass(frozen=True)
class _Partial:
    """A number column that is n/a on some rows (`missing`); those rows hold NaN."""

    values: np.ndarray
    missing: np.ndarray

    def take(self, mask: np.ndarray) -> _Partial:
        return _Partial(self.values[mask], self.missing[mask])


def _is_column(value: Any) -> bool:
    """Whether `value` differs from row to row (else it is one value for every row)."""
    if isinstance(value, np.ndarray):
        return value.ndim == 1
    if isinstance(value, (Categorical, _Partial)):
        return True
    if isinstance(value, dict):
        return any(_is_column(v) for v in value.values())
    return False


def _take(value: Any, mask: np.ndarray) -> Any:
    if isinstance(value, np.ndarray) and value.ndim == 1:
        return value[mask]
    if isinstance(value, (Categorical, _Partial)):
        return value.take(mask)
    if isinstance(value, dict) and _is_column(value):
        return {k: _take(v, mask) for k, v in value.items()}
    return value


def _element(value: Any, row: int) -> Any:
    """Row `row` of a column as a plain Python value (what one-by-one evaluation sees)."""
    if isinstance(value, np.ndarray) and value.ndim == 1:
        item = value[row]
        return item.item() if isinstance(item, np.generic) else item
    if isinstance(value, Categorical):
        return value.value(row)
    if isinstance(value, _Partial):
        return None if value.missing[row] else float(value.values[row])
    if isinstance(value, dict) and _is_column(value):
        return {k: _element(v, row) for k, v in value.items()}
    return value


def _hashable(value: Any) -> Any:
    try:
        hash(value)
    except TypeError:
        return ("unhashable", type(value).__name__, repr(value))
    # 1 == 1.0 == True hash alike; keep them apart so a category keeps its own type.
    return (type(value).__name__, value)


def factorize(values: Sequence[Any]) -> tuple[np.ndarray, list[Any]]:
    """Codes (first occurrence first) and the distinct values, for any Python values."""
    seen: dict[Any, int] = {}
    categories: list[Any] = []
    codes = np.empty(len(values), dtype=np.int64)
    for row, value in enumerate(values):
        key = _hashable(value)
        code = seen.get(key)
        if code is None:
            code = seen[key] = len(categories)
            categories.append(value)
        codes[row] = code
    return codes, categories


def _codes_of(value: Any) -> list[np.ndarray]:
    """Integer columns that tell the rows of `value` apart."""
    if isinstance(value, np.ndarray) and value.ndim == 1:
        if value.dtype == object:
            return [factorize(value.tolist())[0]]
        return [np.unique(value, return_inverse=True)[1].reshape(-1)]
    if isinstance(value, Categorical):
        return [value.codes]
    if isinstance(value, _Partial):
        return [np.unique(value.values, return_inverse=True)[1].reshape(-1),
                value.missing.astype(np.int64)]
    if isinstance(value, dict):
        return [c for v in value.values() for c in _codes_of(v)]
    return []


def _distinct_rows(columns: list[np.ndarray], size: int) -> tuple[np.ndarray, np.ndarray]:
    """(code of each row, first row of each code) over the combination of `columns`."""
    if not columns:
        return np.zeros(size, dtype=np.int64), np.zeros(1 if size else 0, dtype=np.int64)
    key = np.asarray(columns[0], dtype=np.int64)
    for column in columns[1:]:
        _, key = np.unique(key, return_inverse=True)  # renumber 0..k-1 so products stay small
        key = key.reshape(-1).astype(np.int64) * (int(column.max()) + 1) + column
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    return inverse.reshape(-1), first


_NUMBER = (int, float, np.integer, np.floating, np.bool_)


def _pack(node: Node, results: list[Any], codes: np.ndarray) -> Any:
    """Per-distinct-row results spread back over the rows, as the tightest column type."""
    if node.value_type == "number" and all(isinstance(r, _NUMBER) for r in results):
        return np.asarray(results, dtype=float)[codes]
    if node.value_type == "number" and all(r is None or isinstance(r, _NUMBER) for r in results):
        values = np.asarray([math.nan if r is None else float(r) for r in results])
        missing = np.asarray([r is None for r in results])
        return _Partial(values[codes], missing[codes])
    if node.value_type == "bool" and all(isinstance(r, (bool, np.bool_)) for r in results):
        return np.asarray(results, dtype=bool)[codes]
    category_codes, categories = factorize(results)
    return Categorical(category_codes[codes], tuple(categories))


def _per_distinct(node: Node, args: list[Any], size: int) -> Any:
    """Evaluate `node` once per distinct combination of its varying inputs (plain Python)."""
    columns = [c for arg in args for c in _codes_of(arg)]
    codes, firsts = _distinct_rows(columns, size)
    results = [node.compute(*[_element(arg, int(row)) for arg in args]) for row in firsts]
    return _pack(node, results, codes)


_FAILED = object()


def _vectorised(node: Node, args: list[Any], size: int) -> Any:
    """`node` computed on whole columns, or _FAILED when the formula is not array-safe."""
    try:
        result = node.compute(*args)
    except Exception:  # noqa: BLE001  (any failure means: evaluate per distinct row instead)
        return _FAILED
    return result if _array_result(node.value_type, result, size) else _FAILED


def _array_result(value_type: str, result: Any, size: int) -> bool:
    if value_type == "bool":  # a scalar here would mean Python logic swallowed the array
        return isinstance(result, np.ndarray) and result.dtype == bool and result.shape == (size,)
    if value_type == "breakdown":
        return isinstance(result, dict) and all(
            _array_result("number", v, size) for v in result.values())
    if isinstance(result, np.ndarray):
        return result.dtype != object and result.shape in ((), (size,))
    return isinstance(result, _NUMBER)


def _split_masks(value: Any) -> list[tuple[np.ndarray, Any]] | None:
    """How a column splits into groups where it is one value (None: it needs no split)."""
    if isinstance(value, Categorical):
        present = np.unique(value.codes)
        if len(present) == 1:
            return [(np.ones(len(value.codes), dtype=bool), value.categories[int(present[0])])]
        return [(value.codes == code, value.categories[int(code)]) for code in present]
    if isinstance(value, _Partial):
        if not value.missing.any():
            return [(~value.missing, value.values)]
        groups = [(value.missing, None)]
        if not value.missing.all():
            groups.append((~value.missing, value.values[~value.missing]))
        return groups
    return None


@dataclass
class Frame:
    """Rows evaluated together: `rows` index the chunk (None = every row), `values` by node."""

    rows: np.ndarray | None
    size: int
    values: dict[str, Any]


def run_frames(nodes: Sequence[Node], inputs: dict[str, Any], size: int,
               notes: set[str] | None = None) -> list[Frame]:
    """Evaluate every metric of `nodes` over `size` rows at once.

    `inputs` holds each input node's value: one value for every row, a numpy array of `size`
    rows, a `Categorical` or an n/a-aware number column. Rows are split into frames wherever a
    category or an n/a that a later node uses differs; within a frame those are plain values,
    exactly what one-by-one evaluation passes. Names of number formulas that had to fall back to
    per-row Python are added to `notes`.
    """
    used = {name for node in nodes if node.kind == "metric" for name in node.inputs}
    frames: list[Frame] = []
    notes = notes if notes is not None else set()
    with np.errstate(all="ignore"):  # as compute_values: division by zero gives inf/nan
        _run(list(nodes), 0, dict(inputs), None, size, used, frames, notes)
    return frames


def _run(nodes: list[Node], start: int, values: dict[str, Any], rows: np.ndarray | None,
         size: int, used: set[str], frames: list[Frame], notes: set[str]) -> None:
    for position in range(start, len(nodes)):
        node = nodes[position]
        if node.kind == "metric":
            args = [values[name] for name in node.inputs]
            if any(arg is None for arg in args):
                values[node.name] = None
                continue
            if not any(_is_column(arg) for arg in args):
                values[node.name] = node.compute(*args)
                continue
            result = _FAILED
            if node.value_type != "text":  # text formulas may format numbers: never arrays
                result = _vectorised(node, args, size)
                if result is _FAILED and node.value_type != "bool":
                    notes.add(node.name)
            if result is _FAILED:
                result = _per_distinct(node, args, size)
            values[node.name] = result
        groups = _split_masks(values[node.name]) if node.name in used else None
        if groups is None:
            continue
        if len(groups) == 1:
            values[node.name] = groups[0][1]
            continue
        for mask, value in groups:
            part = {name: _take(v, mask) for name, v in values.items()}
            part[node.name] = value
            part_rows = np.flatnonzero(mask) if rows is None else rows[mask]
            _run(nodes, position + 1, part, part_rows, len(part_rows), used, frames, notes)
        return
    frames.append(Frame(rows, size, values))


def gather_number(frames: list[Frame], name: str, size: int) -> Any:
    """One node's numbers over all rows: a float array (NaN = n/a), or its single value when it
    is the same plain value everywhere (None when n/a everywhere)."""
    if len(frames) == 1 and frames[0].rows is None:
        value = frames[0].values.get(name)
        if not _is_column(value):
            return _plain_number(value)
        if isinstance(value, np.ndarray) and value.dtype == np.float64:
            return value  # already the column
    out = np.full(size, math.nan)
    for frame in frames:
        value = frame.values.get(name)
        target = slice(None) if frame.rows is None else frame.rows
        if isinstance(value, _Partial):
            out[target] = value.values
        elif isinstance(value, Categorical):
            out[target] = np.asarray([_as_float(c) for c in value.categories])[value.codes]
        elif isinstance(value, np.ndarray):
            out[target] = value
        elif value is not None:
            out[target] = _as_float(value)
    return out


def gather_category(frames: list[Frame], name: str, size: int) -> Categorical:
    """One text or flag node over all rows, as codes into its distinct values."""
    seen: dict[Any, int] = {}
    categories: list[Any] = []

    def code_of(value: Any) -> int:
        value = value.item() if isinstance(value, np.generic) else value
        key = _hashable(value)
        if key not in seen:
            seen[key] = len(categories)
            categories.append(value)
        return seen[key]

    codes = np.zeros(size, dtype=np.int64)
    for frame in frames:
        value = frame.values.get(name)
        target = slice(None) if frame.rows is None else frame.rows
        if isinstance(value, Categorical):
            mapping = np.asarray([code_of(c) for c in value.categories], dtype=np.int64)
            codes[target] = mapping[value.codes]
        elif isinstance(value, np.ndarray) and value.ndim == 1:
            local, distinct = factorize(value.tolist())
            mapping = np.asarray([code_of(c) for c in distinct], dtype=np.int64)
            codes[target] = mapping[local]
        else:
            codes[target] = code_of(value)
    return Categorical(codes, tuple(categories))


def _as_float(value: Any) -> float:
    if value is None or isinstance(value, (str, dict)):
        return math.nan
    return float(value)


def _plain_number(value: Any) -> Any:
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, np.generic):
        value = value.item()
    return value


# =============================================================== which fields an input reads
_WHOLE = ""  # a read of the whole scenario: every swept field


class _Traced:
    """A read-only view of a pydantic model that records the dotted paths read through it."""

    __slots__ = ("_target", "_path", "_reads", "_replaced")

    def __init__(self, target: BaseModel, path: str, reads: set[str],
                 replaced: dict[str, Any] | None = None) -> None:
        self._target, self._path, self._reads, self._replaced = target, path, reads, replaced

    def __getattr__(self, name: str) -> Any:
        if self._replaced is not None and name in self._replaced:
            return self._replaced[name]  # set by a model_copy: not read from the scenario
        target = self._target
        value = getattr(target, name)
        path = f"{self._path}.{name}" if self._path else name
        if name in type(target).model_fields:
            if isinstance(value, BaseModel) and not isinstance(value, Uncertain):
                return _Traced(value, path, self._reads)  # a section: follow it down
            self._reads.add(path)
            return value
        if name == "model_copy":
            return self._copy
        self._reads.add(self._path)  # any other method or property sees the whole object
        return value

    def _copy(self, *, update: dict[str, Any] | None = None, deep: bool = False) -> _Traced:
        """`model_copy` that keeps recording: the copy's untouched fields are still ours."""
        update = dict(update or {})
        real = {k: v._target if isinstance(v, _Traced) else v for k, v in update.items()}
        replaced = dict(self._replaced or {})
        replaced.update(update)
        return _Traced(self._target.model_copy(update=real, deep=deep), self._path, self._reads,
                       replaced)

    def _whole(self) -> BaseModel:
        self._reads.add(self._path)
        return self._target

    def __eq__(self, other: object) -> bool:
        return self._whole() == (other._whole() if isinstance(other, _Traced) else other)

    def __hash__(self) -> int:
        return hash(self._whole())

    def __iter__(self) -> Iterator[Any]:
        return iter(self._whole())

    def __repr__(self) -> str:
        return repr(self._whole())


def _recorded(attribute: str) -> property:
    """A Context attribute derived from the scenario's accelerator; reading it is a read of
    `cluster.accelerator` (and of the accelerator blocks)."""

    def get(self: _TracedContext) -> Any:
        self._reads.update(("cluster.accelerator", "accelerators"))
        return self._derived[attribute]

    def put(self: _TracedContext, value: Any) -> None:
        self._derived[attribute] = value

    return property(get, put)


class _TracedContext(Context):
    """A Context that records which scenario fields an input node reads."""

    accelerator_name = _recorded("accelerator_name")
    custom_accelerator = _recorded("custom_accelerator")
    catalog_accelerator = _recorded("catalog_accelerator")
    _KNOWN = {"_derived", "_reads", "scenario", "catalog"}

    def __init__(self, scenario: Scenario, catalog: Catalog, reads: set[str]) -> None:
        self._derived: dict[str, Any] = {}
        self._reads: set[str] = set()  # Context.__init__'s own look-ups are not the node's
        super().__init__(scenario, catalog)
        self._reads = reads
        if set(vars(self)) - self._KNOWN:
            # Context grew an attribute this tracer does not know: assume it reads everything.
            reads.add(_WHOLE)
        self.scenario = _Traced(scenario, "", reads)  # type: ignore[assignment]


def traced_input(node: Node, ref: str | None, scenario: Scenario,
                 catalog: Catalog) -> tuple[Any, set[str]]:
    """An input node's value for `scenario` (None when unavailable) and the paths it read."""
    reads: set[str] = set()
    context = _TracedContext(scenario, catalog, reads)
    try:
        hit = node.compute(context, ref) if ref is not None else node.compute(context)
    except LookupError:
        hit = None
    return (hit.value if hit is not None else None), reads


class _Probe(float):
    """A swept number that notices being compared or converted (the identity test)."""

    def _seen(self) -> float:
        self.__dict__["inspected"] = True
        return float.__float__(self)

    def __eq__(self, other: object) -> bool:
        return self._seen() == other

    def __ne__(self, other: object) -> bool:
        return self._seen() != other

    def __lt__(self, other: Any) -> bool:
        return self._seen() < other

    def __le__(self, other: Any) -> bool:
        return self._seen() <= other

    def __gt__(self, other: Any) -> bool:
        return self._seen() > other

    def __ge__(self, other: Any) -> bool:
        return self._seen() >= other

    def __bool__(self) -> bool:
        return bool(self._seen())

    def __hash__(self) -> int:
        return hash(self._seen())

    def __int__(self) -> int:
        return int(self._seen())

    def __round__(self, digits: Any = None) -> Any:
        return round(self._seen(), digits)

    def __trunc__(self) -> int:
        return math.trunc(self._seen())

    def __floor__(self) -> int:
        return math.floor(self._seen())

    def __ceil__(self) -> int:
        return math.ceil(self._seen())

    def __format__(self, spec: str) -> str:
        return format(self._seen(), spec)


def with_field(scenario: Scenario, path: str, value: Any) -> Scenario:
    """`scenario` with one dotted field replaced (no validation: probes pass through)."""
    if "." not in path:
        return scenario.model_copy(update={path: value})
    section, _, name = path.partition(".")
    part = getattr(scenario, section).model_copy(update={name: value})
    return scenario.model_copy(update={section: part})


def _touches(read: str, path: str) -> bool:
    return read == path or path.startswith(read + ".") or read.startswith(path + ".")


def _same(a: Any, b: Any) -> bool:
    """Equal values (numbers by value, NaN equal to NaN; other values also by type)."""
    if a is b:
        return True
    numbers = (int, float, np.integer, np.floating)
    if isinstance(a, numbers) and isinstance(b, numbers) and not isinstance(a, (bool, np.bool_)) \
            and not isinstance(b, (bool, np.bool_)):
        return a == b or (math.isnan(a) and math.isnan(b))
    try:
        return bool(a == b) and type(a) is type(b)
    except Exception:  # noqa: BLE001
        return False


# ================================================================================== the plan
@dataclass
class _InputColumn:
    """How one input node's values are made for any set of variants."""

    kind: str  # constant | identity | table
    value: Any = None  # constant
    axes: tuple[int, ...] = ()  # identity (one axis) or table axes
    grid: Any = None  # ndarray over the axes' labels, or (codes ndarray, categories), or _Partial

    def column(self, indices: tuple[np.ndarray, ...]) -> Any:
        if self.kind == "constant":
            return self.value
        where = tuple(indices[a] for a in self.axes)
        if isinstance(self.grid, _Partial):
            return _Partial(self.grid.values[where], self.grid.missing[where])
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
    if values and all(v is None or (isinstance(v, (int, float)) and not isinstance(v, bool))
                      for v in values) and any(v is not None for v in values):
        numbers = np.asarray([math.nan if v is None else float(v) for v in values])
        missing = np.asarray([v is None for v in values])
        return _Partial(numbers.reshape(shape), missing.reshape(shape))
    codes, categories = factorize(values)
    return Categorical(codes.reshape(shape), tuple(categories))


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
        plain, _ = compute_values(first, catalog)
        for node, ref in expanded:
            if node.kind != "input":
                continue
            column, value = self._classify(node, ref, first)
            if not _same(value, plain[node.name]):
                # The recording view changed what the node computes: evaluate it untraced.
                self.notes.add(f"{node.name}: evaluated per variant (not traceable)")
                column = self._opaque_table(node, ref)
            self.columns[node.name] = column
        #: Per node, the axes (indices) its value can vary with: its inputs' axes, passed on.
        self.depends: dict[str, tuple[int, ...]] = {}
        for node in self.nodes:
            if node.kind == "input":
                axes = set(self.columns[node.name].axes)
            else:
                axes = set().union(*(self.depends[name] for name in node.inputs))
            self.depends[node.name] = tuple(sorted(axes))

    # ------------------------------------------------------------------------ variants
    def variant(self, indices: tuple[int, ...]) -> Scenario:
        """The variant at one label index per axis (cached: tables revisit the same few)."""
        scenario = self._variants.get(indices)
        if scenario is None:
            from scendsl.language.resolve import apply_sweep_point

            scenario = self._variants[indices] = apply_sweep_point(self.sweep, indices)
        return scenario

    def _axes_read(self, reads: set[str]) -> set[int]:
        if _WHOLE in reads:
            return set(range(len(self.paths)))
        return {i for i, path in enumerate(self.paths) if any(_touches(r, path) for r in reads)}

    # ------------------------------------------------------------------ classification
    def _classify(self, node: Node, ref: str | None, first: Scenario) -> tuple[_InputColumn, Any]:
        value, reads = traced_input(node, ref, first, self.catalog)
        axes = self._axes_read(reads)
        if not axes:
            return _InputColumn("constant", value=value), value
        identity = len(axes) == 1 and self._is_identity(node, ref, first, min(axes))
        if identity:
            numbers = [central(v) for v in self.sweep.axes[min(axes)].values]
            column = _InputColumn("identity", axes=(min(axes),),
                                  grid=_grid(numbers, (len(numbers),)))
        else:
            column = self._table(node, ref, axes)
        # The value for the first variant as the column gives it, for the caller's check.
        first_row = tuple(np.zeros(1, dtype=np.int64) for _ in self.shape)
        return column, _element(column.column(first_row), 0)

    def _is_identity(self, node: Node, ref: str | None, first: Scenario, axis: int) -> bool:
        """Whether the node returns the swept number as it is, without looking at it."""
        values = self.sweep.axes[axis].values
        if not all(isinstance(v, (int, float, Uncertain)) and not isinstance(v, bool)
                   for v in values):
            return False
        probe = _Probe(central(values[0]))
        scenario = with_field(first, self.paths[axis], probe)
        value, reads = traced_input(node, ref, scenario, self.catalog)
        return (value is probe and not probe.__dict__.get("inspected")
                and self._axes_read(reads) == {axis})

    def _table(self, node: Node, ref: str | None, axes: set[int]) -> _InputColumn:
        """The node evaluated for every combination of the axes it reads (more if it turns
        out to read more on another branch)."""
        axes = set(axes)
        while True:
            ordered = tuple(sorted(axes))
            values: list[Any] = []
            for combo in itertools.product(*(range(self.shape[a]) for a in ordered)):
                indices = [0] * len(self.shape)
                for axis, index in zip(ordered, combo):
                    indices[axis] = index
                value, reads = traced_input(node, ref, self.variant(tuple(indices)),
                                            self.catalog)
                extra = self._axes_read(reads) - axes
                if extra:
                    axes |= extra
                    break
                values.append(value)
            else:
                return self._table_column(node, ordered, values)

    def _table_column(self, node: Node, axes: tuple[int, ...], values: list[Any]) -> _InputColumn:
        shape = tuple(self.shape[a] for a in axes)
        size = math.prod(shape)
        if size > 10_000:
            self.notes.add(f"{node.name}: looked up for {size:,} combinations of "
                           + ", ".join(self.paths[a] for a in axes))
        return _InputColumn("table", axes=axes, grid=_grid(values, shape))

    def _opaque_table(self, node: Node, ref: str | None) -> _InputColumn:
        """Untraced evaluation over every variant: correct whatever the node does, and slow."""
        values: list[Any] = []
        for indices in itertools.product(*(range(n) for n in self.shape)):
            context = Context(self.variant(indices), self.catalog)
            try:
                hit = node.compute(context, ref) if ref is not None else node.compute(context)
            except LookupError:
                hit = None
            values.append(hit.value if hit is not None else None)
        return _InputColumn("table", axes=tuple(range(len(self.shape))),
                            grid=_grid(values, self.shape))

    # -------------------------------------------------------------------------- chunks
    def inputs(self, indices: tuple[np.ndarray, ...]) -> dict[str, Any]:
        """Every input node's values for the variants at `indices` (one array per axis)."""
        return {name: column.column(indices) for name, column in self.columns.items()}


# ============================================================================ the results
class VariantNames(Sequence[str]):
    """The variants' names (`Sweep.variant_name`), made on demand: a million strings would
    otherwise be built for nothing."""

    def __init__(self, table: SweepTable) -> None:
        self._table = table

    def __len__(self) -> int:
        return self._table.size

    def __getitem__(self, index):  # type: ignore[override]
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
    stored on those axes only and spread over the variants when read.
    """

    sweep: Sweep
    size: int
    units: dict[str, str]
    kinds: dict[str, str]
    depends: dict[str, tuple[str, ...]]
    notes: tuple[str, ...]
    _numbers: dict[str, _Stored] = field(repr=False)
    _codes: dict[str, _Stored] = field(repr=False)
    _categories: dict[str, tuple[Any, ...]] = field(repr=False)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(len(axis.labels) for axis in self.sweep.axes)

    @property
    def numbers(self) -> Mapping[str, np.ndarray]:
        return _Columns(self._numbers)

    @property
    def categories(self) -> dict[str, Categorical]:
        return {name: Categorical(stored.expand(), self._categories[name])
                for name, stored in self._codes.items()}

    @property
    def names(self) -> VariantNames:
        return VariantNames(self)

    def labels(self, index: int) -> tuple[str, ...]:
        """The label of each axis for variant `index`."""
        position = np.unravel_index(index, self.shape)
        return tuple(axis.labels[int(i)] for axis, i in zip(self.sweep.axes, position))

    def name(self, index: int) -> str:
        return self.sweep.variant_name(self.labels(index))

    def axis_values(self, path: str) -> np.ndarray:
        """The value of axis `path` for every variant (numbers as numbers, else labels)."""
        position = next(i for i, axis in enumerate(self.sweep.axes) if axis.path == path)
        axis = self.sweep.axes[position]
        if all(isinstance(v, (int, float, Uncertain)) and not isinstance(v, bool)
               for v in axis.values):
            table = np.asarray([central(v) for v in axis.values])
        else:
            table = np.asarray(axis.labels, dtype=object)
        spread = [len(table) if i == position else 1 for i in range(len(self.shape))]
        return np.broadcast_to(table.reshape(spread), self.shape).reshape(self.size)

    def value(self, name: str, index: int) -> Any:
        """One node's value for one variant, as `evaluate` gives it (None when n/a)."""
        if name in self._numbers:
            number = float(self._numbers[name].at(index))
            return None if math.isnan(number) else number
        return self._categories[name][int(self._codes[name].at(index))]

    def summary(self) -> dict[str, dict[str, float | None]]:
        """Per number node: min, P5, P50, P95, max and mean over the variants (n/a ignored)."""
        out: dict[str, dict[str, float | None]] = {}
        for name, stored in self._numbers.items():
            if not stored.axes:
                stats = [float(stored.grid[()])] * 6
            else:
                values = stored.expand()
                finite = values[~np.isnan(values)]
                if finite.size == 0:
                    stats = [math.nan] * 6
                else:
                    with np.errstate(invalid="ignore"):  # inf − inf between infinite values
                        p5, p50, p95 = np.percentile(finite, [5, 50, 95])
                    stats = [float(finite.min()), float(p5), float(p50), float(p95),
                             float(finite.max()), float(finite.mean())]
            out[name] = {key: (None if math.isnan(v) else v) for key, v in
                         zip(("min", "p5", "p50", "p95", "max", "mean"), stats)}
        return out


def evaluate_sweep(sweep: Sweep, catalog: Catalog | None = None, chunk: int = DEFAULT_CHUNK, *,
                   nodes: Sequence[str] | None = None, show_progress: bool = True) -> SweepTable:
    """Every variant of `sweep`, evaluated vectorised, chunk by chunk.

    `nodes` restricts the kept columns (all number, text and flag nodes by default); every node
    is still computed. The result equals `evaluate` on each variant (n/a numbers are NaN).
    """
    catalog = catalog or load_catalog()
    plan = SweepPlan(sweep, catalog)
    size, shape, chunk = sweep.size, plan.shape, max(1, chunk)
    wanted = set(nodes) if nodes is not None else None
    keep = [node for node in plan.nodes if wanted is None or node.name in wanted]
    numbers = {n.name: _Stored(shape, plan.depends[n.name], float)
               for n in keep if n.value_type == "number"}
    codes = {n.name: _Stored(shape, plan.depends[n.name], np.int64)
             for n in keep if n.value_type in ("text", "bool")}
    seen: dict[str, dict[Any, int]] = {name: {} for name in codes}
    categories: dict[str, list[Any]] = {name: [] for name in codes}
    notes: set[str] = set()
    ticker_context = progress(size, f"sweep {sweep.name}") if show_progress else (
        contextlib.nullcontext(_Ticker()))
    with ticker_context as ticker:
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
                    key = _hashable(category)
                    if key not in seen[name]:
                        seen[name][key] = len(categories[name])
                        categories[name].append(category)
                    mapping.append(seen[name][key])
                stored.add(indices, np.asarray(mapping, dtype=np.int64)[local.codes])
            ticker.advance(stop - start)
    all_notes = sorted(plan.notes) + [f"{name}: not vectorised (evaluated per distinct input)"
                                      for name in sorted(notes)]
    node_by_name = {node.name: node for node in plan.nodes}
    kept = (*numbers, *codes)
    return SweepTable(
        sweep=sweep, size=size,
        units={name: node_by_name[name].unit for name in kept},
        kinds={name: node_by_name[name].kind for name in kept},
        depends={name: tuple(plan.paths[a] for a in plan.depends[name]) for name in kept},
        notes=tuple(all_notes), _numbers=numbers, _codes=codes,
        _categories={name: tuple(values) for name, values in categories.items()})


# ============================================================================== export
def _json_number(value: float) -> float | None:
    return None if math.isnan(value) or math.isinf(value) else value


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def iter_records(table: SweepTable, block: int = 10_000) -> Iterator[dict[str, Any]]:
    """Each variant as a plain dict: name, axis labels (`point`) and every kept node's value
    (numbers in SI base units, n/a as None), read block by block."""
    paths = [axis.path for axis in table.sweep.axes]
    for start in range(0, table.size, block):
        stop = min(table.size, start + block)
        numbers = {name: stored.rows(start, stop).tolist()
                   for name, stored in table._numbers.items()}
        texts = {name: [table._categories[name][c] for c in stored.rows(start, stop).tolist()]
                 for name, stored in table._codes.items()}
        for offset, index in enumerate(range(start, stop)):
            values: dict[str, Any] = {name: _json_number(column[offset])
                                      for name, column in numbers.items()}
            values.update((name, _plain(column[offset])) for name, column in texts.items())
            yield {"name": table.name(index), "point": dict(zip(paths, table.labels(index))),
                   "values": values}


def iter_json(table: SweepTable, lines: bool = False) -> Iterator[str]:
    """The table as JSON text, one variant object at a time (streams a million variants).

    Concatenated, the pieces form one JSON array; with `lines=True` each piece is one line of
    JSON Lines instead. Numbers are SI base units (`table.units`); n/a is null.
    """
    if not lines:
        yield "["
    for index, item in enumerate(iter_records(table)):
        text = json.dumps(item, ensure_ascii=False)
        if lines:
            yield text + "\n"
        else:
            yield ("\n  " if index == 0 else ",\n  ") + text
    if not lines:
        yield "\n]\n"


def to_csv(table: SweepTable, stream: IO[str]) -> None:
    """The table as CSV: variant name, one column per axis (labels), then every kept node.

    Numbers are written in SI base units at full precision (repr); n/a is an empty field; flags
    are `true`/`false`.
    """
    writer = csv.writer(stream, lineterminator="\n")
    paths = [axis.path for axis in table.sweep.axes]
    writer.writerow(["variant", *paths, *table._numbers, *table._codes])
    for item in iter_records(table):
        cells = [item["name"], *(item["point"][p] for p in paths)]
        cells.extend(_cell(value) for value in item["values"].values())
        writer.writerow(cells)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)
