"""Each briefing shows its scenario's own text: a ```scn fence in Markdown, highlighted with the
project's Pygments lexer in HTML, inert whatever the text holds."""

from __future__ import annotations

from conftest import ROOT
from scendsl.app.build import render_files
from scendsl.app.pipeline import load
from scendsl.app.sources import scenario_blocks
from scendsl.language.resolve import ParsedFiles
from scendsl.report.highlight import scn_fence, style_css

HOSTILE = """\
# A comment with markup: </code></pre><script>alert(1)</script> <img src=x onerror=alert(2)>
# and a fence: ```` and ~~~
scenario hostile {
  title  "T </figure><script>alert(3)</script> ``` [x](javascript:alert(4))"
  year   2025
  region US

  cluster {
    accelerator H100
    count       1k
  }
}
"""


def _build(tmp_path, text):
    path = tmp_path / "hostile.scn"
    path.write_text(text)
    return render_files([str(path)], samples=0)


def test_briefing_shows_the_scenario_block_highlighted_in_html_and_fenced_in_markdown(tmp_path):
    files = _build(tmp_path, HOSTILE)
    markdown = files["hostile.md"].decode()
    page = files["hostile.html"].decode()
    block = HOSTILE[HOSTILE.index("scenario hostile") :].rstrip()
    # Markdown: the block as written, in a fence longer than any backtick run in it.
    assert f"````scn\n{block}\n````" in markdown
    # HTML: the lexer's classes (keyword, name, number), inside the figure the page styles.
    start = page.index('<figure class="scn-source"><pre class="scn"><code>')
    figure = page[start : page.index("</figure>", start)]
    assert '<span class="kd">scenario</span>' in figure
    assert '<span class="nc">hostile</span>' in figure
    assert '<span class="m">1k</span>' in figure
    assert ".scn .kd {" in page  # the style sheet is in the page


def test_scenario_text_stays_inert_in_the_briefing(tmp_path):
    files = _build(tmp_path, HOSTILE)
    page = files["hostile.html"].decode()
    assert "<script" not in page and "<img" not in page and 'href="javascript' not in page
    assert "&lt;script&gt;alert(3)" in page
    # The comment lines are outside the block: only the block is shown.
    assert "alert(1)" not in page


def test_a_fence_in_the_text_cannot_close_the_code_fence():
    assert scn_fence("a ``` b") == "````scn\na ``` b\n````"
    assert scn_fence("plain") == "```scn\nplain\n```"


def _loaded(path):
    """The scenarios of `path` and the documents their load parsed."""
    parsed = ParsedFiles()
    return load([str(path)], parsed=parsed).scenarios, parsed.documents()


def test_scenario_blocks_are_whole_lines_from_the_keyword_to_the_closing_brace():
    blocks = scenario_blocks(*_loaded(ROOT / "scenarios" / "benchmarks.scn"))
    assert blocks["bench_b200"].startswith("scenario bench_b200 extends bench_h100 {\n")
    assert blocks["bench_b200"].endswith("\n}")
    assert "bench_gb200" not in blocks["bench_b200"]


def test_scenario_blocks_are_the_text_loaded_not_the_file_edited_since(tmp_path):
    path = tmp_path / "a.scn"
    path.write_text(HOSTILE)
    loaded = _loaded(path)
    path.write_text("\n\n" + HOSTILE.replace("2025", "2030"))
    assert scenario_blocks(*loaded) == {"hostile": HOSTILE[HOSTILE.index("scenario") :].rstrip()}


def test_highlight_style_sheet_is_the_generated_one():
    css = (ROOT / "templates" / "scn-highlight.css").read_text()
    assert css.split("\n", 1)[1] == style_css()
