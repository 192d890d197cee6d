"""`scendsl serve`: build, serve the briefings on this machine, rebuild and reload on every save.

- The first build, and every rebuild after a change, is an `IncrementalBuilder` build: only the
  scenarios, pages and charts a change affects are made again, and the files are written the
  way `build` writes them (the output guard, the manifest, the atomic swap).
- The output folder is served over HTTP on a loopback address only (127.0.0.1 by default; any
  other address is refused), and only the files of the build: not the manifest, not the user's
  other files in the folder, never through a link or from a FIFO. Requests that name another
  host (DNS rebinding) are refused, and so are requests another web site's page makes (an
  `Origin` or `Sec-Fetch-Site` not this server's; following a link to a page is allowed).
- Hostile local clients are bounded: at most MAX_CONNECTIONS connections at once (more are
  closed unanswered), MAX_EVENT_STREAMS event streams (more get 503), and a connection that
  sends nothing for REQUEST_TIMEOUT seconds is closed.
- The watcher (watchfiles) follows the scenario files and folders named on the command line and
  the template folders; a change starts a rebuild.
- Open pages reload through server-sent events. The script that listens is added by the server
  to each HTML page it sends (with the page's content security policy widened to let it load it
  and connect back); the built files never hold a script.
- A build that fails shows its located diagnostics, the CLI's text, in the terminal and over the
  open pages; the output folder keeps the last good build.
- Python's cyclic collector is paused while a rebuild runs and runs again once the server has
  been idle for half a second (`collector.IdleCollection`): its collection of what a rebuild
  made is not between the saved file and the reloaded page.
"""

from __future__ import annotations

import functools
import io
import ipaddress
import json
import os
import re
import socket
import sys
import threading
import time
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from scendsl.errors import EXIT_OK, EXIT_USAGE, ScenarioError, ScendslError
from scendsl.files import is_hidden
from scendsl.terminal import visible, visible_path

if TYPE_CHECKING:
    from scendsl.app.incremental import IncrementalBuilder

#: Where the server's own resources live; no page of a build can have this name (no `/`).
EVENTS_PATH = "/__scendsl/events"
SCRIPT_PATH = "/__scendsl/live.js"
#: Seconds between keep-alive comments on an idle event stream (a closed tab is noticed then).
KEEPALIVE_SECONDS = 15.0
#: How long the watcher waits for more changes after the first (an editor's save is often two
#: or three writes), in milliseconds.
WATCH_STEP_MS = 30
#: Connections served at once (one thread each); more are closed at once, unanswered.
MAX_CONNECTIONS = 64
#: Open pages listening for reloads at once; more get 503 (a page retries on its own).
MAX_EVENT_STREAMS = 32
#: Seconds a connection may stay silent (or a write blocked) before it is closed.
REQUEST_TIMEOUT = 10.0
#: Bytes of one request (its line, of at most 64 KiB, and its headers) read before the
#: connection is closed: the standard library bounds each header line (64 KiB) and their
#: number (100), not their sum, which let each of MAX_CONNECTIONS clients make the server hold
#: 6 MB.
MAX_REQUEST_BYTES = 256 * 1024
#: Bytes of an HTML page's start read to add the reload script before its `</head>` (the
#: built pages' is within the first few KiB; a page without one within this gets the script
#: after it); the rest is sent as it is, PAGE_PIECE bytes at a time.
MAX_PAGE_HEAD = 1024 * 1024
PAGE_PIECE = 256 * 1024
#: Headers on every answer: nothing here may be framed, embedded or read by another site.
_SAFE_HEADERS = (
    ("Cache-Control", "no-store"),
    ("X-Content-Type-Options", "nosniff"),
    ("Cross-Origin-Resource-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
)

_FILE_NAME_RE = re.compile(r"[A-Za-z0-9_\-][A-Za-z0-9_.\-]*")
_CSP_RE = re.compile(r'(<meta http-equiv="Content-Security-Policy" content=")([^"]*)(")')
_CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
    ".json": "application/json",
}

