"""The fifteenth hostile-input review (docs/security.md, items 108 on): the caches, output
names, `fmt` and `new` on odd targets, `diff` and the terminal, and `serve` after the project
moved behind a link. Each test is named after the problem it pins."""

from __future__ import annotations

import io
import marshal
import os
import pickle
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import wait_until_settled
from scendsl.app.incremental import IncrementalBuilder
from scendsl.app.serve import LiveServer
from security_helpers import SCENARIO, cache_folders, get, run_cli

# ------------------------------------------------------------------------------ the server


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
        assert get(server, "small.html").startswith(b"HTTP/1.1 200")
        os.rename(project, tmp_path / "moved")
        project.symlink_to(tmp_path / "moved")
        answer = get(server, "small.html")
        assert answer.startswith(b"HTTP/1.1 200") and b"small" in answer
        # A rebuild writes through the same way, and what it wrote is what is served.
        (project / "s.scn").write_text(SCENARIO.replace("2026", "2027"))
        assert server.rebuild(io.StringIO())
        assert b"2027" in get(server, "small.html")
        # The output folder itself made a link is still not followed (item 103).
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()
        (elsewhere / "small.html").write_text("<p>a file outside the output folder</p>")
        os.rename(project / "out", project / "out.moved")
        (project / "out").symlink_to(elsewhere)
        answer = get(server, "small.html")
        assert answer.startswith(b"HTTP/1.1 404") and b"outside" not in answer
    finally:
        server.stop()


# ------------------------------------------------------------------------------- the caches


def _payload(marker: Path) -> bytes:
    """Code that leaves `marker` behind when it runs."""
    return marshal.dumps(compile(f"open({str(marker)!r}, 'w').close()", "<cache>", "exec"))


def test_a_compiled_template_planted_in_our_own_cache_folder_runs_no_code(tmp_path):
    """Item 109: the compiled-template cache trusted every entry of a folder of this user's:
    an entry restored with a CI cache of ~/.cache (which another branch's job filled), a copied
    home folder or an archive is code Jinja unmarshals and runs, outside the sandbox, in the
    next build. Entries are now sealed with this user's key, kept outside the caches
    (`files.private.CacheSeal`): an entry in Jinja's own format, or sealed on another machine,
    is compiled again."""
    from jinja2.bccache import bc_magic

    cache, mine, theirs = cache_folders(tmp_path)
    first = run_cli(tmp_path, ["build", "s.scn", "-o", "first", "--no-cache"], cache, mine)
    assert first.returncode == 0, first.stderr
    # The other machine: a build there fills the cache, which is then doctored and restored.
    filled = run_cli(tmp_path, ["check", "s.scn"], cache, theirs)
    assert filled.returncode == 0, filled.stderr
    build = run_cli(tmp_path, ["build", "s.scn", "-o", "theirs-out"], cache, theirs)
    assert build.returncode == 0, build.stderr
    entries = list(cache.rglob("*.cache"))
    assert entries
    for number, entry in enumerate(entries):
        stored = entry.read_bytes()
        jinja = stored.partition(b"\n")[2] if not stored.startswith(bc_magic) else stored
        with io.BytesIO(jinja[len(bc_magic) :]) as rest:
            checksum = pickle.load(rest)  # the template's own: Jinja runs what follows
        planted = bc_magic + pickle.dumps(checksum, 2) + _payload(tmp_path / f"ran{number}")
        entry.write_bytes(planted)  # Jinja's own format, as a cache of it holds
    shutil.rmtree(cache / "v1")  # the build cache is item 110's; here the templates run
    second = run_cli(tmp_path, ["build", "s.scn", "-o", "second"], cache, mine)
    assert second.returncode == 0, second.stderr
    assert not list(tmp_path.glob("ran*"))
    assert (tmp_path / "second" / "small.html").read_bytes() == (
        tmp_path / "first" / "small.html"
    ).read_bytes()


