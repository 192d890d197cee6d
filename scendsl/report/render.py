"""Templates to Markdown, Markdown to one self-contained HTML page.

Every briefing is one Jinja2 Markdown template, rendered once. What differs between the `.md`
file and the HTML page — a number (plain text, or an expandable derivation), a rating, a chart
(inline SVG in HTML only) — is left in the rendered text as a placeholder token with both forms;
the `.md` file gets the Markdown forms, the HTML page the Markdown converted, cleaned, and then
the HTML forms. Links are written to `.md` pages and pointed at `.html` pages in the HTML.

Tables are most of a briefing's text, and they are not converted: `{% call table(...) %}` makes
a table a placeholder with both forms, the Markdown table and a `<table>` of the same cells
(`make_table`), so the converter sees only the prose (issue 16). Lists are made the same way
(`{% call bullets() %}`, `make_list`): those a scenario page repeats (methods, caveats,
warnings) are not converted again on every page.

Safety, in layers:

1. Templates always run in a deny-by-default sandbox (built-in and user templates alike; see
   "sandbox" below): they get registered views (`template_view`) and plain read-only data, and
   may read and call nothing else; values, output and rendering time are bounded; templates are
   read only from inside their folders (real paths); any failure is a located template error.
2. Every value a Markdown template prints is escaped for Markdown unless it is `Markup` made by
   this module (`finalize` below): scenario text such as `[x](javascript:…)` or `<script>` stays
   text in the `.md` file as well as in the HTML.
3. The HTML body made from the Markdown is cleaned by `nh3` with only the tags Markdown emits,
   and so is every table's HTML (and `em` block's) whose words hold a tag: their text is the
   template's and escaped values.
4. Numbers and charts reach the HTML page as placeholder tokens (private-use characters that
   are stripped from all scenario text) and are replaced by trusted HTML after cleaning: the SVG
   and the `<details>` derivations are built here, with every text in them escaped.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from markupsafe import Markup

from scendsl.errors import ScendslError
from scendsl.memo import text_cache
from scendsl.report import sandbox
from scendsl.report.loader import (
    TemplateFileProblem,
    builtin_templates_dir,
    bytecode_cache,
    template_loader,
)
from scendsl.report.sandbox import (
    MAX_TEMPLATE_OUTPUT,
    MAX_TEMPLATE_VALUE,
    TemplateLimit,
    is_template_number,
    sandbox_environment_class,
    too_big,
    trusted_environment_class,
    value_size,
)
from scendsl.wording import counted

#: Page names of the topical briefings (also the reserved file names).
TOPICAL_PAGES = ("index", "landscape", "compute-divide", "energy", "risk")

_TOKEN_OPEN, _TOKEN_CLOSE = "\ue000", "\ue001"
#: Opens the token of a block made here (a table): a paragraph of its own in the HTML text.
_BLOCK_OPEN = "\ue002"
#: Opens the token of a block inside a quote (a list in a quoted box): it stays on its quoted
#: line, a paragraph of the quote, which the block replaces.
_QUOTED_OPEN = "\ue003"
_TOKEN_RE = re.compile("[\ue000\ue002\ue003]([0-9]+)\ue001")
_BLOCK_TOKEN_RE = re.compile("\ue002[0-9]+\ue001")
_QUOTED_TOKEN_RE = re.compile("\ue003[0-9]+\ue001\n")
# Private-use characters (our tokens among them), control characters, the controls that
# reorder text, and the tags and variation selectors of plane 14 (invisible: a sentence of tag
# characters is text no reader of the page sees) never come from a scenario into a page.
_UNWANTED_RE = re.compile(
    "[\ue000-\uf8ff\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
    "\U000e0000-\U000e0fff]"
)
#: Markdown's inline syntax, given a backslash: code, emphasis, links and, in GitHub's Markdown
#: (GFM), strikethrough (`~~text~~` and `~text~` struck a quoted claim through on GitHub).
_MD_SPECIAL_RE = re.compile(r"([\\`*_\[\]~])")
_AUTOLINK_RE = re.compile(r"://|(www)\.", re.IGNORECASE)
_ISSUE_REFERENCE_RE = re.compile(r"#(?=[0-9])")
# What starts a heading, a list item or a numbered list when it opens a line.
_LINE_START_RE = re.compile(r"^(#|[+\-](?=\s|$)|[0-9]+[.)](?=\s|$))")

#: A link to one of our pages, as the Markdown wrote it (after cleaning: no other quoting),
#: from the `<` of its tag: the cleaner escapes `<` in text but not `"`, so a title holding
#: the words `href="energy.md"` is text, which a pattern without the tag's start rewrote.
_PAGE_LINK_RE = re.compile(r'<a href="([A-Za-z0-9_\-]+)\.md(#[A-Za-z0-9_\-]*)?"')
_HTML_PAGE_LINK = r'<a href="\1.html\2"'
_BLANK_LINES_RE = re.compile(r"\n[ \t]*(?:\n[ \t]*)+\n")
_UNUSED_INLINE_PATTERNS = (
    "html",
    "image_link",
    "image_reference",
    "short_image_ref",
    "automail",
    "autolink",
    "reference",
    "short_reference",
    "linebreak",
    "not_strong",
)

#: Tags the Markdown converter emits for our templates; everything else is removed.
ALLOWED_TAGS = {
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "p",
    "ul",
    "ol",
    "li",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "a",
    "em",
    "strong",
    "code",
    "pre",
    "blockquote",
    "hr",
    "br",
    "sup",
    "sub",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "h1": {"id"},
    "h2": {"id"},
    "h3": {"id"},
    "h4": {"id"},
    "h5": {"id"},
    "h6": {"id"},
    "ol": {"start"},
}


class TemplateProblem(ScendslError):
    """A template could not be rendered; `file` and `line` locate it when known."""

    def __init__(self, message: str, file: str | None = None, line: int | None = None):
        super().__init__(message)
        self.message, self.file, self.line = message, file, line


class Explainable(Protocol):
    """What a number needs to be shown: its text, and its derivation for the HTML page."""

    text: str

    def derivation(self) -> dict[str, Any] | None: ...


# ---------------------------------------------------------------------------------- escaping
def _text_of(value: Any) -> str:
    # A template's value as text: refused when its text would be Python's made-up one.
    return value if type(value) is str else str(sandbox.written_text(value))


def clean_text(value: Any) -> str:
    """Scenario text on one line, without control or private-use characters."""
    text = str(value)
    # Printable ASCII holds none of them: checked in C at a few times the pattern's speed
    # (a build cleans ~20,000 texts, most of them figures such as "224 MW").
    if not (text.isascii() and text.isprintable()):
        text = _UNWANTED_RE.sub("", text)
    return " ".join(text.split())


def _escape_characters(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _ISSUE_REFERENCE_RE.sub("#&#8203;", text)  # before any entity of ours holds a '#'
    text = text.replace("|", "&#124;")
    text = _MD_SPECIAL_RE.sub(r"\\\1", text)
    # GitHub links "scheme://…" and "www.…" (an entity in place of the ':' or '.' is shown as
    # the character but not linked), "name@host", "@user" mentions and "#123" issues (decoded
    # entities still link there: a zero-width space after the '@' or '#' does not).
    text = _AUTOLINK_RE.sub(lambda m: f"{m.group(1)}&#46;" if m.group(1) else "&#58;//", text)
    return text.replace("@", "@&#8203;")


def md_escape(value: Any) -> Markup:
    """Text that Markdown shows as written: no HTML, links, emphasis, code or line structure.

    `<`, `>` and `&` become entities (valid in Markdown and HTML alike), `|` becomes an entity
    (safe inside table cells), the characters of links, emphasis and code spans get a backslash,
    and a leading character that would start a heading or a list is escaped. What GitHub
    would turn into a link or a mention (`https://`, `www.`, `a@b.example`, `@user`, `#12`)
    is broken by an entity or a zero-width space: it reads the same and stays text.
    """
    return _md_escape_text(value if type(value) is str else _text_of(value))


@text_cache
def _md_escape_text(text: str) -> Markup:
    # Cached: a build escapes the same units, names and meanings thousands of times.
    text = _escape_characters(clean_text(text))
    text = _LINE_START_RE.sub(lambda m: m.group(1)[:-1] + "\\" + m.group(1)[-1], text)
    return Markup(text)


def shorten(value: Any, limit: int = 110) -> str:
    """The first clause of a note, at most `limit` characters (the HTML shows it in full)."""
    text = clean_text(_text_of(value))
    if len(text) <= limit:
        return text
    for mark in (". ", "; ", " — ", ", "):
        cut = text.find(mark, 30, limit)
        if cut > 0:
            return text[:cut] + " …"
    return text[:limit].rsplit(" ", 1)[0] + " …"


def md_code(value: Any) -> Markup:
    """An identifier as inline code (metric names); backticks cannot occur in one."""
    return _code_forms(value if type(value) is str else str(value))[0]


@text_cache
def _code_forms(text: str) -> tuple[Markup, str]:
    # Its Markdown and its HTML in a table, kept: a build shows the same names thousands of times.
    text = clean_text(text).replace("`", "'")
    if not text:
        return Markup(""), ""
    return Markup(f"`{text}`"), f"<code>{html.escape(text, quote=False)}</code>"


def _cell_text(value: Any) -> str:
    """A value in a table's HTML: what the Markdown converter shows of `md_escape(value)`."""
    return _cell_html_text(value if type(value) is str else _text_of(value))


