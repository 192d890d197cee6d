"""`scendsl check` kept across processes: a check whose inputs have not changed since it was
last run writes what it wrote then, without parsing, resolving or evaluating anything.

A cold check spent about 0.29 s of CPU, three quarters of it importing what it works with
(pydantic, Lark, the scenario types, the model): more than any change to its own work could
save. What a check writes is a function of

- the scenario files it read (each named or imported file, by the path it is shown as, the file
  that path leads to and its bytes) and which files the named folders hold;
- the package (every file of it: the code, the grammar, the catalog's data);
- the libraries that parse, validate and read the catalog (their installed versions), Python's
  version;
- the current folder (paths are shown as written) and the command's options.

An entry is kept under all of these (`files.kept`: sealed with this user's key, read making no
class at all) and written again only when each still holds: the folders are searched again and
every file read is hashed again (SHA-256 of its bytes). The last `MAX_KEPT_CHECKS` entries
written are kept. Deleting the cache is safe; without a usable cache folder every check runs
(`files.kept`).

Only a check that ends (passing, or failing `--strict` on its warnings) is kept: one stopped by
errors may name a file that is missing, which no file read can stand for. Nor is a check whose
files changed just before or while it ran (`files.settled`): a file's times are too coarse to
tell an edit made while the check read it, so its bytes might not be those the check read.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from importlib.util import find_spec
from typing import Any

from scendsl.defaults import VERSION
from scendsl.errors import DiagnosticSink
from scendsl.files import scenario_files
from scendsl.files.kept import (
    caching,
    digest,
    file_digest,
    keep,
    keep_newest,
    kept_files_digest,
    read_entry,
)
from scendsl.files.settled import ReadFiles, hashed_as_read

#: The libraries whose version can change what a check says: the parser, the models, the
#: catalog's TOML reader.
LIBRARIES = ("lark", "pydantic", "pydantic_core", "tomli")
_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_FORMAT = "check-1"
#: Check outputs kept at most (the last written): one is kept for each folder and paths checked,
#: which nothing else bounds (a script checking each of a thousand files in turn kept a thousand).
MAX_KEPT_CHECKS = 64
#: The package's digest, kept by its files' sizes and times (`_package_digest`).
_PACKAGE_ENTRY = (
    f"package-{hashlib.sha256(_PACKAGE.encode('utf-8', 'surrogatepass')).hexdigest()[:24]}.pickle"
)


#: The package's key while a check runs (`package_key`).
_RUNNING: ContextVar[bytes | None] = ContextVar("running_check_package", default=None)


@dataclass(frozen=True)
class CheckOutput:
    """What a check writes: its standard output (the JSON), its standard error (the text
    diagnostics and the summary line) and its exit code."""

    stdout: str
    stderr: str
    code: int


def kept_check(
    paths: Sequence[str],
    options: Sequence[str],
    run: Callable[[dict[str, str]], CheckOutput],
) -> CheckOutput:
    """The output of checking `paths` with `options` (every option of the command, as text):
    the kept one when nothing it was made from has changed, else `run(visited)`, which checks
    and fills `visited` with every scenario file read (shown path -> real path), then kept.
    What `run` raises (a ScenarioError) is raised, and nothing kept."""
    if not caching():
        return run({})
    started = time.time_ns()
    package = package_key()
    name, key = entry_name(paths), _request_key(paths, options, package)
    found = _discovered(paths)
    entry = read_entry(name, key, frozenset())
    if found is not None and _still_holds(entry, found):
        return CheckOutput(entry["stdout"], entry["stderr"], entry["code"])
    visited = ReadFiles()
    running = _RUNNING.set(package)
    try:
        output = run(visited)
    finally:
        _RUNNING.reset(running)
    inputs = _settled_inputs(visited, started)
    if (
        found is not None
        and inputs is not None
        and _discovered(paths) == found
        and _request_key(paths, options, package_key()) == key
    ):
        record = {"found": found, "inputs": inputs, **vars(output)}
        keep(name, key, record)
        keep_newest(entry_kind("check"), MAX_KEPT_CHECKS, name)
    return output


def _still_holds(entry: Any, found: list[Any]) -> bool:
    """Whether the kept `entry` was made from the files the folders hold now (`found`), each
    file it read still leading to the same file with the same bytes."""
    if not isinstance(entry, dict) or entry.get("found") != found:
        return False
    try:
        return all(
            os.path.realpath(shown) == real and file_digest(real) == hashed
            for shown, real, hashed in entry["inputs"]
        )
    except (OSError, ValueError, TypeError, KeyError):
        return False


def _discovered(paths: Sequence[str]) -> list[Any] | None:
    """[the scenario files `paths` name, the folder each found one is in], as the check
    searches them; None when the search itself finds a problem (the check will say it)."""
    sink = DiagnosticSink()
    roots: dict[str, str] = {}
    files = scenario_files(list(paths), sink, roots)
    return None if sink.diagnostics else [files, roots]


def _settled_inputs(visited: ReadFiles, started: int) -> list[tuple[str, str, bytes]] | None:
    """(shown path, real path, SHA-256) of each file read, or None when one is gone, changed
    too recently or changed since the check read it (`files.settled`) for its bytes now to be
    surely those the check read."""
    inputs = []
    for shown, real in sorted(visited.items()):
        try:
            hashed = hashed_as_read(visited, shown, real, started, file_digest)
        except OSError:
            return None
        if hashed is None:
            return None
        inputs.append((shown, real, hashed))
    return inputs


def entry_name(paths: Sequence[str], kind: str = "check") -> str:
    """One entry of each `kind` per package, current folder and paths checked (a newer check
    replaces it)."""
    named = "\0".join((_PACKAGE, os.getcwd(), *paths)).encode("utf-8", "surrogatepass")
    return f"{kind}-{hashlib.sha256(named).hexdigest()[:24]}.pickle"


def entry_kind(kind: str) -> re.Pattern[str]:
    """The names `entry_name` gives entries of `kind` (`check-` alone does not tell a check's
    from a `check-warnings-` entry)."""
    return re.compile(re.escape(kind) + r"-[0-9a-f]{24}\.pickle")


def _request_key(paths: Sequence[str], options: Sequence[str], package: bytes) -> bytes:
    """What the check's output rests on besides the scenario files: the package's files and
    the libraries' versions (`package`), the current folder, the paths and the options."""
    return digest(_FORMAT, os.getcwd(), str(len(paths)), *paths, *options, package)


