"""The briefing pages: page names, the data every template gets, chart requests, and the
rendering of every page for both targets (Markdown files and HTML pages).

Presentation only: the views come made and evaluated (scendsl.app.build makes them); the work
of turning pages into HTML and drawing charts is handed to `sharing` (scendsl.app.pools), which
does it here or in worker processes, with the same bytes either way.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Container
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from scendsl.errors import ScenarioError, Span
from scendsl.model.risk import Condition, RiskDefinition, Rule
from scendsl.report.render import TOPICAL_PAGES, Page, Renderer, TemplateProblem
from scendsl.report.sandbox import read_only, template_view
from scendsl.report.views import RiskView, ScenarioView, SweepView
from scendsl.suggest import quoted

if TYPE_CHECKING:
    from scendsl.catalog import Catalog

# The risk register's rules come from the model (which knows nothing of templates); the risk
# page reads them, so they are template views here.
for _rule_class in (Condition, Rule, RiskDefinition):
    template_view()(_rule_class)


class WorkSharer(Protocol):
    """Where charts are drawn and pages converted to HTML (scendsl.app.pools.WorkSharing)."""

    def chart(self, key: str, job: tuple[str, tuple[Any, ...]]) -> None: ...

    def page(self, text: str) -> None: ...

    def finish(self) -> tuple[dict[str, str | None], list[str]]: ...


def page_names(names: list[str]) -> dict[str, str]:
    """File stem per scenario; names that clash with a topical page, with a name Windows keeps
    for a device (`CON`, `nul`, `COM0`: `files.windows_device_name`), or with each other on a
    case-insensitive file system, get a `scenario-` prefix or a number."""
    from scendsl.files import windows_device_name

    stems: dict[str, str] = {}
    taken = {page.casefold() for page in TOPICAL_PAGES}
    for name in names:
        clash = name.casefold() in taken or windows_device_name(name)
        stem = name if not clash else f"scenario-{name}"
        number = 2
        while stem.casefold() in taken:
            stem, number = f"scenario-{name}-{number}", number + 1
        taken.add(stem.casefold())
        stems[name] = stem
    return stems


def attach_risks(views: list[ScenarioView]) -> None:
    """Rate each scenario against the risk rules (scendsl.model.risk): its `risks`."""
    from scendsl.model.risk import assess, load_rules

    rules = load_rules()
    for view in views:
        view.jurisdiction_rules = _jurisdiction_rows(view, rules)
        for assessment in assess(view.value, rules):
            rule = assessment.rule
            # The value shown is that of the metric the deciding rule tests (the first, for a
            # rule on several); the risk's declared driver when no condition decided.
            driver = (
                rule.when[0].metric if rule is not None and rule.when else (assessment.risk.driver)
            )
            view.risks.append(
                RiskView(
                    assessment.risk.key,
                    assessment.risk.title,
                    assessment.risk.concern,
                    assessment.rating,
                    view.m(driver),
                    rule.describe() if rule else "",
                    rule.reason if rule else "",
                    rule.source if rule else "",
                    rule.confidence if rule else "",
                    list(assessment.caveats),
                )
            )


def _jurisdiction_rows(view: ScenarioView, rules: Any) -> list[dict[str, Any]]:
    """The catalog's rules written for the scenario's region, as plain rows for its page."""
    from scendsl.model.risk import jurisdiction_rules

    return [
        {
            "risk": found.risk.title,
            "where": found.rule.where(),
            "in_force": found.in_force,
            "rating": found.rule.rating,
            "condition": found.rule.describe(),
            "source": found.rule.source,
        }
        for found in jurisdiction_rules(view.region, view.year, rules)
    ]


# ---------------------------------------------------------------------------------- charts
class ChartRequests:
    """Charts templates ask for, as plain-data jobs; drawn after rendering.

    Deferring the drawing lets a second process draw while this one turns Markdown into HTML.
    A chart is keyed by its content, so pages that show the same data share one drawing (five
    Colossus2 variants with the same peak get the same chart against the references).
    """

    def __init__(self) -> None:
        self.jobs: dict[str, tuple[str, tuple[Any, ...]]] = {}
        self._taken = 0

    def take_new(self) -> list[tuple[str, tuple[str, tuple[Any, ...]]]]:
        """Jobs asked for since the last call, in order."""
        items = list(self.jobs.items())[self._taken :]
        self._taken = len(self.jobs)
        return items

    def _add(self, kind: str, function: str, *args: Any) -> str:
        import hashlib

        # repr of plain data (str, float, tuples, lists, dicts in insertion order) is stable.
        digest = hashlib.sha256(repr((function, args)).encode("utf-8")).hexdigest()[:12]
        key = f"{kind}-{digest}"
        self.jobs.setdefault(key, (function, args))
        return key

    def power_by_source(self, subject: ScenarioView | list[ScenarioView]) -> str:
        views = subject if isinstance(subject, list) else [subject]
        rows = [(v.title, dict(v.value("energy.power_by_source") or {})) for v in views]
        return self._add("power", "power_by_source", rows)

    def compute(self, subject: ScenarioView | list[ScenarioView], references: bool = True) -> str:
        """All scenarios (a list) by title, or one scenario as "This cluster", against the
        references (unless `references` is false), every peak at the set's comparison precision:
        the numbers of the tables (`divide.peak`, `reference.*.comparison_peak`)."""
        views = subject if isinstance(subject, list) else [subject]
        single = not isinstance(subject, list)
        bars: list[tuple[str, float, bool]] = [
            ("This cluster" if single else v.title, v.comparison_peak.value, True)
            for v in views
            if v.comparison_peak.value is not None
        ]
        seen: set[str] = set()
        for view in views if references else []:
            for ref in view.references:
                peak = ref.comparison_peak
                if ref.name not in seen and peak is not None and peak.value is not None:
                    seen.add(ref.name)
                    bars.append((ref.title, peak.value, False))
        precision = views[0].comparison_precision if views else "dense BF16"
        title = f"Peak compute at {precision}"
        return self._add("compute", "compute_bars", bars, title)

    def intervals(self, view: ScenarioView) -> str | None:
        """The headline figures' 90 % intervals around their medians."""
        if view.uncertainty is None or not view.uncertainty.headline:
            return None
        spreads = view.uncertainty.headline
        rows = [
            (
                spread.label,
                spread.p5.value,
                spread.p50.value,
                spread.p95.value,
                spread.mean.value,
                spread.figure.dimension,
            )
            for spread in spreads
        ]
        title = (
            f"Headline figures over {view.uncertainty.samples} samples: "
            "5th to 95th percentile around the median"
        )
        return self._add("intervals", "intervals", rows, title)

    def tornado(self, view: ScenarioView) -> str | None:
        """Each range alone from its P5 to its P95: how far it moves each headline figure."""
        swings = view.uncertainty.swings if view.uncertainty is not None else []
        if not swings:
            return None
        rows = [
            (
                swing.label,
                swing.input,
                swing.baseline.value,
                swing.at_low.value,
                swing.at_high.value,
                swing.baseline.dimension,
            )
            for swing in swings
        ]
        title = "What moves the headline figures: each range alone from its P5 to its P95"
        return self._add("tornado", "tornado", rows, title)

    def trajectory(self, sweep: SweepView, metric: str) -> str | None:
        if not sweep.variants:
            return None
        sample = sweep.variants[0].view.m(metric)
        title = f"{sample.meaning} — sweep {sweep.name}" + _extrapolated_price_note(sweep, metric)
        return self._add(
            "sweep", "trajectory", sweep.series(metric), sample.dimension, sweep.x_axis or "", title
        )


