"""Data files parsed once per content: a TOML file's parse kept in the caches' folder.

Parsing the catalog's TOML was a sixth of `scendsl check`: the grid and price files alone are
1.7 MB (some 50 ms to parse whole with tomli), and reading one region's tables at a time still
meant indexing all of them. The same dictionaries unpickled take a tenth to a twentieth of that.

An entry holds the parse of one file's exact bytes. It is named by the file's path and starts
with a SHA-256 of what it was made from (the file's bytes, tomli's and Python's versions,
this format) and of its own bytes, checked on every read: an edited file, another tomli, a
corrupted or truncated entry is a miss, parsed afresh and kept again. So the cache never
changes what is read, and deleting it is safe. Without a cache folder (SCENDSL_CACHE_DIR empty,
or a folder that is not this user's alone: `files.private`), every file is parsed, as before.

Entries are pickles read by an unpickler that makes only what TOML holds (dicts, lists, text,
numbers, booleans, and datetime's dates, times and offsets): an entry written by someone else
could at worst be wrong data, never code run. (The folder is this user's alone anyway.)
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import os
import pickle
import sys
import tempfile
from pathlib import Path
from typing import Any

import tomli

from scendsl.files.private import MAX_CACHE_ENTRY, cache_root, private_folder

#: Bumped when the layout of an entry changes (old entries then read as misses).
_FORMAT = b"scendsl-parsed-toml-1"
#: What datetime types TOML values can be made of; nothing else is unpickled.
_DATETIME_TYPES = frozenset({"date", "datetime", "time", "timedelta", "timezone"})


def read_toml(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The TOML file at `path`, parsed as `tomli.loads` parses its text: read back from the
    cache when these bytes were parsed before, else parsed (and kept when a cache folder is
    usable). Raises what reading the file (OSError) or parsing it (tomli.TOMLDecodeError,
    UnicodeDecodeError) raises."""
    with open(path, "rb") as handle:
        data = handle.read()
    folder = _folder()
    if folder is None:
        return _parse(data)
    entry = os.path.join(folder, _entry_name(path))
    key = _key(data)
    kept = _read_entry(entry, key)
    if kept is not None:
        return kept
    parsed = _parse(data)
    _write_entry(entry, key, parsed)
    return parsed


def caching() -> bool:
    """Whether parses are kept (a usable cache folder): callers that can avoid a whole parse
    when nothing is kept (reading one section of a large file) ask this first."""
    return _folder() is not None


def _parse(data: bytes) -> dict[str, Any]:
    # As tomli.load does: the bytes decoded as UTF-8, newlines as they are.
    return tomli.loads(data.decode("utf-8"))


@functools.cache
def _folder() -> str | None:
    """The `parsed` folder of the caches' folder, when it is this user's alone (made so if
    missing); None for no cache. Decided once per process."""
    root = cache_root()  # SCENDSL_CACHE_DIR governs this cache as the others
    if root is None:
        return None
    folder = os.path.join(root, "parsed")
    return folder if private_folder(folder) else None


def _entry_name(path: str | os.PathLike[str]) -> str:
    """One entry per data file (a newer parse replaces it): named by the file's real path,
    so two installs keep theirs apart, and by its name, for whoever looks in the folder."""
    real = os.path.realpath(path)
    named = hashlib.sha256(real.encode("utf-8", "surrogatepass")).hexdigest()[:24]
    return f"{named}-{os.path.basename(real)}.pickle"


@functools.cache
def _versions() -> bytes:
    """tomli's version (its parse is what is kept) and Python's (pickle's and the types')."""
    return f"{tomli.__version__}|{sys.version}".encode()


def _key(data: bytes) -> bytes:
    """What an entry of `data`'s parse is made from: this format, the versions and the bytes."""
    hasher = hashlib.sha256(_FORMAT)
    hasher.update(_versions())
    hasher.update(b"%d:" % len(data))
    hasher.update(data)
    return hasher.digest()


def _seal(key: bytes, payload: bytes) -> bytes:
    """The entry's first line: a hash of its key and of its payload, so a stale, corrupted or
    truncated entry is told apart before anything is unpickled."""
    return hashlib.sha256(key + payload).hexdigest().encode("ascii")


def _read_entry(entry: str, key: bytes) -> dict[str, Any] | None:
    """The kept parse in `entry` if it was made from `key`; None for anything else."""
    from scendsl.files.discovery import open_regular

    try:
        with open_regular(entry, follow_link=False) as handle:
            stored = handle.read(MAX_CACHE_ENTRY + 80)
    except (OSError, ValueError):
        return None
    seal, _, payload = stored.partition(b"\n")
    if seal != _seal(key, payload):
        return None
    try:
        parsed = _TomlUnpickler(io.BytesIO(payload)).load()
    except Exception:  # an entry we cannot read is a miss, whatever it holds
        return None
    return parsed if isinstance(parsed, dict) else None


def _write_entry(entry: str, key: bytes, parsed: dict[str, Any]) -> None:
    """Keep `parsed` (best effort: a full or read-only disk just means no cache)."""
    payload = pickle.dumps(_shared(parsed, {}), protocol=pickle.HIGHEST_PROTOCOL)
    if len(payload) > MAX_CACHE_ENTRY:
        return
    folder = os.path.dirname(entry)
    try:
        handle, temporary = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=folder)
    except (OSError, ValueError):
        return
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(_seal(key, payload) + b"\n" + payload)
        os.replace(temporary, entry)
    except (OSError, ValueError):
        with contextlib.suppress(OSError):
            os.unlink(temporary)


def _shared(value: Any, seen: dict[str, str]) -> Any:
    """`value` with each run of equal strings made one object, which pickle then writes once:
    the grid's sources and units repeat thousands of times, and the entries shrink two to four
    times (and read twice as fast). Equal strings are interchangeable: the values are the same."""
    if isinstance(value, dict):
        return {seen.setdefault(k, k): _shared(v, seen) for k, v in value.items()}
    if isinstance(value, list):
        return [_shared(item, seen) for item in value]
    if isinstance(value, str):
        return seen.setdefault(value, value)
    return value


class _TomlUnpickler(pickle.Unpickler):
    """Makes the types a TOML parse holds and nothing else (no other class, no function)."""

    def find_class(self, module: str, name: str) -> Any:
        if module == "datetime" and name in _DATETIME_TYPES:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not a TOML value")


def kept_path(path: str | os.PathLike[str]) -> Path | None:
    """Where the parse of `path` is kept (for tests and whoever clears one entry), or None
    without a cache folder."""
    folder = _folder()
    return Path(folder, _entry_name(path)) if folder is not None else None
