"""When a file's times may stand for its bytes: the one rule of every cache that keeps what it
made from files read (the build's record, the kept check output, the package's digest).

A cache records the hash of a file's bytes after its work, and that work read them before: the
two are the same bytes only if nothing wrote the file in between, which only its times can tell.
They tell it when the file's last time of change and of status change are both at least
`SETTLING_NS` (two seconds) before the reader started:

- File systems stamp a change with a coarse clock: the kernel's tick (some milliseconds behind
  `time.time()`), whole seconds (ext3, HFS+) or two (FAT, exFAT, rounded down). An edit made
  while the reader read can carry a time up to that much before the reader started; two
  seconds covers every one of them, where one second missed FAT's.
- The time of change can be set back (`touch -m -d`, `cp -p`, `rsync -t`, `tar x` restore the
  old one over new bytes); the time of status change cannot: any write or `utime` sets it to
  now. So the later of the two counts.
- Those times come from the clock of whatever stamps them: a file server (NFS, sshfs, SMB)
  whose clock runs behind this machine's stamps an edit made while the reader read with a time
  before the reader started, which settling takes for an old one. So each file is also stamped
  as the reader came to it (`ReadFiles`: size, both times, inode and device, taken before it
  was read) and must carry the same stamp when it is hashed (`unchanged_since_read`): an edit
  meanwhile changes them, by whatever clock, and rules the file out.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from typing import TypeVar

T = TypeVar("T")

#: Nanoseconds a file's last change must precede the reader's start (`time.time_ns()`).
SETTLING_NS = 2_000_000_000


def settled(info: os.stat_result, started_ns: int) -> bool:
    """Whether the file of `info` had last changed (bytes or status) at least `SETTLING_NS`
    before `started_ns`, so that its bytes now are those a reader that started then read."""
    return max(info.st_mtime_ns, info.st_ctime_ns) <= started_ns - SETTLING_NS


def stamp(info: os.stat_result) -> tuple[int, int, int, int, int]:
    """What tells one version of a file from another without reading it: its size, times of
    change and of status change, inode and device."""
    return (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev)


def settled_stamp(path: str) -> tuple[int, int, int, int, int] | None:
    """The `stamp` of the file at `path` when it has settled by now, to key what a process
    makes from the file (its import lines, a font's layouts); None when it has not (a write
    within the same tick of its clock would leave the same stamp) or cannot be looked at."""
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return None
    return stamp(info) if settled(info, time.time_ns()) else None


class ReadFiles(dict[str, str]):
    """The files a load read, shown path -> real path, as the loader notes each file before
    reading it (`language.loading.load_documents`'s `visited`), with the file's `stamp` taken
    then (`stamps`; None for a file that could not be looked at)."""

    def __init__(self) -> None:
        super().__init__()
        self.stamps: dict[str, tuple[int, int, int, int, int] | None] = {}

    def __setitem__(self, shown: str, real: str) -> None:
        try:
            self.stamps[shown] = stamp(os.stat(real))
        except (OSError, ValueError):
            self.stamps[shown] = None
        super().__setitem__(shown, real)


def unchanged_since_read(read: Mapping[str, str], shown: str, info: os.stat_result) -> bool:
    """Whether the file `read` noted as `shown` carries, as `info`, the stamp it had when it
    was read (`ReadFiles`); False when nothing says so (a plain mapping holds no stamps)."""
    stamps = getattr(read, "stamps", None)
    return stamps is not None and stamps.get(shown) == stamp(info)


def hashed_as_read(
    read: Mapping[str, str], shown: str, path: str, started: int, hash_file: Callable[[str], T]
) -> T | None:
    """`hash_file(path)` of the file a load read as `shown` (`ReadFiles`), when it had settled
    by `started` (time.time_ns) and carries the stamp it had when read, both before and after
    it is hashed; None when not, for its bytes may not be the ones read. OSError propagates."""
    info = os.stat(path)
    if not settled(info, started) or not unchanged_since_read(read, shown, info):
        return None
    hashed = hash_file(path)
    if not unchanged_since_read(read, shown, os.stat(path)):
        return None  # written while it was hashed
    return hashed
