"""Work on data files kept across processes: a TOML file's parse, an object made from files.

Parsing the catalog's TOML was a sixth of `scendsl check`: the grid and price files alone are
1.7 MB (some 50 ms to parse whole with tomli), and reading one region's tables at a time still
meant indexing all of them. The same dictionaries unpickled take a tenth to a twentieth of that.
Likewise the validated catalog (`catalog.load.load_catalog`) is kept whole.

An entry is named by what it is (a file's parse: by the file's real path, so two installs keep
theirs apart) and is sealed as every cache entry is, with this user's key
(`files.private.CacheSeal`: an HMAC of its name and bytes), checked on every read: an entry
written by anyone else (a restored CI cache, a copied home folder) is a miss, so it can change
no figure. Its bytes start with its key, a SHA-256 of everything the entry was made from (for a
parse: the file's bytes, tomli's and Python's versions, this format), so an edited file,
another tomli, a corrupted or truncated entry is a miss too, made afresh and kept again
(replacing the old one). The
cache never changes what is read, and deleting it is safe. Without a cache folder
(SCENDSL_CACHE_DIR empty, or a folder that is not this user's alone: `files.private`), nothing is
kept and everything is made, as before.

Entries are pickles read by an unpickler that makes only the types the reader names (for a
parse, what TOML holds: dicts, lists, text, numbers, booleans, and datetime's dates, times and
offsets): even an entry that passed its seal could not run code. (The folder is this user's
alone anyway.)
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import os
import pickle
import re
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from scendsl.files.private import (
    CacheSeal,
    cache_root,
    cache_seal,
    private_folder,
    state_folder,
    user_cache_base,
)
from scendsl.files.settled import settled, stamp

#: Bumped when the layout of an entry changes (old entries then read as misses).
_FORMAT = b"scendsl-kept-1"
#: What a signature of files' sizes and times is made of (`kept_files_digest`).
_SIGNED = "signed-files-1"
#: The classes a TOML parse can hold besides the built-in types: datetime's.
TOML_CLASSES = frozenset(
    ("datetime", name) for name in ("date", "datetime", "time", "timedelta", "timezone")
)


def read_toml(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The TOML file at `path`, parsed as `tomli.loads` parses its text: read back from the
    cache when these bytes were parsed before, else parsed (and kept when a cache folder is
    usable). Raises what reading the file (OSError) or parsing it (tomli.TOMLDecodeError,
    UnicodeDecodeError) raises."""
    if _folder() is None:
        return _parse(_read(path))
    name = _file_entry_name(path)
    found = read_entry(name, _toml_key(file_digest(path)), TOML_CLASSES)
    if isinstance(found, dict):
        return found
    data = _read(path)  # kept under the hash of the very bytes parsed
    parsed = _parse(data)
    keep(name, _toml_key(hashlib.sha256(data).digest()), _shared(parsed, {}))
    return parsed


def _toml_key(file_hash: bytes) -> bytes:
    # Imported here, as in `_parse`: a check that reads no TOML (its output or its
    # scenarios' warnings kept) does not import the parser.
    import tomli

    return digest(b"toml", tomli.__version__, file_hash)


def caching() -> bool:
    """Whether work is kept (a usable cache folder): callers that can avoid a whole parse
    when nothing is kept (reading one section of a large file) ask this first."""
    return _folder() is not None


def digest(*parts: bytes | str) -> bytes:
    """A key: SHA-256 of this format, Python's version and the parts, each length-prefixed
    (so that no two lists of parts collide)."""
    hasher = hashlib.sha256(_FORMAT)
    for part in (sys.version, *parts):
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        hasher.update(b"%d:" % len(data))
        hasher.update(data)
    return hasher.digest()