def test_a_grammar_analysis_planted_in_our_own_cache_folder_runs_no_code(tmp_path):
    """Item 109: Lark unpickled whatever file stood at the grammar cache's name in a folder of
    this user's (item 74 kept other users out, not a restored cache). Only an entry sealed
    with this user's key is unpickled; anything else is analysed again."""
    cache, mine, _ = cache_folders(tmp_path)
    first = run_cli(tmp_path, ["check", "s.scn"], cache, mine)
    assert first.returncode == 0, first.stderr
    (entry,) = (cache / "grammar").glob("lark-*")
    marker = tmp_path / "ran"

    class Payload:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    head = entry.read_bytes().split(b"\n", 1)[0]
    for planted in (head + b"\n" + pickle.dumps(Payload(), 2), pickle.dumps(Payload(), 2)):
        entry.write_bytes(planted)
        for output in (cache / "kept").glob("check-*"):  # a kept check parses nothing
            output.unlink()
        second = run_cli(tmp_path, ["check", "s.scn"], cache, mine)
        assert second.returncode == 0, second.stderr
        assert not marker.exists()
    # Analysed again and kept anew, sealed: the next command reads it.
    assert entry.read_bytes() != planted


def test_a_page_doctored_in_a_restored_build_cache_never_reaches_the_output(tmp_path):
    """Item 110: the build cache checked an entry against a SHA-256 written beside it, which
    whoever writes the entry writes too: a page or chart doctored in a cache restored from
    elsewhere, with its hash fixed, was the briefing. Sealed entries: the build is done again,
    the same bytes as a build without cache."""
    import hashlib

    cache, mine, theirs = cache_folders(tmp_path)
    wait_until_settled(tmp_path / "s.scn")  # else the build keeps no record to doctor
    plain = run_cli(tmp_path, ["build", "s.scn", "-o", "plain", "--no-cache"], cache, mine)
    assert plain.returncode == 0, plain.stderr
    filled = run_cli(tmp_path, ["build", "s.scn", "-o", "theirs-out"], cache, theirs)
    assert filled.returncode == 0, filled.stderr
    page = (tmp_path / "theirs-out" / "small.html").read_bytes()
    forged = page.replace(b"</body>", b"<p>planted</p></body>")
    blob = hashlib.sha256(forged).hexdigest()
    (cache / "v1" / "blob" / blob[:2]).mkdir(exist_ok=True)
    (cache / "v1" / "blob" / blob[:2] / blob).write_bytes(blob.encode() + b"\n" + forged)
    (record,) = (cache / "v1" / "build").rglob("*/*")
    doctored = record.read_bytes().partition(b"\n")[2]
    doctored = doctored.replace(hashlib.sha256(page).hexdigest().encode(), blob.encode())
    record.write_bytes(hashlib.sha256(doctored).hexdigest().encode() + b"\n" + doctored)
    build = run_cli(tmp_path, ["build", "s.scn", "-o", "mine-out"], cache, mine)
    assert build.returncode == 0, build.stderr
    assert (tmp_path / "mine-out" / "small.html").read_bytes() == (
        tmp_path / "plain" / "small.html"
    ).read_bytes()


def test_a_sealed_entry_moved_to_another_name_is_a_miss(tmp_path):
    """Item 110: the seal binds an entry to its name, so a genuine entry (a chart of another
    scenario) copied under the key of another is not a hit."""
    from scendsl.app.cache import BuildCache

    cache = BuildCache(tmp_path / "cache")
    assert cache.private()
    first, second = "a" * 64, "b" * 64
    cache.put("chart", first, b"<svg>first</svg>")
    assert cache.get("chart", first) == b"<svg>first</svg>"
    target = cache._path("chart", second)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(cache._path("chart", first), target)
    assert cache.get("chart", second) is None


@pytest.mark.parametrize("kind", ["short", "link", "group-readable", "folder others write"])
def test_a_key_that_cannot_be_trusted_means_no_cache_and_the_same_bytes(tmp_path, kind):
    """Item 110: the key is used only as a regular file of this user's alone, whole, in a
    folder of this user's alone; otherwise no cache of any kind is used (same bytes)."""
    from scendsl.files.private import cache_seal

    cache, mine, _ = cache_folders(tmp_path)
    plain = run_cli(tmp_path, ["build", "s.scn", "-o", "plain", "--no-cache"], cache, mine)
    assert plain.returncode == 0, plain.stderr
    state = tmp_path / "odd"
    state.mkdir(mode=0o700)
    key = state / "scendsl" / "cache.key"
    key.parent.mkdir(mode=0o700)
    if kind == "short":
        key.write_bytes(b"0" * 8)
    elif kind == "link":
        (tmp_path / "elsewhere.key").write_bytes(os.urandom(32))
        key.symlink_to(tmp_path / "elsewhere.key")
    elif kind == "group-readable":
        key.write_bytes(os.urandom(32))
        key.chmod(0o640)
    else:
        key.parent.chmod(0o777)
    os.environ["XDG_STATE_HOME"], saved = str(state), os.environ["XDG_STATE_HOME"]
    try:
        assert cache_seal() is None
    finally:
        os.environ["XDG_STATE_HOME"] = saved
    build = run_cli(tmp_path, ["build", "s.scn", "-o", "odd-out"], cache, state)
    assert build.returncode == 0, build.stderr
    assert (tmp_path / "odd-out" / "small.html").read_bytes() == (
        tmp_path / "plain" / "small.html"
    ).read_bytes()
    assert not list(cache.rglob("*.cache")) and not list(cache.glob("grammar/*"))