def _extrapolated_price_note(sweep: SweepView, metric: str) -> str:
    """`(extrapolated price at year 2027, 2028)` for a market figure whose unit price some
    variants take from another year: a flat line past the data then says why."""
    if not metric.startswith("market.") or sweep.x_axis is None:
        return ""
    points = []
    for variant in sweep.variants:
        view = variant.view
        if view.has("market.price_extrapolated") and view.value("market.price_extrapolated"):
            label = str(view.year) if sweep.x_axis == "year" else variant.labels[sweep.x_axis]
            if label not in points:
                points.append(label)
    return f" (extrapolated price at {sweep.x_axis} {', '.join(points)})" if points else ""


@dataclass(frozen=True)
class ChartSlot:
    """A chart's place in a page, filled with its SVG once drawn."""

    key: str


def template_site(
    views: list[ScenarioView], sweeps: list[SweepView], catalog: Catalog
) -> dict[str, Any]:
    """What every page's template gets: registered views (`render.template_view`) and plain
    read-only data, never live models (their methods read files and unpickle)."""
    from scendsl.model.risk import load_rules
    from scendsl.report.views.scenario import precision_label

    return {
        # One precision for every page that compares scenarios: the set's (all views share it).
        "comparison_precision": (views[0].comparison_precision if views else precision_label(None)),
        "scenarios": views,
        "sweeps": sweeps,
        "risk_rules": load_rules(),
        "reference_catalog": read_only(catalog.references),
        "pages": (
            ("index", "Index"),
            ("landscape", "Landscape"),
            ("compute-divide", "Compute divide"),
            ("energy", "Energy"),
            ("risk", "Risk"),
        ),
    }


