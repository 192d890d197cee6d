"""Seventh hostile-input review: the build cache's records, the size of a build, and the user
text of citations in every output. Each test is named after the class of problem it pins."""

from __future__ import annotations

import hashlib
import json
import sys
import time
from pathlib import Path

import pytest

import scendsl
from factories import scenario_text
from scendsl.app.build import build
from scendsl.app.build_bounds import (
    MAX_BUILD_REFERENCES,
    MAX_BUILD_SCENARIOS,
    MAX_BUILD_SWEEPS,
    check_build_size,
)
from scendsl.app.incremental import IncrementalBuilder
from scendsl.errors import ScenarioError
from scendsl.files import write_output


def _records(cache: Path) -> list[Path]:
    return sorted(p for p in (cache / "v1" / "build").rglob("*") if p.is_file())


def _rewrite(entry: Path, change) -> None:
    """Change a cache entry's record and give it a matching hash, as anyone who can write the
    folder (a restored CI cache, a copied home folder) can."""
    _, _, data = entry.read_bytes().partition(b"\n")
    record = change(json.loads(data))
    data = json.dumps(record).encode("utf-8")
    entry.write_bytes(hashlib.sha256(data).hexdigest().encode("ascii") + b"\n" + data)


# ------------------------------------------------ a poisoned build record cannot write outside
@pytest.mark.usefixtures("settled_at_once")  # else no record is kept to poison
def test_a_poisoned_cache_record_cannot_make_the_build_write_outside_the_output_folder(tmp_path):
    # A record naming `../escaped.md` or an absolute path was written there by the atomic
    # writer (`fresh / name`): outside the output folder, e.g. a `.pth` file that Python runs.
    source = tmp_path / "one.scn"
    source.write_text(scenario_text("one", title="One"), encoding="utf-8")
    cache, out = tmp_path / "cache", tmp_path / "work" / "out"
    build([str(source)], str(out), cache_dir=cache)
    expected = {p.name: p.read_bytes() for p in out.iterdir()}
    (record,) = _records(cache)
    outside = tmp_path / "absolute.md"

    def poison(entry):
        blob = entry["outputs"][0][1]
        entry["outputs"] += [["../escaped.md", blob], [str(outside), blob], [".hidden.md", blob]]
        return entry

    _rewrite(record, poison)
    report = build([str(source)], str(out), cache_dir=cache)
    assert "load" in report.timings  # the record was not used: the build was done again
    assert not (tmp_path / "work" / "escaped.md").exists()
    assert not outside.exists()
    assert {p.name: p.read_bytes() for p in out.iterdir()} == expected


@pytest.mark.parametrize(
    "record",
    [
        5,
        [],
        {"inputs": 5, "outputs": []},
        {"inputs": [[1, 2, 3]], "outputs": []},
        {"inputs": [["a"]], "outputs": []},
        {"inputs": [], "outputs": [[1, 2]]},
        {"inputs": [], "outputs": [["index.md", 7]]},
        {"inputs": [], "outputs": {"index.md": "x"}},
        {"inputs": [], "outputs": [["index.md", "../../x"]]},
    ],
)
@pytest.mark.usefixtures("settled_at_once")
def test_a_cache_record_of_the_wrong_shape_is_a_miss_not_a_traceback(tmp_path, record):
    source = tmp_path / "one.scn"
    source.write_text(scenario_text("one", title="One"), encoding="utf-8")
    cache, out = tmp_path / "cache", tmp_path / "out"
    build([str(source)], str(out), cache_dir=cache)
    expected = {p.name: p.read_bytes() for p in out.iterdir()}
    (entry,) = _records(cache)
    _rewrite(entry, lambda _: record)
    report = build([str(source)], str(tmp_path / "again"), cache_dir=cache)
    assert "load" in report.timings
    assert {p.name: p.read_bytes() for p in (tmp_path / "again").iterdir()} == expected


def test_the_writer_refuses_a_page_name_that_is_not_a_plain_file_name(tmp_path):
    out = tmp_path / "work" / "out"
    for name in ("../escaped.md", str(tmp_path / "absolute.md"), "sub/x.md", ".hidden.md"):
        with pytest.raises(ScenarioError, match="not a plain page name"):
            write_output({"index.md": b"x", name: b"y"}, out)
    assert not out.exists()
    assert not (tmp_path / "work" / "escaped.md").exists()
    assert not (tmp_path / "absolute.md").exists()


# ----------------------------------------- a build of valid scenarios within its declared size
_BASE = scenario_text("base")


def _many(kind: str, count: int) -> str:
    """`count` one-line definitions of `kind` beside a base scenario: within the parser's
    limits (a few tokens each), each a page, a compared row or a tabulated sweep."""
    if kind == "scenarios":
        return _BASE + "".join(f"scenario s{i} extends base {{}}\n" for i in range(count - 1))
    if kind == "references":
        return _BASE + "".join(
            f"reference r{i} {{\n  accelerator H100\n  count {i + 1}\n}}\n" for i in range(count)
        )
    return _BASE + "".join(
        f"sweep w{i} from base {{\n  year [2024, 2025]\n}}\n" for i in range(count)
    )


