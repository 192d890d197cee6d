"""The field table (`scendsl.language.fields`) is the one declaration of each field: the typed
models, the model's input nodes and the language reference agree with it."""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
import types
import typing
from pathlib import Path

import pytest

import scendsl.model.domains  # noqa: F401  (registers the input nodes)
from scendsl import load_text
from scendsl import scenario as S
from scendsl.language import fields as F
from scendsl.model.registry import REGISTRY

ROOT = Path(__file__).resolve().parent.parent

#: Python type of each kind of field, as the typed models hold it.
KIND_TYPES = {
    "quantity": {float, S.Uncertain},
    "integer": {int},
    "string": {str},
    "region": {str},
    "accelerator": {str},
    "comparison": {str},
    "mix": {tuple[S.MixShare, ...]},
    "parallelism": {S.Parallelism},
}


def _types(annotation) -> set:
    """The types of an annotation, `None` dropped and unions opened."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return set().union(*(_types(a) for a in typing.get_args(annotation))) - {type(None)}
    return {annotation}


def _expected(spec: F.FieldSpec) -> set:
    if spec.kind == "enum" and spec.catalog_choices:
        return {str}  # the catalog's names: the language checks them, the model holds the name
    if spec.kind == "enum":
        return {typing.Literal[spec.choices]}
    return KIND_TYPES[spec.kind]


MODELS = [
    (section, getattr(S, section.capitalize()), fields) for section, fields in F.SECTIONS.items()
]
MODELS += [
    ("scenario", S.Scenario, F.SCENARIO_ATTRIBUTES),
    ("accelerator", S.CustomAccelerator, F.ACCELERATOR_ATTRIBUTES),
    ("reference", S.ReferenceEntity, F.REFERENCE_FIELDS),
]


@pytest.mark.parametrize(("name", "model", "fields"), MODELS, ids=[m[0] for m in MODELS])
def test_typed_models_hold_the_field_tables_types_and_choices(name, model, fields):
    S.complete_models()
    model_fields = model.model_fields
    if name in F.SECTIONS:  # a section model holds exactly its fields
        assert set(model_fields) == set(fields)
    for field_name, spec in fields.items():
        assert field_name in model_fields, f"{name}.{field_name} has no place in {model.__name__}"
        assert _types(model_fields[field_name].annotation) == _expected(spec), (
            f"{name}.{field_name}: {model_fields[field_name].annotation} is not a {spec.kind}"
        )


def test_cluster_fabric_takes_only_the_fabrics_the_language_knows():
    # The typed model held a plain string while the language refused all but five names.
    with pytest.raises(ValueError):
        S.Cluster(accelerator="H100", count=8.0, fabric="token-ring")
    assert S.Cluster(accelerator="H100", count=8.0, fabric="roce").fabric == "roce"


def _node_dimension(path: str, spec: F.FieldSpec) -> set[str]:
    if spec.kind in ("quantity", "integer"):
        return {"year"} if path == "year" else {spec.dimension}
    return {"text"}


def _scenario_reads(node) -> list[str]:
    if node.scenario_field:  # declared with `scenario_input`
        return [node.scenario_field]
    source = inspect.getsource(node.compute)
    return re.findall(r'scenario_(?:value|or_calibration)\(\s*"([\w.]+)"', source)


def test_input_nodes_reading_a_field_have_its_dimension():
    checked = 0
    for node in REGISTRY.inputs():
        reads = _scenario_reads(node)
        if not reads:
            continue
        # The node stands for the first field it reads (the others are fallbacks).
        path = reads[0]
        spec = F.scenario_field(path)
        assert spec is not None, f"{node.name} reads '{path}', which the language lacks"
        assert node.dimension in _node_dimension(path, spec), (
            f"{node.name} is in {node.dimension}, the field '{path}' in {spec.dimension}"
        )
        assert (node.value_type == "text") == (spec.kind not in ("quantity", "integer"))
        checked += 1
    assert checked >= 20  # the pattern still finds the model's readers


def test_accelerator_figure_inputs_have_the_figures_dimension():
    for name, spec in F.ACCELERATOR_FIGURES.items():
        node = REGISTRY.nodes.get(f"accelerator.{name}")
        if node is not None:
            assert node.dimension == spec.dimension, name


def test_language_reference_field_table_is_generated_from_the_field_table():
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_field_docs.py"), "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _written(path: str, value: str) -> str:
    section, _, name = path.partition(".")
    return f"  {section} {{\n    {name} {value}\n  }}\n"


def _requirement_lines(path: str, need: F.Requirement) -> tuple[str, str, str | None]:
    """The field written with a value `need` applies to, a value of the field it needs that
    meets it and one that fails it (None when any value meets it: only leaving the field out
    fails it)."""
    section, _, name = path.partition(".")
    spec = F.SECTIONS[section][name]
    if need.when:
        value = need.when[0]
    else:
        value = spec.choices[0] if spec.kind == "enum" else f"{spec.minimum or 1:g}"
    other = F.SECTIONS[section][need.field]
    if not need.values:
        return _written(path, value), f"{(other.minimum or 0) + 1:g}", None
    unmet = next(c for c in other.choices if c not in need.values)
    return _written(path, value), need.values[0], unmet


REQUIREMENTS = pytest.mark.parametrize(
    "path, other, need", F.field_requirements(), ids=[p for p, _, _ in F.field_requirements()]
)
#: The requirements some written value fails: a sweep over the field needed can reach one.
VALUED_REQUIREMENTS = pytest.mark.parametrize(
    "path, other, need",
    [(p, o, n) for p, o, n in F.field_requirements() if n.values],
    ids=[p for p, _, n in F.field_requirements() if n.values],
)


@REQUIREMENTS
def test_each_declared_requirement_is_checked_where_the_field_is_written(path, other, need):
    from tests.factories import only_diagnostic, scenario_text

    needing, met, unmet = _requirement_lines(path, need)
    wanted = f"write '{other} {need.values[0]}'" if need.values else f"write '{other}'"
    for body in (needing, *(() if unmet is None else (needing + _written(other, unmet),))):
        diagnostic = only_diagnostic(scenario_text("s", body=body))
        assert path in diagnostic.message and other in diagnostic.message
        assert need.because in diagnostic.message
        assert wanted in diagnostic.hint
    assert load_text(scenario_text("s", body=needing + _written(other, met))).get("s") is not None


@VALUED_REQUIREMENTS
def test_each_declared_requirement_is_checked_in_every_variant_of_a_sweep(path, other, need):
    # A sweep over the field needed, from a base that meets the need, has a variant that does
    # not: an error at the sweep's line, as a scenario that wrote it would have.
    from tests.factories import only_diagnostic, scenario_text

    needing, _met, unmet = _requirement_lines(path, need)
    text = scenario_text("s", body=needing + _written(other, need.values[0]))
    text += f"sweep w from s {{\n  {other} [{need.values[0]}, {unmet}]\n}}\n"
    diagnostic = only_diagnostic(text)
    assert f"{other}={unmet}" in diagnostic.message and need.because in diagnostic.message
    assert diagnostic.source_line.strip().startswith(other)