def chart_function(requests: ChartRequests, max_charts: int | None = None) -> Callable:
    """The templates' `chart(kind, subject, metric=None)`, asking `requests` for the drawing;
    at most `max_charts` different charts (each is drawn after the templates, outside their
    time budget)."""
    from jinja2 import pass_context
    from markupsafe import Markup

    @pass_context
    def chart(context: Any, kind: str, subject: Any, metric: str | None = None) -> Markup:
        """A chart: inline SVG in the HTML page, nothing in the Markdown file."""
        page: Page = context["page"]
        _check_chart_subject(kind, subject, metric)
        key: str | None
        if kind == "power_by_source":
            key = requests.power_by_source(subject)
        elif kind == "compute":
            key = requests.compute(subject)
        elif kind == "scenario_peaks":
            key = requests.compute(subject, references=False)
        elif kind == "trajectory" and metric is not None:
            key = requests.trajectory(subject, metric)
        elif kind == "intervals":
            key = requests.intervals(subject)
        elif kind == "tornado":
            key = requests.tornado(subject)
        else:
            named = quoted(kind) if isinstance(kind, str) else f"a {type(kind).__name__}"
            raise ValueError(
                f"unknown chart {named} (power_by_source, compute, scenario_peaks, "
                "trajectory with a metric, intervals, tornado)"
            )
        if max_charts is not None and len(requests.jobs) > max_charts:
            raise ValueError(f"more than {max_charts} different charts in the briefings")
        return page.token("", ChartSlot(key)) if key is not None else Markup("")

    return chart


