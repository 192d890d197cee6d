"""`scendsl diff OLD.json NEW.json`: two results of `scendsl eval --format json [--sweeps]`.

Each side may come from another scendsl version and another catalog (the base branch's checkout
and a pull request's, each evaluated with its own scendsl), so a change of a catalog figure, a
calibration constant or a formula shows as well as a change of a scenario. The files are read
into the diff's own view of a scenario (scendsl.report.diff.Evaluated) and of a sweep's table
(TableLike), so the comparison and the renderers are those of a diff of scenario files.

Only a document of the `eval` shape at this scendsl's `SCHEMA_VERSION` is read; a file that is
not JSON, has another shape or version, or is larger than `MAX_RESULT_JSON_BYTES` is refused
with a located error, and so is what no result holds: a key twice in one object, a number of
more digits than a float's range, a name longer than `MAX_NAME_LENGTH` or a text longer than
`MAX_LINE_LENGTH` (a line of a scenario file). Every string read is made visible (scendsl.terminal.visible_path): a
control character in a name cannot reach the terminal.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

import numpy as np

from scendsl.catalog.currency import written_factor
from scendsl.defaults import MAX_LINE_LENGTH, MAX_NAME_LENGTH, MAX_RESULT_JSON_BYTES, NAME_PATTERN
from scendsl.errors import ScenarioError, ScendslError, Span, scenario_message
from scendsl.files.discovery import open_regular
from scendsl.files.problems import problem, reason
from scendsl.model.claims import PER_REFERENCE_DOMAINS
from scendsl.model.context import WrittenMoney, money_code
from scendsl.model.evaluate import ClaimResult, MetricResult
from scendsl.model.registry import REGISTRY
from scendsl.report.diff import Diff, Evaluated, _is_number, diff_evaluated
from scendsl.report.export import SCHEMA_VERSION
from scendsl.suggest import quoted
from scendsl.terminal import visible_path

_HINT = "make it with `scendsl eval PATH --format json [--sweeps] > FILE.json`"
_CLAIM_OPS = frozenset({"<", "<=", ">", ">=", "==", "!=", "~="})


@dataclass
class EvalDocument:
    """One `eval --format json` file as the diff reads it."""

    path: str
    #: The scendsl that wrote it (`scendsl` in the document), None when it does not say.
    scendsl: str | None
    scenarios: list[Evaluated]
    sweeps: list[JsonSweepTable] = field(default_factory=list)


def is_result_file(path: str) -> bool:
    """Whether `scendsl diff` reads `path` as an `eval --format json` result."""
    return path.lower().endswith(".json")


def diff_result_files(
    old_path: str, new_path: str, threshold: float = 0.0, *, show_all: bool = False
) -> Diff:
    """Compare two `eval --format json` files; the header says where both sides come from."""
    old, new = read_eval_json(old_path), read_eval_json(new_path)
    # Figures one model has and the other has not (a new input node, a renamed metric) would
    # read as a change of every scenario: named once in the header, left out of the comparison.
    old_names, new_names = _figure_names(old.scenarios), _figure_names(new.scenarios)
    # A reference block a scenario writes brings its own figures: a change of the scenarios,
    # which their diff shows, not of the model.
    written = _written_references(old.scenarios) | _written_references(new.scenarios)
    only_new = sorted(n for n in new_names - old_names if _entity_of(n) not in written)
    only_old = sorted(n for n in old_names - new_names if _entity_of(n) not in written)
    diff = diff_evaluated(
        _without(old.scenarios, set(only_old)),
        _without(new.scenarios, set(only_new)),
        threshold,
        show_all=show_all,
        old_sweeps=old.sweeps,
        new_sweeps=new.sweeps,
    )
    diff.sides = (
        f"Both sides from JSON results: old {visible_path(old.path)} "
        f"(scendsl {old.scendsl or 'version not recorded'}), new {visible_path(new.path)} "
        f"(scendsl {new.scendsl or 'version not recorded'})."
    )
    diff.figures_only_old, diff.figures_only_new = only_old, only_new
    return diff


def _written_references(scenarios: list[Evaluated]) -> set[str]:
    """The references some scenario writes as a block: their `reference.NAME.accelerator` is
    found in a scenario file, not in the catalog."""
    return {
        name.split(".")[1]
        for s in scenarios
        for name, node in s.inputs.items()
        if name.startswith("reference.")
        and name.endswith(".accelerator")
        and not (node.origin or "").startswith("catalog")
    }


def _entity_of(name: str) -> str | None:
    """The reference a `reference.NAME.x` or `divide.NAME.x` figure is of, else None."""
    parts = name.split(".")
    return parts[1] if len(parts) == 3 and parts[0] in PER_REFERENCE_DOMAINS else None


def _figure_names(scenarios: list[Evaluated]) -> set[str]:
    """Every input and metric some scenario of one side has."""
    return {name for s in scenarios for name in (*s.inputs, *s.metrics)}


def _without(scenarios: list[Evaluated], names: set[str]) -> list[Evaluated]:
    if not names:
        return scenarios
    return [
        replace(
            s,
            inputs={k: v for k, v in s.inputs.items() if k not in names},
            metrics={k: v for k, v in s.metrics.items() if k not in names},
        )
        for s in scenarios
    ]


def read_eval_json(path: str) -> EvalDocument:
    """Read and check one `eval --format json` file; ScenarioError (located) when it is not one."""
    try:
        with open_regular(path) as handle:
            raw = handle.read(MAX_RESULT_JSON_BYTES + 1)
    except OSError as error:
        raise problem(f"cannot read the result file: {reason(error)}", path) from None
    if len(raw) > MAX_RESULT_JSON_BYTES:
        raise problem(
            f"the result file is larger than {MAX_RESULT_JSON_BYTES // 2**20} MiB",
            path,
            "compare fewer scenarios or sweeps at a time",
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise problem(
            f"the result file is not UTF-8 text (byte {error.start})", path, _HINT
        ) from None
    try:
        document = json.loads(
            text,
            parse_constant=_refuse_constant,
            parse_int=_bounded_int,
            object_pairs_hook=_object_once,
        )
    except _Digits as error:
        # Python's int() refuses more than 4,300 digits: refused here first, where it is written.
        at = text.find(error.literal)
        line, column = (
            (text.count("\n", 0, at) + 1, at - text.rfind("\n", 0, at)) if at >= 0 else (1, 1)
        )
        message = (
            f"not a result of `scendsl eval --format json`: a number too large ({error.digits:,} "
            "digits; no result holds a number beyond a float's range)"
        )
        raise ScenarioError.one(message, Span(path, line, column), _HINT) from None
    except _Shape as error:
        raise problem(
            f"not a result of `scendsl eval --format json`: {error}", path, _HINT
        ) from None
    except json.JSONDecodeError as error:
        span = Span(path, error.lineno, error.colno)
        raise ScenarioError.one(f"not JSON: {error.msg}", span, _HINT) from None
    except RecursionError:
        raise problem("not JSON this diff reads: nested too deeply", path, _HINT) from None
    return _Reader(path).document(document)


class _Digits(ScendslError):
    """An integer literal of more digits than any result holds (`literal`, as written)."""

    def __init__(self, literal: str) -> None:
        super().__init__(literal[:40])
        self.literal = literal
        self.digits = len(literal.lstrip("-"))


class _Shape(ScendslError):
    """The document is not of the `eval` shape: where (a JSON path) and what; turned into a
    located ScenarioError by `_Reader.document` before it leaves this module."""


class _Reader:
    def __init__(self, path: str) -> None:
        self.path = path

    def document(self, data: Any) -> EvalDocument:
        try:
            return self._document(data)
        except _Shape as error:
            raise problem(
                f"not a result of `scendsl eval --format json`: {error}", self.path, _HINT
            ) from None

    def _document(self, data: Any) -> EvalDocument:
        top = _object(data, "the document")
        if "version" not in top:
            raise _Shape("no `version`")
        version = top["version"]
        if version != SCHEMA_VERSION or type(version) is not int:
            raise _Shape(
                f"its format is version {_shown(version)}, this scendsl reads version "
                f"{SCHEMA_VERSION} (evaluate both sides with a scendsl of the same format)"
            )
        writer = top.get("scendsl")
        if writer is not None:
            _version(writer, "scendsl")
        scenarios = [
            self._scenario(item, f"scenarios[{i}]")
            for i, item in enumerate(_list(top.get("scenarios"), "scenarios"))
        ]
        _unique([s.name for s in scenarios], "scenario")
        sweeps = [
            self._sweep(item, f"sweeps[{i}]")
            for i, item in enumerate(_list(top.get("sweeps", []), "sweeps"))
        ]
        _unique([t.sweep.name for t in sweeps], "sweep")
        return EvalDocument(
            self.path,
            _text(writer, "scendsl") if writer is not None else None,
            scenarios,
            sweeps,
        )

    def _scenario(self, data: Any, where: str) -> Evaluated:
        item = _object(data, where)
        name = _name(item.get("name"), f"{where}.name")
        inputs = self._figures(item.get("inputs"), f"{where}.inputs", "input")
        metrics = self._figures(item.get("metrics"), f"{where}.metrics", "metric")
        claims = tuple(
            _claim(c, f"{where}.claims[{i}]")
            for i, c in enumerate(_list(item.get("claims"), f"{where}.claims"))
        )
        warnings = []
        prefix = scenario_message(name, "")
        for i, entry in enumerate(_list(item.get("warnings", []), f"{where}.warnings")):
            warning = _object(entry, f"{where}.warnings[{i}]")
            message = _text(warning.get("message"), f"{where}.warnings[{i}].message")
            # The JSON's message names the scenario; the diff's lines name it once above.
            text = message[len(prefix) :] if message.startswith(prefix) else message
            warnings.append((_text(warning.get("id"), f"{where}.warnings[{i}].id"), text))
        # A citation written in the scenario is the source of the input it sets.
        citations = {
            n: "; ".join(node.sources)
            for n, node in inputs.items()
            if node.sources and Span.names_place(node.origin)
        }
        return Evaluated(
            name,
            _text(item.get("title"), f"{where}.title"),
            inputs,
            metrics,
            claims,
            tuple(warnings),
            citations,
        )

    def _figures(self, data: Any, where: str, kind: str) -> dict[str, MetricResult]:
        out = {}
        for raw_name, entry in _object(data, where).items():
            name = _key(raw_name, where)
            at = f"{where}.{name}"
            figure = _object(entry, at)
            if "value" not in figure:
                raise _Shape(f"{at}: no `value`")
            unit = _text(figure.get("unit"), f"{at}.unit")
            origin, label = figure.get("origin"), figure.get("label")
            out[name] = MetricResult(
                name,
                kind,
                _with_infinity(_value(figure["value"], f"{at}.value"), figure, at, "value"),
                unit,
                _dimension_of(name, unit),
                _text(figure.get("meaning"), f"{at}.meaning"),
                inputs=_texts(figure.get("inputs", []), f"{at}.inputs"),
                sources=_texts(figure.get("sources", []), f"{at}.sources"),
                origin=_text(origin, f"{at}.origin") if origin is not None else None,
                written=_written_money(figure.get("written"), f"{at}.written"),
                label=_text(label, f"{at}.label") if label is not None else None,
            )
        return out

    def _sweep(self, data: Any, where: str) -> JsonSweepTable:
        item = _object(data, where)
        axes = []
        for i, entry in enumerate(_list(item.get("axes"), f"{where}.axes")):
            axis = _object(entry, f"{where}.axes[{i}]")
            labels = _texts(axis.get("values"), f"{where}.axes[{i}].values")
            if not labels:
                raise _Shape(f"{where}.axes[{i}]: no values")
            path = _text(axis.get("path"), f"{where}.axes[{i}].path")
            axes.append((_key(path, f"{where}.axes[{i}].path"), labels))
        if not axes:
            raise _Shape(f"{where}: no axes")
        variants = _list(item.get("variants"), f"{where}.variants")
        size = math.prod(len(labels) for _, labels in axes)
        if len(variants) != size:
            raise _Shape(
                f"{where}: {len(variants)} variants where its axes make {size} "
                "(`eval --format json --sweeps` writes every variant)"
            )
        names: list[str] = []
        rows: list[Mapping[str, Any]] = []
        infinite: list[dict[str, int]] = []  # each variant's `infinite`: its null figures' signs
        shape = [len(labels) for _, labels in axes]
        for index, entry in enumerate(variants):
            at = f"{where}.variants[{index}]"
            variant = _object(entry, at)
            point = _object(variant.get("point"), f"{at}.point")
            position = np.unravel_index(index, shape) if shape else ()
            for (path, labels), p in zip(axes, position, strict=True):
                if point.get(path) != labels[int(p)]:
                    raise _Shape(f"{at}: not in the order of the axes' values (last axis fastest)")
            # A variant's name holds a label of each axis, each up to a line of a scenario.
            names.append(
                _text(variant.get("name"), f"{at}.name", (len(axes) + 1) * MAX_LINE_LENGTH)
            )
            row = _object(variant.get("values"), f"{at}.values")
            # Every variant has the sweep's figures: a variant naming its own would make a
            # table of variants x names cells, the square of what the file holds.
            if rows and row.keys() != rows[0].keys():
                raise _Shape(
                    f"{at}.values: not the figures of {where}.variants[0] "
                    "(`eval --format json --sweeps` writes the same figures for every variant)"
                )
            rows.append(row)
            marks = _object(variant.get("infinite", {}), f"{at}.infinite")
            infinite.append(
                {key: _infinity_sign(sign, f"{at}.infinite") for key, sign in marks.items()}
            )
        table = JsonSweepTable.of(
            _name(item.get("name"), f"{where}.name"),
            _name(item.get("base"), f"{where}.base"),
            axes,
            names,
            rows,
            infinite,
        )
        return replace(table, key_labels=self._key_labels(item.get("labels"), f"{where}.labels"))

    def _key_labels(self, data: Any, where: str) -> dict[str, dict[str, str]]:
        """A sweep's `labels` (what a reader calls each key a figure takes); none in a file
        written before the field."""
        if data is None:
            return {}
        return {
            _key(name, where): {
                _key(key, f"{where}.{name}"): _text(label, f"{where}.{name}.{key}")
                for key, label in _object(keys, f"{where}.{name}").items()
            }
            for name, keys in _object(data, where).items()
        }


# ------------------------------------------------------------------------------ sweep tables
@dataclass(frozen=True)
class _Axis:
    path: str
    values: tuple[Any, ...]  # the resolved value where the variants carry it, else the label
    labels: tuple[str, ...]


@dataclass(frozen=True)
class _Sweep:
    name: str
    base: str
    axes: tuple[_Axis, ...]


@dataclass(frozen=True)
class _Column:
    values: tuple[Any, ...]

    def value(self, index: int) -> Any:
        return self.values[index]


@dataclass(frozen=True)
class JsonSweepTable:
    """A sweep's variants read from JSON, as the diff reads a SweepTable (TableLike)."""

    sweep: _Sweep
    size: int
    numbers: Mapping[str, np.ndarray]
    categories: Mapping[str, _Column]
    names: tuple[str, ...]
    #: What a reader calls each key a figure takes (the document's `labels`).
    key_labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def name(self, index: int) -> str:
        return self.names[index]

    @staticmethod
    def of(
        name: str,
        base: str,
        axes: Sequence[tuple[str, tuple[str, ...]]],
        names: list[str],
        rows: list[Mapping[str, Any]],
        infinite: Sequence[Mapping[str, int]] = (),
    ) -> JsonSweepTable:
        """The table of `rows` (each variant's values), in the axes' order; `infinite`: each
        variant's figures that are infinite (null in `rows`), by the sign of their infinity."""
        columns: dict[str, list[Any]] = {}
        for index, row in enumerate(rows):
            for raw_name, value in row.items():
                column = columns.setdefault(
                    _key(raw_name, f"sweeps.{name}.values"), [None] * len(rows)
                )
                column[index] = _value(value, f"sweeps.{name}.values")
        for index, marks in enumerate(infinite):
            at = f"sweeps.{name}.variants[{index}]"
            for key, sign in marks.items():
                if _key(key, f"{at}.infinite") not in columns:
                    raise _Shape(f"{at}.infinite: {key} is not one of its figures")
                columns[key][index] = _with_infinity(
                    columns[key][index], {"infinite": sign}, f"{at}.values.{key}", "value"
                )
        numbers: dict[str, np.ndarray] = {}
        categories: dict[str, _Column] = {}
        for key, column in columns.items():
            if all(v is None or _is_number(v) or v in _INFINITIES for v in column):
                numbers[key] = np.asarray(
                    [np.nan if v is None else float(v) for v in column], dtype=float
                )
            else:
                categories[key] = _Column(tuple(column))
        stride = len(rows)
        resolved = []
        for path, labels in axes:
            stride //= len(labels)
            # An axis names a field (`year`); the variants carry it as an input (`scenario.year`).
            carried = columns.get(path) or columns.get(f"scenario.{path}")
            values = tuple(
                carried[j * stride]
                if carried is not None and _is_number(carried[j * stride])
                else label
                for j, label in enumerate(labels)
            )
            resolved.append(_Axis(path, values, labels))
        return JsonSweepTable(
            _Sweep(name, base, tuple(resolved)), len(rows), numbers, categories, tuple(names)
        )


