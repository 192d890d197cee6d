"""Golden diffs of edited copies of the samples (read the .md files before committing them)."""

import itertools
import json
import shutil
from pathlib import Path

import pytest

from scendsl.app.pipeline import load, review
from scendsl.cli import main
from scendsl.report.diff import diff_results, render_json, render_markdown, render_text

SAMPLES = Path("scenarios")
GOLDEN = Path("tests/fixtures/diff")

EDITS = {
    # name: (file, old text, new text)
    "changed_count": ("colossus2.scn", "count       100k ", "count       150k "),
    "changed_accelerator": ("landscape.scn", "accelerator TPUv5p", "accelerator TPUv6e"),
    "flipped_claim": ("colossus2.scn", "    pue 1.25\n", "    pue 3.5\n"),
    # 8 → 50k accelerators: concentration (and two more risks) low → medium.
    "risk_flip": ("benchmarks.scn", "    count       8\n", "    count       50k\n"),
    # A US site → a Chinese one: export status allowed → presumption of denial.
    "export_status_flip": ("benchmarks.scn", "  region US\n", "  region CN\n"),
    # 2024 → 2025: GB200's not-shipping warning vanishes, a grid-data stand-in appears.
    "warning_flip": ("colossus2.scn", "  year   2024\n", "  year   2025\n"),
    # One more value on a sweep's axis: four variants added, none moved.
    "changed_sweep": (
        "colossus2.scn",
        "cluster.count [50k, 100k, 200k]",
        "cluster.count [50k, 100k, 200k, 300k]",
    ),
}


def evaluate_folder(folder):
    """What `scendsl diff` compares of one side (cli._review_sides)."""
    return review(load([str(folder)]))


def compare(old, new, **options):
    return diff_results(
        old.results, new.results, old_sweeps=old.sweeps, new_sweeps=new.sweeps, **options
    )


@pytest.fixture(scope="module")
def baseline():
    return evaluate_folder(SAMPLES)


def edited_copy(tmp_path, file, old, new):
    copy = tmp_path / "scenarios"
    shutil.copytree(SAMPLES, copy)
    target = copy / file
    text = target.read_text()
    assert old in text, f"the sample no longer contains {old!r}: update the edit"
    target.write_text(text.replace(old, new, 1))
    return copy


@pytest.mark.parametrize("name", sorted(EDITS))
def test_golden_diff_of_an_edit(name, tmp_path, baseline, file_regression):
    copy = edited_copy(tmp_path, *EDITS[name])
    diff = compare(baseline, evaluate_folder(copy), threshold=1.0)
    assert diff.changed
    file_regression.check(render_markdown(diff), fullpath=GOLDEN / f"{name}.md")


def test_added_and_removed_scenarios(tmp_path, baseline, file_regression):
    copy = tmp_path / "scenarios"
    shutil.copytree(SAMPLES, copy)
    (copy / "benchmarks.scn").unlink()
    (copy / "extra.scn").write_text(
        "scenario tiny {\n  year 2026\n  region DE\n  cluster.accelerator MI300X\n  cluster.count 64\n}\n"
    )
    diff = compare(baseline, evaluate_folder(copy))
    statuses = {entry.name: entry.status for entry in diff.scenarios}
    assert statuses["tiny"] == "+"
    assert statuses["bench_h100"] == "-" and statuses["bench_gb200"] == "-"
    file_regression.check(render_markdown(diff), fullpath=GOLDEN / "added_removed.md")


def test_flipped_claim_comes_first_and_sets_exit_code_3(tmp_path, capsys):
    copy = edited_copy(tmp_path, *EDITS["flipped_claim"])
    # A higher PUE makes the 500 MW claim hold: a claim flips to holding, not failing.
    assert main(["diff", "scenarios", str(copy), "--format", "json", "--fail-on-claims"]) == 0
    payload = json.loads(capsys.readouterr().out)
    first = payload["scenarios"][0]
    assert first["claims"] and first["claims"][0]["metric"] == "energy.facility_power"
    # The reverse edit makes it fail again: exit 3.
    assert main(["diff", str(copy), "scenarios", "--format", "json", "--fail-on-claims"]) == 3


def test_no_change_exits_0_even_with_exit_code(capsys):
    assert main(["diff", "scenarios", "scenarios", "--exit-code"]) == 0
    assert "No change in results." in capsys.readouterr().out


def test_any_change_exits_4_with_exit_code_not_2_like_a_usage_error(tmp_path, capsys):
    copy = edited_copy(tmp_path, *EDITS["changed_count"])
    assert main(["diff", "scenarios", str(copy), "--exit-code"]) == 4
    headline = capsys.readouterr().out.splitlines()[0]
    # colossus2_2024 comes first: its build-cost claim flips to holding at 150k × $30k.
    assert headline.startswith("colossus2_2024: facility power +50% to 336 MW; 1 claim now holds")
    # colossus2 writes the count its children inherit: one edit, named once.
    assert "colossus2 and 3 scenarios that inherit the edit: facility power +50% to 336 MW" in (
        headline
    )


