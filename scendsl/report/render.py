"""Templates to Markdown, Markdown to one self-contained HTML page.

Every briefing is one Jinja2 Markdown template, rendered once. What differs between the `.md`
file and the HTML page — a number (plain text, or an expandable derivation), a rating, a chart
(inline SVG in HTML only) — is left in the rendered text as a placeholder token with both forms;
the `.md` file gets the Markdown forms, the HTML page the Markdown converted, cleaned, and then
the HTML forms. Links are written to `.md` pages and pointed at `.html` pages in the HTML.

Safety, in layers:

1. Templates always run in a deny-by-default sandbox (built-in and user templates alike; see
   "sandbox" below): they get registered views (`template_view`) and plain read-only data, and
   may read and call nothing else; values, output and rendering time are bounded; templates are
   read only from inside their folders (real paths); any failure is a located template error.
2. Every value a Markdown template prints is escaped for Markdown unless it is `Markup` made by
   this module (`finalize` below): scenario text such as `[x](javascript:…)` or `<script>` stays
   text in the `.md` file as well as in the HTML.
3. The HTML body made from the Markdown is cleaned by `nh3` with only the tags Markdown emits.
4. Numbers and charts reach the HTML page as placeholder tokens (private-use characters that
   are stripped from all scenario text) and are replaced by trusted HTML after cleaning: the SVG
   and the `<details>` derivations are built here, with every text in them escaped.
"""

from __future__ import annotations

import html
import re
from contextlib import contextmanager
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Protocol

from markupsafe import Markup

#: Page names of the topical briefings (also the reserved file names).
TOPICAL_PAGES = ("index", "landscape", "compute-divide", "energy", "risk")

