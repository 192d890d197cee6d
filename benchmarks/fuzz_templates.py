"""Fuzz user templates (`scendsl build --templates DIR`): random Jinja over the real template data.

    python benchmarks/fuzz_templates.py --cases 10000 --seed 1

Each case is a random `index.md.j2` (and sometimes a partial it includes or imports, a symbolic
link out of the folder, a FIFO or a non-UTF-8 file) from a small grammar of statements and
expressions over the names templates get: attribute chains over the views, filters, tests,
loops, macros, includes, and the known sandbox-escape fragments. The scenarios are loaded and
evaluated once; each case renders its index page the way the build does (Renderer, the
template data of `template_site`, Markdown and HTML, charts), and one case in 200 runs the
whole `build` into a fresh output folder.

The contract: a case renders, or is refused with a ScenarioError (a located user error). Counted
as failures: any other exception (an internal error), a file written outside the output folder,
and a page that shows `/etc/passwd`, a Python object's memory address (`<... at 0x7f...>`:
an object that is not data, written) or carries a `<script>` into the HTML. Prints
`fuzz_template_cases N`, `fuzz_template_internal_errors N`, `fuzz_template_outside_writes N`,
`fuzz_template_leaks N`, `fuzz_template_refused N`, `fuzz_template_slowest S s` and the rate.
The rendering time budget is lowered to half a second so cases that loop without end are quick.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SCENARIO = ROOT / "tests" / "fixtures" / "sketch" / "language-sketch.scn"
FULL_BUILD_EVERY = 200
#: A Python object's made-up text on a page: `<... object at 0x7f3a...>`, escaped or not.
_ADDRESS = re.compile(rb" at 0x[0-9a-f]{6,}")

NAMES = [
    "scenarios",
    "sweeps",
    "risk_rules",
    "reference_catalog",
    "pages",
    "s",
    "page",
    "self",
    "range",
    "dict",
    "namespace",
    "chart",
    "url",
    "end_quote",
    "table",
    "em",
    "link",
    "cycler",
    "joiner",
    "lipsum",
    "nothing",
    "x",
    "ns",
    "ui",
]
ESCAPES = [
    "__class__",
    "__mro__",
    "__subclasses__",
    "__globals__",
    "__init__",
    "__dict__",
    "__self__",
    "__func__",
    "__code__",
    "__builtins__",
    "_result",
    "_catalog",
    "_numbers",
    "parse_raw",
    "parse_file",
    "model_dump",
    "model_fields",
    "format",
    "format_map",
    "pop",
    "append",
    "update",
    "token",
    "fragments",
    "attach_run",
    "html_cache",
    "gi_frame",
    "f_globals",
    "_TemplateReference__context",
    "environment",
    "_func",
    "__getitem__",
    "mro",
    "copy",
    "setdefault",
    "clear",
    "_explain",
    "_run",
    "_laws",
    "__reduce__",
    "_environment",
    "_body_stream",
    "globals",
    "loader",
    "cache",
]
FILTERS = [
    "abs",
    "attr('__class__')",
    "attr('title')",
    "capitalize",
    "count",
    "default('d')",
    "dictsort",
    "first",
    "float",
    "groupby('name')",
    "int",
    "items",
    "last",
    "length",
    "list",
    "lower",
    "map(attribute='name')",
    "map('upper')",
    "max",
    "min",
    "reject",
    "rejectattr('name')",
    "replace('a', 'bb')",
    "reverse",
    "round",
    "select",
    "selectattr('available')",
    "sort",
    "sort(attribute='title')",
    "string",
    "sum",
    "title",
    "trim",
    "truncate(5)",
    "unique",
    "upper",
    "wordcount",
    "md",
    "code",
    "join",
    "join(', ')",
    "shorten",
    "shorten(10)",
    "num",
    "badge",
    "verdict",
    "with_range",
    "e",
    "escape",
    "safe",
    "format(1)",
    "center(10)",
    "indent(4)",
    "wordwrap(5)",
    "batch(2)",
    "slice(2)",
    "pprint",
    "urlize",
    "xmlattr",
    "tojson",
    "random",
    "filesizeformat",
    "forceescape",
    "urlencode",
    "map('format', 1)",
]
TESTS = [
    "defined",
    "undefined",
    "none",
    "number",
    "string",
    "mapping",
    "sequence",
    "iterable",
    "callable",
    "sameas none",
    "eq 1",
    "in [1, 2]",
    "divisibleby 2",
    "odd",
    "even",
    "lower",
    "upper",
    "true",
    "false",
    "boolean",
    "float",
    "integer",
    "escaped",
]
STRINGS = [
    "''",
    "'x'",
    "'<script>alert(1)</script>'",
    "'{0.__class__}'",
    "'%s'",
    "'[x](javascript:alert(1))'",
    "'energy.facility_power'",
    "'compute.peak'",
    "'index'",
    "'\\ue000 0 \\ue001'",
    "'# h'",
    "'**b**'",
    "'a|b'",
    "'é→²'",
    "'x' * 1000",
    "'colossus2'",
    "'power_by_source'",
    "'compute'",
    "'trajectory'",
    "'intervals'",
    "'tornado'",
    "'bogus'",
]
NUMBERS = [
    "0",
    "1",
    "-1",
    "2",
    "3.5",
    "1e308",
    "10**6",
    "10**100",
    "100000",
    "10000",
    "1.0/3",
    "none",
    "true",
    "false",
]
OPERATORS = [
    "+",
    "-",
    "*",
    "/",
    "//",
    "%",
    "**",
    "~",
    "==",
    "!=",
    "<",
    ">=",
    "and",
    "or",
    "in",
    "not in",
]
ATTRIBUTES: list[str] = []  # public names of the registered views, filled by Harness()
#: Half the cases are "plain": only names, filters and attributes a template may use, so that
#: more of them render and the rendering code further in is reached.
PLAIN_NAMES = ["scenarios", "sweeps", "risk_rules", "reference_catalog", "pages", "s", "x"]
PLAIN_FILTERS = FILTERS[: FILTERS.index("with_range") + 1]
PLAIN_CALLS = [
    "range(3)",
    "dict(a=1)",
    "url('index', 'a')",
    "end_quote()",
    "em('*x*')",
    "link('<b>x</b>', 'risk', 'a')",
    "s.m('energy.facility_power')",
    "s.m('compute.peak')",
    "s.has('x')",
    "s.figures('energy')",
    "s.breakdown('energy.facility_power')",
    "s.value('energy.power_by_source')",
    "s.missing('energy')",
]
_plain = False


_TAG_RE = re.compile(r'<[A-Za-z][^>"]*(?:"[^"]*"[^>"]*)*>')
_HANDLER_RE = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


def _broken_tag(page: str) -> bool:
    """A tag holding another tag or an event handler: HTML past the cleaner, in an attribute."""
    body = page.split("<body", 1)[-1]
    return any(
        "<" in tag[1:] or _HANDLER_RE.search(re.sub(r'"[^"]*"', '""', tag))
        for tag in _TAG_RE.findall(body)
    )


def _names() -> list[str]:
    return PLAIN_NAMES if _plain else NAMES


def _attribute(rng: random.Random) -> str:
    if _plain or rng.random() >= 0.15:
        return rng.choice(ATTRIBUTES)
    return rng.choice(ESCAPES)


def expression(rng: random.Random, depth: int = 0) -> str:
    """A random Jinja expression over the template names."""
    if depth > 3:
        return rng.choice(_names() + STRINGS + NUMBERS)
    roll = rng.random()
    inner = lambda: f"({expression(rng, depth + 1)})"  # noqa: E731
    if roll < 0.2:
        return rng.choice(_names())
    if roll < 0.3:
        return rng.choice(STRINGS + NUMBERS)
    if roll < 0.45:
        return f"{inner()}.{_attribute(rng)}"
    if roll < 0.5:
        return f"{inner()}[{rng.choice(NUMBERS[:4] + STRINGS[:3] + [repr(_attribute(rng))])}]"
    if roll < 0.6:
        args = ", ".join(inner() for _ in range(rng.randrange(3)))
        return f"{inner()}.{_attribute(rng)}({args})"
    if roll < 0.68:
        if _plain:
            return rng.choice(PLAIN_CALLS)
        args = ", ".join(inner() for _ in range(rng.randrange(3)))
        return f"{rng.choice(NAMES)}({args})"
    if roll < 0.8:
        return f"{inner()}|{rng.choice(PLAIN_FILTERS if _plain else FILTERS)}"
    if roll < 0.88:
        return f"({inner()} {rng.choice(OPERATORS)} {inner()})"
    if roll < 0.92:
        return f"({inner()} is {rng.choice(TESTS)})"
    if roll < 0.96:
        return f"[{inner()}, {inner()}]"
    return f"({inner()} if {inner()} else {inner()})"


def statements(rng: random.Random, depth: int = 0) -> str:
    """A random run of template statements."""
    parts = []
    for _ in range(rng.randrange(1, 5)):
        roll = rng.random()
        body = (lambda: statements(rng, depth + 1)) if depth < 2 else (lambda: "t")
        if roll < 0.3:
            parts.append(f"{{{{ {expression(rng)} }}}}\n")
        elif roll < 0.4:
            parts.append(f"{{% set {rng.choice(['x', 's', 'ns'])} = {expression(rng)} %}}")
        elif roll < 0.52:
            attribute = rng.choice(
                ["index", "cycle(1, 2)", "last", "revindex", "first"] + ([] if _plain else ESCAPES)
            )
            parts.append(
                f"{{% for x in {expression(rng)} %}}{{{{ loop.{attribute} }}}}"
                f"{body()}{{% else %}}e{{% endfor %}}"
            )
        elif roll < 0.6:
            parts.append(f"{{% if {expression(rng)} %}}{body()}{{% else %}}{body()}{{% endif %}}")
        elif roll < 0.66:
            parts.append(
                f"{{% macro m(a, b=1) %}}{body()}{{{{ a }}}}{{{{ caller() if caller }}}}"
                f"{{% endmacro %}}{{{{ m({expression(rng)}) }}}}"
                f"{{% call m(1) %}}{body()}{{% endcall %}}"
            )
        elif roll < 0.72:
            parts.append(
                rng.choice(
                    [
                        "{% include '_part.md.j2' %}",
                        "{% import '_part.md.j2' as ui %}{{ ui.p(1) }}",
                        "{% include 'sub/passwd' %}",
                        "{% include '/etc/passwd' %}",
                        "{% include '../index.md.j2' %}",
                        "{% include 'index.md.j2' %}",
                        "{% include 'fifo.md.j2' %}",
                        "{% include 'latin.md.j2' %}",
                        "{% include 'scenario.md.j2' %}",
                        "{% include ['nope', '_part.md.j2'] %}",
                        "{% from '_part.md.j2' import p %}{{ p(scenarios) }}",
                        "{% include page %}",
                        "{% include x %}",
                    ]
                )
            )
        elif roll < 0.78:
            parts.append(
                f"{{% set ns = namespace(a={expression(rng)}) %}}"
                f"{{% set ns.a = {expression(rng)} %}}{{{{ ns.a }}}}"
            )
        elif roll < 0.84:
            parts.append(
                rng.choice(
                    [
                        "# Title\n",
                        "| a | b |\n|---|---|\n| 1 | 2 |\n",
                        "<script>alert(1)</script>\n",
                        "[l](javascript:x)\n",
                        "\ue000 1 \ue001",
                        "{% raw %}{{ x }}{% endraw %}",
                        "{{ self.__init__ }}",
                        "{{ self._TemplateReference__context }}",
                        "{% block b %}blk{% endblock %}{{ self.b() }}",
                        "{% filter upper %}t{% endfilter %}",
                        "{% with y = 1 %}{{ y }}{% endwith %}",
                    ]
                )
            )
        elif roll < 0.87:
            # A table made as HTML by the renderer: its words and values, raw HTML among them.
            parts.append(
                f"{{% call table('a', {expression(rng)}) %}}\n| {{{{ {expression(rng)} }}}} | "
                f"{body()} |\n| <script>alert(1)</script> |\n{{% endcall %}}\n"
                f"{{% call em() %}}{body()}<script>alert(2)</script>{{% endcall %}}\n"
            )
        elif roll < 0.89:
            # Placeholders (made or forged) in a link's address and in a tag a cell keeps:
            # filled in there, their HTML would end the attribute.
            value = rng.choice(
                [
                    expression(rng),
                    "em('x') ~ '\\ue0000\\ue001'",
                    "'\\ue0001\\ue001'",
                    "link('y*\\\" onclick=\\\"alert(1)', 'risk')",
                ]
            )
            parts.append(
                f"[l](https://e.example/{{{{ {value} }}}})\n"
                f"{{% call table('a') %}}| {{{{ link('y*\\\" onclick=\\\"x', 'risk') }}}} | "
                f'<a href="https://e.example/{{{{ {value} }}}}">a</a> |{{% endcall %}}\n'
            )
        elif roll < 0.91:
            parts.append(
                f"{{{{ chart({rng.choice(STRINGS[-6:])}, {expression(rng)}"
                f"{', ' + expression(rng) if rng.random() < 0.3 else ''}) }}}}"
            )
        elif roll < 0.98:
            parts.append("{% set s = scenarios[0] %}")
        elif not _plain:
            parts.append(
                rng.choice(
                    [
                        "{% for",
                        "{{ x",
                        "{% endif %}",
                        "{{ }}",
                        "{% set %}",
                        "{{ 1 +* 2 }}",
                        "{% extends '_part.md.j2' %}",
                    ]
                )
            )
    return "".join(parts)


# --------------------------------------------------------------------------------- harness
class Harness:
    """The scenarios loaded and evaluated once; renders one case's index page like the build."""

    def __init__(self) -> None:
        from scendsl.app import build
        from scendsl.report import pages, sandbox

        captured = {}
        original = build.render_pages

        def capture(views, sweeps, catalog, *rest, **kwargs):
            captured.update(views=views, sweeps=sweeps, catalog=catalog)
            return {}

        build.render_pages = capture
        try:
            build.render_files([str(SCENARIO)], samples=500)
        finally:
            build.render_pages = original
        self.views, self.sweeps, self.catalog = (
            captured["views"],
            captured["sweeps"],
            captured["catalog"],
        )
        self.site = pages.template_site(self.views, self.sweeps, self.catalog)
        self.drawn: dict[str, str | None] = {}
        ATTRIBUTES[:] = sorted(
            {
                name
                for cls in sandbox._TEMPLATE_VIEWS
                for name in dir(cls)
                if not name.startswith("_")
            }
            | {"title", "name", "count"}
        )

    def render_index(self, folder: str) -> dict[str, bytes]:
        """The index page of a build with templates `folder` (raises ScenarioError)."""
        from scendsl.report import pages
        from scendsl.report.charts import draw
        from scendsl.report.render import Page, Renderer, TemplateProblem, html_body

        requests = pages.ChartRequests()
        try:
            chart = pages.chart_function(
                requests, max_charts=20 + 10 * (len(self.views) + len(self.sweeps))
            )
            renderer = Renderer(folder, {"chart": chart})
            page = Page("index")
            text = renderer.render("index.md.j2", page, self.site)
            markdown = renderer.markdown_file(text, page)
            for key, job in requests.take_new():
                if key not in self.drawn:
                    self.drawn[key] = draw(job)[0]
            page.fragments = [
                (md, pages._chart_fragment(self.drawn.get(form.key)))
                if isinstance(form, pages.ChartSlot)
                else (md, form)
                for md, form in page.fragments
            ]
            html = renderer.html_document(html_body(text), page, "Briefings")
        except TemplateProblem as problem:
            raise pages._as_scenario_error(problem) from None
        return {"index.md": markdown.encode(), "index.html": html.encode()}


