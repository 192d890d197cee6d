"""Folders whose files the tool trusts as its own: the caches, and the key that seals them.

A cache entry is read back as this user's own work (the build cache: page bodies and charts;
the compiled-template cache and the grammar's analysis: code Python runs, unpickled and
unmarshalled by Jinja and Lark). So a cache folder is used only when this user alone can write
it and no other user can swap it or any folder above it; anything else is not used (slower
builds, same bytes).

And an entry is used only when it carries the seal this machine's key gives it (`CacheSeal`):
an HMAC of its name and bytes under a random key kept in this user's state folder, never beside
the caches. A cache folder restored from elsewhere (a CI cache of `~/.cache`, a copied home
folder, an archive) or an entry written by hand holds no valid seal: every such entry is a
miss, so it can neither run code nor change a page.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import re
import secrets
import stat
import tempfile
from collections.abc import MutableMapping
from pathlib import Path


def user_cache_base() -> str | None:
    """This user's cache folder by the XDG convention: `XDG_CACHE_HOME` when it is an absolute
    path, else `~/.cache` when the home folder is an absolute path that exists; None otherwise
    (an odd environment gets no cache rather than one made somewhere unexpected)."""
    base = os.environ.get("XDG_CACHE_HOME") or ""
    if os.path.isabs(base):
        return base
    home = os.environ.get("HOME") or ""
    if os.path.isabs(home) and os.path.isdir(home):
        return os.path.join(home, ".cache")
    return None


def cache_root() -> str | None:
    """The one folder every cache of scendsl lives under, each in its own subfolder (the build
    cache `v1`, the grammar's analysis `grammar`, the compiled templates `templates-*`):
    `SCENDSL_CACHE_DIR` when it is set (empty: no cache of any kind; `build --no-cache` sets
    it so), else `scendsl` in this user's cache folder (`user_cache_base`), else None. Each
    cache uses its subfolder only when this user's alone (`private_folder`).

    A `SCENDSL_CACHE_DIR` of `~/…` is this user's home's, as a shell would have said it (a
    `.env` file or a service unit passes it unexpanded: a folder named `~` was made in the
    current folder), and a relative one is made absolute, so every cache and the output guard
    compare one path."""
    chosen = os.environ.get("SCENDSL_CACHE_DIR")
    if chosen is not None:
        return os.path.abspath(os.path.expanduser(chosen)) if chosen.strip() else None
    base = user_cache_base()
    return os.path.join(base, "scendsl") if base is not None else None


def private_folder(folder: Path | str) -> bool:
    """Whether `folder` (made with mode 0700 if missing) is this user's alone: a folder, not a
    link, owned by this user, writable by neither group nor others, and every folder above it
    safe from other users (`no_one_else_can_swap`)."""
    folder = Path(folder)
    owner = os.getuid() if hasattr(os, "getuid") else None  # (Windows: no owners)
    # Nothing is made where it would not be used: `sudo` keeps the user's HOME, and folders
    # made there by root are ones the user can neither use nor remove.
    existing = folder
    while not os.path.lexists(existing) and existing.parent != existing:
        existing = existing.parent
    if existing != folder and owner is not None and not no_one_else_can_swap(existing, owner):
        return False
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = os.stat(folder, follow_symlinks=False)
    except (OSError, ValueError):
        return False
    owner = info.st_uid if owner is None else owner
    return (
        stat.S_ISDIR(info.st_mode)
        and info.st_uid == owner
        and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
        and no_one_else_can_swap(folder.parent, owner)
    )


def no_one_else_can_swap(folder: Path, owner: int) -> bool:
    """Whether `folder` and every folder above it are safe from other users: each owned by
    `owner` or root, and writable by no one else unless sticky (as /tmp is), so that no other
    user can rename the cache's folder away and put their own in its place; and so is every
    symbolic link on the way to it (`_way_is_safe`)."""
    if not hasattr(os, "getuid"):
        return True  # (Windows: no owners, no such modes)
    if not _way_is_safe(os.fspath(folder), owner):
        return False
    current = Path(os.path.realpath(folder))  # the folders really passed through
    while True:
        try:
            info = os.stat(current)
        except OSError:
            return False
        if info.st_uid not in (owner, 0):
            return False
        if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH) and not info.st_mode & stat.S_ISVTX:
            return False
        if current.parent == current:
            return True
        current = current.parent


def _safe_from_others(info: os.stat_result, owner: int) -> bool:
    """An entry of the way to a folder of ours: owned by `owner` or root, and, a folder,
    writable by no one else unless sticky."""
    if info.st_uid not in (owner, 0):
        return False
    return stat.S_ISLNK(info.st_mode) or not (
        info.st_mode & (stat.S_IWGRP | stat.S_IWOTH) and not info.st_mode & stat.S_ISVTX
    )


#: Links followed on the way to a folder before it is given up (the system's own bound, ELOOP).
_MAX_LINKS = 40


def _way_is_safe(path: str, owner: int, links: int = 0) -> bool:
    """Whether the way the system takes to `path` is safe from other users: each name of the
    path as written (not only the real folders it ends in) and, for each symbolic link on
    it, the link itself and the way to its target. A link is replaced at will by its owner,
    so another user's link (`/tmp/shared/cache -> ~/mine`, planted in a sticky folder) would
    lead our cache wherever they chose later, though every real folder it led to was ours."""
    if links > _MAX_LINKS:
        return False
    prefix = os.sep if os.path.isabs(path) else os.getcwd()
    for part in path.split(os.sep):
        if part in ("", "."):
            continue
        prefix = os.path.join(prefix, part)
        try:
            info = os.lstat(prefix)
        except FileNotFoundError:
            return True  # the rest is made by us (`private_folder`)
        except (OSError, ValueError):
            return False
        if not _safe_from_others(info, owner):
            return False
        if stat.S_ISLNK(info.st_mode):
            try:
                target = os.path.join(os.path.dirname(prefix), os.readlink(prefix))
            except OSError:
                return False
            if not _way_is_safe(target, owner, links + 1):
                return False
    return True


#: The largest cache entry written or read (the grammar's analysis is about 14 KB, a chart or a
#: page some MB): a hostile scenario could otherwise fill the disk, and a file of zeros the
#: memory.
MAX_CACHE_ENTRY = 64 * 1024 * 1024


# ----------------------------------------------------------------------------- the seal
#: Bytes of the key that seals cache entries.
KEY_BYTES = 32
#: The key's file in the state folder.
KEY_FILE = "cache.key"


def state_folder() -> str | None:
    """This user's folder for state kept between runs that is not a cache (the XDG
    convention): `$XDG_STATE_HOME/scendsl` when that is absolute, else
    `~/.local/state/scendsl` when the home folder is an absolute path that exists; None
    otherwise. Tools that copy, share or restore caches leave it out."""
    base = os.environ.get("XDG_STATE_HOME") or ""
    if os.path.isabs(base):
        return os.path.join(base, "scendsl")
    home = os.environ.get("HOME") or ""
    if os.path.isabs(home) and os.path.isdir(home):
        return os.path.join(home, ".local", "state", "scendsl")
    return None


class CacheSeal:
    """Seals a cache entry with this user's key (an HMAC-SHA256 of its name and bytes, on a
    line before them) and opens one only when its seal holds. The name binds an entry to its
    place: a genuine entry copied under another key is not a hit either."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def _mac(self, name: str, data: bytes) -> bytes:
        label = name.encode("utf-8", "surrogatepass")
        message = b"%d:" % len(label) + label + data
        return hmac.new(self._key, message, hashlib.sha256).hexdigest().encode("ascii")

    def seal(self, name: str, data: bytes) -> bytes:
        """What is stored for the entry `name` holding `data`."""
        return self._mac(name, data) + b"\n" + data

    def open(self, name: str, stored: bytes) -> bytes | None:
        """The entry's bytes, or None when its seal does not hold (written elsewhere, by
        another key, by hand, cut short, or moved from another name)."""
        head, newline, data = stored.partition(b"\n")
        if not newline or not hmac.compare_digest(head, self._mac(name, data)):
            return None
        return data

    def read(self, path: str, name: str) -> bytes | None:
        """The sealed entry at `path` (read as a regular file of at most MAX_CACHE_ENTRY
        bytes, never through a link, never from a FIFO), or None: every failure is a miss."""
        from scendsl.files.discovery import open_regular

        try:
            with open_regular(path, follow_link=False) as handle:
                stored = handle.read(MAX_CACHE_ENTRY + 80)
        except (OSError, ValueError):
            return None
        return self.open(name, stored)

    def write(self, path: str, name: str, data: bytes) -> None:
        """Keep `data` sealed at `path`, atomically (a temporary name, then a rename); best
        effort: an entry too large, a full or read-only disk just means no cache."""
        if len(data) > MAX_CACHE_ENTRY:
            return
        folder = os.path.dirname(path)
        try:
            os.makedirs(folder, mode=0o700, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=folder)
        except (OSError, ValueError):
            return
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(self.seal(name, data))
            os.replace(temporary, path)
        except (OSError, ValueError):
            with contextlib.suppress(OSError):
                os.unlink(temporary)


