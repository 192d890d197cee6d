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
