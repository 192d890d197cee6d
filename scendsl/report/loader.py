"""Where templates come from: the built-in folder, the user's folder, read only from inside
them (real paths), as regular UTF-8 files of at most MAX_TEMPLATE_FILE bytes, and a cache of
compiled templates between runs."""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

from scendsl.defaults import MAX_TEMPLATE_FILE
from scendsl.errors import ScendslError

#: The build's placeholder characters (see render.py) never come from a template file.
_PRIVATE_USE_RE = re.compile("[\ue000-\uf8ff]")


def builtin_templates_dir() -> Path:
    """The templates in the wheel (`scendsl/templates`), else the checkout's `templates/`."""
    from importlib.resources import files

    shipped = files("scendsl") / "templates"
    if shipped.is_dir():
        return Path(str(shipped))
    return Path(__file__).resolve().parent.parent.parent / "templates"


def bytecode_cache(environment: str) -> Any:
    """Compiled templates kept between runs (a tenth of a second per build), keyed by the
    template's source, so an edited template is recompiled; None where no cache folder can be
    made. Compiled sandboxed templates keep their sandbox checks.

    Each environment has its own folder: the Markdown and HTML environments compile the same
    source differently, so a template compiled by one must never be run by the other (a user
    template including `page.html.j2` would otherwise poison every later build). The cache is
    only made inside a cache or home folder that exists: an odd HOME gets no cache, and it is
    used only in a folder this user alone can write (`files.private_folder`), each entry sealed
    with this user's key (`files.private.CacheSeal`): Jinja runs an entry's code, so only code
    compiled here is ever loaded."""
    import io
    import os

    from jinja2 import FileSystemBytecodeCache

    from scendsl.files.private import cache_root, cache_seal, private_folder

    root = cache_root()  # SCENDSL_CACHE_DIR governs this cache as the others
    if root is None or not os.path.isdir(os.path.dirname(os.path.abspath(root))):
        return None
    folder = os.path.join(root, f"templates-{_compiler_digest()}", environment)

    # An entry is code Jinja unpickles and runs outside the sandbox: only a folder this user
    # alone can write, as the build cache (XDG_CACHE_HOME=/tmp/shared ran another user's code),
    # and only an entry sealed by this user's key (a restored cache ran anyone's).
    if not private_folder(folder):
        return None
    found = cache_seal()
    if found is None:
        return None
    seal = found  # (a name the class below closes over, known not to be None)

    class SealedMissingOnFailure(FileSystemBytecodeCache):
        """Jinja's file cache with the rules of every cache: an entry is read only when its
        seal holds (Jinja would unmarshal any file there), and a failure is a miss. Jinja
        opens an entry blocking (a FIFO hung the build) and lets an entry's unpickling errors
        and a failed write through (a truncated entry, a full or read-only disk failed the
        build)."""

        def _name(self, bucket: Any) -> str:
            return f"templates/{environment}/{os.path.basename(self._get_cache_filename(bucket))}"

        def load_bytecode(self, bucket: Any) -> None:
            data = seal.read(self._get_cache_filename(bucket), self._name(bucket))
            if data is None:
                return  # compiled again, as if never kept
            try:
                bucket.load_bytecode(io.BytesIO(data))
            except Exception:  # sealed but not loadable (another Jinja): compiled again
                bucket.reset()

        def dump_bytecode(self, bucket: Any) -> None:
            stream = io.BytesIO()
            bucket.write_bytecode(stream)
            seal.write(self._get_cache_filename(bucket), self._name(bucket), stream.getvalue())

    return SealedMissingOnFailure(folder)


@functools.cache
def _compiler_digest() -> str:
    """What compiled template code depends on besides its source: the sandbox's code generator
    and the filters it calls (compiled code passes the context to the filters that took it when
    it was compiled). Their source's hash names the cache folder, so code compiled by another
    version, or another checkout, is never run; Jinja's own version is in each entry."""
    import hashlib

    here = Path(__file__).resolve().parent
    hasher = hashlib.sha256()
    for name in ("sandbox.py", "render.py", "loader.py"):
        try:
            hasher.update((here / name).read_bytes())
        except OSError:
            hasher.update(b"unreadable")
    return "sandbox-" + hasher.hexdigest()[:16]


