"""The nineteenth hostile-input review (docs/security.md, items 124 on): output folders the
build cannot write, the editor's completions and hovers over what a file writes, user templates
with the cache of pages, the CSV cells of a locale that trims spaces, exchange rates and the
figures an accelerator may leave n/a. Each test is named after the problem it pins."""

from __future__ import annotations

import pytest

from scendsl.cli import main
from tests.security_helpers import formula_cells

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
