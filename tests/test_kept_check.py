"""A check kept across processes (scendsl.app.kept_check) writes what a check without the
cache writes, byte for byte: warm or cold, after a scenario file, a folder's files or an option
changed, with the cache deleted or unusable; and an unchanged check imports none of what it
would check with. Each scenario's warnings are kept too (scendsl.app.kept_warnings): after an
edit, only the scenarios it changed are evaluated; and each file's parse
(scendsl.app.kept_parses): only the files it changed are parsed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from scendsl.app import kept_check, kept_parses, kept_warnings, pipeline
from scendsl.cli import main
from scendsl.files import kept, settled
from scendsl.language import loading
from scendsl.language.parse import parse
from scendsl.scenario import Parallelism

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "scenarios"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache folder of the test's own; a file written before a check counts as settled
    (a file's time of status change cannot be set back: the tests would wait seconds)."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("SCENDSL_CACHE_DIR", str(folder))
    monkeypatch.setattr(settled, "SETTLING_NS", 0)
    yield folder
    monkeypatch.setenv("SCENDSL_CACHE_DIR", "")


@pytest.fixture
def samples(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the samples, checked from the folder that holds it (paths are shown as
    given)."""
    folder = tmp_path / "work" / "scenarios"
    shutil.copytree(SAMPLES, folder)
    monkeypatch.chdir(folder.parent)
    return folder


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


def _checked_again_after(
    change: Callable[[], object],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    *args: str,
) -> None:
    """A check of `args` after `change()` writes something else than before it, what a check
    without the cache writes."""
    before = _check(capsys, *args)
    change()
    after = _check(capsys, *args)
    assert after != before
    assert after == _without_cache(capsys, monkeypatch, *args)


def _entry(*paths: str) -> Path:
    path = kept.kept_path(kept_check.entry_name(paths))
    assert path is not None
    return path


@pytest.mark.parametrize("options", [(), ("--format", "json"), ("--strict",)])
def test_kept_check_writes_what_a_check_writes(
    cache: Path,
    samples: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    options: tuple[str, ...],
) -> None:
    without = _without_cache(capsys, monkeypatch, "scenarios", *options)
    cold = _check(capsys, "scenarios", *options)
    assert _entry("scenarios").is_file()
    warm = _check(capsys, "scenarios", *options)
    assert cold == warm == without
    assert "warning" in (without[1] + without[2])  # the warnings are evaluated figures


