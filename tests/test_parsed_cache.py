"""The kept TOML parses (scendsl.files.parsed): what is read back is what tomli parses, for
every shipped data file; an edited file, a corrupted or foreign entry is parsed afresh; an
entry never runs code; and `check` says the same with the cache, cold or warm, as without."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
import tomli

from scendsl.catalog import grid
from scendsl.files import parsed

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "scendsl" / "catalog"
SHIPPED = sorted(CATALOG.glob("*.toml"))


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache folder of the test's own, used by `files.parsed` (and the grid's look-ups)."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("SCENDSL_CACHE_DIR", str(folder))
    _forget()
    yield folder
    monkeypatch.setenv("SCENDSL_CACHE_DIR", "")
    _forget()


def _forget() -> None:
    """Clear what this process remembers of the cache folder and the grid files."""
    parsed._folder.cache_clear()
    for memo in (grid._data, grid._sections, grid._entry, grid._text):
        memo.cache_clear()


def test_shipped_files_are_the_layout_the_test_expects() -> None:
    names = {path.name for path in SHIPPED}
    assert {"grid.toml", "accelerators.toml", "warnings.toml"} <= names


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.name)
def test_kept_parse_is_tomlis_parse(cache: Path, path: Path) -> None:
    """Parsed and kept, then read back: equal to tomli's parse, to the type (1 and 1.0, dates)."""
    expected = tomli.loads(path.read_text(encoding="utf-8"))
    first = parsed.read_toml(path)
    entry = parsed.kept_path(path)
    assert entry is not None and entry.is_file()
    again = parsed.read_toml(path)
    assert first == expected and again == expected
    assert repr(first) == repr(expected) and repr(again) == repr(expected)
    assert again is not first  # read back from the entry, not this process's memory


def test_entry_is_used_when_the_file_is_unchanged(cache: Path, tmp_path: Path) -> None:
    """The second read comes from the entry: one whose payload differs but whose seal
    matches is believed (so the test sees the entry is read, not the file parsed again)."""
    data = tmp_path / "data.toml"
    data.write_text("a = 1\n", encoding="utf-8")
    assert parsed.read_toml(data) == {"a": 1}
    entry = parsed.kept_path(data)
    assert entry is not None
    key = parsed._key(data.read_bytes())
    payload = pickle.dumps({"a": 2})
    entry.write_bytes(parsed._seal(key, payload) + b"\n" + payload)
    assert parsed.read_toml(data) == {"a": 2}


def test_edited_file_is_parsed_again(cache: Path, tmp_path: Path) -> None:
    data = tmp_path / "data.toml"
    data.write_text("a = 1\n", encoding="utf-8")
    assert parsed.read_toml(data) == {"a": 1}
    data.write_text("a = 3\n", encoding="utf-8")  # same size, new bytes
    assert parsed.read_toml(data) == {"a": 3}
    assert parsed.read_toml(data) == {"a": 3}


