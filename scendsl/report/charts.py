"""Charts of the briefings as inline SVG, drawn with matplotlib's object API.

A chart is a `matplotlib.figure.Figure` rendered by the SVG canvas: no pyplot, no GUI backend, no
global state (every setting is applied with `rc_context` for the one chart). matplotlib is
imported only when a chart is drawn: the build forks a chart worker first thing, which imports
it while the main process loads and evaluates (scendsl.app.build).

Output is byte-for-byte deterministic: a fixed hash salt per chart (derived from what it shows,
so the ids of two different charts on one page never clash), no date or creator metadata, the
DejaVu Sans shipped with matplotlib for every measurement, and coordinates rounded to 0.01 pt.
Labels are never read as mathtext (`text.parse_math` off): `$5` or `$\\alpha$` are shown as
written. Numbers on axes and bars are written by `format_value`, as everywhere in a briefing.

Text stays SVG text (`svg.fonttype` "none") in DejaVu Sans: it renders the same wherever DejaVu
Sans is installed, and elsewhere in Verdana (about as wide) or Arial (narrower), so labels keep
their places. Glyph outlines ("path") would look the same everywhere, but measured on
the sample scenarios they made a chart seven times larger (~40 kB), the briefings 1.2 MB larger
and the cold build 0.35 s slower, and the text could no longer be searched or selected.

Speed: a chart takes 15–35 ms, most of it measuring and drawing text and ticks. Layout is fixed
arithmetic, not a tight bounding box (which would draw every chart twice): margins are sized
from the labels' widths measured with the font, and decade ticks on a log axis are spaced so
that their labels ("100 PFLOP/s") never run into each other. Bars are one PolyCollection per
chart, and each chart starts from a pickled copy of an empty Figure and Axes (a third of the
time of building the Axes anew; the bytes are the same).

Each public function takes plain data (labels and SI values) and returns one `<svg>` element, or
None when there is nothing to draw. `draw` runs a job `(function name, arguments)` as the build
queues them.
"""

from __future__ import annotations

import hashlib
import html
import io
import math
import pickle
import re
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from scendsl.report.numbers import format_value

#: Okabe–Ito palette (distinguishable with colour-vision deficiencies), then greys.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
           "#000000", "#999999", "#666666")
#: Energy sources keep one colour across every chart of a build.
SOURCE_COLOURS = {
    "grid": "#999999", "stranded_gas": "#D55E00", "gas": "#E69F00", "gas_cc": "#E69F00",
    "coal": "#000000", "solar": "#F0E442", "wind": "#56B4E9", "wind_onshore": "#56B4E9",
    "wind_offshore": "#0072B2", "nuclear": "#CC79A7", "smr": "#CC79A7", "hydro": "#009E73",
    "geothermal": "#666666",
}
HIGHLIGHT, MUTED = "#0072B2", "#B8C4CE"
_WIDTH_IN = 6.4  # inches; the page column is ~46 em, charts scale down on phones
_PT = 72.0  # points per inch: sizes below are in points (the SVG's user unit)
WIDTH = _WIDTH_IN * _PT

_INK, _AXIS, _GRID, _VALUE = "#1d232b", "#555555", "#E3E3E3", "#333333"
#: Font sizes (pt): row and tick labels, values at the ends of bars, titles, axis labels, legends.
_LABEL, _SMALL, _TITLE, _AXIS_LABEL, _LEGEND = 8.5, 7.5, 10.0, 9.0, 8.0
_TOP = 0.35 * _PT  # room for the title above the axes
_ROW_LABEL_GAP = 4.0  # points between a row label and the axes

