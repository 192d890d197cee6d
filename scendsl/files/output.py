"""Writing: the manifest, atomic writes of a file and of the output folder, leftovers.

The build writes a new folder beside the output folder and swaps it in; only files listed in
the manifest are replaced or removed; temporary folders of killed builds are cleaned up.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from scendsl.errors import ScenarioError
from scendsl.files.discovery import open_regular, walk
from scendsl.files.guard import _refuse_mounts, mounts_inside, output_folder_now
from scendsl.files.problems import _kind, problem, reason
from scendsl.terminal import visible_path as _p  # every path in a message: no line breaks

#: The list of files the last build wrote, kept in the output folder.
MANIFEST = ".scendsl-manifest"
_MANIFEST_HEAD = "# Files written by `scendsl build`; only these are replaced or removed by it.\n"
#: Only these files of a build may be listed in (and so removed through) the manifest.
GENERATED_SUFFIXES = (".md", ".html")
#: New folders a build makes before one is its own (locked): a concurrent build of the same
#: folder may take a new, not yet locked one for a leftover and remove it.
_LOCK_ATTEMPTS = 5
#: Temporary folder names keep this much of the output folder's name (a name of 250 characters
#: would otherwise make the temporary name longer than the 255 a file system allows).
_NAME_KEPT = 64


# ------------------------------------------------------------------------------ writing a file
#: Write permission for anyone: a file with none is read-only, whoever runs the tool.
_ANY_WRITE = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH


def replace_file(path: str, data: bytes, *, inside: str | None = None) -> None:
    """Replace the file's content with `data` in one step (`replace_file_with`)."""
    replace_file_with(path, lambda stream: stream.write(data), inside=inside)


def replace_file_with(
    path: str, write: Callable[[BinaryIO], object], *, inside: str | None = None
) -> None:
    """Replace the file's content in one step (a crash leaves the old or the new file), with
    what `write` writes into the temporary file beside it: a table is streamed there as it is
    made, never held whole in memory.

    A file that is read-only (no write permission for anyone, or none for this user) is not
    replaced, as writing to it would fail. A link named on the command line is kept and its
    target rewritten (naming it is consent);
    the discovery has already refused links that leave a named folder, and with `inside` (that
    folder) a link swapped in since is refused here too. OSError on failure (and whatever
    `write` raises; the temporary file is then removed and the old file kept).
    """
    target = os.path.realpath(path)
    with contextlib.suppress(FileNotFoundError):
        mode = os.stat(target).st_mode
        if not stat.S_ISREG(mode):
            # Replaced, `/dev/null` (`eval -o /dev/null`, as root) or a FIFO a reader waits on
            # would become a regular file for every other program.
            raise OSError(errno.EINVAL, f"it is {_kind(mode)}, not a regular file", path)
        if not mode & _ANY_WRITE or not os.access(target, os.W_OK):
            if _on_read_only_file_system(target):  # no chmod makes it writable
                raise OSError(errno.EROFS, "it is on a read-only file system", path)
            # A rename needs only the folder's permission: a file made read-only (or another
            # user's, in a folder we may write) would be replaced all the same, as root too.
            raise OSError(errno.EACCES, "it is read-only; make it writable first", path)
    if inside is not None:
        root = os.path.realpath(inside)
        if os.path.commonpath([root, target]) != root:
            raise OSError(
                errno.EACCES,
                f"it leads outside '{_p(inside)}' (a link changed after the folder was searched)",
                path,
            )
    folder, name = os.path.split(target)
    handle, temporary = tempfile.mkstemp(prefix=f".{name[:_NAME_KEPT]}.", suffix=".fmt", dir=folder)
    try:
        with os.fdopen(handle, "wb") as stream:
            write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        try:  # keep the file's permissions, not mkstemp's 0600
            mode = stat.S_IMODE(os.stat(target).st_mode)
        except OSError:  # a new file (`eval -o`): the permissions any new file gets
            mode = 0o666 & ~_umask()
        with contextlib.suppress(OSError):
            os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _on_read_only_file_system(path: str) -> bool:
    """Whether `path` is on a file system mounted read-only (where statvfs tells)."""
    try:
        return bool(os.statvfs(path).f_flag & getattr(os, "ST_RDONLY", 0))
    except (OSError, AttributeError):
        return False