@pytest.mark.parametrize(
    ("kind", "count", "bound"),
    [
        ("scenarios", 1000, MAX_BUILD_SCENARIOS),
        ("references", 2000, MAX_BUILD_REFERENCES),
        ("sweeps", 1500, MAX_BUILD_SWEEPS),
    ],
)
def test_a_build_of_more_definitions_than_it_shows_is_refused_at_the_first_beyond_before_any_work(
    tmp_path, kind, count, bound
):
    # 1,000 one-line scenarios ran for 18 s, held 1 GB and failed with "template scenario.md.j2:
    # rendering took longer than 10 s"; 6,000 references in three files or 1,500 sweeps with "page.html.j2:1:1:
    # the template writes more than 20,000,000 characters": a built-in template blamed.
    source = tmp_path / "big.scn"
    source.write_text(_many(kind, count), encoding="utf-8")
    started = time.process_time()
    with pytest.raises(ScenarioError) as caught:
        build([str(source)], str(tmp_path / "out"), samples=0)
    assert time.process_time() - started < 5  # refused after loading, before evaluating
    (diagnostic,) = caught.value.diagnostics
    assert f"a build shows at most {bound:,} {kind}" in diagnostic.message
    assert diagnostic.span is not None and diagnostic.span.file == str(source)
    beyond = source.read_text(encoding="utf-8").splitlines()[diagnostic.span.line - 1]
    name = {"scenarios": f"s{bound - 1} ", "references": f"r{bound} ", "sweeps": f"w{bound} "}
    assert name[kind] in beyond
    assert not (tmp_path / "out").exists()


def test_the_live_rebuild_of_serve_refuses_a_build_beyond_its_size_too(tmp_path):
    source = tmp_path / "big.scn"
    source.write_text(_many("scenarios", MAX_BUILD_SCENARIOS + 1), encoding="utf-8")
    builder = IncrementalBuilder([str(source)], str(tmp_path / "out"), samples=0)
    with pytest.raises(ScenarioError, match="a build shows at most"):
        builder.build()


@pytest.mark.parametrize(
    ("kind", "bound"),
    [
        ("scenarios", MAX_BUILD_SCENARIOS),
        ("references", MAX_BUILD_REFERENCES),
        ("sweeps", MAX_BUILD_SWEEPS),
    ],
)
def test_a_build_at_its_declared_size_is_accepted(kind, bound):
    check_build_size(scendsl.load_text(_many(kind, bound), name="at.scn"))


# ------------------------------------------ chart labels of long user text: linear, not quadratic
#: A title at the string limit (10,000 characters) in 1,400 words, as a scenario may have.
_LONG_TITLE = " ".join(f"word{i % 10}" for i in range(1_400))


def test_a_scenario_title_of_ten_thousand_characters_labels_its_charts_within_a_second():
    # Wrapping measured the whole rest of the title for each line (~20 µs a glyph): 12 s of
    # CPU time a title per chart, so a file of 49 such scenarios built for over ten minutes.
    from scendsl.report.chart_kit import _LABEL, _TITLE, WIDTH, _row_layout, _wrap

    title = _LONG_TITLE.replace("word", "label")  # (measurements are kept per text)
    started = time.process_time()
    [(label, full)], _pitch = _row_layout([title])
    lines = _wrap(title + " title", WIDTH, _TITLE, True)
    assert time.process_time() - started < 1.5
    assert full == title and label.endswith("…") and label.count("\n") == 1
    assert " ".join(lines) == title + " title" and len(lines) > 20
    assert all(len(line) < 200 for line in lines)
    single = "x" * 10_000  # one word: its own line, clipped, never measured whole
    assert _wrap(single, WIDTH, _LABEL) == [single]
    [(clipped, _full)], _pitch = _row_layout([single])
    assert clipped.endswith("…") and len(clipped) < 100


def test_long_text_is_wrapped_and_clipped_as_word_by_word_and_letter_by_letter():
    # The doubling search for long text finds the very lines and clips the greedy search does.
    from scendsl.report.chart_kit import _LABEL, _ROW_LABEL_WIDTH, _TITLE, _clip, _measure, _wrap
    from test_chart_text_metrics import _greedy_wrap

    for text in (_LONG_TITLE[:700], "iiii WWWW " * 60, "a " * 300 + "Averyveryverylongword " * 9):
        for width, size, bold in ((129.6, _LABEL, False), (357.0, _TITLE, True)):
            assert _wrap(text, width, size, bold) == _greedy_wrap(text, width, size, bold)
        two = _wrap(text, 129.6, _LABEL, False, most=2)
        assert two[:2] == _greedy_wrap(text, 129.6, _LABEL, False)[:2]
        assert " ".join(two) == " ".join(text.split())
        # The longest start that fits with its ellipsis, as letter by letter from the end.
        kept = _clip(text).removesuffix("…")
        spaces = len(text[len(kept) :]) - len(text[len(kept) :].lstrip(" "))
        assert text.startswith(kept) and 0 < len(kept) < len(text)
        assert _measure(kept + "…", _LABEL, False) <= _ROW_LABEL_WIDTH
        longer = text[: len(kept) + spaces + 1]
        assert _measure(longer + "…", _LABEL, False) > _ROW_LABEL_WIDTH


