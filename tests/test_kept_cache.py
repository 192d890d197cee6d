"""Work kept across processes (scendsl.files.kept): a kept TOML parse is what tomli parses,
for every shipped data file; an edited file, a corrupted or foreign entry is parsed afresh; an
entry never runs code; and `check` says the same with the cache, cold or warm, as without."""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
import tomli

from scendsl.catalog import grid
from scendsl.files import kept

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "scendsl" / "catalog"
SHIPPED = sorted(CATALOG.glob("*.toml"))


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache folder of the test's own, used by `files.kept` (and the grid's look-ups)."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("SCENDSL_CACHE_DIR", str(folder))
    _forget()
    yield folder
    monkeypatch.setenv("SCENDSL_CACHE_DIR", "")
    _forget()


def _key(data: Path) -> bytes:
    """The key of the parse of `data` as it is now."""
    return kept._toml_key(hashlib.sha256(data.read_bytes()).digest())


def _sealed(name: str, key: bytes, payload: bytes) -> bytes:
    """An entry as this user's key seals it: what only someone holding the key could write."""
    seal = kept._seal()
    assert seal is not None, "the tests' state folder holds a key"
    return seal.seal(name, key + payload)


def _forget() -> None:
    """Clear what this process remembers of the cache folder and the grid files."""
    kept._private_kept.cache_clear()
    kept._seal_in.cache_clear()
    for memo in (grid._data, grid._sections, grid._entry, grid._text):
        memo.cache_clear()


def test_shipped_files_are_the_layout_the_test_expects() -> None:
    names = {path.name for path in SHIPPED}
    assert {"grid.toml", "accelerators.toml", "warnings.toml"} <= names


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.name)
def test_kept_parse_is_tomlis_parse(cache: Path, path: Path) -> None:
    """Parsed and kept, then read back: equal to tomli's parse, to the type (1 and 1.0, dates)."""
    expected = tomli.loads(path.read_text(encoding="utf-8"))
    first = kept.read_toml(path)
    entry = kept.toml_entry(path)
    assert entry is not None and entry.is_file()
    again = kept.read_toml(path)
    assert first == expected and again == expected
    assert repr(first) == repr(expected) and repr(again) == repr(expected)
    assert again is not first  # read back from the entry, not this process's memory


def test_entry_is_used_when_the_file_is_unchanged(cache: Path, tmp_path: Path) -> None:
    """The second read comes from the entry: one whose payload differs but whose seal
    matches is believed (so the test sees the entry is read, not the file parsed again)."""
    data = tmp_path / "data.toml"
    data.write_text("a = 1\n", encoding="utf-8")
    assert kept.read_toml(data) == {"a": 1}
    entry = kept.toml_entry(data)
    assert entry is not None
    key = _key(data)
    payload = pickle.dumps({"a": 2})
    entry.write_bytes(_sealed(entry.name, key, payload))
    assert kept.read_toml(data) == {"a": 2}


def test_edited_file_is_parsed_again(cache: Path, tmp_path: Path) -> None:
    data = tmp_path / "data.toml"
    data.write_text("a = 1\n", encoding="utf-8")
    assert kept.read_toml(data) == {"a": 1}
    data.write_text("a = 3\n", encoding="utf-8")  # same size, new bytes
    assert kept.read_toml(data) == {"a": 3}
    assert kept.read_toml(data) == {"a": 3}


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
    kept.read_toml(data)
    entry = kept.toml_entry(data)
    assert entry is not None
    entry.write_bytes(damage(entry.read_bytes()))
    assert kept.read_toml(data) == {"a": 1, "b": [1.5, "x"]}
    assert kept.read_toml(data) == {"a": 1, "b": [1.5, "x"]}  # and kept right again


class _Runs:
    """A pickle that, unpickled by a plain unpickler, would run os.system."""

    def __reduce__(self):
        return (os.system, ("echo ran > /dev/null",))


def test_entry_never_runs_code_even_with_a_valid_seal(cache: Path, tmp_path: Path) -> None:
    """Even an entry under a valid seal (written with this user's key): the unpickler makes
    only TOML's types, so such an entry is a miss and the file is parsed again."""
    data = tmp_path / "data.toml"
    data.write_text("a = 1\n", encoding="utf-8")
    kept.read_toml(data)
    entry = kept.toml_entry(data)
    assert entry is not None
    key = _key(data)
    payload = pickle.dumps({"a": _Runs()})
    entry.write_bytes(_sealed(entry.name, key, payload))
    with pytest.raises(pickle.UnpicklingError):
        kept._Unpickler(io.BytesIO(payload), kept.TOML_CLASSES).load()
    assert kept.read_toml(data) == {"a": 1}


