"""The vector engine shared by sweeps and Monte Carlo: many rows through every metric at once.

The registry's formulas run element-wise, so a column per input (a numpy array, a `Categorical`
of categories, or a `Partial` number column with n/a rows) goes through each metric in one call.
Categories and "n/a" split the rows into frames inside which they are constants (rows that share
an accelerator, a region, a framework ...), so formulas that use a category as a plain Python
value still receive a string. Flags and categories that metrics compute from varying numbers
(value types "bool" and "text" may use plain Python) are evaluated once per distinct combination
of their inputs. A number formula that fails on arrays is evaluated the same way and its name
reported, so the result stays right while the lead can see what to vectorise.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from scendsl.model.registry import Node
from scendsl.model.scalar import ieee


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
class Partial:
    """A number column that is n/a on some rows (`missing`); those rows hold NaN."""

    values: np.ndarray
    missing: np.ndarray

    def take(self, mask: np.ndarray) -> Partial:
        return Partial(self.values[mask], self.missing[mask])


def _is_column(value: Any) -> bool:
    """Whether `value` differs from row to row (else it is one value for every row)."""
    if isinstance(value, np.ndarray):
        return value.ndim == 1
    if isinstance(value, (Categorical, Partial)):
        return True
    if isinstance(value, dict):
        return any(_is_column(v) for v in value.values())
    return False


def _take(value: Any, mask: np.ndarray) -> Any:
    if isinstance(value, np.ndarray) and value.ndim == 1:
        return value[mask]
    if isinstance(value, (Categorical, Partial)):
        return value.take(mask)
    if isinstance(value, dict) and _is_column(value):
        return {k: _take(v, mask) for k, v in value.items()}
    return value


def element(value: Any, row: int) -> Any:
    """Row `row` of a column as a plain Python value (what one-by-one evaluation sees)."""
    if isinstance(value, np.ndarray) and value.ndim == 1:
        item = value[row]
        return item.item() if isinstance(item, np.generic) else item
    if isinstance(value, Categorical):
        return value.value(row)
    if isinstance(value, Partial):
        return None if value.missing[row] else float(value.values[row])
    if isinstance(value, dict) and _is_column(value):
        return {k: element(v, row) for k, v in value.items()}
    return value


def hashable(value: Any) -> Any:
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
        key = hashable(value)
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
    if isinstance(value, Partial):
        return [
            np.unique(value.values, return_inverse=True)[1].reshape(-1),
            value.missing.astype(np.int64),
        ]
    if isinstance(value, dict):
        return [c for v in value.values() for c in _codes_of(v)]
    return []


#: Combinations of up to this many possible keys (or four per row) are counted in a table of
#: every key, without a sort: a sweep of a million variants asks this a hundred times.
_TABLE_KEYS = 1 << 22


def distinct_rows(columns: list[np.ndarray], size: int) -> tuple[np.ndarray, np.ndarray]:
    """(code of each row, first row of each code) over the combination of `columns`, columns
    of non-negative integers (codes, flags, indices); codes are numbered in the order of the
    rows' values, first column first."""
    if not columns:
        return np.zeros(size, dtype=np.int64), np.zeros(1 if size else 0, dtype=np.int64)
    radices = [int(column.max()) + 1 if size else 1 for column in columns]
    keys = math.prod(radices)
    if keys >= 1 << 62:
        return _distinct_rows_renumbered(columns)
    key = np.zeros(size, dtype=np.int64)
    for column, radix in zip(columns, radices, strict=True):
        key = key * radix + column  # one number per row, in the order of its values
    if keys <= max(_TABLE_KEYS, 4 * size):
        first = np.full(keys, size, dtype=np.int64)
        np.minimum.at(first, key, np.arange(size, dtype=np.int64))
        present = first < size
        return (np.cumsum(present) - 1)[key], first[present]
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    return inverse.reshape(-1), first


def _distinct_rows_renumbered(columns: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """`distinct_rows` for columns whose combined key would not fit an int64: renumbered
    0..k-1 after each column, so products stay small."""
    key = np.asarray(columns[0], dtype=np.int64)
    for column in columns[1:]:
        _, key = np.unique(key, return_inverse=True)
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
        return Partial(values[codes], missing[codes])
    if node.value_type == "bool" and all(isinstance(r, (bool, np.bool_)) for r in results):
        return np.asarray(results, dtype=bool)[codes]
    category_codes, categories = factorize(results)
    return Categorical(category_codes[codes], tuple(categories))


def _per_distinct(node: Node, args: list[Any], size: int) -> Any:
    """Evaluate `node` once per distinct combination of its varying inputs (plain Python)."""
    columns = [c for arg in args for c in _codes_of(arg)]
    codes, firsts = distinct_rows(columns, size)
    results = [_compute(node, [element(arg, int(row)) for arg in args]) for row in firsts]
    return _pack(node, results, codes)


def _compute(node: Node, args: list[Any]) -> Any:
    """`node` on plain values, as one-by-one evaluation computes it (a division by zero gives
    numpy's inf or NaN: scalar.ieee)."""
    try:
        return node.compute(*args)
    except ArithmeticError:
        return ieee(node.compute, args)


_FAILED = object()


def _vectorised(node: Node, args: list[Any], size: int) -> Any:
    """`node` computed on whole columns, or _FAILED when the formula is not array-safe."""
    try:
        result = node.compute(*args)
    except Exception:  # any failure means: evaluate per distinct row instead
        return _FAILED
    if result is None:
        # n/a on every row: a formula decides n/a from which of its inputs are n/a, and a frame
        # holds that the same on all its rows (a sweep without a workload has no training time
        # on any variant, and asked it of each distinct variant, hundreds of thousands).
        return _pack(node, [None], np.zeros(size, dtype=np.int64))
    return result if _array_result(node.value_type, result, size) else _FAILED


def _array_result(value_type: str, result: Any, size: int) -> bool:
    if isinstance(result, Categorical):
        return len(result) == size
    if value_type == "bool":  # a scalar here would mean Python logic swallowed the array
        return isinstance(result, np.ndarray) and result.dtype == bool and result.shape == (size,)
    if value_type == "breakdown":
        return isinstance(result, dict) and all(
            _array_result("number", v, size) for v in result.values()
        )
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
    if isinstance(value, Partial):
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


def run_frames(
    nodes: Sequence[Node], inputs: dict[str, Any], size: int, notes: set[str] | None = None
) -> list[Frame]:
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


def _run(
    nodes: list[Node],
    start: int,
    values: dict[str, Any],
    rows: np.ndarray | None,
    size: int,
    used: set[str],
    frames: list[Frame],
    notes: set[str],
) -> None:
    for position in range(start, len(nodes)):
        node = nodes[position]
        if node.kind == "metric":
            args = [values[name] for name in node.inputs]
            if node.lacks_input(args):
                values[node.name] = None
                continue
            if not any(_is_column(arg) for arg in args):
                values[node.name] = _compute(node, args)
                continue
            result = _FAILED
            # Text formulas may format numbers: never arrays. A rating's formula rates columns.
            if node.value_type != "text" or node.ordered:
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
        if isinstance(value, Partial):
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
        key = hashable(value)
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
