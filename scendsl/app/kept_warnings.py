"""The warnings of `scendsl check` kept scenario by scenario, so that a check after an edit
evaluates only the scenarios the edit changed.

A kept check (`app.kept_check`) is all or nothing: after any edit every scenario was
evaluated again, and evaluating the samples' 21 scenarios and finding their warnings was about
a fifth of an edited check's CPU. A scenario's warnings are a function of the resolved
scenario alone (every field, where each was written, which fields were set) and of the package
and the libraries (`kept_check.package_key`): the evaluation reads nothing else. So they are
kept under a digest of the resolved scenario (`scenario_key`); a scenario whose digest is
kept is not evaluated again. The quoted source line of each warning is read afresh, as a
check without the cache reads it: a comment edited on that line changes no scenario.

A scenario that only moved (a line added or removed above it: every place it was written in a
file moved by the same lines) has the same digest: the digest counts each place's line from
the scenario's first line in that file. Its kept warnings are moved with it when every place
they point at is one of the scenario's own and no text of theirs names a place in its files
(a figure's origin, `file:line:col`, may reach a message): such warnings are those an
evaluation of the moved scenario makes. Other kept warnings are used only where they were
made; a moved scenario with such warnings is evaluated again.

One entry per package, current folder and paths checked (as the kept check's, and as many:
`kept_check.MAX_KEPT_CHECKS`), holding the warnings of the scenarios of the last check only, so
it never grows. Deleting it is safe; a
stale entry (another package, another library) is a miss, and so is a scenario whose digest
changed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import secrets
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from scendsl.errors import Diagnostic, DiagnosticSink, Span
from scendsl.files.kept import caching, digest, keep, keep_newest, read_entry

if TYPE_CHECKING:
    from scendsl.scenario import Scenario

_FORMAT = "check-warnings-2"


def kept_warnings(
    scenarios: Sequence[Scenario],
    paths: Sequence[str],
    work: Callable[[list[Scenario]], list[list[Diagnostic]]],
    texts: Mapping[str, str] | None = None,
) -> list[Diagnostic]:
    """The warnings of `scenarios` (checked as `paths`), in their order: each scenario's as
    kept when that very scenario was checked before, else `work(those left)` (one list of
    warnings per scenario given it, in its order), then kept. A kept warning quotes its line
    from `texts`, the texts this load read."""
    if not caching():
        return [d for found in work(list(scenarios)) for d in found]
    from scendsl.app.kept_check import MAX_KEPT_CHECKS, entry_kind, entry_name, package_key

    name, key = entry_name(paths, "check-warnings"), digest(_FORMAT, package_key())
    entry = read_entry(name, key, frozenset())
    kept: dict[str, Any] = entry if isinstance(entry, dict) else {}
    keys = [scenario_key(scenario) for scenario in scenarios]
    reused = [_reused(kept.get(k.digest), k) if k is not None else None for k in keys]
    left = [s for s, plain in zip(scenarios, reused, strict=True) if plain is None]
    made = iter(work(left)) if left else iter(())
    sink = DiagnosticSink(loaded=texts)  # quotes each warning's line as this load read it
    found: list[Diagnostic] = []
    now: dict[str, dict[str, Any]] = {}
    for keyed, plain in zip(keys, reused, strict=True):
        if plain is not None:
            found += [sink.quoted(_diagnostic(fields)) for fields in plain]
        else:
            diagnostics = next(made)
            found += diagnostics
            plain = [_plain(d) for d in diagnostics]
        if keyed is not None:
            now[keyed.digest] = {
                "firsts": keyed.firsts,
                "warnings": plain,
                "movable": keyed.movable(plain),
            }
    if now != kept:
        keep(name, key, now)
        keep_newest(entry_kind("check-warnings"), MAX_KEPT_CHECKS, name)
    return found


@dataclasses.dataclass(frozen=True)
class ScenarioKey:
    """What a scenario's warnings are kept under: the digest of everything it holds, each
    place's line counted from `firsts` (the first line of the scenario in each file), and its
    places as written (file, line, col, end_line, end_col)."""

    digest: str
    firsts: dict[str, int]
    places: frozenset[tuple[Any, ...]]

    def movable(self, warnings: list[dict[str, Any]]) -> bool:
        """Whether `warnings` (`_plain`) may be moved with the scenario: every place they
        point at is one of its own, and none of their texts names a place in its files."""
        names = tuple(f"{file}:" for file in self.firsts)
        for fields in warnings:
            spans = [at for _, at in fields["related"]]
            if fields["span"] is not None:  # a warning of no place has none to move
                spans.append(fields["span"])
            if any(_place(span) not in self.places for span in spans):
                return False
            texts = [value for value in fields.values() if isinstance(value, str)]
            if any(name in text for text in texts for name in names):
                return False
        return True


def scenario_key(scenario: Scenario) -> ScenarioKey | None:
    """The key of a resolved scenario (its digest the same in every process), or None when
    it holds a value of a kind this does not know (never kept, always evaluated)."""
    spans: list[Span] = []
    try:
        canonical = _canonical(scenario, spans)
    except TypeError:  # a value of a kind _canonical does not know
        return None
    firsts: dict[str, int] = {}
    for span in spans:
        firsts[span.file] = min(span.line, firsts.get(span.file, span.line))
    back = {file: -line for file, line in firsts.items()}
    text = repr((canonical, [_fields(_moved(span, back)) for span in spans]))
    return ScenarioKey(
        hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(),
        dict(sorted(firsts.items())),
        frozenset(_fields(span) for span in spans),
    )


def scenario_digest(scenario: Scenario) -> str | None:
    """SHA-256 (hex) of everything a resolved scenario holds, where it was written counted
    from its first line in each file (`scenario_key`); None when it holds a value of a kind
    this does not know."""
    key = scenario_key(scenario)
    return key.digest if key is not None else None


def exact_key(value: Any) -> str:
    """What tells two resolved scenarios (or sweeps) apart for what they evaluate and show, as
    text (a key of the caches that keep evaluations, runs and pages): everything they hold,
    which fields were written and where each was (`scenario_key`: its digest and each file's
    first line). Neither pydantic's `==` nor `repr` is it: both take a field written at its
    default for one not written (`parallelism expert 1, data auto` for `parallelism expert 1`,
    which leaves the layout to the model), and `==` takes 1 for 1.0 or True. A value holding
    something `scenario_key` does not know gets a random key, equal to no other: it is
    evaluated again, never taken for another."""
    key = scenario_key(value)
    if key is None:
        return f"unknown {secrets.token_hex(16)}"
    return repr((key.digest, sorted(key.firsts.items())))


def _reused(entry: Any, key: ScenarioKey) -> list[dict[str, Any]] | None:
    """The kept warnings of the scenario keyed `key` (`entry` kept under its digest), moved
    to where it is now; None when there are none it may use."""
    if not isinstance(entry, dict):
        return None
    if entry["firsts"] == key.firsts:
        return list(entry["warnings"])
    if not entry["movable"] or entry["firsts"].keys() != key.firsts.keys():
        return None
    shift = {file: key.firsts[file] - line for file, line in entry["firsts"].items()}
    return [
        _plain(_diagnostic(fields).with_spans(lambda at: _moved(at, shift)))
        for fields in entry["warnings"]
    ]


def _place(span: dict[str, Any]) -> tuple[Any, ...]:
    """A span as `_plain` keeps it, as a tuple of Span's fields in their order (`_fields`)."""
    return tuple(span[name] for name in Span.__slots__)


