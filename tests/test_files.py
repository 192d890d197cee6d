"""One file policy for every command (scendsl/files/): hostile trees in input and output folders.

Each test is named after the problem it pins (issue "Security and hostile input, round two",
items 2, 3, 8, 9, 17, 19, 20 and 23). The tests run as root in CI, which ignores permission bits,
so permission tests run the command without the capabilities that override permission bits
(`setpriv`), and disk failures are provoked by the operating system's own refusals where possible
and otherwise injected at the `os` call that fails (never by replacing scendsl's own code).
"""

from __future__ import annotations

import errno
import fcntl
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, SKETCH
from factories import scenario_text
from scendsl import files as files_module
from scendsl.cli import main

HEADER = scenario_text("base", title="Base")
UNFORMATTED = (
    'scenario   other {\n title "Other"\n year 2026\n region US\n'
    " cluster { accelerator H100\n count 8 }\n}\n"
)
AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def run(capsys, *argv: str) -> tuple[int, str]:
    """The command in this process: exit code and stderr."""
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and "internal error" not in captured.err, captured.err
    return code, captured.err


def snapshot(folder: Path) -> dict[str, tuple[bytes | str, int]]:
    """Every entry under `folder` (links as their target, not followed) with its mode."""
    state = {}
    for path in sorted(folder.rglob("*")):
        info = path.lstat()
        if path.is_symlink():
            state[str(path.relative_to(folder))] = (os.readlink(path), info.st_mode)
        elif path.is_file():
            state[str(path.relative_to(folder))] = (path.read_bytes(), info.st_mode)
        else:
            state[str(path.relative_to(folder))] = ("", info.st_mode)
    return state


def leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if ".new-" in p.name or ".old-" in p.name)


# ------------------------------------------------------------------ item 2: links in out/
@pytest.mark.parametrize("absolute", [False, True])
def test_build_refuses_symlink_in_output_folder(tmp_path, capsys, absolute):
    out = tmp_path / "out"
    assert run(capsys, "build", SKETCH, "-o", out)[0] == 0
    victim = tmp_path / "victim.sh"
    victim.write_text("#!/bin/sh\necho mine\n", encoding="utf-8")
    victim.chmod(0o640)
    (out / "index.html").unlink()
    (out / "index.html").symlink_to(victim if absolute else Path("..") / "victim.sh")
    before = snapshot(tmp_path)
    code, err = run(capsys, "build", SKETCH, "-o", out)
    assert code == 1
    assert "index.html' is a symbolic link" in err
    assert snapshot(tmp_path) == before  # the target, its mode and the folder untouched


def test_build_refuses_symlinked_manifest(tmp_path, capsys):
    out = tmp_path / "out"
    assert run(capsys, "build", SKETCH, "-o", out)[0] == 0
    secret = tmp_path / "secret.md"
    secret.write_text("index.md\n", encoding="utf-8")
    (out / ".scendsl-manifest").unlink()
    (out / ".scendsl-manifest").symlink_to(secret)
    code, err = run(capsys, "build", SKETCH, "-o", out)
    assert code == 1 and ".scendsl-manifest' is a symbolic link" in err
    assert secret.read_text(encoding="utf-8") == "index.md\n"


def test_build_keeps_other_links_in_output_folder_as_links(tmp_path, capsys):
    out = tmp_path / "out"
    assert run(capsys, "build", SKETCH, "-o", out)[0] == 0
    (tmp_path / "elsewhere").mkdir()
    (out / "assets").symlink_to(tmp_path / "elsewhere")
    assert run(capsys, "build", SKETCH, "-o", out)[0] == 0
    assert os.readlink(out / "assets") == str(tmp_path / "elsewhere")
    assert list((tmp_path / "elsewhere").iterdir()) == []