@pytest.mark.parametrize(
    "damage",
    [
        lambda stored: stored[: len(stored) // 2],  # truncated
        lambda stored: stored[:-1] + bytes([stored[-1] ^ 1]),  # one bit of the payload
        lambda stored: b"0" * 64 + stored[64:],  # the seal
        lambda stored: b"",
        lambda stored: b"\n",
    ],
)
def test_damaged_entry_reads_as_a_miss(cache: Path, tmp_path: Path, damage) -> None:
    data = tmp_path / "data.toml"
    data.write_text("a = 1\nb = [1.5, 'x']\n", encoding="utf-8")
    parsed.read_toml(data)
    entry = parsed.kept_path(data)
    assert entry is not None
    entry.write_bytes(damage(entry.read_bytes()))
    assert parsed.read_toml(data) == {"a": 1, "b": [1.5, "x"]}
    assert parsed.read_toml(data) == {"a": 1, "b": [1.5, "x"]}  # and kept right again


class _Runs:
    """A pickle that, unpickled by a plain unpickler, would run os.system."""

    def __reduce__(self):
        return (os.system, ("echo ran > /dev/null",))


def test_entry_never_runs_code_even_with_a_valid_seal(cache: Path, tmp_path: Path) -> None:
    """Whoever could write the folder could also compute the seal: the unpickler makes only
    TOML's types, so such an entry is a miss and the file is parsed."""
    data = tmp_path / "data.toml"
    data.write_text("a = 1\n", encoding="utf-8")
    parsed.read_toml(data)
    entry = parsed.kept_path(data)
    assert entry is not None
    key = parsed._key(data.read_bytes())
    payload = pickle.dumps({"a": _Runs()})
    entry.write_bytes(parsed._seal(key, payload) + b"\n" + payload)
    with pytest.raises(pickle.UnpicklingError):
        parsed._TomlUnpickler(__import__("io").BytesIO(payload)).load()
    assert parsed.read_toml(data) == {"a": 1}


def test_entry_that_is_a_link_is_not_followed(cache: Path, tmp_path: Path) -> None:
    data = tmp_path / "data.toml"
    data.write_text("a = 1\n", encoding="utf-8")
    parsed.read_toml(data)
    entry = parsed.kept_path(data)
    assert entry is not None
    elsewhere = tmp_path / "elsewhere"
    elsewhere.write_bytes(entry.read_bytes())
    entry.unlink()
    entry.symlink_to(elsewhere)
    assert parsed._read_entry(str(entry), parsed._key(data.read_bytes())) is None
    assert parsed.read_toml(data) == {"a": 1}  # parsed, and kept as a file of its own
    assert not entry.is_symlink()


def test_no_cache_folder_parses_and_keeps_nothing(tmp_path: Path) -> None:
    """SCENDSL_CACHE_DIR empty (the tests' setting, `build --no-cache`): nothing is kept."""
    _forget()
    data = tmp_path / "data.toml"
    data.write_text("a = 1\n", encoding="utf-8")
    assert not parsed.caching()
    assert parsed.read_toml(data) == {"a": 1}
    assert parsed.kept_path(data) is None


def test_folder_others_can_write_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "cache"
    (folder / "parsed").mkdir(parents=True)
    (folder / "parsed").chmod(0o777)
    monkeypatch.setenv("SCENDSL_CACHE_DIR", str(folder))
    _forget()
    try:
        assert not parsed.caching()
    finally:
        monkeypatch.setenv("SCENDSL_CACHE_DIR", "")
        _forget()


def test_errors_are_tomlis(cache: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("a = \n", encoding="utf-8")
    with pytest.raises(tomli.TOMLDecodeError):
        parsed.read_toml(bad)
    with pytest.raises(OSError):
        parsed.read_toml(tmp_path / "missing.toml")


@pytest.mark.parametrize("file", ["grid.toml", "electricity_prices.toml"])
def test_grid_entries_through_the_cache_are_the_whole_files(cache: Path, file: str) -> None:
    """With a cache, a region's tables come from the kept whole parse: the same as parsing
    the whole file (test_check_speed checks the split used without a cache)."""
    assert parsed.caching()
    whole = tomli.loads((CATALOG / file).read_text(encoding="utf-8"))
    for code, entry in whole.items():
        assert grid._entry(file, code) == entry, code
    assert grid._entry(file, "ZZ-NOWHERE") is None
    assert parsed.kept_path(CATALOG / file).is_file()


def _check(cache_dir: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SCENDSL_CACHE_DIR": cache_dir}
    command = [sys.executable, "-m", "scendsl", "check", "scenarios", "--format", "json"]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)


def test_check_says_the_same_with_the_cache_cold_and_warm(tmp_path: Path) -> None:
    without = _check("")
    assert without.returncode == 0, without.stderr
    cold = _check(str(tmp_path / "cache"))
    assert (tmp_path / "cache" / "parsed").is_dir()
    warm = _check(str(tmp_path / "cache"))
    assert cold.returncode == warm.returncode == 0
    assert cold.stdout == warm.stdout == without.stdout
    assert '"severity": "warning"' in without.stdout  # the warnings are evaluated figures
