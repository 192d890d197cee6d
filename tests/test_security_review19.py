"""The nineteenth hostile-input review (docs/security.md, items 124 on): output folders the
build cannot write, the editor's completions and hovers over what a file writes, user templates
with the cache of pages, the CSV cells of a locale that trims spaces, exchange rates and the
figures an accelerator may leave n/a. Each test is named after the problem it pins."""

from __future__ import annotations

import pytest

from conftest import SKETCH
from scendsl.cli import main
from tests.security_helpers import formula_cells, run_in_mount_namespace, unshare_available

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
    """Item 124: a folder bind-mounted into the output folder from the same file system has
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


@needs_mount
def test_removing_a_leftover_never_enters_a_bind_mount_inside_it(tmp_path):
    """Item 124: a killed build's leftover holding a bind mount (as the build before the fix
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
    """A reader told to trim spaces (an import with that option) reads `a; =1` as the cells
    `a` and `=1`: the `'` goes wherever a cell may start, blanks and quotes before the formula
    included."""
    source = tmp_path / "s.scn"
    source.write_text(SPACED_STARTS)
    out = tmp_path / "t.csv"
    assert main(["eval", str(source), "--samples", "0", "--format", "csv", "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert formula_cells(text, trim=True) == []
