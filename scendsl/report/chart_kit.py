"""The chart kit: the style every chart shares (palette, sizes, matplotlib settings) and the
plumbing of drawing one (measured text, a pickled empty Figure, deterministic SVG, bars, axes).
The charts themselves are in scendsl.report.charts."""

from __future__ import annotations

import hashlib
import html
import io
import math
import pickle
import re
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from functools import cache, lru_cache, partial
from typing import Any

from scendsl.memo import text_cache, text_store
from scendsl.report.numbers import format_value

#: Okabe–Ito palette (distinguishable with colour-vision deficiencies), then greys.
PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#000000",
    "#999999",
    "#666666",
)
#: Energy sources keep one colour across every chart of a build.
SOURCE_COLOURS = {
    "grid": "#999999",
    "stranded_gas": "#D55E00",
    "gas": "#E69F00",
    "gas_cc": "#E69F00",
    "coal": "#000000",
    "solar": "#F0E442",
    "wind": "#56B4E9",
    "wind_onshore": "#56B4E9",
    "wind_offshore": "#0072B2",
    "nuclear": "#CC79A7",
    "smr": "#CC79A7",
    "hydro": "#009E73",
    "geothermal": "#666666",
}
HIGHLIGHT, MUTED = "#0072B2", "#B8C4CE"
# A chart is drawn 5 in (480 CSS px) wide and scales down with the page: on a 390 px phone its
# column is ~380 px, a scale of ~0.79, so the smallest text (9 pt = 12 CSS px at full size)
# stays above 9 CSS px. Wider charts would need smaller text there; on a wide screen the chart
# keeps its natural width (style.css).
_WIDTH_IN = 5.0  # inches
_PT = 72.0  # points per inch: sizes below are in points (the SVG's user unit)
WIDTH = _WIDTH_IN * _PT

_INK, _AXIS, _GRID, _VALUE = "#1d232b", "#555555", "#E3E3E3", "#333333"
#: Font sizes (pt): row and tick labels, values at the ends of bars, titles, axis labels, legends.
#: None is below 9 pt (see _WIDTH_IN).
_LABEL, _SMALL, _TITLE, _AXIS_LABEL, _LEGEND = 9.5, 9.0, 10.5, 9.0, 9.0
_TOP = 0.35 * _PT  # room for a one-line title above the axes
_TITLE_LINE = 13.5  # points per further line of a wrapped title
_ROW_LABEL_GAP = 4.0  # points between a row label and the axes
#: Row labels wrap onto two lines within this width; a longer one is shortened, with its full
#: text in a <title> (a tooltip; the page's table has it too).
_ROW_LABEL_WIDTH = 0.36 * WIDTH

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


# ---------------------------------------------------------------------------------- helpers
def _short(text: str, limit: int = 44) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _finite(values: Sequence[Any]) -> list[float]:
    return [
        float(v)
        for v in values
        if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
    ]


def _text_width(texts: Sequence[str], size: float = _LABEL, bold: bool = False) -> float:
    """Width in points of the widest text, measured with the chart font (as it is drawn)."""
    return max((_measure(text, size, bold) for text in texts if text), default=0.0)


@text_cache
def _measure(text: str, size: float, bold: bool) -> float:
    """One text's width in points (kept: the same labels come back in chart after chart)."""
    from matplotlib.font_manager import FontProperties

    prop = FontProperties(family="DejaVu Sans", size=size, weight="bold" if bold else "normal")
    return _extent(text, prop)[0]


#: Most font choices and font heights kept (see _extent): few, a chart uses a handful of fonts.
_MAX_FONTS = 8192
#: Text extents by their text, font files and settings (see _extent).
_extents = text_store()
#: Font files by font properties and font lists (few: a chart uses a handful of fonts).
_fonts: dict[tuple[Any, ...], tuple[Any, ...] | None] = {}
#: The rc settings that name the fonts of each generic family (as matplotlib's findfont).
_FONT_LISTS = ("font.serif", "font.sans-serif", "font.cursive", "font.fantasy", "font.monospace")


