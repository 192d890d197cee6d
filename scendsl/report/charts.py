"""Charts of the briefings as inline SVG, written element by element.

Every chart of a briefing is bars or lines over one or two axes, so it is written here directly
as SVG elements: a chart takes about a millisecond, where matplotlib took 30–50 ms a chart and
0.4 s to import (most of a build's time).

Output is byte-for-byte deterministic: coordinates rounded to 0.01 pt, no element ids (two charts
on one page cannot clash), no metadata, fixed fonts, sizes and colours, every text escaped and
kept as SVG text, numbers written by `format_value`.

Layout is computed, not measured: a text's width is estimated from its length (DejaVu Sans
averages ~0.56 em; a browser without it falls back to a narrower sans-serif) and the margins are
sized from that estimate.

Each function takes plain data (labels and SI values) and returns one `<svg>` element, or None
when there is nothing to draw. `draw` runs a job `(function name, arguments)` as the build
queues them.
"""

from __future__ import annotations

import html
import math
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
_PT = 72.0  # points per inch: every size below is in points (1 SVG user unit = 1 pt)
WIDTH = _WIDTH_IN * _PT

_INK, _AXIS, _GRID, _VALUE = "#1d232b", "#555555", "#E3E3E3", "#333333"
_FONT = "'DejaVu Sans', 'Bitstream Vera Sans', Arial, sans-serif"
#: Font sizes (pt): row and tick labels, values at the ends of bars, titles, axis labels, legends.
_LABEL, _SMALL, _TITLE, _AXIS_LABEL, _LEGEND = 8.5, 7.5, 10.0, 9.0, 8.0
_TOP = 0.35 * _PT  # room for the title above the axes


def draw(job: tuple[str, tuple[Any, ...]]) -> tuple[str | None, float]:
    """Draw one chart job `(function name, arguments)`: (SVG or None, seconds taken)."""
    import time

    started = time.perf_counter()
    function, arguments = job
    svg = {"power_by_source": power_by_source, "compute_bars": compute_bars,
           "trajectory": trajectory, "intervals": intervals,
           "tornado": tornado}[function](*arguments)
    return svg, time.perf_counter() - started