#: Reloads the page on `reload`; shows a build's error over the page on `error` (as text: the
#: message never becomes markup).
LIVE_SCRIPT = """\
(function () {
  "use strict";
  var overlay = null;
  function hide() { if (overlay) { overlay.remove(); overlay = null; } }
  function show(text) {
    hide();
    overlay = document.createElement("div");
    overlay.id = "scendsl-error";
    var s = overlay.style;
    s.position = "fixed"; s.inset = "0"; s.zIndex = "2147483647"; s.overflow = "auto";
    s.background = "rgba(20, 20, 20, 0.92)"; s.color = "#fff"; s.padding = "2rem";
    var title = document.createElement("h2");
    title.textContent = "The build failed; this page is the last good one";
    title.style.color = "#ff8080";
    var pre = document.createElement("pre");
    pre.textContent = text;
    pre.style.whiteSpace = "pre-wrap";
    pre.style.font = "14px/1.4 monospace";
    overlay.appendChild(title);
    overlay.appendChild(pre);
    document.body.appendChild(overlay);
  }
  var events = new EventSource("/__scendsl/events");
  events.addEventListener("reload", function () { window.location.reload(); });
  events.addEventListener("error", function (event) {
    if (typeof event.data === "string") { show(JSON.parse(event.data)); }
  });
})();
"""


def check_loopback(host: str) -> str:
    """`host` if it is a loopback address or `localhost`; else a ScendslError (exit 2): the
    briefings and the server are for this machine only."""
    if host == "localhost":
        return "127.0.0.1"
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        address = None
    if address is None or not address.is_loopback:
        error = ScendslError(
            f"serve listens on this machine only: '{host}' is not a loopback address "
            "(use 127.0.0.1, ::1 or localhost)"
        )
        error.exit_code = EXIT_USAGE
        raise error
    return str(address)


def diagnostics_text(error: BaseException) -> str:
    """What the CLI prints for a failed build: located diagnostics, or the error's message."""
    diagnostics = getattr(error, "diagnostics", None) or []
    if diagnostics:
        errors = sum(1 for d in diagnostics if d.severity == "error")
        lines = [d.render() for d in diagnostics]
        if errors:
            lines.append(f"{errors} error{'s' if errors != 1 else ''}")
        return "\n".join(lines)
    if isinstance(error, ScendslError):
        return f"error: {error}"
    return (
        f"internal error: {type(error).__name__}: {error}\n"
        "This is a bug in scendsl, not in your scenario."
    )


class LiveState:
    """The last build's outcome, shared by the builder and the request threads."""

    def __init__(self) -> None:
        self.condition = threading.Condition()
        #: Counts the builds that ended (good or not); event streams wait for it to move.
        self.generation = 0
        #: The last build's error text (None after a good build).
        self.error: str | None = None
        #: The files of the last good build (the names served).
        self.files: frozenset[str] = frozenset()
        #: Set when the server stops: event streams end.
        self.closed = False
        #: Event streams open now (at most MAX_EVENT_STREAMS).
        self.streams = 0

    def finished(self, files: list[str] | None, error: str | None) -> None:
        with self.condition:
            if files is not None:
                self.files = frozenset(files)
            self.error = error
            self.generation += 1
            self.condition.notify_all()

    def close(self) -> None:
        with self.condition:
            self.closed = True
            self.condition.notify_all()


def inject_live_script(page: bytes) -> bytes:
    """An HTML page as served: the reload script added before `</head>`, and the page's
    content security policy widened to load it from this server and connect back. `page` may
    be the start of a page only (`MAX_PAGE_HEAD`), which is cut after its `</head>`."""
    end = page.find(b"</head>")
    if end >= 0 and end + len(b"</head>") < len(page):
        return inject_live_script(page[: end + len(b"</head>")]) + page[end + len(b"</head>") :]
    text = page.decode("utf-8", "replace")  # a page replaced by other bytes is still sent
    text = _CSP_RE.sub(
        lambda m: f"{m.group(1)}{m.group(2)}; script-src 'self'; connect-src 'self'{m.group(3)}",
        text,
        count=1,
    )
    tag = f'<script src="{SCRIPT_PATH}"></script>\n'
    head = text.find("</head>")
    text = text[:head] + tag + text[head:] if head >= 0 else text + tag
    return text.encode("utf-8")