# -------------------------------------------------------------------------------- the checks
def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Shape(f"{where}: expected an object, got {_kind(value)}")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise _Shape(f"{where}: expected a list, got {_kind(value)}")
    return value


def _text(value: Any, where: str, longest: int = MAX_LINE_LENGTH) -> str:
    if not isinstance(value, str):
        raise _Shape(f"{where}: expected text, got {_kind(value)}")
    if len(value) > longest:
        raise _Shape(
            f"{where}: text of {len(value):,} characters, no result holds more than {longest:,}"
        )
    return visible_path(value)


#: The names a result holds: a scenario's, a sweep's and its base's are names of the language,
#: a figure's are such names joined by dots. Read as nothing else, no two names a diff matches
#: and prints can look alike (`a<ESC>` and `a\u001b`, `café` composed and decomposed, a Latin
#: and a Cyrillic `a`, a name with a zero-width space).
_NAME_RE = re.compile(NAME_PATTERN)
_FIGURE_NAME_RE = re.compile(rf"{NAME_PATTERN}(?:\.[A-Za-z0-9_]+)*")


def _version(value: Any, where: str) -> str:
    """The version of scendsl that wrote the file: no longer than a name of the language."""
    return _text(value, where, MAX_NAME_LENGTH)


def _name(value: Any, where: str) -> str:
    """A scenario's or a sweep's name: a name of the language."""
    name = _text(value, where, MAX_NAME_LENGTH)
    if not _NAME_RE.fullmatch(value):
        raise _Shape(f"{where}: {quoted(name)} is not a name of the language ({_NAMES_ARE})")
    return name


