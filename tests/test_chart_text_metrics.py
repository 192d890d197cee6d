"""Charts measure each text once per process, not once per chart (issue 16: a build measured the
same 260 texts 2,900 times), and their bytes stay those of matplotlib's own measuring."""

from __future__ import annotations

import hashlib
import subprocess
import sys

from conftest import ROOT

_CHARTS = """
from scendsl.report import charts
svgs = [
    charts.compute_bars([("Cluster", 5e20, True), ("Reference", 1e19, False)]),
    charts.intervals([("Power", 2e8, 2.24e8, 2.46e8, 2.24e8, "power")], "Ranges"),
    charts.tornado([("Power", "energy.pue", 2.24e8, 2e8, 2.46e8, "power")], "What moves it"),
    charts.trajectory(
        [("a", [(2025, 1.0), (2026, 2.0)]), ("b", [(2025, 2.0)])], "number", "year", "Sweep"
    ),
]
"""


def _digest(svgs: list[str | None]) -> str:
    return hashlib.sha256("\n".join(svg or "" for svg in svgs).encode()).hexdigest()


def test_text_metrics_are_measured_once_per_process_not_once_per_chart(monkeypatch):
    from matplotlib.backends.backend_svg import RendererSVG

    namespace: dict = {}
    exec(_CHARTS, namespace)  # the first drawing measures what it has not seen
    first = namespace["svgs"]
    measured = []
    own = RendererSVG.get_text_width_height_descent

    def counting(self, s, prop, ismath):
        measured.append(s)
        return own(self, s, prop, ismath)

    monkeypatch.setattr(RendererSVG, "get_text_width_height_descent", counting)
    exec(_CHARTS, namespace)
    assert namespace["svgs"] == first
    assert measured == []  # every text of the second drawing was known


def test_charts_with_shared_metrics_are_byte_identical_to_matplotlibs_own_measuring():
    code = (
        "import hashlib, scendsl.report.chart_kit as kit\n"
        "kit._share_text_metrics = lambda: None  # matplotlib measures per chart, as before\n"
        + _CHARTS
        + "print(hashlib.sha256('\\n'.join(s or '' for s in svgs).encode()).hexdigest())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    namespace: dict = {}
    exec(_CHARTS, namespace)
    assert result.stdout.strip() == _digest(namespace["svgs"])
