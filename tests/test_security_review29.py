"""The twenty-ninth hostile-input review (docs/security.md, items 187 on): files, caches and
processes as an adversary. Each test is named after the problem it pins."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest

import scendsl.model.evaluate as evaluate_module
from scendsl.app.build import render_files
from scendsl.app.gitsnap import snapshot
from scendsl.app.incremental import IncrementalBuilder
from scendsl.cli import main
from scendsl.errors import ScenarioError
from scendsl.language.parse import MAX_FILE_BYTES
from tests.security_helpers import SCENARIO, cpu_ratio, raw
from tests.test_diff_security import git


# --------------- item 187: a page shows the scenario text that was loaded, never a re-read
def _during_evaluation(monkeypatch: pytest.MonkeyPatch, change: Callable[[], None]) -> None:
    """Run `change` (another process at work on the files) once the build has loaded its
    scenarios, before the first is evaluated."""
    real = evaluate_module.evaluate
    pending = [change]

    def evaluate(*args, **kwargs):
        while pending:
            pending.pop()()
        return real(*args, **kwargs)

    monkeypatch.setattr(evaluate_module, "evaluate", evaluate)


def _swapped_mid_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, outside: str) -> Path:
    """A scenario folder (`SCENARIO` in `s.scn`) whose file another process replaces, once the
    load is done, by a link to a file holding `outside` beyond the folder; the current folder
    is `tmp_path`."""
    folder, secret = tmp_path / "project" / "scenarios", tmp_path / "private"
    folder.mkdir(parents=True)
    secret.mkdir()
    (folder / "s.scn").write_text(SCENARIO)
    (secret / "s.scn").write_text(outside)

    def swap() -> None:
        os.replace(folder / "s.scn", tmp_path / "old.scn")
        os.symlink(secret / "s.scn", folder / "s.scn")

    _during_evaluation(monkeypatch, swap)
    monkeypatch.chdir(tmp_path)
    return folder


def _build_pages(folder: Path, out: Path) -> dict[str, str]:
    return {name: body.decode() for name, body in render_files([str(folder)], samples=0).items()}


def _serve_pages(folder: Path, out: Path) -> dict[str, str]:
    IncrementalBuilder([str(folder)], str(out), samples=0).build()
    return {path.name: path.read_text() for path in out.iterdir() if path.suffix == ".md"}


@pytest.mark.parametrize("pages", [_build_pages, _serve_pages], ids=["build", "serve"])
def test_a_scenario_file_swapped_for_a_link_out_of_its_folder_mid_build_is_not_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pages
):
    # A file outside the named folder with a scenario of the same name at the same place.
    folder = _swapped_mid_build(
        tmp_path, monkeypatch, SCENARIO.replace("year 2026", 'title "PRIVATE-NOTE"')
    )
    shown = pages(folder, tmp_path / "out")
    assert not any("PRIVATE-NOTE" in body for body in shown.values())
    # The block shown is the text that was loaded and evaluated.
    assert SCENARIO.strip() in shown["small.md"]


def test_a_scenario_file_grown_past_the_token_limit_mid_build_is_not_parsed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    path = tmp_path / "s.scn"
    grown = SCENARIO + "scenario g {\n" + "  cluster.count 1\n" * 100_000 + "}\n"

    def build(after: str) -> None:
        path.write_text(SCENARIO)
        _during_evaluation(monkeypatch, lambda: path.write_text(after))
        render_files([str(path)], samples=0)

    # 1.8 MB, 300,000 tokens: twelve times what a file may hold (`--max-tokens` 25,000), 3.5 s
    # of CPU to parse when the pages' blocks were looked for in the file read again.
    growing, steady = cpu_ratio(lambda: build(grown), lambda: build(SCENARIO))
    assert growing < steady * 1.5 + 0.2


# --------------------- item 188: serve sends a page in pieces, as large as it was when opened
def _request(method: str, page: str) -> bytes:
    return f"{method} /{page} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()


def _sent(server, page: str) -> tuple[bytes, int]:
    """The answer's head and the length of its body, which is read and let go in pieces."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as connection:
        connection.sendall(_request("GET", page))
        data = b""
        while b"\r\n\r\n" not in data and (chunk := connection.recv(65536)):
            data += chunk
        head, body = data.split(b"\r\n\r\n", 1)
        length = len(body)
        while chunk := connection.recv(1 << 20):
            length += len(chunk)
    return head, length


def _length(head: bytes) -> int:
    return int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])