#: How a sealed entry begins: its seal (an HMAC-SHA256 in hexadecimal) and a newline.
_SEAL_HEAD = re.compile(rb"[0-9a-f]{64}\n")


def looks_sealed(path: str) -> bool:
    """Whether the regular file at `path` (never through a link, never a FIFO) begins as every
    sealed entry does (`CacheSeal.seal`): its seal and a newline. Whoever removes entries
    (`app.cache.BuildCache.trim`) removes only these: a caches' folder may be one the user
    named (`SCENDSL_CACHE_DIR`) that holds their own files, in folders named as ours."""
    from scendsl.files.discovery import open_regular

    try:
        with open_regular(path, follow_link=False) as handle:
            return _SEAL_HEAD.fullmatch(handle.read(65)) is not None
    except (OSError, ValueError):
        return False


def cache_seal() -> CacheSeal | None:
    """The seal of this user's caches, its key made on first use (random, KEY_BYTES, mode
    0600) in the state folder (`state_folder`), which must be this user's alone as a cache
    folder must (`private_folder`); None when there is no such folder or no whole key in it:
    then no cache of any kind is used."""
    folder = state_folder()
    if folder is None or _among_the_caches(folder) or not private_folder(folder):
        return None
    path = os.path.join(folder, KEY_FILE)
    key = _read_key(path)
    if key is None and not os.path.lexists(path):
        _make_key(folder, path)
        key = _read_key(path)
    return CacheSeal(key) if key is not None else None