def _write_case(rng: random.Random, root: Path) -> Path:
    global _plain
    _plain = rng.random() < 0.5
    folder = root / "tpl"
    folder.mkdir()
    prefix = "{% set s = scenarios[0] %}{% set x = s %}" if _plain else ""
    (folder / "index.md.j2").write_text(prefix + statements(rng), encoding="utf-8")
    if rng.random() < 0.5:
        (folder / "_part.md.j2").write_text(
            "{% macro p(a) %}" + statements(rng, 1) + "{{ a }}{% endmacro %}" + statements(rng, 2),
            encoding="utf-8",
        )
    if rng.random() < 0.1:
        (folder / "sub").symlink_to("/etc")
    if rng.random() < 0.05:
        os.mkfifo(folder / "fifo.md.j2")
    if rng.random() < 0.05:
        (folder / "latin.md.j2").write_bytes(b"caf\xe9 {{ 1 }}\n")
    return folder


def _files_outside(root: Path) -> list[str]:
    """Files under the case's folder other than its templates and its output folder."""
    found = []
    for path in root.rglob("*"):
        top = path.relative_to(root).parts[0]
        if top not in ("tpl", "out"):
            found.append(str(path.relative_to(root)))
    return found


def run(cases: int, seed: int) -> dict:
    """Render `cases` random templates; counts of internal errors, writes outside the output
    folder and leaks (see the module's docstring), with the failing templates."""
    from scendsl.app.build import build
    from scendsl.errors import ScenarioError
    from scendsl.report import sandbox

    saved_budget, sandbox.RENDER_SECONDS = sandbox.RENDER_SECONDS, 0.5
    try:
        return _run(cases, seed, ScenarioError, build)
    finally:
        sandbox.RENDER_SECONDS = saved_budget


