"""A progress bar on stderr for long runs (sweeps), shown only on a terminal.

The model knows nothing of it: long computations take an `on_progress(done)` callback, and the
command line passes `Ticker.advance`.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import Any


class Ticker:
    """What `progress` yields: `advance(n)` moves the bar (a no-op without a terminal)."""

    def __init__(self, bar: Any = None, task: Any = None) -> None:
        self._bar, self._task = bar, task

    def advance(self, amount: float = 1) -> None:
        if self._bar is not None:
            self._bar.advance(self._task, amount)

    def describe(self, description: str) -> None:
        """Name the stage under way (a long build: evaluating, Monte Carlo, rendering)."""
        if self._bar is not None:
            self._bar.update(self._task, description=description)


@contextlib.contextmanager
def progress(total: float, description: str) -> Iterator[Ticker]:
    """A progress bar on stderr while the block runs, only when stderr is a terminal.

    Output that is piped or captured (CI, tests, `> file`) stays free of control characters.
    """
    stream = sys.stderr
    if not (hasattr(stream, "isatty") and stream.isatty()):
        yield Ticker()
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    from scendsl.terminal import unfiltered

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(file=unfiltered(stream)), transient=True) as bar:
        task = bar.add_task(description, total=total)
        yield Ticker(bar, task)
