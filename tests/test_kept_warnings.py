"""The warnings of a check kept scenario by scenario (scendsl.app.kept_warnings): a check after
one file is edited evaluates only the scenarios the edit changed, and writes what a check
without any cache writes, byte for byte."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from scendsl.app import kept_check, kept_warnings, pipeline
from scendsl.cli import main
from scendsl.files import kept
from scendsl.scenario import Parallelism

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "scenarios"


@pytest.fixture
def samples(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the samples, checked from the folder that holds it, with a cache folder of
    the test's own; the whole check is never kept (`SETTLING`), so every check below works
    (and the scenarios it evaluates are those the kept warnings leave it)."""
    monkeypatch.setenv("SCENDSL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(kept_check, "SETTLING", 1e9)
    folder = tmp_path / "work" / "scenarios"
    shutil.copytree(SAMPLES, folder)
    monkeypatch.chdir(folder.parent)
    yield folder
    monkeypatch.setenv("SCENDSL_CACHE_DIR", "")


@pytest.fixture
def evaluated(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the scenarios each check evaluates for its warnings (the real evaluation
    runs; this only records what it was given)."""
    names: list[str] = []
    real = pipeline._each_warnings

    def recording(scenarios):
        names.extend(scenario.name for scenario in scenarios)
        return real(scenarios)

    monkeypatch.setattr(pipeline, "_each_warnings", recording)
    return names


def _check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["check", *args])
    out, err = capsys.readouterr()
    return code, out, err


def _without_cache(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str
) -> tuple[int, str, str]:
    with monkeypatch.context() as scope:
        scope.setenv("SCENDSL_CACHE_DIR", "")
        return _check(capsys, *args)


def _entry() -> Path:
    path = kept.kept_path(kept_check.entry_name(["scenarios"], "check-warnings"))
    assert path is not None
    return path


@pytest.mark.parametrize("options", [(), ("--format", "json"), ("--strict",)])
def test_an_edited_file_evaluates_its_scenarios_alone(
    samples: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    evaluated: list[str],
    options: tuple[str, ...],
) -> None:
    first = _check(capsys, "scenarios", *options)
    assert _entry().is_file()
    assert first == _without_cache(capsys, monkeypatch, "scenarios", *options)
    evaluated.clear()
    file = samples / "china_h20_cn.scn"
    file.write_text(file.read_text().replace("region   CN", "region   US"))
    after = _check(capsys, "scenarios", *options)
    assert sorted(evaluated) == ["china_h20_cn", "china_h20_cn_2025"]
    assert after != first
    assert after == _without_cache(capsys, monkeypatch, "scenarios", *options)


def test_a_line_added_above_moves_the_scenarios_below(
    samples: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    evaluated: list[str],
) -> None:
    """Where each input was written is part of a scenario: its warnings point there."""
    _check(capsys, "scenarios")
    evaluated.clear()
    file = samples / "landscape.scn"
    file.write_text("# a line added\n" + file.read_text())
    after = _check(capsys, "scenarios")
    assert len(evaluated) == 4 and "xai_memphis" in evaluated
    assert after == _without_cache(capsys, monkeypatch, "scenarios")


def test_a_kept_warning_quotes_its_line_as_it_reads_now(
    samples: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    evaluated: list[str],
) -> None:
    """A comment added to a line a warning quotes changes no scenario, and the line it
    quotes shows the comment."""
    _check(capsys, "scenarios")
    evaluated.clear()
    file = samples / "india_sovereign_h100.scn"
    text = file.read_text()
    assert "  region   IN\n" in text
    file.write_text(text.replace("  region   IN\n", "  region   IN  # grid of 2024\n"))
    after = _check(capsys, "scenarios")
    assert evaluated == []
    assert "region   IN  # grid of 2024" in after[2]
    assert after == _without_cache(capsys, monkeypatch, "scenarios")


def test_a_deleted_or_damaged_entry_gives_the_same_output(
    samples: Path, capsys: pytest.CaptureFixture[str], evaluated: list[str]
) -> None:
    first = _check(capsys, "scenarios")
    count = len(evaluated)
    _entry().unlink()
    assert _check(capsys, "scenarios") == first
    _entry().write_bytes(b"damaged")
    assert _check(capsys, "scenarios") == first
    assert len(evaluated) == 3 * count  # neither was a hit
    assert _check(capsys, "scenarios") == first
    assert len(evaluated) == 3 * count


def test_another_package_key_is_a_miss(
    samples: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    evaluated: list[str],
) -> None:
    """Warnings kept by another version of the package (its code, its catalog) are not used."""
    first = _check(capsys, "scenarios")
    count = len(evaluated)
    monkeypatch.setattr(kept_check, "VERSION", "another")
    assert _check(capsys, "scenarios") == first
    assert len(evaluated) == 2 * count


def test_the_digest_is_the_same_in_every_process() -> None:
    """No set or hash order in it: two processes with different hash seeds agree."""
    probe = (
        "from scendsl.app.pipeline import load; "
        "from scendsl.app.kept_warnings import scenario_digest; "
        "print([scenario_digest(s) for s in load(['scenarios']).scenarios])"
    )
    seen = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "SCENDSL_CACHE_DIR": ""}
        run = subprocess.run(
            [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert run.returncode == 0, run.stderr
        seen.add(run.stdout)
    assert len(seen) == 1 and "None" not in seen.pop()


def test_the_digest_tells_a_field_written_from_its_default() -> None:
    """The model reads which fields were written (`model_fields_set`), not only their values."""
    written = Parallelism.model_construct(tensor=1)
    default = Parallelism.model_construct()
    assert written == default
    assert kept_warnings.scenario_digest(written) != kept_warnings.scenario_digest(default)
