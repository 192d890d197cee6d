"""The `.scn` files of a git revision, written to a folder: what `scendsl diff --git` compares.

Three git processes whatever the number of files: `rev-parse` (the repository and the tree),
one `ls-tree -r -l` (names and sizes, from the object headers) and one `cat-file --batch`
(the contents, streamed one blob at a time). A blob larger than the parser's limit is refused
from its size alone, before any of it is read, and so are files larger together than
MAX_SNAPSHOT_BYTES. Paths on the command line, relative or absolute,
are taken relative to the repository's top folder, so both spellings name the same files.
"""

from __future__ import annotations

import os
import subprocess
import threading
from dataclasses import replace

from scendsl.errors import EXIT_INPUT, EXIT_USAGE, Diagnostic, ScenarioError, ScendslError, Span
from scendsl.language.parse import MAX_FILE_BYTES
from scendsl.terminal import visible_path

#: Modes of the tree entries that are files (symbolic links and submodules are not copied).
_FILE_MODES = ("100644", "100755")
#: Bytes of the `.scn` files one snapshot writes, over all its files: a tree may name one blob
#: under any number of paths, and git stores a blob compressed, so a repository of 180 KB
#: named 320 MB of scenario files (40 paths to one 8 MiB blob of `#`) and some 32 GB with
#: 4,000, all written to the temporary folder and then read.
MAX_SNAPSHOT_BYTES = 8 * MAX_FILE_BYTES


class GitSnapshotError(ScendslError):
    """The revision or a path cannot be used; `usage` marks a misuse of the command line."""

    def __init__(self, message: str, usage: bool = False) -> None:
        super().__init__(message)
        self.usage = usage
        self.exit_code = EXIT_USAGE if usage else EXIT_INPUT


def _git(args: list[str], cwd: str | None = None) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=True)
    except OSError as error:
        raise GitSnapshotError(f"cannot run git: {error.strerror or error}") from None
    except subprocess.CalledProcessError as error:
        detail = error.stderr.decode("utf-8", "replace").strip() or f"git {args[0]} failed"
        raise GitSnapshotError(detail) from None
    return done.stdout.decode("utf-8", "surrogateescape")


def repository_paths(paths: list[str], cwd: str | None = None) -> tuple[str, list[str]]:
    """The repository's top folder and `paths` relative to it ('/'-separated).

    A path outside the repository is a usage error: the revision knows nothing of it."""
    try:
        top = _git(["rev-parse", "--show-toplevel"], cwd).rstrip("\n")
    except GitSnapshotError as error:
        raise GitSnapshotError(f"not inside a git repository: {error}") from None
    top_real = os.path.realpath(top)
    base = os.path.realpath(cwd or os.getcwd())
    relative = []
    for path in paths:
        real = os.path.realpath(os.path.join(base, path))
        inside = os.path.relpath(real, top_real)
        if inside == os.pardir or inside.startswith(os.pardir + os.sep) or os.path.isabs(inside):
            raise GitSnapshotError(
                f"'{visible_path(path)}' is outside the git repository at {visible_path(top)}",
                usage=True,
            )
        relative.append("" if inside == os.curdir else inside.replace(os.sep, "/"))
    return top_real, relative


def snapshot(rev: str, paths: list[str], into: str, cwd: str | None = None) -> list[str]:
    """Write the `.scn` files under `paths` as they were at `rev` into `into`.

    Returns the paths inside `into` that correspond to `paths` and exist at `rev`. Raises
    GitSnapshotError for a bad revision or a path outside the repository, ScenarioError
    (located at `REV:path`) for files over the parser's size limit."""
    if not rev or rev.startswith("-"):
        raise GitSnapshotError(f"'{visible_path(rev)}' is not a revision", usage=True)
    top, relative = repository_paths(paths, cwd)
    tree = _tree_of(rev, top)
    if not tree:
        raise GitSnapshotError(
            f"cannot read revision '{visible_path(rev)}': no such commit or tree"
        )
    pathspecs = relative if all(relative) else []  # '' is the whole repository
    listing = _git(
        ["--literal-pathspecs", "ls-tree", "-r", "-z", "-l", "--full-tree", tree, "--", *pathspecs],
        top,
    )
    wanted: list[tuple[str, str]] = []  # (object id, path)
    too_large: list[Diagnostic] = []
    total = 0
    for entry in filter(None, listing.split("\0")):
        meta, name = entry.split("\t", 1)
        mode, kind, oid, size = meta.split()
        if kind != "blob" or mode not in _FILE_MODES or not name.endswith(".scn"):
            continue
        total += int(size)
        if int(size) <= MAX_FILE_BYTES and total > MAX_SNAPSHOT_BYTES and not too_large:
            too_large.append(
                Diagnostic(
                    f"the scenario files at revision {rev} are larger than the "
                    f"{MAX_SNAPSHOT_BYTES // (1024 * 1024)} MiB a revision's copy may hold, "
                    f"from this file on",
                    Span(f"{rev}:{name}", 1, 1),
                    "name fewer files or folders after the revision",
                )
            )
        if int(size) > MAX_FILE_BYTES:
            too_large.append(
                Diagnostic(
                    f"file is larger than the {MAX_FILE_BYTES // (1024 * 1024)} MiB limit "
                    f"({int(size):,} bytes at revision {rev})",
                    Span(f"{rev}:{name}", 1, 1),
                )
            )
            continue
        wanted.append((oid, name))
    if too_large:
        raise ScenarioError(too_large)
    _write_blobs(wanted, top, into, rev)
    inside = [os.path.join(into, *p.split("/")) if p else into for p in relative]
    return [path for path in inside if os.path.exists(path)]


