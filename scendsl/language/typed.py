"""Values given in Python, read against the same field specs as the language.

The Python API (`scendsl.make_scenario`, `scendsl.with_changes`, `scendsl.evaluate`) hands
scenario fields in as Python values: numbers in SI base units (`count=1000`, `accelerator_power=700.0`),
`Uncertain` ranges, names (`"H100"`), or text in the language's own notation (`"1.2 GW"`,
`"30% to 45%"`, `"solar 60%, grid 40%"`). Each is checked here by the resolver's reader
(`ValueReader`): the same bounds, names, units and messages as a `.scn` file, so there is one
validator. Diagnostics point into a synthetic listing of the given fields (`<python>`), one line
per field, so they render like any other: `<python>:1:1: error: 'cluster.count' must be ...`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from scendsl.errors import DiagnosticSink, ScenarioError, Span
from scendsl.language import fields as F
from scendsl.language.derived import scaled
from scendsl.language.money import takes_currencies
from scendsl.language.names import catalog_names, currency_names, latest_rate
from scendsl.language.syntax import Atom
from scendsl.language.units import DIMENSION_EXAMPLES, UNITS, currency_code
from scendsl.language.values import ValueReader
from scendsl.scenario import MixShare, Parallelism, ReferenceEntity, Scenario, Uncertain
from scendsl.suggest import quoted, suggest

#: The file name diagnostics about Python-given values carry.
PYTHON_SOURCE = "<python>"

#: The SI base unit each dimension is read in, where the language has one (for display only).
_SI_UNITS = {
    unit.dimension: symbol
    for symbol, unit in reversed(list(UNITS.items()))
    if unit.factor == 1.0 and unit.dimension not in ("number", "fraction")
}


class _Reader(ValueReader):
    """The resolver's value reader, with the catalog's names and the given custom accelerators."""

    def __init__(
        self,
        sink: DiagnosticSink,
        accelerators: Iterable[str],
        references: Mapping[str, ReferenceEntity],
    ) -> None:
        self.sink = sink
        self.catalog = catalog_names()
        # Only membership is read (a name the scenario may use), never the definition.
        self.accelerators = {name: None for name in accelerators}  # type: ignore[misc]
        self.built_references = dict(references)


def _display(path: str, value: Any) -> str:
    """The field as one line of text, for the diagnostic's quoted line."""
    if isinstance(value, str):
        if _text_problem(value) is not None:  # too long or unprintable to quote whole
            return f"{path} {value[:60]!r}" + ("…" if len(value) > 60 else "")
        return f"{path} {value}"
    shown = f"{value.low!r} to {value.high!r}" if isinstance(value, Uncertain) else repr(value)
    spec = F.scenario_field(path)
    unit = _SI_UNITS.get(spec.dimension or "") if spec is not None else None
    return f"{path} {shown}" + (f" {unit}" if unit else "")


def _as_text(spec: F.FieldSpec, value: Any) -> Any:
    """A mix or parallelism given as a mapping, as the language writes it; else `value`."""
    if spec.kind == "mix" and isinstance(value, Mapping):
        return ", ".join(f"{source} {_percent(share)}" for source, share in value.items())
    if (
        spec.kind == "mix"
        and isinstance(value, (tuple, list))
        and all(isinstance(item, MixShare) for item in value)
    ):
        return ", ".join(f"{item.source} {item.share * 100!r}%" for item in value)
    if spec.kind == "parallelism" and isinstance(value, (Mapping, Parallelism)):
        items = value.model_dump() if isinstance(value, Parallelism) else dict(value)
        return ", ".join(
            f"{name} {'auto' if degree is None else degree}"
            for name, degree in items.items()
            if degree is not None or name in ("data", "microbatches")
        )
    return value


def _percent(share: Any) -> str:
    """A mapping's share (a fraction) as the language writes it; anything but a real number
    (text, None, a truth value, an int beyond any float) as itself, for the reader to refuse
    with the field's located error rather than float() raising first."""
    if isinstance(share, (int, float)) and not isinstance(share, bool):
        try:
            return f"{float(share) * 100!r}%"
        except OverflowError:
            pass
    return repr(share)


