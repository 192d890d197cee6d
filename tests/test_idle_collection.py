"""`serve` runs Python's cyclic collector between rebuilds, not at the end of one: the
collection of what a rebuild made was on the path from a saved file to the reloaded page."""

from __future__ import annotations

import gc
import io
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import ROOT
from scendsl.app.collector import IdleCollection

#: Short enough for a test, long enough that a busy machine's pause between two statements is
#: not taken for idleness.
IDLE = 0.5


@pytest.fixture(autouse=True)
def collector_on() -> Iterator[None]:
    """Each test starts with the collector on (as a process does) and leaves it as it was."""
    was = gc.isenabled()
    gc.enable()
    yield
    if was:
        gc.enable()
    else:
        gc.disable()


def _until(condition, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_collector_is_off_during_a_burst_and_until_the_process_is_idle() -> None:
    collection = IdleCollection(idle=IDLE)
    with collection.burst():
        assert not gc.isenabled()
    assert not gc.isenabled()  # the burst's garbage is not collected on its way out
    assert _until(gc.isenabled)


def test_a_burst_before_the_process_is_idle_keeps_the_collector_off() -> None:
    collection = IdleCollection(idle=IDLE)
    with collection.burst():
        pass
    with collection.burst():
        # The first burst's timer would have fired by now: a stale timer must not turn the
        # collector on in the middle of the next burst.
        time.sleep(IDLE * 2)
        assert not gc.isenabled()
    assert not gc.isenabled()
    assert _until(gc.isenabled)


def test_a_long_run_of_bursts_lets_the_collector_run_at_the_end_of_one() -> None:
    """Edits saved faster than the idle time, for long: the garbage stays bounded."""
    collection = IdleCollection(idle=60.0, max_deferred=3)
    try:
        for _ in range(2):
            with collection.burst():
                pass
            assert not gc.isenabled()
        with collection.burst():
            pass
        assert gc.isenabled()
        with collection.burst():  # counted afresh
            pass
        assert not gc.isenabled()
    finally:
        collection.close()
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    collection = IdleCollection(idle=0.01, max_deferred=1)
    with collection.burst():
        pass
    time.sleep(0.1)
    assert not gc.isenabled()
    collection.close()
    assert not gc.isenabled()


def test_serve_rebuild_collects_nothing_before_the_pages_are_told(tmp_path: Path) -> None:
    """A rebuild of `serve` (the builder, then the news to the open pages) starts no
    collection; the collector runs again once the server is idle."""
    from scendsl.app.incremental import IncrementalBuilder
    from scendsl.app.serve import LiveServer

    (tmp_path / "scenarios").mkdir()
    shutil.copy(ROOT / "scenarios" / "landscape.scn", tmp_path / "scenarios")
    builder = IncrementalBuilder([str(tmp_path / "scenarios")], str(tmp_path / "out"))
    server = LiveServer(builder, port=0)
    server.collection.idle = IDLE
    collections = []

    def note(phase: str, info: dict) -> None:
        if phase == "start":
            collections.append(info["generation"])

    told = server.state.finished

    def finished(*args, **kwargs) -> None:
        told(*args, **kwargs)
        collections.append("told")

    server.state.finished = finished  # type: ignore[method-assign]
    gc.callbacks.append(note)
    try:
        assert server.rebuild(io.StringIO())
        assert collections[0] == "told"  # (the idle collection may follow it)
        assert _until(gc.isenabled)
    finally:
        gc.callbacks.remove(note)
        server.stop()