def create_file(path: str, data: bytes) -> None:
    """A new file holding `data`, whole or not at all, never over anything already at `path`
    (a file, a link, a FIFO): written to a temporary file beside it, then linked to its name,
    which fails if the name is taken. FileExistsError when it is; other OSErrors (a full disk)
    leave nothing behind. A file system without hard links gets the file created exclusively
    and removed again if writing it fails."""
    folder = os.path.dirname(path) or "."
    handle, temporary = tempfile.mkstemp(prefix=".scendsl-new.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o666 & ~_umask())  # as any new file, not mkstemp's 0600
        try:
            os.link(temporary, path)
        except FileExistsError:
            raise
        except OSError as error:
            if error.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
                raise
            _create_or_remove(Path(path), data)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temporary)


def _create_or_remove(path: Path, data: bytes) -> None:
    try:
        _create(path, data)
    except FileExistsError:
        raise
    except BaseException:
        with contextlib.suppress(OSError):
            path.unlink()  # ours: O_EXCL made it
        raise


# ----------------------------------------------------------------------------- the manifest
def read_manifest(folder: Path) -> list[str]:
    """The files an earlier build wrote into `folder` (none without a manifest)."""
    try:
        with open_regular(str(folder / MANIFEST), follow_link=False) as handle:
            text = handle.read(1024 * 1024).decode("utf-8", errors="replace")
    except FileNotFoundError:
        return []
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise problem(
                f"'{_p(folder / MANIFEST)}' is a symbolic link; refusing to follow it",
                None,
                "remove the link",
            ) from None
        raise problem(f"cannot read '{_p(folder / MANIFEST)}': {reason(error)}") from None
    return [name for name in text.split("\n") if is_output_name(name)]


def is_output_name(name: str) -> bool:
    """A name the build may write: a plain top-level file name with one of our suffixes, that
    names no device on Windows.

    One rule for the manifest, the build cache's records and `write_output`: a name from
    anywhere but the renderer (a forged manifest, a poisoned cache entry) can never reach
    outside the output folder (`../x`, an absolute path) nor replace a hidden file.
    """
    return (
        bool(name)
        and "/" not in name
        and "\\" not in name
        and "\0" not in name
        and not name.startswith(".")
        and name.endswith(GENERATED_SUFFIXES)
        and not windows_device_name(name)
    )


#: Names Windows keeps for devices, whatever follows them (`con.md`, `nul.scn` open the console
#: and the null device), as Microsoft's file naming rules list them: COM0 and LPT0 and the
#: superscript digits too.
WINDOWS_DEVICE_NAMES = frozenset(
    ["con", "prn", "aux", "nul"]
    + [f"{port}{digit}" for port in ("com", "lpt") for digit in "0123456789\u00b9\u00b2\u00b3"]
)


def windows_device_name(name: str) -> bool:
    """Whether the file name `name` names a device on Windows: its part before the first dot,
    without the blanks Windows drops, is one of WINDOWS_DEVICE_NAMES in any case. One rule for
    every name the tool makes from a user's word (a page, `new`'s file)."""
    return name.split(".", 1)[0].rstrip(" ").casefold() in WINDOWS_DEVICE_NAMES