def _extent(text: str, prop: Any) -> tuple[float, float, float]:
    """Width, height and descent in points of plain (not mathtext) `text` in the font `prop`,
    as the SVG renderer measures it, kept for the process under the font files and the text.

    matplotlib lays text out at one size (TextToPath.FONT_SCALE) and scales the result to the
    font's, so one layout serves every size, and the row label a chart measures to size its
    margin (family "DejaVu Sans") is the one the renderer measures to draw it (family
    "sans-serif", the same file): each text is laid out once, not once per size and family.
    The numbers are the very ones matplotlib would return (the same arithmetic on the same
    layout), so the charts' bytes are the same. Laying out a text costs ~20 µs a glyph.
    """
    import matplotlib
    from matplotlib.textpath import text_to_path

    unit = getattr(text_to_path, "FONT_SCALE", None)
    params: Any = matplotlib.rcParams  # Any: typed as a Literal of every rc name
    # What picks the font files: the properties and the families' font lists.
    choice = (prop.copy(), *(tuple(params[name]) for name in _FONT_LISTS))
    fonts = _fonts.get(choice)
    if fonts is None:
        from matplotlib.font_manager import fontManager

        find = getattr(fontManager, "_find_fonts_by_props", None)
        if len(_fonts) >= _MAX_FONTS:
            _fonts.clear()
        fonts = _fonts[choice] = tuple(find(prop)) if find is not None else None
    if unit is None or fonts is None:  # another matplotlib: measured as it measures
        return text_to_path.get_text_width_height_descent(text, prop, False)
    key = (
        text,
        fonts,
        params["text.kerning_factor"],
        params["text.hinting_factor"],
        params["font.enable_last_resort"],
    )
    if not _kept_layouts["read"]:
        _read_kept_extents()

    def measured() -> tuple[float, float, float]:
        at_unit = prop.copy()
        at_unit.set_size(unit)  # scale 1: the layout's own numbers
        found = text_to_path.get_text_width_height_descent(text, at_unit, False)
        _kept_layouts["new"] += 1
        return found

    width, height, descent = _extents.made(key, measured)
    scale = prop.get_size_in_points() / unit
    return width * scale, height * scale, descent * scale


#: The text layouts of earlier processes (`_extents`), kept among the caches (files.kept).
_KEPT_EXTENTS = "chart-text-extents.pickle"
#: Whether this process has read them, and how many layouts it has made since.
_kept_layouts = {"read": False, "new": 0}


def _layout_key() -> bytes:
    """What a kept layout depends on besides its text, its font files and the rc settings in
    its key: matplotlib's layout code and the FreeType and libraqm it shapes text with."""
    import matplotlib
    from matplotlib import ft2font
    from matplotlib.textpath import text_to_path

    from scendsl.files.kept import digest

    return digest(
        b"chart-text-extents-1",
        matplotlib.__version__,
        str(getattr(ft2font, "__freetype_version__", "")),
        str(getattr(ft2font, "__libraqm_version__", "")),
        repr(getattr(text_to_path, "FONT_SCALE", None)),
    )


def _font_stamp(path: str) -> tuple[int, int, int, int, int] | None:
    """A font file's stamp (`files.settled.settled_stamp`: a replaced font file makes its
    layouts stale, even one put back at the old file's size and time of change)."""
    from scendsl.files.settled import settled_stamp

    return settled_stamp(path)


def _read_kept_extents() -> None:
    """Add the layouts kept by earlier builds to `_extents` (once per process).

    Laying out the samples' 500 chart texts is a third of drawing their charts the first
    time (FreeType and libraqm, ~20 µs a glyph); the labels, ticks and titles of one build
    mostly come back in the next, in a new process. The layouts are the numbers matplotlib
    returned for the same text, font files and settings, so the charts' bytes are the same.
    An entry of another matplotlib, FreeType or libraqm is a miss; a layout in a font file
    that has changed since is left out (files.kept seals entries and unpickles plain data).
    """
    _kept_layouts["read"] = True
    from scendsl.files.kept import read_entry

    kept = read_entry(_KEPT_EXTENTS, _layout_key(), frozenset())
    if not isinstance(kept, dict):
        return
    try:
        stamps, layouts = kept["fonts"], kept["layouts"]
        current = {path: _font_stamp(path) for path in stamps}
        fresh = {path for path, stamp in stamps.items() if stamp and stamp == current[path]}
        made = _font_path_maker()
        for (text, fonts, *settings), extent in layouts:
            if all(path in fresh for path, _ in fonts):
                key = (text, tuple(made(path, index) for path, index in fonts), *settings)
                _extents.put(key, extent)
    except (KeyError, TypeError, ValueError, AttributeError):  # not the layout written
        return


def _font_path_maker() -> Callable[[str, int | None], Any]:
    """What `_find_fonts_by_props` names a font file with: a FontPath (path and face) in
    matplotlib 3.11, a path before."""
    from matplotlib import font_manager

    font_path = getattr(font_manager, "FontPath", None)
    return lambda path, index: (
        path if index is None or font_path is None else font_path(path, index)
    )


