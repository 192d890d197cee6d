"""Signal handlers set for the length of a block: the one way the package changes them.

Three places need one: the build's worker pool ignores Ctrl-C while it forks (workers inherit
it), a workbook being written turns SIGTERM into an exit so its work folder is removed, and the
template sandbox's time limit is a profiling-timer signal. Each must give the handler back as it
found it, and none may touch signals off the main thread, where Python refuses to set them.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

Handler = Callable[[int, Any], Any] | int | signal.Handlers


@contextmanager
def handling(signum: int, handler: Handler) -> Iterator[bool]:
    """`handler` answers `signum` inside the block; the previous handler is restored after.

    Yields whether the handler was set: off the main thread nothing changes (Python allows
    signal handlers only there) and the block runs as it would without it.
    """
    if threading.current_thread() is not threading.main_thread():
        yield False
        return
    previous = signal.signal(signum, handler)
    try:
        yield True
    finally:
        # None: the previous handler was not set from Python; the default is what it did.
        signal.signal(signum, previous if previous is not None else signal.SIG_DFL)