#: Every setting that shows in a chart, applied for the duration of one chart.
_SETTINGS: Any = {  # Any: matplotlib types the keys as a Literal of every rc name
    "svg.fonttype": "none",  # text stays text (see the module's docstring)
    "text.usetex": False,
    "text.parse_math": False,  # "$5" and "$\alpha$" are text, never mathtext
    "font.family": "sans-serif",
    # Measured with the DejaVu Sans shipped with matplotlib; a browser without it uses the
    # next it has: Verdana (about as wide) or Arial (narrower).
    "font.sans-serif": ["DejaVu Sans", "Bitstream Vera Sans", "Verdana", "Arial", "Helvetica"],
    "font.size": _LABEL,
    "axes.labelsize": _AXIS_LABEL,
    "axes.labelcolor": _INK,
    "axes.edgecolor": _AXIS,
    "axes.linewidth": 0.8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
    "axes.axisbelow": True,
    "xtick.labelsize": _LABEL,
    "ytick.labelsize": _LABEL,
    "xtick.color": _AXIS,
    "ytick.color": _AXIS,
    "xtick.labelcolor": _INK,
    "ytick.labelcolor": _INK,
    "xtick.major.size": 3.5,
    "ytick.major.size": 3.5,
    "xtick.major.width": 0.8,
    "ytick.major.width": 0.8,
    "xtick.minor.visible": False,
    "ytick.minor.visible": False,
    "legend.fontsize": _LEGEND,
    "legend.frameon": False,
    "lines.solid_joinstyle": "round",
    "path.simplify": False,
    "figure.facecolor": "none",
    "axes.facecolor": "none",
    "savefig.facecolor": "none",
    "savefig.edgecolor": "none",
}


def draw(job: tuple[str, tuple[Any, ...]]) -> tuple[str | None, float]:
    """Draw one chart job `(function name, arguments)`: (SVG or None, seconds taken)."""
    import time

    import warnings

    started = time.perf_counter()
    function, arguments = job
    with warnings.catch_warnings():
        # A label in a script DejaVu Sans lacks (CJK, emoji) is measured with the font's
        # placeholder width and stays SVG text, which the browser draws from its font-family
        # fallbacks: nothing to warn about (and the warning would print our source paths).
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from")
        drawers: dict[str, Callable[..., str | None]] = {
            "power_by_source": power_by_source, "compute_bars": compute_bars,
            "trajectory": trajectory, "intervals": intervals, "tornado": tornado}
        svg = drawers[function](*arguments)
    return svg, time.perf_counter() - started


def warm_up() -> None:
    """Import and prepare what drawing needs: the modules, the fonts, the Axes templates.

    A chart worker's first job, done while the main process is still loading (so the first
    chart is as quick as the others).
    """
    import matplotlib.backends.backend_svg  # noqa: F401
    import matplotlib.collections  # noqa: F401
    import matplotlib.ticker  # noqa: F401

    _measure("0", _LABEL, False)  # loads the font
    _measure("0", _TITLE, True)
    for x_log, y_log in ((False, False), (True, False), (False, True)):
        _template(x_log, y_log)


# ---------------------------------------------------------------------------------- helpers
def _short(text: str, limit: int = 44) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _finite(values: Sequence[Any]) -> list[float]:
    return [float(v) for v in values
            if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)]


def _text_width(texts: Sequence[str], size: float = _LABEL, bold: bool = False) -> float:
    """Width in points of the widest text, measured with the chart font (as it is drawn)."""
    return max((_measure(text, size, bold) for text in texts if text), default=0.0)


@lru_cache(maxsize=4096)
def _measure(text: str, size: float, bold: bool) -> float:
    """One text's width in points (kept: the same labels come back in chart after chart)."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import text_to_path

    prop = FontProperties(family="DejaVu Sans", size=size, weight="bold" if bold else "normal")
    return text_to_path.get_text_width_height_descent(text, prop, ismath=False)[0]


def _salt(name: str, arguments: tuple[Any, ...]) -> str:
    """The chart's hash salt: from what it shows (repr of plain data is stable across runs)."""
    digest = hashlib.sha256(repr((name, arguments)).encode("utf-8")).hexdigest()[:12]
    return f"scendsl-{name}-{digest}"


@contextmanager
def _chart(salt: str, height: float, margins: tuple[float, float, float, float],
           x_log: bool = False, y_log: bool = False):
    """A Figure `height` points high with one Axes placed by `margins` in points (left, right,
    top, bottom), the chart settings in force while it is made and saved: (figure, axes)."""
    from matplotlib import rc_context

    settings: Any = {**_SETTINGS, "svg.hashsalt": salt}
    with rc_context(settings):
        figure = pickle.loads(_template(x_log, y_log))
        figure.set_size_inches(_WIDTH_IN, height / _PT)
        left, right, top, bottom = margins
        axes = figure.axes[0]
        axes.set_position((left / WIDTH, bottom / height, 1 - (left + right) / WIDTH,
                           1 - (top + bottom) / height))
        yield figure, axes


