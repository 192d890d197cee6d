"""Charts of the briefings as inline SVG, drawn with matplotlib's object API.

matplotlib is imported only when the first chart is drawn (it is the slowest import of a build),
and never through pyplot: a `Figure` rendered by the SVG canvas needs no GUI backend and no
global state. Output is byte-for-byte deterministic: a fixed hash salt per chart (which also keeps
the element ids of two charts on one page distinct), no date or creator metadata, fixed fonts and
sizes, text kept as SVG text, and tick labels written by `format_value` (no mathtext).

Each function takes plain data (labels and SI values) and a `key` that names the chart; the text
it is given (scenario titles, source names) is escaped by matplotlib's SVG writer.
"""

from __future__ import annotations

import html
import io
import math
import re
from collections.abc import Sequence
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

_configured = False


def _matplotlib():
    """Import matplotlib's object API on first use and fix every setting that shows in the SVG."""
    global _configured
    import matplotlib

    if not _configured:
        matplotlib.rcParams.update({
            "svg.fonttype": "none",  # text stays text: smaller, selectable, no glyph paths
            "font.family": "sans-serif",
            "font.sans-serif": ["DejaVu Sans"],  # bundled with matplotlib: same metrics everywhere
            "font.size": 9.0,
            "axes.titlesize": 10.0,
            "axes.labelsize": 9.0,
            "xtick.labelsize": 8.5,
            "ytick.labelsize": 8.5,
            "legend.fontsize": 8.0,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.edgecolor": "#555555",
            "axes.grid": False,
            "text.usetex": False,
            "path.simplify": True,
        })
        _configured = True
    from matplotlib.figure import Figure

    return matplotlib, Figure


def plain_label(text: str) -> str:
    """Text for matplotlib that is never read as mathtext: every `$` escaped (matplotlib then
    counts no unescaped `$` and shows the text as written, backslashes included)."""
    return str(text).replace("$", r"\$")


def _short(text: str, limit: int = 44) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _svg(figure, key: str, title: str) -> str:
    """Render `figure` to an inline `<svg>` element: deterministic, responsive, with a title."""
    matplotlib, _ = _matplotlib()
    matplotlib.rcParams["svg.hashsalt"] = f"scendsl-{key}"
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg"):]  # drop the XML prolog and DOCTYPE: this is inline SVG
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, count=1, flags=re.S)
    # Group ids (figure_1, axes_1, ...) repeat in every chart of a page; only the salted ids of
    # clip paths and markers are referenced, and those differ between charts.
    referenced = set(re.findall(r'(?:url\(#|href="#)([^)"]+)', svg))
    svg = re.sub(r' id="([^"]+)"', lambda m: m.group(0) if m.group(1) in referenced else "", svg)
    label = html.escape(title, quote=True)
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{label}" class="chart" ', 1)
    head_end = svg.index(">") + 1
    return svg[:head_end] + f"<title>{label}</title>" + svg[head_end:].rstrip() + "\n"


def _layout(figure, width: float, height: float, left: float, right: float, top: float,
            bottom: float) -> None:
    """Margins in inches. Fixed arithmetic instead of a tight bounding box, which would draw
    every chart twice; labels are measured by their length in characters."""
    figure.subplots_adjust(left=left / width, right=1 - right / width, top=1 - top / height,
                           bottom=bottom / height)


def _label_width(labels: Sequence[str], size_pt: float = 8.5) -> float:
    """Approximate width in inches of the longest label (DejaVu Sans averages ~0.56 em)."""
    longest = max((len(label) for label in labels), default=0)
    return longest * size_pt * 0.56 / 72


def _row_labels(axes, positions: Sequence[float], labels: Sequence[str]) -> None:
    """Bar labels as plain texts left of the axes: a third cheaper to draw than tick labels."""
    axes.set_yticks([])
    transform = axes.get_yaxis_transform()  # x in axes fraction, y in data
    for position, label in zip(positions, labels):
        axes.text(-0.012, position, label, transform=transform, ha="right", va="center",
                  fontsize=8.5, color="#1d232b")


def _title(figure, title: str, height: float) -> None:
    """The chart's title at the top left of the figure (an axes title would start at the axes,
    right of the labels, and run off the figure)."""
    figure.text(0.01, 1 - 0.08 / height, plain_label(title), ha="left", va="top",
                fontsize=10, fontweight="bold", color="#1d232b")


