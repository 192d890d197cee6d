"""The one rule by which a cache trusts a file's times to stand for its bytes (files.settled)."""

import os
import subprocess
import time
from pathlib import Path

from scendsl.files.settled import settled


def _written(tmp_path: Path) -> Path:
    path = tmp_path / "s.scn"
    path.write_text("scenario s {}\n", encoding="utf-8")
    return path


def test_a_file_written_just_now_has_not_settled(tmp_path: Path) -> None:
    path = _written(tmp_path)
    assert not settled(os.stat(path), time.time_ns())


def test_a_file_settles_two_seconds_after_its_last_change(tmp_path: Path) -> None:
    info = os.stat(_written(tmp_path))
    changed = max(info.st_mtime_ns, info.st_ctime_ns)
    assert settled(info, changed + 2_000_000_000)
    # FAT and exFAT round a time of change down to two seconds: one second is not enough.
    assert not settled(info, changed + 1_500_000_000)


def test_a_time_of_change_set_back_does_not_settle_a_file(tmp_path: Path) -> None:
    """`touch -m -d` (or `cp -p`, `rsync -t`) puts an old time of change on new bytes; the time
    of status change says when they were written."""
    path = _written(tmp_path)
    subprocess.run(["touch", "-m", "-d", "2001-01-01", str(path)], check=True)
    info = os.stat(path)
    assert info.st_mtime_ns < time.time_ns() - 10**17  # the time of change is years back
    assert not settled(info, time.time_ns())