def _among_the_caches(folder: str) -> bool:
    """Whether the key's folder is in a caches' folder (`XDG_STATE_HOME` set to, or inside,
    `SCENDSL_CACHE_DIR` or `XDG_CACHE_HOME`): whatever restores or shares the caches (a CI
    cache, an archive of `~/.cache`) would bring the key that makes its entries hold, so the
    seal would prove nothing."""
    key_folder = os.path.realpath(folder)
    for root in (cache_root(), user_cache_base()):
        if root is None:
            continue
        for candidate in (os.path.abspath(root), os.path.realpath(root)):
            for place in (os.path.abspath(folder), key_folder):
                with contextlib.suppress(ValueError):  # (Windows: another drive)
                    if os.path.commonpath([candidate, place]) == candidate:
                        return True
    return False


def _read_key(path: str) -> bytes | None:
    from scendsl.files.discovery import open_regular

    try:
        with open_regular(path, follow_link=False) as handle:
            info = os.fstat(handle.fileno())
            key = handle.read(KEY_BYTES + 1)
    except (OSError, ValueError):
        return None
    if len(key) != KEY_BYTES or info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        return None
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        return None
    return key


def _make_key(folder: str, path: str) -> None:
    """A new key, whole or not at all (a temporary file, then a hard link to its name, which
    fails if another process made one first: theirs is used)."""
    try:
        handle, temporary = tempfile.mkstemp(prefix=".key.", suffix=".tmp", dir=folder)
    except OSError:
        return
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(secrets.token_bytes(KEY_BYTES))
            stream.flush()
            os.fsync(stream.fileno())
        with contextlib.suppress(OSError):
            os.link(temporary, path)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temporary)


# ------------------------------------------------------------------- the libraries' folders
def settle_folder_variables(environ: MutableMapping[str, str]) -> None:
    """Make the folders a library derives from the environment follow the rules the caches
    follow, before the library is imported (the command line calls this first).

    XDG's variables are ignored when relative (as the XDG Base Directory specification asks:
    an invalid path), and so is a relative `HOME` (the user's home is then the system's
    account entry): matplotlib took them as given and made its folders (`.config/matplotlib`
    and a font cache) inside the current folder, the user's project. And where matplotlib's
    own folders cannot be made (a `HOME` of `/proc`, a read-only home), it made a new
    temporary folder at every run, which the command's quick exit never removed: it gets one
    folder of this user's alone, kept in the system's temporary folder and reused
    (`MPLCONFIGDIR`, unless set)."""
    for name in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME", "HOME"):
        if name in environ and not os.path.isabs(environ[name]):
            del environ[name]
    if environ.get("MPLCONFIGDIR") or not hasattr(os, "getuid"):
        return
    home = environ.get("HOME") or os.path.expanduser("~")
    bases = (
        environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config"),
        environ.get("XDG_CACHE_HOME") or os.path.join(home, ".cache"),
    )
    if all(_can_make(os.path.join(base, "matplotlib")) for base in bases):
        return
    folder = os.path.join(tempfile.gettempdir(), f"scendsl-matplotlib-{os.getuid()}")
    if private_folder(folder):
        environ["MPLCONFIGDIR"] = folder


def _can_make(folder: str) -> bool:
    """Whether `folder` is a folder this user may write, or could be made as one: its nearest
    existing folder is a folder this user may write."""
    existing = os.path.abspath(folder)
    while not os.path.lexists(existing) and os.path.dirname(existing) != existing:
        existing = os.path.dirname(existing)
    return os.path.isdir(existing) and os.access(existing, os.W_OK)