def test_threshold_hides_small_moves(tmp_path, baseline):
    copy = edited_copy(tmp_path, "colossus2.scn", "    pue 1.25\n", "    pue 1.26\n")
    new = evaluate_folder(copy)
    everything = compare(baseline, new)
    filtered = compare(baseline, new, threshold=5.0)
    moved = {c.name for e in everything.scenarios for c in e.metrics}
    kept = {c.name for e in filtered.scenarios for c in e.metrics}
    assert "energy.facility_power" in moved and "energy.facility_power" not in kept


def test_diff_against_git_revision(tmp_path, monkeypatch, capsys):
    import subprocess

    repo = tmp_path / "repo"
    shutil.copytree(SAMPLES, repo / "scenarios")

    def run(*args):
        return subprocess.run(args, cwd=repo, check=True, capture_output=True)

    run("git", "init", "-q")
    run("git", "-c", "user.email=t@example.invalid", "-c", "user.name=t", "add", ".")
    run("git", "-c", "user.email=t@example.invalid", "-c", "user.name=t", "commit", "-qm", "base")
    target = repo / "scenarios" / "colossus2.scn"
    target.write_text(target.read_text().replace("count       100k ", "count       150k ", 1))
    monkeypatch.chdir(repo)
    assert main(["diff", "--git", "HEAD", "scenarios", "--exit-code"]) == 4
    assert "colossus2 and 3 scenarios that inherit the edit: facility power +50%" in (
        capsys.readouterr().out
    )


# ----------------------------------------------------------------- sweeps, noise, grouping
def test_a_value_added_to_a_sweep_is_reported_as_added_variants_and_sets_exit_code(
    tmp_path, capsys
):
    copy = edited_copy(tmp_path, *EDITS["changed_sweep"])
    assert main(["diff", "scenarios", str(copy), "--exit-code"]) == 4
    out = capsys.readouterr().out
    assert out.startswith("sweep colossus2_buildout: 4 variants added.")
    assert "colossus2_buildout[year=2028,cluster.count=300k]" in out
    assert "No change in results" not in out


def test_sweep_variants_are_matched_by_value_not_by_label_or_position(tmp_path, baseline):
    # 100k written as 100000 and the axis values reordered: the same twelve variants.
    copy = edited_copy(
        tmp_path,
        "colossus2.scn",
        "cluster.count [50k, 100k, 200k]",
        "cluster.count [200k, 100000, 50k]",
    )
    assert not compare(baseline, evaluate_folder(copy)).sweeps


def test_a_change_to_a_sweeps_base_moves_every_variant_once_per_metric(tmp_path, baseline):
    copy = edited_copy(tmp_path, "colossus2.scn", "    pue 1.25\n", "    pue 1.5\n")
    (sweep,) = compare(baseline, evaluate_folder(copy)).sweeps
    assert sweep.status == "~" and not sweep.added and not sweep.removed
    power = next(m for m in sweep.moves if m.name == "energy.facility_power")
    assert (power.moved, power.compared) == (12, 12)
    assert power.range_text() == "+20%"
    payload = json.loads(render_json(compare(baseline, evaluate_folder(copy))))
    (data,) = payload["sweeps"]
    assert data["variants"] == {"old": 12, "new": 12}
    assert any(m["name"] == "energy.facility_power" and m["moved"] == 12 for m in data["metrics"])


def test_noise_only_change_gives_an_empty_diff_and_all_shows_it(
    tmp_path, baseline, capsys, file_regression
):
    # 40% → 40.0001%: every figure moves by 2.5 parts per million, none as shown.
    copy = edited_copy(tmp_path, *NOISE_EDIT)
    diff = compare(baseline, evaluate_folder(copy))
    assert not diff.changed and diff.hidden > 0
    file_regression.check(render_markdown(diff), fullpath=GOLDEN / "noise_only.md")
    assert main(["diff", "scenarios", str(copy), "--exit-code"]) == 0
    capsys.readouterr()
    assert main(["diff", "scenarios", str(copy), "--exit-code", "--all"]) == 4
    out = capsys.readouterr().out
    assert "    input  cluster.mfu: 40% → 40%" in out
    assert "energy.training_energy: 132 GWh → 132 GWh" in out


NOISE_EDIT = ("colossus2.scn", "    mfu         40%\n", "    mfu         40.0001%\n")


def test_metrics_are_grouped_under_the_input_that_moved_them(tmp_path, baseline):
    copy = edited_copy(tmp_path, "colossus2.scn", "    pue 1.25\n", "    pue 1.5\n")
    copy_text = (copy / "colossus2.scn").read_text()
    (copy / "colossus2.scn").write_text(
        copy_text.replace("count       100k ", "count       150k ", 1)
    )
    diff = compare(baseline, evaluate_folder(copy))
    entry = next(e for e in diff.scenarios if e.name == "colossus2")
    groups = dict(entry.groups())
    # The IT power follows the count alone; the facility power both; nothing moved by the PUE
    # alone is put under the count.
    assert "energy.it_power" in {c.name for c in groups[("cluster.count",)]}
    assert "energy.facility_power" in {c.name for c in groups[("cluster.count", "energy.pue")]}
    assert all("energy.pue" in causes or "cluster.count" in causes for causes in groups)
    text = render_text(diff)
    assert "    moved by cluster.count, energy.pue:\n" in text


