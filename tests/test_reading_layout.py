"""Reading the briefings (issue 14): a contents box and collapsible sections in the HTML, the
sentence about the HTML version only in the Markdown, an index with numbers, and compute charts
whose bars do not mislead."""

from __future__ import annotations

import re

import pytest

from conftest import SKETCH
from scendsl.app.build import build
from scendsl.report.charts import compute_bars
from scendsl.report.layout import reading_layout


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, str]:
    out = tmp_path_factory.mktemp("reading") / "out"
    build([str(SKETCH)], str(out))
    return {p.name: p.read_text(encoding="utf-8") for p in out.iterdir()}


def test_a_long_page_opens_with_a_contents_box_linking_each_section(pages):
    html = pages["colossus2.html"]
    box = re.search(r'<nav class="contents".*?</nav>', html, re.S)
    assert box, "no contents box"
    targets = re.findall(r'href="#([\w\-]+)"', box.group(0))
    ids = re.findall(r'<h2 id="([\w\-]+)"', html)
    assert targets == ids and len(ids) >= 4
    # At the top: before the key findings.
    assert html.index('<nav class="contents"') < html.index("<blockquote>")


def test_sections_are_collapsible_and_the_reference_detail_starts_closed(pages):
    html = pages["colossus2.html"]
    sections = re.findall(r'<details class="section"( open)?><summary><h2 id="([\w\-]+)"', html)
    assert len(sections) == html.count("<h2 ")
    state = {name: bool(is_open) for is_open, name in sections}
    assert state["compute-and-performance"] and state["claims-checked"]
    assert not state["assumptions"] and not state["sources"]
    # Print shows them all, without the contents box.
    assert "details.section::details-content { display: block" in html
    assert "nav.contents" in html[html.index("@media print") :]


def test_a_short_page_has_no_contents_box():
    body = '<h1 id="t">T</h1><h2 id="a">A</h2><p>x</p><h2 id="b">B</h2><p>y</p>'
    laid = reading_layout(body)
    assert "<nav" not in laid
    assert laid.count('<details class="section" open>') == 2 and "<p>y</p>" in laid


def test_the_html_version_is_mentioned_only_in_the_markdown(pages):
    for name in ("colossus2", "index"):
        assert "in the HTML version" in pages[f"{name}.md"]
        assert "in the HTML version" not in pages[f"{name}.html"]
    assert "click a value to see its full origin" in pages["colossus2.html"]


def test_the_index_has_a_headline_row_per_scenario_and_a_chart(pages):
    index = pages["index.md"]
    header = (
        "| Briefing | Year | Accelerators | Peak compute, dense BF16 | Facility power "
        "| Training time | Export status | Claims hold / fail |"
    )
    assert header in index
    rows = [line for line in index.splitlines() if line.startswith("| [")]
    assert len(rows) >= 2
    assert any("EFLOP/s" in row and " MW |" in row for row in rows)
    assert "<svg" in pages["index.html"]


def test_log_compute_bars_say_how_many_times_smaller_each_bar_is():
    svg = compute_bars([("Frontier", 5e20, True), ("University", 5.94e17, False)])
    assert "log scale" in svg and "÷842" in svg


def test_close_compute_bars_are_proportional_on_a_linear_axis():
    svg = compute_bars([("A", 2.5e20, True), ("B", 1e20, False)])
    assert "log scale" not in svg and "÷" not in svg
    # The bars: filled paths in the highlight and muted colours.
    bars = re.findall(
        r'<path d="M ([\d.]+) [\d.]+\s+L ([\d.]+) [^"]*"[^>]*fill: #(?:0072b2|b8c4ce)', svg
    )
    (a_start, a_end), (b_start, b_end) = [(float(x0), float(x1)) for x0, x1 in bars]
    assert a_start == b_start  # from the same zero
    assert (a_end - a_start) / (b_end - b_start) == pytest.approx(2.5, rel=1e-3)


@pytest.mark.parametrize("trailing", ["", "\n", " \t\n\n", "\u2028\n", "\x1c", "\u00a0 "])
def test_a_section_ends_without_its_trailing_whitespace_as_rstrip_leaves_it(trailing):
    body = (
        f'<h2 id="a">A</h2>\n<p>one</p>{trailing}<h2 id="b">B</h2>\n<p>two{trailing}</p>{trailing}'
    )
    laid_out = reading_layout(body)
    assert f"<p>one</p>{trailing}".rstrip() + "\n</details>" in laid_out
    assert f"<p>two{trailing}</p>{trailing}".rstrip() + "\n</details>" in laid_out
    assert laid_out.count("</details>") == 2