def test_serve_holds_a_bounded_amount_of_a_page_replaced_by_a_huge_file(live, tmp_path: Path):
    server = live()
    answer = raw(server, _request("GET", "small.html"))
    head, body = answer.split(b"\r\n\r\n", 1)
    assert b'<script src="/__scendsl/live.js"></script>\n</head>' in body
    assert b"script-src 'self'; connect-src 'self'" in body
    assert body.rstrip().endswith(b"</html>") and _length(head) == len(body)
    # Another process writes 256 MiB there (a sparse file: no disk used).
    huge = 256 * 1024 * 1024
    with open(tmp_path / "out" / "small.html", "r+b") as handle:
        handle.truncate(huge)
    tracemalloc.start()
    try:
        assert raw(server, _request("HEAD", "small.html")).startswith(b"HTTP/1.1 200")
        head, length = _sent(server, "small.html")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # Sent whole, as the browser asked, but never held whole (three copies of it were).
    assert head.startswith(b"HTTP/1.1 200") and length == _length(head) > huge
    assert peak < 16 * 1024 * 1024


# ------------- item 189: a revision's copy for `diff --git` is bounded over all its files
def test_a_revision_naming_one_large_blob_under_many_paths_is_refused_before_it_is_copied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    repo = tmp_path / "repo"
    (repo / "scenarios").mkdir(parents=True)
    (repo / "scenarios" / "s.scn").write_text(SCENARIO)
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "base")

    def made(command: list[str], given: bytes) -> str:
        done = subprocess.run(command, cwd=repo, input=given, capture_output=True, check=True)
        return done.stdout.decode().strip()

    # One blob just within the file limit, compressed by git to a few KB, under 12 paths.
    blob = made(["git", "hash-object", "-w", "--stdin"], b"#" * (MAX_FILE_BYTES - 1) + b"\n")
    listing = "".join(f"100644 blob {blob}\tf{index:02d}.scn\n" for index in range(12))
    folder = made(["git", "mktree"], listing.encode())
    tree = made(["git", "mktree"], f"040000 tree {folder}\tscenarios\n".encode())
    commit = made(
        ["git", "-c", "user.email=t@t", "-c", "user.name=t", "commit-tree", tree, "-m", "x"], b""
    )
    monkeypatch.chdir(repo)
    into = tmp_path / "copy"
    into.mkdir()
    with pytest.raises(ScenarioError) as raised:
        snapshot(commit, ["scenarios"], str(into))
    assert list(into.iterdir()) == []  # nothing written (96 MiB were)
    [diagnostic] = raised.value.diagnostics
    assert diagnostic.span.file == f"{commit}:scenarios/f08.scn"  # the first past the bound
    assert "64 MiB" in diagnostic.message
    assert main(["diff", "--git", commit, "scenarios"]) == 1
    assert f"{commit}:scenarios/f08.scn:1:1: error: the scenario files" in capsys.readouterr().err


# ------------- item 190: a later stage's diagnostic quotes the text loaded, never a re-read
def test_a_warning_quotes_the_line_loaded_not_a_file_swapped_for_a_link_out_of_the_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    folder = _swapped_mid_build(tmp_path, monkeypatch, SCENARIO.replace("\n", "  # PRIVATE-NOTE\n"))
    assert main(["check", str(folder)]) == 0
    printed = capsys.readouterr().err
    assert "warning" in printed and "PRIVATE-NOTE" not in printed
    assert "  cluster.count 1000\n" in printed or "  region US\n" in printed  # quoted as loaded


# ------------------------- item 191: a build whose chart worker dies draws its charts itself
def test_a_build_whose_chart_worker_is_killed_finishes_with_the_same_charts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from scendsl.app import build as build_module
    from scendsl.app import pools

    path = tmp_path / "s.scn"
    path.write_text(SCENARIO)
    monkeypatch.setenv("SCENDSL_JOBS", "1")
    alone = render_files([str(path)], samples=0)

    monkeypatch.setenv("SCENDSL_JOBS", "2")
    forked: list = []

    def chart_pool():
        forked.append(pools.chart_pool())
        return forked[-1]

    def kill_the_worker() -> None:  # the OOM killer, a user's kill, a crash in C code
        if forked and forked[0] is not None:
            forked[0].apply(int)  # started: the worker waits for its next task
            for process in forked[0]._pool:
                os.kill(process.pid, signal.SIGKILL)
                process.join(10)

    monkeypatch.setattr(build_module, "chart_pool", chart_pool)
    _during_evaluation(monkeypatch, kill_the_worker)
    built: list[dict[str, bytes]] = []
    builder = threading.Thread(
        target=lambda: built.append(render_files([str(path)], samples=0)), daemon=True
    )
    builder.start()
    builder.join(120)  # it waited for ever for the charts sent to the dead worker
    if forked == [None]:
        pytest.skip("no chart worker on this machine (one core, or not Linux)")
    assert built, "the build never finished"
    assert built[0] == alone


