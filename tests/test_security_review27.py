"""The twenty-seventh hostile-input review (docs/security.md, items 157 on): the files, caches
and processes a check or a build keeps and shares. Each test is named after the problem it
pins."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from scendsl.errors import ScenarioError
from tests.conftest import wait_until_settled
from tests.factories import scenario_text
from tests.security_helpers import run_cli

ROOT = Path(__file__).resolve().parent.parent


def _project(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A project whose `a.scn` imports `lib/base.scn`, and a cache and a state folder."""
    project, cache, state = tmp_path / "p", tmp_path / "cache", tmp_path / "state"
    (project / "lib").mkdir(parents=True)
    (project / "lib" / "base.scn").write_text(scenario_text("base"), encoding="utf-8")
    (project / "a.scn").write_text('import "lib/base.scn"\n', encoding="utf-8")
    for folder in (cache, state):
        folder.mkdir(mode=0o700)
    return project, cache, state


# ------------- item 157: a kept check reads the files it hashes again as the check reads them
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_a_kept_check_whose_imported_file_became_a_fifo_does_not_block(tmp_path: Path):
    """A kept check hashes again every file the check read (`files.kept.file_digest`), and did
    so with a plain `open`: an imported file replaced by a FIFO (not among the files a folder
    search finds, so nothing looked at its kind first) blocked `check` for ever, where a check
    without the cache says it is a FIFO. It is read as the check reads it (a regular file
    alone, never blocking, in pieces): the check runs and says what a cold one says."""
    project, cache, state = _project(tmp_path)
    first = run_cli(project, ["check", "a.scn"], cache, state)
    assert first.returncode == 0, first.stderr
    wait_until_settled(project / "a.scn", project / "lib" / "base.scn")
    run_cli(project, ["check", "a.scn"], cache, state)  # kept now
    (project / "lib" / "base.scn").unlink()
    os.mkfifo(project / "lib" / "base.scn")
    environment = {**os.environ, "SCENDSL_CACHE_DIR": str(cache), "XDG_STATE_HOME": str(state)}
    try:
        warm = subprocess.run(
            [sys.executable, "-m", "scendsl", "check", "a.scn"],
            cwd=project,
            env=environment,
            capture_output=True,
            text=True,
            timeout=60,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("the kept check blocked on the FIFO")
    cold = run_cli(project, ["check", "a.scn"], cache, state, {"SCENDSL_CACHE_DIR": ""})
    assert warm.returncode == cold.returncode == 1
    assert "FIFO" in warm.stderr
    assert warm.stderr == cold.stderr


# ------------- item 158: trimming the caches removes their entries, never the user's files
@pytest.mark.parametrize("folder", ["kept", "grammar", "templates-2024", "v1/html/ab"])
def test_trimming_the_caches_leaves_the_users_files_in_folders_named_as_ours(
    tmp_path: Path, folder: str
):
    """`SCENDSL_CACHE_DIR` may name a folder of the user's own (the build cache's docstring:
    "may name a shared folder"), and trimming the caches to `MAX_CACHE_BYTES` removed the
    oldest files of every folder named as a cache's (`kept`, `grammar`, `templates-*`),
    whatever they were: a build into a project whose cache folder held the user's `kept/` of
    600 MB removed it and every older file beside it. Only files named as the caches name
    their entries, that begin with a seal, count and are removed."""
    project, _cache, state = _project(tmp_path)
    root = tmp_path / "mine"
    (root / folder).mkdir(parents=True, mode=0o700)
    root.chmod(0o700)
    notes = root / folder / "notes.txt"
    notes.write_text("the user's own\n", encoding="utf-8")
    photos = root / folder / "photos.tar"
    with open(photos, "wb") as handle:
        handle.truncate(600 * 1024 * 1024)  # sparse: over the bound, no disk used
    for path in (notes, photos):
        os.utime(path, (1_600_000_000, 1_600_000_000))  # older than any entry
    built = run_cli(project, ["build", "a.scn", "-o", "out"], root, state)
    assert built.returncode == 0, built.stderr
    assert notes.read_text(encoding="utf-8") == "the user's own\n"
    assert photos.stat().st_size == 600 * 1024 * 1024


# ------------- item 159: what is written into the output folder during a build is not lost
def test_a_file_written_into_the_output_folder_while_a_build_writes_it_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The build carries the user's files of the output folder into its new folder, swaps it
    in and removes the old one: a file written into the output folder in between (the user's,
    another tool's, `cp extra.css out/` while `serve` rebuilds) was removed with the old
    folder; 21 of 780 files a script wrote during one build of a single scenario were lost.
    What appears there meanwhile is moved into the new folder, and the build's own stale
    files are not."""
    from scendsl.files import output

    out = tmp_path / "out"
    output.write_output({"a.md": b"one", "gone.md": b"stale"}, out)
    (out / "assets").mkdir()
    (out / "assets" / "logo.svg").write_text("<svg/>", encoding="utf-8")
    (out / "user.txt").write_text("before", encoding="utf-8")
    sync = output._sync_files

    def meanwhile(folder: Path, names: list[str]) -> None:
        # After the carry-over, before the swap: another process writes into the old folder.
        (out / "late.txt").write_text("late", encoding="utf-8")
        (out / "assets" / "late.png").write_bytes(b"png")
        sync(folder, names)

    monkeypatch.setattr(output, "_sync_files", meanwhile)
    output.write_output({"a.md": b"two"}, out)
    assert (out / "a.md").read_bytes() == b"two"
    assert not (out / "gone.md").exists()
    assert (out / "late.txt").read_text(encoding="utf-8") == "late"
    assert (out / "assets" / "late.png").read_bytes() == b"png"
    assert (out / "assets" / "logo.svg").read_text(encoding="utf-8") == "<svg/>"
    assert (out / "user.txt").read_text(encoding="utf-8") == "before"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no folder left beside


# ------------- item 160: a file edited while check or build read it, stamped by a lagging clock
def _edited_while_read_by_a_lagging_clock(
    monkeypatch: pytest.MonkeyPatch, scenario: Path, module: object, stage: str
) -> None:
    """While the work runs (after `stage`, as `module` calls it, has read the files), `scenario` is
    broken on a file server whose clock runs 12 s behind this machine's: its times say 12 s
    before the work started. (A test cannot set a file's time of status change, so this
    machine's clock runs 12 s ahead instead, while the work runs.)"""
    import time

    original = getattr(module, stage)
    ahead = time.time_ns

    def then_edited(*args, **kwargs):
        made = original(*args, **kwargs)
        with open(scenario, "a", encoding="utf-8") as handle:
            handle.write("this is not scendsl\n")
        return made

    monkeypatch.setattr(module, stage, then_edited)
    monkeypatch.setattr(time, "time_ns", lambda: ahead() + 12_000_000_000)


def test_a_check_of_a_file_edited_while_it_ran_is_not_kept_by_a_lagging_clock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The kept check keeps its output with the hash of each file read taken after the check,
    trusting the file's times (`files.settled`) that nothing wrote it meanwhile; those times
    come from the file server's clock (NFS, sshfs): one running 12 s behind stamped an edit
    made during the check 12 s before it started, the check's output for the old text was kept
    under the new text's hash, and the next check said "ok" for the broken file. Each file is
    stamped as the check reads it (size, times, inode) and kept only if the stamp still
    holds."""
    from scendsl import cli
    from scendsl.app import pipeline

    project, cache, state = _project(tmp_path)
    scenario = project / "lib" / "base.scn"
    monkeypatch.chdir(project)
    monkeypatch.setenv("SCENDSL_CACHE_DIR", str(cache))
    monkeypatch.setenv("XDG_STATE_HOME", str(state))
    with monkeypatch.context() as scope:
        _edited_while_read_by_a_lagging_clock(scope, scenario, pipeline, "check_files")
        assert cli.main(["check", "a.scn"]) == 0  # the text before the edit
    monkeypatch.setenv("SCENDSL_CACHE_DIR", "")
    after = run_cli(project, ["check", "a.scn"], cache, state)
    assert after.returncode == 1, after.stderr
    assert "error" in after.stderr


def test_a_build_of_a_file_edited_while_it_ran_is_not_kept_by_a_lagging_clock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The build's record (`app.cache.BuildCache.keep_build`) likewise: a build whose file was
    edited while it ran, stamped by a lagging clock, was recorded under the new text's hash,
    and the next build wrote the old pages for it where it must refuse the broken file."""
    from scendsl.app import build as build_module

    project, cache, state = _project(tmp_path)
    scenario = project / "lib" / "base.scn"
    monkeypatch.chdir(project)
    monkeypatch.setenv("XDG_STATE_HOME", str(state))
    with monkeypatch.context() as scope:
        _edited_while_read_by_a_lagging_clock(scope, scenario, build_module, "load")
        build_module.build(["a.scn"], "out", samples=0, cache_dir=cache)
    with pytest.raises(ScenarioError, match="unknown definition 'this'"):
        build_module.build(["a.scn"], "out", samples=0, cache_dir=cache)


# ------------- item 161: a file written again at its old size and time is a new version
@pytest.mark.parametrize("settling", ["now", "at once"])
def test_a_file_written_again_at_its_old_time_of_change_is_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settling: str
):
    """What a process made from a file was kept by the file's size and time of change: the
    language server's import lines of each file (which files to analyse again after an edit),
    the kept layouts of each font file, the kept files' hashes. A file written again with new
    bytes of the same size and its old time of change put back (`cp -p`, `rsync -t`,
    `touch -d`, or two writes within one tick of a coarse clock) was taken for the one read
    before: `b.scn` importing `a.scn` now was not an importer of it. Such keys are the file's
    stamp (size, both times, inode, device: the time of status change cannot be put back),
    and only once the file has settled (`files.settled.settled_stamp`)."""
    from scendsl.files import settled
    from scendsl.lsp.workspace import Workspace

    if settling == "at once":
        monkeypatch.setattr(settled, "SETTLING_NS", 0)
    for name, text in (("a.scn", ""), ("c.scn", ""), ("b.scn", 'import "c.scn"\n')):
        (tmp_path / name).write_text(text, encoding="utf-8")
    importing = tmp_path / "b.scn"
    before = os.stat(importing)
    workspace = Workspace(str(tmp_path))
    assert workspace.importers(str(tmp_path / "a.scn")) == []
    importing.write_text('import "a.scn"\n', encoding="utf-8")  # the same size
    os.utime(importing, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert workspace.importers(str(tmp_path / "a.scn")) == [str(importing)]


def test_a_cache_folder_written_from_home_or_relative_is_the_users_home_and_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Item 162: `SCENDSL_CACHE_DIR=~/.cache/x` from a `.env` file (unexpanded) made a folder
    named `~` in the current folder; a relative one was used as given."""
    from scendsl.files.private import cache_root

    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    work.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(work)
    monkeypatch.setenv("SCENDSL_CACHE_DIR", "~/.cache/scendsl-x")
    assert cache_root() == str(home / ".cache" / "scendsl-x")
    monkeypatch.setenv("SCENDSL_CACHE_DIR", "cache-here")
    assert cache_root() == str(work / "cache-here")
    monkeypatch.setenv("SCENDSL_CACHE_DIR", "")
    assert cache_root() is None

    # The whole command, as a user runs it from a folder with such a `.env`: no `~` made there.
    (work / "s.scn").write_text(scenario_text(), encoding="utf-8")
    environment = {**os.environ, "HOME": str(home), "SCENDSL_CACHE_DIR": "~/.cache/scendsl-x"}
    environment["XDG_STATE_HOME"] = str(tmp_path / "state")
    done = subprocess.run(
        [sys.executable, "-m", "scendsl", "check", "s.scn"],
        cwd=work,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert not (work / "~").exists()
    assert (home / ".cache" / "scendsl-x").is_dir()
