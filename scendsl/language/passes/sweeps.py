"""Pass 5, sweeps: `sweep NAME from SCENARIO` blocks and their axes, under one variant cap."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from scendsl.errors import Span
from scendsl.language import fields as F
from scendsl.language.layout import (
    DIVISORS,
    EXCLUSIONS,
    LAYOUT_PATHS,
    PER_STAGE,
    RELATIONS,
    REQUIREMENTS,
    SPLITS,
    check_layout,
    check_relations,
    splits_unevenly,
)
from scendsl.language.passes.state import Definition, ResolverState
from scendsl.language.syntax import Atom, Statement
from scendsl.language.units import parse_number
from scendsl.language.values import CITE, ValueReader, cite_index, join_atoms, split_commas
from scendsl.scenario import Scenario, Sweep, SweepAxis, central
from scendsl.suggest import quoted, suggest


class SweepsPass(ValueReader, ResolverState):
    """Builds each sweep's axes from its base scenario; all sweeps share `max_variants`."""

    def build_sweep(self, definition: Definition, scenarios: dict[str, Scenario]) -> Sweep | None:
        statement = definition.statement
        values = statement.values
        if len(values) != 3 or values[1].text != "from" or values[2].kind != "word":
            self.sink.error(
                "a sweep header is 'sweep NAME from SCENARIO'",
                join_atoms(values[1:]) if len(values) > 1 else values[0].span,
            )
            return None
        base_name = values[2].text
        base_definition = self.definitions.get(base_name)
        if base_definition is None or base_definition.kind != "scenario":
            self.sink.error(
                f"sweep '{definition.name}' starts from {quoted(base_name)}, which is not a "
                "defined scenario",
                values[2].span,
                suggest(
                    base_name, [d.name for d in self.definitions.values() if d.kind == "scenario"]
                ),
            )
            return None
        base = scenarios.get(base_name)
        errors_before = len(self.sink.diagnostics)
        axes: list[SweepAxis] = []
        spans: dict[str, Span] = {}
        size = 1
        for item in statement.body or []:
            spec = F.scenario_field(item.key)
            if spec is None or item.body is not None:
                self.sink.error(
                    f"unknown field {quoted(item.key)}",
                    item.key_span,
                    F.parallel_degree_hint(item.key) or suggest(item.key, F.all_scenario_paths()),
                )
                continue
            if any(axis.path == item.key for axis in axes):
                self.sink.error(f"{quoted(item.key)} is swept twice", item.key_span)
                continue
            axis = self._axis(item, spec, size)
            if axis is None:
                continue
            size *= len(axis.labels)
            if size > self.max_variants:
                self.sink.error(
                    f"sweep '{definition.name}' has more than {self.max_variants:,} variants",
                    item.span,
                    "sweep fewer values, or raise the limit with --max-variants",
                )
                return None
            if size + self.total_variants > self.max_variants:
                self._too_many_in_all(definition.name, item.span)
                return None
            axes.append(axis)
            spans[axis.path] = item.span
        if not axes and len(self.sink.diagnostics) == errors_before:
            self.sink.error(
                f"sweep '{definition.name}' sweeps nothing",
                values[0].span,
                "add a line such as 'year 2025 .. 2028'",
            )
        if len(self.sink.diagnostics) > errors_before or base is None:
            return None
        base = _replaced_by_axes(base, axes)
        if not self._layouts_fit(definition.name, base, axes, spans):
            return None
        self.total_variants += size
        return Sweep.model_construct(
            name=definition.name,
            base=base_name,
            axes=tuple(axes),
            span=values[0].span,
            template=base,
        )

    def _layouts_fit(
        self, name: str, base: Scenario, axes: list[SweepAxis], spans: dict[str, Span]
    ) -> bool:
        """Every variant's layout must fit its cluster, as a scenario's own must, and no
        variant may set a field above the field it may not exceed. Every variant is covered
        without making the product: only the smallest cluster can be too small, and a
        sequence length that some context degree does not divide is found from the lengths'
        greatest common divisor, and a count of experts or attention heads that the layout's
        expert or tensor degree does not divide likewise. The first misfit is reported at the
        sweep's line."""
        if not self._relations_hold(name, base, axes, spans):
            return False
        swept = [axis for axis in axes if axis.path in LAYOUT_PATHS]
        if not swept:
            return True
        choices: dict[str, list[tuple[str | None, object]]] = {
            "cluster.count": [(None, base.cluster.count)],
            "workload.parallelism": [(None, base.workload.parallelism)],
            "workload.sequence_length": [(None, base.workload.sequence_length)],
            "workload.layers": [(None, base.workload.layers)],
            **{
                path: [(None, getattr(base.workload, path.partition(".")[2]))]
                for _, path, _, _ in SPLITS
            },
            **{
                path: [(None, getattr(base.workload, path.partition(".")[2]))] for path in PER_STAGE
            },
        }
        for axis in swept:
            pairs: list[tuple[str | None, object]] = list(
                zip(axis.labels, axis.values, strict=True)
            )
            if axis.path in ("cluster.count", "workload.layers"):
                pairs = [pairs[_smallest(axis.values)]]  # only the smallest can be too small
            if axis.path in PER_STAGE:
                pairs = [pairs[_largest(axis.values)]]  # only the largest can be too large
            choices[axis.path] = pairs
        lengths = [_whole(v) for _, v in choices["workload.sequence_length"]]
        divisor = math.gcd(*(n for n in lengths if n is not None))
        origins = {**base.origins, **spans}
        at = spans[swept[0].path]
        for layout_pair in choices["workload.parallelism"]:
            layout = layout_pair[1]
            context = getattr(layout, "context", None) or 1
            length_pair = choices["workload.sequence_length"][0]
            if divisor % context:  # some length is not a multiple: the first such one
                length_pair = next(
                    pair
                    for pair in choices["workload.sequence_length"]
                    if (_whole(pair[1]) or 0) % context
                )
            chosen = {
                "cluster.count": choices["cluster.count"][0],
                "workload.parallelism": layout_pair,
                "workload.sequence_length": length_pair,
                "workload.layers": choices["workload.layers"][0],
            }
            chosen.update({path: choices[path][0] for path in PER_STAGE})
            for rank, path, _, copied in SPLITS:  # the first count the degree splits unevenly
                degree = getattr(layout, rank, None) or 1
                chosen[path] = next(
                    (
                        pair
                        for pair in choices[path]
                        if splits_unevenly(degree, _whole(pair[1]) or degree, copied)
                    ),
                    choices[path][0],
                )
            variant = {path: value for path, (_, value) in chosen.items()}
            labels = ",".join(
                f"{axis.path}={chosen[axis.path][0]}" for axis in swept if axis.path in chosen
            )
            subject = f"sweep {quoted(name)} variant [{labels}]"
            if not check_layout(subject, variant, origins, self.sink, at):
                return False
        return True

    def _relations_hold(
        self, name: str, base: Scenario, axes: list[SweepAxis], spans: dict[str, Span]
    ) -> bool:
        """No variant sets a field above the field it may not exceed (`RELATIONS`): the
        greatest value of the one is compared with the least of the other; nor sets two fields
        that say one thing two ways (`EXCLUSIONS`)."""
        swept = {axis.path: axis for axis in axes}
        for path, limit_path in RELATIONS:
            if path not in swept and limit_path not in swept:
                continue
            values = _values_in_sweep(path, swept, base)
            limits = _values_in_sweep(limit_path, swept, base)
            if not values or not limits:
                continue
            if not self._pair_holds(
                name, base, swept, spans, (path, *max(values)), (limit_path, *min(limits))
            ):
                return False
        for path, other_path in EXCLUSIONS:  # one or the other, in every variant
            if path not in swept and other_path not in swept:
                continue
            values = _values_in_sweep(path, swept, base)
            others = _values_in_sweep(other_path, swept, base)
            if (
                values
                and others
                and not self._pair_holds(
                    name, base, swept, spans, (path, *values[0]), (other_path, *others[0])
                )
            ):
                return False
        for path, other_path, need in REQUIREMENTS:  # one value that needs, one that fails it
            if path not in swept and other_path not in swept:
                continue
            needing = next(
                (
                    (value, label)
                    for value, label in _written_in_sweep(path, swept, base)
                    if need.needed_by(value)
                ),
                None,
            )
            unmet = next(
                (
                    (value, label)
                    for value, label in _written_in_sweep(other_path, swept, base)
                    if not need.met_by(value)
                ),
                None,
            )
            if (
                needing is not None
                and unmet is not None
                and not self._pair_holds(
                    name, base, swept, spans, (path, *needing), (other_path, *unmet)
                )
            ):
                return False
        return self._divisors_hold(name, base, swept, spans)

    def _divisors_hold(
        self, name: str, base: Scenario, swept: dict[str, SweepAxis], spans: dict[str, Span]
    ) -> bool:
        """No variant sets a field to a value that does not divide the field it must divide
        (`DIVISORS`): a value divides every whole exactly when it divides their gcd, so the
        first value that does not is paired with the first whole it leaves a remainder of."""
        for path, whole_path in DIVISORS:
            if path not in swept and whole_path not in swept:
                continue
            values, wholes = (
                [
                    (n, label)
                    for v, label in _values_in_sweep(which, swept, base)
                    if (n := _whole(v))
                ]
                for which in (path, whole_path)
            )
            if not values or not wholes:
                continue
            common = math.gcd(*(whole for whole, _ in wholes))
            for value, label in values:
                if common % value == 0:
                    continue
                found = next(((w, lab) for w, lab in wholes if value <= w and w % value), None)
                if found is None:
                    continue  # every whole it misses is below it: reported as too large above
                if not self._pair_holds(
                    name, base, swept, spans, (path, value, label), (whole_path, *found)
                ):
                    return False
        return True

    def _pair_holds(
        self,
        name: str,
        base: Scenario,
        swept: dict[str, SweepAxis],
        spans: dict[str, Span],
        one: tuple[str, object, str | None],
        other: tuple[str, object, str | None],
    ) -> bool:
        """`check_relations` between the two fields on the variant that sets them to these
        values (path, value, the sweep's label when swept), reported at the line of the one
        that is swept: the variant's other fields are not known here, so no relation of either
        with a third is checked (a LoRA run's adapter is not 'not set')."""
        named = [f"{path}={label}" for path, _, label in (one, other) if label]
        subject = f"sweep {quoted(name)} variant [{','.join(named)}]"
        at = spans[one[0]] if one[0] in swept else spans[other[0]]
        variant = {one[0]: one[1], other[0]: other[1]}
        origins = {**base.origins, **spans}
        return check_relations(subject, variant, origins, self.sink, at, frozenset(variant))

    def _too_many_in_all(self, what: str, span: Span) -> None:
        self.sink.error(
            f"with '{what}' the sweeps together have more than "
            f"{self.max_variants:,} variants ({self.total_variants:,} in the sweeps "
            "before this one)",
            span,
            "sweep fewer values, build fewer files at once, or raise the limit with --max-variants",
        )

    def _axis(self, item: Statement, spec: F.FieldSpec, size_so_far: int) -> SweepAxis | None:
        atoms = item.values
        label_path = item.key
        cite = cite_index(atoms)
        if cite is not None:
            self.sink.error(
                f"a sweep axis takes no {CITE}: '{label_path}' varies, so no one source fits "
                "its values",
                join_atoms(atoms[cite:]),
                "cite the values in a comment, or the base scenario's value where it has one",
            )
            return None
        if len(atoms) == 3 and atoms[1].kind == "dotdot":
            if spec.kind not in ("integer", "quantity"):
                self.sink.error(f"'{label_path}' cannot take a range", atoms[1].span)
                return None
            ends = []
            for atom in (atoms[0], atoms[2]):
                try:
                    number = parse_number(atom.text) if atom.kind == "number" else None
                except ValueError:
                    number = None
                if (
                    number is None
                    or number.percent
                    or not math.isfinite(number.value)
                    or number.value != int(number.value)
                ):
                    self.sink.error(
                        "a range runs between whole numbers", atom.span, "e.g. 'year 2025 .. 2028'"
                    )
                    return None
                ends.append(int(number.value))
            low, high = ends
            if high < low:
                self.sink.error(
                    "the range runs backwards", join_atoms(atoms), "write the smaller end first"
                )
                return None
            count = high - low + 1
            if count * size_so_far > self.max_variants:
                self.sink.error(
                    f"the range {low} .. {high} alone makes the sweep larger than "
                    f"{self.max_variants:,} variants",
                    join_atoms(atoms),
                )
                return None
            if count * size_so_far + self.total_variants > self.max_variants:
                self._too_many_in_all(item.key, join_atoms(atoms))  # before a label is made
                return None
            # Bounds are intervals, so the two ends decide for every value between them: a
            # range of a million values is not read a million times.
            for end in (low, high):
                if (
                    self.value(
                        [Atom("number", str(end), atoms[0].span)], spec, item.key_span, label_path
                    )
                    is None
                ):
                    return None
            whole = spec.kind == "integer"
            numbers = range(low, high + 1)
            return SweepAxis.model_construct(
                path=label_path,
                labels=tuple(map(str, numbers)),
                values=tuple(numbers) if whole else tuple(map(float, numbers)),
            )
        if len(atoms) == 1 and atoms[0].kind == "list":
            groups = split_commas(atoms[0].items)
            if not groups or any(not g for g in groups):
                self.sink.error(
                    "a sweep list holds values separated by commas",
                    atoms[0].span,
                    "e.g. '[50k, 100k, 200k]'",
                )
                return None
        else:
            groups = [atoms]
        labels, resolved, currencies = [], [], []
        for group in groups:
            # Each value keeps its own amount and currency (`[0.05 EUR/kWh, 50 USD/MWh]`).
            since = len(self.sink.diagnostics)
            value, currency = self.value_in_currency(
                group, spec, item.key_span, label_path, "sweep"
            )
            if value is None:
                # a fix naming another value of the list would list it twice
                self.sink.withhold_fixes(since, (" ".join(a.text for a in g) for g in groups))
                return None
            labels.append(" ".join(a.text for a in group))
            resolved.append(value)
            currencies.append(currency)
        if len(set(labels)) != len(labels):
            self.sink.error(f"a value of '{label_path}' is listed twice", atoms[0].span)
            return None
        return SweepAxis.model_construct(
            path=label_path,
            labels=tuple(labels),
            values=tuple(resolved),
            currencies=tuple(currencies) if any(currencies) else (),
        )