def keep_text_extents() -> None:
    """Keep this process's text layouts for the next build (when it made new ones): those
    `_extents` holds (within `memo.text_store`'s bounds), in plain data. Best effort, as every
    kept entry."""
    if not _kept_layouts["new"]:
        return
    from scendsl.files.kept import keep

    layouts = []
    stamps: dict[str, tuple[int, int, int, int, int] | None] = {}
    for (text, fonts, *settings), extent in _extents.items():
        if not isinstance(fonts, tuple):
            continue
        plain = tuple((str(font), getattr(font, "face_index", None)) for font in fonts)
        for path, _ in plain:
            if path not in stamps:
                stamps[path] = _font_stamp(path)
        layouts.append(((text, plain, *settings), tuple(float(n) for n in extent)))
    keep(_KEPT_EXTENTS, _layout_key(), {"fonts": stamps, "layouts": layouts})
    _kept_layouts["new"] = 0


def _salt(name: str, arguments: tuple[Any, ...]) -> str:
    """The chart's hash salt: from what it shows (repr of plain data is stable across runs)."""
    digest = hashlib.sha256(repr((name, arguments)).encode("utf-8")).hexdigest()[:12]
    return f"scendsl-{name}-{digest}"


@contextmanager
def _chart(
    salt: str,
    height: float,
    margins: tuple[float, float, float, float],
    x_log: bool = False,
    y_log: bool = False,
):
    """A Figure `height` points high with one Axes placed by `margins` in points (left, right,
    top, bottom), the chart settings in force while it is made and saved: (figure, axes)."""
    from matplotlib import rc_context

    _share_text_metrics()
    settings: Any = {**_SETTINGS, "svg.hashsalt": salt}
    with rc_context(settings):
        figure = pickle.loads(_template(x_log, y_log))
        figure.set_size_inches(_WIDTH_IN, height / _PT)
        left, right, top, bottom = margins
        axes = figure.axes[0]
        axes.set_position(
            (left / WIDTH, bottom / height, 1 - (left + right) / WIDTH, 1 - (top + bottom) / height)
        )
        yield figure, axes


#: What matplotlib calls as each Artist class is defined: its set()'s signature and docstring.
_UPDATE_SET = "_update_set_signature_and_docstring"


@contextmanager
def _lean_import():
    """While in force, matplotlib's Artist classes are defined without the docstring and
    signature of their `set()` method, for a process that only draws (the chart worker).

    As each Artist class is defined, matplotlib writes its `set()` a docstring listing every
    property, read from every setter's docstring (matplotlib.artist.kwdoc), and a signature
    naming them: 42 % of the instructions of importing what a chart needs (2.33 → 1.35
    billion, measured with callgrind). Drawing never reads them; `set()` works as before (it
    takes its keywords whatever its signature says). Only when matplotlib is not imported
    yet, and both are put back afterwards, so classes defined later are as usual.
    """
    import sys

    if "matplotlib.artist" in sys.modules:  # imported already: nothing left to save
        yield
        return
    import matplotlib.artist as artist

    kwdoc = artist.kwdoc
    update = artist.Artist.__dict__.get(_UPDATE_SET)
    if not isinstance(update, classmethod):  # another matplotlib: imported as it is
        yield
        return

    def flag_only(cls: Any) -> None:
        # The mark __init_subclass__ looks for to give subclasses a set() of their own.
        cls.set._autogenerated_signature = True

    setattr(artist, "kwdoc", lambda _artist: "")  # noqa: B010 (set on the module on purpose)
    setattr(artist.Artist, _UPDATE_SET, classmethod(flag_only))
    try:
        yield
    finally:
        setattr(artist, "kwdoc", kwdoc)  # noqa: B010
        setattr(artist.Artist, _UPDATE_SET, update)


@cache
def _share_text_metrics() -> None:
    """Text metrics measured once per process rather than once per chart.

    matplotlib keeps a text's width, height and descent per renderer, and every chart saved
    is a new renderer: a build measured the same 260 texts 2,900 times, a quarter of the
    charts' time. For the SVG renderer the metrics depend only on the text, its font, whether
    it is mathtext, the resolution and the font rc settings, so they are kept under those, and
    the charts' bytes are the same; plain text is measured by `_extent`, once for every size
    and for the charts' own layout too. Any other renderer, or a matplotlib without this
    function, is left as it is.
    """
    import matplotlib
    import matplotlib.text as text_module
    from matplotlib.backends.backend_svg import RendererSVG

    measure = getattr(text_module, "_get_text_metrics_with_cache", None)
    if measure is None:
        return
    shared = text_store()  # labels, ticks and titles recur from chart to chart

    def metrics(renderer: Any, text: str, fontprop: Any, ismath: Any, dpi: float) -> Any:
        if type(getattr(renderer, "_vector_renderer", renderer)) is not RendererSVG:
            return measure(renderer, text, fontprop, ismath, dpi)
        if ismath is False:  # what the SVG renderer measures, whatever the resolution
            return _extent(text, fontprop)
        params = matplotlib.rcParams
        key = (
            text,
            fontprop.copy(),  # FontProperties is mutable: its hash follows its state
            ismath,
            dpi,
            params["text.hinting_factor"],
            params["text.kerning_factor"],
        )
        return shared.made(key, lambda: measure(renderer, text, fontprop, ismath, dpi))

    setattr(text_module, "_get_text_metrics_with_cache", metrics)  # noqa: B010 (private)
    if not hasattr(RendererSVG, "_get_font_height_metrics"):
        RendererSVG._get_font_height_metrics = _font_height_metrics  # type: ignore[attr-defined]
    layout = getattr(text_module.Text, "_get_layout", None)
    if layout is not None:
        setattr(text_module.Text, "_get_layout", _shared_layout(layout, RendererSVG))  # noqa: B010


