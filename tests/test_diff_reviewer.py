"""`scendsl diff` as a reviewer reads it (the reviewer's trial). A pull request that renames a
scenario, with or without other edits, is reported as one scenario renamed (`old → new`), with
what changed in it, not as one removed and one added with nothing said about either. `diff --git`
says what it compared (revision and paths), and asks for the paths where its default is absent."""

from __future__ import annotations

import json

import cmarkgfm

from scendsl.cli import main

BEFORE = """\
scenario base {
  title "An H100 hall"
  year 2026
  region US
  cluster.accelerator H100
  cluster.count 1000
}

scenario base_reserved extends base {
  title "The hall on a reserved contract"
  energy.utilization 90%
}
"""


def _write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_a_renamed_scenario_is_one_rename_not_a_removal_and_an_addition(tmp_path, capsys):
    old = _write(tmp_path, "old.scn", BEFORE)
    new = _write(tmp_path, "new.scn", BEFORE.replace("base_reserved extends", "reserved extends"))
    assert main(["diff", old, new, "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    (entry,) = document["scenarios"]
    assert (entry["name"], entry["renamed_from"], entry["status"]) == (
        "reserved",
        "base_reserved",
        "~",
    )
    assert "base_reserved: renamed to reserved" in document["headline"]
    assert main(["diff", old, new]) == 0
    text = capsys.readouterr().out
    assert "~ reserved (renamed from base_reserved)" in text
    assert "- base_reserved" not in text and "+ reserved" not in text


def test_a_renamed_and_edited_scenario_shows_its_edit_under_the_rename(tmp_path, capsys):
    old = _write(tmp_path, "old.scn", BEFORE)
    new = _write(
        tmp_path,
        "new.scn",
        BEFORE.replace("base_reserved extends", "reserved extends").replace("90%", "70%"),
    )
    assert main(["diff", old, new, "--format", "markdown"]) == 0
    html = cmarkgfm.github_flavored_markdown_to_html(capsys.readouterr().out)
    assert "reserved (renamed from base_reserved)" in html
    assert "energy.utilization" in html and "removed" not in html


def test_an_unrelated_removal_and_addition_are_not_taken_for_a_rename(tmp_path, capsys):
    old = _write(tmp_path, "old.scn", BEFORE)
    other = BEFORE.replace("scenario base_reserved extends base {", "scenario other {").replace(
        '  title "The hall on a reserved contract"\n',
        '  title "Another hall"\n  year 2027\n  region FR\n'
        "  cluster.accelerator B200\n  cluster.count 64\n",
    )
    new = _write(tmp_path, "new.scn", other)
    assert main(["diff", old, new, "--format", "json"]) == 0
    statuses = {e["name"]: e["status"] for e in json.loads(capsys.readouterr().out)["scenarios"]}
    assert statuses == {"base_reserved": "-", "other": "+"}


def _repository(tmp_path, folder: str):
    """A git repository whose `folder` holds BEFORE, committed, then edited (a PUE)."""
    import subprocess

    repo = tmp_path / "repo"
    (repo / folder).mkdir(parents=True)
    scn = repo / folder / "hall.scn"
    scn.write_text(BEFORE, encoding="utf-8")
    for args in (
        ["init", "-q"],
        ["add", "."],
        ["-c", "user.email=t@example.invalid", "-c", "user.name=t", "commit", "-qm", "base"],
    ):
        subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)
    scn.write_text(BEFORE.replace("  region US\n", "  region US\n  energy.pue 1.5\n"), "utf-8")
    return repo


def test_diff_git_without_paths_where_there_is_no_scenarios_folder_says_to_name_them(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(_repository(tmp_path, "trials"))
    assert main(["diff", "--git", "HEAD"]) == 2
    err = capsys.readouterr().err
    assert "compares scenarios/ when no PATH is given" in err
    assert "scendsl diff --git HEAD PATH" in err


def test_diff_git_says_which_revision_and_paths_it_compared(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(_repository(tmp_path, "trials"))
    assert main(["diff", "--git", "HEAD", "trials", "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert "HEAD → the working tree, of trials" in out
    assert "energy.pue" in out
    monkeypatch.chdir(_repository(tmp_path / "second", "scenarios"))
    assert main(["diff", "--git", "HEAD", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["sides"].endswith("of scenarios (the default)")


def test_an_edit_of_a_base_three_scenarios_inherit_is_named_once_in_the_headline(tmp_path, capsys):
    family = BEFORE + "".join(
        f'\nscenario base_{year} extends base {{\n  title "The hall in {year}"\n  year {year}\n}}\n'
        for year in (2025, 2027)
    )
    old = _write(tmp_path, "old.scn", family)
    new = _write(tmp_path, "new.scn", family.replace("cluster.count 1000", "cluster.count 2000"))
    assert main(["diff", old, new]) == 0
    text = capsys.readouterr().out
    headline = text.splitlines()[0]
    assert headline.startswith("base and 3 scenarios that inherit the edit: ")
    assert "base_2025" not in headline
    # Each inheriting scenario still shows its own moves, its input marked as the base's line.
    assert "~ base_2025" in text
    assert text.count("(inherited, as in base)") == 3
    assert main(["diff", old, new, "--format", "json"]) == 0
    entries = json.loads(capsys.readouterr().out)["scenarios"]
    inherited = {e["name"]: e["inputs"][0].get("inherited_as_in") for e in entries}
    assert inherited == {
        "base": None,
        "base_reserved": "base",
        "base_2025": "base",
        "base_2027": "base",
    }


def test_a_metric_gone_from_the_new_results_is_a_change_ci_sees_and_a_field_a_tool_reads(
    tmp_path, capsys
):
    source = _write(tmp_path, "hall.scn", BEFORE)
    assert main(["eval", source, "--format", "json"]) == 0
    old = json.loads(capsys.readouterr().out)
    new = json.loads(json.dumps(old))
    for scenario in new["scenarios"]:  # a newer model without this metric
        del scenario["metrics"]["energy.water_use"]
    old_path = _write(tmp_path, "old.json", json.dumps(old))
    new_path = _write(tmp_path, "new.json", json.dumps(new))
    assert main(["diff", old_path, new_path, "--exit-code"]) == 4
    headline = capsys.readouterr().out.splitlines()[1]
    assert "energy.water_use" in headline and "No change in results" not in headline
    assert main(["diff", old_path, new_path, "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["figures_only_old"] == ["energy.water_use"]
    assert document["figures_only_new"] == [] and document["changed"] is True
    assert main(["diff", old_path, new_path, "--format", "markdown"]) == 0
    html = cmarkgfm.github_flavored_markdown_to_html(capsys.readouterr().out)
    assert "energy.water_use" in html and "<table>" not in html
