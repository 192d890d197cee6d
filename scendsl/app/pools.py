"""The worker process of a build and the work shared with it.

On Linux with two or more cores and one of them idle, a build forks a chart worker
(`SCENDSL_JOBS=1`, 0 or below: none; 2 or more: whatever the load; see `jobs_setting`),
first thing, that imports matplotlib while this process loads and evaluates and then draws
the charts templates ask for. What it returns is byte-identical to what this process would
make. It ignores Ctrl-C: the main process answers it and ends it.

The Monte Carlo and the pages' conversion to HTML are done here. A second worker, forked once
the scenarios were loaded, did them before, and cost more CPU than it took off this process:
forked from a process of ~100 MB, every page of it this process then wrote to (a reference
count is a write) was copied, ~27,000 more page faults here and ~15,000 in the worker.
Measured on the samples (SCENDSL_JOBS=2, two cores, load 8-10): this process 1.59-1.71 s CPU
with it, 1.62-1.73 s without (the same: it now runs the Monte Carlo and the conversions
itself, but copies no pages), all processes together 2.60-2.75 s -> 2.32-2.50 s.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from scendsl.signals import handling

if TYPE_CHECKING:
    from multiprocessing.pool import Pool

    from scendsl.app.cache import BuildCache


def chart_pool() -> Pool | None:
    """A worker process that imports matplotlib at once and draws the charts later, or None.

    Forked at the start of a build, it spends the time this process loads and evaluates on the
    import; the charts are drawn while the templates render and the pages are converted.
    Used on Linux with two or more cores (fork keeps the start cheap and shares what this
    process has imported; see `_fork_pool`); `SCENDSL_JOBS=1` turns it off. The charts are
    byte-identical to ones drawn here.
    """
    return _fork_pool(_chart_worker_start, before_fork=_share_with_the_chart_worker)


def _share_with_the_chart_worker() -> None:
    """Import, before the chart worker is forked, what it and this process both import: numpy
    (the model's, matplotlib's) and numpy.ma (matplotlib's, the Monte Carlo's). Imported once
    and shared, not once in each process: ~0.06 s less CPU per build.

    Only while OPENBLAS_NUM_THREADS is set (the command line sets it to 1): the worker sets it
    for its own numpy otherwise, which it could not once numpy is loaded (`_chart_worker_start`).
    """
    if "OPENBLAS_NUM_THREADS" in os.environ:
        import numpy.ma  # noqa: F401


def _chart_worker_start() -> None:
    """The chart worker's first job: numpy with one OpenBLAS thread, matplotlib imported lean.

    Loading OpenBLAS starts a thread per core that spins, waiting for work, for a while: in
    the chart worker, which does no linear algebra, that was a third of the import's CPU time
    (numpy and matplotlib: 0.39 s → 0.29 s on two cores). The worker is forked before anything
    imports numpy, so the setting takes; one set by the user is kept. Charts do not depend on
    it (their arrays are a few points long).
    """
    from scendsl.report.charts import warm_up

    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    warm_up(lean=True)


def jobs_setting() -> int | None:
    """SCENDSL_JOBS as the build reads it: 1 for no worker (written 1, 0 or below), 2 for the
    chart worker whatever the load (2 or more: a build has one worker at most), None for the
    default (unset, empty, or not a whole number in ASCII digits: as if unset)."""
    text = os.environ.get("SCENDSL_JOBS", "").strip()
    digits = text.removeprefix("-")
    if not (digits.isascii() and digits.isdigit()):
        return None
    return 1 if int(text) <= 1 else 2


def _fork_pool(
    initializer: Callable[[], None] | None = None,
    before_fork: Callable[[], None] | None = None,
) -> Pool | None:
    """A pool of one forked process (Linux, two or more cores, SCENDSL_JOBS not 1 or less), or
    None. `before_fork` runs in this process just before the fork (not when there is none).

    Without SCENDSL_JOBS, also None while the machine is busy (a load average of at least its
    cores): a worker then finds no idle core, so whatever time it saves the build it takes
    from the machine's other processes, and it adds CPU of its own (measured on two cores: the
    samples' build uses ~0.15 s more CPU in all with the workers than without).
    SCENDSL_JOBS of 2 or more forks whatever the load (`jobs_setting`).
    """
    import sys

    jobs = jobs_setting()
    if jobs == 1 or not sys.platform.startswith("linux"):
        return None
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if (cores or 1) < 2 or (jobs is None and _busy(cores or 1)):
        return None
    if before_fork is not None:
        before_fork()
    try:
        import multiprocessing

        # Ignored while forking, and so inherited: no window before the initializer runs.
        with handling(signal.SIGINT, signal.SIG_IGN):
            pool = multiprocessing.get_context("fork").Pool(
                1, initializer=_quiet_worker, initargs=(initializer,)
            )
    except (OSError, ValueError, ImportError):
        return None
    _first_workers[id(pool)] = _worker_ids(pool)
    return pool


#: The worker processes each live pool was made with (by `id` of the pool), to tell a worker
#: that died (`worker_lost`): the pool puts a new process in its place, under another id.
_first_workers: dict[int, frozenset[int]] = {}
#: Seconds between looks at the worker while a chart is awaited from it.
WORKER_POLL = 0.25


def _worker_ids(pool: Pool) -> frozenset[int]:
    return frozenset(process.pid for process in getattr(pool, "_pool", ()) if process.pid)


def worker_lost(pool: Pool) -> bool:
    """Whether a worker of `pool` died since it was made (killed by the OOM killer or a user,
    crashed in a library's C code). A worker that dies waiting for a task holds the pool's
    queue lock for ever, so neither its tasks nor any later one are ever answered: the pool
    must be given up, and what it was asked done elsewhere."""
    first = _first_workers.get(id(pool))
    if first is None:
        return False
    alive = [process for process in getattr(pool, "_pool", ()) if process.is_alive()]
    return _worker_ids(pool) != first or len(alive) != len(first)


#: Seconds a worker may owe an answer without using any CPU before it is taken for hung
#: (stopped by a `kill -STOP` or a debugger, blocked on a lock it will never get): what it
#: owes is then made here, the same bytes. A chart takes a few hundredths of a second of CPU.
WORKER_STALL = 10.0


def _cpu_ticks(pool: Pool) -> int | None:
    """The CPU time the pool's workers have used, in clock ticks (Linux's /proc, where a
    worker is forked); None where it cannot be read."""
    ticks = 0
    for process in getattr(pool, "_pool", ()):
        try:
            with open(f"/proc/{process.pid}/stat", "rb") as stat:
                # After the command's name in brackets, which may hold blanks: the state, then
                # utime and stime at fields 14 and 15 of the line (11 and 12 after the name).
                fields = stat.read().rpartition(b")")[2].split()
            ticks += int(fields[11]) + int(fields[12])
        except (OSError, ValueError, IndexError):
            return None
    return ticks


def answer(pool: Pool, result: Any) -> tuple[bool, Any]:
    """(True, what `result`, an AsyncResult of `pool`, gives) once it is ready, or (False,
    None) as soon as the pool's worker is lost (`worker_lost`) or has used no CPU for
    WORKER_STALL seconds while it owes the answer (hung), never waiting for ever on a dead or
    stopped worker. The result's exception, if it raised, is raised here."""
    import multiprocessing

    ticks, since = _cpu_ticks(pool), time.monotonic()
    while True:
        try:
            return True, result.get(WORKER_POLL)
        except multiprocessing.TimeoutError:
            if worker_lost(pool):
                return False, None
            now_ticks, now = _cpu_ticks(pool), time.monotonic()
            if now_ticks != ticks or now_ticks is None:
                ticks, since = now_ticks, now
            elif now - since >= WORKER_STALL:
                return False, None


