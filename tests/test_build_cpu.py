"""The CPU of a cold build across its processes (issue 16): work the workers would repeat is done
once, before they are forked, and shared."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

needs_fork = pytest.mark.skipif(
    not sys.platform.startswith("linux") or len(os.sched_getaffinity(0)) < 2,
    reason="workers are forked on Linux with two or more cores",
)


def _run(code: str, **env: str) -> None:
    environment = {**os.environ, "SCENDSL_JOBS": "2", **env}
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=60, env=environment)


@needs_fork
def test_chart_worker_is_forked_with_numpy_imported_not_importing_it_again():
    # Before: the chart worker imported numpy and numpy.ma itself, and so did the build's process.
    code = (
        "import sys; from scendsl.app import pools\n"
        "assert 'numpy' not in sys.modules\n"
        "pool = pools.chart_pool(); assert pool is not None\n"
        "assert 'numpy.ma' in sys.modules  # imported here, before the fork\n"
        "pools.end_pool(pool)\n"
    )
    _run(code, OPENBLAS_NUM_THREADS="1")


@needs_fork
def test_chart_worker_sets_its_own_blas_threads_when_the_environment_does_not():
    # Without OPENBLAS_NUM_THREADS (an embedding program), numpy is left to the worker, which
    # sets one BLAS thread before importing it: not imported here first.
    code = (
        "import os, sys; from scendsl.app import pools\n"
        "pool = pools.chart_pool(); assert pool is not None\n"
        "assert 'numpy' not in sys.modules\n"
        "pools.end_pool(pool)\n"
    )
    environment = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    environment["SCENDSL_JOBS"] = "2"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=60, env=environment)


def _converter_id() -> int:
    from scendsl.report import render

    return id(render._markdown_converter)


@needs_fork
def test_work_worker_shares_the_markdown_converter_built_before_the_fork(monkeypatch):
    # Before: the worker imported markdown and built a converter of its own for its first page.
    from scendsl.app import pools
    from scendsl.report import render

    monkeypatch.setenv("SCENDSL_JOBS", "2")
    monkeypatch.setattr(render, "_markdown_converter", None)
    pool = pools.work_pool()
    assert pool is not None
    try:
        assert render._markdown_converter is not None
        # The worker's converter is this process's object, copied by the fork.
        assert pool.apply(_converter_id) == id(render._markdown_converter)
    finally:
        pools.end_pool(pool)


@needs_fork
def test_work_worker_is_forked_with_the_monte_carlo_module_imported():
    # Before: imported after the fork, by this process (the sample budget) and by the worker.
    code = (
        "import sys; from scendsl.app import pools\n"
        "assert 'scendsl.model.uncertainty' not in sys.modules\n"
        "pool = pools.work_pool(); assert pool is not None\n"
        "assert 'scendsl.model.uncertainty' in sys.modules\n"
        "pools.end_pool(pool)\n"
    )
    _run(code)