#: Text layouts (`_shared_layout`) by everything they are made from.
_layouts = text_store()


def _shared_layout(layout: Callable[..., Any], svg_renderer: type) -> Callable[..., Any]:
    """`Text._get_layout` kept for the process under what it is made from, for plain text
    drawn by the SVG renderer: the same labels, ticks and titles come back in chart after chart
    and every one was laid out again (the lines' metrics are kept, `_extent`, but not the
    arithmetic placing them: a tenth of a chart's drawing).

    A layout is placed at the origin: it depends on the text, its font, alignments, line
    spacing and angle, the resolution and the font settings, not on where the text is drawn
    (wrapped text, TeX and mathtext, whose layout may, are laid out as matplotlib does). The
    numbers are matplotlib's own, and a fresh copy of its mutable box is handed out each time,
    so the bytes are the same."""
    import matplotlib

    params: Any = matplotlib.rcParams  # Any: typed as a Literal of every rc name

    def shared(text: Any, renderer: Any) -> Any:
        if (
            type(getattr(renderer, "_vector_renderer", renderer)) is not svg_renderer
            or text.get_usetex()
            or text.get_wrap()
            or text.get_parse_math()
        ):
            return layout(text, renderer)
        key = (
            text._text,
            text._fontproperties.copy(),  # mutable: its hash follows its state
            text.get_figure(root=True).dpi,
            text._linespacing,
            text._get_multialignment(),
            text.get_rotation(),
            text._rotation_mode,
            text._horizontalalignment,
            text._verticalalignment,
            *(tuple(params[name]) for name in _FONT_LISTS),
            params["text.kerning_factor"],
            params["text.hinting_factor"],
            params["font.enable_last_resort"],
        )
        box, lines, corner = _layouts.made(key, lambda: layout(text, renderer))
        return box.frozen(), list(lines), corner

    return shared


#: A font's ascent, descent and line gap, by font properties and font lists (see _extent).
_heights: dict[tuple[Any, ...], tuple[float | None, float | None, float | None]] = {}


def _font_height_metrics(_renderer: Any, prop: Any) -> tuple[Any, Any, Any]:
    """A font's ascent, descent and line gap in points, as matplotlib's Text reads them from
    the font's tables for every text it draws (finding the font file, opening it and reading
    two tables each time), kept per font. The SVG canvas draws at 72 dpi, and these are the
    numbers Text computes at 72 dpi, so the bytes are the same; (None, None, None) lets Text
    measure as it would without the tables."""
    import matplotlib
    from matplotlib.font_manager import fontManager, get_font

    params: Any = matplotlib.rcParams
    key = (
        prop.copy(),
        *(tuple(params[name]) for name in _FONT_LISTS),
        params["text.kerning_factor"],
        params["font.enable_last_resort"],
    )
    found = _heights.get(key)
    if found is None:
        found = None, None, None
        font: Any = get_font(fontManager._find_fonts_by_props(prop))  # Any: tables by name
        dpi = 72  # the SVG canvas's resolution while it draws (FigureCanvasSVG.print_svg)
        possible = [
            ("OS/2", "sTypoLineGap", "sTypoAscender", "sTypoDescender"),
            ("hhea", "lineGap", "ascent", "descent"),
        ]
        # The very arithmetic of matplotlib.text.Text._get_layout (3.11): the same floats.
        for table_name, linegap_key, ascent_key, descent_key in possible:
            table = font.get_sfnt_table(table_name)
            if table is None:
                continue
            fontsize = prop.get_size_in_points()
            units_per_em = font.get_sfnt_table("head")["unitsPerEm"]
            scale = 1 / units_per_em * fontsize * dpi / 72
            found = (
                table[ascent_key] * scale,
                -table[descent_key] * scale,
                table[linegap_key] * scale,
            )
            break
        if len(_heights) >= _MAX_FONTS:
            _heights.clear()
        _heights[key] = found
    return found


#: Major ticks an axis of the pickled template has made (the charts' axes show 2-7).
_TEMPLATE_TICKS = 6


