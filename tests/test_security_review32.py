"""The thirty-second review: what is kept between runs never changes an answer.

A property test edits a small project of scenario files at random (lines inserted or removed
above, inside and between scenarios, an `extends` base and an imported file edited, a scenario
renamed or moved to another file, line ends switched between LF and CRLF, comments holding
`file:line:col`-like text, tabs, a value that gives a warning toggled) and after each edit runs
`scendsl check` (text and `--format json`) and `scendsl build` with the cache, and the same
commands on a twin project without it (`SCENDSL_CACHE_DIR=`): they must print and write the
same bytes. The examples are few by default (the suite stays fast); set
SCENDSL_REVIEW32_EXAMPLES for a deeper run.

And the traceback file an internal error writes (`cli._saved_traceback`): private, never in a
folder another user can swap or in the current folder, never over a file of the user's.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from scendsl import cli
from scendsl.cli import main
from scendsl.files import settled

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "scenarios"

#: A small project: a sample file with `extends` chains, a sweep and a spread; a base scenario
#: imported by two files; a child of it that the edits rename and move between those files.
_CHILD = 'scenario child extends university_consortium_de {\n  title "Child"\n  year  2031\n}\n'
PROJECT = {
    "colossus2.scn": (SAMPLES / "colossus2.scn").read_text(encoding="utf-8"),
    "lib/base.scn": (SAMPLES / "university_consortium_de.scn").read_text(encoding="utf-8"),
    "child.scn": f'import "lib/base.scn"\n\n{_CHILD}',
    "other.scn": 'import "lib/base.scn"\n',
}

#: Lines an edit inserts: blank, a comment, a comment naming places as a message would, a
#: comment indented by a tab.
INSERTED = [
    "",
    "# a note",
    "# see ./child.scn:3:5 and ./lib/base.scn:12:1 (colossus2.scn:40:3)",
    "\t# tabbed",
]
#: Values toggled: each pair gives different warnings (or none).
TOGGLES = [
    ("    mfu         35%", "    mfu         85%"),
    ("  year     2025", "  year     2045"),
    ("  year  2031", "  year  2019"),
    ("  year   2024", "  year   2041"),
    ("    pue 1.25", "    pue 1.6"),  # colossus2's root, which six scenarios extend
]

EXAMPLES = int(os.environ.get("SCENDSL_REVIEW32_EXAMPLES", "3"))
_SETTINGS = settings(
    max_examples=EXAMPLES,
    derandomize=not os.environ.get("SCENDSL_REVIEW32_EXAMPLES"),
    database=None,
    deadline=None,
    print_blob=True,
    phases=(Phase.explicit, Phase.generate),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

_names = st.sampled_from(sorted(PROJECT))
EDITS = st.one_of(
    st.tuples(st.just("insert"), _names, st.integers(0, 200), st.sampled_from(INSERTED)),
    st.tuples(st.just("remove"), _names, st.integers(0, 200)),
    st.tuples(st.just("tab"), _names, st.integers(0, 200)),
    st.tuples(st.just("newlines"), _names),
    st.tuples(st.just("rename")),
    st.tuples(st.just("move")),
    st.tuples(st.just("toggle"), st.integers(0, len(TOGGLES) - 1)),
)


def edited(files: dict[str, str], edit: tuple[Any, ...]) -> None:
    """Apply one of `EDITS` to `files` (name -> text), in place."""
    kind = edit[0]
    if kind in ("insert", "remove", "tab"):
        name, at = str(edit[1]), int(edit[2])
        newline = "\r\n" if "\r\n" in files[name] else "\n"
        lines = files[name].split(newline)
        at %= len(lines)
        if kind == "insert":
            lines.insert(at, str(edit[3]))
        elif kind == "remove" and (not lines[at].strip() or lines[at].lstrip().startswith("#")):
            del lines[at]
        elif kind == "tab" and lines[at].startswith("  "):
            lines[at] = "\t" + lines[at][2:]
        files[name] = newline.join(lines)
    elif kind == "newlines":
        name = str(edit[1])
        text = files[name]
        files[name] = text.replace("\r\n", "\n") if "\r\n" in text else text.replace("\n", "\r\n")
    elif kind == "rename":
        for name, text in files.items():
            if "scenario child " in text:
                files[name] = text.replace("scenario child ", "scenario child_renamed ")
            elif "scenario child_renamed " in text:
                files[name] = text.replace("scenario child_renamed ", "scenario child ")
    elif kind == "move":
        here, there = ("child.scn", "other.scn")
        if "scenario child" not in files[here]:
            here, there = there, here
        start = files[here].find("scenario child")
        if start >= 0:
            end = files[here].find("}", start) + 1
            block = files[here][start:end]
            files[here] = files[here][:start] + files[here][end:]
            files[there] = files[there] + "\n" + block + "\n"
    elif kind == "toggle":
        one, other = TOGGLES[int(edit[1])]
        for name, text in files.items():  # the child's line may have moved to another file
            if one in text:
                files[name] = text.replace(one, other)
            elif other in text:
                files[name] = text.replace(other, one)


def _write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_bytes() != text.encode("utf-8"):
            path.write_bytes(text.encode("utf-8"))


class Twins:
    """The same project twice: one run with a cache of its own, one with no cache."""

    def __init__(self, top: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.top, self.capsys = top, capsys
        self.kept, self.plain = top / "kept", top / "plain"
        self.cache = top / "cache"

    def write(self, files: dict[str, str]) -> None:
        for side in (self.kept, self.plain):
            _write(side / "project", files)

    def run(self, side: Path, cache: str, *args: str) -> tuple[int, str, str]:
        before = os.getcwd()
        os.environ["SCENDSL_CACHE_DIR"] = cache
        os.chdir(side)
        try:
            code = main(list(args))
        finally:
            os.chdir(before)
            os.environ["SCENDSL_CACHE_DIR"] = ""
        out, err = self.capsys.readouterr()
        return code, out, err

    def same(self, *args: str) -> None:
        """`args` print the same with the cache as without it."""
        kept = self.run(self.kept, str(self.cache), *args)
        plain = self.run(self.plain, "", *args)
        assert kept == plain, args


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def twins(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[Twins]:
    monkeypatch.setattr(settled, "SETTLING_NS", 0)  # a file written just before counts as settled
    monkeypatch.setenv("SCENDSL_CACHE_DIR", "")
    yield Twins(tmp_path, capsys)


def each_edit(twins: Twins, edits: list[tuple[Any, ...]]) -> Iterator[Twins]:
    """A new pair of twin projects for one example, written as `PROJECT` and after each of
    `edits` in turn (the pair is given after each), removed at the end."""
    top = Path(tempfile.mkdtemp(dir=twins.top))
    pair = Twins(top, twins.capsys)
    files = dict(PROJECT)
    pair.write(files)
    yield pair
    for step in edits:
        edited(files, step)
        pair.write(files)
        yield pair
    shutil.rmtree(top)


@_SETTINGS
@given(edits=st.lists(EDITS, min_size=1, max_size=4))
def test_a_kept_check_prints_what_a_check_without_the_cache_prints(
    twins: Twins, edits: list[tuple[Any, ...]]
) -> None:
    for pair in each_edit(twins, edits):
        for options in ((), ("--format", "json")):
            pair.same("check", "project", *options)


@settings(_SETTINGS, max_examples=max(1, EXAMPLES // 3))
@given(edits=st.lists(EDITS, min_size=1, max_size=2))
def test_a_build_with_the_cache_writes_what_a_build_without_it_writes(
    twins: Twins, edits: list[tuple[Any, ...]]
) -> None:
    for pair in each_edit(twins, edits):
        pair.same("build", "project", "-o", "out", "--samples", "16")
        assert _tree(pair.kept / "out") == _tree(pair.plain / "out")


def _bug() -> BaseException:
    try:
        raise RuntimeError("a bug")
    except RuntimeError as error:
        return error


@pytest.fixture
def temp_folder(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """`tempfile` reads TMPDIR afresh (it caches the folder it found)."""
    monkeypatch.setattr(tempfile, "tempdir", None)
    yield
    tempfile.tempdir = None


def test_a_saved_traceback_is_private_and_never_over_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, temp_folder: None
) -> None:
    folder = tmp_path / "tmp"
    folder.mkdir(mode=0o700)
    monkeypatch.setenv("TMPDIR", str(folder))
    before = {path.name: path.read_bytes() for path in folder.iterdir()}
    saved = cli._saved_traceback(_bug())
    assert saved is not None and Path(saved).parent == folder
    assert stat.S_IMODE(os.stat(saved).st_mode) == 0o600
    assert "RuntimeError: a bug" in Path(saved).read_text(encoding="utf-8")
    again = cli._saved_traceback(_bug())
    assert again not in (None, saved)  # a new file each time, the last one left as it was
    assert {p.name: p.read_bytes() for p in folder.iterdir() if p.name in before} == before


def test_a_traceback_is_not_saved_where_another_user_could_swap_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, temp_folder: None
) -> None:
    """A temporary folder anyone may write, without the sticky bit (a TMPDIR left so, or a
    link to such a folder): another user could put their own text under the name printed."""
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    link = tmp_path / "link"
    link.symlink_to(shared)
    for folder in (shared, link):
        monkeypatch.setenv("TMPDIR", str(folder))
        tempfile.tempdir = None
        assert cli._saved_traceback(_bug()) is None
    assert list(shared.iterdir()) == []
    shared.chmod(0o1777)  # sticky, as /tmp is: only the file's owner may rename or remove it
    tempfile.tempdir = None
    assert cli._saved_traceback(_bug()) is not None


def test_a_traceback_is_never_saved_in_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, temp_folder: None
) -> None:
    """Python's last resort when no temporary folder is writable is the current folder, the
    user's project (where a build would publish it)."""
    project = tmp_path / "project"
    project.mkdir()
    monkeypatch.chdir(project)
    monkeypatch.setattr(tempfile, "tempdir", str(project))
    assert cli._saved_traceback(_bug()) is None
    assert list(project.iterdir()) == []


