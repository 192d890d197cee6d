"""Reading aids of an HTML page, added to its finished body: a contents box on long pages and
each `##` section collapsible.

Works on the trusted HTML the renderer made (headings from the Markdown converter, with the ids
its `toc` extension gave them): no text is added that the page did not already hold, except the
word "Contents".
"""

from __future__ import annotations

import re

#: A page with at least this many sections gets a contents box.
MIN_SECTIONS_FOR_CONTENTS = 4
#: Sections of reference detail, closed on screen until the reader opens them (open in print).
CLOSED_SECTIONS = frozenset(["assumptions", "sources"])

_H2_RE = re.compile(r'<h2 id="([A-Za-z0-9_\-]+)">(.*?)</h2>', re.S)
_TAG_RE = re.compile(r"<[^>]+>")


def reading_layout(body: str) -> str:
    """`body` with every `<h2>` section in a `<details class="section">` (open, but for the
    detail sections in CLOSED_SECTIONS) and, on a long page, a contents box before the first."""
    headings = list(_H2_RE.finditer(body))
    if not headings:
        return body
    # The contents go at the top: after the title and the lines under it, before the key
    # findings (the first quoted box) when they come before the first section.
    first = headings[0].start()
    quote = body.find("<blockquote>", 0, first)
    top = quote if quote != -1 else first
    parts = [body[:top]]
    if len(headings) >= MIN_SECTIONS_FOR_CONTENTS:
        items = "".join(
            f'<li><a href="#{h.group(1)}">{_TAG_RE.sub("", h.group(2))}</a></li>' for h in headings
        )
        parts.append(
            f'<nav class="contents" aria-label="Contents"><p>Contents</p><ol>{items}</ol></nav>\n'
        )
    parts.append(body[top:first])
    for index, heading in enumerate(headings):
        start = heading.end()
        end = headings[index + 1].start() if index + 1 < len(headings) else len(body)
        # The section without its trailing whitespace (as str.rstrip), found without copying
        # it: a page's sections are most of its half megabyte.
        while end > start and body[end - 1].isspace():
            end -= 1
        is_open = "" if heading.group(1) in CLOSED_SECTIONS else " open"
        parts.append(f'<details class="section"{is_open}><summary>{heading.group(0)}</summary>')
        parts.append(body[start:end])
        parts.append("\n</details>\n")
    return "".join(parts)