@text_cache
def _cell_html_text(text: str) -> str:
    # As the converter and the cleaner write it: md_escape's backslashes and entities are gone
    # (they keep GitHub from linking), its zero-width spaces after '#' and '@' are kept.
    text = html.escape(clean_text(text), quote=False)
    return _ISSUE_REFERENCE_RE.sub("#\u200b", text).replace("@", "@\u200b")


class CleanHTML(str):
    """Trusted HTML whose every text was cleaned as it was written in (`_html_text`,
    `clean_text`): it holds no private-use or control character, hence no token, and the last
    cleaning of a page (`_substitute`) passes over it rather than through it. A figure's
    derivation is one: four fifths of the briefings' HTML."""

    __slots__ = ()


# ---------------------------------------------------------------------------------- pages
@dataclass
class Page:
    """One page being rendered, with the two forms of each of its placeholder tokens."""

    name: str
    #: (Markdown form, HTML form) per token number. The HTML form is trusted HTML, or an object
    #: a builder replaces by HTML (a chart drawn later) before `html_document`.
    fragments: list[tuple[str, Any]] = field(default_factory=list)

    #: Inside a `table` or `bullets` call: what the template prints is a token with both forms
    #: (the table's or list's HTML is made here, not by the Markdown converter).
    in_table: bool = False
    #: Characters the page's tables and lists hold (they count toward the output limit).
    table_chars: int = 0
    #: The HTML of derivation entries shown in the page's derivations (`derivation_html`): one
    #: dict for every page of a build (an entry is shown on several pages, the same each time).
    derivation_items: dict[int, tuple[Any, str]] = field(default_factory=dict)
    #: Characters of the derivations the page's figures show (within MAX_PAGE_DERIVATIONS),
    #: and how many figures past that bound are shown without theirs.
    derivation_chars: int = 0
    derivations_left_out: int = 0

    def token(
        self, markdown_form: str, html_form: Any, block: bool = False, quoted: bool = False
    ) -> Markup:
        """A placeholder for both forms: `block` (a table, a list) replaces the paragraph it
        is made into, a paragraph of its own or (`quoted`) one of a quote."""
        self.fragments.append((str(markdown_form), html_form))
        opening = _QUOTED_OPEN if quoted else _BLOCK_OPEN if block else _TOKEN_OPEN
        return Markup(f"{opening}{len(self.fragments) - 1}{_TOKEN_CLOSE}")

    def text(self, value: Any) -> Markup:
        """Scenario text: escaped for Markdown, or inside a table or a list a token with both
        forms."""
        markdown = md_escape(value)
        if not self.in_table:
            return markdown
        shown = _cell_text(value)
        # Most text reads the same in both (no token needed): no backslash, link or '|'.
        return markdown if shown == markdown else self.token(markdown, shown)