class TemplateFileProblem(ScendslError):
    """A template file that cannot be used: outside the template folders, unreadable, not a
    file, not UTF-8, too big. `filename` and `lineno` locate it when known."""

    def __init__(
        self, message: str, filename: str | None = None, lineno: int | None = None
    ) -> None:
        super().__init__(message)
        self.filename, self.lineno = filename, lineno


def template_loader(folders: list[Path]) -> Any:
    """A loader that reads templates from the folders, in order, and only from inside them:
    a path whose real location (symbolic links followed) is outside its folder is refused,
    as is anything that is not a regular UTF-8 file of at most MAX_TEMPLATE_FILE bytes."""
    import errno
    import os

    from jinja2 import BaseLoader, TemplateNotFound
    from jinja2.loaders import split_template_path

    class FolderLoader(BaseLoader):
        def __init__(self) -> None:
            self.folders = [(str(folder), os.path.realpath(folder)) for folder in folders]
            #: File names of the templates read (to locate errors in them), by template name.
            self.paths: dict[str, str] = {}
            self.files: set[str] = set()

        def get_source(self, environment: Any, template: str) -> tuple[str, str, Any]:
            pieces = split_template_path(template)
            for folder, real_folder in self.folders:
                path = os.path.join(folder, *pieces)
                if not os.path.lexists(path):
                    continue
                real = os.path.realpath(path)
                if os.path.commonpath([real, real_folder]) != real_folder:
                    raise TemplateFileProblem(
                        f"template '{template}' leads outside the templates folder through "
                        "a symbolic link (templates are read only from their folder)"
                    )
                if os.path.isdir(real):
                    continue
                self.paths.setdefault(template, path)
                return self._read(template, path, real, real_folder)
            raise TemplateNotFound(template)

        def _read(
            self, template: str, path: str, real: str, real_folder: str
        ) -> tuple[str, str, Any]:
            from scendsl.files import open_regular

            try:
                # The file policy's open: non-blocking (a FIFO named like a template must not
                # hang the build), a regular file only, and the folder check made again on the
                # file opened: a link swapped in since the check above is refused, not read.
                handle = open_regular(real, inside=real_folder)
            except OSError as error:
                if error.errno == errno.EINVAL:
                    raise TemplateFileProblem(
                        f"template '{template}' is not a regular file", path
                    ) from None
                raise TemplateFileProblem(
                    f"cannot read template '{template}': {error.strerror}", path
                ) from None
            with handle:
                info = os.fstat(handle.fileno())
                if info.st_size > MAX_TEMPLATE_FILE:
                    raise TemplateFileProblem(
                        f"template '{template}' is larger than {MAX_TEMPLATE_FILE:,} bytes", path
                    )
                try:
                    data = handle.read(MAX_TEMPLATE_FILE + 1)
                except OSError as error:
                    raise TemplateFileProblem(
                        f"cannot read template '{template}': {error.strerror}", path
                    ) from None
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as error:
                raise TemplateFileProblem(
                    f"template '{template}' is not UTF-8 text (byte {error.start + 1})",
                    path,
                    data[: error.start].count(b"\n") + 1,
                ) from None
            private = _PRIVATE_USE_RE.search(text)
            if private:
                raise TemplateFileProblem(
                    f"template '{template}' contains the private-use character "
                    f"U+{ord(private.group()):04X} (reserved for the build's placeholders)",
                    path,
                    text.count("\n", 0, private.start()) + 1,
                )
            self.files.add(path)
            self.paths[template] = path
            mtime = info.st_mtime
            return text, path, lambda: _mtime(real) == mtime

    return FolderLoader()


def _mtime(path: str) -> float | None:
    import os

    try:
        return os.path.getmtime(path)
    except OSError:
        return None