@lru_cache(maxsize=None)
def _template(x_log: bool, y_log: bool) -> bytes:
    """An empty Figure with its Axes, pickled: a copy is made in a third of the time it takes
    to build the Axes anew (the same objects either way, so the same bytes)."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    with rc_context(_SETTINGS):
        figure = Figure(figsize=(_WIDTH_IN, 2.0))
        figure.patch.set_visible(False)  # transparent: the page shows through
        axes = figure.add_axes((0.2, 0.2, 0.6, 0.6))
        axes.patch.set_visible(False)
        if x_log:
            axes.set_xscale("log")
        if y_log:
            axes.set_yscale("log")
        return pickle.dumps(figure)


def _title(figure, height: float, title: str) -> None:
    """The chart's title at the top left of the figure (an axes title would start at the axes,
    right of the row labels)."""
    figure.text(0.01, 1 - (0.08 * _PT) / height, _short(title, 90), ha="left", va="top",
                fontsize=_TITLE, fontweight="bold", color=_INK)


_ATTRIBUTE_RE = re.compile(r'\s(?:d|x|y|width|height|points|transform|viewBox|style)="[^"]*"')
_LONG_NUMBER_RE = re.compile(r"-?\d+\.\d{3,}")
_ID_RE = re.compile(r' id="([^"]+)"')
_REFERENCE_RE = re.compile(r'(?:url\(#|href="#)([^)"]+)')
_METADATA_RE = re.compile(r"\s*<metadata>.*?</metadata>", re.S)
_STYLE_RE = re.compile(r"\s*<defs>\s*<style[^>]*>[^<]*</style>\s*</defs>")
_NO_ROTATION_RE = re.compile(r' transform="rotate\(-?0 [^")]*\)"')
_INDENT_RE = re.compile(r"\n[ \t]+")


def _round_numbers(attribute: re.Match) -> str:
    """Coordinates to 0.01 pt: smaller, and the same bytes whatever the last digits were."""
    def rounded(number: re.Match) -> str:
        text = f"{float(number.group(0)):.2f}".rstrip("0").rstrip(".")
        return "0" if text in ("-0", "") else text

    return _LONG_NUMBER_RE.sub(rounded, attribute.group(0))


def _svg(figure, title: str) -> str:
    """Render `figure` to an inline `<svg>` element: deterministic, responsive, with a title."""
    from matplotlib.backends.backend_svg import FigureCanvasSVG

    buffer = io.StringIO()
    FigureCanvasSVG(figure).print_svg(buffer, metadata={"Date": None, "Creator": None})
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg"):]  # no XML prolog or DOCTYPE: this is inline SVG
    svg = _METADATA_RE.sub("", svg, count=1)
    # matplotlib's default stroke style is a `<style>` rule for `*`, which inline in a page
    # would apply to the whole page: the same defaults as attributes of this <svg> instead.
    svg = _STYLE_RE.sub("", svg, count=1)
    # Group ids (figure_1, axes_1, patch_1, ...) repeat in every chart and nothing refers to
    # them; only clip paths and tick markers are referenced, by ids made from the chart's hash
    # salt: two different charts on one page never share an id.
    referenced = set(_REFERENCE_RE.findall(svg))
    svg = _ID_RE.sub(lambda m: m.group(0) if m.group(1) in referenced else "", svg)
    svg = _NO_ROTATION_RE.sub("", svg)
    svg = _ATTRIBUTE_RE.sub(_round_numbers, svg)
    svg = _INDENT_RE.sub("\n", svg)
    label = html.escape(title, quote=True)
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{label}" class="chart" '
                               'stroke-linejoin="round" stroke-linecap="butt" ', 1)
    head_end = svg.index(">") + 1
    return svg[:head_end] + f"<title>{label}</title>" + svg[head_end:].rstrip() + "\n"


def _plain_formatter(dimension: str, zero: str | None = None):
    """Tick labels written by format_value (`zero` for 0 if given): never mathtext."""
    from matplotlib.ticker import FuncFormatter

    def label(value: float, _position) -> str:
        if zero is not None and value == 0:
            return zero
        return format_value(value, dimension)

    return FuncFormatter(label)


def _row_labels(axes, labels: Sequence[str]) -> None:
    """One label per row, right-aligned left of the axes, the first row on top.

    Plain texts rather than tick labels: a Tick is five artists, a label one.
    """
    from matplotlib.transforms import offset_copy

    axes.set_yticks([])
    axes.set_ylim(len(labels) - 0.5, -0.5)  # row 0 at the top
    transform = offset_copy(axes.get_yaxis_transform(), axes.figure, x=-_ROW_LABEL_GAP,
                            units="points")
    for index, label in enumerate(labels):
        axes.text(0, index, label, transform=transform, ha="right", va="center",
                  fontsize=_LABEL, color=_INK)


def _value_label(axes, value: float, index: int, text: str, outward_right: bool = True) -> None:
    """A value written just outside the end of a bar (3 points away)."""
    from matplotlib.transforms import offset_copy

    transform = offset_copy(axes.transData, axes.figure, x=3 if outward_right else -3,
                            units="points")
    axes.text(value, index, text, transform=transform, ha="left" if outward_right else "right",
              va="center", fontsize=_SMALL, color=_VALUE)


def _bars(axes: Any, rows: Sequence[tuple[float, float, float, str]], height: float,
          edge: str = "none", edge_width: float = 0.0) -> None:
    """Horizontal bars (row, start, end, colour) as one PolyCollection: a chart's bars are drawn
    in one go, without a Rectangle (and a data-limit update) per bar. Empty bars are skipped."""
    from matplotlib.collections import PolyCollection

    half = height / 2
    kept = [(row, start, end, colour) for row, start, end, colour in rows if end != start]
    shapes = [((start, row - half), (end, row - half), (end, row + half), (start, row + half))
              for row, start, end, _colour in kept]
    axes.add_collection(PolyCollection(shapes, facecolors=[c for *_rest, c in kept],
                                       edgecolors=edge, linewidths=edge_width),
                        autolim=False)


def _swatches(colours: Sequence[str]) -> list:
    """Legend handles for bars of these colours."""
    from matplotlib.patches import Patch

    return [Patch(facecolor=colour, edgecolor="none") for colour in colours]


def _legend(figure, handles, labels: Sequence[str], columns: int, height: float) -> None:
    """Entries in rows of `columns`, centred at the foot of the chart."""
    figure.legend(handles, labels, loc="lower center", ncol=min(columns, len(labels)),
                  bbox_to_anchor=(0.5, 0.04 * _PT / height), borderaxespad=0.0,
                  handlelength=1.8, columnspacing=1.6, handletextpad=0.6)


def _colours(names: Sequence[str]) -> dict[str, str]:
    """A stable colour per name: known energy sources first, then the palette in order."""
    spare = [c for c in PALETTE if c not in {SOURCE_COLOURS.get(n) for n in names}]
    colours: dict[str, str] = {}
    for name in names:
        colour = SOURCE_COLOURS.get(name)
        if colour is None or colour in colours.values():
            colour = spare.pop(0) if spare else PALETTE[len(colours) % len(PALETTE)]
        colours[name] = colour
    return colours


# ------------------------------------------------------------------------------------- axes
def _decade_ticks(low: float, high: float, step: int | None = None) -> list[float]:
    """Powers of ten from `low` to `high`, every `step` decades (default: at most ~5 labels)."""
    # A hair of tolerance: log10 of an exact power of ten may come out a rounding error above.
    first, last = math.floor(math.log10(low) + 1e-9), math.ceil(math.log10(high) - 1e-9)
    if step is None:
        step = max(1, math.ceil((last - first) / 4))
    return [10.0 ** e for e in range(first, last + 1, step)]


def _decade_step(low: float, high: float, dimension: str, axis_points: float) -> int:
    """Decades between labelled ticks on a horizontal log axis `axis_points` wide showing `low`
    to `high`: labels such as "100 PFLOP/s" are wider than a decade, so the step is the smallest
    that leaves a gap of at least 14 points between neighbouring labels."""
    labels = [format_value(tick, dimension) for tick in _decade_ticks(low, high, 1)]
    decades = max(math.log10(high / low), 1e-9)
    return max(1, math.ceil((_text_width(labels) + 14) * decades / axis_points))


def _percent(value: float, zero: str) -> str:
    """A tick of a relative axis: `−20%`, `zero` (what 0 stands for), `+20%`."""
    percent = round(value * 100, 6)
    if percent == 0:
        return zero
    return f"{percent:+g}%".replace("-", "−")


def _relative_axis(axes, values: Sequence[float], ends: Sequence[str], zero: str,
                   axis_label: str, axis_points: float) -> None:
    """Fit `values` (and 0) on a relative axis with room for the value labels `ends` at the
    ends of the bars; ticks by matplotlib's MaxNLocator, as many as their labels fit."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    low, high = min(min(values), 0.0), max(max(values), 0.0)
    span = (high - low) or 0.1
    pad = _text_width(ends, _SMALL) + 0.1 * _PT
    room = max(axis_points - 2 * pad, 0.8 * _PT)
    axes.set_xlim(low - span * pad / room, high + span * pad / room)
    fit = int(axis_points / (_text_width([zero, "+100%"]) + 14))
    axes.xaxis.set_major_locator(MaxNLocator(nbins=max(2, min(fit, 6)),
                                             steps=[1, 2, 2.5, 5, 10]))
    axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _pos: _percent(value, zero)))
    axes.grid(True, axis="x", color=_GRID, linewidth=0.6)
    axes.set_xlabel(axis_label, color=_INK)