# ------------------- item 192: what checks keep is bounded in bytes, not only in number
def test_the_parses_checks_keep_are_bounded_in_bytes_without_a_build_to_trim_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from scendsl.files import kept

    cache, state = tmp_path / "cache", tmp_path / "state"
    for folder in (cache, state):
        folder.mkdir(mode=0o700)
    monkeypatch.setenv("SCENDSL_CACHE_DIR", str(cache))
    monkeypatch.setenv("XDG_STATE_HOME", str(state))
    # A bound of 2.5 MiB for the test (128 MiB holds 64 checks' parses of 2 MiB).
    monkeypatch.setattr(kept, "MAX_KEPT_KIND_BYTES", 5 * 1024 * 1024 // 2)
    titles = "".join(
        f'reference r{index} {{\n  title "{"x" * 9000}"\n  source "s"\n}}\n' for index in range(100)
    )
    for index in range(4):
        folder = tmp_path / f"p{index}"
        folder.mkdir()
        (folder / "s.scn").write_text(SCENARIO + titles)
        main(["check", str(folder)])
    parses = [path.stat().st_size for path in (cache / "kept").glob("check-parses-*")]
    assert len(parses) >= 1 and min(parses) > 800 * 1024  # each check kept its parse
    assert sum(parses) <= 5 * 1024 * 1024 // 2


# --------- item 193: a template is opened by the file policy, its folder checked on the file
def test_a_template_swapped_for_a_link_out_of_its_folder_after_the_check_is_not_read(
    tmp_path: Path,
):
    from scendsl.report.loader import TemplateFileProblem, template_loader

    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "page.md.j2").write_text("inside")
    (tmp_path / "secret.txt").write_text("PRIVATE-NOTE")
    loader = template_loader([folder])
    assert loader.get_source(None, "page.md.j2")[0] == "inside"
    checked = loader._read

    def swapped_then_read(*args):  # another process, between the check and the open
        os.replace(folder / "page.md.j2", tmp_path / "old.j2")
        os.symlink(tmp_path / "secret.txt", folder / "page.md.j2")
        return checked(*args)

    loader._read = swapped_then_read
    with pytest.raises(TemplateFileProblem) as refused:
        loader.get_source(None, "page.md.j2")
    assert "PRIVATE-NOTE" not in str(refused.value) and "outside" in str(refused.value)


# ------ item 194: a templates folder's digest reads no more of a file than the loader would
def test_a_data_file_of_gigabytes_beside_the_templates_is_not_hashed_at_every_build(
    tmp_path: Path,
):
    from scendsl.app.cache import folder_digest

    big, small = tmp_path / "big", tmp_path / "small"
    for folder in (big, small):
        folder.mkdir()
        (folder / "page.md.j2").write_text("{{ 1 }}")
    with open(big / "data.bin", "wb") as handle:  # sparse: no disk used
        handle.truncate(2 * 1024**3)
    (small / "data.bin").write_bytes(b"\0" * 1_000_001)
    hashing_big, hashing_small = cpu_ratio(
        lambda: folder_digest(str(big)), lambda: folder_digest(str(small))
    )
    assert hashing_big < hashing_small * 3 + 0.05  # 2 GiB were read and hashed, ~2 s of CPU
    # Both are past what a template may be: refused alike if named, so digested alike; a
    # template within it changes the digest.
    digest = folder_digest(str(big))
    (big / "page.md.j2").write_text("{{ 2 }}")
    assert folder_digest(str(big)) != digest


# ------------ item 195: a change in the editor analyses a bounded number of its importers
def _importers_cpu(folder: Path, importers: int) -> float:
    """The CPU time of a language server that opens `base.scn` in `folder`, beside
    `importers` files that import it, and receives one change to it."""
    import resource

    from tests.security_helpers import lsp_session

    folder.mkdir()
    (folder / "base.scn").write_text(SCENARIO)
    for index in range(importers):
        (folder / f"i{index:04d}.scn").write_text(
            f'import "base.scn"\n\nscenario i{index} extends small {{\n  cluster.count {index + 1}\n}}\n'
        )
    uri = (folder / "base.scn").as_uri()
    change = (
        "textDocument/didChange",
        {
            "textDocument": {"uri": uri, "version": 2},
            "contentChanges": [{"text": SCENARIO.replace("1000", "2000")}],
        },
    )
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    lsp_session(
        folder,
        uri,
        SCENARIO,
        [
            change,
            (
                "textDocument/hover",
                {"textDocument": {"uri": uri}, "position": {"line": 1, "character": 2}},
            ),
        ],
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def test_a_change_analyses_a_bounded_number_of_the_files_that_import_it(tmp_path: Path):
    many = _importers_cpu(tmp_path / "many", 600)
    few = _importers_cpu(tmp_path / "few", 40)
    # All 600 were analysed with the change, and at the open: 16 s against 1.4 s.
    assert many < few * 2 + 0.5
