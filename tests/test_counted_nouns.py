"""A count written with the noun it counts (`count 10k GPUs`, `tokens 15T tokens`): the language
writes a count as a plain number. The field's own noun (its spec's `nouns`) is removed by a quick
fix that fixes; another noun may count something else (`count 8 nodes` is 64 accelerators on
8-GPU nodes), so it is told what the field counts and offered no edit. A noun that is also a
field's name (`tokens`, `parameters`) is no second field on the line."""

from __future__ import annotations

import pytest

import scendsl
from scendsl.errors import ScenarioError
from scendsl.language import fields as F
from tests.factories import only_diagnostic, scenario_text

WORKLOAD = "  workload {{\n    parameters {parameters}\n    tokens {tokens}\n  }}\n"


def _workload(parameters: str = "1B", tokens: str = "20B") -> str:
    return WORKLOAD.format(parameters=parameters, tokens=tokens)


def _fixed(text: str) -> str:
    diagnostic = only_diagnostic(text)
    span, lines = diagnostic.span, text.split("\n")
    line = lines[span.line - 1]
    lines[span.line - 1] = line[: span.col - 1] + diagnostic.fix + line[span.end_col - 1 :]
    return "\n".join(lines)


@pytest.mark.parametrize(
    "text",
    [
        scenario_text("s", count="10k GPUs", body=_workload()),
        scenario_text("s", count="256 Accelerators", body=_workload()),
        scenario_text("s", count="64 chips", body=_workload()),
        scenario_text("s", body=_workload(tokens="15T tokens")),
        scenario_text("s", body=_workload(parameters="70B params")),
        scenario_text("s", body=_workload(parameters="70B parameters")),
    ],
)
def test_a_count_with_its_own_noun_is_fixed_by_the_number_alone(text):
    diagnostic = only_diagnostic(text)
    assert diagnostic.message.startswith("'") and "is a plain number" in diagnostic.message
    assert "same line" not in diagnostic.message
    scendsl.load_text(_fixed(text))  # the fix leaves a file that loads


@pytest.mark.parametrize(("count", "word"), [("8 nodes", "nodes"), ("4 racks", "racks")])
def test_a_count_of_something_else_is_told_what_the_field_counts_and_not_fixed(count, word):
    diagnostic = only_diagnostic(scenario_text("s", count=count, body=_workload()))
    assert diagnostic.message == f"unknown unit '{word}'"
    assert "number of accelerators" in (diagnostic.hint or "")
    assert diagnostic.fix is None


@pytest.mark.parametrize(("written", "fix"), [("70 billion", "70B"), ("1.5 trillion", "1.5T")])
def test_a_magnitude_word_is_fixed_as_the_numbers_suffix(written, fix):
    text = scenario_text("s", body=_workload(parameters=written))
    diagnostic = only_diagnostic(text)
    assert f"write {fix}" in (diagnostic.hint or "") and diagnostic.fix == fix
    scendsl.load_text(_fixed(text))


def test_a_magnitude_word_after_a_magnitude_is_not_fixed():
    diagnostic = only_diagnostic(scenario_text("s", body=_workload(parameters="70k billion")))
    assert diagnostic.fix is None


def test_another_field_after_a_value_is_still_two_fields_on_one_line():
    text = scenario_text("s", body="  workload {\n    parameters 1B tokens 20B\n  }\n")
    with pytest.raises(ScenarioError) as raised:
        scendsl.load_text(text)
    assert any("same line" in d.message for d in raised.value.diagnostics)


def test_every_noun_is_a_lower_case_word_of_a_plain_count():
    specs = [spec for section in F.SECTIONS.values() for spec in section.values()]
    specs += list(F.REFERENCE_FIELDS.values())
    for spec in specs:
        assert all(noun.isalpha() and noun == noun.lower() for noun in spec.nouns)
        assert not spec.nouns or spec.dimension == "number"
