"""The eighteenth hostile-input review (docs/security.md, items 122 on). Each test is named
after the problem it pins."""

from __future__ import annotations

import pytest

from scendsl.cli import main
from security_helpers import formula_cells

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