# ---------------------------------------------------------------------------------- drawing
def _n(value: float) -> str:
    """A coordinate, rounded to 0.01 pt (the same bytes on every machine)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _short(text: str, limit: int = 44) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _text_width(texts: Sequence[str], size: float = _LABEL) -> float:
    """Estimated width in points of the longest text (DejaVu Sans averages ~0.56 em)."""
    return max((len(text) for text in texts), default=0) * size * 0.56


def _finite(values: Sequence[Any]) -> list[float]:
    return [float(v) for v in values
            if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)]


class _Drawing:
    """An SVG chart built element by element."""

    def __init__(self, width: float, height: float) -> None:
        self.width, self.height = width, height
        self.parts: list[str] = []

    def rect(self, x: float, y: float, width: float, height: float, fill: str,
             stroke: str | None = None, stroke_width: float = 0.6) -> None:
        if width < 0:
            x, width = x + width, -width
        edge = f' stroke="{stroke}" stroke-width="{_n(stroke_width)}"' if stroke else ""
        self.parts.append(f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(width)}" '
                          f'height="{_n(height)}" fill="{fill}"{edge}/>')

    def line(self, x1: float, y1: float, x2: float, y2: float, stroke: str = _AXIS,
             width: float = 0.8) -> None:
        self.parts.append(f'<line x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" '
                          f'stroke="{stroke}" stroke-width="{_n(width)}"/>')

    def polyline(self, points: Sequence[tuple[float, float]], stroke: str,
                 width: float = 1.6) -> None:
        coordinates = " ".join(f"{_n(x)},{_n(y)}" for x, y in points)
        self.parts.append(f'<polyline points="{coordinates}" fill="none" stroke="{stroke}" '
                          f'stroke-width="{_n(width)}" stroke-linejoin="round"/>')

    def marker(self, shape: str, x: float, y: float, size: float, fill: str,
               edge: str | None = None) -> None:
        """A marker of `size` points across, centred on (x, y)."""
        half = size / 2
        stroke = f' stroke="{edge}" stroke-width="0.5"' if edge else ""
        if shape == "circle":
            self.parts.append(f'<circle cx="{_n(x)}" cy="{_n(y)}" r="{_n(half)}" '
                              f'fill="{fill}"{stroke}/>')
            return
        if shape == "square":
            self.rect(x - half * 0.9, y - half * 0.9, size * 0.9, size * 0.9, fill, edge, 0.5)
            return
        corners = {
            "diamond": ((0, -1.15), (1.15, 0), (0, 1.15), (-1.15, 0)),
            "up": ((0, -1.1), (1, 0.75), (-1, 0.75)),
            "down": ((0, 1.1), (1, -0.75), (-1, -0.75)),
            "left": ((-1.1, 0), (0.75, -1), (0.75, 1)),
            "right": ((1.1, 0), (-0.75, -1), (-0.75, 1)),
        }[shape]
        points = " ".join(f"{_n(x + dx * half)},{_n(y + dy * half)}" for dx, dy in corners)
        self.parts.append(f'<polygon points="{points}" fill="{fill}"{stroke}/>')

    def text(self, x: float, y: float, text: str, size: float = _LABEL, anchor: str = "start",
             colour: str = _INK, bold: bool = False, middle: bool = True) -> None:
        """Text at (x, y); with `middle`, y is the middle of the line (else its baseline)."""
        baseline = y + size * 0.35 if middle else y
        weight = ' font-weight="bold"' if bold else ""
        self.parts.append(f'<text x="{_n(x)}" y="{_n(baseline)}" font-size="{_n(size)}" '
                          f'text-anchor="{anchor}" fill="{colour}"{weight}>'
                          f'{html.escape(str(text), quote=False)}</text>')

    def title(self, text: str) -> None:
        """The chart's title at the top left (shortened to fit)."""
        self.text(0.01 * self.width, 0.08 * _PT + _TITLE, _short(text, 90), size=_TITLE,
                  bold=True, middle=False)

    def legend(self, entries: Sequence[tuple[str, str, str | None]], columns: int,
               bottom: float) -> None:
        """Entries (text, colour, marker shape or None for a swatch) in rows of `columns`,
        centred, the last row `bottom` points above the foot of the chart."""
        rows = [entries[i:i + columns] for i in range(0, len(entries), columns)]
        for index, row in enumerate(rows):
            y = self.height - bottom - (len(rows) - 1 - index) * 14.4
            widths = [24 + _text_width([text], _LEGEND) for text, _colour, _shape in row]
            x = (self.width - sum(widths) - 18 * (len(row) - 1)) / 2
            for (text, colour, shape), width in zip(row, widths):
                if shape is None:
                    self.rect(x, y - 3.5, 18, 7, colour)
                else:
                    self.line(x, y, x + 18, y, colour, 1.6)
                    self.marker(shape, x + 9, y, 4.5, colour)
                self.text(x + 24, y, text, size=_LEGEND)
                x += width + 18

    def svg(self, title: str) -> str:
        label = html.escape(title, quote=True)
        return (f'<svg role="img" aria-label="{label}" class="chart" '
                f'xmlns="http://www.w3.org/2000/svg" width="{_n(self.width)}pt" '
                f'height="{_n(self.height)}pt" viewBox="0 0 {_n(self.width)} {_n(self.height)}" '
                f'font-family="{_FONT}"><title>{label}</title>\n'
                + "\n".join(self.parts) + "\n</svg>\n")


