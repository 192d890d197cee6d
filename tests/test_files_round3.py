"""Output folder problems of the third hostile-input review (scendsl/files/).

Each test is named after the problem it pins: an output folder reached through a symbolic link,
a mount point inside the output folder, a forged manifest naming a folder.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from conftest import SKETCH
from scendsl import files as files_module
from scendsl.cli import main
from tests.security_helpers import run_in_mount_namespace, unshare_available


def run(capsys, *argv: str) -> tuple[int, str]:
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and "internal error" not in captured.err, captured.err
    return code, captured.err


def victim(tmp_path: Path) -> Path:
    folder = tmp_path / "victim"
    folder.mkdir()
    (folder / "index.md").write_text("the victim's own index\n", encoding="utf-8")
    (folder / ".scendsl-manifest").write_text("index.md\n", encoding="utf-8")
    return folder


# ------------------------------------------------------ the output folder is a symbolic link
@pytest.mark.parametrize("absolute", [False, True])
def test_output_folder_that_is_a_symlink_is_refused(tmp_path, capsys, monkeypatch, absolute):
    project = tmp_path / "project"
    project.mkdir()
    target = victim(tmp_path)
    (project / "out").symlink_to(Path("..") / "victim")  # a committed `out -> ../victim`
    monkeypatch.chdir(project)
    out = project / "out" if absolute else Path("out")
    code, err = run(capsys, "build", SKETCH, "-o", out)
    assert code == 1 and "it is a symbolic link" in err, err
    assert (target / "index.md").read_text(encoding="utf-8") == "the victim's own index\n"
    assert sorted(p.name for p in target.iterdir()) == [".scendsl-manifest", "index.md"]


@pytest.mark.parametrize("absolute", [False, True])
def test_output_folder_below_a_symlinked_folder_is_refused(tmp_path, capsys, monkeypatch, absolute):
    project = tmp_path / "project"
    project.mkdir()
    (tmp_path / "elsewhere").mkdir()
    (project / "site").symlink_to(tmp_path / "elsewhere")  # like `site -> ~/public_html`
    monkeypatch.chdir(project)
    out = project / "site" / "out" if absolute else Path("site") / "out"
    code, err = run(capsys, "build", SKETCH, "-o", out)
    assert code == 1 and "site' is a symbolic link" in err, err
    assert list((tmp_path / "elsewhere").iterdir()) == []


@pytest.mark.parametrize("spelling", ["out/", "out/.", "evil/../victim", "./out"])
def test_output_folder_through_a_symlink_spelt_otherwise_is_refused(
    tmp_path, capsys, monkeypatch, spelling
):
    project = tmp_path / "project"
    (project / "deep" / "er").mkdir(parents=True)
    (project / "victim").mkdir()
    (project / "victim" / "index.md").write_text("mine\n", encoding="utf-8")
    target = victim(tmp_path)
    (project / "out").symlink_to(Path("..") / "victim")
    (project / "evil").symlink_to(project / "deep" / "er")  # evil/.. is deep/, not project/
    (project / "deep" / "victim").mkdir()
    monkeypatch.chdir(project)
    code, err = run(capsys, "build", SKETCH, "-o", spelling)
    assert code == 1 and "symbolic link" in err, err
    assert (target / "index.md").read_text(encoding="utf-8") == "the victim's own index\n"
    assert list((project / "deep" / "victim").iterdir()) == []


def test_output_folder_under_a_symlink_above_the_current_folder_is_accepted(
    tmp_path, capsys, monkeypatch
):
    # A link on the way to the current folder itself (like `/home -> /usr/home`) is the user's
    # own setup, not a committed trap.
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to("real")
    project = tmp_path / "link"
    monkeypatch.chdir(project)
    monkeypatch.setenv("PWD", str(project))
    assert run(capsys, "build", SKETCH, "-o", project / "out")[0] == 0
    assert (tmp_path / "real" / "out" / "index.md").is_file()


# ------------------------------------------------- a mount point inside the output folder
needs_mount = pytest.mark.skipif(
    not unshare_available(), reason="needs root and unshare -m to mount a tmpfs"
)


def in_mount_namespace(tmp_path: Path, script: str) -> subprocess.CompletedProcess:
    """Run `script` (Python) in a private mount namespace where tmp_path/out/mnt is a tmpfs."""
    setup = (
        f"mount -t tmpfs tmpfs '{tmp_path}/out/mnt' && "
        f"echo precious > '{tmp_path}/out/mnt/keep.txt'"
    )
    return run_in_mount_namespace(tmp_path, setup, script)


@needs_mount
def test_output_folder_holding_a_mount_point_is_refused_and_nothing_deleted_across_it(tmp_path):
    (tmp_path / "out" / "mnt").mkdir(parents=True)
    result = in_mount_namespace(
        tmp_path,
        f"""
        import os, sys
        from scendsl.cli import main
        code = main(["build", {str(SKETCH)!r}, "-o", "out"])
        assert code == 1, code
        assert open("out/mnt/keep.txt").read() == "precious\\n"
        assert os.path.ismount("out/mnt")
        print("ok")
    """,
    )
    assert result.returncode == 0 and "ok" in result.stdout, result.stdout + result.stderr
    assert "'out/mnt' is a mount point" in result.stderr
    assert "Traceback" not in result.stderr


@needs_mount
def test_remove_tree_never_descends_into_another_file_system(tmp_path):
    (tmp_path / "out" / "mnt").mkdir(parents=True)
    (tmp_path / "out" / "mine.txt").write_text("x", encoding="utf-8")
    result = in_mount_namespace(
        tmp_path,
        """
        import os
        from pathlib import Path
        from scendsl.files import remove_tree
        remove_tree(Path("out"))
        assert open("out/mnt/keep.txt").read() == "precious\\n"
        assert not os.path.exists("out/mine.txt")
        print("ok")
    """,
    )
    assert result.returncode == 0 and "ok" in result.stdout, result.stdout + result.stderr


def test_remove_tree_removes_a_deep_read_only_tree_of_one_file_system(tmp_path):
    top = tmp_path / "t"
    deep = top.joinpath(*["d"] * 50)
    deep.mkdir(parents=True)
    (deep / "f").write_text("x", encoding="utf-8")
    (top / "link").symlink_to(tmp_path)
    os.chmod(top / "d", 0o555)
    files_module.remove_tree(top)
    assert not top.exists() and tmp_path.exists()


# -------------------------------------------------------------- a forged manifest names a folder
def test_forged_manifest_naming_a_folder_does_not_remove_it(tmp_path, capsys):
    out = tmp_path / "out"
    assert run(capsys, "build", SKETCH, "-o", out)[0] == 0
    (out / "keep.md").mkdir()
    (out / "keep.md" / "notes.txt").write_text("mine\n", encoding="utf-8")
    (out / "link.md").symlink_to(tmp_path / "elsewhere.md")
    (tmp_path / "elsewhere.md").write_text("mine\n", encoding="utf-8")
    with open(out / ".scendsl-manifest", "a", encoding="utf-8") as manifest:
        manifest.write("keep.md\nlink.md\n")
    _code, err = run(capsys, "build", SKETCH, "-o", out, "--check")
    assert "keep.md" not in err and "link.md" not in err, err  # not the build's files
    assert run(capsys, "build", SKETCH, "-o", out)[0] == 0
    assert (out / "keep.md" / "notes.txt").read_text(encoding="utf-8") == "mine\n"
    assert (out / "link.md").is_symlink()
    assert (tmp_path / "elsewhere.md").read_text(encoding="utf-8") == "mine\n"


# ------------------------------------------------------------ line breaks in printed file names
BAD = 'scenario broken {\n  title "B"\n  year 2026\n  region US\n  clusterr { }\n}\n'
UNFORMATTED = (
    'scenario   other {\n title "Other"\n year 2026\n region US\n'
    " cluster { accelerator H100\n count 8 }\n}\n"
)


def forged_lines(text: str) -> list[str]:
    return [
        line for line in text.split("\n") if line.startswith(("fake:", "ok:", "\r")) or "\r" in line
    ]


def test_line_breaks_in_file_names_cannot_forge_output_lines(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    bad = tmp_path / "in" / "a\nfake: ok.scn"
    bad.parent.mkdir()
    bad.write_text(BAD, encoding="utf-8")
    code, err = run(capsys, "check", "in")
    assert code == 1 and "a\\nfake: ok.scn:5:" in err, err
    assert forged_lines(err) == [], err

    messy = tmp_path / "fmt" / "b\r\nfake: ok.scn"
    messy.parent.mkdir()
    messy.write_text(UNFORMATTED, encoding="utf-8")
    code, err = run(capsys, "fmt", "--check", "fmt")
    assert code == 1 and "b\\r\\nfake: ok.scn" in err, err
    assert forged_lines(err) == [], err

    code, err = run(capsys, "build", SKETCH, "-o", "o\nfake: ok")
    assert code == 0 and "files to o\\nfake: ok" in err, err
    assert forged_lines(err) == [], err

    code, err = run(capsys, "build", SKETCH, "-o", "o\nfake: ok", "--check")
    assert code == 0 and "o\\nfake: ok is up to date" in err, err

    (tmp_path / "plain.scn").write_text(BAD, encoding="utf-8")
    (tmp_path / "link\nfake: ok.scn").symlink_to(tmp_path / "nowhere")
    code, err = run(capsys, "check", str(tmp_path / "link\nfake: ok.scn"))
    assert code == 1 and forged_lines(err) == [] and "link\\nfake" in err, err


def test_visible_path_escapes_line_breaks_and_controls_but_visible_keeps_line_breaks():
    from scendsl.terminal import visible, visible_path

    assert visible_path("a\nb\rc\x1bd.scn") == "a\\nb\\rc\\u001bd.scn"
    assert visible_path(Path("x") / "y.scn") == os.path.join("x", "y.scn")
    assert visible("line one\nline two") == "line one\nline two"