def _regular(path: Path) -> bool:
    """A regular file at `path` itself (a link, a folder or nothing is not)."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def manifest_bytes(files: dict[str, bytes]) -> bytes:
    """The manifest for a build that writes `files` (sorted: same inputs, same bytes)."""
    return (_MANIFEST_HEAD + "".join(f"{name}\n" for name in sorted(files))).encode("utf-8")


def out_of_date(files: dict[str, bytes], folder: Path) -> list[str]:
    """Names that differ between a fresh build and `folder`: missing, changed or extra.

    "extra" are files an earlier build wrote (by its manifest) that this build would remove.
    """
    wanted = dict(files)
    wanted[MANIFEST] = manifest_bytes(files)
    stale = []
    for name, content in wanted.items():
        try:
            with open_regular(str(folder / name), follow_link=False) as handle:
                same = handle.read(len(content) + 1) == content
        except OSError:
            stale.append(f"{name} (missing)")
            continue
        if not same:
            stale.append(f"{name} (changed)")
    earlier = read_manifest(folder) if folder.is_dir() else []
    stale.extend(
        f"{name} (extra)" for name in earlier if name not in files and _regular(folder / name)
    )
    return stale


def write_output(files: dict[str, bytes], folder: Path) -> tuple[list[str], list[str]]:
    """Replace the build's files in `folder`; returns (written, removed) paths.

    A file whose bytes are already there is not rewritten (its inode and mtime are kept, so
    tools that watch the folder see only what changed) and is not among `written`; when
    nothing changed the folder is left as it is. Raises ScenarioError naming the path for every refusal of the file system; the old folder
    is then unchanged.
    """
    try:
        return _write_output(files, folder)
    except ScenarioError:
        raise
    except OSError as error:
        where = f" ('{_p(error.filename)}')" if error.filename else ""
        raise problem(
            f"cannot write the briefings into '{_p(folder)}': {reason(error)}{where}",
            None,
            "the old output is kept",
        ) from None
    except shutil.Error as error:
        raise problem(
            f"cannot copy the other files of '{_p(folder)}': {error}",
            None,
            "the old output is kept",
        ) from None


def _write_output(files: dict[str, bytes], folder: Path) -> tuple[list[str], list[str]]:
    strange = sorted(name for name in files if not is_output_name(name))
    if strange:  # `fresh / "/abs"` is "/abs": such a name would be written anywhere
        raise problem(
            f"refusing to write '{_p(strange[0])}' into '{_p(folder)}': not a plain page name",
            None,
            "the old output is kept",
        )
    # Checked again when writing, not only before the build: a folder swapped for a link in
    # the meantime (`serve` rebuilds for as long as it runs) would be resolved to its target.
    target = Path(output_folder_now(str(folder)))
    parent = target.parent
    parent.mkdir(parents=True, exist_ok=True)
    clean_leftovers(target)
    exists = target.is_dir()
    earlier = read_manifest(target) if exists else []
    if exists:
        _refuse_links(files, target, folder)
        _refuse_mounts(target, folder)
    # Only regular files are ours to remove: a forged manifest naming a folder removes nothing.
    stale = [name for name in earlier if name not in files and _regular(target / name)]
    removed = [str(target / name) for name in stale]
    content = dict(files)
    content[MANIFEST] = manifest_bytes(files)
    same = _unchanged(content, target) if exists else set()
    if len(same) == len(content) and not stale:
        return [], []
    written = [str(target / name) for name in files if name not in same]
    prefix = f".{target.name[:_NAME_KEPT]}.new-"
    for attempt in range(_LOCK_ATTEMPTS):
        try:
            fresh = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
        except OSError as error:
            if not (isinstance(error, PermissionError) or error.errno == errno.EROFS) or not exists:
                raise problem(
                    f"cannot write the briefings into '{_p(folder)}': {reason(error)} (making "
                    f"a new folder in '{_p(parent)}')",
                    None,
                    "the old output is kept",
                ) from None
            _write_in_place({n: d for n, d in content.items() if n not in same}, target, removed)
            return written, removed
        try:
            lock = _lock(fresh)
            break
        except OSError:
            # A concurrent build of the same folder took the new, not yet locked folder for a
            # killed build's leftover (it holds the lock while it removes it): another one.
            if attempt == _LOCK_ATTEMPTS - 1:
                raise
    try:
        if exists:
            skip = set(content) | set(stale)
            for entry in sorted(target.iterdir()):  # keep what is not ours
                if entry.name in skip:
                    continue
                _carry_over(entry, fresh / entry.name)
        for name, data in content.items():
            if name in same:  # the same bytes: the old file itself, its mtime kept
                _link_or_copy(target / name, fresh / name)
            else:
                _create(fresh / name, data, sync=False)
        _sync_files(fresh, [name for name in content if name not in same])
        # The mode last: a read-only output folder (0555) stays read-only, but is written first.
        os.chmod(fresh, (target.stat().st_mode & 0o7777) if exists else 0o777 & ~_umask())
        _swap(fresh, target)
    except BaseException:
        remove_tree(fresh)
        raise
    finally:
        os.close(lock)
    return written, removed


def _unchanged(content: dict[str, bytes], target: Path) -> set[str]:
    """Names whose regular file in `target` already holds exactly these bytes."""
    same = set()
    for name, data in content.items():
        try:
            with open_regular(str(target / name), follow_link=False) as handle:
                if handle.read(len(data) + 1) == data:
                    same.add(name)
        except OSError:
            continue
    return same


def _refuse_links(files: dict[str, bytes], target: Path, shown: Path) -> None:
    for name in sorted(files):
        path = target / name
        try:
            mode = os.lstat(path).st_mode
        except FileNotFoundError:
            continue
        if stat.S_ISLNK(mode):
            raise problem(
                f"'{_p(shown / name)}' is a symbolic link; the build never writes through one",
                None,
                "remove the link, or build into another folder",
            )
        if not stat.S_ISREG(mode):
            raise problem(
                f"'{_p(shown / name)}' is {_kind(mode)}; the build writes a file there",
                None,
                "move it away, or build into another folder",
            )


def _carry_over(entry: Path, destination: Path) -> None:
    """The user's file or folder `entry` into the new output folder: links as links, files hard
    linked or copied, a folder of any depth (shutil.copytree recurses, and a folder nested past
    Python's recursion limit ended the build in a RecursionError). What cannot be copied (a
    FIFO) is reported as one `shutil.Error` after the rest is copied, as copytree does."""
    if not entry.is_dir() or entry.is_symlink():
        _carry_file(str(entry), str(destination))
        return
    problems: list[tuple[str, str, str]] = []
    made: list[tuple[str, str]] = []
    for folder, _subfolders, others in walk(str(entry)):
        target = os.path.normpath(os.path.join(destination, os.path.relpath(folder, entry)))
        os.mkdir(target)
        made.append((folder, target))
        for other in others:
            copy = os.path.join(target, other.name)
            try:
                _carry_file(other.path, copy)
            except OSError as error:
                problems.append((other.path, copy, str(error)))
    for folder, target in reversed(made):  # modes last: a read-only folder is filled first
        with contextlib.suppress(OSError):
            shutil.copystat(folder, target, follow_symlinks=False)
    if problems:
        raise shutil.Error(problems)


def _carry_file(source: str, destination: str) -> None:
    if os.path.islink(source):
        os.symlink(os.readlink(source), destination)  # the link itself, never what it points at
    else:
        _link_or_copy(source, destination)


def _create(path: Path, content: bytes, sync: bool = True) -> None:
    """A new file (never an existing one, never through a link), written and (with `sync`)
    synced."""
    descriptor = os.open(
        path,
        os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0),
        0o666,
    )
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(content)
        handle.flush()
        if sync:
            os.fsync(handle.fileno())


def _sync_files(folder: Path, names: list[str]) -> None:
    """The files just written into `folder` on disk before it is swapped in: one syncfs of its
    file system where Linux offers it (one journal commit; an fsync per file cost ~0.25 s for
    the samples' 37 files), else an fsync per file. OSError if they cannot be synced."""
    if not names or _syncfs(folder):
        return
    for name in names:
        descriptor = os.open(folder / name, os.O_RDONLY | os.O_NOFOLLOW)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _syncfs(folder: Path) -> bool:
    """Linux syncfs(2) of the file system holding `folder`; False where it is not offered or
    fails (the caller then syncs each file)."""
    import ctypes
    import sys

    if not sys.platform.startswith("linux"):
        return False
    try:
        syncfs = ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):
        return False
    descriptor = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        return bool(syncfs(descriptor) == 0)
    finally:
        os.close(descriptor)


