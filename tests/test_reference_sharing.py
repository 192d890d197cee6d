"""A catalog reference's figures are looked up once and shared by later evaluations: every
evaluation must still get its own scenario's figures. Each test evaluates a plain scenario first
(filling the shared look-ups), then one that differs in exactly what the look-ups read, and
compares with a fresh evaluation of the second alone."""

from __future__ import annotations

import pytest

import scendsl
from factories import scenario_text
from scendsl.catalog import load_catalog
from scendsl.model import evaluate


def _text(year: int, precision: str) -> str:
    workload = (
        f"  workload {{\n    parameters 70B\n    tokens 1T\n    precision {precision}\n  }}\n"
    )
    return scenario_text("s", year=year, count=1000, body=workload)


def _reference_figures(result) -> dict[str, object]:
    return {
        name: (item.value, item.origin)
        for name, item in {**result.inputs, **result.metrics}.items()
        if name.startswith(("reference.", "divide."))
    }


def _forget() -> None:
    """Forget what earlier evaluations shared: the references' look-ups and figures."""
    evaluate._SHARED_GROUPS.clear()


def _fresh(text: str) -> dict[str, object]:
    _forget()
    return _reference_figures(scendsl.evaluate(scendsl.load_text(text).get("s")))


def _after_another(first: str, second: str) -> dict[str, object]:
    _forget()
    scendsl.evaluate(scendsl.load_text(first).get("s"))
    assert evaluate._SHARED_GROUPS, (
        "the first evaluation shared nothing: the test would prove nothing"
    )
    return _reference_figures(scendsl.evaluate(scendsl.load_text(second).get("s")))


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({"year": 2023, "precision": "bf16"}, {"year": 2026, "precision": "bf16"}),
        ({"year": 2025, "precision": "bf16"}, {"year": 2025, "precision": "fp8"}),
    ],
    ids=["year", "precision"],
)
def test_a_shared_look_up_follows_what_the_scenario_reads(first, second):
    before = _text(**first)
    after = _text(**second)
    assert _after_another(before, after) == _fresh(after)
    assert _fresh(before) != _fresh(after)


def _a_catalog_reference():
    return next(iter(load_catalog().references.values()))


def test_a_reference_block_replacing_a_catalog_entry_is_never_served_the_catalogs():
    ref = _a_catalog_reference()
    plain = _text(year=2025, precision="bf16")
    replaced = (
        plain
        + f"""
reference {ref.name} {{
  title "Our own"
  accelerator A100_80GB
  count 7
}}
"""
    )
    figures = _after_another(plain, replaced)
    assert figures == _fresh(replaced)
    assert figures[f"reference.{ref.name}.count"][0] == 7


def test_an_accelerator_block_named_like_a_references_accelerator_is_the_scenarios_own():
    ref = _a_catalog_reference()
    plain = _text(year=2025, precision="bf16")
    # A block of the same name as the reference's catalog accelerator, with other figures.
    changed = (
        plain
        + f"""
accelerator {ref.accelerator} extends {ref.accelerator} {{
  bf16_dense 1 PFLOP/s
  fp8_dense 2 PFLOP/s
  tdp 100 W
  price 1000 USD
}}
"""
    )
    figures = _after_another(plain, changed)
    assert figures == _fresh(changed)
    assert (
        figures[f"reference.{ref.name}.system_power"]
        != _fresh(plain)[f"reference.{ref.name}.system_power"]
    )