# ---------------------------------------------------------------------------------- charts
def power_by_source(rows: Sequence[tuple[str, dict[str, float]]],
                    title: str = "Facility power by supply source") -> str | None:
    """Stacked horizontal bars: for each row (a scenario) its power per energy source (W)."""
    salt = _salt("power_by_source", (rows, title))
    rows = [(label, {k: float(v) for k, v in parts.items() if _finite([v]) and v > 0})
            for label, parts in rows if parts]
    rows = [(label, parts) for label, parts in rows if parts]
    if not rows:
        return None
    from matplotlib.ticker import MaxNLocator

    sources: list[str] = []
    for _, parts in rows:
        sources.extend(s for s in parts if s not in sources)
    colours = _colours(sources)
    labels = [_short(label) for label, _ in rows]
    legend_rows = math.ceil(len(sources) / 4)
    top, bottom = _TOP, 0.42 * _PT + 14.4 * legend_rows
    height = top + bottom + 0.3 * _PT * len(rows)
    margins = (_text_width(labels) + 0.15 * _PT, 0.2 * _PT, top, bottom)
    with _chart(salt, height, margins) as (figure, axes):
        segments, totals = [], []
        for index, (_, parts) in enumerate(rows):
            left = 0.0
            for source in sources:
                part = parts.get(source, 0.0)
                segments.append((index, left, left + part, colours[source]))
                left += part
            totals.append(left)
        _bars(axes, segments, 0.62, edge="white", edge_width=0.5)
        _row_labels(axes, labels)
        axes.set_xlim(0, max(totals) * 1.02)
        axes.xaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))
        axes.xaxis.set_major_formatter(_plain_formatter(dimension="power", zero="0"))
        axes.grid(True, axis="x", color=_GRID, linewidth=0.6)
        _legend(figure, _swatches([colours[s] for s in sources]),
                [s.replace("_", " ") for s in sources], 4, height)
        _title(figure, height, title)
        return _svg(figure, title)