@cache
def _template(x_log: bool, y_log: bool) -> bytes:
    """An empty Figure with its Axes and their ticks, pickled: a copy is made in a third of the
    time it takes to build the Axes anew (the same objects either way, so the same bytes)."""
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
        # The ticks the charts draw, made here once: a Tick is five artists, and making them
        # anew (the first built, the others copied from it) was a tenth of a chart's time. An
        # Axis draws the first as many as it has locations, and makes more when it needs them.
        axes.xaxis.get_major_ticks(_TEMPLATE_TICKS)
        axes.yaxis.get_major_ticks(_TEMPLATE_TICKS if y_log else 1)  # (rows: no y ticks)
        return pickle.dumps(figure)


#: Text longer than this (characters) is wrapped and clipped without measuring all of it:
#: laying out a text costs ~20 µs a glyph, so measuring the whole rest of a 10,000-character
#: scenario title for each of its lines took seconds a label, minutes a build.
_LONG_TEXT = 400


def _longest(
    fits: Callable[[int], bool],
    low: int,
    high: int,
    long: bool,
    guess: Callable[[], int] | None = None,
) -> int:
    """The greatest n in [low, high] with `fits(n)`, `low` taken as fitting and `fits` as true up
    to some n and false after it. Bisection over the whole range (one measurement when `high`
    fits); for a `long` text the range is first narrowed by doubling from `low`, so the texts
    measured are at most about twice the answer, never the whole text (the same answer).

    With `guess()` (not for a long text), where the answer probably is, the search starts
    there instead, stepping out by 1, 2, 4, ... until the answer is bracketed, then bisects:
    the same answer, whatever the guess, for fewer measurements when it is near (each lays out
    a text that is mostly never drawn, ~10 µs a glyph). A guess of `high` measures only `high`
    when it fits, as the bisection does.
    """
    if guess is not None and not long:
        start = min(max(guess(), low), high)
        if start > low and not fits(start):
            high, step = start - 1, 1
            while low < high:
                probe = max(high + 1 - step, low)
                if fits(probe):
                    low = probe
                    break
                high, step = probe - 1, step * 2
        else:
            low, step = start, 1
            while low < high:
                probe = min(low + step, high)
                if not fits(probe):
                    high = probe - 1
                    break
                low, step = probe, step * 2
    else:
        if long:
            step = 1
            while low + step < high and fits(low + step):
                step *= 2
            low, high = low + step // 2, min(low + step, high)
        if not (high > low and not fits(high)):
            return high
        high -= 1  # too wide: the longest that fits is shorter
    while low < high:
        middle = (low + high + 1) // 2
        if fits(middle):
            low = middle
        else:
            high = middle - 1
    return low


def _words_fit(
    words: list[str], start: int, width: float, size: float, bold: bool, end: int
) -> bool:
    return _measure(" ".join(words[start:end]), size, bold) <= width


def _words_guess(words: list[str], start: int, width: float, size: float, bold: bool) -> int:
    """Where the words from `start` that fit in `width` probably end, by the sum of their
    characters' advances (`_estimate`): nothing is laid out."""
    room = width / size
    end, used = start, -_advance(" ", bold)
    while end < len(words):
        used += _advance(" ", bold) + _estimate(words[end], bold)
        if used > room:
            break
        end += 1
    return end


def _estimate(text: str, bold: bool) -> float:
    """`text`'s width at a size of 1 pt, near: the sum of its characters' advances, without
    kerning or the ink's overhang at the ends (a guess of where a line ends, never a
    measurement: `_longest` finds the same answer whatever the guess)."""
    return sum(_advance(character, bold) for character in text)


@lru_cache(maxsize=1024)
def _advance(character: str, bold: bool) -> float:
    """A character's advance at a size of 1 pt in the chart font (DejaVu Sans): read from the
    font once per character, not laid out with the text around it (~15 µs a character each
    time). A character the font lacks counts as an "n"."""
    from matplotlib.font_manager import FontProperties, findfont
    from matplotlib.ft2font import LoadFlags

    font = _advance_font(findfont(FontProperties(family="DejaVu Sans", weight=_weight(bold))))
    code = ord(character) if font.get_char_index(ord(character)) else ord("n")
    glyph = font.load_char(code, flags=LoadFlags.NO_HINTING)
    return glyph.linearHoriAdvance / 65536 / _ADVANCE_SIZE


#: The size (pt at 72 dpi, so pixels) advances are read at: large, for whole pixels to spare.
_ADVANCE_SIZE = 100.0


@cache
def _advance_font(path: str) -> Any:
    """A font of our own for reading advances (matplotlib's are shared with its layout)."""
    from matplotlib.ft2font import FT2Font

    font = FT2Font(path)
    font.set_size(_ADVANCE_SIZE, 72)
    return font


def _weight(bold: bool) -> str:
    return "bold" if bold else "normal"


