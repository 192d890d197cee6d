"""One file policy for every command: which input files are read, and how output is written.

Reading (`check`, `eval`, `build`, `fmt`, ...):
- A folder named on the command line is searched recursively for `*.scn` files, in sorted order.
- A symbolic link inside it (to a file or a folder) that resolves outside that folder is refused
  with an error naming it, and never read. Links that stay inside are not followed as folders
  (what they point at is found anyway) and are read as files.
- Only regular files are opened: FIFOs, sockets and devices are refused without being opened
  (opening a FIFO blocks), and every file is opened non-blocking and checked with `fstat`, so
  a file swapped for a FIFO after the check cannot block either.
- An unreadable subfolder, a broken link or a file of another kind is an error, never skipped.

Writing (`build`, `fmt`):
- The build writes a new folder beside the output folder and swaps it in (an atomic exchange on
  Linux), so the output is the old build or the new one, never half. Temporary folders left by a
  killed build are removed by the next one (a live build holds a lock on its own).
- The output folder is not reached through a symbolic link: `-o` is refused when it, or any
  folder on its way, is a link, unless that link is also on the way to the current folder (as
  written by `os.getcwd()` or `$PWD`: a system link such as `/home -> /usr/home` above the
  project is fine, a link inside the project, `out -> ../victim`, or `~/public_html -> ...`
  is not). Every prefix of `-o` as written is checked, made absolute but not normalised (the
  OS resolves `evil/../x` through `evil`), so a relative and an absolute `-o` are judged alike.
- Nothing inside the output folder is followed: a symbolic link (or a folder) where a file of the
  build belongs is refused with an error naming it; files are created with `O_EXCL|O_NOFOLLOW`.
- The build never crosses a file system boundary: an output folder holding a mount point (a
  folder on another device) is refused before anything is copied, and removing a temporary
  folder never descends into a folder of another device.
- The output folder holds a manifest (`.scendsl-manifest`) of the files the build wrote; only
  those are replaced or removed as stale, and only if they are regular files: a name listed
  there that is a folder, a link or anything else is the user's and kept. Everything else in
  the folder is the user's and kept.
- `fmt` replaces a file through a temporary file in the same folder and `os.replace`.
- An operating-system refusal (disk full, read-only, a parent that is a file, a name too long, a
  symlink loop) is a clear error naming the path, never a traceback; the old output is kept.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import stat
import tempfile
from pathlib import Path

from scendsl.errors import Diagnostic, DiagnosticSink, ScenarioError, Span
from scendsl.terminal import visible_path as _p  # every path in a message: no line breaks

#: The list of files the last build wrote, kept in the output folder.
MANIFEST = ".scendsl-manifest"
_MANIFEST_HEAD = "# Files written by `scendsl build`; only these are replaced or removed by it.\n"
#: Only these files of a build may be listed in (and so removed through) the manifest.
GENERATED_SUFFIXES = (".md", ".html")
#: Temporary folder names keep this much of the output folder's name (a name of 250 characters
#: would otherwise make the temporary name longer than the 255 a file system allows).
_NAME_KEPT = 64

_KINDS = {
    stat.S_IFIFO: "a FIFO",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a device",
    stat.S_IFBLK: "a device",
    stat.S_IFDIR: "a folder",
}


def problem(message: str, path: str | None = None, hint: str | None = None) -> ScenarioError:
    """A user-facing file error; located at line 1 of `path` when one is given (a file)."""
    span = Span(path, 1, 1) if path is not None else None
    return ScenarioError([Diagnostic(message, span, hint)])


def reason(error: OSError) -> str:
    """The operating system's reason, in lower case: "no space left on device"."""
    text = error.strerror or str(error) or type(error).__name__
    return text[:1].lower() + text[1:]


def _kind(mode: int) -> str:
    return _KINDS.get(stat.S_IFMT(mode), "not a regular file")


