"""The seventeenth hostile-input review (docs/security.md): text a scenario file writes reaches
the editor's hovers as text, and no build publishes the key that seals this user's caches."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.security_helpers import cache_folders, run_cli


@pytest.mark.parametrize("variable", ["XDG_STATE_HOME", "SCENDSL_CACHE_DIR", "XDG_CACHE_HOME"])
def test_a_build_never_keeps_the_cache_key_or_caches_in_its_output_folder(tmp_path, variable):
    cache, state, _ = cache_folders(tmp_path)
    inside = tmp_path / "out" / "kept"
    env: dict[str, str | None] = {variable: str(inside)}
    if variable == "XDG_CACHE_HOME":
        env["SCENDSL_CACHE_DIR"] = None  # the caches' folder is then XDG_CACHE_HOME's
    done = run_cli(tmp_path, ["build", "s.scn", "-o", "out"], cache, state, env)
    assert done.returncode != 0
    assert "refusing to write the briefings into 'out'" in done.stderr
    assert "published with it" in done.stderr and "Traceback" not in done.stderr
    # Refused before anything was read: no key and no cache entry was made in it.
    assert not inside.exists()


def test_a_build_with_the_key_and_caches_beside_its_output_folder_still_builds(tmp_path: Path):
    cache, state, _ = cache_folders(tmp_path)
    done = run_cli(tmp_path, ["build", "s.scn", "-o", "out"], cache, state)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "small.md").is_file()
    assert (state / "scendsl" / "cache.key").is_file()