#: Characters of figures' derivations one HTML page holds. A derivation is some 1-25 KB a
#: figure, and a page's tables may repeat a figure of many rows (each claim on one metric, a
#: sweep's columns of every figure its base's claims name): 3,400 claims of one file made a
#: page of 88 MB. Past the bound the page's figures are plain numbers, and the page says how
#: many. The sample briefings hold under 1 MB a page.
MAX_PAGE_DERIVATIONS = 16_000_000


def number_markup(page: Page, number: Explainable) -> Markup:
    """A number in a briefing: its text in Markdown, an expandable derivation in HTML (within
    the page's MAX_PAGE_DERIVATIONS, then its text alone).

    Only figures the build made (`is_template_number`) are taken: their HTML is trusted.
    """
    if not is_template_number(number):
        plain = number is None or isinstance(number, (str, int, float))  # else its repr's address
        shown = repr(clean_text(number)[:60]) if plain else f"a {type(number).__name__}"
        raise TypeError(f"not a figure of the model: {shown}")
    cached = getattr(number, "html_cache", None)
    if page.derivation_chars >= MAX_PAGE_DERIVATIONS:
        page.derivations_left_out += 1
        bare = CleanHTML(f'<span class="num">{html.escape(clean_text(number.text))}</span>')
        return page.token(md_escape(number.text), bare)
    if cached is None:
        tree = number.derivation()
        summary = html.escape(clean_text(number.text))
        if tree is None:
            cached = CleanHTML(f'<span class="num">{summary}</span>')
        else:
            kind = "num text" if getattr(number, "value_type", "number") == "text" else "num"
            cached = CleanHTML(
                f'<details class="{kind}"><summary>{summary}</summary>'
                f"{derivation_html(tree, page.derivation_items)}</details>"
            )
        if hasattr(number, "html_cache"):
            number.html_cache = cached  # the same on every page: derive once per build
    page.derivation_chars += len(cached)
    return page.token(md_escape(number.text), cached)


def _written_within(page: Page, caller: Callable[[], str]) -> str:
    """What `caller` writes with every value a token with both forms (`Page.text`), counted
    toward the page's output limit: the body of a table or a list made here."""
    outer = page.in_table
    page.in_table = True
    try:
        body = str(caller())
    finally:
        page.in_table = outer
    # A block's text is the page's, though kept apart from it: within the page's output limit.
    page.table_chars += len(body)
    if page.table_chars > MAX_TEMPLATE_OUTPUT:
        raise TemplateLimit(f"the template writes more than {MAX_TEMPLATE_OUTPUT:,} characters")
    return body


def make_list(page: Page, caller: Callable[[], str], quote: bool = False) -> Markup:
    """A bulleted list whose items `caller` writes, one a line, as `- item`; with `quote`, the
    list of a quoted box (`> - item` in Markdown), written after the box's opening lines.

    Made as a table is (`make_table`): every value printed is a token with both forms, so the
    Markdown form is the items as written and the HTML form a `<ul>` of the same items, as the
    converter writes a list of one-line items, cleaned like any HTML from a template. An item
    holds inline text only (no nested list, heading or quote). The list is a block token: a
    paragraph of its own or of its quote (a list of the same items on every page is not
    converted again).
    """
    body = _written_within(page, caller)
    items = []
    for line in body.split("\n"):
        if not line.strip():
            continue
        if not line.startswith("- ") or not line[2:].strip():
            raise ValueError(
                f"a list item is written '- item' on one line, not {clean_text(line)[:60]!r}"
            )
        items.append(line)
    if not items:
        return Markup("")
    parts = ["<ul>\n", *(f"<li>{item[2:].strip()}</li>\n" for item in items), "</ul>"]
    html_form = clean_words("".join(parts), body)
    # The line break after the last item is the page's, as the one after a quoted line must be
    # (the quote would otherwise run on into the next line).
    if not quote:
        return page.token("\n".join(items), html_form, block=True) + Markup("\n")
    # The first line's "> " is written here, around the token, so that the HTML text has the
    # token on a quoted line too.
    return Markup("> ") + page.token("\n> ".join(items), html_form, quoted=True) + Markup("\n")