def test_a_build_of_scenarios_with_titles_at_the_string_limit_is_quick(tmp_path):
    source = tmp_path / "long.scn"
    text = _BASE + "".join(
        f'scenario s{i} extends base {{\n  title "{_LONG_TITLE.replace("word", f"w{i}x")}"\n}}\n'
        for i in range(3)
    )
    source.write_text(text, encoding="utf-8")
    started = time.perf_counter()
    build([str(source)], str(tmp_path / "out"), samples=0)
    assert time.perf_counter() - started < 30  # was 65 s (25 s of CPU time) on two cores


# ------------------------------------------------- user text rich prints: as it is, never markup
_RICH_HOSTILE = (
    r"T :cross_mark: :white_check_mark: [link=https://evil.example]x[/link] a\\[bold]b \\"
)


def test_user_text_in_the_coloured_diff_is_shown_as_written_not_as_emoji_or_markup():
    # rich's escape kept markup out, but `:cross_mark:` in a title or claim quote printed ❌
    # (a forged verdict beside the real ones) and backslashes were dropped.
    import io
    import re

    from rich.console import Console

    from scendsl.report import diff as D

    diff = D.Diff([D.ScenarioDiff("a", "~", _RICH_HOSTILE)])
    buffer = io.StringIO()
    D.render_rich(diff, Console(file=buffer, force_terminal=True, width=500))
    shown = re.sub(r"\x1b\[[0-9;]*m", "", buffer.getvalue())
    assert f"~ a  {_RICH_HOSTILE}" in shown.splitlines()
    assert "❌" not in shown and "✅" not in shown and "\x1b]8;" not in buffer.getvalue()
    assert shown.rstrip("\n").split("\n") == D.render_text(diff).rstrip("\n").split("\n")


def test_user_text_in_the_coloured_listing_is_shown_as_written():
    import io

    from rich.console import Console

    from scendsl.report.listing import Column, Listing, write_rich

    table = Listing("accelerators", (Column("name", "name"),), [{"name": _RICH_HOSTILE}])
    buffer = io.StringIO()
    write_rich(Console(file=buffer, width=500, color_system=None), table)
    assert _RICH_HOSTILE in buffer.getvalue() and "❌" not in buffer.getvalue()


# ------------------------------------------ diff --git over a tree git itself would not check out
def _git(repo: Path, *args: str, stdin: str | None = None) -> str:
    import subprocess

    done = subprocess.run(
        ["git", "-c", "user.email=t@example.invalid", "-c", "user.name=t", *args],
        cwd=repo,
        input=stdin,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip()


def test_a_revision_whose_tree_holds_a_name_twice_is_a_clear_error_not_an_internal_one(
    tmp_path, monkeypatch, capsys
):
    # A tree made with `git mktree` (or fetched without fsck, git's default) may hold `a.scn`
    # as a file and as a folder: "internal error: FileExistsError". Or twice as a file, the
    # second silently replacing the first.
    from scendsl.cli import main

    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "a.scn").write_text(scenario_text("a"), encoding="utf-8")
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "a")
    blob = _git(repo, "rev-parse", "HEAD:a.scn")
    folder = _git(repo, "mktree", stdin=f"100644 blob {blob}\tb.scn\n")
    monkeypatch.chdir(repo)
    for entries in (
        f"100644 blob {blob}\ta.scn\n040000 tree {folder}\ta.scn\n",
        f"100644 blob {blob}\ta.scn\n100644 blob {blob}\ta.scn\n",
    ):
        tree = _git(repo, "mktree", stdin=entries)
        commit = _git(repo, "commit-tree", tree, "-m", "crafted")
        assert main(["diff", "--git", commit, "."]) == 1
        err = capsys.readouterr().err
        assert "internal error" not in err and "Traceback" not in err
        assert "cannot copy 'a.scn" in err and "holds a name twice" in err


# ------------------------------------------------ a large file in the templates folder: streamed
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS as on Linux")
def test_a_large_file_in_the_templates_folder_is_hashed_in_pieces_not_read_whole(tmp_path):
    # The cache's digest of the templates folder read each file whole: a 400 MB file beside the
    # templates (data, `--templates .` in a project) needed 400 MB at once, and a larger one
    # ended the build in "internal error: MemoryError".
    import subprocess

    from scendsl.app.cache import file_digest

    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "index.md.j2").write_text("# {{ 1 + 1 }}\n", encoding="utf-8")
    assert (
        file_digest(str(folder / "index.md.j2")) == hashlib.sha256(b"# {{ 1 + 1 }}\n").hexdigest()
    )
    with open(folder / "data.bin", "wb") as handle:
        handle.truncate(400 * 1024 * 1024)  # sparse: no disk used
    code = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (300 * 1024 * 1024, resource.RLIM_INFINITY))\n"
        "from scendsl.app.cache import folder_digest\n"
        "print(folder_digest(sys.argv[1]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(folder)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-500:]
    assert len(done.stdout.strip()) == 64
