"""The twentieth hostile-input review (docs/security.md, items 129 on): the files editors and
other systems leave beside a scenario in a folder that is checked, built or served, the figures
a scenario can drive past every unit, and the surfaces the round changed (the expert overlap,
the exchange-rate table and its refusals, the name hints, the numpy-free scalar path). Each test
is named after the problem it pins."""

from __future__ import annotations

import io
import os
from pathlib import Path

from scendsl.cli import main
from tests.security_helpers import SCENARIO

# ------------------------------------------------- files editors leave beside a scenario


def test_an_editors_lock_file_beside_a_scenario_is_not_read(tmp_path, monkeypatch, capsys):
    # Emacs marks a buffer being edited with a link `.#NAME` to `user@host.pid`, which names no
    # file: it is there from the first keystroke to the save.
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "s.scn").write_text(SCENARIO)
    os.symlink("user@host.4242:1700000000", folder / ".#s.scn")
    monkeypatch.chdir(tmp_path)
    assert main(["check", "scenarios"]) == 0
    assert ".#s.scn" not in capsys.readouterr().err


def _folder_with_what_others_keep(tmp_path: Path) -> Path:
    """A scenario folder holding one scenario and what editors, macOS and tools keep beside it:
    Emacs's lock link, a Vim swap file named like a scenario, an AppleDouble file of binary
    bytes, and hidden folders (a repository's, a virtual environment's) with broken scenarios."""
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "s.scn").write_text(SCENARIO)
    os.symlink("user@host.4242:1700000000", folder / ".#s.scn")
    (folder / "._s.scn").write_bytes(b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        ")
    (folder / ".s.scn").write_text("scenario {")
    for hidden in (".git", ".venv/lib/site-packages/pkg"):
        (folder / hidden).mkdir(parents=True)
        (folder / hidden / "broken.scn").write_text("scenario {")
    os.mkfifo(folder / ".git" / "pipe.scn")
    return folder


def test_what_editors_and_systems_keep_beside_scenarios_is_not_read(tmp_path, monkeypatch, capsys):
    folder = _folder_with_what_others_keep(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["check", "scenarios"]) == 0
    assert main(["fmt", "scenarios"]) == 0
    assert (folder / ".s.scn").read_text() == "scenario {"  # not the user's to reformat
    assert main(["build", "scenarios", "-o", "out", "--samples", "0"]) == 0
    err = capsys.readouterr().err
    assert ".#s.scn" not in err and "._s.scn" not in err and "broken.scn" not in err
    assert (tmp_path / "out" / "small.html").exists()


def test_a_hidden_scenario_named_on_the_command_line_or_imported_is_read(
    tmp_path, monkeypatch, capsys
):
    folder = _folder_with_what_others_keep(tmp_path)
    monkeypatch.chdir(tmp_path)
    # Named, it is the user's: read (and refused when it does not parse).
    assert main(["check", "scenarios/.s.scn"]) == 1
    assert "scenarios/.s.scn:1:" in capsys.readouterr().err
    (folder / ".shared.scn").write_text(SCENARIO.replace("small", "shared"))
    (folder / "s.scn").write_text('import ".shared.scn"\n' + SCENARIO)
    assert main(["eval", "scenarios", "--samples", "0", "--format", "json"]) == 0
    assert '"shared"' in capsys.readouterr().out


def test_serve_does_not_rebuild_for_an_editors_lock_file(tmp_path, monkeypatch):
    from scendsl.app.incremental import IncrementalBuilder
    from scendsl.app.serve import watched_paths

    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "s.scn").write_text(SCENARIO)
    monkeypatch.chdir(tmp_path)
    builder = IncrementalBuilder(["scenarios"], str(tmp_path / "out"), samples=0)
    _, wanted = watched_paths(builder)
    added = type("Change", (), {"name": "added"})()
    assert wanted(added, str(folder / "s.scn"))
    assert wanted(added, str(folder / "sub" / "t.scn"))
    for name in (".#s.scn", "._s.scn", ".git/x.scn", "sub/.#t.scn"):
        assert not wanted(added, str(folder / name)), name
    # A live rebuild with the lock in place succeeds (it failed on the link, page after page).
    os.symlink("user@host.4242:1700000000", folder / ".#s.scn")
    from scendsl.app.serve import LiveServer

    server = LiveServer(builder, port=0)
    try:
        assert server.rebuild(io.StringIO())
    finally:
        server.stop()
