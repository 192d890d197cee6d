"""The fourth hostile-input review (docs/security.md, items 37 on): the live server, the build
cache, CSV/xlsx export and the Python API, attacked by a scenario author, another local user or
a web page in the analyst's browser. Each test is named after the problem it pins."""

from __future__ import annotations

import http.client
import json
import os
import socket
import stat
import struct
import time
import zipfile

import pytest

import scendsl
from scendsl.app import cache as cache_module
from scendsl.app import serve as serve_module
from scendsl.app.cache import BuildCache, open_cache
from scendsl.app.serve import LiveServer
from scendsl.cli import main
from security_helpers import formula_cells

SCENARIO = """
scenario small {
  year 2026
  region US
  cluster.accelerator H100
  cluster.count 1000
  expect energy.facility_power > 1 MW "{quote}"
}
"""


# ------------------------------------------------------------------------------ the server
@pytest.fixture
def live(tmp_path, live):
    """The shared live server (`security_helpers.live`) over a scenario with a claim."""
    (tmp_path / "s.scn").write_text(SCENARIO.replace("{quote}", "a claim"))
    return live


def _get(server: LiveServer, path: str, headers: dict[str, str] | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    connection.request("GET", path, headers=headers or {})
    answer = connection.getresponse()
    body = answer.read() if answer.getheader("Content-Type") != "text/event-stream" else b""
    connection.close()
    return answer.status, dict(answer.getheaders()), body


def test_serve_refuses_event_streams_and_pages_fetched_by_another_sites_page(live):
    server = live()
    own = f"http://127.0.0.1:{server.port}"
    # A page of another site (or a sandboxed frame: Origin null) may not listen nor fetch.
    for origin in ("http://evil.example", "null", f"http://127.0.0.1:{server.port + 1}"):
        assert _get(server, "/__scendsl/events", {"Origin": origin})[0] == 403
        assert _get(server, "/index.html", {"Origin": origin})[0] == 403
    cross = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors"}
    assert _get(server, "/index.html", cross)[0] == 403  # an <iframe>/<img> embedding it
    same_site = {"Sec-Fetch-Site": "same-site", "Sec-Fetch-Mode": "cors"}
    assert _get(server, "/__scendsl/events", same_site)[0] == 403  # localhost:3000's page
    # Following a link to a page is allowed; to the event stream it is not.
    link = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"}
    assert _get(server, "/index.html", link)[0] == 200
    assert _get(server, "/__scendsl/events", link)[0] == 403
    # The server's own pages still work.
    assert _get(server, "/__scendsl/events", {"Origin": own})[0] == 200
    assert _get(server, "/index.html", {"Sec-Fetch-Site": "same-origin"})[0] == 200


def test_serve_answers_forbid_framing_embedding_and_referrers(live):
    server = live()
    for path in ("/index.html", "/small.md", "/missing.html", "/__scendsl/live.js"):
        _, headers, _ = _get(server, path)
        assert headers["Cross-Origin-Resource-Policy"] == "same-origin", path
        assert headers["X-Frame-Options"] == "DENY", path
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["Referrer-Policy"] == "no-referrer", path


def test_serve_event_streams_beyond_the_limit_get_503_and_a_closed_one_frees_its_slot(
    live, monkeypatch
):
    monkeypatch.setattr(serve_module, "MAX_EVENT_STREAMS", 2)
    monkeypatch.setattr(serve_module, "KEEPALIVE_SECONDS", 0.1)
    server = live()
    streams = []
    for _ in range(2):
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        connection.request("GET", "/__scendsl/events")
        assert connection.getresponse().status == 200
        streams.append(connection)
    assert _get(server, "/__scendsl/events")[0] == 503
    assert _get(server, "/index.html")[0] == 200  # pages are still served
    streams.pop().close()
    deadline = time.monotonic() + 10
    while _get(server, "/__scendsl/events")[0] != 200:  # noticed at the next keep-alive
        assert time.monotonic() < deadline, "the closed stream's slot was never freed"
        time.sleep(0.1)
    for connection in streams:
        connection.close()


def test_serve_connections_beyond_the_limit_are_closed_and_silent_ones_time_out(live, monkeypatch):
    monkeypatch.setattr(serve_module, "MAX_CONNECTIONS", 3)
    monkeypatch.setattr(serve_module, "REQUEST_TIMEOUT", 0.5)
    server = live()
    silent = [socket.create_connection(("127.0.0.1", server.port), timeout=10) for _ in range(3)]
    time.sleep(0.1)  # accepted, each holding a thread
    extra = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    extra.sendall(b"GET /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    assert extra.recv(100) == b""  # closed unanswered: no fourth thread
    extra.close()
    # The silent connections are closed after REQUEST_TIMEOUT; their slots serve again.
    for connection in silent:
        assert connection.recv(100) == b""
        connection.close()
    deadline = time.monotonic() + 10
    while True:
        try:
            if _get(server, "/index.html")[0] == 200:
                break
        except (ConnectionError, http.client.HTTPException):
            pass
        assert time.monotonic() < deadline
        time.sleep(0.05)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_serve_does_not_hang_on_a_fifo_or_follow_a_link_in_place_of_a_built_page(live, tmp_path):
    server = live()
    page = tmp_path / "out" / "small.html"
    page.unlink()
    os.mkfifo(page)
    started = time.monotonic()
    assert _get(server, "/small.html")[0] == 404
    assert time.monotonic() - started < 5
    page.unlink()
    (tmp_path / "secret.html").write_text("<p>not a page of the build</p>")
    page.symlink_to(tmp_path / "secret.html")
    status, _, body = _get(server, "/small.html")
    assert status == 404 and b"not a page of the build" not in body


def test_serve_error_event_cannot_forge_events_with_line_breaks_in_a_hostile_message(live):
    server = live()
    hostile = "s.scn:1:1: error: x\n\nevent: reload\ndata: 1\n\n</script><script>alert(1)"
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    connection.request("GET", "/__scendsl/events")
    answer = connection.getresponse()
    assert answer.status == 200
    server.state.finished(None, hostile)
    lines = [answer.fp.readline() for _ in range(3)]
    connection.close()
    assert lines[0] == b"event: error\n"
    assert lines[1].startswith(b"data: ") and json.loads(lines[1][6:]) == hostile
    assert lines[2] == b"\n"
    # The overlay shows the message as text, never as markup.
    assert "textContent = text" in serve_module.LIVE_SCRIPT
    assert "innerHTML" not in serve_module.LIVE_SCRIPT


def test_serve_prints_no_traceback_for_a_page_not_in_utf8_or_a_client_that_went_away(
    live, tmp_path, capfd
):
    server = live()
    (tmp_path / "out" / "small.html").write_bytes(b"<p>\xff\xfe</p></head>")
    status, _, body = _get(server, "/small.html")
    assert status == 200 and "\ufffd".encode() in body
    for _ in range(20):  # a client that asks, then resets the connection at once
        client = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        client.sendall(b"GET /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        client.close()
    assert _get(server, "/index.html")[0] == 200
    time.sleep(0.2)
    assert "Traceback" not in capfd.readouterr().err


# ------------------------------------------------------------------------------- the cache
def test_cache_below_a_folder_another_user_could_swap_is_not_used(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)  # writable by all, no sticky bit: anyone may rename our folder away
    assert open_cache(shared / "scendsl") is None
    shared.chmod(0o1777)  # sticky, as /tmp: only the owner renames what is theirs
    usable = open_cache(shared / "scendsl")
    assert usable is not None
    (shared / "scendsl").chmod(0o777)  # the cache's own folder writable by all
    assert open_cache(shared / "scendsl") is None
    (shared / "scendsl").chmod(0o700)
    if os.getuid() == 0:  # root can hand a folder to another user
        other = tmp_path / "other"
        other.mkdir(mode=0o755)
        os.chown(other, 12345, 12345)
        (other / "scendsl").mkdir(mode=0o700)
        assert open_cache(other / "scendsl") is None


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_cache_entry_that_is_a_link_or_a_fifo_reads_as_a_miss_without_hanging(tmp_path):
    cache = open_cache(tmp_path / "cache")
    assert cache is not None
    key = cache.key("html", "page")
    cache.put("html", key, b"<p>ours</p>")
    assert cache.get("html", key) == b"<p>ours</p>"
    entry = cache._path("html", key)
    elsewhere = tmp_path / "elsewhere"
    entry.replace(elsewhere)  # an intact entry, reached through a link
    entry.symlink_to(elsewhere)
    assert cache.get("html", key) is None
    entry.unlink()
    os.mkfifo(entry)
    started = time.monotonic()
    assert cache.get("html", key) is None
    assert time.monotonic() - started < 5


def test_a_cache_entry_whose_key_matches_but_bytes_lie_is_redone(tmp_path):
    cache = BuildCache(tmp_path / "cache")
    assert cache.private()
    key = cache.key("blob", "x")
    cache.put("blob", key, b"true bytes")
    entry = cache._path("blob", key)
    head, _, _ = entry.read_bytes().partition(b"\n")
    entry.write_bytes(head + b"\n" + b"lies bytes")  # same length, same key, other bytes
    assert cache.get("blob", key) is None
    assert stat.S_IMODE(os.stat(cache.folder).st_mode) == 0o700
    assert cache_module.MAX_CACHE_BYTES > 0


# ------------------------------------------------------------------------- CSV and xlsx
@pytest.fixture
def hostile_file(tmp_path, monkeypatch):
    """A scenario whose file name and claim quote start like spreadsheet formulas and hold a
    terminal escape sequence."""
    monkeypatch.chdir(tmp_path)
    name = "=HYPERLINK(1)\x1b[31m.scn"
    (tmp_path / name).write_text(
        SCENARIO.replace("{quote}", "@SUM(1+1)*cmd|' /C calc'!A0 \u202e"), encoding="utf-8"
    )
    return name


@pytest.mark.parametrize("fmt", ["csv", "csv-wide"])
def test_formula_injection_text_cells_in_csv_start_with_a_quote(hostile_file, fmt, tmp_path):
    out = tmp_path / "t.csv"
    assert main(["eval", hostile_file, "--format", fmt, "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "\x1b" not in text  # no escape sequence for `cat` to run
    assert formula_cells(text) == []  # a number (negative ones too) stays a number
    if fmt == "csv":  # the long table names each input's origin: the file, spelt
        assert "'=HYPERLINK(1)\\u001b[31m.scn:" in text


def test_control_characters_in_a_file_name_are_spelt_in_xlsx_not_an_internal_error(
    hostile_file, tmp_path, capsys
):
    pytest.importorskip("openpyxl")
    out = tmp_path / "t.xlsx"
    assert main(["eval", hostile_file, "--format", "xlsx", "-o", str(out)]) == 0
    assert "internal error" not in capsys.readouterr().err
    with zipfile.ZipFile(out) as archive:
        sheets = b"".join(archive.read(n) for n in archive.namelist() if "worksheets" in n)
    assert b"<f>" not in sheets  # no cell is a formula
    assert b"=HYPERLINK(1)\\u001b[31m.scn" in sheets
    assert b"@SUM(1+1)" in sheets


# ---------------------------------------------------------------------------- the API
def test_api_text_longer_than_a_scenario_file_is_refused_not_kept(monkeypatch):
    from scendsl.language import parse

    huge = "x" * (parse.MAX_FILE_BYTES + 1)
    with pytest.raises(scendsl.ScenarioError) as error:
        scendsl.make_scenario("n", accelerator="H100", count=8, year=2024, region="US", title=huge)
    message = str(error.value)
    assert "'title' is longer than a scenario file may be" in message
    assert len(message) < 1000  # the value is quoted shortened, not whole
    with pytest.raises(scendsl.ScenarioError, match=r"cluster\.accelerator"):
        scendsl.make_scenario("n", accelerator=huge, count=8, year=2024, region="US")


def test_api_nul_and_lone_surrogates_in_text_are_refused_as_in_a_file():
    base = scendsl.make_scenario("n", accelerator="H100", count=8, year=2024, region="US")
    for text in ("a\x00b", "a\ud800b"):
        with pytest.raises(scendsl.ScenarioError, match=r"'source' holds"):
            scendsl.with_changes(base, source=text)
    with pytest.raises(scendsl.ScenarioError, match=r"'cluster\.mfu' holds a lone surrogate"):
        scendsl.with_changes(base, mfu="\udfff %")


def test_api_integer_beyond_any_float_is_a_located_error_not_an_overflow():
    base = scendsl.make_scenario("n", accelerator="H100", count=8, year=2024, region="US")
    for value in (10**400, -(10**400)):
        with pytest.raises(scendsl.ScenarioError, match=r"'cluster\.count' is a number too large"):
            scendsl.with_changes(base, count=value)
    assert scendsl.with_changes(base, count=9).cluster.count == 9
