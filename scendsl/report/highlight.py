"""A scenario's own source text in its briefing: highlighted HTML and a Markdown code fence.

The text is the user's and stays inert: the HTML is Pygments' (every token's text escaped, only
`<span class="…">` around it, with the project's lexer, scendsl.pygments_lexer), and the
Markdown fence is longer than any run of backticks in the text, so nothing in it can close it.
The colours are classes, styled by `templates/scn-highlight.css` (written by `style_css`).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

#: The class of the highlighted block; the style sheet's rules are scoped under it.
CSS_CLASS = "scn"

_BACKTICKS_RE = re.compile(r"`+")


def scn_html(text: str) -> str:
    """The text as highlighted HTML spans (no wrapper); the same text, the same bytes."""
    from pygments import highlight

    return highlight(text, *_lexer_and_formatter())


@lru_cache(maxsize=1)
def _lexer_and_formatter() -> tuple[Any, Any]:
    # One of each per process: a new formatter builds its style sheet and its table of classes
    # again (twice the time of highlighting a scenario); neither keeps anything of a text.
    from pygments.formatters import HtmlFormatter

    from scendsl.pygments_lexer import ScendslLexer

    return ScendslLexer(), HtmlFormatter(nowrap=True)


def scn_fence(text: str) -> str:
    """The text as a ```scn code fence that the text cannot close."""
    longest = max((len(run) for run in _BACKTICKS_RE.findall(text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}scn\n{text.rstrip()}\n{fence}"


def style_css() -> str:
    """The rules of `templates/scn-highlight.css`: the block's layout, then Pygments' default
    style scoped to the block's class (its rules for other elements, such as every `pre`, are
    left out)."""
    from pygments.formatters import HtmlFormatter

    rules = HtmlFormatter(style="default").get_style_defs(f".{CSS_CLASS}").splitlines()
    layout = [
        "figure.scn-source { margin: 1em 0; }",
        f"pre.{CSS_CLASS} {{ overflow-x: auto; padding: 0.6em 0.8em; line-height: 1.35; }}",
    ]
    return "\n".join(layout + [r for r in rules if r.startswith(f".{CSS_CLASS} ")]) + "\n"