def warm_up() -> None:
    """Import matplotlib's object API and the SVG backend (a worker's first job)."""
    _matplotlib()
    import matplotlib.backends.backend_svg  # noqa: F401
    import matplotlib.ticker  # noqa: F401


def draw(job: tuple[str, tuple[Any, ...]]) -> tuple[str | None, float]:
    """Draw one chart job `(function name, arguments)`: (SVG or None, seconds taken)."""
    import time

    started = time.perf_counter()
    function, arguments = job
    svg = {"power_by_source": power_by_source, "compute_bars": compute_bars,
           "trajectory": trajectory}[function](*arguments)
    return svg, time.perf_counter() - started


def _decade_ticks(low: float, high: float) -> list[float]:
    # A hair of tolerance: log10 of an exact power of ten may come out a rounding error above.
    first, last = math.floor(math.log10(low) + 1e-9), math.ceil(math.log10(high) - 1e-9)
    step = max(1, math.ceil((last - first) / 4))  # at most ~5 labels: they are wide ("10 EFLOP/s")
    return [10.0 ** e for e in range(first, last + 1, step)]


def _format_axis(axis, dimension: str, log: bool, low: float, high: float) -> None:
    """Ticks labelled by format_value (`10 EFLOP/s`), never by mathtext."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator, NullLocator

    if log:
        axis.set_major_locator(FixedLocator(_decade_ticks(low, high)))
        axis.set_minor_locator(NullLocator())
    else:
        axis.set_major_locator(MaxNLocator(nbins=5))
    axis.set_major_formatter(FuncFormatter(
        lambda value, _pos: plain_label(format_value(value, dimension))))


def _finite(values: Sequence[Any]) -> list[float]:
    return [float(v) for v in values
            if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)]


# ---------------------------------------------------------------------------------- charts
def power_by_source(rows: Sequence[tuple[str, dict[str, float]]], key: str,
                    title: str = "Facility power by supply source") -> str | None:
    """Stacked horizontal bars: for each row (a scenario) its power per energy source (W)."""
    rows = [(label, {k: float(v) for k, v in parts.items() if _finite([v]) and v > 0})
            for label, parts in rows if parts]
    rows = [(label, parts) for label, parts in rows if parts]
    if not rows:
        return None
    _, Figure = _matplotlib()
    sources: list[str] = []
    for _, parts in rows:
        sources.extend(s for s in parts if s not in sources)
    colours = _colours(sources)
    labels = [plain_label(_short(label)) for label, _ in rows][::-1]
    legend_rows = math.ceil(len(sources) / 4)
    top, bottom = 0.35, 0.42 + 0.2 * legend_rows
    height = top + bottom + 0.3 * len(rows)
    figure = Figure(figsize=(_WIDTH_IN, height))
    _layout(figure, _WIDTH_IN, height, _label_width(labels) + 0.15, 0.2, top, bottom)
    axes = figure.add_subplot()
    positions = range(len(rows))
    lefts = [0.0] * len(rows)
    for source in sources:
        widths = [parts.get(source, 0.0) / 1e6 for _, parts in rows][::-1]  # MW
        axes.barh(positions, widths, left=lefts, height=0.62, color=colours[source],
                  label=plain_label(source.replace("_", " ")), edgecolor="white", linewidth=0.5)
        lefts = [a + b for a, b in zip(lefts, widths)]
    _row_labels(axes, list(positions), labels)
    axes.set_ylim(-0.5, len(rows) - 0.5)
    top_value = max(lefts)
    axes.set_xlim(0, top_value * 1.02)
    _format_axis(axes.xaxis, "power", False, 0, top_value)
    axes.xaxis.set_major_formatter(_mw_formatter())
    axes.grid(True, axis="x", color="#E3E3E3", linewidth=0.6)
    axes.set_axisbelow(True)
    figure.legend(loc="lower center", ncol=min(4, len(sources)), frameon=False,
                  bbox_to_anchor=(0.5, 0.0))
    _title(figure, title, height)
    return _svg(figure, key, title)


def _mw_formatter():
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda value, _pos: plain_label(format_value(value * 1e6, "power")))


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


def compute_bars(bars: Sequence[tuple[str, float, bool]], key: str,
                 title: str = "Peak compute at the training precision (log scale)",
                 dimension: str = "flop_rate") -> str | None:
    """Bars on a log scale: (label, value, highlighted), scenarios against references."""
    bars = [(label, float(value), bold) for label, value, bold in bars
            if _finite([value]) and value > 0]
    if not bars:
        return None
    _, Figure = _matplotlib()
    ordered = bars[::-1]
    labels = [plain_label(_short(label)) for label, _, _ in ordered]
    top, bottom = 0.35, 0.35
    height = top + bottom + 0.25 * len(bars)
    figure = Figure(figsize=(_WIDTH_IN, height))
    _layout(figure, _WIDTH_IN, height, _label_width(labels) + 0.15, 0.3, top, bottom)
    axes = figure.add_subplot()
    positions = list(range(len(ordered)))
    values = [value for _, value, _ in ordered]
    axes.barh(positions, values, height=0.62,
              color=[HIGHLIGHT if bold else MUTED for _, _, bold in ordered])
    axes.set_xscale("log")
    low, high = min(values), max(values)
    left = 10.0 ** math.floor(math.log10(low))
    right = 10.0 ** math.ceil(math.log10(high) + 0.45)  # room for the value labels
    axes.set_xlim(left, right)
    axes.set_ylim(-0.5, len(ordered) - 0.5)
    # Decade ticks short of the right edge, where a label would run off the figure.
    _format_axis(axes.xaxis, dimension, True, left, right / 10)
    _row_labels(axes, positions, labels)
    for position, value in zip(positions, values):
        axes.text(value * 1.12, position, plain_label(format_value(value, dimension)),
                  va="center", ha="left", fontsize=7.5, color="#333333")
    _title(figure, title, height)
    return _svg(figure, key, title)


def trajectory(series: Sequence[tuple[str, Sequence[tuple[float, float | None]]]],
               dimension: str, x_label: str, title: str, key: str) -> str | None:
    """Lines of a metric against a numeric axis (the sweep's years), one per other-axis value."""
    cleaned = []
    for label, points in series:
        kept = [(float(x), float(y)) for x, y in points
                if y is not None and _finite([x, y])]
        if kept:
            cleaned.append((label, kept))
    if not cleaned:
        return None
    _, Figure = _matplotlib()
    legend_rows = math.ceil(len(cleaned) / 3) if len(cleaned) > 1 else 0
    top, bottom, height = 0.35, 0.5 + 0.2 * legend_rows, 2.9
    figure = Figure(figsize=(_WIDTH_IN, height))
    ys = [y for _, points in cleaned for _, y in points]
    xs = sorted({x for _, points in cleaned for x, _ in points})
    positive = all(y > 0 for y in ys)
    log = positive and max(ys) / min(ys) > 20
    tick_texts = [format_value(y, dimension) for y in (min(ys), max(ys))]
    _layout(figure, _WIDTH_IN, height, _label_width(tick_texts) + 0.2, 0.2, top, bottom)
    axes = figure.add_subplot()
    colours = _colours([label for label, _ in cleaned])
    markers = "osD^v<>ph*"
    for index, (label, points) in enumerate(cleaned):
        axes.plot([x for x, _ in points], [y for _, y in points], color=colours[label],
                  marker=markers[index % len(markers)], markersize=4, linewidth=1.6,
                  label=plain_label(_short(label, 30)))
    if log:
        axes.set_yscale("log")
    low, high = min(ys), max(ys)
    if not log:
        margin = (high - low) * 0.08 or abs(high) * 0.1 or 1.0
        axes.set_ylim(0.0 if positive else low - margin, high + margin)
    _format_axis(axes.yaxis, dimension, log, low, high)
    from matplotlib.ticker import FixedLocator, FuncFormatter

    step = max(1, math.ceil(len(xs) / 12))
    axes.xaxis.set_major_locator(FixedLocator(xs[::step]))
    axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _pos: f"{value:g}"))
    axes.set_xlabel(plain_label(x_label))
    axes.grid(True, axis="y", color="#E3E3E3", linewidth=0.6)
    axes.set_axisbelow(True)
    if legend_rows:
        figure.legend(loc="lower center", ncol=min(3, len(cleaned)), frameon=False,
                      bbox_to_anchor=(0.5, 0.0))
    _title(figure, _short(title, 90), height)
    return _svg(figure, key, title)
