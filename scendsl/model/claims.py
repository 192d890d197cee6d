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
from scendsl.suggest import quoted

INDEX_FILE = Path(__file__).resolve().parent / "metric_index.json"
REFERENCE_PLACEHOLDER = "{ref}"
_DIMENSIONLESS = {"number", "fraction", "year"}


class MetricInfo(NamedTuple):
    """What a claim needs to know of a node."""

    dimension: str
    value_type: str
    #: A category's or rating's values (empty: any name); a rating's from low to high.
    choices: tuple[str, ...] = ()
    ordered: bool = False
    #: Its values are names of this catalog table, or of the scenario's own blocks of that kind
    #: (`Node.names_of`): "accelerators", "regions" or "references"; empty for any name.
    names_of: str = ""

    @property
    def kind(self) -> str:
        """number, category, rating, boolean or breakdown."""
        from scendsl.model.registry import value_kind

        return value_kind(self.value_type, self.ordered)

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

    return {node.name: info_of(node) for node in REGISTRY.nodes.values()}


def info_of(node) -> MetricInfo:
    """A registry node's MetricInfo."""
    return MetricInfo(
        node.dimension, node.value_type, choices_of(node), node.ordered, node.names_of
    )


def choices_of(node) -> tuple[str, ...]:
    """A text node's values: its own, or those of the scenario field an input reads (the
    language's field table declares them once: `workload.precision` is fp8, bf16, fp16 or fp4)."""
    if node.choices:
        return tuple(node.choices)
    if node.kind == "input" and node.value_type == "text":
        from scendsl.language.fields import scenario_field

        spec = scenario_field(node.name)
        if spec is not None and spec.choices:
            return tuple(spec.choices)
    return ()


@functools.lru_cache(maxsize=1)
def metric_index() -> dict[str, MetricInfo]:
    """The namespace as written to metric_index.json (templates keep their `{ref}`)."""
    with open(INDEX_FILE, encoding="utf-8") as handle:
        return {name: _info(entry) for name, entry in json.load(handle).items()}


def _info(entry: list) -> MetricInfo:
    """An index entry: [dimension, value type], [dimension, value type, choices, ordered] or
    [dimension, value type, choices, ordered, names_of]."""
    if len(entry) > 2:
        names_of = entry[4] if len(entry) > 4 else ""
        return MetricInfo(entry[0], entry[1], tuple(entry[2]), bool(entry[3]), names_of)
    return MetricInfo(entry[0], entry[1])


def write_index() -> None:
    # Choices and names only where a node has them: the file stays a short line per metric.
    data = {
        name: [
            info.dimension,
            info.value_type,
            *([list(info.choices), info.ordered] if info.choices or info.names_of else []),
            *([info.names_of] if info.names_of else []),
        ]
        for name, info in build_index().items()
    }
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
    """Report claims that name no metric, or compare it with a value of another kind: a number
    of another dimension, a name that is not one of a category's values, a flag compared."""
    claimable: dict[str, MetricInfo] | None = None
    for claim in scenario.claims:
        info = known.get(claim.metric)
        if info is None:
            if claimable is None:  # what a guess may offer: a breakdown cannot be claimed
                claimable = {n: i for n, i in known.items() if i.kind != "breakdown"}
            hint = _reference_by_country_hint(claim.metric, scenario, claimable)
            sink.error(
                f"unknown metric '{claim.metric}'",
                claim.metric_span,
                hint or _metric_hint(claim, claimable),
            )
            continue
        problem = _kind_problem(claim, info) or _name_problem(claim, info, scenario)
        if problem is not None:
            message, where, hint = problem
            sink.error(message, where, hint)


#: The domains whose names hold a reference's name: `divide.{ref}.compute_ratio`.
PER_REFERENCE_DOMAINS = ("divide", "reference")


