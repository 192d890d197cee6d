"""Hints for mistakes analysts make writing values: each names the fix, never one that cannot
apply (a unit for a ratio that has none)."""

from __future__ import annotations

import pytest

from scendsl.language.names import iso_region_names
from tests.factories import only_diagnostic, scenario_text


@pytest.mark.parametrize("written", ["ng", "Ng", '"us-tx"', '"Us-Tx"'])
def test_a_region_code_in_small_letters_is_told_its_capitals(written):
    code = written.strip('"').upper()
    diagnostic = only_diagnostic(scenario_text("s", region=written))
    assert diagnostic.message == f"unknown region '{written.strip(chr(34))}'"
    assert f"'{code}' ({iso_region_names()[code]})" in (diagnostic.hint or "")


def test_a_region_that_is_no_code_in_any_case_is_not_told_capitals():
    diagnostic = only_diagnostic(scenario_text("s", region="qq"))
    assert "capitals" not in (diagnostic.hint or "")


@pytest.mark.parametrize(("written", "plain"), [("120%", "1.2"), ("135%", "1.35")])
def test_a_ratio_written_as_a_percentage_is_told_the_plain_number(written, plain):
    body = f"  energy {{\n    pue {written}\n  }}\n"
    diagnostic = only_diagnostic(scenario_text("s", body=body))
    assert "not a percentage" in diagnostic.message
    assert diagnostic.hint == f"write it as a plain number: {written} is {plain}"


def test_a_quantity_written_without_its_unit_is_still_told_to_add_one():
    body = "  energy {\n    price 60\n  }\n"
    diagnostic = only_diagnostic(scenario_text("s", body=body))
    assert "add a unit" in (diagnostic.hint or "")


@pytest.mark.parametrize(
    ("written", "axis"),
    [
        ("tensor_parallel", "tensor"),  # the metric's own name, as `eval` prints it
        ("expert_parallel", "expert"),
        ("pipeline_model_parallel_size", "pipeline"),  # Megatron's argument
        ("ici_tensor_parallelism", "tensor"),  # MaxText's
        ("expert_model_parallel_size", "expert"),
        ("context_parallel", "context"),
        ("ep", "expert"),
        ("TP", "tensor"),
    ],
)
def test_a_parallel_degree_written_as_its_own_field_is_told_the_parallelism_line(written, axis):
    for body in (f"  workload {{\n    {written} 4\n  }}\n", f"  workload.{written} 4\n"):
        diagnostic = only_diagnostic(scenario_text("s", body=body))
        assert diagnostic.message.startswith(f"unknown field '{written}'") or (
            diagnostic.message == f"unknown field 'workload.{written}'"
        )
        assert f"`parallelism {axis} 4` in `workload`" in (diagnostic.hint or "")


def test_a_parallel_degree_given_through_the_python_api_gets_the_same_hint():
    from scendsl.errors import ScenarioError
    from scendsl.language.typed import read_fields

    with pytest.raises(ScenarioError) as caught:
        read_fields({"workload.tensor_parallel": 8})
    assert "`parallelism tensor 8` in `workload`" in str(caught.value.diagnostics[0].hint)


def test_a_degree_swept_as_its_own_field_is_told_the_parallelism_line():
    text = scenario_text("s") + "sweep v from s {\n  workload.expert_parallel [2, 4]\n}\n"
    diagnostic = only_diagnostic(text)
    assert "`parallelism expert N` in `workload`" in (diagnostic.hint or "")


@pytest.mark.parametrize("written", ["sequence_parallel_size", "tensor", "cluster.tp"])
def test_names_that_are_no_degree_field_get_no_parallelism_hint(written):
    body = f"  workload.{written} 4\n" if "." not in written else f"  {written} 4\n"
    diagnostic = only_diagnostic(scenario_text("s", body=body))
    assert "parallel degrees are one field" not in (diagnostic.hint or "")


def test_a_new_accelerator_missing_figures_is_told_each_with_its_unit_and_meaning():
    from scendsl.language.fields import ACCELERATOR_FIGURES

    block = "accelerator Chip {\n  bf16_dense 800 TFLOPS\n  hbm 96 GB\n}\n"
    diagnostic = only_diagnostic(block + scenario_text("s", accelerator="Chip"))
    assert diagnostic.message.endswith("lacks hbm_bandwidth, tdp")
    hint = diagnostic.hint or ""
    for name, unit in (("hbm_bandwidth", "GB/s"), ("tdp", "W")):
        assert f"`{name} N {unit}`: {ACCELERATOR_FIGURES[name].doc}" in hint
    assert "'accelerator Chip extends NAME'" in hint


@pytest.mark.parametrize("written", ['"\\u001b[2J"', "4 GB", "-1", "1e9"])
def test_the_parallelism_hint_echoes_only_a_value_that_reads_as_a_degree(written):
    diagnostic = only_diagnostic(
        scenario_text("s", body=f"  workload {{\n    tp {written}\n  }}\n")
    )
    assert "`parallelism tensor N` in `workload`" in (diagnostic.hint or "")


@pytest.mark.parametrize("written", ["\uff18", "\u0668", "\uff188"])
def test_the_parallelism_hint_echoes_only_ascii_digits(written):
    """A digit of another script reads as a degree to a regex's `\\d` but is no number the
    language reads: the hint says `N` (the file's lexer stops such a digit first; the hint is
    also reached from other entry points)."""
    from scendsl.language.fields import parallel_degree_hint

    hint = parallel_degree_hint("workload.tp", written) or ""
    assert "`parallelism tensor N` in `workload`" in hint
    assert written not in hint


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("200 million IDR", "200M IDR"),
        ("2.5 billion USD", "2.5B USD"),
        ("30 thousand EUR", "30k EUR"),
    ],
)
def test_a_magnitude_written_as_a_word_before_the_currency_is_told_the_suffix(written, meant):
    """The hint repeated the message ("expected an amount of money such as '30k USD'")."""
    body = f"  market {{\n    unit_price {written}\n  }}\n"
    diagnostic = only_diagnostic(scenario_text("s", body=body))
    assert diagnostic.hint.startswith(f"write {meant}: magnitudes are suffixes")


@pytest.mark.parametrize(
    ("line", "meant"), [("mix geothermal 45 %, grid 55%", "45%"), ("mfu 40.5 %", "40.5%")]
)
def test_a_percent_sign_apart_from_its_number_is_told_to_join_them(line, meant):
    """`45 %` was an 'unexpected character' with no hint."""
    section = "energy" if line.startswith("mix") else "cluster"
    diagnostic = only_diagnostic(scenario_text("s", body=f"  {section}.{line}\n"))
    assert diagnostic.message == "unexpected character '%'"
    assert diagnostic.hint == f"a percentage keeps its '%' against the number: write '{meant}'"
