"""Lists made as HTML by the renderer (issue 16): `{% call bullets() %}` writes the Markdown list
for the `.md` file and the `<ul>` for the HTML page, as `table` does for tables, so the Markdown
converter does not parse again the lists every page repeats. The HTML must be what the
converter made of the same Markdown."""

from __future__ import annotations

import re

import pytest

from conftest import SKETCH
from scendsl.errors import ScenarioError
from scendsl.report.render import html_body
from test_html_tables import TRICKY, _index

LIST_RE = re.compile(r"<ul>.*?</ul>", re.S)


TRICKY_LIST = """\
{% set t = "TRICKY" %}
# Lists

Before the list.

{% call bullets() %}
- {{ t }}
- {{ t|code }} {{ em(t) }} {{ ["a_b", "c*d", t]|join(" | ") }} {{ link(t, "index", "x") }}
- -{{ t|shorten(20) }} {% call em() %}{{ t }} of all{% endcall %} {{ none }}
{% for x in ["#1", "+", "1. x", "> q", t|lower] %}
- {{ x }} {{ x|md }}
{% endfor %}
{% endcall %}

After the list.
""".replace("TRICKY", TRICKY.replace('"', '\\"'))


def test_list_html_is_what_the_markdown_converter_made_of_the_same_list(tmp_path):
    markdown, html = _index(tmp_path, TRICKY_LIST)
    made_here = LIST_RE.findall(html)
    converted = LIST_RE.findall(html_body(markdown))
    assert len(made_here) == 1 and made_here[0].count("<li>") == 8
    assert made_here == converted
    assert "<script" not in html and "<b>" not in html  # and the text is shown, escaped
    assert "&lt;script&gt;x()&lt;/script&gt;" in made_here[0]
    # The paragraphs around it are where the converter put them.
    assert "<p>Before the list.</p>\n<ul>" in html and "</ul>\n<p>After the list.</p>" in html


def test_list_markdown_is_the_list_the_template_wrote(tmp_path):
    body = (
        "Intro:\n\n{% call bullets() %}\n{% for x in ['a*', 'b|c'] %}\n- {{ x }} {{ x|code }}\n"
        "{% endfor %}\n{% endcall %}\n\nText.\n"
    )
    markdown, _ = _index(tmp_path, body)
    assert markdown == "Intro:\n\n- a\\* `a*`\n- b&#124;c `b|c`\n\nText.\n"


def test_a_list_of_no_items_is_nothing(tmp_path):
    markdown, html = _index(tmp_path, "A\n\n{% call bullets() %}\n{% endcall %}\n\nB\n")
    assert markdown == "A\n\nB\n"
    assert "<ul>" not in html


def test_raw_html_a_template_writes_in_a_list_is_cleaned(tmp_path):
    body = (
        "{% call bullets() %}\n"
        '- <script>bad()</script><img src=x onerror="bad()">'
        "{% call em() %}<script>worse()</script>x{% endcall %}\n"
        "{% endcall %}\n"
    )
    _, html = _index(tmp_path, body)
    made = LIST_RE.findall(html)[0]
    assert "<script" not in made and "onerror" not in made and "<img" not in made
    assert "<em>x</em>" in made


def test_page_links_in_a_list_point_at_html_pages(tmp_path):
    _, html = _index(
        tmp_path, '{% call bullets() %}\n- {{ link("Risk", "risk") }}\n{% endcall %}\n'
    )
    assert '<a href="risk.html" rel="noopener noreferrer">Risk</a>' in html


@pytest.mark.parametrize(
    "body, message",
    [
        ("{% call bullets() %}\n* x\n{% endcall %}\n", "is written '- item' on one line"),
        ("{% call bullets() %}\n- x\n  more\n{% endcall %}\n", "is written '- item' on one line"),
        ("{% call bullets() %}\n-\n{% endcall %}\n", "is written '- item' on one line"),
        ("{{ bullets() }}\n", "bullets is called with {% call bullets"),
    ],
)
def test_a_list_written_wrong_is_a_located_template_error(tmp_path, body, message):
    with pytest.raises(ScenarioError) as caught:
        _index(tmp_path, body)
    assert re.search(r"index\.md\.j2:\d+:\d+: error: template index\.md\.j2", str(caught.value))
    assert message in str(caught.value)


def test_lists_count_toward_the_pages_output_limit(tmp_path, monkeypatch):
    from scendsl.report import render

    monkeypatch.setattr(render, "MAX_TEMPLATE_OUTPUT", 1000)
    body = '{% for i in range(50) %}{% call bullets() %}\n- {{ "x" * 30 }}\n{% endcall %}{% endfor %}\n'
    with pytest.raises(ScenarioError) as caught:
        _index(tmp_path, body)
    assert "writes more than 1,000 characters" in str(caught.value)


QUOTED = """\
> **Box**
>
{% call bullets(quote=true) %}
- {{ strong("W1") }} {{ t }} {{ em(t) }} {% call strong() %}{{ t }} of all{% endcall +%}
- {{ t|code }} {{ link(t, "index") }}
{% endcall %}

{{ end_quote() }}

> **Another box**
>
{% call bullets(quote=true) %}
- one
{% endcall %}
After.
"""


def test_a_quoted_list_is_what_the_converter_made_of_the_same_quote(tmp_path):
    body = '{% set t = "' + TRICKY.replace('"', '\\"') + '" %}\n' + QUOTED
    markdown, html = _index(tmp_path, body)
    assert markdown.count("\n> - ") == 3 and "\n- " not in markdown
    quotes = re.findall(r"<blockquote>.*?</blockquote>", html, re.S)
    # (The converter joins the .md file's two quotes: end_quote is not in it.)
    converted = re.findall(r"<blockquote>.*?</ul>", html_body(markdown), re.S)
    assert quotes[0] == converted[0] + "\n</blockquote>"
    assert len(quotes) == 2 and "<ul>" in quotes[0] and "<strong>W1</strong>" in quotes[0]
    # The list ends at its last item: a line right after it is a paragraph of its own (Markdown
    # would run it on into the item), never a list inside a paragraph.
    assert "<li>one</li>\n</ul>\n</blockquote>\n<p>After.</p>" in html
    assert not re.search(r"<p>[^<]*<ul>", html)


def test_the_markdown_converter_sees_no_list_of_the_scenario_pages(tmp_path):
    """The lists every scenario page has (key findings, caveats, warnings, methods) are made
    here: the converter is given the pages' prose only."""
    from scendsl.app.incremental import IncrementalBuilder

    out = tmp_path / "out"
    builder = IncrementalBuilder([str(SKETCH)], str(out))
    builder.build()
    converted = [text for text in builder._state.bodies if "Key findings" in text]
    assert converted
    assert not any(re.search(r"^>? ?- ", text, re.M) for text in converted)
    page = next(p for p in out.glob("*.md") if "Key findings" in p.read_text(encoding="utf-8"))
    assert re.search(r"^> - ", page.read_text(encoding="utf-8"), re.M)  # while the file has them
    assert "<ul>" in page.with_suffix(".html").read_text(encoding="utf-8")
