"""The thirty-first hostile-input review (docs/security.md, items 217 on). Each test is named
after the problem it pins."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest

from scendsl.cli import main
from tests.test_diff_security import git


# ------------- item 217: `diff --git` names a revision's files as `REV:path`
def test_diff_git_names_a_revisions_broken_file_at_the_revision_not_its_temporary_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    """`scendsl diff --git HEAD` loads the revision's files from a temporary copy; when that side
    did not load, its errors named the copy (`/tmp/scendsl-diff-…/scenarios/a.scn:1:8`, an
    import message naming `/tmp/…/b.scn`), a folder removed before the user reads the message,
    where the snapshot's own errors say `HEAD:scenarios/a.scn`."""
    repo = tmp_path / "repo"
    (repo / "scenarios").mkdir(parents=True)
    broken = 'import "b.scn"\nscenario s extends t {\n  cluster.count 1000\n}\n'
    (repo / "scenarios" / "a.scn").write_text(broken)
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "base")
    (repo / "scenarios" / "a.scn").write_text(
        "scenario s {\n  year 2026\n  region US\n  cluster.accelerator H100\n"
        "  cluster.count 1000\n}\n"
    )
    monkeypatch.chdir(repo / "scenarios")
    assert main(["diff", "--git", "HEAD", "a.scn"]) == 1
    text = capsys.readouterr().err
    assert "HEAD:scenarios/a.scn:1:8: error: imported file 'HEAD:scenarios/b.scn'" in text
    assert "HEAD:scenarios/a.scn:2:20: error:" in text
    assert main(["diff", "--git", "HEAD", "a.scn", "--format", "json"]) == 1
    document = json.loads(capsys.readouterr().out)
    files = {d["span"]["file"] for d in document["diagnostics"]}
    assert files == {"HEAD:scenarios/a.scn"}
    assert tempfile.gettempdir() not in json.dumps(document)
