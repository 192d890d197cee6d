"""Thirteenth hostile-input review: the language server's URIs and its work per request, and
`serve` watching links. Each test is named after the class of problem it pins."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


# ------------------------------------------- serve: a change is judged by the name the build reads
def test_serve_rebuilds_when_a_scenario_link_leads_to_a_name_that_is_not_a_scenario(tmp_path):
    """`landscape.scn` replaced by a link to a FIFO (or to any target not named `.scn`, or
    outside the folder) started no rebuild: the watcher judged the change by where the link
    leads, not by the name the build reads, and `serve` went on showing the old pages, silently."""
    import watchfiles

    from scendsl.app.incremental import IncrementalBuilder
    from scendsl.app.serve import watched_paths

    folder = tmp_path / "scenarios"
    folder.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    os.mkfifo(elsewhere / "pipe")
    (elsewhere / "shared.scn").write_text("# shared\n", encoding="utf-8")
    (folder / "landscape.scn").symlink_to(elsewhere / "pipe")
    (folder / "shared.scn").symlink_to(elsewhere / "shared.scn")
    builder = IncrementalBuilder([str(folder)], str(tmp_path / "out"), samples=0)
    _folders, wanted = watched_paths(builder)
    real = Path(os.path.realpath(folder))
    for name in ("landscape.scn", "shared.scn"):
        for change in (watchfiles.Change.added, watchfiles.Change.deleted):
            assert wanted(change, str(real / name)), (name, change)
    # what is not a scenario stays unwatched
    assert not wanted(watchfiles.Change.added, str(real / "notes.txt"))


def test_serve_shows_a_failed_build_when_a_scenario_becomes_a_link_to_a_fifo(tmp_path):
    from test_serve import Server, _project

    folder = _project(tmp_path)
    os.mkfifo(tmp_path / "pipe")
    server = Server(folder)
    try:
        _wait_for(server.log, "built in", 1)
        scenario = folder / "scenarios" / "landscape.scn"
        scenario.unlink()
        scenario.symlink_to(tmp_path / "pipe")
        _wait_for(server.log, "the build failed", 1, 30)
        log = server.log.read_text()
        assert "landscape.scn:1:1: error:" in log and "internal error" not in log, log
        assert server.get("/index.html")[0] == 200  # the last good output is served
    finally:
        assert server.stop() == 0


def _wait_for(log: Path, text: str, count: int, limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while log.read_text().count(text) < count:
        if time.monotonic() > deadline:
            pytest.fail(f"no {count} x {text!r} in the serve log:\n{log.read_text()}")
        time.sleep(0.05)