def _replaced_by_axes(base: Scenario, axes: list[SweepAxis]) -> Scenario:
    """The base the variants start from: a swept field replaces the base's other way of saying
    the same thing (`cluster.hfu` swept over a base that writes `cluster.mfu`), as a child
    scenario's does in the extends pass; sweeping both of a pair stays an error."""
    swept = {axis.path for axis in axes}
    replaced = [
        other
        for pair in EXCLUSIONS
        for path, other in (pair, pair[::-1])
        if path in swept and other not in swept and other in base.origins
    ]
    if not replaced:
        return base
    update: dict[str, object] = {}
    for path in replaced:
        section, _, field = path.partition(".")
        model = update.get(section, getattr(base, section))
        update[section] = model.model_copy(update={field: None})  # type: ignore[attr-defined]
    kept = set(base.origins) - set(replaced)
    update.update(
        origins={p: span for p, span in base.origins.items() if p in kept},
        citations={p: c for p, c in base.citations.items() if p in kept},
        currencies={p: c for p, c in base.currencies.items() if p in kept},
        # A range that is no longer an input moves with nothing.
        correlations=tuple(
            c for c in base.correlations if c.a not in replaced and c.b not in replaced
        ),
    )
    return base.model_copy(update=update)


def _values_in_sweep(
    path: str, swept: dict[str, SweepAxis], base: Scenario
) -> list[tuple[float, str | None]]:
    """The central values a field takes across a sweep, each with its label (the base
    scenario's one value, unlabelled, when the field is not swept); unknown values left out."""
    read: list[tuple[float | None, str | None]]
    if path in swept:
        axis = swept[path]
        pairs = zip(axis.labels, axis.values, strict=True)
        read = [(central(v), label) for label, v in pairs]  # type: ignore[arg-type]
    else:
        section, _, field = path.partition(".")
        read = [(central(getattr(getattr(base, section), field, None)), None)]
    return [(value, label) for value, label in read if value is not None]