def _wrap(
    text: str, width: float, size: float = _LABEL, bold: bool = False, most: int | None = None
) -> list[str]:
    """Words of `text` in lines no wider than `width` points (a single long word keeps its
    own line): each line takes as many words as fit. With `most`, only that many lines are
    made, and the words left after them are one last item, unwrapped.

    A line's words are found by bisection, not word by word: a line only widens as words are
    added, so the longest run that fits is the same, for a few measurements rather than one a
    word (a title of fifteen words fitting on one line: one).
    """
    words = " ".join(str(text).split()).split(" ")
    left = len(" ".join(words))  # characters from the current line's start to the end
    lines: list[str] = []
    start = 0
    while start < len(words):
        if most is not None and len(lines) == most:
            lines.append(" ".join(words[start:]))
            break
        end = _longest(
            partial(_words_fit, words, start, width, size, bold),
            start + 1,
            len(words),
            left > _LONG_TEXT,
            partial(_words_guess, words, start, width, size, bold),
        )
        lines.append(" ".join(words[start:end]))
        left -= len(lines[-1]) + 1
        start = end
    return lines


def _title_lines(title: str) -> list[str]:
    """The title wrapped to the chart's width (never cut)."""
    return _wrap(title, WIDTH - 0.04 * _PT, _TITLE, True)


def _top(title: str) -> float:
    """Room above the axes for the (wrapped) title."""
    return _TOP + _TITLE_LINE * (len(_title_lines(title)) - 1)


def _title(figure, height: float, title: str) -> None:
    """The chart's title at the top left of the figure (an axes title would start at the axes,
    right of the row labels), wrapped to the chart's width."""
    figure.text(
        0.01,
        1 - (0.08 * _PT) / height,
        "\n".join(_title_lines(title)),
        ha="left",
        va="top",
        fontsize=_TITLE,
        fontweight="bold",
        color=_INK,
        linespacing=1.15,
    )


def _fit_label(text: str) -> tuple[str, bool]:
    """A row label in at most two lines of _ROW_LABEL_WIDTH: (text with a line break, whether
    it had to be shortened)."""

    def too_wide(line: str) -> bool:  # (a line of _LONG_TEXT characters is, unmeasured)
        return len(line) > _LONG_TEXT or _measure(line, _LABEL, False) > _ROW_LABEL_WIDTH

    lines = _wrap(text, _ROW_LABEL_WIDTH, most=2)  # (the rest of a long one is clipped below)
    if len(lines) <= 2 and not any(too_wide(line) for line in lines):
        return "\n".join(lines), False
    first = lines[0]
    if too_wide(first):  # one very long word
        first = _clip(first)
        return first, True
    rest = _clip(" ".join(lines[1:]))
    return f"{first}\n{rest}", True


def _clip(text: str) -> str:
    """`text` shortened with an ellipsis to fit _ROW_LABEL_WIDTH: its longest start that fits
    with the ellipsis (found by bisection: a longer start never makes it narrower), or its
    first character."""

    def fits(end: int) -> bool:
        return _measure(text[:end] + "…", _LABEL, False) <= _ROW_LABEL_WIDTH

    def guess() -> int:  # by the characters' advances; nothing is laid out
        room, end = _ROW_LABEL_WIDTH / _LABEL - _estimate("…", False), 0
        while end < len(text) and room >= _advance(text[end], False):
            room -= _advance(text[end], False)
            end += 1
        return end

    text = text[: _longest(fits, 1, len(text), len(text) > _LONG_TEXT, guess)]
    return text.rstrip() + "…"


def _row_layout(labels: Sequence[str]) -> tuple[list[tuple[str, str | None]], float]:
    """Row labels fitted (text, full text when shortened) and the row pitch in points: taller
    when a label takes two lines."""
    fitted = []
    for label in labels:
        text, shortened = _fit_label(label)
        fitted.append((text, " ".join(str(label).split()) if shortened else None))
    two_lines = any("\n" in text for text, _ in fitted)
    return fitted, (0.42 if two_lines else 0.27) * _PT


# Captured: `split` keeps the attributes, at the odd places of its list.
_ATTRIBUTE_RE = re.compile(r'(\s(?:d|x|y|width|height|points|transform|viewBox|style)="[^"]*")')
_LONG_NUMBER_RE = re.compile(r"-?\d+\.\d{3,}")
_ID_RE = re.compile(r' id="([^"]+)"')
_REFERENCE_RE = re.compile(r'(?:url\(#|href="#)([^)"]+)')
_METADATA_RE = re.compile(r"\s*<metadata>.*?</metadata>", re.S)
_STYLE_RE = re.compile(r"\s*<defs>\s*<style[^>]*>[^<]*</style>\s*</defs>")
_NO_ROTATION_RE = re.compile(r' transform="rotate\(-?0 [^")]*\)"')
_INDENT_RE = re.compile(r"\n[ \t]+")
#: The text between two tags of the SVG matplotlib writes (it escapes `<` and `>` in text and
#: attribute values alike, so a tag ends at the first `>`).
_TEXT_RE = re.compile(r"(?<=>)[^<]+")
_TAGS_RE = re.compile(r"<[^>]*>")


