"""Long builds and Monte Carlo runs show progress on a terminal (rich), nothing when stderr is
piped (issue 14)."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

SOURCE = """
scenario ranged {
  year 2026
  region US
  cluster.accelerator H100
  cluster.count 1k to 2k
}
"""


def _build(tmp_path, stderr, command: str = "build") -> subprocess.CompletedProcess:
    source = tmp_path / "s.scn"
    source.write_text(SOURCE)
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "100", "SCENDSL_JOBS": "1"}
    env.pop("NO_COLOR", None)
    output = ("-o", str(tmp_path / "out")) if command == "build" else ("--format", "json")
    return subprocess.run(
        [
            *(sys.executable, "-m", "scendsl", command, str(source)),
            *output,
            *("--samples", "2000"),
        ],
        stdout=subprocess.PIPE,
        stderr=stderr,
        env=env,
        timeout=300,
    )


def _read_all(fd: int) -> bytes:
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # the child side is closed: nothing more to read
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def _on_a_terminal(tmp_path, command: str) -> tuple[subprocess.CompletedProcess, bytes]:
    import threading

    main_end, child_end = pty.openpty()
    shown: list[bytes] = []
    # Read while the command runs: a terminal's buffer is small, a writer would block on it.
    reader = threading.Thread(target=lambda: shown.append(_read_all(main_end)))
    reader.start()
    try:
        done = _build(tmp_path, child_end, command)
    finally:
        os.close(child_end)
        reader.join(timeout=60)
        os.close(main_end)
    return done, b"".join(shown)


def test_build_shows_progress_on_a_terminal(tmp_path):
    done, shown = _on_a_terminal(tmp_path, "build")
    assert done.returncode == 0, shown
    assert b"evaluating" in shown or b"Monte Carlo" in shown or b"rendering" in shown, shown


def test_eval_monte_carlo_shows_progress_on_a_terminal_and_keeps_stdout_clean(tmp_path):
    done, shown = _on_a_terminal(tmp_path, "eval")
    assert done.returncode == 0, shown
    assert b"Monte Carlo" in shown, shown
    assert b"\x1b" not in done.stdout  # the bar is on stderr only


def test_build_piped_shows_no_progress(tmp_path):
    done = _build(tmp_path, subprocess.PIPE)
    assert done.returncode == 0, done.stderr
    assert b"\x1b" not in done.stderr
    assert b"Monte Carlo" not in done.stderr and done.stderr.startswith(b"wrote ")