#: How long ending a pool may take before its worker is killed and the pool left behind.
END_TIMEOUT = 5.0


def end_pool(pool: Pool) -> None:
    """Stop a pool's worker and its handler threads, never waiting for ever.

    `Pool.terminate()` joins the pool's worker-handler thread, which waits in `select` for the
    wake-up `terminate` sends; once, in the test suite, that wake-up was lost and the build
    waited for ever (a signal to the process woke it). So the pool is ended from a daemon
    thread: if that has not finished in END_TIMEOUT seconds, the worker is killed and the build
    goes on (the thread is left to finish; the command exits without waiting for it).
    """

    _first_workers.pop(id(pool), None)

    def end() -> None:
        pool.terminate()
        pool.join()
        _release(pool)

    ender = threading.Thread(target=end, name="scendsl-end-pool", daemon=True)
    ender.start()
    ender.join(END_TIMEOUT)
    if ender.is_alive():
        for process in getattr(pool, "_pool", ()):  # the worker processes (CPython's Pool)
            if process.is_alive():
                process.kill()


def _release(pool: Pool) -> None:
    """Close an ended pool's pipes and process handles now. CPython leaves them to the pool's
    finalizer, and a failed build's traceback keeps the pool alive until a full garbage
    collection: 16 descriptors a build, which ran a long-lived process (the test suite, an
    embedding tool) out of them."""
    queues = (getattr(pool, name, None) for name in ("_inqueue", "_outqueue", "_change_notifier"))
    for queue in queues:
        for end in (getattr(queue, "_reader", None), getattr(queue, "_writer", None)):
            if end is not None:
                with contextlib.suppress(OSError):
                    end.close()
    for process in getattr(pool, "_pool", ()):
        with contextlib.suppress(ValueError):  # still running: left to the finalizer
            process.close()