def make_table(page: Page, headers: tuple, caller: Callable[[], str]) -> Markup:
    """A table of `headers` whose rows `caller` writes, one a line, as `| cell | cell |`.

    While the rows are written, every value printed is a token with both forms (`Page.text`),
    so the text between the bars is our tokens and the template's own words: the Markdown form
    is the rows as written under a header, the HTML form a `<table>` of the same cells, cleaned
    like any HTML from a template. The table is a block token: a paragraph of its own.
    """
    if not headers:
        raise ValueError("a table needs at least one column")
    # A heading is inside its line: nothing in it starts a heading or a list ('#').
    head = [h if isinstance(h, Markup) else _heading(page, h) for h in headers]
    body = _written_within(page, caller)
    rows = []
    for line in body.split("\n"):
        line = line.strip()
        if not line:
            continue
        if len(line) < 2 or line[0] != "|" or line[-1] != "|":
            raise ValueError(
                f"a table row is written '| cell | cell |' on one line, not {clean_text(line)[:60]!r}"
            )
        # As Markdown tables do: missing cells are empty, cells beyond the columns are dropped.
        cells = [cell.strip() for cell in line[1:-1].split("|")][: len(head)]
        rows.append(cells + [""] * (len(head) - len(cells)))
    markdown = "| " + " | ".join(head) + " |\n|" + "---|" * len(head) + "\n" + body
    parts = ["<table>\n<thead>\n<tr>\n"]
    parts.extend(f"<th>{cell}</th>\n" for cell in head)
    parts.append("</tr>\n</thead>\n<tbody>\n")
    for cells in rows:
        parts.append("<tr>\n")
        parts.extend(f"<td>{cell}</td>\n" for cell in cells)
        parts.append("</tr>\n")
    parts.append("</tbody>\n</table>")
    table = "".join(parts)
    return page.token(markdown, clean_words(table, body, *head), block=True)


def _marked(
    page: Page, mark: str, tag: str, value: Any, caller: Callable[[], str] | None
) -> Markup:
    """`value`, or what `caller` writes, between Markdown's `mark`s (`*`, `**`), or in a table
    or a list a token with the HTML `tag` (`em`, `strong`) around it as its HTML form."""
    if caller is not None:
        body = str(caller())
        if not page.in_table:
            return Markup(f"{mark}{body}{mark}")
        # The block's words are the template's own: cleaned like a table's HTML.
        return page.token(f"{mark}{body}{mark}", clean_words(f"<{tag}>{body}</{tag}>", body))
    if not page.in_table:
        return Markup(f"{mark}{md_escape(value)}{mark}")
    return page.token(f"{mark}{md_escape(value)}{mark}", f"<{tag}>{_cell_text(value)}</{tag}>")


def _heading(page: Page, value: Any) -> Markup:
    markdown, shown = _escape_characters(clean_text(value)), _cell_text(value)
    return Markup(markdown) if markdown == shown else page.token(markdown, shown)


def _html_text(value: Any) -> str:
    """Text for trusted HTML: escaped, without private-use or control characters (whitespace is
    left to the browser, which collapses it)."""
    return _html_escape_text(value if type(value) is str else str(value))


@text_cache
def _html_escape_text(text: str) -> str:
    # Cached: the derivations of a build repeat the same meanings, formulas and sources.
    return html.escape(_UNWANTED_RE.sub("", text), quote=True)


def derivation_html(
    tree: Mapping[str, Any], items: dict[int, tuple[Any, str]] | None = None
) -> str:
    """The derivation of a number: its formula and sources, its inputs with their values and
    provenance, and their inputs by name and value (`scendsl explain` shows the whole tree).

    `items` keeps the HTML of each input entry by the entry (the derivations of one result
    share their entries, scendsl.report.views.figures.DerivationParts): one for a page.
    """
    esc = _html_text
    parts = ['<div class="why">', f'<p class="what">{esc(tree.get("meaning", ""))}</p>']

    def provenance(entry: Mapping[str, Any]) -> None:
        lines = []
        if entry.get("origin"):
            lines.append(f"from {esc(entry['origin'])}")
        if entry.get("range"):
            lines.append(f"90% interval {esc(entry['range'])}")
        confidence = entry.get("confidence")
        code = f' <span class="conf">{esc(confidence)}</span>' if confidence else ""
        for source in entry.get("sources") or []:
            lines.append(f"source: {esc(source)}{code}")
        if entry.get("note"):
            lines.append(f"note: {esc(entry['note'])}")
        if lines:
            parts.append('<div class="o">' + "<br>".join(lines) + "</div>")

    def line(entry: Mapping[str, Any], with_meaning: bool) -> None:
        parts.append(f"<code>{esc(entry['name'])}</code> = <b>{esc(entry['value'])}</b>")
        if with_meaning and entry.get("meaning"):
            parts.append(f' <span class="m">{esc(entry["meaning"])}</span>')

    parts.append('<ul class="tree"><li>')
    line(tree, False)
    if tree.get("formula"):
        parts.append(f'<div class="f">= {esc(tree["formula"])}</div>')
    provenance(tree)
    children = tree.get("inputs") or []
    if children:
        parts.append("<ul>")
        for child in children:
            kept = items.get(id(child)) if items is not None else None
            if kept is not None and kept[0] is child:
                parts.append(kept[1])
                continue
            start = len(parts)
            parts.append("<li>")
            line(child, True)
            if child.get("formula") and not child.get("repeat"):
                parts.append(f'<div class="f">= {esc(child["formula"])}</div>')
            if child.get("kind") == "input":
                provenance(child)
            grandchildren = [] if child.get("repeat") else child.get("inputs") or []
            if grandchildren:
                parts.append(
                    '<div class="o">with '
                    + "; ".join(
                        f"<code>{esc(g['name'])}</code> = {esc(g['value'])}" for g in grandchildren
                    )
                    + "</div>"
                )
            parts.append("</li>")
            if items is not None:
                # (the entry is kept with its HTML: its id names no other object meanwhile)
                items[id(child)] = (child, "".join(parts[start:]))
        parts.append("</ul>")
    parts.append("</li></ul></div>")
    return "".join(parts)