def test_catalog_figures_that_follow_a_changed_accelerator_are_summarised(tmp_path, baseline):
    copy = edited_copy(tmp_path, *EDITS["changed_accelerator"])
    entry = next(
        e
        for e in compare(baseline, evaluate_folder(copy)).scenarios
        if e.name == "google_deepmind_tpuv5p"
    )
    assert [c.name for c in entry.written_inputs] == ["cluster.accelerator"]
    assert "accelerator.tdp" in {c.name for c in entry.following_inputs}
    assert {causes for causes, _ in entry.groups()} == {("cluster.accelerator",)}
    everything = compare(baseline, evaluate_folder(copy), show_all=True)
    assert "    follows accelerator.tdp: 450 W → 300 W" in render_text(everything)


def test_warnings_that_appear_or_vanish_follow_the_claims_and_ratings(tmp_path, capsys):
    copy = edited_copy(tmp_path, *EDITS["warning_flip"])
    assert main(["diff", "scenarios", str(copy), "--format", "json"]) == 0
    entry = json.loads(capsys.readouterr().out)["scenarios"][0]
    assert entry["name"] == "colossus2_2024"
    changes = {(w["id"], w["change"]) for w in entry["warnings"]}
    assert ("not-shipping", "vanished") in changes
    assert ("grid-intensity-fallback", "appeared") in changes
    assert main(["diff", "scenarios", str(copy)]) == 0
    lines = capsys.readouterr().out.splitlines()
    start = lines.index("~ colossus2_2024  Colossus2 bought at 2024 prices")
    kinds = [line.split()[0] for line in lines[start + 1 : start + 7]]
    # 2024 → 2025 also takes the site out of EO 14110's reporting window (revoked in 2025).
    assert kinds == ["claim", "claim", "claim", "risk", "warning", "warning"]


def test_a_changed_source_of_a_figure_is_reported_even_when_no_result_moves(tmp_path, baseline):
    old = '    pue 1.09 source "Google fleet PUE, Google 2025 Environmental Report (as summarised)"'
    copy = edited_copy(tmp_path, "landscape.scn", old, '    pue 1.09 source "site filing, 2026"')
    diff = compare(baseline, evaluate_folder(copy))
    (entry,) = diff.scenarios
    assert (entry.name, entry.inputs, entry.metrics) == ("google_deepmind_tpuv5p", [], [])
    (change,) = entry.sources
    assert (change.path, change.new) == ("energy.pue", "site filing, 2026")
    assert "1 source changed" in diff.headline()
    assert 'source of energy.pue: "Google fleet PUE' in render_text(diff)
    assert "| energy.pue | Google fleet PUE" in render_markdown(diff)
    data = json.loads(render_json(diff))["scenarios"][0]["sources"]
    assert data == [{"path": "energy.pue", "old": change.old, "new": "site filing, 2026"}]


def test_a_source_removed_with_its_value_unchanged_reads_none(tmp_path, baseline):
    old = '    pue 1.09 source "Google fleet PUE, Google 2025 Environmental Report (as summarised)"'
    copy = edited_copy(tmp_path, "landscape.scn", old, "    pue 1.09")
    (entry,) = compare(baseline, evaluate_folder(copy)).scenarios
    assert entry.sources[0].line().endswith("→ none")


CURRENCY_CLAIM = """scenario eu {{
  region DE
  year {year}
  cluster {{
    accelerator H100
    count {count}
  }}
  energy {{ price 0.20 EUR/kWh }}
  workload {{
    parameters 7B
    tokens 1T
  }}
  expect energy.annual_cost < 3M EUR
}}
"""


def test_a_claim_in_another_currency_flips_across_a_change_of_year(tmp_path):
    """The claim is matched by its amount as written, not by its dollars at each year's rate
    (which differ, so the flip went unreported)."""
    from scendsl.catalog.currency import exchange_rate, rate_years

    years = rate_years("EUR")
    old_year, new_year = next(
        (a, b)
        for a, b in itertools.pairwise(years)
        if exchange_rate("EUR", a).usd_per_unit != exchange_rate("EUR", b).usd_per_unit
    )
    folders = []
    for name, year, count in (("old", old_year, 1000), ("new", new_year, 5000)):
        folder = tmp_path / name
        folder.mkdir()
        text = CURRENCY_CLAIM.format(year=year, count=count)
        (folder / "eu.scn").write_text(text, encoding="utf-8")
        folders.append(evaluate_folder(folder))
    old, new = folders
    assert old.results[0].claims[0].holds and not new.results[0].claims[0].holds
    diff = compare(old, new)
    assert diff.claims_now_failing == 1
    assert "claim energy.annual_cost < 3 M EUR (" in render_text(diff)
    assert "holds → fails" in render_text(diff)
    assert '""' not in render_text(diff)  # the claim quotes no one: no empty quote marks