def _busy(cores: int) -> bool:
    """Whether the last minute's load average leaves no core idle."""
    try:
        return os.getloadavg()[0] >= cores
    except OSError:
        return False


def _quiet_worker(initializer: Callable[[], None] | None = None) -> None:
    """Workers ignore Ctrl-C: the terminal sends SIGINT to the whole process group, and only the
    main process should answer it (one line, exit 130); it then terminates the workers."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if initializer is not None:
        initializer()


_draws_then_ends = False


def drawing_process_ends_after_the_build() -> None:
    """Say that this process ends once its build is done (the command line's `build`): the
    charts it draws itself (no chart worker: one core, a busy machine, SCENDSL_JOBS=1, or a
    few charts missing from the build cache) import matplotlib lean, as the chart worker does
    (`charts.import_matplotlib`: ~0.08 s less CPU). Not in a process that goes on to other
    work, which may read the docstrings the lean import leaves out."""
    global _draws_then_ends
    _draws_then_ends = True


class WorkSharing:
    """The charts, each sent to the chart worker as soon as a template asks for it (drawn here
    without one), and the pages' HTML conversion, done here after the last template; both
    taken from the build cache when it has them."""

    def __init__(
        self,
        timings: dict[str, float],
        chart_workers: Pool | None = None,
        cache: BuildCache | None = None,
    ) -> None:
        self.timings, self.chart_workers = timings, chart_workers
        # key -> job (drawn here), AsyncResult (worker) or _Done (from the cache)
        self.charts: dict[str, Any] = {}
        self.pages: list[Any] = []  # text (converted here) or _Done (from the cache)
        # With a build cache: the cache key of each chart and page made here (not found in it).
        self.cache = cache
        self.chart_keys: dict[str, str] = {}
        self.page_keys: dict[int, str] = {}
        #: The job of each chart sent to the chart worker: drawn here if the worker is lost.
        self.sent: dict[str, tuple[str, tuple[Any, ...]]] = {}
        self.lost = False

    def chart(self, key: str, job: tuple[str, tuple[Any, ...]]) -> None:
        if key in self.charts:
            return
        if self.cache is not None:
            from scendsl.app.cache import chart_from_entry

            # repr of a job's plain data is stable (as for the chart's own key in the page).
            entry = self.cache.key("chart", repr(job))
            found, svg = chart_from_entry(self.cache.get_text("chart", entry) or "")
            if found:
                self.charts[key] = _Done(svg)
                return
            self.chart_keys[key] = entry
        if self.chart_workers is None:
            self.charts[key] = job
            return
        from scendsl.report.charts import draw

        self.sent[key] = job
        self.charts[key] = self.chart_workers.apply_async(draw, (job,))

    def page(self, text: str) -> None:
        if self.cache is not None:
            entry = self.cache.key("html", text)
            body = self.cache.get_text("html", entry)
            if body is not None:
                self.pages.append(_Done(body))
                return
            self.page_keys[len(self.pages)] = entry
        self.pages.append(text)

    def finish(self) -> tuple[dict[str, str | None], list[str]]:
        """Convert the pages, then collect the charts (drawn here without a chart worker):
        (charts, page bodies)."""
        from scendsl.report.charts import draw
        from scendsl.report.render import html_body

        clock = time.perf_counter()
        bodies: list[str] = [p.value if isinstance(p, _Done) else html_body(p) for p in self.pages]
        self.timings["markdown to html"] = time.perf_counter() - clock
        clock = time.perf_counter()
        if _draws_then_ends and any(isinstance(job, tuple) for job in self.charts.values()):
            from scendsl.report.charts import import_matplotlib

            import_matplotlib(lean=True)
        drawn: dict[str, str | None] = {}
        chart_seconds = 0.0
        for key, job in self.charts.items():
            if isinstance(job, _Done):
                drawn[key] = job.value
                continue
            drawn[key], seconds = draw(job) if isinstance(job, tuple) else self._from_worker(key)
            chart_seconds += seconds
        self._keep_text_layouts()
        if self.chart_workers is None:
            self.timings["charts"] = time.perf_counter() - clock
        else:
            self.timings["waiting for the charts"] = time.perf_counter() - clock
            self.timings["charts (in the chart worker)"] = chart_seconds
        if self.cache is not None:
            self._keep(drawn, bodies)
        return drawn, bodies

    def _from_worker(self, key: str) -> tuple[str | None, float]:
        """The chart `key` as the chart worker drew it, or drawn here (the same bytes) once
        the worker is lost: a build whose chart worker was killed waited for ever."""
        from scendsl.report.charts import draw

        assert self.chart_workers is not None
        if not self.lost:
            done, drawn = answer(self.chart_workers, self.charts[key])
            if done:
                return drawn
            self.lost = True  # the rest are drawn here; the pool is ended as ever
        return draw(self.sent[key])

    def _keep_text_layouts(self) -> None:
        """The text layouts of the charts drawn, kept for the next build by the process that
        drew them (`chart_kit.keep_text_extents`; the chart worker is idle by now)."""
        from scendsl.report.chart_kit import keep_text_extents

        drew_here = self.lost or any(isinstance(job, tuple) for job in self.charts.values())
        if self.chart_workers is None or self.lost:
            if drew_here:
                keep_text_extents()
        elif any(not isinstance(job, _Done) for job in self.charts.values()):
            done, _ = answer(self.chart_workers, self.chart_workers.apply_async(keep_text_extents))
            self.lost = self.lost or not done  # a worker that hangs here keeps nothing

    def _keep(self, drawn: dict[str, str | None], bodies: list[str]) -> None:
        """Put what was made in this build (not taken from the cache) into the cache."""
        from scendsl.app.cache import chart_entry

        assert self.cache is not None
        clock = time.perf_counter()
        for key, entry in self.chart_keys.items():
            self.cache.put_text("chart", entry, chart_entry(drawn[key]))
        for index, entry in self.page_keys.items():
            self.cache.put_text("html", entry, bodies[index])
        self.timings["keeping in the cache"] = time.perf_counter() - clock


class _Done:
    """A chart or page body taken from the build cache."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value
