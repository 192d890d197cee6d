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


def test_an_index_of_one_scenario_counts_it_in_the_singular(tmp_path):
    from scendsl.app.build import render_files
    from tests.factories import scenario_text

    (tmp_path / "one.scn").write_text(scenario_text("one", region="FR", year=2024), "utf-8")
    index = render_files([str(tmp_path / "one.scn")], samples=0)["index.md"].decode()
    assert "1 scenario briefing, computed" in index