def _rounded(number: re.Match) -> str:
    text = f"{float(number.group(0)):.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _round_numbers(svg: str) -> str:
    """The coordinates in `svg`'s geometry attributes to 0.01 pt: smaller, and the same bytes
    whatever the last digits were.

    The attributes are rounded joined in one string, one substitution over them all (one over
    each was two thirds of this post-processing): NUL, which no SVG holds, parts them, and no
    number reads across it."""
    if "\0" in svg:  # never from matplotlib; rounded one attribute at a time all the same
        return _ATTRIBUTE_RE.sub(lambda found: _LONG_NUMBER_RE.sub(_rounded, found[0]), svg)
    parts = _ATTRIBUTE_RE.split(svg)
    rounded = _LONG_NUMBER_RE.sub(_rounded, "\0".join(parts[1::2]))
    parts[1::2] = rounded.split("\0")
    return "".join(parts)


def _svg(figure, title: str) -> str:
    """Render `figure` to an inline `<svg>` element: deterministic, responsive, with a title."""
    from matplotlib.backends.backend_svg import FigureCanvasSVG

    buffer = io.StringIO()
    FigureCanvasSVG(figure).print_svg(buffer, metadata={"Date": None, "Creator": None})
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]  # no XML prolog or DOCTYPE: this is inline SVG
    svg = _METADATA_RE.sub("", svg, count=1)
    # matplotlib's default stroke style is a `<style>` rule for `*`, which inline in a page
    # would apply to the whole page: the same defaults as attributes of this <svg> instead.
    svg = _STYLE_RE.sub("", svg, count=1)
    # Group ids (figure_1, axes_1, patch_1, ...) repeat in every chart and nothing refers to
    # them; only clip paths and tick markers are referenced, by ids made from the chart's hash
    # salt: two different charts on one page never share an id.
    # A shortened label's full text becomes the tooltip of its group.
    for gid, full in getattr(figure, "scendsl_titles", {}).items():
        svg = svg.replace(
            f'<g id="{gid}">', f"<g><title>{html.escape(full, quote=True)}</title>", 1
        )
    # The edits below read attributes (`name="..."`, `url(#id)`); a label's words are in the
    # SVG too, with their quotes as written. They are escaped as the page's other text is, so
    # that no pattern over the chart or the page reads them as markup, and the ids referred
    # to are sought in the tags alone.
    svg = _TEXT_RE.sub(lambda text: text.group(0).replace('"', "&quot;"), svg)
    referenced = set(_REFERENCE_RE.findall(" ".join(_TAGS_RE.findall(svg))))
    svg = _ID_RE.sub(lambda m: m.group(0) if m.group(1) in referenced else "", svg)
    svg = _NO_ROTATION_RE.sub("", svg)
    svg = _round_numbers(svg)
    svg = _INDENT_RE.sub("\n", svg)
    label = html.escape(title, quote=True)
    svg = svg.replace(
        "<svg ",
        f'<svg role="img" aria-label="{label}" class="chart" '
        'stroke-linejoin="round" stroke-linecap="butt" ',
        1,
    )
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


def _row_labels(axes, labels: Sequence[str | tuple[str, str | None]]) -> None:
    """One label per row, right-aligned left of the axes, the first row on top; a label given
    as (text, full text) shows the full text as its tooltip (a <title>).

    Plain texts rather than tick labels: a Tick is five artists, a label one.
    """
    from matplotlib.transforms import offset_copy

    axes.set_yticks([])
    axes.set_ylim(len(labels) - 0.5, -0.5)  # row 0 at the top
    transform = offset_copy(
        axes.get_yaxis_transform(), axes.figure, x=-_ROW_LABEL_GAP, units="points"
    )
    titles = getattr(axes.figure, "scendsl_titles", {})
    for index, label in enumerate(labels):
        text, full = label if isinstance(label, tuple) else (label, None)
        artist = _axes_text(
            axes,
            0,
            index,
            text,
            transform=transform,
            ha="right",
            va="center",
            fontsize=_LABEL,
            color=_INK,
            linespacing=1.1,
        )
        if full is not None:
            gid = f"scendsl-full-{index}"
            artist.set_gid(gid)
            titles[gid] = full
    axes.figure.scendsl_titles = titles