def _run(cases: int, seed: int, ScenarioError: type, build) -> dict:
    harness = Harness()
    counts = {
        "cases": 0,
        "internal_errors": 0,
        "outside_writes": 0,
        "leaks": 0,
        "refused": 0,
        "slowest": 0.0,
        "seconds": 0.0,
    }
    failures: list[dict] = []
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="scendsl-fuzz-templates-"))
    try:
        for index in range(cases):
            rng = random.Random(f"{seed}:{index}")
            root = work / f"case{index}"
            root.mkdir()
            folder = _write_case(rng, root)
            clock = time.perf_counter()
            problem = None
            files: dict[str, bytes] = {}
            try:
                if index % FULL_BUILD_EVERY == FULL_BUILD_EVERY - 1:
                    build([str(SCENARIO)], str(root / "out"), templates_dir=str(folder), samples=0)
                    files = {p.name: p.read_bytes() for p in (root / "out").glob("index.*")}
                else:
                    files = harness.render_index(str(folder))
            except ScenarioError as error:
                counts["refused"] += 1
                str(error)  # must render
            except BaseException as error:  # the fuzzer's whole point
                if isinstance(error, KeyboardInterrupt):
                    raise
                counts["internal_errors"] += 1
                problem = "".join(traceback.format_exception(error))
            counts["slowest"] = max(counts["slowest"], time.perf_counter() - clock)
            outside = _files_outside(root)
            if outside:
                counts["outside_writes"] += 1
                problem = f"wrote outside the output folder: {outside}"
            text = b"".join(files.values())
            index_html = files.get("index.html", b"").decode("utf-8", "replace")
            if b"root:x:0:0" in text or "<script" in index_html or _broken_tag(index_html):
                counts["leaks"] += 1
                problem = "page shows /etc/passwd, carries <script> or a tag holding HTML"
            elif _ADDRESS.search(text):
                counts["leaks"] += 1
                problem = "page shows a Python object's text (its memory address)"
            if problem is not None:
                failures.append(
                    {
                        "case": index,
                        "problem": problem,
                        "template": (folder / "index.md.j2").read_text("utf-8"),
                    }
                )
            counts["cases"] += 1
            shutil.rmtree(root, ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    counts["seconds"] = time.perf_counter() - started
    counts["failures"] = failures
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--show", type=int, default=3, help="failing templates to print")
    args = parser.parse_args(argv)
    result = run(args.cases, args.seed)
    for failure in result["failures"][: args.show]:
        print(
            f"--- case {failure['case']}: {failure['problem']}\n{failure['template']}",
            file=sys.stderr,
        )
    print(f"fuzz_template_cases {result['cases']}")
    print(f"fuzz_template_internal_errors {result['internal_errors']}")
    print(f"fuzz_template_outside_writes {result['outside_writes']}")
    print(f"fuzz_template_leaks {result['leaks']}")
    print(f"fuzz_template_refused {result['refused']}")
    print(f"fuzz_template_slowest {result['slowest']:.2f} s")
    print(f"fuzz_template_rate {result['cases'] / max(result['seconds'], 1e-9):.1f} cases/s")
    return 1 if result["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