def test_entry_that_is_a_link_is_not_followed(cache: Path, tmp_path: Path) -> None:
    data = tmp_path / "data.toml"
    data.write_text("a = 1\n", encoding="utf-8")
    kept.read_toml(data)
    entry = kept.toml_entry(data)
    assert entry is not None
    elsewhere = tmp_path / "elsewhere"
    elsewhere.write_bytes(entry.read_bytes())
    entry.unlink()
    entry.symlink_to(elsewhere)
    assert kept.read_entry(entry.name, _key(data), kept.TOML_CLASSES) is None
    assert kept.read_toml(data) == {"a": 1}  # parsed, and kept as a file of its own
    assert not entry.is_symlink()


def test_no_cache_folder_parses_and_keeps_nothing(tmp_path: Path) -> None:
    """SCENDSL_CACHE_DIR empty (the tests' setting, `build --no-cache`): nothing is kept."""
    _forget()
    data = tmp_path / "data.toml"
    data.write_text("a = 1\n", encoding="utf-8")
    assert not kept.caching()
    assert kept.read_toml(data) == {"a": 1}
    assert kept.toml_entry(data) is None


def test_folder_others_can_write_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "cache"
    (folder / "kept").mkdir(parents=True)
    (folder / "kept").chmod(0o777)
    monkeypatch.setenv("SCENDSL_CACHE_DIR", str(folder))
    _forget()
    try:
        assert not kept.caching()
    finally:
        monkeypatch.setenv("SCENDSL_CACHE_DIR", "")
        _forget()


