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


@needs_fork
def test_a_build_forks_the_chart_worker_alone(tmp_path):
    # Before: a second worker was forked once the scenarios were loaded, for the Monte Carlo and
    # part of the pages' HTML. It shared ~100 MB with this process, whose every page written
    # after the fork (a reference count is a write) was then copied: more CPU in all than the
    # worker took off the build.
    code = (
        "import os, sys\n"
        "forks = []\n"
        "os.register_at_fork(after_in_parent=lambda: forks.append(1))\n"
        "from scendsl.app.build import build\n"
        "report = build(['scenarios/colossus2.scn'], sys.argv[1], samples=200)\n"
        "assert report.exit_code == 0\n"
        "assert len(forks) == 1, f'{len(forks)} processes forked'\n"
    )
    environment = {**os.environ, "SCENDSL_JOBS": "2", "SCENDSL_CACHE_DIR": ""}
    subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "out")],
        cwd=ROOT,
        check=True,
        timeout=120,
        env=environment,
    )


def test_longest_with_any_guess_finds_what_bisection_finds():
    from scendsl.report.chart_kit import _longest

    for low in range(0, 4):
        for high in range(low, low + 12):
            for answer in range(low, high + 1):
                asked: list[int] = []

                def fits(n: int, answer: int = answer, asked: list[int] = asked) -> bool:
                    asked.append(n)
                    return n <= answer

                plain = _longest(fits, low, high, False)
                assert plain == answer
                for guess in range(low - 2, high + 3):
                    asked.clear()
                    found = _longest(fits, low, high, False, lambda guess=guess: guess)
                    assert found == answer, (low, high, answer, guess)
                    assert all(low <= n <= high for n in asked)
                    if guess == answer and low < answer < high:
                        assert len(asked) == 2  # the guess, and the next one: too wide


def test_wrapping_a_long_title_measures_few_texts_it_does_not_draw():
    # Before: the whole title, then each bisection probe: 8 texts for its 3 lines; with the
    # search starting where the average width of a character said each line ends, 5. It now
    # starts where the sum of the characters' advances says (nothing laid out for it).
    from scendsl.report import chart_kit

    title = (
        "Purchase price of the cluster's accelerators — sweep gulf_gb200_ae_years "
        "(extrapolated price at year 2027, 2028)"
    )
    chart_kit._measure.cache_clear()
    lines = chart_kit._title_lines(title)
    assert len(lines) == 3
    measured = chart_kit._measure.cache_info().currsize
    assert measured <= 4, measured


def test_a_texts_advances_are_near_its_measured_width():
    # The guess of where a line ends reads each character's advance from the font: in the
    # font's units, at the size asked, the sum is within 1 % of the laid-out width
    # (kerning and the ink's overhang at the ends are all that differ).
    from scendsl.report import chart_kit

    for text, bold in [
        ("Colossus2 bought at 2024 prices", False),
        ("Peak compute at dense BF16 · log scale", True),
        ("Training time at the cluster's peak: 24.6 days (H100, 2025)", False),
    ]:
        for size in (chart_kit._LABEL, chart_kit._TITLE):
            measured = chart_kit._measure(text, size, bold)
            estimated = chart_kit._estimate(text, bold) * size
            assert abs(estimated - measured) <= 0.01 * measured, (text, size, estimated, measured)
