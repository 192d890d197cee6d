"""The sentences that open the pages and the index's lines read what they list from the data:
the kinds of reference the scenarios are compared with (never a country's resource the data may
not hold), the risks the rules track (a new risk in risk_rules.toml is listed without a template
change)."""

from __future__ import annotations

from scendsl.catalog import load_catalog
from scendsl.cli import main
from tests.factories import scenario_text

PLURALS = {
    "university": "universities",
    "open_source_lab": "open-source labs",
    "national_resource": "national research resources",
}

OWN_BLOCK = 'reference pool {\n  title "A pool"\n  accelerator H100\n  count 500\n}\n'


def _intros(tmp_path, text: str) -> tuple[str, str]:
    """The compute-divide page's opening and the index's line for that page."""
    path = tmp_path / "set.scn"
    path.write_text(text, encoding="utf-8")
    assert main(["build", str(path), "-o", str(tmp_path / "out"), "--no-cache"]) == 0
    page = (tmp_path / "out" / "compute-divide.md").read_text(encoding="utf-8")
    index = (tmp_path / "out" / "index.md").read_text(encoding="utf-8")
    return (
        next(line for line in page.splitlines() if line.startswith("Large clusters")),
        next(line for line in index.splitlines() if line.startswith("- [The compute divide]")),
    )


def test_the_intro_names_every_kind_of_catalog_reference_and_no_country(tmp_path):
    kinds = {r.kind for r in load_catalog().references.values()}
    for intro in _intros(tmp_path, scenario_text("s", region='"KE"')):
        for kind in kinds:
            assert PLURALS[kind] in intro
        assert "US" not in intro
        assert intro.endswith(" have.")


def test_a_files_own_reference_is_named_among_the_kinds(tmp_path):
    for intro in _intros(tmp_path, scenario_text("s") + OWN_BLOCK):
        assert "the organisations the scenario files describe" in intro


def test_the_index_lists_every_risk_the_rules_track(tmp_path):
    from scendsl.model.risk import load_rules

    path = tmp_path / "set.scn"
    path.write_text(scenario_text("s"), encoding="utf-8")
    assert main(["build", str(path), "-o", str(tmp_path / "out"), "--no-cache"]) == 0
    index = (tmp_path / "out" / "index.md").read_text(encoding="utf-8")
    line = next(x for x in index.splitlines() if x.startswith("- [Risk register]"))
    titles = [risk.title.lower() for risk in load_rules()]
    assert len(titles) > 1
    for title in titles:
        assert title in line
    assert line.endswith(f" and {titles[-1]}.")