# ------------------------------------------------------------------------------------- axes
def _nice_ticks(low: float, high: float, most: int = 6) -> list[float]:
    """Round ticks (steps of 1, 2, 2.5 or 5 × 10^k) from low to high, at most `most`."""
    span = high - low
    if span <= 0 or not math.isfinite(span):
        return [low]
    for power in range(math.floor(math.log10(span / most)) - 1, math.ceil(math.log10(span)) + 2):
        for mantissa in (1.0, 2.0, 2.5, 5.0):
            step = mantissa * 10.0 ** power
            first, last = math.ceil(low / step - 1e-9), math.floor(high / step + 1e-9)
            if last - first + 1 <= most:
                return [round(k * step, 12) + 0.0 for k in range(first, last + 1)]
    return [low, high]


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
    that leaves a gap between neighbouring labels."""
    labels = [format_value(tick, dimension) for tick in _decade_ticks(low, high, 1)]
    decades = max(math.log10(high / low), 1e-9)
    return max(1, math.ceil((_text_width(labels) + 14) * decades / axis_points))


class _Rows:
    """Horizontal bars: one row per label (the first on top) over a value axis."""

    def __init__(self, labels: Sequence[str], row: float, bottom: float,
                 right: float = 0.2 * _PT) -> None:
        self.labels = list(labels)
        self.row = row
        self.left = _text_width(self.labels) + 0.15 * _PT
        self.right = WIDTH - right
        self.top = _TOP
        self.bottom = self.top + row * len(self.labels)
        self.drawing = _Drawing(WIDTH, self.bottom + bottom)
        self.low, self.high, self.log = 0.0, 1.0, False

    def axis(self, low: float, high: float, log: bool = False) -> None:
        self.low, self.high, self.log = low, high, log

    def x(self, value: float) -> float:
        if self.log:
            share = ((math.log10(value) - math.log10(self.low))
                     / (math.log10(self.high) - math.log10(self.low)))
        else:
            share = (value - self.low) / (self.high - self.low)
        return self.left + share * (self.right - self.left)

    def y(self, index: int) -> float:
        """Middle of row `index` (0 at the top)."""
        return self.top + (index + 0.5) * self.row

    def frame(self, ticks: Sequence[tuple[float, str]], grid: bool = False,
              axis_label: str | None = None) -> None:
        """Grid, axes, ticks, row labels and the axis label (before the bars: drawn below)."""
        d = self.drawing
        for value, label in ticks:
            x = self.x(value)
            if grid:
                d.line(x, self.top, x, self.bottom, _GRID, 0.6)
            d.line(x, self.bottom, x, self.bottom + 3.5)
            d.text(x, self.bottom + 10, label, anchor="middle")
        for index, label in enumerate(self.labels):
            d.text(self.left - 4, self.y(index), label, anchor="end")
        if axis_label:
            d.text((self.left + self.right) / 2, self.bottom + 25, axis_label, size=_AXIS_LABEL,
                   anchor="middle")

    def spines(self) -> None:
        """The left and bottom axis lines (after the bars: drawn over them)."""
        self.drawing.line(self.left, self.top, self.left, self.bottom)
        self.drawing.line(self.left, self.bottom, self.right, self.bottom)

    def value_label(self, value: float, index: int, text: str,
                    outward_right: bool = True) -> None:
        """A value written just outside the end of a bar (3 points away)."""
        x = self.x(value) + (3 if outward_right else -3)
        self.drawing.text(x, self.y(index), text, size=_SMALL,
                          anchor="start" if outward_right else "end", colour=_VALUE)


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


# ---------------------------------------------------------------------------------- charts
def power_by_source(rows: Sequence[tuple[str, dict[str, float]]],
                    title: str = "Facility power by supply source") -> str | None:
    """Stacked horizontal bars: for each row (a scenario) its power per energy source (W)."""
    rows = [(label, {k: float(v) for k, v in parts.items() if _finite([v]) and v > 0})
            for label, parts in rows if parts]
    rows = [(label, parts) for label, parts in rows if parts]
    if not rows:
        return None
    sources: list[str] = []
    for _, parts in rows:
        sources.extend(s for s in parts if s not in sources)
    colours = _colours(sources)
    legend_rows = math.ceil(len(sources) / 4)
    axes = _Rows([_short(label) for label, _ in rows], 0.3 * _PT, 0.42 * _PT + 14.4 * legend_rows)
    totals = [sum(parts.values()) for _, parts in rows]
    axes.axis(0.0, max(totals) * 1.02)
    ticks = _nice_ticks(0.0, axes.high, 6)
    axes.frame([(t, "0" if t == 0 else format_value(t, "power")) for t in ticks], grid=True)
    d = axes.drawing
    for index, (_, parts) in enumerate(rows):
        left, middle = 0.0, axes.y(index)
        for source in sources:
            part = parts.get(source, 0.0)
            if part > 0:
                d.rect(axes.x(left), middle - axes.row * 0.31, axes.x(left + part) - axes.x(left),
                       axes.row * 0.62, colours[source], "white", 0.5)
                left += part
    axes.spines()
    d.legend([(s.replace("_", " "), colours[s], None) for s in sources], 4, 0.16 * _PT)
    d.title(title)
    return d.svg(title)


def compute_bars(bars: Sequence[tuple[str, float, bool]],
                 title: str = "Peak compute at the training precision (log scale)",
                 dimension: str = "flop_rate") -> str | None:
    """Bars on a log scale: (label, value, highlighted), scenarios against references."""
    bars = [(label, float(value), bold) for label, value, bold in bars
            if _finite([value]) and value > 0]
    if not bars:
        return None
    axes = _Rows([_short(label) for label, _, _ in bars], 0.25 * _PT, 0.35 * _PT,
                 right=0.3 * _PT)
    values = [value for _, value, _ in bars]
    left = 10.0 ** math.floor(math.log10(min(values)))
    right = 10.0 ** math.ceil(math.log10(max(values)) + 0.45)  # room for the value labels
    axes.axis(left, right, log=True)
    # Decade ticks short of the right edge, where a label would run off the chart, spaced so
    # that their labels do not run into each other.
    step = _decade_step(left, right, dimension, axes.right - axes.left)
    axes.frame([(t, format_value(t, dimension)) for t in _decade_ticks(left, right / 10, step)])
    d = axes.drawing
    for index, (_, value, bold) in enumerate(bars):
        middle = axes.y(index)
        d.rect(axes.left, middle - axes.row * 0.31, axes.x(value) - axes.left, axes.row * 0.62,
               HIGHLIGHT if bold else MUTED)
        axes.value_label(value, index, format_value(value, dimension))
    axes.spines()
    d.title(title)
    return d.svg(title)


def trajectory(series: Sequence[tuple[str, Sequence[tuple[float, float | None]]]],
               dimension: str, x_label: str, title: str) -> str | None:
    """Lines of a metric against a numeric axis (the sweep's years), one per other-axis value."""
    cleaned = []
    for label, points in series:
        kept = [(float(x), float(y)) for x, y in points
                if y is not None and len(_finite([x, y])) == 2]
        if kept:
            cleaned.append((label, kept))
    if not cleaned:
        return None
    ys = [y for _, points in cleaned for _, y in points]
    xs = sorted({x for _, points in cleaned for x, _ in points})
    low, high = min(ys), max(ys)
    positive = low > 0
    log = positive and high / low > 20
    if log:
        y_low, y_high = 10.0 ** math.floor(math.log10(low)), 10.0 ** math.ceil(math.log10(high))
        y_ticks = [t for t in _decade_ticks(low, high) if y_low <= t <= y_high]
    else:
        margin = (high - low) * 0.08 or abs(high) * 0.1 or 1.0
        y_low, y_high = (0.0 if positive else low - margin), high + margin
        y_ticks = _nice_ticks(y_low, y_high, 6)
    tick_labels = [format_value(t, dimension) for t in y_ticks]
    legend_rows = math.ceil(len(cleaned) / 3) if len(cleaned) > 1 else 0
    height = 2.9 * _PT
    left, right = _text_width(tick_labels) + 0.2 * _PT, WIDTH - 0.2 * _PT
    top, bottom = _TOP, height - (0.5 * _PT + 14.4 * legend_rows)
    d = _Drawing(WIDTH, height)
    x_pad = (xs[-1] - xs[0]) * 0.05 or 0.5
    x_low, x_high = xs[0] - x_pad, xs[-1] + x_pad

    def px(x: float) -> float:
        return left + (x - x_low) / (x_high - x_low) * (right - left)

    def py(y: float) -> float:
        if log:
            share = (math.log10(y) - math.log10(y_low)) / (math.log10(y_high) - math.log10(y_low))
        else:
            share = (y - y_low) / (y_high - y_low)
        return bottom - share * (bottom - top)

    for tick, label in zip(y_ticks, tick_labels):
        d.line(left, py(tick), right, py(tick), _GRID, 0.6)
        d.line(left - 3.5, py(tick), left, py(tick))
        d.text(left - 6, py(tick), label, anchor="end")
    step = max(1, math.ceil(len(xs) / 12))
    for x in xs[::step]:
        d.line(px(x), bottom, px(x), bottom + 3.5)
        d.text(px(x), bottom + 10, f"{x:g}", anchor="middle")
    d.text((left + right) / 2, bottom + 25, x_label, size=_AXIS_LABEL, anchor="middle")
    colours = _colours([label for label, _ in cleaned])
    shapes = ("circle", "square", "diamond", "up", "down", "left", "right")
    for index, (label, points) in enumerate(cleaned):
        placed = [(px(x), py(y)) for x, y in points]
        d.polyline(placed, colours[label])
        for x, y in placed:
            d.marker(shapes[index % len(shapes)], x, y, 4.5, colours[label])
    d.line(left, top, left, bottom)
    d.line(left, bottom, right, bottom)
    if legend_rows:
        d.legend([(_short(label, 30), colours[label], shapes[i % len(shapes)])
                  for i, (label, _) in enumerate(cleaned)], 3, 0.16 * _PT)
    d.title(title)
    return d.svg(title)


def _percent(value: float, zero: str) -> str:
    """A tick of a relative axis: `−20%`, `zero` (what 0 stands for), `+20%`."""
    percent = round(value * 100, 6)
    if percent == 0:
        return zero
    return f"{percent:+g}%".replace("-", "−")


def _relative_axis(axes: _Rows, values: Sequence[float], ends: Sequence[str], zero: str,
                   axis_label: str) -> None:
    """Fit `values` (and 0) on a relative axis with room for the value labels `ends` at the
    ends of the bars, and draw its frame; ticks as many as their labels fit side by side."""
    low, high = min(min(values), 0.0), max(max(values), 0.0)
    span = (high - low) or 0.1
    pad = _text_width(ends, _SMALL) + 0.1 * _PT
    room = max(axes.right - axes.left - 2 * pad, 0.8 * _PT)
    axes.axis(low - span * pad / room, high + span * pad / room)
    fit = int((axes.right - axes.left) / (_text_width([zero]) + 14))
    ticks = _nice_ticks(axes.low, axes.high, max(3, min(fit, 7)))
    axes.frame([(t, _percent(t, zero)) for t in ticks], grid=True, axis_label=axis_label)


def intervals(rows: Sequence[tuple[str, float, float, float, float, str]],
              title: str) -> str | None:
    """An interval chart: per figure (label, P5, P50, P95, mean, dimension) a bar from its P5
    to its P95 relative to its median, the median as a line and the mean as a diamond, the
    P5 and P95 written at the ends (figures in different units share one relative axis)."""
    rows = [(label, *(float(v) for v in values), dimension)
            for label, *values, dimension in rows
            if len(_finite(values)) == len(values) and float(values[1]) > 0]
    if not rows:
        return None
    labels = [_short(f"{label} · {format_value(p50, dimension)}", 50)
              for label, _p5, p50, _p95, _mean, dimension in rows]
    ends = [format_value(v, row[5]) for row in rows for v in (row[1], row[3])]
    axes = _Rows(labels, 0.32 * _PT, 0.55 * _PT)
    lows = [p5 / p50 - 1 for _l, p5, p50, _p95, _m, _d in rows]
    highs = [p95 / p50 - 1 for _l, _p5, p50, p95, _m, _d in rows]
    means = [mean / p50 - 1 for _l, _p5, p50, _p95, mean, _d in rows]
    _relative_axis(axes, lows + highs + means, ends, "median",
                   "relative to the median (line); diamond: the mean")
    d = axes.drawing
    d.line(axes.x(0), axes.top, axes.x(0), axes.bottom, "#C8CFD6", 0.8)
    for index, (row, low, high, mean) in enumerate(zip(rows, lows, highs, means)):
        middle, half = axes.y(index), axes.row * 0.25
        d.rect(axes.x(low), middle - half, axes.x(high) - axes.x(low), 2 * half, "#9CC3E0",
               HIGHLIGHT)
        d.line(axes.x(0), middle - axes.row * 0.3, axes.x(0), middle + axes.row * 0.3, _INK, 1.6)
        d.marker("diamond", axes.x(mean), middle, 4.8, "#E69F00", _INK)
        axes.value_label(low, index, format_value(row[1], row[5]), outward_right=False)
        axes.value_label(high, index, format_value(row[3], row[5]), outward_right=True)
    axes.spines()
    d.title(title)
    return d.svg(title)


def tornado(rows: Sequence[tuple[str, str, float, float, float, str]],
            title: str) -> str | None:
    """A tornado chart: per (figure label, input, baseline, figure with the input at its P5,
    ... at its P95, dimension) a bar from the baseline (every range at its median) to each end,
    relative to the baseline; the largest swing on top, the figure's values at the ends."""
    cleaned = []
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
    axes = _Rows([_short(label, 60) for _swing, label, *_rest in cleaned], 0.3 * _PT,
                 0.8 * _PT)
    _relative_axis(axes, [value for row in cleaned for value in row[2:4]],
                   [text for row in cleaned for text in row[4:]], "baseline",
                   "relative to the baseline: every range at its median")
    d = axes.drawing
    low_colour, high_colour = HIGHLIGHT, "#E69F00"
    for index, (_swing, _label, low, high, low_text, high_text) in enumerate(cleaned):
        middle, half = axes.y(index), axes.row * 0.275
        for value, text, colour in ((low, low_text, low_colour), (high, high_text, high_colour)):
            d.rect(axes.x(0), middle - half, axes.x(value) - axes.x(0), 2 * half, colour)
            axes.value_label(value, index, text, outward_right=value >= 0)
    d.line(axes.x(0), axes.top, axes.x(0), axes.bottom, _INK, 0.8)
    axes.spines()
    d.legend([("the range at its P5", low_colour, None),
              ("the range at its P95", high_colour, None)], 2, 0.16 * _PT)
    d.title(title)
    return d.svg(title)
