"""Tables made as HTML by the renderer (issue 16): `{% call table(...) %}` writes the Markdown
table for the `.md` file and the `<table>` for the HTML page, so the Markdown converter only sees
the prose. The HTML must be what the converter made of the same Markdown."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import SKETCH
from scendsl.app.build import render_files
from scendsl.app.incremental import IncrementalBuilder
from scendsl.errors import ScenarioError
from scendsl.report.render import _resolve, html_body

TABLE_RE = re.compile(r"<table>.*?</table>", re.S)

#: Text that means something to Markdown, to GitHub or to a browser.
TRICKY = (
    "a *b* _c_ `d` [e](https://f.example) ![i](j) <script>x()</script> <b>bold</b> "
    "x|y @user #12 www.g.example \\\\ &amp; & 3 < 4 > 2 — “q”"
)


def _templates(tmp_path: Path, body: str) -> Path:
    folder = tmp_path / "tpl"
    folder.mkdir(exist_ok=True)
    (folder / "index.md.j2").write_text(body, encoding="utf-8")
    return folder


def _index(tmp_path: Path, body: str) -> tuple[str, str]:
    files = render_files([str(SKETCH)], str(_templates(tmp_path, body)), samples=0)
    return files["index.md"].decode(), files["index.html"].decode()


TRICKY_TABLE = """\
{% set t = "TRICKY" %}
# Tables

{% call table("Name", "# of *them*", "Code", t) %}
| {{ t }} | {{ t|code }} {{ em(t) }} | {{ ["a_b", "c*d", t]|join(" | ") }} | {{ link(t, "index", "x") }} |
| -{{ t|shorten(20) }} | {{ "" }} | {% call em() %}{{ t }} of all{% endcall %} | {{ none }} |
| 1. {{ "#1" }} | {{ "+" }} | {{ t|lower }} | {{ t|md }} |
{% endcall %}

After the table.
""".replace("TRICKY", TRICKY.replace('"', '\\"'))


def test_table_html_is_what_the_markdown_converter_made_of_the_same_table(tmp_path):
    markdown, html = _index(tmp_path, TRICKY_TABLE)
    made_here = TABLE_RE.findall(html)
    converted = TABLE_RE.findall(html_body(markdown))
    assert len(made_here) == 1
    assert made_here == converted
    assert "<script" not in html and "<b>" not in html  # and the text is shown, escaped
    assert "&lt;script&gt;x()&lt;/script&gt;" in made_here[0]


def test_table_markdown_is_the_pipe_table_the_template_wrote(tmp_path):
    body = (
        '{% call table("Figure", "Value") %}\n'
        "{% for x in ['a*', 'b|c'] %}\n| {{ x }} | {{ x|code }} |\n{% endfor %}\n"
        "{% endcall %}\nText.\n"
    )
    markdown, _ = _index(tmp_path, body)
    assert markdown == (
        "| Figure | Value |\n|---|---|\n| a\\* | `a*` |\n| b&#124;c | `b|c` |\nText.\n"
    )


def test_rows_with_missing_or_extra_cells_are_filled_or_cut_like_markdown(tmp_path):
    body = '{% call table("A", "B", "C") %}\n| 1 |\n| 1 | 2 | 3 | 4 |\n{% endcall %}\n'
    markdown, html = _index(tmp_path, body)
    assert TABLE_RE.findall(html) == TABLE_RE.findall(html_body(markdown))
    assert "<td>4</td>" not in html


def test_raw_html_a_template_writes_in_a_table_is_cleaned(tmp_path):
    body = (
        '{% call table("<script>h()</script>A") %}\n'
        '| <script>bad()</script><img src=x onerror="bad()">'
        "{% call em() %}<script>worse()</script>x{% endcall %} |\n"
        "{% endcall %}\n"
    )
    _, html = _index(tmp_path, body)
    table = TABLE_RE.findall(html)[0]
    assert "<script" not in table and "onerror" not in table and "<img" not in table
    assert "<em>x</em>" in table


def test_page_links_in_a_table_point_at_html_pages(tmp_path):
    _, html = _index(
        tmp_path, '{% call table("A") %}\n| {{ link("Risk", "risk") }} |\n{% endcall %}\n'
    )
    assert '<a href="risk.html" rel="noopener noreferrer">Risk</a>' in html


@pytest.mark.parametrize(
    "body, message",
    [
        ('{% call table("A", "B") %}\nA | B\n{% endcall %}\n', "is written '| cell | cell |'"),
        ('{{ table("A") }}\n', "table is called with {% call table"),
        ("{% call table() %}\n| x |\n{% endcall %}\n", "needs at least one column"),
    ],
)
def test_a_table_written_wrong_is_a_located_template_error(tmp_path, body, message):
    with pytest.raises(ScenarioError) as caught:
        _index(tmp_path, body)
    assert re.search(r"index\.md\.j2:\d+:\d+: error: template index\.md\.j2", str(caught.value))
    assert message in str(caught.value)


def test_the_markdown_converter_sees_no_table_of_the_builtin_briefings(tmp_path):
    """The point of issue 16: the briefings' tables (most of their text) are not parsed again."""
    out = tmp_path / "out"
    builder = IncrementalBuilder([str(SKETCH)], str(out))
    builder.build()
    converted = list(builder._state.bodies)  # the texts the Markdown converter was given
    assert len(converted) >= 6
    assert not any("|---|" in text for text in converted)
    for name in ("index", "risk"):  # while both files have their tables
        assert "|---|" in (out / f"{name}.md").read_text(encoding="utf-8")
        assert "<table>" in (out / f"{name}.html").read_text(encoding="utf-8")


def test_a_token_is_never_part_of_its_own_form():
    # A form holding its own token (or a later one) cannot loop: those tokens are dropped.
    forms = ["a\ue0000\ue001b", "c\ue0001\ue001\ue0000\ue001\ue0002\ue001"]
    assert _resolve("\ue0000\ue001", forms) == "ab"
    assert _resolve("\ue0001\ue001", forms) == "cab"
    assert _resolve("\ue0002\ue001", forms) == ""


def test_tables_count_toward_the_pages_output_limit(tmp_path, monkeypatch):
    # A table's text is kept apart from the page's, and may not escape its limit that way.
    from scendsl.report import render

    monkeypatch.setattr(render, "MAX_TEMPLATE_OUTPUT", 1000)
    body = '{% for i in range(50) %}{% call table("A") %}\n| {{ "x" * 30 }} |\n{% endcall %}{% endfor %}\n'
    with pytest.raises(ScenarioError) as caught:
        _index(tmp_path, body)
    assert "writes more than 1,000 characters" in str(caught.value)