# ---------------------------------------------------------------------------------- templates
class Renderer:
    """Jinja environments and the Markdown → HTML pipeline.

    With a templates folder the user names, the Markdown templates (the user's and the
    built-in ones they may include or extend) run in the sandbox; without one, the built-in
    set runs in the trusted environment (`sandbox.trusted_environment_class`), as does the
    HTML page's template, which is always ours.
    """

    def __init__(
        self, templates_dir: str | None = None, globals_: Mapping[str, Any] | None = None
    ) -> None:
        from jinja2 import StrictUndefined, pass_context

        folders = [builtin_templates_dir()]
        if templates_dir is not None:
            if not Path(templates_dir).is_dir():
                raise TemplateProblem(f"templates folder '{templates_dir}' does not exist")
            folders.insert(0, Path(templates_dir))
        self.folders = folders
        loader = template_loader(folders)
        self._loader = loader
        self._spent = 0.0  # seconds of the rendering time budget used so far

        @pass_context
        def finalize(context, value: Any) -> Markup:
            # Always Markup (the sandbox leaves its output unescaped): what a template prints
            # is escaped here, for Markdown.
            if isinstance(value, Markup):
                return value
            if type(value) is str:  # the most common value, and never a figure
                return context["page"].text(value)
            if is_template_number(value):
                return number_markup(context["page"], value)
            if value is None:
                return Markup("n/a")
            return context["page"].text(context.environment.written(value))

        # Chosen by whether the user named a folder, never by the template (see the class).
        trusted = trusted_environment_class()
        markdown_class = trusted if templates_dir is None else sandbox_environment_class()
        self.markdown_env = markdown_class(
            loader=loader,
            autoescape=True,
            finalize=finalize,
            finalize_makes_markup=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            # (Each environment compiles differently: a cache folder of its own.)
            bytecode_cache=bytecode_cache(
                "markdown-trusted" if markdown_class is trusted else "markdown"
            ),
        )
        # The HTML page (its head, styles and the policy that forbids scripts) is ours alone:
        # user templates shape the Markdown, which is cleaned before it becomes HTML.
        self.html_env = trusted(
            loader=template_loader([builtin_templates_dir()]),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            bytecode_cache=bytecode_cache("html-trusted"),
        )
        self._install_filters(pass_context)
        if globals_:
            self.markdown_env.install_globals(**globals_)

    def _install_filters(self, pass_context: Callable) -> None:
        env = self.markdown_env

        @pass_context
        def join(context, values, separator: str = ", ") -> Markup:
            values = list(values)
            if value_size(values) + len(values) * value_size(separator) > MAX_TEMPLATE_VALUE:
                raise too_big("the joined text")
            html_separator = separator
            if not isinstance(separator, Markup):  # spaces of a separator are kept
                bare = _UNWANTED_RE.sub("", str(separator))
                separator = Markup(_escape_characters(bare))
                html_separator = html.escape(bare, quote=False)
            joined = separator.join(v if isinstance(v, Markup) else md_escape(v) for v in values)
            page = context["page"]
            if not page.in_table:
                return joined
            return page.token(
                joined,
                html_separator.join(v if isinstance(v, Markup) else _cell_text(v) for v in values),
            )

        @pass_context
        def num(context, value) -> Markup:
            return number_markup(context["page"], value)

        @pass_context
        def with_range(context, value) -> Markup:
            """A figure and, when it varies with the scenario's ranges, its 90 % interval:
            `224 MW (201–246 MW)`; the interval is muted text in HTML."""
            page = context["page"]
            shown = number_markup(page, value)
            interval = getattr(value, "interval", "") or ""  # most figures have none
            interval = clean_text(interval) if interval else ""
            if not interval:
                return shown
            title = (
                "range from the default MFU's spread: the figure at its two ends"
                if getattr(value, "interval_kind", "") == "default_mfu"
                else "90% interval: 5th to 95th percentile of the Monte Carlo samples"
            )
            return (
                shown
                + Markup(" ")
                + page.token(
                    f"({md_escape(interval)})",
                    f'<span class="range" title="{title}">({html.escape(interval)})</span>',
                )
            )

        def url(name: str, anchor: str | None = None) -> Markup:
            """Link target of a page: `name.md` (the HTML page rewrites it to `name.html`)."""
            safe_name = re.sub(r"[^A-Za-z0-9_\-]", "", _text_of(name))
            safe_anchor = re.sub(r"[^A-Za-z0-9_\-]", "", _text_of(anchor)) if anchor else ""
            return Markup(f"{safe_name}.md" + (f"#{safe_anchor}" if safe_anchor else ""))

        @pass_context
        def badge(context, rating: str | None) -> Markup:
            """A risk rating: bold text in Markdown, a coloured label in HTML."""
            text = clean_text(_text_of(rating or "not rated"))
            css = rating if rating in ("low", "medium", "high") else "na"
            return context["page"].token(
                f"**{md_escape(text)}**", f'<span class="rating {css}">{html.escape(text)}</span>'
            )

        @pass_context
        def verdict(context, holds: bool | None) -> Markup:
            """A claim's verdict: bold text in Markdown, a coloured label in HTML."""
            if holds not in (True, False, None):
                raise TypeError("verdict takes true, false or none")
            text = {True: "holds", False: "fails", None: "n/a"}[holds]
            css = {True: "holds", False: "fails", None: "na"}[holds]
            return context["page"].token(
                f"**{text}**" if holds is not None else text,
                f'<span class="verdict {css}">{text}</span>',
            )

        @pass_context
        def end_quote(context) -> Markup:
            """Ends a quoted box: a quoted box right after it is a box of its own (the HTML
            converter would join two quotes with only a blank line between them). Shows
            nothing: a line on its own, it is a blank line in Markdown and no element in HTML."""
            return context["page"].token("", "")

        @pass_context
        def scn_block(context, text: Any) -> Markup:
            """A scenario's source text: a ```scn fence in Markdown, highlighted in HTML."""
            from scendsl.report.highlight import scn_fence, scn_html

            source = _UNWANTED_RE.sub("", _text_of(text or "")).strip("\n")
            if not source.strip():
                return Markup("")
            return context["page"].token(
                scn_fence(source),
                f'<figure class="scn-source"><pre class="scn"><code>{scn_html(source)}'
                "</code></pre></figure>",
            )

        @pass_context
        def per_format(context, markdown: str, html_text: str) -> Markup:
            """One text in the `.md` file, another in the HTML page (a sentence about the
            HTML version is said to a Markdown reader only)."""
            return context["page"].token(md_escape(markdown), _html_text(html_text))

        @pass_context
        def text(context, value: Any) -> Markup:
            return context["page"].text(value)

        @pass_context
        def counted_words(context, count: Any, noun: Any, plural: Any = None) -> Markup:
            """`{{ n|counted("scenario") }}`: '1 scenario', '4 scenarios', as escaped text."""
            if isinstance(count, bool) or not isinstance(count, int):
                raise TypeError(f"counted counts a whole number, not {type(count).__name__}")
            words = counted(count, str(noun), None if plural is None else str(plural))
            return context["page"].text(words)

        @pass_context
        def code(context, value: Any) -> Markup:
            markdown, html_form = _code_forms(_text_of(value))
            page = context["page"]
            if not page.in_table or not markdown:
                return markdown
            return page.token(markdown, html_form)

        @pass_context
        def em(context, value: Any = None, caller: Callable[[], str] | None = None) -> Markup:
            """Emphasised text, `*text*` in Markdown and `<em>` in HTML (a table's too): of a
            value, or of what a call block writes (`{% call em() %}…{% endcall %}`)."""
            return _marked(context["page"], "*", "em", value, caller)

        @pass_context
        def link(context, text: Any, name: str, anchor: str | None = None) -> Markup:
            """A link to one of the briefings: `[text](name.md)` in Markdown, to `name.html`
            in HTML (a table's too)."""
            page = context["page"]
            target = url(name, anchor)
            markdown = f"[{md_escape(text)}]({target})"
            if not page.in_table:
                return Markup(markdown)
            html_link = _PAGE_LINK_RE.sub(_HTML_PAGE_LINK, f'<a href="{target}"')
            return page.token(
                markdown, f'{html_link} rel="noopener noreferrer">{_cell_text(text)}</a>'
            )

        @pass_context
        def table(context, *headers: Any, caller: Callable[[], str] | None = None) -> Markup:
            """`{% call table("Column", ...) %}` rows `| cell | cell |`, one a line `{% endcall %}`:
            a Markdown table in the `.md` file, made into HTML here (not by the converter)."""
            if caller is None:
                raise TypeError("table is called with {% call table(...) %} rows {% endcall %}")
            return make_table(context["page"], headers, caller)

        @pass_context
        def bullets(
            context, quote: bool = False, caller: Callable[[], str] | None = None
        ) -> Markup:
            """`{% call bullets() %}` items `- item`, one a line `{% endcall %}`: a Markdown list
            in the `.md` file, made into HTML here (not by the converter), as a table is;
            `bullets(quote=true)`: the list of a quoted box, after its opening lines."""
            if caller is None:
                raise TypeError("bullets is called with {% call bullets() %} items {% endcall %}")
            return make_list(context["page"], caller, bool(quote))

        @pass_context
        def strong(context, value: Any = None, caller: Callable[[], str] | None = None) -> Markup:
            """Strong text, `**text**` in Markdown and `<strong>` in HTML (a table's too): of a
            value, or of what a call block writes (`{% call strong() %}…{% endcall %}`)."""
            return _marked(context["page"], "**", "strong", value, caller)

        ours = dict(
            md=text,
            code=code,
            counted=counted_words,
            join=join,
            e=text,
            shorten=shorten,
            escape=text,
            num=num,
            badge=badge,
            verdict=verdict,
            with_range=with_range,
            scn_block=scn_block,
        )
        env.filters.update({name: env.bounded_filter(f) for name, f in ours.items()})
        env.install_globals(
            url=url,
            end_quote=end_quote,
            per_format=env.bounded_filter(per_format),
            em=env.bounded_filter(em),
            strong=env.bounded_filter(strong),
            link=env.bounded_filter(link),
            table=env.bounded_filter(table),
            bullets=env.bounded_filter(bullets),
        )

    def start_build(self, **globals_: Any) -> None:
        """Ready these environments for another build (`IncrementalBuilder` keeps them, with
        the templates they have loaded, while no template changes): the build's own globals
        (its `chart`) and the whole rendering time budget again."""
        self._spent = 0.0
        self.markdown_env.install_globals(**globals_)

    # ------------------------------------------------------------------------------ rendering
    def render(self, template: str, page: Page, context: Mapping[str, Any]) -> str:
        """Render one template; the text keeps the page's placeholder tokens.

        Raises TemplateProblem (located in the template) on any template error.
        """
        return self._within_budget(
            self.markdown_env,
            template,
            lambda: self.markdown_env.get_template(template).render(dict(context, page=page)),
        )

    def _within_budget(self, env: Any, template: str, work: Callable[[], str]) -> str:
        """Run `work` (one template) within what is left of the build's rendering time; any
        error it raises is a TemplateProblem located in the template (a template can only
        make a template error: what it passes to the functions it calls is its own doing)."""
        import time

        started = time.process_time()  # the budget is CPU time (sandbox.RENDER_SECONDS)
        left = sandbox.RENDER_SECONDS - self._spent
        env.deadline = started + left
        env.loop_items = 0
        try:
            # A backstop after the sandbox's own deadline (whose errors name the line): it stops
            # what the sandbox cannot see, such as compiling a huge template.
            with sandbox.alarm(left + sandbox.ALARM_GRACE):
                return work()
        except Exception as error:
            raise self._problem(error, template) from None
        finally:
            env.deadline = float("inf")
            self._spent += time.process_time() - started

    @staticmethod
    def markdown_file(text: str, page: Page) -> str:
        """The `.md` file: every token in its Markdown form, runs of blank lines collapsed."""
        text = _resolve(text, [markdown_form for markdown_form, _ in page.fragments])
        text = _UNWANTED_RE.sub("", text)
        return _BLANK_LINES_RE.sub("\n\n", text).strip("\n") + "\n"

    @staticmethod
    def html_body(text: str) -> str:
        """The rendered text as cleaned HTML (see `html_body`)."""
        return html_body(text)

    def html_document(self, body: str, page: Page, title: str) -> str:
        """The cleaned body with numbers and charts filled in, wrapped in the page template."""
        body = _substitute(body, [html_form for _, html_form in page.fragments])
        if page.derivations_left_out:
            body = _left_out_note(page.derivations_left_out) + body
        from scendsl.report.layout import reading_layout

        body = reading_layout(body)
        return self._within_budget(
            self.html_env,
            "page.html.j2",
            lambda: self.html_env.get_template("page.html.j2").render(
                title=clean_text(title), body=Markup(body), page=page.name
            ),
        )

    def _problem(self, error: BaseException, template: str) -> TemplateProblem:
        """A template error located in the template file, from Jinja's rewritten traceback."""
        from jinja2 import TemplateError

        located = isinstance(error, (TemplateError, TemplateFileProblem))
        # (A Python SyntaxError's line is one of the code Jinja generated, not the template's.)
        file = getattr(error, "filename", None) if located else None
        line = getattr(error, "lineno", None) if located else None
        if line is None:
            traceback = error.__traceback__
            while traceback is not None:
                name = traceback.tb_frame.f_code.co_filename
                if name in self._loader.files or name == template:
                    file, line = name, traceback.tb_lineno
                traceback = traceback.tb_next
        kind = type(error).__name__
        if isinstance(error, RecursionError):
            message = (
                f"template {template}: templates nest too deeply (a template that "
                "includes or extends itself, a macro that calls itself without end, or "
                "an expression nested too deep?)"
            )
        elif isinstance(error, SyntaxError) and not located:
            message = (
                f"template {template}: the template nests too deeply to be compiled ({error.msg})"
            )
        elif isinstance(error, (TemplateLimit, TemplateFileProblem)):
            message = f"template {template}: {error}"
        else:
            message = f"template {template}: {kind}: {clean_text(error)[:300]}"
        return TemplateProblem(message, file or self._loader.paths.get(template, template), line)


