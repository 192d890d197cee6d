"""Charts measure each text once per process, not once per chart (issue 16: a build measured the
same 260 texts 2,900 times) nor once per size and font family name (the row labels measured
for the margins were laid out again to be drawn), and their bytes stay those of matplotlib's
own measuring. The chart worker's lean import of matplotlib changes no chart."""

from __future__ import annotations

import hashlib
import subprocess
import sys

from conftest import ROOT

_CHARTS = """
from scendsl.report import charts
svgs = [
    charts.compute_bars([("Cluster", 5e20, True), ("Reference", 1e19, False)]),
    charts.compute_bars(
        [
            ("A cluster with a name long enough to need two lines", 5e20, True),
            ("Averyveryverylongnamewithoutanyspacesatallthatcannotwrap at all", 1e20, False),
            ("Three lines of words would be needed for this label, which is shortened", 2e20, 0),
        ],
        "A title long enough to be wrapped onto a second line of the chart, as some are",
    ),
    charts.intervals([("Power", 2e8, 2.24e8, 2.46e8, 2.24e8, "power")], "Ranges"),
    charts.tornado([("Power", "energy.pue", 2.24e8, 2e8, 2.46e8, "power")], "What moves it"),
    charts.trajectory(
        [("a", [(2025, 1.0), (2026, 2.0)]), ("b", [(2025, 2.0)])], "number", "year", "Sweep"
    ),
]
"""


#: Code that counts, in `laid_out`, each text matplotlib lays out (its own layout call).
COUNT_LAYOUTS = (
    "import collections\n"
    "from matplotlib.textpath import TextToPath\n"
    "laid_out = collections.Counter()\n"
    "own = TextToPath.get_text_width_height_descent\n"
    "def counting(self, s, prop, ismath):\n"
    "    laid_out[s] += 1\n"
    "    return own(self, s, prop, ismath)\n"
    "TextToPath.get_text_width_height_descent = counting\n"
)


def _digest(svgs: list[str | None]) -> str:
    return hashlib.sha256("\n".join(svg or "" for svg in svgs).encode()).hexdigest()


def _called_when_drawn_again(monkeypatch, owner, name: str) -> list:
    """The calls of `owner.name` while the charts are drawn a second time in this process,
    which draws the same bytes as the first."""
    namespace: dict = {}
    exec(_CHARTS, namespace)  # the first drawing measures what it has not seen
    first = namespace["svgs"]
    calls = []
    own = getattr(owner, name)

    def counting(*args, **kwargs):
        calls.append(args)
        return own(*args, **kwargs)

    monkeypatch.setattr(owner, name, counting)
    exec(_CHARTS, namespace)
    assert namespace["svgs"] == first
    return calls


def test_text_metrics_are_measured_once_per_process_not_once_per_chart(monkeypatch):
    from matplotlib.backends.backend_svg import RendererSVG

    # Every text of the second drawing was known.
    assert _called_when_drawn_again(monkeypatch, RendererSVG, "get_text_width_height_descent") == []


def test_font_heights_are_read_once_per_font_not_once_per_text_drawn(monkeypatch):
    # Text reads the font's ascent, descent and line gap from its tables for every text drawn
    # (finding the file, opening it): the SVG renderer now knows them per font.
    from matplotlib.font_manager import fontManager

    assert _called_when_drawn_again(monkeypatch, fontManager, "_find_fonts_by_props") == []


