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
"""

from __future__ import annotations

import os

#: Nanoseconds a file's last change must precede the reader's start (`time.time_ns()`).
SETTLING_NS = 2_000_000_000


def settled(info: os.stat_result, started_ns: int) -> bool:
    """Whether the file of `info` had last changed (bytes or status) at least `SETTLING_NS`
    before `started_ns`, so that its bytes now are those a reader that started then read."""
    return max(info.st_mtime_ns, info.st_ctime_ns) <= started_ns - SETTLING_NS