# -------------------------------------------------------------- item 3: fmt and FIFOs
def test_fmt_does_not_write_through_symlink_outside_folder(tmp_path, capsys):
    folder = tmp_path / "sc"
    folder.mkdir()
    (folder / "a.scn").write_text(HEADER, encoding="utf-8")
    outside = tmp_path / "outside.scn"
    outside.write_text(UNFORMATTED, encoding="utf-8")
    (folder / "link.scn").symlink_to(outside)
    code, err = run(capsys, "fmt", folder)
    assert code == 1
    assert "link.scn' links to a file outside" in err
    assert outside.read_text(encoding="utf-8") == UNFORMATTED
    # check refuses the same link with the same words: one policy
    code, check_err = run(capsys, "check", folder)
    assert code == 1 and "link.scn' links to a file outside" in check_err


def test_fmt_and_check_refuse_symlinked_folder_outside(tmp_path, capsys):
    folder = tmp_path / "sc"
    folder.mkdir()
    (folder / "a.scn").write_text(HEADER, encoding="utf-8")
    other = tmp_path / "other"
    other.mkdir()
    (other / "b.scn").write_text(UNFORMATTED, encoding="utf-8")
    (folder / "sub").symlink_to(other)
    for command in ("fmt", "check"):
        code, err = run(capsys, command, folder)
        assert code == 1 and "sub' links to a folder outside" in err
    assert (other / "b.scn").read_text(encoding="utf-8") == UNFORMATTED


def test_fmt_rewrites_a_link_inside_the_folder_in_its_target(tmp_path, capsys):
    folder = tmp_path / "sc"
    folder.mkdir()
    (folder / "real.scn").write_text(UNFORMATTED, encoding="utf-8")
    (folder / "alias.scn").symlink_to("real.scn")
    assert run(capsys, "fmt", folder)[0] == 0
    assert os.readlink(folder / "alias.scn") == "real.scn"
    assert (folder / "real.scn").read_text(encoding="utf-8").startswith("scenario other {\n")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
@pytest.mark.parametrize("command", ["fmt", "check"])
def test_fmt_refuses_fifo_without_hanging(tmp_path, command):
    folder = tmp_path / "sc"
    folder.mkdir()
    (folder / "a.scn").write_text(HEADER, encoding="utf-8")
    os.mkfifo(folder / "pipe.scn")
    for target in (folder, folder / "pipe.scn"):  # in a folder, and named on the command line
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "scendsl", command, str(target)],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=tmp_path,
        )
        assert time.perf_counter() - started < 30
        assert done.returncode == 1, done.stderr
        assert "pipe.scn' is a FIFO, not a file" in done.stderr
        assert "Traceback" not in done.stderr


def test_a_file_swapped_for_a_fifo_is_not_opened_blocking(tmp_path):
    os.mkfifo(tmp_path / "pipe.scn")
    with pytest.raises(OSError, match="not a regular file"):
        files_module.open_regular(str(tmp_path / "pipe.scn"))


# ------------------------------------------------------------ item 8: the user's own files
def test_user_file_in_output_folder_is_kept(tmp_path, capsys):
    out = tmp_path / "o"
    out.mkdir()
    (out / "README.md").write_text("my notes\n", encoding="utf-8")
    (out / "draft.html").write_text("<p>mine</p>\n", encoding="utf-8")
    for _ in range(2):  # the first build (no manifest yet) and the next one
        assert run(capsys, "build", SKETCH, "-o", out)[0] == 0
        assert (out / "README.md").read_text(encoding="utf-8") == "my notes\n"
        assert (out / "draft.html").read_text(encoding="utf-8") == "<p>mine</p>\n"
    manifest = (out / ".scendsl-manifest").read_text(encoding="utf-8")
    assert "index.md\n" in manifest and "README.md" not in manifest
    code, err = run(capsys, "build", SKETCH, "-o", out, "--check")
    assert code == 0, err


