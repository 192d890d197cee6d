"""The sixteenth hostile-input review (docs/security.md, items 116 on): the key that seals the
caches, the restricted unpickler of kept entries, `serve`, the language server, the table
exports and the environment. Each test is named after the problem it pins."""

from __future__ import annotations

import os

import pytest

from scendsl.cli import main
from security_helpers import cache_folders, formula_cells, raw, run_cli

# ------------------------------------------------------------------------------- the tables
HOSTILE_TEXT = """
scenario small {
  title "plan;=HYPERLINK(\\"http://evil.example\\",\\"x\\")"
  year 2026
  region US
  cluster.accelerator H100
  cluster.count 1000
  energy.price 95 USD/MWh source "grid;@SUM(1+1)\t+cmd;;=1"
  expect energy.facility_power > 1 MW "quote;-1+1"
}
"""


def test_csv_text_holds_no_formula_where_another_locale_starts_a_cell(tmp_path):
    """Item 116: a text cell was made safe at its start only (a leading `'`): `grid;@SUM(1+1)`
    in a source is one cell to a comma reader, but Excel opens a CSV with its locale's list
    separator (`;` in much of Europe), which made `@SUM(1+1)` a cell of its own, a formula;
    so did a tab for a tab-separated import and a line break for a reader that takes lines
    first. Every part of a text where a cell may start gets the `'`."""
    source = tmp_path / "s\n-2+3.scn"  # a line break: the `origin` cells hold the name
    source.write_text(HOSTILE_TEXT)
    for fmt in ("csv", "csv-wide"):
        out = tmp_path / f"{fmt}.csv"
        assert main(["eval", str(source), "--samples", "0", "--format", fmt, "-o", str(out)]) == 0
        text = out.read_text(encoding="utf-8")
        assert formula_cells(text) == [], fmt
        if fmt == "csv":  # the text is kept, each part marked as text
            assert "grid;'@SUM(1+1)\t'+cmd;;'=1" in text and "s\n'-2+3.scn:" in text


# ------------------------------------------------------------------------------ the key
@pytest.mark.parametrize("where", ["the cache dir", "inside the cache dir", "XDG_CACHE_HOME"])
def test_a_key_kept_among_the_caches_seals_nothing(tmp_path, where):
    """Item 117: the key that seals the caches (item 109) was made wherever `XDG_STATE_HOME`
    pointed, the caches' folder too (`XDG_STATE_HOME` and `XDG_CACHE_HOME` set to one folder,
    as some containers and CI jobs do): a restored cache then brought the very key that makes
    its planted entries hold, compiled templates that run code among them. A key among the
    caches is no key: no cache of any kind, the same bytes."""
    cache, mine, _ = cache_folders(tmp_path)
    env: dict[str, str | None] = {"XDG_STATE_HOME": str(cache)}
    if where == "inside the cache dir":
        env = {"XDG_STATE_HOME": str(cache / "state")}
    elif where == "XDG_CACHE_HOME":
        env = {"SCENDSL_CACHE_DIR": None, "XDG_CACHE_HOME": str(cache), **env}
    plain = run_cli(tmp_path, ["build", "s.scn", "-o", "plain", "--no-cache"], cache, mine)
    assert plain.returncode == 0, plain.stderr
    run = run_cli(tmp_path, ["build", "s.scn", "-o", "out"], cache, mine, env)
    assert run.returncode == 0, run.stderr
    assert not list(cache.rglob("cache.key")) and not list(cache.rglob("*.pickle"))
    assert not (cache / "v1").exists() and not (cache / "scendsl" / "v1").exists()
    for page in (tmp_path / "plain").iterdir():
        assert (tmp_path / "out" / page.name).read_bytes() == page.read_bytes()


# ------------------------------------------------------------------------------ the server
_GET_INDEX = b"GET /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"


def _answer_to_huge_headers(server) -> bytes:
    """The answer to a request of 90 headers of 60 KB each (5.4 MB), or b"" when the server
    closed the connection before it was all sent."""
    head = b"GET /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    head += b"".join(b"X-%d: %s\r\n" % (i, b"y" * 60_000) for i in range(90))
    try:
        return raw(server, head + b"Connection: close\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        return b""


def test_serve_holds_no_more_than_a_bounded_request_head(live):
    """Item 118: the standard library bounds each header line (64 KiB) and their number
    (100), not their sum: a request of 90 headers of 60 KB was read whole and answered, so
    each of the 64 connections could make the server hold 6 MB. A request is read up to
    MAX_REQUEST_BYTES, then its connection is closed; the server goes on serving."""
    server = live()
    answer = _answer_to_huge_headers(server)
    assert not answer.startswith(b"HTTP/1.1 200"), answer[:100]
    assert raw(server, _GET_INDEX).startswith(b"HTTP/1.1 200")
    # A long address and ordinary headers are still read (a 414 beyond the line's own bound).
    long = b"GET /index.html?" + b"q" * 60_000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    assert raw(server, long).startswith(b"HTTP/1.1 200")


# ------------------------------------------------------------------------- the environment
@pytest.mark.parametrize(
    "env",
    [
        {"HOME": "rel/ative"},
        {"XDG_CONFIG_HOME": "cfg", "XDG_CACHE_HOME": "cch"},
        {"HOME": "/dev/null"},  # no folder can be made there, even by root
    ],
    ids=["relative HOME", "relative XDG folders", "a HOME that is no folder"],
)
def test_matplotlib_makes_no_folder_in_the_project_nor_a_new_one_at_every_run(tmp_path, env):
    """Item 119: matplotlib takes HOME and XDG's folders as given: a relative one made
    `rel/ative/.config/matplotlib` and a font cache inside the current folder, the user's
    project; and where its folders cannot be made (a HOME of /dev/null or /proc) it made a new
    temporary folder at every build, which the command's quick exit never removed. Relative
    folders are ignored (XDG's rule), and matplotlib gets one folder of this user's alone in
    the temporary folder, reused."""
    cache, mine, _ = cache_folders(tmp_path)
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    env = {"TMPDIR": str(temporary), "MPLCONFIGDIR": None, "HOME": os.environ["HOME"], **env}
    before = sorted(p.name for p in tmp_path.iterdir())
    for output in ("out", "again"):
        run = run_cli(tmp_path, ["build", "s.scn", "-o", output], cache, mine, env)
        assert run.returncode == 0, run.stderr
        assert "Matplotlib" not in run.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*before, "out", "again"])
    made = [p.name for p in temporary.iterdir()]
    assert made in ([], [f"scendsl-matplotlib-{os.getuid()}"])  # never matplotlib-XXXX
    if env["HOME"] == "/dev/null":
        assert made  # matplotlib's folders, reused
