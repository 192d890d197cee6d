"""Open an HTML briefing in headless Chromium: it renders, without console errors.

Skipped when /usr/bin/chromium is absent (CI installs it: `apt-get install -y chromium`). The
screenshots are kept in test-artifacts/ (git-ignored) for people to look at.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT, SKETCH
from scendsl.app.build import build

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs /usr/bin/chromium (apt-get install -y chromium)"
)


def chromium(tmp_path: Path, page: Path, *options: str) -> subprocess.CompletedProcess:
    profile = tmp_path / "profile"
    command = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        "--enable-logging=stderr",
        "--v=0",
        *options,
        page.as_uri(),
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def console_messages(stderr: str) -> list[str]:
    """Messages the page wrote to the console, and content it was refused (CSP)."""
    return [
        line
        for line in stderr.splitlines()
        if "CONSOLE" in line or "Refused to" in line or "Uncaught" in line
    ]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site") / "out"
    build([str(SKETCH)], str(out))
    return out


@pytest.mark.parametrize("name, size", [("desktop", "1280,2400"), ("phone", "390,2400")])
def test_a_briefing_renders_without_console_errors(site, tmp_path, name, size):
    shot = tmp_path / f"colossus2-{name}.png"
    result = chromium(
        tmp_path, site / "colossus2.html", f"--screenshot={shot}", f"--window-size={size}"
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert shot.exists() and shot.stat().st_size > 10_000
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert console_messages(result.stderr) == []
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(shot, ARTIFACTS / shot.name)


def test_the_browser_builds_the_page_we_wrote(site, tmp_path):
    result = chromium(tmp_path, site / "risk.html", "--dump-dom")
    assert result.returncode == 0, result.stderr[-2000:]
    dom = result.stdout
    assert "<h1" in dom and "Risk register" in dom
    assert len(re.findall(r'<span class="rating (?:low|medium|high)">', dom)) >= 5 * 3
    assert "<script" not in dom
    assert console_messages(result.stderr) == []


# ------------------------------------------------------------------ reading at 390 and 1280 px
# Headless Chromium will not make a window narrower than 500 px: the page is shown in a frame
# of the wanted width (its media queries see the frame's width) inside a host page of ours. The
# briefings carry no script and forbid one; the copy in the frame gets a measuring script that
# opens every collapsible section, fits the frame to the page's height, and writes what it
# measured into the host page, which --dump-dom prints.
MEASURE = """
<script>
document.querySelectorAll("details.section").forEach((d) => { d.open = true; });
const report = {viewport: innerWidth, page: document.documentElement.scrollWidth,
                texts: 0, small: [], wide: []};
for (const text of document.querySelectorAll("svg.chart text")) {
  const ctm = text.getScreenCTM();
  const size = parseFloat(getComputedStyle(text).fontSize) * Math.hypot(ctm.a, ctm.b);
  report.texts += 1;
  if (size < 9) report.small.push([text.textContent.trim(), Math.round(size * 100) / 100]);
}
for (const table of document.querySelectorAll("table")) {
  const box = table.getBoundingClientRect();
  if (box.left < -0.5 || box.right > innerWidth + 0.5)
    report.wide.push([table.rows[0].textContent.trim().slice(0, 60), box.left, box.right]);
}
frameElement.style.height = document.documentElement.scrollHeight + "px";
const out = parent.document.createElement("pre");
out.id = "measured";
out.textContent = JSON.stringify(report);
parent.document.body.append(out);
</script>
"""


def framed(page: Path, width: int, folder: Path) -> Path:
    """A host page in `folder` showing `page`, with the measuring script, in a frame `width` px
    wide."""
    text = page.read_text(encoding="utf-8")
    text = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", text)
    text = text.replace("</body>", MEASURE + "</body>")
    host = folder / f"framed-{width}-{page.name}"
    host.write_text(
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        "<style>body { margin: 0; } iframe { border: 0; display: block; }</style></head>"
        f'<body><iframe style="width: {width}px; height: 2000px" '
        f'srcdoc="{html.escape(text, quote=True)}"></iframe></body></html>',
        encoding="utf-8",
    )
    return host


def measured(tmp_path: Path, page: Path, width: int) -> dict:
    """Open `page` at `width` CSS px: what the measuring script found."""
    import json

    window = f"--window-size={max(width, 500)},2000"
    result = chromium(tmp_path, framed(page, width, tmp_path), "--dump-dom", window)
    assert result.returncode == 0, result.stderr[-2000:]
    found = re.search(r'<pre id="measured">(.*?)</pre>', result.stdout, re.S)
    assert found, result.stdout[-2000:]
    return json.loads(html.unescape(found.group(1)))


@pytest.fixture(scope="module")
def samples(tmp_path_factory) -> Path:
    """The sample scenarios' briefings: long names, references, sweeps and ranges."""
    out = tmp_path_factory.mktemp("samples") / "out"
    build([str(ROOT / "scenarios")], str(out))
    return out


READING_PAGES = [
    "colossus2.html",
    "colossus2_uncertain.html",
    "landscape.html",
    "compute-divide.html",
    "energy.html",
    "index.html",
]


@pytest.mark.parametrize("page", READING_PAGES)
def test_chart_text_stays_legible_and_tables_stay_in_the_page_on_a_phone(samples, tmp_path, page):
    report = measured(tmp_path, samples / page, 390)
    assert report["viewport"] == 390
    assert report["texts"] > 10  # the page has charts, and their text was measured
    assert report["small"] == [], "chart text under 9 CSS px at 390 px"
    assert report["wide"] == [], "tables past the page's width at 390 px"
    assert report["page"] <= 390, "the page scrolls sideways"


@pytest.mark.parametrize("page", ["colossus2.html", "compute-divide.html"])
def test_tables_stay_in_the_column_on_a_wide_screen(samples, tmp_path, page):
    report = measured(tmp_path, samples / page, 1280)
    assert report["viewport"] == 1280
    assert report["wide"] == [] and report["page"] <= 1280
    assert report["small"] == []


@pytest.mark.parametrize("width", [390, 1280])
def test_screenshots_of_a_briefing_at_phone_and_desktop_widths_are_kept(samples, tmp_path, width):
    shot = tmp_path / f"colossus2-{width}.png"
    result = chromium(
        tmp_path,
        framed(samples / "colossus2.html", width, tmp_path),
        f"--screenshot={shot}",
        f"--window-size={max(width, 500)},9000",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(shot, ARTIFACTS / f"reading-{shot.name}")