def kept_files_digest(entry: str, paths: Sequence[str], names: Sequence[str]) -> bytes:
    """One SHA-256 of `names` (what each of `paths` is called inside what they make up) and
    of the bytes of `paths`, kept as `entry` under each file's name, size, times of change
    and of status change, inode and device: the files are read and hashed again only when
    one of these differs. Only a digest of files that had all settled (`files.settled`) is
    kept: an edit since then gives a later time of status change, which no one can set back.

    Hashing every file of the package (5 MB) was a tenth of an unchanged check, and the
    catalog's data and code some 5 ms of every process that loads the catalog; their sizes
    and times are a tenth of that."""
    started = time.time_ns()
    stats = [os.stat(path) for path in paths]
    signature = digest(
        _SIGNED,
        *(
            f"{name}:{s.st_size}:{s.st_mtime_ns}:{s.st_ctime_ns}:{s.st_ino}:{s.st_dev}"
            for name, s in zip(names, stats, strict=True)
        ),
    )
    found = read_entry(entry, signature, frozenset())
    if isinstance(found, bytes):
        return found
    made = digest(
        *(
            part
            for path, name in zip(paths, names, strict=True)
            for part in (name, file_digest(path))
        )
    )
    if all(settled(s, started) for s in stats):
        keep(entry, signature, made)
    return made


def file_digest(path: str | os.PathLike[str]) -> bytes:
    """SHA-256 of the file's bytes, worked out once per process for each version of the
    file (`files.settled.stamp` tells a new one, once the file has settled: before, a write
    within the same tick of its clock would leave the same stamp)."""
    info = os.stat(path)
    if not settled(info, time.time_ns()):
        return _hashed(os.fspath(path))
    return _file_digest(os.fspath(path), stamp(info))


@functools.lru_cache(maxsize=256)
def _file_digest(path: str, _stamp: tuple[int, ...]) -> bytes:
    return _hashed(path)


def _hashed(path: str) -> bytes:
    # Read as a regular file alone, in pieces: a kept check hashes every file it read before,
    # and one put in a file's place since (a FIFO, a file of gigabytes) must neither block the
    # check nor be held whole.
    from scendsl.files.discovery import open_regular

    hasher = hashlib.sha256()
    with open_regular(path) as handle:
        while piece := handle.read(1 << 20):
            hasher.update(piece)
    return hasher.digest()


def read_entry(name: str, key: bytes, classes: frozenset[tuple[str, str]]) -> Any:
    """The object kept as `name` if it was made from `key`, unpickled making no class but the
    built-in containers and scalars and `classes` ((module, name) pairs); None for a miss
    (no cache folder, no entry, another key, a damaged entry, a class not allowed)."""
    kept = _kept()
    if kept is None:
        return None
    folder, seal = kept
    # Read as a regular file of at most MAX_CACHE_ENTRY bytes, never through a link.
    data = seal.read(os.path.join(folder, name), name)
    if data is None or data[: len(key)] != key:
        return None
    try:
        return _Unpickler(io.BytesIO(data[len(key) :]), classes).load()
    except Exception:  # an entry we cannot read is a miss, whatever it holds
        return None


def unpickle_only(data: bytes, classes: frozenset[tuple[str, str]]) -> Any:
    """`data` unpickled making no class but the built-in containers and scalars and `classes`
    ((module, name) pairs); None when it does not unpickle so (for entries of other caches,
    sealed as these are)."""
    try:
        return _Unpickler(io.BytesIO(data), classes).load()
    except Exception:  # an entry we cannot read is a miss, whatever it holds
        return None


def keep(name: str, key: bytes, value: Any) -> None:
    """Keep `value` as `name`, made from `key` (best effort: no cache folder, a full or
    read-only disk, a value too large just mean nothing is kept)."""
    kept = _kept()
    if kept is None:
        return
    folder, seal = kept
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    # CacheSeal.write: atomic, best effort, no entry over MAX_CACHE_ENTRY.
    seal.write(os.path.join(folder, name), name, key + payload)


#: Bytes the entries of one kind that `keep_newest` bounds may hold together, the newest
#: kept: a check kept up to MAX_KEPT_CHECKS entries of each kind, each up to MAX_CACHE_ENTRY
#: (64 MiB: the parses of a folder of large files), and only `build` trimmed the caches to
#: their 512 MiB (`app.cache.MAX_CACHE_BYTES`), so checks alone could keep 4 GiB of each.
#: Three kinds (`check`, `check-parses`, `check-warnings`) stay within those 512 MiB.
MAX_KEPT_KIND_BYTES = 128 * 1024 * 1024


