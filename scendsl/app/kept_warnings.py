"""The warnings of `scendsl check` kept scenario by scenario, so that a check after an edit
evaluates only the scenarios the edit changed.

A kept check (`app.kept_check`) is all or nothing: after any edit every scenario was
evaluated again, and evaluating the samples' 21 scenarios and finding their warnings was about
a fifth of an edited check's CPU. A scenario's warnings are a function of the resolved
scenario alone (every field, where each was written, which fields were set) and of the package
and the libraries (`kept_check.package_key`): the evaluation reads nothing else. So they are
kept under a digest of the resolved scenario (`scenario_digest`); a scenario whose digest is
kept is not evaluated again. The quoted source line of each warning is read afresh, as a
check without the cache reads it: a comment edited on that line changes no scenario.

One entry per package, current folder and paths checked (as the kept check's, and as many:
`kept_check.MAX_KEPT_CHECKS`), holding the warnings of the scenarios of the last check only, so
it never grows. Deleting it is safe; a
stale entry (another package, another library) is a miss, and so is a scenario whose digest
changed.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from scendsl.errors import Diagnostic, DiagnosticSink, Span
from scendsl.files.kept import caching, digest, keep, keep_newest, read_entry

if TYPE_CHECKING:
    from scendsl.scenario import Scenario

_FORMAT = "check-warnings-1"


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
    digests = [scenario_digest(scenario) for scenario in scenarios]
    left = [s for s, d in zip(scenarios, digests, strict=True) if d is None or d not in kept]
    made = iter(work(left)) if left else iter(())
    sink = DiagnosticSink(loaded=texts)  # quotes each warning's line as this load read it
    found: list[Diagnostic] = []
    now: dict[str, list[dict[str, Any]]] = {}
    for hashed in digests:
        if hashed is not None and hashed in kept:
            plain = kept[hashed]
            found += [sink.quoted(_diagnostic(fields)) for fields in plain]
        else:
            diagnostics = next(made)
            found += diagnostics
            plain = [_plain(d) for d in diagnostics]
        if hashed is not None:
            now[hashed] = plain
    if now != kept:
        keep(name, key, now)
        keep_newest(entry_kind("check-warnings"), MAX_KEPT_CHECKS, name)
    return found


def scenario_digest(scenario: Scenario) -> str | None:
    """SHA-256 (hex) of everything a resolved scenario holds, the same in every process; None
    when it holds a value of a kind this does not know (never kept, always evaluated)."""
    try:
        canonical = repr(_canonical(scenario))
    except TypeError:  # a value of a kind _canonical does not know
        return None
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


_SCALARS = frozenset((type(None), bool, int, float, str))


def _canonical(value: Any) -> Any:
    """`value` as nested tuples of scalars and class names, the same in every process (no set
    or hash order in it): two values with one canonical form evaluate alike."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is list or kind is tuple:
        return (kind.__name__, [_canonical(item) for item in value])
    if kind is dict:
        return ("dict", [(_canonical(k), _canonical(v)) for k, v in value.items()])
    if kind is Span:
        return ("Span", *(getattr(value, name) for name in Span.__slots__))
    if kind.__module__ == "scendsl.scenario" and not (
        value.__pydantic_extra__ or value.__pydantic_private__
    ):
        return (
            kind.__qualname__,
            # Which fields were written as well as their values: the model reads that.
            sorted(value.__pydantic_fields_set__),
            [(name, _canonical(field)) for name, field in sorted(value.__dict__.items())],
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