def compute_bars(bars: Sequence[tuple[str, float, bool]],
                 title: str = "Peak compute at the training precision (log scale)",
                 dimension: str = "flop_rate") -> str | None:
    """Bars on a log scale: (label, value, highlighted), scenarios against references."""
    salt = _salt("compute_bars", (bars, title, dimension))
    bars = [(label, float(value), bold) for label, value, bold in bars
            if _finite([value]) and value > 0]
    if not bars:
        return None
    from matplotlib.ticker import FixedLocator, NullLocator

    labels = [_short(label) for label, _, _ in bars]
    top, bottom = _TOP, 0.35 * _PT
    height = top + bottom + 0.25 * _PT * len(bars)
    values = [value for _, value, _ in bars]
    # The axis starts at a power of ten at least a third of a decade below the smallest value
    # (a bar is never too short to see), and ends far enough right for the value labels.
    left = 10.0 ** math.floor(math.log10(min(values)) - 0.3)
    right = 10.0 ** math.ceil(math.log10(max(values)) + 0.45)
    # The first tick label is centred on the axis' start: room for its half on the left.
    left_margin = max(_text_width(labels) + 0.15 * _PT,
                      _text_width([format_value(left, dimension)]) / 2 + 4)
    right_margin = 0.3 * _PT
    # Decade ticks short of the right edge, where a label would run off the chart, spaced so
    # that their labels do not run into each other.
    step = _decade_step(left, right, dimension, WIDTH - left_margin - right_margin)
    ticks = _decade_ticks(left, right / 10, step)
    with _chart(salt, height, (left_margin, right_margin, top, bottom),
                x_log=True) as (figure, axes):
        _bars(axes, [(index, left, value, HIGHLIGHT if bold else MUTED)
                     for index, (_, value, bold) in enumerate(bars)], 0.62)
        axes.set_xlim(left, right)
        axes.xaxis.set_major_locator(FixedLocator(ticks))
        axes.xaxis.set_minor_locator(NullLocator())
        axes.xaxis.set_major_formatter(_plain_formatter(dimension=dimension))
        _row_labels(axes, labels)
        for index, value in enumerate(values):
            _value_label(axes, value, index, format_value(value, dimension))
        _title(figure, height, title)
        return _svg(figure, title)


