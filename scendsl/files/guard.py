"""The output-folder guard: refuse, before any work, an output folder the build must not replace.

The project, home or root folder, the scenarios' folder, a path through a file or through a
symbolic link (not on the way to the current folder), a mount point or a folder holding one.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
from pathlib import Path

from scendsl.files.problems import _kind, problem, reason
from scendsl.terminal import visible_path as _p  # every path in a message: no line breaks

# -------------------------------------------------------------------------- an output file
#: What an output file may never be: a scenario file (the input itself, an import, or a file
#: the next `check` of its folder would read as one).
SCENARIO_SUFFIX = ".scn"


def check_output_file(path: str) -> None:
    """Refuse, before any work, a file a command would write a table or export to when it is a
    scenario file (its name as written or the file it leads to ends in `.scn`, in any case:
    `eval -o one.scn` replaced the scenario with CSV) or is not a regular file (a folder, a
    FIFO, a device: `eval -o /dev/null` replaced the device with a file)."""
    for name in (path, os.path.realpath(path)):
        if os.path.basename(name).lower().endswith(SCENARIO_SUFFIX):
            raise problem(
                f"refusing to write the table to '{_p(path)}': it is a scenario file "
                f"({SCENARIO_SUFFIX})",
                None,
                "name a file ending in .csv or .xlsx",
            )
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return  # a new file, or one the write reports
    if not stat.S_ISREG(mode):
        # The file is replaced as a whole: a device (`-o /dev/null`) or a FIFO would become a
        # regular file for every other program.
        raise problem(
            f"refusing to write the table to '{_p(path)}': it is {_kind(mode)}, not a file",
            None,
            "name a regular file, or leave out -o to write the table to standard output",
        )


# ------------------------------------------------------------------------ the output folder
def check_output_folder(out_dir: str, paths: list[str]) -> None:
    """Refuse an output folder the build cannot or must not replace, before any work is done.

    Refused: the current directory or one of its parents, the home or root folder, a folder with
    `.git` or `pyproject.toml`, a folder that holds the scenarios, an existing file, a symlink
    loop or broken link, a path through a file, a name too long, a path through a symbolic link
    (see the module's docstring), a mount point.
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
        _refuse_mount_point(out_dir)
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
    elif (kept := _kept_inside(target)) is not None:
        raise problem(
            f"refusing to write the briefings into '{_p(out_dir)}': {kept}",
            None,
            "point XDG_STATE_HOME, SCENDSL_CACHE_DIR and XDG_CACHE_HOME outside the output "
            "folder (unset, they are ~/.local/state and ~/.cache)",
        )
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


def _kept_inside(target: Path) -> str | None:
    """Why `target` cannot be the output folder when this user's cache key or caches would lie
    in it (`XDG_STATE_HOME`, `SCENDSL_CACHE_DIR`, `XDG_CACHE_HOME` set inside it): the folder is
    what gets committed or published, and the build keeps the files it did not write, so the
    key that seals every cache entry would be published with the briefings. None otherwise."""
    from scendsl.files.private import cache_root, state_folder

    kept = (
        ("the key that seals this user's caches (XDG_STATE_HOME)", state_folder()),
        ("this user's caches (SCENDSL_CACHE_DIR or XDG_CACHE_HOME)", cache_root()),
    )
    for what, folder in kept:
        if folder is None:
            continue
        real = Path(os.path.realpath(folder))
        if real == target or target in real.parents:
            return f"{what} would be kept in it, and published with it"
    return None


def output_folder_now(out_dir: str) -> str:
    """The real path the build writes the output folder `out_dir` at, resolved now: links on
    the way to the current folder followed (the project moved behind a link), any other link
    refused (ScenarioError). One rule for the writer and for `serve`, which resolves it again
    at each request, so it serves where the last build wrote, never through a link the build
    would refuse."""
    _refuse_linked_output(out_dir)
    return os.path.realpath(out_dir)


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


#: Where Linux lists the mount points this process sees, one a line, the fifth field.
_MOUNTINFO = "/proc/self/mountinfo"


def mount_points() -> frozenset[str]:
    """Every mount point this process sees, as real paths (Linux's `/proc/self/mountinfo`; an
    empty set where there is none). A bind mount of a folder or a file of the same file system
    has the device of what holds it, so `st_dev` alone does not find it."""
    try:
        with open(_MOUNTINFO, "rb") as listing:
            lines = listing.read(16 * 1024 * 1024).splitlines()
    except OSError:
        return frozenset()
    points = set()
    for line in lines:
        fields = line.split(b" ")
        if len(fields) > 4:  # blanks, tabs, line breaks and backslashes are written in octal
            written = re.sub(rb"\\([0-7]{3})", lambda m: bytes([int(m[1], 8) & 0xFF]), fields[4])
            points.add(os.fsdecode(written))
    return frozenset(points)


def mounts_inside(folder: str | Path) -> list[str]:
    """The mount points strictly inside `folder` (its real path), sorted."""
    top = os.path.join(os.path.realpath(folder), "")
    return sorted(point for point in mount_points() if point.startswith(top))


def _refuse_mounts(target: Path, shown: Path) -> None:
    """Refuse an output folder that holds a mount point (a folder of another device, or a
    folder or file mounted there from the same file system): the build copies and removes the
    folder's contents, and must never do so on another file system, nor through a bind mount
    into a folder elsewhere."""
    mounted = [Path(point) for point in mounts_inside(target)]
    device = os.lstat(target).st_dev
    pending = [target]
    while pending and not mounted:
        folder = pending.pop()
        with os.scandir(folder) as listing:
            for entry in listing:
                info = entry.stat(follow_symlinks=False)
                if not stat.S_ISDIR(info.st_mode):
                    continue
                if info.st_dev != device:
                    mounted.append(Path(entry.path))
                    break
                pending.append(Path(entry.path))
    if mounted:
        inside = mounted[0].relative_to(os.path.realpath(target))
        raise problem(
            f"refusing to write the briefings into '{_p(shown)}': "
            f"'{_p(shown / inside)}' is a mount point",
            None,
            "unmount it, or build into another folder",
        )


def _refuse_mount_point(out_dir: str) -> None:
    """Refuse an output folder that is itself a mount point: the build puts a new folder in its
    place, and a mount point cannot be replaced."""
    real = os.path.realpath(out_dir)
    if real in mount_points() or os.path.ismount(real):
        raise problem(
            f"refusing to write the briefings into '{_p(out_dir)}': it is a mount point",
            None,
            "the build replaces its output folder as a whole: build into a folder inside it",
        )


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
