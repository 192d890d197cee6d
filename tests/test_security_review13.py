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


# ------------------------------------- the language server: every URI is a document of its own
def _lsp_symbols(client, uri: str, text: str, request_id: int) -> dict:
    client.send(
        {
            "jsonrpc": "2.0",
            "method": "textDocument/didOpen",
            "params": {
                "textDocument": {"uri": uri, "languageId": "scendsl", "version": 1, "text": text}
            },
        }
    )
    client.send(
        {
            "jsonrpc": "2.0",
            "id": request_id,
            "method": "textDocument/documentSymbol",
            "params": {"textDocument": {"uri": uri}},
        }
    )
    answer = client.answer(request_id)
    assert answer is not None, uri
    return answer


def _scenario(name: str) -> str:
    return f'scenario {name} {{\n  title "T"\n  year 2026\n  region US\n}}\n'


def test_a_file_uri_naming_no_path_the_system_takes_is_a_document_not_an_internal_error(
    tmp_path,
):
    """`file:///…/a%00b.scn` (a NUL in the path) made every request about it an "internal
    error: ValueError: embedded null byte"; such a document is now held as an unsaved buffer."""
    pytest.importorskip("pygls")
    from test_lsp_security import RawClient

    client = RawClient(tmp_path)
    try:
        client.initialize(tmp_path)
        uri = tmp_path.as_uri() + "/a%00b.scn"
        answer = _lsp_symbols(client, uri, _scenario("alpha"), 2)
        assert "error" not in answer, answer
        assert [s["name"] for s in answer["result"]] == ["alpha"]
        code, err = client.close()
        assert code == 0 and "internal error" not in err, err
    finally:
        if client.process.poll() is None:
            client.process.kill()
            client.process.wait()


def test_two_unsaved_buffers_whose_names_differ_only_in_punctuation_are_two_documents(tmp_path):
    """`untitled:a.scn` and `untitled:a_scn`, or `http://a/x.scn` and `http://a_x.scn`, were
    given one stand-in path: the second buffer's outline, hovers and diagnostics answered
    for the first."""
    pytest.importorskip("pygls")
    from test_lsp_security import RawClient

    client = RawClient(tmp_path)
    try:
        client.initialize(tmp_path)
        pairs = [("untitled:a.scn", "untitled:a_scn"), ("http://a/x.scn", "http://a_x.scn")]
        request_id = 10
        for first, second in pairs:
            _lsp_symbols(client, first, _scenario("alpha"), request_id)
            _lsp_symbols(client, second, _scenario("beta"), request_id + 1)
            client.send(
                {
                    "jsonrpc": "2.0",
                    "id": request_id + 2,
                    "method": "textDocument/documentSymbol",
                    "params": {"textDocument": {"uri": first}},
                }
            )
            answer = client.answer(request_id + 2)
            assert [s["name"] for s in answer["result"]] == ["alpha"], (first, answer)
            request_id += 10
        assert client.close()[0] == 0
    finally:
        if client.process.poll() is None:
            client.process.kill()
            client.process.wait()


def test_requests_about_a_document_over_the_file_limit_do_no_work_on_its_text(tmp_path):
    """A document over the parser's file limit (`parse.MAX_FILE_BYTES`; messages may be up to
    64 MiB) was still walked by completion, character by character, at every request: 2.8 s of
    CPU a keystroke for a 60 MB document. Every request about it now gets an empty answer."""
    pytest.importorskip("pygls")
    from scendsl.language.parse import MAX_FILE_BYTES
    from test_lsp_security import RawClient

    line = "  # a comment line\n"
    big = _scenario("alpha") + line * (MAX_FILE_BYTES // len(line) + 1)
    uri = (tmp_path / "big.scn").as_uri()
    client = RawClient(tmp_path)
    try:
        client.initialize(tmp_path)
        _lsp_symbols(client, uri, _scenario("alpha"), 2)  # a good version first
        client.send(
            {
                "jsonrpc": "2.0",
                "method": "textDocument/didChange",
                "params": {
                    "textDocument": {"uri": uri, "version": 2},
                    "contentChanges": [{"text": big}],
                },
            }
        )
        last = big.count("\n")
        for request_id, method in ((3, "textDocument/completion"), (4, "textDocument/hover")):
            client.send(
                {
                    "jsonrpc": "2.0",
                    "id": request_id,
                    "method": method,
                    "params": {
                        "textDocument": {"uri": uri},
                        "position": {"line": last, "character": 0},
                    },
                }
            )
            answer = client.answer(request_id, timeout=60)
            assert answer is not None and "error" not in answer, answer
            assert answer["result"] in (None, {"isIncomplete": False, "items": []}), answer
        code, err = client.close()
        assert code == 0 and "over the file limit" in err, err
    finally:
        if client.process.poll() is None:
            client.process.kill()
            client.process.wait()


# --------------------------------- an import of something that is there but not a file says what
@pytest.mark.parametrize("kind", ["fifo", "link to a fifo", "folder"])
def test_an_import_of_a_fifo_or_a_folder_says_what_it_is_not_that_it_does_not_exist(
    tmp_path, capsys, kind
):
    """`import "pipe.scn"` of a FIFO (or a link to one, or a folder named `x.scn`) was
    "imported file 'pipe.scn' does not exist", with the hint to write the path relative to the
    importing file: the user looks for a typo in a name that is right."""
    from scendsl.cli import main

    target = tmp_path / "pipe.scn"
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "folder":
        target.mkdir()
    else:
        os.mkfifo(tmp_path / "pipe")
        target.symlink_to(tmp_path / "pipe")
    main_file = tmp_path / "main.scn"
    main_file.write_text('import "pipe.scn"\n' + _scenario("alpha"), encoding="utf-8")
    assert main(["check", str(main_file)]) == 1
    err = capsys.readouterr().err
    expected = "a folder" if kind == "folder" else "a FIFO"
    assert "main.scn:1:8: error: imported file '" in err, err
    assert f"pipe.scn' is {expected}, not a file; it is not read" in err, err
    assert "does not exist" not in err and "internal error" not in err, err


def test_an_import_of_a_fifo_in_scenario_text_says_what_it_is(tmp_path, monkeypatch):
    """The same class through `load_text` (scenario text, imports relative to the current
    folder): a FIFO named by an import "did not exist"."""
    from scendsl.errors import ScenarioError
    from scendsl.language.loading import load_text

    os.mkfifo(tmp_path / "pipe.scn")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ScenarioError) as caught:
        load_text('import "pipe.scn"\n' + _scenario("alpha"))
    messages = [d.message for d in caught.value.diagnostics]
    assert "imported file 'pipe.scn' is a FIFO, not a file; it is not read" in messages, messages