def trajectory(series: Sequence[tuple[str, Sequence[tuple[float, float | None]]]],
               dimension: str, x_label: str, title: str) -> str | None:
    """Lines of a metric against a numeric axis (the sweep's years), one per other-axis value."""
    salt = _salt("trajectory", (series, dimension, x_label, title))
    cleaned = []
    for label, points in series:
        kept = [(float(x), float(y)) for x, y in points
                if y is not None and len(_finite([x, y])) == 2]
        if kept:
            cleaned.append((label, kept))
    if not cleaned:
        return None
    from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator, NullLocator

    ys = [y for _, points in cleaned for _, y in points]
    xs = sorted({x for _, points in cleaned for x, _ in points})
    low, high = min(ys), max(ys)
    positive = low > 0
    log = positive and high / low > 20
    if log:
        y_low, y_high = 10.0 ** math.floor(math.log10(low)), 10.0 ** math.ceil(math.log10(high))
        y_ticks = [t for t in _decade_ticks(low, high) if y_low <= t <= y_high]
        tick_texts = [format_value(t, dimension) for t in y_ticks]
    else:
        margin = (high - low) * 0.08 or abs(high) * 0.1 or 1.0
        y_low, y_high = (0.0 if positive else low - margin), high + margin
        locator = MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10])
        tick_texts = [format_value(t, dimension) for t in locator.tick_values(y_low, y_high)]
    legend_rows = math.ceil(len(cleaned) / 3) if len(cleaned) > 1 else 0
    height = 2.9 * _PT
    top, bottom = _TOP, 0.5 * _PT + 14.4 * legend_rows
    x_pad = (xs[-1] - xs[0]) * 0.05 or 0.5
    colours = _colours([label for label, _ in cleaned])
    markers = "osD^v<>"
    margins = (_text_width(tick_texts) + 0.2 * _PT, 0.2 * _PT, top, bottom)
    with _chart(salt, height, margins, y_log=log) as (figure, axes):
        lines = []
        for index, (label, points) in enumerate(cleaned):
            lines.extend(axes.plot([x for x, _ in points], [y for _, y in points],
                                   color=colours[label], marker=markers[index % len(markers)],
                                   markersize=4.5, markeredgewidth=0, linewidth=1.6))
        if log:
            axes.yaxis.set_major_locator(FixedLocator(y_ticks))
            axes.yaxis.set_minor_locator(NullLocator())
        else:
            axes.yaxis.set_major_locator(locator)
        axes.set_ylim(y_low, y_high)
        axes.yaxis.set_major_formatter(_plain_formatter(dimension=dimension))
        axes.set_xlim(xs[0] - x_pad, xs[-1] + x_pad)
        axes.xaxis.set_major_locator(FixedLocator(xs[::max(1, math.ceil(len(xs) / 12))]))
        axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _pos: f"{value:g}"))
        axes.set_xlabel(x_label, color=_INK)
        axes.grid(True, axis="y", color=_GRID, linewidth=0.6)
        if legend_rows:
            _legend(figure, lines, [_short(label, 30) for label, _ in cleaned], 3, height)
        _title(figure, height, title)
        return _svg(figure, title)


