"""`eval --format xlsx` streams its sheets through files of its own private folder in the
system's temporary folder (openpyxl made them there under its own names and removed them only
at a normal exit): stopped by SIGTERM, the process removes the folder and the half-written
output as on Ctrl-C; killed outright, it leaves the folder, which the next workbook removes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.test_security_review14 import SCENARIO

pytest.importorskip("openpyxl")


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def _writing(tmp_path: Path) -> tuple[subprocess.Popen, Path]:
    """A workbook of a 3,000-variant sweep being written (seconds of work), once its first
    sheet is on disk in the temporary folder."""
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    (tmp_path / "s.scn").write_text(
        SCENARIO + "\nsweep big from small {\n  cluster.count 1000 .. 3999\n}\n", "utf-8"
    )
    command = ["eval", "--sweeps", "--format", "xlsx", "-o", "t.xlsx", "s.scn"]
    process = subprocess.Popen(
        [sys.executable, "-m", "scendsl", *command],
        cwd=tmp_path,
        env={**os.environ, "TMPDIR": str(temporary)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while not _files(temporary):
        assert process.poll() is None, "the workbook was written before it could be stopped"
        assert time.monotonic() < deadline
        time.sleep(0.02)
    return process, temporary


def test_a_workbook_stopped_by_sigterm_leaves_no_file_behind(tmp_path):
    process, temporary = _writing(tmp_path)
    process.send_signal(signal.SIGTERM)
    assert process.wait(60) == 128 + signal.SIGTERM
    assert _files(temporary) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.scn", "tmp"]  # no half a t.xlsx


def test_a_workbook_killed_outright_is_cleaned_up_by_the_next_one(tmp_path):
    process, temporary = _writing(tmp_path)
    process.kill()
    process.wait(60)
    left = _files(temporary)
    assert left  # SIGKILL runs no clean-up: what it leaves is in the work folder
    assert all(name.startswith(f"scendsl-xlsx-{process.pid}-") for name in left), left
    (tmp_path / "one.scn").write_text(SCENARIO, "utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "scendsl", "eval", "--format", "xlsx", "-o", "one.xlsx", "one.scn"],
        cwd=tmp_path,
        env={**os.environ, "TMPDIR": str(temporary)},
        capture_output=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert _files(temporary) == []