_TOKEN_OPEN, _TOKEN_CLOSE = "\ue000", "\ue001"
_TOKEN_RE = re.compile("\ue000([0-9]+)\ue001")
_PRIVATE_USE_RE = re.compile("[\ue000-\uf8ff]")
# Private-use characters (our tokens among them) and control characters never come from a
# scenario into a page.
_UNWANTED_RE = re.compile("[\ue000-\uf8ff\x00-\x08\x0b\x0c\x0e-\x1f\x7f"
                          "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_MD_SPECIAL_RE = re.compile(r"([\\`*_\[\]])")
_AUTOLINK_RE = re.compile(r"://|(www)\.", re.IGNORECASE)
_ISSUE_REFERENCE_RE = re.compile(r"#(?=[0-9])")
# What starts a heading, a list item or a numbered list when it opens a line.
_LINE_START_RE = re.compile(r"^(#|[+\-](?=\s|$)|[0-9]+[.)](?=\s|$))")

#: A link to one of our pages, as the Markdown wrote it (after cleaning: no other quoting).
_PAGE_LINK_RE = re.compile(r'href="([A-Za-z0-9_\-]+)\.md(#[A-Za-z0-9_\-]*)?"')
_BLANK_LINES_RE = re.compile(r"\n[ \t]*(?:\n[ \t]*)+\n")
_UNUSED_INLINE_PATTERNS = ("html", "image_link", "image_reference", "short_image_ref", "automail",
                           "autolink", "reference", "short_reference", "linebreak", "not_strong")

#: Tags the Markdown converter emits for our templates; everything else is removed.
ALLOWED_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6", "p", "ul", "ol", "li", "table", "thead",
                "tbody", "tr", "th", "td", "a", "em", "strong", "code", "pre", "blockquote",
                "hr", "br", "sup", "sub"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "h1": {"id"}, "h2": {"id"}, "h3": {"id"},
                      "h4": {"id"}, "h5": {"id"}, "h6": {"id"}, "ol": {"start"}}


class TemplateProblem(Exception):
    """A template could not be rendered; `file` and `line` locate it when known."""

    def __init__(self, message: str, file: str | None = None, line: int | None = None):
        super().__init__(message)
        self.message, self.file, self.line = message, file, line


class Explainable(Protocol):
    """What a number needs to be shown: its text, and its derivation for the HTML page."""

    text: str

    def derivation(self) -> dict[str, Any] | None: ...


# ---------------------------------------------------------------------------------- escaping
def clean_text(value: Any) -> str:
    """Scenario text on one line, without control or private-use characters."""
    return " ".join(_UNWANTED_RE.sub("", str(value)).split())


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
    return _md_escape_text(value if type(value) is str else str(value))


@lru_cache(maxsize=8192)
def _md_escape_text(text: str) -> Markup:
    # Cached: a build escapes the same units, names and meanings thousands of times.
    text = _escape_characters(clean_text(text))
    text = _LINE_START_RE.sub(lambda m: m.group(1)[:-1] + "\\" + m.group(1)[-1], text)
    return Markup(text)


def shorten(value: Any, limit: int = 110) -> str:
    """The first clause of a note, at most `limit` characters (the HTML shows it in full)."""
    text = clean_text(value)
    if len(text) <= limit:
        return text
    for mark in (". ", "; ", " — ", ", "):
        cut = text.find(mark, 30, limit)
        if cut > 0:
            return text[:cut] + " …"
    return text[:limit].rsplit(" ", 1)[0] + " …"


def md_code(value: Any) -> Markup:
    """An identifier as inline code (metric names); backticks cannot occur in one."""
    text = clean_text(value).replace("`", "'")
    return Markup(f"`{text}`") if text else Markup("")


# ---------------------------------------------------------------------------------- pages
@dataclass
class Page:
    """One page being rendered, with the two forms of each of its placeholder tokens."""

    name: str
    #: (Markdown form, HTML form) per token number. The HTML form is trusted HTML, or an object
    #: a builder replaces by HTML (a chart drawn later) before `html_document`.
    fragments: list[tuple[str, Any]] = field(default_factory=list)

    def token(self, markdown_form: str, html_form: Any) -> Markup:
        self.fragments.append((str(markdown_form), html_form))
        return Markup(f"{_TOKEN_OPEN}{len(self.fragments) - 1}{_TOKEN_CLOSE}")


def number_markup(page: Page, number: Explainable) -> Markup:
    """A number in a briefing: its text in Markdown, an expandable derivation in HTML.

    Only figures the build made (`is_template_number`) are taken: their HTML is trusted.
    """
    if not is_template_number(number):
        raise TypeError(f"not a figure of the model: {clean_text(number)[:60]!r}")
    cached = getattr(number, "html_cache", None)
    if cached is None:
        tree = number.derivation()
        summary = html.escape(clean_text(number.text))
        if tree is None:
            cached = f'<span class="num">{summary}</span>'
        else:
            kind = "num text" if getattr(number, "value_type", "number") == "text" else "num"
            cached = (f'<details class="{kind}"><summary>{summary}</summary>'
                      f'{derivation_html(tree)}</details>')
        if hasattr(number, "html_cache"):
            number.html_cache = cached  # the same on every page: derive once per build
    return page.token(md_escape(number.text), cached)


def _html_text(value: Any) -> str:
    """Text for trusted HTML: escaped, without private-use or control characters (whitespace is
    left to the browser, which collapses it)."""
    return _html_escape_text(value if type(value) is str else str(value))


@lru_cache(maxsize=8192)
def _html_escape_text(text: str) -> str:
    # Cached: the derivations of a build repeat the same meanings, formulas and sources.
    return html.escape(_UNWANTED_RE.sub("", text), quote=True)


def derivation_html(tree: Mapping[str, Any]) -> str:
    """The derivation of a number: its formula and sources, its inputs with their values and
    provenance, and their inputs by name and value (`scendsl explain` shows the whole tree)."""
    esc = _html_text
    parts = ['<div class="why">', f'<p class="what">{esc(tree.get("meaning", ""))}</p>']

    def provenance(entry: Mapping[str, Any]) -> None:
        lines = []
        if entry.get("origin"):
            lines.append(f'from {esc(entry["origin"])}')
        if entry.get("range"):
            lines.append(f'90% interval {esc(entry["range"])}')
        confidence = entry.get("confidence")
        code = f' <span class="conf">{esc(confidence)}</span>' if confidence else ""
        for source in entry.get("sources") or []:
            lines.append(f"source: {esc(source)}{code}")
        if entry.get("note"):
            lines.append(f'note: {esc(entry["note"])}')
        if lines:
            parts.append('<div class="o">' + "<br>".join(lines) + "</div>")

    def line(entry: Mapping[str, Any], with_meaning: bool) -> None:
        parts.append(f'<code>{esc(entry["name"])}</code> = <b>{esc(entry["value"])}</b>')
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
            parts.append("<li>")
            line(child, True)
            if child.get("formula") and not child.get("repeat"):
                parts.append(f'<div class="f">= {esc(child["formula"])}</div>')
            if child.get("kind") == "input":
                provenance(child)
            grandchildren = [] if child.get("repeat") else child.get("inputs") or []
            if grandchildren:
                parts.append('<div class="o">with ' + "; ".join(
                    f'<code>{esc(g["name"])}</code> = {esc(g["value"])}' for g in grandchildren)
                    + "</div>")
            parts.append("</li>")
        parts.append("</ul>")
    parts.append("</li></ul></div>")
    return "".join(parts)


# ---------------------------------------------------------------------------------- sandbox
#: Longest string, list or tuple a template may make (with `*`, `+`, `~`, filters or calls).
MAX_TEMPLATE_VALUE = 1_000_000
#: Most characters one page's template may write.
MAX_TEMPLATE_OUTPUT = 20_000_000
#: Longest `range()` a template may ask for.
MAX_RANGE = 10_000
#: Largest integer a template may compute, in bits.
MAX_INTEGER_BITS = 100_000
#: Seconds all templates of a build may take together (the sample briefings take well under one).
RENDER_SECONDS = 10.0
#: Largest template file read, in bytes.
MAX_TEMPLATE_FILE = 1_000_000
#: Most loop items one template (with its macros and includes) may go through: a macro's or a
#: `{% set %}` block's output is held as a list with an entry per item until it is joined, so
#: the count of items bounds its memory (the sample briefings go through a few thousand).
MAX_LOOP_ITEMS = 1_000_000
#: Seconds past the rendering budget after which an alarm stops a template the sandbox's
#: checks cannot reach (compiling, one long operation).
ALARM_GRACE = 1.0

#: The classes whose public attributes templates may read, with the public names they may not
#: (registered with `template_view`). Everything else a template reaches is plain data.
_TEMPLATE_VIEWS: dict[type, frozenset[str]] = {}

#: Read-only methods of plain data that templates may call; no other attribute of plain data
#: is reachable (`format` and the padding methods are left out: attribute access and size).
_STR_METHODS = frozenset({
    "capitalize", "casefold", "count", "endswith", "find", "index", "isalnum", "isalpha",
    "isdecimal", "isdigit", "islower", "isnumeric", "isspace", "istitle", "isupper", "join",
    "lower", "lstrip", "partition", "removeprefix", "removesuffix", "replace", "rfind", "rindex",
    "rpartition", "rsplit", "rstrip", "split", "splitlines", "startswith", "strip", "swapcase",
    "title", "upper", "striptags", "unescape"})
_MAPPING_METHODS = frozenset({"get", "items", "keys", "values"})
_SEQUENCE_METHODS = frozenset({"count", "index"})
_LOOP_ATTRIBUTES = frozenset({
    "index", "index0", "revindex", "revindex0", "first", "last", "length", "depth", "depth0",
    "previtem", "nextitem", "cycle", "changed"})
#: Filters of Jinja that templates keep (the others pad, wrap or format without bounds, mark
#: text as safe, or are random).
_JINJA_FILTERS = frozenset({
    "abs", "attr", "capitalize", "count", "d", "default", "dictsort", "first", "float",
    "groupby", "int", "items", "last", "length", "list", "lower", "map", "max", "min", "reject",
    "rejectattr", "replace", "reverse", "round", "select", "selectattr", "sort", "string",
    "sum", "title", "trim", "truncate", "unique", "upper", "wordcount"})


def template_view(*hidden: str):
    """Class decorator: templates may read the public attributes and call the public methods
    of this class (except `hidden`); this is the whole template API besides plain data."""

    def register(cls: type) -> type:
        _TEMPLATE_VIEWS[cls] = frozenset(hidden)
        return cls

    return register


def _view_hidden(obj: Any) -> frozenset[str] | None:
    """The hidden names of a registered view's class, or None if `obj` is not a view."""
    hidden = _TEMPLATE_VIEWS.get(type(obj))
    if hidden is not None:
        return hidden
    for cls in type(obj).__mro__[1:]:
        hidden = _TEMPLATE_VIEWS.get(cls)
        if hidden is not None:
            return hidden
    return None


def is_template_number(value: Any) -> bool:
    """A figure made by the build (a registered view with a text and a derivation)."""
    return (_view_hidden(value) is not None and hasattr(value, "derivation")
            and hasattr(value, "text"))


def read_only(value: Any) -> Any:
    """Plain data as templates get it: mappings become read-only, lists and sets tuples,
    models their fields (recursively); strings, numbers, None and views stay."""
    if value is None or isinstance(value, (str, int, float)):
        return value
    if _view_hidden(value) is not None:
        return value
    if hasattr(value, "model_dump"):  # a pydantic model: its data, never its methods
        return read_only(value.model_dump())
    if isinstance(value, Mapping):
        return MappingProxyType({str(k): read_only(v) for k, v in value.items()})
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=repr) if isinstance(value, (set, frozenset)) else value
        return tuple(read_only(item) for item in items)
    return str(value)


def _size(value: Any, limit: int = MAX_TEMPLATE_VALUE) -> int:
    """The expanded size of a value (characters, items, nested items; a shared item counts
    each time it occurs), counted up to a little past `limit`."""
    if isinstance(value, str):
        return len(value)
    if not isinstance(value, (list, tuple, dict, MappingProxyType)):
        return 1
    total, stack = 0, [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            total += len(item)
        elif isinstance(item, (list, tuple)):
            total += len(item)
            stack.extend(item)
        elif isinstance(item, (dict, MappingProxyType)):
            total += len(item)
            stack.extend(item.keys())
            stack.extend(item.values())
        else:
            total += 1
        if total > limit:
            break
    return total


def _too_big(what: str) -> TemplateLimit:
    return TemplateLimit(f"{what} would be longer than {MAX_TEMPLATE_VALUE:,} items "
                         "(the limit for values in templates)")


class TemplateLimit(Exception):
    """A template went past a limit of the sandbox (size, time); a user error."""


def _sandbox_environment_class():
    """The sandbox every template runs in (made on first use: jinja2 is imported lazily)."""
    global _SANDBOX_CLASS
    if _SANDBOX_CLASS is not None:
        return _SANDBOX_CLASS
    import operator
    import time
    import types

    from jinja2 import nodes
    from jinja2.compiler import CodeGenerator
    from jinja2.environment import TemplateModule
    from jinja2.runtime import (BlockReference, LoopContext, Macro, Namespace,
                                TemplateReference, Undefined, markup_join, str_join)
    from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
    from markupsafe import soft_str

    class BudgetedCodeGenerator(CodeGenerator):
        """Lists, tuples and dicts a template writes, and `~` joins, go through size checks."""

        def visit_List(self, node, frame):
            self.write("environment.bounded(")
            super().visit_List(node, frame)
            self.write(")")

        def visit_Dict(self, node, frame):
            self.write("environment.bounded(")
            super().visit_Dict(node, frame)
            self.write(")")

        def visit_Tuple(self, node, frame):
            if node.ctx != "load":
                return super().visit_Tuple(node, frame)
            self.write("environment.bounded(")
            super().visit_Tuple(node, frame)
            self.write(")")

        def visit_Concat(self, node, frame):
            self.write("environment.join_bounded((")
            for argument in node.nodes:
                self.visit(argument, frame)
                self.write(", ")
            self.write("), context.eval_ctx.autoescape)")

    class BoundedNamespace(Namespace):
        """`namespace()` whose attributes hold values of bounded size."""

        def __setitem__(self, name, value):
            if _size(value) > MAX_TEMPLATE_VALUE:
                raise _too_big("a namespace attribute")
            super().__setitem__(name, value)

    plain_types = (str, int, float, bool, type(None), tuple, list, dict, range,
                   types.MappingProxyType)
    #: Values no attribute may give a template, whatever it belongs to.
    unsafe_values = (type, types.ModuleType, types.FunctionType, types.CodeType,
                     types.FrameType, types.GeneratorType)

    class TemplateSandbox(ImmutableSandboxedEnvironment):
        """Deny by default: a template reads the public attributes of registered views
        (`template_view`), calls their public methods and a few read-only methods of plain
        data, calls the functions installed as globals, macros and `loop`; nothing else.
        Sizes of values and output are bounded, and rendering has a time budget."""

        code_generator_class = BudgetedCodeGenerator
        intercepted_binops = frozenset({"*", "+", "**", "%", "//", "/"})

        def __init__(self, **options: Any) -> None:
            super().__init__(**options)
            self.deadline = float("inf")
            self.loop_items = 0
            self.trusted_callables: set[int] = set()
            self.globals.clear()
            self.install_globals(range=self.bounded_range, dict=dict,
                                 namespace=BoundedNamespace)
            self.filters = {name: self.bounded_filter(f) for name, f in self.filters.items()
                            if name in _JINJA_FILTERS}
            self.filters["replace"] = self.bounded_filter(self.replace_filter)
            self.filters["_within_budget"] = self.within_budget

        def _generate(self, source, name, filename, defer_init=False):
            # Every loop's items pass the time budget (the tree, before it is compiled).
            for loop in source.find_all(nodes.For):
                loop.iter = nodes.Filter(loop.iter, "_within_budget", [], [], None, None,
                                         lineno=loop.lineno)
            return super()._generate(source, name, filename, defer_init)

        # -------------------------------------------------------------------- budget
        def check_budget(self) -> None:
            if time.perf_counter() > self.deadline:
                raise TemplateLimit(f"rendering took longer than {RENDER_SECONDS:g} s (the "
                                    "limit for templates): a loop or recursion too large?")

        def within_budget(self, iterable: Any):
            """A loop's items, checking the time budget every few items."""
            for count, item in enumerate(iterable):
                if not count & 63:
                    self.check_budget()
                self.loop_items += 1
                if self.loop_items > MAX_LOOP_ITEMS:
                    raise TemplateLimit(f"loops went through more than {MAX_LOOP_ITEMS:,} "
                                        "items (the limit for one template)")
                yield item

        @staticmethod
        def bounded(value: Any) -> Any:
            """A list, tuple or dict a template writes, of bounded expanded size."""
            if _size(value) > MAX_TEMPLATE_VALUE:
                raise _too_big("the value")
            return value

        def bounded_range(self, *args: int) -> range:
            numbers = range(*args)
            if len(numbers) > MAX_RANGE:
                raise TemplateLimit(f"range of {len(numbers):,} numbers: templates may ask "
                                    f"for at most {MAX_RANGE:,}")
            return numbers

        def concat(self, parts) -> str:  # type: ignore[override]
            """Joins the output of a page, a macro or a block, within the output limit."""
            # (The time budget is checked by the loops that make the parts, where an error
            # can name the template's line.)
            kept, total = [], 0
            for part in parts:
                total += len(part)
                if total > MAX_TEMPLATE_OUTPUT:
                    raise TemplateLimit(f"the template writes more than "
                                        f"{MAX_TEMPLATE_OUTPUT:,} characters")
                kept.append(part)
            return "".join(kept)

        def join_bounded(self, parts: tuple, autoescape: bool) -> str:
            if _size(parts) > MAX_TEMPLATE_VALUE:
                raise _too_big("the joined text")
            texts = [soft_str(part) for part in parts]
            return markup_join(texts) if autoescape else str_join(texts)

        def bounded_filter(self, function: Callable) -> Callable:
            from functools import wraps

            @wraps(function)
            def bounded(*args: Any, **kwargs: Any) -> Any:
                self.check_budget()
                result = function(*args, **kwargs)
                if _size(result) > MAX_TEMPLATE_VALUE:
                    raise _too_big(f"the result of filter '{function.__name__}'")
                return result

            return bounded

        @staticmethod
        def replace_filter(value: Any, old: Any, new: Any, count: Any = None) -> Any:
            text, old, new = soft_str(value), soft_str(old), soft_str(new)
            hits = len(text) + 1 if not old else text.count(old)
            if len(text) + hits * max(0, len(new) - len(old)) > MAX_TEMPLATE_VALUE:
                raise _too_big("the replaced text")
            if isinstance(value, Markup) or not isinstance(value, str):
                return value.replace(old, new, -1 if count is None else count)
            return text.replace(old, new, -1 if count is None else count)

        def install_globals(self, **functions: Any) -> None:
            """Make functions callable from templates by these names."""
            self.globals.update(functions)
            self.trusted_callables.update(id(f) for f in functions.values())

        # -------------------------------------------------------------------- access
        def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
            if attr.startswith("_") or isinstance(value, unsafe_values):
                return False
            hidden = _view_hidden(obj)
            if hidden is not None:
                return attr not in hidden
            if isinstance(obj, LoopContext):
                return attr in _LOOP_ATTRIBUTES
            if isinstance(obj, BlockReference):
                return attr == "super"
            if isinstance(obj, (Namespace, TemplateModule)):
                # what a template set or defined (macros and values): nothing else
                return not callable(value) or isinstance(value, Macro)
            if isinstance(obj, str):
                return attr in _STR_METHODS
            if isinstance(obj, (dict, types.MappingProxyType)):
                return attr in _MAPPING_METHODS
            if isinstance(obj, (list, tuple)):
                return attr in _SEQUENCE_METHODS
            return False

        def is_safe_callable(self, obj: Any) -> bool:
            if isinstance(obj, (Macro, LoopContext, BlockReference)):
                return True
            if id(obj) in self.trusted_callables or obj is BoundedNamespace:
                return True
            owner = getattr(obj, "__self__", None)
            name = getattr(obj, "__name__", "")
            if not isinstance(obj, (types.MethodType, types.BuiltinMethodType)) or (
                    owner is None or name.startswith("_")):
                return False
            hidden = _view_hidden(owner)
            if hidden is not None:
                return name not in hidden
            return self.is_safe_attribute(owner, name, None) and isinstance(owner, plain_types)

        def unsafe_undefined(self, obj: Any, attribute: str) -> Any:
            # Refused at once (Jinja's default is an undefined value that fails when used,
            # which a filter such as `map` or `list` could carry along unnoticed).
            raise SecurityError(f"access to attribute {attribute!r} of "
                                f"{type(obj).__name__!r} object is unsafe")

        def getattr(self, obj: Any, attribute: str) -> Any:
            self.check_budget()
            hidden = _TEMPLATE_VIEWS.get(type(obj))
            if hidden is not None and attribute[:1] != "_" and attribute not in hidden:
                # The common case first: a public attribute of a view.
                try:
                    value = getattr(obj, attribute)
                except AttributeError:
                    return self.undefined(obj=obj, name=attribute)
                if not isinstance(value, unsafe_values):
                    return value
                return self.unsafe_undefined(obj, attribute)
            if isinstance(obj, Undefined) and not attribute.startswith("_"):
                return getattr(obj, attribute)  # StrictUndefined says what is missing
            if isinstance(obj, TemplateReference):
                return self.getitem(obj, attribute)
            if isinstance(obj, (dict, types.MappingProxyType)) and (
                    attribute not in _MAPPING_METHODS):
                try:
                    return obj[attribute]
                except (TypeError, LookupError):
                    return self.undefined(obj=obj, name=attribute)
            if attribute.startswith("_") or not (
                    _view_hidden(obj) is not None or isinstance(obj, (
                        LoopContext, BlockReference, Namespace, TemplateModule, str, list,
                        tuple, dict,
                        types.MappingProxyType))):
                return self.unsafe_undefined(obj, attribute)
            try:
                value = getattr(obj, attribute)
            except AttributeError:
                return self.undefined(obj=obj, name=attribute)
            if self.is_safe_attribute(obj, attribute, value):
                return value
            return self.unsafe_undefined(obj, attribute)

        def getitem(self, obj: Any, argument: Any) -> Any:
            self.check_budget()
            if isinstance(obj, (str, list, tuple, dict, range, types.MappingProxyType,
                                TemplateReference)):
                try:
                    return obj[argument]
                except (TypeError, LookupError):
                    pass
                if isinstance(argument, str) and not isinstance(obj, TemplateReference):
                    return self.getattr(obj, argument)
                return self.undefined(obj=obj, name=argument)
            if isinstance(argument, str):
                return self.getattr(obj, argument)
            return self.undefined(obj=obj, name=argument)

        def call(__self, __context, __obj, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
            __self.check_budget()
            if isinstance(__obj, Undefined):
                return __obj()  # fails saying what is undefined (a missing method, say)
            if not __self.is_safe_callable(__obj):
                raise SecurityError(f"{type(__obj).__name__} object is not safely callable")
            owner = getattr(__obj, "__self__", None)
            if isinstance(owner, str) and getattr(__obj, "__name__", "") in ("join",
                                                                             "replace"):
                __self.check_string_method(owner, __obj.__name__, args)
            for argument in (*args, *kwargs.values()):
                if _size(argument) > MAX_TEMPLATE_VALUE:
                    raise _too_big("an argument")
            result = __context.call(__obj, *args, **kwargs)
            if _size(result) > MAX_TEMPLATE_VALUE:
                raise _too_big("the result of a call")
            return result

        @staticmethod
        def check_string_method(text: str, name: str, args: tuple) -> None:
            if name == "replace" and len(args) >= 2:
                old, new = str(args[0]), str(args[1])
                hits = len(text) + 1 if not old else text.count(old)
                if len(text) + hits * max(0, len(new) - len(old)) > MAX_TEMPLATE_VALUE:
                    raise _too_big("the replaced text")
            if name == "join" and args and isinstance(args[0], (list, tuple, str)):
                if len(text) * len(args[0]) > MAX_TEMPLATE_VALUE:
                    raise _too_big("the joined text")

        def call_binop(self, context, operator_: str, left: Any, right: Any) -> Any:
            self.check_budget()
            if operator_ == "%" and isinstance(left, str):
                raise TemplateLimit("'%' formatting of strings is not available in templates")
            sequences = (str, list, tuple)
            if operator_ == "*":
                if isinstance(left, int) and isinstance(right, sequences):
                    left, right = right, left
                if isinstance(left, sequences) and isinstance(right, int):
                    if _size(left) * max(right, 0) > MAX_TEMPLATE_VALUE:
                        raise _too_big("the repeated value")
                elif isinstance(left, int) and isinstance(right, int) and (
                        abs(left).bit_length() + abs(right).bit_length() > MAX_INTEGER_BITS):
                    raise TemplateLimit("integer too large for a template")
            if operator_ == "+" and isinstance(left, sequences) and isinstance(
                    right, sequences) and _size(left) + _size(right) > MAX_TEMPLATE_VALUE:
                raise _too_big("the joined value")
            if operator_ == "**" and isinstance(left, int) and isinstance(right, int) and (
                    right > 0 and abs(left) > 1
                    and right * abs(left).bit_length() > MAX_INTEGER_BITS):
                raise TemplateLimit("integer too large for a template")
            table = {"*": operator.mul, "+": operator.add, "**": operator.pow,
                     "%": operator.mod, "//": operator.floordiv, "/": operator.truediv}
            return table[operator_](left, right)

    _SANDBOX_CLASS = TemplateSandbox
    return TemplateSandbox


_SANDBOX_CLASS = None


# ---------------------------------------------------------------------------------- templates
def builtin_templates_dir() -> Path:
    """The templates in the wheel (`scendsl/templates`), else the checkout's `templates/`."""
    from importlib.resources import files

    shipped = files("scendsl") / "templates"
    if shipped.is_dir():
        return Path(str(shipped))
    return Path(__file__).resolve().parent.parent.parent / "templates"


def _bytecode_cache(environment: str):
    """Compiled templates kept between runs (a tenth of a second per build), keyed by the
    template's source, so an edited template is recompiled; None where no cache folder can be
    made. Compiled sandboxed templates keep their sandbox checks.

    Each environment has its own folder: the Markdown and HTML environments compile the same
    source differently, so a template compiled by one must never be run by the other (a user
    template including `page.html.j2` would otherwise poison every later build). The cache is
    only made inside a cache or home folder that exists: an odd HOME gets no cache."""
    import os

    from jinja2 import FileSystemBytecodeCache

    base = os.environ.get("XDG_CACHE_HOME") or ""
    if not os.path.isabs(base):
        home = os.environ.get("HOME") or ""
        if not os.path.isabs(home) or not os.path.isdir(home):
            return None
        base = os.path.join(home, ".cache")
    elif not os.path.isdir(base):
        return None
    # Named after the sandbox's code generator: code compiled by an older one is not reused.
    folder = os.path.join(base, "scendsl", "templates-sandbox-3", environment)
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError:
        return None
    return FileSystemBytecodeCache(folder)


class Renderer:
    """Jinja environments (always sandboxed) and the Markdown → HTML pipeline."""

    def __init__(self, templates_dir: str | None = None,
                 globals_: Mapping[str, Any] | None = None) -> None:
        from jinja2 import StrictUndefined, pass_context

        folders = [builtin_templates_dir()]
        if templates_dir is not None:
            if not Path(templates_dir).is_dir():
                raise TemplateProblem(f"templates folder '{templates_dir}' does not exist")
            folders.insert(0, Path(templates_dir))
        self.folders = folders
        loader = _template_loader(folders)
        self._loader = loader
        self._spent = 0.0  # seconds of the rendering time budget used so far

        @pass_context
        def finalize(context, value: Any) -> Markup:
            if isinstance(value, Markup):
                return value
            if is_template_number(value):
                return number_markup(context["page"], value)
            if value is None:
                return Markup("n/a")
            return md_escape(value)

        sandbox = _sandbox_environment_class()
        self.markdown_env = sandbox(
            loader=loader, autoescape=True, finalize=finalize, undefined=StrictUndefined,
            trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
            bytecode_cache=_bytecode_cache("markdown"))
        # The HTML page (its head, styles and the policy that forbids scripts) is ours alone:
        # user templates shape the Markdown, which is cleaned before it becomes HTML.
        self.html_env = sandbox(
            loader=_template_loader([builtin_templates_dir()]), autoescape=True,
            undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
            keep_trailing_newline=True, bytecode_cache=_bytecode_cache("html"))
        self._install_filters(pass_context)
        if globals_:
            self.markdown_env.install_globals(**globals_)

    def _install_filters(self, pass_context: Callable) -> None:
        env = self.markdown_env

        def join(values, separator: str = ", ") -> Markup:
            values = list(values)
            if _size(values) + len(values) * _size(separator) > MAX_TEMPLATE_VALUE:
                raise _too_big("the joined text")
            if not isinstance(separator, Markup):  # spaces of a separator are kept
                separator = Markup(_escape_characters(_UNWANTED_RE.sub("", str(separator))))
            return separator.join(v if isinstance(v, Markup) else md_escape(v) for v in values)

        @pass_context
        def num(context, value) -> Markup:
            return number_markup(context["page"], value)

        @pass_context
        def with_range(context, value) -> Markup:
            """A figure and, when it varies with the scenario's ranges, its 90 % interval:
            `224 MW (201–246 MW)`; the interval is muted text in HTML."""
            page = context["page"]
            shown = number_markup(page, value)
            interval = clean_text(getattr(value, "interval", "") or "")
            if not interval:
                return shown
            return shown + Markup(" ") + page.token(
                f"({md_escape(interval)})",
                f'<span class="range" title="90% interval: 5th to 95th percentile of the '
                f'Monte Carlo samples">({html.escape(interval)})</span>')

        def url(name: str, anchor: str | None = None) -> Markup:
            """Link target of a page: `name.md` (the HTML page rewrites it to `name.html`)."""
            safe_name = re.sub(r"[^A-Za-z0-9_\-]", "", str(name))
            safe_anchor = re.sub(r"[^A-Za-z0-9_\-]", "", str(anchor)) if anchor else ""
            return Markup(f"{safe_name}.md" + (f"#{safe_anchor}" if safe_anchor else ""))

        @pass_context
        def badge(context, rating: str | None) -> Markup:
            """A risk rating: bold text in Markdown, a coloured label in HTML."""
            text = clean_text(rating or "not rated")
            css = rating if rating in ("low", "medium", "high") else "na"
            return context["page"].token(f"**{md_escape(text)}**",
                                         f'<span class="rating {css}">{html.escape(text)}</span>')

        @pass_context
        def verdict(context, holds: bool | None) -> Markup:
            """A claim's verdict: bold text in Markdown, a coloured label in HTML."""
            if holds not in (True, False, None):
                raise TypeError("verdict takes true, false or none")
            text = {True: "holds", False: "fails", None: "n/a"}[holds]
            css = {True: "holds", False: "fails", None: "na"}[holds]
            return context["page"].token(f"**{text}**" if holds is not None else text,
                                         f'<span class="verdict {css}">{text}</span>')

        @pass_context
        def end_quote(context) -> Markup:
            """Ends a quoted box: a quoted box right after it is a box of its own (the HTML
            converter would join two quotes with only a blank line between them). Shows
            nothing: a line on its own, it is a blank line in Markdown and no element in HTML."""
            return context["page"].token("", "")

        ours = dict(md=md_escape, code=md_code, join=join, e=md_escape, shorten=shorten,
                    escape=md_escape, num=num, badge=badge, verdict=verdict, with_range=with_range)
        env.filters.update({name: env.bounded_filter(f) for name, f in ours.items()})
        env.install_globals(url=url, end_quote=end_quote)

    # ------------------------------------------------------------------------------ rendering
    def render(self, template: str, page: Page, context: Mapping[str, Any]) -> str:
        """Render one template; the text keeps the page's placeholder tokens.

        Raises TemplateProblem (located in the template) on any template error.
        """
        return self._within_budget(
            self.markdown_env, template,
            lambda: self.markdown_env.get_template(template).render(dict(context, page=page)))

    def _within_budget(self, env: Any, template: str, work: Callable[[], str]) -> str:
        """Run `work` (one template) within what is left of the build's rendering time; any
        error it raises is a TemplateProblem located in the template (a template can only
        make a template error: what it passes to the functions it calls is its own doing)."""
        import time

        started = time.perf_counter()
        left = RENDER_SECONDS - self._spent
        env.deadline = started + left
        env.loop_items = 0
        try:
            # A backstop after the sandbox's own deadline (whose errors name the line): it stops
            # what the sandbox cannot see, such as compiling a huge template.
            with _alarm(left + ALARM_GRACE):
                return work()
        except Exception as error:
            raise self._problem(error, template) from None
        finally:
            env.deadline = float("inf")
            self._spent += time.perf_counter() - started

    @staticmethod
    def markdown_file(text: str, page: Page) -> str:
        """The `.md` file: every token in its Markdown form, runs of blank lines collapsed."""
        text = _TOKEN_RE.sub(lambda m: page.fragments[int(m.group(1))][0]
                             if int(m.group(1)) < len(page.fragments) else "", text)
        text = _UNWANTED_RE.sub("", text)
        return _BLANK_LINES_RE.sub("\n\n", text).strip("\n") + "\n"

    @staticmethod
    def html_body(text: str) -> str:
        """The rendered text as cleaned HTML (see `html_body`)."""
        return html_body(text)

    def html_document(self, body: str, page: Page, title: str) -> str:
        """The cleaned body with numbers and charts filled in, wrapped in the page template."""
        body = _substitute(body, [html_form for _, html_form in page.fragments])
        return self._within_budget(
            self.html_env, "page.html.j2",
            lambda: self.html_env.get_template("page.html.j2").render(
                title=clean_text(title), body=Markup(body), page=page.name))

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
            message = (f"template {template}: templates nest too deeply (a template that "
                       "includes or extends itself, a macro that calls itself without end, or "
                       "an expression nested too deep?)")
        elif isinstance(error, SyntaxError) and not located:
            message = (f"template {template}: the template nests too deeply to be compiled "
                       f"({error.msg})")
        elif isinstance(error, (TemplateLimit, TemplateFileProblem)):
            message = f"template {template}: {error}"
        else:
            message = f"template {template}: {kind}: {clean_text(error)[:300]}"
        return TemplateProblem(message, file or self._loader.paths.get(template, template), line)


@contextmanager
def _alarm(seconds: float):
    """Raise TemplateLimit in the main thread once `seconds` have passed (where signals can
    be used; elsewhere the sandbox's own checks are the only bound)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread() or not hasattr(
            signal, "setitimer"):
        yield
        return

    def expired(signum: int, frame: Any) -> None:
        raise TemplateLimit(f"rendering took longer than {RENDER_SECONDS:g} s (the limit for "
                            "templates): a template too large to compile, or a loop too long?")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.001))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class TemplateFileProblem(Exception):
    """A template file that cannot be used: outside the template folders, unreadable, not a
    file, not UTF-8, too big. `filename` and `lineno` locate it when known."""

    def __init__(self, message: str, filename: str | None = None,
                 lineno: int | None = None) -> None:
        super().__init__(message)
        self.filename, self.lineno = filename, lineno


def _template_loader(folders: list[Path]):
    """A loader that reads templates from the folders, in order, and only from inside them:
    a path whose real location (symbolic links followed) is outside its folder is refused,
    as is anything that is not a regular UTF-8 file of at most MAX_TEMPLATE_FILE bytes."""
    import os
    import stat

    from jinja2 import BaseLoader, TemplateNotFound
    from jinja2.loaders import split_template_path

    class FolderLoader(BaseLoader):
        def __init__(self) -> None:
            self.folders = [(str(folder), os.path.realpath(folder)) for folder in folders]
            #: File names of the templates read (to locate errors in them), by template name.
            self.paths: dict[str, str] = {}
            self.files: set[str] = set()

        def get_source(self, environment: Any, template: str) -> tuple[str, str, Any]:
            pieces = split_template_path(template)
            for folder, real_folder in self.folders:
                path = os.path.join(folder, *pieces)
                if not os.path.lexists(path):
                    continue
                real = os.path.realpath(path)
                if os.path.commonpath([real, real_folder]) != real_folder:
                    raise TemplateFileProblem(
                        f"template '{template}' leads outside the templates folder through "
                        "a symbolic link (templates are read only from their folder)")
                if os.path.isdir(real):
                    continue
                self.paths.setdefault(template, path)
                return self._read(template, path, real)
            raise TemplateNotFound(template)

        def _read(self, template: str, path: str, real: str) -> tuple[str, str, Any]:
            try:
                # O_NONBLOCK: a FIFO named like a template must not hang the build.
                fd = os.open(real, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
            except OSError as error:
                raise TemplateFileProblem(f"cannot read template '{template}': "
                                          f"{error.strerror}", path) from None
            with os.fdopen(fd, "rb") as handle:
                info = os.fstat(handle.fileno())
                if not stat.S_ISREG(info.st_mode):
                    raise TemplateFileProblem(f"template '{template}' is not a regular file",
                                              path)
                if info.st_size > MAX_TEMPLATE_FILE:
                    raise TemplateFileProblem(f"template '{template}' is larger than "
                                              f"{MAX_TEMPLATE_FILE:,} bytes", path)
                try:
                    data = handle.read(MAX_TEMPLATE_FILE + 1)
                except OSError as error:
                    raise TemplateFileProblem(f"cannot read template '{template}': "
                                              f"{error.strerror}", path) from None
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as error:
                raise TemplateFileProblem(
                    f"template '{template}' is not UTF-8 text (byte {error.start + 1})",
                    path, data[:error.start].count(b"\n") + 1) from None
            private = _PRIVATE_USE_RE.search(text)
            if private:
                raise TemplateFileProblem(
                    f"template '{template}' contains the private-use character "
                    f"U+{ord(private.group()):04X} (reserved for the build's placeholders)",
                    path, text.count("\n", 0, private.start()) + 1)
            self.files.add(path)
            self.paths[template] = path
            mtime = info.st_mtime
            return text, path, lambda: _mtime(real) == mtime

    return FolderLoader()


def _mtime(path: str) -> float | None:
    import os

    try:
        return os.path.getmtime(path)
    except OSError:
        return None


_markdown_converter = None


def markdown_to_html(text: str) -> str:
    """Markdown to HTML with the extensions our templates use (one converter per process)."""
    global _markdown_converter
    if _markdown_converter is None:
        import markdown

        converter = markdown.Markdown(extensions=["tables", "sane_lists", "toc"],
                                      output_format="html",
                                      # toc only gives headings their ids; no "[TOC]"
                                      # marker is looked for (a walk of every page's tree)
                                      extension_configs={"toc": {"permalink": False,
                                                                 "marker": ""}})
        # Raw HTML never passes (scenario text has none: `<` is escaped), and the syntax our
        # templates do not use goes too: safer, and a third faster on large tables.
        for name in _UNUSED_INLINE_PATTERNS:
            converter.inlinePatterns.deregister(name, strict=False)
        converter.preprocessors.deregister("html_block", strict=False)
        _markdown_converter = converter
    _markdown_converter.reset()
    return _markdown_converter.convert(text)


def html_body(text: str) -> str:
    """A rendered page as cleaned HTML with links to `.html` pages; placeholder tokens stay.

    A pure function of the text, so a worker process can do it for some of the pages.
    """
    body = sanitize(markdown_to_html(_BLANK_LINES_RE.sub("\n\n", text)))
    return _PAGE_LINK_RE.sub(r'href="\1.html\2"', body)


def sanitize(body: str) -> str:
    """Keep only the tags Markdown emits; drop scripts, event handlers and unsafe URLs."""
    import nh3

    return nh3.clean(body, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                     clean_content_tags={"script", "style"},
                     url_schemes={"http", "https", "mailto"},
                     link_rel="noopener noreferrer", strip_comments=True)


# A paragraph up to its first "</p>" (the loop unrolled: no lookahead at every character).
_PARAGRAPH_RE = re.compile(r"<p>([^<]*(?:<(?!/p>)[^<]*)*)</p>")


def _substitute(body: str, fragments: list[str]) -> str:
    """Replace tokens by their trusted HTML; block content never ends up inside a `<p>`."""

    def paragraph(match: re.Match) -> str:
        inner = match.group(1)
        only = _TOKEN_RE.fullmatch(inner.strip())
        if only is not None:
            alone = fragment(only)
            if not alone or alone.lstrip().startswith(("<figure", "<svg")):
                return alone  # a chart on its own line replaces the paragraph
        if "<details" in "".join(fragment(m) for m in _TOKEN_RE.finditer(inner)):
            return f'<div class="p">{inner}</div>'  # <details> is not allowed inside <p>
        return match.group(0)

    def fragment(match: re.Match) -> str:
        index = int(match.group(1))
        return str(fragments[index]) if index < len(fragments) else ""

    body = _PARAGRAPH_RE.sub(paragraph, body)
    body = _TOKEN_RE.sub(fragment, body)
    return _UNWANTED_RE.sub("", body)