def test_manifest_cannot_make_the_build_remove_other_files(tmp_path, capsys):
    out = tmp_path / "out"
    assert run(capsys, "build", SKETCH, "-o", out)[0] == 0
    (tmp_path / "precious.md").write_text("keep\n", encoding="utf-8")
    (out / "sub").mkdir()
    (out / "sub" / "x.md").write_text("keep\n", encoding="utf-8")
    (out / "notes.txt").write_text("keep\n", encoding="utf-8")
    with open(out / ".scendsl-manifest", "a", encoding="utf-8") as manifest:
        manifest.write("../precious.md\nsub/x.md\nnotes.txt\n/etc/hostname.md\n")
    assert run(capsys, "build", SKETCH, "-o", out)[0] == 0
    assert (tmp_path / "precious.md").exists() and (out / "sub" / "x.md").exists()
    assert (out / "notes.txt").exists()


def test_output_naming_an_existing_file_is_refused_without_renaming(tmp_path, capsys):
    target = tmp_path / "o"
    target.write_text("not a folder\n", encoding="utf-8")
    before = snapshot(tmp_path)
    code, err = run(capsys, "build", SKETCH, "-o", target)
    assert code == 1 and "it is a file, not a folder" in err
    assert snapshot(tmp_path) == before and leftovers(tmp_path) == []


# ------------------------------------------------------------- item 9: SIGKILL leftovers
def test_leftover_temp_folders_are_cleaned(tmp_path, capsys):
    out = tmp_path / "out"
    for name in (".out.new-k1lled_1", ".out.old-k1lled_2"):  # as mkdtemp names them
        (tmp_path / name).mkdir()
        (tmp_path / name / "index.md").write_text("half\n", encoding="utf-8")
    (tmp_path / ".other.new-x1234567").mkdir()  # another output folder's: not ours to judge
    (tmp_path / ".out.new-ideas").mkdir()  # the user's own, named like ours but not by mkdtemp
    assert run(capsys, "build", SKETCH, "-o", out)[0] == 0
    assert leftovers(tmp_path) == [".other.new-x1234567", ".out.new-ideas"]


def test_leftover_of_a_killed_build_is_cleaned_but_a_live_one_is_kept(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    killed, live = tmp_path / ".out.new-killed00", tmp_path / ".out.new-live0000"
    killed.mkdir()
    live.mkdir()
    # A build that took the lock on its folder and was then killed: SIGKILL releases the lock.
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; "
            "from scendsl.files import _lock; _lock(Path(sys.argv[1])); "
            "print('locked', flush=True); time.sleep(60)",
            str(killed),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        descriptor = os.open(live, os.O_RDONLY)  # a build still running holds its lock
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert files_module.clean_leftovers(out) == []  # both locked: both kept
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
        assert files_module.clean_leftovers(out) == [str(killed)]
        assert live.is_dir()
        os.close(descriptor)
    finally:
        holder.kill()
        holder.wait()


# ------------------------------------------------------------------ item 17: Ctrl-C
@pytest.mark.parametrize("delay", [0.3, 0.6])
def test_interrupted_build_prints_one_line_and_exits_130(tmp_path, delay):
    scenarios = tmp_path / "scenarios"
    shutil.copytree(ROOT / "scenarios", scenarios)
    out = tmp_path / "out"
    process = subprocess.Popen(
        [sys.executable, "-m", "scendsl", "build", str(scenarios), "-o", str(out)],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env=dict(os.environ, SCENDSL_JOBS="2"),  # with its workers, however busy the machine
    )
    time.sleep(delay)
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C does: the whole process group
    _, err = process.communicate(timeout=60)
    if process.returncode == 0:
        pytest.skip("the build finished before the interrupt")  # a fast machine
    assert process.returncode == 130, err
    assert err == "interrupted\n"
    assert leftovers(tmp_path) == []
    assert not out.exists() or (out / ".scendsl-manifest").exists()  # nothing half-written


def test_interrupt_wrapped_by_python_exits_130_not_internal_error(tmp_path, capsys, monkeypatch):
    # Ctrl-C landing while Python defines a class (an import in the middle of a build) reaches
    # the command line as a RuntimeError caused by the KeyboardInterrupt: still an interrupt.
    import scendsl.cli as cli

    def interrupted_while_importing(args):
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as interrupt:
            raise RuntimeError("Error calling __set_name__") from interrupt

    monkeypatch.setitem(cli.COMMANDS, "check", interrupted_while_importing)
    assert cli.main(["check", str(tmp_path)]) == 130
    assert capsys.readouterr().err == "interrupted\n"


# ---------------------------------------------------------------- item 19: disk full
@pytest.mark.parametrize("syncfs", ["fails", "missing"])
def test_disk_full_keeps_old_output(tmp_path, capsys, monkeypatch, syncfs):
    import ctypes

    out = tmp_path / "out"
    assert run(capsys, "build", SKETCH, "-o", out)[0] == 0
    (out / "README.md").write_text("mine\n", encoding="utf-8")
    before = snapshot(tmp_path)

    def full(descriptor):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    class Libc:  # syncfs(2) reports a writeback error (-1), or the C library has none
        def __init__(self, *args, **kwargs):
            if syncfs == "fails":
                self.syncfs = lambda descriptor: -1

    monkeypatch.setattr(ctypes, "CDLL", Libc)
    monkeypatch.setattr(os, "fsync", full)  # the system's refusal, where a full disk reports it
    code, err = run(capsys, "build", ROOT / "scenarios", "-o", out)
    assert code == 1 and "no space left on device" in err
    assert snapshot(tmp_path) == before and leftovers(tmp_path) == []


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")
@pytest.mark.parametrize("command", [["schema"], ["eval", "scenarios"]])
def test_disk_full_on_stdout_is_a_clear_error(command):
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "scendsl", *command],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            cwd=ROOT,
        )
    assert done.returncode == 1
    assert done.stderr.count("no space left on device") == 1, done.stderr
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr


