"""Checking `expect` claims against the metric namespace, without running the model.

`scendsl check` must start fast, so it reads the metric namespace from `metric_index.json` — the
registry's names, dimensions and value types written to a file — instead of importing every
domain (and numpy). `python -m scendsl.model.claims` rewrites the file; a test fails when it
no longer matches the registry.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import NamedTuple

from scendsl.errors import DiagnosticSink, ScenarioError
from scendsl.language.units import BASE_UNIT, DIMENSION_EXAMPLES
from scendsl.scenario import Scenario, ScenarioSet

INDEX_FILE = Path(__file__).resolve().parent / "metric_index.json"
REFERENCE_PLACEHOLDER = "{ref}"
_DIMENSIONLESS = {"number", "fraction", "year"}


class MetricInfo(NamedTuple):
    """What a claim needs to know of a node."""

    dimension: str
    value_type: str

    @property
    def unit(self) -> str:
        return (
            ""
            if self.value_type in ("bool", "text")
            else BASE_UNIT.get(self.dimension, self.dimension)
        )


def build_index() -> dict[str, MetricInfo]:
    """The registry's namespace (imports the whole model)."""
    from scendsl.model import domains  # noqa: F401  (registers every node)
    from scendsl.model.registry import REGISTRY

    return {
        node.name: MetricInfo(node.dimension, node.value_type) for node in REGISTRY.nodes.values()
    }


@functools.lru_cache(maxsize=1)
def metric_index() -> dict[str, MetricInfo]:
    """The namespace as written to metric_index.json (templates keep their `{ref}`)."""
    with open(INDEX_FILE, encoding="utf-8") as handle:
        return {name: MetricInfo(*entry) for name, entry in json.load(handle).items()}


def write_index() -> None:
    data = {name: list(info) for name, info in build_index().items()}
    INDEX_FILE.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


def reference_names(scenario: Scenario, catalog) -> list[str]:
    """Comparison entities for the compute divide: the catalog's, then the scenario files'
    (`catalog` is the full catalog or its names: only `.references` is read)."""
    names = list(catalog.references)
    names.extend(n for n in scenario.references if n not in catalog.references)
    return names


def expand(index: dict[str, MetricInfo], references: list[str]) -> dict[str, MetricInfo]:
    """Per-reference names for the templates (`divide.{ref}.compute_ratio`)."""
    out: dict[str, MetricInfo] = {}
    for name, info in index.items():
        if REFERENCE_PLACEHOLDER in name:
            for ref in references:
                out[name.replace(REFERENCE_PLACEHOLDER, ref)] = info
        else:
            out[name] = info
    return out


def claim_problems(scenario: Scenario, known: dict[str, MetricInfo], sink: DiagnosticSink) -> None:
    """Report claims that name no metric, or compare it with a value of another dimension."""
    for claim in scenario.claims:
        info = known.get(claim.metric)
        if info is None:
            from scendsl.suggest import suggest

            sink.error(
                f"unknown metric '{claim.metric}'",
                claim.metric_span,
                suggest(claim.metric, known) or "`scendsl eval` lists every metric",
            )
            continue
        if info.value_type != "number":
            sink.error(
                f"'{claim.metric}' is not a number and cannot be compared", claim.metric_span
            )
            continue
        same = info.dimension == claim.dimension or (
            info.dimension in _DIMENSIONLESS and claim.dimension in _DIMENSIONLESS
        )
        if not same:
            wanted = DIMENSION_EXAMPLES.get(info.dimension, info.dimension)
            sink.error(
                f"'{claim.metric}' is measured in {info.unit}; compare it with {wanted}", claim.span
            )


def validate_claims(scenarios: ScenarioSet) -> None:
    """Check every claim of every scenario (for `scendsl check`); raise with all problems."""
    from scendsl.language.names import catalog_names

    index = metric_index()
    names = catalog_names()
    sink = DiagnosticSink()
    reported: set[tuple[str, int, int]] = set()
    for scenario in scenarios.scenarios:
        local = DiagnosticSink(sink.sources)
        claim_problems(scenario, expand(index, reference_names(scenario, names)), local)
        for diagnostic in local.diagnostics:
            span = diagnostic.span
            assert span is not None  # claim_problems locates every problem
            key = (span.file, span.line, span.col)
            if key not in reported:
                reported.add(key)
                sink.diagnostics.append(diagnostic)
    sink.raise_if_errors()


def raise_on_bad_claims(scenario: Scenario, known: dict[str, MetricInfo]) -> None:
    sink = DiagnosticSink()
    claim_problems(scenario, known, sink)
    if sink.has_errors:
        raise ScenarioError(sink.diagnostics)


if __name__ == "__main__":
    write_index()
    print(f"wrote {INDEX_FILE.name}")