def test_an_option_changed_is_checked_again(
    cache: Path, samples: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = _check(capsys, "scenarios")
    strict = _check(capsys, "scenarios", "--strict")
    assert text[0] == 0 and strict[0] == 1
    assert strict[2].splitlines()[-1].startswith("error (--strict)")


def test_an_edited_scenario_is_checked_again(
    cache: Path,
    samples: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    file = samples / "china_h20_cn.scn"
    _checked_again_after(
        lambda: file.write_text(file.read_text().replace("region   CN", "region   US")),
        capsys,
        monkeypatch,
        "scenarios",
    )


def test_an_edited_import_is_checked_again(
    cache: Path,
    samples: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A file read through an import, not named nor found in a named folder, is in the key."""
    folder = samples.parent / "alone"
    folder.mkdir()
    (folder / "base.scn").write_text((samples / "benchmarks.scn").read_text())
    (folder / "main.scn").write_text('import "base.scn"\n')
    base = folder / "base.scn"
    _checked_again_after(
        lambda: base.write_text(base.read_text().replace("count       8", "count       9")),
        capsys,
        monkeypatch,
        "alone/main.scn",
    )


def test_a_file_added_to_a_folder_is_checked_again(
    cache: Path,
    samples: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    added = samples / "zz_added.scn"
    text = (samples / "china_h20_cn.scn").read_text().replace("china_h20_cn", "zz_h20")
    _checked_again_after(lambda: added.write_text(text), capsys, monkeypatch, "scenarios")


def test_a_file_changed_just_before_the_check_is_not_kept(
    cache: Path,
    samples: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Its time of change cannot tell an edit made while the check read it."""
    monkeypatch.setattr(settled, "SETTLING_NS", 2_000_000_000)
    (samples / "benchmarks.scn").touch()
    first = _check(capsys, "scenarios")
    assert not _entry("scenarios").exists()
    monkeypatch.setattr(settled, "SETTLING_NS", 0)  # as it is two seconds later
    assert _check(capsys, "scenarios") == first
    assert _entry("scenarios").is_file()


def test_a_deleted_cache_gives_the_same_output(
    cache: Path, samples: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = _check(capsys, "scenarios", "--format", "json")
    shutil.rmtree(cache)
    assert _check(capsys, "scenarios", "--format", "json") == first
    _entry("scenarios").write_bytes(b"damaged")  # a damaged entry is a miss too
    assert _check(capsys, "scenarios", "--format", "json") == first


def test_an_unusable_cache_gives_the_same_output(
    tmp_path: Path,
    samples: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    without = _without_cache(capsys, monkeypatch, "scenarios")
    # The caches' folder is a file: nothing can be kept.
    blocked = tmp_path / "blocked"
    blocked.write_text("")
    monkeypatch.setenv("SCENDSL_CACHE_DIR", str(blocked))
    assert _check(capsys, "scenarios") == without
    # The entry cannot be written (a folder is in its place): the check still writes its own.
    monkeypatch.setenv("SCENDSL_CACHE_DIR", str(tmp_path / "cache"))
    _entry("scenarios").mkdir(parents=True)
    assert _check(capsys, "scenarios") == without
    assert _check(capsys, "scenarios") == without
    monkeypatch.setenv("SCENDSL_CACHE_DIR", "")


def test_a_failing_check_is_not_kept(
    cache: Path, samples: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = samples / "broken.scn"
    broken.write_text('import "missing.scn"\n')
    code, _, err = _check(capsys, "scenarios")
    assert code != 0 and "does not exist" in err
    assert not _entry("scenarios").exists()
    (samples / "missing.scn").write_text("")  # what the error named now exists
    assert _check(capsys, "scenarios")[0] == 0


def test_an_unchanged_check_imports_nothing_it_checks_with(tmp_path: Path) -> None:
    """The kept output is written without the parser, the models or the evaluation."""
    env = {**os.environ, "SCENDSL_CACHE_DIR": str(tmp_path / "cache")}
    probe = (
        "import sys; from scendsl.cli import main; code = main(['check', 'scenarios']); "
        "print(code, sorted(m for m in ('lark', 'pydantic', 'scendsl.scenario', "
        "'scendsl.model.evaluate') if m in sys.modules))"
    )
    command = [sys.executable, "-c", probe]
    first = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    assert first.stdout.split()[0] == "0", first.stderr
    again = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    assert again.stdout == "0 []\n", again.stderr
    assert again.stderr == first.stderr


def test_the_package_digest_follows_every_file_of_the_package(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Kept by the files' sizes and times, the digest is still that of their bytes: a file
    edited (same size), added or renamed changes it; read back, it is the one hashed."""
    package = tmp_path / "package"
    (package / "catalog").mkdir(parents=True)
    (package / "a.py").write_text("A = 1\n")
    (package / "catalog" / "b.toml").write_text("b = 2\n")
    monkeypatch.setattr(kept_check, "_PACKAGE", str(package))
    first = kept_check._package_digest()
    assert kept.kept_path(kept_check._PACKAGE_ENTRY).is_file()
    assert kept_check._package_digest() == first  # read back
    with monkeypatch.context() as scope:
        scope.setenv("SCENDSL_CACHE_DIR", "")
        assert kept_check._package_digest() == first  # hashed, nothing kept

    def later(path: Path) -> None:  # a time of change no earlier digest was made at
        stamp = path.stat().st_mtime + 10
        os.utime(path, (stamp, stamp))

    edited = package / "catalog" / "b.toml"
    edited.write_text("b = 3\n")
    later(edited)
    second = kept_check._package_digest()
    assert second != first
    (package / "c.lark").write_text("")
    third = kept_check._package_digest()
    assert third not in (first, second)
    (package / "c.lark").rename(package / "catalog" / "c.lark")
    assert kept_check._package_digest() not in (first, second, third)


def test_only_the_last_checks_are_kept(
    cache: Path,
    samples: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One entry per folder and paths checked: a script checking each file in turn would keep
    one per file, for ever. The oldest written go first."""
    monkeypatch.setattr(kept_check, "MAX_KEPT_CHECKS", 3)
    files = sorted(path.name for path in samples.glob("*.scn"))[:5]
    for number, name in enumerate(files):
        _check(capsys, f"scenarios/{name}")
        entry = _entry(f"scenarios/{name}")
        stamp = 1_000_000 + number  # written in this order, whatever the clock's tick
        os.utime(entry, (stamp, stamp))
    kept_now = [name for name in files if _entry(f"scenarios/{name}").exists()]
    assert kept_now == files[-3:]  # the kept warnings' entries (check-warnings-) not counted
    folder = _entry("scenarios").parent
    warnings = kept_check.entry_kind("check-warnings")
    assert len([p for p in folder.iterdir() if warnings.fullmatch(p.name)]) == 3  # and bounded
    assert _check(capsys, f"scenarios/{files[0]}")[0] == 0  # checked again, and kept
    assert _entry(f"scenarios/{files[0]}").is_file()
    assert not _entry(f"scenarios/{files[2]}").exists()  # now the oldest


# The parts of a check kept (scendsl.app.kept_warnings): each scenario's warnings, under a
# digest of the resolved scenario. A check after one file is edited evaluates only the
# scenarios the edit changed, and writes what a check without any cache writes.


@pytest.fixture
def parts(cache: Path, samples: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The samples' copy, the whole check never kept (`files.settled`), so every check below
    works (and the scenarios it evaluates are those the kept warnings leave it)."""
    monkeypatch.setattr(settled, "SETTLING_NS", 10**18)
    return samples


@pytest.fixture
def evaluated(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the scenarios each check evaluates for its warnings (the real evaluation
    runs; this only records what it was given)."""
    names: list[str] = []
    real = pipeline._each_warnings

    def recording(scenarios, texts):
        names.extend(scenario.name for scenario in scenarios)
        return real(scenarios, texts)

    monkeypatch.setattr(pipeline, "_each_warnings", recording)
    return names


def _warnings_entry() -> Path:
    path = kept.kept_path(kept_check.entry_name(["scenarios"], "check-warnings"))
    assert path is not None
    return path


@pytest.mark.parametrize("options", [(), ("--format", "json"), ("--strict",)])
def test_an_edited_file_evaluates_its_scenarios_alone(
    parts: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    evaluated: list[str],
    options: tuple[str, ...],
) -> None:
    first = _check(capsys, "scenarios", *options)
    assert _warnings_entry().is_file()
    assert first == _without_cache(capsys, monkeypatch, "scenarios", *options)
    evaluated.clear()
    file = parts / "china_h20_cn.scn"
    file.write_text(file.read_text().replace("region   CN", "region   US"))
    after = _check(capsys, "scenarios", *options)
    assert sorted(evaluated) == ["china_h20_cn", "china_h20_cn_2025"]
    assert after != first
    assert after == _without_cache(capsys, monkeypatch, "scenarios", *options)


def test_a_line_added_above_moves_the_kept_warnings_with_the_scenarios(
    parts: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    evaluated: list[str],
) -> None:
    """A scenario that only moved is not evaluated again: its warnings point where it is now,
    as an evaluation's would."""
    before = _check(capsys, "scenarios")
    evaluated.clear()
    file = parts / "landscape.scn"
    file.write_text("# a line added\n" + file.read_text())
    after = _check(capsys, "scenarios")
    assert evaluated == []
    assert "landscape.scn:73:" in before[2] and "landscape.scn:74:" in after[2]
    assert after == _without_cache(capsys, monkeypatch, "scenarios")


def test_a_line_added_inside_a_scenario_evaluates_it_alone(
    parts: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    evaluated: list[str],
) -> None:
    """Where each input was written is part of a scenario (its warnings point there): a line
    added between two of its fields changes it; the scenario below only moves."""
    _check(capsys, "scenarios")
    evaluated.clear()
    file = parts / "landscape.scn"
    text = file.read_text()
    inside = '  title    "Google DeepMind on TPU v5p"\n'
    assert text.count(inside) == 1
    file.write_text(text.replace(inside, inside + "\n"))
    after = _check(capsys, "scenarios")
    assert evaluated == ["google_deepmind_tpuv5p"]
    assert after == _without_cache(capsys, monkeypatch, "scenarios")


def _kept_key_and_own_place() -> tuple[Any, Any, dict[str, Any]]:
    """The kept-warnings key of a sample scenario, one of its own places, and that place as a
    kept warning holds it."""
    scenario = pipeline.load(["scenarios"]).get("xai_memphis")
    key = kept_warnings.scenario_key(scenario)
    assert key is not None
    span = scenario.origins["cluster.count"]
    own = {"file": span.file, "line": span.line, "col": span.col}
    own |= {"end_line": span.end_line, "end_col": span.end_col}
    return key, span, own


def test_a_warning_naming_a_place_or_pointing_elsewhere_is_not_moved(
    samples: Path,
) -> None:
    """A kept warning moves with its scenario only when it points at the scenario's own places
    and no text of it names a place in its files (a figure's origin may: `file:line:col`)."""
    key, span, own = _kept_key_and_own_place()

    def warning(**fields: Any) -> dict[str, Any]:
        return {"message": "m", "hint": None, "related": (), "span": own, **fields}

    assert key.movable([warning(), warning(span=None)])
    assert not key.movable([warning(hint=f"as written at {span}")])
    assert not key.movable([warning(span={**own, "col": own["col"] + 1})])
    assert not key.movable([warning(related=(("here", {**own, "line": 1}),))])


def test_kept_warnings_move_by_the_lines_their_scenario_moved(samples: Path) -> None:
    """Each place of a movable warning moves by the lines its scenario's first line in that
    file moved; a warning of no place stays without one."""
    key, span, own = _kept_key_and_own_place()
    # Kept as kept_warnings keeps them: every field of a Diagnostic but its quoted line.
    rest = {"hint": None, "severity": "warning", "code": None, "scenario": None}
    rest |= {"text": None, "fix": None}
    warnings = [
        {"message": "m", "span": own, "related": (("here", own),), **rest},
        {"message": "n", "span": None, "related": (), **rest},
    ]
    earlier = {"firsts": {span.file: key.firsts[span.file] - 3}, "warnings": warnings}
    moved = kept_warnings._reused({**earlier, "movable": True}, key)
    assert moved is not None
    there = {**own, "line": span.line + 3, "end_line": span.end_line + 3}
    assert moved == [
        {"message": "m", "span": there, "related": (("here", there),), **rest},
        {"message": "n", "span": None, "related": (), **rest},
    ]
    assert kept_warnings._reused({**earlier, "movable": False}, key) is None


def test_a_kept_warning_quotes_its_line_as_it_reads_now(
    parts: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    evaluated: list[str],
) -> None:
    """A comment added to a line a warning quotes changes no scenario, and the line it
    quotes shows the comment."""
    _check(capsys, "scenarios")
    evaluated.clear()
    file = parts / "india_sovereign_h100.scn"
    text = file.read_text()
    assert "  region   IN\n" in text
    file.write_text(text.replace("  region   IN\n", "  region   IN  # grid of 2024\n"))
    after = _check(capsys, "scenarios")
    assert evaluated == []
    assert "region   IN  # grid of 2024" in after[2]
    assert after == _without_cache(capsys, monkeypatch, "scenarios")


def test_a_deleted_or_damaged_entry_gives_the_same_output(
    parts: Path, capsys: pytest.CaptureFixture[str], evaluated: list[str]
) -> None:
    first = _check(capsys, "scenarios")
    count = len(evaluated)
    _warnings_entry().unlink()
    assert _check(capsys, "scenarios") == first
    _warnings_entry().write_bytes(b"damaged")
    assert _check(capsys, "scenarios") == first
    assert len(evaluated) == 3 * count  # neither was a hit
    assert _check(capsys, "scenarios") == first
    assert len(evaluated) == 3 * count


def test_another_package_key_is_a_miss(
    parts: Path,
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


# Each file's parse kept (scendsl.app.kept_parses): a check after one file is edited parses
# that file alone, and writes what a check without any cache writes.


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files each check parses (the real parser runs; this only records the names)."""
    names: list[str] = []
    real = loading.parse

    def recording(text: str, file: str = "<string>", **options: int) -> Any:
        names.append(os.path.basename(file))
        return real(text, file, **options)

    monkeypatch.setattr(loading, "parse", recording)
    return names


def _parses_entry() -> Path:
    path = kept.kept_path(kept_check.entry_name(["scenarios"], "check-parses"))
    assert path is not None
    return path


def test_a_kept_document_is_the_parsed_document() -> None:
    for path in sorted(SAMPLES.glob("*.scn")):
        text = path.read_text(encoding="utf-8")
        document = parse(text, f"scenarios/{path.name}")
        assert kept_parses._document(kept_parses._plain(document), text) == document


def test_an_edited_file_is_parsed_alone(
    parts: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    parsed: list[str],
) -> None:
    first = _check(capsys, "scenarios")
    assert _parses_entry().is_file()
    assert len(parsed) == len(list(parts.glob("*.scn")))
    parsed.clear()
    file = parts / "landscape.scn"
    file.write_text("# a line added\n" + file.read_text())
    after = _check(capsys, "scenarios")
    assert parsed == ["landscape.scn"]
    assert after != first
    assert after == _without_cache(capsys, monkeypatch, "scenarios")


def test_a_kept_parse_is_the_files_under_its_name_and_limit(
    parts: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    parsed: list[str],
) -> None:
    """The same text under another token limit, or shown by another name, is parsed again."""
    _check(capsys, "scenarios")
    parsed.clear()
    assert _check(capsys, "scenarios", "--max-tokens", "5000")[0] == 0
    assert len(parsed) == len(list(parts.glob("*.scn")))
    parsed.clear()
    shown = "./" + str(parts.name)
    assert _check(capsys, shown) == _without_cache(capsys, monkeypatch, shown)
    assert len(parsed) == len(list(parts.glob("*.scn")))


def test_a_deleted_damaged_or_stale_parses_entry_gives_the_same_output(
    parts: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    parsed: list[str],
) -> None:
    first = _check(capsys, "scenarios", "--format", "json")
    count = len(parsed)
    _parses_entry().unlink()
    assert _check(capsys, "scenarios", "--format", "json") == first
    _parses_entry().write_bytes(b"damaged")
    assert _check(capsys, "scenarios", "--format", "json") == first
    monkeypatch.setattr(kept_check, "VERSION", "another")  # kept by another package
    assert _check(capsys, "scenarios", "--format", "json") == first
    assert len(parsed) == 4 * count  # none was a hit
    assert _check(capsys, "scenarios", "--format", "json") == first
    assert len(parsed) == 4 * count


def test_a_check_of_kept_parses_imports_no_parser(tmp_path: Path) -> None:
    """With every file's parse kept (the kept output deleted), Lark is never imported."""
    env = {**os.environ, "SCENDSL_CACHE_DIR": str(tmp_path / "cache")}
    probe = (
        "import sys; from scendsl.cli import main; code = main(['check', 'scenarios']); "
        "print(code, 'lark' in sys.modules)"
    )
    command = [sys.executable, "-c", probe]
    first = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    assert first.stdout == "0 True\n", first.stderr
    for entry in (tmp_path / "cache" / "kept").glob("check-*"):
        if kept_check.entry_kind("check").fullmatch(entry.name):
            entry.unlink()
    again = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    assert again.stdout == "0 False\n", again.stderr
    assert again.stderr == first.stderr