def _written_in_sweep(
    path: str, swept: dict[str, SweepAxis], base: Scenario
) -> list[tuple[object, str | None]]:
    """The values a field takes across a sweep as written, each with its label (the base
    scenario's one value, None when it does not set it, unlabelled, when it is not swept)."""
    if path in swept:
        axis = swept[path]
        return [(value, label) for label, value in zip(axis.labels, axis.values, strict=True)]
    section, _, field = path.partition(".")
    return [(getattr(getattr(base, section), field, None), None)]


def _whole(value: object) -> int | None:
    """A whole number as an int (a sequence length may be read as a float), else None."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value == int(value):
        return int(value)
    return None


def _largest(values: tuple[object, ...]) -> int:
    """Index of the largest count (a per-stage count of layers: only it can be too large)."""
    return _extreme(values, max)


def _smallest(values: tuple[object, ...]) -> int:
    """Index of the smallest count (a cluster's or a model's layers: only it can be too small)."""
    return _extreme(values, min)


def _extreme(values: tuple[object, ...], pick: Callable[..., Any]) -> int:
    """Index of the value `pick` (min or max) chooses; a range of a million plain numbers is
    compared in C."""
    try:
        return values.index(pick(values))
    except TypeError:  # uncertain counts: compare their central values
        return int(pick(range(len(values)), key=lambda i: central(values[i]) or 0.0))  # type: ignore[arg-type]
