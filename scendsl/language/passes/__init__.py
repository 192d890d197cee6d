"""Stage 2: parsed documents → `ScenarioSet`, as passes over the definitions.

1. definitions (`definitions.py`): the named blocks of every document, each name once;
2. extends (`extends.py`): each scenario's lines as flat dotted paths, parents under children;
3. values (`scenarios.py`, reading with `scendsl.language.values`): typed scenarios, after the
   custom accelerators and references they name (`blocks.py`);
4. claims (`claims.py`): `expect` and `correlate` lines of each scenario;
5. sweeps (`sweeps.py`): axes over the built scenarios, under one variant cap.

Imports are followed before, while loading (`scendsl.language.loading`). Every mistake becomes a
located diagnostic; all of them are reported together.
"""

from __future__ import annotations

from scendsl.defaults import DEFAULT_MAX_VARIANTS
from scendsl.errors import DiagnosticSink
from scendsl.language import fields as F
from scendsl.language.names import CatalogNames, catalog_names
from scendsl.language.passes.blocks import BlocksPass
from scendsl.language.passes.definitions import DefinitionsPass
from scendsl.language.passes.scenarios import ScenariosPass
from scendsl.language.passes.sweeps import SweepsPass
from scendsl.language.syntax import Document
from scendsl.scenario import Scenario, ScenarioSet


class Resolver(DefinitionsPass, ScenariosPass, BlocksPass, SweepsPass):
    """Every pass over one set of documents: `Resolver(sink, catalog, max_variants)`."""


def resolve(
    documents: list[Document],
    sink: DiagnosticSink | None = None,
    *,
    max_variants: int = DEFAULT_MAX_VARIANTS,
    catalog: CatalogNames | None = None,
) -> ScenarioSet:
    """Resolve parsed documents into a ScenarioSet, or raise ScenarioError with every problem."""
    from scendsl.suggest import suggestion_budget

    # Did-you-mean hints compare names with names: bounded per load, not quadratic in it.
    with suggestion_budget():
        return _resolve(documents, sink, max_variants=max_variants, catalog=catalog)


def _resolve(
    documents: list[Document],
    sink: DiagnosticSink | None,
    *,
    max_variants: int,
    catalog: CatalogNames | None,
) -> ScenarioSet:
    sink = sink or DiagnosticSink({d.file: d.text for d in documents})
    for document in documents:
        sink.sources.setdefault(document.file, document.text)
    resolver = Resolver(sink, catalog or catalog_names(), max_variants)
    resolver.collect(documents)  # definitions
    # Custom hardware and references first: scenarios name them.
    accelerators = {}
    references = {}
    for definition in resolver.order:
        if definition.kind == "accelerator":
            built = resolver.build_accelerator(definition)
            if built is not None:
                accelerators[built.name] = built
        elif definition.kind == "reference":
            reference = resolver.build_reference(definition)
            if reference is not None:
                references[reference.name] = reference
    resolver.built_references = references
    # Set-level options, copied into every scenario like the custom hardware and references.
    options = resolver.build_briefings()
    shared = {
        "accelerators": accelerators,
        "references": references,
        "comparison_precision": options.get("comparison_precision", F.DEFAULT_COMPARISON_PRECISION),
    }
    # Each scenario: extends, values, claims.
    scenarios: dict[str, Scenario] = {}
    for definition in resolver.order:
        if definition.kind == "scenario":
            scenario = resolver.build_scenario(definition)
            if scenario is not None:
                scenarios[scenario.name] = scenario.model_copy(update=shared)
    sweeps = []
    for definition in resolver.order:
        if definition.kind == "sweep":
            sweep = resolver.build_sweep(definition, scenarios)
            if sweep is not None:
                sweeps.append(sweep)
    sink.raise_if_errors()
    return ScenarioSet.model_construct(
        scenarios=tuple(scenarios.values()), sweeps=tuple(sweeps), texts=dict(sink.sources)
    )
