"""Where a cold build's time goes: a cProfile of `scendsl build` of the samples in one process.

    python benchmarks/profile_build.py                 # top 40 by cumulative time
    python benchmarks/profile_build.py tottime 60      # top 60 by own time
    python benchmarks/profile_build.py --out build.prof  # keep the profile (snakeviz, pstats)

One process (SCENDSL_JOBS=1): the chart worker of a build runs the same code, forked, so its
work is in this profile too, in the functions that draw the charts. The caches are as
`benchmarks/run.py build` has them for `build_cold`: the grammar's analysis, the compiled
templates and the catalog kept (a warm-up build fills them), the build cache not. The profiler
slows Python code several times more than code in C (FreeType, numpy), so read shares, not
seconds; time figures with `benchmarks/run.py`.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sort", nargs="?", default="cumulative", help="pstats sort key")
    parser.add_argument("count", nargs="?", type=int, default=40, help="rows shown")
    parser.add_argument("--out", help="write the profile to this file")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="scendsl-profile-"))
    try:
        os.environ["SCENDSL_CACHE_DIR"] = str(work / "cache")
        os.environ["SCENDSL_JOBS"] = "1"
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as the command line sets it
        command = ["build", str(ROOT / "scenarios"), "-o", str(work / "out")]
        # A warm-up build in its own process fills the kept caches; the one profiled is the
        # first of this process, imports included, as a user's cold build.
        subprocess.run([sys.executable, "-m", "scendsl", *command], check=True)
        shutil.rmtree(work / "out")
        shutil.rmtree(work / "cache" / "v1", ignore_errors=True)  # no build cache
        profile = cProfile.Profile()
        profile.enable()
        from scendsl import cli

        # As the console script (`cli.run`): no pydantic plugins looked for, and the process
        # ends with the command, so the collector paused for it is never turned back on.
        # Without the second, the collector resumed at the end of `main` and its first
        # collection walked every object the build made (~0.24 s), counted as build time.
        cli._without_pydantic_plugins()
        cli._ends_after_command = True
        code = cli.main(command)
        profile.disable()
        if code != 0:
            sys.exit(f"the build failed (exit code {code})")
        if args.out:
            profile.dump_stats(args.out)
        pstats.Stats(profile).sort_stats(args.sort).print_stats(args.count)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
