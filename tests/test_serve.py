"""`scendsl serve` end to end (a real server process and a real HTTP client), the incremental
builder it runs, and `build --open`."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import ROOT
from scendsl.app.build import render_files
from scendsl.app.incremental import IncrementalBuilder
from scendsl.report.render import TOPICAL_PAGES

ORIGINAL = "count       100k  #"
EDITED = "count       120k  #"


def _project(tmp_path: Path, name: str = "landscape.scn") -> Path:
    """A project folder holding one sample file (a few scenarios: the tests stay quick)."""
    (tmp_path / "scenarios").mkdir()
    shutil.copy(ROOT / "scenarios" / name, tmp_path / "scenarios" / name)
    return tmp_path


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("SCENDSL_DEBUG", None)
    return env


class Server:
    """A `scendsl serve` process in `folder` on a free port."""

    def __init__(self, folder: Path, *extra: str) -> None:
        self.log = folder / "serve.log"
        self.handle = open(self.log, "w")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "scendsl", "serve", "scenarios", "--port", "0", *extra],
            cwd=folder,
            stdout=self.handle,
            stderr=subprocess.STDOUT,
            env=_env(),
        )
        deadline = time.monotonic() + 60
        while True:
            found = re.search(r"at http://127\.0\.0\.1:([0-9]+)/", self.log.read_text())
            if found:
                self.port = int(found.group(1))
                break
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"serve did not start:\n{self.log.read_text()}")
            time.sleep(0.05)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        request = urllib.request.Request(self.url(path), headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return answer.status, answer.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def events(self):
        return urllib.request.urlopen(self.url("/__scendsl/events"), timeout=30)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.handle.close()
        return self.process.returncode


def next_event(stream) -> tuple[str, str]:
    """The next server-sent event (name, data), keep-alive comments skipped."""
    name = data = None
    while True:
        line = stream.readline().decode("utf-8")
        if not line:
            raise AssertionError("the event stream ended")
        line = line.rstrip("\n")
        if line.startswith("event: "):
            name = line[len("event: ") :]
        elif line.startswith("data: "):
            data = line[len("data: ") :]
        elif line == "" and name is not None:
            return name, data or ""


def test_serve_builds_serves_and_reloads_after_an_edit(tmp_path):
    folder = _project(tmp_path)
    server = Server(folder)
    try:
        status, page = server.get("/xai_memphis.html")
        assert status == 200
        on_disk = (folder / "out" / "xai_memphis.html").read_bytes()
        # The reload script is the server's: added to the page it sends, never in the file.
        assert b'<script src="/__scendsl/live.js"></script>' in page
        assert b"<script" not in on_disk
        assert b"script-src 'self'; connect-src 'self'" in page
        status, script = server.get("/__scendsl/live.js")
        assert status == 200 and b"EventSource" in script
        assert server.get("/")[1] == server.get("/index.html")[1]

        with server.events() as stream:
            scenario = folder / "scenarios" / "landscape.scn"
            scenario.write_text(scenario.read_text().replace(ORIGINAL, EDITED))
            # How soon is for `benchmarks/run.py serve` to say (serve_rebuild), not for a test
            # on a machine that may be busy: the stream's own timeout bounds the wait.
            assert next_event(stream)[0] == "reload"
        status, new_page = server.get("/xai_memphis.html")
        assert status == 200 and new_page != page
        assert b"120,000" in new_page
        assert (folder / "out" / "xai_memphis.html").read_bytes() != on_disk
        assert "1 error" not in server.log.read_text()
    finally:
        code = server.stop()
    assert code in (0, 130)
    assert "Traceback" not in server.log.read_text()


def test_serve_shows_a_failed_build_in_the_page_and_keeps_the_last_good_output(tmp_path):
    folder = _project(tmp_path)
    server = Server(folder)
    try:
        before = {p.name: p.read_bytes() for p in (folder / "out").iterdir()}
        _, page = server.get("/xai_memphis.html")
        scenario = folder / "scenarios" / "landscape.scn"
        good = scenario.read_text()
        with server.events() as stream:
            scenario.write_text(
                good.replace("scenario xai_memphis {", "scenario xai_memphis {\n  bogus 3")
            )
            name, data = next_event(stream)
            assert name == "error"
            message = json.loads(data)
            assert re.search(
                r"scenarios/landscape\.scn:[0-9]+:3: error: unknown field 'bogus'", message
            )
            # The last good output stays, on disk and served.
            assert {p.name: p.read_bytes() for p in (folder / "out").iterdir()} == before
            assert server.get("/xai_memphis.html") == (200, page)
            # A page opened while the build is broken is told at once.
            with server.events() as late:
                assert next_event(late) == ("error", data)
            scenario.write_text(good)
            assert next_event(stream)[0] == "reload"
        assert "unknown field 'bogus'" in server.log.read_text()
    finally:
        code = server.stop()
    assert code in (0, 130)
    assert "Traceback" not in server.log.read_text()


def test_serve_serves_only_the_build_files_to_this_host(tmp_path):
    folder = _project(tmp_path)
    (folder / "out").mkdir()
    (folder / "out" / "private.txt").write_text("the user's own file")
    server = Server(folder, "--samples", "0")
    try:
        assert server.get("/private.txt")[0] == 404
        assert server.get("/.scendsl-manifest")[0] == 404
        assert server.get("/../scenarios/landscape.scn")[0] == 404
        assert server.get("/%2e%2e/scenarios/landscape.scn")[0] == 404
        # A page asked for under another host name (DNS rebinding) is refused.
        assert server.get("/index.html", {"Host": "attacker.example"})[0] == 403
        assert server.get("/index.html", {"Host": f"localhost:{server.port}"})[0] == 200
    finally:
        server.stop()


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "::", "example.com"])
def test_serve_refuses_to_listen_beyond_this_machine(tmp_path, host):
    folder = _project(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "scendsl", "serve", "scenarios", "--host", host],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=60,
        env=_env(),
    )
    assert done.returncode == 2
    assert "not a loopback address" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (folder / "out").exists()  # refused before anything is built


def test_incremental_rebuild_renders_only_the_changed_pages_with_cold_build_bytes(tmp_path):
    folder = _project(tmp_path)
    paths = [str(folder / "scenarios")]
    builder = IncrementalBuilder(paths, str(folder / "out"), samples=200)
    builder.build()
    builder.build()
    assert builder.rendered == []  # nothing changed, nothing rendered
    scenario = folder / "scenarios" / "landscape.scn"
    scenario.write_text(scenario.read_text().replace(ORIGINAL, EDITED))
    builder.build()
    assert builder.rendered == [*TOPICAL_PAGES, "xai_memphis"]
    cold = render_files(paths, samples=200)
    assert {p: (folder / "out" / p).read_bytes() for p in cold} == cold


def test_incremental_rebuild_of_a_number_keeps_the_html_bodies_of_pages_whose_words_are_same(
    tmp_path,
):
    folder = _project(tmp_path)
    paths = [str(folder / "scenarios")]
    builder = IncrementalBuilder(paths, str(folder / "out"), samples=200)
    builder.build()
    assert builder.converted == len(builder.rendered)
    scenario = folder / "scenarios" / "landscape.scn"
    # (A small change: a larger one also changes which rule rates a risk, in words.)
    edited = "count       101k  #"
    scenario.write_text(scenario.read_text().replace(ORIGINAL, edited))
    builder.build()
    # Every page shows the new count's figures in the same words: their numbers are filled in
    # anew, their Markdown is not converted again (the scenario's own page included).
    assert builder.rendered == [*TOPICAL_PAGES, "xai_memphis"]
    assert builder.converted == 0
    cold = render_files(paths, samples=200)
    assert {p: (folder / "out" / p).read_bytes() for p in cold} == cold
    # And back: every body is one the builder has converted before.
    scenario.write_text(scenario.read_text().replace(edited, ORIGINAL))
    builder.build()
    assert builder.converted == 0
    cold = render_files(paths, samples=200)
    assert {p: (folder / "out" / p).read_bytes() for p in cold} == cold


def test_incremental_rebuild_of_a_base_scenario_renders_the_scenarios_that_inherit_it(tmp_path):
    folder = _project(tmp_path, "benchmarks.scn")
    builder = IncrementalBuilder([str(folder / "scenarios")], str(folder / "out"), samples=0)
    builder.build(write=False)
    scenario = folder / "scenarios" / "benchmarks.scn"
    scenario.write_text(scenario.read_text().replace("count       8\n", "count       16\n", 1))
    builder.build(write=False)
    # bench_b200 inherits the count; bench_gb200 sets its own, so its page is unchanged.
    assert builder.rendered == [*TOPICAL_PAGES, "bench_h100", "bench_b200"]


def test_incremental_rebuild_of_a_comment_renders_only_the_page_that_shows_it(tmp_path):
    folder = _project(tmp_path)
    builder = IncrementalBuilder([str(folder / "scenarios")], str(folder / "out"), samples=0)
    builder.build(write=False)
    scenario = folder / "scenarios" / "landscape.scn"
    scenario.write_text(scenario.read_text().replace('# "100,000+"', '# "over 100,000"'))
    builder.build(write=False)
    # The model is the same; only xai_memphis's block as written (in its page) changed.
    assert builder.rendered == ["xai_memphis"]


def test_build_open_opens_the_index_in_the_browser(tmp_path):
    folder = _project(tmp_path)
    opened = folder / "opened.txt"
    env = _env()
    # webbrowser runs $BROWSER with the page's address in place of %s.
    env["BROWSER"] = (
        f"{sys.executable} -c 'import sys; open(sys.argv[1], \"w\").write(sys.argv[2])' {opened} %s"
    )
    done = subprocess.run(
        [sys.executable, "-m", "scendsl", "build", "scenarios", "--samples", "0", "--open"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    deadline = time.monotonic() + 20
    while not opened.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert opened.read_text() == (folder / "out" / "index.html").resolve().as_uri()


def test_build_open_without_a_browser_says_so(tmp_path):
    folder = _project(tmp_path)
    env = {k: v for k, v in _env().items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["BROWSER"] = "scendsl-no-such-browser"
    env["PATH"] = str(Path(sys.executable).parent)  # no xdg-open, www-browser, ...
    done = subprocess.run(
        [sys.executable, "-m", "scendsl", "build", "scenarios", "--samples", "0", "--open"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert "no browser found; open" in done.stderr
    assert "index.html yourself" in done.stderr


def test_serve_refuses_an_output_folder_the_build_must_not_replace(tmp_path):
    folder = _project(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "scendsl", "serve", "scenarios", "-o", "."],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=60,
        env=_env(),
    )
    assert done.returncode == 1
    assert "refusing to write the briefings into '.'" in done.stderr
    assert "Traceback" not in done.stderr and "serving" not in done.stderr


def test_an_event_is_encoded_once_for_every_page_listening():
    """A build's error (megabytes at worst) is sent to up to 32 pages: each gets the same bytes,
    not a copy of its own; the error is JSON on one `data:` line, as the page's script reads it."""
    from scendsl.app.serve import event_bytes

    message = "scenarios/a.scn:1:1: error: \u201cbroken\u201d\n" * 20_000
    sent = [event_bytes("error", message) for _ in range(32)]
    assert all(one is sent[0] for one in sent)
    name, data, end = sent[0].decode().split("\n", 2)
    assert name == "event: error" and end == "\n"
    assert json.loads(data.removeprefix("data: ")) == message
    assert event_bytes("reload", "7") == b"event: reload\ndata: 7\n\n"


