"""Which scenario fields an input node reads: a recording view of the scenario and its context.

`traced_input` evaluates an input node against a `_Traced` view that notes every dotted path
read through it (and a Context whose accelerator look-ups count as reads of
`cluster.accelerator`). `Probe` is a swept number that notices being looked at: an input that
returns it untouched passes the axis values on unchanged. Sweeps use both to classify their
input nodes (scendsl/model/sweep.py); Monte Carlo uses the reads to list the inputs it holds
fixed.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any, ClassVar

import numpy as np
from pydantic import BaseModel

from scendsl.catalog import Catalog
from scendsl.model.context import Context, Found
from scendsl.model.evaluate import call_input, layout_memory
from scendsl.model.layout import Layout, choose
from scendsl.model.registry import Node
from scendsl.scenario import Scenario, Uncertain

WHOLE = ""  # a read of the whole scenario: every swept field
#: Among an input's reads: it asked for the chosen parallel layout (scendsl.model.layout).
LAYOUT = "<layout>"
#: `traced_input`'s default: the layout is the node's to choose, as in `evaluate`.
_FREE = object()


class _Traced:
    """A read-only view of a pydantic model that records the dotted paths read through it."""

    __slots__ = ("_path", "_reads", "_replaced", "_target")

    def __init__(
        self, target: BaseModel, path: str, reads: set[str], replaced: dict[str, Any] | None = None
    ) -> None:
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
        return _Traced(
            self._target.model_copy(update=real, deep=deep), self._path, self._reads, replaced
        )

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

    shares_found = False  # every look-up is made, so that its reads are recorded
    accelerator_name = _recorded("accelerator_name")
    custom_accelerator = _recorded("custom_accelerator")
    catalog_accelerator = _recorded("catalog_accelerator")
    # `conversions` is a memo of the evaluation's, not a read of the scenario; so is `memo`,
    # which starts empty in each traced context (one per node): what fills it is recorded.
    _KNOWN: ClassVar[set[str]] = {
        "_derived",
        "_reads",
        "scenario",
        "catalog",
        "conversions",
        "memo",
    }

    def __init__(self, scenario: Scenario, catalog: Catalog, reads: set[str]) -> None:
        self._derived: dict[str, Any] = {}
        self._reads: set[str] = set()  # Context.__init__'s own look-ups are not the node's
        super().__init__(scenario, catalog)
        self._reads = reads
        if set(vars(self)) - self._KNOWN:
            # Context grew an attribute this tracer does not know: assume it reads everything.
            reads.add(WHOLE)
        self.scenario = _Traced(scenario, "", reads)  # type: ignore[assignment]

    def written(self, path: str) -> bool:
        # Presence only: a range's samples never unset a field, so this is not a read of it.
        before = set(self._reads)
        try:
            return super().written(path)
        finally:
            self._reads.intersection_update(before)

    def chosen_layout(self) -> Layout | None:
        if "_layout" in vars(self):  # given (a sweep's variants): a read of the layout
            self._reads.add(LAYOUT)
            return self._layout
        # Chosen here, it follows everything the memory depends on: a read of the whole.
        self._reads.add(WHOLE)
        return choose(self.scenario._target, self.catalog, layout_memory)  # type: ignore[attr-defined]


def traced_input(
    node: Node, ref: str | None, scenario: Scenario, catalog: Catalog, layout: Any = _FREE
) -> tuple[Any, set[str]]:
    """An input node's value for `scenario` (None when unavailable) and the paths it read.

    With `layout` (a Layout, or None for the written degrees) the node sees that layout as
    the chosen one, and a node that asks for it has `LAYOUT` among its reads.
    """
    hit, reads = traced_found(node, ref, scenario, catalog, layout)
    return (hit.value if hit is not None else None), reads


def traced_found(
    node: Node, ref: str | None, scenario: Scenario, catalog: Catalog, layout: Any = _FREE
) -> tuple[Found | None, set[str]]:
    """As `traced_input`, with the whole look-up (its `written` amount, its origin) rather
    than the value alone: None when unavailable."""
    reads: set[str] = set()
    context = _TracedContext(scenario, catalog, reads)
    if layout is not _FREE:
        context.with_layout(layout)
    return call_input(node, ref, context), reads


class Probe(float):
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


def touches(read: str, path: str) -> bool:
    return read == path or path.startswith(read + ".") or read.startswith(path + ".")


def same(a: Any, b: Any) -> bool:
    """Equal values (numbers by value, NaN equal to NaN; other values also by type)."""
    if a is b:
        return True
    numbers = (int, float, np.integer, np.floating)
    if (
        isinstance(a, numbers)
        and isinstance(b, numbers)
        and not isinstance(a, (bool, np.bool_))
        and not isinstance(b, (bool, np.bool_))
    ):
        return a == b or (math.isnan(a) and math.isnan(b))
    try:
        return bool(a == b) and type(a) is type(b)
    except Exception:
        return False