def make_handler(out_dir: str, state: LiveState, port: Callable[[], int]) -> type:
    """The request handler class serving `out_dir` with `state`'s events. The folder is
    resolved at each request as the build writes it (`files.output_folder_now`: a project
    moved behind a link is followed, the output folder replaced by a link is not), and each
    page is read from that real folder through no link."""

    class Handler(BaseHTTPRequestHandler):
        server_version = "scendsl"
        sys_version = ""
        protocol_version = "HTTP/1.1"
        timeout = REQUEST_TIMEOUT  # a silent connection must not hold a thread for ever

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the terminal shows builds, not requests

        def setup(self) -> None:
            super().setup()
            self.deadline = time.monotonic() + REQUEST_TIMEOUT
            self.unread = MAX_REQUEST_BYTES
            self.rfile = io.BufferedReader(_DeadlineReader(self))

        def handle_one_request(self) -> None:
            # The whole request (line and headers) within REQUEST_TIMEOUT, not each piece of
            # it: a client sending a byte a second would otherwise hold its thread for ever.
            self.deadline = time.monotonic() + REQUEST_TIMEOUT
            self.unread = MAX_REQUEST_BYTES
            super().handle_one_request()

        def do_HEAD(self) -> None:
            self._answer(head=True)

        def do_GET(self) -> None:
            self._answer(head=False)

        def _answer(self, head: bool) -> None:
            if not self._host_allowed():
                self._send(HTTPStatus.FORBIDDEN, b"forbidden host\n", "text/plain", head)
                return
            path = urlsplit(self.path).path
            if not self._site_allowed(navigation_ok=path != EVENTS_PATH):
                self._send(HTTPStatus.FORBIDDEN, b"forbidden origin\n", "text/plain", head)
                return
            if path == EVENTS_PATH:
                if head:  # the headers an event stream would have, and no stream
                    self._send(HTTPStatus.OK, b"", "text/event-stream", head)
                else:
                    self._events()
                return
            if path == SCRIPT_PATH:
                self._send(HTTPStatus.OK, LIVE_SCRIPT.encode(), "text/javascript", head)
                return
            name = unquote(path).lstrip("/") or "index.html"
            if not _FILE_NAME_RE.fullmatch(name) or name not in state.files:
                body = b"<!DOCTYPE html><title>Not found</title><p>No such page.</p>\n"
                self._send(HTTPStatus.NOT_FOUND, inject_live_script(body), _type(".html"), head)
                return
            from scendsl.files import open_beneath, output_folder_now

            try:
                # Through no link (the output folder itself replaced by one, to anywhere, is not
                # followed), not from a FIFO (which would hold the thread for ever).
                handle = open_beneath(output_folder_now(out_dir), name)
            except (OSError, ScenarioError):
                self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain", head)
                return
            with handle:
                self._send_page(handle, os.path.splitext(name)[1], head)

        def _send_page(self, handle: Any, suffix: str, head: bool) -> None:
            """Send the page open as `handle` in pieces, as large as it is now: a page that
            another process replaced by a huge file, or is still writing, is never held whole
            (a page was read to its end, then decoded and encoded: three copies of it)."""
            try:
                size = os.fstat(handle.fileno()).st_size
                start = handle.read(min(size, MAX_PAGE_HEAD)) if suffix == ".html" else b""
            except OSError:
                self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain", head)
                return
            left = size - len(start)
            if suffix == ".html":
                start = inject_live_script(start)
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", _type(suffix))
            self.send_header("Content-Length", str(len(start) + left))
            for header, value in _SAFE_HEADERS:
                self.send_header(header, value)
            self.end_headers()
            if head:
                return
            self.wfile.write(start)
            while left > 0:
                piece = handle.read(min(left, PAGE_PIECE))
                if not piece:  # cut short since it was opened: the answer cannot be whole
                    self.close_connection = True
                    return
                self.wfile.write(piece)
                left -= len(piece)

        def _names(self) -> tuple[str, ...]:
            """The names this server answers to: the loopback names, and the address it is
            bound to (`--host 127.0.0.2` is reached as 127.0.0.2)."""
            address: Any = self.server.server_address
            bound = str(address[0])
            return ("127.0.0.1", "localhost", "[::1]", f"[{bound}]" if ":" in bound else bound)

        def _host_allowed(self) -> bool:
            hosts = self.headers.get_all("Host") or []
            if len(hosts) != 1:  # none, or two that could be read differently on the way
                return False
            host = hosts[0].strip().lower()
            names = self._names()
            return host in names or host in {f"{name}:{port()}" for name in names}

        def _site_allowed(self, navigation_ok: bool) -> bool:
            """Whether the request comes from this server's own pages (or, if `navigation_ok`,
            is the browser following a link to a page): another site's page may not read the
            events nor fetch or embed the briefings."""
            origin = self.headers.get("Origin")
            if origin is not None:
                allowed = {f"http://{name}:{port()}" for name in self._names()}
                if origin.strip().lower() not in allowed:
                    return False
            site = (self.headers.get("Sec-Fetch-Site") or "").strip().lower()
            if site in ("", "same-origin", "none"):
                return True
            mode = (self.headers.get("Sec-Fetch-Mode") or "").strip().lower()
            return navigation_ok and mode == "navigate"

        def _send(self, status: HTTPStatus, body: bytes, kind: str, head: bool) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            for header, value in _SAFE_HEADERS:
                self.send_header(header, value)
            self.end_headers()
            if not head:
                self.wfile.write(body)

        def _events(self) -> None:
            with state.condition:  # before the answer: a build after it is always seen
                seen, error = state.generation, state.error
                full = state.streams >= MAX_EVENT_STREAMS
                if not full:
                    state.streams += 1
            if full:
                self.close_connection = True
                self._send(HTTPStatus.SERVICE_UNAVAILABLE, b"too many pages\n", "text/plain", False)
                return
            try:
                self._stream(seen, error)
            finally:
                with state.condition:
                    state.streams -= 1

        def _stream(self, seen: int, error: str | None) -> None:
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/event-stream")
            for header, value in _SAFE_HEADERS:
                self.send_header(header, value)
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            try:
                if error is not None:
                    self._event("error", error)
                while True:
                    with state.condition:
                        state.condition.wait_for(_moved(state, seen), KEEPALIVE_SECONDS)
                        if state.closed:
                            return
                        changed, seen, error = (
                            state.generation != seen,
                            state.generation,
                            state.error,
                        )
                    if not changed:
                        self.wfile.write(b": keep-alive\n\n")
                        self.wfile.flush()
                    elif error is not None:
                        self._event("error", error)
                    else:
                        self._event("reload", str(seen))
            except (BrokenPipeError, ConnectionResetError, OSError):
                return  # the page was closed

        def _event(self, name: str, data: str) -> None:
            self.wfile.write(event_bytes(name, data))
            self.wfile.flush()

    return Handler


