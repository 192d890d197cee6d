"""A sweep's values read in a briefing as values, not as the language writes them."""

from __future__ import annotations

from scendsl.app.build import render_files
from scendsl.report.views.variation import shown_label

SITES = """
scenario site {
  year 2025
  region "CA-QC"
  cluster {
    accelerator H100
    count 1k
  }
}

sweep sites from site {
  region ["CA-QC", "CA-AB", DE]
  energy.intensity [20 gCO2/kWh, 400 gCO2/kWh]
}
"""


def test_a_region_swept_by_code_shows_the_code_without_the_language_quotes(tmp_path):
    (tmp_path / "site.scn").write_text(SITES, encoding="utf-8")
    page = render_files([str(tmp_path / "site.scn")], samples=0)["site.md"].decode()
    assert "varies `region` over CA-QC, CA-AB, DE and" in page
    rows = [line for line in page.splitlines() if line.startswith("| CA-QC |")]
    assert len(rows) == 2  # one per intensity
    assert '| "CA-' not in page and 'over "CA-' not in page


def test_only_a_plain_quoted_code_or_name_loses_its_quotes():
    assert shown_label('"CA-QC"') == "CA-QC"
    assert shown_label('"New South Wales"') == "New South Wales"
    assert shown_label("400 gCO2/kWh") == "400 gCO2/kWh"
    # Text that is not a plain name keeps the quotes that say where it starts and ends.
    assert shown_label('"a | b"') == '"a | b"'
    assert shown_label('""') == '""'