def test_incremental_rebuild_keeps_the_templates_until_one_changes_even_at_the_same_mtime(
    tmp_path, monkeypatch
):
    from scendsl.report import render

    folder = _project(tmp_path)
    templates = tmp_path / "templates"
    templates.mkdir()
    index = templates / "index.md.j2"
    index.write_text("# First index of {{ scenarios | length }}\n", encoding="utf-8")
    made = []
    own = render.Renderer.__init__

    def counted(self, *args, **kwargs):
        made.append(args)
        own(self, *args, **kwargs)

    monkeypatch.setattr(render.Renderer, "__init__", counted)
    builder = IncrementalBuilder(
        [str(folder / "scenarios")], str(folder / "out"), str(templates), samples=0
    )
    builder.build()
    scenario = folder / "scenarios" / "landscape.scn"
    scenario.write_text(scenario.read_text().replace(ORIGINAL, EDITED))
    builder.build()
    assert len(made) == 1  # a scenario's edit: the environments and templates kept
    assert (folder / "out" / "index.md").read_text().startswith("# First index of")
    # An edit of a template, its time of change put back: read again all the same.
    stamp = index.stat()
    index.write_text("# Second index of {{ scenarios | length }}\n", encoding="utf-8")
    os.utime(index, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    builder.build()
    assert len(made) == 2
    assert (folder / "out" / "index.md").read_text().startswith("# Second index of")
    assert {p: (folder / "out" / p).read_bytes() for p in ("index.md", "index.html")} == {
        p: data
        for p, data in render_files([str(folder / "scenarios")], str(templates), samples=0).items()
        if p in ("index.md", "index.html")
    }