def _reference_by_country_hint(
    metric: str, scenario: Scenario, claimable: dict[str, MetricInfo]
) -> str | None:
    """`divide.us.compute_ratio`, `divide.germany.compute_ratio`: a reference named by its
    country, told the references of that country (`divide.nairr_pilot.compute_ratio`); a guess
    by spelling offered another country's (`divide.lumi_g.compute_ratio`). None when the middle
    part names no country with a reference."""
    from scendsl.catalog import load_catalog
    from scendsl.language.names import hint_text, iso_region_names

    domain, _, rest = metric.partition(".")
    written, _, figure = rest.partition(".")
    if domain not in PER_REFERENCE_DOMAINS or not figure or hint_text(written) is None:
        return None
    names = iso_region_names()
    country = written.upper() if written.upper() in names else None
    if country is None:
        spoken = written.replace("_", " ").casefold()
        country = next((c for c, n in names.items() if n.casefold() == spoken), None)
    if country is None:
        return None
    # (region, a national resource first) of each reference, the catalog's and the file's own
    refs: dict[str, tuple[str, str | None]] = {
        n: (r.region, r.kind) for n, r in load_catalog().references.items()
    }
    refs.update({n: (r.region, r.kind) for n, r in scenario.references.items() if r.region})
    meant = sorted(
        (kind != "national_resource", f"{domain}.{name}.{figure}")
        for name, (region, kind) in refs.items()
        if region.split("-")[0] == country and f"{domain}.{name}.{figure}" in claimable
    )
    if not meant:
        return (
            f"a reference is named by its own name, and none is in {names[country]} "
            f"({country}): a `reference` block with `kind national_resource` and `region "
            f'"{country}"` adds one'
        )
    listed = ", ".join(f"'{name}'" for _, name in meant)
    return f"a reference is named by its own name, not its country's: {names[country]} has {listed}"


NOT_MODELLED_FILE = "not_modelled.toml"


@functools.cache
def related_figures() -> tuple[dict, ...]:
    """not_modelled.toml's `[[between]]` entries, each checked: its `sides` and its `claim`
    are metrics of the namespace, and its hint leaves the claim's formula to the registry."""
    from scendsl.language.names import shipped_file

    entries = tuple(shipped_file(NOT_MODELLED_FILE).get("between", ()))
    check_related_figures(entries, metric_index())
    return entries


def check_related_figures(entries: tuple[dict, ...], index: dict[str, MetricInfo]) -> None:
    """Refuse (CatalogError) a `[[between]]` entry naming a metric the model does not have, or
    whose hint writes no `{claim}` and `{formula}` place (the formula is the registry's)."""
    from scendsl.catalog.model import CatalogError

    for number, entry in enumerate(entries, start=1):
        where = f"between #{number}"
        for name in (*entry["sides"][0], *entry["sides"][1], entry["claim"]):
            if name not in index:
                field = "claim" if name == entry["claim"] else "sides"
                raise CatalogError(
                    NOT_MODELLED_FILE, where, field, f"'{name}' is no metric the model computes"
                )
        for place in ("{claim}", "{formula}"):
            if place not in entry["hint"]:
                raise CatalogError(NOT_MODELLED_FILE, where, "hint", f"has no {place}")


def between_hint(metric: str, other: str) -> str | None:
    """The hint for a claim comparing two metrics (`expect market.rental_cost > market.capex`)
    when the model computes one figure from both, one on each of its sides (not_modelled.toml
    `between`: two rental costs are not renting against buying), with that figure's formula
    from the registry; else None."""
    for entry in related_figures():
        one, two = entry["sides"]
        if (metric in one and other in two) or (metric in two and other in one):
            return str(entry["hint"]).format(
                claim=entry["claim"], formula=formula_of(entry["claim"])
            )
    return None


def formula_of(name: str) -> str:
    """The registry's formula of a node (imports the whole model: for hints, not for checks)."""
    from scendsl.model import domains  # noqa: F401  (registers every node)
    from scendsl.model.registry import REGISTRY

    return REGISTRY[name].formula


