"""Python's cyclic garbage collector paused while a command runs (`check`, `build`), and in
`serve` while it rebuilds, run again once it is idle."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cyclic_gc_paused(until_exit: bool = False) -> Iterator[None]:
    """Pause the cyclic garbage collector for the block, then restore it as it was; with
    `until_exit` (the process ends after the block), leave it paused: the first allocation
    after re-enabling would start a collection of every object the block made.

    A command allocates much, keeps most of it until it ends and makes few reference cycles, so
    the collections it would trigger only walk what start-up loaded (modules, classes, the
    catalog, the scenarios): about a tenth of `scendsl check` and of a build. A build's forked
    worker inherits the pause. A check of 120 scenarios peaked 3 % higher without collection.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled and not until_exit:
            gc.enable()


class IdleCollection:
    """The cyclic collector of a process that works in bursts and waits in between (`serve`:
    a rebuild after each change): paused while a burst runs, and let run again only once the
    process has been idle for `idle` seconds, so the collection of what a burst left is not on
    the path from a saved file to the reloaded page. That collection walks every object the
    burst made: ~10 % of a `serve` rebuild of the samples, and, every tenth collection, one of
    the older generation too (0.1-0.3 s on a busy machine). The same collections run, at a
    moment nobody waits for.

    After `max_deferred` bursts in a row with no idle moment between them (edits saved faster
    than `idle`), the collector is let run at the end of the burst, so the garbage of a long
    run of edits stays bounded. A collector that was off when this was made stays off.
    Thread-safe: bursts in one thread, the resumption in a timer's.
    """

    def __init__(self, idle: float = 0.5, max_deferred: int = 8) -> None:
        self.idle, self.max_deferred = idle, max_deferred
        self._lock = threading.Lock()
        self._restore = gc.isenabled()
        self._timer: threading.Timer | None = None
        self._bursts = 0  # bursts ended since the collector last ran
        self._started = 0  # bursts started: a timer set before the latest one is stale

    @contextmanager
    def burst(self) -> Iterator[None]:
        """Run the block with the collector paused; it resumes once the process is idle."""
        with self._lock:
            self._started += 1
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            gc.disable()
        try:
            yield
        finally:
            with self._lock:
                self._bursts += 1
                if self._restore and self._bursts >= self.max_deferred:
                    self._bursts = 0
                    gc.enable()  # no idle moment for a while: it runs now, as it would have
                elif self._restore:
                    timer = threading.Timer(self.idle, self._resume, (self._started,))
                    timer.daemon = True
                    self._timer = timer
                    timer.start()

    def _resume(self, started: int) -> None:
        with self._lock:
            if started != self._started or self._timer is None:
                return  # another burst began meanwhile: it sets its own timer when it ends
            self._timer = None
            self._bursts = 0
            gc.enable()

    def close(self) -> None:
        """Leave the collector as it was when this was made, without waiting."""
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            self._started += 1
            if self._restore:
                gc.enable()
