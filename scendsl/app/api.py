"""The Python API's validated verbs: scenarios made and changed in Python.

They live in the application layer because checking a value needs the language's field specs and
the catalog's names, which the scenario models (the lowest layer) may not import. The package
exposes them: `scendsl.make_scenario`, `scendsl.with_changes`, `scendsl.evaluate`.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel

from scendsl.errors import ScenarioError, Span
from scendsl.language import fields as F
from scendsl.language.typed import PYTHON_SOURCE, check_scenario, read_fields
from scendsl.scenario import Cluster, Energy, Market, Scenario, Workload
from scendsl.suggest import quoted

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

#: Each field's short name (`count`, `mfu`, `pue`): its last part, unique across sections.
SHORT_NAMES: dict[str, str] = {path.rpartition(".")[2]: path for path in F.all_scenario_paths()}


def field_paths(changes: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments by dotted path: `count` -> `cluster.count`; a dotted path (passed as
    `**{"cluster.count": 5}`) stays; an unknown name is kept for the reader to report."""
    paths: dict[str, Any] = {}
    for key, value in changes.items():
        path = key if "." in key else SHORT_NAMES.get(key, key)
        if path in paths:
            raise ScenarioError.one(
                f"'{path}' is given twice (as {quoted(key)} and by its other name)"
            )
        paths[path] = value
    return paths


def _assemble(base: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """`values` (dotted paths, checked) merged into `base` (a scenario's top-level fields)."""
    sections: dict[str, dict[str, Any]] = {}
    top = dict(base)
    for path, value in values.items():
        if "." in path:
            section, _, name = path.partition(".")
            sections.setdefault(section, {})[name] = value
        else:
            top[path] = value
    models: dict[str, type[BaseModel]] = {
        "cluster": Cluster,
        "energy": Energy,
        "workload": Workload,
        "market": Market,
    }
    for section, changes in sections.items():
        current = top.get(section)
        # Read field by field: a dump would turn a Parallelism or mix shares into dicts.
        fields = (
            {name: getattr(current, name) for name in type(current).model_fields}
            if current is not None
            else {}
        )
        top[section] = models[section].model_construct(**{**fields, **changes})
    return top


def make_scenario(name: str, **fields: Any) -> Scenario:
    """A scenario made in Python, checked as the language checks a `scenario` block.

    Fields by short name (`accelerator="H100"`, `count=1000`, `year=2026`, `region="US"`,
    `mfu=0.4`) or dotted path; numbers in SI base units or text with units (`"1.2 GW"`,
    `"30% to 45%"`). `title` defaults to the name. Raises ScenarioError naming each wrong field.
    """
    # As in a file: names become output file names, so letters, digits and '_' only.
    if not isinstance(name, str) or not _NAME.fullmatch(name) or len(name) > F.MAX_NAME_LENGTH:
        raise ScenarioError.one(
            f"a scenario name is a word of letters, digits and '_' (at most "
            f"{F.MAX_NAME_LENGTH} characters), not {name!r}",
            hint="e.g. 'my_cluster'",
        )
    values = read_fields(field_paths(fields), required=True)
    lines = list(values)
    origins = {path: Span(PYTHON_SOURCE, lines.index(path) + 1, 1) for path in values}
    values = {path: value for path, value in values.items() if value is not None}
    top = _assemble({}, values)
    top.setdefault("title", name)
    for section, model in (
        ("energy", Energy),
        ("workload", Workload),
        ("market", Market),
    ):
        top.setdefault(section, model.model_construct())
    return Scenario.model_construct(
        name=name,
        operator=top.pop("operator", None),
        source=top.pop("source", None),
        context=top.pop("context", None),
        claims=(),
        correlations=(),
        accelerators={},
        references={},
        origins=origins,
        extends=(),
        sweep=None,
        sweep_point={},
        span=Span(PYTHON_SOURCE, 1, 1),
        **top,
    )


def with_changes(scenario: Scenario, **changes: Any) -> Scenario:
    """A copy of `scenario` with some fields changed, checked as the language would: the same
    bounds, names and units (`with_changes(s, count=-5)` raises ScenarioError naming
    `cluster.count` and its bounds). `None` unsets an optional field."""
    values = read_fields(
        field_paths(changes), scenario.accelerators, references=scenario.references
    )
    top = _assemble({name: getattr(scenario, name) for name in type(scenario).model_fields}, values)
    origins = dict(scenario.origins)
    for number, path in enumerate(values, start=1):
        origins[path] = Span(PYTHON_SOURCE, number, 1)
    top["origins"] = origins
    # A changed value no longer has the source the analyst gave for the old one.
    top["citations"] = {p: c for p, c in scenario.citations.items() if p not in values}
    # ... and is in USD, whatever currency the old one was written in.
    top["currencies"] = {p: c for p, c in scenario.currencies.items() if p not in values}
    return Scenario.model_construct(**top)


def checked(scenario: Scenario) -> Scenario:
    """`scenario` itself once every field passes the language's checks (a scenario changed with
    pydantic's `model_copy` bypasses them); raises ScenarioError naming each wrong field."""
    check_scenario(scenario)
    return scenario
