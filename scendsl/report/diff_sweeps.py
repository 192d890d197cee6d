"""Sweeps in `scendsl diff`: variants matched by their axis values, not by position.

A sweep is compared as a whole: the variants only one side has are added or removed (matched by
the resolved value of each axis, so `100k` and `100000` are one variant), and for the variants
both sides have, every metric that moved is summarised once — in how many variants, by how
much at least and at most, and the variant where it moved most — rather than listed per variant,
which would bury a reviewer under a thousand identical lines.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from scendsl.model.registry import REGISTRY
from scendsl.report.numbers import figure_text, format_value, sig
from scendsl.wording import counted

#: Beyond this many moved variants of one metric, "the displayed value moved" is judged by the
#: relative change (3 significant figures shown) instead of formatting every value.
FORMAT_CHECK_LIMIT = 20_000
#: How many added or removed variant names are named before "and N more".
NAMES_SHOWN = 8


class _AxisLike(Protocol):
    @property
    def path(self) -> str: ...
    @property
    def values(self) -> Sequence[Any]: ...
    @property
    def labels(self) -> Sequence[str]: ...


class _SweepLike(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def base(self) -> str: ...
    @property
    def axes(self) -> Sequence[_AxisLike]: ...


class _ColumnLike(Protocol):
    def value(self, index: int) -> Any: ...


class TableLike(Protocol):
    """What the diff reads of a sweep's table: a SweepTable evaluated here, or one read from
    the JSON of `scendsl eval --format json --sweeps` (scendsl.report.diff_json)."""

    @property
    def sweep(self) -> _SweepLike: ...
    @property
    def size(self) -> int: ...
    @property
    def numbers(self) -> Mapping[str, np.ndarray]: ...
    @property
    def categories(self) -> Mapping[str, _ColumnLike]: ...
    @property
    def key_labels(self) -> Mapping[str, Mapping[str, str]]: ...
    def name(self, index: int) -> str: ...


@dataclass(frozen=True)
class VariantMove:
    """One metric that moved in variants both sides have."""

    name: str
    kind: str  # input | metric
    dimension: str
    value_type: str
    importance: int
    moved: int  # variants whose shown value moved
    compared: int  # variants both sides have
    smallest: float | None  # relative change (new − old)/|old|, None for text and flags
    largest: float | None
    example: str  # the variant where it moved most
    old: Any
    new: Any
    #: What a reader calls each side's value when it is a key (a reference's title).
    old_label: str | None = None
    new_label: str | None = None

    def old_text(self) -> str:
        return figure_text(self.old, self.dimension, self.value_type, label=self.old_label)

    def new_text(self) -> str:
        return figure_text(self.new, self.dimension, self.value_type, label=self.new_label)

    def range_text(self) -> str:
        """`+3.1% … +3.4%`, or one figure when every variant moved alike."""
        if self.smallest is None or self.largest is None:
            return ""
        low, high = percent_change(self.smallest), percent_change(self.largest)
        return low if low == high else f"{low} … {high}"

    def text(self) -> str:
        """`energy.facility_power: 12 of 12 variants, +50% (largest: NAME 224 MW → 336 MW)`."""
        spread = self.range_text()
        return (
            f"{self.kind:<6} {self.name}: {self.moved} of {self.compared} variants"
            + (f", {spread}" if spread else "")
            + f" (largest: {self.example} {self.old_text()} → {self.new_text()})"
        )


@dataclass
class SweepDiff:
    """What changed in one sweep between the two versions."""

    name: str
    status: str  # "+", "-", "~"
    base: str
    old_axes: tuple[str, ...]
    new_axes: tuple[str, ...]
    old_size: int
    new_size: int
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    moves: list[VariantMove] = field(default_factory=list)
    #: Moves left out because the shown value did not change (`--all` keeps them).
    hidden: int = 0

    @property
    def compared(self) -> int:
        return max((m.compared for m in self.moves), default=0)

    def summary(self) -> str:
        """`12 → 16 variants (axes year, cluster.count): 4 added`."""
        axes = ", ".join(self.new_axes or self.old_axes)
        if self.old_axes and self.new_axes and self.old_axes != self.new_axes:
            axes = f"{', '.join(self.old_axes)} → {', '.join(self.new_axes)}"
        bits = [f"{self.old_size} → {self.new_size} variants (axes {axes})"]
        if self.added:
            bits.append(f"{len(self.added)} added")
        if self.removed:
            bits.append(f"{len(self.removed)} removed")
        if self.moves:
            bits.append(f"{counted(len(self.moves), 'figure')} moved")
        return ": ".join([bits[0], ", ".join(bits[1:])]) if len(bits) > 1 else bits[0]

    def names_text(self, names: list[str]) -> str:
        shown = ", ".join(names[:NAMES_SHOWN])
        more = len(names) - NAMES_SHOWN
        return shown + (f", and {more} more" if more > 0 else "")


#: What is known of a node: kind (input | metric), dimension, value type, importance.
NodeInfo = tuple[str, str, str, int]


def diff_sweeps(
    old: list[TableLike],
    new: list[TableLike],
    threshold: float = 0.0,
    show_all: bool = False,
    nodes: Mapping[str, NodeInfo] | None = None,
) -> list[SweepDiff]:
    """Compare the sweeps of two versions by name; unchanged sweeps are left out.

    `nodes` describes the nodes the registry names only by pattern (a reference's figures),
    as the plain scenarios' results know them."""
    info = _NodeLookup(nodes or {})
    old_by_name = {t.sweep.name: t for t in old}
    new_by_name = {t.sweep.name: t for t in new}
    out: list[SweepDiff] = []
    for name in list(old_by_name) + [n for n in new_by_name if n not in old_by_name]:
        before, after = old_by_name.get(name), new_by_name.get(name)
        if before is None or after is None:
            table = after or before
            assert table is not None  # the name comes from one of the two
            axes = _axes(table)
            out.append(
                SweepDiff(
                    name,
                    "+" if before is None else "-",
                    table.sweep.base,
                    () if before is None else axes,
                    axes if before is None else (),
                    0 if before is None else table.size,
                    table.size if before is None else 0,
                )
            )
            continue
        entry = _compare(before, after, threshold, show_all, info)
        if entry.added or entry.removed or entry.moves or entry.old_axes != entry.new_axes:
            out.append(entry)
    return out


def _axes(table: TableLike) -> tuple[str, ...]:
    return tuple(axis.path for axis in table.sweep.axes)


def _axis_key(value: object, label: str) -> object:
    """What identifies a variant's place on an axis: its resolved value, so that `100k` and
    `100000` match; ranges and text by their label."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
        return float(f"{number:.12g}") if math.isfinite(number) else label
    return label


def _keys(table: TableLike) -> dict[tuple[object, ...], int]:
    """Each variant's axis values → its index (variants in `Sweep.variants()` order)."""
    per_axis = [
        [_axis_key(v, label) for v, label in zip(axis.values, axis.labels, strict=True)]
        for axis in table.sweep.axes
    ]
    # itertools.product runs the last axis fastest, as the variants are numbered.
    return {key: index for index, key in enumerate(itertools.product(*per_axis))}


def _compare(
    before: TableLike, after: TableLike, threshold: float, show_all: bool, info: _NodeLookup
) -> SweepDiff:
    entry = SweepDiff(
        after.sweep.name,
        "~",
        after.sweep.base,
        _axes(before),
        _axes(after),
        before.size,
        after.size,
    )
    if entry.old_axes != entry.new_axes:
        # Different axes: no variant is the same variant on both sides.
        entry.removed = [before.name(i) for i in range(before.size)]
        entry.added = [after.name(i) for i in range(after.size)]
        return entry
    old_keys, new_keys = _keys(before), _keys(after)
    entry.removed = [before.name(i) for k, i in old_keys.items() if k not in new_keys]
    entry.added = [after.name(i) for k, i in new_keys.items() if k not in old_keys]
    common = [k for k in new_keys if k in old_keys]
    if not common:
        return entry
    old_index = np.fromiter((old_keys[k] for k in common), dtype=np.int64, count=len(common))
    new_index = np.fromiter((new_keys[k] for k in common), dtype=np.int64, count=len(common))
    old_numbers, new_numbers = before.numbers, after.numbers
    for name in new_numbers:
        if name not in old_numbers:
            continue
        move, hidden = _number_move(
            info(name),
            name,
            np.asarray(old_numbers[name])[old_index],
            np.asarray(new_numbers[name])[new_index],
            after,
            new_index,
            threshold,
            show_all,
        )
        entry.hidden += hidden
        if move is not None:
            entry.moves.append(move)
    old_categories, new_categories = before.categories, after.categories
    for name, column in new_categories.items():
        if name not in old_categories:
            continue
        move = _category_move(
            info(name), name, old_categories[name], column, old_index, new_index, before, after
        )
        if move is not None:
            entry.moves.append(move)
    entry.moves.sort(
        key=lambda m: (
            m.kind != "input",
            -m.importance,
            -(abs(m.largest) if m.largest is not None else math.inf),
        )
    )
    return entry


class _NodeLookup:
    """A node's kind, dimension, value type and importance: from the registry, else from the
    results (names made per reference), else a plain number."""

    def __init__(self, known: Mapping[str, NodeInfo]) -> None:
        self._known = known

    def __call__(self, name: str) -> NodeInfo:
        node = REGISTRY.nodes.get(name)
        if node is not None:
            return node.kind, node.dimension, node.value_type, node.importance
        return self._known.get(name, ("metric", "number", "number", 0))


def _number_move(
    info: NodeInfo,
    name: str,
    old: np.ndarray,
    new: np.ndarray,
    after: TableLike,
    new_index: np.ndarray,
    threshold: float,
    show_all: bool,
) -> tuple[VariantMove | None, int]:
    """The summary of one number node over the common variants, and how many moves it hid."""
    both_nan = np.isnan(old) & np.isnan(new)
    close = np.isclose(old, new, rtol=1e-9, atol=0.0)
    moved = ~(both_nan | close)
    if not moved.any():
        return None, 0
    kind, dimension, value_type, importance = info
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = np.where(old != 0, (new - old) / np.abs(old), np.nan)
    shown = moved.copy()
    if not show_all:
        positions = np.flatnonzero(moved)
        if len(positions) <= FORMAT_CHECK_LIMIT:
            for p in positions:
                if format_value(float(old[p]), dimension, value_type) == format_value(
                    float(new[p]), dimension, value_type
                ):
                    shown[p] = False
        else:
            shown &= ~(np.abs(relative) < 1e-3)
    if threshold:
        shown &= ~(np.abs(relative) * 100 < threshold)
    hidden = int(moved.sum() - shown.sum())
    if not shown.any():
        return None, hidden
    finite = relative[shown & np.isfinite(relative)]
    magnitude = np.where(shown, np.nan_to_num(np.abs(relative), nan=np.inf), -1.0)
    top = int(np.argmax(magnitude))
    return (
        VariantMove(
            name,
            kind,
            dimension,
            value_type,
            importance,
            int(shown.sum()),
            len(old),
            float(finite.min()) if finite.size else None,
            float(finite.max()) if finite.size else None,
            after.name(int(new_index[top])),
            _none_if_nan(old[top]),
            _none_if_nan(new[top]),
        ),
        hidden,
    )


def _category_move(
    info: NodeInfo,
    name: str,
    old_column: Any,
    new_column: Any,
    old_index: np.ndarray,
    new_index: np.ndarray,
    before: TableLike,
    after: TableLike,
) -> VariantMove | None:
    old_values = [old_column.value(int(i)) for i in old_index]
    new_values = [new_column.value(int(i)) for i in new_index]
    changed = [p for p, (a, b) in enumerate(zip(old_values, new_values, strict=True)) if a != b]
    if not changed:
        return None
    kind, dimension, value_type, importance = info
    first = changed[0]
    return VariantMove(
        name,
        kind,
        dimension,
        value_type,
        importance,
        len(changed),
        len(old_values),
        None,
        None,
        after.name(int(new_index[first])),
        old_values[first],
        new_values[first],
        _key_label(before, name, old_values[first]),
        _key_label(after, name, new_values[first]),
    )


def _key_label(table: TableLike, name: str, value: Any) -> str | None:
    """What a reader calls `value` of figure `name` when it is a key (a reference's title)."""
    return table.key_labels.get(name, {}).get(value) if isinstance(value, str) else None


def _none_if_nan(value: Any) -> float | None:
    number = float(value)
    return None if math.isnan(number) else number


def percent_change(relative: float) -> str:
    """A relative change as the diff's headlines write it: `+50%`, `−3.1%`."""
    sign = "+" if relative >= 0 else "−"
    return f"{sign}{sig(abs(relative) * 100, 2)}%"
