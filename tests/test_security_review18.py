"""The eighteenth hostile-input review (docs/security.md, items 122 on): the table exports, the
hints that read what was written, hostile names for `scendsl new`, and builds with the cache that
keeps scenario pages and Monte Carlo runs. Each test is named after the problem it pins."""

from __future__ import annotations

from pathlib import Path

import pytest

from scendsl.cli import main
from tests.security_helpers import cache_folders, formula_cells, run_cli

# ------------------------------------------------------------------------------- the tables
QUOTED_STARTS = """
scenario small {
  title "plan;\\"\\"=HYPERLINK(1)"
  year 2026
  region US
  cluster.accelerator H100
  cluster.count 1000
  energy.price 95 USD/MWh source "grid\t\\"+cmd"
  expect energy.facility_power > 1 MW "quote;\\"\\"\\"-1+x"
}
"""


@pytest.mark.parametrize("fmt", ["csv", "csv-wide"])
def test_quotes_after_another_locales_separator_do_not_hide_a_formula(tmp_path, fmt):
    """Item 122 (the table fuzzer, seed 18, case 159): a `'` went before a formula's first
    character where another locale's separator (`;`, a tab) starts a cell, but not when quote
    characters came between: `grid<tab>"+cmd` is written `grid<tab>""+cmd`, and a reader
    splitting at tabs takes `""` as an empty quoted part and goes on with `+cmd`, a formula.
    The `'` now goes before the quotes."""
    source = tmp_path / "s.scn"
    source.write_text(QUOTED_STARTS)
    out = tmp_path / "t.csv"
    assert main(["eval", str(source), "--samples", "0", "--format", fmt, "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert formula_cells(text) == []
    if fmt == "csv":  # the text is kept, the part marked as text
        assert 'grid\t\'""+cmd' in text


# ---------------------------------------------------------------------------- the hints
@pytest.mark.parametrize("written", ["0%,000", "1.5,000", "1e3,000", "100,0%0", "12,345,6.7"])
def test_the_thousands_separator_hint_never_fails_on_what_it_explains(written):
    """Item 123 (the language fuzzer, seed 185, case 12271): `count 0%,000` ended in an internal
    error. The hint for `100,000` (write `100000` or `100k`) took any number before the comma
    as digits and read it with int(); it now names only groups of plain digits, and anything
    else gets the field's own message."""
    from factories import only_diagnostic, scenario_text

    diagnostic = only_diagnostic(scenario_text("s", count=written))
    assert "cluster.count" in diagnostic.message
    assert "thousands separators" not in (diagnostic.hint or "")


def test_the_thousands_separator_hint_still_reads_plain_digit_groups():
    from factories import only_diagnostic, scenario_text

    diagnostic = only_diagnostic(scenario_text("s", count="100,000"))
    assert "write 100000, or 100k" in (diagnostic.hint or "")


# ------------------------------------------------------------------ new, and the build cache
@pytest.mark.parametrize(
    "name", ["../x", "a/b", "a\\b", "..", "", "a.b", "\u001b[2J", "a\u202eb", "x" * 5000]
)
def test_new_refuses_a_name_that_is_not_a_scenario_name_and_writes_nothing(tmp_path, name):
    cache, state, _ = cache_folders(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    done = run_cli(tmp_path, ["new", name], cache, state)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert "\u001b" not in done.stderr and "\u202e" not in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert not (tmp_path.parent / "x.scn").exists()


@pytest.mark.parametrize("name", ["CON", "nul", "COM1", "lpt9"])
def test_new_refuses_a_windows_device_name_for_its_default_file(tmp_path, name):
    cache, state, _ = cache_folders(tmp_path)
    done = run_cli(tmp_path, ["new", name], cache, state)
    assert done.returncode != 0 and "device on Windows" in done.stderr
    assert not (tmp_path / f"{name}.scn").exists()


def test_new_never_writes_through_a_dangling_link(tmp_path: Path):
    cache, state, _ = cache_folders(tmp_path)
    target = tmp_path / "elsewhere" / "target.scn"
    target.parent.mkdir()
    (tmp_path / "mine.scn").symlink_to(target)
    done = run_cli(tmp_path, ["new", "mine"], cache, state)
    assert done.returncode != 0 and "never overwrites" in done.stderr
    assert not target.exists()


_BASE = """scenario base {
  title "Base"
  year 2025
  region US
  cluster {
    accelerator H100
    count 1000 to 2000
  }
}
"""
_CHILD = """import "a.scn"
scenario child extends base {
  title "Child"
}
"""
_OTHER = """scenario other {
  title "Other"
  year 2024
  region DE
  cluster {
    accelerator B200
    count 500
  }
}
"""


def _pages(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def _same_as_a_clean_build(tmp_path: Path, cache: Path, state: Path, name: str) -> None:
    """A build with the cache into `name`, and one with no cache into `name`-clean: the same
    bytes, page for page."""
    kept = run_cli(tmp_path, ["build", "sc", "-o", name, "--samples", "200"], cache, state)
    assert kept.returncode == 0, kept.stderr
    clean = run_cli(
        tmp_path,
        ["build", "sc", "-o", f"{name}-clean", "--samples", "200"],
        cache,
        state,
        {"SCENDSL_CACHE_DIR": ""},
    )
    assert clean.returncode == 0, clean.stderr
    assert _pages(tmp_path / name) == _pages(tmp_path / f"{name}-clean")


def test_kept_pages_and_runs_follow_an_edited_import_and_swapped_files(tmp_path: Path):
    cache, state, _ = cache_folders(tmp_path)
    folder = tmp_path / "sc"
    folder.mkdir()
    (folder / "a.scn").write_text(_BASE)
    (folder / "b.scn").write_text(_CHILD)
    (folder / "c.scn").write_text(_OTHER)
    _same_as_a_clean_build(tmp_path, cache, state, "first")
    # The imported file moves down two lines: the child's page shows where its values are
    # written (a.scn:5), though neither its block nor its resolved values changed.
    (folder / "a.scn").write_text("# moved\n# down\n" + _BASE)
    _same_as_a_clean_build(tmp_path, cache, state, "edited")
    assert b"a.scn:9" in (tmp_path / "edited" / "child.md").read_bytes()
    # Two files swap their texts: each scenario's page follows its scenario, not its file.
    (folder / "c.scn").write_text(_CHILD)
    (folder / "b.scn").write_text(_OTHER)
    _same_as_a_clean_build(tmp_path, cache, state, "swapped")
    assert b"c.scn" in (tmp_path / "swapped" / "child.md").read_bytes()


_QUOTED = """scenario quoted {
  title "T"
  year 2026
  region US
  cluster.accelerator H100
  cluster.count 1000
  energy.price 95 USD/MWh source "WRITTEN"
  expect energy.facility_power > 1 MW "WRITTEN"
}
"""


@pytest.mark.parametrize(
    "written",
    [
        'a\t\\"+HYPERLINK(1)',  # a tab, a quote, a formula: the tab reader's cell `+HYPERLINK(1)`
        'a\t\\"\\"=1+1',  # two quotes
        'a;\\"@SUM(1)',  # Excel with `;` as its list separator
        'a;\\"\\"\\"-2+cmd',
    ],
)
@pytest.mark.parametrize("form", ["csv"])
def test_quotes_before_a_formula_after_another_separator_are_no_formula(tmp_path, written, form):
    """Item 123: a spreadsheet reading the CSV at a tab or a `;` reads quotes after it as the
    quoting of a new cell, so a text with `\\t"+x` made the cell `+x`."""
    cache, state, _ = cache_folders(tmp_path)
    (tmp_path / "q.scn").write_text(_QUOTED.replace("WRITTEN", written), encoding="utf-8")
    done = run_cli(tmp_path, ["eval", "--format", form, "-o", "t.csv", "q.scn"], cache, state)
    assert done.returncode == 0, done.stderr
    text = (tmp_path / "t.csv").read_text(encoding="utf-8")
    assert written.rsplit('"', 1)[1] in text  # the text is there, marked
    assert formula_cells(text) == []
