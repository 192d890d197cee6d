"""What the hostile-input review tests share (docs/security.md): a one-scenario file, a live
server over its build, raw requests to it, and the command line run with caches of its own.

Each review's test module imports from here rather than keeping a copy, so a change to how a
server is started or a cache is isolated is made once."""

from __future__ import annotations

import io
import json
import os
import shutil
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from scendsl.app.incremental import IncrementalBuilder
from scendsl.app.serve import LiveServer
from tests.factories import scenario_text

#: The smallest scenario that builds every page.
SCENARIO = """
scenario small {
  year 2026
  region US
  cluster.accelerator H100
  cluster.count 1000
}
"""


# ------------------------------------------------------------------------------ the server
@pytest.fixture
def live(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., LiveServer]]:
    """Starts live servers over a one-scenario build in `tmp_path`, in this process (bounds
    lowered per test), and stops them after the test."""
    if not (tmp_path / "s.scn").exists():
        (tmp_path / "s.scn").write_text(SCENARIO)
    monkeypatch.chdir(tmp_path)
    servers: list[LiveServer] = []

    def start(host: str = "127.0.0.1") -> LiveServer:
        builder = IncrementalBuilder(["s.scn"], str(tmp_path / "out"), samples=0)
        server = LiveServer(builder, host=host, port=0)
        assert server.rebuild(io.StringIO())
        server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def raw(server: LiveServer, request: bytes, host: str = "127.0.0.1") -> bytes:
    """The server's whole answer to the bytes `request`, sent as they are."""
    with socket.create_connection((host, server.port), timeout=10) as connection:
        connection.sendall(request)
        connection.shutdown(socket.SHUT_WR)
        data = b""
        while chunk := connection.recv(65536):
            data += chunk
    return data


def get(server: LiveServer, page: str, host: str = "127.0.0.1") -> bytes:
    """The server's whole answer to `GET /page` naming `host`."""
    request = f"GET /{page} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    return raw(server, request.encode("latin-1"))


# ------------------------------------------------------------------------------- the caches
def run_cli(
    tmp_path: Path,
    command: list[str],
    cache: Path,
    state: Path,
    env: dict[str, str | None] | None = None,
) -> subprocess.CompletedProcess:
    """`scendsl COMMAND` in a subprocess with every cache in `cache` and its key in `state`
    (one machine's state folder: another `state` is another machine), `env` added (a
    variable given None is unset)."""
    changes = {"SCENDSL_CACHE_DIR": str(cache), "XDG_STATE_HOME": str(state), **(env or {})}
    environment = {**os.environ, **{k: v for k, v in changes.items() if v is not None}}
    for name in [k for k, v in changes.items() if v is None]:
        environment.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "scendsl", *command],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def cache_folders(tmp_path: Path) -> tuple[Path, Path, Path]:
    """`s.scn` in `tmp_path`, and three private folders: a cache, this machine's state folder
    and another machine's."""
    scenario = tmp_path / "s.scn"
    scenario.write_text(SCENARIO)
    cache, mine, theirs = tmp_path / "cache", tmp_path / "mine", tmp_path / "theirs"
    for folder in (cache, mine, theirs):
        folder.mkdir(mode=0o700)
    return cache, mine, theirs


# ------------------------------------------------------------------------------- the tables
#: What a spreadsheet reads as the start of a formula (OWASP's list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_cells(text: str, separators: str = ",;\t\n", trim: bool = False) -> list[str]:
    """The cells of the CSV `text` that a spreadsheet would run as formulas, the file read as
    spreadsheets of every locale read it: split at each of `separators` in turn (`,` honouring
    quotes, as the file is written; `;` and tabs as other locales' Excel and tab-separated
    imports split; line breaks as a reader that takes lines before quotes). A number (a
    negative one too) is no formula. `trim`: each cell read with its blanks stripped too, as an
    import told to trim spaces reads it."""
    import csv

    cells: list[str] = []
    for separator in separators:
        if separator == "\n":
            cells += text.split("\n")
        else:
            cells += [c for row in csv.reader(io.StringIO(text), delimiter=separator) for c in row]
    if trim:
        cells += [cell.strip() for cell in cells]
    found = []
    for cell in cells:
        try:
            float(cell)
        except ValueError:
            if cell.startswith(FORMULA_STARTS):
                found.append(cell)
    return found


