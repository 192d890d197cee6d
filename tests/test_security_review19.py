"""The nineteenth hostile-input review (docs/security.md, items 124 on): output folders the
build cannot write, the editor's completions and hovers over what a file writes, user templates
with the cache of pages, the CSV cells of a locale that trims spaces, exchange rates and the
figures an accelerator may leave n/a. Each test is named after the problem it pins."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from conftest import SKETCH
from scendsl.cli import main
from tests.security_helpers import (
    SCENARIO,
    cache_folders,
    formula_cells,
    lsp_session,
    run_cli,
    run_in_mount_namespace,
    unshare_available,
)

needs_mount = pytest.mark.skipif(not unshare_available(), reason="needs root and unshare -m")

# ------------------------------------------------------------------ mounts in the output folder
BUILD_TWICE = f"""
import os
from scendsl.cli import main
from scendsl.files import clean_leftovers
from pathlib import Path
code = main(["build", {str(SKETCH)!r}, "-o", "out", "--samples", "0"])
print("code", code)
print("victim", sorted(os.listdir("victim")))
print("beside", sorted(n for n in os.listdir(".") if n.startswith(".out.")))
"""


@needs_mount
@pytest.mark.parametrize(
    ("mount", "shown"),
    [
        ("mkdir out/shared && mount --bind victim out/shared", "'out/shared' is a mount point"),
        ("mount --bind -o ro victim/page.html out/index.html", "'out/index.html' is a mount point"),
        ("mount --bind victim out", "'out': it is a mount point"),
    ],
    ids=["a folder bound inside", "a read-only page bound over one", "the folder itself"],
)
def test_a_bind_mount_in_the_output_folder_is_refused_and_what_it_shows_is_kept(
    tmp_path, mount, shown
):
    """Item 125: a folder bind-mounted into the output folder from the same file system has
    the device of the folder that holds it, so the mount-point check (`st_dev`) let it through:
    the build carried it over, then removed the old output and everything in the mount, the
    files of the folder it comes from (outside the output folder), and left a `.out.new-*`
    folder holding the mount. A page bind-mounted read-only was moved aside the same way.
    Mount points are now read from the system's list (`files.guard.mount_points`)."""
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "index.html").write_text("old page\n")
    (tmp_path / "victim").mkdir()
    (tmp_path / "victim" / "data.txt").write_text("precious\n")
    (tmp_path / "victim" / "page.html").write_text("mounted page\n")
    result = run_in_mount_namespace(tmp_path, mount, BUILD_TWICE)
    assert "Traceback" not in result.stderr, result.stderr
    assert "code 1" in result.stdout, result.stdout + result.stderr
    assert shown in result.stderr
    assert "victim ['data.txt', 'page.html']" in result.stdout
    assert "beside []" in result.stdout
    assert (tmp_path / "victim" / "data.txt").read_text() == "precious\n"


READ_ONLY = """
import hashlib, os
from scendsl.cli import main

def pages():
    return {n: hashlib.sha256(open("ro/out/" + n, "rb").read()).hexdigest()
            for n in sorted(os.listdir("ro/out"))}

before = pages()
with open("s.scn", "a") as more:
    more.write("scenario extra {\\n  year 2026\\n  region US\\n  cluster.accelerator H100\\n"
               "  cluster.count 10\\n}\\n")
print("build", main(["build", "s.scn", "-o", "ro/out", "--samples", "0"]))
print("kept", pages() == before)
print("fmt", main(["fmt", "ro/s.scn"]))
print("eval", main(["eval", "s.scn", "--samples", "0", "--format", "csv", "-o", "ro/t.csv"]))
os.chdir("ro")
print("new", main(["new", "other"]))
print("left", sorted(n for n in os.listdir(".") if n not in ("out", "s.scn")))
"""


@needs_mount
def test_a_read_only_file_system_is_named_as_such_and_the_previous_output_kept(tmp_path):
    """What held (an output folder on a file system mounted read-only): the build ends in a
    located error and keeps the previous pages byte for byte; `fmt` said "it is read-only;
    make it writable first" of a file whose own mode is writable, which no chmod mends: it
    now names the read-only file system, as `eval -o` and `new` do."""
    (tmp_path / "ro").mkdir()
    (tmp_path / "s.scn").write_text(SCENARIO)
    (tmp_path / "ro" / "s.scn").write_text(SCENARIO)
    setup = (
        "mount -t tmpfs tmpfs ro && cp s.scn ro/ && SCENDSL_CACHE_DIR= "
        f"'{sys.executable}' -m scendsl build s.scn -o ro/out --samples 0 && "
        "mount -o remount,ro ro"
    )
    result = run_in_mount_namespace(tmp_path, setup, READ_ONLY)
    said = result.stdout + result.stderr
    assert "Traceback" not in said and "internal error" not in said, said
    for line in ("build 1", "kept True", "fmt 1", "eval 1", "new 1", "left []"):
        assert line in result.stdout, said
    assert "cannot write the briefings into 'ro/out': read-only file system" in result.stderr
    assert "ro/s.scn:1:1: error: cannot write file: it is on a read-only file system" in said
    assert "cannot write ro/t.csv: read-only file system" in said
    assert "cannot write 'other.scn': read-only file system" in said