def test_processes_making_the_key_at_once_agree_on_one(tmp_path):
    """Item 110: the key is made whole or not at all (a temporary file hard-linked to its
    name), so processes starting together on a new machine all seal with the same key."""
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    program = (
        "from scendsl.files.private import cache_seal\n"
        "seal = cache_seal()\n"
        "print(seal.seal('x', b'').decode().strip())\n"
    )
    env = {**os.environ, "XDG_STATE_HOME": str(state)}
    runs = [
        subprocess.Popen([sys.executable, "-c", program], env=env, stdout=subprocess.PIPE)
        for _ in range(6)
    ]
    seals = {run.communicate(timeout=60)[0] for run in runs}
    assert len(seals) == 1 and all(run.returncode == 0 for run in runs)
    assert [p.name for p in (state / "scendsl").iterdir()] == ["cache.key"]


@pytest.mark.parametrize(
    ("folder", "entry_name"),
    [
        ("templates-sandbox-old/markdown", "__jinja2_{}.cache"),
        ("kept", "{:024x}-grid.toml.pickle"),
    ],
    ids=["templates", "kept"],
)
def test_every_cache_counts_in_the_caches_bound(tmp_path, folder, entry_name):
    """Item 115: only the build cache was trimmed to MAX_CACHE_BYTES; the compiled templates
    grew by an entry per template for each templates folder built (`--templates` of a new
    temporary folder at each run: without end) and by a folder per version of scendsl. So did
    the `kept` folder (`files.kept`), which names a TOML parse by the file's real path and the
    package's digest by its install path: every new install or worktree added entries. Every
    cache of scendsl counts toward the one bound; nothing else in the caches' folder is
    touched."""

    from scendsl.app.cache import BuildCache

    root = tmp_path / "cache"
    cache = BuildCache(root)
    assert cache.private()
    entries = root / folder
    entries.mkdir(parents=True)
    other = root / "someone-elses"
    other.mkdir()
    for number in range(10):
        for place in (entries, other):
            entry = place / entry_name.format(number)
            entry.write_bytes(b"0" * 64 + b"\n" + b"x" * 935)  # begins as a sealed entry
            past = time.time() - 100 + number
            os.utime(entry, (past, past))
    cache.put("html", "a" * 64, b"y" * 1000)  # the newest
    # 11,065 bytes (the sealed entry's line too), down to three quarters of 8,000.
    assert cache.trim(limit=8_000) == 6
    assert sorted(p.name for p in entries.iterdir()) == [entry_name.format(n) for n in range(6, 10)]
    assert len(list(other.iterdir())) == 10
    assert cache.get("html", "a" * 64) == b"y" * 1000


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs lchown")
def test_a_cache_reached_through_another_users_link_is_not_used(tmp_path, monkeypatch):
    """Item 113: `private_folder` judged the real folders a cache path leads to, not the links
    on the way: `SCENDSL_CACHE_DIR=/tmp/shared/cache` where `cache` is another user's link (in
    a sticky folder, as /tmp is) to a folder of ours passed, and that user may point the link
    elsewhere whenever they like: our briefings and charts then go into their folder, and
    (before item 109's seal) their entries ran in our builds. Every name on the way, links
    and the ways to their targets, must be ours or root's (`files.private._way_is_safe`)."""
    from scendsl.files.private import private_folder

    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    mine = tmp_path / "mine"
    mine.mkdir(mode=0o700)
    theirs = shared / "cache"
    theirs.symlink_to(mine)
    os.lchown(theirs, 12345, 12345)
    assert not private_folder(theirs / "v1")
    assert not (mine / "v1").exists()  # nothing made where it is not used
    # A link to it of another user, reached through a link of ours: refused as well.
    ours = tmp_path / "ours"
    ours.symlink_to(theirs)
    assert not private_folder(ours / "v1")
    # Our own link there, or a link of ours in a folder others may write (not sticky): ours
    # only in the first case.
    (shared / "ours").symlink_to(mine)
    assert private_folder(shared / "ours" / "v1")
    open_ = tmp_path / "open"
    open_.mkdir()
    open_.chmod(0o777)
    (open_ / "link").symlink_to(mine)
    assert not private_folder(open_ / "link" / "w1")
    # And so for every cache: the build cache, the grammar's, the templates', the key's.
    (tmp_path / "s.scn").write_text(SCENARIO)
    monkeypatch.setenv("SCENDSL_CACHE_DIR", str(theirs))
    from scendsl.app.cache import default_cache_dir, open_cache
    from scendsl.language.parse import _grammar_cache_file
    from scendsl.report import loader

    assert open_cache(default_cache_dir()) is None
    assert _grammar_cache_file() is None and loader.bytecode_cache("markdown") is None
    monkeypatch.setenv("SCENDSL_CACHE_DIR", "")
    monkeypatch.setenv("XDG_STATE_HOME", str(theirs))
    from scendsl.files.private import cache_seal

    assert cache_seal() is None