def _same_charts_after(setting_up: str) -> bool:
    """Whether the charts drawn in a fresh process, after the code `setting_up` has run there,
    are byte for byte those drawn in this one."""
    code = (
        "import hashlib, scendsl.report.chart_kit as kit\n"
        + setting_up
        + _CHARTS
        + "print(hashlib.sha256('\\n'.join(s or '' for s in svgs).encode()).hexdigest())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    namespace: dict = {}
    exec(_CHARTS, namespace)
    return result.stdout.strip() == _digest(namespace["svgs"])


def test_charts_with_shared_metrics_are_byte_identical_to_matplotlibs_own_measuring():
    assert _same_charts_after(
        "from matplotlib.textpath import text_to_path\n"
        "kit._share_text_metrics = lambda: None  # matplotlib measures per chart, as before\n"
        "kit._extent = lambda text, prop: (  # and every size and family on its own\n"
        "    text_to_path.get_text_width_height_descent(text, prop, False))\n"
    )


def test_each_text_is_laid_out_once_whatever_its_size_or_family_name():
    # A row label is measured (family "DejaVu Sans") to size the margin, then drawn (family
    # "sans-serif", the same font file); value labels at 9 pt and ticks at 9.5 pt share texts.
    code = (
        COUNT_LAYOUTS
        + _CHARTS
        + "print(sorted(text for text, times in laid_out.items() if times > 1))\n"
        + "print(len(laid_out))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    twice, distinct = result.stdout.split("\n")[:2]
    assert twice == "[]"
    assert int(distinct) > 20  # the charts did measure their texts


def _greedy_wrap(text: str, width: float, size: float, bold: bool) -> list[str]:
    """Word after word, as lines were wrapped before the bisection."""
    from scendsl.report.chart_kit import _measure

    lines: list[str] = []
    for word in " ".join(text.split()).split(" "):
        if lines and _measure(f"{lines[-1]} {word}", size, bold) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [""]


def _greedy_clip(text: str) -> str:
    """Character after character, as labels were shortened before the bisection."""
    from scendsl.report.chart_kit import _LABEL, _ROW_LABEL_WIDTH, _measure

    while len(text) > 1 and _measure(text + "…", _LABEL, False) > _ROW_LABEL_WIDTH:
        text = text[:-1]
    return text.rstrip() + "…"


_TEXTS = [
    "",
    "x",
    "Peak compute at dense BF16 · log scale, ÷: times smaller than the largest bar",
    "Purchase price of the cluster's accelerators — sweep gulf_gb200_ae_years (extrapolated)",
    "National AI Research Resource (NAIRR) pilot, initial resources from partners",
    "Averyveryverylongnamewithoutanyspacesatallthatcannotwrap and then some words",
    "a b c d e f g h i j k l m n o p q r s t u v w x y z " * 3,
    "WWWW iiii MMMM llll ....  ,,,, 1111 0000 ÷÷÷ ——— AVAVAV To Ty",
]


def test_wrapping_and_clipping_by_bisection_match_word_by_word_and_letter_by_letter():
    from scendsl.report.chart_kit import _LABEL, _TITLE, _clip, _wrap

    for text in _TEXTS:
        for width in (1.0, 20.0, 60.0, 129.6, 200.0, 357.0, 1000.0):
            for size, bold in ((_LABEL, False), (_TITLE, True)):
                assert _wrap(text, width, size, bold) == _greedy_wrap(text, width, size, bold)
        for start in range(0, len(text), 7):
            assert _clip(text[start:]) == _greedy_clip(text[start:])


_LATER_ARTISTS = """
import inspect

from matplotlib.lines import Line2D

class Probe(Line2D):  # a subclass of a class defined while lean
    def set_probe(self, value):
        "Set the probe."

print("probe" in Probe.set.__doc__, "probe" in str(inspect.signature(Probe.set)))
line = Line2D([0], [0])
line.set(color="red", linewidth=2)
print(line.get_color(), line.get_linewidth(), Line2D.set.__doc__ is None)
"""


def test_lean_import_leaves_charts_and_later_artists_as_they_were():
    code = (
        "import hashlib\n"
        "from scendsl.report import charts\n"
        "charts.warm_up(lean=True)\n"
        + _CHARTS
        + "print(hashlib.sha256('\\n'.join(s or '' for s in svgs).encode()).hexdigest())\n"
        + _LATER_ARTISTS
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    digest, later, line = result.stdout.split("\n")[:3]
    namespace: dict = {}
    exec(_CHARTS, namespace)
    assert digest == _digest(namespace["svgs"])  # the same charts as after a full import
    assert later == "True True"  # classes defined afterwards get their docstring and signature
    assert line == "red 2.0 True"  # set() of a class defined while lean works as ever


def test_charts_from_a_template_with_its_ticks_made_are_byte_identical():
    # The pickled template carries the ticks the charts draw (`chart_kit._TEMPLATE_TICKS`);
    # with a single tick made there every other is made as the chart is drawn, as before.
    assert _same_charts_after("kit._TEMPLATE_TICKS = 1\n")


def test_text_layouts_are_made_once_per_process_not_once_per_chart(monkeypatch):
    # matplotlib's layout of a text reads the font's heights first: none is read when every
    # text of the second drawing was laid out in the first (`chart_kit._shared_layout`).
    from matplotlib.backends.backend_svg import RendererSVG

    assert _called_when_drawn_again(monkeypatch, RendererSVG, "_get_font_height_metrics") == []