# ------------------------------------------------------- item 20: odd output folders
def test_output_folder_errors_are_clear(tmp_path, capsys):
    (tmp_path / "file").write_text("x", encoding="utf-8")
    (tmp_path / "loop").symlink_to("loop")
    (tmp_path / "dangling").symlink_to("nowhere")
    cases = {
        tmp_path / "file" / "out": "'" + str(tmp_path / "file") + "' is not a folder",
        tmp_path / ("n" * 300): "file name too long",
        tmp_path / "loop": "a symbolic link loop",
        tmp_path / "dangling": "a broken symbolic link",
    }
    for target, words in cases.items():
        before = snapshot(tmp_path)
        code, err = run(capsys, "build", SKETCH, "-o", target)
        assert code == 1 and words in err, err
        assert snapshot(tmp_path) == before


def test_output_folder_with_a_250_character_name_is_written(tmp_path, capsys):
    out = tmp_path / ("n" * 250)
    assert run(capsys, "build", SKETCH, "-o", out)[0] == 0
    assert run(capsys, "build", SKETCH, "-o", out)[0] == 0  # the swap, beside a long name
    assert (out / "index.md").exists() and leftovers(tmp_path) == []


def test_read_only_output_folder_keeps_its_mode_and_gets_the_files(tmp_path, capsys):
    out = tmp_path / "out"
    assert run(capsys, "build", SKETCH, "-o", out)[0] == 0
    (out / "index.md").unlink()
    out.chmod(0o555)
    try:
        assert run(capsys, "build", SKETCH, "-o", out)[0] == 0
        assert (out / "index.md").exists() and (out.stat().st_mode & 0o777) == 0o555
    finally:
        out.chmod(0o755)