# ------------------------------------------------------------------------- fmt, eval -o
UNFORMATTED = SCENARIO.replace("  year", "        year")


def test_fmt_does_not_rewrite_a_read_only_file(tmp_path, capsys):
    """Item 111: `fmt` (and `eval -o`) replaced a file by renaming a new one onto it, which
    needs only the folder's permission: a scenario made read-only (0444, a vendored or
    reviewed file) was rewritten all the same, as root too. A file no one may write, or this
    user may not, is refused by the one writer (`files.replace_file_with`), kept as it was."""
    from scendsl.cli import main

    source = tmp_path / "ro.scn"
    source.write_text(UNFORMATTED)
    source.chmod(0o444)
    before = os.stat(source)
    assert main(["fmt", str(source)]) == 1
    err = capsys.readouterr().err
    assert "read-only" in err and "Traceback" not in err
    after = os.stat(source)
    assert source.read_text() == UNFORMATTED
    assert (after.st_ino, after.st_mode) == (before.st_ino, before.st_mode)
    # `--check` writes nothing and still says the file would change; a writable file is
    # formatted and keeps its mode.
    assert main(["fmt", "--check", str(source)]) == 1
    source.chmod(0o640)
    assert main(["fmt", str(source)]) == 0
    assert source.read_text() != UNFORMATTED
    assert os.stat(source).st_mode & 0o777 == 0o640


def test_eval_does_not_write_its_table_over_a_read_only_file(tmp_path, capsys):
    """Item 111: the same writer for `eval -o`: a read-only table is kept."""
    from scendsl.cli import main

    source = tmp_path / "s.scn"
    source.write_text(SCENARIO)
    table = tmp_path / "t.csv"
    table.write_text("kept\n")
    table.chmod(0o444)
    assert main(["eval", "--format", "csv", "-o", str(table), str(source)]) != 0
    assert "read-only" in capsys.readouterr().err
    assert table.read_text() == "kept\n"
    table.chmod(0o644)
    assert main(["eval", "--format", "csv", "-o", str(table), str(source)]) == 0
    assert table.read_text() != "kept\n"


def test_fmt_never_writes_into_the_other_name_of_a_hard_linked_file(tmp_path):
    """(Held) a hard link cannot be told from the file by its path (no `realpath` shows it):
    `fmt` writes a new file and renames it onto the name it was given, so the other name of a
    hard-linked file (which may be outside the folder) keeps its bytes and its inode."""
    from scendsl.cli import main

    folder = tmp_path / "in"
    folder.mkdir()
    outside = tmp_path / "outside.scn"
    outside.write_text(UNFORMATTED)
    os.link(outside, folder / "linked.scn")
    inode = os.stat(outside).st_ino
    assert main(["fmt", str(folder)]) == 0
    assert outside.read_text() == UNFORMATTED and os.stat(outside).st_ino == inode
    assert (folder / "linked.scn").read_text() != UNFORMATTED