@functools.lru_cache(maxsize=4)
def event_bytes(name: str, data: str) -> bytes:
    """An event of the live-reload stream as sent, made once for every page listening: an
    error message can be megabytes, and each of 32 streams encoding its own copy held 32 times
    it while they were written (the socket writer sends these bytes as they are)."""
    payload = json.dumps(data) if name == "error" else data
    return f"event: {name}\ndata: {payload}\n\n".encode()


class _DeadlineReader(io.RawIOBase):
    """The request's bytes from the handler's socket, each wait for more bounded by what is
    left of the handler's `deadline`: a request trickled in, one byte at a time just within
    the socket's timeout, ends at the deadline (TimeoutError, the connection closed); and at
    most the handler's `unread` bytes (MAX_REQUEST_BYTES a request: more closes the
    connection)."""

    def __init__(self, handler: Any) -> None:
        super().__init__()
        self.handler = handler

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        left = self.handler.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the request did not arrive in time")
        if self.handler.unread <= 0:
            # A ConnectionError: handle_error closes the connection without a word.
            raise ConnectionAbortedError("the request is larger than MAX_REQUEST_BYTES")
        connection = self.handler.connection
        connection.settimeout(left)
        try:
            with memoryview(buffer) as view:
                read = int(connection.recv_into(view[: self.handler.unread]))
            self.handler.unread -= read
            return read
        finally:
            connection.settimeout(REQUEST_TIMEOUT)  # an answer's write has its own bound

    def close(self) -> None:
        super().close()  # the socket is the server's to close, not the reader's


