"""The build cache: work a build has done before, found again by the hash of what it depends on.

Five kinds of entries, each keyed by a SHA-256 of its inputs and of the *fingerprint* (the
contents of every file of the scendsl package and of its built-in templates, the versions of the
libraries that shape the bytes, Python's version, and the matplotlibrc files matplotlib reads):

- `chart`: a chart's SVG, by its job (the plain data it is drawn from);
- `html`: a page's cleaned HTML body, by the page's rendered Markdown;
- `page`: the names of a scenario's two files (Markdown and HTML, `blob` entries) with the
  built-in templates, by what the page is made from (`build.scenario_page_keys`): after an
  edit, the pages of the scenarios it did not change are not rendered again;
- `run`: a scenario's Monte Carlo run, by the scenario as resolved, the samples and the seed
  (read back making no class but a run's: `files.kept.unpickle_only`);
- `build`: a whole build, by its options and the contents of every file it read (the scenario
  files and their imports, the templates folder); the output files are `blob` entries by hash.

The cache never changes the output: an entry is used only when every input it was made from
is the same, and each entry is sealed with this user's key (`files.private.CacheSeal`: an HMAC
of its name and bytes, the key kept outside the caches), checked when read, so a corrupted,
truncated, hand-written or restored entry is ignored (and redone). Writes are atomic (a temporary name, then a
rename); a cache folder that cannot be read or written, or that is not this user's alone (its
`v1` folder owned by another or writable by others, or a folder above it where another user
could swap it: owned by someone else than this user or root, or writable by others without
the sticky bit), is ignored. An entry is read only as a regular file, never through a link,
never from a FIFO. Deleting the folder is safe;
a build that made something new trims the oldest entries beyond MAX_CACHE_BYTES.

Where: the `v1` folder of `files.private.cache_root()`: `SCENDSL_CACHE_DIR` if set (empty: no
cache of any kind), else `$XDG_CACHE_HOME/scendsl`, else `~/.cache/scendsl` — never inside the
output folder. The grammar's analysis and the compiled templates live beside it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import sys
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scendsl.files.private import CacheSeal

#: Bumped when the layout of the entries changes (old entries are then simply not found).
_FORMAT = "1"
#: Libraries whose version can change the bytes of a briefing.
_LIBRARIES = ("jinja2", "markdown", "markupsafe", "matplotlib", "nh3", "numpy", "pydantic", "lark")
#: After a build that made something new, the oldest entries are removed while the cache holds
#: more than this (down to three quarters of it).
MAX_CACHE_BYTES = 512 * 1024 * 1024


def default_cache_dir() -> Path | None:
    """The cache folder of this user (see the module's docstring), or None for no cache."""
    from scendsl.files.private import cache_root

    root = cache_root()
    return Path(root) if root is not None else None


def digest(*parts: bytes | str) -> str:
    """SHA-256 of the parts, each length-prefixed (so that no two lists of parts collide)."""
    hasher = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        hasher.update(b"%d:" % len(data))
        hasher.update(data)
    return hasher.hexdigest()


class BuildCache:
    """Entries in `folder`, keyed by kind and hash, each sealed with this user's key (`seal`,
    by default `files.private.cache_seal()`). Every failure reads as a miss."""

    def __init__(self, folder: Path, seal: CacheSeal | None = None) -> None:
        from scendsl.files.private import cache_seal

        self.folder = Path(folder) / f"v{_FORMAT}"
        self.fingerprint = fingerprint()
        self.seal = seal if seal is not None else cache_seal()
        #: The blobs this process kept or found whole (not looked for again), and the hash of
        #: each content hashed, by identity (the content is held: its identity stays its own).
        self._blobs: set[str] = set()
        self._hashes: dict[int, tuple[bytes, str]] = {}

    def private(self) -> bool:
        """Whether the entries folder is this user's alone (made so if missing) and there is a
        key to seal its entries: an entry another user could write would put their HTML into
        our briefings, and an unsealed one (a restored cache) anyone's."""
        from scendsl.files.private import private_folder

        return self.seal is not None and private_folder(self.folder)

    def key(self, kind: str, *parts: bytes | str) -> str:
        """The key of an entry of `kind` made from `parts` with this version of scendsl."""
        return digest(self.fingerprint, kind, *parts)

    def _path(self, kind: str, key: str) -> Path:
        return self.folder / kind / key[:2] / key

    def get(self, kind: str, key: str) -> bytes | None:
        """The entry's bytes, or None (missing, unreadable, not a regular file, or its seal
        does not hold: corrupted, written by hand or restored from elsewhere)."""
        if self.seal is None:
            return None
        return self.seal.read(str(self._path(kind, key)), f"{kind}/{key}")

    def put(self, kind: str, key: str, data: bytes) -> None:
        """Keep the entry, sealed (best effort: a full or read-only disk just means no cache)."""
        if self.seal is not None:
            self.seal.write(str(self._path(kind, key)), f"{kind}/{key}", data)

    def get_text(self, kind: str, key: str) -> str | None:
        data = self.get(kind, key)
        if data is None:
            return None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return None

    def put_text(self, kind: str, key: str, text: str) -> None:
        self.put(kind, key, text.encode("utf-8", "surrogatepass"))

    # ---------------------------------------------------------------------------- whole builds
    def seen(self, paths: list[str]) -> bool:
        """Whether these paths were built before with this scendsl (so most charts are here)."""
        return self.get("seen", self._seen_key(paths)) is not None

    def mark_seen(self, paths: list[str]) -> None:
        self.put("seen", self._seen_key(paths), b"")

    def _seen_key(self, paths: list[str]) -> str:
        return self.key("seen", json.dumps([list(paths), os.getcwd()]))

    def load_build(self, key: str) -> dict[str, bytes] | None:
        """The output files of an earlier build with this key, if every file it read (by the
        record: path, real path and content hash) is unchanged and every output is intact."""
        record = _build_record(self.get("build", key))
        if record is None:
            return None
        inputs, outputs = record
        from scendsl.language.parse import MAX_FILE_BYTES

        for path, real, expected in inputs:
            # No more of a file than the load reads (a scenario file grown past it: a miss).
            hashed = file_digest(path, most=MAX_FILE_BYTES)
            if hashed != expected or os.path.realpath(path) != real:
                return None
        files: dict[str, bytes] = {}
        for name, expected in outputs:
            content = self.find_blob(expected)
            if content is None:
                return None
            files[name] = content
        return files

    # ---------------------------------------------------------------------------- blobs, pages
    def _hash(self, content: bytes) -> str:
        known = self._hashes.get(id(content))
        if known is not None and known[0] is content:
            return known[1]
        blob = hashlib.sha256(content).hexdigest()
        self._hashes[id(content)] = content, blob
        return blob

    def keep_blob(self, content: bytes) -> str:
        """Keep `content` as a `blob` entry by its SHA-256 (once: a page kept as a scenario's
        and again as an output of the whole build is written, and hashed, once)."""
        blob = self._hash(content)
        if blob not in self._blobs:
            if self.get("blob", blob) is None:
                self.put("blob", blob, content)
            self._blobs.add(blob)
        return blob

    def find_blob(self, blob: str) -> bytes | None:
        """The content kept as `blob`, if it is whole (its SHA-256 is its name)."""
        content = self.get("blob", blob)
        if content is None or self._hash(content) != blob:
            return None
        self._blobs.add(blob)
        return content

    def keep_page(self, key: str, markdown: bytes, html: bytes) -> None:
        """Keep a scenario's page (`build.scenario_page_keys`): its two files as blobs (shared
        with the whole build's record), the entry naming them."""
        entry = f"{self.keep_blob(markdown)}\n{self.keep_blob(html)}"
        self.put("page", key, entry.encode("ascii"))

    def find_page(self, key: str) -> tuple[bytes, bytes] | None:
        """The (Markdown, HTML) files of a page kept under `key`, or None."""
        entry = self.get("page", key)
        names = entry.split(b"\n") if entry is not None else []
        if len(names) != 2 or not all(
            len(n) == 64 and set(n.decode("latin-1")) <= _SHA256 for n in names
        ):
            return None
        markdown, html = (self.find_blob(name.decode("ascii")) for name in names)
        return (markdown, html) if markdown is not None and html is not None else None

    def keep_build(
        self, key: str, read: dict[str, str], files: dict[str, bytes], started_ns: int
    ) -> None:
        """Record a build that started at `started_ns` (time.time_ns): the scenario files it
        read (display path -> real path) and its outputs. Not when a file read had not settled
        by the start, or has changed since it was read (`files.settled`; `read` is a
        `files.settled.ReadFiles`): what the build read may not be what is there now."""
        from scendsl.files.settled import hashed_as_read

        inputs = []
        for path, real in sorted(read.items()):
            try:
                content_digest = hashed_as_read(read, path, path, started_ns, file_digest)
            except OSError:
                return
            if content_digest is None:
                return  # changed, or gone since: nothing sure to record
            inputs.append((path, real, content_digest))
        outputs = [(name, self.keep_blob(content)) for name, content in files.items()]
        record = {"inputs": inputs, "outputs": outputs}
        self.put("build", key, json.dumps(record, sort_keys=True).encode("utf-8"))

    def trim(self, limit: int = MAX_CACHE_BYTES) -> int:
        """Remove the oldest entries (by modification time) while the caches hold more than
        `limit` bytes, down to three quarters of it; returns how many were removed. Every
        cache of scendsl counts, each in its own folder of the caches' folder (this one, the
        grammar's analysis, the compiled templates of every version and templates folder
        built, the kept parses and objects of `files.kept`). Only their entries count and are
        removed, a file named as they name entries (`_ENTRY_NAME`) that begins with a seal
        (`files.private.looks_sealed`): SCENDSL_CACHE_DIR may name a folder of the user's own,
        whose `kept` or `templates-2024` folder holds their files, not ours."""
        from scendsl.files.private import looks_sealed

        entries: list[tuple[int, int, str]] = []
        pending = [str(self.folder), *_sibling_caches(self.folder.parent)]
        while pending:
            try:
                with os.scandir(pending.pop()) as listing:
                    for entry in listing:
                        if entry.is_dir(follow_symlinks=False):
                            pending.append(entry.path)
                        elif entry.is_file(follow_symlinks=False) and _ENTRY_NAME.fullmatch(
                            entry.name
                        ):
                            info = entry.stat(follow_symlinks=False)
                            entries.append((info.st_mtime_ns, info.st_size, entry.path))
            except OSError:
                continue
        total = sum(size for _, size, _ in entries)
        if total <= limit:
            return 0
        removed = 0
        for _, size, path in sorted(entries):
            if total <= limit * 3 // 4:
                break
            if not looks_sealed(path):
                continue
            with contextlib.suppress(OSError):
                os.unlink(path)
                total -= size
                removed += 1
        return removed


_SHA256 = frozenset("0123456789abcdef")
#: The names the caches give their entries: the build cache's keys (SHA-256), the kept parses
#: and objects and the grammar's analysis (`.pickle`), Jinja's compiled templates
#: (`__jinja2_KEY.cache`), and an entry's temporary name while it is written
#: (`CacheSeal.write`: `.NAME.tmp`, left by a process killed then).
_ENTRY_NAME = re.compile(r"[0-9a-f]{64}|[^.].*\.pickle|__jinja2_[0-9a-f]+\.cache|\..+\.tmp")
#: The other caches' folders (besides `templates-*`) that count toward MAX_CACHE_BYTES.
_SIBLING_CACHES = frozenset(("grammar", "kept"))


def _sibling_caches(root: Path) -> list[str]:
    """The folders of the other caches of scendsl in `root` (not links): `grammar`, the
    compiled templates' `templates-*`, which grow with each version and templates folder, and
    `kept` (`files.kept`), whose parses and digests are named by each install's paths, so
    every new install or worktree adds entries."""
    try:
        with os.scandir(root) as listing:
            return sorted(
                entry.path
                for entry in listing
                if (entry.name in _SIBLING_CACHES or entry.name.startswith("templates-"))
                and entry.is_dir(follow_symlinks=False)
            )
    except OSError:
        return []


def _build_record(
    data: bytes | None,
) -> tuple[list[tuple[str, str, str]], list[tuple[str, str]]] | None:
    """The (inputs, outputs) of a build record, or None for anything a build does not write.

    Every entry is checked against the shape `keep_build` gives it, so a poisoned or foreign
    record is a miss, never an exception; an output is named only as the build names its
    pages (files.is_output_name: never `../x`, never an absolute path)."""
    from scendsl.files import is_output_name

    def text(value: Any) -> bool:
        return isinstance(value, str) and "\0" not in value

    def sha(value: Any) -> bool:
        return isinstance(value, str) and len(value) == 64 and set(value) <= _SHA256

    if data is None:
        return None
    try:
        record = json.loads(data)
    except ValueError:
        return None
    if not isinstance(record, dict):
        return None
    inputs, outputs = record.get("inputs"), record.get("outputs")
    if not isinstance(inputs, list) or not isinstance(outputs, list):
        return None
    if not all(
        isinstance(i, list) and len(i) == 3 and text(i[0]) and text(i[1]) and sha(i[2])
        for i in inputs
    ):
        return None
    if not all(
        isinstance(o, list) and len(o) == 2 and text(o[0]) and is_output_name(o[0]) and sha(o[1])
        for o in outputs
    ):
        return None
    return [tuple(i) for i in inputs], [tuple(o) for o in outputs]


def file_digest(path: str, inside: str | None = None, most: int | None = None) -> str | None:
    """SHA-256 of a regular file's content, or None if it cannot be read as one (or, with
    `inside`, if it is not a file inside that folder). With `most`, a file larger than `most`
    bytes is not read past it: its digest says so (every such file alike: its reader refuses
    it, whatever it holds).

    Read in pieces: a templates folder may hold a file of gigabytes (data beside the templates,
    `--templates .` in a project), which read whole ended a build in a MemoryError."""
    from scendsl.files import open_regular

    hasher = hashlib.sha256()
    left = -1 if most is None else most + 1
    try:
        with open_regular(path, inside=inside) as handle:
            while piece := handle.read(1 << 20 if left < 0 else min(1 << 20, left)):
                hasher.update(piece)
                if left >= 0:
                    left -= len(piece)
                    if left == 0:
                        return f"larger than {most} bytes"
    except OSError:
        return None
    return hasher.hexdigest()


def folder_digest(folder: str | None) -> str:
    """A hash of every file under `folder` by relative path and content (a templates folder: a
    template added later may shadow a built-in one). Links and unreadable files count too.

    A link counts by what it names (a link to a folder too: re-pointed, it changes what the
    loader reads through it), and only a file inside the folder by its content: the
    loader refuses a template leading outside, and reading one (a link to a file of terabytes,
    such as /proc/kcore) held every build and rebuild of `serve` for as long as it read."""
    if folder is None:
        return "none"
    # files.walk, not os.walk: os.walk recurses and stops at Python's recursion limit in a
    # folder nested a thousand deep, and lists a link to a folder without entering it.
    from scendsl.defaults import MAX_TEMPLATE_FILE
    from scendsl.files import walk

    parts: list[str] = []
    for _top, _dirs, others in walk(folder):
        for other in others:
            path = other.path
            # No more of a file than the loader reads of a template: one larger is refused
            # whatever it holds, and a data file of gigabytes beside the templates was hashed
            # whole at every build and every rebuild of `serve` (for ever, one still growing).
            hashed = file_digest(path, folder, MAX_TEMPLATE_FILE)
            parts += [os.path.relpath(path, folder), hashed or "unreadable"]
            if os.path.islink(path):
                with contextlib.suppress(OSError):
                    parts.append("link:" + os.readlink(path))
    return digest(os.path.realpath(folder), *parts)


@cache
def fingerprint() -> str:
    """What every entry depends on besides its own inputs: this scendsl (the content of its
    package and built-in templates), the libraries' versions, Python's, and matplotlibrc."""
    from scendsl.report.loader import builtin_templates_dir

    package = Path(__file__).resolve().parent.parent
    parts: list[str | bytes] = [_FORMAT, sys.version, *_library_versions()]
    for root in (package, Path(builtin_templates_dir())):
        for top, dirs, names in os.walk(root):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(names):
                if name.endswith((".pyc", ".pyo")):
                    continue
                path = os.path.join(top, name)
                parts += [os.path.relpath(path, root), file_digest(path) or "unreadable"]
    for path in _matplotlibrc_files():
        parts += [path, file_digest(path) or "none"]
    return digest(*parts)


def _library_versions() -> list[str]:
    """`name-version` of each library in _LIBRARIES, from the names of the installed
    distributions' metadata folders (a listing per path entry; importing them would cost more
    than a cached build). A library not found is named as such: its entries still agree."""
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            if name.endswith((".dist-info", ".egg-info")):
                project = name.split("-", 1)[0].lower().replace("_", "-")
                found.setdefault(project, name)
    return [found.get(library, f"{library} not found") for library in _LIBRARIES]


def _matplotlibrc_files() -> list[str]:
    """The places matplotlib reads a matplotlibrc from (matplotlib.matplotlib_fname), without
    importing it: settings the charts do not fix themselves could otherwise change their bytes."""
    places = [os.path.join(os.getcwd(), "matplotlibrc")]
    if os.environ.get("MATPLOTLIBRC"):
        places += [
            os.environ["MATPLOTLIBRC"],
            os.path.join(os.environ["MATPLOTLIBRC"], "matplotlibrc"),
        ]
    config = os.environ.get("MPLCONFIGDIR") or os.path.join(
        os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config"),
        "matplotlib",
    )
    places.append(os.path.join(config, "matplotlibrc"))
    return places


def build_key(
    cache_: BuildCache,
    paths: list[str],
    templates: str,
    samples: int,
    seed: int | None,
    discovered: list[str],
) -> str:
    """The key of a whole build: its options, the working folder (paths are shown as given),
    the scenario files its paths name (a file added to a folder is a new input), and the
    templates folder's content (`templates`: its folder_digest)."""
    return cache_.key(
        "build", json.dumps([list(paths), os.getcwd(), samples, seed, discovered]), templates
    )


def open_cache(folder: Path | None) -> BuildCache | None:
    """A BuildCache in `folder`, or None (no folder, or one that is not this user's alone)."""
    if folder is None:
        return None
    cache_ = BuildCache(folder)
    return cache_ if cache_.private() else None


def chart_entry(svg: str | None) -> str:
    """A drawn chart as cache text (a chart may be None: nothing to draw)."""
    return "-" if svg is None else "+" + svg


def chart_from_entry(text: str) -> tuple[bool, str | None]:
    """(found, svg) from a chart's cache text."""
    if text == "-":
        return True, None
    if text.startswith("+"):
        return True, text[1:]
    return False, None
