"""Counts in messages and reports take the noun in the number they need."""

from scendsl.wording import counted


def test_one_is_singular_and_others_plural():
    assert counted(1, "scenario") == "1 scenario"
    assert counted(0, "scenario") == "0 scenarios"
    assert counted(3, "more metric") == "3 more metrics"


def test_counts_are_grouped_by_thousands_and_irregular_plurals_are_given():
    assert counted(1024, "variant") == "1,024 variants"
    assert counted(2, "catalog or default figure") == "2 catalog or default figures"
    assert counted(2, "child", "children") == "2 children"
