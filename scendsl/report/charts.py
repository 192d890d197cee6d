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
chart, and each chart starts from a pickled copy of an empty Figure and Axes with the ticks it
draws already made (a third of the time of building the Axes anew; the bytes are the same).
Text metrics are kept for the whole process, not per chart (`chart_kit._share_text_metrics`):
labels and ticks recur; each text is
laid out once whatever its size (`chart_kit._extent`), the layout's own measuring included,
and placed once per process whatever chart draws it (`chart_kit._shared_layout`),
lines are wrapped by bisection from a guess made of the characters' advances (read from the
font once per character: `chart_kit._advance`), and a font's heights are read once, not once
per text drawn (`chart_kit._font_height_metrics`). The layouts are kept among the caches for
the next build's process (`chart_kit.keep_text_extents`): its labels, ticks and titles mostly
come back, and laying them out was a fifth of a cold build's charts. Row and value labels are
added without the clip path `Axes.text` gives every text and an unclipped text never reads
(`chart_kit._axes_text`). The chart worker imports matplotlib without the Artist `set()`
docstrings (`chart_kit._lean_import`): four tenths of the import.

Each public function takes plain data (labels and SI values) and returns one `<svg>` element, or
None when there is nothing to draw. `draw` runs a job `(function name, arguments)` as the build
queues them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from typing import Any

from scendsl.report.chart_kit import (
    _GRID,
    _INK,
    _LABEL,
    _PT,
    _SMALL,
    _TITLE,
    _TOP,
    HIGHLIGHT,
    MUTED,
    WIDTH,
    _bars,
    _chart,
    _colours,
    _decade_step,
    _decade_ticks,
    _finite,
    _lean_import,
    _legend,
    _legend_columns,
    _measure,
    _plain_formatter,
    _relative_axis,
    _row_labels,
    _row_layout,
    _salt,
    _short,
    _svg,
    _swatches,
    _template,
    _text_width,
    _title,
    _top,
    _value_label,
)
from scendsl.report.numbers import format_value


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
            "power_by_source": power_by_source,
            "compute_bars": compute_bars,
            "trajectory": trajectory,
            "intervals": intervals,
            "tornado": tornado,
        }
        svg = drawers[function](*arguments)
    return svg, time.perf_counter() - started


def import_matplotlib(lean: bool = False) -> None:
    """Import the parts of matplotlib that drawing needs. `lean`: without the docstrings
    nobody reads in a process that only draws (`chart_kit._lean_import`); nothing is saved
    once matplotlib is imported."""
    with _lean_import() if lean else nullcontext():
        import matplotlib.backends.backend_svg
        import matplotlib.collections
        import matplotlib.figure
        import matplotlib.legend
        import matplotlib.textpath
        import matplotlib.ticker  # noqa: F401


def warm_up(lean: bool = False) -> None:
    """Import and prepare what drawing needs: the modules, the fonts, the Axes templates.

    A chart worker's first job, done while the main process is still loading (so the first
    chart is as quick as the others). `lean`: matplotlib is imported without the docstrings
    nobody reads in a process that only draws (`chart_kit._lean_import`).
    """
    import_matplotlib(lean)
    _measure("0", _LABEL, False)  # loads the font
    _measure("0", _TITLE, True)
    for x_log, y_log in ((False, False), (True, False), (False, True)):
        _template(x_log, y_log)