def _read_one(
    reader: _Reader, path: str, spec: F.FieldSpec, value: Any, line: int, text: str
) -> Any:
    """One field's value, checked; None after reporting to the reader's sink."""
    span = Span(PYTHON_SOURCE, line, 1, line, len(text) + 1)
    value = _as_text(spec, value)
    if isinstance(value, str):
        problem = _text_problem(value)
        if problem is not None:
            reader.sink.error(f"'{path}' {problem}", span)
            return None
        if spec.kind == "string":
            return value
        if spec.kind in ("enum", "accelerator", "region", "comparison"):
            # A name is taken whole, as written ("US-TX" needs no quotes here): the reader
            # checks it against the choices, the catalog or ISO 3166.
            start = len(path) + 2
            atom = Atom("word", value, Span(PYTHON_SOURCE, line, start, line, start + len(value)))
            return reader.value([atom], spec, span, path)
        from scendsl.language.parse import parse

        hints: list[str] = []
        try:
            document = parse(text, PYTHON_SOURCE)
        except ScenarioError as error:
            document = None
            # what the language says at the character it stops at (`60 ₨/kWh`: the rupees)
            hints = [str(d.hint) for d in error.diagnostics if d.hint]
        statements = document.statements if document is not None else []
        if len(statements) != 1 or statements[0].body is not None:
            hint = hints[0] if len(hints) == 1 else None
            reader.sink.error(f"'{path}' cannot be read from {value!r}", span, hint)
            return None
        atoms = statements[0].values
        # Atoms are located in a one-line document: move them to this field's line.
        for atom in atoms:
            atom.span = Span(PYTHON_SOURCE, line, atom.span.col, line, atom.span.end_col)
        return reader.value(atoms, spec, span, path)
    expected = DIMENSION_EXAMPLES.get(spec.dimension or "", "a value")
    if isinstance(value, Uncertain) and spec.kind == "quantity":
        if not spec.uncertain:
            reader.sink.error(f"'{path}' cannot be uncertain", span)
            return None
        ends = (value.low, value.center, value.high)
        if not all(math.isfinite(end) for end in ends):
            reader.sink.error(f"'{path}' must be a finite number", span)
            return None
        if value.low > value.high:
            reader.sink.error(f"the range of '{path}' runs backwards", span)
            return None
        if all(reader._in_bounds(end, spec, span, path) for end in (value.low, value.high)):
            return value
        return None
    if spec.kind in ("quantity", "integer") and isinstance(value, (int, float)):
        if isinstance(value, bool):
            reader.sink.error(f"'{path}' expects {expected}, not a truth value", span)
            return None
        try:
            number = float(value)
        except OverflowError:  # an int beyond any float (the language: "number is too large")
            reader.sink.error(f"'{path}' is a number too large", span)
            return None
        if not math.isfinite(number):
            reader.sink.error(f"'{path}' must be a finite number", span)
            return None
        if spec.kind == "integer" and number != int(number):
            reader.sink.error(f"'{path}' must be a whole number", span)
            return None
        if not reader._in_bounds(number, spec, span, path):
            return None
        return int(number) if spec.kind == "integer" else number
    if spec.kind in ("quantity", "integer"):
        reader.sink.error(
            f"'{path}' expects {expected}, not {type(value).__name__}",
            span,
            "give a number in SI base units, or text such as "
            + repr(DIMENSION_EXAMPLES.get(spec.dimension or "", "").split(" such as ")[-1]),
        )
        return None
    reader.sink.error(f"'{path}' expects text, not {type(value).__name__}", span)
    return None


