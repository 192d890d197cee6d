"""The project's one benchmark harness: one line per figure, `name value unit`.

    python benchmarks/run.py            # every figure
    python benchmarks/run.py parse eval # only some groups

Figures are wall-clock on this machine (report the machine with them); each is the best of a few
runs, which is the figure least disturbed by other load.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKETCH = ROOT / "tests" / "fixtures" / "sketch" / "language-sketch.scn"
GROUPS: dict[str, callable] = {}


def group(name):
    def register(function):
        GROUPS[name] = function
        return function

    return register


def report(name: str, value: float, unit: str) -> None:
    print(f"{name} {value:.4g} {unit}", flush=True)


def best_of(runs: int, function) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def cold(args: list[str]) -> float:
    """Wall time of a fresh `python -m scendsl ...` process."""
    def run():
        subprocess.run([sys.executable, "-m", "scendsl", *args], cwd=ROOT, check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    run()  # warm the OS file cache and Python's bytecode cache
    return best_of(7, run)


@group("check")
def bench_check() -> None:
    report("check_sketch_cold", cold(["check", str(SKETCH)]), "s")
    report("python_startup", best_of(7, lambda: subprocess.run([sys.executable, "-c", "pass"])), "s")


def generated_text(target_bytes: int) -> str:
    """A large valid file: many scenarios shaped like the sketch's."""
    block = SKETCH.read_text().split("# Inheritance")[0].replace('import "references.scn"', "")
    parts, size, index = [], 0, 0
    while size < target_bytes:
        chunk = block.replace("scenario colossus2 ", f"scenario s{index} ")
        parts.append(chunk)
        size += len(chunk)
        index += 1
    return "".join(parts)


@group("parse")
def bench_parse() -> None:
    from scendsl.language.parse import parse

    text = generated_text(5 * 1024 * 1024)
    parse(generated_text(100_000), "warm.scn")
    seconds = best_of(2, lambda: parse(text, "big.scn"))
    report("parse_throughput", len(text.encode()) / seconds / 1e6, "MB/s")


@group("eval")
def bench_eval() -> None:
    import scendsl
    from scendsl.model.evaluate import evaluate

    scenarios = scendsl.load(str(ROOT / "scenarios"))
    scenario = scenarios.get("colossus2")
    evaluate(scenario)
    runs = 200
    seconds = best_of(3, lambda: [evaluate(scenario) for _ in range(runs)]) / runs
    report("eval_one_scenario", seconds * 1e3, "ms")


@group("build")
def bench_build() -> None:
    out = Path(tempfile.mkdtemp(prefix="scendsl-bench-"))
    try:
        report("build_cold", cold(["build", "scenarios", "-o", str(out)]), "s")
    finally:
        shutil.rmtree(out, ignore_errors=True)


def main(argv: list[str]) -> int:
    chosen = argv or list(GROUPS)
    unknown = [name for name in chosen if name not in GROUPS]
    if unknown:
        print(f"unknown group(s): {', '.join(unknown)}; known: {', '.join(GROUPS)}", file=sys.stderr)
        return 2
    os.chdir(ROOT)
    for name in chosen:
        GROUPS[name]()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
