"""The twenty-third hostile-input review (docs/security.md, items 140 on). Each test is named
after the problem it pins."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from scendsl.cli import main

# ---------------------------------------- item 140: the HTML pages' link pattern reads tags alone
#: A scenario whose words look like the links the pages hold to one another.
LINK_LIKE = """\
scenario a {
  title "Plan href=\\"energy.md#x\\" A"
  context "Read href=\\"index.md\\" here."
  year 2025
  region US
  cluster {
    accelerator H100
    count 1000
  }
  workload {
    parameters 8B
    tokens 1T
  }
}
"""


def _text_of(page: str) -> str:
    """What a reader of an HTML page sees: its text without tags, entities read."""
    return html.unescape(re.sub(r"<[^>]*>", "", page))


def test_words_that_look_like_a_link_to_a_page_are_shown_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The HTML pages' links to one another are the Markdown's `.md` links made `.html` by a
    pattern over the cleaned page, and the cleaner escapes `<` in text but not `"`: a title
    `Plan href="energy.md#x" A` read `Plan href="energy.html#x" A` in the compute-divide page's
    table and the scenario's own page, a context `Read href="index.md" here.` likewise. The
    pattern starts at a link's tag, which no text holds."""
    (tmp_path / "a.scn").write_text(LINK_LIKE, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["build", "a.scn", "-o", "out", "--samples", "0", "--no-cache"]) == 0
    pages = {
        path.name: path.read_text(encoding="utf-8") for path in (tmp_path / "out").glob("*.html")
    }
    shown = {name: _text_of(page) for name, page in pages.items()}
    for name in ("a.html", "compute-divide.html"):
        assert 'Plan href="energy.md#x" A' in shown[name]
        assert 'href="energy.html#x"' not in shown[name]
    assert 'Read href="index.md" here.' in shown["compute-divide.html"]
    # The pages' own links are still made links to the HTML pages.
    links = re.findall(r'<a href="([^"]+)"', pages["a.html"])
    assert "energy.html" in links and not any(link.endswith(".md") for link in links)