_NAMES_ARE = "letters, digits and '_', not starting with a digit"


def _key(key: str, where: str, *, figure: bool = True) -> str:
    """A figure's name, a key of `where` (with `figure`: names of the language joined by
    dots), or a part of a breakdown: no longer than a line of a scenario file."""
    if len(key) > MAX_LINE_LENGTH:
        raise _Shape(
            f"{where}: a name of {len(key):,} characters, no result holds more than {MAX_LINE_LENGTH:,}"
        )
    if figure and not _FIGURE_NAME_RE.fullmatch(key):
        raise _Shape(
            f"{where}: {quoted(visible_path(key))} is not the name of a figure ({_NAMES_ARE}, "
            "joined by dots)"
        )
    return visible_path(key)


def _object_once(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object whose keys are each written once: `json` keeps the last of two silently."""
    built = dict(pairs)
    if len(built) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _Shape(f"the key {quoted(visible_path(key))} twice in one object")
            seen.add(key)
    return built


def _bounded_int(literal: str) -> int:
    # 1e300 (_LARGEST) has 301 digits: more than 309 are beyond a float's range in any case.
    if len(literal) > 310:
        raise _Digits(literal)
    return int(literal)


def _texts(value: Any, where: str) -> tuple[str, ...]:
    return tuple(_text(v, f"{where}[{i}]") for i, v in enumerate(_list(value, where)))


def _value(value: Any, where: str, *, breakdown: bool = True) -> Any:
    """A figure's value: a number, text, a flag, null, or a breakdown (an object of such)."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        # JSON integers have no bound, and a literal such as 1e400 reads as an infinity
        if abs(value) > _LARGEST:
            raise _Shape(f"{where}: a number too large")
        return value
    if isinstance(value, str):
        return _text(value, where)
    if isinstance(value, dict) and breakdown:
        return {
            _key(str(k), where, figure=False): _value(v, where, breakdown=False)
            for k, v in value.items()
        }
    raise _Shape(f"{where}: expected a number, text, a flag or null, got {_kind(value)}")


_LARGEST = 1e300
_INFINITIES = (math.inf, -math.inf)


def _with_infinity(value: Any, item: Mapping[str, Any], where: str, field: str) -> Any:
    """`value` (`item[field]`, read) as ±∞ when `item` gives the sign of its infinity
    (`infinite`, beside a null: JSON has no infinity; values.infinity_sign gives it)."""
    if "infinite" not in item:
        return value
    sign = _infinity_sign(item["infinite"], f"{where}.infinite")
    if value is not None:
        raise _Shape(f"{where}.infinite: an infinite figure's `{field}` is null")
    return math.inf * sign


def _infinity_sign(sign: Any, where: str) -> int:
    if isinstance(sign, bool) or sign not in (1, -1):
        raise _Shape(f"{where}: expected 1 or -1 (the sign of an infinite figure)")
    return int(sign)


def _refuse_constant(name: str) -> float:
    raise _Shape(f"{name} is not a value `eval --format json` writes (n/a is null)")


def _claim(data: Any, where: str) -> ClaimResult:
    item = _object(data, where)
    op = _text(item.get("op"), f"{where}.op")
    if op not in _CLAIM_OPS:
        raise _Shape(f"{where}.op: unknown comparison {op!r}")
    expected = _value(item.get("expected"), f"{where}.expected", breakdown=False)
    if expected is None:
        raise _Shape(f"{where}.expected: expected a number, text or a flag")
    actual = _with_infinity(
        _value(item.get("actual"), f"{where}.actual", breakdown=False), item, where, "actual"
    )
    holds = item.get("holds")
    if holds is not None and not isinstance(holds, bool):
        raise _Shape(f"{where}.holds: expected true, false or null")
    tolerance = item.get("tolerance")
    if tolerance is not None and (not _is_number(tolerance) or abs(tolerance) > _LARGEST):
        raise _Shape(f"{where}.tolerance: expected a number or null")
    line = item.get("line")
    if not isinstance(line, int) or isinstance(line, bool):
        raise _Shape(f"{where}.line: expected an integer")
    written = _written_money(item.get("written"), f"{where}.written")
    label = item.get("expected_label")
    # Every field was checked above, as the evaluation builds them.
    return ClaimResult(
        metric=_text(item.get("metric"), f"{where}.metric"),
        op=op,
        expected=expected,
        actual=actual,
        holds=holds,
        margin=None,
        tolerance=float(tolerance) if tolerance is not None else None,
        unit=_text(item.get("unit"), f"{where}.unit"),
        quote=_text(item.get("quote"), f"{where}.quote"),
        file=_text(item.get("file"), f"{where}.file"),
        line=line,
        written=written,
        expected_label=_text(label, f"{where}.expected_label") if label is not None else None,
    )


def _written_money(data: Any, where: str) -> WrittenMoney | None:
    """A claim's or an input's `written` object (an amount in another currency), checked; None
    when there is none (a document written before the field was added has only the `note`)."""
    if data is None:
        return None
    item = _object(data, where)
    unit = _text(item.get("unit"), f"{where}.unit")
    currency = _text(item.get("currency"), f"{where}.currency")
    try:
        written_factor(unit)  # a money unit's shape: `EUR`, `EUR/kWh`
    except KeyError:
        raise _Shape(f"{where}.unit: {unit!r} is no amount of money") from None
    if money_code(unit) != currency:
        raise _Shape(f"{where}: unit {unit!r} is not an amount of {currency!r}")
    numbers: dict[str, float] = {}
    for key in ("amount", "per_usd", "low", "high"):
        value: Any = item.get(key)
        if value is None and key in ("low", "high"):
            continue
        if not _is_number(value) or abs(value) > _LARGEST:
            raise _Shape(f"{where}.{key}: expected a number")
        numbers[key] = float(value)
    if ("low" in numbers) != ("high" in numbers):
        raise _Shape(f"{where}: a range has both ends, `low` and `high`")
    if numbers["per_usd"] <= 0:
        raise _Shape(f"{where}.per_usd: expected a positive rate")
    years = []
    for key in ("year", "rate_year"):
        value = item.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 10_000:
            raise _Shape(f"{where}.{key}: expected a year")
        years.append(value)
    return WrittenMoney(
        numbers["amount"],
        unit,
        currency,
        years[0],
        years[1],
        numbers["per_usd"],
        numbers.get("low"),
        numbers.get("high"),
    )


def _unique(names: list[str], kind: str) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise _Shape(f"two {kind}s named {name!r}")
        seen.add(name)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a flag"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, dict):
        return "an object"
    return "a list" if isinstance(value, list) else type(value).__name__


def _shown(value: Any) -> str:
    return visible_path(json.dumps(value))[:40]


def _dimension_of(name: str, unit: str) -> str:
    """The JSON gives each figure its unit, not its dimension: the registry's node (or the
    per-reference node it is a copy of) knows it; else the dimension whose base unit it is."""
    node = REGISTRY.nodes.get(name)
    parts = name.split(".")
    # A name of more parts than any node's is none of theirs (and trying each part as the
    # reference would build it again for each: its length squared).
    if node is None and len(parts) <= _most_parts():
        for index in range(1, len(parts) - 1):
            template = ".".join([*parts[:index], "{ref}", *parts[index + 1 :]])
            node = REGISTRY.nodes.get(template)
            if node is not None:
                break
    if node is not None:
        return node.dimension
    return _dimensions_by_unit().get(unit, "number")


@lru_cache(maxsize=1)
def _most_parts() -> int:
    return max(len(name.split(".")) for name in REGISTRY.nodes)


@lru_cache(maxsize=1)
def _dimensions_by_unit() -> dict[str, str]:
    # "1" is the unit of several dimensions (number, fraction): a plain number then.
    return {n.unit: n.dimension for n in REGISTRY.nodes.values() if n.unit not in ("", "1")}
