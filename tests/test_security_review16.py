"""The sixteenth hostile-input review (docs/security.md, items 116 on): the key that seals the
caches, the restricted unpickler of kept entries, `serve`, the language server, the table
exports and the environment. Each test is named after the problem it pins."""

from __future__ import annotations

from scendsl.cli import main
from security_helpers import formula_cells

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