def _left_out_note(count: int) -> str:
    """What a page whose derivations passed MAX_PAGE_DERIVATIONS says of the figures left
    without one."""
    from scendsl.wording import counted

    return (
        f"<p>The last {counted(count, 'figure')} of this page {'is' if count == 1 else 'are'} "
        f"shown without {'its' if count == 1 else 'their'} derivation: a page holds at most "
        f"{MAX_PAGE_DERIVATIONS:,} characters of derivations. "
        "<code>scendsl explain FILE SCENARIO METRIC</code> shows any figure's.</p>\n"
    )


_markdown_converter = None


def markdown_to_html(text: str) -> str:
    """Markdown to HTML with the extensions our templates use (one converter per process)."""
    global _markdown_converter
    if _markdown_converter is None:
        import markdown
        from markdown.extensions.sane_lists import SaneListExtension
        from markdown.extensions.tables import TableExtension
        from markdown.extensions.toc import TocExtension

        converter = markdown.Markdown(
            # Extensions given as objects, not by name: a name is looked up among the entry
            # points of every installed package (importlib.metadata), ~20 ms of each process.
            # toc only gives headings their ids; no "[TOC]" marker is looked for (a walk of
            # every page's tree).
            extensions=[
                TableExtension(),
                SaneListExtension(),
                TocExtension(permalink=False, marker=""),
            ],
            output_format="html",
        )
        # Raw HTML never passes (scenario text has none: `<` is escaped), and the syntax our
        # templates do not use goes too: safer, and a third faster on large tables.
        for name in _UNUSED_INLINE_PATTERNS:
            converter.inlinePatterns.deregister(name, strict=False)
        converter.preprocessors.deregister("html_block", strict=False)
        # md_escape writes `\~` (GFM's strikethrough); read as CommonMark reads it, a tilde.
        converter.ESCAPED_CHARS = [*converter.ESCAPED_CHARS, "~"]
        _markdown_converter = converter
    _markdown_converter.reset()
    return _markdown_converter.convert(text)