def _moved(state: LiveState, seen: int) -> Callable[[], bool]:
    return lambda: state.generation != seen or state.closed


def _type(suffix: str) -> str:
    return _CONTENT_TYPES.get(suffix, "application/octet-stream")


class _LimitedHTTPServer(ThreadingHTTPServer):
    """A thread per connection, at most MAX_CONNECTIONS at once: beyond, a connection is
    closed unanswered (a local client opening thousands cannot exhaust threads or memory)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        super().__init__(*args, **kwargs)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self.slots.acquire(blocking=False):
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A request that failed: nothing for a client that went away, else one line (the
        standard library would print a traceback into the terminal that shows the builds)."""
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)):
            return
        print(
            f"serve: a request failed: {type(error).__name__}: {visible(str(error))}",
            file=sys.stderr,
        )


class _ThreadingHTTPServer6(_LimitedHTTPServer):
    address_family = socket.AF_INET6


class LiveServer:
    """The HTTP server of `serve` in a thread, over a builder's output folder."""

    def __init__(self, builder: IncrementalBuilder, host: str = "127.0.0.1", port: int = 8000):
        self.builder = builder
        self.state = LiveState()
        from scendsl.files import read_manifest

        # Until a build succeeds, the last good output (an earlier build's) is served.
        self.state.files = frozenset(read_manifest(Path(builder.out_dir)))
        handler = make_handler(builder.out_dir, self.state, lambda: self.port)
        address = check_loopback(host)
        server_class = _ThreadingHTTPServer6 if ":" in address else _LimitedHTTPServer
        try:
            self.httpd = server_class((address, port), handler)
        except OSError as error:
            from scendsl.files import reason

            raise ScendslError(
                f"cannot listen on {address} port {port}: {reason(error)} "
                "(another server there? --port 0 takes any free port)"
            ) from None
        self.httpd.daemon_threads = True
        self.host, self.port = str(self.httpd.server_address[0]), self.httpd.server_address[1]
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._started = False
        from scendsl.app.collector import IdleCollection

        #: The collector runs between rebuilds, not at the end of one (before the reload).
        self.collection = IdleCollection()

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    def start(self) -> None:
        self._thread.start()
        self._started = True

    def rebuild(self, out: Any = sys.stderr) -> bool:
        """Build; tell the open pages (reload, or the error) and the terminal. True if good.
        The cyclic collector is paused meanwhile and runs once the server is idle again."""
        with self.collection.burst():
            return self._rebuild(out)

    def _rebuild(self, out: Any) -> bool:
        started = time.perf_counter()
        try:
            report = self.builder.build()
        except Exception as error:  # every failure shows in the page, and serving goes on
            text = diagnostics_text(error)
            print(text, file=out, flush=True)
            print("the build failed; serving the last good output", file=out, flush=True)
            self.state.finished(None, text)
            return False
        seconds = time.perf_counter() - started
        pages = len(self.builder.rendered)
        print(
            f"built in {seconds:.2f} s ({pages} page{'s' if pages != 1 else ''} rendered)",
            file=out,
            flush=True,
        )
        self.state.finished(report.files, None)
        return True

    def stop(self) -> None:
        self.collection.close()
        self.state.close()
        if self._started:  # shutdown waits for serve_forever, which must have started
            self.httpd.shutdown()
        self.httpd.server_close()