def _fields(span: Span) -> tuple[Any, ...]:
    """A span as a tuple of its fields in their order."""
    return tuple(getattr(span, name) for name in Span.__slots__)


def _moved(span: Span, shift: dict[str, int]) -> Span:
    """`span` moved `shift[its file]` lines."""
    lines = shift[span.file]
    end = span.end_line + lines if span.end_line is not None else None
    return dataclasses.replace(span, line=span.line + lines, end_line=end)


_SCALARS = frozenset((type(None), bool, int, float, str))


def _canonical(value: Any, spans: list[Span]) -> Any:
    """`value` as nested tuples of scalars and class names, the same in every process (no set
    or hash order in it): two values with one canonical form evaluate alike. Each span is
    left out, appended to `spans` (the key counts its lines from the scenario's first)."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is list or kind is tuple:
        return (kind.__name__, [_canonical(item, spans) for item in value])
    if kind is dict:
        return ("dict", [(_canonical(k, spans), _canonical(v, spans)) for k, v in value.items()])
    if kind is Span:
        spans.append(value)
        return "Span"
    if kind.__module__ == "scendsl.scenario" and not (
        value.__pydantic_extra__ or value.__pydantic_private__
    ):
        return (
            kind.__qualname__,
            # Which fields were written as well as their values: the model reads that.
            sorted(value.__pydantic_fields_set__),
            [(name, _canonical(field, spans)) for name, field in sorted(value.__dict__.items())],
        )
    # A built-in error, not a class of ours: the project's own errors are ScendslErrors, which
    # reach users; this one never leaves scenario_digest.
    raise TypeError(f"no canonical form for {kind.__qualname__}")


def _plain(diagnostic: Diagnostic) -> dict[str, Any]:
    """A warning as built-in values (the kept entries hold no class), its quoted line left
    out: it is read again when the warning is used."""
    fields = dataclasses.asdict(diagnostic)
    del fields["source_line"]
    return fields


def _diagnostic(fields: dict[str, Any]) -> Diagnostic:
    span = fields["span"]
    return Diagnostic(
        **{
            **fields,
            "span": Span(**span) if span is not None else None,
            "related": tuple((label, Span(**at)) for label, at in fields["related"]),
        }
    )