def package_key() -> bytes:
    """What anything a check works out rests on besides its input: the package's files and
    version, the libraries' versions (Python's is in every key). While a check runs, the one
    it started with: the parts it keeps (`app.kept_warnings`) are keyed alike, and hashing
    the package again took 5 ms each time."""
    running = _RUNNING.get()
    if running is not None:
        return running
    return digest(_FORMAT, VERSION, *_library_versions(), _package_digest())


def _package_digest() -> bytes:
    """SHA-256 of the name and bytes of every file of the package (its caches apart), kept
    by their sizes and times (`files.kept.kept_files_digest`)."""
    files, names_in = [], []  # each file's path, and its name inside the package
    for top, folders, names in os.walk(_PACKAGE):
        folders[:] = sorted(f for f in folders if f != "__pycache__")
        # os.walk joins each folder under the one it is in: its name inside is what follows
        # the package's path (os.path.relpath of each file was half of this function's time).
        inside = top[len(_PACKAGE) + 1 :]
        for name in sorted(names):
            files.append(os.path.join(top, name))
            names_in.append(os.path.join(inside, name) if inside else name)
    return kept_files_digest(_PACKAGE_ENTRY, files, names_in)


def _library_versions() -> list[str]:
    """Each of `LIBRARIES` as installed: its distribution's metadata folder's name (which holds
    the version), found beside the library without importing it; its location and its file's
    size and time of change when there is none (a library not installed as a distribution)."""
    return [f"{library}: {_installed(library)}" for library in LIBRARIES]


def _installed(library: str) -> str:
    spec = find_spec(library)
    if spec is None or spec.origin is None:
        return "none"
    folder = os.path.dirname(spec.origin)
    if spec.submodule_search_locations is not None:  # a package: the folder it is in
        folder = os.path.dirname(folder)
    try:
        names = sorted(
            name
            for name in os.listdir(folder)
            if name.startswith(library + "-") and name.endswith(".dist-info")
        )
        info = os.stat(spec.origin)
    except OSError:
        return f"{spec.origin} unreadable"
    return " ".join(names) or f"{spec.origin} {info.st_size}:{info.st_mtime_ns}"