# ------------------------------------------------------------------------- names of files
@pytest.mark.parametrize("name", ["COM0", "lpt0", "Com0"])
def test_a_scenario_named_com0_or_lpt0_gets_a_safe_page_name(name):
    """Item 112: the names Windows keeps for devices were listed without COM0 and LPT0
    (Microsoft's naming rules list them), so a scenario `COM0` was written as `COM0.md`. One
    declaration (`files.WINDOWS_DEVICE_NAMES`) for the pages and every name the build may
    write (`files.is_output_name`)."""
    from scendsl.files import is_output_name
    from scendsl.report.pages import page_names

    assert page_names([name]) == {name: f"scenario-{name}"}
    assert not is_output_name(f"{name}.md") and not is_output_name(f"{name.lower()} .html")
    assert is_output_name(f"scenario-{name}.md") and is_output_name("console.md")


@pytest.mark.parametrize("name", ["CON", "nul", "com0", "LPT9"])
def test_new_does_not_name_a_file_after_a_windows_device(tmp_path, monkeypatch, capsys, name):
    """Item 112: `scendsl new CON` wrote `CON.scn`, which on Windows is the console (and
    `nul.scn` the null device: "wrote nul.scn" and nothing kept), though the briefing's page
    of such a scenario is renamed. `new` refuses such a default file name with a hint; the
    scenario itself may be so named (`-o`)."""
    from scendsl.cli import main

    monkeypatch.chdir(tmp_path)
    assert main(["new", name]) == 1
    err = capsys.readouterr().err
    assert "device on Windows" in err and f"-o my_{name}.scn" in err
    assert list(tmp_path.iterdir()) == []
    assert main(["new", name, "-o", f"my_{name}.scn"]) == 0
    assert main(["check", f"my_{name}.scn"]) == 0


# ------------------------------------------------------------------------------------ diff
def _result(tmp_path: Path, capsys) -> dict:
    import json

    from scendsl.cli import main

    (tmp_path / "s.scn").write_text(SCENARIO)
    assert main(["eval", "--format", "json", str(tmp_path / "s.scn")]) == 0
    (tmp_path / "base.json").write_text(capsys.readouterr().out)
    return json.loads((tmp_path / "base.json").read_text())


@pytest.mark.parametrize(
    "where, name",
    [
        ("scenario", "caf\u00e9"),  # composed; its decomposed twin prints the same
        ("scenario", "cafe\u0301"),
        ("scenario", "sm\u0430ll"),  # a Cyrillic a
        ("scenario", "small\u200b"),  # a zero-width space
        ("figure", "energy.facility_power\u200b"),
        ("figure", "energy.facility_power\x1b"),
        ("figure", "energy.facility power"),
    ],
)
def test_diff_refuses_names_no_result_holds_so_none_print_alike(tmp_path, capsys, where, name):
    """Item 114: `diff` read any text of up to 100 characters as a scenario's name, and any
    key as a figure's, so two names a hand-made file spells differently printed alike: `café`
    composed and decomposed, `small` with a Cyrillic a (U+0430) or a zero-width space were two
    scenarios, one "removed" and one "added" under the same printed name (the last known
    edge of item 91's round: `a<ESC>` and `a\\u001b`). A result names scenarios and sweeps
    with names of the language and figures with such names joined by dots
    (`defaults.NAME_PATTERN`); anything else is refused, located by its JSON path."""
    import json

    from scendsl.cli import main

    document = _result(tmp_path, capsys)
    scenario = document["scenarios"][0]
    if where == "scenario":
        scenario["name"] = name
    else:
        scenario["metrics"][name] = scenario["metrics"].pop("energy.facility_power")
    hostile = tmp_path / "hostile.json"
    hostile.write_text(json.dumps(document))
    assert main(["diff", str(tmp_path / "base.json"), str(hostile)]) == 1
    err = capsys.readouterr().err
    assert "hostile.json:1:1: error: not a result of `scendsl eval --format json`" in err
    assert ("scenarios[0].name" if where == "scenario" else "scenarios[0].metrics") in err
    assert "\x1b" not in err and "\u200b" not in err and "Traceback" not in err
    # The file as `eval` wrote it still diffs.
    assert main(["diff", str(tmp_path / "base.json"), str(tmp_path / "base.json")]) == 0