def _metric_hint(claim, claimable: dict[str, MetricInfo]) -> str:
    """A guess among the metrics a claim may name (`energy.power` was offered the breakdown
    `energy.power_by_source`, which cannot be claimed), within the domain written; a domain
    the model has not (`inference.tokens_per_second` was offered the training metric
    `performance.tokens_per_step`) is told the domains there are."""
    from scendsl.language.names import not_modelled_hint
    from scendsl.suggest import fix_of, suggest

    # a figure the model does not compute (`energy.water_withdrawal`, not a misspelling)
    unmodelled = not_modelled_hint(claim.metric)
    if unmodelled is not None:
        return unmodelled
    domain, _, rest = claim.metric.partition(".")
    domains = list(dict.fromkeys(name.partition(".")[0] for name in claimable))
    if domain not in domains:
        guess = suggest(claim.metric, claimable)
        if guess and (fix_of(guess) or "").partition(".")[2] == rest:
            return guess  # the domain misspelt (`enrgy.facility_power`), the rest as written
        return (
            f"the model has no metric of '{domain}': its domains are {', '.join(domains)} "
            "(`scendsl list metrics` lists every metric)"
        )
    # A figure of the claim's own dimension first: `workload.compute > 1e25 FLOP` was offered
    # `workload.recompute`, a category no amount of FLOP is compared with.
    fitting = [
        name
        for name, info in claimable.items()
        if name.partition(".")[0] == domain and info.dimension == claim.dimension
    ]
    if fitting and claim.dimension not in _PLAIN_DIMENSIONS:
        guess = suggest(claim.metric, fitting)
        if guess is not None:
            return guess
        if len(fitting) <= _LISTED_METRICS:
            return f"the metrics of '{domain}' in that unit are {', '.join(fitting)}"
    return suggest(claim.metric, claimable) or "`scendsl list metrics` lists every metric"


#: Dimensions too common to narrow a guess by (a count, a share, a category, a flag).
_PLAIN_DIMENSIONS = frozenset({"number", "fraction", "category", "bool", "text"})
#: At most this many metrics of a domain and dimension are listed when no spelling guess fits.
_LISTED_METRICS = 6


#: What one name of each `names_of` table is, and what the metric names, in a message.
_NAME_KINDS = {
    "accelerators": ("accelerator", "the name of an accelerator (the catalog's or the file's own)"),
    "regions": ("region", "a region's ISO code"),
    "references": ("reference", "the name of a reference (the catalog's or the file's own)"),
}


def _name_problem(claim, info: MetricInfo, scenario: Scenario):
    """(message, span, hint) when a claim compares a metric whose values are names of a catalog
    table (`names_of`) with a name that is none of them: the claim could never hold."""
    if not info.names_of or claim.dimension != "category" or not isinstance(claim.value, str):
        return None
    from scendsl.language.names import accelerator_hint, catalog_names, is_region
    from scendsl.suggest import suggest

    value, names = claim.value, catalog_names()
    if info.names_of == "regions":
        if is_region(value, names):
            return None
        from scendsl.language.values import region_hint

        hint: str | None = region_hint(value, names.regions)
    else:
        own = scenario.accelerators if info.names_of == "accelerators" else scenario.references
        known = [*getattr(names, info.names_of), *own]
        if value in known:
            return None
        # an accelerator is guessed as a scenario's accelerator is: never another model number
        guess = accelerator_hint if info.names_of == "accelerators" else suggest
        hint = guess(value, tuple(known)) or f"`scendsl list {info.names_of}` lists the catalog's"
    what, names_what = _NAME_KINDS[info.names_of]
    return (
        f"{quoted(value)} is no {what}: {quoted(claim.metric)} is {names_what}",
        claim.value_span or claim.span,
        hint,
    )


def _other_metric_hint(claim) -> str | None:
    """`expect market.rental_cost < market.capex`: a claim compares a metric with a figure, not
    with another metric (the Abu Dhabi trial's buy-or-rent claim was told to compare with an
    amount of money, with no word of why)."""
    value = claim.value if isinstance(claim.value, str) else ""
    if value not in metric_index():
        return None
    # the Kuala Lumpur trial's buy-or-rent claim: a figure the model computes from both
    both = between_hint(claim.metric, value)
    return (
        f"a claim compares a metric with a figure, not with another metric ({quoted(value)}): "
        + (
            both
            or "write a claim with its own figure for each, or `scendsl explain` both to compare them"
        )
    )