# ------------------------------------------------------------------------ mount namespaces
def unshare_available() -> bool:
    """Whether this process may make a private mount namespace (root and `unshare -m`)."""
    if shutil.which("unshare") is None or not hasattr(os, "geteuid") or os.geteuid() != 0:
        return False
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True)
    return probe.returncode == 0


def run_in_mount_namespace(tmp_path: Path, setup: str, script: str) -> subprocess.CompletedProcess:
    """Run the shell commands `setup` (mounts), then `script` (Python), in `tmp_path` in a
    private mount namespace: the mounts end with it and are seen by no other process."""
    program = tmp_path / "script.py"
    program.write_text(textwrap.dedent(script), encoding="utf-8")
    root = Path(__file__).resolve().parent.parent
    return subprocess.run(
        ["unshare", "-m", "sh", "-c", f"{setup} && '{sys.executable}' '{program}'"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(root), "SCENDSL_CACHE_DIR": ""},
    )


# ------------------------------------------------------------------------ the language server
def _lsp_message(body: dict) -> bytes:
    data = json.dumps(body).encode("utf-8")
    return b"Content-Length: %d\r\n\r\n" % len(data) + data


#: The methods `lsp_session` sends as notifications, without an id (an edit, a save).
NOTIFICATIONS = ("textDocument/did", "workspace/did")


def lsp_session(root: Path, uri: str, text: str, requests: list[tuple[str, dict]]) -> list[dict]:
    """Every message `scendsl lsp` sends when a client opens `uri` (holding `text`) in the
    folder `root`, asks `requests` (method, params) in turn with ids 1, 2, ... (the n-th has id
    n; those in NOTIFICATIONS are sent without one), and exits."""
    head = [
        {"id": 0, "method": "initialize", "params": {"rootUri": root.as_uri(), "capabilities": {}}},
        {"method": "initialized", "params": {}},
        {
            "method": "textDocument/didOpen",
            "params": {
                "textDocument": {"uri": uri, "languageId": "scn", "version": 1, "text": text}
            },
        },
    ]
    asked = [
        {"method": m, "params": p}
        if m.startswith(NOTIFICATIONS)
        else {"id": n, "method": m, "params": p}
        for n, (m, p) in enumerate(requests, 1)
    ]
    tail = [{"id": 999, "method": "shutdown"}, {"method": "exit"}]
    stream = b"".join(_lsp_message({"jsonrpc": "2.0", **m}) for m in head + asked + tail)
    done = subprocess.run(
        [sys.executable, "-m", "scendsl", "lsp"],
        input=stream,
        capture_output=True,
        timeout=120,
        env={**os.environ, "SCENDSL_CACHE_DIR": ""},
    )
    messages, data = [], done.stdout
    while data:
        header, _, rest = data.partition(b"\r\n\r\n")
        length = int(header.split(b"Content-Length:")[1].split(b"\r\n")[0])
        messages.append(json.loads(rest[:length]))
        data = rest[length:]
    return messages


def cpu_ratio(work, baseline, runs: int = 2) -> tuple[float, float]:
    """The least CPU time of `runs` calls of `work` and of `baseline`, measured in turns, with
    the garbage collector paused as the command-line tool runs: a bound on their ratio holds on
    a busy machine, where both slow alike (an absolute bound in seconds failed under load at
    0.62 s against 0.6 s, with 0.26 s on an idle machine), and late in a full test run, where a
    collection walks every object the earlier tests left (the call making more objects paid
    for it: 0.72 s against 0.19 s)."""
    import gc

    spent = [float("inf"), float("inf")]
    gc.collect()
    paused = gc.isenabled()
    gc.disable()
    try:
        for _ in range(runs):
            for at, call in enumerate((work, baseline)):
                started = time.process_time()
                call()
                spent[at] = min(spent[at], time.process_time() - started)
    finally:
        if paused:
            gc.enable()
    return spent[0], spent[1]


def check_errors(tmp_path: Path, line: str) -> list:
    """The errors `scendsl check` gives a one-scenario file (`factories.scenario_text`) holding
    `line` in its body."""
    from scendsl.app.pipeline import check_files
    from scendsl.errors import ScenarioError

    path = tmp_path / "s.scn"
    path.write_text(scenario_text("s", body=f"  {line}\n"), encoding="utf-8")
    with pytest.raises(ScenarioError) as raised:
        check_files([str(path)])
    return raised.value.diagnostics