def _link_or_copy(source, destination) -> None:
    """A hard link (the carried-over file is not modified), else a copy (never of a FIFO)."""
    try:
        os.link(source, destination, follow_symlinks=False)
    except OSError:
        shutil.copy2(source, destination, follow_symlinks=False)


def _write_in_place(files: dict[str, bytes], target: Path, removed: list[str]) -> None:
    """Fallback without a writable parent: each file written to a temporary name in `target`
    and renamed over the old one (a rename replaces a link, it never writes through it)."""
    for name, content in files.items():
        handle, temporary = tempfile.mkstemp(prefix=f".{name[:_NAME_KEPT]}.", dir=target)
        os.close(handle)
        try:
            os.unlink(temporary)
            _create(Path(temporary), content)
            os.replace(temporary, target / name)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    for path in removed:
        Path(path).unlink(missing_ok=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# ---------------------------------------------------------------- leftovers of killed builds
def _lock(folder: Path) -> int:
    """Hold an exclusive lock on `folder` while this build uses it (released at exit, even by
    SIGKILL), so the next build can tell a live temporary folder from a leftover."""
    import fcntl

    descriptor = os.open(
        folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)
    )
    fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return descriptor


def clean_leftovers(target: Path) -> list[str]:
    """Remove the temporary folders killed builds of `target` left beside it; returns them."""
    import fcntl

    # Exactly the names mkdtemp gives ours (8 characters of its alphabet after the prefix), so
    # that a folder of the user's called `.out.new-ideas` is never taken for one.
    pattern = re.compile(re.escape(f".{target.name[:_NAME_KEPT]}.") + r"(new|old)-[a-z0-9_]{8}")
    removed: list[str] = []
    try:
        names = sorted(os.listdir(target.parent))
    except OSError:
        return removed
    for name in names:
        if not pattern.fullmatch(name):
            continue
        path = target.parent / name
        if path.is_symlink() or not path.is_dir():
            continue
        try:
            descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        except OSError:
            continue
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(descriptor)
            continue  # a build is using it
        try:  # locked while it is removed: a build that just made it cannot start writing
            remove_tree(path)
        finally:
            os.close(descriptor)
        removed.append(str(path))
    return removed


