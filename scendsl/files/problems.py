"""Shared by the file policy's reading and writing: a located file error, the OS's reason."""

from __future__ import annotations

import os
import stat

from scendsl.errors import ScenarioError, Span

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
    return ScenarioError.one(message, span, hint)


def reason(error: OSError) -> str:
    """The operating system's reason, in lower case: "no space left on device"."""
    text = error.strerror or str(error) or type(error).__name__
    return text[:1].lower() + text[1:]


def kind_of(path: str) -> str | None:
    """What `path` leads to when it is there but not a regular file ("a FIFO", "a folder"),
    for a message that says so; None for a regular file and for nothing there."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return None
    return None if stat.S_ISREG(mode) else _kind(mode)


def _kind(mode: int) -> str:
    return _KINDS.get(stat.S_IFMT(mode), "not a regular file")
