"""Golden diffs of edited copies of the samples (read the .md files before committing them)."""

import json
import shutil
from pathlib import Path

import pytest

from scendsl.cli import main
from scendsl.language.resolve import load_paths
from scendsl.model.evaluate import evaluate
from scendsl.report.diff import diff_results, render_markdown

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
}


def evaluate_folder(folder):
    return [evaluate(s) for s in load_paths([str(folder)]).scenarios]


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
    diff = diff_results(baseline, evaluate_folder(copy), threshold=1.0)
    assert diff.changed
    file_regression.check(render_markdown(diff), fullpath=GOLDEN / f"{name}.md")


def test_added_and_removed_scenarios(tmp_path, baseline, file_regression):
    copy = tmp_path / "scenarios"
    shutil.copytree(SAMPLES, copy)
    (copy / "benchmarks.scn").unlink()
    (copy / "extra.scn").write_text(
        "scenario tiny {\n  year 2026\n  region DE\n  cluster.accelerator MI300X\n  cluster.count 64\n}\n"
    )
    diff = diff_results(baseline, evaluate_folder(copy))
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
    assert "colossus2: facility power +50% to 336 MW" in headline


def test_threshold_hides_small_moves(tmp_path, baseline):
    copy = edited_copy(tmp_path, "colossus2.scn", "    pue 1.25\n", "    pue 1.26\n")
    new = evaluate_folder(copy)
    everything = diff_results(baseline, new)
    filtered = diff_results(baseline, new, threshold=5.0)
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
    assert "colossus2: facility power +50%" in capsys.readouterr().out