def as_user(*argv, cwd: Path) -> subprocess.CompletedProcess:
    """The command in a new process that obeys permission bits, also when the tests run as root
    (root without the capabilities that override them)."""
    prefix: list[str] = []
    if AS_ROOT:
        if shutil.which("setpriv") is None:
            pytest.skip("root, and no setpriv to drop the permission override")
        prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]
    done = subprocess.run(
        [*prefix, sys.executable, "-m", "scendsl", *map(str, argv)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr, done.stderr
    return done


def test_read_only_parent_is_a_clear_error(tmp_path):
    parent = tmp_path / "ro"
    parent.mkdir()
    parent.chmod(0o555)
    try:
        done = as_user("build", SKETCH, "-o", parent / "out", cwd=ROOT)
        assert done.returncode == 1 and "permission denied" in done.stderr, done.stderr
        assert list(parent.iterdir()) == []
    finally:
        parent.chmod(0o755)


def test_unreadable_output_folder_is_a_clear_error(tmp_path):
    # Found by benchmarks/fuzz_files.py run without the permission override.
    out = tmp_path / "out"
    out.mkdir()
    out.chmod(0o311)  # can enter and write, not list
    try:
        done = as_user("build", SKETCH, "-o", out, cwd=ROOT)
        assert done.returncode == 1, done.stderr
        assert f"cannot use '{out}' as the output folder: permission denied" in done.stderr
        assert leftovers(tmp_path) == []
    finally:
        out.chmod(0o755)


def test_read_only_output_folder_is_rebuilt_and_its_old_copy_removed(tmp_path):
    out = tmp_path / "out"
    assert as_user("build", SKETCH, "-o", out, cwd=ROOT).returncode == 0
    (out / "sub").mkdir()
    (out / "sub" / "mine.txt").write_text("mine\n", encoding="utf-8")
    dead = tmp_path / ".out.new-dead0000"  # a killed build's, read-only
    (dead / "ro").mkdir(parents=True)
    for folder in (out / "sub", out, dead / "ro", dead):
        folder.chmod(0o555)
    try:
        done = as_user("build", SKETCH, "-o", out, cwd=ROOT)
        assert done.returncode == 0, done.stderr
        assert (out.stat().st_mode & 0o777) == 0o555 and (out / "sub" / "mine.txt").exists()
        assert leftovers(tmp_path) == []  # the old copy (0555) and the dead folder are gone
    finally:
        for folder in (out, out / "sub"):
            folder.chmod(0o755)


# ------------------------------------------------------ item 23: unreadable subfolders
def test_unreadable_subfolder_is_reported(tmp_path, capsys, monkeypatch):
    folder = tmp_path / "sc"
    (folder / "locked").mkdir(parents=True)
    (folder / "a.scn").write_text(HEADER, encoding="utf-8")
    (folder / "locked" / "b.scn").write_text(HEADER.replace("base", "other"), encoding="utf-8")
    scandir = os.scandir

    def refusing(path="."):  # what the system says for a folder without read permission
        if Path(path).name == "locked":
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", refusing)
    code, err = run(capsys, "check", folder)
    assert code == 1
    assert f"cannot read folder '{folder / 'locked'}': permission denied" in err
    assert "ok:" not in err


def test_unreadable_subfolder_is_reported_without_injection(tmp_path):
    folder = tmp_path / "sc"
    (folder / "locked").mkdir(parents=True)
    (folder / "a.scn").write_text(HEADER, encoding="utf-8")
    (folder / "locked" / "b.scn").write_text(HEADER.replace("base", "other"), encoding="utf-8")
    (folder / "locked").chmod(0)
    try:
        done = as_user("check", folder, cwd=tmp_path)
        assert done.returncode == 1 and "cannot read folder" in done.stderr, done.stderr
        assert "ok:" not in done.stderr
    finally:
        (folder / "locked").chmod(0o755)


def test_broken_link_in_a_folder_is_reported(tmp_path, capsys):
    folder = tmp_path / "sc"
    folder.mkdir()
    (folder / "a.scn").write_text(HEADER, encoding="utf-8")
    (folder / "gone.scn").symlink_to("missing.scn")
    code, err = run(capsys, "check", folder)
    assert code == 1 and "gone.scn': a broken or looping link" in err