@needs_mount
def test_removing_a_leftover_never_enters_a_bind_mount_inside_it(tmp_path):
    """Item 125: a killed build's leftover holding a bind mount (as the build before the fix
    left one) is cleaned without removing anything of the folder mounted there."""
    leftover = tmp_path / ".out.new-abcd1234"
    (leftover / "shared").mkdir(parents=True)
    (leftover / "page.md").write_text("old\n")
    (tmp_path / "victim").mkdir()
    (tmp_path / "victim" / "data.txt").write_text("precious\n")
    script = """
        import os
        from pathlib import Path
        from scendsl.files import clean_leftovers
        clean_leftovers(Path("out").absolute())
        print("victim", sorted(os.listdir("victim")))
        print("left", sorted(os.listdir(".out.new-abcd1234")))
    """
    result = run_in_mount_namespace(
        tmp_path, "mount --bind victim .out.new-abcd1234/shared", script
    )
    assert "victim ['data.txt']" in result.stdout, result.stdout + result.stderr
    assert "left ['shared']" in result.stdout


# ------------------------------------------------------------------------------- the tables
SPACED_STARTS = """
scenario small {
  year 2026
  region US
  cluster.accelerator H100 source "grid;  =HYPERLINK(1)"
  cluster.count 1000 source "  @SUM(1)"
  energy.price 95 USD/MWh source "grid\t \\"+cmd"
  energy.pue 1.2 source "a\u00a0;\u00a0-1+x"
}
"""