def _text_problem(value: str) -> str | None:
    """Why text given in Python could not have been written in a `.scn` file (the parser's
    limits: its size, NUL bytes, lone surrogates), or None."""
    from scendsl.language.parse import _SURROGATE, MAX_FILE_BYTES

    if len(value) > MAX_FILE_BYTES or len(value.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        return f"is longer than a scenario file may be ({MAX_FILE_BYTES // (1024 * 1024)} MiB)"
    if "\x00" in value:
        return "holds a NUL character"
    surrogate = _SURROGATE.search(value)
    if surrogate is not None:
        return f"holds a lone surrogate U+{ord(surrogate.group()):04X}, which is not a character"
    return None


def read_fields(
    values: Mapping[str, Any],
    accelerators: Iterable[str] = (),
    *,
    required: bool = False,
    references: Mapping[str, ReferenceEntity] | None = None,
) -> dict[str, Any]:
    """Check scenario fields given in Python (dotted path -> value) as the language would;
    returns them typed (SI floats, ints, names, `Uncertain`, mix shares, `Parallelism`).

    `accelerators` are the custom accelerator names the scenario may use besides the catalog's,
    `references` its `reference` blocks (`compare_with` may name one); with `required` the
    fields a scenario must set are demanded. Raises ScenarioError naming each wrong field, with
    every diagnostic."""
    sink = DiagnosticSink()
    reader = _Reader(sink, accelerators, references or {})
    known = F.all_scenario_paths()
    lines: list[str] = []
    typed: dict[str, Any] = {}
    for path, value in values.items():
        lines.append(_display(path, _as_text_safe(path, value)))
        sink.sources[PYTHON_SOURCE] = "\n".join(lines)
        line = len(lines)
        spec = F.scenario_field(path)
        if spec is None:
            sink.error(
                f"unknown field '{path}'",
                Span(PYTHON_SOURCE, line, 1, line, len(path) + 1),
                F.parallel_degree_hint(path, str(value))
                or suggest(path, known)
                or suggest(path.rpartition(".")[2], known),
            )
            continue
        if value is None:
            if path in F.REQUIRED_SCENARIO_FIELDS:
                sink.error(f"'{path}' needs a value", Span(PYTHON_SOURCE, line, 1))
            else:
                typed[path] = None  # unset: the model's default applies
            continue
        result = _read_one(reader, path, spec, value, line, lines[-1])
        if result is not None:
            typed[path] = tuple(result) if spec.kind == "mix" else result
    if required:
        for path in F.REQUIRED_SCENARIO_FIELDS:
            if path not in values:
                sink.error(f"a scenario must set '{path}'", None)
    sink.raise_if_errors()
    return typed


def _as_text_safe(path: str, value: Any) -> Any:
    spec = F.scenario_field(path)
    return _as_text(spec, value) if spec is not None else value


def scenario_fields(scenario: Scenario) -> dict[str, Any]:
    """Every settable field of a scenario that is set, by dotted path."""
    found: dict[str, Any] = {}
    for path in F.all_scenario_paths():
        if "." in path:
            section, _, name = path.partition(".")
            value = getattr(getattr(scenario, section), name)
        else:
            value = getattr(scenario, path)
        if value is not None and value != ():
            found[path] = value
    return found


def _block_spec(name: str) -> F.FieldSpec | None:
    return F.ACCELERATOR_FIGURES.get(name) or F.ACCELERATOR_ATTRIBUTES.get(name)


def _amounts_in_currencies(
    scenario: Scenario,
) -> Iterator[tuple[str, str, str, F.FieldSpec | None]]:
    """Every amount a scenario holds in another currency than USD, once: (where it is written:
    scenario, accelerator or claim; its name as messages give it; the unit as written; the
    field's spec, None for a claim or an unknown field)."""
    for path, unit in scenario.currencies.items():
        yield "scenario", path, unit, F.scenario_field(path)
    for block in scenario.accelerators.values():
        for name, unit in block.currencies.items():
            yield "accelerator", f"accelerator {block.name}.{name}", unit, _block_spec(name)
    for claim in scenario.claims:
        if claim.currency:
            yield "claim", f"expect {claim.metric}", claim.currency, None


def check_scenario(scenario: Scenario) -> None:
    """Check every field of a typed scenario as the language would (a scenario made or changed
    in Python, e.g. with pydantic's `model_copy`); raises ScenarioError naming the fields."""
    fields = scenario_fields(scenario)
    sink = DiagnosticSink()
    for place, where, unit, spec in _amounts_in_currencies(scenario):
        # Another currency only on a field that holds money, where the language reads one: a
        # count marked as in euros would be divided by the rate. (A claim's figure is checked
        # against its metric with the claims.)
        if place != "claim" and (spec is None or not takes_currencies(place, spec.dimension)):
            sink.error(f"'{where}' holds no amount of money: it cannot be written in {unit}", None)
            continue
        code = currency_code(unit)
        if code not in currency_names():
            sink.error(f"unknown currency {quoted(code)} of '{where}'", None)
        elif place == "scenario" and where in fields:
            # Checked in USD at the currency's latest rate, as the resolver checks it: 150
            # KRW/kWh is no price above 10,000 USD/MWh.
            fields[where] = scaled(fields[where], 1.0 / latest_rate(code))
    sink.raise_if_errors()
    read_fields(fields, scenario.accelerators, references=scenario.references)