# ------------------------------------------------------------------------------------ reading
def open_regular(path: str, *, follow_link: bool = True):
    """Open a regular file for reading in binary mode; OSError for anything else, never block.

    Opened non-blocking so that a FIFO put in the file's place does not block the open, then
    checked with fstat: only a regular file is returned. With `follow_link` False a symbolic
    link at `path` itself is refused (ELOOP).
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    descriptor = os.open(path, flags if follow_link else flags | os.O_NOFOLLOW)
    try:
        mode = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(mode):
            raise OSError(errno.EINVAL, f"not a regular file ({_kind(mode)})", path)
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


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


def _folder_files(top: str, sink: DiagnosticSink) -> list[str]:
    root = os.path.realpath(top)
    found: list[str] = []
    pending = [top]
    while pending:
        folder = pending.pop()
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as error:
            sink.error(
                f"cannot read folder '{_p(folder)}': {reason(error)}",
                None,
                "make it readable, or move it out of the folder",
            )
            continue
        subfolders = []
        for entry in entries:
            try:
                link = entry.is_symlink()
                is_folder = entry.is_dir(follow_symlinks=False)
            except OSError as error:
                sink.error(f"cannot read '{_p(entry.path)}': {reason(error)}", None)
                continue
            if not link and is_folder:
                subfolders.append(entry.path)
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
        pending.extend(reversed(subfolders))
    return found


# ------------------------------------------------------------------------------ writing a file
def replace_file(path: str, data: bytes) -> None:
    """Replace the file's content in one step (a crash leaves the old or the new file).

    A link named on the command line is kept and its target rewritten (naming it is consent);
    the discovery has already refused links that leave a named folder. OSError on failure.
    """
    target = os.path.realpath(path)
    folder, name = os.path.split(target)
    handle, temporary = tempfile.mkstemp(prefix=f".{name[:_NAME_KEPT]}.", suffix=".fmt", dir=folder)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        with contextlib.suppress(OSError):  # keep the file's permissions, not mkstemp's 0600
            os.chmod(temporary, stat.S_IMODE(os.stat(target).st_mode))
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


# ------------------------------------------------------------------------ the output folder
def check_output_folder(out_dir: str, paths: list[str]) -> None:
    """Refuse an output folder the build cannot or must not replace, before any work is done.

    Refused: the current directory or one of its parents, the home or root folder, a folder with
    `.git` or `pyproject.toml`, a folder that holds the scenarios, an existing file, a symlink
    loop or broken link, a path through a file, a name too long, a path through a symbolic link
    (see the module's docstring), a folder holding a mount point.
    """
    try:
        info = os.lstat(out_dir)
    except (FileNotFoundError, NotADirectoryError):
        info = None
    except OSError as error:
        raise problem(f"cannot use '{_p(out_dir)}' as the output folder: {reason(error)}") from None
    if info is not None:
        try:
            followed = os.stat(out_dir)
        except OSError as error:
            what = (
                "a symbolic link loop"
                if error.errno == errno.ELOOP
                else "a broken symbolic link"
                if stat.S_ISLNK(info.st_mode)
                else reason(error)
            )
            raise problem(f"cannot use '{_p(out_dir)}' as the output folder: {what}") from None
        if not stat.S_ISDIR(followed.st_mode):
            kind = "a file" if stat.S_ISREG(followed.st_mode) else _kind(followed.st_mode)
            raise problem(
                f"refusing to write the briefings into '{_p(out_dir)}': it is {kind}, not a folder",
                None,
                "name a folder (it is made if missing)",
            )
        try:  # the build carries the folder's other files over: it must read it
            os.listdir(out_dir)
        except OSError as error:
            raise problem(
                f"cannot use '{_p(out_dir)}' as the output folder: {reason(error)}"
            ) from None
    else:
        _check_missing_folder(out_dir)
    _refuse_linked_output(out_dir)
    target = Path(os.path.realpath(out_dir))
    cwd = Path(os.path.realpath(os.getcwd()))
    why = None
    if target in (Path(target.anchor), Path(os.path.realpath(os.path.expanduser("~")))):
        why = "it is the root or home folder"
    elif cwd == target or target in cwd.parents:
        why = "it holds the current directory"
    elif os.path.lexists(target / ".git") or os.path.lexists(target / "pyproject.toml"):
        why = "it holds a project (.git or pyproject.toml)"
    else:
        for path in paths:
            real = Path(os.path.realpath(path))
            if real == target or target in real.parents:
                why = f"it holds the scenario files ({path})"
                break
    if why:
        raise problem(
            f"refusing to write the briefings into '{_p(out_dir)}': {why}",
            None,
            "the build replaces its output folder as a whole: give it a folder of its "
            "own, such as out/",
        )


def _refuse_linked_output(out_dir: str) -> None:
    """Refuse an output folder reached through a symbolic link not on the way to the cwd.

    Every prefix of the path as written is checked (not a normalised one: the OS resolves
    `evil/../x` through the link `evil`, and `out/` follows the link `out`).
    """
    cwd_ways = {os.path.normpath(os.getcwd())}
    logical = os.environ.get("PWD")
    if logical and os.path.isabs(logical):
        with contextlib.suppress(OSError):
            if os.path.samefile(logical, os.getcwd()):
                cwd_ways.add(os.path.normpath(logical))
    written = out_dir if os.path.isabs(out_dir) else os.path.join(os.getcwd(), out_dir)
    prefix = os.path.splitdrive(written)[0] + os.sep
    climbed = False
    for part in written.split(os.sep):
        if part in ("", "."):
            continue
        prefix = os.path.join(prefix, part)
        if part == "..":
            climbed = True
            continue
        if not os.path.islink(prefix):
            continue
        if not climbed and any(
            way == prefix or way.startswith(prefix.rstrip(os.sep) + os.sep) for way in cwd_ways
        ):
            continue  # a link the current folder itself is reached through: the user's setup
        shown = (
            "it is"
            if os.path.normpath(prefix) == os.path.normpath(written)
            else f"'{_p(prefix)}' is"
        )
        raise problem(
            f"refusing to write the briefings into '{_p(out_dir)}': {shown} a symbolic link",
            None,
            "the build replaces what it finds there: name the real folder, or remove the link",
        )


def _refuse_mounts(target: Path, shown: Path) -> None:
    """Refuse an output folder that holds a folder of another device (a mount point): the build
    copies and removes the folder's contents, and must never do so on another file system."""
    device = os.lstat(target).st_dev
    pending = [target]
    while pending:
        folder = pending.pop()
        with os.scandir(folder) as listing:
            for entry in listing:
                info = entry.stat(follow_symlinks=False)
                if not stat.S_ISDIR(info.st_mode):
                    continue
                if info.st_dev != device:
                    inside = Path(entry.path).relative_to(target)
                    raise problem(
                        f"refusing to write the briefings into '{_p(shown)}': "
                        f"'{_p(shown / inside)}' is on another file system (a mount "
                        "point)",
                        None,
                        "unmount it, or build into another folder",
                    )
                pending.append(Path(entry.path))


def _check_missing_folder(out_dir: str) -> None:
    """A folder to be made: every part of its path that exists must be a folder."""
    for part in Path(out_dir).parts:
        if len(os.fsencode(part)) > 255:
            raise problem(
                f"cannot use '{_p(out_dir)}' as the output folder: a name is longer than 255 bytes"
            )
    ancestor = os.path.dirname(os.path.abspath(out_dir))
    while True:
        try:
            info = os.stat(ancestor)
        except (FileNotFoundError, NotADirectoryError):
            ancestor = os.path.dirname(ancestor)
            continue
        except OSError as error:
            raise problem(
                f"cannot use '{_p(out_dir)}' as the output folder: '{_p(ancestor)}': "
                f"{reason(error)}"
            ) from None
        if not stat.S_ISDIR(info.st_mode):
            raise problem(
                f"cannot use '{_p(out_dir)}' as the output folder: '{_p(ancestor)}' is not a folder"
            )
        return


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
    return [name for name in text.split("\n") if _ours(name)]


def _ours(name: str) -> bool:
    """A name the build may write: a plain top-level file name with one of our suffixes."""
    return (
        bool(name)
        and "/" not in name
        and "\\" not in name
        and "\0" not in name
        and not name.startswith(".")
        and name.endswith(GENERATED_SUFFIXES)
    )


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

    Raises ScenarioError naming the path for every refusal of the file system; the old folder
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
    target = Path(os.path.realpath(folder))
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
    prefix = f".{target.name[:_NAME_KEPT]}.new-"
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
        _write_in_place(content, target, removed)
        return [str(target / name) for name in files], removed
    lock = _lock(fresh)
    try:
        if exists:
            skip = set(content) | set(stale)
            for entry in sorted(target.iterdir()):  # keep what is not ours
                if entry.name in skip:
                    continue
                _carry_over(entry, fresh / entry.name)
        for name, data in content.items():
            _create(fresh / name, data)
        # The mode last: a read-only output folder (0555) stays read-only, but is written first.
        os.chmod(fresh, (target.stat().st_mode & 0o7777) if exists else 0o777 & ~_umask())
        _swap(fresh, target)
    except BaseException:
        remove_tree(fresh)
        raise
    finally:
        os.close(lock)
    return [str(target / name) for name in files], removed


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
    if entry.is_symlink():
        os.symlink(os.readlink(entry), destination)  # the link itself, never what it points at
    elif entry.is_dir():
        shutil.copytree(entry, destination, symlinks=True, copy_function=_link_or_copy)
    else:
        _link_or_copy(entry, destination)


def _create(path: Path, content: bytes) -> None:
    """A new file (never an existing one, never through a link), written and synced."""
    descriptor = os.open(
        path,
        os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0),
        0o666,
    )
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())


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
            continue  # a build is using it
        finally:
            os.close(descriptor)
        remove_tree(path)
        removed.append(str(path))
    return removed


def remove_tree(path: Path) -> None:
    """Remove a temporary folder of ours, read-only parts included (it may hold the old copy
    of a 0555 output folder); links inside are removed, never followed. Best effort.

    Never crosses a file system: a folder on another device than `path` (a mount point) is
    left in place with everything in it (shutil.rmtree has no such option, hence the walk).
    """
    try:
        top = os.lstat(path)
    except OSError:
        return
    if not stat.S_ISDIR(top.st_mode):
        return
    _remove_folder(str(path), top.st_dev)


def _remove_folder(top: str, device: int) -> None:
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
    """Put `fresh` in place of `target`: an atomic exchange where the OS offers one."""
    if not target.exists():
        os.rename(fresh, target)
        return
    if _exchange(fresh, target):
        remove_tree(fresh)  # now the old contents; else the next build's
        return
    backup = Path(tempfile.mkdtemp(prefix=f".{target.name[:_NAME_KEPT]}.old-", dir=target.parent))
    os.rmdir(backup)
    os.rename(target, backup)
    try:
        os.rename(fresh, target)
    except BaseException:
        os.rename(backup, target)
        raise
    remove_tree(backup)


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
