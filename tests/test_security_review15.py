"""The fifteenth hostile-input review (docs/security.md, items 108 on): the caches, output
names, `fmt` and `new` on odd targets, `diff` and the terminal, and `serve` after the project
moved behind a link. Each test is named after the problem it pins."""

from __future__ import annotations

import io
import os
import socket
from pathlib import Path

import pytest

from scendsl.app.incremental import IncrementalBuilder
from scendsl.app.serve import LiveServer

SCENARIO = """
scenario small {
  year 2026
  region US
  cluster.accelerator H100
  cluster.count 1000
}
"""


# ------------------------------------------------------------------------------ the server
def _get(server: LiveServer, page: str) -> bytes:
    request = f"GET /{page} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:
        connection.sendall(request)
        connection.shutdown(socket.SHUT_WR)
        data = b""
        while chunk := connection.recv(65536):
            data += chunk
    return data


def test_serve_follows_its_project_moved_behind_a_link_as_the_build_does(tmp_path, monkeypatch):
    """Item 108: `serve` resolved its output folder once, when it started (item 103), so a
    project moved while serving and a link left at its old place (a folder above the output
    folder made a link) served 404s until `serve` was started again, while the rebuilds went
    on writing the pages. The folder is resolved at each request by the writer's own rule
    (`files.output_folder_now`)."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "s.scn").write_text(SCENARIO)
    monkeypatch.chdir(project)
    monkeypatch.setenv("PWD", str(project))
    builder = IncrementalBuilder(["s.scn"], str(project / "out"), samples=0)
    server = LiveServer(builder, host="127.0.0.1", port=0)
    assert server.rebuild(io.StringIO())
    server.start()
    try:
        assert _get(server, "small.html").startswith(b"HTTP/1.1 200")
        os.rename(project, tmp_path / "moved")
        project.symlink_to(tmp_path / "moved")
        answer = _get(server, "small.html")
        assert answer.startswith(b"HTTP/1.1 200") and b"small" in answer
        # A rebuild writes through the same way, and what it wrote is what is served.
        (project / "s.scn").write_text(SCENARIO.replace("2026", "2027"))
        assert server.rebuild(io.StringIO())
        assert b"2027" in _get(server, "small.html")
        # The output folder itself made a link is still not followed (item 103).
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()
        (elsewhere / "small.html").write_text("<p>a file outside the output folder</p>")
        os.rename(project / "out", project / "out.moved")
        (project / "out").symlink_to(elsewhere)
        answer = _get(server, "small.html")
        assert answer.startswith(b"HTTP/1.1 404") and b"outside" not in answer
    finally:
        server.stop()