def _value_label(axes, value: float, index: int, text: str, outward_right: bool = True) -> None:
    """A value written just outside the end of a bar (3 points away)."""
    _axes_text(
        axes,
        value,
        index,
        text,
        transform=_value_offset(axes, 3 if outward_right else -3),
        ha="left" if outward_right else "right",
        va="center",
        fontsize=_SMALL,
        color=_VALUE,
    )


def _axes_text(axes: Any, x: float, y: float, text: str, **settings: Any) -> Any:
    """`axes.text(x, y, text, **settings)` without the clip path `Axes.text` gives every text.

    `Axes.text` makes texts unclipped (clip_on False) and still sets the Axes' patch as their
    clip path, a transform and a box per text that drawing never reads (an unclipped artist
    draws without them): a twentieth of a chart's time for its row and value labels. The
    Text is otherwise made and added as `Axes.text` does, so the bytes are the same; a
    matplotlib without `Axes._add_text` gets `axes.text`.
    """
    add = getattr(axes, "_add_text", None)
    if add is None:
        return axes.text(x, y, text, **settings)
    from matplotlib.text import Text

    defaults = {"verticalalignment": "baseline", "horizontalalignment": "left"}
    effective = {**defaults, "transform": axes.transData, "clip_on": False, **settings}
    return add(Text(x, y, text=text, **effective))


def _value_offset(axes: Any, points: float) -> Any:
    """The data transform shifted `points` right, one per Axes and offset: shared by the value
    labels on that side (the same numbers as a transform each, without two new transforms and
    their invalidation links per label)."""
    from matplotlib.transforms import offset_copy

    offsets = axes.__dict__.setdefault("scendsl_value_offsets", {})
    transform = offsets.get(points)
    if transform is None:
        transform = offsets[points] = offset_copy(
            axes.transData, axes.figure, x=points, units="points"
        )
    return transform


def _bars(
    axes: Any,
    rows: Sequence[tuple[float, float, float, str]],
    height: float,
    edge: str = "none",
    edge_width: float = 0.0,
) -> None:
    """Horizontal bars (row, start, end, colour) as one PolyCollection: a chart's bars are drawn
    in one go, without a Rectangle (and a data-limit update) per bar. Empty bars are skipped."""
    from matplotlib.collections import PolyCollection

    half = height / 2
    kept = [(row, start, end, colour) for row, start, end, colour in rows if end != start]
    shapes = [
        ((start, row - half), (end, row - half), (end, row + half), (start, row + half))
        for row, start, end, _colour in kept
    ]
    axes.add_collection(
        PolyCollection(
            shapes, facecolors=[c for *_rest, c in kept], edgecolors=edge, linewidths=edge_width
        ),
        autolim=False,
    )


def _swatches(colours: Sequence[str]) -> list:
    """Legend handles for bars of these colours."""
    from matplotlib.patches import Patch

    return [Patch(facecolor=colour, edgecolor="none") for colour in colours]


def _legend_columns(labels: Sequence[str], most: int) -> int:
    """How many legend entries fit side by side across the chart (at most `most`)."""
    entry = _text_width(labels, _LEGEND) + 2.4 * _LEGEND + 1.6 * _LEGEND
    return max(1, min(most, int((WIDTH - 0.2 * _PT) // entry)))


def _legend(figure, handles, labels: Sequence[str], columns: int, height: float) -> None:
    """Entries in rows of `columns`, centred at the foot of the chart."""
    figure.legend(
        handles,
        labels,
        loc="lower center",
        ncol=min(columns, len(labels)),
        bbox_to_anchor=(0.5, 0.04 * _PT / height),
        borderaxespad=0.0,
        handlelength=1.8,
        columnspacing=1.6,
        handletextpad=0.6,
    )


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
    return [10.0**e for e in range(first, last + 1, step)]


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


def _relative_axis(
    axes,
    values: Sequence[float],
    ends: Sequence[str],
    zero: str,
    axis_label: str,
    axis_points: float,
) -> None:
    """Fit `values` (and 0) on a relative axis with room for the value labels `ends` at the
    ends of the bars; ticks by matplotlib's MaxNLocator, as many as their labels fit."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    low, high = min(min(values), 0.0), max(max(values), 0.0)
    span = (high - low) or 0.1
    pad = _text_width(ends, _SMALL) + 0.1 * _PT
    room = max(axis_points - 2 * pad, 0.8 * _PT)
    axes.set_xlim(low - span * pad / room, high + span * pad / room)
    fit = int(axis_points / (_text_width([zero, "+100%"]) + 14))
    axes.xaxis.set_major_locator(MaxNLocator(nbins=max(2, min(fit, 6)), steps=[1, 2, 2.5, 5, 10]))
    axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _pos: _percent(value, zero)))
    axes.grid(True, axis="x", color=_GRID, linewidth=0.6)
    axes.set_xlabel(axis_label, color=_INK)
