"""Reading: which `.scn` files a command reads, and opening only regular files.

A folder is searched recursively in sorted order; a link inside it that leaves it is refused;
FIFOs, sockets and devices are refused without being opened (see `scendsl.files`).
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Callable, Iterator
from itertools import islice

from scendsl.errors import DiagnosticSink, Span
from scendsl.files.problems import _kind, reason
from scendsl.terminal import visible_path as _p  # every path in a message: no line breaks


# ------------------------------------------------------------------------------------ reading
def open_regular(path: str, *, follow_link: bool = True, inside: str | None = None):
    """Open a regular file for reading in binary mode; OSError for anything else, never block.

    Opened non-blocking so that a FIFO put in the file's place does not block the open, then
    checked with fstat: only a regular file is returned. With `follow_link` False a symbolic
    link at `path` itself is refused (ELOOP). With `inside` (a folder), the file opened must be
    one inside that folder: the check of the discovery or of an import is done again on what
    was opened, so a link swapped in after it (to a file outside) is refused, not read.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    descriptor = os.open(path, flags if follow_link else flags | os.O_NOFOLLOW)
    return _regular_file(descriptor, path, inside)


def _regular_file(descriptor: int, path: str, inside: str | None = None):
    """The open `descriptor` as a binary file, if it is a regular file (with `inside`, one in
    that folder, as `open_regular` says); else it is closed and OSError raised."""
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, f"not a regular file ({_kind(info.st_mode)})", path)
        if inside is not None:
            _refuse_outside(path, info, inside)
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


def open_beneath(folder: str, name: str):
    """Open the regular file `name` in `folder` (an absolute real path, as `realpath` gives it)
    for reading in binary mode, through no symbolic link at all: every folder from the root
    down, and the file, is opened with O_NOFOLLOW, so a folder on the way replaced by a link
    (to anywhere) is refused (ELOOP), never followed; the file as `open_regular` opens it (non-
    blocking, a regular file only). OSError for anything else.

    For a folder fixed once and read for as long as a process runs (`serve`'s output folder):
    `open_regular(..., inside=...)` resolves `inside` again at each call, so it would follow a
    link put in place of the folder itself."""
    if not os.path.isabs(folder) or not name or name in (".", "..") or os.sep in name:
        raise OSError(errno.EINVAL, "not a plain file name in an absolute folder", name)
    flags = os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    descriptor = os.open(os.sep, flags | getattr(os, "O_DIRECTORY", 0))
    try:
        for part in [p for p in folder.split(os.sep) if p]:
            inner = os.open(part, flags | getattr(os, "O_DIRECTORY", 0), dir_fd=descriptor)
            os.close(descriptor)
            descriptor = inner
        file = os.open(name, flags | os.O_NONBLOCK, dir_fd=descriptor)
    finally:
        os.close(descriptor)
    return _regular_file(file, name)


def _refuse_outside(path: str, opened: os.stat_result, inside: str) -> None:
    """OSError unless the file opened (`opened`: its fstat) is the file `path` leads to now and
    that file lies inside the folder `inside`."""
    root, real = os.path.realpath(inside), os.path.realpath(path)
    now = None
    if os.path.commonpath([root, real]) == root:
        with contextlib.suppress(OSError):
            now = os.stat(real)
    if now is None or (now.st_dev, now.st_ino) != (opened.st_dev, opened.st_ino):
        raise OSError(
            errno.EACCES,
            f"it leads outside '{_p(inside)}' (a link changed after the folder was searched)",
            path,
        )


def scenario_files(
    paths: list[str],
    sink: DiagnosticSink,
    roots: dict[str, str] | None = None,
    *,
    empty_is_error: bool = True,
) -> list[str]:
    """The `.scn` files named by `paths` (files, or folders searched recursively, sorted).

    Problems go to `sink` as errors naming the path. `roots` receives, for each file found in a
    named folder, that folder (its imports may reach anywhere inside it).
    """
    files: list[str] = []
    for path in paths:
        try:
            info = os.stat(path)
        except OSError as error:
            if error.errno == errno.ENOENT and not os.path.lexists(path):
                sink.error(f"'{_p(path)}' does not exist", None)
            else:
                sink.error(f"cannot read '{_p(path)}': {reason(error)}", None)
            continue
        if stat.S_ISDIR(info.st_mode):
            found = _folder_files(path, sink)
            if not found and empty_is_error:
                sink.error(f"no .scn files in '{_p(path)}'", None)
            files.extend(found)
            if roots is not None:
                roots.update((file, path) for file in found)
        elif stat.S_ISREG(info.st_mode):
            if path.endswith(".scn"):
                files.append(path)  # named on the command line: read, wherever a link points
            else:  # never parse, and so quote, a file that is not a scenario
                _refuse(sink, path, f"'{_p(path)}' is not a scenario file (.scn)")
        else:
            _refuse(
                sink, path, f"'{_p(path)}' is {_kind(info.st_mode)}, not a file; it is not read"
            )
    return list(dict.fromkeys(files))