def intervals(rows: Sequence[tuple[str, float, float, float, float, str]],
              title: str) -> str | None:
    """An interval chart: per figure (label, P5, P50, P95, mean, dimension) a bar from its P5
    to its P95 relative to its median, the median as a line and the mean as a diamond, the
    P5 and P95 written at the ends (figures in different units share one relative axis)."""
    salt = _salt("intervals", (rows, title))
    rows = [(label, float(p5), float(p50), float(p95), float(mean), dimension)
            for label, p5, p50, p95, mean, dimension in rows
            if len(_finite([p5, p50, p95, mean])) == 4 and float(p50) > 0]
    if not rows:
        return None
    labels = [_short(f"{label} · {format_value(p50, dimension)}", 50)
              for label, _p5, p50, _p95, _mean, dimension in rows]
    ends = [format_value(v, row[5]) for row in rows for v in (row[1], row[3])]
    lows = [p5 / p50 - 1 for _l, p5, p50, _p95, _m, _d in rows]
    highs = [p95 / p50 - 1 for _l, _p5, p50, p95, _m, _d in rows]
    means = [mean / p50 - 1 for _l, _p5, p50, _p95, mean, _d in rows]
    top, bottom = _TOP, 0.55 * _PT
    height = top + bottom + 0.32 * _PT * len(rows)
    left_margin, right_margin = _text_width(labels) + 0.15 * _PT, 0.2 * _PT
    positions = range(len(rows))
    with _chart(salt, height, (left_margin, right_margin, top, bottom)) as (figure, axes):
        _relative_axis(axes, lows + highs + means, ends, "median",
                       "relative to the median (line); diamond: the mean",
                       WIDTH - left_margin - right_margin)
        axes.axvline(0, color="#C8CFD6", linewidth=0.8)
        _bars(axes, [(index, low, high, "#9CC3E0")
                     for index, (low, high) in enumerate(zip(lows, highs))], 0.5,
              edge=HIGHLIGHT, edge_width=0.6)
        axes.vlines([0.0] * len(rows), [p - 0.3 for p in positions],
                    [p + 0.3 for p in positions], color=_INK, linewidth=1.6)
        axes.plot(means, list(positions), linestyle="none", marker="D", markersize=4.2,
                  markerfacecolor="#E69F00", markeredgecolor=_INK, markeredgewidth=0.5)
        _row_labels(axes, labels)
        for index, (row, low, high) in enumerate(zip(rows, lows, highs)):
            _value_label(axes, low, index, format_value(row[1], row[5]), outward_right=False)
            _value_label(axes, high, index, format_value(row[3], row[5]), outward_right=True)
        _title(figure, height, title)
        return _svg(figure, title)


def tornado(rows: Sequence[tuple[str, str, float, float, float, str]],
            title: str) -> str | None:
    """A tornado chart: per (figure label, input, baseline, figure with the input at its P5,
    ... at its P95, dimension) a bar from the baseline (every range at its median) to each end,
    relative to the baseline; the largest swing on top, the figure's values at the ends."""
    salt = _salt("tornado", (rows, title))
    cleaned: list[tuple[float, str, float, float, str, str]] = []
    for label, name, baseline, at_low, at_high, dimension in rows:
        values = [baseline, at_low, at_high]
        if len(_finite(values)) != len(values) or float(baseline) <= 0:
            continue
        low, high = float(at_low) / float(baseline) - 1, float(at_high) / float(baseline) - 1
        if low == high:
            continue
        cleaned.append((abs(high - low), f"{label} ← {name}", low, high,
                        format_value(at_low, dimension), format_value(at_high, dimension)))
    if not cleaned:
        return None
    cleaned.sort(key=lambda row: (-row[0], row[1]))  # largest swing on top; ties by name
    labels = [_short(label, 60) for _swing, label, *_rest in cleaned]
    top, bottom = _TOP, 0.8 * _PT
    height = top + bottom + 0.3 * _PT * len(cleaned)
    left_margin, right_margin = _text_width(labels) + 0.15 * _PT, 0.2 * _PT
    low_colour, high_colour = HIGHLIGHT, "#E69F00"
    with _chart(salt, height, (left_margin, right_margin, top, bottom)) as (figure, axes):
        _relative_axis(axes, [value for row in cleaned for value in row[2:4]],
                       [text for row in cleaned for text in row[4:]], "baseline",
                       "relative to the baseline: every range at its median",
                       WIDTH - left_margin - right_margin)
        _bars(axes, [(index, 0.0, end, colour) for index, row in enumerate(cleaned)
                     for end, colour in ((row[2], low_colour), (row[3], high_colour))], 0.55)
        axes.axvline(0, color=_INK, linewidth=0.8)
        _row_labels(axes, labels)
        for index, (_swing, _label, low, high, low_text, high_text) in enumerate(cleaned):
            for value, text in ((low, low_text), (high, high_text)):
                _value_label(axes, value, index, text, outward_right=value >= 0)
        _legend(figure, _swatches([low_colour, high_colour]),
                ["the range at its P5", "the range at its P95"], 2, height)
        _title(figure, height, title)
        return _svg(figure, title)