def render_pages(
    views: list[ScenarioView],
    sweeps: list[SweepView],
    catalog: Catalog,
    templates_dir: str | None,
    timings: dict[str, float],
    sharing: WorkSharer,
    only: Container[str] | None = None,
    renderer: Renderer | None = None,
) -> dict[str, bytes]:
    """Render every page (or the pages named in `only`) for both targets: templates, then
    charts and HTML conversion (handed to `sharing`); with `renderer` (`page_renderer` of the
    same `templates_dir`, kept from a build before), its environments and loaded templates."""
    requests = ChartRequests()
    # The built-in briefings draw about four charts per scenario and one per sweep.
    chart = chart_function(requests, max_charts=20 + 10 * (len(views) + len(sweeps)))

    clock = time.perf_counter()
    renderer = renderer or page_renderer(templates_dir)
    renderer.start_build(chart=chart)
    site = template_site(views, sweeps, catalog)
    jobs: list[tuple[str, str, str, dict[str, Any]]] = [
        ("index", "index.md.j2", "Briefings", {}),
        ("landscape", "landscape.md.j2", "Competitive landscape", {}),
        ("compute-divide", "compute-divide.md.j2", "The compute divide", {}),
        ("energy", "energy.md.j2", "Energy", {}),
        ("risk", "risk.md.j2", "Risk register", {}),
    ]
    jobs.extend((view.page, "scenario.md.j2", view.title, {"s": view}) for view in views)
    if only is not None:  # an incremental rebuild: the other pages are unchanged
        jobs = [job for job in jobs if job[0] in only]
    files: dict[str, bytes] = {}
    rendered = []
    derivation_items: dict[int, tuple[Any, str]] = {}  # shared: the same entries on many pages
    try:
        for name, template, title, extra in jobs:
            page = Page(name, derivation_items=derivation_items)
            text = renderer.render(template, page, dict(site, **extra))
            files[f"{name}.md"] = renderer.markdown_file(text, page).encode("utf-8")
            files[f"{name}.html"] = b""  # filled below; keeps the order md, html, md, html ...
            for key, job in requests.take_new():
                sharing.chart(key, job)
            sharing.page(text)
            rendered.append((name, title, page))
        timings["templates"] = time.perf_counter() - clock
        charts, bodies = sharing.finish()
        clock = time.perf_counter()
        for (name, title, page), body in zip(rendered, bodies, strict=True):
            page.fragments = [
                (md, _chart_fragment(charts.get(form.key)))
                if isinstance(form, ChartSlot)
                else (md, form)
                for md, form in page.fragments
            ]
            files[f"{name}.html"] = renderer.html_document(body, page, title).encode("utf-8")
        timings["html pages"] = time.perf_counter() - clock
    except TemplateProblem as problem:
        raise _as_scenario_error(problem) from None
    return files


def page_renderer(templates_dir: str | None) -> Renderer:
    """The pages' Jinja environments for `templates_dir` (None: the built-in set); a
    ScenarioError when that folder cannot be used."""
    try:
        return Renderer(templates_dir)
    except TemplateProblem as problem:
        raise _as_scenario_error(problem) from None


def _check_chart_subject(kind: str, subject: Any, metric: Any) -> None:
    """A chart's subject must be what the build made for it: a template passes anything."""
    scenarios = isinstance(subject, ScenarioView) or (
        isinstance(subject, list) and all(isinstance(v, ScenarioView) for v in subject)
    )
    wanted = {
        "power_by_source": ("a scenario or a list of scenarios", scenarios),
        "compute": ("a scenario or a list of scenarios", scenarios),
        "scenario_peaks": ("a list of scenarios", scenarios),
        "intervals": ("a scenario", isinstance(subject, ScenarioView)),
        "tornado": ("a scenario", isinstance(subject, ScenarioView)),
        "trajectory": (
            "a sweep and a metric name",
            isinstance(subject, SweepView) and isinstance(metric, str),
        ),
    }
    if kind in wanted and not wanted[kind][1]:
        raise TypeError(f"chart '{kind}' takes {wanted[kind][0]}")
    if kind == "trajectory" and subject.variants:
        result = subject.variants[0].view._result
        if metric not in result.metrics and metric not in result.inputs:
            raise ValueError(f"chart 'trajectory': no figure '{metric}' in the model")


def _chart_fragment(svg: str | None) -> str:
    return f'<figure class="chart">{svg}</figure>' if svg else ""


def _as_scenario_error(problem: TemplateProblem) -> ScenarioError:
    """Template problems travel like scenario problems: located diagnostics, exit code 1."""
    span = Span(problem.file, problem.line or 1, 1) if problem.file else None
    hint = None
    if "SecurityError" in problem.message or "TemplateNotFound" in problem.message:
        hint = (
            "templates run in a sandbox: only the data passed to them and the template "
            "folders are reachable"
        )
    return ScenarioError.one(problem.message, span, hint)