def _refuse(sink: DiagnosticSink, file: str, message: str, hint: str | None = None) -> None:
    sink.sources.setdefault(file, "")  # never read a refused file to quote a line
    sink.error(message, Span(file, 1, 1), hint)


def walk(
    top: str, on_error: Callable[[str, OSError], object] | None = None, most: int | None = None
) -> Iterator[tuple[str, list[os.DirEntry[str]], list[os.DirEntry[str]]]]:
    """`os.walk(top)` without recursion: (folder, its subfolders, its other entries) from the
    top down, each list sorted by name, links never followed (a link to a folder is among the
    other entries); a subfolder the caller removes from the list it was given is not entered.
    Python's own walk recurses (before 3.12), so a folder nested deeper than its recursion limit
    (1,000) among a user's files ended in a RecursionError; this walks any depth in bounded
    stack. A folder that cannot be read is passed over, after `on_error(folder, error)`. With
    `most`, no more than that many entries of each folder are read (in the order the system
    lists them, then sorted)."""
    pending = [top]
    while pending:
        folder = pending.pop()
        try:
            with os.scandir(folder) as listing:
                entries = sorted(islice(listing, most), key=lambda e: e.name)
        except OSError as error:
            if on_error is not None:
                on_error(folder, error)
            continue
        subfolders: list[os.DirEntry[str]] = []
        others: list[os.DirEntry[str]] = []
        for entry in entries:
            try:
                is_folder = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_folder = False
            (subfolders if is_folder else others).append(entry)
        yield folder, subfolders, others
        pending.extend(entry.path for entry in reversed(subfolders))


def is_hidden(name: str) -> bool:
    """Whether a file or folder named `name`, found in a folder being searched, is passed over:
    a hidden name (one starting with a dot). A file named on the command line or by an import
    is read whatever its name."""
    return name.startswith(".")


def _folder_files(top: str, sink: DiagnosticSink) -> list[str]:
    root = os.path.realpath(top)
    found: list[str] = []

    def unreadable(folder: str, error: OSError) -> None:
        sink.error(
            f"cannot read folder '{_p(folder)}': {reason(error)}",
            None,
            "make it readable, or move it out of the folder",
        )

    for _folder, subfolders, entries in walk(top, unreadable):
        # What others keep beside the scenarios is theirs, not a scenario: a hidden name
        # (an editor's lock or swap file, `.#s.scn`; macOS's `._s.scn`; `.git`, `.venv`) is
        # passed over, a folder not entered, as git, ripgrep and pytest pass them over.
        subfolders[:] = [folder for folder in subfolders if not is_hidden(folder.name)]
        for entry in entries:
            if is_hidden(entry.name):
                continue
            try:
                link = entry.is_symlink()
            except OSError as error:
                sink.error(f"cannot read '{_p(entry.path)}': {reason(error)}", None)
                continue
            if link:
                real = os.path.realpath(entry.path)
                if os.path.commonpath([root, real]) != root:
                    if entry.name.endswith(".scn") or os.path.isdir(entry.path):
                        what = "folder" if os.path.isdir(entry.path) else "file"
                        _refuse(
                            sink,
                            entry.path,
                            f"'{_p(entry.path)}' links to a {what} outside '{_p(top)}'",
                            "name that file on the command line instead",
                        )
                    continue
                if os.path.isdir(real):
                    continue  # inside the folder: its files are found where they really are
            if not entry.name.endswith(".scn"):
                continue
            try:
                info = os.stat(entry.path)
            except OSError as error:
                _refuse(
                    sink,
                    entry.path,
                    f"cannot read '{_p(entry.path)}': "
                    + ("a broken or looping link" if link else reason(error)),
                )
                continue
            if stat.S_ISREG(info.st_mode):
                found.append(entry.path)
            else:
                _refuse(
                    sink,
                    entry.path,
                    f"'{_p(entry.path)}' is {_kind(info.st_mode)}, not a file; it is not read",
                )
    return found