def watched_paths(builder: IncrementalBuilder) -> tuple[list[str], Callable[[Any, str], bool]]:
    """The folders to watch for `builder` (each named folder, the folder of each named file,
    the template folders) and the filter of the changes that start a rebuild."""
    folders: set[str] = set()
    files: set[str] = set()
    for path in builder.paths:
        real = os.path.realpath(path)
        if os.path.isdir(real):
            folders.add(real)
        else:
            files.add(real)
            folders.add(os.path.dirname(real))
    templates = [os.path.realpath(folder) for folder in builder.template_folders()]
    named = {os.path.realpath(p) for p in builder.paths if os.path.isdir(p)}
    out = os.path.realpath(builder.out_dir)

    roots = folders | set(templates)

    def wanted(change: Any, path: str) -> bool:
        real = os.path.realpath(path)
        if real in roots:
            # a watched folder itself removed or moved away: `serve` watches it anew
            return getattr(change, "name", "") == "deleted"
        # A link is judged by its own name too, the one the build reads: `x.scn` made a link
        # to a FIFO, or to a file outside the folder, is a change of `x.scn`.
        given = os.path.abspath(path)
        return (given != real and judged(given)) or judged(real)

    def judged(real: str) -> bool:
        if real == out or real.startswith(out + os.sep):
            return False  # our own writes
        if any(real == t or real.startswith(t + os.sep) for t in templates):
            return True
        if not real.endswith(".scn"):
            return False
        # A `.scn` file in a named folder, as its search finds them (an editor's lock file,
        # `.#s.scn`, made at the first keystroke, is not one: `files.is_hidden`), or beside a
        # named file (it may be imported, whatever its name).
        return any(
            real.startswith(folder + os.sep)
            and not any(map(is_hidden, real[len(folder) + 1 :].split(os.sep)))
            for folder in named
        ) or os.path.dirname(real) in {os.path.dirname(f) for f in files}

    return sorted(folders | set(templates)), wanted


def serve(
    builder: IncrementalBuilder,
    host: str = "127.0.0.1",
    port: int = 8000,
    out: Any = sys.stderr,
    ready: Callable[[LiveServer], None] | None = None,
) -> int:
    """Build, serve and rebuild on every change until Ctrl-C (exit 0)."""
    import watchfiles

    from scendsl.files import check_output_folder

    check_output_folder(builder.out_dir, builder.paths)  # a refused folder ends it at once
    server = LiveServer(builder, host, port)
    stop = threading.Event()
    # Found once, while the named paths are there: a named folder gone later is still a folder.
    folders, wanted = watched_paths(builder)
    try:
        server.rebuild(out)
        server.start()
        print(
            f"serving {visible_path(builder.out_dir)} at {server.url} (Ctrl-C stops)",
            file=out,
            flush=True,
        )
        if ready is not None:
            ready(server)
        while not stop.is_set():
            try:
                for changes in watchfiles.watch(
                    *folders,
                    watch_filter=wanted,
                    step=WATCH_STEP_MS,
                    stop_event=stop,
                    raise_interrupt=True,
                ):
                    names = sorted({visible_path(path) for _, path in changes})
                    shown = ", ".join(names[:3]) + (" …" if len(names) > 3 else "")
                    print(f"changed: {shown}", file=out)
                    server.rebuild(out)
                    if any(os.path.realpath(path) in folders for _, path in changes):
                        break  # a watch on a removed folder sees nothing of the folder put back
                else:
                    break
            except FileNotFoundError:
                # A folder gone before its watch began (between the build and the watch, or
                # while waiting for it): watchfiles cannot start, so no change would say so.
                if all(os.path.isdir(folder) for folder in folders):
                    raise
                server.rebuild(out)
            _await_folders(folders, out)
            server.rebuild(out)
    except KeyboardInterrupt:
        print("stopped", file=out, flush=True)
    finally:
        stop.set()
        server.stop()
    return EXIT_OK


def _await_folders(folders: list[str], out: Any) -> None:
    """Wait (serving the last good output) until every watched folder is there again: one
    removed, moved away or replaced (`rm -rf`, a checkout, a restore) is watched anew."""
    missing = [folder for folder in folders if not os.path.isdir(folder)]
    shown = ", ".join(visible_path(folder) for folder in missing[:3])
    print(f"watching again when {shown} is back", file=out, flush=True)
    while not all(os.path.isdir(folder) for folder in folders):
        time.sleep(WATCH_STEP_MS / 1000)


def open_index(out_dir: str, out: Any = sys.stderr) -> bool:
    """Open the built index in the user's browser (`build --open`); a message when there is
    none. True if a browser took it."""
    import webbrowser

    index = Path(out_dir, "index.html").resolve()
    try:
        opened = webbrowser.open(index.as_uri())
    except webbrowser.Error:
        opened = False
    if not opened:
        print(f"no browser found; open {visible_path(str(index))} yourself", file=out)
    return opened