def _tree_of(rev: str, top: str) -> str:
    """The object id of the tree of revision `rev`, or "" when git knows no such commit or
    tree. `:/text` (the newest commit whose message matches) reads a `^{tree}` written after
    it as part of the text, so a name that fails so is resolved first, then its tree asked
    for by the id git gave (one process for every other name, as before)."""

    def verified(name: str, *options: str) -> str:
        try:
            return _git(["rev-parse", "--verify", "--quiet", *options, name], top).strip()
        except GitSnapshotError:
            return ""

    tree = verified(f"{rev}^{{tree}}", "--end-of-options")
    if not tree:
        named = verified(rev, "--end-of-options")
        tree = verified(f"{named}^{{tree}}") if named else ""
    return tree


def at_revision(diagnostics: list[Diagnostic], into: str, rev: str) -> list[Diagnostic]:
    """`diagnostics` about the copies written under `into` told at `REV:path`, as the user
    names the files of a revision (and as the snapshot's own errors are told): the temporary
    folder is the tool's, and gone when the message is read."""
    folders = {os.path.join(into, ""), os.path.join(os.path.realpath(into), "")}

    def path(file: str) -> str:
        for folder in folders:
            if file.startswith(folder):
                return f"{rev}:{file[len(folder) :].replace(os.sep, '/')}"
        return file

    def text(value: str | None) -> str | None:
        if value is None:
            return None
        for folder in sorted(folders, key=len, reverse=True):
            value = value.replace(folder, f"{rev}:")
        return value

    def span(place: Span | None) -> Span | None:
        return None if place is None else replace(place, file=path(place.file))

    return [
        replace(
            d,
            span=span(d.span),
            related=tuple((note, replace(at, file=path(at.file))) for note, at in d.related),
            message=text(d.message) or d.message,
            hint=text(d.hint),
            text=text(d.text),
        )
        for d in diagnostics
    ]


def _write_blobs(wanted: list[tuple[str, str]], top: str, into: str, rev: str) -> None:
    """Every (object id, path) written under `into` through one `git cat-file --batch`."""
    if not wanted:
        return
    into_real = os.path.realpath(into)
    process = subprocess.Popen(
        ["git", "cat-file", "--batch"],
        cwd=top,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert process.stdin is not None and process.stdout is not None  # both are pipes
    stdin, stdout = process.stdin, process.stdout

    def feed() -> None:
        # From a thread: git answers while we are still asking, and both pipes are finite.
        try:
            for oid, _ in wanted:
                stdin.write(oid.encode("ascii") + b"\n")
            stdin.close()
        except (BrokenPipeError, OSError):
            pass

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    try:
        for oid, name in wanted:
            header = stdout.readline().split()
            if len(header) != 3 or header[1] != b"blob":
                raise GitSnapshotError(f"git cat-file gave no blob for {name} ({oid})")
            size = int(header[2])
            target = os.path.join(into_real, *name.split("/"))
            # Names come from git's tree, which never holds '..' or absolute paths; checked
            # anyway, since a file written outside the folder would be silent.
            if os.path.commonpath([into_real, os.path.realpath(target)]) != into_real:
                raise GitSnapshotError(f"refusing to write {name} outside the snapshot folder")
            try:
                os.makedirs(os.path.dirname(target), exist_ok=True)
                handle = open(target, "xb")  # noqa: SIM115 (closed below; a name twice: refused)
            except OSError as error:
                # A tree git would not check out (made with `git mktree`, fetched without
                # fsck): the same name as a file and a folder, or twice.
                raise GitSnapshotError(
                    f"cannot copy '{visible_path(name)}' from revision '{visible_path(rev)}': "
                    f"{error.strerror or error} (the revision's tree holds a name twice?)"
                ) from None
            with handle:
                left = size
                while left:
                    chunk = stdout.read(min(left, 1 << 20))
                    if not chunk:
                        raise GitSnapshotError(f"git cat-file ended early reading {name}")
                    handle.write(chunk)
                    left -= len(chunk)
            stdout.read(1)  # the newline after each object
    finally:
        stdout.close()
        if process.poll() is None:  # stopped early: git need not finish the list
            process.kill()
        process.wait()
        writer.join()