def html_body(text: str) -> str:
    """A rendered page as cleaned HTML with links to `.html` pages; placeholder tokens stay.

    A pure function of the text, so a worker process can do it for some of the pages.
    """
    # A block made here (a table, a list) is a paragraph of its own, which `_substitute`
    # replaces; a quoted one (a list in a quote) a paragraph of the quote, which it ends.
    text = _BLOCK_TOKEN_RE.sub(lambda m: f"\n\n{m.group(0)}\n\n", text)
    text = _QUOTED_TOKEN_RE.sub(lambda m: f"{m.group(0)}\n", text)
    body = sanitize(markdown_to_html(_BLANK_LINES_RE.sub("\n\n", text)))
    return _PAGE_LINK_RE.sub(_HTML_PAGE_LINK, body)


def clean_words(html_text: str, *words: str) -> str:
    """HTML we made around a template's `words` (values in them are escaped, figures tokens),
    cleaned by `sanitize` when the words hold a tag; without one nothing in them is markup."""
    return sanitize(html_text) if any("<" in text for text in words) else html_text


def sanitize(body: str) -> str:
    """Keep only the tags Markdown emits; drop scripts, event handlers and unsafe URLs.

    A placeholder token left inside a tag (a link's address or title) is removed: tokens are
    filled in with trusted HTML after cleaning, and HTML inside an attribute would end it.
    """
    import nh3

    cleaned = nh3.clean(
        body,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        clean_content_tags={"script", "style"},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
    if _TOKEN_CLOSE not in cleaned:
        return cleaned
    return _TAG_RE.sub(lambda m: _UNWANTED_RE.sub("", m.group(0)), cleaned)


# A tag as the cleaner writes it: attribute values in double quotes, '"' in them an entity.
_TAG_RE = re.compile(r'<[^>"]*(?:"[^"]*"[^>"]*)*>')


# A paragraph up to its first "</p>" (the loop unrolled: no lookahead at every character).
_PARAGRAPH_RE = re.compile(r"<p>([^<]*(?:<(?!/p>)[^<]*)*)</p>")


def _substitute(body: str, fragments: list[str]) -> str:
    """Replace tokens by their trusted HTML; block content never ends up inside a `<p>`."""

    def paragraph(match: re.Match) -> str:
        inner = match.group(1)
        only = _TOKEN_RE.fullmatch(inner.strip())
        if only is not None:
            if only.group(0).startswith((_BLOCK_OPEN, _QUOTED_OPEN)):
                return only.group(0)  # a table replaces the paragraph (filled in below)
            alone = fragment(only)
            if not alone or alone.lstrip().startswith(("<figure", "<svg")):
                return alone  # a chart on its own line replaces the paragraph
        if "<details" in "".join(fragment(m) for m in _TOKEN_RE.finditer(inner)):
            return f'<div class="p">{inner}</div>'  # <details> is not allowed inside <p>
        return match.group(0)

    def fragment(match: re.Match) -> str:
        return _resolve(match.group(0), fragments)

    body = _PARAGRAPH_RE.sub(paragraph, body)
    return _resolve(body, fragments, cleaned=True)


def _resolve(text: str, forms: list[Any], below: int | None = None, cleaned: bool = False) -> str:
    """`text` with each token replaced by its form in `forms`, and the tokens in that form (a
    table's cells) by theirs: only tokens made before it, so a form never contains itself.

    `cleaned`: without private-use or control characters (`_UNWANTED_RE`), as if the result were
    cleaned at the end; but a CleanHTML form, which has none, is not read through again (the
    pattern is one character at a time, so cleaning the pieces is cleaning the whole).
    """
    parts = _TOKEN_RE.split(text)  # text, token number, text, ...
    limit = len(forms) if below is None else below
    # Each token holds two unwanted characters (its ends): when the text holds no others, its
    # pieces between tokens are clean already (one reading of the text, not one per piece).
    if cleaned and len(_UNWANTED_RE.findall(text)) != len(parts) - 1:
        for position in range(0, len(parts), 2):
            if parts[position]:
                parts[position] = _UNWANTED_RE.sub("", parts[position])
    for position in range(1, len(parts), 2):
        index = int(parts[position])
        form = forms[index] if index < limit else ""
        if cleaned and type(form) is CleanHTML:
            parts[position] = form
            continue
        form = str(form)
        if _TOKEN_CLOSE in form:
            parts[position] = _resolve(form, forms, index, cleaned)
        else:
            parts[position] = _UNWANTED_RE.sub("", form) if cleaned else form
    return "".join(parts)
