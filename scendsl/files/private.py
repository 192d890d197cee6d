"""Folders whose files the tool trusts as its own: the caches.

A cache entry is read back as this user's own work (the build cache: page bodies and charts;
the compiled-template cache: code Python runs, unpickled and unmarshalled by Jinja). So a cache
folder is used only when this user alone can write it and no other user can swap it or any
folder above it; anything else is not used (slower builds, same bytes).
"""

from __future__ import annotations

import os
import stat
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
    cache uses its subfolder only when this user's alone (`private_folder`)."""
    chosen = os.environ.get("SCENDSL_CACHE_DIR")
    if chosen is not None:
        return chosen if chosen.strip() else None
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
    user can rename the cache's folder away and put their own in its place."""
    if not hasattr(os, "getuid"):
        return True  # (Windows: no owners, no such modes)
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


#: The largest cache entry a library is let read (the grammar's analysis is about 0.2 MB): Lark
#: reads its cache file's first line whole, so a file of zeros would fill the memory.
MAX_CACHE_ENTRY = 64 * 1024 * 1024


def usable_entry(path: str) -> bool:
    """Whether a library may open the cache entry `path` itself (Lark opens its cache file
    blocking, follows links and reads its first line whole): nothing is there yet, or a
    regular file, not a link, of at most MAX_CACHE_ENTRY bytes. Anything else (a FIFO would
    block, a link to /dev/zero read without end) is not used: no cache, same results."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return True
    except (OSError, ValueError):
        return False
    return stat.S_ISREG(info.st_mode) and info.st_size <= MAX_CACHE_ENTRY
