"""The eighteenth hostile-input review (docs/security.md): hostile names for `scendsl new`, and
builds with the cache that keeps scenario pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.security_helpers import cache_folders, run_cli


@pytest.mark.parametrize(
    "name", ["../x", "a/b", "a\\b", "..", "", "a.b", "\u001b[2J", "a\u202eb", "x" * 5000]
)
def test_new_refuses_a_name_that_is_not_a_scenario_name_and_writes_nothing(tmp_path, name):
    cache, state, _ = cache_folders(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    done = run_cli(tmp_path, ["new", name], cache, state)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert "\u001b" not in done.stderr and "\u202e" not in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert not (tmp_path.parent / "x.scn").exists()


@pytest.mark.parametrize("name", ["CON", "nul", "COM1", "lpt9"])
def test_new_refuses_a_windows_device_name_for_its_default_file(tmp_path, name):
    cache, state, _ = cache_folders(tmp_path)
    done = run_cli(tmp_path, ["new", name], cache, state)
    assert done.returncode != 0 and "device on Windows" in done.stderr
    assert not (tmp_path / f"{name}.scn").exists()


def test_new_never_writes_through_a_dangling_link(tmp_path: Path):
    cache, state, _ = cache_folders(tmp_path)
    target = tmp_path / "elsewhere" / "target.scn"
    target.parent.mkdir()
    (tmp_path / "mine.scn").symlink_to(target)
    done = run_cli(tmp_path, ["new", "mine"], cache, state)
    assert done.returncode != 0 and "never overwrites" in done.stderr
    assert not target.exists()