def keep_newest(kind: re.Pattern[str], most: int, written: str) -> None:
    """Remove the oldest entries (by time written) whose whole name matches `kind` while more
    than `most` are kept, or more than MAX_KEPT_KIND_BYTES with `written` (the one just kept,
    never removed: file times may tie). Best effort: an entry that cannot be removed stays. For
    a kind of entry named by what the user asked (each folder and paths checked), which
    nothing else bounds."""
    folder = _folder()
    if folder is None:
        return
    entries = []
    held = 0
    try:
        with os.scandir(folder) as listing:
            for entry in listing:
                if kind.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
                    info = entry.stat(follow_symlinks=False)
                    if entry.name == written:
                        held += info.st_size
                    else:
                        entries.append((info.st_mtime_ns, info.st_size, entry.name))
    except OSError:
        return
    held += sum(size for _, size, _ in entries)
    left = len(entries) + 1
    for _, size, name in sorted(entries):
        if left <= most and held <= MAX_KEPT_KIND_BYTES:
            break
        with contextlib.suppress(OSError):
            os.unlink(os.path.join(folder, name))
            left -= 1
            held -= size


def kept_path(name: str) -> Path | None:
    """Where the entry `name` is kept (for tests and whoever clears one), or None without a
    cache folder."""
    folder = _folder()
    return Path(folder, name) if folder is not None else None


def toml_entry(path: str | os.PathLike[str]) -> Path | None:
    """Where the parse of the TOML file `path` is kept (see kept_path)."""
    return kept_path(_file_entry_name(path))


def _read(path: str | os.PathLike[str]) -> bytes:
    from scendsl.files.discovery import open_regular

    with open_regular(os.fspath(path)) as handle:
        return handle.read()


def _parse(data: bytes) -> dict[str, Any]:
    import tomli

    # As tomli.load does: the bytes decoded as UTF-8, newlines as they are.
    return tomli.loads(data.decode("utf-8"))


def _folder() -> str | None:
    """The `kept` folder (see `_kept`), or None for no cache."""
    kept = _kept()
    return kept[0] if kept is not None else None


def _kept() -> tuple[str, CacheSeal] | None:
    """The `kept` folder of the caches' folder, when it is this user's alone (made so if
    missing), with this user's seal; None for no cache (no such folder, or no key to seal
    entries with: nothing is then kept or read). SCENDSL_CACHE_DIR governs it as the other
    caches."""
    folder, seal = _private_kept(cache_root()), _seal()
    return (folder, seal) if folder is not None and seal is not None else None


@functools.lru_cache(maxsize=8)
def _private_kept(root: str | None) -> str | None:
    """Checked once per process and caches' folder (`private_folder` looks at every folder
    above it)."""
    if root is None:
        return None
    folder = os.path.join(root, "kept")
    return folder if private_folder(folder) else None


def _file_entry_name(path: str | os.PathLike[str]) -> str:
    """One entry per data file (a newer parse replaces it): named by the file's real path,
    and by its name, for whoever looks in the folder."""
    real = os.path.realpath(path)
    named = hashlib.sha256(real.encode("utf-8", "surrogatepass")).hexdigest()[:24]
    return f"{named}-{os.path.basename(real)}.pickle"


def _seal() -> CacheSeal | None:
    """This user's cache seal (`files.private.cache_seal`), read once per process, state
    folder and caches' folders (a key among the caches is no seal); None: nothing is kept or
    read."""
    return _seal_in(state_folder(), cache_root(), user_cache_base())


@functools.lru_cache(maxsize=8)
def _seal_in(folder: str | None, *_caches: str | None) -> CacheSeal | None:
    return cache_seal() if folder is not None else None


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


class _Unpickler(pickle.Unpickler):
    """Makes the built-in types and the classes it is given, and nothing else (no other class,
    no function: nothing an entry holds can run code)."""

    def __init__(self, file: io.BytesIO, classes: frozenset[tuple[str, str]]) -> None:
        super().__init__(file)
        self._classes = classes

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in self._classes:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a kept entry")


def kept_object(
    name: str,
    key: Callable[[], bytes],
    classes: frozenset[tuple[str, str]],
    make: Callable[[], Any],
) -> Any:
    """The object kept as `name` if it was made from what `key()` hashes now, else `make()`,
    kept for next time (only if `key()` is the same after making it: a file changed meanwhile
    would otherwise be kept under the hash of its old bytes)."""
    if _folder() is None:
        return make()
    before = key()
    found = read_entry(name, before, classes)
    if found is not None:
        return found
    made = make()
    if key() == before:
        keep(name, before, made)
    return made
