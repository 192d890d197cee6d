"""Open an HTML briefing in headless Chromium: it renders, without console errors.

Skipped when /usr/bin/chromium is absent (CI installs it: `apt-get install -y chromium`). The
screenshots are kept in test-artifacts/ (git-ignored) for people to look at.
"""

from __future__ import annotations

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