def test_errors_are_tomlis(cache: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("a = \n", encoding="utf-8")
    with pytest.raises(tomli.TOMLDecodeError):
        kept.read_toml(bad)
    with pytest.raises(OSError):
        kept.read_toml(tmp_path / "missing.toml")


@pytest.mark.parametrize("file", ["grid.toml", "electricity_prices.toml"])
def test_grid_entries_through_the_cache_are_the_whole_files(cache: Path, file: str) -> None:
    """With a cache, a region's tables come from the kept whole parse: the same as parsing
    the whole file (test_check_speed checks the split used without a cache)."""
    assert kept.caching()
    whole = tomli.loads((CATALOG / file).read_text(encoding="utf-8"))
    for code, entry in whole.items():
        assert grid._entry(file, code) == entry, code
    assert grid._entry(file, "ZZ-NOWHERE") is None
    assert kept.toml_entry(CATALOG / file).is_file()


def _check(cache_dir: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SCENDSL_CACHE_DIR": cache_dir}
    command = [sys.executable, "-m", "scendsl", "check", "scenarios", "--format", "json"]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)


def test_check_says_the_same_with_the_cache_cold_and_warm(tmp_path: Path) -> None:
    without = _check("")
    assert without.returncode == 0, without.stderr
    cold = _check(str(tmp_path / "cache"))
    assert (tmp_path / "cache" / "kept").is_dir()
    warm = _check(str(tmp_path / "cache"))
    assert cold.returncode == warm.returncode == 0
    assert cold.stdout == warm.stdout == without.stdout
    assert '"severity": "warning"' in without.stdout  # the warnings are evaluated figures


# ------------------------------------------------------------------------- the kept catalog
def test_kept_catalog_is_the_catalog_the_files_give(cache: Path) -> None:
    from scendsl.catalog import load

    load.load_catalog.cache_clear()
    first = load.load_catalog()  # made and kept
    assert kept.kept_path(load._KEPT_NAME).is_file()
    load.load_catalog.cache_clear()
    again = load.load_catalog()  # read back
    load.load_catalog.cache_clear()
    fresh = load._load_shipped()
    assert again is not first
    assert again == fresh == first
    assert repr(again) == repr(fresh)


def test_kept_catalog_is_made_again_when_a_file_it_hashes_changes(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Any data file or source file in the key changes it: the kept catalog is not read."""
    from scendsl.catalog import load

    extra = tmp_path / "extra.toml"
    extra.write_text("a = 1\n", encoding="utf-8")
    data, code = load._kept_sources()
    monkeypatch.setattr(load, "_kept_sources", lambda: ((*data, str(extra)), code))
    load.load_catalog.cache_clear()
    load.load_catalog()
    key = load._kept_key()
    assert kept.read_entry(load._KEPT_NAME, key, load._KEPT_CLASSES) is not None
    extra.write_text("a = 2\n", encoding="utf-8")
    assert load._kept_key() != key
    assert kept.read_entry(load._KEPT_NAME, load._kept_key(), load._KEPT_CLASSES) is None
    load.load_catalog.cache_clear()


def test_kept_catalog_makes_only_the_catalogs_models(cache: Path) -> None:
    from scendsl.catalog import load

    assert ("scendsl.catalog.model", "Catalog") in load._KEPT_CLASSES
    assert ("scendsl.catalog.model", "Figure") in load._KEPT_CLASSES
    assert all(module in ("scendsl.catalog.model", "datetime") for module, _ in load._KEPT_CLASSES)
    payload = pickle.dumps(_Runs())
    key = load._kept_key()
    kept.kept_path(load._KEPT_NAME).parent.mkdir(parents=True, exist_ok=True)
    kept.kept_path(load._KEPT_NAME).write_bytes(_sealed(load._KEPT_NAME, key, payload))
    assert kept.read_entry(load._KEPT_NAME, key, load._KEPT_CLASSES) is None
    load.load_catalog.cache_clear()
    assert load.load_catalog() == load._load_shipped()  # made again, not run
    load.load_catalog.cache_clear()


def test_loading_the_catalog_runs_only_code_its_key_hashes() -> None:
    """The key hashes the catalog layer and the layers below it: loading the catalog (and
    evaluating with it) must import no other module of the package, or a change there could
    leave a kept catalog stale."""
    code = (
        "import sys\n"
        "from scendsl.catalog.load import _load_shipped, _kept_sources\n"
        "_load_shipped()\n"
        "hashed = set(_kept_sources()[1])\n"
        "print([m for m, module in sys.modules.items() if m.startswith('scendsl')"
        " and getattr(module, '__file__', None) not in hashed])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_an_entry_written_without_this_users_key_is_a_miss(cache: Path, tmp_path: Path) -> None:
    """A well-formed entry (the right key of what it was made from, plain TOML data) that was
    not sealed with this user's key, as a restored or planted cache's: a miss, the file is
    parsed again, so no figure can be changed by writing the folder."""
    data = tmp_path / "data.toml"
    data.write_text("a = 1\n", encoding="utf-8")
    kept.read_toml(data)
    entry = kept.toml_entry(data)
    assert entry is not None
    payload = pickle.dumps({"a": 2})
    forged = kept.CacheSeal(b"k" * 32).seal(entry.name, _key(data) + payload)
    entry.write_bytes(forged)
    assert kept.read_toml(data) == {"a": 1}
    entry.write_bytes(_sealed(entry.name, _key(data), payload))  # the same, sealed by us
    assert kept.read_toml(data) == {"a": 2}


def test_files_digest_kept_by_sizes_and_times_is_the_digest_of_their_bytes(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Read back, deleted, damaged or forged, the kept digest is that of the files' bytes; an
    edit of the same size with the old time of change put back is still seen (its time of
    status change moved)."""
    from scendsl.files import settled

    monkeypatch.setattr(settled, "SETTLING_NS", 0)
    first, second = tmp_path / "a.toml", tmp_path / "b.toml"
    first.write_text("a = 1\n")
    second.write_text("b = 2\n")
    paths, names = [str(first), str(second)], ["a.toml", "b.toml"]
    made = kept.kept_files_digest("files-test.pickle", paths, names)
    entry = kept.kept_path("files-test.pickle")
    assert entry is not None and entry.is_file()
    assert kept.kept_files_digest("files-test.pickle", paths, names) == made
    entry.unlink()
    assert kept.kept_files_digest("files-test.pickle", paths, names) == made
    entry.write_bytes(b"damaged")
    assert kept.kept_files_digest("files-test.pickle", paths, names) == made
    signature = entry.read_bytes()  # a forged entry (not sealed with this user's key)
    entry.write_bytes(kept.CacheSeal(b"k" * 32).seal(entry.name, signature[-64:] + b"x"))
    assert kept.kept_files_digest("files-test.pickle", paths, names) == made
    assert kept.kept_files_digest("files-test.pickle", paths, ["a.toml", "c.toml"]) != made
    old = first.stat()
    first.write_text("a = 3\n")
    os.utime(first, ns=(old.st_atime_ns, old.st_mtime_ns))
    edited = kept.kept_files_digest("files-test.pickle", paths, names)
    assert edited != made
    with monkeypatch.context() as scope:
        scope.setenv("SCENDSL_CACHE_DIR", "")
        assert kept.kept_files_digest("files-test.pickle", paths, names) == edited


def test_the_kept_catalogs_key_is_the_same_read_back_or_hashed(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scendsl.catalog import load
    from scendsl.files import settled

    monkeypatch.setattr(settled, "SETTLING_NS", 0)
    key = load._kept_key()
    assert kept.kept_path(load._KEPT_FILES_NAME).is_file()
    assert load._kept_key() == key
    with monkeypatch.context() as scope:
        scope.setenv("SCENDSL_CACHE_DIR", "")
        assert load._kept_key() == key