def test_spaces_after_a_cell_start_do_not_hide_a_formula(tmp_path):
    """Item 124 (the known edge of items 116 and 122; the table fuzzer, seed 19, case 189, once
    it read cells trimmed): a reader told to trim spaces (an import with that option) reads
    `a; =1` as the cells `a` and `=1`, and ` @SUM(1)` as a formula: the `'` goes wherever a
    cell may start, blanks and quotes before the formula included."""
    source = tmp_path / "s.scn"
    source.write_text(SPACED_STARTS)
    out = tmp_path / "t.csv"
    assert main(["eval", str(source), "--samples", "0", "--format", "csv", "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert formula_cells(text, trim=True) == []


# ------------------------------------------------------------------------ the language server
HOSTILE_NAMES = [
    'a"\ncluster.count 1\n#.scn',  # closes the import's string, writes statements
    "b\u202eppa.scn",  # a bidi override: shown reversed
    "c\x1b[2J.scn",  # a terminal escape
    "d\\x.scn",  # a backslash starts an escape in a string
    "e\u200bx.scn",  # invisible
]


def test_import_completion_offers_only_names_that_read_as_written(tmp_path):
    """Item 126: completing `import "` offered every `.scn` file beside the document by its
    name as it is, and accepting an item inserts its label: a file named `a"<LF>cluster.count
    1<LF>#.scn` (in a shared folder, a pull request) closed the string and wrote statements
    into the user's document; a bidi control or an invisible character inserted text that
    does not read as what is shown."""
    from scendsl.lsp.completion import complete
    from scendsl.lsp.positions import Pos
    from scendsl.lsp.workspace import Workspace

    for name in [*HOSTILE_NAMES, "plain.scn", "sub dir/also fine.scn"]:
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("accelerator zz extends H100 {\n}\n")
    (tmp_path / "bad\udcff.scn").write_text("")  # a name that is not UTF-8
    document = tmp_path / "main.scn"
    document.write_text('import "\n')
    analysis = Workspace(str(tmp_path)).analyse(str(document))
    offered = [c.label for c in complete(analysis, 'import "\n', Pos(0, len('import "')))]
    assert offered == ["plain.scn", "sub dir/also fine.scn"]


def test_the_language_server_shows_a_files_text_and_names_as_written(tmp_path):
    """Item 126: what the editor shows as plain text (diagnostics, which quote what the file
    writes; the outline; completion details naming the file a definition is in) went out as
    the file had it, so a bidi override reordered the message and the outline around it. It
    is spelt `\\u202e`, as the command line spells it."""
    name = "x\u202eevil.scn"
    (tmp_path / name).write_text("accelerator mine extends H100 {\n}\n")
    text = (
        'import "x\u202eevil.scn"\n'
        'scenario s {\n  title "a\u202eb"\n  year 2026\n  region "U\u202eS"\n'
        "  cluster.accelerator mine\n  cluster.count 1000\n}\n"
    )
    document = tmp_path / "main.scn"
    document.write_text(text)
    uri = document.as_uri()
    line = text.split("\n").index("  cluster.accelerator mine")
    messages = lsp_session(
        tmp_path,
        uri,
        text,
        [
            ("textDocument/documentSymbol", {"textDocument": {"uri": uri}}),
            (
                "textDocument/completion",
                {"textDocument": {"uri": uri}, "position": {"line": line, "character": 22}},
            ),
        ],
    )
    shown = json.dumps(messages, ensure_ascii=False)
    assert "\u202e" not in shown
    diagnostics = [m for m in messages if m.get("method") == "textDocument/publishDiagnostics"]
    said = [d["message"].split("\n")[0] for m in diagnostics for d in m["params"]["diagnostics"]]
    assert "unknown region 'U\\u202eS'" in said
    answers = {m["id"]: m for m in messages if "id" in m}
    outline = answers[1]["result"]
    details = [c.get("detail") for s in outline for c in s.get("children", [])]
    assert '"a\\u202eb"' in details  # the title, as the outline shows it
    offered = [i.get("detail", "") for i in answers[2]["result"]["items"] if i["label"] == "mine"]
    assert offered == ["accelerator defined in x\\u202eevil.scn"]


# ------------------------------------------------------------------------------ deep folders
def _nest(top: Path, depth: int) -> Path:
    """`top/d/d/.../d`, `depth` folders deep (past Python's recursion limit), made without
    recursion; the deepest one."""
    top.mkdir(parents=True, exist_ok=True)
    path = top
    for _ in range(depth):  # os.makedirs recurses
        path = path / "d"
        path.mkdir()
    (path / "deepest.txt").write_text("kept\n")
    return path


@pytest.fixture(autouse=True)
def _remove_deep_folders(tmp_path):
    """pytest removes its folders with shutil.rmtree, which recurses: removed here first."""
    yield
    from scendsl.files import remove_tree

    remove_tree(tmp_path)


DEPTH = sys.getrecursionlimit() + 200


def test_a_folder_nested_past_the_recursion_limit_in_the_output_folder_is_carried_over(tmp_path):
    """Item 127: the build carries the user's own folders in the output folder over to the new
    one with shutil.copytree, which recurses: a folder 1,200 deep there ended the build in
    "internal error: RecursionError". The file policy walks any depth (`files.walk`)."""
    (tmp_path / "s.scn").write_text(SCENARIO)
    out = tmp_path / "out"
    deepest = _nest(out / "notes", DEPTH)
    assert main(["build", str(tmp_path / "s.scn"), "-o", str(out), "--samples", "0"]) == 0
    assert (deepest / "deepest.txt").read_text() == "kept\n"
    assert (out / "index.html").is_file()
    assert not [n for n in os.listdir(tmp_path) if n.startswith(".out.")]


def test_a_templates_folder_nested_past_the_recursion_limit_builds_with_the_cache(tmp_path):
    """Item 127: with the cache on, a build hashes the templates folder (a template added
    there may shadow a built-in one) with os.walk, which recursed: a folder 1,200 deep in
    `--templates DIR` ended the build in "internal error: RecursionError"."""
    cache, mine, _ = cache_folders(tmp_path)
    templates = tmp_path / "tpl"
    _nest(templates, DEPTH)
    for _ in range(2):  # the build that keeps its record, then the one that reads it
        done = run_cli(tmp_path, ["build", "s.scn", "-o", "out", "--templates", "tpl"], cache, mine)
        assert done.returncode == 0, done.stderr
        assert "Traceback" not in done.stderr and "internal error" not in done.stderr


def test_import_completion_beside_a_folder_nested_past_the_recursion_limit(tmp_path):
    """Item 127: completing `import "` walked the document's folder with os.walk: a folder
    1,200 deep beside it made every such completion a RecursionError."""
    from scendsl.lsp.completion import complete
    from scendsl.lsp.positions import Pos

    class Beside:  # what completion reads of an analysis: the document's path
        path = str(tmp_path / "main.scn")

    (tmp_path / "near.scn").write_text("")
    _nest(tmp_path / "a", DEPTH)
    offered = complete(Beside(), 'import "\n', Pos(0, len('import "')))  # type: ignore[arg-type]
    assert [c.label for c in offered] == ["near.scn"]


# ---------------------------------------------------------------- user templates and the cache
def test_a_templates_folder_whose_linked_subfolder_is_repointed_is_built_again(tmp_path):
    """Item 128: the build cache keys a build with user templates by the templates folder's
    files (`cache.folder_digest`), walked by os.walk, which lists a link to a folder among the
    folders and does not enter it: re-pointing `tpl/parts -> a` to `b` (both inside the
    folder, so the loader follows it) left the key as it was, and the cached build published
    the page made from `a` where a build without the cache shows `b`. A link now counts by
    what it names, wherever it is."""
    cache, mine, _ = cache_folders(tmp_path)
    templates = tmp_path / "tpl"
    for part in ("a", "b"):
        (templates / part).mkdir(parents=True)
        (templates / part / "x.md.j2").write_text(f"from {part}\n")
    (templates / "index.md.j2").write_text('# Index\n{% include "parts/x.md.j2" %}\n')
    (templates / "parts").symlink_to("a")
    command = ["build", "s.scn", "-o", "out", "--templates", "tpl", "--samples", "0"]
    assert run_cli(tmp_path, command, cache, mine).returncode == 0
    assert "from a" in (tmp_path / "out" / "index.md").read_text()
    (templates / "parts").unlink()
    (templates / "parts").symlink_to("b")
    done = run_cli(tmp_path, command, cache, mine)
    assert done.returncode == 0, done.stderr
    cached = (tmp_path / "out" / "index.md").read_text()
    again = [*command[:3], "out2", *command[4:]]
    fresh = run_cli(tmp_path, again, cache, mine, {"SCENDSL_CACHE_DIR": ""})
    assert fresh.returncode == 0, fresh.stderr
    assert cached == (tmp_path / "out2" / "index.md").read_text()
    assert "from b" in cached


def test_import_completion_looks_through_a_bounded_number_of_folders(tmp_path):
    """Item 127: completing `import "` walked every folder below the document (20 per
    folder, any depth) at each keystroke: a document in a large tree (a home folder) held the
    language server for seconds. It now looks through at most MAX_IMPORT_COMPLETION_FOLDERS."""
    from scendsl.defaults import MAX_IMPORT_COMPLETION_FOLDERS
    from scendsl.lsp.completion import complete
    from scendsl.lsp.positions import Pos

    class Beside:
        path = str(tmp_path / "main.scn")

    (tmp_path / "near.scn").write_text("")
    level, made = [tmp_path], 0
    while made <= MAX_IMPORT_COMPLETION_FOLDERS:  # 20 folders in each, as many as it enters
        level = [parent / f"f{i:02}" for parent in level for i in range(20)]
        for folder in level:
            folder.mkdir()
        made += len(level)
    (level[-1] / "far.scn").write_text("")  # the last folder of the walk, past the bound
    cursor = Pos(0, len('import "'))
    offered = [c.label for c in complete(Beside(), 'import "\n', cursor)]  # type: ignore[arg-type]
    assert offered == ["near.scn"]


def test_import_completion_looks_through_a_bounded_number_of_entries(tmp_path):
    """Item 127: import completion listed each folder it entered whole: a folder of 200,000
    files beside the document took 0.8 s of CPU at each keystroke (a million, four). It now
    reads at most MAX_IMPORT_COMPLETION_ENTRIES entries in all (of one folder, and stops after
    the folder that passes them)."""
    from scendsl.defaults import MAX_IMPORT_COMPLETION_ENTRIES
    from scendsl.lsp.completion import complete
    from scendsl.lsp.positions import Pos

    class Beside:
        path = str(tmp_path / "main.scn")

    (tmp_path / "near.scn").write_text("")
    (tmp_path / "a").mkdir()
    for number in range(MAX_IMPORT_COMPLETION_ENTRIES):
        (tmp_path / "a" / f"{number}.txt").touch()
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "after.scn").write_text("")  # walked after `a`: past the bound
    cursor = Pos(0, len('import "'))
    offered = [c.label for c in complete(Beside(), 'import "\n', cursor)]  # type: ignore[arg-type]
    assert offered == ["near.scn"]
