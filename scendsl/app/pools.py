"""The worker processes of a build and the work shared with them.

On Linux with two or more cores and one of them idle, a build forks two workers
(`SCENDSL_JOBS=1`, 0 or below: none; 2 or more: whatever the load; see `jobs_setting`): a
chart worker, forked first, that imports matplotlib while this process loads and then draws
the charts templates ask for; and a work worker, forked once the scenarios are loaded, that runs the Monte Carlo and converts some
pages to HTML. What a worker returns is byte-identical to what this process would make. Workers
ignore Ctrl-C: the main process answers it and ends them.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from scendsl.app.pipeline import monte_carlo_runs
from scendsl.signals import handling

if TYPE_CHECKING:
    from multiprocessing.pool import Pool

    from scendsl.app.cache import BuildCache


def work_pool() -> Pool | None:
    """A worker process for the Monte Carlo and part of the Markdown → HTML work, or None.

    Used on Linux with two or more cores (fork keeps the start cheap and shares what this process
    has loaded); `SCENDSL_JOBS=1` turns it off. What the worker returns is byte-identical to what
    this process would make.
    """
    return _fork_pool(before_fork=_share_with_the_work_worker)


def chart_pool() -> Pool | None:
    """A worker process that imports matplotlib at once and draws the charts later, or None.

    Forked at the start of a build, it spends the time this process loads and evaluates on the
    import; the charts are drawn while the templates render and the pages are converted.
    Same conditions as `work_pool`; the charts are byte-identical to ones drawn here.
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


def _share_with_the_work_worker() -> None:
    """Build this process's Markdown converter before the work worker is forked: both convert
    pages, and the worker then shares it rather than importing and building its own (~0.03 s
    of CPU). This process would build it a moment later anyway (`_prepare_rendering`). The
    Monte Carlo's module too, which this process imports next to check the sample budget
    (~0.01 s)."""
    import scendsl.model.uncertainty  # noqa: F401
    from scendsl.report.render import markdown_to_html

    markdown_to_html("")


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
    """SCENDSL_JOBS as the build reads it: 1 for no workers (written 1, 0 or below), 2 for
    workers whatever the load (2 or more: a build has at most one worker of each kind), None
    for the default (unset, empty, or not a whole number in ASCII digits: as if unset)."""
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
            return multiprocessing.get_context("fork").Pool(
                1, initializer=_quiet_worker, initargs=(initializer,)
            )
    except (OSError, ValueError, ImportError):
        return None


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


def _worker_task(task: tuple[str, Any]) -> tuple[Any, float]:
    """One job of the worker process, with the seconds it took: the Monte Carlo runs, or one
    page's Markdown turned into HTML."""
    kind, payload = task
    started = time.perf_counter()
    if kind == "monte carlo":
        return monte_carlo_runs(*payload), time.perf_counter() - started
    from scendsl.report.render import html_body

    _yield_to_the_charts()
    return html_body(payload), time.perf_counter() - started


_yielded = False


def _yield_to_the_charts() -> None:
    """Lower the work worker's priority once its Monte Carlo is done (its first page): its pages
    are not needed before the charts are, and the charts are the build's longest chain of work,
    which should not share a core three ways. Measured: ~0.1 s less per build on two cores."""
    global _yielded
    if not _yielded:
        _yielded = True
        try:
            os.nice(10)
        except OSError:
            pass


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
    """The pages' HTML conversion, shared with the worker as pages are rendered, and the charts.

    The worker takes the pages one at a time, in order, each as soon as it is free (it asks
    for the next when it hands one back); after the last template this process converts those
    it has not taken. So neither waits for the other: on a busy machine, where the worker
    (at a lower priority) gets little time, this process does not wait for a queue of pages
    handed over in advance (0.15 s of a build measured under a load of 4 on two cores), and on
    an idle one the worker converts nearly all of them. Each chart goes to the chart worker as
    soon as a template asks for it. Without workers everything is done here.
    """

    def __init__(
        self,
        pool: Pool | None,
        timings: dict[str, float],
        chart_workers: Pool | None = None,
        cache: BuildCache | None = None,
    ) -> None:
        self.pool, self.timings, self.chart_workers = pool, timings, chart_workers
        # key -> job (drawn here), AsyncResult (worker) or _Done (from the cache)
        self.charts: dict[str, Any] = {}
        self.pages: list[Any] = []  # text (here), AsyncResult (worker) or _Done (the cache)
        # Pages waiting for the worker (indices into `pages`, oldest first), and whether it has
        # one: shared with the pool's result thread, which hands the worker the next page.
        self._waiting: deque[int] = deque()
        self._worker_busy = False
        self._lock = threading.Lock()
        # With a build cache: the cache key of each chart and page made here (not found in it).
        self.cache = cache
        self.chart_keys: dict[str, str] = {}
        self.page_keys: dict[int, str] = {}

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
        if self.pool is not None:
            with self._lock:
                self._waiting.append(len(self.pages) - 1)
                if not self._worker_busy:
                    self._hand_over()

    def _hand_over(self) -> None:
        """Give the worker the oldest waiting page, if any (the caller holds the lock)."""
        assert self.pool is not None
        if not self._waiting:
            self._worker_busy = False
            return
        index = self._waiting.popleft()
        self._worker_busy = True
        try:
            self.pages[index] = self.pool.apply_async(
                _worker_task,
                (("page", self.pages[index]),),
                callback=self._handed_back,
                error_callback=self._worker_failed,
            )
        except ValueError:  # the pool is being ended (the build stopped): it takes no more
            self._waiting.clear()

    def _handed_back(self, _result: Any) -> None:
        with self._lock:
            self._hand_over()

    def _worker_failed(self, _error: BaseException) -> None:
        # Its error is raised where the page is collected (`finish`); no more pages go to it.
        with self._lock:
            self._waiting.clear()
            self._worker_busy = True

    def finish(self) -> tuple[dict[str, str | None], list[str]]:
        """Convert this process's pages, then collect the worker's pages and the charts (drawn
        here without a chart worker): (charts, page bodies)."""
        from scendsl.report.charts import draw
        from scendsl.report.render import html_body

        with self._lock:  # the pages the worker has not taken are converted here
            self._waiting.clear()
            self._worker_busy = True
        clock = time.perf_counter()
        bodies: list[Any] = [
            html_body(p) if isinstance(p, str) else p.value if isinstance(p, _Done) else p
            for p in self.pages
        ]
        self.timings["markdown to html (here)"] = time.perf_counter() - clock
        clock = time.perf_counter()
        worker_seconds = 0.0
        for index, body in enumerate(bodies):
            if not isinstance(body, str):
                bodies[index], seconds = body.get()
                worker_seconds += seconds
        if self.pool is not None:
            self.timings["waiting for the worker"] = time.perf_counter() - clock
            self.timings["markdown to html (in the worker)"] = worker_seconds
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
            drawn[key], seconds = draw(job) if isinstance(job, tuple) else job.get()
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

    def _keep_text_layouts(self) -> None:
        """The text layouts of the charts drawn, kept for the next build by the process that
        drew them (`chart_kit.keep_text_extents`; the chart worker is idle by now)."""
        from scendsl.report.chart_kit import keep_text_extents

        drew_here = any(isinstance(job, tuple) for job in self.charts.values())
        if self.chart_workers is None:
            if drew_here:
                keep_text_extents()
        elif any(not isinstance(job, _Done) for job in self.charts.values()):
            self.chart_workers.apply(keep_text_extents)

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