def _kind_problem(claim, info: MetricInfo):
    """(message, span, hint) when the claim does not fit the metric's kind, else None."""
    name, kind = claim.metric, info.kind
    where = claim.value_span or claim.span
    flag_hint = f"write 'expect {name}' or 'expect not {name}'"
    if kind == "breakdown":
        return (
            f"{quoted(name)} is a breakdown (a figure per part) and cannot be claimed",
            where,
            None,
        )
    if kind == "boolean":
        if claim.dimension == "bool":
            return None
        return (f"{quoted(name)} is a flag (true or false) and is not compared", where, flag_hint)
    if claim.dimension == "bool":
        return (
            f"{quoted(name)} is a {kind}, not a flag",
            claim.metric_span,
            _compare_hint(name, info),
        )
    if kind == "number":
        if claim.dimension == "category":
            other = _other_metric_hint(claim)
            measured = f"measured in {info.unit}" if info.unit not in ("", "1") else "with no unit"
            return (
                f"{quoted(name)} is compared with another metric, {quoted(claim.value)}"
                if other
                else f"{quoted(name)} is a number {measured}, not a category: "
                f"{quoted(claim.value)} is no value of it",
                where,
                other or _compare_hint(name, info),
            )
        same = info.dimension == claim.dimension or (
            info.dimension in _DIMENSIONLESS and claim.dimension in _DIMENSIONLESS
        )
        if same:
            return None
        wanted = DIMENSION_EXAMPLES.get(info.dimension, info.dimension)
        return (f"{quoted(name)} is measured in {info.unit}; compare it with {wanted}", where, None)
    # A category or a rating.
    if claim.dimension != "category":
        return (f"{quoted(name)} is a {kind}, not a number", where, _compare_hint(name, info))
    if kind == "category" and claim.op not in ("==", "!="):
        return (
            f"{quoted(name)} is a category: its values have no order, so '{claim.op}' cannot compare "
            "them",
            where,
            f"compare it with == or !={_allowed(info)}",
        )
    if info.choices and claim.value not in info.choices:
        from scendsl.suggest import suggest

        guess = suggest(str(claim.value), info.choices)
        return (
            f"{quoted(claim.value)} is not a value of {quoted(name)}",
            where,
            " ".join(part for part in (guess, f"Its {_values(info)}.") if part),
        )
    return None


def _values(info: MetricInfo) -> str:
    """`values are low < medium < high` (a rating) or `values are a, b, c`."""
    joiner = " < " if info.ordered else ", "
    return f"values are {joiner.join(info.choices)}"


def _allowed(info: MetricInfo) -> str:
    return f"; its {_values(info)}" if info.choices else ""


def _compare_hint(name: str, info: MetricInfo) -> str:
    """How a claim on this metric is written, by its kind."""
    kind = info.kind
    if kind == "boolean":
        return f"write 'expect {name}' or 'expect not {name}'"
    if kind == "category":
        example = info.choices[0] if info.choices else "NAME"
        return f"write 'expect {name} == {example}'{_allowed(info)}"
    if kind == "rating":
        example = info.choices[len(info.choices) // 2] if info.choices else "NAME"
        return f"write 'expect {name} <= {example}'{_allowed(info)}"
    wanted = DIMENSION_EXAMPLES.get(info.dimension, info.dimension)
    return f"compare it with {wanted}, e.g. 'expect {name} >= ...'"


def validate_claims(scenarios: ScenarioSet) -> None:
    """Check every claim of every scenario (for `scendsl check`); raise with all problems."""
    from scendsl.suggest import suggestion_budget

    with suggestion_budget():  # a did-you-mean per unknown metric, bounded per check
        _validate_claims(scenarios)


def _validate_claims(scenarios: ScenarioSet) -> None:
    from scendsl.language.names import catalog_names

    index = metric_index()
    names = catalog_names()
    sink = DiagnosticSink(loaded=scenarios.texts)
    reported: set[tuple[str, int, int]] = set()
    for scenario in scenarios.scenarios:
        local = DiagnosticSink(sink.sources, loaded=scenarios.texts)
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