def remove_tree(path: Path) -> None:
    """Remove a temporary folder of ours, read-only parts included (it may hold the old copy
    of a 0555 output folder); links inside are removed, never followed. Best effort.

    Never crosses a file system nor a mount: a folder on another device than `path`, and a
    folder or file mounted inside it from anywhere (a bind mount has the device of what holds
    it), is left in place with everything in it (shutil.rmtree has no such option, hence the
    walk).
    """
    try:
        top = os.lstat(path)
    except OSError:
        return
    if not stat.S_ISDIR(top.st_mode):
        return
    # The walk goes from the real path, so that its paths are spelt as the mount points are.
    _remove_folder(os.path.realpath(path), top.st_dev, frozenset(mounts_inside(path)))


def _remove_folder(top: str, device: int, mounted: frozenset[str]) -> None:
    # A stack, not recursion: a carried-over folder may nest deeper than Python's recursion limit.
    pending = [(top, False)]
    while pending:
        folder, emptied = pending.pop()
        if emptied:
            with contextlib.suppress(OSError):
                os.rmdir(folder)  # fails where a folder of another device was left inside
            continue
        with contextlib.suppress(OSError):
            os.chmod(folder, 0o700)
        pending.append((folder, True))
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
        except OSError:
            continue
        for entry in entries:
            if entry.path in mounted:  # not ours, wherever it comes from
                continue
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if stat.S_ISDIR(info.st_mode):
                if info.st_dev == device:  # another file system is not ours to empty
                    pending.append((entry.path, False))
                continue
            with contextlib.suppress(OSError):
                os.unlink(entry.path)


def _swap(fresh: Path, target: Path) -> None:
    """Put `fresh` in place of `target`: an atomic exchange where the OS offers one. What was
    written into the old folder while the build ran is moved into the new one before the old
    one is removed (`_rescue`)."""
    if not target.exists():
        try:
            os.rename(fresh, target)
            return
        except OSError as error:
            if error.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                raise
            # a concurrent build of the same folder put its output there first: replaced as
            # any earlier output is (the last build to finish is the output)
    if _exchange(fresh, target):
        _rescue(fresh, target)  # `fresh` holds the old contents now
        remove_tree(fresh)
        return
    backup = Path(tempfile.mkdtemp(prefix=f".{target.name[:_NAME_KEPT]}.old-", dir=target.parent))
    os.rmdir(backup)
    os.rename(target, backup)
    try:
        os.rename(fresh, target)
    except BaseException:
        os.rename(backup, target)
        raise
    _rescue(backup, target)
    remove_tree(backup)


def _rescue(old: Path, new: Path) -> None:
    """Move into the new output folder what was put into the old one after its entries were
    carried over (a file another tool or the user wrote there while the build ran), which
    removing the old folder would lose: an entry the new folder lacks is moved there whole, a
    folder both hold is gone through alike. What the new folder holds is never replaced, and
    the files an earlier build wrote (the old folder's manifest: stale pages, or a concurrent
    build's) are not the user's. Best effort: what cannot be moved (a read-only output folder)
    is removed with the old folder, as before."""
    skip: frozenset[str] = frozenset((MANIFEST,))
    with contextlib.suppress(ScenarioError, OSError):
        skip = skip | frozenset(read_manifest(old))
    pending: list[tuple[Path, Path, frozenset[str]]] = [(old, new, skip)]
    while pending:
        source, destination, built = pending.pop()
        try:
            names = sorted(os.listdir(source))
        except OSError:
            continue
        for name in names:
            if name in built:
                continue
            here, there = source / name, destination / name
            with contextlib.suppress(OSError):
                mine, theirs = os.lstat(here), _lstat(there)
                if theirs is None:
                    os.rename(here, there)
                elif (
                    stat.S_ISDIR(mine.st_mode)
                    and stat.S_ISDIR(theirs.st_mode)
                    and mine.st_dev == theirs.st_dev  # never into a mount
                ):
                    pending.append((here, there, frozenset()))


def _lstat(path: Path) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except FileNotFoundError:
        return None


def _exchange(first: Path, second: Path) -> bool:
    """Linux renameat2(RENAME_EXCHANGE): swap two directories in one step; False if unsupported."""
    import ctypes
    import sys

    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    renameat2.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    status = renameat2(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second), rename_exchange)
    return status == 0