# ---------------------------------------------------------------------------------- charts
def power_by_source(
    rows: Sequence[tuple[str, dict[str, float]]], title: str = "Facility power by supply source"
) -> str | None:
    """Stacked horizontal bars: for each row (a scenario) its power per energy source (W)."""
    salt = _salt("power_by_source", (rows, title))
    rows = [
        (label, {k: float(v) for k, v in parts.items() if _finite([v]) and v > 0})
        for label, parts in rows
        if parts
    ]
    rows = [(label, parts) for label, parts in rows if parts]
    if not rows:
        return None
    from matplotlib.ticker import MaxNLocator

    sources: list[str] = []
    for _, parts in rows:
        sources.extend(s for s in parts if s not in sources)
    colours = _colours(sources)
    labels, pitch = _row_layout([label for label, _ in rows])
    names = [s.replace("_", " ") for s in sources]
    columns = _legend_columns(names, 4)
    legend_rows = math.ceil(len(sources) / columns)
    top, bottom = _top(title), 0.42 * _PT + 14.4 * legend_rows
    height = top + bottom + pitch * len(rows)
    left_margin = _text_width([line for text, _ in labels for line in text.split("\n")])
    margins = (left_margin + 0.15 * _PT, 0.2 * _PT, top, bottom)
    axis_points = WIDTH - margins[0] - margins[1]
    tick_width = _text_width([format_value(max(sum(p.values()) for _, p in rows), "power")])
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
        # Each row's total written at its end (a row of kW beside rows of MW is too short to
        # see), the axis long enough for every total to fit.
        texts = [format_value(total, "power") for total in totals]
        right = max(totals) * 1.02
        for total, text in zip(totals, texts, strict=True):
            room = axis_points - _measure(text, _SMALL, False) - 4
            right = max(right, total * axis_points / max(room, 1.0))
        axes.set_xlim(0, right)
        for index, (total, text) in enumerate(zip(totals, texts, strict=True)):
            _value_label(axes, total, index, text)
        # As many ticks as their labels fit side by side.
        nbins = max(2, min(6, int(axis_points // (tick_width + 14))))
        axes.xaxis.set_major_locator(MaxNLocator(nbins=nbins, steps=[1, 2, 2.5, 5, 10]))
        axes.xaxis.set_major_formatter(_plain_formatter(dimension="power", zero="0"))
        axes.grid(True, axis="x", color=_GRID, linewidth=0.6)
        _legend(figure, _swatches([colours[s] for s in sources]), names, columns, height)
        _title(figure, height, title)
        return _svg(figure, title)


def compute_bars(
    bars: Sequence[tuple[str, float, bool]],
    title: str = "Peak compute at the training precision",
    dimension: str = "flop_rate",
) -> str | None:
    """Bars (label, value, highlighted), scenarios against references.

    Bars are proportional (a linear axis from 0) when the smallest is at least a twentieth of
    the largest; otherwise the axis is logarithmic, and each bar's value label says how many
    times the largest bar it is ("÷758"), so the eye is not left to read ratios off a log axis.
    """
    salt = _salt("compute_bars", (bars, title, dimension))
    bars = [
        (label, float(value), bold) for label, value, bold in bars if _finite([value]) and value > 0
    ]
    if not bars:
        return None
    from matplotlib.ticker import FixedLocator, MaxNLocator, NullLocator

    labels, pitch = _row_layout([label for label, _, _ in bars])
    values = [value for _, value, _ in bars]
    largest = max(values)
    log = largest / min(values) > 20
    texts = []
    for value in values:
        text = format_value(value, dimension)
        ratio = largest / value
        if log and format_value(ratio, "number") not in ("1", "1.0"):
            text += f" ÷{format_value(ratio, 'number')}"
        texts.append(text)
    if log:
        title += " · log scale, ÷: times smaller than the largest bar"
    top, bottom = _top(title), 0.35 * _PT
    height = top + bottom + pitch * len(bars)
    left_margin = _text_width([line for text, _ in labels for line in text.split("\n")])
    left_margin += 0.15 * _PT
    right_margin = 0.2 * _PT
    axis_points = WIDTH - left_margin - right_margin
    # The axis' start: 0, or a power of ten at least a third of a decade below the smallest
    # value (a bar is never too short to see).
    left = 10.0 ** math.floor(math.log10(min(values)) - 0.3) if log else 0.0
    if log:  # the first tick label is centred on the axis' start: room for its half
        half_tick = _text_width([format_value(left, dimension)]) / 2 + 4
        if half_tick > left_margin:
            left_margin = half_tick
            axis_points = WIDTH - left_margin - right_margin

    def position(value: float, right: float) -> float:
        """Where `value` falls on the axis, in points from its start."""
        if log:
            return axis_points * math.log10(value / left) / math.log10(right / left)
        return axis_points * value / right

    # The axis ends where every value label fits right of its bar.
    widths = [_measure(text, _SMALL, False) + 3 for text in texts]
    right = largest * (10.0**0.1 if log else 1.02)
    while any(
        position(value, right) + width > axis_points
        for value, width in zip(values, widths, strict=True)
    ):
        right *= 10.0**0.05 if log else 1.03
    with _chart(salt, height, (left_margin, right_margin, top, bottom), x_log=log) as (
        figure,
        axes,
    ):
        _bars(
            axes,
            [
                (index, left, value, HIGHLIGHT if bold else MUTED)
                for index, (_, value, bold) in enumerate(bars)
            ],
            0.62,
        )
        axes.set_xlim(left, right)
        if log:
            # Decade ticks short of the right edge, where a label would run off the chart,
            # spaced so that their labels do not run into each other.
            step = _decade_step(left, right, dimension, axis_points)
            axes.xaxis.set_major_locator(FixedLocator(_decade_ticks(left, right / 10, step)))
            axes.xaxis.set_minor_locator(NullLocator())
        else:
            tick_width = _text_width([format_value(largest, dimension)])
            nbins = max(2, min(6, int(axis_points // (tick_width + 14))))
            axes.xaxis.set_major_locator(MaxNLocator(nbins=nbins, steps=[1, 2, 2.5, 5, 10]))
        axes.xaxis.set_major_formatter(_plain_formatter(dimension=dimension, zero="0"))
        axes.grid(True, axis="x", color=_GRID, linewidth=0.6)
        _row_labels(axes, labels)
        for index, (value, text) in enumerate(zip(values, texts, strict=True)):
            _value_label(axes, value, index, text)
        _title(figure, height, title)
        return _svg(figure, title)


def trajectory(
    series: Sequence[tuple[str, Sequence[tuple[float, float | None]]]],
    dimension: str,
    x_label: str,
    title: str,
) -> str | None:
    """Lines of a metric against a numeric axis (the sweep's years), one per other-axis value."""
    salt = _salt("trajectory", (series, dimension, x_label, title))
    cleaned = []
    for label, points in series:
        kept = [
            (float(x), float(y)) for x, y in points if y is not None and len(_finite([x, y])) == 2
        ]
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
    legend_labels = [_short(label, 30) for label, _ in cleaned]
    columns = _legend_columns(legend_labels, 3)
    legend_rows = math.ceil(len(cleaned) / columns) if len(cleaned) > 1 else 0
    top, bottom = _top(title), 0.5 * _PT + 14.4 * legend_rows
    height = 2.6 * _PT + top - _TOP
    x_pad = (xs[-1] - xs[0]) * 0.05 or 0.5
    colours = _colours([label for label, _ in cleaned])
    markers = "osD^v<>"
    margins = (_text_width(tick_texts) + 0.2 * _PT, 0.2 * _PT, top, bottom)
    with _chart(salt, height, margins, y_log=log) as (figure, axes):
        lines = []
        for index, (label, points) in enumerate(cleaned):
            lines.extend(
                axes.plot(
                    [x for x, _ in points],
                    [y for _, y in points],
                    color=colours[label],
                    marker=markers[index % len(markers)],
                    markersize=4.5,
                    markeredgewidth=0,
                    linewidth=1.6,
                )
            )
        if log:
            axes.yaxis.set_major_locator(FixedLocator(y_ticks))
            axes.yaxis.set_minor_locator(NullLocator())
        else:
            axes.yaxis.set_major_locator(locator)
        axes.set_ylim(y_low, y_high)
        axes.yaxis.set_major_formatter(_plain_formatter(dimension=dimension))
        axes.set_xlim(xs[0] - x_pad, xs[-1] + x_pad)
        axes.xaxis.set_major_locator(FixedLocator(xs[:: max(1, math.ceil(len(xs) / 12))]))
        axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _pos: f"{value:g}"))
        axes.set_xlabel(x_label, color=_INK)
        axes.grid(True, axis="y", color=_GRID, linewidth=0.6)
        if legend_rows:
            _legend(figure, lines, legend_labels, columns, height)
        _title(figure, height, title)
        return _svg(figure, title)


def intervals(
    rows: Sequence[tuple[str, float, float, float, float, str]], title: str
) -> str | None:
    """An interval chart: per figure (label, P5, P50, P95, mean, dimension) a bar from its P5
    to its P95 relative to its median, the median as a line and the mean as a diamond, the
    P5 and P95 written at the ends (figures in different units share one relative axis)."""
    salt = _salt("intervals", (rows, title))
    rows = [
        (label, float(p5), float(p50), float(p95), float(mean), dimension)
        for label, p5, p50, p95, mean, dimension in rows
        if len(_finite([p5, p50, p95, mean])) == 4 and float(p50) > 0
    ]
    if not rows:
        return None
    labels, pitch = _row_layout(
        [
            f"{label} · {format_value(p50, dimension)}"
            for label, _p5, p50, _p95, _mean, dimension in rows
        ]
    )
    ends = [format_value(v, row[5]) for row in rows for v in (row[1], row[3])]
    lows = [p5 / p50 - 1 for _l, p5, p50, _p95, _m, _d in rows]
    highs = [p95 / p50 - 1 for _l, _p5, p50, p95, _m, _d in rows]
    means = [mean / p50 - 1 for _l, _p5, p50, _p95, mean, _d in rows]
    top, bottom = _top(title), 0.55 * _PT
    height = top + bottom + max(pitch, 0.32 * _PT) * len(rows)
    label_width = _text_width([line for text, _ in labels for line in text.split("\n")])
    left_margin, right_margin = label_width + 0.15 * _PT, 0.2 * _PT
    positions = range(len(rows))
    with _chart(salt, height, (left_margin, right_margin, top, bottom)) as (figure, axes):
        _relative_axis(
            axes,
            lows + highs + means,
            ends,
            "median",
            "relative to the median (line); diamond: the mean",
            WIDTH - left_margin - right_margin,
        )
        axes.axvline(0, color="#C8CFD6", linewidth=0.8)
        _bars(
            axes,
            [
                (index, low, high, "#9CC3E0")
                for index, (low, high) in enumerate(zip(lows, highs, strict=True))
            ],
            0.5,
            edge=HIGHLIGHT,
            edge_width=0.6,
        )
        axes.vlines(
            [0.0] * len(rows),
            [p - 0.3 for p in positions],
            [p + 0.3 for p in positions],
            color=_INK,
            linewidth=1.6,
        )
        axes.plot(
            means,
            list(positions),
            linestyle="none",
            marker="D",
            markersize=4.2,
            markerfacecolor="#E69F00",
            markeredgecolor=_INK,
            markeredgewidth=0.5,
        )
        _row_labels(axes, labels)
        for index, (row, low, high) in enumerate(zip(rows, lows, highs, strict=True)):
            _value_label(axes, low, index, format_value(row[1], row[5]), outward_right=False)
            _value_label(axes, high, index, format_value(row[3], row[5]), outward_right=True)
        _title(figure, height, title)
        return _svg(figure, title)


def tornado(rows: Sequence[tuple[str, str, float, float, float, str]], title: str) -> str | None:
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
        cleaned.append(
            (
                abs(high - low),
                f"{label} ← {name}",
                low,
                high,
                format_value(at_low, dimension),
                format_value(at_high, dimension),
            )
        )
    if not cleaned:
        return None
    cleaned.sort(key=lambda row: (-row[0], row[1]))  # largest swing on top; ties by name
    labels, pitch = _row_layout([label for _swing, label, *_rest in cleaned])
    legend_names = ["the range at its P5", "the range at its P95"]
    columns = _legend_columns(legend_names, 2)
    top, bottom = _top(title), 0.55 * _PT + 14.4 * math.ceil(2 / columns)
    height = top + bottom + max(pitch, 0.3 * _PT) * len(cleaned)
    label_width = _text_width([line for text, _ in labels for line in text.split("\n")])
    left_margin, right_margin = label_width + 0.15 * _PT, 0.2 * _PT
    low_colour, high_colour = HIGHLIGHT, "#E69F00"
    with _chart(salt, height, (left_margin, right_margin, top, bottom)) as (figure, axes):
        _relative_axis(
            axes,
            [value for row in cleaned for value in row[2:4]],
            [text for row in cleaned for text in row[4:]],
            "baseline",
            "relative to the baseline: every range at its median",
            WIDTH - left_margin - right_margin,
        )
        _bars(
            axes,
            [
                (index, 0.0, end, colour)
                for index, row in enumerate(cleaned)
                for end, colour in ((row[2], low_colour), (row[3], high_colour))
            ],
            0.55,
        )
        axes.axvline(0, color=_INK, linewidth=0.8)
        _row_labels(axes, labels)
        for index, (_swing, _label, low, high, low_text, high_text) in enumerate(cleaned):
            for value, text in ((low, low_text), (high, high_text)):
                _value_label(axes, value, index, text, outward_right=value >= 0)
        _legend(figure, _swatches([low_colour, high_colour]), legend_names, columns, height)
        _title(figure, height, title)
        return _svg(figure, title)