def test_an_internal_error_says_where_its_traceback_is(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    temp_folder: None,
) -> None:
    folder = tmp_path / "tmp"
    folder.mkdir(mode=0o700)
    monkeypatch.setenv("TMPDIR", str(folder))
    monkeypatch.delenv("SCENDSL_DEBUG", raising=False)

    def broken(args: object) -> int:
        raise RuntimeError("a bug")

    monkeypatch.setitem(cli.COMMANDS, "check", broken)
    assert main(["check", str(tmp_path)]) == cli.EXIT_INTERNAL
    (saved,) = folder.iterdir()
    assert str(saved) in capsys.readouterr().err


def test_the_language_server_evaluates_again_a_scenario_whose_written_fields_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`parallelism expert 1` leaves the layout to the model; `parallelism expert 1, data
    auto` writes it (tensor 1, pipeline 1). The two resolve to equal models by pydantic's ==
    (the same values, which fields were written apart), written over the same span."""
    from scendsl.lsp.workspace import Workspace

    monkeypatch.setenv("SCENDSL_CACHE_DIR", "")
    text = (SAMPLES / "university_consortium_de.scn").read_text(encoding="utf-8")
    text = text.replace("parameters 7B", "parameters 70B")
    chosen = text.replace("bf16\n", "bf16\n    parallelism expert 000000000001\n")
    written = text.replace("bf16\n", "bf16\n    parallelism expert 1, data auto\n")
    path = str(tmp_path / "u.scn")

    def warnings(workspace: Workspace) -> list[tuple[Any, ...]]:
        found = workspace.analyse(path).diagnostics
        return [(d.code, d.span, d.message) for d in found]

    for before, after in ((chosen, written), (written, chosen)):
        editing = Workspace(str(tmp_path))
        editing.overlay[path] = before
        first = warnings(editing)
        editing.overlay[path] = after
        fresh = Workspace(str(tmp_path))
        fresh.overlay[path] = after
        assert warnings(editing) == warnings(fresh) != first


def test_an_incremental_build_evaluates_again_a_scenario_whose_written_fields_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`serve`'s builder kept a scenario's evaluation, Monte Carlo run and page while the
    scenario was equal by pydantic's == (the layout left to the model, then written)."""
    from scendsl.app.build import render_files
    from scendsl.app.incremental import IncrementalBuilder

    monkeypatch.setenv("SCENDSL_CACHE_DIR", "")
    folder = tmp_path / "scenarios"
    folder.mkdir()
    text = (SAMPLES / "university_consortium_de.scn").read_text(encoding="utf-8")
    text = text.replace("parameters 7B", "parameters 70B")
    chosen = text.replace("bf16\n", "bf16\n    parallelism expert 000000000001\n")
    written = text.replace("bf16\n", "bf16\n    parallelism expert 1, data auto\n")
    scenario, out = folder / "u.scn", tmp_path / "out"
    scenario.write_text(chosen, encoding="utf-8")
    builder = IncrementalBuilder([str(folder)], str(out), samples=16)
    builder.build()
    first = _tree(out)
    scenario.write_text(written, encoding="utf-8")
    builder.build()
    cold = render_files([str(folder)], samples=16)
    assert {name: (out / name).read_bytes() for name in cold} == cold
    assert _tree(out) != first


def test_the_build_cache_keeps_no_page_or_run_of_a_scenario_whose_written_fields_changed(
    tmp_path: Path, twins: Twins
) -> None:
    """The build cache keyed pages and Monte Carlo runs by `repr` of the resolved scenario,
    which does not say which fields were written: a parent's layout left to the model, then
    written (the same values, over the same span), left its child's page as it was (fits in
    HBM, 2.9 s steps; the written layout needs 371 GB an accelerator)."""
    text = (SAMPLES / "university_consortium_de.scn").read_text(encoding="utf-8")
    text = text.replace("parameters 7B", "parameters 70B")
    text = text.replace("count       512", "count       512 ± 20%")  # a Monte Carlo run
    text += '\nscenario kid extends university_consortium_de {\n  title "Kid"\n}\n'
    chosen = text.replace("bf16\n", "bf16\n    parallelism expert 000000000001\n")
    written = text.replace("bf16\n", "bf16\n    parallelism expert 1, data auto\n")
    for files in ({"u.scn": chosen}, {"u.scn": written}):
        twins.write(files)
        twins.same("build", "project", "-o", "out", "--samples", "16")
        assert _tree(twins.kept / "out") == _tree(twins.plain / "out")
