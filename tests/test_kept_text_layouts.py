"""Chart text layouts kept across processes (chart_kit.keep_text_extents, files.kept): a new
process draws with the layouts an earlier one made and writes the same bytes as one that lays
every text out itself; an entry of another matplotlib or FreeType (another key), a font file
changed since, a deleted entry or no cache folder mean the texts are laid out again."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import ROOT
from test_chart_text_metrics import _CHARTS, COUNT_LAYOUTS

# Draws the charts, keeps the layouts, and prints the charts' digest and how many texts were
# laid out (matplotlib's own layout call, counted).
_DRAW = (
    COUNT_LAYOUTS
    + "import hashlib\n"
    + "import scendsl.report.chart_kit as kit\n"
    + "{before}\n"
    + _CHARTS
    + "kit.keep_text_extents()\n"
    + "print(hashlib.sha256('\\n'.join(s or '' for s in svgs).encode()).hexdigest())\n"
    + "print(sum(laid_out.values()))\n"
)


def _draw(cache: str, before: str = "") -> tuple[str, int]:
    """(digest of the charts, texts laid out) of a new process with the caches' folder `cache`."""
    result = subprocess.run(
        [sys.executable, "-c", _DRAW.replace("{before}", before)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "SCENDSL_CACHE_DIR": cache},
    )
    assert result.returncode == 0, result.stderr
    digest, laid_out = result.stdout.split()[:2]
    return digest, int(laid_out)


def _entry(cache: Path) -> Path:
    return cache / "kept" / "chart-text-extents.pickle"


def test_kept_layouts_draw_the_same_bytes_and_lay_nothing_out_again(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    fresh, laid_out = _draw(str(cache))
    assert laid_out > 20 and _entry(cache).is_file()
    assert _draw(str(cache)) == (fresh, 0)  # every text's layout was kept
    assert _draw("") == (fresh, laid_out)  # no cache folder: as before, the same bytes
    _entry(cache).unlink()  # safe to delete: laid out again, the same bytes
    assert _draw(str(cache)) == (fresh, laid_out)
    assert _entry(cache).is_file()


def test_layouts_kept_under_another_key_are_laid_out_again(tmp_path: Path) -> None:
    # Another matplotlib, FreeType or libraqm makes another key: its layouts are not read.
    cache = tmp_path / "cache"
    fresh, laid_out = _draw(str(cache))
    other = "kit._layout_key = lambda: b'another matplotlib'"
    assert _draw(str(cache), before=other) == (fresh, laid_out)
    assert _draw(str(cache), before=other) == (fresh, 0)  # kept again under its key


def test_layouts_in_a_font_file_changed_since_are_laid_out_again(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    fresh, laid_out = _draw(str(cache))
    # The font files' stamps as if they had changed since (a reinstalled or edited font).
    changed = (
        "stamp = kit._font_stamp\n"
        "kit._font_stamp = lambda path: (stamp(path)[0] + 1, stamp(path)[1])"
    )
    assert _draw(str(cache), before=changed) == (fresh, laid_out)


def test_a_damaged_entry_is_laid_out_again(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    fresh, laid_out = _draw(str(cache))
    data = _entry(cache).read_bytes()
    _entry(cache).write_bytes(data[: len(data) // 2])
    assert _draw(str(cache)) == (fresh, laid_out)
