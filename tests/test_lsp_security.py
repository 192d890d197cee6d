"""The language server against hostile neighbours and broken clients (third hostile-input review).

A raw client talks JSON-RPC to `python -m scendsl lsp` over pipes, so that it can send what a
well-behaved client library never would (a 3 GB Content-Length, requests about documents it never
opened). Every test is named after the problem it pins.
"""

from __future__ import annotations

import json
import os
import select
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("pygls")

from pygls.exceptions import JsonRpcInternalError

from scendsl.lsp.navigation import definition
from scendsl.lsp.positions import Pos
from scendsl.lsp.server import MAX_MESSAGE_BYTES, ScenarioServer
from scendsl.lsp.workspace import Workspace

BASE = 'scenario base {\n  title "Base"\n  year 2026\n  region US\n}\n'


def frame(message: dict) -> bytes:
    body = json.dumps(message).encode("utf-8")
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


class RawClient:
    """A JSON-RPC client over the server's pipes that can send anything."""

    def __init__(self, cwd: Path, memory: int | None = None) -> None:
        def limit() -> None:  # an address-space limit turns an over-large allocation into an error
            import resource

            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

        self.process = subprocess.Popen(
            [sys.executable, "-m", "scendsl", "lsp"],
            cwd=cwd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            preexec_fn=limit if memory else None,
        )
        self.buffer = b""

    def send(self, data: bytes | dict) -> None:
        self.process.stdin.write(data if isinstance(data, bytes) else frame(data))
        self.process.stdin.flush()

    def receive(self, timeout: float) -> dict | None:
        """The next message, or None when none comes within `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            head, sep, rest = self.buffer.partition(b"\r\n\r\n")
            if sep:
                length = int(head.split(b"Content-Length:")[1].split(b"\r\n")[0])
                if len(rest) >= length:
                    self.buffer = rest[length:]
                    return json.loads(rest[:length])
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([self.process.stdout], [], [], left)
            if ready:
                chunk = os.read(self.process.stdout.fileno(), 65536)
                if not chunk:
                    return None
                self.buffer += chunk

    def answer(self, request_id: int, timeout: float = 20) -> dict | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = self.receive(deadline - time.monotonic())
            if message is None:
                return None
            if message.get("id") == request_id and "method" not in message:
                return message
        return None

    def initialize(self, root: Path) -> None:
        self.send(
            {
                "jsonrpc": "2.0",
                "id": 1,
                "method": "initialize",
                "params": {
                    "processId": None,
                    "rootUri": root.as_uri(),
                    "capabilities": {},
                    "workspaceFolders": [{"uri": root.as_uri(), "name": "w"}],
                },
            }
        )
        assert self.answer(1) is not None
        self.send({"jsonrpc": "2.0", "method": "initialized", "params": {}})

    def close(self) -> tuple[int, str]:
        try:
            self.process.stdin.close()
        except OSError:
            pass
        try:
            code = self.process.wait(timeout=20)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
        return code, self.process.stderr.read().decode("utf-8", "replace")


@pytest.fixture
def client(tmp_path):
    made = RawClient(tmp_path)
    yield made
    if made.process.poll() is None:
        made.process.kill()
        made.process.wait()


def test_shutdown_and_exit_end_the_server_with_0_and_no_traceback(tmp_path, client):
    # The transport closes stdout on `exit`; flushing the closed stream once raised ValueError
    # at the end of every session (exit 120 and a traceback in the editor's log).
    client.initialize(tmp_path)
    client.send({"jsonrpc": "2.0", "id": 2, "method": "shutdown", "params": None})
    assert client.answer(2) is not None
    client.send({"jsonrpc": "2.0", "method": "exit", "params": None})
    code, err = client.close()
    assert code == 0, err
    assert "Traceback" not in err and "ValueError" not in err, err


# ------------------------------------------------------------------ malformed messages
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS as on Linux")
def test_content_length_of_3_gb_does_not_exhaust_memory(tmp_path):
    client = RawClient(tmp_path, memory=2 * 1024**3)
    client.initialize(tmp_path)
    client.send(b"Content-Length: 3000000000\r\n\r\n" + b"{" * 1000)
    code, err = client.close()  # the client gives up mid-message: the server ends cleanly
    assert code == 0, err
    assert "MemoryError" not in err and "internal error" not in err, err


def test_message_over_the_limit_is_skipped_and_the_next_one_answered(tmp_path, client):
    client.initialize(tmp_path)
    size = MAX_MESSAGE_BYTES + 1
    client.send(b"Content-Length: %d\r\n\r\n" % size)
    piece = b" " * (1024 * 1024)
    for _ in range(size // len(piece)):
        client.send(piece)
    client.send(b" " * (size % len(piece)))
    client.send(
        {
            "jsonrpc": "2.0",
            "id": 7,
            "method": "textDocument/documentSymbol",
            "params": {"textDocument": {"uri": (tmp_path / "x.scn").as_uri()}},
        }
    )
    answer = client.answer(7)
    assert answer is not None and answer.get("result") == [], answer
    code, err = client.close()
    assert code == 0 and "skipped a message" in err, err


def test_a_header_line_without_end_does_not_exhaust_memory(tmp_path, client):
    client.initialize(tmp_path)
    client.send(b"X-Junk: " + b"a" * (4 * 1024 * 1024) + b"\r\n\r\n")
    client.send(
        {
            "jsonrpc": "2.0",
            "id": 8,
            "method": "textDocument/documentSymbol",
            "params": {"textDocument": {"uri": (tmp_path / "x.scn").as_uri()}},
        }
    )
    assert client.answer(8) is not None
    assert client.close()[0] == 0


@pytest.mark.parametrize("kind", ["missing", "fifo"])
def test_formatting_a_document_never_opened_is_an_empty_answer_not_a_traceback(
    tmp_path, client, kind
):
    target = tmp_path / "never.scn"
    if kind == "fifo":
        os.mkfifo(target)  # a request about it must not open it (that would block)
    client.initialize(tmp_path)
    for request_id, method, extra in (
        (2, "textDocument/formatting", {"options": {"tabSize": 2, "insertSpaces": True}}),
        (3, "textDocument/completion", {"position": {"line": 0, "character": 0}}),
        (4, "textDocument/hover", {"position": {"line": 0, "character": 0}}),
    ):
        client.send(
            {
                "jsonrpc": "2.0",
                "id": request_id,
                "method": method,
                "params": {"textDocument": {"uri": target.as_uri()}, **extra},
            }
        )
        answer = client.answer(request_id)
        assert answer is not None and "error" not in answer, answer
        assert "Traceback" not in json.dumps(answer)
    code, err = client.close()
    assert code == 0 and "not open" in err, err


def test_an_exception_in_a_handler_is_a_one_line_error_without_traceback():
    server = ScenarioServer()

    @server.feature("textDocument/hover")
    def hover(ls, params):
        raise KeyError("line one\nline two")

    handler = server.protocol.fm.features["textDocument/hover"]
    with pytest.raises(JsonRpcInternalError) as caught:
        handler(None)
    error = caught.value.to_response_error()
    assert error.message.startswith("scendsl: internal error in textDocument/hover: KeyError")
    assert "\n" not in error.message and error.data is None


# ---------------------------------------------------------- neighbouring files read unsafely
def test_a_fifo_and_a_zero_device_beside_the_document_do_not_hang_the_server(tmp_path, client):
    (tmp_path / "base.scn").write_text(BASE, encoding="utf-8")
    os.mkfifo(tmp_path / "evil.scn")
    zero = tmp_path / "zero"
    try:
        os.mknod(zero, stat.S_IFCHR | 0o666, os.makedev(1, 5))  # a zero device of our own
        (tmp_path / "zero.scn").symlink_to(zero)
    except (PermissionError, OSError):
        pass  # not root: the FIFO alone is the hang
    client.initialize(tmp_path)
    client.send(
        {
            "jsonrpc": "2.0",
            "method": "textDocument/didOpen",
            "params": {
                "textDocument": {
                    "uri": (tmp_path / "base.scn").as_uri(),
                    "languageId": "scendsl",
                    "version": 1,
                    "text": BASE,
                }
            },
        }
    )
    client.send(
        {
            "jsonrpc": "2.0",
            "id": 5,
            "method": "textDocument/documentSymbol",
            "params": {"textDocument": {"uri": (tmp_path / "base.scn").as_uri()}},
        }
    )
    answer = client.answer(5, timeout=30)
    assert answer is not None and answer.get("result"), answer
    assert client.close()[0] == 0


def test_workspace_text_reads_only_regular_files_within_the_parser_limit(tmp_path):
    from scendsl.language.parse import MAX_FILE_BYTES

    os.mkfifo(tmp_path / "evil.scn")
    (tmp_path / "huge.scn").write_bytes(b"#" * (MAX_FILE_BYTES + 1))
    (tmp_path / "ok.scn").write_text(BASE, encoding="utf-8")
    workspace = Workspace(str(tmp_path))
    assert workspace.text(str(tmp_path / "evil.scn")) is None
    assert workspace.text(str(tmp_path / "huge.scn")) is None
    assert workspace.text(str(tmp_path / "ok.scn")) == BASE
    assert workspace.importers(str(tmp_path / "ok.scn")) == []


def definition_of_import(tmp_path: Path, target: str):
    document = tmp_path / "ws" / "doc.scn"
    text = f'import "{target}"\n\n' + BASE
    document.write_text(text, encoding="utf-8")
    workspace = Workspace(str(tmp_path / "ws"))
    analysis = workspace.analyse(str(document))
    parsed = analysis.document or workspace.last_good.get(os.path.realpath(document))
    return definition(analysis, workspace, parsed, Pos(0, 9))


def test_go_to_definition_on_an_import_follows_the_resolver_rules(tmp_path):
    (tmp_path / "ws").mkdir()
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.scn").write_text(BASE, encoding="utf-8")
    (tmp_path / "ws" / "base.scn").write_text(BASE, encoding="utf-8")
    (tmp_path / "ws" / "notes.txt").write_text("secret\n", encoding="utf-8")
    os.mkfifo(tmp_path / "ws" / "pipe.scn")
    found = definition_of_import(tmp_path, "base.scn")
    assert found is not None and found.path == str(tmp_path / "ws" / "base.scn")
    for refused in (
        "../outside/secret.scn",
        "../../../../../../outside/secret.scn",
        str(tmp_path / "outside" / "secret.scn"),
        "notes.txt",
        "pipe.scn",
        "~/secret.scn",
    ):
        assert definition_of_import(tmp_path, refused) is None, refused
